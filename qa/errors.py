"""Typed errors. The library raises these; only the CLI and TUI turn them into one line for a person."""

from __future__ import annotations


class QAError(Exception):
    """Base class: the message is one sentence that says what happened and what to do."""


class ConfigError(QAError):
    """A setting (folder, model, flag) is unusable."""


class ModelNotFound(ConfigError):
    """The embedding model is not on this machine."""


class IndexMissing(QAError):
    """There is no index yet."""


class IndexDamaged(QAError):
    """The index folder exists but a file in it is missing, truncated or from another build."""


class IndexIncompatible(QAError):
    """The index was made with another model, chunker or format version."""


class IndexUnwritable(QAError):
    """The index folder cannot be written: no space left, read-only, or no permission."""


class StoreUnreachable(ConfigError):
    """The store named by --store / QA_STORE cannot be reached (bad URL, server down, login refused)."""


class EmptySeeds(ConfigError):
    """The articles folder holds no article, while the index holds some: a build would empty it."""


class BuildLocked(QAError):
    """Another build holds the index lock."""


class BadQuestionFile(QAError):
    """A question file cannot be read; the message names the line."""


class ArticleSkipped(QAError):
    """An article cannot be indexed; the message names the reason."""
