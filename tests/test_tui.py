"""The terminal app, driven through Pilot against a real index (real model) built from articles
written for these tests (tests/tui_fixtures.py)."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import pytest
from textual.content import Content
from textual.geometry import Region
from textual.widgets import Input, ProgressBar, Static
from tui_fixtures import NEW_ARTICLE, Gate, index_copy_fixture, index_fixture, notes, wait_for  # noqa: F401

import qa.build
import qa.session
from qa import store
from qa.answer import Answerer
from qa.records import Answer
from qa.render import safe
from qa.settings import Settings
from qa.tui import filter_line
from qa.tui.answer_card import AnswerCard
from qa.tui.app import QAApp
from qa.tui.build_bar import BuildBar
from qa.tui.chat_screen import ChatScreen
from qa.tui.confirm_dialog import ConfirmDialog
from qa.tui.export_dialog import ExportDialog
from qa.tui.help_screen import HelpScreen, key_name
from qa.tui.question_input import QuestionInput
from qa.tui.question_line import QuestionLine
from qa.tui.source_screen import SourceScreen
from qa.tui.status_bar import StatusBar

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # each test loads the model and index into an app

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


@dataclass(frozen=True)
class Dated(Answer):
    """An Answer with the article fields newer indexes add (the card reads them with getattr)."""

    date: str | None = None
    author: str | None = None
    section: str | None = None
    url: str | None = None
    short_answer: str | None = None


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
    async def test_the_card_shows_the_sentence_once_in_its_passage_under_the_article_head(
        self, tui_index: Settings
    ) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(120, 40)) as pilot:
            card = await ask(pilot, FOUNDER)
            answer = card.answer
            assert card.result.answered and answer.source == "bakery.txt"
            content = card.render()
            assert content.plain.count(safe(answer.highlight)) == 1, "the sentence is shown once, in its passage"
            assert content.plain.splitlines()[0] == "bakery.txt"  # the head: date, byline, source (here only that)
            assert safe(answer.passage) in content.plain
            start = content.plain.index(safe(answer.passage)) + answer.highlight_start - answer.start
            marked = [s for s in content.spans if s.start <= start and s.end >= start + len(answer.highlight)]
            assert any("on $accent-muted" in str(s.style) for s in marked), "the sentence is marked in the passage"
            assert "A century of bread on Pell Street" in str(card.border_title)
            assert Content.from_markup(str(card.border_subtitle)).plain == "confidence high"
            assert f"{card.result.confidence:+.2f} log-odds" in str(card.tooltip)
            assert f"score {answer.score:.3f}" in str(card.tooltip)
            card.focus()
            await pilot.press("i")  # the figures on a key, for the keyboard
            assert f"{card.result.confidence:+.2f} log-odds" in card_text(card)

    async def test_confidence_is_a_plain_label(self) -> None:
        from qa.answer import THRESHOLD
        from qa.tui.answer_card import confidence_label

        assert confidence_label(THRESHOLD - 0.01) == "low"
        assert confidence_label(THRESHOLD) == confidence_label(THRESHOLD + 1.5) == "medium"
        assert confidence_label(THRESHOLD + 1.51) == "high" and confidence_label(None) is None

    async def test_headline_date_byline_and_short_answer_when_the_index_has_them(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(120, 40)) as pilot:
            card = await ask(pilot, FOUNDER)
            meta = {"date": "2024-05-06", "author": "Ada Reyes", "section": "Local", "url": "https://example.org/bakery",
                    "short_answer": "Ignatius Wren"}  # fmt: skip
            rich = Dated(**{**asdict(card.answer), "also_in": (), **meta})
            card.show(replace(card.result, answers=(rich,)))
            await pilot.pause()
            lines = card_text(card).splitlines()
            assert lines[0] == "2024-05-06 · by Ada Reyes · Local · bakery.txt"
            assert lines[1] == "Ignatius Wren" and any("bold" in str(s.style) for s in card.render().spans)
            assert "https://example.org/bakery" in str(card.tooltip)

    async def test_a_lede_cut_to_a_title_gives_way_to_the_file_name(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(120, 40)) as pilot:
            card = await ask(pilot, FOUNDER)
            cut = replace(card.answer, source="news/000_3e22c3.txt", title="Los Angeles city lawmakers voted Tues…")
            card.show(replace(card.result, answers=(cut,)))
            await pilot.pause()
            assert str(card.border_title) == "1/1 · 000_3e22c3.txt"

    async def test_tab_goes_to_the_newest_card_and_shift_tab_to_older_ones(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            first = await ask(pilot, CHAIR)
            second = await ask(pilot, FOUNDER)
            await pilot.press("tab")
            assert app.focused is second
            await pilot.press("shift+tab")
            assert app.focused is first
            await pilot.press("tab")
            assert app.focused is second
            await pilot.press("tab")
            assert app.focused is app.chat.question

    async def test_a_focused_cards_key_line_keeps_its_bottom_border_in_view(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            await ask(pilot, CHAIR)
            card = await ask(pilot, PAYMENT)
            conversation = app.chat.conversation
            await wait_for(pilot, lambda: card.region.bottom <= conversation.region.bottom, what="the card in view")
            await pilot.pause(0.1)
            await pilot.press("tab")
            await pilot.pause(0.1)
            assert app.focused is card and "esc back" in card_text(card)
            assert card.region.bottom <= conversation.region.bottom, "the bottom border is in view"

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
            spanned = Dated(**{**asdict(card.answer), "also_in": (), "short_answer": "Ignatius Wren"})
            card.show(replace(card.result, answers=(spanned,)))  # a span the reader found: not the answer here
            await pilot.pause()
            assert "Ignatius Wren" not in card_text(card)
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
            assert passage.region.y >= article.region.y + 3 and passage.region.y < article.region.bottom - 3
            assert (
                screen.query_one("#source-title", Static).content.plain
                == "Marrowfield harbour commission approves dredging plan"
            )
            assert screen.query_one("#source-meta", Static).content.plain == "harbour.txt"
            await pilot.press("escape")  # back in the question box: the next letters are a question, not card keys
            assert not isinstance(app.screen, SourceScreen) and app.focused is app.chat.question
            await pilot.press("shift+tab", *"what")  # a letter that is not a card key starts a question from a card
            assert app.focused is app.chat.question and app.chat.question.value == "what"

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
            await pilot.press(*LIGHTHOUSE, "enter")  # held until the rebuild is done, and it says so
            await pilot.pause(0.2)
            during = app.chat.conversation.cards()[-1]
            assert during.result is None and card_text(during) == "waiting for the rebuild to finish…"
            await pilot.press("ctrl+r")
            assert ("Rebuild", "A rebuild is already running.", "warning") in notes(app)
            gate.open()
            await wait_for(pilot, lambda: during.result is not None, what="the held question's answer")
            assert during.answer.source == name and "Anneliese Vork" in during.answer.highlight  # the new index
            assert not app.chat.engine.building
            assert app.query_one(StatusBar).info.startswith("6 articles")

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
            assert app.chat.question.history == []  # QA_DATA_DIR is this test's own
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
            await pilot.press("ctrl+s")  # asks where, with a path in this folder filled in
            dialog = app.screen
            assert isinstance(dialog, ExportDialog)
            field = dialog.query_one(Input)
            assert Path(field.value).parent == tmp_path and Path(field.value).name.startswith("qa-conversation-")
            await pilot.press("escape")  # cancelled: nothing written
            assert not list(tmp_path.glob("*.md")) and not isinstance(app.screen, ExportDialog)
            await pilot.press("ctrl+s")
            app.screen.query_one(Input).value = str(tmp_path / "notes" / "harbour.md")
            (tmp_path / "notes").mkdir()
            await pilot.press("enter")
            await pilot.pause()
            saved = tmp_path / "notes" / "harbour.md"
            text = saved.read_text(encoding="utf-8")
            head = text.split("\n\n")[1]
            assert re.fullmatch(
                rf"\d{{4}}-\d\d-\d\d \d\d:\d\d · index `{tui_index.index.resolve()}` · 5 articles", head
            )
            assert f"## 1. {CHAIR}" in text and f"## 2. {FOUNDER}" in text
            assert "Odalys Brennan" in text and first.answer.source in text
            await pilot.press("ctrl+l", "y")  # a new conversation is numbered from 1 again in its export
            await pilot.pause()
            await ask(pilot, FOUNDER)
            await pilot.press("ctrl+s")
            app.screen.query_one(Input).value = str(tmp_path / "notes" / "after-clear.md")
            await pilot.press("enter")
            await pilot.pause()
            after = (tmp_path / "notes" / "after-clear.md").read_text(encoding="utf-8")
            assert f"## 1. {FOUNDER}" in after and "## 3." not in after
            assert ("Exported 2 answers", str(saved), "information") in notes(app)

    async def test_clear_empties_the_conversation(
        self, tui_index: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            await ask(pilot, CHAIR)
            await pilot.press("ctrl+l")  # asks first; n keeps the conversation
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("n")
            assert len(app.chat.conversation.cards()) == 1 and app.focused is app.chat.question
            # Typing on without looking: the first other letter answers no, and the question lands in the box.
            await pilot.press("ctrl+l", *"how many")
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmDialog)
            assert len(app.chat.conversation.cards()) == 1 and app.chat.question.value == "how many"
            app.chat.question.clear()
            await pilot.press("ctrl+l", "y")
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

    async def test_a_narrower_terminal_keeps_the_newest_exchange_in_view(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(100, 24)) as pilot:
            for question in (CHAIR, FOUNDER, PAYMENT):
                await ask(pilot, question)
            await pilot.pause(0.2)
            conversation = app.chat.conversation
            newest = app.query("QuestionLine").last()

            def in_view() -> bool:  # the newest question at the top, or the conversation scrolled to its end
                at_top = 0 <= newest.region.y - conversation.region.y <= 1  # (its margin above)
                return at_top or (conversation.scroll_y >= conversation.max_scroll_y > 0 and newest.region.y >= 0)

            assert in_view()
            await pilot.resize_terminal(48, 24)  # the cards wrap taller: what was in view moves down
            await pilot.pause(0.3)
            assert in_view(), (newest.region, conversation.region)
            await pilot.press("pageup", "pageup")  # read back up: a resize now leaves the view where it is
            await pilot.pause(0.1)
            up = conversation.scroll_y
            await pilot.resize_terminal(47, 24)
            await pilot.pause(0.3)
            assert not in_view() and conversation.scroll_y <= up + 2

    async def test_help_lists_every_key(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("question_mark")  # typed into the question box, not taken as "help"
            assert app.chat.question.value == "?" and not isinstance(app.screen, HelpScreen)
            await pilot.press("f1")
            assert isinstance(app.screen, HelpScreen)
            rows = app.screen.rows()
            listed = {(keys, action) for _, keys, action in rows}
            every = [ChatScreen, AnswerCard, SourceScreen, QuestionInput]
            for binding in [b for owner in every for b in owner.BINDINGS]:
                keys = " / ".join(key_name(k) for k in binding.key.split(","))
                assert (keys, binding.tooltip or binding.description) in listed
            for _, keys, _ in rows:  # one spelling: ctrl+x, never ^x or Ctrl+X
                assert "^" not in keys and "Ctrl" not in keys and "question_mark" not in keys, keys
            box = " ".join(keys for place, keys, _ in rows if place == "Question box")
            for command in (*filter_line.NAMES, *filter_line.ACTIONS):  # the typed filters are keys too
                assert f"/{command}" in box, command
            anywhere = {keys for place, keys, _ in rows if place == "Anywhere"}
            assert "f1" in anywhere and "ctrl+q" in anywhere and not any("?" in k for k in anywhere)
            assert ("Answer card", "?", "This list of keys") in rows
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
            app.chat.conversation.searching()  # as when a rebuild finishes: a failed card is not asked again
            assert "disk on fire" in card_text(card) and "searching" not in card_text(card)

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


class TestArticleView:
    async def test_left_out_text_is_dimmed_then_hidden_and_paragraphs_are_spaced(self, tui_index: Settings) -> None:
        """An extracted page (one paragraph a line) whose index kept only the story, not the site chrome."""
        chrome, story = (
            "Home | News | Sport\nSUBSCRIBE NOW\n",
            "Dock workers bought rye.\nThe ovens went electric in 1994.\n",
        )
        text = chrome + story + "Latest stories\nMore from the town"
        start = len(chrome) + len("Dock workers bought rye.\n")
        end = start + len("The ovens went electric in 1994.")
        answer = Answer(
            1, 0.9, "page.html", "Rye on the docks", text[start:end], start, end, text[start:end], start, end
        )
        meta = {"title": "Rye on the docks", "date": "2024-05-06T10:00:00", "author": "Ada Reyes"}
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            await app.push_screen(SourceScreen(answer, text, meta, [(len(chrome), len(chrome) + len(story) - 1)]))
            await pilot.pause()
            screen = app.screen
            assert screen.query_one("#source-meta", Static).content.plain == "2024-05-06 · by Ada Reyes · page.html"
            before = screen.query_one("#before", Static).content
            assert before.plain == "Home | News | Sport\n\nSUBSCRIBE NOW\n\nDock workers bought rye."  # spaced
            dim = [before.plain[s.start : s.end] for s in before.spans if "35%" in str(s.style)]
            assert "SUBSCRIBE NOW" in "".join(dim) and "Dock workers" not in "".join(dim)
            await pilot.press("d")  # hide what the index left out
            assert screen.query_one("#before", Static).content.plain == "Dock workers bought rye."
            assert not screen.query_one("#after", Static).display  # "Latest stories…" was all chrome
            await pilot.press("d")
            assert "Latest stories" in screen.query_one("#after", Static).content.plain

    async def test_the_article_view_gets_the_index_spans_and_headline(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(120, 40)) as pilot:
            await ask(pilot, FOUNDER)
            await pilot.press("ctrl+o")
            await wait_for(pilot, lambda: isinstance(app.screen, SourceScreen), what="the article view")
            screen = app.screen
            assert screen.meta["title"] == "A century of bread on Pell Street" and screen.meta["source"] == "bakery.txt"
            assert "characters" not in screen.query_one("#source-meta", Static).content.plain


class TestFirstKeys:
    async def test_keys_pressed_at_once_land_in_the_question_box(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(*"who")
            assert app.chat.question.value == "who" and app.focused is app.chat.question

    async def test_keys_before_anything_has_focus_are_kept(self, tui_index: Settings) -> None:
        """In a terminal, keys typed while the app starts can arrive before the question box has focus."""
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            app.set_focus(None)
            await pilot.press(*"who chairs", "enter")
            await pilot.pause()
            assert app.focused is app.chat.question
            assert [str(line.content) for line in app.chat.conversation.query(QuestionLine)] == ["❯ who chairs"]


class TestPalette:
    async def test_the_apps_actions_are_in_the_palette(self, tui_index: Settings) -> None:
        app = QAApp(tui_index)
        async with app.run_test(size=(100, 30)) as pilot:
            await ask(pilot, CHAIR)
            titles = [c.title for c in app.get_system_commands(app.chat)]
            for title in ("Ask again", "Open the article", "Other answers", "Copy the answer", "Export the conversation",
                          "Rebuild the index", "Clear the conversation", "Clear the question history", "Theme"):  # fmt: skip
                assert title in titles
            await pilot.press("ctrl+p", *"ask again")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(app.chat.conversation.cards()) == 2, what="the question asked again")
            assert str(app.chat.conversation.query_one("#question-2", Static).content) == f"❯ {CHAIR}"

    async def test_a_screenshot_goes_to_a_folder_that_exists_and_says_where(
        self, tui_index: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import platformdirs

        from qa.tui.commands import save_screenshot, screenshot_folder

        monkeypatch.setattr(platformdirs, "user_documents_dir", lambda: str(tmp_path / "no-documents"))
        assert screenshot_folder() == Path.cwd()
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            path = save_screenshot(app, tmp_path / "shots")
            await pilot.pause()
            assert path is not None and path.parent == tmp_path / "shots" and path.read_text().startswith("<svg")
            assert ("Screenshot saved", str(path), "information") in notes(app)
            command = next(c for c in app.get_system_commands(app.chat) if c.title == "Screenshot")
            assert "say where" in command.help


class TestEmptyFolder:
    async def test_the_welcome_says_where_to_put_articles(self, tmp_path: Path) -> None:
        (tmp_path / "seeds").mkdir()
        app = QAApp(Settings(seeds=tmp_path / "seeds", index=tmp_path / "index"))
        async with app.run_test(size=(100, 24)) as pilot:
            await wait_for(pilot, lambda: app.query_one(StatusBar).state == "ready", what="the empty index")
            welcome = str(app.chat.conversation.query_one("#welcome", Static).content)
            assert str((tmp_path / "seeds").resolve()) in welcome
            assert ".html" in welcome and ".txt" in welcome and ".md" in welcome and "ctrl+r" in welcome


class TestHistoryAcrossRuns:
    async def test_questions_come_back_in_the_next_run_and_can_be_forgotten(
        self, tui_index: Settings, tmp_path: Path
    ) -> None:
        from qa.tui.history import data_dir

        assert data_dir() == tmp_path / "qa-data"  # QA_DATA_DIR (tests/conftest.py): never the user's own
        app = QAApp(tui_index)
        async with app.run_test(size=(80, 24)) as pilot:
            await ask(pilot, CHAIR)
        again = QAApp(tui_index)
        async with again.run_test(size=(80, 24)) as pilot:
            await pilot.press("up")
            assert again.chat.question.value == CHAIR
            command = next(c for c in again.get_system_commands(again.chat) if c.title == "Clear the question history")
            command.callback()
            assert not (tmp_path / "qa-data" / "history.jsonl").exists()
        third = QAApp(tui_index)
        async with third.run_test(size=(80, 24)) as pilot:
            await pilot.press("up")
            assert third.chat.question.value == ""
