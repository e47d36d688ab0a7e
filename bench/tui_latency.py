"""How fast the terminal app feels: launch to first paint, to typing accepted, to model ready, and Enter to answer.

Usage::

    python bench/tui_latency.py                      # the shipped seeds, indexed into a temp folder first
    python bench/tui_latency.py --seeds S --index I  # an existing (up to date) index, e.g. a large corpus

Launch figures come from a real terminal: `qa` is started in a private tmux server and the pane is read with
`tmux capture-pane` in a tight loop, so each figure is late by at most one poll (printed as "poll step"). Enter to
answer is measured twice on a warm app: in tmux (what a person sees) and in-process with a headless Pilot (the app's
own work, without the terminal). Targets from the issue: first paint and typing under 1 s, answer under 100 ms.
Prints figures only; nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = [  # the question, then generic ones (any corpus)
    "who chairs the public safety committee?",
    "what happened on Tuesday?",
    "who is the mayor?",
    "how many people voted?",
]
TMUX = shutil.which("tmux")


class Pane:
    """`qa` running in a private tmux server."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.socket = str(cwd / f"tmux-{uuid.uuid4().hex[:8]}.sock")  # in the work folder: removed with it
        self.env, self.cwd = env, cwd
        self.polls: list[float] = []

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            [TMUX or "tmux", "-S", self.socket, *args], capture_output=True, text=True, env=self.env, check=False
        )
        return done.stdout

    def start(self) -> float:
        qa = Path(sys.executable).with_name("qa")
        started = time.perf_counter()
        self.tmux("new-session", "-d", "-s", "qa", "-x", "100", "-y", "30", "-c", str(self.cwd), str(qa))
        return started

    def until(self, condition: Callable[[str], bool], timeout: float = 120, step: float = 0.005) -> float:
        """perf_counter when ``condition(screen)`` first held; polls every ``step`` s (the sleep leaves the CPU to
        the app: on a small machine a tight loop of tmux calls would slow the very thing it measures)."""
        deadline = time.perf_counter() + timeout
        first = True
        while True:
            if not first:
                time.sleep(step)
            first = False
            before = time.perf_counter()
            screen = self.tmux("capture-pane", "-p", "-t", "qa")
            now = time.perf_counter()
            self.polls.append(now - before)
            if condition(screen):
                return now
            if now > deadline:
                raise TimeoutError(f"gave up waiting; the pane shows:\n{screen}")

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", "qa", *(["-l"] if literal else []), *keys)

    def close(self) -> None:
        self.tmux("kill-server")


def typed(text: str) -> Callable[[str], bool]:
    box = re.compile(r"▊\s+" + re.escape(text) + r"\s")
    return lambda screen: bool(box.search(screen))


def answered(screen: str) -> bool:
    return bool(re.search(r"1/\d+ · ", screen)) or "No confident answer" in screen


