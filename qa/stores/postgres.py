"""The Postgres backend: the index in PostgreSQL, passage vectors in pgvector, BM25 in SQL from qa's own postings.

Layout in the database the URL names::

    qa.store            key/value: made_by = qa, format, current (the live version's schema)
    qa.versions         every version schema qa wrote (name, created): only these are ever dropped
    qa_v_<stamp>/       one complete version, a schema of its own
      manifest            the version's manifest (jsonb): model, chunker, counts, BM25 constants, search kind
      articles            id, source, title, kind, date, author, content_hash, size, mtime_ns, text
      article_meta        article_id, section, url, outlet, pages
      chunks              id, article_id, ordinal, start, "end", length, embedding vector(d)  [HNSW past 200,000]
      sentences           id, chunk_id, article_id, start, "end", embedding halfvec(d)
      terms               id, term, df                        (qa's tokenizer and Snowball stemmer, as bm25s)
      postings            term_id, chunk_id, article_id, tf, length
      skipped, alias_scans, aliases

The article, passage and sentence tables have the local store's SQLite columns, so every reader's SQL runs on both.

Everything the index folder promises holds here:
- a build writes its whole version (schema, rows, indexes) and switches ``current`` in one transaction: a build
  killed at any moment is rolled back by the server and leaves the previous version answering, with nothing to
  clean up;
- a reader sets its ``search_path`` to the schema ``current`` named when it opened, and stays on that version
  while builds publish others (the previous version is kept, as in the folder);
- one build at a time: a session advisory lock, released by the server when the build's connection goes away;
- a database whose ``qa`` schema qa did not make, a version with missing tables or columns, or counts that disagree
  with its manifest is refused in one line; the model's key and the format are checked.

Distributed with Citus (not run here: it is not installable from the package registry): the article is the
distribution key of every large table (articles, article_meta, chunks, sentences, postings, alias_scans all carry
``article_id``, and their primary keys lead with it), so an article's passages, sentences and postings live on one
shard; ``terms``, ``aliases``, ``skipped`` and ``manifest`` are small and become reference tables. See
docs/postgres.md.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import (
    BuildLocked,
    ConfigError,
    IndexDamaged,
    IndexIncompatible,
    IndexMissing,
    IndexUnwritable,
    QAError,
    StoreUnreachable,
)
from qa.stores.base import LexicalHits

if TYPE_CHECKING:
    import numpy as np
    import psycopg

    from qa.build import Contents
    from qa.settings import Settings

FORMAT = 1
SCHEMA = "qa"
MADE_BY = "qa"
PREFIX = "qa_v_"
KEEP = 2  # versions kept: the live one and the one before (readers may still hold it)
LOCK_KEY = 0x71615F6275696C64  # "qa_build": one build at a time per database (pg_advisory_lock)
_PROBE_GRACE = 0.5  # as the folder's lock: a probe holding the lock for an instant never makes a build refuse
# HNSW past the same threshold as the folder's FAISS (qa.store.ANN_THRESHOLD); below it, the scan is exact.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 200  # issue 14's trial at 1M: recall@10 0.975, p50 ~2 ms
BM25_K1 = 1.5  # bm25s's defaults (method "lucene"), as the folder's bm25s index
BM25_B = 0.75
TABLES: dict[str, tuple[str, ...]] = {
    "manifest": ("doc",),
    "articles": ("id", "source", "title", "kind", "date", "author", "content_hash", "size", "mtime_ns", "text"),
    "article_meta": ("article_id", "section", "url", "outlet", "pages"),
    "chunks": ("id", "article_id", "ordinal", "start", "end", "length", "embedding"),
    "sentences": ("id", "chunk_id", "article_id", "start", "end", "embedding"),
    "skipped": ("source", "size", "mtime_ns", "reason"),
    "alias_scans": ("article_id", "scan"),
    "aliases": ("short", "long", "count", "seen"),
    "terms": ("id", "term", "df"),
    "postings": ("term_id", "chunk_id", "article_id", "tf", "length"),
}
VERSION_DDL = """
CREATE TABLE manifest (doc jsonb NOT NULL);
CREATE TABLE articles (
    id integer NOT NULL PRIMARY KEY, source text NOT NULL, title text NOT NULL, kind text NOT NULL, date text,
    author text, content_hash text NOT NULL, size bigint NOT NULL, mtime_ns bigint NOT NULL, text text NOT NULL
);
CREATE TABLE article_meta (article_id integer NOT NULL PRIMARY KEY, section text, url text, outlet text, pages text);
CREATE TABLE chunks (
    id integer NOT NULL, article_id integer NOT NULL, ordinal integer NOT NULL, start integer NOT NULL,
    "end" integer NOT NULL, length integer NOT NULL, embedding vector({d}) NOT NULL, PRIMARY KEY (article_id, id)
);
CREATE TABLE sentences (
    id integer NOT NULL, chunk_id integer NOT NULL, article_id integer NOT NULL, start integer NOT NULL,
    "end" integer NOT NULL, embedding halfvec({d}) NOT NULL, PRIMARY KEY (article_id, id)
);
CREATE TABLE skipped (source text NOT NULL PRIMARY KEY, size bigint, mtime_ns bigint, reason text NOT NULL);
CREATE TABLE alias_scans (article_id integer NOT NULL PRIMARY KEY, scan text NOT NULL);
CREATE TABLE aliases (
    short text NOT NULL, long text NOT NULL, count integer NOT NULL, seen integer NOT NULL, PRIMARY KEY (short, long)
);
CREATE TABLE terms (id integer NOT NULL PRIMARY KEY, term text NOT NULL, df integer NOT NULL);
CREATE TABLE postings (
    term_id integer NOT NULL, chunk_id integer NOT NULL, article_id integer NOT NULL, tf integer NOT NULL,
    length integer NOT NULL
);
"""
# Built after the rows are in (faster than maintaining them row by row).
VERSION_INDEXES = """
CREATE INDEX articles_source ON articles (source);
CREATE INDEX chunks_id ON chunks (id);
CREATE INDEX sentences_chunk ON sentences (chunk_id);
CREATE INDEX sentences_id ON sentences (id);
CREATE UNIQUE INDEX terms_term ON terms (term);
CREATE INDEX postings_term_chunk ON postings (term_id, chunk_id) INCLUDE (tf, length);
"""


def redact(url: str) -> str:
    """The URL without its password (for messages and reports)."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0].strip() if text else type(exc).__name__


