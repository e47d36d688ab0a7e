"""The index and the model behind the app: loads, answers, rebuilds and reads articles in workers, off the UI thread.

The Engine is a hidden widget so its workers belong to the DOM and its messages bubble up to the app. Questions asked
before the model is ready wait in ``pending`` and are answered as soon as it is. One lock serializes every use of the
open Answerer (its SQLite connection and ONNX session are shared between worker threads) and the swap to a freshly
built one, so a rebuild never pulls the index from under a question.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from textual import work
from textual.message import Message
from textual.widget import Widget
from textual.worker import get_current_worker

from qa.errors import QAError
from qa.filters import Filters
from qa.records import Answer, BuildReport, Result
from qa.settings import Settings

if TYPE_CHECKING:
    from qa.answer import Answerer

T = TypeVar("T")


@dataclass(frozen=True)
class IndexInfo:
    """What the status bar shows about the open index (from the opened version's manifest)."""

    articles: int
    chunks: int
    model: str
    built_at: str

    @classmethod
    def of(cls, answerer: Answerer) -> IndexInfo:
        m = answerer.searcher.version.manifest
        articles, chunks = int(m.get("articles", 0)), int(m.get("chunks", 0))
        return cls(articles, chunks, str(m.get("model", "?")), str(m.get("built_at", "?")))


class Cancelled(Exception):
    """Raised inside a build's progress callback when its worker was cancelled (the app is closing)."""


def describe(exc: BaseException) -> str:
    """One sentence for a person: a QAError's own message, else the kind of failure (never a traceback)."""
    if isinstance(exc, QAError):
        return str(exc)
    return f"unexpected {type(exc).__name__}: {exc}"


class Engine(Widget):
    """Owns the Answerer; every slow step runs in a thread worker and reports back with a message."""

    DEFAULT_CSS = "Engine { display: none; }"

    @dataclass
    class Status(Message):
        text: str

    @dataclass
    class Progress(Message):
        stage: str
        done: int
        total: int

    @dataclass
    class Ready(Message):
        info: IndexInfo
        report: BuildReport | None
        rebuilt: bool

    @dataclass
    class Failed(Message):
        title: str
        text: str
        during: str  # "load", "build", "ask" or "article"
        key: int | None = None

    @dataclass
    class Answered(Message):
        key: int
        result: Result

    @dataclass
    class ArticleLoaded(Message):
        answer: Answer
        text: str
        meta: dict[str, Any]  # the article's row (title, date, author, … whichever columns the index has)
        kept: list[tuple[int, int]]  # spans of ``text`` the index holds (its passages); the rest was left out

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.ready = False
        self.building = False
        self.error: str | None = None  # why the index could not be opened, until one is
        self.pending: list[tuple[int, str]] = []
        self.read_as: dict[int, str] = {}  # key -> a follow-up's standalone reading, searched instead of the question
        self.filters = Filters()  # the active filters (qa.filters), set by the screen; each question keeps its own
        self._filters_of: dict[int, Filters] = {}
        self._context_of: dict[int, list[str]] = {}  # key -> the articles the conversation was answered from
        self._as_typed: set[int] = set()  # keys asked as typed on purpose (ctrl+g), said on the card and the export
        self._masks: dict[tuple[Filters, int], Any] = {}  # chunk masks by filters and open answerer
        self._answerer: Answerer | None = None
        self._lock = threading.Lock()

    # -- called on the UI thread ------------------------------------------------------------------------------
    def start(self) -> None:
        self._load()

    def ask(
        self, key: int, question: str, read_as: str | None = None, context: Sequence[str] = (), as_typed: bool = False
    ) -> None:
        """Answer now, or as soon as the model is ready or the running rebuild is done (a question asked during a
        rebuild is meant for the articles as they are now, so the old index must not answer it). ``read_as``, a
        follow-up's standalone reading, is what is searched; the Result keeps the question as typed. ``context``: the
        articles the conversation was answered from, most recent first (preferred, as Answerer.ask says).
        ``as_typed``: a follow-up asked again just as typed (ctrl+g). The filters in force and ``as_typed`` are said
        in the Result's notice, so the card and the export show what the answer was asked with."""
        if as_typed:
            self._as_typed.add(key)
        if read_as:
            self.read_as[key] = read_as
        if context:
            self._context_of[key] = list(context)
        if self.filters:
            self._filters_of[key] = self.filters
        if self.ready and not self.building:
            self._ask(key, question)
        else:
            self.pending.append((key, question))

    def rebuild(self) -> str | None:
        """Start a rebuild, or say why not (one is running, or the first load has not finished)."""
        if self.building:
            return "A rebuild is already running."
        if not self.ready and self.error is None:
            return "The index is still loading; rebuild once it is ready."
        self.building = True
        self._rebuild()
        return None

    def open_article(self, answer: Answer) -> None:
        self._article(answer)

    def on_engine_ready(self, message: Ready) -> None:
        self.ready, self.building, self.error = True, False, None
        pending, self.pending = self.pending, []
        for key, question in pending:
            self._ask(key, question)

    def on_engine_failed(self, message: Failed) -> None:
        if message.during in ("load", "build"):
            self.building = False
        if message.during == "load":
            self.error = message.text
        if message.during == "build" and self.ready:  # the rebuild failed: the old index answers what waited
            pending, self.pending = self.pending, []
            for key, question in pending:
                self._ask(key, question)

    # -- workers ----------------------------------------------------------------------------------------------
    def _progress(self, stage: str, done: int, total: int) -> None:
        # A thread cannot be killed, and the app waits for its worker threads as it exits: so quitting during a long
        # build stops the build here, at its next progress report (the lock is released, the next build tidies up).
        if get_current_worker().is_cancelled:
            raise Cancelled("the app is closing")
        self.post_message(self.Progress(stage, done, total))  # post_message is thread-safe

    @work(thread=True, group="load", exit_on_error=False)
    def _load(self) -> None:
        # Deferred: qa.session pulls in onnxruntime, faiss and bm25s (~0.5 s); importing here keeps the first paint
        # instant.
        from qa.session import open_answerer, ready_answerer

        self.post_message(self.Status("loading model…"))
        report, build_error = None, None
        try:  # a current index is opened and verified once
            answerer, report = ready_answerer(
                self.settings, lambda text: self.post_message(self.Status(text)), self._progress
            )
        except Cancelled:
            return
        except Exception as exc:  # noqa: BLE001 - a person sees a notification, never a traceback
            build_error = exc
            try:  # the update failed: what was indexed before still answers
                answerer = open_answerer(self.settings)
            except Exception:  # noqa: BLE001
                self.post_message(self.Failed("Could not open the index", describe(build_error), "load"))
                return
        if build_error is not None:
            text = f"{describe(build_error)} (answering from the previous index meanwhile)"
            self.post_message(self.Failed("Could not update the index", text, "build"))
        self._swap(answerer)
        self.post_message(self.Ready(IndexInfo.of(answerer), report, rebuilt=False))

    @work(thread=True, group="build", exit_on_error=False)
    def _rebuild(self) -> None:
        from qa.build import build  # looked up at call time: tests gate it to rebuild "while asking"
        from qa.session import open_answerer

        self.post_message(self.Status("rebuilding the index…"))
        try:
            report = build(self.settings, progress=self._progress)
            answerer = open_answerer(self.settings)
        except Exception as exc:  # noqa: BLE001 - the old index keeps answering
            self.post_message(self.Failed("Rebuild failed", describe(exc), "build"))
            return
        self._swap(answerer)
        self.post_message(self.Ready(IndexInfo.of(answerer), report, rebuilt=True))

    @work(thread=True, group="ask", exit_on_error=False)
    def _ask(self, key: int, question: str) -> None:
        try:
            with self._lock:
                if self._answerer is None:
                    raise QAError("there is no index to answer from; press ctrl+r to build it")
                # each question's reading, filters and context are used once: taken, so that a long chat keeps none
                read_as = self.read_as.pop(key, None)
                filters = self._filters_of.pop(key, None)
                allowed = self._allowed(filters)
                context = self._context_of.pop(key, ())
                result = self._answerer.ask(
                    read_as or question,
                    self.settings.top_k,
                    qid=str(key),
                    allowed=allowed,
                    context=context,
                    typed=question if read_as else None,
                )
            if read_as:
                result = replace(result, question=question, read_as=read_as)
            said = [result.notice or "", "asked as typed" if key in self._as_typed else ""]
            said.append(f"filters: {filters.describe()}" if filters else "")
            if notice := "; ".join(s for s in said if s):
                result = replace(result, notice=notice)
        except Exception as exc:  # noqa: BLE001
            self.post_message(self.Failed("Could not answer", describe(exc), "ask", key))
            return
        finally:
            self._as_typed.discard(key)
        self.post_message(self.Answered(key, result))

    @work(thread=True, group="article", exclusive=True, exit_on_error=False)
    def _article(self, answer: Answer) -> None:
        try:
            with self._lock:
                if self._answerer is None:
                    raise QAError("there is no index open")
                db: Any = self._answerer.searcher.version.db
                cursor = db.execute("SELECT * FROM articles WHERE source = ?", (answer.source,))
                row = cursor.fetchone()
                if row is None:
                    raise QAError(f"{answer.source} is no longer in the index; ask again to get a current answer")
                meta = {column[0]: value for column, value in zip(cursor.description, row, strict=True)}
                spans = db.execute('SELECT start, "end" FROM chunks WHERE article_id = ? ORDER BY start', (meta["id"],))
                kept = [(int(start), int(end)) for start, end in spans]
        except Exception as exc:  # noqa: BLE001
            self.post_message(self.Failed("Could not open the article", describe(exc), "article"))
            return
        text = str(meta.pop("text"))
        self.post_message(self.ArticleLoaded(answer, text, meta, kept))

    def _allowed(self, filters: Filters | None) -> Any:
        """The chunk mask of ``filters`` over the open index (cached), None for no filters; call under the lock."""
        if not filters or self._answerer is None:
            return None
        key = (filters, id(self._answerer))
        if key not in self._masks:
            self._masks = {k: v for k, v in self._masks.items() if k[1] == key[1]}  # masks of a closed index go
            self._masks[key] = filters.mask(self._answerer.searcher.version)
        if not self._masks[key].any():
            raise QAError(f"no article matches the filters ({filters.describe()}); /clear removes them")
        return self._masks[key]

    def with_answerer(self, use: Callable[[Answerer], T]) -> T:
        """``use(answerer)`` under the lock, from a worker thread (the articles screen reads the index this way)."""
        with self._lock:
            if self._answerer is None:
                raise QAError("there is no index open yet")
            return use(self._answerer)

    def _swap(self, answerer: Answerer) -> None:
        with self._lock:
            old, self._answerer = self._answerer, answerer
        if old is not None:
            old.searcher.close()
