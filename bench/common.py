"""Shared pieces of the benchmarks: work folders, the BBC corpus and index, subprocess timing, memory, result rows.

Every figure is a ``Row`` printed beside the baseline it is judged against, measured in the same run, so a busy
machine (2 cores shared with other work) moves both sides together and the ratio stays meaningful.
"""

from __future__ import annotations

import math
import os
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
WORK = ROOT / "work"  # git-ignored: extracted corpora, indexes, synthetic data
RESULTS = ROOT / "results"
DATA = Path(os.environ.get("QA_BENCH_DATA", "/work/shared/data"))
BBC_ZIP = DATA / "bbc-news" / "bbc-fulltext.zip"
SQUAD = DATA / "squad-v1.1" / "dev-v1.1.json"
BBC_SEEDS = WORK / "bbc-fulltext" / "bbc"
BBC_INDEX = WORK / "index-bbc"
PYTHON = sys.executable
QA = str(Path(sys.executable).with_name("qa"))


@dataclass
class Row:
    """One figure beside its baseline. ``ratio`` is value / baseline; ``target`` says which way is good."""

    bench: str
    figure: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    target: str = ""  # e.g. "ratio <= 0.25", "value >= 0.95"
    ok: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def judged(row: Row) -> Row:
    """Fill ``ok`` from ``target`` ("ratio <= x", "value >= x", ...)."""
    if not row.target or row.value is None:
        return row
    lhs, op, rhs = row.target.split()
    got = row.ratio if lhs == "ratio" else row.value
    if got is None:
        return row
    limit = float(rhs)
    row.ok = got <= limit if op == "<=" else got >= limit
    return row


def load() -> str:
    """The 1/5/15-minute load average, printed with every run: timings on a shared 2-core box need it."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def cpu() -> str:
    """The processor and its int8 dot-product instructions: the reader's int8 passes cost about four times as much
    without VNNI (AVX2 only) as with it, so timings from different machines are read against this."""
    fields: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())  # the first processor's
    except OSError:
        return "unknown"
    flags = set(fields.get("flags", "").split())
    simd = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8") if f in flags]
    name = f"{fields.get('model name', 'unknown')} (family {fields.get('cpu family', '?')})"
    return f"{name}; {' '.join(simd) or 'no AVX2'}"


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')} load {load()}] {message}", file=sys.stderr, flush=True)


# -- corpora and indexes -------------------------------------------------------------------------------------
def bbc_seeds() -> Path:
    """The 2,225 BBC articles, extracted once into bench/work (sport/199.txt carries a latin-1 byte, as shipped)."""
    if not (BBC_SEEDS / "tech").is_dir():
        say(f"extracting {BBC_ZIP}")
        WORK.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(BBC_ZIP) as archive:
            archive.extractall(WORK)
    return BBC_SEEDS


def restore_bbc_article(rel: str) -> None:
    """Put one BBC article back as shipped (the incremental benchmark appends to one)."""
    with zipfile.ZipFile(BBC_ZIP) as archive:
        data = archive.read(f"bbc-fulltext/bbc/{rel}")
    (BBC_SEEDS / rel).write_bytes(data)


def qa_env(seeds: Path, index: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(QA_SEEDS=str(seeds), QA_INDEX=str(index), **extra)
    return env


def bbc_index() -> Path:
    """The BBC index built by the real `qa index build` (reused when current)."""
    seeds = bbc_seeds()
    run([QA, "index", "build", "--wait", "900"], env=qa_env(seeds, BBC_INDEX))
    return BBC_INDEX


def chunk_texts(index: Path) -> list[str]:
    """Every chunk's text in an index, in chunk-id order."""
    import sqlite3

    from qa import store

    folder = store.current_version(index)
    db = sqlite3.connect(f"file:{folder / store.META}?mode=ro", uri=True)
    try:
        rows = db.execute(
            'SELECT a.text, c.start, c."end" FROM chunks c JOIN articles a ON a.id = c.article_id ORDER BY c.id'
        ).fetchall()
    finally:
        db.close()
    return [text[s:e] for text, s, e in rows]


def bbc_titles() -> list[str]:
    """The first line of every BBC article (its headline), in a fixed order."""
    titles = []
    for path in sorted(bbc_seeds().rglob("*.txt")):
        line = path.read_bytes().decode("utf-8", errors="replace").strip().splitlines()[0].strip()
        if line:
            titles.append(line)
    return titles


def squad_questions(n: int) -> list[str]:
    import json

    data = json.loads(SQUAD.read_text(encoding="utf-8"))
    out = [qa["question"] for article in data["data"] for p in article["paragraphs"] for qa in p["qas"]]
    return out[:n]


def bbc_questions(n: int) -> list[str]:
    """Questions for the BBC index: a headline turned into a question, alternating with SQuAD-style wording."""
    import random

    titles = bbc_titles()
    rng = random.Random(7)
    forms = ("What happened: {}?", "Who is involved in {}?", "Why {}?", "When did {} happen?", "{}")
    picked = rng.sample(titles, min(n, len(titles)))
    while len(picked) < n:
        picked.append(rng.choice(titles))
    return [forms[i % len(forms)].format(t.rstrip(".?!")) for i, t in enumerate(picked)]


# -- processes, time and memory ------------------------------------------------------------------------------
def run(cmd: Sequence[str], env: dict[str, str] | None = None, check: bool = True, **kw: Any) -> tuple[float, str]:
    """Run a command to completion; returns (wall seconds, stdout). Raises on failure with its stderr."""
    started = time.perf_counter()
    proc = subprocess.run(list(cmd), env=env, capture_output=True, text=True, check=False, **kw)
    wall = time.perf_counter() - started
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return wall, proc.stdout


def interleaved(
    commands: dict[str, tuple[Sequence[str], dict[str, str] | None]], repeats: int
) -> dict[str, list[float]]:
    """Wall times of each command, run in turn ``repeats`` times so both sides see the same machine load."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, (cmd, env) in commands.items():
            times[name].append(run(cmd, env=env)[0])
    return times


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[k]


PEAK_RSS = (
    "import atexit, sys\n"
    "def _peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith(('VmHWM', 'VmRSS')):\n"
    "            sys.stderr.write('BENCH ' + line)\n"
    "atexit.register(_peak)\n"
)


def peak_rss(stderr: str) -> dict[str, int]:
    """VmHWM (peak) / VmRSS (at exit) in bytes from the lines PEAK_RSS writes."""
    out = {}
    for line in stderr.splitlines():
        if line.startswith("BENCH Vm"):
            key, value = line[6:].split(":", 1)
            out[key] = int(value.split()[0]) * 1024  # /proc reports kB (KiB)
    return out


def gb(rss: dict[str, int]) -> float:
    """Peak resident memory in GB (10^9 bytes), the unit the targets use."""
    return rss.get("VmHWM", 0) / 1e9


def mb(rss: dict[str, int]) -> float:
    return rss.get("VmHWM", 0) / 1e6


def python_rss(code: str, env: dict[str, str] | None = None) -> tuple[dict[str, int], str]:
    """Run ``code`` in a fresh interpreter; returns its peak and final RSS (bytes) and its stdout."""
    proc = subprocess.run([PYTHON, "-c", PEAK_RSS + code], env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"subprocess failed: {proc.stderr.strip()[-2000:]}")
    return peak_rss(proc.stderr), proc.stdout


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
