"""One answer card: the answering sentence, the passage around it, where it comes from, and the other answers.

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
from qa.render import safe

# Content styles with theme variables, resolved at render time so dark and light themes both apply. (Component
# classes would belong in app.tcss, but Textual 8 drops their backgrounds inside Content, and the marker needs one.)
ANSWER = "bold $text-accent"
SENTENCE = "bold $foreground on $accent-muted"
PASSAGE = "$foreground 70%"
ALSO = "$text-success"
NOTICE = "bold $text-warning"
WAITING = "italic $foreground 60%"
HINT = "italic $foreground 50%"
KEYS_HINT = "enter open article · ←/→ other answers · c copy · p cite · esc back"


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
        Binding("escape", "screen.focus_input", "Back to the question box", show=False),
    ]

    result: reactive[Result | None] = reactive(None, layout=True)
    shown: reactive[int] = reactive(0, layout=True)
    waiting: reactive[str] = reactive("waiting for the model…", layout=True)

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
        self.border_title = Content(f"{self.shown + 1}/{total} · ") + Content(safe(answer.title))
        self.border_subtitle = Content(safe(answer.source)) + Content(f" · score {answer.score:.3f}")

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
        if self.result.notice:
            lines.append(Content(safe(self.result.notice)).stylize(NOTICE))
        answer = self.answer
        if answer is None:
            if not self.result.notice:
                lines.append(Content("No answer: the index holds no passage for this question.").stylize(NOTICE))
            return Content("\n").join(lines)
        if self.result.answered:
            lines.append(Content(safe(answer.highlight)).stylize(ANSWER))
        else:
            lines.append(Content("No confident answer. The closest passages:").stylize(NOTICE))
        lines.append(Content(""))
        lines.append(passage_content(answer))
        if answer.also_in:
            lines.append(Content("also in: " + ", ".join(safe(s) for s in answer.also_in)).stylize(ALSO))
        if self.has_focus:
            lines.append(Content(KEYS_HINT).stylize(HINT))
        return Content("\n").join(lines)


def passage_content(answer: Answer) -> Content:
    """The passage, muted, with the answering sentence marked (the same spans as qa.render.passage_text)."""
    s, e = answer.highlight_start - answer.start, answer.highlight_end - answer.start
    content = Content(safe(answer.passage)).stylize(PASSAGE)
    return content.stylize(SENTENCE, max(0, s), max(0, e))


def citation(answer: Answer) -> str:
    """The passage with where it comes from, for the clipboard."""
    return safe(f"“{answer.passage}”\n— {answer.title}, {answer.source} [{answer.start}:{answer.end}]")