def _connect(url: str, **kw: Any) -> psycopg.Connection:
    """A connection, or StoreUnreachable in one line that says what to check."""
    # Deferred: psycopg (and its C extension) is imported only when a Postgres store is used.
    import psycopg

    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10, **kw)
    except psycopg.OperationalError as exc:
        raise StoreUnreachable(
            f"cannot reach the PostgreSQL store {redact(url)} ({_first_line(exc)}); "
            "check the URL (--store, QA_STORE) and that the server is running and lets this user in"
        ) from exc
    except (psycopg.ProgrammingError, psycopg.InterfaceError) as exc:
        raise StoreUnreachable(
            f"the store URL {redact(url)} cannot be used ({_first_line(exc)}); "
            "give postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
        ) from exc


def _ident(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise IndexDamaged(f"the version name {name!r} is not one qa writes")
    return f'"{name}"'


class PostgresStore:
    """An index in a PostgreSQL database (the store interface, qa.stores.base.Store)."""

    kind = "postgres"

    def __init__(self, url: str, settings: Settings | None = None) -> None:
        self.url = url.strip()
        self.settings = settings
        self._lock_conn: Any = None

    @property
    def location(self) -> str:
        return redact(self.url)

    # -- the qa schema ------------------------------------------------------------------------------------------
    def _problem(self, conn: Any) -> str | None:
        """Why the database's ``qa`` schema is not one qa can use ("missing" when there is none), or None."""
        exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (SCHEMA,)).fetchone()
        if exists is None:
            return "missing"
        tables = {r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (SCHEMA,))}  # fmt: skip
        if tables != {"store", "versions"}:
            return "foreign"
        try:
            marks = dict(conn.execute(f"SELECT key, value FROM {SCHEMA}.store").fetchall())
        except Exception:  # noqa: BLE001 - any shape but ours
            return "foreign"
        if marks.get("made_by") != MADE_BY:
            return "foreign"
        if marks.get("format") != str(FORMAT):
            return f"format {marks.get('format')} is not {FORMAT}"
        return None

    def _foreign(self) -> ConfigError:
        return ConfigError(
            f"the database {self.location} has a schema '{SCHEMA}' that qa did not make; "
            "point --store at another database, or drop that schema yourself"
        )

    def claim(self) -> None:
        """Make the ``qa`` schema (and the vector extension) on first use; refuse one qa did not make."""
        with _guard(self, writing=True), _connect(self.url) as conn:
            problem = self._problem(conn)
            if problem == "foreign":
                raise self._foreign()
            if problem and problem != "missing":
                raise IndexIncompatible(f"the store {self.location} was written by another qa ({problem})")
            if problem is None:
                return
            with conn.transaction():
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
                conn.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.store (key text PRIMARY KEY, value text NOT NULL)")
                conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {SCHEMA}.versions "
                    "(name text PRIMARY KEY, created timestamptz NOT NULL DEFAULT now())"
                )
                conn.execute(
                    f"INSERT INTO {SCHEMA}.store VALUES ('made_by', %s), ('format', %s), ('current', '') "
                    "ON CONFLICT (key) DO NOTHING",
                    (MADE_BY, str(FORMAT)),
                )

    def _current(self, conn: Any) -> str:
        problem = self._problem(conn)
        if problem == "missing":
            raise IndexMissing(f"there is no index in {self.location} yet; run `qa index build --store URL`")
        if problem == "foreign":
            raise self._foreign()
        if problem:
            raise IndexIncompatible(f"the index in {self.location} was written by another qa ({problem})")
        row = conn.execute(f"SELECT value FROM {SCHEMA}.store WHERE key = 'current'").fetchone()
        name = row[0] if row else ""
        if not name:
            raise IndexMissing(f"there is no index in {self.location} yet; run `qa index build --store URL`")
        return name

    def current_name(self) -> str:
        with _guard(self), _connect(self.url) as conn:
            return self._current(conn)

    def open(self) -> PostgresVersion:
        conn = _connect(self.url)
        try:
            with _guard(self):
                name = self._current(conn)
                return PostgresVersion.open(self, conn, name)
        except BaseException:
            conn.close()
            raise

    # -- one build at a time ------------------------------------------------------------------------------------
    @contextmanager
    def lock(self, wait: float = 0.0) -> Iterator[None]:
        """A session advisory lock held for the build; the server drops it when the build's connection goes away
        (a killed build never leaves the store locked)."""
        conn = _connect(self.url, application_name="qa index build")
        try:
            deadline = time.monotonic() + max(wait, _PROBE_GRACE)
            while not conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
                if time.monotonic() >= deadline:
                    raise BuildLocked(
                        f"another `qa index build` is running on {self.location}; wait for it to finish and try again"
                    )
                time.sleep(0.05)
            try:
                yield
            finally:
                try:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
                except Exception:  # noqa: BLE001, S110 - the connection is gone: so is the lock
                    pass
        finally:
            conn.close()

    def is_locked(self) -> bool:
        try:
            with _connect(self.url) as conn:
                got = conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]
                if got:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
                    return False
                time.sleep(_PROBE_GRACE / 5)  # another probe holds it for an instant only
                got = conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]
                if got:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
                return not got
        except QAError:
            return False

    def collect_garbage(self) -> None:
        """Drop the version schemas qa recorded beyond the newest ``KEEP`` (the live one always kept); never a
        schema it did not record. Runs under the build lock."""
        with _guard(self, writing=True), _connect(self.url) as conn:
            if self._problem(conn) is not None:
                return
            live = conn.execute(f"SELECT value FROM {SCHEMA}.store WHERE key = 'current'").fetchone()[0]
            names = [r[0] for r in conn.execute(f"SELECT name FROM {SCHEMA}.versions ORDER BY name DESC")]
            kept = [n for n in names if n == live] + [n for n in names if n != live][: KEEP - 1]
            for name in names:
                if name in kept:
                    continue
                with conn.transaction():
                    conn.execute(f"DROP SCHEMA IF EXISTS {_ident(name)} CASCADE")
                    conn.execute(f"DELETE FROM {SCHEMA}.versions WHERE name = %s", (name,))

    # -- writing ------------------------------------------------------------------------------------------------
    def ensure_model(self, settings: Settings) -> tuple[Path, str]:
        from qa.build import cached_export

        return cached_export(settings.model)

    def write(self, contents: Contents) -> int:
        from qa.stores.postgres_write import write

        with _guard(self, writing=True):
            return write(self, contents)

    def write_failure(self, exc: Exception) -> Exception:
        from qa import store

        if isinstance(exc, QAError):
            return exc
        return store.write_failure(Path(self.location), exc)


