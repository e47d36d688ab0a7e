"""The article an answer came from, scrolled to the passage, with the passage and its sentence marked."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from qa.records import Answer
from qa.render import safe
from qa.tui.answer_card import SENTENCE, citation

PASSAGE = "on $primary-muted"  # theme variables, resolved at render time (see answer_card.py)


def locate(answer: Answer, text: str) -> tuple[int, int, int, int]:
    """(passage start, end, sentence start, end) in ``text`` (made safe, like the passage here); found again by
    content if the article changed since the answer; all zero if it is gone."""
    passage = safe(answer.passage)
    if text[answer.start : answer.end] == passage:
        return answer.start, answer.end, answer.highlight_start, answer.highlight_end
    start = text.find(passage)
    if start < 0:
        return 0, 0, 0, 0
    shift = start - answer.start
    return start, start + len(passage), answer.highlight_start + shift, answer.highlight_end + shift


class SourceScreen(Screen[None]):
    """Article text split in three blocks at line breaks (before, the lines holding the passage, after), so the
    middle block can be scrolled into view without measuring wrapped lines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("c", "copy", "Copy passage"),
    ]

    def __init__(self, answer: Answer, text: str) -> None:
        super().__init__()
        self.answer = answer
        self.text = safe(text)  # same length as the raw text: offsets still hold

    def compose(self) -> ComposeResult:
        a = self.answer
        yield Static(Content(safe(a.title)), id="source-title")
        meta = f"{safe(a.source)} · characters {a.start}–{a.end} · Escape to go back"
        yield Static(Content(meta), id="source-meta")
        with VerticalScroll(id="article"):
            yield Static(id="before")
            yield Static(id="passage")
            yield Static(id="after")
        yield Footer(show_command_palette=False)

    def action_copy(self) -> None:
        copy = getattr(self.app, "copy_text", None)  # QAApp's: it also remembers the text
        if copy is not None:
            copy(citation(self.answer), "Copied the passage")

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#article").focus()
        self.call_after_refresh(self._reveal)

    def _fill(self) -> None:
        ps, pe, ss, se = locate(self.answer, self.text)
        if pe <= ps:
            self.notify("The article changed since this answer; showing it from the top.", title="Passage not found")
        text = self.text
        cut1 = text.rfind("\n", 0, ps) + 1  # start of the line holding the passage
        nl = text.find("\n", pe)
        cut2 = len(text) if nl < 0 else nl
        middle = Content(text[cut1:cut2]).stylize(PASSAGE, ps - cut1, pe - cut1).stylize(SENTENCE, ss - cut1, se - cut1)
        self.query_one("#before", Static).update(Content(text[: max(0, cut1 - 1)]))
        self.query_one("#passage", Static).update(middle)
        self.query_one("#after", Static).update(Content(text[cut2 + 1 :]))
        self.query_one("#before").display = cut1 > 0
        self.query_one("#after").display = cut2 + 1 < len(text)

    def _reveal(self) -> None:
        self.query_one("#article", VerticalScroll).scroll_to_widget(self.query_one("#passage"), top=True, animate=False)
