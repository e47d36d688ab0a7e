"""Hostile content and a hostile environment: article text full of Rich/Textual markup, ANSI escapes and terminal
control sequences is shown literally (text, rich, a real terminal, Markdown, the TUI); nothing read from disk is
unpickled; nothing reaches the network."""

from __future__ import annotations

import ast
import io
import json
import os
import pickle
import pty
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Paths, one_line_error, subprocess_env, write_articles

import qa as qa_package

HOSTILE_NAME = "pier.txt"
HOSTILE = (
    "[bold red]Pier[/] Lights Go Dark\x1b]0;owned title\x07\n\n"
    "The harbour master [link=https://evil.invalid/steal]Marguerite Quill[/link] switched off the pier lights at "
    "midnight to save power.\x1b[2J\x1b[H The council called it [blink]a sensible step[/blink] on Tuesday.\n"
    "A sign on the gate read \x1b[31mDANGER\x1b[0m and the bell rang\x07 twice, a \x9b6n probe and a back\x08space "
    "hid nothing, and a link \x1b]8;;https://evil.invalid\x1b\\here\x1b]8;;\x1b\\ went nowhere.\n"
    "Textual markup like [@click=app.quit]quit[/] and [$accent]accent[/] stays text on the pier notice board.\n"
)
QUESTION = "Who switched off the pier lights at midnight?"
# What must appear literally (none holds a space, so line wrapping cannot split one).
LITERALS = [
    "[link=https://evil.invalid/steal]Marguerite",
    "Quill[/link]",
    "[blink]a",
    "step[/blink]",
    "\u241b[31mDANGER\u241b[0m",
    "[@click=app.quit]quit[/]",
    "[$accent]accent[/]",
]
# Control characters other than newline: none may reach the terminal from the article.
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SGR = re.compile(r"\x1b\[[0-9;]*m")  # rich's own colours


@pytest.fixture
def hostile_index(ready_index: Paths, qa) -> Paths:
    write_articles(ready_index.seeds, {HOSTILE_NAME: HOSTILE})
    run = qa("index", "build")
    assert run.code == 0, run.err
    return ready_index


def _answer():  # -> qa.records.Result for QUESTION, from the live index
    from qa.session import open_answerer
    from qa.settings import Settings

    answerer = open_answerer(Settings.from_env())
    try:
        result = answerer.ask(QUESTION)
    finally:
        answerer.searcher.close()
    assert result.answers[0].source == HOSTILE_NAME
    return result


def test_plain_text_output_shows_markup_and_escapes_literally(hostile_index: Paths, qa) -> None:
    run = qa("ask", QUESTION)
    assert run.code == 0, run.err
    assert not RAW_CONTROL.search(run.out), repr(run.out)
    assert "[link=https://evil.invalid/steal]Marguerite Quill[/link]" in run.out
    assert "[bold red]Pier[/] Lights Go Dark\u241b]0;owned title\u2407" in run.out  # the title, too


def test_rich_output_shows_markup_and_escapes_literally(hostile_index: Paths) -> None:
    from rich.console import Console

    from qa.render import rich_result

    buffer = io.StringIO()
    Console(file=buffer, force_terminal=True, color_system="truecolor", width=100).print(rich_result(_answer()))
    out = buffer.getvalue()
    assert "\x1b]" not in out, "no OSC sequence (title, hyperlink) may be emitted"
    text = SGR.sub("", out)
    assert not RAW_CONTROL.search(text), repr(text)
    for literal in LITERALS:
        assert literal in text, literal


