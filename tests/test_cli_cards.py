"""`qa ask` on a terminal, through the real entry point: each answer is a card headed by the article's headline, date
and source and a plain confidence word, with the answering sentence shown once, marked inside its passage."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable

import pytest
from conftest import FACTS, Paths, Run

SGR = re.compile(r"\x1b\[[0-9;]*m")
QUESTION, _, SOURCE = FACTS[0]  # the Grimsholm lighthouse
SENTENCE = "Volunteer keeper Odile Marchetti climbed the 212 steps at dusk to switch on the new lamp."


@pytest.fixture
def on_terminal(qa, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """``qa`` with stdout a wide colour terminal: each card line is one line of output."""
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setenv("TERM", "xterm-256color")
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str) -> Run:
        # Here, not in the fixture: during a fixture's setup sys.stdout is pytest's global capture, not capsys's.
        monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
        return qa(*args)

    return run


def test_the_answering_sentence_is_shown_once_marked_inside_its_passage(ready_index: Paths, on_terminal) -> None:
    run = on_terminal("ask", QUESTION, "--top-k", "1")
    assert run.code == 0, run.err
    text = SGR.sub("", run.out)
    assert text.count("climbed the 212 steps") == 1, text
    assert "lit again on Thursday" in text  # the rest of the passage is there too
    marked = re.search(r"\x1b\[[0-9;]*1;33m([^\x1b]*)\x1b\[0m", run.out)  # bold yellow: the highlight style
    assert marked and SENTENCE.startswith(marked.group(1).strip()), run.out


def test_the_short_answer_is_shown_first_on_the_top_card(ready_index: Paths, on_terminal) -> None:
    record = json.loads(on_terminal("ask", QUESTION, "--top-k", "1", "--format", "json").out)
    short = record["answers"][0]["short_answer"]
    assert short and short in SENTENCE
    text = SGR.sub("", on_terminal("ask", QUESTION, "--top-k", "1").out)
    inside = [line.strip("│ ") for line in text.splitlines() if line.startswith("│")]
    assert inside[0] == short, text  # above the passage, on a line of its own


def test_the_card_head_is_headline_source_and_a_confidence_word(ready_index: Paths, on_terminal) -> None:
    text = SGR.sub("", on_terminal("ask", QUESTION, "--top-k", "2").out)
    lines = text.splitlines()
    head = next(line for line in lines if line.startswith("╭"))
    foot = next(line for line in lines if line.startswith("╰"))
    assert "[1] Keepers Return to the Grimsholm Lighthouse" in head
    assert re.search(rf"{re.escape(SOURCE)} · confidence (high|medium|low) ─", foot), foot
    assert "score" not in text and "[0:" not in text  # the figures are in --format json, not in the card
    assert text.count("confidence ") == 1  # the result's confidence is the top answer's: the second card has none


def test_the_json_record_keeps_its_fields(ready_index: Paths, qa) -> None:
    best = json.loads(qa("ask", QUESTION, "--format", "json").out)["answers"][0]
    assert best["highlight"] == SENTENCE and isinstance(best["score"], float)
    assert {"start", "end", "highlight_start", "highlight_end", "title", "source", "date"} <= set(best)


def test_piped_text_puts_the_short_answer_first_and_a_widened_highlight_on_one_line(ready_index: Paths, qa) -> None:  # type: ignore[no-untyped-def]
    record = json.loads(qa("ask", QUESTION, "--top-k", "1", "--format", "json").out)
    short = record["answers"][0]["short_answer"]
    lines = qa("ask", QUESTION, "--top-k", "1").out.splitlines()
    assert lines[1] == f"[1] {short}"
    assert lines[2] == "    " + record["answers"][0]["highlight"].replace("\n", " ")


def test_a_result_with_no_confident_answer_shows_no_short_answer_first() -> None:
    from qa.records import Answer, Result
    from qa.render import plain

    answer = Answer(rank=1, score=0.2, source="a.txt", title="A", passage="It rained.", start=0, end=10,
                    highlight="It rained.", highlight_start=0, highlight_end=10, short_answer="rained")  # fmt: skip
    text = plain(Result("1", "what happened?", False, (answer,))).splitlines()
    assert text[2] == "[1] It rained."


def test_markdown_keeps_a_widened_highlight_in_one_bold_run_and_gives_the_short_answer() -> None:
    from qa.batch import markdown
    from qa.records import Answer, Result

    text = "A new library was approved.\n\nIt will cost £6.2m."
    answer = Answer(rank=1, score=0.9, source="a.txt", title="Library", passage=text, start=0, end=len(text),
                    highlight=text, highlight_start=0, highlight_end=len(text), short_answer="£6.2m")  # fmt: skip
    lines = markdown(Result("1", "how much will it cost?", True, (answer,))).splitlines()
    assert "1. **A new library was approved. It will cost £6.2m.**  " in lines
    assert "   short answer: **£6.2m**  " in lines
    unsure = markdown(Result("1", "how much will it cost?", False, (answer,)))
    assert "short answer" not in unsure


def test_markdown_says_the_results_notice_under_its_question() -> None:
    from qa.batch import markdown
    from qa.records import Result

    said = markdown(Result("2", "what happened last year?", False, notice="preferring articles from 2004\x1b[2J"))
    assert said.splitlines()[:3] == ["## 2. what happened last year?", "", "*preferring articles from 2004␛[2J*"]
    assert markdown(Result("3", "what happened?", False)).splitlines()[2] == "*No confident answer.*"  # no notice
