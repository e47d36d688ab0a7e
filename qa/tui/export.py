"""Save the conversation as Markdown, one section per question (the same sections `qa ask --format markdown` writes),
under a head saying when, from which index and how many articles."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from qa.batch import markdown
from qa.records import Result


def default_path(folder: Path, stamp: str | None = None) -> Path:
    """``qa-conversation-<timestamp>.md`` in ``folder``, numbered past any file of that name."""
    stamp = stamp or time.strftime("%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        path = folder / (f"qa-conversation-{stamp}.md" if n == 1 else f"qa-conversation-{stamp}-{n}.md")
        if not path.exists():
            return path
    raise FileExistsError(f"too many exports named qa-conversation-{stamp}*.md in {folder}")


def export_conversation(
    results: Sequence[Result], path: Path, index: Path, articles: int | None, when: str | None = None
) -> Path:
    """Write the conversation to ``path`` (never over an existing file) and return it.

    Args:
        index: the index folder the answers came from, named in the head.
        articles: how many articles it held (None when unknown).
        when: the date and time for the head; now by default.
    """
    when = when or time.strftime("%Y-%m-%d %H:%M")
    held = "" if articles is None else f" · {articles} article{'s' * (articles != 1)}"
    head = f"# Conversation\n\n{when} · index `{index.resolve()}`{held}\n\n"
    # Numbered as exported: a card's key counts on across a cleared conversation.
    numbered = [replace(r, id=str(n)) for n, r in enumerate(results, 1)]
    with path.open("x", encoding="utf-8") as fh:
        fh.write(head + "".join(markdown(r) for r in numbered))
    return path
