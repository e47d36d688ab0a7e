"""Keeping the index up to date while the articles folder changes: watch it, rebuild incrementally after each change.

Two layers. ``changes(seeds)`` watches the folder (watchfiles: inotify on Linux, with its own fallbacks) and yields
debounced batches of changed files: a batch ends once the folder has been quiet for ``QUIET_MS``, or after
``MAX_BATCH_MS`` of steady change, so copying fifty files in is one rebuild, not fifty. ``updates(settings)`` rebuilds
after each batch and yields one ``Update`` per rebuild. ``qa index watch`` prints them; the app's watcher
(qa/tui/watcher.py) uses ``changes`` alone and lets the person choose when to rebuild.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from qa.errors import QAError
from qa.records import BuildReport
from qa.settings import Settings

QUIET_MS = 300  # a batch ends after this much quiet: a file written in several steps is one change
MAX_BATCH_MS = 2_000  # ... or after this long, while files keep changing (a long copy is rebuilt in steps)
POLL_MS = 200  # how often the watcher looks at ``stop`` (ctrl+c, the app closing) while nothing changes
BUILD_WAIT = 120.0  # seconds a rebuild waits for another build (the app's ctrl+r, a `qa index build`) to finish
SHOWN = 3  # file names a summary names before "and N more"


class Stop(Protocol):
    """Anything with ``is_set()``: a ``threading.Event``, or a Textual worker's cancelled flag."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class Changed:
    """One file (or folder) in a batch: how it changed ("added", "changed", "removed") and its path in the folder."""

    how: str
    path: str


@dataclass(frozen=True)
class Update:
    """One rebuild after a batch of changes (``changed`` is empty for the first build, when watching starts)."""

    changed: tuple[Changed, ...]
    report: BuildReport | None
    error: str | None = None  # the build failed (the previous index still answers)
    at: float = field(default_factory=time.time)

    def summary(self) -> str:
        """One line: when, what changed, what the build did (or why it could not), and how long it took."""
        from qa.render import one_line

        head = f"{time.strftime('%H:%M:%S', time.localtime(self.at))} {one_line(describe(self.changed))}"
        if self.error is not None or self.report is None:
            return f"{head}: not updated ({one_line(self.error or 'no report')}); the previous index still answers"
        r = self.report
        kept = "" if r.written else ", index unchanged"
        return (
            f"{head}: articles {r.added} added, {r.updated} updated, {r.removed} removed, {r.skipped} skipped"
            f"{kept}; {r.seconds:.1f} s"
        )


def describe(changed: tuple[Changed, ...]) -> str:
    """``added a.txt, changed b.jsonl and 4 more``; ``start`` for the first build."""
    if not changed:
        return "start"
    named = [f"{c.how} {c.path}" for c in changed[:SHOWN]]
    more = len(changed) - SHOWN
    return ", ".join(named) + (f" and {more} more" if more > 0 else "")


def watched(path: str, root: Path) -> bool:
    """Whether a change to ``path`` can change the index: a file of a kind qa reads (or a folder), not hidden.

    Hidden files and folders are passed over as ``qa.ingest.discover`` passes them over (editors' swap files, VCS
    state); other kinds (images, ``notes.txt~``) are listed by a build as skipped but never change what it indexes.
    """
    from qa.ingest import SUFFIXES

    try:
        parts = Path(path).relative_to(root).parts
    except ValueError:
        return False
    if not parts or any(part.startswith(".") for part in parts):
        return False
    suffix = Path(parts[-1]).suffix.lower()
    if suffix in SUFFIXES:
        return True
    return os.path.isdir(path) or (not suffix and not os.path.exists(path))  # a folder, or one that was removed


def batch(raw: set[tuple[Any, str]], root: Path) -> tuple[Changed, ...]:
    """watchfiles' set of (Change, path) as one ``Changed`` per path, sorted by path.

    The set carries no order, so how a path changed is judged by what is on disk now: gone is "removed"; present
    and only ever added is "added"; anything else (written to, or replaced by an editor's delete-and-write) is
    "changed".
    """
    from watchfiles import Change

    kinds: dict[str, set[Any]] = {}
    for change, path in raw:
        kinds.setdefault(path, set()).add(change)
    out = []
    for path, seen in kinds.items():
        if not os.path.lexists(path):
            if Change.deleted not in seen:
                continue  # gone before it was ever seen: nothing to say
            how = "removed"
        elif Change.added in seen and Change.deleted not in seen:
            how = "added"
        else:
            how = "changed"
        rel = Path(os.path.relpath(path, root)).as_posix() + ("/" if os.path.isdir(path) else "")
        out.append(Changed(how, rel))
    return tuple(sorted(out, key=lambda c: c.path))


def changes(seeds: Path, stop: Stop | None = None) -> Iterator[tuple[Changed, ...]]:
    """An empty batch as soon as the watcher is live, then each debounced batch of changes under ``seeds``.

    Ends when ``stop.is_set()``; ctrl+c in the main thread raises KeyboardInterrupt here.

    Raises:
        QAError: the folder cannot be watched (missing, or the system's limit on watches is reached).
    """
    # Deferred: only watching needs the native watcher.
    from watchfiles import watch

    root = Path(os.path.abspath(seeds))  # watchfiles names changed files by absolute path (links not resolved)
    if not root.is_dir():
        raise QAError(f"Folder {seeds} does not exist; pass the folder that holds the articles.")
    started = False
    try:
        for raw in watch(
            root, watch_filter=lambda _, path: watched(path, root), debounce=MAX_BATCH_MS, step=QUIET_MS,
            stop_event=stop, rust_timeout=POLL_MS, yield_on_timeout=True,
        ):  # fmt: skip
            if not started:  # the first yield comes once the watch is set up: changes from now on are seen
                started = True
                yield ()
            if raw and (found := batch(raw, root)):
                yield found
    except OSError as exc:  # inotify's watch limit, a folder that vanished while watched
        raise QAError(f"cannot watch {root} ({exc.strerror or exc})") from exc


def updates(
    settings: Settings,
    stop: Stop | None = None,
    full: bool = False,
    build: Callable[..., BuildReport] | None = None,
) -> Iterator[Update]:
    """Bring the index up to date once the watch is live, then again after every batch of changes.

    A build that fails (a damaged file that crashes a reader, a full disk) is an ``Update`` with its error, and
    watching goes on: the next change gets another try. ``full`` re-embeds everything on the first build only.
    """
    if build is None:
        from qa.build import build

    for n, changed in enumerate(changes(settings.seeds, stop)):
        try:
            report = build(settings, full=full and n == 0, wait=BUILD_WAIT)
        except QAError as exc:
            yield Update(changed, None, str(exc))
            continue
        yield Update(changed, report)
