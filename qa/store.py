"""The index folder: versions written beside each other and switched atomically.

Layout::

    index/
      qa-index.json        marks the folder as qa's and lists every name qa wrote in it (see qa.ledger)
      CURRENT              name of the live version (replaced atomically with os.replace)
      .build.lock          held by the one running build
      models/<key>/        the exported ONNX model, shared by versions; checksums.json lists its files, and each
                           version's manifest records them too, so a damaged model is found like a damaged version
      v-<stamp>/           one complete version
        manifest.json      format, model, chunker, counts, build time, and size + checksum of every file
        meta.sqlite        articles, chunks, sentences, aliases
        vectors.faiss      chunk vectors (exact search, or HNSW past ANN_THRESHOLD)
        sentences.npy      sentence vectors (float16), for highlighting without re-encoding
        bm25/              bm25s arrays (numpy .npy without pickle, and JSON)

A build writes a new version folder under a temporary name, fsyncs it, renames it, then replaces CURRENT. A reader
reads CURRENT once and opens that folder, so it never sees a half-written version; a build killed at any moment
leaves CURRENT naming the previous, complete version. Old versions are removed by the next build: only names the
ledger recorded are ever removed, so a user's file in the folder is never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa import ledger
from qa.errors import BuildLocked, IndexDamaged, IndexMissing, IndexUnwritable
from qa.stores.base import LexicalHits

if TYPE_CHECKING:
    import numpy as np

FORMAT_VERSION = 1
CURRENT = "CURRENT"
LOCK = ".build.lock"
MANIFEST = "manifest.json"
META = "meta.sqlite"
VECTORS = "vectors.faiss"
SENTENCES = "sentences.npy"
BM25_DIR = "bm25"
MODELS = "models"
MODEL_CHECKSUMS = "checksums.json"
ANN_THRESHOLD = 200_000  # past this many chunks, exact search gives way to HNSW (see bench/ann.py)
_FULL_HASH_LIMIT = 64 * 1024 * 1024
# is_locked() can only test the lock by taking it for an instant; builds and probes wait this long before deciding
# the lock is really held, so `qa ask` or the TUI checking never makes a starting build refuse (or each other lie).
_PROBE_GRACE = 0.5
_SAMPLE = 4 * 1024 * 1024
_MODEL_SAMPLE = 1024 * 1024  # model files are checked on every open: size, head and tail (zeroed or cut is caught)

SCHEMA = """
CREATE TABLE articles (
    id INTEGER PRIMARY KEY, source TEXT UNIQUE NOT NULL, title TEXT NOT NULL, kind TEXT NOT NULL,
    date TEXT, author TEXT, content_hash TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY, article_id INTEGER NOT NULL, ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL
);
CREATE INDEX chunks_article ON chunks(article_id);
CREATE TABLE sentences (
    id INTEGER PRIMARY KEY, chunk_id INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL
);
CREATE INDEX sentences_chunk ON sentences(chunk_id);
CREATE TABLE article_meta (
    article_id INTEGER PRIMARY KEY, section TEXT, url TEXT, outlet TEXT, pages TEXT
);
CREATE TABLE skipped (source TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, reason TEXT NOT NULL);
CREATE TABLE alias_scans (article_id INTEGER PRIMARY KEY, scan TEXT NOT NULL);
CREATE TABLE aliases (
    short TEXT NOT NULL, long TEXT NOT NULL, count INTEGER NOT NULL, seen INTEGER NOT NULL, PRIMARY KEY (short, long)
);
"""


def damaged(folder: Path, what: str) -> IndexDamaged:
    error = IndexDamaged(f"the index in {folder} is damaged ({what}); run `qa index build` to repair it")
    error.what = what  # type: ignore[attr-defined]  # the bare reason, for messages that repair it themselves
    return error


# -- checksums -----------------------------------------------------------------------------------------------
def file_digest(path: Path, sample: int = _SAMPLE, limit: int = _FULL_HASH_LIMIT) -> str:
    """blake2b of the file; past ``limit`` bytes, of its size, head and tail (full hashing would slow every start)."""
    h = hashlib.blake2b(digest_size=16)
    size = path.stat().st_size
    with path.open("rb") as fh:
        if size <= max(limit, 2 * sample):
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        else:
            h.update(str(size).encode())
            h.update(fh.read(sample))
            fh.seek(size - sample)
            h.update(fh.read(sample))
    return h.hexdigest()


def check_files(folder: Path, files: dict[str, Any]) -> str | None:
    """What is wrong with the listed files in ``folder`` (missing, cut, changed), or None when all match."""
    try:
        for rel, info in files.items():
            path = folder / rel
            if not path.is_file():
                return f"{rel} missing"
            if path.stat().st_size != info["size"]:
                return f"{rel} has the wrong size"
            if file_digest(path, **info.get("sampled", {})) != info["digest"]:
                return f"{rel} does not match its checksum"
    except (AttributeError, KeyError, TypeError, ValueError):
        return "file list unreadable"
    except OSError as exc:
        return f"cannot read a file ({exc.strerror or exc})"
    return None


def model_checksums(folder: Path) -> dict[str, Any]:
    """Size and (sampled) checksum of every file of an exported model folder."""
    sampled = {"sample": _MODEL_SAMPLE, "limit": 0}
    return {
        p.name: {"size": p.stat().st_size, "digest": file_digest(p, **sampled), "sampled": sampled}
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != MODEL_CHECKSUMS and not p.name.endswith(".tmp")
    }


def write_model_checksums(folder: Path) -> dict[str, Any]:
    """Record the model folder's files in its checksums.json (atomically); returns the record."""
    files = model_checksums(folder)
    tmp = folder / (MODEL_CHECKSUMS + ".tmp")
    tmp.write_text(json.dumps(files, indent=1), encoding="utf-8")
    os.replace(tmp, folder / MODEL_CHECKSUMS)
    return files


