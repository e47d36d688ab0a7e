"""Back to the original: the article an answer came from, opened at its URL in the person's browser (the ``o`` key)."""

from __future__ import annotations

import os
import sys
import webbrowser

from textual.screen import Screen

from qa.records import Answer
from qa.render import one_line


def browser_reachable() -> bool:
    """Whether a graphical browser can be opened: on macOS, Windows, or in an X or Wayland session.

    Elsewhere (a bare terminal, ssh) Python's webbrowser falls back to console browsers (lynx, w3m) that would take
    over the terminal the app is drawn in; there the address is copied instead.
    """
    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_original(screen: Screen[None], answer: Answer) -> None:
    """Open ``answer.url`` in the browser, or copy it when no browser can be reached; say which."""
    url = (getattr(answer, "url", None) or "").strip()
    if not url:
        screen.notify("This article has no web address; ctrl+o shows its indexed text.", title="No original",
                      severity="warning")  # fmt: skip
        return
    if not url.lower().startswith(("http://", "https://")):  # a dump's "url" may be anything: no file: or scripts
        screen.notify(f"{one_line(url)} is not a web address", title="Not opened", severity="warning", markup=False)
        return
    if browser_reachable():
        try:
            opened = webbrowser.open(url)
        except webbrowser.Error:
            opened = False
        if opened:
            screen.notify(one_line(url), title="Opened in the browser", markup=False)
            return
    screen.app.copy_text(one_line(url), "No browser here: copied the address")  # type: ignore[attr-defined]