def _in_a_terminal(*args: str) -> tuple[int, str, str]:
    """Run the CLI with stdout on a pseudo-terminal, as a person would see it."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa.cli", *args],
        stdout=follower, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        env=subprocess_env(COLUMNS="100", LINES="40", TERM="xterm-256color"),
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other end closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace"), err


@pytest.mark.slow  # the CLI in a subprocess on a pseudo-terminal
def test_a_real_terminal_shows_markup_and_escapes_literally(hostile_index: Paths) -> None:
    code, out, err = _in_a_terminal("ask", QUESTION)
    assert code == 0, err
    assert "\x1b]" not in out and "\x07" not in out and "\x9b" not in out and "\x08" not in out
    text = SGR.sub("", out).replace("\r\n", "\n")
    assert not RAW_CONTROL.search(text), repr(text)
    for literal in LITERALS:
        assert literal in text, literal


@pytest.mark.slow  # the CLI in a subprocess on a pseudo-terminal
def test_show_in_a_terminal_is_literal_and_show_to_a_pipe_is_exact(hostile_index: Paths, qa) -> None:
    code, out, err = _in_a_terminal("show", HOSTILE_NAME)
    assert code == 0, err
    assert not RAW_CONTROL.search(out.replace("\r\n", "\n")), repr(out)
    assert "[link=https://evil.invalid/steal]Marguerite Quill[/link]" in out and "\u241b[2J\u241b[H" in out
    piped = qa("show", HOSTILE_NAME)
    assert piped.out == HOSTILE  # a pipe gets the exact indexed text: answer offsets index into it


def test_markdown_output_shows_escapes_literally(hostile_index: Paths, qa) -> None:
    questions = hostile_index.root / "questions.txt"
    questions.write_text(QUESTION + "\n", encoding="utf-8")
    run = qa("ask", "--file", str(questions), "--format", "markdown")
    assert run.code == 0, run.err
    assert not RAW_CONTROL.search(run.out), repr(run.out)
    assert "\u241b[31mDANGER\u241b[0m" in run.out


def test_json_output_keeps_the_exact_text_escaped(hostile_index: Paths, qa) -> None:
    run = qa("ask", QUESTION, "--format", "json")
    assert not RAW_CONTROL.search(run.out)
    best = json.loads(run.out)["answers"][0]
    assert best["passage"] == HOSTILE[best["start"] : best["end"]]  # exact, offsets hold


def test_hostile_file_names_are_shown_literally(ready_index: Paths, qa) -> None:
    write_articles(ready_index.seeds, {"\x1b[2J\x1b]0;x\x07evil.txt": "", "bell\x07.txt": HOSTILE})
    run = qa("index", "build")
    assert run.code == 0
    assert not RAW_CONTROL.search(run.err.replace("\n", "")), repr(run.err)
    assert "\u241b[2J\u241b]0;x\u2407evil.txt: empty file" in run.err
    shown = qa("ask", QUESTION)
    assert "bell\u2407.txt" in shown.out and not RAW_CONTROL.search(shown.out)


def test_error_messages_echo_arguments_literally(ready_index: Paths, qa) -> None:
    run = qa("show", "\x1b[2J\x1b]0;x\x07missing.txt")
    assert run.code == 1
    line = one_line_error(run.err)
    assert not RAW_CONTROL.search(line) and "\u241b[2J" in line


@pytest.mark.slow  # runs the app over a real index
@pytest.mark.anyio
async def test_the_tui_shows_markup_and_escapes_literally(hostile_index: Paths) -> None:
    from tui_fixtures import wait_for

    from qa.settings import Settings
    from qa.tui.app import QAApp
    from qa.tui.source_screen import SourceScreen

    app = QAApp(Settings.from_env())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.chat.engine.ready, timeout=300, what="the index to load")
        await pilot.press(*QUESTION, "enter")
        await wait_for(
            pilot, lambda: app.chat.conversation.cards() and app.chat.conversation.cards()[-1].result, timeout=120
        )
        card = app.chat.conversation.cards()[-1]
        assert card.result.answers[0].source == HOSTILE_NAME
        shown = card.render()
        assert "\x1b" not in shown.plain and not RAW_CONTROL.search(shown.plain.replace("\n", ""))
        assert "[link=https://evil.invalid/steal]Marguerite Quill[/link]" in shown.plain
        assert not any("link" in str(span.style) or "blink" in str(span.style) for span in shown.spans)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, SourceScreen), timeout=60, what="the article view")
        assert "[@click=app.quit]quit[/]" in app.screen.text and "\u241b[2J" in app.screen.text
        assert app.is_running  # [@click=app.quit] was not obeyed


# -- nothing is unpickled ----------------------------------------------------------------------------------------------

PACKAGE = Path(qa_package.__file__).parent


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_package_never_unpickles() -> None:
    offenders = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        for pattern in ("import pickle", "from pickle", "cPickle", "dill", "joblib", "torch.load", "allow_pickle=True"):
            if pattern in text:
                offenders.append(f"{path.relative_to(PACKAGE)}: {pattern}")
    assert offenders == []


def test_every_load_call_refuses_pickles() -> None:
    """Each np.load / numpy.load / *.BM25.load call passes allow_pickle=False."""
    loads = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "load":
                owner = ast.unparse(node.func.value)
                if owner in ("np", "numpy") or owner.endswith("BM25"):
                    kw = {k.arg: k.value for k in node.keywords}
                    ok = isinstance(kw.get("allow_pickle"), ast.Constant) and kw["allow_pickle"].value is False
                    loads.append((f"{path.relative_to(PACKAGE)}:{node.lineno} {owner}.load", ok))
    assert loads, "expected the index loaders (numpy, bm25s) to be found"
    assert [name for name, ok in loads if not ok] == []


def test_answering_never_calls_the_unpickler(ready_index: Paths, qa, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("something tried to unpickle data read from disk")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    for args in (["index", "status"], ["show", "lighthouse.txt"], ["ask", "Who built the oven?"]):
        run = qa(*args)
        assert run.code == 0, (args, run.err)


# -- no network ------------------------------------------------------------------------------------------------------


def test_sockets_are_blocked_in_the_test_process() -> None:
    with pytest.warns(UserWarning, match="socket"), pytest.raises(Exception, match="socket"):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()


@pytest.mark.slow  # the CLI in a subprocess
def test_sockets_are_blocked_in_cli_subprocesses(ready_index: Paths) -> None:
    code = "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9))\nexcept OSError as e:\n    print(e)\n"
    proc = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, env=subprocess_env()
    )
    assert "network access blocked in tests" in proc.stdout
    # ... and the CLI works regardless: it needs no network.
    run = subprocess.run(
        [sys.executable, "-m", "qa.cli", "ask", "Who built the oven?", "--format", "json"],
        check=False, capture_output=True, text=True, env=subprocess_env(), timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["answers"]


def test_offline_is_forced_for_hugging_face() -> None:
    code = "import os, qa; print(os.environ['HF_HUB_OFFLINE'], os.environ['TRANSFORMERS_OFFLINE'])"
    env = {k: v for k, v in subprocess_env().items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split() == ["1", "1"]
