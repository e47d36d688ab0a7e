"""Builds killed (SIGKILL) or interrupted (SIGINT, ctrl+c) at random moments: the previous index still answers and the
next build completes. ctrl+c during `qa ask --file` leaves an output file of complete records.

The random delays come from fixed seeds, so every run kills at the same moments (relative to a measured build)."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FACTS, Paths, one_line_error, subprocess_env, write_articles

from qa import store
from qa.answer import Answerer
from qa.search import Searcher

pytestmark = pytest.mark.slow  # builds and kills real processes

TRIALS = 24  # half SIGKILL, half SIGINT
SEED = 20261122


def trial_article(n: int) -> dict[str, str]:
    return {
        f"trial/notice-{n:02d}.txt": (
            f"Trial Notice {n}\n\nThe rowing club of Wexley painted boat number {n} blue on the morning of the regatta. "
            f"Boat {n} then won its heat by {n + 2} lengths.\n"
        )
    }


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "qa.cli", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or subprocess_env(),
    )  # fmt: skip


def answers_from_the_live_index(index: Path) -> None:
    """The live version (opened directly, no rebuild) answers a question on the corpus correctly."""
    answerer = Answerer(Searcher.open(index))
    try:
        question, expected, source = FACTS[0]
        best = answerer.ask(question).answers[0]
        assert best.source == source and expected in best.passage
    finally:
        answerer.searcher.close()


def test_builds_killed_at_random_moments(ready_index: Paths, qa) -> None:
    # How long a whole build takes here: the kills are spread over that span.
    write_articles(ready_index.seeds, trial_article(0))
    measured = time.monotonic()
    whole = start("index", "build")
    _, err = whole.communicate(timeout=300)
    assert whole.returncode == 0, err
    span = time.monotonic() - measured

    rng = random.Random(SEED)
    outcomes: list[tuple[str, float, int]] = []
    for n in range(1, TRIALS + 1):
        sig = signal.SIGKILL if n % 2 else signal.SIGINT
        write_articles(ready_index.seeds, trial_article(n))
        before = store.current_version(ready_index.index).name
        delay = rng.uniform(0.0, span)
        build = start("index", "build", *(["--full"] if n % 3 == 0 else []))
        time.sleep(delay)
        build.send_signal(sig)
        _, err = build.communicate(timeout=300)
        outcomes.append((sig.name, round(delay, 2), build.returncode))
        if sig == signal.SIGINT and build.returncode == -signal.SIGINT:
            pass  # ctrl+c while Python itself was still starting, before qa's code ran: Python reports it
        elif sig == signal.SIGINT and build.returncode != 0:
            assert build.returncode == 130 and one_line_error(err) == "interrupted", err
        else:
            assert "Traceback" not in err, err

        # The previous index (or the new one, if the kill came after the switch) answers.
        assert store.current_version(ready_index.index).name in {before} | {
            p.name for p in ready_index.index.glob("v-*")
        }
        answers_from_the_live_index(ready_index.index)

        # The next build completes and holds everything up to this trial.
        run = qa("index", "build")
        assert run.code == 0, (n, run.err)
        assert "up to date" in qa("index", "status").out
    print("signal, delay (s), exit code:", outcomes)  # shown with -s or on failure
    answers_from_the_live_index(ready_index.index)
    leftovers = [p.name for p in ready_index.index.iterdir() if p.name.startswith((".tmp", ".CURRENT"))]
    assert leftovers == []
    assert len(list(ready_index.index.glob("v-*"))) <= 2
    kinds = {(sig, code) for sig, _, code in outcomes}
    assert any(code != 0 for _, code in kinds), f"no build was ever cut short: {outcomes}"


def test_killed_just_before_the_switch(ready_index: Paths, qa) -> None:
    """The riskiest moment: the new version is complete and sealed but CURRENT still names the old one."""
    write_articles(ready_index.seeds, trial_article(1))
    before = store.current_version(ready_index.index).name
    build = start("index", "build", env=subprocess_env(QA_TEST_CRASH_BEFORE_PUBLISH="1"))
    _, err = build.communicate(timeout=300)
    assert build.returncode == 9, err
    assert store.current_version(ready_index.index).name == before
    assert list(ready_index.index.glob(".tmp-v-*")), "the sealed but unpublished version should be left behind"
    answers_from_the_live_index(ready_index.index)
    run = qa("index", "build")
    assert run.code == 0, run.err
    assert store.current_version(ready_index.index).name != before
    assert not list(ready_index.index.glob(".tmp-*"))
    assert "up to date" in qa("index", "status").out


def test_interrupted_between_renaming_the_version_and_switching_current(
    ready_index: Paths, qa, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+c after the new folder got its final name but before CURRENT moved: the old version stays live."""
    write_articles(ready_index.seeds, trial_article(2))
    before = store.current_version(ready_index.index).name
    real_replace = os.replace

    def interrupted(src: object, dst: object) -> None:
        if Path(str(dst)).name == store.CURRENT:
            raise KeyboardInterrupt
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", interrupted)
    run = qa("index", "build")
    monkeypatch.setattr(os, "replace", real_replace)
    assert run.code == 130 and one_line_error(run.err) == "interrupted"
    assert store.current_version(ready_index.index).name == before
    answers_from_the_live_index(ready_index.index)
    run = qa("index", "build")
    assert run.code == 0, run.err
    assert "up to date" in qa("index", "status").out
    answers_from_the_live_index(ready_index.index)


