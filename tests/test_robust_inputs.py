"""Folders nobody curated: every bad file is indexed correctly or skipped with one warning line naming it and the
reason, and the rest of the folder is still indexed and answerable. All through the real `qa index build`."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ARTICLES, FACTS, Paths, Run, subprocess_env, write_articles

from qa import ingest

# -- one messy folder, built once through a subprocess ------------------------------------------------------------

ODD_GOOD: dict[str, tuple[bytes, str, str]] = {
    # name: (bytes on disk, question, text its best passage must hold, decoded correctly)
    "utf16-bom.txt": (
        "Beekeepers Count Their Hives\n\nIn the Orrin valley the beekeeper Halvard Strøm counted 38 hives this "
        "spring, twice as many as last year.\n".encode("utf-16"),
        "How many hives did Halvard Strøm count?",
        "Halvard Strøm counted 38 hives",
    ),
    "cp1252.txt": (
        "Café Wins the Regional Coffee Prize\n\nThe café on Quill Street, run by Renée Dubois, won the "
        "regional coffee prize and €2,500 for its “smoked maple” blend.\n".encode("cp1252"),
        "Who runs the café that won the regional coffee prize?",
        "Renée Dubois",
    ),
    "latin1.txt": (
        "Weaving School Reopens\n\nThe weaving school in Vila Açores reopened with the master weaver Inês Núñez "
        "teaching nine apprentices.\n".encode("latin-1"),
        "Who teaches at the weaving school in Vila Açores?",
        "Inês Núñez",
    ),
    "broken-utf8.txt": (
        "Zürich Choir Tours the Alps\n\nThe choir director Jürgen Weiß led forty singers from Zürich over three "
        "passes.\n".encode()
        + b"A stray byte \xff sits here.\n"
        + "The choir sang in Grüningen, Pontresina and Göschenen.\n".encode(),
        "Who directs the choir from Zürich?",
        "Jürgen Weiß",
    ),
    "with space.txt": (
        b"Ferry Timetable Changes\n\nThe Lisker ferry will leave at 6.40 each morning from May, the operator said.\n",
        "When will the Lisker ferry leave each morning?",
        "6.40",
    ),
    "ünïcödé 新聞.md": (
        (
            b"# Kite Festival on Dune Hill\n\nThe kite festival on Dune Hill was won by Mireille Okonjo with a "
            b"kite shaped like a heron.\n"
        ),
        "Who won the kite festival on Dune Hill?",
        "Mireille Okonjo",
    ),
    "new\nline.txt": (
        (
            b"Library Clock Repaired\n\nThe clock above the Harwick library was repaired by the clockmaker Sefton "
            b"Aldous after it stopped in January.\n"
        ),
        "Who repaired the clock above the Harwick library?",
        "Sefton Aldous",
    ),
    "bodiless.html": (
        (
            b"<html><head><title>Owl Count</title></head><p>Rangers at Tamsin Wood counted 17 tawny owls during "
            b"the winter survey, said ranger Clemency Ashdown.</p><p>The count was the highest in a decade.</p></html>"
        ),
        "How many tawny owls were counted at Tamsin Wood?",
        "17 tawny owls",
    ),
}

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(random.Random(6).randrange(256) for _ in range(4000))
SCRIPTS = b"<html><head><style>body{color:red}</style></head><body><script>var s = 'hello world';</script>" + (
    b"<style>p{margin:0}</style><script>console.log('more words here')</script></body></html>"
)

BAD: dict[str, tuple[bytes, str]] = {
    # name: (bytes on disk, the reason the warning must give)
    "empty.txt": (b"", "empty file"),
    "blank.txt": (b"  \n\t\n \r\n   ", "only whitespace"),
    "photo.txt": (PNG, "binary file"),
    "scripts.html": (SCRIPTS, "no extractable text"),
    "nobody.html": (b"<html><head><title>Nothing Here</title><meta charset='utf-8'></head></html>", "no extractable"),
    "bad\nname.txt": (b"", "empty file"),
}


def _long_line(chars: int, seed: int, planted: str) -> str:
    """One line of words with no punctuation at all, with a planted phrase in the middle."""
    rng = random.Random(seed)
    words = [
        "harbour",
        "council",
        "ferry",
        "engine",
        "battery",
        "tide",
        "quay",
        "market",
        "bridge",
        "river",
        "mill",
        "station",
        "oven",
        "lamp",
    ]
    parts: list[str] = []
    size = 0
    while size < chars:
        word = rng.choice(words)
        parts.append(word)
        size += len(word) + 1
    parts.insert(len(parts) // 2, planted)
    return " ".join(parts)[:chars]


def shown(name: str) -> str:
    """A file name as the one-line warning shows it."""
    from qa.render import one_line

    return one_line(name)


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> tuple[Paths, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("messy")
    seeds = write_articles(root / "seeds")
    for name, (data, *_rest) in {**ODD_GOOD, **BAD}.items():
        (seeds / name).write_bytes(data)
    (seeds / "loop").mkdir()
    (seeds / "loop" / "note.txt").write_text("Loop Note\n\nThe loop folder holds one ordinary note.\n")
    (seeds / "loop" / "again").symlink_to("..", target_is_directory=True)  # a folder symlink loop
    (seeds / "self.txt").symlink_to("self.txt")  # a file symlink loop
    (seeds / "two-megabyte-line.txt").write_text(_long_line(2_000_000, 1, "zephyrine"))
    os.mkdir(os.fsencode(seeds) + b"/raw-\xe9-name")  # a folder name that is not UTF-8 ...
    with open(os.fsencode(seeds) + b"/caf\xe9.txt", "wb") as fh:  # ... and a file name
        fh.write(b"Latin Name\n\nThis file has a name in latin-1 bytes.\n")
    paths = Paths(root, seeds, root / "index")
    proc = subprocess.run(
        [sys.executable, "-m", "qa.cli", "index", "build", "--seeds", str(seeds), "--index", str(paths.index)],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        env=subprocess_env(XDG_CACHE_HOME=str(model_cache)),
    )
    return paths, proc


def _ask(qa: Callable[..., Run], paths: Paths, question: str) -> dict:
    run = qa("ask", question, "--format", "json", "--seeds", str(paths.seeds), "--index", str(paths.index))
    assert run.code == 0, run.err
    assert "building" not in run.err, f"the messy index should be up to date: {run.err}"
    return json.loads(run.out)


def test_messy_folder_builds(messy: tuple[Paths, subprocess.CompletedProcess]) -> None:
    _, proc = messy
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "skipped" in proc.stdout


@pytest.mark.parametrize(("name", "reason"), [(n, r) for n, (_, r) in BAD.items()], ids=list(BAD))
def test_bad_file_is_skipped_with_one_warning_line(messy, name: str, reason: str) -> None:
    _, proc = messy
    lines = [line for line in proc.stderr.splitlines() if shown(name) in line]
    assert len(lines) == 1, proc.stderr
    assert reason in lines[0]
    assert lines[0].startswith("skipped")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("loop/again", "already visited"),
        ("self.txt", "not a regular file"),
        ("two-megabyte-line.txt", "too long"),
        ("caf\udce9.txt", "not valid UTF-8"),
        ("raw-\udce9-name", "not valid UTF-8"),
    ],
    ids=["folder-symlink-loop", "file-symlink-loop", "2MB-line", "latin1-file-name", "latin1-folder-name"],
)
def test_unusable_path_is_reported_on_one_line(messy, name: str, reason: str) -> None:
    _, proc = messy
    lines = [line for line in proc.stderr.splitlines() if shown(name) in line]
    assert len(lines) == 1, proc.stderr
    assert reason in lines[0]


def test_every_warning_is_one_line(messy) -> None:
    _, proc = messy
    for line in proc.stderr.splitlines():
        assert line.startswith("skipped or warned: "), line
        assert "\x1b" not in line


@pytest.mark.parametrize(("question", "expected", "source"), FACTS)
def test_good_articles_in_a_messy_folder_answer(messy, qa, question: str, expected: str, source: str) -> None:
    best = _ask(qa, messy[0], question)["answers"][0]
    assert expected in best["passage"] and best["source"] == source


@pytest.mark.parametrize("name", list(ODD_GOOD))
def test_odd_article_is_indexed_correctly(messy, qa, name: str) -> None:
    _, question, expected = ODD_GOOD[name]
    best = _ask(qa, messy[0], question)["answers"][0]
    assert best["source"] == name
    assert expected in best["passage"], best


@pytest.mark.parametrize(
    ("name", "warning"),
    [("cp1252.txt", "decoded as cp1252"), ("latin1.txt", "decoded as cp1252"), ("broken-utf8.txt", "U+FFFD")],
)
def test_guessed_encoding_is_a_one_line_warning(messy, name: str, warning: str) -> None:
    _, proc = messy
    lines = [line for line in proc.stderr.splitlines() if line.startswith(f"skipped or warned: {name}:")]
    assert len(lines) == 1 and warning in lines[0], proc.stderr


def test_show_prints_the_indexed_text_of_an_odd_name(messy, qa) -> None:
    paths, _ = messy
    run = qa("show", "new\nline.txt", "--seeds", str(paths.seeds), "--index", str(paths.index))
    assert run.code == 0, run.err
    assert run.out.startswith("Library Clock Repaired")


def test_the_folder_symlink_loop_still_indexes_the_real_folder(messy, qa) -> None:
    best = _ask(qa, messy[0], "What does the loop folder hold?")["answers"][0]
    assert best["source"] == "loop/note.txt"


def test_messy_index_is_up_to_date_after_the_build(messy, qa) -> None:
    paths, _ = messy
    run = qa("index", "status", "--seeds", str(paths.seeds), "--index", str(paths.index))
    assert run.code == 0, run.err
    assert "up to date" in run.out


# -- cases that need their own build -------------------------------------------------------------------------------


def _build_warnings(run: Run) -> list[str]:
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    return run.err.splitlines()


def test_file_deleted_between_listing_and_reading(qa_paths: Paths, qa, ask_ok, monkeypatch) -> None:
    write_articles(qa_paths.seeds)
    (qa_paths.seeds / "gone.txt").write_text("Gone\n\nThis article is deleted after the folder is listed.\n")
    listed = ingest.discover

    def discover_then_delete(root: Path, *rest: object):
        found = listed(root, *rest)
        (qa_paths.seeds / "gone.txt").unlink()
        return found

    monkeypatch.setattr(ingest, "discover", discover_then_delete)
    lines = _build_warnings(qa("index", "build"))
    assert [line for line in lines if "gone.txt" in line] == [
        "skipped or warned: gone.txt: file vanished before it could be read"
    ]
    monkeypatch.setattr(ingest, "discover", listed)
    ask_ok(*FACTS[0])


def _without_read_permission() -> list[str]:
    """A command prefix under which the file mode bits apply (root reads everything unless it drops its caps)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a file unreadable")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]


