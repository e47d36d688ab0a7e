"""Build or update the index: ingest -> chunk -> embed -> store, incremental by content hash.

Unchanged articles (same source and same bytes) keep their stored chunks and vectors; only new or changed articles
are chunked and embedded. Every build writes a complete new version and switches to it atomically (see qa.store).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa import aliases, ledger, store, stores
from qa.chunking import ChunkerSettings, chunk_article
from qa.embedder import Embedder
from qa.errors import (
    ArticleSkipped,
    EmptySeeds,
    IndexDamaged,
    IndexIncompatible,
    IndexMissing,
    QAError,
    StoreUnreachable,
)
from qa.records import Article, BuildReport, Chunk, IndexStatus
from qa.settings import Settings

if TYPE_CHECKING:
    from qa.stores.base import Store, Version

# progress(stage, done, total): stage is "reading", "embedding" or "writing"; total may be 0 when unknown.
Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class _Entry:
    """One article in the version being built, with its chunks and where its vectors are."""

    article: Article
    size: int
    mtime_ns: int
    chunks: list[Chunk]
    vectors: _Spooled | _Reused | None = None  # None: not embedded yet; read only when the version is written
    alias_scan: aliases.Scan | None = None  # reused from the previous version when the text is unchanged

    def passage_vectors(self, dimension: int) -> Any:
        """[len(chunks), d] float32."""
        import numpy as np

        if self.vectors is None:
            return np.zeros((0, dimension), dtype=np.float32)
        return self.vectors.passage_vectors()

    def sentence_vectors(self, dimension: int) -> Any:
        """[sentences of all chunks, d] float16, in the order of the chunks' sentences."""
        import numpy as np

        if self.vectors is None:
            return np.zeros((0, dimension), dtype=np.float16)
        return self.vectors.sentence_vectors()


class _Spool:
    """The vectors a build computes, appended to two files (passages float32, sentences float16) as each window
    of passages is embedded, and read back article by article when the version is written.

    So a build holds one window of vectors at a time, not every vector of the collection: its memory does not grow
    with the number of articles. Plain files and ``os.pread``, not memory maps: a mapped page read or written counts
    in the process's resident memory until it is unmapped. The folder goes when the spool is closed (or collected);
    in an index folder it is a build folder of the ledger, which the next build removes if this one is killed.
    """

    def __init__(self, dimension: int, root: Path | None = None) -> None:
        import tempfile
        import weakref

        self.dimension = dimension
        if root is not None:
            folder = store.new_scratch_dir(root)
            remove: Callable[[], None] = lambda: store.discard(root, folder)
        else:  # a build not writing into an index folder (a Postgres store): the system's temporary folder
            folder = Path(tempfile.mkdtemp(prefix="qa-spool-"))
            remove = lambda: shutil.rmtree(folder, ignore_errors=True)
        self._files = {kind: (folder / f"{kind}.bin").open("w+b") for kind in ("passages", "sentences")}
        self.rows = {"passages": 0, "sentences": 0}
        files = list(self._files.values())
        self._finalizer = weakref.finalize(self, _close_spool, files, remove)

    def append(self, passages: Any, sentences: Sequence[Any]) -> tuple[int, int]:
        """Add passage vectors [n, d] and each passage's sentence vectors; returns the first rows they got."""
        import numpy as np

        at = self.rows["passages"], self.rows["sentences"]
        self._files["passages"].write(np.ascontiguousarray(passages, dtype=np.float32).tobytes())
        for block in sentences:
            self._files["sentences"].write(np.ascontiguousarray(block, dtype=np.float16).tobytes())
            self.rows["sentences"] += len(block)
        self.rows["passages"] += len(passages)
        return at

    def read(self, kind: str, start: int, n: int) -> Any:
        import numpy as np

        dtype = np.dtype(np.float32 if kind == "passages" else np.float16)
        handle = self._files[kind]
        handle.flush()
        size = n * self.dimension * dtype.itemsize
        data = os.pread(handle.fileno(), size, start * self.dimension * dtype.itemsize)
        if len(data) != size:
            raise OSError(f"the build's vector spool is short: {len(data)} of {size} bytes")
        return np.frombuffer(data, dtype=dtype).reshape(n, self.dimension)

    def close(self) -> None:
        self._finalizer()


def _close_spool(files: list[Any], remove: Callable[[], None]) -> None:
    for handle in files:
        handle.close()
    remove()


@dataclass(frozen=True)
class _Spooled:
    """An article's vectors in the build's spool: its passages' rows and its sentences' rows."""

    spool: _Spool
    passage: int
    passages: int
    sentence: int
    sentences: int

    def passage_vectors(self) -> Any:
        return self.spool.read("passages", self.passage, self.passages)

    def sentence_vectors(self) -> Any:
        return self.spool.read("sentences", self.sentence, self.sentences)


@dataclass(frozen=True)
class _Reused:
    """An unchanged article's vectors in the previous version (open until the new one is written)."""

    version: Version
    chunk_ids: tuple[int, ...]
    sentence_ids: tuple[int, ...]

    def passage_vectors(self) -> Any:
        import numpy as np

        return np.asarray(self.version.chunk_vectors(self.chunk_ids), dtype=np.float32)

    def sentence_vectors(self) -> Any:
        import numpy as np

        d = int(self.version.manifest["dimension"])
        if not self.sentence_ids:
            return np.zeros((0, d), dtype=np.float16)
        return np.asarray(self.version.sentence_vectors[list(self.sentence_ids)], dtype=np.float16).reshape(-1, d)


