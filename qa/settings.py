"""One typed Settings object, built once at the entry point from flags and QA_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from qa.errors import ConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"  # the bundled model; see qa.models.resolve_model


@dataclass(frozen=True)
class Settings:
    seeds: Path = Path("seeds")
    index: Path = Path("index")
    store: str | None = None  # a PostgreSQL URL (postgresql://...): the index lives there instead of in ``index``
    model: str = DEFAULT_MODEL
    top_k: int = 5
    follow_links: bool = False  # index links whose target lies outside the seeds folder
    auto_update: bool = False  # the app rebuilds by itself when files in the seeds folder change
    # Exporter field names for article dumps, e.g. (("text", "story"), ("title", "headline_text")) (qa.sources.dump).
    # None: those the index was built with (the built-in names for a new index), so a later `qa ask` keeps a mapping
    # given to `qa index build`; () goes back to the built-in names.
    dump_fields: tuple[tuple[str, str], ...] | None = None

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Environment first (QA_SEEDS, QA_INDEX, QA_STORE, QA_MODEL, QA_TOP_K, QA_FOLLOW_LINKS, QA_AUTO_UPDATE,
        QA_DUMP_FIELDS), then explicit overrides that are not None (``dump_fields`` as typed: FIELD=NAME,...).

        ``store`` (``--store`` / ``QA_STORE``) names where the index lives: a ``postgresql://`` URL, or a folder path,
        which is the local index folder (the same as ``index``).
        """
        env = os.environ
        base = cls(
            seeds=Path(env.get("QA_SEEDS", "seeds")),
            index=Path(env.get("QA_INDEX", "index")),
            store=env.get("QA_STORE") or None,
            model=env.get("QA_MODEL", DEFAULT_MODEL),
            top_k=int(env.get("QA_TOP_K", "5") or 5),
            follow_links=env.get("QA_FOLLOW_LINKS", "").strip().lower() in ("1", "true", "yes", "on"),
            auto_update=env.get("QA_AUTO_UPDATE", "").strip().lower() in ("1", "true", "yes", "on"),
            dump_fields=parse_dump_fields(env["QA_DUMP_FIELDS"], "QA_DUMP_FIELDS") if "QA_DUMP_FIELDS" in env else None,
        )
        given = {k: (Path(v) if k in ("seeds", "index") else v) for k, v in overrides.items() if v is not None}
        if isinstance(given.get("dump_fields"), str):
            given["dump_fields"] = parse_dump_fields(given["dump_fields"], "--dump-fields")
        if "index" in given and "store" not in given:
            given["store"] = None  # --index given on the command line wins over QA_STORE from the environment
        return replace(base, **given).resolved()  # type: ignore[arg-type]

    def resolved(self) -> Settings:
        """A ``store`` that is a folder path is the local index folder: it moves to ``index``."""
        from qa.stores import is_postgres

        if self.store is not None and not is_postgres(self.store):
            if "://" in self.store:
                from qa.errors import ConfigError

                raise ConfigError(
                    f"--store {self.store.split('://')[0]}://... is not a store qa knows; "
                    "give a postgresql://USER@HOST/DATABASE URL or a folder"
                )
            return replace(self, index=Path(self.store), store=None)
        return self


def parse_dump_fields(text: str, origin: str) -> tuple[tuple[str, str], ...]:
    """``title=headline_text,text=story`` -> (("text", "story"), ("title", "headline_text")); "" -> ().

    Raises ConfigError naming ``origin`` (the flag or variable) for a part that is not FIELD=NAME, an unknown FIELD,
    or a FIELD given twice.
    """
    from qa.sources.dump import FIELDS  # deferred: the readers are imported only when a mapping is given

    mapping: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        ours, equals, theirs = (s.strip() for s in part.partition("="))
        if not equals or not ours or not theirs:
            raise ConfigError(f"{origin}: {part!r} is not FIELD=NAME; e.g. {origin} title=headline_text,text=story")
        if ours.lower() not in FIELDS:
            raise ConfigError(f"{origin}: unknown field {ours!r}; map one of {', '.join(FIELDS)}")
        if ours.lower() in mapping:
            raise ConfigError(f"{origin}: {ours.lower()} is mapped twice")
        mapping[ours.lower()] = theirs
    return tuple(sorted(mapping.items()))