@pytest.mark.slow  # builds in a subprocess without root's file permissions
def test_file_without_read_permission(qa_paths: Paths, ready_index: Paths, ask_ok) -> None:
    prefix = _without_read_permission()
    secret = qa_paths.seeds / "secret.txt"
    secret.write_text("Secret\n\nNobody may read this article.\n")
    secret.chmod(0)
    try:
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "qa.cli", "index", "build"],
            check=False, capture_output=True, text=True, timeout=300, env=subprocess_env(),
        )  # fmt: skip
    finally:
        secret.chmod(0o644)
    assert proc.returncode == 0, proc.stderr
    assert [line for line in proc.stderr.splitlines() if "secret.txt" in line] == [
        "skipped or warned: secret.txt: permission denied"
    ]
    assert "1 skipped" in proc.stdout
    for fact in FACTS:
        ask_ok(*fact)


@pytest.mark.slow  # writes 50 MB and builds
def test_fifty_megabyte_file_is_skipped_at_once(qa_paths: Paths, qa, ask_ok) -> None:
    write_articles(qa_paths.seeds)
    paragraph = (
        "The archive of the Pellow Gazette holds every weekly issue printed since the paper was founded, "
        "and volunteers are scanning the pages one by one.\n\n"
    )
    with (qa_paths.seeds / "dump.txt").open("w", encoding="utf-8") as fh:
        for _ in range(50 * 1024 * 1024 // len(paragraph) + 1):
            fh.write(paragraph)
    assert (qa_paths.seeds / "dump.txt").stat().st_size > 50 * 1024 * 1024
    lines = _build_warnings(qa("index", "build"))
    dump = [line for line in lines if "dump.txt" in line]
    assert len(dump) == 1 and "larger than 16 MiB" in dump[0], lines
    ask_ok(*FACTS[1])


@pytest.mark.slow
def test_long_line_without_punctuation_is_indexed(qa_paths: Paths, qa) -> None:
    write_articles(qa_paths.seeds, {"line.txt": _long_line(100_000, 2, "zephyrine")})
    _build_warnings(qa("index", "build"))
    run = qa("ask", "zephyrine", "--format", "json")
    best = json.loads(run.out)["answers"][0]
    assert best["source"] == "line.txt" and "zephyrine" in best["passage"]


@pytest.mark.slow
def test_ten_thousand_tiny_files(qa_paths: Paths, qa) -> None:
    tiny = qa_paths.seeds / "tiny"
    tiny.mkdir(parents=True)
    for i in range(10_000):
        (tiny / f"note-{i:05d}.txt").write_text(f"Room {i} kettle mended.\n")
    run = qa("index", "build")
    assert run.code == 0, run.err
    assert "10000 added" in run.out and "0 skipped" in run.out
    best = json.loads(qa("ask", "Was the kettle in room 7431 mended?", "--format", "json").out)["answers"][0]
    assert best["source"] == "tiny/note-07431.txt"
    assert "up to date" in qa("index", "status").out


def test_good_articles_only_folder_has_no_warnings(qa_paths: Paths, qa) -> None:
    write_articles(qa_paths.seeds)
    run = qa("index", "build")
    assert run.code == 0 and run.err == ""
    assert f"{len(ARTICLES)} added" in run.out


def test_ask_keeps_answering_when_the_articles_folder_is_gone(ready_index: Paths, qa, ask_ok) -> None:
    ready_index.seeds.rename(ready_index.root / "moved-away")
    run = ask_ok(*FACTS[2])
    notices = [line for line in run.err.splitlines() if line.strip()]
    assert notices[-1].startswith("could not update the index (Folder ") and notices[-1].endswith(
        "answering from the current index"
    )
    status = qa("index", "status")
    assert status.code == 1 and "does not exist" in status.err
