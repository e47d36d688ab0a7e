"""A cached index of in-memory Articles, built with the same machinery as ``qa index build``.

Each collection's index lives in ``<cache>/<key>``, where the key hashes the articles, the model, the chunker and
the source of the modules that decide what an index holds (so a change to alias extraction, say, is measured on an
index built with it, never on a stale one); a second run over the same collection opens it and spends its time on
questions only. The folder is an ordinary index (``qa ask --index <folder>`` works on it). Build steps reuse
``qa.build``'s internals so chunking, embedding and writing are exactly what a user's index gets; only the "read
files from a folder" step is replaced.

With a Postgres store (``--store postgresql://...``), the cached folder's articles, passages and vectors are
written into the database as a version of its own (its manifest names the collection's key, so the next run over
the same collection reuses it): both stores then answer from the same vectors, which is what comparing them needs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from qa import store
from qa.build import Progress, _embed, _Entry, _write, ensure_model
from qa.chunking import ChunkerSettings, chunk_article
from qa.embedder import Embedder, int8_documents
from qa.errors import IndexDamaged, IndexMissing
from qa.records import Article
from qa.search import Searcher
from qa.settings import Settings

CORPUS_FORMAT = 1  # bump when what goes into an evaluation index changes in a way the key cannot see
LOCK_WAIT = 3600.0  # seconds to wait for another run building the same collection
# Modules whose output is stored in the index.
INDEX_CODE = ("qa.chunking", "qa.embedder", "qa.aliases", "qa.ingest", "qa.build")


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def default_cache() -> Path:
    """``$QA_EVAL_CACHE``, else ``$XDG_CACHE_HOME/qa/eval`` (beside the model export cache)."""
    if os.environ.get("QA_EVAL_CACHE"):
        return Path(os.environ["QA_EVAL_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qa" / "eval"


def source_digests(names: Sequence[str]) -> dict[str, str | None]:
    """A digest of each module's source, by module name (None where it has no source file).

    Read at import by the callers: the files may change on disk while a run uses the modules already imported.
    """
    import importlib

    found: dict[str, str | None] = {}
    for name in names:
        path = Path(importlib.import_module(name).__file__ or "")
        found[name] = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else None
    return found


CODE_DIGEST = hashlib.sha256(json.dumps(source_digests(INDEX_CODE)).encode()).hexdigest()[:12]


def corpus_key(articles: Sequence[Article], model_key: str, chunker: ChunkerSettings, code: str = CODE_DIGEST) -> str:
    """Identity of an evaluation index.

    It covers every article's source, title, text hash and blocks, the model, how documents are encoded (int8 or
    fp32), the chunker and the code that builds the index: a change to any of them gets a fresh index instead of
    stale vectors or aliases.
    """
    documents = "int8" if int8_documents() else "fp32"
    head = f"qa-eval/{CORPUS_FORMAT}/store{store.FORMAT_VERSION}\n{model_key}/{documents}\n{chunker.key()}\n{code}\n"
    digest = hashlib.sha256(head.encode())
    for a in articles:
        digest.update(json.dumps([a.source, a.title, a.content_hash, a.blocks]).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()[:24]


def corpus_dir(articles: Sequence[Article], settings: Settings, cache: Path, chunker: ChunkerSettings) -> Path:
    from qa.models import model_key, resolve_model  # cheap: names and sizes, no weights read

    return cache / corpus_key(articles, model_key(resolve_model(settings.model)), chunker)


def ensure_corpus(
    articles: Sequence[Article],
    settings: Settings,
    cache: Path | None = None,
    chunker: ChunkerSettings | None = None,
    progress: Progress = _no_progress,
) -> tuple[Path, bool]:
    """The index folder of ``articles``, built on first use. Returns (folder, whether it was built now)."""
    chunker = chunker or ChunkerSettings()
    root = corpus_dir(articles, settings, cache or default_cache(), chunker)
    if _ready(root):
        return root, False
    with store.build_lock(root, wait=LOCK_WAIT):
        if _ready(root):  # another run built it while this one waited
            return root, False
        store.collect_garbage(root)
        _build(root, articles, replace(settings, index=root), chunker, progress)
    return root, True


def open_corpus(
    articles: Sequence[Article],
    settings: Settings,
    cache: Path | None = None,
    chunker: ChunkerSettings | None = None,
    progress: Progress = _no_progress,
) -> tuple[Searcher, bool]:
    """A Searcher over ``articles``; a damaged cached index is removed and built again once."""
    root, built = ensure_corpus(articles, settings, cache, chunker, progress)
    try:
        searcher = Searcher.open(root)
    except IndexDamaged:
        shutil.rmtree(root, ignore_errors=True)
        root, built = ensure_corpus(articles, settings, cache, chunker, progress)
        searcher = Searcher.open(root)
    from qa.stores import is_postgres

    if not is_postgres(settings.store):
        return searcher, built
    version = searcher.version
    try:
        return _in_postgres(version, settings, chunker or ChunkerSettings(), progress), built
    finally:
        version.close()


def _in_postgres(local: store.Version, settings: Settings, chunker: ChunkerSettings, progress: Progress) -> Searcher:
    """A Searcher over the collection in the Postgres store, copied there from its cached folder when the store's
    current version is not already that collection."""
    from qa import stores
    from qa.build import Contents, _Previous

    key = local.root.name
    where = stores.of(settings)
    try:
        version = where.open()
        if version.manifest.get("corpus") == key:
            return Searcher.of(version)
        version.close()
    except (IndexMissing, IndexDamaged):
        pass
    where.claim()
    with where.lock(wait=LOCK_WAIT):
        previous = _Previous(local)
        ids = [row[0] for row in local.db.execute("SELECT id FROM articles ORDER BY id")]
        entries = []
        for n, aid in enumerate(ids, 1):
            article = previous._stored_article(aid)
            chunks, vectors, scan = previous.reuse(article) or ([], None, None)
            size, mtime = local.db.execute("SELECT size, mtime_ns FROM articles WHERE id = ?", (aid,)).fetchone()
            entries.append(_Entry(article, size, mtime, chunks, vectors, scan))
            progress("copying", n, len(ids))
        manifest = local.manifest
        progress("writing", 0, 1)
        where.write(Contents(entries, [], replace(settings, model=manifest["model"]), manifest["model_key"],
                             int(manifest["dimension"]), chunker, {"corpus": key}))  # fmt: skip
        progress("writing", 1, 1)
        where.collect_garbage()
    return Searcher.open(where)


def _ready(root: Path) -> bool:
    try:
        store.read_manifest(store.current_version(root))
    except (IndexMissing, IndexDamaged):
        return False
    return True


def _build(
    root: Path, articles: Sequence[Article], settings: Settings, chunker: ChunkerSettings, progress: Progress
) -> None:
    model_folder, key = ensure_model(settings)
    embedder = Embedder(model_folder)
    entries: list[_Entry] = []
    for n, article in enumerate(articles, 1):
        chunks = chunk_article(article, embedder.count_tokens, embedder.token_offsets, chunker)
        if chunks:
            entries.append(_Entry(article, len(article.text.encode("utf-8")), 0, chunks))
        progress("chunking", n, len(articles))
    _embed(embedder, entries, progress)
    progress("writing", 0, 1)
    _write(root, entries, [], settings, key, embedder.dimension, chunker)
    progress("writing", 1, 1)
