"""The terminal app, driven through Pilot against a real index (real model) built from articles
written for these tests (tests/tui_fixtures.py)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.geometry import Region
from textual.widgets import ProgressBar, Static
from tui_fixtures import NEW_ARTICLE, Gate, index_copy_fixture, index_fixture, notes, wait_for  # noqa: F401

import qa.build
import qa.session
from qa import store
from qa.answer import Answerer
from qa.render import safe
from qa.settings import Settings
from qa.tui.answer_card import AnswerCard
from qa.tui.app import QAApp
from qa.tui.build_bar import BuildBar
from qa.tui.chat_screen import ChatScreen
from qa.tui.help_screen import HelpScreen
from qa.tui.question_input import QuestionInput
from qa.tui.source_screen import SourceScreen
from qa.tui.status_bar import StatusBar

pytestmark = pytest.mark.anyio

CHAIR = "who chairs the harbour commission?"
FOUNDER = "who founded the Pell Street bakery?"
PAYMENT = "how will the dredging be paid for?"
LIGHTHOUSE = "who relit the Gullpoint lighthouse?"


async def ask(pilot, question: str) -> AnswerCard:  # type: ignore[no-untyped-def]
    """Type a question, press Enter and wait for its card to hold a result."""
    app = pilot.app
    before = len(app.chat.conversation.cards())
    await pilot.press(*question, "enter")
    await wait_for(pilot, lambda: len(app.chat.conversation.cards()) > before, what="the card")
    card = app.chat.conversation.cards()[-1]
    await wait_for(pilot, lambda: card.result is not None, what=f"an answer to {question!r}")
    await pilot.pause()
    return card


def card_text(card: AnswerCard) -> str:
    return card.render().plain


class TestStartup:
    def test_first_paint_does_not_load_the_model(self) -> None:
        """The app module stays light: onnxruntime, faiss and the answerer load later, in a worker."""
        heavy = "('onnxruntime', 'faiss', 'qa.answer', 'qa.session')"
        code = f"import sys, qa.tui.app; print(sorted(m for m in {heavy} if m in sys.modules))"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        assert out.strip() == "[]"

    async def test_typing_before_the_model_is_ready(self, tui_index: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
        gate, real = Gate(), qa.session.open_answerer

        def slow_open(settings: Settings, opened: object = None) -> Answerer:
            gate.wait()
            return real(settings, opened)

        monkeypatch.setattr(qa.session, "open_answerer", slow_open)
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            assert isinstance(app.focused, QuestionInput)
            await pilot.press(*CHAIR, "enter")
            await pilot.pause()
            await wait_for(pilot, gate.reached.is_set, what="the held step")
            card = app.chat.conversation.cards()[0]
            assert not app.chat.engine.ready
            assert card.result is None and "waiting for the model" in card_text(card)
            assert app.query_one(StatusBar).state == "loading model…"
            await pilot.press(*"still typing")  # the input keeps taking keys meanwhile
            assert app.chat.question.value == "still typing"
            await pilot.press("ctrl+r")
            assert ("Rebuild", "The index is still loading; rebuild once it is ready.", "warning") in notes(app)
            gate.open()
            await wait_for(pilot, lambda: card.result is not None, what="the waiting question's answer")
            assert card.result.answered and "Odalys Brennan" in card.answer.highlight
            assert app.query_one(StatusBar).state == "ready"

    async def test_first_run_builds_with_a_progress_bar(
        self, tui_index: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        settings = Settings(seeds=tui_index.seeds, index=tmp_path / "fresh-index", top_k=3)
        gate, real = Gate(), qa.session.build

        def gated_build(settings: Settings, progress, **kw):  # type: ignore[no-untyped-def]
            def report(stage: str, done: int, total: int) -> None:
                progress(stage, done, total)
                if stage == "embedding" and not gate.reached.is_set():
                    gate.wait()

            return real(settings, progress=report, **kw)

        monkeypatch.setattr(qa.session, "build", gated_build)
        app = QAApp(settings)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, gate.reached.is_set, what="the held step")
            bar = app.query_one(BuildBar)
            await wait_for(pilot, lambda: "embedding" in str(bar.query_one("#stage", Static).content))
            assert bar.display and bar.query_one(ProgressBar).total is not None
            assert "building the index (no index yet)" in app.query_one(StatusBar).state
            await pilot.press(*CHAIR, "enter")  # asked during the build: answered when it is done
            card = app.chat.conversation.cards()[0]
            gate.open()
            await wait_for(pilot, lambda: card.result is not None, what="an answer after the first build")
            await wait_for(pilot, lambda: any(t == "Index built" for t, _, _ in notes(app)), what="the notification")
            assert not bar.display
            assert "Odalys Brennan" in card.answer.highlight

    async def test_quitting_during_a_build_stops_it(
        self, tui_index: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The app waits for its worker threads when it exits, so a long build must stop when the app closes."""
        stopped = threading.Event()

        def endless_build(settings: Settings, progress, **kw):  # type: ignore[no-untyped-def]
            try:
                for n in range(3000):  # stands in for a big corpus: 30 s of embedding
                    progress("embedding", n, 3000)
                    time.sleep(0.01)
            finally:
                stopped.set()

        monkeypatch.setattr(qa.session, "build", endless_build)
        app = QAApp(Settings(seeds=tui_index.seeds, index=tmp_path / "fresh-index"))
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.query_one(BuildBar).display, what="the build")
            await pilot.press("ctrl+q")
        assert stopped.wait(5), "the build kept running after the app closed"


