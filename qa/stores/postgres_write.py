"""Writing one version into Postgres: every row, the passage vectors, qa's BM25 postings, then the switch, all in
one transaction (a build killed at any moment is rolled back by the server).

Bulk rows go in with COPY; the vectors in COPY's binary form, built with numpy (pgvector's wire format: uint16
dimension, uint16 unused, big-endian float4 values; halfvec the same with float2), so a million 384-dimension
vectors need no per-value Python.
"""

from __future__ import annotations

import json
import os
import struct
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qa.errors import ArticleSkipped
from qa.stores.postgres import (
    FORMAT,
    HNSW_EF_CONSTRUCTION,
    HNSW_M,
    PREFIX,
    SCHEMA,
    VERSION_DDL,
    VERSION_INDEXES,
    PostgresStore,
    _connect,
    _ident,
)

if TYPE_CHECKING:
    from qa.build import Contents

_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_TRAILER = struct.pack(">h", -1)
_BLOCK = 20_000  # rows per COPY write


@dataclass
class Tables:
    """The rows of one version, ready to copy (passage and sentence rows as columns of numpy arrays)."""

    dimension: int
    articles: list[tuple[Any, ...]] = field(default_factory=list)
    article_meta: list[tuple[Any, ...]] = field(default_factory=list)
    chunks: dict[str, Any] = field(default_factory=dict)  # id, article_id, ordinal, start, end: int arrays
    chunk_vectors: Any = None  # [n, d] float32
    sentences: dict[str, Any] = field(default_factory=dict)  # id, chunk_id, article_id, start, end
    sentence_vectors: Any = None  # [m, d] float16
    texts: Sequence[str] = ()  # what BM25 indexes per chunk (headline + passage)
    article_of_chunk: Any = None  # [n] int: for the postings' distribution key
    skipped: list[tuple[Any, ...]] = field(default_factory=list)
    alias_scans: list[tuple[Any, ...]] = field(default_factory=list)
    aliases: list[tuple[Any, ...]] = field(default_factory=list)


def tables_of(contents: Contents) -> Tables:
    """The rows of a build's entries, as the folder's ``_fill`` writes them to SQLite."""
    import numpy as np

    from qa import aliases
    from qa.build import bm25_text
    from qa.ingest import headline

    t = Tables(contents.dimension)
    chunk_cols: dict[str, list[int]] = {k: [] for k in ("id", "article_id", "ordinal", "start", "end")}
    sent_cols: dict[str, list[int]] = {k: [] for k in ("id", "chunk_id", "article_id", "start", "end")}
    chunk_vecs, sent_vecs, texts = [], [], []
    chunk_id = sentence_id = 0
    for aid, entry in enumerate(contents.entries):
        a = entry.article
        if "\x00" in a.text or "\x00" in a.title or "\x00" in a.source:
            raise ArticleSkipped(
                f"{a.source} holds a NUL character, which PostgreSQL text cannot store; "
                "remove it from the file, or keep this collection in a folder index"
            )
        title = headline(a.title, a.text)
        t.articles.append(
            (aid, a.source, a.title, a.kind, a.date, a.author, a.content_hash, entry.size, entry.mtime_ns, a.text)
        )
        t.article_meta.append((aid, a.section, a.url, a.outlet, json.dumps(list(a.pages)) if a.pages else None))
        for chunk in entry.chunks:
            for k, v in zip(chunk_cols, (chunk_id, aid, chunk.ordinal, chunk.start, chunk.end), strict=True):
                chunk_cols[k].append(v)
            for s, e in chunk.sentences:
                for k, v in zip(sent_cols, (sentence_id, chunk_id, aid, s, e), strict=True):
                    sent_cols[k].append(v)
                sentence_id += 1
            texts.append(bm25_text(title, chunk.text))
            chunk_id += 1
        chunk_vecs.append(entry.passage_vectors(contents.dimension))
        sent_vecs.append(entry.sentence_vectors(contents.dimension))
    t.chunks = {k: np.asarray(v, dtype=np.int32) for k, v in chunk_cols.items()}
    t.sentences = {k: np.asarray(v, dtype=np.int32) for k, v in sent_cols.items()}
    t.chunk_vectors = np.concatenate(chunk_vecs) if chunk_vecs else np.zeros((0, contents.dimension), np.float32)
    t.sentence_vectors = np.concatenate(sent_vecs) if sent_vecs else np.zeros((0, contents.dimension), np.float16)
    t.texts = texts
    t.article_of_chunk = t.chunks["article_id"]
    t.skipped = list(contents.skipped)
    scans = [e.alias_scan or aliases.scan(e.article.text) for e in contents.entries]  # only new or changed texts
    t.alias_scans = [(aid, sc.to_json()) for aid, sc in enumerate(scans)]
    seen: set[tuple[str, str]] = set()
    for row in aliases.combine(scans):  # INSERT OR IGNORE, as the folder's SQLite: the first of a pair wins
        if (row[0], row[1]) not in seen:
            seen.add((row[0], row[1]))
            t.aliases.append(tuple(int(v) if isinstance(v, bool) else v for v in row))  # SQLite keeps bools as 0/1
    return t


