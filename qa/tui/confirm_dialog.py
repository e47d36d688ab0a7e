"""A yes/no question before something that cannot be undone (clearing the conversation)."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmDialog(ModalScreen[bool]):
    """Returns True for y or Enter, False for n or Escape. Any other letter is typing that went on without looking at
    the dialog: it answers no, and the letter is kept in ``typed`` for the question box (it was the start of a
    question, and "how many" must not clear the conversation on its "n", nor "why" on its "y" after a "w")."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text, self.question = title, question
        self.typed = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as box:
            box.border_title = self.title_text
            yield Static(Content(self.question))
            yield Static(Content("y or Enter: yes · n or Escape: no"), classes="dialog-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character and event.character not in "yn":
            self.typed = event.character
            event.stop()
            self.dismiss(False)
