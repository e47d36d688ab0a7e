"""Hostile input through the real CLI: undecodable question bytes, line separators inside questions, CSV quotes
left open, JSONL ids that are not ids, and HTML that defeats libxml2 (deep nesting, a huge attribute)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import FACTS, Paths, one_line_error, subprocess_env

OVEN_Q, OVEN_A, OVEN_SRC = FACTS[1]
LAMP_Q, LAMP_A, LAMP_SRC = FACTS[0]


def _records(text: str) -> list[dict]:
    """JSONL records; str.splitlines on purpose: U+2028 and friends inside a record must come out escaped."""
    return [json.loads(line) for line in text.splitlines()]


def _proc(args: list[str | bytes], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """The CLI in a subprocess with raw bytes in argv and stdin, as a shell would pass them."""
    return subprocess.run(
        [sys.executable, "-m", "qa.cli", *args],
        input=stdin, capture_output=True, timeout=300, env=subprocess_env(), check=False,
    )  # fmt: skip


# -- 1. invalid UTF-8 in a question ------------------------------------------------------------------------------


@pytest.mark.slow  # the CLI in a subprocess (raw bytes on stdin)
def test_invalid_utf8_on_stdin_is_replaced_not_a_crash(ready_index: Paths) -> None:
    proc = _proc(["ask", "--file", "-"], stdin=b"\xef\xbb\xbfWho built the oven of the Felbridge caf\xe9?\n")
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "unexpected" not in err
    (record,) = _records(proc.stdout.decode())
    assert record["question"] == "Who built the oven of the Felbridge caf\ufffd?"  # BOM dropped, byte replaced
    assert record["answers"][0]["source"] == OVEN_SRC


@pytest.mark.slow  # the CLI in a subprocess (raw bytes in argv)
def test_invalid_utf8_in_argv_is_replaced_not_a_crash(ready_index: Paths) -> None:
    proc = _proc(["ask", b"Who built the oven of the Felbridge bakers \xff?", "--format", "json"])
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    record = json.loads(proc.stdout)
    assert record["question"] == "Who built the oven of the Felbridge bakers \ufffd?"
    assert record["answers"][0]["source"] == OVEN_SRC


@pytest.mark.parametrize(
    ("question", "shown"),
    [
        ("who \udcff", "who \ufffd"),
        ("caf\udcc3\udca9 oven", "café oven"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
    ],
    ids=["byte-escape", "escaped-utf8", "lone-surrogate"],
)
def test_surrogates_in_a_question_become_replacement_characters(ready_index: Paths, qa, question, shown) -> None:
    """In-process: how Python hands over argv bytes (surrogate escapes), and what a JSON string may hold."""
    run = qa("ask", question, "--format", "json")
    assert run.code == 0, run.err
    assert json.loads(run.out)["question"] == shown
    path = ready_index.root / "q.jsonl"
    path.write_text(json.dumps({"id": "s", "question": question}) + "\n", encoding="utf-8")  # "\udcff" escaped
    run = qa("ask", "--file", str(path))
    assert run.code == 0, run.err
    assert _records(run.out)[0]["question"] == shown


# -- 7. lines end at \n, \r\n and \r only --------------------------------------------------------------------------

ODD_SEPARATORS = ["\u2028", "\u2029", "\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85"]


@pytest.mark.parametrize(
    "separator",
    # The quick run (-m "not slow") tries the two that str.splitlines and most editors split at (three asks each).
    [
        pytest.param(c, id=f"U+{ord(c):04X}", marks=() if c in "\u2028\x85" else pytest.mark.slow)
        for c in ODD_SEPARATORS
    ],
)
def test_a_line_separator_inside_a_question_does_not_split_it(ready_index: Paths, qa, separator: str) -> None:
    question = OVEN_Q.replace(" of the", f"{separator} of the")
    txt = ready_index.root / "q.txt"
    txt.write_text(f"{question}\r\n{LAMP_Q}\r{LAMP_Q}\n", encoding="utf-8", newline="")
    jsonl = ready_index.root / "q.jsonl"
    jsonl.write_text(json.dumps({"id": "a", "question": question}, ensure_ascii=False) + "\n", encoding="utf-8")
    for args, stdin in (([str(txt)], None), ([str(jsonl)], None), (["-"], txt.read_text(encoding="utf-8"))):
        run = qa("ask", "--file", *args, stdin=stdin)
        assert run.code == 0, run.err
        records = _records(run.out)
        assert records[0]["question"] == question, args
        assert len(records) == (1 if args == [str(jsonl)] else 3), args


@pytest.mark.slow  # the CLI in a subprocess (raw bytes on stdin)
def test_stdin_bytes_split_only_at_newlines(ready_index: Paths) -> None:
    stdin = f"{OVEN_Q.replace(' of the', chr(0x2028) + ' of the')}\r\n{LAMP_Q}\r{LAMP_Q}\n".encode()
    proc = _proc(["ask", "--file", "-"], stdin=stdin)
    assert proc.returncode == 0, proc.stderr.decode()
    assert [r["id"] for r in _records(proc.stdout.decode())] == ["1", "2", "3"]


# -- 6. a CSV quote left open ----------------------------------------------------------------------------------------


def test_csv_quote_left_open_names_its_line(ready_index: Paths, qa) -> None:
    path = ready_index.root / "questions.csv"
    path.write_text(f'id,question\n3,{LAMP_Q}\n4,"unclosed quote here\n5,{OVEN_Q}\n', encoding="utf-8")
    run = qa("ask", "--file", str(path))
    assert run.code == 1
    line = one_line_error(run.err)
    assert "questions.csv line 3: a quote opened on this line is never closed" in line and "--skip-bad" in line
    assert run.out == ""

    run = qa("ask", "--file", str(path), "--skip-bad")
    assert run.code == 0, run.err
    assert "skipped: questions.csv line 3: a quote opened on this line is never closed" in run.err
    records = _records(run.out)
    assert [r["id"] for r in records] == ["3", "5"]  # the row the open quote swallowed is read again
    assert records[1]["question"] == OVEN_Q and records[1]["answers"][0]["source"] == OVEN_SRC


def test_csv_quote_running_over_rows_names_its_line(ready_index: Paths, qa) -> None:
    path = ready_index.root / "questions.csv"
    path.write_text(f'id,question\n4,"unclosed\n5,{OVEN_Q}\n6,"closed"\n7,{LAMP_Q}\n', encoding="utf-8")
    run = qa("ask", "--file", str(path))
    assert run.code == 1
    assert "questions.csv line 2: a quote opened on this line runs on over line 3, which looks like a row" in (
        one_line_error(run.err)
    )


def test_csv_question_with_a_quoted_line_break_is_kept(ready_index: Paths, qa) -> None:
    path = ready_index.root / "questions.csv"
    path.write_text(f'id,question\nm,"Who built the oven\nof the Felbridge bakers?"\nn,{LAMP_Q}\n', encoding="utf-8")
    run = qa("ask", "--file", str(path))
    assert run.code == 0, run.err
    records = _records(run.out)
    assert [r["id"] for r in records] == ["m", "n"]
    assert records[0]["question"] == "Who built the oven\nof the Felbridge bakers?"


# -- 9. JSONL ids ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad_id",
    ["true", '{"a": [1, 2]}', "NaN", "1.5", "[7]", "false"],
    ids=["bool", "object", "nan", "float", "list", "false"],
)
def test_jsonl_id_that_is_not_a_string_or_integer_names_its_line(ready_index: Paths, qa, bad_id: str) -> None:
    lines = [
        json.dumps({"id": 7, "question": LAMP_Q}),
        json.dumps({"id": "x", "question": LAMP_Q}),
        f'{{"id": {bad_id}, "question": "{OVEN_Q}"}}',
        json.dumps({"question": OVEN_Q}),
    ]
    path = ready_index.root / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = qa("ask", "--file", str(path))
    assert run.code == 1
    assert "questions.jsonl line 3: id must be a string or an integer" in one_line_error(run.err)
    run = qa("ask", "--file", str(path), "--skip-bad")
    assert run.code == 0, run.err
    assert "skipped: questions.jsonl line 3: id must be a string or an integer" in run.err
    assert [r["id"] for r in _records(run.out)] == ["7", "x", "3"]  # an integer id is kept as its digits


# -- 8. HTML that defeats libxml2 --------------------------------------------------------------------------------------

DEEP_FACT = "The ferry to Olm Island was repaired by the shipwright Piet Vandermeer in March."
WIDE_FACT = "The Brackwater beacon was rewired by the electrician Solveig Arnarsdottir last winter."


def _deep_page() -> str:
    """A story nested 10,000 elements deep: libxml2 stops at 256 and trafilatura finds nothing."""
    return (
        "<html><head><title>Olm Island Ferry Repaired</title></head><body>"
        + "<div>" * 10_000
        + f"<p>{DEEP_FACT}</p><p>It carries forty passengers on each crossing.</p>"
        + "</div>" * 10_000
        + "</body></html>"
    )


def _wide_page() -> str:
    """A story whose paragraph carries a 12 MB attribute (past libxml2's 10 MB limit, under MAX_BYTES)."""
    return (
        '<html><head><title>Beacon Rewired</title></head><body><article><p data-tracking="'
        + "x" * 12_000_000
        + f'">{WIDE_FACT}</p><p>The beacon now draws half the power it did.</p></article></body></html>'
    )


def test_deeply_nested_and_huge_attribute_html_is_indexed(ready_index: Paths, qa) -> None:
    (ready_index.seeds / "deep.html").write_text(_deep_page(), encoding="utf-8")
    (ready_index.seeds / "wide.html").write_text(_wide_page(), encoding="utf-8")
    run = qa("index", "build")
    assert run.code == 0, run.err
    assert "deep.html" not in run.err and "wide.html" not in run.err, run.err  # neither skipped
    assert "2 added" in run.out and "0 skipped" in run.out
    for source, fact in (("deep.html", DEEP_FACT), ("wide.html", WIDE_FACT)):
        shown = qa("show", source)
        assert shown.code == 0, shown.err
        assert fact in shown.out and "xxxx" not in shown.out and "<div>" not in shown.out
    for question, source, text in (
        ("Who repaired the ferry to Olm Island?", "deep.html", "Piet Vandermeer"),
        ("Who rewired the Brackwater beacon?", "wide.html", "Solveig Arnarsdottir"),
    ):
        best = json.loads(qa("ask", question, "--format", "json").out)["answers"][0]
        assert best["source"] == source and text in best["passage"]
        assert best["title"] in ("Olm Island Ferry Repaired", "Beacon Rewired")


def test_html_with_only_scripts_still_gives_the_true_reason(ready_index: Paths, qa) -> None:
    page = "<html><head><title>T</title>" + "<div>" * 5000 + "<script>var a = 'words';</script></html>"
    (ready_index.seeds / "scripts.html").write_text(page, encoding="utf-8")
    run = qa("index", "build")
    assert run.code == 0
    assert "skipped or warned: scripts.html: no extractable text in the HTML" in run.err


def test_the_deep_page_really_defeats_trafilatura() -> None:
    """The premise of the two tests above: without the fallback these pages have no text."""
    import trafilatura

    for page in (_deep_page(), _wide_page()):
        document = trafilatura.bare_extraction(page, with_metadata=True, favor_precision=True)
        assert not (getattr(document, "text", None) or "").strip()
