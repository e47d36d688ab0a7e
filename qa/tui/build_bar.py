"""The progress of an index build, shown only while one runs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Label, ProgressBar

STAGES = {"reading": "reading articles", "embedding": "embedding passages", "writing": "writing the index"}


class BuildBar(Horizontal):
    """A label naming the stage and a bar; hidden (display: none) until the first progress report."""

    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)
        # Built here, not in compose: a report can arrive before this widget's children are mounted.
        self.stage = Label(Content("Building the index"), id="stage")
        self.bar = ProgressBar(show_eta=False, id="bar")

    def compose(self) -> ComposeResult:
        yield self.stage
        yield self.bar

    def report(self, stage: str, done: int, total: int) -> None:
        self.display = True
        count = f" {done}/{total}" if total > 1 else ""
        self.stage.update(Content(f"Building the index: {STAGES.get(stage, stage)}{count}"))
        self.bar.update(total=total or None, progress=done)

    def finish(self) -> None:
        self.display = False
        self.bar.update(total=None, progress=0)
