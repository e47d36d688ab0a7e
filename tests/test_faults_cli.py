"""Faults in the paths a person hands the CLI: every command, walked through a table of unusable folders and files,
fails with one readable line on stderr and a non-zero exit code; never a traceback, never "unexpected ..."."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from conftest import FACTS, Paths, Run, one_line_error, subprocess_env

QUESTION = FACTS[1][0]


def _without_dac() -> list[str] | None:
    """A command prefix under which file mode bits apply even to root, or None when there is none.

    Root ignores chmod (CAP_DAC_OVERRIDE), so a test run as root cannot make a folder unreadable by chmod alone;
    setpriv drops those capabilities for the child process.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return None if setpriv is None else [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]


@dataclass(frozen=True)
class Fault:
    """One unusable path: ``make`` sets it up under the test folder and returns the arguments that name it."""

    make: Callable[[Paths], list[str]]
    message: str  # what the one line must say (a regular expression)
    needs_permissions: bool = False  # chmod must bite: run in a subprocess without root's override


def _output_folder(p: Paths) -> list[str]:
    (p.root / "out").mkdir()
    return [str(p.root / "out")]


def _read_only_output_folder(p: Paths) -> list[str]:
    folder = p.root / "locked-out"
    folder.mkdir()
    folder.chmod(0o555)
    return [str(folder / "answers.jsonl")]


def _read_only_output_file(p: Paths) -> list[str]:
    path = p.root / "answers.jsonl"
    path.write_text("")
    path.chmod(0o444)
    return [str(path)]


def _index_file(p: Paths) -> list[str]:
    (p.root / "index-file").write_text("not an index\n")
    return ["--index", str(p.root / "index-file")]


def _seeds_file(p: Paths) -> list[str]:
    (p.root / "seeds-file.txt").write_text("not a folder\n")
    return ["--seeds", str(p.root / "seeds-file.txt")]


def _seeds_unreadable(p: Paths) -> list[str]:
    p.seeds.chmod(0)
    return ["--seeds", str(p.seeds)]


def _question_file_missing(p: Paths) -> list[str]:
    return [str(p.root / "missing.jsonl")]


def _question_file_folder(p: Paths) -> list[str]:
    (p.root / "questions.jsonl").mkdir()
    return [str(p.root / "questions.jsonl")]


FAULTS = {
    "output-is-a-folder": Fault(_output_folder, "is a folder"),
    "output-folder-missing": Fault(lambda p: [str(p.root / "nodir" / "x.jsonl")], "does not exist"),
    "output-folder-read-only": Fault(_read_only_output_folder, "cannot create files in", needs_permissions=True),
    "output-file-read-only": Fault(_read_only_output_file, "cannot be written", needs_permissions=True),
    "index-is-a-file": Fault(_index_file, "is a file, not a folder; pass a folder for the index"),
    "seeds-is-a-file": Fault(_seeds_file, "seeds-file.txt"),
    # click checks a --seeds given on the command line itself ("is not readable"); discover() checks QA_SEEDS
    "seeds-unreadable": Fault(_seeds_unreadable, "Permission denied|is not readable", needs_permissions=True),
    "question-file-missing": Fault(_question_file_missing, "does not exist"),
    "question-file-is-a-folder": Fault(_question_file_folder, "questions.jsonl"),
}

OUTPUT = ("output-is-a-folder", "output-folder-missing", "output-folder-read-only", "output-file-read-only")
SEEDS = ("seeds-is-a-file", "seeds-unreadable")
QUESTION_FILE = ("question-file-missing", "question-file-is-a-folder")

