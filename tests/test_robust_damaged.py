"""A damaged index: each file of the live version, CURRENT, and the exported model in turn is truncated, zeroed,
deleted or swapped for the same file of another build.

Read-only commands refuse: `qa index status` and `qa show` exit 1 with one line that says the index is damaged and
to run `qa index build`. `qa ask` repairs: it says on one stderr line that the index is damaged and is being rebuilt,
then answers. `qa index build` repairs it too.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import FACTS, Built, Paths, copy_index, one_line_error, write_articles

from qa import store

VERSION_FILES = [
    "manifest.json",
    "meta.sqlite",
    "vectors.faiss",
    "sentences.npy",
    "bm25/data.csc.index.npy",
    "bm25/indices.csc.index.npy",
    "bm25/indptr.csc.index.npy",
    "bm25/params.index.json",
    "bm25/vocab.index.json",
]
MODEL_FILES = ["model.onnx", "model.int8.onnx", "tokenizer.json", "embedder.json", "reader-base-3.onnx"]
MODES = ["truncate", "zero", "delete", "swap"]

OTHER_ARTICLES = {
    "orchard.txt": "Orchard Fair\n\nThe Pellham orchard fair gave its pumpkin prize to farmer Ilse Varga.\n",
    "bridge.txt": "Footbridge Reopens\n\nThe Marlow footbridge reopened after painters spent six weeks on it.\n",
}


def _targets(half: int) -> list:
    """Every (file, damage) pair. The quick run (-m "not slow") damages each file once, in one of the two tests below
    (``half``: every other file), the kind of damage turning from file to file so that each test still meets every
    kind; the full run tries every pair in both tests."""
    cases = [(f"version/{name}", mode) for name in VERSION_FILES for mode in MODES]
    cases += [("CURRENT", mode) for mode in MODES]
    # Another build of the same model exports byte-identical files, so swapping them is no damage at all.
    cases += [(f"model/{name}", mode) for name in MODEL_FILES for mode in MODES if mode != "swap"]
    targets = list(dict.fromkeys(target for target, _ in cases))
    params = []
    for target, mode in cases:
        n = targets.index(target)
        modes = [m for t, m in cases if t == target]
        quick = n % 2 == half and mode == modes[(n // 2 + half) % len(modes)]
        params.append(pytest.param(target, mode, marks=() if quick else pytest.mark.slow))
    return params


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Path:
    """Another build (other articles) whose files are swapped in."""
    from qa.build import build
    from qa.settings import Settings

    root = tmp_path_factory.mktemp("other")
    seeds = write_articles(root / "seeds", OTHER_ARTICLES)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(model_cache))
        build(Settings(seeds=seeds, index=root / "index"))
    return root / "index"


def _resolve(index: Path, target: str) -> Path:
    if target == "CURRENT":
        return index / store.CURRENT
    kind, name = target.split("/", 1)
    if kind == "version":
        return store.current_version(index) / name
    key = json.loads((store.current_version(index) / store.MANIFEST).read_text())["model_key"]
    return store.model_dir(index, key) / name


def damage(index: Path, target: str, mode: str, other: Path | None = None) -> None:
    """Damage one file. Files are replaced, never edited in place, so hard-linked copies stay intact."""
    path = _resolve(index, target)
    assert path.is_file(), f"{target} is not in the index; update the list of index files in this test"
    data = path.read_bytes()
    path.unlink()
    if mode == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif mode == "zero":
        path.write_bytes(bytes(len(data)))
    elif mode == "swap":
        assert other is not None
        swapped = _resolve(other, target).read_bytes()
        assert swapped != data, f"{target} of the other build is the same file"
        path.write_bytes(swapped)
    else:
        assert mode == "delete"


def test_the_lists_above_cover_every_file_of_an_index(built: Built) -> None:
    version = store.current_version(built.index)
    in_version = sorted(p.relative_to(version).as_posix() for p in version.rglob("*") if p.is_file())
    assert in_version == sorted(VERSION_FILES)
    in_model = {p.name for p in built.model_dir.iterdir() if p.is_file()}
    assert in_model - {store.MODEL_CHECKSUMS} == set(MODEL_FILES)


def _check_refused(qa) -> str:
    lines = []
    for args in (["index", "status"], ["show", "lighthouse.txt"]):
        run = qa(*args)
        assert run.code == 1, (args, run)
        line = one_line_error(run.err)
        assert "damaged" in line and "qa index build" in line, line
        lines.append(line)
    return lines[0]


def _check_answers(qa) -> None:
    """Every article answers again (one `qa ask --file`, so the model loads once)."""
    run = qa("ask", "--file", "-", stdin="\n".join(question for question, _, _ in FACTS) + "\n")
    assert run.code == 0, run.err
    records = [json.loads(line) for line in run.out.splitlines()]
    assert len(records) == len(FACTS)
    for record, (_, expected, source) in zip(records, FACTS, strict=True):
        best = record["answers"][0]
        assert best["source"] == source and expected in best["passage"]


@pytest.mark.parametrize(("target", "mode"), _targets(half=0))
def test_damage_is_refused_by_status_and_show_and_repaired_by_ask(
    ready_index: Paths, qa, other: Path, target: str, mode: str
) -> None:
    damage(ready_index.index, target, mode, other)
    _check_refused(qa)

    question, expected, source = FACTS[2]
    run = qa("ask", question, "--format", "json")
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    notices = [line for line in run.err.splitlines() if line.strip()]
    assert len(notices) == 1 and "damaged" in notices[0] and "building the index" in notices[0], run.err
    best = json.loads(run.out)["answers"][0]
    assert best["source"] == source and expected in best["passage"]

    status = qa("index", "status")
    assert status.code == 0 and "up to date" in status.out, status


@pytest.mark.parametrize(("target", "mode"), _targets(half=1))
def test_damage_is_repaired_by_index_build(ready_index: Paths, qa, other: Path, target: str, mode: str) -> None:
    damage(ready_index.index, target, mode, other)
    run = qa("index", "build")
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    status = qa("index", "status")
    assert status.code == 0 and "up to date" in status.out, status
    _check_answers(qa)


def test_current_deleted_with_versions_left_is_damage_not_a_missing_index(ready_index: Paths, qa) -> None:
    (ready_index.index / store.CURRENT).unlink()
    assert "damaged" in _check_refused(qa)


def test_no_index_at_all_is_reported_as_missing(qa_paths: Paths, qa) -> None:
    write_articles(qa_paths.seeds)
    run = qa("index", "status")
    assert run.code == 1
    assert "no index" in one_line_error(run.err)


def test_manifest_of_the_wrong_shape_is_damage(ready_index: Paths, qa) -> None:
    path = _resolve(ready_index.index, "version/manifest.json")
    path.unlink()
    path.write_text(json.dumps({"files": ["not", "a", "mapping"], "format": 1}))
    _check_refused(qa)


@pytest.mark.slow
def test_model_damage_in_the_per_user_cache_is_repaired(
    ready_index: Paths, qa, model_cache: Path, built: Built
) -> None:
    """A damaged export in the cache must not be copied into a new index: it is exported again."""
    cache = model_cache / "qa" / "models" / built.model_key
    saved = ready_index.root / "saved-cache"
    copy_index(cache, saved)
    try:
        (cache / "model.onnx").unlink()
        (cache / "model.onnx").write_bytes(b"\0" * 1000)
        damage(ready_index.index, "model/model.onnx", "zero")
        run = qa("index", "build")
        assert run.code == 0, run.err
        _check_answers(qa)
    finally:
        for path in saved.iterdir():
            os.replace(path, cache / path.name)
