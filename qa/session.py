"""Open an index for answering, building or updating it first when it is missing or stale.

Shared by the CLI and the TUI so both behave the same: a stale index is rebuilt before answering, and when another
build holds the lock the current index answers meanwhile instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable

from qa import store
from qa.answer import Answerer
from qa.build import Progress, build, needs_build
from qa.errors import IndexMissing
from qa.records import BuildReport
from qa.search import Searcher
from qa.settings import Settings

WAIT_FOR_FIRST_BUILD = 600.0  # seconds to wait for another process's build when there is no index at all


def ensure_index(
    settings: Settings, say: Callable[[str], None], progress: Progress | None = None
) -> BuildReport | None:
    """Build when needed; returns the build report, or None when the index was already current."""
    reason = needs_build(settings)
    if reason is None:
        return None
    if store.is_locked(settings.index):
        try:
            store.current_version(settings.index)
        except IndexMissing:
            say("another build is running; waiting for it to finish")
            with store.build_lock(settings.index, wait=WAIT_FOR_FIRST_BUILD):
                pass
            return ensure_index(settings, say, progress)
        say("another build is running; answering from the current index meanwhile")
        return None
    say(f"building the index ({reason})")
    return build(settings, progress=progress or (lambda *_: None))


def open_answerer(settings: Settings) -> Answerer:
    return Answerer(Searcher.open(settings.index))
