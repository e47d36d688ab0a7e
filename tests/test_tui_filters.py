"""The app's filters and articles screen, through Pilot against an index of dated articles written for these tests
(tests/dated_corpus.py): filters typed as /commands in the question box and from the palette, shown on the status
bar and applied to the search; the articles table sorted, filtered and opened."""

from __future__ import annotations

import pytest
from dated_corpus import Dated, dated_fixture  # noqa: F401
from textual.widgets import DataTable, Input, Static
from tui_fixtures import notes, wait_for

from qa.filters import Filters
from qa.settings import Settings
from qa.tui.answer_card import AnswerCard
from qa.tui.app import QAApp
from qa.tui.articles_screen import ArticlesScreen, ArticleView, sources
from qa.tui.status_bar import StatusBar

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # apps over a real index

BUDGET = "What did the council's finance committee hear about the budget?"
BY_DATE = ["politics/budget-autumn.md", "business/mill.html", "politics/budget-march.md", "sport/regatta.md",
           "politics/bridge-april.md", "notes/undated.txt"]  # fmt: skip


@pytest.fixture
def settings(dated: Dated) -> Settings:
    return Settings(seeds=dated.seeds, index=dated.index, top_k=4)


async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: pilot.app.chat.engine.ready, what="the index")


async def ask(pilot, text: str) -> AnswerCard:  # type: ignore[no-untyped-def]
    app = pilot.app
    before = len(app.chat.conversation.cards())
    await pilot.press(*text, "enter")
    await wait_for(pilot, lambda: len(app.chat.conversation.cards()) > before, what="the card")
    card = app.chat.conversation.cards()[-1]
    await wait_for(pilot, lambda: card.result is not None or "-failed" in card.classes, what="an answer")
    return card


class TestFilterFlow:
    async def test_commands_set_the_filters_the_status_bar_shows_and_the_search_uses(self, settings) -> None:
        app = QAApp(settings)
        async with app.run_test(size=(120, 30)) as pilot:
            await ready(pilot)
            status = app.query_one(StatusBar)
            assert not status.filters
            await pilot.press(*"/since 2005-03 /section politics", "enter")
            await pilot.pause()
            assert app.chat.engine.filters == Filters(since="2005-03-01", section="politics")
            assert status.filters == "filters: since 2005-03-01, section politics"
            assert app.chat.conversation.cards() == []  # commands alone ask nothing
            assert ("Filters", "since 2005-03-01, section politics", "information") in notes(app)
            card = await ask(pilot, BUDGET)
            got = {a.source for a in card.result.answers}
            assert got and got <= {"politics/budget-march.md", "politics/bridge-april.md"}
            # The card (and so the export) says what the answer was asked with: filters change between questions.
            assert card.result.notice == "filters: since 2005-03-01, section politics"
            assert "filters: since 2005-03-01, section politics" in card.render().plain
            await pilot.press(*"/clear", "enter")
            await pilot.pause()
            assert not app.chat.engine.filters and not status.filters
            card = await ask(pilot, BUDGET)
            assert "politics/budget-autumn.md" in {a.source for a in card.result.answers}

    async def test_a_question_after_the_commands_is_asked_with_them(self, settings) -> None:
        app = QAApp(settings)
        async with app.run_test(size=(120, 30)) as pilot:
            await ready(pilot)
            card = await ask(pilot, f"/until 2004 {BUDGET}")
            assert card.result.question == BUDGET
            assert {a.source for a in card.result.answers} == {"politics/budget-autumn.md"}
            assert app.query_one(StatusBar).filters == "filters: until 2004-12-31"

    async def test_a_bad_command_is_a_notice_and_changes_nothing(self, settings) -> None:
        app = QAApp(settings)
        async with app.run_test(size=(120, 30)) as pilot:
            await ready(pilot)
            await pilot.press(*"/since someday", "enter")
            await pilot.pause()
            assert not app.chat.engine.filters
            assert any(t == "Filters" and "not a date" in m and s == "warning" for t, m, s in notes(app))

    async def test_filters_no_article_matches(self, settings) -> None:
        app = QAApp(settings)
        async with app.run_test(size=(120, 30)) as pilot:
            await ready(pilot)
            card = await ask(pilot, f"/since 2010 {BUDGET}")
            assert "-failed" in card.classes and "no article matches the filters" in card.render().plain

    async def test_the_palette_clears_the_filters(self, settings) -> None:
        app = QAApp(settings)
        async with app.run_test(size=(120, 30)) as pilot:
            await ready(pilot)
            await pilot.press(*"/author holt", "enter")
            await pilot.pause()
            assert app.chat.engine.filters == Filters(author="holt")
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"Clear the filters")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await wait_for(pilot, lambda: not app.chat.engine.filters, what="the filters cleared")
            assert not app.query_one(StatusBar).filters