def model_problem(folder: Path) -> str | None:
    """Why an exported model folder cannot be trusted (missing, no checksums, a file damaged), or None."""
    try:
        files = json.loads((folder / MODEL_CHECKSUMS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "no checksums" if folder.is_dir() else "missing"
    except (OSError, ValueError):
        return f"{MODEL_CHECKSUMS} unreadable"
    if not isinstance(files, dict) or not files:
        return f"{MODEL_CHECKSUMS} unreadable"
    return check_files(folder, files)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- locking and version switching ------------------------------------------------------------------------
@contextmanager
def build_lock(root: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the build lock; another build gets BuildLocked after ``wait`` seconds (at least _PROBE_GRACE)."""
    from filelock import FileLock, Timeout  # small; deferred only to keep the query path lean

    ledger.claim(root)
    lock = FileLock(str(root / LOCK))
    try:
        lock.acquire(timeout=max(wait, _PROBE_GRACE))
    except Timeout as exc:  # a TimeoutError, so an OSError too: caught first
        raise BuildLocked(
            f"another `qa index build` is running on {root}; wait for it to finish and try again"
        ) from exc
    except OSError as exc:
        raise unwritable(root, exc) from exc
    try:
        yield
    finally:
        lock.release()


def unwritable(root: Path, exc: OSError) -> IndexUnwritable:
    """An OS error while writing the index, as one line a person can act on."""
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return IndexUnwritable(f"no space left on the disk holding the index {root}; free some space and build again")
    return IndexUnwritable(f"cannot write to the index folder {root} ({exc.strerror or exc}); check its permissions")


def write_failure(root: Path, exc: Exception) -> IndexUnwritable:
    """An OS or SQLite error while writing the index, as one line (SQLite says "disk is full" in words)."""
    import errno

    if isinstance(exc, OSError):
        return unwritable(root, exc)
    full = "full" in str(exc).lower()
    return unwritable(root, OSError(errno.ENOSPC if full else errno.EIO, str(exc)))


def is_locked(root: Path) -> bool:
    from filelock import FileLock, Timeout

    if not (root / LOCK).exists():
        return False
    lock = FileLock(str(root / LOCK))
    try:
        lock.acquire(timeout=_PROBE_GRACE / 5)  # another probe holds it for an instant only
    except Timeout:
        return True
    except OSError:  # a read-only folder: nobody can be building in it
        return False
    lock.release()
    return False


def current_version(root: Path) -> Path:
    """The live version folder, or IndexMissing / IndexDamaged."""
    pointer = root / CURRENT
    if not pointer.exists():
        if any(p.is_dir() for p in root.glob("v-*")):
            raise damaged(root, f"{CURRENT} missing")
        raise IndexMissing(f"there is no index in {root} yet; run `qa index build`")
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise damaged(root, f"{CURRENT} unreadable") from exc
    folder = root / name
    if not name.startswith("v-") or "/" in name or not folder.is_dir():
        raise damaged(root, f"{CURRENT} names a missing version")
    return folder


def new_version_dir(root: Path) -> Path:
    """A fresh temporary folder for a build to fill."""
    return _new_build_dir(root, "v")


def new_scratch_dir(root: Path) -> Path:
    """A fresh temporary folder for a build's working files (its spooled vectors), never part of a version."""
    return _new_build_dir(root, "spool")


def _new_build_dir(root: Path, kind: str) -> Path:
    """``.tmp-KIND-STAMP-PID``, recorded in the ledger as a build folder before it exists, so the next build
    removes it if this one is killed."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 1_000_000_000:09d}"
    tmp = root / f".tmp-{kind}-{stamp}-{os.getpid()}"
    ledger.record(root, tmp.name, ledger.BUILD)
    tmp.mkdir(parents=True)
    return tmp


def discard(root: Path, tmp: Path) -> None:
    """Remove a build's unfinished version folder (after a failed write)."""
    if ledger.owned(root).get(tmp.name) == ledger.BUILD:
        shutil.rmtree(tmp, ignore_errors=True)
        ledger.forget(root, tmp.name)


def seal(tmp: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest with every file's size and checksum, and fsync everything."""
    files = {}
    for path in _files(tmp):
        with path.open("rb") as fh:
            os.fsync(fh.fileno())
        files[path.relative_to(tmp).as_posix()] = {"size": path.stat().st_size, "digest": file_digest(path)}
    manifest = {**manifest, "format": FORMAT_VERSION, "files": files}
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    with (tmp / MANIFEST).open("rb") as fh:
        os.fsync(fh.fileno())
    _fsync_dir(tmp)


def publish(root: Path, tmp: Path) -> Path:
    """Rename the sealed folder into place and point CURRENT at it, atomically."""
    final = root / tmp.name.removeprefix(".tmp-")
    ledger.record(root, final.name, ledger.VERSION)
    tmp.rename(final)
    pointer_tmp = root / f".{CURRENT}.{os.getpid()}"
    ledger.record(root, pointer_tmp.name, ledger.POINTER)
    ledger.record(root, CURRENT, ledger.FIXED)
    pointer_tmp.write_text(final.name, encoding="utf-8")
    with pointer_tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(pointer_tmp, root / CURRENT)
    _fsync_dir(root)
    ledger.forget(root, tmp.name, pointer_tmp.name)
    return final


def collect_garbage(root: Path, keep: int = 2) -> None:
    """Remove unfinished builds and all but the newest ``keep`` versions (readers may still hold the previous),
    and exported models no kept version uses: only names the ledger recorded, by the kind recorded.

    Runs under the build lock, so no other build is writing any of them.
    """
    owned = ledger.owned(root)
    if not owned:
        return
    live = None
    try:
        live = current_version(root).name
    except (IndexMissing, IndexDamaged):
        pass
    gone = [name for name, kind in owned.items() if kind in (ledger.BUILD, ledger.POINTER, ledger.EXPORT)]
    versions = sorted((n for n, kind in owned.items() if kind == ledger.VERSION), reverse=True)
    kept = [n for n in versions if n == live] + [n for n in versions if n != live][: keep - 1]
    gone += [n for n in versions if n not in kept]
    used = set()
    for name in kept:
        try:
            used.add(json.loads((root / name / MANIFEST).read_text(encoding="utf-8")).get("model_key"))
        except (OSError, ValueError):
            continue
    gone += [n for n, kind in owned.items() if kind == ledger.MODEL and n.removeprefix(f"{MODELS}/") not in used]
    for name in gone:
        path = root / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    ledger.forget(root, *gone)


# -- reading a version --------------------------------------------------------------------------------------
def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise damaged(folder.parent, f"{MANIFEST} missing") from exc
    except (OSError, ValueError) as exc:
        raise damaged(folder.parent, f"{MANIFEST} unreadable") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise damaged(folder.parent, f"{MANIFEST} incomplete")
    return manifest


def verify(folder: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is present, of its size and checksum; no file was swapped or cut.

    The exported model the version was built with is checked too (from ``model_files``), with sampled checksums.
    """
    problem = check_files(folder, manifest["files"])
    if problem:
        raise damaged(folder.parent, problem)
    model_files = manifest.get("model_files")
    if model_files is not None:  # versions written before models were checked have none
        key = str(manifest.get("model_key"))
        problem = check_files(model_dir(folder.parent, key), model_files)
        if problem:
            raise damaged(folder.parent, f"{MODELS}/{key}/{problem}")


def model_dir(root: Path, key: str) -> Path:
    return root / MODELS / key


@dataclass
class Version:
    """One opened, verified version: the raw parts search needs."""

    root: Path
    folder: Path
    manifest: dict[str, Any]
    db: sqlite3.Connection
    faiss_index: Any
    bm25_index: Any  # the bm25s index
    sentence_vectors: np.ndarray

    @classmethod
    def open(cls, root: Path) -> Version:
        import faiss  # deferred: native library, needed only once an index is opened
        import numpy as np

        folder = current_version(root)
        manifest = read_manifest(folder)
        if manifest.get("format") != FORMAT_VERSION:
            raise damaged(root, f"format {manifest.get('format')} is not {FORMAT_VERSION}")
        verify(folder, manifest)
        try:
            db = sqlite3.connect(f"file:{folder / META}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            n_chunks = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
            index = faiss.read_index(str(folder / VECTORS))
            # a plain view of the mapping: indexing a np.memmap builds a memmap object per lookup
            sentences = np.asarray(np.load(folder / SENTENCES, mmap_mode="r", allow_pickle=False))
            bm25 = _load_bm25(folder / BM25_DIR)
        except (sqlite3.Error, RuntimeError, ValueError, OSError) as exc:
            raise damaged(root, f"{type(exc).__name__} while opening") from exc
        if index.ntotal != n_chunks or n_chunks != manifest.get("chunks"):
            raise damaged(root, "vector and chunk counts differ")
        return cls(root, folder, manifest, db, index, bm25, sentences)

    # -- the store interface (qa.stores.base.Version) ----------------------------------------------------------
    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def location(self) -> str:
        return str(self.root)

    def model_folder(self) -> Path:
        return model_dir(self.root, self.manifest["model_key"])

    def dense_search(self, vectors: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, ...]]:
        """Nearest chunk ids for many query vectors in one FAISS call (a matrix product, not one per question).

        ``allowed``: a boolean mask over chunk ids; FAISS skips the others inside the search, so the k fill with
        allowed chunks.
        """
        import numpy as np

        n = int(self.faiss_index.ntotal)
        if n == 0 or len(vectors) == 0:
            return [() for _ in range(len(vectors))]
        x = np.ascontiguousarray(vectors, dtype=np.float32)
        if allowed is None:
            _, ids = self.faiss_index.search(x, min(k, n))
        else:
            import faiss

            bitmap = np.packbits(allowed.astype(np.uint8), bitorder="little")
            selector = faiss.IDSelectorBitmap(n, faiss.swig_ptr(bitmap))
            index = self.faiss_index
            params = (
                faiss.SearchParametersHNSW(sel=selector, efSearch=index.hnsw.efSearch)
                if hasattr(index, "hnsw")
                else faiss.SearchParameters(sel=selector)
            )
            _, ids = index.search(x, min(k, n), params=params)
        return [tuple(int(i) for i in row if i >= 0) for row in ids]

    def chunk_vectors(self, ids: Sequence[int]) -> np.ndarray:
        import numpy as np

        if not len(ids):
            return np.zeros((0, self.faiss_index.d), dtype=np.float32)
        return self.faiss_index.reconstruct_batch(np.asarray(ids, dtype=np.int64))

    def doc_freqs(self, terms: Sequence[str]) -> dict[str, int]:
        vocab, indptr = self.bm25_index.vocab_dict, self.bm25_index.scores["indptr"]
        return {t: int(indptr[vocab[t] + 1] - indptr[vocab[t]]) for t in terms if t in vocab}

    def bm25_scores(self, terms: Sequence[str]) -> np.ndarray:
        import numpy as np

        n = int(self.manifest["chunks"])
        ids = [self.bm25_index.vocab_dict[t] for t in terms if t in self.bm25_index.vocab_dict]
        if not ids or n == 0:
            return np.zeros(n, dtype=np.float32)
        return self.bm25_index.get_scores_from_ids(ids)

    def bm25(
        self, terms: Sequence[str], pool: int, allowed: np.ndarray | None = None, also: Sequence[int] = ()
    ) -> LexicalHits:
        """Every chunk is scored (bm25s's sparse matrix, one pass per term); the top by a partial sort."""
        import numpy as np

        sparse = self.bm25_scores(terms)
        if allowed is not None:
            sparse = np.where(allowed, sparse, 0.0)
        n = len(sparse)
        top: list[int] = []
        if pool > 0 and n:
            pool = min(pool, n)
            best = np.argpartition(-sparse, pool - 1)[:pool] if pool < n else np.arange(n)
            top = [int(i) for i in best if sparse[i] > 0]
        return LexicalHits(top, lambda ids: sparse[list(ids)])

    def present(self, terms: Sequence[str], ids: Sequence[int]) -> dict[str, np.ndarray]:
        import numpy as np

        wanted = np.asarray(ids, dtype=np.int64)
        matrix, vocab = self.bm25_index.scores, self.bm25_index.vocab_dict
        out: dict[str, np.ndarray] = {}
        for term in terms:
            tid = vocab.get(term)
            if tid is None:
                continue
            docs = matrix["indices"][matrix["indptr"][tid] : matrix["indptr"][tid + 1]]  # sorted doc ids
            if len(docs):
                at = np.minimum(np.searchsorted(docs, wanted), len(docs) - 1)
                out[term] = docs[at] == wanted
        return out

    def close(self) -> None:
        self.db.close()


def _load_bm25(folder: Path) -> Any:
    import bm25s  # deferred: pulls in scipy

    return bm25s.BM25.load(str(folder), mmap=False, allow_pickle=False, show_progress=False, verbosity=0)


def create_db(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    return db
