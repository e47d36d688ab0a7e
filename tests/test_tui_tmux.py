"""A real terminal check: `qa` under tmux with the real model and the shipped seeds (copied to a temp folder).

It starts the `qa` command with no index (so the first-run build runs), types the question the issue names before the
model is ready, and reads the pane with `tmux capture-pane -e -p`: the passage naming Monica Rodriguez must be on
screen with its sentence highlighted (a background colour set by escape codes around the sentence), once. Then ctrl+q must
quit cleanly, without a traceback. Needs tmux (`apt-get install -y tmux`; .ci/run installs it); skipped without it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
pytestmark = [
    pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install -y tmux)"),
    pytest.mark.slow,  # builds the shipped seeds in a real terminal
]

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
QUESTION = "who chairs the public safety committee?"
NAME = "Monica Rodriguez"
NETBLOCK = Path(__file__).parent / "netblock"  # tests/conftest.py's socket blocker for child processes, if present

Style = tuple[bool, str | None, str | None]  # bold, foreground, background
_SGR = re.compile(r"\x1b\[([0-9;:]*)m")


class Tmux:
    """One private tmux server (its socket in the test's temp folder) running one command in a fixed-size window."""

    def __init__(self, env: dict[str, str], socket: Path) -> None:
        self.socket = str(socket)
        self.env = env

    def __call__(self, *args: str) -> str:
        command = [TMUX, "-S", self.socket, *args]
        done = subprocess.run(command, capture_output=True, text=True, env=self.env, timeout=30, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def start(self, command: list[str], cwd: Path, width: int = 100, height: int = 30) -> None:
        self("new-session", "-d", "-s", "qa", "-x", str(width), "-y", str(height), "-c", str(cwd), *command)
        self("set-option", "-t", "qa", "remain-on-exit", "on")  # keep the pane to read what the app left behind

    def capture(self, escapes: bool = False) -> str:
        return self("capture-pane", "-p", "-t", "qa", *(["-e"] if escapes else []))

    def wait_for(self, condition: Callable[[str], bool], timeout: float, what: str) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.capture()
            if condition(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the pane shows:\n{screen}")
            time.sleep(0.05)

    def close(self) -> None:
        subprocess.run(
            [TMUX, "-S", self.socket, "kill-server"], capture_output=True, env=self.env, timeout=30, check=False
        )


def styled(line: str) -> list[tuple[str, Style]]:
    """The characters of one captured line, each with the bold / colours the escape codes gave it."""
    cells: list[tuple[str, Style]] = []
    bold, fg, bg = False, None, None
    pos = 0
    for match in _SGR.finditer(line + "\x1b[m"):
        cells.extend((ch, (bold, fg, bg)) for ch in line[pos : match.start()])
        pos = match.end()
        params = re.split(r"[;:]", match.group(1)) if match.group(1) else ["0"]
        i = 0
        while i < len(params):
            p = int(params[i] or 0)
            if p == 0:
                bold, fg, bg = False, None, None
            elif p == 1:
                bold = True
            elif p == 22:
                bold = False
            elif p in (38, 48):
                width = 4 if params[i + 1] == "2" else 2  # 38;2;r;g;b or 38;5;n
                value = ";".join(params[i + 1 : i + 1 + width])
                fg, bg = (value, bg) if p == 38 else (fg, value)
                i += width
            elif p == 39:
                fg = None
            elif p == 49:
                bg = None
            elif 30 <= p <= 37 or 90 <= p <= 97:
                fg = str(p)
            elif 40 <= p <= 47 or 100 <= p <= 107:
                bg = str(p)
            i += 1
    return cells


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    env = dict(os.environ)
    env.update(
        QA_SEEDS=str(tmp_path / "seeds"),
        QA_INDEX=str(tmp_path / "index"),
        COLORTERM="truecolor",
        PYTHONPATH=os.pathsep.join(p for p in (str(NETBLOCK) if NETBLOCK.is_dir() else "", env.get("PYTHONPATH")) if p),
    )
    env.pop("TMUX", None)  # never attach to a tmux the tests themselves may run in
    server = Tmux(env, tmp_path / "tmux.sock")
    yield server
    server.close()


def test_qa_answers_in_a_real_terminal(tmux: Tmux, tmp_path: Path) -> None:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    qa = Path(sys.executable).with_name("qa")
    exit_code = tmp_path / "exit-code"
    tmux.start(["sh", "-c", f'"{qa}"; echo $? > "{exit_code}"'], cwd=tmp_path)
    tmux.wait_for(lambda s: "Ask a question" in s, 30, "the first paint")
    tmux("send-keys", "-t", "qa", "-l", QUESTION)  # typed while the index is built and the model loads
    tmux("send-keys", "-t", "qa", "Enter")
    tmux.wait_for(lambda s: NAME in s and "Council members" in s, 300, "the answer card")
    time.sleep(0.3)  # the card's last paint

    lines = [line for line in tmux.capture(escapes=True).splitlines() if NAME in re.sub(_SGR, "", line)]
    in_passage = []
    for line in lines:
        cells = styled(line)
        text = "".join(ch for ch, _ in cells)
        at = text.index(NAME)
        start = text.rfind("Council", 0, at)  # the sentence begins "Council members ..."
        if start < 0:
            continue  # the short answer line above the passage names her too
        sentence = {style for _, style in cells[start : at + len(NAME)]}
        assert len(sentence) == 1, f"one style over the whole sentence, got {sentence}"
        ((bold, _, background),) = sentence
        around = cells[start - 1][1][2]  # the card's padding cell just before the sentence
        in_passage.append((bold, background != around))
    # The sentence is shown once, inside its passage, bold on a marker background.
    assert in_passage == [(True, True)], lines

    tmux("send-keys", "-t", "qa", "C-q")
    deadline = time.monotonic() + 20
    while not exit_code.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"ctrl+q did not quit; the pane shows:\n{tmux.capture()}")
        time.sleep(0.05)
    left = tmux.capture()
    assert exit_code.read_text().strip() == "0", left
    assert "Traceback" not in left and "error" not in left, left
