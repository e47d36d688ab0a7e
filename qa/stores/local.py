"""The local backend: an index folder of versions (FAISS + bm25s + SQLite), switched atomically.

The folder's machinery (checksums, the ledger of what qa wrote, the lock, publishing, the opened ``Version``) lives
in ``qa.store``, which many modules and tools use directly; this class is that folder seen through the store
interface (qa.stores.base). Every call goes through ``qa.store`` at call time, so its behaviour, format and speed
are the folder's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa import ledger, store

if TYPE_CHECKING:
    from qa.settings import Settings


class LocalStore:
    kind = "local"

    def __init__(self, root: Path, seeds: Path | None = None) -> None:
        self.root = root
        self.seeds = seeds

    @property
    def location(self) -> str:
        return str(self.root)

    def open(self) -> store.Version:
        return store.Version.open(self.root)

    def current_name(self) -> str:
        return store.current_version(self.root).name

    def claim(self) -> None:
        """Mark the folder as qa's (refusing one that holds anything else, or overlaps the articles folder)."""
        try:
            ledger.claim(self.root, self.seeds)
        except OSError as exc:
            raise store.write_failure(self.root, exc) from exc

    @contextmanager
    def lock(self, wait: float = 0.0) -> Iterator[None]:
        with store.build_lock(self.root, wait=wait):
            yield

    def is_locked(self) -> bool:
        return store.is_locked(self.root)

    def collect_garbage(self) -> None:
        store.collect_garbage(self.root)

    def ensure_model(self, settings: Settings) -> tuple[Path, str]:
        from qa.build import ensure_model

        return ensure_model(settings)

    def write(self, contents: Any) -> int:
        from qa.build import _write

        c = contents
        return _write(self.root, c.entries, c.skipped, c.settings, c.key, c.dimension, c.chunker)

    def write_failure(self, exc: Exception) -> Exception:
        return store.write_failure(self.root, exc)
