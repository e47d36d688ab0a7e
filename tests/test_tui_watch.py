"""The app and the articles folder: changed files noticed while it is open (offered, or rebuilt automatically), and
an answer's original opened at its URL. Pilot against a real index (tests/tui_fixtures.py)."""

from __future__ import annotations

import webbrowser
from dataclasses import replace

import pytest
from tui_fixtures import NEW_ARTICLE, index_copy_fixture, index_fixture, notes, wait_for  # noqa: F401

from qa import store
from qa.records import Answer
from qa.settings import Settings
from qa.tui.app import QAApp
from qa.tui.status_bar import StatusBar

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # apps over a real index

FOUNDER = "who founded the Pell Street bakery?"
CHANGED = "Articles folder"
URL = "https://courier.example/2024/pell-street-bakery"


async def ask(pilot, question: str):  # type: ignore[no-untyped-def]
    app = pilot.app
    before = len(app.chat.conversation.cards())
    await pilot.press(*question, "enter")
    await wait_for(pilot, lambda: len(app.chat.conversation.cards()) > before, what="the card")
    card = app.chat.conversation.cards()[-1]
    await wait_for(pilot, lambda: card.result is not None, what=f"an answer to {question!r}")
    return card


class TestChangedFiles:
    async def test_an_added_file_is_offered_and_ctrl_r_indexes_it(self, tui_index_copy: Settings) -> None:
        app = QAApp(tui_index_copy)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.chat.engine.ready, what="the model")
            name, text = NEW_ARTICLE
            (tui_index_copy.seeds / name).write_text(text, encoding="utf-8")
            offer = (CHANGED, "1 file changed — ctrl+r to update", "information")
            await wait_for(pilot, lambda: offer in notes(app), timeout=10, what="the offer")
            assert not app.chat.engine.building  # offered, not run
            # The notification goes; the status bar keeps saying the index is behind the folder until a rebuild.
            bar = app.query_one(StatusBar)
            assert bar.stale == "1 file changed · ctrl+r"
            app.clear_notifications()
            await pilot.pause()
            assert bar.stale == "1 file changed · ctrl+r"
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: app.query_one(StatusBar).info.startswith("6 articles"), what="the rebuild")
            assert app.chat.watcher.pending == set()
            assert bar.stale == ""
            card = await ask(pilot, "who relit the Gullpoint lighthouse?")
            assert card.answer.source == name

    async def test_with_automatic_updates_a_changed_file_is_indexed_by_itself(self, tui_index_copy: Settings) -> None:
        app = QAApp(replace(tui_index_copy, auto_update=True))
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.chat.engine.ready, what="the model")
            name, text = NEW_ARTICLE
            (tui_index_copy.seeds / name).write_text(text, encoding="utf-8")
            await wait_for(pilot, lambda: app.query_one(StatusBar).info.startswith("6 articles"), timeout=30,
                           what="the automatic rebuild")  # fmt: skip
            assert not any(title == CHANGED for title, _, _ in notes(app))  # nothing to press
            (tui_index_copy.seeds / "library.txt").unlink()
            await wait_for(pilot, lambda: app.query_one(StatusBar).info.startswith("5 articles"), timeout=30,
                           what="the second automatic rebuild")  # fmt: skip

    async def test_the_palette_toggles_automatic_updates(self, tui_index_copy: Settings) -> None:
        app = QAApp(tui_index_copy)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.chat.engine.ready, what="the model")
            toggle = next(c for c in app.get_system_commands(app.chat) if c.title == "Update automatically")
            toggle.callback()
            await pilot.pause()
            assert app.chat.watcher.auto
            assert any(m.startswith("Automatic updates on") for t, m, _ in notes(app) if t == CHANGED)
            (tui_index_copy.seeds / "library.txt").unlink()
            await wait_for(pilot, lambda: app.query_one(StatusBar).info.startswith("4 articles"), timeout=30,
                           what="the automatic rebuild")  # fmt: skip

    async def test_a_failed_rebuild_keeps_the_changed_files_mark(self, tui_index_copy: Settings) -> None:
        app = QAApp(tui_index_copy)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.chat.engine.ready, what="the model")
            bar = app.query_one(StatusBar)
            name, text = NEW_ARTICLE
            (tui_index_copy.seeds / name).write_text(text, encoding="utf-8")
            await wait_for(pilot, lambda: bar.stale == "1 file changed · ctrl+r", timeout=10, what="the mark")
            with store.build_lock(tui_index_copy.index):  # another build holds the index: this rebuild fails
                await pilot.press("ctrl+r")
                await wait_for(pilot, lambda: "Rebuild failed" in {t for t, _, _ in notes(app)}, what="the failure")
            await pilot.pause()
            assert bar.stale == "1 file changed · ctrl+r"  # the file is still not in the index
            region = app.query_one("#stale").region
            assert region.width >= len(bar.stale) and region.right <= app.query_one("#info").region.x  # not cut

    async def test_an_open_list_of_the_articles_shows_the_rebuilt_index(self, tui_index_copy: Settings) -> None:
        from textual.widgets import DataTable

        from qa.tui.articles_screen import ArticlesScreen

        app = QAApp(replace(tui_index_copy, auto_update=True))
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.chat.engine.ready, what="the model")
            await pilot.press("f2")
            await wait_for(pilot, lambda: isinstance(app.screen, ArticlesScreen), what="the articles screen")
            table = app.screen.query_one(DataTable)
            await wait_for(pilot, lambda: table.row_count == 5, what="the rows")
            name, text = NEW_ARTICLE
            (tui_index_copy.seeds / name).write_text(text, encoding="utf-8")
            await wait_for(pilot, lambda: table.row_count == 6, timeout=30, what="the rebuilt list")
            assert name in [str(k.value) for k in table.rows]


