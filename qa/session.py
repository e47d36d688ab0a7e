"""Open an index for answering, building or updating it first when it is missing or stale.

Shared by the CLI and the TUI so both behave the same: a stale index is rebuilt before answering, and when another
build holds the lock the current index answers meanwhile instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from qa import stores
from qa.answer import Answerer
from qa.build import Progress, build, checked, needs_build
from qa.errors import BuildLocked, QAError
from qa.records import BuildReport, IndexStatus
from qa.search import Searcher
from qa.settings import Settings

if TYPE_CHECKING:
    from qa.stores.base import Store, Version

WAIT_FOR_FIRST_BUILD = 600.0  # seconds to wait for another process's build when there is no usable index
MEANWHILE = "another build is running; answering from the current index meanwhile"


def ensure_index(
    settings: Settings, say: Callable[[str], None], progress: Progress | None = None
) -> BuildReport | None:
    """Build when needed; returns the build report, or None when the index was already current."""
    st, reason = checked(settings)
    if reason is None:
        return None
    where = stores.of(settings)
    foreign = _replaces_everything(settings, st)
    if foreign:  # a mistyped or unmounted folder: answering must not throw the index away
        say(foreign)
        return None
    if not where.is_locked():
        say(f"building the index ({reason})")
        try:
            return build(settings, progress=progress or (lambda *_: None))
        except BuildLocked:
            pass  # another build took the lock after the check above: share its result like any other
        except QAError as exc:  # e.g. the articles folder is gone: what was indexed still answers
            if not _opens(where):
                raise
            say(f"could not update the index ({exc}); answering from the current index")
            return None
    if _opens(where):
        say(MEANWHILE)
        return None
    say("another build is running; waiting for it to finish")  # nothing usable to answer from meanwhile
    with where.lock(wait=WAIT_FOR_FIRST_BUILD):
        pass
    return ensure_index(settings, say, progress)


def _replaces_everything(settings: Settings, st: IndexStatus | None) -> str | None:
    """Why an update before answering would be refused: the articles folder holds none of the indexed articles (an
    explicit `qa index build` may still index it). ``st``: the index's status (None: no index, or a damaged one,
    and building is the way back)."""
    if st is None or not st.articles or st.kept is None or st.kept > 0:
        return None
    return (
        f"the articles folder {settings.seeds} holds none of the {st.articles} indexed articles; answering from the "
        "current index (`qa index build` indexes that folder instead)"
    )


def _opens(where: Store) -> bool:
    """Whether the current index opens (stale perhaps, but whole): something to answer from during a build."""
    try:
        where.open().close()
    except QAError:
        return False
    return True


def open_answerer(settings: Settings, opened: Version | None = None) -> Answerer:
    """An Answerer over the current index, or over ``opened`` when the caller has it open already."""
    return Answerer(Searcher.of(opened) if opened is not None else Searcher.open(stores.of(settings)))


def ready_answerer(
    settings: Settings, say: Callable[[str], None], progress: Progress | None = None
) -> tuple[Answerer, BuildReport | None]:
    """``ensure_index`` then ``open_answerer``, opening (and verifying) the index once when it is already current:
    checking files and loading vectors twice was a fifth of a cold ``qa ask``."""
    where = stores.of(settings)
    try:
        version = where.open()
    except QAError:
        version = None
    if version is not None:
        if needs_build(settings, version) is None:
            return open_answerer(settings, version), None
        if where.is_locked():  # stale, and another build runs: the opened version answers meanwhile
            say(MEANWHILE)
            return open_answerer(settings, version), None
        version.close()  # not held while this process builds: a large index would sit in memory twice
    report = ensure_index(settings, say, progress)
    return open_answerer(settings), report
