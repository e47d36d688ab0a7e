"""No network at run time, checked at the system-call level.

pytest-socket and tests/netblock guard Python's own sockets only; native code (onnxruntime's telemetry, a library's
update check) opens sockets beneath them. These tests run the real `qa` under `strace -f -e trace=network` — a build,
a question file that keeps a model session open for at least 20 s, and the app through a rebuild — and fail on any
socket, connect or sendto that is not a local Unix socket. Needs strace (.ci/run installs it) and, for the app, tmux.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import subprocess_env
from test_tui_tmux import TMUX, Tmux, tmux  # noqa: F401  (tmux is the fixture)

STRACE = shutil.which("strace")
pytestmark = [
    pytest.mark.skipif(STRACE is None, reason="strace is not installed (apt-get install -y strace)"),
    pytest.mark.slow,
]
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
QA = Path(sys.executable).with_name("qa")
# A call whose address is not a Unix (local) socket or the kernel's netlink, and sends on sockets opened as such.
_ADDRESSED = re.compile(r"\b(connect|sendto|sendmsg|bind)\(\d+, .*?\b(AF_\w+|PF_\w+)")
_SEND = re.compile(r"\b(sendto|sendmsg|sendmmsg)\((\d+),")
_SOCKET = re.compile(r"\bsocket\((AF_\w+|PF_\w+),.*\) = (\d+)")
_LOCAL = {"AF_UNIX", "AF_LOCAL", "PF_UNIX", "PF_LOCAL", "AF_NETLINK", "PF_NETLINK"}


def network_calls(trace: Path) -> list[str]:
    """The traced calls that would reach past this machine.

    A socket may be opened without being used (a library asking the kernel about interfaces opens a UDP socket and
    only reads from it): what counts is a connect, bind or send to a non-local address, or a send on a socket that
    was opened as a network one.
    """
    bad, network_fds = [], set()
    for line in trace.read_text(encoding="utf-8", errors="replace").splitlines():
        opened = _SOCKET.search(line)
        if opened:
            (network_fds.discard if opened.group(1) in _LOCAL else network_fds.add)(opened.group(2))
            continue
        addressed = _ADDRESSED.search(line)
        if addressed and addressed.group(2) not in _LOCAL:
            bad.append(line)
            continue
        sent = _SEND.search(line)
        if sent and sent.group(2) in network_fds:
            bad.append(line)
    return bad


def traced(trace: Path, *args: str) -> list[str]:
    return [STRACE or "strace", "-f", "-e", "trace=network", "-o", str(trace), str(QA), *args]


def test_the_pattern_sees_what_onnxruntime_telemetry_did(tmp_path: Path) -> None:
    """The check itself can fail: lines as strace printed them for onnxruntime 1.32's telemetry lookup."""
    trace = tmp_path / "seen.txt"
    trace.write_text(
        '4745  socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP) = 11\n'
        '4745  connect(11, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.53")}, 16) = 0\n'
        '4745  sendto(11, "Y!\\1\\0\\0\\1mobile\\6events", 50, MSG_NOSIGNAL, NULL, 0) = 50\n'
        '4746  socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 5\n'
        '4746  connect(5, {sa_family=AF_UNIX, sun_path="/tmp/x.sock"}, 110) = 0\n'
        '4746  sendto(5, "hello", 5, 0, NULL, 0) = 5\n',
        encoding="utf-8",
    )
    assert len(network_calls(trace)) == 2


def test_build_and_a_long_question_file_touch_no_network(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    env = subprocess_env(QA_SEEDS=str(seeds), QA_INDEX=str(tmp_path / "index"))
    build_trace = tmp_path / "build.trace"
    done = subprocess.run(traced(build_trace, "index", "build"), env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert network_calls(build_trace) == []

    # The telemetry call came a few seconds after a model session opened: the question file keeps one open >= 20 s.
    count, seconds = 6000, 0.0
    while seconds < 20:
        questions = tmp_path / "questions.txt"
        questions.write_text("".join(f"who chairs committee number {i}?\n" for i in range(count)), encoding="utf-8")
        ask_trace = tmp_path / "ask.trace"
        started = time.monotonic()
        done = subprocess.run(
            traced(ask_trace, "ask", "--file", str(questions), "--top-k", "1", "--workers", "2",
                   "-o", str(tmp_path / "out.jsonl")),  # strace -f follows the helper process too
            env=env, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        seconds = time.monotonic() - started
        assert done.returncode == 0, done.stderr
        assert network_calls(ask_trace) == [], f"after {seconds:.0f} s"
        count *= 2
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == count // 2


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install -y tmux)")
def test_the_app_through_a_rebuild_touches_no_network(tmux: Tmux, tmp_path: Path) -> None:  # noqa: F811
    shutil.copytree(SEEDS, tmp_path / "seeds")
    trace = tmp_path / "app.trace"
    exit_code = tmp_path / "exit-code"
    command = " ".join(f'"{part}"' for part in traced(trace))
    started = time.monotonic()
    tmux.start(["sh", "-c", f'{command}; echo $? > "{exit_code}"'], cwd=tmp_path)
    tmux.wait_for(lambda s: "Ask a question" in s, 60, "the first paint")
    tmux("send-keys", "-t", "qa", "-l", "who chairs the public safety committee?")
    tmux("send-keys", "-t", "qa", "Enter")
    tmux.wait_for(lambda s: "Rodriguez" in s, 300, "the answer")
    (tmp_path / "seeds" / "added.txt").write_text(
        "Harbour Ferry Returns\n\nThe Carrow ferry sailed again on Monday after a winter in dry dock.\n",
        encoding="utf-8",
    )
    tmux("send-keys", "-t", "qa", "C-r")
    tmux.wait_for(lambda s: "Index built" in s, 300, "the rebuild")
    time.sleep(max(0.0, 20 - (time.monotonic() - started)))  # a session open at least 20 s
    tmux("send-keys", "-t", "qa", "C-q")
    deadline = time.monotonic() + 30
    while not exit_code.exists():
        assert time.monotonic() < deadline, tmux.capture()
        time.sleep(0.1)
    assert exit_code.read_text().strip() == "0", tmux.capture()
    assert trace.stat().st_size > 0
    assert network_calls(trace) == []