def write(where: PostgresStore, contents: Contents) -> int:
    from qa import store
    from qa.build import manifest, model_cache

    t = tables_of(contents)
    n_chunks = len(t.chunks["id"])
    info = manifest(
        contents.settings, contents.key, contents.dimension, contents.chunker, len(t.articles), n_chunks,
        len(t.sentences["id"]), "hnsw" if n_chunks >= store.ANN_THRESHOLD else "flat",
    )  # fmt: skip
    info["model_files"] = store.write_model_checksums(model_cache() / contents.key)
    info.update(contents.extra)
    return write_tables(where, t, info)


def postings(texts: Sequence[str], article_of_chunk: Any) -> tuple[dict[str, int], Any, Any, float]:
    """qa's BM25 postings: the texts tokenized and stemmed exactly as the folder's bm25s index does
    (qa.build.bm25_tokenize), then counted per (term, chunk).

    Returns (vocabulary, document frequency per term id, postings as columns, average passage length).
    """
    import numpy as np

    from qa.build import bm25_tokenize

    if not len(texts):
        return {}, np.zeros(0, np.int64), {}, 1.0
    tokens = bm25_tokenize(texts)
    lengths = np.fromiter((len(ids) for ids in tokens.ids), dtype=np.int64, count=len(tokens.ids))
    avg = float(lengths.mean()) if len(lengths) else 1.0
    flat = np.fromiter((i for ids in tokens.ids for i in ids), dtype=np.int64, count=int(lengths.sum()))
    doc = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    vocab_size = max(len(tokens.vocab), int(flat.max()) + 1 if len(flat) else 0)
    pairs, tf = np.unique(doc * vocab_size + flat, return_counts=True)
    chunk, term = pairs // vocab_size, pairs % vocab_size
    df = np.bincount(term, minlength=vocab_size)
    columns = {
        "term_id": term.astype(np.int32),
        "chunk_id": chunk.astype(np.int32),
        "article_id": np.asarray(article_of_chunk, dtype=np.int32)[chunk],
        "tf": tf.astype(np.int32),
        "length": lengths[chunk].astype(np.int32),
    }
    return dict(tokens.vocab), df, columns, avg or 1.0