def ensure_model(settings: Settings) -> tuple[Path, str]:
    """The exported model folder for ``settings.model`` inside the index, exporting it on first use.

    Exports are also kept in a per-user cache (``$XDG_CACHE_HOME/qa/models``), so a new index folder copies the
    export instead of paying torch's import and the export again. Returns (folder, key).
    """
    from qa.models import model_key, resolve_model

    source = resolve_model(settings.model)
    key = model_key(source)
    folder = store.model_dir(settings.index, key)
    if store.model_problem(folder) is None:  # present and every file matches its checksum
        return folder, key
    cached, _ = cached_export(settings.model, source, key)
    root = settings.index
    name, tmp_name = f"{store.MODELS}/{key}", f"{store.MODELS}/{key}.tmp"
    owned = ledger.owned(root)
    if folder.exists() and owned.get(name) != ledger.MODEL:
        raise ledger.ForeignFolder(f"{folder} was not written by qa; move it out of the index folder")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = root / tmp_name
    if owned.get(tmp_name) == ledger.EXPORT:
        shutil.rmtree(tmp, ignore_errors=True)
    ledger.record(root, tmp_name, ledger.EXPORT)
    try:
        shutil.copytree(cached, tmp)  # a copy, not links: damage to one index must not reach the cache
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        ledger.forget(root, tmp_name)
        raise
    ledger.record(root, name, ledger.MODEL)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    ledger.forget(root, tmp_name)
    return folder, key


def cached_export(model: str, source: Path | None = None, key: str | None = None) -> tuple[Path, str]:
    """The export of ``model`` in the per-user cache (checked; exported again when missing or damaged), and its key.

    A Postgres store reads its model from here: the database holds the index, each machine its own export.
    """
    from qa import reader
    from qa.models import export_onnx, model_key, resolve_model

    source = source or resolve_model(model)
    key = key or model_key(source)
    cached = model_cache() / key
    if (cached / "embedder.json").is_file() and not (cached / store.MODEL_CHECKSUMS).is_file():
        store.write_model_checksums(cached)  # a cache from before checksums: trusted once, checked from now on
    if store.model_problem(cached) is not None:  # missing, or damaged: export (again)
        cached.parent.mkdir(parents=True, exist_ok=True)
        export_onnx(source, cached, model)
        reader.prepare(cached, key)
        store.write_model_checksums(cached)
    elif not (cached / reader.BASE_FILE).is_file() and reader.prepare(cached, key):  # exported before the reader
        store.write_model_checksums(cached)
    return cached, key


def model_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qa" / "models"


