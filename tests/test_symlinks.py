"""Links in the articles folder: one whose target lies outside it (``seeds/notes.txt -> ../secret/id_rsa``) is
skipped with a one-line warning unless asked for with --follow-links or QA_FOLLOW_LINKS=1; links inside it work.
Through the real `qa index build`, `qa index status`, `qa show` and `qa ask`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Paths, Run, write_articles

KEY = "kestrel-umber-9931"
CODENAME = "marrowfield"
SECRETS = {
    "id_rsa": f"Vault Key\n\nThe vault passphrase is {KEY} and it opens the harbour archive.\n",
    "dir/plan.txt": f"Secret Route\n\nThe route past the Dunmere quarry goes by the codename {CODENAME}.\n",
}
KILN = "Kiln Relit\n\nThe pottery kiln at Wendle was relit on Sunday by the potter Oriel Fanshawe.\n"
MILL = "Mill Restored\n\nThe water mill at Brindle Ford was restored by the millwright Agnes Tolland.\n"
OUTSIDE = "link points outside the articles folder; pass --follow-links to index it"
OUT_LINKS = ("notes.txt", "linkdir", "hop.txt", "abs.txt")  # each points (in the end) outside the folder


@pytest.fixture
def linked(qa_paths: Paths) -> Paths:
    """seeds/ with links out of it (relative, absolute, to a folder, through a link) and links within it."""
    write_articles(qa_paths.root / "secret", SECRETS)
    seeds = write_articles(qa_paths.seeds, {"mill.txt": MILL, ".shelf/kiln.txt": KILN})
    (seeds / "notes.txt").symlink_to(Path("..") / "secret" / "id_rsa")
    (seeds / "linkdir").symlink_to(Path("..") / "secret" / "dir", target_is_directory=True)
    (seeds / "hop.txt").symlink_to("notes.txt")  # inside, to a link that leaves
    (seeds / "abs.txt").symlink_to(qa_paths.root / "secret" / "id_rsa")
    (seeds / "kiln.txt").symlink_to(Path(".shelf") / "kiln.txt")  # a file link within the folder
    (seeds / "current").symlink_to(".shelf", target_is_directory=True)  # a folder link within the folder
    return qa_paths


def _index_bytes(index: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(index.rglob("*")) if path.is_file() and not path.is_symlink())


def _assert_no_secret(paths: Paths, *runs: Run) -> None:
    for run in runs:
        assert KEY not in run.out + run.err and CODENAME not in run.out + run.err
    data = _index_bytes(paths.index).lower()
    assert b"kestrel" not in data and CODENAME.encode() not in data, "a secret reached the index"


@pytest.mark.slow  # builds, then asks three times
def test_links_out_of_the_folder_are_skipped_with_one_warning_each(linked: Paths, qa) -> None:
    run = qa("index", "build")
    assert run.code == 0, run.err
    for name in OUT_LINKS:
        assert [line for line in run.err.splitlines() if f" {name}:" in line] == [
            f"skipped or warned: {name}: {OUTSIDE}"
        ], run.err
    assert "3 added" in run.out  # mill.txt, and kiln.txt twice: through the file link and the folder link
    for source in ("kiln.txt", "current/kiln.txt", "mill.txt"):
        assert qa("show", source).code == 0
    for source in ("notes.txt", "linkdir/plan.txt", "hop.txt", "abs.txt"):
        assert "not in the index" in qa("show", source).err
    asked = qa("ask", "What is the vault passphrase?", "--format", "json")
    assert asked.code == 0, asked.err
    assert "up to date" in qa("index", "status").out
    _assert_no_secret(linked, run, asked, qa("ask", "What is the codename of the route past the Dunmere quarry?"))


@pytest.mark.slow  # builds twice
def test_ask_builds_without_the_links_and_follows_them_when_asked(linked: Paths, qa) -> None:
    question = "What is the vault passphrase?"
    run = qa("ask", question, "--format", "json")
    assert run.code == 0, run.err
    assert "building the index" in run.err
    _assert_no_secret(linked, run)

    run = qa("ask", question, "--format", "json", "--follow-links")
    assert run.code == 0, run.err
    assert "building the index" in run.err  # the linked files are new to the index
    best = json.loads(run.out)["answers"][0]
    assert KEY in best["passage"] and best["source"] in ("notes.txt", "hop.txt", "abs.txt")


@pytest.mark.parametrize("how", ["flag", "env"])
def test_follow_links_indexes_links_out_of_the_folder(linked: Paths, qa, monkeypatch, how: str) -> None:
    if how == "env":
        monkeypatch.setenv("QA_FOLLOW_LINKS", "1")
    flag = ["--follow-links"] if how == "flag" else []
    run = qa("index", "build", *flag)
    assert run.code == 0, run.err
    assert OUTSIDE not in run.err
    assert qa("show", "notes.txt").out == SECRETS["id_rsa"]
    assert qa("show", "linkdir/plan.txt").out == SECRETS["dir/plan.txt"]
    assert "up to date" in qa("index", "status", *flag).out
    if how == "flag":  # without the flag the linked files are not the folder's: status says they would go
        status = qa("index", "status").out
        assert "removed: notes.txt" in status and "stale" in status


@pytest.mark.slow  # builds an index of a linked folder
def test_links_inside_a_linked_articles_folder_still_work(linked: Paths, qa) -> None:
    """The folder itself reached through a link: inside and outside are judged on the resolved paths."""
    alias = linked.root / "seeds-alias"
    alias.symlink_to(linked.seeds, target_is_directory=True)
    run = qa("index", "build", "--seeds", str(alias))
    assert run.code == 0, run.err
    assert "3 added" in run.out
    assert sum(OUTSIDE in line for line in run.err.splitlines()) == len(OUT_LINKS)
    _assert_no_secret(linked, run)


def test_discover_follow_links_argument(linked: Paths) -> None:
    from qa.ingest import discover

    found, skipped = discover(linked.seeds)
    names = sorted(p.relative_to(linked.seeds).as_posix() for p in found)
    assert names == ["current/kiln.txt", "kiln.txt", "mill.txt"]
    assert sorted(name for name, reason in skipped if reason == OUTSIDE) == sorted(OUT_LINKS)
    found, skipped = discover(linked.seeds, follow_links=True)
    assert len(found) == 7 and not [s for s in skipped if s[1] == OUTSIDE]
