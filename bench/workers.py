"""`qa index build --full --workers 2` against one process on BBC: chunks per second, and whether the two indexes'
vectors.faiss, sentences.npy and meta.sqlite are byte for byte the same.

Both are the real command in a fresh process, timed from start to exit, each into its own fresh index folder (the
exported model comes from the per-user cache in both). The workers run includes starting the local Dask cluster and
loading the model in each worker. On this 2-core machine the one-process build uses 2 onnxruntime threads and each
of the 2 workers uses 1 (QA_THREADS=1, set by qa.cluster).
"""

from __future__ import annotations

import re
import shutil

from bench.common import QA, WORK, Row, bbc_seeds, judged, qa_env, say
from bench.common import run as run_cmd

COMPARED = ("vectors.faiss", "sentences.npy", "meta.sqlite")


def _build(name: str, *extra: str) -> tuple[float, int, dict[str, str]]:
    from qa import store

    index = WORK / name
    shutil.rmtree(index, ignore_errors=True)
    say(f"workers: qa index build --full {' '.join(extra)} into {index.name}")
    wall, out = run_cmd([QA, "index", "build", "--full", *extra], env=qa_env(bbc_seeds(), index))
    found = re.search(r"chunks: (\d+) \((\d+) embedded\)", out)
    chunks = int(found.group(1)) if found else 0
    folder = store.current_version(index)
    sums = {f: store.file_digest(folder / f, limit=1 << 40) for f in COMPARED}
    return wall, chunks, sums


def run(fresh: bool = False, context: dict | None = None) -> list[Row]:
    one_wall, one_chunks, one_sums = _build("index-workers-1")
    two_wall, two_chunks, two_sums = _build("index-workers-2", "--workers", "2")
    same = [f for f in COMPARED if one_sums[f] == two_sums[f]]
    if len(same) == len(COMPARED):
        for name in ("index-workers-1", "index-workers-2"):
            shutil.rmtree(WORK / name, ignore_errors=True)
    else:
        say(f"workers: indexes differ; kept in {WORK / 'index-workers-1'} and {WORK / 'index-workers-2'}")
    return [
        judged(Row("workers", "qa index build --full --workers 2, BBC", two_chunks / two_wall, "chunks/s",
                   one_chunks / one_wall, "one process", "ratio >= 1",
                   note=f"{two_chunks} chunks in {two_wall:.1f} s; one process {one_wall:.1f} s")),
        Row("workers", "index files byte-identical to one process", len(same), f"of {len(COMPARED)}",
            target="value >= 3", ok=len(same) == len(COMPARED),
            note=", ".join(f"{f} {'equal' if f in same else 'DIFFERS'}" for f in COMPARED)),
    ]  # fmt: skip