class TestAsking:
    async def test_the_card_shows_sentence_passage_source_and_score(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(120, 40)) as pilot:
            card = await ask(pilot, FOUNDER)
            answer = card.answer
            assert card.result.answered and answer.source == "bakery.txt"
            content = card.render()
            assert content.plain.startswith(safe(answer.highlight))  # the answer sentence comes first
            assert safe(answer.passage) in content.plain
            start = content.plain.index(safe(answer.passage)) + answer.highlight_start - answer.start
            marked = [s for s in content.spans if s.start <= start and s.end >= start + len(answer.highlight)]
            assert any("on $accent-muted" in str(s.style) for s in marked), "the sentence is marked in the passage"
            assert "A century of bread on Pell Street" in str(card.border_title)
            assert "bakery.txt" in str(card.border_subtitle) and f"{answer.score:.3f}" in str(card.border_subtitle)

    async def test_also_in_names_the_other_article(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            card = await ask(pilot, CHAIR)
            assert card.answer.also_in
            assert "also in: " + ", ".join(card.answer.also_in) in card_text(card)

    async def test_further_answers_are_one_key_away(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            card = await ask(pilot, CHAIR)
            total = len(card.result.answers)
            assert total > 1 and str(card.border_title).startswith(f"1/{total}")
            await pilot.press("ctrl+n")
            assert card.shown == 1 and str(card.border_title).startswith(f"2/{total}")
            assert card.result.answers[1].passage in card_text(card)
            card.focus()
            await pilot.press("left")
            assert card.shown == 0

    async def test_no_confident_answer_is_said_plainly(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            card = await ask(pilot, "what is the boiling point of mercury on Neptune?")
            assert not card.result.answered and card.result.answers
            text = card_text(card)
            assert text.startswith("No confident answer. The closest passages:")
            assert card.answer.passage in text and card.has_class("-unanswered")
            empty = await ask(pilot, "?!")
            assert "no words to search for" in card_text(empty)


class TestSourceView:
    async def test_open_the_article_at_the_passage_and_come_back(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            card = await ask(pilot, PAYMENT)
            answer = card.answer
            assert answer.source == "harbour.txt"
            await pilot.press("shift+tab")  # from the question box to the newest card
            assert app.focused is card
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, SourceScreen), what="the article view")
            await pilot.pause(0.1)
            screen = app.screen
            passage = screen.query_one("#passage", Static)
            shown = passage.content
            assert answer.passage in shown.plain
            sentence_at = shown.plain.index(answer.highlight)
            assert any(s.start <= sentence_at < s.end and "$accent-muted" in str(s.style) for s in shown.spans)
            article = screen.query_one("#article")
            assert article.scroll_y > 0, "a passage deep in the article is scrolled to"
            assert passage.region.y >= article.region.y and passage.region.y < article.region.bottom
            await pilot.press("escape")
            assert not isinstance(app.screen, SourceScreen) and app.focused is card

    async def test_double_click_opens_the_card(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(120, 40)) as pilot:
            card = await ask(pilot, FOUNDER)
            await pilot.click(AnswerCard, offset=(4, 2))
            assert app.focused is card and isinstance(app.screen, type(app.screen_stack[0]))
            await pilot.double_click(AnswerCard, offset=(4, 2))
            await wait_for(pilot, lambda: isinstance(app.screen, SourceScreen), what="the article view")
            await pilot.press("q")
            assert not isinstance(app.screen, SourceScreen)


class TestRebuild:
    async def test_asking_while_rebuilding_then_new_answers_use_the_new_index(
        self, tui_index_copy: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        gate, real = Gate(), qa.build.build

        def gated_build(settings: Settings, progress, **kw):  # type: ignore[no-untyped-def]
            def report(stage: str, done: int, total: int) -> None:
                progress(stage, done, total)
                if stage == "embedding":
                    gate.wait()

            return real(settings, progress=report, **kw)

        monkeypatch.setattr(qa.build, "build", gated_build)
        app = QAApp(tui_index_copy)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.chat.engine.ready, what="the model")
            name, text = NEW_ARTICLE
            (tui_index_copy.seeds / name).write_text(text, encoding="utf-8")
            await pilot.press("ctrl+r")
            await wait_for(pilot, gate.reached.is_set, what="the held step")
            await wait_for(pilot, lambda: app.query_one(BuildBar).display, what="the progress bar")
            during = await ask(pilot, CHAIR)  # answered by the old index while the build waits
            assert "Odalys Brennan" in during.answer.highlight
            old = await ask(pilot, LIGHTHOUSE)
            assert all(a.source != name for a in old.result.answers)
            await pilot.press("ctrl+r")
            assert ("Rebuild", "A rebuild is already running.", "warning") in notes(app)
            gate.open()
            await wait_for(pilot, lambda: not app.query_one(BuildBar).display, what="the rebuild")
            assert not app.chat.engine.building
            assert app.query_one(StatusBar).info.startswith("6 articles")
            new = await ask(pilot, LIGHTHOUSE)
            assert new.answer.source == name and "Anneliese Vork" in new.answer.highlight

    async def test_rebuilding_an_up_to_date_index_says_so_and_keeps_it(self, tui_index_copy: Settings) -> None:
        app = QAApp(tui_index_copy)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.chat.engine.ready, what="the model")
            await pilot.press("ctrl+r")  # the copy's files may carry new times: this one may write a version
            await wait_for(pilot, lambda: any(t.startswith("Index ") for t, _, _ in notes(app)), what="a rebuild")
            current = store.current_version(tui_index_copy.index)
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: len([t for t, _, _ in notes(app) if t.startswith("Index ")]) == 2)
            assert "Index up to date" in [t for t, _, _ in notes(app)]
            assert store.current_version(tui_index_copy.index) == current
            assert "Odalys Brennan" in (await ask(pilot, CHAIR)).answer.highlight

    async def test_a_failed_rebuild_is_a_notification_and_the_old_index_keeps_answering(
        self, tui_index_copy: Settings
    ) -> None:
        app = QAApp(tui_index_copy)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.chat.engine.ready, what="the model")
            with store.build_lock(tui_index_copy.index):  # another build holds the index
                await pilot.press("ctrl+r")
                await wait_for(pilot, lambda: "Rebuild failed" in {t for t, _, _ in notes(app)}, what="the failure")
            assert not app.chat.engine.building
            titles = {t: (m, s) for t, m, s in notes(app)}
            message, severity = titles["Rebuild failed"]
            assert "another `qa index build` is running" in message and severity == "error"
            assert "rebuild failed" in app.query_one(StatusBar).state
            card = await ask(pilot, FOUNDER)
            assert "Ignatius Wren" in card.answer.highlight


