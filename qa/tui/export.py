"""Save the conversation as Markdown, one section per question (the same sections `qa ask --format markdown` writes)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from qa.batch import markdown
from qa.records import Result


def export_conversation(results: Sequence[Result], folder: Path, stamp: str | None = None) -> Path:
    """Write ``qa-conversation-<timestamp>.md`` in ``folder`` (never over an existing file) and return its path."""
    stamp = stamp or time.strftime("%Y%m%d-%H%M%S")
    body = "# Conversation\n\n" + "".join(markdown(r) for r in results)
    for n in range(1, 1000):
        path = folder / (f"qa-conversation-{stamp}.md" if n == 1 else f"qa-conversation-{stamp}-{n}.md")
        try:
            with path.open("x", encoding="utf-8") as fh:
                fh.write(body)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"too many exports named qa-conversation-{stamp}*.md in {folder}")
