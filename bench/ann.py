"""Dense search at archive scale: 1,000,000 synthetic vectors through the store's real HNSW path.

The vectors are a mixture of gaussians shaped like real sentence embeddings rather than uniform noise: a shared mean
direction (random pairs of BBC chunk vectors have cosine ~0.1), cluster centers, and within-cluster spread with a
power-law spectrum in a random rotation (BBC chunk vectors put half their variance in ~36 of 384 directions). Uniform
random vectors would make every neighbour equally far and recall meaningless; isotropic clusters would be as
pathological the other way. Queries are fresh draws from the same mixture, not database points.

The index is written by ``qa.build.write_vectors`` (so what is measured is what ``qa index build`` writes past
``store.ANN_THRESHOLD``) and judged against exact inner-product search (IndexFlatIP) on the same vectors.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from bench.common import WORK, Row, gb, judged, median, percentile, python_rss, say

N = 1_000_000
DIM = 384
QUERIES = 1_000
CLUSTERS = 2_000
SEED = 20261122


def spectrum_basis(rng, dim: int = DIM):  # type: ignore[no-untyped-def]
    import numpy as np

    rotation, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    scale = (np.arange(1, dim + 1, dtype=np.float64) ** -0.5).astype(np.float32)  # std; variance ~ 1/j
    return rotation.astype(np.float32), scale / np.linalg.norm(scale)


def vectors(n: int, queries: int = QUERIES, seed: int = SEED):  # type: ignore[no-untyped-def]
    """(database [n, DIM], queries [queries, DIM]) float32, unit length, from one clustered mixture.

    The database depends only on (n, seed) and the queries only on (queries, seed), so a process that needs the
    queries alone (``vectors(0)``) gets the same ones without drawing the million.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    rotation, scale = spectrum_basis(rng)
    mean = rng.standard_normal(DIM).astype(np.float32)
    mean *= 0.35 / np.linalg.norm(mean)
    centers = (rng.standard_normal((CLUSTERS, DIM)).astype(np.float32) * scale) @ rotation.T
    spread = rng.uniform(0.5, 1.0, CLUSTERS).astype(np.float32)  # some topics tight, some broad

    def draw(m: int, source) -> np.ndarray:  # type: ignore[no-untyped-def]
        out = np.empty((m, DIM), dtype=np.float32)
        for lo in range(0, m, 100_000):
            hi = min(m, lo + 100_000)
            label = source.integers(0, CLUSTERS, hi - lo)
            noise = (source.standard_normal((hi - lo, DIM)).astype(np.float32) * scale) @ rotation.T
            block = mean + centers[label] + spread[label, None] * noise
            block /= np.linalg.norm(block, axis=1, keepdims=True)
            out[lo:hi] = block
        return out

    return draw(n, rng), draw(queries, np.random.default_rng(seed + 1))


def _params() -> dict[str, object]:
    from qa import build as qa_build
    from qa import store

    return {"n": N, "dim": DIM, "clusters": CLUSTERS, "seed": SEED, "threshold": store.ANN_THRESHOLD,
            "M": qa_build.HNSW_M, "efConstruction": qa_build.HNSW_EF_CONSTRUCTION}  # fmt: skip


