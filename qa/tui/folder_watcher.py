"""Notices changed files in the articles folder while the app is open, and offers (or runs) the update.

A hidden widget whose thread worker runs ``qa.watch.changes`` (watchfiles, debounced) and posts a ``Changed`` message
per batch. Files changed since the last rebuild started are counted; the app then says "N files changed — ctrl+r
to update", or, with automatic updates on (QA_AUTO_UPDATE=1, or the palette's toggle), rebuilds at once as ctrl+r
does, and again after the running rebuild when files change during it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

from qa.settings import Settings
from qa.watch import Changed as FileChange

if TYPE_CHECKING:
    from qa.tui.engine import Engine

TITLE = "Articles folder"


class _Cancelled:
    """watchfiles' stop event: the worker was cancelled (the app is closing)."""

    def __init__(self, worker: Worker[None]) -> None:
        self.worker = worker

    def is_set(self) -> bool:
        return self.worker.is_cancelled


def changed_files(count: int) -> str:
    return f"{count} file{'s' * (count != 1)} changed"


def notice(count: int) -> str:
    return f"{changed_files(count)} — ctrl+r to update"


class FolderWatcher(Widget):
    """Watches ``settings.seeds``; ``pending`` holds what changed since the last rebuild started."""

    DEFAULT_CSS = "FolderWatcher { display: none; }"

    @dataclass
    class Changed(Message):
        changed: tuple[FileChange, ...]

    @dataclass
    class Failed(Message):
        text: str

    @dataclass
    class Pending(Message):
        """How many files changed since the last rebuild started (0 once one starts): a lasting mark, where the
        offer is a notification that goes."""

        count: int

    def __init__(self, settings: Settings, engine: Engine) -> None:
        super().__init__()
        self.settings = settings
        self.engine = engine
        self.auto = settings.auto_update
        self.pending: set[str] = set()
        self._reading: set[str] = set()  # what the running rebuild was started for (pending again if it fails)

    def on_mount(self) -> None:
        self._watch()

    @work(thread=True, group="watch", exit_on_error=False)
    def _watch(self) -> None:
        # Deferred: the native watcher is not needed for the first paint.
        from qa.watch import changes

        if not self.settings.seeds.is_dir():
            return  # the load says so already; a folder made later is watched from the next start
        try:
            for batch in changes(self.settings.seeds, _Cancelled(get_current_worker())):
                if batch:
                    self.post_message(self.Changed(batch))  # thread-safe
        except Exception as exc:  # noqa: BLE001 - inotify's limit, a folder removed: the app works on without it
            from qa.tui.engine import describe

            self.post_message(self.Failed(describe(exc)))

    def on_folder_watcher_changed(self, event: FolderWatcher.Changed) -> None:
        event.stop()
        self.pending.update(c.path for c in event.changed)
        self.post_message(self.Pending(len(self.pending)))
        self._offer()

    def on_folder_watcher_failed(self, event: FolderWatcher.Failed) -> None:
        event.stop()
        text = f"{event.text}; press ctrl+r after changing files"
        self.notify(text, title="Not watching the articles folder", severity="warning", markup=False)

    def _offer(self) -> None:
        """Rebuild now (automatic updates, when the index can be rebuilt), or say how many files changed."""
        if not self.pending:
            return
        if self.auto:
            if not self.engine.building and (self.engine.ready or self.engine.error is not None):
                self.screen.action_rebuild()  # as ctrl+r; it calls rebuilding()
            return  # else: index_ready() rebuilds once the running build or load is done
        self.notify(notice(len(self.pending)), title=TITLE, markup=False)

    # -- called by the chat screen ------------------------------------------------------------------------------
    def rebuilding(self) -> None:
        """A rebuild started: it reads the folder as it is now."""
        self._reading = set(self.pending)
        self.pending.clear()
        self.post_message(self.Pending(0))

    def index_ready(self, failed: bool = False) -> None:
        """A load or rebuild ended: files that changed while it ran are offered (or rebuilt) now. After a failed
        rebuild the files it was started for are still not in the index."""
        if failed and self._reading:
            self.pending |= self._reading
            self.post_message(self.Pending(len(self.pending)))
        self._reading = set()
        if self.auto and self.pending:
            self._offer()

    def toggle_auto(self) -> None:
        self.auto = not self.auto
        state = "on: changed files are indexed at once" if self.auto else "off: ctrl+r updates the index"
        self.notify(f"Automatic updates {state}", title=TITLE, markup=False)
        if self.auto:
            self._offer()
