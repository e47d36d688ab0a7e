"""The scrolling conversation: question lines, each followed by its answer card."""

from __future__ import annotations

from pathlib import Path

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from qa.records import Result
from qa.tui.answer_card import AnswerCard
from qa.tui.question_line import QuestionLine

WELCOME = (
    "Ask a question about the articles and press Enter.\n"
    "Each answer shows the sentence that answers, the passage around it and its source.\n"
    "F1 lists every key."
)
KINDS = (".txt", ".md", ".html")  # what the app says it reads when qa.ingest cannot be asked


def empty_welcome(seeds: Path) -> str:
    """What to do when the index holds no article: where to put files and which kinds are read."""
    try:
        from qa.ingest import SUFFIXES  # loaded with the index already; the source of truth for what is read

        kinds = sorted(SUFFIXES)
    except ImportError:
        kinds = list(KINDS)
    return (
        f"There are no articles to ask about yet.\n"
        f"Put news articles ({', '.join(kinds)} files; sub-folders are fine) in {seeds.resolve()},\n"
        "then press ctrl+r to build the index. F1 lists every key."
    )


class Conversation(VerticalScroll, can_focus=False):
    """Holds the exchanges; knows which card is selected (the focused one, else the newest answered)."""

    seeds = Path("seeds")  # the articles folder, named by the welcome of an empty index (set by the screen)
    _welcome_text = WELCOME
    _shown: int | None = None  # the exchange last scrolled into view (its card's key), and where that left the view
    _shown_at: float = 0.0

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(Content(WELCOME), id="welcome")

    def empty_index(self, empty: bool) -> None:
        """The welcome fits the index: how to ask, or (no articles) where to put them."""
        self._welcome_text = empty_welcome(self.seeds) if empty else WELCOME
        for welcome in self.query("#welcome").results(Static):
            welcome.update(Content(self._welcome_text))

    def add(self, key: int, question: str, waiting: str) -> AnswerCard:
        self.query("#welcome").remove()
        line, card = QuestionLine(question, id=f"question-{key}"), AnswerCard(key, waiting)
        self.mount_all([line, card])
        self._shown = key
        self.call_after_refresh(self._show_exchange, key)
        return card

    def card(self, key: int) -> AnswerCard | None:
        found = self.query(f"#card-{key}")
        return found.first(AnswerCard) if found else None

    def cards(self) -> list[AnswerCard]:
        return list(self.query(AnswerCard))

    def searching(self) -> None:
        """The model is ready: waiting cards are being answered now."""
        for card in self.cards():
            if card.result is None and not card.has_class("-failed"):  # a failed question is not asked again
                card.waiting = "searching…"

    def results(self) -> list[Result]:
        return [c.result for c in self.cards() if c.result is not None]

    def selected(self) -> AnswerCard | None:
        focused = self.app.focused
        if isinstance(focused, AnswerCard):
            return focused
        answered = [c for c in self.cards() if c.answer is not None]
        return answered[-1] if answered else None

    def reveal(self, card: AnswerCard) -> None:
        """Scroll so the card's question is at the top (or the whole exchange is in view)."""
        self._shown = card.key
        self.call_after_refresh(self._show_exchange, card.key)

    def _show_exchange(self, key: int) -> None:
        lines, cards = self.query(f"#question-{key}"), self.query(f"#card-{key}")
        target = lines.first() if lines else cards.first() if cards else None
        if target is not None:
            self.scroll_to_widget(target, top=True, animate=False, immediate=True)
            self._shown_at = self.scroll_y

    def on_resize(self) -> None:
        """A resized terminal keeps the exchange last shown in view, unless the reader scrolled away from it."""
        if self._shown is not None and self.scroll_y == self._shown_at:
            self.call_after_refresh(self._show_exchange, self._shown)

    async def clear(self) -> None:
        self._shown = None
        await self.remove_children()
        await self.mount(Static(Content(self._welcome_text), id="welcome"))
