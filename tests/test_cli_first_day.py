"""What a newcomer met on a first day with the CLI, through the real entry point (the ``qa`` fixture): group
options, empty questions, a mistyped --seeds, every --format for one question and for --file, and `qa show`."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from conftest import FACTS, Paths, one_line_error

from qa import store
from qa.batch import CSV_FIELDS
from qa.settings import Settings
from qa.tui import app as tui_app

QUESTION = FACTS[0][0]
QUESTIONS = f"{FACTS[0][0]}\n{FACTS[1][0]}\n"


class TestGroupOptions:
    def test_bare_qa_passes_every_path_option_to_the_chat_app(
        self, qa, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        opened: list[Settings] = []
        monkeypatch.setattr(tui_app, "run", opened.append)
        run = qa("--seeds", str(tmp_path / "s"), "--index", str(tmp_path / "i"), "--model", "some-model")
        assert run.code == 0, run.err
        assert opened == [Settings(seeds=tmp_path / "s", index=tmp_path / "i", model="some-model")]

    def test_group_options_reach_a_command_and_its_own_flag_wins(
        self, qa, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        opened: list[Settings] = []
        monkeypatch.setattr(tui_app, "run", opened.append)
        assert qa("--index", str(tmp_path / "i"), "chat", "--seeds", str(tmp_path / "s")).code == 0
        assert (opened[0].index, opened[0].seeds) == (tmp_path / "i", tmp_path / "s")
        status = qa("--index", str(tmp_path / "elsewhere"), "index", "status")
        assert "elsewhere" in one_line_error(status.err)


class TestAskErrors:
    @pytest.mark.parametrize("question", ["", "   ", "\t\n"])
    def test_an_empty_question_is_a_usage_error(self, qa, question: str) -> None:
        run = qa("ask", question)
        assert run.code == 2 and run.out == ""
        assert "the question is empty" in one_line_error(run.err)

    @pytest.mark.parametrize(
        ("args", "message"),
        [(["show", ""], "give the article to show"), (["index", "build", "--wait", "-5"], "not in the range x>=0")],
        ids=["show-nothing", "negative-wait"],
    )
    def test_an_empty_or_negative_value_is_a_usage_error(self, qa, args: list[str], message: str) -> None:
        run = qa(*args)
        assert run.code == 2 and run.out == ""
        assert message in one_line_error(run.err)

    def test_a_missing_seeds_folder_names_it_and_the_index(self, ready_index: Paths, qa, tmp_path: Path) -> None:
        missing = tmp_path / "nonexistent"
        run = qa("ask", QUESTION, "--seeds", str(missing))
        assert run.code == 2 and run.out == ""
        line = one_line_error(run.err)
        assert str(missing) in line and str(ready_index.index) in line and "does not exist" in line

    def test_a_missing_seeds_folder_given_to_the_group_is_an_error_too(self, ready_index: Paths, qa) -> None:
        run = qa("--seeds", "no-such-folder", "ask", QUESTION)
        assert run.code == 2 and "no-such-folder" in one_line_error(run.err)


def first_line(text: str) -> str:
    return text.splitlines()[0]


class TestFormats:
    @pytest.mark.parametrize(
        ("fmt", "starts"),
        [
            ("text", f"Q: {QUESTION}"),
            ("json", "{"),
            ("jsonl", '{"id": "1", "question": '),
            ("csv", ",".join(CSV_FIELDS)),
            ("markdown", "# Answers"),
        ],
    )
    def test_one_question_in_every_format(self, ready_index: Paths, qa, fmt: str, starts: str) -> None:
        run = qa("ask", QUESTION, "--format", fmt)
        assert run.code == 0, run.err
        assert first_line(run.out).startswith(starts)
        if fmt == "jsonl":
            assert len(run.out.splitlines()) == 1 and json.loads(run.out)["question"] == QUESTION
        if fmt == "csv":
            assert next(csv.DictReader(io.StringIO(run.out)))["source"] == "lighthouse.txt"
        if fmt == "markdown":
            assert f"## 1. {QUESTION}" in run.out

    @pytest.mark.parametrize(
        ("fmt", "starts"),
        [
            ("jsonl", '{"id": "1", "question": '),
            ("csv", ",".join(CSV_FIELDS)),
            ("markdown", "# Answers"),
            ("json", "["),
            ("text", f"Q: {QUESTION}"),
        ],
    )
    def test_a_question_file_in_every_format(
        self, ready_index: Paths, qa, tmp_path: Path, fmt: str, starts: str
    ) -> None:
        path = tmp_path / "q.txt"
        path.write_text(QUESTIONS, encoding="utf-8")
        run = qa("ask", "--file", str(path), "--format", fmt, "--top-k", "1")
        assert run.code == 0, run.err
        assert first_line(run.out) == starts or first_line(run.out).startswith(starts)
        if fmt == "json":
            records = json.loads(run.out)
            assert [r["question"] for r in records] == [FACTS[0][0], FACTS[1][0]]
        if fmt == "text":
            assert f"Q: {FACTS[1][0]}" in run.out

    def test_a_json_array_to_a_file_is_valid(self, ready_index: Paths, qa, tmp_path: Path) -> None:
        out = tmp_path / "answers.json"
        run = qa("ask", "--file", "-", "--format", "json", "--output", str(out), stdin=QUESTIONS)
        assert run.code == 0, run.err
        assert len(json.loads(out.read_text(encoding="utf-8"))) == 2


class TestShow:
    def test_a_pipe_gets_the_exact_indexed_text(self, ready_index: Paths, qa) -> None:
        text = stored_text(ready_index.index, "tram.html")
        assert not text.endswith("\n")  # the case that needs a newline on a terminal
        assert qa("show", "tram.html").out == text

    def test_a_terminal_gets_a_final_newline_once(
        self, ready_index: Paths, qa, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # (a terminal may also get a head above the text)
        assert qa("show", "tram.html").out.endswith(stored_text(ready_index.index, "tram.html") + "\n")
        on_terminal = qa("show", "lighthouse.txt").out  # already ends with one: not doubled
        assert on_terminal.endswith(stored_text(ready_index.index, "lighthouse.txt")) and on_terminal.endswith(".\n")

    @pytest.mark.parametrize("typed", ["seeds/bakery.md", "./seeds/../seeds/bakery.md", "{root}/seeds/bakery.md"])
    def test_the_path_as_typed_on_disk(self, ready_index: Paths, qa, typed: str) -> None:
        run = qa("show", typed.format(root=ready_index.root))
        assert run.code == 0, run.err
        assert run.out == (ready_index.seeds / "bakery.md").read_text(encoding="utf-8")

    def test_a_path_outside_the_seeds_folder_is_not_in_the_index(self, ready_index: Paths, qa) -> None:
        run = qa("show", str(ready_index.root / "bakery.md"))
        assert run.code == 1 and "is not in the index" in one_line_error(run.err)


def stored_text(index: Path, source: str) -> str:
    version = store.Version.open(index)
    try:
        return version.db.execute("SELECT text FROM articles WHERE source = ?", (source,)).fetchone()[0]
    finally:
        version.close()
