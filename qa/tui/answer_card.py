"""One answer card: the article's headline, date and source, the passage with its answering sentence marked, how
confident the answer is, and the other answers.

Article text is shown literally: it only ever enters Textual ``Content`` objects (``Content(text)`` never parses
markup) after :func:`qa.render.safe` has made control characters visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from qa.records import Answer, Result
from qa.render import confidence_label, headline, safe

# Content styles with theme variables, resolved at render time so dark and light themes both apply. (Component
# classes would belong in app.tcss, but Textual 8 drops their backgrounds inside Content, and the marker needs one.)
ANSWER = "bold $text-accent"
HEAD = "$foreground 60%"
SENTENCE = "bold $foreground on $accent-muted"
PASSAGE = "$foreground 70%"
ALSO = "$text-success"
NOTICE = "bold $text-warning"
WAITING = "italic $foreground 60%"
HINT = "italic $foreground 50%"
KEYS_HINT = "enter article · ←/→ answers · c copy · p cite · i details · esc back"
CONFIDENCE_STYLE = {"high": "bold $text-success", "medium": "bold $text-warning", "low": "bold $text-error"}


def byline(answer: Answer) -> str:
    """Date, author, section and source, whichever the index knows (older indexes only know the source)."""
    date, author, section = (getattr(answer, name, None) for name in ("date", "author", "section"))
    parts = [date and str(date)[:10], author and f"by {author}", section and str(section), answer.source]
    return " · ".join(p for p in parts if p)


class AnswerCard(Widget, can_focus=True):
    """Shows one Result; left and right step through its top-k answers."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open source", show=False),
        Binding("right,l", "step(1)", "Next answer", show=False),
        Binding("left,h", "step(-1)", "Previous answer", show=False),
        Binding("up,k", "move(-1)", "Previous card", show=False),
        Binding("down,j", "move(1)", "Next card", show=False),
        Binding("c", "screen.copy_answer", "Copy answer", show=False),
        Binding("p", "screen.copy_passage", "Copy passage", show=False),
        Binding("o", "screen.open_original", "Open the original", show=False, tooltip="Open the article's URL"),
        Binding("i", "details", "Details", show=False, tooltip="Show or hide the confidence and score figures"),
        Binding("escape", "screen.focus_input", "Back to the question box", show=False),
    ]

    result: reactive[Result | None] = reactive(None, layout=True)
    shown: reactive[int] = reactive(0, layout=True)
    waiting: reactive[str] = reactive("waiting for the model…", layout=True)
    details: reactive[bool] = reactive(False, layout=True)

    @dataclass
    class OpenSource(Message):
        answer: Answer

    def __init__(self, key: int, waiting: str = "waiting for the model…") -> None:
        super().__init__(id=f"card-{key}")
        self.key = key
        self.set_reactive(AnswerCard.waiting, waiting)  # set before mounting: no extra layout pass

    @property
    def answer(self) -> Answer | None:
        """The answer on display, if any."""
        if self.result is None or not self.result.answers:
            return None
        return self.result.answers[self.shown]

    def show(self, result: Result) -> None:
        self.shown = 0
        self.result = result
        self.set_class(not result.answered, "-unanswered")

    def fail(self, text: str) -> None:
        self.waiting = text
        self.add_class("-failed")

    def watch_shown(self) -> None:
        self._update_titles()

    def watch_result(self) -> None:
        self._update_titles()

    def _update_titles(self) -> None:
        answer = self.answer
        if answer is None:
            self.border_title = self.border_subtitle = None
            return
        total = len(self.result.answers) if self.result else 0
        self.border_title = Content(f"{self.shown + 1}/{total} · ") + Content(safe(headline(answer)))
        label = self.confidence
        self.border_subtitle = (
            Content.assemble("confidence ", (label, CONFIDENCE_STYLE[label])) if label else Content("other answer")
        )
        self.tooltip = self.details_text()

    @property
    def confidence(self) -> str | None:
        """high / medium / low for the result's top answer; None on the others (confidence is the top answer's)."""
        if self.result is None or self.shown != 0:
            return None
        return confidence_label(self.result.confidence)

    def details_text(self) -> str | None:
        """The figures behind the label, for the tooltip and the ``i`` key."""
        answer = self.answer
        if answer is None or self.result is None:
            return None
        parts = []
        if self.shown == 0 and self.result.confidence is not None:
            from qa.answer import THRESHOLD  # deferred, as in confidence_label

            parts.append(f"confidence {self.result.confidence:+.2f} log-odds (answers from {THRESHOLD:+.2f})")
        parts.append(f"score {answer.score:.3f}")
        parts.append(f"characters {answer.start}–{answer.end}")
        if url := getattr(answer, "url", None):
            parts.append(str(url))
        return " · ".join(parts)

    def action_details(self) -> None:
        self.details = not self.details

    def action_step(self, step: int) -> None:
        if self.result and self.result.answers:
            self.shown = (self.shown + step) % len(self.result.answers)

    def action_move(self, step: int) -> None:
        cards = list(self.screen.query(AnswerCard))
        target = cards.index(self) + step
        if 0 <= target < len(cards):
            cards[target].focus()
            cards[target].scroll_visible(animate=False)

    def action_open(self) -> None:
        if self.answer is not None:
            self.post_message(self.OpenSource(self.answer))

    def on_focus(self) -> None:
        self.refresh(layout=True)  # the key hint line comes and goes with the focus
        view = self.parent.region if isinstance(self.parent, Widget) else None
        if view is not None and self.region.bottom <= view.bottom:  # the whole card was in view: keep it so
            self.call_after_refresh(self._keep_bottom_in_view)

    def _keep_bottom_in_view(self) -> None:
        view = self.parent
        if isinstance(view, Widget) and (below := self.region.bottom - view.region.bottom) > 0:
            view.scroll_relative(y=below, animate=False, immediate=True)

    def on_blur(self) -> None:
        self.refresh(layout=True)

    def on_click(self, event: events.Click) -> None:
        self.focus()
        if event.chain >= 2:
            self.action_open()

    def render(self) -> Content:
        if self.result is None:
            return Content(self.waiting).stylize(WAITING)
        lines: list[Content] = []
        if read_as := getattr(self.result, "read_as", None):  # a follow-up: what was searched (ctrl+g: as typed)
            lines.append(Content(f"read as: {safe(read_as)}  (ctrl+g asks it as typed)").stylize(HINT))
        if self.result.notice:
            lines.append(Content(safe(self.result.notice)).stylize(NOTICE))
        answer = self.answer
        if answer is None:
            if not self.result.notice:
                lines.append(Content("No answer: the index holds no passage for this question.").stylize(NOTICE))
            return Content("\n").join(lines)
        if not self.result.answered:
            lines.append(Content("No confident answer. The closest passages:").stylize(NOTICE))
        lines.append(Content(safe(byline(answer))).stylize(HEAD))
        origin = getattr(answer, "answer_from", None)
        if (short := getattr(answer, "short_answer", None)) and (self.result.answered or origin):
            # on a "no confident answer" card a short answer would read as the answer: only the passages are shown
            line = Content(safe(str(short))).stylize(ANSWER)
            if origin:  # "who wrote …?": the byline, not the passage, answers
                line = line + Content(f"  from the article's {origin}").stylize(HEAD)
            lines.append(line)
        lines.append(passage_content(answer))
        if answer.also_in:
            lines.append(Content("also in: " + ", ".join(safe(s) for s in answer.also_in)).stylize(ALSO))
        if self.details and (details := self.details_text()):
            lines.append(Content(safe(details)).stylize(HEAD))
        if self.has_focus:
            lines.append(Content(KEYS_HINT + (" · o original" if answer.url else "")).stylize(HINT))
        return Content("\n").join(lines)


def passage_content(answer: Answer) -> Content:
    """The passage, muted, with the answering sentence marked (the same spans as qa.render.passage_text)."""
    s, e = answer.highlight_start - answer.start, answer.highlight_end - answer.start
    content = Content(safe(answer.passage)).stylize(PASSAGE)
    return content.stylize(SENTENCE, max(0, s), max(0, e))


def citation(answer: Answer) -> str:
    """The passage with where it comes from, for the clipboard."""
    return safe(f"“{answer.passage}”\n— {answer.title}, {answer.source} [{answer.start}:{answer.end}]")