@contextmanager
def _guard(where: PostgresStore, writing: bool = False) -> Iterator[None]:
    """Database errors as one typed line: the server went away, the disk is full, a table is missing."""
    import psycopg

    try:
        yield
    except psycopg.errors.DiskFull as exc:
        raise IndexUnwritable(
            f"the PostgreSQL server of {where.location} has no space left; free some and build again"
        ) from exc
    except psycopg.errors.InsufficientPrivilege as exc:
        raise IndexUnwritable(
            f"the user of {where.location} may not {'write' if writing else 'read'} there ({_first_line(exc)}); "
            "grant it, or use another user"
        ) from exc
    except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn, psycopg.errors.InvalidSchemaName) as exc:
        raise IndexDamaged(
            f"the index in {where.location} is damaged ({_first_line(exc)}); run `qa index build --store URL` to repair it"
        ) from exc
    except psycopg.OperationalError as exc:
        raise StoreUnreachable(
            f"lost the connection to the PostgreSQL store {where.location} ({_first_line(exc)}); "
            "check that the server is running and try again"
        ) from exc


# -- reading a version ------------------------------------------------------------------------------------------
class _Database:
    """sqlite3's ``execute`` over one version's schema: ``?`` placeholders, rows as tuples."""

    dialect = "postgres"

    def __init__(self, conn: Any, where: PostgresStore) -> None:
        self.conn = conn
        self.where = where
        self._sql: dict[str, str] = {}

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        converted = self._sql.get(sql)
        if converted is None:
            converted = self._sql[sql] = sql.replace("%", "%%").replace("?", "%s")
        with _guard(self.where):
            return self.conn.execute(converted, tuple(params))

    def close(self) -> None:
        self.conn.close()