def build(
    settings: Settings,
    full: bool = False,
    progress: Progress = _no_progress,
    wait: float = 0.0,
    chunker: ChunkerSettings | None = None,
    workers: int = 0,
    cluster: str | None = None,
    allow_empty: bool = False,
) -> BuildReport:
    """Bring the index in ``settings.index`` up to date with ``settings.seeds``.

    ``workers`` / ``cluster``: embed with N local Dask worker processes, or on a Dask scheduler's workers
    (``tcp://HOST:PORT``); the index is byte-identical to a one-process build (see qa.cluster).
    ``allow_empty``: let an articles folder with no article in it empty an index that holds some (else EmptySeeds:
    an unmounted drive or a mistyped folder must not throw the index away).
    """
    # numpy first: if ctrl+c lands while onnxruntime's native init imports numpy, onnxruntime prints a traceback and
    # raises a bare ImportError; interrupted in a plain import it is a clean KeyboardInterrupt ("interrupted").
    import numpy  # noqa: F401

    from qa.ingest import discover

    started = time.perf_counter()
    chunker = chunker or ChunkerSettings()
    where = stores.of(settings)
    where.claim()
    with where.lock(wait=wait), _writing(where):
        where.collect_garbage()
        paths, unsupported = discover(settings.seeds, settings.follow_links)
        if not paths and not allow_empty:
            _refuse_to_empty(where, settings)
        model_folder, key = where.ensure_model(settings)
        embedder = Embedder(model_folder)
        previous = None if full else _previous(where, key, chunker)
        recorded = _dump_fields(where)  # a mapping given once is kept by later builds (Settings.dump_fields)
        settings = replace(settings, dump_fields=recorded if settings.dump_fields is None else settings.dump_fields)
        remapped = settings.dump_fields != recorded  # dumps (and archives, which may hold them) are read again
        warnings = [f"{rel}: {reason}" for rel, reason in unsupported]
        entries: list[_Entry] = []
        skipped: list[tuple[str, int, int, str]] = []
        counts = {"added": 0, "updated": 0, "unchanged": 0}
        todo: list[_Entry] = []
        hashed = {rel for path in paths if "#" in (rel := path.relative_to(settings.seeds).as_posix())}
        for n, path in enumerate(paths, 1):
            progress("reading", n, len(paths))
            if _many(path):  # PDFs, dumps, feeds, mail, web archives, zip/tar: an article per record (qa.sources)
                _read_records(
                    path, settings.seeds, previous, embedder, chunker, entries, todo, skipped, warnings, counts, hashed,
                    settings.dump_fields or (), reread=remapped and _reads_dumps(path.name),
                )  # fmt: skip
                continue
            rel = path.relative_to(settings.seeds).as_posix()
            entry, reason = _read(path, settings.seeds, previous, embedder, chunker)
            if entry is None:
                stat = _stat(path)
                skipped.append((rel, stat[0], stat[1], reason))
                warnings.append(f"{rel}: {reason}")
                continue
            warnings.extend(f"{rel}: {w}" for w in entry.article.warnings)
            entries.append(entry)
            if entry.vectors is None:  # no stored article has this content
                todo.append(entry)
            known = previous.by_source.get(rel) if previous else None
            if known and known[1] == entry.article.content_hash:
                counts["unchanged"] += 1
            else:  # new or changed here, though its content may be stored under another name (moved, renamed)
                counts["updated" if known else "added"] += 1
        root = getattr(where, "root", None)  # a folder store spools beside its versions
        spool = _Spool(embedder.dimension, root) if todo else None
        try:
            embedded = _embed(embedder, todo, progress, workers, cluster, spool)
            del todo
            removed = len(previous.sources - {e.article.source for e in entries}) if previous else 0
            up_to_date = previous is not None and not remapped and previous.holds(entries, skipped)
            n_chunks = int(previous.version.manifest["chunks"]) if up_to_date and previous else 0
            if not up_to_date:  # a new version only when it would differ: an up-to-date index stays as it is
                progress("writing", 0, 1)
                n_chunks = where.write(Contents(entries, skipped, settings, key, embedder.dimension, chunker))
                progress("writing", 1, 1)
        finally:  # the previous version stays open while the new one is written: unchanged articles' vectors
            if previous:  # are read from it then
                previous.close()
            if spool:
                spool.close()
        if not up_to_date:
            where.collect_garbage()
    return BuildReport(
        added=counts["added"],
        updated=counts["updated"],
        removed=removed,
        unchanged=counts["unchanged"],
        skipped=len(skipped),
        articles=len(entries),
        chunks=n_chunks,
        embedded_chunks=embedded,
        seconds=time.perf_counter() - started,
        warnings=tuple(warnings),
        written=not up_to_date,
    )


def _refuse_to_empty(where: Store, settings: Settings) -> None:
    """Raise EmptySeeds when the live index holds articles (the articles folder has none)."""
    try:
        version = where.open()
    except QAError:  # no index, or one that cannot be read: nothing to keep
        return
    try:
        held = int(version.manifest.get("articles") or 0)
    finally:
        version.close()
    if held:
        raise EmptySeeds(
            f"the articles folder {settings.seeds} holds no article, and the index holds {held}: nothing was "
            "changed; check the folder (is its drive mounted?), or pass --allow-empty to empty the index"
        )


@dataclass(frozen=True)
class Contents:
    """What a build hands its store to write as the next version."""

    entries: list[_Entry]
    skipped: list[tuple[str, int, int, str]]
    settings: Settings
    key: str
    dimension: int
    chunker: ChunkerSettings
    extra: dict[str, Any] = field(default_factory=dict)  # more for the manifest (an evaluation corpus's key)


@contextmanager
def _writing(where: Store) -> Iterator[None]:
    """OS and SQLite errors while the index is written, as one line (no space left, read-only, no permission)."""
    try:
        yield
    except (OSError, sqlite3.Error) as exc:
        raise where.write_failure(exc) from exc