# command: (arguments before the fault's, where the fault's arguments go, the faults that apply to it)
COMMANDS: dict[str, tuple[list[str], str, tuple[str, ...]]] = {
    "ask": (["ask", QUESTION], "flag", ("index-is-a-file", *SEEDS)),
    "ask --file": (["ask", "--file", "{questions}"], "flag", ("index-is-a-file", *SEEDS, *OUTPUT, *QUESTION_FILE)),
    "index build": (["index", "build"], "flag", ("index-is-a-file", *SEEDS)),
    "index status": (["index", "status"], "flag", ("index-is-a-file", *SEEDS)),
    "show": (["show", FACTS[0][2]], "flag", ("index-is-a-file",)),
    "eval": (["eval", "{expect}"], "flag", ("index-is-a-file", *SEEDS, *OUTPUT, *QUESTION_FILE)),
}
OUTPUT_FLAG = {"ask --file": "--output", "eval": "--json"}
CASES = [(command, fault) for command, (_, _, faults) in COMMANDS.items() for fault in faults]


def _arguments(command: str, fault: str, paths: Paths) -> list[str]:
    questions = paths.root / "questions.txt"
    questions.write_text(QUESTION + "\n", encoding="utf-8")
    expect = paths.root / "expect.jsonl"
    expect.write_text(json.dumps({"id": "1", "question": QUESTION, "expect": [FACTS[1][1]]}) + "\n", encoding="utf-8")
    base = [a.format(questions=questions, expect=expect) for a in COMMANDS[command][0]]
    made = FAULTS[fault].make(paths)
    if fault in OUTPUT:
        return [*base, OUTPUT_FLAG[command], *made]
    if fault in QUESTION_FILE:  # the question file replaces the good one
        return [made[0] if a in (str(questions), str(expect)) else a for a in base]
    if fault in SEEDS and command in ("ask", "ask --file", "eval"):
        # With a whole index these answer from it and say the articles could not be read (see
        # test_ask_keeps_answering_when_the_articles_folder_is_gone); with none, the build they need must fail.
        return [*base, *made, "--index", str(paths.root / "no-index-yet")]
    return [*base, *made]


def _run(args: list[str], fault: Fault, qa: Callable[..., Run], paths: Paths) -> tuple[int, str]:
    if not fault.needs_permissions:
        run = qa(*args)
        return run.code, run.err
    prefix = _without_dac()
    if prefix is None:
        pytest.skip("running as root without setpriv: chmod does not deny root, so this fault cannot be made")
    try:
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "qa.cli", *args],
            check=False, capture_output=True, text=True, timeout=300, env=subprocess_env(),
        )  # fmt: skip
    finally:
        for path in (paths.seeds, paths.root / "locked-out"):
            if path.exists():
                path.chmod(0o755)  # let pytest remove the temp folder
    return proc.returncode, proc.stderr


@pytest.mark.parametrize(("command", "fault"), CASES, ids=[f"{c}:{f}" for c, f in CASES])
def test_each_command_fails_on_one_readable_line(ready_index: Paths, qa, command: str, fault: str) -> None:
    code, err = _run(_arguments(command, fault, ready_index), FAULTS[fault], qa, ready_index)
    assert code != 0, err
    line = one_line_error(err)
    assert "unexpected" not in line and "Traceback" not in err
    assert re.search(FAULTS[fault].message, line), line


def test_the_table_covers_every_command_and_fault() -> None:
    assert {f for _, f in CASES} == set(FAULTS)
    assert {c for c, _ in CASES} == set(COMMANDS)


# -- item by item ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["ask", QUESTION], ["index", "build"], ["index", "status"], ["show", "x.txt"]])
def test_index_that_is_a_file_is_named_before_any_work(qa_paths: Paths, qa, command: list[str]) -> None:
    qa_paths.index.write_text("a file where the index folder should be\n")
    run = qa(*command)
    assert run.code == 1
    assert one_line_error(run.err) == (
        f"error: {qa_paths.index} is a file, not a folder; pass a folder for the index (--index, QA_INDEX)"
    )
    assert "building" not in run.err


