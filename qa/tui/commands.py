"""The app's actions in the command palette (ctrl+p), beside Textual's own (theme, keys, quit)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import SystemCommand

if TYPE_CHECKING:
    from qa.tui.app import QAApp
    from qa.tui.chat_screen import ChatScreen

TEXTUAL_SCREENSHOT = "Screenshot"  # Textual's own command saves to the working folder without saying where


def chat_commands(chat: ChatScreen) -> Iterator[SystemCommand]:
    """The conversation's actions, each with the key that does the same."""
    yield SystemCommand("Ask again", "Ask the selected card's question again (after a rebuild, say)", chat.ask_again)
    yield SystemCommand("Open the article", "The selected answer's article, at the passage (ctrl+o)",
                        chat.action_open_source)  # fmt: skip
    yield SystemCommand("Other answers", "Show the selected card's next answer (ctrl+n)", chat.action_next_answer)
    yield SystemCommand("Copy the answer", "Copy the selected answer sentence (ctrl+y)", chat.action_copy_answer)
    yield SystemCommand("Copy the passage", "Copy the passage with its citation (ctrl+t)", chat.action_copy_passage)
    yield SystemCommand("Export the conversation", "Save it as Markdown (ctrl+s)", chat.action_export)
    yield SystemCommand("Rebuild the index", "Read the articles folder again (ctrl+r)", chat.action_rebuild)
    yield SystemCommand("Update automatically", "Rebuild by itself when articles change: on or off [QA_AUTO_UPDATE=1]",
                        chat.watcher.toggle_auto)  # fmt: skip
    yield SystemCommand("Open the original", "The selected answer's article at its URL, in the browser (o)",
                        chat.action_open_original)  # fmt: skip
    yield SystemCommand("Clear the conversation", "Remove every question and answer (ctrl+l)", chat.action_clear)
    yield SystemCommand("Clear the question history", "Forget the questions kept between runs", chat.clear_history)
    yield from filter_commands(chat)


def filter_commands(chat: ChatScreen) -> Iterator[SystemCommand]:
    """The article list and the filters (qa.tui.filter_line): typed as /commands in the question box, or here."""
    from qa.tui.filter_line import HELP, set_filters

    def start_filter() -> None:
        chat.question.value = "/since "
        chat.question.cursor_position = len(chat.question.value)
        chat.question.focus()
        chat.notify(HELP, title="Type the filters, then Enter", markup=False)

    def clear() -> None:
        from qa.filters import Filters

        set_filters(chat, Filters())
        chat.notify("none: every article answers", title="Filters")

    yield SystemCommand("Browse the articles", "The indexed articles: sort, filter, open (F2)", chat.action_articles)
    yield SystemCommand("Filter the articles answers come from", "By date, section, source or byline (/since …)",
                        start_filter)  # fmt: skip
    if chat.engine.filters:
        yield SystemCommand("Clear the filters", f"Now: {chat.engine.filters.describe()}", clear)


def screenshot_folder() -> Path:
    """The user's documents folder when it exists, else the current folder."""
    from platformdirs import user_documents_dir  # deferred: only the screenshot command needs it

    documents = Path(user_documents_dir())
    return documents if documents.is_dir() else Path.cwd()


def save_screenshot(app: QAApp, folder: Path | None = None) -> Path | None:
    """Save an SVG of the screen in ``folder`` (created if missing) and say where, or say why not."""
    folder = folder or screenshot_folder()
    try:
        os.makedirs(folder, exist_ok=True)
        path = Path(app.save_screenshot(path=str(folder)))
    except OSError as exc:
        app.notify(f"{folder}: {exc.strerror or exc}", title="Could not save the screenshot", severity="error",
                   markup=False)  # fmt: skip
        return None
    app.notify(str(path), title="Screenshot saved", markup=False)
    return path
