"""The app reads follow-ups in the conversation so far: the card says how it read one, ctrl+g asks it as typed, and
ctrl+l starts a new conversation. Driven with Pilot over an index of an article written for this test."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_fixtures import wait_for

from qa.settings import Settings
from qa.tui.answer_card import AnswerCard
from qa.tui.app import QAApp
from qa.tui.confirm_dialog import ConfirmDialog

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # apps over a real index

ARTICLE = """Marlow Heights approves Amber Line rapid bus

The Marlow Heights council approved the Amber Line rapid bus route on Tuesday after a long debate.

Council member Wilhelmina Oduya, who chairs the transit committee, called the vote a turning point for the east side.

Council member Casimir Feld, who chairs the housing committee, voted against the plan and warned about rents.

The Amber Line will cost 92 million dollars and is due to open in the spring of 2027, officials said.
"""
TRAM = """Coral Line tram wins final approval

The Harbourside council gave final approval to the Coral Line tram on Monday.

The Coral Line will cost 310 million dollars, the council's finance office said, and should open in 2029.

Its 9 kilometre route links the ferry terminal with the hospital.
"""
FIRST = "Which council member chairs the transit committee?"
FOLLOW_UP = "and the housing one?"
READ_AS = "Which council member chairs the housing committee?"


@pytest.fixture(scope="module")
def amber_index(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Settings:
    from qa.build import build

    root = tmp_path_factory.mktemp("tui-conversation")
    (root / "seeds").mkdir()
    (root / "seeds" / "amber.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "seeds" / "coral.txt").write_text(TRAM, encoding="utf-8")
    settings = Settings(seeds=root / "seeds", index=root / "index", top_k=2)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(model_cache))
        build(settings)
    return settings


async def answered(pilot, count: int) -> AnswerCard:  # type: ignore[no-untyped-def]
    """The newest card, once there are ``count`` cards and it holds its result."""
    app = pilot.app
    await wait_for(pilot, lambda: len(app.chat.conversation.cards()) >= count, what=f"card {count}")
    card = app.chat.conversation.cards()[-1]
    await wait_for(pilot, lambda: card.result is not None, what=f"the answer on card {count}")
    await pilot.pause()
    return card


class TestFollowUps:
    async def test_a_follow_up_is_read_in_the_conversation_and_can_be_asked_as_typed(
        self, amber_index: Settings
    ) -> None:
        app = QAApp(amber_index)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press(*FIRST, "enter")
            first = await answered(pilot, 1)
            assert first.result.read_as is None and "read as" not in first.render().plain

            await pilot.press(*FOLLOW_UP, "enter")
            card = await answered(pilot, 2)
            assert card.result.question == FOLLOW_UP and card.result.read_as == READ_AS
            assert f"read as: {READ_AS}" in card.render().plain
            assert "Casimir Feld" in card.answer.highlight
            assert str(app.query("QuestionLine").last().render()).find(FOLLOW_UP) >= 0  # the line shows it as typed

            await pilot.press("ctrl+g")  # ask it as typed instead
            typed = await answered(pilot, 3)
            assert typed.result.question == FOLLOW_UP and typed.result.read_as is None
            assert "read as" not in typed.render().plain
            assert typed.result.notice == "asked as typed" and "asked as typed" in typed.render().plain
            assert [t.question for t in app.chat.talk.turns] == [FIRST, FOLLOW_UP]  # the reading was dropped

    async def test_a_follow_up_is_asked_with_the_articles_the_conversation_is_about(
        self, amber_index: Settings
    ) -> None:
        app = QAApp(amber_index)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press(*"What does the Coral Line route link?", "enter")
            first = await answered(pilot, 1)
            assert first.answer.source == "coral.txt" and app.chat.talk.context() == ["coral.txt"]
            answerer = app.chat.engine._answerer
            told: list[list[str]] = []  # what each search was told to prefer
            ask = answerer.ask
            answerer.ask = lambda *a, **kw: told.append(list(kw.get("context", ()))) or ask(*a, **kw)
            await pilot.press(*"How much will it cost?", "enter")
            card = await answered(pilot, 2)
            assert card.answer.source == "coral.txt" and "310 million dollars" in card.answer.highlight
            await pilot.press("ctrl+g")  # as typed: no reading, and no conversation to prefer
            await answered(pilot, 3)
            assert told == [["coral.txt"], []]
            engine = app.chat.engine  # each question's reading and context were used once, and not kept
            assert not engine._context_of and not engine.read_as and not engine._filters_of

    async def test_ctrl_l_starts_a_new_conversation(self, amber_index: Settings) -> None:
        app = QAApp(amber_index)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press(*FIRST, "enter")
            await answered(pilot, 1)
            await pilot.press("ctrl+l")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the clear dialog")
            await pilot.press("y")
            await wait_for(pilot, lambda: not app.chat.conversation.cards(), what="the cleared conversation")
            assert app.chat.talk.turns == []
            await pilot.press(*FOLLOW_UP, "enter")
            card = await answered(pilot, 1)
            assert card.result.read_as is None  # nothing before it to lean on

    async def test_the_key_is_in_the_help(self, amber_index: Settings) -> None:
        from qa.tui.help_screen import HelpScreen

        rows = HelpScreen(QAApp.BINDINGS).rows()
        assert ("Conversation", "ctrl+g", "Ask the last follow-up as typed") in rows
