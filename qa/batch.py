"""Question files in (.txt, .jsonl, .csv, stdin) and answer records out (JSONL, CSV, Markdown).

Writers emit one complete record per call and flush it, so an interrupted run leaves a valid, partial file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from qa.errors import BadQuestionFile
from qa.records import Result

FORMATS = ("jsonl", "csv", "markdown")
_C1 = re.compile(r"[\x7f-\x9f]")
CSV_FIELDS = (
    "id", "question", "answered", "rank", "score", "source", "title", "passage",
    "start", "end", "highlight", "highlight_start", "highlight_end", "also_in",
)  # fmt: skip


@dataclass(frozen=True)
class Question:
    id: str
    text: str


def read_questions(name: str, skip_bad: bool = False, warn: object = None) -> list[Question]:
    """Questions from a file, or stdin for ``-``. Bad lines raise BadQuestionFile naming the line.

    Args:
        name: path, or "-" for standard input (read as JSONL when it starts with "{", else one per line).
        skip_bad: skip malformed lines instead of failing; each is reported through ``warn``.
        warn: callable taking one message per skipped line.
    """
    if name == "-":
        raw, label, suffix = sys.stdin.read(), "stdin", ""
    else:
        path = Path(name)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise BadQuestionFile(f"question file {name} does not exist") from exc
        except OSError as exc:
            raise BadQuestionFile(f"question file {name} cannot be read ({exc.strerror})") from exc
        raw = data.decode("utf-8-sig", errors="replace")
        label, suffix = path.name, path.suffix.lower()
    if not suffix:
        suffix = ".jsonl" if raw.lstrip().startswith("{") else ".txt"
    reader = {".jsonl": _jsonl, ".json": _jsonl, ".csv": _csv}.get(suffix, _txt)
    questions: list[Question] = []
    for item in reader(raw, label):
        if isinstance(item, Question):
            questions.append(item)
        elif skip_bad:
            if callable(warn):
                warn(item)
        else:
            raise BadQuestionFile(f"{item}; fix it or pass --skip-bad to continue without it")
    return questions


def _txt(raw: str, label: str) -> Iterator[Question | str]:
    n = 0
    for line in raw.splitlines():
        text = line.strip()
        if text and not text.startswith("#"):
            n += 1
            yield Question(str(n), text)


def _jsonl(raw: str, label: str) -> Iterator[Question | str]:
    n = 0
    for lineno, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            yield f"{label} line {lineno}: not valid JSON"
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
            yield f'{label} line {lineno}: no "question" string'
            continue
        n += 1
        qid = obj.get("id")
        yield Question(str(qid) if qid is not None else str(n), obj["question"])


def _csv(raw: str, label: str) -> Iterator[Question | str]:
    reader = csv.DictReader(io.StringIO(raw))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "question" not in fields:
        raise BadQuestionFile(f'{label} line 1: no "question" column; add a header row with a question column')
    reader.fieldnames = fields
    n = 0
    while True:
        first_line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. an unclosed quote that swallows the rest of the file into one field
            yield f"{label} line {first_line}: {exc}"
            continue
        text = (row.get("question") or "").strip()
        if not text:
            continue
        n += 1
        yield Question((row.get("id") or "").strip() or str(n), text)


class Writer:
    """Streams Result records to a text stream in one of FORMATS."""

    def __init__(self, out: IO[str], fmt: str) -> None:
        self.out, self.fmt = out, fmt
        self._csv = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n") if fmt == "csv" else None
        if self._csv:
            self._csv.writeheader()
        elif fmt == "markdown":
            out.write("# Answers\n\n")
        out.flush()

    def write(self, result: Result) -> None:
        if self.fmt == "jsonl":
            self.out.write(to_json(result.to_record()) + "\n")
        elif self._csv:
            self._write_csv(result)
        else:
            self.out.write(markdown(result))
        self.out.flush()

    def _write_csv(self, result: Result) -> None:
        base = {"id": result.id, "question": result.question, "answered": str(result.answered).lower()}
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
        for answer in result.answers or [None]:
            row = dict(base)
            if answer is not None:
                row.update(answer.to_record())
                row["also_in"] = ";".join(answer.also_in)
            writer.writerow(row)
        self.out.write(buf.getvalue())  # one write per record: an interrupt never leaves half a record


def to_json(record: dict[str, object], indent: int | None = None) -> str:
    """JSON with non-ASCII text kept readable, but DEL and C1 controls escaped too (a terminal may obey them)."""
    text = json.dumps(record, ensure_ascii=False, indent=indent)
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def markdown(result: Result) -> str:
    """One question and its answers as a Markdown section (also used by the TUI's export).

    Control characters are shown as visible symbols (qa.render.safe): Markdown is read by people, often with cat.
    """
    from qa.render import safe

    result = _safe_result(result, safe)
    lines = [f"## {result.id}. {result.question}", ""]
    if not result.answered:
        lines += ["*No confident answer.*" + (" Closest passages:" if result.answers else ""), ""]
    for a in result.answers:
        lines.append(f"{a.rank}. **{_md(a.highlight)}**  ")
        lines.append(f"   {a.title} — `{a.source}` [{a.start}:{a.end}], score {a.score:.3f}")
        if a.also_in:
            lines.append(f"   also in: {', '.join(f'`{s}`' for s in a.also_in)}")
        lines += ["", "   > " + _md(a.passage).replace("\n", "\n   > "), ""]
    return "\n".join(lines) + "\n"


def _safe_result(result: Result, safe: Callable[[str], str]) -> Result:
    answers = tuple(
        replace(a, title=safe(a.title), source=safe(a.source), passage=safe(a.passage), highlight=safe(a.highlight),
                also_in=tuple(safe(s) for s in a.also_in))
        for a in result.answers
    )  # fmt: skip
    return replace(result, id=safe(result.id), question=safe(result.question), answers=answers)


def _md(text: str) -> str:
    return text.replace("*", r"\*").replace("_", r"\_").replace("`", r"\`")
