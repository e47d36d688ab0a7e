"""The question box's history, kept between runs in the per-user data folder (one JSON string per line).

The folder is ``platformdirs.user_data_dir("qa")``, or ``QA_DATA_DIR`` when set (tests point it at a temp folder).
A history that cannot be read or written is no reason to stop the app: it is then kept for this run only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

LIMIT = 500  # questions kept; older ones are dropped when the file is rewritten
FILE = "history.jsonl"


def data_dir() -> Path:
    if override := os.environ.get("QA_DATA_DIR"):
        return Path(override)
    from platformdirs import user_data_dir  # deferred: only the app keeps a history

    return Path(user_data_dir("qa", appauthor=False))


class History:
    """Questions asked, oldest first; ``add`` appends to the file, ``clear`` empties it."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / FILE
        self.items: list[str] = self._read()

    def _read(self) -> list[str]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        items = []
        for line in lines:
            try:
                item = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash: the rest still loads
            if isinstance(item, str) and item.strip():
                items.append(item)
        return items[-LIMIT:]

    def add(self, question: str) -> None:
        if self.items and self.items[-1] == question:
            return
        self.items.append(question)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if len(self.items) > LIMIT * 2:  # rewrite now and then, so the file stays small
                del self.items[:-LIMIT]  # in place: the question box holds this list
                self.path.write_text("".join(json.dumps(q) + "\n" for q in self.items), encoding="utf-8")
            else:
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(question) + "\n")
        except OSError:
            pass  # kept for this run only

    def clear(self) -> None:
        self.items.clear()
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass
