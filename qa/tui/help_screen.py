"""Every key, listed from the bindings themselves so the help can never drift from what the keys do."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

EXTRA = {
    "Anywhere": [("ctrl+p", "Command palette: every action, themes, screenshot")],
    "Question box": [
        ("/since DATE, /until DATE", "Only articles of a period: 2005-03-11, 2005-03, 2005"),
        ("/section, /source, /author", "Only a section, a path (glob), a byline; a question may follow"),
        ("/clear, /articles", "Remove every filter; list the indexed articles"),
    ],
    "Answer card": [("?", "This list of keys")],  # in the question box ? is typed: only F1 works everywhere
    "Article view": [("up / down / pgup / pgdn", "Scroll the article"), ("?", "This list of keys")],
}
TYPED = {"question_mark"}  # app keys the question box types instead: listed only where they act
NAMES = {"question_mark": "?", "pageup": "pgup", "pagedown": "pgdn", "escape": "esc"}


def key_name(key: str) -> str:
    """One spelling for every key, as the bindings write them: ctrl+o, shift+tab, f1, esc, pgup."""
    return "+".join(NAMES.get(part, part) for part in key.split("+"))


class HelpScreen(ModalScreen[None]):
    """A table of keys per place: anywhere, the question box, an answer card, the article view."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,f1,question_mark", "app.pop_screen", "Close help")]

    def __init__(self, app_bindings: Iterable[Binding]) -> None:
        from qa.tui.answer_card import AnswerCard
        from qa.tui.chat_screen import ChatScreen
        from qa.tui.question_input import QuestionInput
        from qa.tui.source_screen import SourceScreen

        super().__init__()
        self.sections: dict[str, Iterable[Binding]] = {
            "Anywhere": app_bindings,
            "Conversation": ChatScreen.BINDINGS,
            "Question box": [Binding("enter", "", "Ask the question"), *QuestionInput.BINDINGS],
            "Answer card": AnswerCard.BINDINGS,
            "Article view": SourceScreen.BINDINGS,
        }

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help") as box:
            box.border_title = "Keys"
            yield Static(self._table())
            yield Static(Content("esc, q or f1 closes this help."), id="help-close")

    def rows(self) -> list[tuple[str, str, str]]:
        """(place, keys, what they do), in display order."""
        rows = []
        for place, bindings in self.sections.items():
            for binding in bindings:
                names = [k for k in binding.key.split(",") if not (place == "Anywhere" and k in TYPED)]
                rows.append((place, " / ".join(key_name(k) for k in names), binding.tooltip or binding.description))
            rows.extend((place, keys, action) for keys, action in EXTRA.get(place, []))
        return rows

    def _table(self) -> Table:
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("action")
        place = None
        for where, keys, action in self.rows():
            if where != place:
                table.add_row(Text(("\n" if place else "") + where, style="bold underline"), "")
                place = where
            table.add_row(Text(keys), Text(action))
        return table