class TestOriginal:
    async def _card_with_url(self, pilot, url: str | None):  # type: ignore[no-untyped-def]
        pilot.app.chat.question.focus()
        card = await ask(pilot, FOUNDER)
        answer = card.answer
        assert isinstance(answer, Answer)
        card.show(replace(card.result, answers=(replace(answer, url=url),)))
        card.focus()
        await pilot.pause()
        return card

    async def test_o_opens_the_articles_url_in_the_browser(
        self, tui_index: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        opened: list[str] = []
        monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
        monkeypatch.setenv("DISPLAY", ":0")
        app = QAApp(tui_index)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.chat.engine.ready, what="the model")
            card = await self._card_with_url(pilot, URL)
            assert card.render().plain.endswith("o original")  # the focused card's key line says so
            await pilot.press("o")
            assert opened == [URL]
            assert ("Opened in the browser", URL, "information") in notes(app)

    async def test_without_a_browser_the_address_is_copied(
        self, tui_index: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        opened: list[str] = []
        monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
        for name in ("DISPLAY", "WAYLAND_DISPLAY"):
            monkeypatch.delenv(name, raising=False)
        app = QAApp(tui_index)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.chat.engine.ready, what="the model")
            await self._card_with_url(pilot, URL)
            await pilot.press("o")
            assert opened == [] and app.last_copied == URL  # a console browser would take over the terminal

    async def test_no_url_or_not_a_web_address_is_said(
        self, tui_index: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        opened: list[str] = []
        monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
        monkeypatch.setenv("DISPLAY", ":0")
        app = QAApp(tui_index)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.chat.engine.ready, what="the model")
            card = await self._card_with_url(pilot, None)
            assert "o original" not in card.render().plain
            await pilot.press("o")
            assert any(t == "No original" for t, _, _ in notes(app))
            await self._card_with_url(pilot, "file:///etc/passwd")
            await pilot.press("o")
            assert ("Not opened", "file:///etc/passwd is not a web address", "warning") in notes(app)
            assert opened == []