class _SentenceVectors:
    """Sentence vectors by id (float16, as the folder's sentences.npy), fetched on demand and kept for a while."""

    def __init__(self, db: _Database, dimension: int, keep: int = 20_000) -> None:
        self.db = db
        self.dimension = dimension
        self.keep = keep
        self._cache: OrderedDict[int, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __getitem__(self, ids: Any) -> np.ndarray:
        import numpy as np

        single = np.ndim(ids) == 0
        wanted = [int(ids)] if single else [int(i) for i in ids]
        with self._lock:
            missing = [i for i in dict.fromkeys(wanted) if i not in self._cache]
        if missing:
            rows = self.db.conn.execute(
                "SELECT id, halfvec_send(embedding) FROM sentences WHERE id = ANY(%s)", (missing,)
            ).fetchall()
            with self._lock:
                for sid, raw in rows:
                    self._cache[sid] = _unpack(raw, ">f2").astype(np.float16)
                while len(self._cache) > self.keep:
                    self._cache.popitem(last=False)
        with self._lock:
            try:
                out = (
                    np.stack([self._cache[i] for i in wanted]) if wanted else np.zeros((0, self.dimension), np.float16)
                )
            except KeyError as exc:
                raise IndexError(f"no sentence {exc.args[0]}") from exc
        return out[0] if single else out


def _unpack(raw: bytes, dtype: str) -> np.ndarray:
    """pgvector's binary form (uint16 dimension, uint16 unused, then big-endian values) as an array."""
    import numpy as np

    return np.frombuffer(raw, dtype=dtype, offset=4)


class PostgresVersion:
    """One opened, checked version (qa.stores.base.Version), read through its own connection."""

    def __init__(self, where: PostgresStore, conn: Any, schema: str, manifest: dict[str, Any]) -> None:
        self.where = where
        self.schema = schema
        self.manifest = manifest
        self.db = _Database(conn, where)
        self.dimension = int(manifest["dimension"])
        self.sentence_vectors = _SentenceVectors(self.db, self.dimension)
        self._model: Path | None = None

    @classmethod
    def open(cls, where: PostgresStore, conn: Any, schema: str) -> PostgresVersion:
        found = {
            (t, c)
            for t, c in conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s", (schema,)
            )
        }
        if not found:
            raise _damaged(where, f"version {schema} is missing")
        for table, columns in TABLES.items():
            missing = [c for c in columns if (table, c) not in found]
            if missing:
                raise _damaged(where, f"table {table} lacks {', '.join(missing)}" if len(missing) < len(columns)
                               else f"table {table} is missing")  # fmt: skip
        ext = conn.execute("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                           "WHERE e.extname = 'vector'").fetchone()  # fmt: skip
        if ext is None:
            raise _damaged(where, "the vector extension was dropped")
        conn.execute(f"SET search_path TO {_ident(schema)}, {_ident(ext[0])}")
        conn.execute(f"SET hnsw.ef_search = {HNSW_EF_SEARCH}")
        conn.execute("SET hnsw.iterative_scan = relaxed_order")  # a filtered HNSW search still fills its k
        conn.execute("SET work_mem = '64MB'")  # BM25's sum over common terms' postings: in memory, not spilled
        row = conn.execute("SELECT doc FROM manifest").fetchall()
        if len(row) != 1 or not isinstance(row[0][0], dict):
            raise _damaged(where, "manifest unreadable")
        manifest = row[0][0]
        if manifest.get("format") != FORMAT:
            raise _damaged(where, f"format {manifest.get('format')} is not {FORMAT}")
        try:
            counts = {
                "articles": conn.execute("SELECT count(*) FROM articles").fetchone()[0],
                "chunks": conn.execute("SELECT count(*) FROM chunks").fetchone()[0],
            }
            if any(counts[k] != int(manifest[k]) for k in counts) or int(manifest["dimension"]) <= 0:
                raise _damaged(where, "row counts differ from the manifest")
        except (KeyError, TypeError, ValueError) as exc:
            raise _damaged(where, "manifest incomplete") from exc
        return cls(where, conn, schema, manifest)

    @property
    def name(self) -> str:
        return self.schema

    @property
    def location(self) -> str:
        return self.where.location

    def model_folder(self) -> Path:
        """The export of the version's model in this machine's cache (made from the model when it is not there)."""
        if self._model is None:
            from qa import store
            from qa.build import cached_export, model_cache
            from qa.models import model_key, resolve_model

            key = str(self.manifest.get("model_key"))
            folder = model_cache() / key
            if store.model_problem(folder) is not None:
                source = resolve_model(self.manifest["model"])
                if model_key(source) != key:
                    raise IndexIncompatible(
                        f"the index in {self.location} was built with other weights of {self.manifest['model']}; "
                        "rebuild it with `qa index build --full --store URL`"
                    )
                folder, _ = cached_export(self.manifest["model"], source, key)
            self._model = folder
        return self._model

    def close(self) -> None:
        self.db.close()

    # -- vectors ------------------------------------------------------------------------------------------------
    def dense_search(self, vectors: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, ...]]:
        """Inner-product nearest neighbours in SQL: exact (a scan) below the HNSW threshold, HNSW above it; the
        filter is a bit test inside the search (pgvector's iterative scan keeps filling k)."""
        where, mask = _mask_sql(allowed, "id")
        sql = (
            f"SELECT id FROM (SELECT id, embedding <#> %s::vector AS d FROM chunks {where} "
            "ORDER BY d LIMIT %s) s ORDER BY d, id"
        )
        out = []
        with _guard(self.where):
            for vec in vectors:
                params = (_vector_text(vec), *mask, k)
                out.append(tuple(r[0] for r in self.db.conn.execute(sql, params)))
        return out

    def chunk_vectors(self, ids: Sequence[int]) -> np.ndarray:
        import numpy as np

        ids = [int(i) for i in ids]
        if not ids:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with _guard(self.where):
            rows = dict(
                self.db.conn.execute("SELECT id, vector_send(embedding) FROM chunks WHERE id = ANY(%s)", (ids,))
            )
        return np.stack([_unpack(rows[i], ">f4") for i in ids]).astype(np.float32)

    # -- BM25 ---------------------------------------------------------------------------------------------------
    def doc_freqs(self, terms: Sequence[str]) -> dict[str, int]:
        if not terms:
            return {}
        with _guard(self.where):
            return dict(self.db.conn.execute("SELECT term, df FROM terms WHERE term = ANY(%s)", (list(terms),)))

    def _score_sql(self) -> str:
        """BM25 of the query's postings (bm25s's Lucene form: idf * tf / (tf + k1 (1 - b + b len / avglen)))."""
        n = float(self.manifest["chunks"])
        avg = float(self.manifest.get("bm25_avglen") or 1.0)
        # Every constant a float8: a bare 0.5 is numeric in SQL, and numeric arithmetic over a common term's 300,000
        # postings took seconds (float8: a tenth of that, measured at 1M passages).
        k1, b = float(BM25_K1), float(BM25_B)
        return (
            f"WITH q AS (SELECT id, ln(1 + ({n!r}::float8 - df + 0.5::float8) / (df + 0.5::float8)) AS idf "
            "FROM terms WHERE term = ANY(%s)) "
            f"SELECT p.chunk_id, sum(q.idf * p.tf / (p.tf + {k1!r}::float8 * ({1 - b!r}::float8 + {b!r}::float8 * "
            f"p.length / {avg!r}::float8))) AS s FROM q JOIN postings p ON p.term_id = q.id"
        )

    def bm25(
        self, terms: Sequence[str], pool: int, allowed: np.ndarray | None = None, also: Sequence[int] = ()
    ) -> LexicalHits:
        import numpy as np

        terms = list(dict.fromkeys(terms))
        scores: dict[int, float] = {}
        top: list[int] = []
        if terms and int(self.manifest["chunks"]):
            base = self._score_sql()
            where, mask = _mask_sql(allowed, "p.chunk_id")
            with _guard(self.where):
                if pool > 0:
                    rows = self.db.conn.execute(
                        f"{base} {where} GROUP BY p.chunk_id ORDER BY s DESC, p.chunk_id LIMIT %s",
                        (terms, *mask, pool),
                    ).fetchall()
                    top = [int(c) for c, s in rows if s > 0]
                    scores.update((int(c), float(s)) for c, s in rows)
                rest = [int(i) for i in also if int(i) not in scores]
                if rest:
                    rows = self.db.conn.execute(
                        f"{base} AND p.chunk_id = ANY(%s) GROUP BY p.chunk_id", (terms, rest)
                    ).fetchall()
                    scores.update((int(c), float(s)) for c, s in rows)

        def score_of(ids: Sequence[int]) -> np.ndarray:
            return np.asarray([scores.get(int(i), 0.0) for i in ids], dtype=np.float32)

        return LexicalHits(top, score_of)

    def bm25_scores(self, terms: Sequence[str]) -> np.ndarray:
        import numpy as np

        n = int(self.manifest["chunks"])
        out = np.zeros(n, dtype=np.float32)
        terms = list(dict.fromkeys(terms))
        if terms and n:
            with _guard(self.where):
                for cid, s in self.db.conn.execute(f"{self._score_sql()} GROUP BY p.chunk_id", (terms,)):
                    out[cid] = s
        return out

    def present(self, terms: Sequence[str], ids: Sequence[int]) -> dict[str, np.ndarray]:
        import numpy as np

        ids = [int(i) for i in ids]
        if not terms or not ids:
            return {}
        at = {cid: j for j, cid in enumerate(ids)}
        out: dict[str, np.ndarray] = {}
        with _guard(self.where):
            rows = self.db.conn.execute(
                "SELECT t.term, p.chunk_id FROM terms t JOIN postings p ON p.term_id = t.id "
                "WHERE t.term = ANY(%s) AND p.chunk_id = ANY(%s)",
                (list(terms), ids),
            ).fetchall()
        for term, cid in rows:
            hit = out.get(term)
            if hit is None:
                hit = out[term] = np.zeros(len(ids), dtype=bool)
            hit[at[cid]] = True
        return out


