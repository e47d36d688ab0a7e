"""A question file answered by several processes: the same records in the same order as one process (with filters
too), helpers really answering their parts, a helper that fails leaving its part to the first process, a helper
refusing another index version, and ctrl+c leaving no helper behind. Real index, real CLI, real helper processes."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from qa import parallel
from tests.conftest import FACTS, Paths, subprocess_env

EXTRA = [
    "When was the Grimsholm lighthouse lit again?", "What powers the lighthouse lamp?", "Who led the glacier survey?",
    "Where does the Felbridge cooperative share its oven?", "Who drove the first tram to the harbour?",
    "When did measurements of the Oskar glacier begin?", "Who won the 1998 chess olympiad?",
]  # fmt: skip


def question_file(path: Path, n: int) -> Path:
    pool = [q for q, _, _ in FACTS] + EXTRA
    path.write_text("\n".join(f"{pool[i % len(pool)]}" for i in range(n)) + "\n", encoding="utf-8")
    return path


def test_parts_start_on_batch_boundaries_and_the_first_is_the_largest() -> None:
    assert parallel.parts(300, 3) == [(0, 128), (128, 256), (256, 300)]
    assert parallel.parts(2000, 2) == [(0, 1024), (1024, 2000)]
    assert parallel.parts(50, 4) == [(0, 50)]  # one batch: one process
    for n, count in [(1000, 3), (129, 2), (64 * 7, 4)]:
        split = parallel.parts(n, count)
        assert split[0][0] == 0 and split[-1][1] == n
        assert all(s % parallel.BATCH == 0 for s, _ in split)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(split))
        assert split[0][1] - split[0][0] == max(e - s for s, e in split)


def test_workers_as_told_else_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(parallel.ENV_WORKERS, raising=False)
    assert parallel.workers(None) == 1
    assert parallel.workers(3) == 3
    monkeypatch.setenv(parallel.ENV_WORKERS, "2")
    assert parallel.workers(None) == 2
    assert parallel.workers(1) == 1


@pytest.mark.parametrize("filters", [[], ["--source", "*.txt"]])
def test_several_processes_write_what_one_writes(
    ready_index: Paths, qa_proc: Callable[..., subprocess.CompletedProcess[str]], filters: list[str]
) -> None:
    questions = question_file(ready_index.root / "questions.txt", 300)
    outputs = []
    for workers in ("1", "3"):
        out = ready_index.root / f"answers-{workers}.jsonl"
        done = qa_proc("ask", "--file", str(questions), "--workers", workers, "-o", str(out), *filters)
        assert done.returncode == 0, done.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    records = [json.loads(line) for line in outputs[0].decode().splitlines()]
    assert [r["id"] for r in records] == [str(i) for i in range(1, 301)]
    if filters:
        assert all(a["source"].endswith(".txt") for r in records for a in r["answers"])


def _answer(paths: Paths, command: list[str] | None, n: int = 200) -> tuple[list[dict], list[dict]]:
    """(records from one process, records with two processes whose helper runs ``command``)."""
    from qa.session import open_answerer
    from qa.settings import Settings

    settings = Settings.from_env()
    texts = question_file(paths.root / "q.txt", n).read_text(encoding="utf-8").splitlines()
    ids = [str(i) for i in range(n)]
    answerer = open_answerer(settings)
    alone = [r.to_record() for r in answerer.ask_stream(texts, ids, 5)]
    both = [r.to_record() for r in parallel.ask_stream(answerer, settings, texts, ids, 5, None, 2, command)]
    return alone, both


def test_the_helper_answers_its_part(ready_index: Paths) -> None:
    sent = ready_index.root / "helper-output.jsonl"
    tee = (
        "import io, json, sys\n"
        "from qa import parallel\n"
        "job = json.loads(sys.stdin.read())\n"
        "real, sys.stdout = sys.stdout, io.StringIO()\n"
        "code = parallel._serve(job)\n"
        "data, sys.stdout = sys.stdout.getvalue(), real\n"
        f"open({str(sent)!r}, 'w', encoding='utf-8').write(data)\n"
        "real.write(data)\n"
        "sys.exit(code)\n"
    )
    alone, both = _answer(ready_index, [sys.executable, "-c", tee])
    assert both == alone
    helped = [json.loads(line) for line in sent.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in helped] == [str(i) for i in range(128, 200)]  # the second part, answered there


@pytest.mark.parametrize(
    "command",
    [["false"], [sys.executable, "-c", "print('not a record')"], [sys.executable, "-c", "import sys; sys.exit(7)"],
     ["/nonexistent/helper"]],
)  # fmt: skip
def test_a_failed_helper_leaves_its_part_to_this_process(ready_index: Paths, command: list[str]) -> None:
    alone, both = _answer(ready_index, command)
    assert both == alone


def test_a_hung_helper_is_stopped_and_its_part_answered_here(
    ready_index: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "STALL", 2.0)
    alone, both = _answer(ready_index, [sys.executable, "-c", "import time; time.sleep(120)"])
    assert both == alone


def test_a_helper_refuses_another_index_version(ready_index: Paths) -> None:
    job = {"index": str(ready_index.index), "store": None, "model": "all-MiniLM-L6-v2", "version": "v-other",
           "top_k": 5, "allowed": None, "texts": ["Who built the oven?"], "ids": ["1"]}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "qa.parallel"], input=json.dumps(job), capture_output=True, text=True, timeout=120,
        env=subprocess_env(), check=False,
    )  # fmt: skip
    assert done.returncode == 3 and done.stdout == ""


def _helpers_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if int(stat[1]) == pid and b"qa.parallel" in cmdline:
            found.append(int(entry.name))
    return found


def test_ctrl_c_stops_the_helpers_too(ready_index: Paths) -> None:
    questions = question_file(ready_index.root / "many.txt", 4000)
    out = ready_index.root / "answers.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa.cli", "ask", "--file", str(questions), "--workers", "2", "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env(), start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not _helpers_of(proc.pid) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    helpers = _helpers_of(proc.pid)
    assert helpers, "a helper was started"
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)  # what ctrl+c does: the whole foreground group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted after" in err and "Traceback" not in err
    time.sleep(0.5)
    assert not [p for p in helpers if Path(f"/proc/{p}").exists() and b"qa.parallel" in
                Path(f"/proc/{p}/cmdline").read_bytes()]  # fmt: skip
    lines = out.read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line)["id"] for line in lines)  # complete records only
