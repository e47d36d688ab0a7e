"""The article an answer came from: its headline, date, byline and source on top, the text below scrolled to the
passage (a few lines of context above it), the passage and its sentence marked, and the text the index left out
(site chrome) dimmed, or hidden with a key."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from pathlib import PurePosixPath
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static

from qa.records import Answer
from qa.render import safe
from qa.tui.answer_card import SENTENCE, citation

PASSAGE = "on $primary-muted"  # theme variables, resolved at render time (see answer_card.py)
LEFT_OUT = "$foreground 35%"  # text the index did not keep (site chrome): there, but not what answers come from
CONTEXT_LINES = 3  # lines of the article shown above the passage when the view opens

FIELDS = ("date", "author", "section", "url")

Span = tuple[int, int]


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


def left_out(kept: Sequence[Span], length: int) -> list[Span]:
    """The spans of ``[0, length)`` outside every kept span (kept spans may overlap: neighbours share a sentence)."""
    gaps, at = [], 0
    for start, end in sorted(kept):
        if start > at:
            gaps.append((at, start))
        at = max(at, end)
    if at < length:
        gaps.append((at, length))
    return gaps


def article_content(
    text: str, start: int, end: int, marks: Sequence[tuple[str, int, int]], gaps: Sequence[Span], hide: bool
) -> Content:
    """``text[start:end]`` with ``marks`` (style, start, end in article offsets) applied, the gaps dimmed or left
    out, and paragraphs one blank line apart."""
    cuts = sorted({start, end, *(p for gap in gaps for p in gap if start < p < end)})
    pieces: list[Content] = []
    for a, b in pairwise(cuts):
        outside = any(g0 <= a and b <= g1 for g0, g1 in gaps)
        if outside and hide:
            continue
        piece = Content(text[a:b]).stylize(LEFT_OUT) if outside else Content(text[a:b])
        for style, s, e in marks:
            if max(s, a) < min(e, b):
                piece = piece.stylize(style, max(s, a) - a, min(e, b) - a)
        pieces.append(piece)
    return paragraphs(Content("").join(pieces), spaced="\n\n" in text)


def paragraphs(content: Content, spaced: bool) -> Content:
    """One blank line between paragraphs: a text with blank lines keeps its own, one without (extracted HTML) has a
    paragraph per line; runs of blank lines (left by hidden text) shrink to one."""
    lines = content.split("\n", allow_blank=True)
    out: list[Content] = []
    for line in lines:
        blank = not line.plain.strip()
        if blank and (not out or not out[-1].plain.strip()):
            continue
        if not blank and not spaced and out and out[-1].plain.strip():
            out.append(Content(""))
        out.append(line)
    while out and not out[-1].plain.strip():
        out.pop()
    return Content("\n").join(out)


def describe_article(answer: Answer, meta: dict[str, Any]) -> tuple[str, str]:
    """(headline, "date · by author · section · source") from the article's row, falling back on the answer."""
    title = str(meta.get("title") or answer.title)
    if title.endswith("…") or not title.strip():  # a lede cut to a title: the file name reads better
        title = PurePosixPath(answer.source).name
    date, author, section, url = (meta.get(name) or getattr(answer, name, None) for name in FIELDS)
    parts = [date and str(date)[:10], author and f"by {author}", section and str(section), answer.source, url]
    return title, " · ".join(str(p) for p in parts if p)


class SourceScreen(Screen[None]):
    """Article text split in three blocks at line breaks (before, the lines holding the passage, after), so the
    middle block can be scrolled into view without measuring wrapped lines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("c", "copy", "Copy passage"),
        Binding("d", "toggle_left_out", "Left-out text", tooltip="Dim or hide the text the index left out"),
    ]

    hide_left_out: reactive[bool] = reactive(False)

    def __init__(
        self, answer: Answer, text: str, meta: dict[str, Any] | None = None, kept: Sequence[Span] | None = None
    ) -> None:
        super().__init__()
        self.answer = answer
        self.text = safe(text)  # same length as the raw text: offsets still hold
        self.meta = meta or {}
        self.gaps = left_out(kept, len(text)) if kept else []  # nothing known: nothing dimmed

    def compose(self) -> ComposeResult:
        title, meta = describe_article(self.answer, self.meta)
        yield Static(Content(safe(title)), id="source-title")
        yield Static(Content(safe(meta)), id="source-meta")
        with VerticalScroll(id="article"):
            yield Static(id="before")
            yield Static(id="passage")
            yield Static(id="after")
        yield Footer(show_command_palette=False)

    def action_copy(self) -> None:
        copy = getattr(self.app, "copy_text", None)  # QAApp's: it also remembers the text
        if copy is not None:
            copy(citation(self.answer), "Copied the passage")

    def action_toggle_left_out(self) -> None:
        if not self.gaps:
            self.notify("The index kept all of this article's text.", title="Nothing left out")
            return
        self.hide_left_out = not self.hide_left_out

    def watch_hide_left_out(self) -> None:
        if self.is_mounted:
            self._fill()

    def on_mount(self) -> None:
        ps, pe, _, _ = locate(self.answer, self.text)
        if pe <= ps:
            self.notify("The article changed since this answer; showing it from the top.", title="Passage not found")
        self._fill()
        self.query_one("#article").focus()
        self.call_after_refresh(self._reveal)

    def _fill(self) -> None:
        ps, pe, ss, se = locate(self.answer, self.text)
        text, hide = self.text, self.hide_left_out
        cut1 = text.rfind("\n", 0, ps) + 1  # start of the line holding the passage
        nl = text.find("\n", pe)
        cut2 = len(text) if nl < 0 else nl
        marks = [(PASSAGE, ps, pe), (SENTENCE, ss, se)] if pe > ps else []
        before = article_content(text, 0, max(0, cut1 - 1), (), self.gaps, hide)
        after = article_content(text, min(len(text), cut2 + 1), len(text), (), self.gaps, hide)
        self.query_one("#before", Static).update(before)
        self.query_one("#passage", Static).update(article_content(text, cut1, cut2, marks, self.gaps, hide))
        self.query_one("#after", Static).update(after)
        self.query_one("#before").display = bool(before.plain.strip())
        self.query_one("#after").display = bool(after.plain.strip())

    def _reveal(self) -> None:
        article = self.query_one("#article", VerticalScroll)
        passage = self.query_one("#passage")
        top = passage.region.y - article.content_region.y + article.scroll_y  # the passage's line in the article
        # A few lines of context above it; near the end the scroll stops at the bottom, with the passage still whole.
        article.scroll_to(y=max(0, top - CONTEXT_LINES), animate=False, immediate=True)