def _damaged(where: PostgresStore, what: str) -> IndexDamaged:
    error = IndexDamaged(
        f"the index in {where.location} is damaged ({what}); run `qa index build --store URL` to repair it"
    )
    error.what = what  # type: ignore[attr-defined]  # the bare reason, as the folder's errors carry it
    return error


def _mask_sql(allowed: np.ndarray | None, column: str) -> tuple[str, tuple[Any, ...]]:
    """A filter mask as a SQL condition: one bit per chunk id, tested with get_bit (a 1M-chunk mask is 125 KB)."""
    if allowed is None:
        return "", ()
    import numpy as np

    bits = np.packbits(np.asarray(allowed, dtype=np.uint8), bitorder="little").tobytes()
    return f"WHERE get_bit(%s::bytea, {column}) = 1", (bits,)


def _vector_text(vec: Any) -> str:
    """A vector as pgvector's text form; float32 values printed as the shortest text that reads back to them."""
    import numpy as np

    # A float32 widened to a double prints (repr) as text that reads back, through float4, to the same float32.
    return "[" + ",".join(map(repr, np.asarray(vec, np.float32).tolist())) + "]"


def server_memory(url: str) -> int:
    """Memory of the server's processes (the postmaster and its children), for benches: the sum of their
    proportional set sizes (shared buffers counted once, not once per process); 0 if unknown."""
    try:
        import psutil
    except ImportError:
        return 0
    with _connect(url) as conn:
        directory = conn.execute("SHOW data_directory").fetchone()[0]
    pid_file = Path(directory) / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
        return sum(p.memory_full_info().pss for p in procs)
    except (OSError, ValueError, psutil.Error):
        return 0