def test_index_below_a_file_is_named(qa_paths: Paths, qa) -> None:
    (qa_paths.root / "plain").write_text("x\n")
    run = qa("index", "build", "--index", str(qa_paths.root / "plain" / "index"))
    assert run.code == 1
    assert "plain is a file, not a folder" in one_line_error(run.err)


@pytest.mark.parametrize(
    ("output", "message"),
    [("nodir/x.jsonl", "--output nodir/x.jsonl: folder nodir does not exist"), (".", "--output . is a folder")],
    ids=["folder-missing", "a-folder"],
)
def test_bad_output_is_refused_before_answering(qa_paths: Paths, qa, output: str, message: str) -> None:
    """No index yet: had any answering work started, the index would be built first (and say so)."""
    (qa_paths.root / "q.txt").write_text(QUESTION + "\n")
    run = qa("ask", "--file", "q.txt", "--output", output)
    assert run.code == 1
    assert message in one_line_error(run.err)
    assert not qa_paths.index.exists()


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (OSError(errno.ENOSPC, "No space left on device", "/data/index/v9/vectors.npy"),
         "error: no space left on the device holding /data/index/v9/vectors.npy; free some space"),
        (OSError(errno.EROFS, "Read-only file system", "/media/cd/index"),
         "error: /media/cd/index is on a read-only file system; use a path on a writable one"),
        (PermissionError(errno.EACCES, "Permission denied", "/srv/index/lock"),
         "error: permission denied: /srv/index/lock; check its permissions"),
        (FileNotFoundError(errno.ENOENT, "No such file or directory", "/srv/gone"), "error: /srv/gone does not exist"),
        (IsADirectoryError(errno.EISDIR, "Is a directory", "/srv/dir"), "error: /srv/dir is a folder, not a file"),
        (NotADirectoryError(errno.ENOTDIR, "Not a directory", "/srv/f/x"), "error: /srv/f/x: a file stands where"),
        (OSError(errno.EIO, "Input/output error", "/srv/disk"), "error: cannot use /srv/disk (Input/output error)"),
        (OSError(errno.ENOSPC, "No space left on device"), "error: no space left on the device; free some space"),
        (sqlite3.OperationalError("database or disk is full"), "error: no space left on the device holding the index"),
        (sqlite3.DatabaseError("file is not a database"), "error: the index database cannot be used (file is not a database); rebuild"),
    ],
    ids=["ENOSPC", "EROFS", "EACCES", "ENOENT", "EISDIR", "ENOTDIR", "EIO", "ENOSPC-no-name", "sqlite-full", "sqlite"],
)  # fmt: skip
def test_file_system_errors_are_one_line_naming_the_path(
    qa_paths: Paths, qa, monkeypatch: pytest.MonkeyPatch, error: Exception, message: str
) -> None:
    """Errors the library does not turn into a QAError itself (a disk filling up mid-build, say)."""
    from qa import build

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(build, "build", fail)
    run = qa("index", "build")
    assert run.code == 1
    line = one_line_error(run.err)
    assert line.startswith(message), line
    assert "unexpected" not in line


def test_articles_folder_that_cannot_be_listed_keeps_the_index(ready_index: Paths, qa) -> None:
    """QA_SEEDS unreadable (no --seeds for click to check): it looked empty, and a build removed every article."""
    prefix = _without_dac()
    if prefix is None:
        pytest.skip("running as root without setpriv: chmod does not deny root, so this fault cannot be made")
    ready_index.seeds.chmod(0)
    try:
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "qa.cli", "index", "build"],
            check=False, capture_output=True, text=True, timeout=300, env=subprocess_env(),
        )  # fmt: skip
    finally:
        ready_index.seeds.chmod(0o755)
    assert proc.returncode == 1
    assert one_line_error(proc.stderr) == (
        f"error: Cannot read the folder {ready_index.seeds} (Permission denied); check its permissions."
    )
    status = qa("index", "status")
    assert f"articles: {len(FACTS)}" in status.out and "up to date" in status.out