def write_tables(
    where: PostgresStore, t: Tables, info: dict[str, Any], progress: Any = None, maintenance_mem: str = "1GB"
) -> int:
    """Write ``t`` as a new version schema and make it current, in one transaction; returns the chunk count.

    ``info``: the manifest (qa.build.manifest), completed here with the format, schema and BM25 constants.
    ``progress(step)``: told each step's name (benches time them). ``maintenance_mem``: the server memory the index
    builds may use (an HNSW graph that fits builds several times faster).
    """
    import numpy as np

    say = progress or (lambda step: None)
    n_chunks = len(t.chunks["id"])
    say("postings")
    vocab, df, post, avg = postings(t.texts, t.article_of_chunk)
    stamp = time.strftime("%Y%m%dt%H%M%S", time.gmtime()) + f"_{time.time_ns() % 1_000_000_000:09d}"
    name = f"{PREFIX}{stamp}"
    info = {**info, "format": FORMAT, "schema": name, "bm25_avglen": avg, "bm25_k1": 1.5, "bm25_b": 0.75}
    with _connect(where.url, application_name="qa index build") as conn:
        ext = conn.execute("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                           "WHERE e.extname = 'vector'").fetchone()[0]  # fmt: skip
        with conn.transaction():
            conn.execute(f"CREATE SCHEMA {_ident(name)}")
            conn.execute(f"SET LOCAL search_path TO {_ident(name)}, {_ident(ext)}")
            conn.execute("SELECT set_config('maintenance_work_mem', %s, true)", (maintenance_mem,))
            conn.execute("SET LOCAL max_parallel_maintenance_workers = 1")
            conn.execute("SET LOCAL client_connection_check_interval = 1000")  # a killed build stops its work at once
            conn.execute(VERSION_DDL.format(d=t.dimension))
            cur = conn.cursor()
            say("articles")
            _copy_rows(cur, "articles", ("id", "source", "title", "kind", "date", "author", "content_hash", "size",
                                         "mtime_ns", "text"), t.articles)  # fmt: skip
            _copy_rows(cur, "article_meta", ("article_id", "section", "url", "outlet", "pages"), t.article_meta)
            _copy_rows(cur, "skipped", ("source", "size", "mtime_ns", "reason"), t.skipped)
            _copy_rows(cur, "alias_scans", ("article_id", "scan"), t.alias_scans)
            _copy_rows(cur, "aliases", ("short", "long", "count", "seen"), t.aliases)
            say("chunks")
            lengths = np.zeros(n_chunks, dtype=np.int32)
            if post:
                np.maximum.at(lengths, post["chunk_id"], post["length"])
            _copy_binary(cur, "chunks", [*((k, "i4", t.chunks[k]) for k in ("id", "article_id", "ordinal", "start",
                         "end")), ("length", "i4", lengths), ("embedding", "vector", t.chunk_vectors)])  # fmt: skip
            say("sentences")
            _copy_binary(cur, "sentences", [*((k, "i4", t.sentences[k]) for k in ("id", "chunk_id", "article_id",
                         "start", "end")), ("embedding", "halfvec", t.sentence_vectors)])  # fmt: skip
            say("terms")
            ids = np.asarray(sorted(vocab.values()), dtype=np.int64)
            words = {i: w for w, i in vocab.items()}
            used = [int(i) for i in ids if i < len(df) and df[i] > 0]
            _copy_rows(cur, "terms", ("id", "term", "df"), ((i, words[i], int(df[i])) for i in used))
            say("postings copy")
            if post:
                _copy_binary(cur, "postings", [(k, "i4", post[k]) for k in ("term_id", "chunk_id", "article_id",
                             "tf", "length")])  # fmt: skip
            say("indexes")
            conn.execute(VERSION_INDEXES)
            if info["search"] == "hnsw":
                say("hnsw")
                conn.execute(
                    f"CREATE INDEX chunks_hnsw ON chunks USING hnsw (embedding vector_ip_ops) "
                    f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})"
                )
            say("analyze")
            conn.execute("ANALYZE")  # the new schema's tables only (search_path): plans for the first readers
            cur.execute("INSERT INTO manifest VALUES (%s::jsonb)", (json.dumps(info),))
            if os.environ.get("QA_TEST_CRASH_BEFORE_PUBLISH"):  # lets crash tests stop at the riskiest moment
                os._exit(9)
            conn.execute(f"INSERT INTO {SCHEMA}.versions (name) VALUES (%s)", (name,))
            conn.execute(f"UPDATE {SCHEMA}.store SET value = %s WHERE key = 'current'", (name,))
        say("published")
    return n_chunks


def _copy_rows(cur: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    cols = ", ".join(f'"{c}"' for c in columns)
    with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _copy_binary(cur: Any, table: str, columns: list[tuple[str, str, Any]]) -> None:
    """COPY ... (FORMAT binary) of int32 columns and vector / halfvec columns, packed by numpy."""
    import numpy as np

    n = len(columns[0][2])
    fields: list[tuple[Any, ...]] = [("count", ">i2")]
    for name, kind, values in columns:
        if kind == "i4":
            fields += [(f"{name}.len", ">i4"), (name, ">i4")]
        else:
            d = values.shape[1]
            fields += [(f"{name}.len", ">i4"), (f"{name}.dim", ">u2"), (f"{name}.pad", ">u2"),
                       (name, ">f4" if kind == "vector" else ">f2", (d,))]  # fmt: skip
    rows = np.zeros(n, dtype=np.dtype(fields))
    rows["count"] = len(columns)
    for name, kind, values in columns:
        if kind == "i4":
            rows[f"{name}.len"] = 4
            rows[name] = values
        else:
            d = values.shape[1]
            rows[f"{name}.len"] = 4 + d * (4 if kind == "vector" else 2)
            rows[f"{name}.dim"] = d
            rows[name] = values
    cols = ", ".join(f'"{c[0]}"' for c in columns)
    with cur.copy(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT binary)") as copy:
        copy.write(_HEADER)
        for at in range(0, n, _BLOCK):
            copy.write(rows[at : at + _BLOCK].tobytes())
        copy.write(_TRAILER)
