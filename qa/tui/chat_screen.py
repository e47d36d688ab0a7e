"""The main screen: the conversation, the question box, the build bar and the status bar, wired to the Engine.

Its keys are screen bindings, so they are live (and in the footer) only here, not over the article view or the help.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer

from qa.render import safe
from qa.settings import Settings
from qa.tui.answer_card import AnswerCard, citation
from qa.tui.build_bar import BuildBar
from qa.tui.conversation import Conversation
from qa.tui.engine import Engine, describe
from qa.tui.question_input import QuestionInput
from qa.tui.status_bar import StatusBar


class ChatScreen(Screen[None]):
    """Questions go to the Engine; its messages come back here and update the widgets."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "open_source", "Source", tooltip="Open the selected answer's article at the passage"),
        Binding("ctrl+n", "next_answer", "Next", tooltip="Show the selected card's next answer (top-k)"),
        Binding("ctrl+y", "copy_answer", "Copy", tooltip="Copy the selected answer sentence"),
        Binding("ctrl+t", "copy_passage", "Cite", show=False, tooltip="Copy the passage with its citation"),
        Binding("ctrl+s", "export", "Export", tooltip="Export the conversation to Markdown in this folder"),
        Binding("ctrl+l", "clear", "Clear", show=False, tooltip="Clear the conversation"),
        Binding("ctrl+r", "rebuild", "Rebuild", tooltip="Rebuild the index from the articles folder"),
        Binding("pageup", "page(-1)", "Page up", show=False, tooltip="Scroll the conversation up a page"),
        Binding("pagedown", "page(1)", "Page down", show=False, tooltip="Scroll the conversation down a page"),
    ]

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.engine = Engine(settings)
        self.conversation = Conversation(id="conversation")
        self.build_bar = BuildBar(id="build")
        self.question = QuestionInput(id="question")
        self.status_bar = StatusBar(id="status")
        self._asked = 0

    def compose(self) -> ComposeResult:
        yield self.conversation
        yield self.build_bar
        yield self.question
        yield self.status_bar
        yield Footer(show_command_palette=False)
        yield self.engine

    def on_mount(self) -> None:
        self.question.focus()
        # After the first paint: the loader's imports compete for the GIL and would delay it.
        self.call_after_refresh(self.engine.start)

    # -- asking -----------------------------------------------------------------------------------------------
    @on(QuestionInput.Asked)
    def ask(self, event: QuestionInput.Asked) -> None:
        self._asked += 1
        self.engine.ask(self._asked, event.question)  # first: the search runs while the card is laid out
        if self.engine.ready:
            waiting = "searching…"
        elif self.engine.error:
            waiting = "waiting for an index: press ctrl+r to build one"
        else:
            waiting = "waiting for the model…"
        self.conversation.add(self._asked, event.question, waiting)

    @on(Engine.Answered)
    def answered(self, event: Engine.Answered) -> None:
        if card := self.conversation.card(event.key):  # None when the conversation was cleared meanwhile
            card.show(event.result)
            self.conversation.reveal(card)

    # -- the engine's state -----------------------------------------------------------------------------------
    @on(Engine.Status)
    def engine_status(self, event: Engine.Status) -> None:
        self.status_bar.set_state(event.text)

    @on(Engine.Progress)
    def engine_progress(self, event: Engine.Progress) -> None:
        self.build_bar.report(event.stage, event.done, event.total)

    @on(Engine.Ready)
    def engine_ready(self, event: Engine.Ready) -> None:
        self.build_bar.finish()
        self.status_bar.set_state("ready", "ready")
        self.status_bar.set_info(event.info)
        self.conversation.searching()
        if r := event.report:
            text = f"{r.articles} articles, {r.chunks} chunks in {r.seconds:.1f} s"
            self.notify(text, title="Index built" if r.written else "Index up to date", markup=False)

    @on(Engine.Failed)
    def engine_failed(self, event: Engine.Failed) -> None:
        self.notify(event.text, title=event.title, severity="error", timeout=10, markup=False)
        if event.during in ("load", "build"):
            self.build_bar.finish()
        if event.during == "load":
            self.status_bar.set_state("no index: fix the problem above, then ctrl+r to build", "error")
        elif event.during == "build":
            self.status_bar.set_state("ready (rebuild failed)" if self.engine.ready else "no index", "error")
        elif event.during == "ask" and (card := self.conversation.card(event.key or 0)):
            card.fail(f"Could not answer: {event.text}")

    # -- the selected card: the focused one, else the newest answered -----------------------------------------
    def _selected(self) -> AnswerCard | None:
        card = self.conversation.selected()
        if card is None:
            self.notify("Ask a question first.", title="No answer yet", severity="warning")
        return card

    def action_next_answer(self) -> None:
        if card := self._selected():
            card.action_step(1)

    def action_open_source(self) -> None:
        if (card := self._selected()) and card.answer:
            self.engine.open_article(card.answer)

    @on(AnswerCard.OpenSource)
    def open_source(self, event: AnswerCard.OpenSource) -> None:
        self.engine.open_article(event.answer)

    @on(Engine.ArticleLoaded)
    def article_loaded(self, event: Engine.ArticleLoaded) -> None:
        from qa.tui.source_screen import SourceScreen

        self.app.push_screen(SourceScreen(event.answer, event.text))

    def action_copy_answer(self) -> None:
        if (card := self._selected()) and card.answer:
            self.app.copy_text(safe(card.answer.highlight), "Copied the answer")  # type: ignore[attr-defined]

    def action_copy_passage(self) -> None:
        if (card := self._selected()) and card.answer:
            self.app.copy_text(citation(card.answer), "Copied the passage")  # type: ignore[attr-defined]

    # -- the whole conversation -------------------------------------------------------------------------------
    def action_export(self) -> None:
        from qa.tui.export import export_conversation

        results = self.conversation.results()
        if not results:
            self.notify("There are no answers to export yet.", title="Nothing to export", severity="warning")
            return
        try:
            path = export_conversation(results, Path.cwd())
        except OSError as exc:
            self.notify(describe(exc), title="Could not export", severity="error", markup=False)
            return
        self.notify(str(path), title=f"Exported {len(results)} answer{'s' * (len(results) != 1)}", markup=False)

    async def action_clear(self) -> None:
        await self.conversation.clear()
        self.question.focus()

    def action_rebuild(self) -> None:
        if why_not := self.engine.rebuild():
            self.notify(why_not, title="Rebuild", severity="warning")

    def action_page(self, direction: int) -> None:
        if direction < 0:
            self.conversation.scroll_page_up(animate=False)
        else:
            self.conversation.scroll_page_down(animate=False)

    def action_focus_input(self) -> None:
        self.question.focus()
