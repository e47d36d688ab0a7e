"""A question as it appears in the conversation, above its answer card."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from qa.render import safe


class QuestionLine(Static):
    """The asked question, shown literally (it may hold brackets or pasted escapes)."""

    def __init__(self, question: str, id: str | None = None) -> None:
        super().__init__(Content("❯ ") + Content(safe(question)), id=id)
