"""Shared parts for the TUI tests: articles written for these tests, an index built from them once per session with
the real model, and small helpers for driving the app with Pilot.

A test module brings the fixtures in with ``from tui_fixtures import index_fixture, index_copy_fixture  # noqa: F401``
(tests/conftest.py belongs to everyone); tests then ask for ``tui_index`` and ``tui_index_copy`` by name.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot

from qa.build import build
from qa.settings import Settings

FILLER = [
    "Residents packed the community hall on Thursday evening to hear the plan, which has been debated for two years.",
    "The harbour handles fishing boats, a small ferry to the islands and, in summer, a stream of visiting yachts.",
    "Silt carried down the Marrow river has narrowed the main channel, and larger boats now wait for high tide.",
    "A survey last autumn found the channel had lost almost a metre of depth since the previous dredging in 2009.",
    "Fishing crews said the delays cost them early morning sales at the market in the old town square.",
    "The ferry operator warned that it might cancel winter crossings if the channel kept getting shallower.",
    "Environmental groups asked for the dredged silt to be tested before it is moved to the reclaimed marsh.",
    "The town engineer said the tests would be finished long before any machinery arrives at the quay.",
]

ARTICLES: dict[str, str] = {
    "harbour.txt": (
        "Marrowfield harbour commission approves dredging plan\n\n"
        + "\n\n".join(FILLER * 3)
        + "\n\nCommissioner Odalys Brennan, who chairs the harbour commission, said the dredging would begin in March."
        "\n\nThe work is expected to take six weeks and will be paid for from the port maintenance fund."
        "\n\nBoat owners will be told a week in advance when each berth has to be cleared."
    ),
    "harbour-followup.txt": (
        "Dredging to start at Marrowfield quay\n\n"
        "Odalys Brennan, who chairs the harbour commission, said the dredging would begin in March.\n\n"
        "Local fishing crews welcomed the decision after months of waiting for the tide before leaving port."
    ),
    "bakery.txt": (
        "A century of bread on Pell Street\n\n"
        "The Pell Street bakery was founded by [bold]Ignatius Wren[/bold] in 1911, according to "
        "[link=https://evil.example/x]the town archive[/link] and a \x1b[31mred\x1b[0m painted sign.\n\n"
        "The ovens were converted from coal to gas in 1958 and to electricity in 1994.\n\n"
        "The bakery still sells the rye loaf that made it famous among dock workers."
    ),
    "football.txt": (
        "Rovers lift the regional cup\n\n"
        "The Marrowfield Rovers won the regional cup final 3-1 against Dunmore Athletic on Saturday.\n\n"
        "Striker Tomasz Reyes scored twice in the second half, and the captain lifted the trophy in front of "
        "4,000 fans."
    ),
    "library.txt": (
        "New library opens its doors\n\n"
        "The new public library on Quarry Lane opened on Monday with reading rooms, a maker space and a cafe.\n\n"
        "Head librarian Priya Castellanos said more than 900 people signed up for library cards on the first day."
    ),
}

NEW_ARTICLE = (
    "lighthouse.txt",
    (
        "Gullpoint lighthouse shines again\n\n"
        "The restored Gullpoint lighthouse was relit by keeper Anneliese Vork on Sunday evening.\n\n"
        "The lamp had been dark for eleven years while the tower was repaired."
    ),
)


_BUILT: dict[str, Settings] = {}  # one build per session, though each importing module registers the fixture


@pytest.fixture(scope="session", name="tui_index")
def index_fixture(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Settings:
    """Settings for an index built (real model) from ARTICLES; treat it as read-only.

    ``model_cache`` (tests/conftest.py) keeps the model export out of the user's ~/.cache.
    """
    if "index" not in _BUILT:
        root = tmp_path_factory.mktemp("tui")
        seeds = root / "seeds"
        seeds.mkdir()
        for name, text in ARTICLES.items():
            (seeds / name).write_text(text, encoding="utf-8")
        settings = Settings(seeds=seeds, index=root / "index", top_k=3)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("XDG_CACHE_HOME", str(model_cache))
            build(settings)
        _BUILT["index"] = settings
    return _BUILT["index"]


@pytest.fixture(name="tui_index_copy")
def index_copy_fixture(tui_index: Settings, tmp_path: Path) -> Settings:
    """A private copy of the built index and its articles, for tests that rebuild or change them."""
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    shutil.copytree(tui_index.seeds, seeds, copy_function=shutil.copy2)  # copy2 keeps mtimes: the copy is not stale
    shutil.copytree(tui_index.index, index)
    return replace(tui_index, seeds=seeds, index=index)


async def wait_for(pilot: Pilot, condition: Callable[[], object], timeout: float = 60.0, what: str = "") -> None:
    """Let the app run until ``condition()`` holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.02)


class Gate:
    """Holds a worker thread at a chosen point until the test opens it (to act while the app is busy)."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()

    def wait(self) -> None:
        self.reached.set()
        if not self.opened.wait(60):
            raise TimeoutError("the test never opened the gate")

    def open(self) -> None:
        self.opened.set()


def notes(app: object) -> list[tuple[str, str, str]]:
    """(title, message, severity) of every notification the app has shown (still on screen)."""
    return [(n.title, n.message, n.severity) for n in app._notifications]  # type: ignore[attr-defined]


PAGE_CHROME = "Home | News | Sport | Weather\nSUBSCRIBE NOW FOR 1 EURO\n"
PAGE_STORY = (
    "Dock workers in Marrowfield have bought rye from the Pell Street bakery since it opened in 1911.\n"
    "The ovens were converted from coal to gas in 1958 and to electricity in 1994, the owner said.\n"
    "The bakery still sells the rye loaf that made it famous, six days a week.\n"
)
PAGE_TAIL = "Latest stories\nHarbour dredging to start in March\nRovers lift the regional cup"


def chrome_page() -> tuple[str, dict[str, object], list[tuple[int, int]], int, int]:
    """An extracted web page (one paragraph a line) whose index kept only the story: (text, the article's row,
    kept spans, passage start, passage end). The passage is the story's second paragraph."""
    text = PAGE_CHROME + PAGE_STORY + PAGE_TAIL
    story = len(PAGE_CHROME)
    start = story + PAGE_STORY.index("The ovens")
    end = text.index("\n", start)
    meta = {"title": "Rye on the docks: a century at Pell Street", "date": "2024-05-06T09:30:00",
            "author": "Ada Reyes", "source": "news/pell-street.html"}  # fmt: skip
    return text, meta, [(story, story + len(PAGE_STORY) - 1)], start, end
