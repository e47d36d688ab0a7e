"""The chat-style terminal app (`qa` / `qa chat`).

The app itself only holds what is global: the settings, quit and help, the clipboard, and the last-resort error
handling. The main screen (chat_screen.py) wires the widgets to the Engine (engine.py), whose workers do every slow
step; heavy imports (onnxruntime, faiss, bm25s) happen inside those workers, so the first paint is instant.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from qa.errors import QAError
from qa.settings import Settings
from qa.tui.chat_screen import ChatScreen
from qa.tui.engine import describe


class QAApp(App[None]):
    """Ask questions of the articles; answers appear as cards; the index loads and rebuilds in the background."""

    CSS_PATH = "app.tcss"
    TITLE = "qa"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, tooltip="Quit"),
        Binding("f1,question_mark", "help", "Help", tooltip="This list of keys"),
    ]

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.chat = ChatScreen(settings)
        self.last_copied: str | None = None  # what copy_text last put on the clipboard (tests read it)
        self.crash: BaseException | None = None

    def get_default_screen(self) -> ChatScreen:
        return self.chat

    def copy_text(self, text: str, title: str) -> None:
        """Copy to the system clipboard (OSC 52, works over ssh and tmux) and remember it in ``last_copied``."""
        self.copy_to_clipboard(text)
        self.last_copied = text
        self.notify(text if len(text) < 80 else text[:79] + "…", title=title, markup=False)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette: the conversation's actions first, then Textual's (a screenshot that says where)."""
        from qa.tui.commands import TEXTUAL_SCREENSHOT, chat_commands, save_screenshot

        if screen is self.chat:
            yield from chat_commands(self.chat)
        for command in super().get_system_commands(screen):
            if command.title == TEXTUAL_SCREENSHOT:
                command = SystemCommand(command.title, "Save an SVG of this screen and say where",
                                        lambda: self.set_timer(0.1, lambda: save_screenshot(self)))  # fmt: skip
            yield command

    def action_help(self) -> None:
        from qa.tui.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.BINDINGS))

    def _handle_exception(self, error: Exception) -> None:
        # Textual would print a traceback on exit; a person gets one line instead (run() raises it as a QAError).
        # Tests (headless) and QA_DEBUG=1 keep Textual's own handling, so bugs stay loud where they should.
        if self.is_headless or os.environ.get("QA_DEBUG"):
            super()._handle_exception(error)
            return
        self.crash = error
        self.exit(return_code=2)


def run(settings: Settings) -> None:
    """Open the app; an unexpected failure comes back as one QAError line (the CLI prints it), not a traceback."""
    app = QAApp(settings)
    app.run()
    if app.crash is not None:
        raise QAError(f"the app stopped: {describe(app.crash)} (set QA_DEBUG=1 for details)")
