"""A follow-up in a real terminal: `qa` under tmux on the shipped seeds (copied), asked who chairs one committee and
then "and the civil rights one?". The second card must say how it read the follow-up and show the sentence naming
Hugo Soto-Martinez highlighted (a marker background set by escape codes). Needs tmux; skipped without it."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from test_tui_tmux import _SGR, SEEDS, Tmux, pytestmark, styled, tmux  # noqa: F401 (the fixture and the skip mark)

FIRST = "who chairs the public safety committee?"
FOLLOW_UP = "and the civil rights one?"
READ_AS = "read as: Who chairs the civil rights committee?"
NAME = "Soto-Martinez"


def test_a_follow_up_reads_as_a_whole_question_in_a_real_terminal(tmux: Tmux, tmp_path: Path) -> None:  # noqa: F811
    shutil.copytree(SEEDS, tmp_path / "seeds")
    qa = Path(sys.executable).with_name("qa")
    tmux.start([str(qa)], cwd=tmp_path, width=160, height=40)
    tmux.wait_for(lambda s: "Ask a question" in s, 30, "the first paint")
    tmux("send-keys", "-t", "qa", "-l", FIRST)
    tmux("send-keys", "-t", "qa", "Enter")
    tmux.wait_for(lambda s: "Monica Rodriguez" in s and "confidence" in s, 300, "the first answer")
    tmux("send-keys", "-t", "qa", "-l", FOLLOW_UP)
    tmux("send-keys", "-t", "qa", "Enter")
    screen = tmux.wait_for(lambda s: READ_AS in s and NAME in s.split(READ_AS, 1)[1], 120, "the follow-up's card")

    after = screen.split(READ_AS, 1)[1]
    assert "Hugo " + NAME in after
    lines = tmux.capture(escapes=True).splitlines()
    start = next(i for i, line in enumerate(lines) if READ_AS in re.sub(_SGR, "", line))
    marked = False
    for line in lines[start:]:
        cells = styled(line)
        text = "".join(ch for ch, _ in cells)
        if NAME not in text or "Council" not in text:
            continue
        at, begin = text.index(NAME), text.rfind("Council", 0, text.index(NAME))
        sentence = {style for _, style in cells[begin : at + len(NAME)]}
        ((bold, _, background),) = sentence  # one style over the sentence so far
        marked = marked or (bold and background is not None and background != cells[begin - 1][1][2])
    assert marked, "the sentence naming Hugo Soto-Martinez is highlighted in the follow-up's passage"
    tmux("send-keys", "-t", "qa", "C-q")
