"""The main screen: the conversation, the question box, the build bar and the status bar, wired to the Engine.

Its keys are screen bindings, so they are live (and in the footer) only here, not over the article view or the help.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

from qa.conversation import Conversation as Talk
from qa.conversation import Turn
from qa.render import safe
from qa.settings import Settings
from qa.tui.answer_card import AnswerCard, citation
from qa.tui.build_bar import BuildBar
from qa.tui.conversation import Conversation
from qa.tui.engine import Engine, describe
from qa.tui.filter_line import is_command, take_command
from qa.tui.folder_watcher import FolderWatcher
from qa.tui.question_input import QuestionInput
from qa.tui.status_bar import StatusBar

CARD_KEYS = frozenset(k for b in AnswerCard.BINDINGS if isinstance(b, Binding) for k in b.key.split(","))


class ChatScreen(Screen[None]):
    """Questions go to the Engine; its messages come back here and update the widgets."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "open_source", "Source", tooltip="Open the selected answer's article at the passage"),
        Binding("ctrl+n", "next_answer", "Next", tooltip="Show the selected card's next answer (top-k)"),
        Binding("ctrl+y", "copy_answer", "Copy", tooltip="Copy the selected answer sentence"),
        Binding("ctrl+t", "copy_passage", "Cite", show=False, tooltip="Copy the passage with its citation"),
        Binding("ctrl+s", "export", "Export", tooltip="Export the conversation to a Markdown file (asks where)"),
        Binding("ctrl+l", "clear", "Clear", show=False, tooltip="Clear the conversation (asks first)"),
        Binding("ctrl+g", "ask_as_typed", "As typed", show=False, tooltip="Ask the last follow-up as typed"),
        Binding("ctrl+r", "rebuild", "Rebuild", tooltip="Rebuild the index from the articles folder"),
        Binding("f2", "articles", "Articles", show=False, tooltip="The indexed articles, sortable and filterable"),
        Binding("pageup", "page(-1)", "Page up", show=False, tooltip="Scroll the conversation up a page"),
        Binding("pagedown", "page(1)", "Page down", show=False, tooltip="Scroll the conversation down a page"),
        Binding("tab", "cycle(1)", "Next", show=False, tooltip="From the question box to the newest answer card"),
        Binding("shift+tab", "cycle(-1)", "Previous", show=False, tooltip="To older answer cards"),
    ]
    AUTO_FOCUS = "#question"

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.engine = Engine(settings)
        self.conversation = Conversation(id="conversation")
        self.build_bar = BuildBar(id="build")
        self.question = QuestionInput(id="question")
        self.status_bar = StatusBar(id="status")
        self.watcher = FolderWatcher(settings, self.engine)  # offers (or runs) a rebuild when articles change
        self._asked = 0
        self.talk = Talk()  # the questions so far, for reading follow-ups (ctrl+l starts a new one)
        self._turns: dict[int, Turn] = {}  # card key -> its turn, which learns the card's short answer

    def compose(self) -> ComposeResult:
        yield self.conversation
        yield self.build_bar
        yield self.question
        yield self.status_bar
        yield Footer(show_command_palette=False)
        yield self.engine
        yield self.watcher

    def on_mount(self) -> None:
        self.question.focus()
        self.conversation.seeds = self.engine.settings.seeds
        # After the first paint: the loader's imports compete for the GIL and would delay it.
        self.call_after_refresh(self.engine.start)

    # -- asking -----------------------------------------------------------------------------------------------
    @on(QuestionInput.Asked)
    def ask(self, event: QuestionInput.Asked) -> None:
        question = event.question
        if is_command(question):  # "/since 2005-03 /section politics [question]" (qa.tui.filter_line)
            question = take_command(self, question)
        if question:
            self._ask(question, self.talk.read(question))

    def _ask(self, question: str, read_as: str | None, in_context: bool = True) -> None:
        """Ask ``question``, searching ``read_as`` (its reading in the conversation so far) when there is one, and
        preferring the articles the conversation was answered from unless ``in_context`` is False (asked as typed)."""
        self._asked += 1
        context = self.talk.context() if in_context else []
        self._turns[self._asked] = self.talk.add(question, read_as)
        # first: the search runs while the card is laid out
        self.engine.ask(self._asked, question, read_as, context, as_typed=not in_context)
        if self.engine.building and self.engine.ready:
            waiting = "waiting for the rebuild to finish…"
        elif self.engine.ready:
            waiting = "searching…"
        elif self.engine.error:
            waiting = "waiting for an index: press ctrl+r to build one"
        else:
            waiting = "waiting for the model…"
        self.conversation.add(self._asked, question, waiting)

    @on(Engine.Answered)
    def answered(self, event: Engine.Answered) -> None:
        if turn := self._turns.get(event.key):
            turn.heard_top(event.result.answers[0] if event.result.answers else None)
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
        self.conversation.empty_index(event.info.articles == 0)
        if r := event.report:
            text = f"{r.articles} articles, {r.chunks} chunks in {r.seconds:.1f} s"
            self.notify(text, title="Index built" if r.written else "Index up to date", markup=False)
        self.watcher.index_ready()
        from qa.tui.articles_screen import ArticlesScreen

        for screen in self.app.screen_stack:  # an open list of the articles shows the new index
            if isinstance(screen, ArticlesScreen):
                screen.reload()

    @on(Engine.Failed)
    def engine_failed(self, event: Engine.Failed) -> None:
        self.notify(event.text, title=event.title, severity="error", timeout=10, markup=False)
        if event.during in ("load", "build"):
            self.build_bar.finish()
        if event.during == "load":
            self.status_bar.set_state("no index: fix the problem above, then ctrl+r to build", "error")
        elif event.during == "build":
            self.status_bar.set_state("ready (rebuild failed)" if self.engine.ready else "no index", "error")
            if self.engine.ready:
                self.conversation.searching()  # what waited for the rebuild is answered from the old index
            self.watcher.index_ready(failed=True)
        elif event.during == "ask" and (card := self.conversation.card(event.key or 0)):
            card.fail(f"Could not answer: {event.text}")

    @on(FolderWatcher.Pending)
    def files_pending(self, event: FolderWatcher.Pending) -> None:
        self.status_bar.set_stale(event.count)

    # -- the selected card: the focused one, else the newest answered -----------------------------------------
    def _selected(self) -> AnswerCard | None:
        card = self.conversation.selected()
        if card is None:
            self.notify("Ask a question first.", title="No answer yet", severity="warning")
        return card

    def ask_again(self) -> None:
        """The selected card's question, asked anew (after a rebuild, say)."""
        if (card := self._selected()) and card.result:
            self.question.post_message(QuestionInput.Asked(card.result.question))

    def action_ask_as_typed(self) -> None:
        """The newest follow-up that was read as something else, asked again just as it was typed."""
        read = [c.result for c in self.conversation.cards() if c.result is not None and c.result.read_as]
        if not read:
            self.notify("No question was read as something else.", title="Nothing to ask as typed")
            return
        self.talk.forget_reading()
        self._ask(read[-1].question, None, in_context=False)

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

        self.app.push_screen(SourceScreen(event.answer, event.text, event.meta, event.kept))

    def action_copy_answer(self) -> None:
        if (card := self._selected()) and card.answer:
            self.app.copy_text(safe(card.answer.highlight), "Copied the answer")  # type: ignore[attr-defined]

    def action_copy_passage(self) -> None:
        if (card := self._selected()) and card.answer:
            self.app.copy_text(citation(card.answer), "Copied the passage")  # type: ignore[attr-defined]

    # -- the whole conversation -------------------------------------------------------------------------------
    def action_export(self) -> None:
        from qa.tui.export import default_path, export_conversation
        from qa.tui.export_dialog import ExportDialog

        results = self.conversation.results()
        if not results:
            self.notify("There are no answers to export yet.", title="Nothing to export", severity="warning")
            return

        def save(path: Path | None) -> None:
            if path is None:
                return
            index = self.status_bar.index
            try:
                done = export_conversation(results, path, self.engine.settings.index, index and index.articles)
            except FileExistsError:
                self.notify(f"{path} exists; export again with another name.", title="Not exported",
                            severity="warning", markup=False)  # fmt: skip
                return
            except OSError as exc:
                self.notify(describe(exc), title="Could not export", severity="error", markup=False)
                return
            self.notify(str(done), title=f"Exported {len(results)} answer{'s' * (len(results) != 1)}", markup=False)

        self.app.push_screen(ExportDialog(default_path(Path.cwd()), len(results)), save)

    def action_clear(self) -> None:
        from qa.tui.confirm_dialog import ConfirmDialog

        count = len(self.conversation.cards())
        if not count:
            self.question.focus()
            return

        question = f"Clear the conversation ({count} question{'s' * (count != 1)})? It cannot be undone."
        dialog = ConfirmDialog("Clear the conversation", question)

        async def clear(yes: bool | None) -> None:
            if yes:
                await self.conversation.clear()
                self.talk.clear()  # a new conversation: nothing before leans on what is cleared
                self._turns.clear()
            self.question.focus()
            if dialog.typed:  # typing went on over the dialog: the letter starts the next question
                self.question.insert_text_at_cursor(dialog.typed)

        self.app.push_screen(dialog, clear)

    def action_articles(self) -> None:
        from qa.tui.articles_screen import ArticlesScreen

        self.app.push_screen(ArticlesScreen(self.engine))

    def action_rebuild(self) -> None:
        if why_not := self.engine.rebuild():
            self.notify(why_not, title="Rebuild", severity="warning")
        else:
            self.watcher.rebuilding()

    def action_open_original(self) -> None:
        """The selected answer's article as published (its URL), in the browser."""
        from qa.tui.originals import open_original

        if (card := self._selected()) and card.answer:
            open_original(self, card.answer)

    def action_page(self, direction: int) -> None:
        if direction < 0:
            self.conversation.scroll_page_up(animate=False)
        else:
            self.conversation.scroll_page_down(animate=False)

    def action_focus_input(self) -> None:
        self.question.focus()

    def action_cycle(self, step: int) -> None:
        """Tab from the question box goes to the newest card and on to the box again; shift+tab goes to older
        cards (the oldest wraps round to the box)."""
        ring: list[Widget] = [*self.conversation.cards(), self.question]  # oldest … newest, then the box
        focused = self.app.focused
        if focused is self.question:
            target = ring[-2] if len(ring) > 1 else self.question
        elif focused in ring:
            target = ring[(ring.index(focused) + step) % len(ring)]
        else:
            target = self.question
        target.focus()
        if isinstance(target, AnswerCard):
            target.scroll_visible(animate=False)

    def on_screen_resume(self) -> None:
        """Back from the article view, the help, a dialog: the question box has the keys again (a card kept focused
        took the next question's letters as its own keys: "how" stepped the answer and opened the original)."""
        self.question.focus()

    def on_key(self, event: events.Key) -> None:
        """Typing goes to the question box. Keys typed while the app starts reach the app before anything has focus,
        and it hands them to this screen, not the box: without this they were lost. (A printable key the box
        took never gets here: it stops it. A card's letter keys are bindings, checked as the key bubbles on to the
        app: they are left to it, and any other letter typed on a card starts a question.)"""
        focused = self.app.focused
        if isinstance(focused, AnswerCard) and event.key in CARD_KEYS:
            return  # the card's own key
        if focused not in (None, self.question) and not isinstance(focused, AnswerCard):
            return
        if event.is_printable and event.character:
            self.question.focus()
            self.question.insert_text_at_cursor(event.character)
            event.stop()
        elif event.key == "enter":
            self.question.focus()
            self.run_worker(self.question.action_submit())
            event.stop()

    def clear_history(self) -> None:
        self.question.clear_history()
        self.notify("Questions asked before are forgotten.", title="History cleared")