def build(folder: Path, fresh: bool = False) -> tuple[Path, float, dict[str, object]]:
    """The HNSW index of the synthetic database, via build.write_vectors; cached in bench/work/ann while the
    generator, M and efConstruction are unchanged (its build time is then the one recorded when it was built)."""
    from qa import build as qa_build

    folder.mkdir(parents=True, exist_ok=True)
    path, meta_path = folder / "vectors.faiss", folder / "built.json"
    key = _params()
    if not fresh and path.is_file() and meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("key") == key:
            say(f"reusing the HNSW index built {meta['built_at']} (pass --fresh to rebuild)")
            return path, float(meta["seconds"]), meta
    db, _ = vectors(N)
    say(f"building HNSW over {N:,} vectors with qa.build.write_vectors (minutes)")
    started = time.perf_counter()
    kind = qa_build.write_vectors(path, db)
    seconds = time.perf_counter() - started
    del db
    meta = {"key": key, "kind": kind, "seconds": seconds, "built_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    meta_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return path, seconds, meta


_SEARCH = """
import time, json, sys
import numpy as np, faiss
sys.path.insert(0, {repo!r})
from bench.ann import vectors
index = faiss.read_index({path!r})
_, queries = vectors(0)
faiss.omp_set_num_threads(1)  # one question at a time, as `qa ask` searches
results = {{}}
for ef in {efs!r}:
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = ef
    ids = np.zeros((len(queries), 10), dtype=np.int64)
    times = []
    for i, q in enumerate(queries):
        t = time.perf_counter()
        _, found = index.search(q[None, :], 10)
        times.append(time.perf_counter() - t)
        ids[i] = found[0]
    np.save({out!r} + f".{{ef}}.npy", ids)
    results[ef] = times
print(json.dumps(results))
"""


def run(fresh: bool = False, context: dict | None = None) -> list[Row]:
    import faiss
    import numpy as np

    from qa import build as qa_build
    from qa import store

    folder = WORK / "ann"
    path, build_seconds, meta = build(folder, fresh)
    db, queries = vectors(N)

    # Exact baseline: brute-force inner product over the same vectors (also the recall ground truth).
    started = time.perf_counter()
    flat = faiss.IndexFlatIP(DIM)
    flat.add(db)
    flat_build = time.perf_counter() - started
    say("exact search for ground truth")
    _, truth = flat.search(queries, 10)
    faiss.omp_set_num_threads(1)
    flat_times = []
    for q in queries[:50]:  # exact search is ~100x slower per query; 50 give a steady median
        t = time.perf_counter()
        flat.search(q[None, :], 10)
        flat_times.append(time.perf_counter() - t)
    faiss.omp_set_num_threads(0)
    del flat, db

    # HNSW, in a fresh process so its resident memory is the index alone (plus python, numpy and faiss). The
    # efSearch that write_vectors sets is measured first (the process's memory is read at exit, after all runs);
    # a few others follow for the record.
    ef_main = qa_build.HNSW_EF_SEARCH
    efs = [ef_main] + [ef for ef in (64, 128, 256) if ef != ef_main]
    repo = str(Path(__file__).resolve().parent.parent)
    out = str(folder / "found")
    rss, stdout = python_rss(_SEARCH.format(repo=repo, path=str(path), out=out, efs=efs))
    timings = json.loads(stdout)

    def recall(ef: int) -> float:
        found = np.load(f"{out}.{ef}.npy")
        return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, found, strict=True)]))

    times = timings[str(ef_main)]
    baseline_rss, _ = python_rss("import numpy, faiss\n")
    p50 = median(times) * 1000
    note = f"{meta.get('kind')} M={qa_build.HNSW_M} efC={qa_build.HNSW_EF_CONSTRUCTION} efS={ef_main}"
    n = f"{N // 1_000_000}M"
    rows = [
        judged(
            Row(
                "ann",
                f"recall@10, HNSW vs exact ({n} x {DIM})",
                recall(ef_main),
                "",
                1.0,
                "exact",
                "value >= 0.95",
                note=note,
            )
        ),
        judged(
            Row("ann", "search p50, 1 query, 1 thread", p50, "ms", median(flat_times) * 1000, "exact p50", "value <= 5")
        ),
        Row(
            "ann",
            "search p99, 1 query, 1 thread",
            percentile(times, 99) * 1000,
            "ms",
            percentile(flat_times, 99) * 1000,
            "exact p99",
        ),
        Row(
            "ann",
            "index build (write_vectors)",
            build_seconds,
            "s",
            flat_build,
            "exact build",
            note=f"built {meta.get('built_at')}",
        ),
        judged(
            Row(
                "ann",
                "RSS, fresh process with the index loaded",
                gb(rss),
                "GB",
                gb(baseline_rss),
                "python+numpy+faiss",
                "value <= 2.5",
                note=f"raw vectors {N * DIM * 4 / 1e9:.2f} GB; ANN_THRESHOLD={store.ANN_THRESHOLD:,}",
            )
        ),
    ]
    for ef in efs[1:]:
        rows.append(
            Row(
                "ann",
                f"  recall@10 at efSearch={ef}",
                recall(ef),
                "",
                note=f"p50 {median(timings[str(ef)]) * 1000:.2f} ms; for tuning",
            )
        )
    return rows
