"""The store interface: what the build, the search, the answerer and the app use of an index, whatever holds it.

Two backends implement it: ``local`` (an index folder: FAISS + bm25s + SQLite, see qa.store and qa.stores.local)
and ``postgres`` (PostgreSQL + pgvector, see qa.stores.postgres). A ``Store`` is where versions live; a ``Version``
is one complete, immutable build, opened once by a reader and used until it closes it (readers are pinned to the
version they opened, while a build publishes the next one beside it).

Article, passage and sentence rows are read with SQL through ``Version.db`` (``execute(sql, params)`` with ``?``
placeholders, rows as tuples), the same tables in both backends; what is not a row (vector search, BM25, stored
vectors) goes through the methods below, so neither FAISS nor pgvector leaks into the search.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np


class Rows(Protocol):
    def fetchone(self) -> tuple[Any, ...] | None: ...
    def fetchall(self) -> list[tuple[Any, ...]]: ...
    def __iter__(self) -> Iterator[tuple[Any, ...]]: ...


class Database(Protocol):
    """Read-only SQL over one version's tables (sqlite3's ``execute`` shape: ``?`` placeholders)."""

    # "postgres" for the few conditions the two spell differently (qa.filters); a sqlite3.Connection has no such
    # attribute, and readers take its absence for "sqlite"
    dialect: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows: ...


class Vectors(Protocol):
    """Stored vectors by id: ``v[i]`` one row, ``v[[i, j]]`` a matrix."""

    def __getitem__(self, ids: Any) -> np.ndarray: ...


@dataclass(frozen=True)
class LexicalHits:
    """BM25 for one question: the best ``pool`` chunks (score > 0), and the score of any chunk asked for."""

    top: list[int]
    score_of: Callable[[Sequence[int]], np.ndarray]


class Version(Protocol):
    """One opened, verified version of the index."""

    manifest: dict[str, Any]
    db: Database
    sentence_vectors: Vectors

    @property
    def name(self) -> str:
        """The version's identity (a reader that sees another name knows a build published)."""
        ...

    @property
    def location(self) -> str:
        """Where it lives, for messages and reports (a folder, or a database without its password)."""
        ...

    def model_folder(self) -> Path:
        """The exported ONNX model this version was built with (checked)."""
        ...

    def dense_search(self, vectors: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, ...]]:
        """Nearest chunk ids by inner product for each query vector; ``allowed`` is a boolean mask over chunk ids
        applied inside the search (the k fill with allowed chunks)."""
        ...

    def chunk_vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The stored passage vectors of ``ids`` (float32, in that order)."""
        ...

    def doc_freqs(self, terms: Sequence[str]) -> dict[str, int]:
        """In how many chunks each known term occurs (unknown terms are left out)."""
        ...

    def bm25(
        self, terms: Sequence[str], pool: int, allowed: np.ndarray | None = None, also: Sequence[int] = ()
    ) -> LexicalHits:
        """BM25 (bm25s's Lucene variant, k1 1.5, b 0.75) of the stemmed ``terms``, inside ``allowed``."""
        ...

    def bm25_scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 of every chunk (for tests and tools; the search asks ``bm25`` for the top only)."""
        ...

    def present(self, terms: Sequence[str], ids: Sequence[int]) -> dict[str, np.ndarray]:
        """For each term that occurs in any of ``ids``: a boolean array over ``ids``."""
        ...

    def close(self) -> None: ...


class Store(Protocol):
    """Where an index's versions live, and how one build at a time publishes the next."""

    kind: str  # "local" or "postgres"

    @property
    def location(self) -> str: ...

    def open(self) -> Version:
        """The live version, verified; IndexMissing, IndexDamaged or IndexIncompatible otherwise."""
        ...

    def claim(self) -> None:
        """Make the place qa's to write on first use (the folder's marker, the database's ``qa`` schema); refuse
        one holding what qa did not write."""
        ...

    def current_name(self) -> str:
        """The live version's name, cheaply (for readers checking whether a build published)."""
        ...

    def lock(self, wait: float = 0.0) -> AbstractContextManager[None]:
        """Hold the build lock; BuildLocked after ``wait`` seconds when another build holds it."""
        ...

    def is_locked(self) -> bool: ...

    def collect_garbage(self) -> None:
        """Remove unfinished builds and old versions (only what qa wrote); called under the lock."""
        ...

    def ensure_model(self, settings: Any) -> tuple[Path, str]:
        """The exported model folder for ``settings.model`` and its key, exporting it on first use."""
        ...

    def write(self, contents: Any) -> int:
        """Write ``contents`` (a qa.build.Contents) as a new version and publish it; returns the chunk count."""
        ...

    def write_failure(self, exc: Exception) -> Exception:
        """An error met while writing, as a typed one-line error (no space left, read-only, server gone)."""
        ...