def _stat(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
        return st.st_size, st.st_mtime_ns
    except OSError:
        return -1, -1


class _Previous:
    """The live version's articles, for reusing unchanged ones."""

    def __init__(self, version: Version) -> None:
        self.version = version
        rows = version.db.execute("SELECT id, source, content_hash, size, mtime_ns FROM articles").fetchall()
        self.by_source = {r[1]: (r[0], r[2], r[3], r[4]) for r in rows}
        self.by_hash = {r[2]: r[0] for r in rows}  # a file moved or renamed keeps its vectors
        self.sources = set(self.by_source)
        self._by_file: dict[str, list[str]] | None = None  # stored sources by the file that may hold them
        self._skipped: dict[str, tuple[str, int, int, str]] | None = None

    def article_if_untouched(self, rel: str, size: int, mtime_ns: int) -> Article | None:
        """The stored article when the file's size and mtime are as recorded (as git does, no re-read)."""
        found = self.by_source.get(rel)
        if not found or (found[2], found[3]) != (size, mtime_ns) or not _has_metadata(self.version.manifest):
            return None
        return self._stored_article(found[0])

    def records_if_untouched(
        self, rel: str, size: int, mtime_ns: int, hashed: set[str]
    ) -> list[Article | tuple[str, str]] | None:
        """A multi-record file's stored records (articles, and (source, reason) for records that were skipped) when
        the file's size and mtime are those all of them were stored with: a 10,000-page WARC is not read again.

        ``hashed``: the files being indexed whose names hold '#', so that the records of ``a.jsonl#1.jsonl`` are
        never taken for records of ``a.jsonl``. None when the file changed, or nothing of it is stored.
        """
        if not _has_metadata(self.version.manifest):
            return None
        if self._by_file is None:
            self._skipped = {row[0]: row for row in self.version.db.execute("SELECT * FROM skipped")}
            self._by_file = {}
            for source in (*self.by_source, *self._skipped):
                self._by_file.setdefault(source, []).append(source)  # a PDF or an .eml: the file is the record
                cut = source.find("#")
                while cut > 0:
                    self._by_file.setdefault(source[:cut], []).append(source)
                    cut = source.find("#", cut + 1)
        assert self._skipped is not None  # filled with _by_file
        longer = [f for f in hashed if f != rel and f.startswith(rel + "#")]
        sources = [s for s in self._by_file.get(rel, ()) if not any(s == f or s.startswith(f + "#") for f in longer)]
        if not sources:
            return None
        skipped = self._skipped

        def stamp(source: str) -> tuple[int, int]:
            """(size, mtime) the record was stored with."""
            found = self.by_source.get(source)
            return (found[2], found[3]) if found else (skipped[source][1], skipped[source][2])

        if any(stamp(source) != (size, mtime_ns) for source in sources):
            return None
        out: list[Article | tuple[str, str]] = []
        for source in sorted(sources, key=lambda s: (s not in self.by_source, self.by_source.get(s, (0,))[0], s)):
            if source in self.by_source:
                out.append(self._stored_article(self.by_source[source][0]))
            else:
                out.append((source, self._skipped[source][3]))
        return out

    def _stored_article(self, article_id: int) -> Article:
        row = self.version.db.execute(
            "SELECT a.source, a.title, a.text, a.content_hash, a.kind, a.date, a.author, m.section, m.url, m.outlet, "
            "m.pages FROM articles a LEFT JOIN article_meta m ON m.article_id = a.id WHERE a.id = ?",
            (article_id,),
        ).fetchone()
        source, title, text, digest, kind, date, author, section, url, outlet, pages = row
        # No blocks: an untouched article's chunks are reused as stored, never re-chunked.
        return Article(
            source, title, text, (), digest, kind, date, author,
            section=section, url=url, outlet=outlet, pages=tuple(json.loads(pages or "[]")),
        )  # fmt: skip

    def reuse(self, article: Article) -> tuple[list[Chunk], _Reused, aliases.Scan | None] | None:
        """The stored chunks, where their vectors are, and the alias scan of an article with this content (under
        any name: a file moved or renamed is not embedded again), or None if no stored article has it."""
        article_id = self.by_hash.get(article.content_hash)
        if article_id is None:
            return None
        db = self.version.db
        if self.by_source.get(article.source, (None,))[0] != article_id:  # stored under another name: the same
            # bytes may read to other text (a .txt renamed .html), and then the stored offsets would not fit
            (text,) = db.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
            if text != article.text:
                return None
        rows = db.execute(
            'SELECT id, ordinal, start, "end" FROM chunks WHERE article_id = ? ORDER BY ordinal', (article_id,)
        ).fetchall()
        chunks, sentence_ids = [], []
        ids = [r[0] for r in rows]
        by_chunk: dict[int, list[tuple[int, int, int]]] = {cid: [] for cid in ids}
        for sid, cid, s, e in db.execute(
            'SELECT s.id, s.chunk_id, s.start, s."end" FROM sentences s JOIN chunks c ON c.id = s.chunk_id '
            "WHERE c.article_id = ? ORDER BY s.id",
            (article_id,),
        ):
            by_chunk[cid].append((sid, s, e))
        for cid, ordinal, start, end in rows:
            sents = by_chunk[cid]
            chunks.append(Chunk(ordinal, start, end, article.text[start:end], tuple((s, e) for _, s, e in sents)))
            sentence_ids.extend(s[0] for s in sents)
        return chunks, _Reused(self.version, tuple(ids), tuple(sentence_ids)), self._alias_scan(article_id)

    def holds(self, entries: list[_Entry], skipped: list[tuple[str, int, int, str]]) -> bool:
        """Whether writing ``entries`` and ``skipped`` would store what this version holds already.

        True when every article is reused as stored (same file size and time, same text, alias scan by the same
        rules), none was removed, the same files were skipped, and the index has this qa's BM25 layout.
        """
        if _outdated(self.version.manifest) or any(e.alias_scan is None for e in entries):
            return False
        stored = {source: (digest, size, mtime) for source, (_, digest, size, mtime) in self.by_source.items()}
        building = {e.article.source: (e.article.content_hash, e.size, e.mtime_ns) for e in entries}
        if building != stored:
            return False
        was_skipped = self.version.db.execute("SELECT source, size, mtime_ns, reason FROM skipped").fetchall()
        return sorted(was_skipped) == sorted(skipped)

    def _alias_scan(self, article_id: int) -> aliases.Scan | None:
        """The stored alias scan (None if absent, as in indexes built before scans were kept, or made by other
        rules)."""
        try:
            row = self.version.db.execute("SELECT scan FROM alias_scans WHERE article_id = ?", (article_id,)).fetchone()
        except sqlite3.Error:
            return None
        return aliases.Scan.from_json(row[0]) if row else None

    def close(self) -> None:
        self.version.close()


def _previous(where: Store, key: str, chunker: ChunkerSettings) -> _Previous | None:
    """The live version if it can be reused: same model and chunker, and not damaged (else a full rebuild)."""
    try:
        version = where.open()
    except (IndexMissing, IndexDamaged, IndexIncompatible):
        return None
    if version.manifest.get("model_key") != key or version.manifest.get("chunker") != chunker.key():
        version.close()
        return None
    return _Previous(version)


def _read(
    path: Path, seeds: Path, previous: _Previous | None, embedder: Embedder, chunker: ChunkerSettings
) -> tuple[_Entry | None, str]:
    from qa.ingest import read_article

    size, mtime = _stat(path)
    rel = path.relative_to(seeds).as_posix()
    article = previous.article_if_untouched(rel, size, mtime) if previous else None
    if article is None:
        try:
            article = read_article(path, seeds)
        except ArticleSkipped as exc:
            return None, str(exc).split(": ", 1)[-1]
    return _entry(article, size, mtime, previous, embedder, chunker)


def _entry(
    article: Article, size: int, mtime: int, previous: _Previous | None, embedder: Embedder, chunker: ChunkerSettings
) -> tuple[_Entry | None, str]:
    """The article with its stored chunks and vectors when some stored article has its content, else chunked anew."""
    reused = previous.reuse(article) if previous else None
    if reused:
        chunks, vectors, scan = reused
        return _Entry(article, size, mtime, chunks, vectors, scan), ""
    chunks = chunk_article(article, embedder.count_tokens, embedder.token_offsets, chunker)
    if not chunks:
        return None, "no text to index"
    return _Entry(article, size, mtime, chunks), ""


def _many(path: Path) -> bool:
    """Whether qa.sources reads this file (PDFs, dumps, feeds, mail, archives) rather than qa.ingest."""
    from qa.sources import handles

    return handles(path.name)


def _reads_dumps(name: str) -> bool:
    """Whether the dump field mapping applies to this file: a dump, or an archive that may hold one."""
    from qa.sources import kind_of

    return kind_of(name) in ("dump", "archive")


def _dump_fields(where: Store) -> tuple[tuple[str, str], ...]:
    """The dump field mapping the live index was built with (none recorded, or no index: the built-in names)."""
    try:
        version = where.open()
    except QAError:
        return ()
    try:
        return tuple((str(ours), str(theirs)) for ours, theirs in version.manifest.get("dump_fields", ()))
    finally:
        version.close()


def _read_records(
    path: Path,
    seeds: Path,
    previous: _Previous | None,
    embedder: Embedder,
    chunker: ChunkerSettings,
    entries: list[_Entry],
    todo: list[_Entry],
    skipped: list[tuple[str, int, int, str]],
    warnings: list[str],
    counts: dict[str, int],
    hashed: set[str],
    dump_fields: tuple[tuple[str, str], ...] = (),
    reread: bool = False,
) -> None:
    """Add every record of a multi-article file, each an article with its own source (``file#id``) and content hash.

    Each record is reused or embedded on its own, so a dump with one new line embeds one article. Every record
    keeps the file's size and mtime: ``status`` marks the file's records changed when either changes, and a file
    whose size and mtime are unchanged is not read at all (its stored records are reused, as for single files),
    unless ``reread`` (the dump field mapping changed).
    """
    from qa.sources import Skip, read_path

    size, mtime = _stat(path)
    rel = path.relative_to(seeds).as_posix()
    stored = previous.records_if_untouched(rel, size, mtime, hashed) if previous and not reread else None
    items: Iterable[Article | Skip] = (
        read_path(path, seeds, dump_fields)
        if stored is None
        else (Skip(*item) if isinstance(item, tuple) else item for item in stored)
    )
    for item in items:
        if isinstance(item, Skip):
            skipped.append((item.source, size, mtime, item.reason))
            warnings.append(f"{item.source}: {item.reason}")
            continue
        entry, reason = _entry(item, size, mtime, previous, embedder, chunker)
        if entry is None:
            skipped.append((item.source, size, mtime, reason))
            warnings.append(f"{item.source}: {reason}")
            continue
        warnings.extend(f"{item.source}: {w}" for w in item.warnings)
        entries.append(entry)
        if entry.vectors is None:
            todo.append(entry)
        known = previous.by_source.get(item.source) if previous else None
        if known and known[1] == item.content_hash:
            counts["unchanged"] += 1
        else:
            counts["updated" if known else "added"] += 1


def _embed(
    embedder: Embedder,
    todo: list[_Entry],
    progress: Progress,
    workers: int = 0,
    cluster: str | None = None,
    spool: _Spool | None = None,
) -> int:
    """Embed the entries' passages and sentences into ``spool`` (a temporary one if None); returns the passages.

    One process embeds a tokenizing window of passages at a time (``TOKENIZE_WINDOW``, cut where
    ``Embedder.encode_documents`` cuts its own windows, so every vector is bit for bit what one call over all the
    passages gives) and spools it before the next: memory holds one window's vectors, whatever the collection's size.
    """
    from qa.embedder import TOKENIZE_WINDOW

    spool = spool or _Spool(embedder.dimension)
    total = sum(len(e.chunks) for e in todo)
    done = 0
    progress("embedding", 0, total)

    def step(n: int) -> None:
        nonlocal done
        done += n
        progress("embedding", done, total)

    def passages(entries: Iterable[_Entry]) -> Iterator[Chunk]:
        return (c for e in entries for c in e.chunks)

    def spans(chunks: Sequence[Chunk]) -> list[list[tuple[int, int]]]:
        return [[(s - c.start, e - c.start) for s, e in c.sentences] for c in chunks]

    first = spool.rows["passages"], spool.rows["sentences"]
    if (workers or cluster) and total:  # Dask, imported only when asked for (the whole collection in one plan)
        from qa.cluster import encode_documents

        chunks = list(passages(todo))
        vectors, sentence_vectors = encode_documents(
            embedder, [c.text for c in chunks], spans(chunks), step, workers, cluster
        )
        spool.append(vectors, sentence_vectors)
        del vectors, sentence_vectors
    else:
        stream = passages(todo)
        while window := list(itertools.islice(stream, TOKENIZE_WINDOW)):
            vectors, sentence_vectors = embedder.encode_documents(
                [c.text for c in window], spans=spans(window), progress=step
            )
            spool.append(vectors, sentence_vectors)
            del vectors, sentence_vectors
    passage, sentence = first
    for entry in todo:
        n = len(entry.chunks)
        m = sum(len(c.sentences) for c in entry.chunks)
        entry.vectors = _Spooled(spool, passage, n, sentence, m)
        passage += n
        sentence += m
    return total


def _write(
    root: Path,
    entries: list[_Entry],
    skipped: list[tuple[str, int, int, str]],
    settings: Settings,
    key: str,
    dimension: int,
    chunker: ChunkerSettings,
) -> int:
    tmp = store.new_version_dir(root)
    try:
        return _fill(tmp, root, entries, skipped, settings, key, dimension, chunker)
    except Exception:  # a failed write leaves nothing behind; ctrl+c (not an Exception) is left as a killed build is
        store.discard(root, tmp)
        raise


def _fill(
    tmp: Path,
    root: Path,
    entries: list[_Entry],
    skipped: list[tuple[str, int, int, str]],
    settings: Settings,
    key: str,
    dimension: int,
    chunker: ChunkerSettings,
) -> int:
    """Write a complete version into ``tmp`` and publish it; returns the number of chunks."""
    import numpy as np

    from qa.ingest import headline

    n_chunks = sum(len(e.chunks) for e in entries)
    n_sentences = sum(len(c.sentences) for e in entries for c in e.chunks)
    db = store.create_db(tmp / store.META)
    vectors = _VectorIndex(dimension, n_chunks)
    texts = []
    chunk_id = sentence_id = 0
    # Each article's rows and vectors go to disk as it comes (the sentences straight into the .npy, after a header
    # written for the count known up front): the write holds one article's vectors, not all of them.
    with (tmp / store.SENTENCES).open("wb") as sentences:
        header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float16)), "fortran_order": False,
                  "shape": (n_sentences, dimension)}  # fmt: skip
        np.lib.format.write_array_header_1_0(sentences, header)  # the header np.save writes
        for aid, entry in enumerate(entries):
            a = entry.article
            title = headline(a.title, a.text)
            db.execute(
                "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?)",
                (aid, a.source, a.title, a.kind, a.date, a.author, a.content_hash, entry.size, entry.mtime_ns, a.text),
            )
            db.execute(
                "INSERT INTO article_meta VALUES (?,?,?,?,?)",
                (aid, a.section, a.url, a.outlet, json.dumps(list(a.pages)) if a.pages else None),
            )
            for chunk in entry.chunks:
                db.execute(
                    "INSERT INTO chunks VALUES (?,?,?,?,?)", (chunk_id, aid, chunk.ordinal, chunk.start, chunk.end)
                )
                db.executemany(
                    "INSERT INTO sentences VALUES (?,?,?,?)",
                    [(sentence_id + k, chunk_id, s, e) for k, (s, e) in enumerate(chunk.sentences)],
                )
                sentence_id += len(chunk.sentences)
                texts.append(bm25_text(title, chunk.text))
                chunk_id += 1
            passage_vectors = entry.passage_vectors(dimension)
            sentence_vectors = entry.sentence_vectors(dimension)
            if len(passage_vectors) != len(entry.chunks) or len(sentence_vectors) != sum(
                len(c.sentences) for c in entry.chunks
            ):
                raise ValueError(f"{a.source}: vectors do not match its passages and sentences")
            vectors.add(passage_vectors)
            sentences.write(np.ascontiguousarray(sentence_vectors, dtype=np.float16).tobytes())
    db.executemany("INSERT INTO skipped VALUES (?,?,?,?)", skipped)
    scans = [e.alias_scan or aliases.scan(e.article.text) for e in entries]  # only new or changed texts scanned
    db.executemany("INSERT INTO alias_scans VALUES (?,?)", [(aid, sc.to_json()) for aid, sc in enumerate(scans)])
    db.executemany("INSERT OR IGNORE INTO aliases VALUES (?,?,?,?)", aliases.combine(scans))
    db.commit()
    db.close()
    ann = vectors.write(tmp / store.VECTORS)
    del vectors
    write_bm25(tmp / store.BM25_DIR, texts)
    store.seal(
        tmp,
        {
            **manifest(settings, key, dimension, chunker, len(entries), chunk_id, sentence_id, ann),
            # The model folder may have gained files during this build (a quantized copy): record them all.
            "model_files": store.write_model_checksums(store.model_dir(root, key)),
        },
    )
    if os.environ.get("QA_TEST_CRASH_BEFORE_PUBLISH"):  # lets crash tests stop at the riskiest moment
        os._exit(9)
    store.publish(root, tmp)
    return chunk_id


