"""The CLI through its real entry point: build, status, ask (single and batch), show, and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import write_corpus

pytestmark = pytest.mark.slow  # every test runs qa in a subprocess

RECORD_KEYS = {"id", "question", "answered", "answers"}
ANSWER_KEYS = {
    "rank", "score", "source", "title", "passage", "start", "end", "highlight", "highlight_start", "highlight_end",
}  # fmt: skip


def qa(
    *args: str, env: dict[str, str], stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qa.cli", *args], check=False, input=stdin, capture_output=True, text=True, env=env, cwd=cwd,
        timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("cli")
    write_corpus(root / "seeds")
    env = {**os.environ, "QA_SEEDS": str(root / "seeds"), "QA_INDEX": str(root / "index")}
    done = qa("index", "build", env=env)
    assert done.returncode == 0, done.stderr
    return env


def check_record(record: dict, seeds: Path) -> None:
    assert RECORD_KEYS <= set(record) and isinstance(record["id"], str) and isinstance(record["answered"], bool)
    for a in record["answers"]:
        assert ANSWER_KEYS <= set(a)
        text = (seeds / a["source"]).read_text(encoding="utf-8")
        assert text[a["start"] : a["end"]] == a["passage"]
        assert text[a["highlight_start"] : a["highlight_end"]] == a["highlight"]


def test_build_prints_summary_and_second_build_embeds_nothing(env: dict[str, str]) -> None:
    done = qa("index", "build", env=env)
    assert done.returncode == 0
    assert "0 added, 0 updated, 0 removed, 4 unchanged" in done.stdout
    assert "(0 embedded)" in done.stdout and "seconds:" in done.stdout


def test_status(env: dict[str, str]) -> None:
    done = qa("index", "status", env=env)
    assert done.returncode == 0
    assert "articles: 4" in done.stdout and "model: all-MiniLM-L6-v2" in done.stdout and "up to date" in done.stdout


def test_ask_text_and_json(env: dict[str, str]) -> None:
    text = qa("ask", "Who coaches the rowing crew?", env=env)
    assert text.returncode == 0 and "Marguerite Okafor" in text.stdout
    done = qa("ask", "Who coaches the rowing crew?", "--format", "json", "--top-k", "2", env=env)
    record = json.loads(done.stdout)
    assert record["id"] == "1" and len(record["answers"]) == 2
    check_record(record, Path(env["QA_SEEDS"]))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("q.txt", "# comment\nWho coaches the rowing crew?\n\nWhen was the rowing club founded?\n"),
        (
            "q.jsonl",
            '{"id": "a", "question": "Who coaches the rowing crew?"}\n{"question": "When was the rowing club founded?"}\n',
        ),
        ("q.csv", "id,question\na,Who coaches the rowing crew?\n,When was the rowing club founded?\n"),
    ],
)
def test_ask_file_formats_give_valid_jsonl(env: dict[str, str], tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    done = qa("ask", "--file", str(path), env=env)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["question"] for r in records] == ["Who coaches the rowing crew?", "When was the rowing club founded?"]
    assert records[1]["id"] == "2"
    for r in records:
        check_record(r, Path(env["QA_SEEDS"]))
    assert "1952" in records[1]["answers"][0]["passage"]


def test_ask_stdin_to_csv_and_markdown(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    done = qa(
        "ask",
        "--file",
        "-",
        "--format",
        "csv",
        "--output",
        str(out),
        "--top-k",
        "3",
        env=env,
        stdin="Who coaches the rowing crew?\n",
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 3 and rows[0]["rank"] == "1" and rows[0]["question"] == "Who coaches the rowing crew?"
    md = qa("ask", "--file", "-", "--format", "markdown", env=env, stdin="Who coaches the rowing crew?\n")
    assert md.stdout.startswith("# Answers") and "## 1. Who coaches the rowing crew?" in md.stdout


def test_show_prints_the_text_offsets_index(env: dict[str, str]) -> None:
    done = qa("show", "sport/rowing.txt", env=env)
    assert done.stdout == (Path(env["QA_SEEDS"]) / "sport/rowing.txt").read_text()


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (["ask"], None, "give a QUESTION or --file"),
        (["ask", "--file", "{dir}/missing.txt"], None, "does not exist"),
        (["ask", "--file", "{dir}/bad.jsonl"], '{"question": "ok?"}\n{not json\n', "bad.jsonl line 2: not valid JSON"),
        (["ask", "--file", "{dir}/bad.csv"], "query\nwhat?\n", 'bad.csv line 1: no "question" column'),
        (["show", "nope.txt"], None, "not in the index"),
        (["index", "build", "--seeds", "{dir}/no-such-folder"], None, "no-such-folder"),
    ],
)
def test_errors_are_one_line(
    env: dict[str, str], tmp_path: Path, args: list[str], content: str | None, message: str
) -> None:
    if content is not None:
        (tmp_path / args[-1].split("/")[-1]).write_text(content)
    done = qa(*[a.format(dir=tmp_path) for a in args], env=env)
    assert done.returncode != 0
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_skip_bad_continues_and_reports_the_line(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"question": "Who coaches the rowing crew?"}\n{broken\n{"question": "When was the club founded?"}\n'
    )
    done = qa("ask", "--file", str(path), "--skip-bad", env=env)
    assert done.returncode == 0
    assert "line 2" in done.stderr
    assert len(done.stdout.splitlines()) == 2


def test_ask_builds_a_missing_index_and_says_so(tmp_path: Path) -> None:
    write_corpus(tmp_path / "seeds")
    env = {**os.environ, "QA_SEEDS": str(tmp_path / "seeds"), "QA_INDEX": str(tmp_path / "index")}
    done = qa("ask", "How many members does the rowing club have?", env=env)
    assert done.returncode == 0
    assert "building the index (no index yet)" in done.stderr
    assert "140 members" in done.stdout
