"""The question box: Enter asks, up and down walk the questions already asked (like a shell)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class QuestionInput(Input):
    """An Input that keeps a history of asked questions and posts ``Asked`` instead of ``Submitted``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Previous question", show=False),
        Binding("down", "history(1)", "Next question", show=False),
    ]

    @dataclass
    class Asked(Message):
        question: str

    def __init__(self, **kwargs: object) -> None:
        placeholder = "Ask a question about the articles, then Enter"
        super().__init__(placeholder=placeholder, **kwargs)  # type: ignore[arg-type]
        self.history: list[str] = []
        self._position = 0  # len(history) means "the draft being typed"
        self._draft = ""

    async def action_submit(self) -> None:
        question = self.value.strip()
        if not question:
            return
        if not self.history or self.history[-1] != question:
            self.history.append(question)
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
