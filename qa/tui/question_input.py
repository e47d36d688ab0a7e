"""The question box: Enter asks, up and down walk the questions already asked (like a shell), across runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

from qa.tui.history import History


class QuestionInput(Input):
    """An Input that keeps a history of asked questions and posts ``Asked`` instead of ``Submitted``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Previous question", show=False),
        Binding("down", "history(1)", "Next question", show=False),
    ]

    @dataclass
    class Asked(Message):
        question: str

    def __init__(self, history: History | None = None, **kwargs: object) -> None:
        placeholder = "Ask a question about the articles, then Enter"
        # select_on_focus off: a key typed as focus arrives (at startup, say) must not select and replace the text
        super().__init__(placeholder=placeholder, select_on_focus=False, **kwargs)  # type: ignore[arg-type]
        self.saved = history or History()
        self.history: list[str] = self.saved.items
        self._position = len(self.history)  # len(history) means "the draft being typed"
        self._draft = ""

    def clear_history(self) -> None:
        self.saved.clear()
        self._position, self._draft = 0, ""

    async def action_submit(self) -> None:
        question = self.value.strip()
        if not question:
            return
        self.saved.add(question)
        self._position, self._draft = len(self.history), ""
        self.value = ""
        self.post_message(self.Asked(question))

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self._position == len(self.history):
            self._draft = self.value
        self._position = max(0, min(len(self.history), self._position + step))
        self.value = self._draft if self._position == len(self.history) else self.history[self._position]
        self.cursor_position = len(self.value)
