"""Small frozen records passed between the pipeline steps."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Span = tuple[int, int]


@dataclass(frozen=True)
class Article:
    """One source file, decoded.

    ``text`` is what offsets index into: the decoded file for .txt/.md, the extracted text for HTML.
    ``blocks`` are the spans of ``text`` kept after site chrome is removed; chunks never cross a block edge.
    """

    source: str  # path relative to the seeds folder, with forward slashes
    title: str
    text: str
    blocks: tuple[Span, ...]
    content_hash: str
    kind: str  # "text" or "html"
    date: str | None = None
    author: str | None = None
    warnings: tuple[str, ...] = ()
    section: str | None = None
    url: str | None = None
    outlet: str | None = None
    pages: tuple[int, ...] = ()  # PDFs: each page's start offset in ``text`` (page n starts at pages[n - 1])


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    """A passage: ``article.text[start:end] == text``. ``sentences`` are spans inside the article text."""

    ordinal: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]


@dataclass(frozen=True)
class Answer:
    rank: int
    score: float
    source: str
    title: str
    passage: str
    start: int
    end: int
    highlight: str
    highlight_start: int
    highlight_end: int
    also_in: tuple[str, ...] = ()
    # Added fields (the record only gains fields): the short answer inside the highlight, in the same offsets as
    # ``start`` (None when there is none), and the article's metadata (None when unknown).
    short_answer: str | None = None
    short_answer_start: int | None = None
    short_answer_end: int | None = None
    date: str | None = None
    author: str | None = None
    section: str | None = None
    url: str | None = None
    page: int | None = None  # PDFs: the page the highlight starts on (1-based)
    answer_from: str | None = None  # "byline" or "date": the short answer is the article's, not from its text

    def to_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["also_in"] = list(self.also_in)
        return record


@dataclass(frozen=True)
class Result:
    """The answer to one question: the JSONL record other tools read."""

    id: str
    question: str
    answered: bool
    answers: tuple[Answer, ...] = field(default_factory=tuple)
    notice: str | None = None  # e.g. why a question could not be searched
    confidence: float | None = None  # log-odds that the top answer answers; ``answered`` is it past a threshold
    read_as: str | None = None  # a follow-up rewritten to stand alone (what was searched), or None

    def to_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "answered": self.answered,
            "answers": [a.to_record() for a in self.answers],
            "read_as": self.read_as,
            "notice": self.notice,  # e.g. "preferring articles from March 2005" (None when there is nothing to say)
        }

    @classmethod
    def from_record(cls, data: dict[str, Any], confidence: float | None = None) -> Result:
        """The Result a ``to_record`` record was made from (the record leaves out ``confidence``)."""
        answers = tuple(Answer(**{**a, "also_in": tuple(a["also_in"])}) for a in data["answers"])
        return cls(data["id"], data["question"], data["answered"], answers, data["notice"], confidence, data["read_as"])


@dataclass(frozen=True)
class BuildReport:
    added: int
    updated: int
    removed: int
    unchanged: int
    skipped: int
    articles: int
    chunks: int
    embedded_chunks: int
    seconds: float
    warnings: tuple[str, ...] = ()
    written: bool = True  # False when the index was up to date and kept as it was


@dataclass(frozen=True)
class IndexStatus:
    articles: int
    chunks: int
    model: str
    built_at: str
    new: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    outdated: bool = False  # built by an older qa whose BM25 indexed passages otherwise: the next build rewrites it
    model_key: str = ""  # identity of the model's files (weights included) the index was built with
    kept: int | None = None  # indexed articles still in the articles folder (None: not counted)

    @property
    def stale(self) -> bool:
        return bool(self.new or self.changed or self.removed)
