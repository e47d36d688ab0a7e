"""Back to the original from the command line: the text output names a PDF answer's page and shows an article's URL
under its answer (JSON carries both as ``page`` and ``url``)."""

from __future__ import annotations

import io
import json

import pytest
from conftest import Paths
from test_sources import DUMP_RECORDS, PDF_PAGES, jsonl, make_pdf, write

from qa.records import Answer, Result
from qa.render import plain, rich_result


def _result(**fields: object) -> Result:
    answer = Answer(1, 0.8, "dumps/cms.jsonl#kelso-bridge", "Kelso Bridge Reopens", "The Kelso bridge reopened.", 0, 26,
                    "The Kelso bridge reopened.", 0, 26, **fields)  # type: ignore[arg-type]  # fmt: skip
    return Result("1", "when did the bridge reopen?", True, (answer,))


def test_plain_shows_the_url_under_the_answer_and_the_page() -> None:
    lines = plain(_result(url="https://cms.example/kelso-bridge")).splitlines()
    assert lines[2] == "    Kelso Bridge Reopens | dumps/cms.jsonl#kelso-bridge [0:26] score 0.800"
    assert lines[3] == "    https://cms.example/kelso-bridge"
    assert "page" not in plain(_result())
    assert plain(_result(page=4)).splitlines()[2].endswith("dumps/cms.jsonl#kelso-bridge, page 4 [0:26] score 0.800")
    hostile = plain(_result(url="https://x.example/\x1b]0;owned\x07\nnext"))  # one line, no escape reaches the terminal
    assert "\x1b" not in hostile and hostile.splitlines()[3] == "    https://x.example/␛]0;owned␇␊next"


def test_rich_shows_the_url_and_the_page() -> None:
    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, width=100, color_system=None).print(rich_result(_result(url="https://cms.example/k", page=2)))
    out = buffer.getvalue()
    assert "https://cms.example/k" in out and "dumps/cms.jsonl#kelso-bridge, page 2" in out


@pytest.mark.slow
def test_ask_prints_the_page_of_a_pdf_answer_and_the_url_of_a_dump_answer(qa_paths: Paths, qa) -> None:  # type: ignore[no-untyped-def]
    make_pdf(qa_paths.seeds / "reports/ferry.pdf", PDF_PAGES)
    write(qa_paths.seeds / "dumps/cms.jsonl", jsonl(DUMP_RECORDS))
    assert qa("index", "build").code == 0
    ferry = qa("ask", "How many passengers will the Corrin ferry carry?", "--top-k", "1")
    assert ferry.code == 0, ferry.err
    assert "| reports/ferry.pdf, page 2 [" in ferry.out  # the passage is on the PDF's second page
    bridge = qa("ask", "Who said the Kelso bridge deck will last a century?", "--top-k", "1")
    lines = bridge.out.splitlines()
    source = next(i for i, line in enumerate(lines) if "| dumps/cms.jsonl#kelso-bridge [" in line)
    assert lines[source + 1] == "    https://cms.example/kelso-bridge"  # under the answer it belongs to
    record = json.loads(qa("ask", "Who said the Kelso bridge deck will last a century?", "--format", "json").out)
    assert record["answers"][0]["url"] == "https://cms.example/kelso-bridge"
