"""Where the index lives: one interface (``base``), two backends (``local``: a folder; ``postgres``: PostgreSQL with
pgvector). ``of(settings)`` picks one from ``settings.store`` (``--store`` / ``QA_STORE``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.settings import Settings
    from qa.stores.base import Store
    from qa.stores.local import LocalStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(location: str | None) -> bool:
    return bool(location) and str(location).strip().lower().startswith(POSTGRES_SCHEMES)


def of(settings: Settings) -> Store:
    """The store ``settings`` names: a PostgreSQL URL, else the local index folder."""
    if is_postgres(settings.store):
        # deferred: psycopg is imported only when a Postgres store is used (qa ask on a folder never pays for it)
        from qa.stores.postgres import PostgresStore

        return PostgresStore(str(settings.store), settings)
    return local_store(settings.index, settings.seeds)


def local_store(root: Path, seeds: Path | None = None) -> LocalStore:
    from qa.stores.local import LocalStore

    return LocalStore(root, seeds)