class TestArticlesScreen:
    async def open(self, pilot) -> ArticlesScreen:  # type: ignore[no-untyped-def]
        await ready(pilot)
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ArticlesScreen), what="the articles screen")
        screen = pilot.app.screen
        await wait_for(pilot, lambda: screen.query_one(DataTable).row_count > 0, what="the rows")
        return screen

    async def filter(self, pilot, screen, text: str, rows: int, what: str) -> None:  # type: ignore[no-untyped-def]
        """Type ``text`` into the filter box, Enter, and wait for ``rows`` rows."""
        screen.query_one("#articles-filter", Input).value = text
        await pilot.press("ctrl+f", "enter")
        await wait_for(pilot, lambda: len(sources(screen)) == rows, what=what)

    async def test_sorted_by_date_then_reversed_then_by_source(self, settings) -> None:
        app = QAApp(settings)
        async with app.run_test(size=(140, 30)) as pilot:
            screen = await self.open(pilot)
            assert sources(screen) == BY_DATE
            table = screen.query_one(DataTable)
            assert table.get_row_at(0)[0] == "2004-10-02" and table.get_row_at(5)[0] == ""
            await pilot.press("ctrl+r")
            assert sources(screen) == BY_DATE[-2::-1] + ["notes/undated.txt"]  # newest first, undated still last
            await pilot.press("ctrl+s")
            assert sources(screen) == sorted(BY_DATE, reverse=True)
            assert "by source, reversed" in str(screen.query_one("#articles-count", Static).content)

    async def test_filtered_by_commands_and_words(self, settings) -> None:
        app = QAApp(settings)
        async with app.run_test(size=(140, 30)) as pilot:
            screen = await self.open(pilot)
            await self.filter(pilot, screen, "/section politics", 3, "the politics articles")
            assert sources(screen) == ["politics/budget-autumn.md", "politics/budget-march.md",
                                       "politics/bridge-april.md"]  # fmt: skip
            await self.filter(pilot, screen, "/section politics bridge", 1, "the bridge article")
            assert sources(screen) == ["politics/bridge-april.md"]

    async def test_filters_no_article_matches_say_so(self, settings) -> None:
        app = QAApp(settings)
        async with app.run_test(size=(140, 30)) as pilot:
            screen = await self.open(pilot)
            await self.filter(pilot, screen, "/since 2031", 0, "no rows")
            said = str(screen.query_one("#articles-count", Static).content)
            assert said.startswith("No indexed article matches since 2031-01-01") and "0 of 0" not in said

    async def test_starts_with_the_questions_filters(self, settings) -> None:
        app = QAApp(settings)
        async with app.run_test(size=(140, 30)) as pilot:
            await ready(pilot)
            await pilot.press(*"/author maren /articles", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ArticlesScreen), what="the articles screen")
            screen = app.screen
            await wait_for(pilot, lambda: bool(sources(screen)), what="the rows")
            assert sources(screen) == ["politics/budget-march.md", "politics/bridge-april.md"]
            assert screen.query_one("#articles-filter", Input).value == "/author maren"

    async def test_enter_opens_the_article_view_and_escape_comes_back(self, settings) -> None:
        app = QAApp(settings)
        async with app.run_test(size=(140, 30)) as pilot:
            screen = await self.open(pilot)
            table = screen.query_one(DataTable)
            table.focus()
            table.move_cursor(row=1)  # the paper mill
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ArticleView), what="the article view")
            view = app.screen
            await pilot.pause()
            assert str(view.query_one("#source-title", Static).content) == "Vell paper mill to close after ninety years"
            head = str(view.query_one("#source-meta", Static).content)
            assert head.startswith("2005-01-15 · by Tobias Grell · Business · business/mill.html")
            assert "Passage not found" not in {t for t, _, _ in notes(app)}
            await pilot.press("escape")
            assert app.screen is screen

    async def test_the_palette_opens_it(self, settings) -> None:
        app = QAApp(settings)
        async with app.run_test(size=(140, 30)) as pilot:
            await ready(pilot)
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"Browse the articles")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ArticlesScreen), what="the articles screen")


class TestMetadataAnswerCard:
    async def test_the_card_says_the_byline_answers(self, settings) -> None:
        app = QAApp(settings)
        async with app.run_test(size=(120, 30)) as pilot:
            await ready(pilot)
            card = await ask(pilot, "Who wrote the story about the rowing regatta?")
            assert card.answer.answer_from == "byline"
            assert "Kofi Adeyemi  from the article's byline" in card.render().plain