def manifest(
    settings: Settings,
    key: str,
    dimension: int,
    chunker: ChunkerSettings,
    articles: int,
    chunks: int,
    sentences: int,
    search: str,
) -> dict[str, Any]:
    """What every store records about a version (each adds its own: files and checksums, a schema name)."""
    return {
        "model": settings.model,
        "model_key": key,
        "dimension": dimension,
        "chunker": chunker.key(),
        "dump_fields": [list(pair) for pair in settings.dump_fields or ()],
        "lexical": LEXICAL,
        "metadata": METADATA,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "articles": articles,
        "chunks": chunks,
        "sentences": sentences,
        "search": search,
    }


# HNSW settings past store.ANN_THRESHOLD. `python -m bench ann` at 1M clustered vectors: recall@10 0.972 at
# efSearch 128 (0.965 at 96), p50 0.33 ms on one thread, 1.9 GB resident.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


def write_vectors(path: Path, matrix: Any) -> str:
    """Exact inner-product search, or HNSW past the threshold (recall checked in bench/ann.py)."""
    n, d = matrix.shape if matrix.size else (0, matrix.shape[1])
    index = _VectorIndex(d, n)
    index.add(matrix)
    return index.write(path)


class _VectorIndex:
    """The FAISS index of ``n`` passage vectors, filled a few at a time.

    A flat index takes them as they come (it only appends); HNSW gets them in one ``add``, as its graph is built
    otherwise when added in parts, so they are gathered first.
    """

    def __init__(self, d: int, n: int) -> None:
        import faiss  # deferred: native library
        import numpy as np

        self.n = n
        if n >= store.ANN_THRESHOLD:
            self.index = faiss.IndexHNSWFlat(d, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            self.index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            self.index.hnsw.efSearch = HNSW_EF_SEARCH
            self.kind = "hnsw"
            self.gathered: Any = np.empty((n, d), dtype=np.float32)
        else:
            self.index = faiss.IndexFlatIP(d)
            self.kind = "flat"
            self.gathered = None
        self.added = 0

    def add(self, vectors: Any) -> None:
        import numpy as np

        if not len(vectors):
            return
        if self.gathered is not None:
            self.gathered[self.added : self.added + len(vectors)] = vectors
        else:
            self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self.added += len(vectors)

    def write(self, path: Path) -> str:
        import faiss

        if self.added != self.n:
            raise ValueError(f"{self.added} passage vectors for {self.n} passages")
        if self.gathered is not None and self.n:
            self.index.add(self.gathered)
            self.gathered = None
        faiss.write_index(self.index, str(path))
        return self.kind


LEXICAL = "headline+passage"  # what BM25 indexes per passage (see bm25_text); recorded in the manifest
OUTDATED = "the index predates headlines in keyword search"


METADATA = 1  # the article_meta table (section, URL, outlet, PDF pages): older versions are rewritten, vectors reused


def _has_metadata(manifest: dict[str, Any]) -> bool:
    return manifest.get("metadata") == METADATA


def _outdated(manifest: dict[str, Any]) -> bool:
    """Whether a version was written by an older qa (BM25 indexed passages otherwise, or no article metadata): the
    next build rewrites it, reusing every vector."""
    return manifest.get("lexical") != LEXICAL or not _has_metadata(manifest)


def bm25_text(title: str, passage: str) -> str:
    """What BM25 indexes for a passage: its article's headline, then the passage.

    A headline names what the whole article is about, which a passage deep in it often leaves unsaid ("the
    committee voted..." under a headline naming the city and the committee). It is indexed for BM25 only: offsets,
    highlights and vectors stay the passage's. A plain-text "title" that is really the opening paragraph cut short
    is left out: spread over every passage, a lede's many words drown what tells its passages apart. See NOTES.md,
    "Headline in BM25".
    """
    return f"{title}\n{passage}" if title else passage


def bm25_tokenize(texts: Iterable[str]) -> Any:
    import bm25s  # deferred: pulls in scipy
    import Stemmer

    return bm25s.tokenize(list(texts), stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False)


def write_bm25(folder: Path, texts: list[str]) -> None:
    import logging

    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index step at DEBUG
    retriever = bm25s.BM25()
    # An empty corpus still gets a valid (empty) index so readers need no special case.
    tokens = bm25_tokenize(texts or [""])
    if not tokens.vocab:  # nothing but stopwords ("It is."): one token no question can produce keeps bm25s valid
        tokens = bm25s.tokenization.Tokenized(ids=[[0] for _ in tokens.ids], vocab={"<none>": 0})
    retriever.index(tokens, show_progress=False)
    retriever.save(str(folder), show_progress=False)


def status(settings: Settings, opened: Version | None = None) -> IndexStatus:
    """What the live index holds and which seed files are new, changed or removed since it was built.

    ``opened``: the live version, already opened by the caller (it stays open); else it is opened and closed here.
    """
    from qa.ingest import discover

    version = opened or stores.of(settings).open()
    try:
        db = version.db
        known = {
            s: (size, mtime, digest)
            for s, size, mtime, digest in db.execute("SELECT source, size, mtime_ns, content_hash FROM articles")
        }
        indexed = set(known)
        known.update({s: (size, mtime, None) for s, size, mtime, _ in db.execute("SELECT * FROM skipped")})
        records = _records_by_file(known)
        recorded = tuple(tuple(pair) for pair in version.manifest.get("dump_fields", ()))
        remapped = settings.dump_fields is not None and settings.dump_fields != recorded
        paths, _ = discover(settings.seeds, settings.follow_links)
        new, changed = [], []
        seen = set()
        for path in paths:
            rel = path.relative_to(settings.seeds).as_posix()
            seen.add(rel)
            if remapped and (rel in known or rel in records) and _reads_dumps(path.name):  # read under other names
                seen.update(records.get(rel, ()))
                changed.append(rel)
                continue
            if rel not in known and rel in records:  # a multi-record file: changed when its size or mtime is
                seen.update(records[rel])
                if _changed(path, (*known[records[rel][0]][:2], None)):
                    changed.append(rel)
                continue
            seen.update(records.get(rel, ()))  # a file skipped as a whole may have had records indexed before
            if rel not in known:
                new.append(rel)
            elif _changed(path, known[rel]):
                changed.append(rel)
        return IndexStatus(
            articles=version.manifest["articles"],
            chunks=version.manifest["chunks"],
            model=version.manifest["model"],
            built_at=version.manifest["built_at"],
            new=tuple(new),
            changed=tuple(changed),
            removed=tuple(sorted(set(known) - seen)),
            outdated=_outdated(version.manifest),
            model_key=str(version.manifest.get("model_key")),
            kept=len(indexed & seen),
        )
    finally:
        if opened is None:
            version.close()


def _records_by_file(known: dict[str, Any]) -> dict[str, list[str]]:
    """Stored sources of records (``file#id``, see qa.sources) by the file that holds them."""
    by_file: dict[str, list[str]] = {}
    for source in known:
        cut = source.find("#")
        while cut > 0:  # a file name may hold '#' itself: every prefix is a candidate, discover names the real one
            by_file.setdefault(source[:cut], []).append(source)
            cut = source.find("#", cut + 1)
    return by_file


def _changed(path: Path, known: tuple[int, int, str | None]) -> bool:
    import hashlib

    size, mtime = _stat(path)
    if (size, mtime) == known[:2]:
        return False
    if known[2] is None:  # a skipped file changed: worth another try
        return True
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() != known[2]
    except OSError:
        return True


def model_change(settings: Settings, st: IndexStatus) -> str | None:
    """Why the index's model is not ``settings.model`` (another name, or the same name with other weights)."""
    if st.model != settings.model:
        return f"index was built with model {st.model}"
    if not _same_weights(settings, st.model_key):
        return f"the model's files changed since the index was built with {st.model}"
    return None


def _same_weights(settings: Settings, built_with: str) -> bool:
    """Whether the model's files are those the index was built with (their hashes are cached: a few stats)."""
    from qa.models import model_key, resolve_model

    try:
        return model_key(resolve_model(settings.model)) == built_with
    except (QAError, OSError):
        return True  # the index answers with its own export; a model that cannot be read here changes nothing


def needs_build(settings: Settings, opened: Version | None = None) -> str | None:
    """Why the index must be built before answering (missing, damaged, other model, older layout, stale), or None.

    ``opened``: the live version if the caller has it open already (see ``status``).
    """
    return checked(settings, opened)[1]


def checked(settings: Settings, opened: Version | None = None) -> tuple[IndexStatus | None, str | None]:
    """``status`` (None when it cannot be had) and ``needs_build``'s reason, from one look at the folder."""
    try:
        st = status(settings, opened)
    except StoreUnreachable:  # nothing to build into either: said as it is
        raise
    except IndexMissing:
        return None, "no index yet"
    except IndexDamaged as exc:
        return None, f"the index is damaged: {getattr(exc, 'what', exc)}"
    except QAError as exc:
        return None, str(exc)
    except sqlite3.Error:
        return None, "index unreadable"
    return st, _why_build(settings, st)


def _why_build(settings: Settings, st: IndexStatus) -> str | None:
    change = model_change(settings, st)
    if change:
        return change
    if st.outdated:  # its BM25 is rewritten, every vector reused
        return OUTDATED
    if st.stale:
        parts = [
            f"{len(x)} {name}" for x, name in ((st.new, "new"), (st.changed, "changed"), (st.removed, "removed")) if x
        ]
        return "seed files changed since the last build: " + ", ".join(parts)
    return None
