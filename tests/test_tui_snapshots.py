"""SVG snapshots of the app's main screens at 80x24 and 120x40, dark and light (pytest-textual-snapshot).

Made deterministic: the build time in the status bar is fixed, the cursor does not blink, slow steps are held at a
known point with a Gate, and notifications are cleared before the picture is taken. Update after a deliberate
change with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and look at the new SVGs before committing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot
from tui_fixtures import Gate, chrome_page, index_fixture, wait_for  # noqa: F401

import qa.session
from qa.answer import Answerer
from qa.records import Answer
from qa.settings import Settings
from qa.tui.app import QAApp
from qa.tui.source_screen import SourceScreen

pytestmark = pytest.mark.slow  # each snapshot runs the app over a real index

BUILT_AT = "2025-01-02T03:04:05Z"
SMALL, LARGE = (80, 24), (120, 40)


def steady(app: QAApp) -> None:
    """Remove what changes from run to run: the build time, the blinking cursor, notifications."""
    app.chat.question.cursor_blink = False
    if app.chat.status_bar.index is not None:
        app.chat.status_bar.set_info(replace(app.chat.status_bar.index, built_at=BUILT_AT))
    app.clear_notifications()


def asking(question: str, *keys: str, theme: str | None = None) -> Callable[[Pilot], object]:
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, QAApp)
        if theme:
            app.theme = theme
        await wait_for(pilot, lambda: app.chat.engine.ready, what="the model")
        await pilot.press(*question, "enter")
        await wait_for(pilot, lambda: bool(app.chat.conversation.results()), what="the answer")
        await pilot.pause(0.1)
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.1)
        if isinstance(app.screen, SourceScreen) or "enter" in keys:
            await wait_for(pilot, lambda: isinstance(app.screen, SourceScreen), what="the article view")
        steady(app)
        await pilot.pause(0.1)

    return run_before


def released_on_exit(app: QAApp, gate: Gate) -> QAApp:
    """Open the gate as the app exits (after the screenshot), so shutdown need not wait for the held worker."""
    exit_app = app.exit

    def exit_and_release(*args: object, **kwargs: object) -> None:
        gate.open()
        exit_app(*args, **kwargs)  # type: ignore[arg-type]

    app.exit = exit_and_release  # type: ignore[method-assign]
    return app


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """Holds the model load (open_answerer) until the snapshot is taken."""
    held, real = Gate(), qa.session.open_answerer

    def slow_open(settings: Settings, opened: object = None) -> Answerer:
        held.wait()
        return real(settings, opened)

    monkeypatch.setattr(qa.session, "open_answerer", slow_open)
    yield held
    held.open()


class TestAnswerCardSnapshots:
    def test_card_80x24(self, snap_compare, tui_index: Settings) -> None:  # type: ignore[no-untyped-def]
        run = asking("who chairs the harbour commission?")
        assert snap_compare(QAApp(tui_index), terminal_size=SMALL, run_before=run)

    def test_card_120x40(self, snap_compare, tui_index: Settings) -> None:  # type: ignore[no-untyped-def]
        """The bakery passage holds [bold], [link=…] and an ANSI escape: all shown literally."""
        run = asking("who founded the Pell Street bakery?")
        assert snap_compare(QAApp(tui_index), terminal_size=LARGE, run_before=run)

    def test_card_light_theme_80x24(self, snap_compare, tui_index: Settings) -> None:  # type: ignore[no-untyped-def]
        run = asking("who founded the Pell Street bakery?", theme="textual-light")
        assert snap_compare(QAApp(tui_index), terminal_size=SMALL, run_before=run)

    def test_card_light_theme_120x40(self, snap_compare, tui_index: Settings) -> None:  # type: ignore[no-untyped-def]
        run = asking("who chairs the harbour commission?", theme="textual-light")
        assert snap_compare(QAApp(tui_index), terminal_size=LARGE, run_before=run)

    def test_focused_card_on_its_second_answer_80x24(  # type: ignore[no-untyped-def]
        self, snap_compare, tui_index: Settings
    ) -> None:
        run = asking("who chairs the harbour commission?", "shift+tab", "right")
        assert snap_compare(QAApp(tui_index), terminal_size=SMALL, run_before=run)

    def test_no_confident_answer_80x24(self, snap_compare, tui_index: Settings) -> None:  # type: ignore[no-untyped-def]
        run = asking("what is the boiling point of mercury on Neptune?")
        assert snap_compare(QAApp(tui_index), terminal_size=SMALL, run_before=run)


def showing_article(theme: str | None = None) -> Callable[[Pilot], object]:
    """The article view over a made-up web page: headline, date and byline on top, site chrome dimmed."""

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, QAApp)
        if theme:
            app.theme = theme
        await wait_for(pilot, lambda: app.chat.engine.ready, what="the model")
        text, meta, kept, start, end = chrome_page()
        passage = text[start:end]
        answer = Answer(1, 0.8, str(meta["source"]), str(meta["title"]), passage, start, end, passage, start, end)
        await app.push_screen(SourceScreen(answer, text, meta, kept))
        steady(app)
        await pilot.pause(0.2)

    return run_before


class TestSourceViewSnapshots:
    def test_web_page_with_left_out_text_80x24(self, snap_compare, tui_index: Settings) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(QAApp(tui_index), terminal_size=SMALL, run_before=showing_article())

    def test_web_page_with_left_out_text_light_120x40(  # type: ignore[no-untyped-def]
        self, snap_compare, tui_index: Settings
    ) -> None:
        run = showing_article(theme="textual-light")
        assert snap_compare(QAApp(tui_index), terminal_size=LARGE, run_before=run)

    def test_source_light_120x40(self, snap_compare, tui_index: Settings) -> None:  # type: ignore[no-untyped-def]
        run = asking("how will the dredging be paid for?", "shift+tab", "enter", theme="textual-light")
        assert snap_compare(QAApp(tui_index), terminal_size=LARGE, run_before=run)

    def test_source_80x24(self, snap_compare, tui_index: Settings) -> None:  # type: ignore[no-untyped-def]
        run = asking("how will the dredging be paid for?", "shift+tab", "enter")
        assert snap_compare(QAApp(tui_index), terminal_size=SMALL, run_before=run)

    def test_source_120x40(self, snap_compare, tui_index: Settings) -> None:  # type: ignore[no-untyped-def]
        run = asking("how will the dredging be paid for?", "shift+tab", "enter")
        assert snap_compare(QAApp(tui_index), terminal_size=LARGE, run_before=run)


class TestHelpSnapshots:
    def test_help_80x24(self, snap_compare, tui_index: Settings) -> None:  # type: ignore[no-untyped-def]
        run = asking("who chairs the harbour commission?", "f1")
        assert snap_compare(QAApp(tui_index), terminal_size=SMALL, run_before=run)

    def test_help_120x40_light(self, snap_compare, tui_index: Settings) -> None:  # type: ignore[no-untyped-def]
        run = asking("who chairs the harbour commission?", "f1", theme="textual-light")
        assert snap_compare(QAApp(tui_index), terminal_size=LARGE, run_before=run)


class TestStartupSnapshots:
    def test_welcome_then_a_question_waiting_for_the_model_80x24(  # type: ignore[no-untyped-def]
        self, snap_compare, tui_index: Settings, gate: Gate
    ) -> None:
        async def run_before(pilot: Pilot) -> None:
            app = pilot.app
            assert isinstance(app, QAApp)
            await pilot.press(*"who chairs the harbour commission?", "enter")
            await wait_for(pilot, gate.reached.is_set, what="the model load")
            steady(app)
            await pilot.pause(0.1)

        assert snap_compare(released_on_exit(QAApp(tui_index), gate), terminal_size=SMALL, run_before=run_before)

    def test_first_run_build_progress_120x40(  # type: ignore[no-untyped-def]
        self, snap_compare, tui_index: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        held, real = Gate(), qa.session.build

        def gated_build(settings: Settings, progress, **kw):  # type: ignore[no-untyped-def]
            def report(stage: str, done: int, total: int) -> None:
                progress(stage, done, total)
                if stage == "embedding" and not held.reached.is_set():
                    held.wait()

            return real(settings, progress=report, **kw)

        monkeypatch.setattr(qa.session, "build", gated_build)

        async def run_before(pilot: Pilot) -> None:
            await wait_for(pilot, held.reached.is_set, what="the build to reach embedding")
            await pilot.pause(0.2)
            steady(pilot.app)  # type: ignore[arg-type]

        settings = Settings(seeds=tui_index.seeds, index=tmp_path / "fresh-index", top_k=3)
        try:
            assert snap_compare(released_on_exit(QAApp(settings), held), terminal_size=LARGE, run_before=run_before)
        finally:
            held.open()