class TestHabits:
    async def test_history_walks_back_and_forth(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            await ask(pilot, CHAIR)
            await ask(pilot, FOUNDER)
            await pilot.press(*"draft")
            await pilot.press("up")
            assert app.chat.question.value == FOUNDER
            await pilot.press("up", "up")
            assert app.chat.question.value == CHAIR
            await pilot.press("down")
            assert app.chat.question.value == FOUNDER
            await pilot.press("down")
            assert app.chat.question.value == "draft"

    async def test_copy_answer_and_passage_with_citation(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            card = await ask(pilot, CHAIR)
            await pilot.press("ctrl+y")
            assert app.last_copied == card.answer.highlight
            await pilot.press("ctrl+t")
            a = card.answer
            assert app.last_copied == f"“{a.passage}”\n— {a.title}, {a.source} [{a.start}:{a.end}]"
            assert "Copied the passage" in {t for t, _, _ in notes(app)}

    async def test_export_writes_markdown_in_the_working_folder(
        self, tui_index: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            first = await ask(pilot, CHAIR)
            await ask(pilot, FOUNDER)
            await pilot.press("ctrl+s")
            files = list(tmp_path.glob("qa-conversation-*.md"))
            assert len(files) == 1
            text = files[0].read_text(encoding="utf-8")
            assert f"## 1. {CHAIR}" in text and f"## 2. {FOUNDER}" in text
            assert "Odalys Brennan" in text and first.answer.source in text
            assert ("Exported 2 answers", str(files[0]), "information") in notes(app)

    async def test_clear_empties_the_conversation(
        self, tui_index: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            await ask(pilot, CHAIR)
            await pilot.press("ctrl+l")
            await pilot.pause()
            assert app.chat.conversation.cards() == []
            await pilot.press("ctrl+s")
            assert "Nothing to export" in {t for t, _, _ in notes(app)}
            assert not list(tmp_path.glob("qa-conversation-*.md"))

    async def test_page_keys_scroll_the_conversation_while_typing(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            await ask(pilot, CHAIR)
            await ask(pilot, FOUNDER)
            conversation = app.chat.conversation
            bottom = conversation.scroll_y
            await pilot.press("pageup")
            up = conversation.scroll_y
            assert up < bottom and isinstance(app.focused, QuestionInput)
            await pilot.press("pagedown")
            assert conversation.scroll_y > up

    async def test_help_lists_every_key(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("question_mark")  # typed into the question box, not taken as "help"
            assert app.chat.question.value == "?" and not isinstance(app.screen, HelpScreen)
            await pilot.press("f1")
            assert isinstance(app.screen, HelpScreen)
            listed = {(keys, action) for _, keys, action in app.screen.rows()}
            every = [QAApp, ChatScreen, AnswerCard, SourceScreen, QuestionInput]
            for binding in [b for owner in every for b in owner.BINDINGS]:
                keys = " / ".join(app.get_key_display(Binding(k, "")) for k in binding.key.split(","))
                assert (keys, binding.tooltip or binding.description) in listed
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)

    async def test_quit(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert not app.is_running


class TestErrors:
    async def test_a_missing_articles_folder_is_a_titled_notification(self, tmp_path: Path) -> None:
        missing = tmp_path / "[bold]no-such-folder"
        app = QAApp(Settings(seeds=missing, index=tmp_path / "index"))
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.chat.engine.error is not None and notes(app), what="the load to fail")
            ((title, message, severity),) = notes(app)
            assert title == "Could not open the index" and severity == "error"
            assert f"Folder {missing} does not exist" in message  # literal: "[bold]" is not taken as markup
            assert app.query_one(StatusBar).state.startswith("no index")
            await pilot.press(*CHAIR, "enter")
            await pilot.pause()
            assert "press ctrl+r to build one" in card_text(app.chat.conversation.cards()[0])

    async def test_an_unexpected_failure_while_answering_is_a_notification(
        self, tui_index: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(self: Answerer, question: str, *args: object, **kwargs: object) -> None:
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(Answerer, "ask", broken)
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.chat.engine.ready, what="the model")
            await pilot.press(*CHAIR, "enter")
            await wait_for(pilot, lambda: notes(app), what="a notification")
            assert notes(app) == [("Could not answer", "unexpected RuntimeError: disk on fire", "error")]
            card = app.chat.conversation.cards()[0]
            assert card.has_class("-failed") and "disk on fire" in card_text(card)
            assert app.is_running

    async def test_an_unexpected_crash_exits_quietly_with_one_line(
        self, tui_index: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Outside tests (not headless) a bug ends the app with app.crash set, which run() turns into one line."""
        monkeypatch.setattr(QAApp, "is_headless", property(lambda self: False))
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.chat.engine.ready, what="the model")
            app.call_later(lambda: 1 / 0)
            for _ in range(500):  # not pilot.pause: the app is going down
                if app.crash is not None:
                    break
                await asyncio.sleep(0.01)
        assert isinstance(app.crash, ZeroDivisionError) and app.return_code == 2


class TestMarkupInjection:
    async def test_article_markup_and_escapes_are_shown_literally(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(120, 40)) as pilot:
            card = await ask(pilot, FOUNDER)
            content = card.render()
            link = "[link=https://evil.example/x]the town archive[/link]"
            for literal in ("[bold]Ignatius Wren[/bold]", link, "␛[31mred␛[0m"):
                assert literal in content.plain
            assert "\x1b" not in content.plain
            assert not any("link" in str(s.style) for s in content.spans)
            painted = "\n".join(strip.text for strip in card.render_lines(Region(0, 0, *card.size)))
            assert "[bold]Ignatius" in painted and "[link=https://evil.example/x]the" in painted
            await pilot.press("ctrl+o")
            await wait_for(pilot, lambda: isinstance(app.screen, SourceScreen), what="the article view")
            shown = app.screen.query_one("#passage", Static).content
            assert "[bold]Ignatius Wren[/bold]" in shown.plain and "␛[31m" in shown.plain

    async def test_a_question_with_markup_is_shown_literally(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            await ask(pilot, "[red]who[/red] founded the Pell Street bakery?")
            line = app.chat.conversation.query_one("#question-1", Static)
            assert "[red]who[/red]" in line.content.plain
