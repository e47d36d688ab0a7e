"""An Answerer that follows the index (a folder, or a Postgres store): a rebuild by another process is picked up
without failing a request.

A long-running reader (``qa serve``) opens the live version once. Each request asks ``fresh()`` at most once a
second whether CURRENT names another version; when it does, the new version is opened in a background thread while
requests keep using the old one, then the reference is swapped in one assignment. A request holds the version it
started with (``using()``, counted), and an old version is closed only once the last request using it is done.
Opening the new version can fail (a build cut short, a damaged folder): the old one keeps answering and the check is
tried again a second later.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qa import stores
from qa.answer import Answerer
from qa.errors import QAError
from qa.search import Searcher

if TYPE_CHECKING:
    from qa.stores.base import Store

CHECK_EVERY = 1.0  # seconds between two reads of CURRENT


@dataclass
class _Held:
    """One opened version and the requests using it."""

    answerer: Answerer
    name: str  # the version folder's name
    users: int = 0
    retired: bool = False
    masks: dict[object, object] = field(default_factory=dict)  # filter -> chunk mask, for this version's chunk ids

    def close_if_idle(self) -> None:
        if self.retired and self.users == 0:
            self.answerer.searcher.close()


class LiveAnswerer:
    """The current Answerer of an index folder, swapped when a build publishes a new version."""

    def __init__(
        self,
        root: Path | Store,
        answerer: Answerer,
        say: Callable[[str], None] = lambda message: None,
        every: float = CHECK_EVERY,
    ) -> None:
        self.store = stores.local_store(root) if isinstance(root, Path) else root
        self.say = say
        self.every = every
        self._held = _Held(answerer, answerer.searcher.version.name)
        self._lock = threading.Lock()
        self._checked = time.monotonic()
        self._loading = False
        self.swaps = 0  # versions swapped in since start (for /health and the tests)

    @property
    def version_name(self) -> str:
        return self._held.name

    @contextmanager
    def using(self) -> Iterator[_Held]:
        """The current version, held (not closed) until the block ends."""
        with self._lock:
            held = self._held
            held.users += 1
        try:
            yield held
        finally:
            with self._lock:
                held.users -= 1
                held.close_if_idle()

    def fresh(self) -> None:
        """Start opening the new version in a thread if CURRENT changed (read at most once per ``every`` s)."""
        now = time.monotonic()
        with self._lock:
            if self._loading or now - self._checked < self.every:
                return
            self._checked = now
        try:
            name = self.store.current_name()
        except QAError:  # a missing or damaged pointer: keep answering from what is open
            return
        if name == self._held.name:
            return
        with self._lock:
            if self._loading:
                return
            self._loading = True
        threading.Thread(target=self._load, name="qa-index-swap", daemon=True).start()

    def reload(self) -> bool:
        """Open the version CURRENT names now and swap it in (in this thread); False when it did not open."""
        with self._lock:
            self._loading = True
        return self._load()

    def _load(self) -> bool:
        try:
            answerer = Answerer(Searcher.open(self.store))
        except Exception as exc:  # noqa: BLE001 - any failure (damaged, removed mid-open): the open one answers on
            self.say(f"the new index version did not open ({exc}); answering from {self._held.name}")
            with self._lock:
                self._loading = False
                self._checked = time.monotonic()
            return False
        new = _Held(answerer, answerer.searcher.version.name)
        with self._lock:
            old, self._held = self._held, new
            self._loading = False
            self._checked = time.monotonic()
            if old.name != new.name:
                self.swaps += 1
            old.retired = True
            old.close_if_idle()
        self.say(f"answering from {new.name}")
        return True

    def close(self) -> None:
        with self._lock:
            self._held.retired = True
            self._held.close_if_idle()