def test_ctrl_c_inside_a_native_import_is_still_just_interrupted(
    ready_index: Paths, qa, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+c while pybind11 initializes a module (onnxruntime) surfaces as ImportError("initialization failed")."""
    from qa import build as build_module

    def build(*args: object, **kwargs: object) -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise ImportError("initialization failed") from exc

    monkeypatch.setattr(build_module, "build", build)
    run = qa("index", "build")
    assert run.code == 130 and one_line_error(run.err) == "interrupted"


# -- ctrl+c during `qa ask --file` ----------------------------------------------------------------------------------


def _questions(path: Path, n: int) -> None:
    lines = [json.dumps({"id": f"q{i}", "question": FACTS[i % len(FACTS)][0]}) for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _complete_records(fmt: str, text: str) -> int:
    """How many records the output holds; fails on any cut-short record."""
    if fmt == "jsonl":
        assert text == "" or text.endswith("\n"), "the last line is cut short"
        records = [json.loads(line) for line in text.splitlines()]
        for record in records:
            assert set(record) >= {"id", "question", "answered", "answers"}
        return len(records)
    if fmt == "csv":
        assert text.endswith("\n")
        rows = list(csv.DictReader(io.StringIO(text)))
        for row in rows:
            assert row["id"].startswith("q") and row["answered"] in ("true", "false") and row["highlight_end"] != ""
        return len({row["id"] for row in rows})
    assert text.endswith("\n\n"), "the last record is cut short"
    sections = text.split("\n## ")[1:]
    for section in sections:
        ranks = [line for line in section.splitlines() if line[:1].isdigit() and ". **" in line[:6]]
        assert len(ranks) == section.count(", score ") == section.count("\n\n   > ")
    return len(sections)


@pytest.mark.parametrize("trial", range(6))
def test_ctrl_c_during_ask_file_leaves_complete_records(ready_index: Paths, trial: int) -> None:
    fmt = ["jsonl", "csv", "markdown"][trial % 3]
    questions = ready_index.root / "questions.jsonl"
    _questions(questions, 600)
    out = ready_index.root / f"answers.{fmt}"
    ask = start("ask", "--file", str(questions), "--format", fmt, "-o", str(out))
    deadline = time.monotonic() + 120
    while out.stat().st_size < 200 if out.exists() else True:  # wait until answers are being written
        assert ask.poll() is None, ask.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(random.Random(SEED + trial).uniform(0.0, 0.5))
    ask.send_signal(signal.SIGINT)
    _, err = ask.communicate(timeout=120)
    assert ask.returncode == 130, err
    line = one_line_error(err)
    assert line.startswith("interrupted after ") and line.endswith("the output holds complete records")
    written = int(line.split()[2])
    assert 0 < written < 600
    assert _complete_records(fmt, out.read_text(encoding="utf-8")) == written


def test_ctrl_c_during_ask_file_to_a_pipe_leaves_complete_lines(ready_index: Paths) -> None:
    questions = ready_index.root / "questions.jsonl"
    _questions(questions, 600)
    ask = start("ask", "--file", str(questions))
    assert ask.stdout is not None
    first = ask.stdout.readline()
    ask.send_signal(signal.SIGINT)
    # The rest through the same reader: communicate() reads the pipe itself and would skip whatever readline
    # had already buffered past the first line.
    rest = ask.stdout.read()
    err = ask.stderr.read() if ask.stderr else ""
    ask.wait(timeout=120)
    assert ask.returncode == 130, err
    assert _complete_records("jsonl", first + rest) >= 1


def test_model_folders_no_version_uses_are_removed(ready_index: Paths) -> None:
    """A build cut short while exporting a model leaves ``<key>.tmp``; a model no kept version names is stale.
    Both are removed because qa recorded writing them; a folder qa did not write stays."""
    from qa import ledger

    models = ready_index.index / "models"
    used = {p.name for p in models.iterdir()}
    assert used, "the built index should hold its model"
    ledger.record(ready_index.index, "models/stale-model", ledger.MODEL)
    (models / "stale-model").mkdir()
    (models / "stale-model" / "model.onnx").write_bytes(b"old")
    ledger.record(ready_index.index, "models/half-export.tmp", ledger.EXPORT)
    (models / "half-export.tmp").mkdir()
    (models / "not-qa").mkdir()
    store.collect_garbage(ready_index.index)
    assert {p.name for p in models.iterdir()} == used | {"not-qa"}
    answers_from_the_live_index(ready_index.index)


def test_ctrl_c_inside_a_callback_still_interrupts_in_one_line(tmp_path: Path) -> None:
    """A ctrl+c that arrives while an import runs can land in a weakref callback, where Python only prints
    "Exception ignored ... Traceback" and carries on; the command must still end as "interrupted"."""
    script = tmp_path / "callback.py"
    script.write_text(
        "import sys, time, weakref\n"
        "from qa import cli\n"
        "@cli.cli.command('callback')\n"
        "def callback():\n"
        "    class Lock: pass\n"
        "    lock = Lock()\n"
        "    def cb(_):\n"
        "        raise KeyboardInterrupt\n"
        "    ref = weakref.ref(lock, cb)\n"
        "    del lock\n"
        "    time.sleep(10)\n"
        "    print('finished')\n"
        "sys.argv = ['qa', 'callback']\n"
        "cli.main()\n"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "interrupted\n")
