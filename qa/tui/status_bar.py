"""One line at the bottom: what the app is doing, and what the open index holds."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Label

from qa.render import safe
from qa.tui.engine import IndexInfo
from qa.tui.folder_watcher import changed_files


def info_text(info: IndexInfo, short: bool = False) -> str:
    """What the index holds; ``short``: the counts only (the filters or the changed-files mark need the room)."""
    counts = f"{info.articles} articles · {info.chunks} chunks"
    if short:
        return counts
    built = info.built_at.replace("T", " ").removesuffix("Z")[:16]
    return f"{counts} · {info.model} · built {built} UTC"


class StatusBar(Horizontal):
    """State on the left ("loading model…", "ready"), index facts on the right."""

    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)
        # Built here, not in compose: the engine can report before this widget's children are mounted.
        self._state = Label(Content("loading model…"), id="state", classes="busy")
        self._info = Label(Content(""), id="info")
        self._filters = Label(Content(""), id="filters")  # the active filters (qa.tui.filter_line), hidden when none
        self._filters.display = False
        self._stale = Label(Content(""), id="stale")  # files changed since the index was built, hidden when none
        self._stale.display = False
        self.index: IndexInfo | None = None  # what the info text was made from

    def compose(self) -> ComposeResult:
        yield self._state
        yield self._stale
        yield self._filters
        yield self._info

    def set_state(self, text: str, kind: str = "busy") -> None:
        """kind: "busy", "ready" or "error" (a CSS class, so the theme picks the colour)."""
        self._state.update(Content(safe(text)))
        self._state.set_classes(kind)

    @property
    def state(self) -> str:
        return str(self._state.content)

    @property
    def info(self) -> str:
        return str(self._info.content)

    @property
    def filters(self) -> str:
        return str(self._filters.content)

    def set_filters(self, text: str) -> None:
        """The active filters ("since 2005-03-01, section politics"), or "" for none."""
        self._filters.update(Content(safe(f"filters: {text}" if text else "")))
        self._filters.display = bool(text)
        self._show_info()

    @property
    def stale(self) -> str:
        return str(self._stale.content)

    def set_stale(self, changed: int) -> None:
        """How many files in the articles folder changed since the index was built (0: none, the mark goes)."""
        text = f"{changed_files(changed)} · ctrl+r" if changed else ""
        self._stale.update(Content(text))
        self._stale.display = bool(changed)
        self._show_info()

    def set_info(self, info: IndexInfo) -> None:
        self.index = info
        self._show_info()

    def _show_info(self) -> None:
        if self.index is not None:
            short = bool(self._filters.display or self._stale.display)
            self._info.update(Content(safe(info_text(self.index, short))))
