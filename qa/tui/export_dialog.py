"""Where to save the conversation: a one-line dialog with a path already filled in."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class ExportDialog(ModalScreen[Path | None]):
    """Returns the path typed (``~`` expanded), or None when escaped."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, default: Path, count: int) -> None:
        super().__init__()
        self.default, self.count = default, count

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as box:
            box.border_title = f"Export {self.count} answer{'s' * (self.count != 1)} to Markdown"
            yield Input(str(self.default), id="path")
            yield Static(Content("Enter saves · Escape cancels"), classes="dialog-hint")

    def on_mount(self) -> None:
        field = self.query_one("#path", Input)
        field.focus()
        field.cursor_position = len(field.value)

    @on(Input.Submitted)
    def save(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        self.dismiss(Path(value).expanduser() if value else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
