"""Indexing throughput: `qa index build --full` on BBC, in chunks per second, against plain
``SentenceTransformer.encode`` (fp32, default settings, batch 32) on the very chunk texts that build produced.

The build is the real command in a fresh process, timed from start to exit (reading, chunking, embedding, writing
and sealing included); the baseline times ``encode`` alone, model already loaded, so it is the generous side. The
baseline encodes a fixed random sample of the build's chunks (``ST_SAMPLE``; 0 = all of them) to keep the run short
on a shared 2-core machine: its rate per chunk estimates the whole set's.
"""

from __future__ import annotations

import json
import random
import re
import resource
import subprocess
from pathlib import Path

from bench.common import BBC_INDEX, PYTHON, QA, Row, bbc_seeds, chunk_texts, judged, qa_env, say
from bench.common import run as run_cmd

ST_SAMPLE = 2_000

_ST_ENCODE = """
import json, time, sys
from pathlib import Path
from qa import store
from qa.models import resolve_model
from sentence_transformers import SentenceTransformer
texts = json.loads(Path({texts!r}).read_text())
version = store.Version.open(Path({index!r}))
model = SentenceTransformer(str(resolve_model(version.manifest["model"])), device="cpu")
model.encode(texts[:32], batch_size=32)  # warm-up
t, c = time.perf_counter(), time.process_time()
model.encode(texts, batch_size=32)
print(json.dumps({{"seconds": time.perf_counter() - t, "cpu": time.process_time() - c, "n": len(texts)}}))
"""


def st_encode_seconds(texts: list[str], index: Path, work: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of SentenceTransformer.encode over ``texts`` in a fresh process (no torch in this one)."""
    path = work / "chunk-texts.json"
    path.write_text(json.dumps(texts), encoding="utf-8")
    proc = subprocess.run([PYTHON, "-c", _ST_ENCODE.format(texts=str(path), index=str(index))],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"SentenceTransformer baseline failed: {proc.stderr[-2000:]}")
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    return float(got["seconds"]), float(got["cpu"])


def run(fresh: bool = False, context: dict | None = None) -> list[Row]:
    seeds = bbc_seeds()
    say("index: qa index build --full on BBC")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, out = run_cmd([QA, "index", "build", "--full"], env=qa_env(seeds, BBC_INDEX))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    found = re.search(r"chunks: (\d+) \((\d+) embedded\)", out)
    chunks = int(found.group(1)) if found else 0
    if context is not None:
        context["full_build_seconds"] = wall
    texts = chunk_texts(BBC_INDEX)
    if ST_SAMPLE and ST_SAMPLE < len(texts):
        texts = random.Random(5).sample(texts, ST_SAMPLE)
    say(f"index: SentenceTransformer.encode over the same {len(texts)} chunks")
    st, st_cpu = st_encode_seconds(texts, BBC_INDEX, BBC_INDEX.parent)
    return [
        judged(Row("index", "qa index build --full, BBC (whole command)", chunks / wall, "chunks/s", len(texts) / st,
                   "SentenceTransformer.encode fp32 b32", "ratio >= 2",
                   note=f"{chunks} chunks in {wall:.1f} s; ST: {len(texts)} of them in {st:.1f} s")),
        Row("index", "same, per CPU-second (user+sys of the build process)", chunks / cpu, "chunks/cpu-s",
            len(texts) / st_cpu, "ST encode per CPU-second",
            note="less sensitive to other work on the machine than wall time; both sides use 2 threads"),
    ]  # fmt: skip
