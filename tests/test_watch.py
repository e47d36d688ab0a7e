"""`qa index watch`: a real watcher (watchfiles) over a real index, through the real entry point in a subprocess."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import Paths, subprocess_env

from qa.watch import Changed, batch, describe, watched

WITHIN = 5.0  # seconds from a change on disk to its update line

BRIDGE = """Lune Bridge Opens to Traffic

The new bridge over the Lune opened on Friday with a parade led by the mayor, Ines Varga.
It carries two lanes of traffic and a cycle path, and replaces a ferry that ran for ninety years.
"""


class Watcher:
    """``python -m qa.cli index watch`` in a subprocess, its output lines read as they come."""

    def __init__(self, *args: str) -> None:
        self.lines: queue.Queue[tuple[str, str]] = queue.Queue()
        self.err: list[str] = []
        self.unclaimed: list[tuple[str, str]] = []  # lines read while waiting for another stream's line
        # SIGINT restored to its default in the child: a shell without job control starts background commands with
        # it ignored (and Python would keep it so), and this test stops the watch with ctrl+c's signal. (preexec_fn
        # is safe here: one signal() call, and the reader threads start after the fork.)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "qa.cli", "index", "watch", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env(),
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
        )  # fmt: skip
        for stream, tag in ((self.proc.stdout, "out"), (self.proc.stderr, "err")):
            threading.Thread(target=self._read, args=(stream, tag), daemon=True).start()

    def _read(self, stream, tag: str) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            self.lines.put((tag, line.rstrip("\n")))

    def expect(self, tag: str, text: str, within: float) -> tuple[str, float]:
        """The next line on ``tag`` holding ``text``, and how long it took; fails after ``within`` seconds.

        stdout and stderr are two pipes, so a line of one may arrive while the other's is awaited: such lines are
        kept, and a later wait for them finds them at once.
        """
        started = time.monotonic()
        for i, (got, line) in enumerate(self.unclaimed):
            if got == tag and text in line:
                del self.unclaimed[: i + 1]
                return line, 0.0
        self.unclaimed.clear()
        while (left := started + within - time.monotonic()) > 0:
            try:
                got, line = self.lines.get(timeout=min(left, 0.05))
            except queue.Empty:
                continue
            if got == "err":
                self.err.append(line)
            if got == tag and text in line:
                return line, time.monotonic() - started
            self.unclaimed.append((got, line))
        raise AssertionError(f"no {tag} line with {text!r} within {within} s; stderr so far: {self.err}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.mark.slow
def test_an_added_a_changed_and_a_removed_file_are_each_indexed_within_5_seconds(ready_index: Paths, qa) -> None:  # type: ignore[no-untyped-def]
    seeds = ready_index.seeds
    watcher = Watcher()
    try:
        line, _ = watcher.expect("out", "start:", within=120)  # imports, model, and the first (up-to-date) build
        assert "0 added, 0 updated, 0 removed" in line
        watcher.expect("err", "watching", within=5)

        (seeds / "bridge.txt").write_text(BRIDGE, encoding="utf-8")
        line, took = watcher.expect("out", "added bridge.txt", within=WITHIN)
        assert "articles 1 added, 0 updated, 0 removed" in line and took < WITHIN

        with (seeds / "lighthouse.txt").open("a", encoding="utf-8") as fh:
            fh.write("The trust plans a visitor centre in the old keeper's cottage.\n")
        line, took = watcher.expect("out", "changed lighthouse.txt", within=WITHIN)
        assert "articles 0 added, 1 updated, 0 removed" in line

        (seeds / "glacier.txt").unlink()
        line, took = watcher.expect("out", "removed glacier.txt", within=WITHIN)
        assert "articles 0 added, 0 updated, 1 removed" in line

        status = qa("index", "status")  # what the watcher wrote is the live index, and it is current
        assert status.code == 0 and "up to date" in status.out and "articles: 4" in status.out
        assert qa("show", "bridge.txt").out == BRIDGE
    finally:
        code = watcher.stop()
    assert code == 0
    watcher.expect("err", "stopped", within=2)
    assert not any("Traceback" in line for line in watcher.err)


def test_a_missing_folder_is_one_line(qa_paths: Paths, qa) -> None:  # type: ignore[no-untyped-def]
    run = qa("index", "watch", "--seeds", str(qa_paths.root / "nowhere"))
    assert run.code == 1
    assert run.err.splitlines() == [
        f"error: Folder {qa_paths.root / 'nowhere'} does not exist; pass the folder that holds the articles."
    ]


def test_only_files_qa_reads_are_watched(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    assert watched(str(tmp_path / "a.txt"), tmp_path)
    assert watched(str(tmp_path / "crawl.warc.gz"), tmp_path)
    assert watched(str(tmp_path / "sub"), tmp_path)  # a folder (copied in whole, or removed)
    assert not watched(str(tmp_path / "photo.jpg"), tmp_path)
    assert not watched(str(tmp_path / "a.txt~"), tmp_path)
    assert not watched(str(tmp_path / ".a.txt.swp"), tmp_path)
    assert not watched(str(tmp_path / ".git" / "index.txt"), tmp_path)


def test_a_batch_names_each_file_once_by_what_is_on_disk(tmp_path: Path) -> None:
    from watchfiles import Change

    (tmp_path / "new.txt").write_text("x")
    (tmp_path / "saved.txt").write_text("x")
    raw = {
        (Change.added, str(tmp_path / "new.txt")),
        (Change.modified, str(tmp_path / "new.txt")),
        (Change.deleted, str(tmp_path / "saved.txt")),  # an editor's save: the old file removed, a new one written
        (Change.added, str(tmp_path / "saved.txt")),
        (Change.deleted, str(tmp_path / "gone.txt")),
        (Change.added, str(tmp_path / "brief.txt")),  # came and went within the batch
    }
    assert batch(raw, tmp_path) == (
        Changed("removed", "gone.txt"), Changed("added", "new.txt"), Changed("changed", "saved.txt")
    )  # fmt: skip
    many = tuple(Changed("added", f"{n}.txt") for n in range(5))
    assert describe(many) == "added 0.txt, added 1.txt, added 2.txt and 2 more"
    assert describe(()) == "start"


def test_watch_is_registered_on_index_build_too(qa) -> None:  # type: ignore[no-untyped-def]
    run = qa("index", "build", "--help")
    assert "--watch" in run.out and "qa index watch" in " ".join(run.out.split())  # click wraps the help