def launches(env: dict[str, str], cwd: Path, runs: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {"first paint": [], "typing accepted": [], "model ready": []}
    polls: list[float] = []
    for _ in range(runs):
        pane = Pane(env, cwd)
        try:
            started = pane.start()
            figures["first paint"].append(pane.until(lambda s: "then Enter" in s) - started)
            pane.keys("x", literal=True)
            figures["typing accepted"].append(pane.until(typed("x")) - started)
            figures["model ready"].append(
                pane.until(lambda s: re.search(r"^ ready ", s, re.MULTILINE) is not None) - started
            )
            polls += pane.polls
        finally:
            pane.close()
    figures["poll step"] = polls
    return figures


def answers_in_tmux(env: dict[str, str], cwd: Path, rounds: int) -> tuple[list[float], list[float]]:
    pane = Pane(env, cwd)
    times: list[float] = []
    polls: list[float] = []
    try:
        pane.start()
        pane.until(lambda s: re.search(r"^ ready ", s, re.MULTILINE) is not None)
        for n in range(rounds * len(QUESTIONS) + 1):
            question = QUESTIONS[n % len(QUESTIONS)]
            pane.keys("C-l")
            pane.until(lambda s: "F1 lists every key" in s and not answered(s))
            pane.keys(question, literal=True)
            pane.until(typed(question))
            pane.polls.clear()
            before = time.perf_counter()
            pane.keys("Enter")
            shown = pane.until(answered)
            if n:  # the first answer warms the caches
                times.append(shown - before)
                polls += pane.polls
        return times, polls
    finally:
        pane.close()


async def answers_in_process(settings: object, rounds: int) -> tuple[list[float], list[float]]:
    """Enter posted as a key event to a headless app; "shown" is the first screen update holding the answer (a
    headless app skips the terminal write, so the update handed to App._display is timed instead)."""
    from textual import events

    from qa.render import safe
    from qa.tui.app import QAApp

    app = QAApp(settings)  # type: ignore[arg-type]
    shown: list[float] = []
    async with app.run_test(size=(100, 30)) as pilot:
        writes: list[tuple[float, str]] = []
        display = app._display

        def timed_display(screen: object, update: object) -> None:
            display(screen, update)  # type: ignore[arg-type]
            done = time.perf_counter()
            if update is not None and hasattr(update, "render_segments"):
                writes.append((done, update.render_segments(app.console)))

        app._display = timed_display  # type: ignore[method-assign]
        while not app.chat.engine.ready:
            await pilot.pause(0.01)
        for n in range(rounds * len(QUESTIONS) + 1):
            await app.chat.action_clear()  # as in the tmux figure: an answer already on screen must not count
            app.chat.question.value = QUESTIONS[n % len(QUESTIONS)]
            await pilot.pause()
            writes.clear()
            before = time.perf_counter()
            app.post_message(events.Key("enter", "\r"))
            while not app.chat.conversation.cards() or app.chat.conversation.cards()[-1].result is None:
                await asyncio.sleep(0.001)
            card = app.chat.conversation.cards()[-1]
            mark = safe(card.answer.highlight if card.answer and card.result.answered else "No confident answer")[:12]
            while not any(mark in data for _, data in writes):
                await asyncio.sleep(0.001)
            if n:  # the first answer warms the caches
                shown.append(next(t for t, data in writes if mark in data) - before)
        answerer = app.chat.engine._answerer
        ask: list[float] = []
        for question in QUESTIONS * rounds:
            before = time.perf_counter()
            answerer.ask(question, 5)  # type: ignore[union-attr]
            ask.append(time.perf_counter() - before)
    return shown, ask


def line(label: str, values: list[float], target: float | None = None, unit: str = "s") -> str:
    scale = 1000.0 if unit == "ms" else 1.0
    med = statistics.median(values) * scale
    p90 = sorted(values)[math.ceil(len(values) * 0.9) - 1] * scale  # nearest rank
    text = f"  {label:<36} median {med:7.1f} {unit}   p90 {p90:7.1f} {unit}   n={len(values)}"
    if target is not None:
        text += f"   target < {target:g} {unit}: {'met' if med < target else 'MISSED'}"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=REPO / "seeds")
    parser.add_argument("--index", type=Path, help="an existing index for --seeds (default: build one in a temp dir)")
    parser.add_argument("--runs", type=int, default=5, help="launches to time")
    parser.add_argument("--rounds", type=int, default=5, help="times each question is asked on the warm app")
    parser.add_argument("--launch-only", action="store_true", help="skip the Enter -> answer figures")
    args = parser.parse_args()
    if TMUX is None:
        sys.exit("tmux is needed for the terminal figures: apt-get install -y tmux")

    from qa.build import build
    from qa.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="qa-tui-latency-"))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (figures stretch on a busy machine)")
    try:
        if args.index is None:
            seeds = work / "seeds"
            shutil.copytree(args.seeds, seeds)
            settings = Settings(seeds=seeds, index=work / "index")
            started = time.perf_counter()
            report = build(settings)
            seconds = time.perf_counter() - started
            print(f"index: {report.articles} articles, {report.chunks} chunks, built in {seconds:.1f} s")
        else:
            settings = Settings(seeds=args.seeds, index=args.index)
            print(f"index: {args.index}")
            from qa.build import needs_build

            if reason := needs_build(settings):  # e.g. --seeds one folder above the one the index was built from
                print(f"warning: the first launch builds the index first ({reason})")
        env = dict(os.environ, QA_SEEDS=str(settings.seeds.resolve()), QA_INDEX=str(settings.index.resolve()))
        env.pop("TMUX", None)

        figures = launches(env, work, args.runs)
        print(f"launch, real terminal (tmux 100x30), {args.runs} runs:")
        print(line("launch -> first paint", figures["first paint"], 1))
        print(line("launch -> typing accepted", figures["typing accepted"], 1))
        print(line("launch -> model ready (answers possible)", figures["model ready"]))
        print(line("poll step (capture-pane)", figures["poll step"], unit="ms"))

        if args.launch_only:
            return
        tmux_times, polls = answers_in_tmux(env, work, args.rounds)
        inproc, ask = asyncio.run(answers_in_process(settings, args.rounds))
        print("Enter -> answer shown, warm app:")
        print(line("real terminal (tmux)", tmux_times, 100, unit="ms"))
        print(line("poll step (capture-pane)", polls, unit="ms"))
        print(line("in-process (headless Pilot)", inproc, 100, unit="ms"))
        print(line("Answerer.ask alone", ask, unit="ms"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
