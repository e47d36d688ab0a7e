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
_C1 = re.compile(r"[\x7f-\x9f\u2028\u2029]")  # and the line separators str.splitlines (and old JavaScript) split at
CSV_FIELDS = (
    "id", "question", "answered", "rank", "score", "source", "title", "passage",
    "start", "end", "highlight", "highlight_start", "highlight_end", "also_in", "read_as",
    "short_answer", "short_answer_start", "short_answer_end", "answer_from", "date", "author", "section", "url", "page",
)  # fmt: skip


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    conversation: str | None = None  # questions sharing it are read in order as one conversation (qa.conversation)


def read_questions(
    name: str, skip_bad: bool = False, warn: object = None, notice: Callable[[str], None] | None = None
) -> list[Question]:
    """Questions from a file, or stdin for ``-``. Bad lines raise BadQuestionFile naming the line.

    Args:
        name: path, or "-" for standard input (read as JSONL when it starts with "{", else one per line).
        skip_bad: skip malformed lines instead of failing; each is reported through ``warn``.
        warn: callable taking one message per skipped line.
        notice: callable told how a file that is not valid UTF-8 was read (as articles are: cp1252, or U+FFFD for
            a few stray bytes).
    """
    if name == "-":
        raw, label, suffix = _read_stdin(), "stdin", ""
    else:
        path = Path(name)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise BadQuestionFile(f"question file {name} does not exist") from exc
        except OSError as exc:
            raise BadQuestionFile(f"question file {name} cannot be read ({exc.strerror})") from exc
        from qa.ingest import decode

        raw, how = decode(data)
        label, suffix = path.name, path.suffix.lower()
        for note in how:
            if notice is not None:
                notice(f"{label}: {note}")
    if not suffix:
        suffix = ".jsonl" if raw.lstrip().startswith("{") else ".txt"
    reader = {".jsonl": _jsonl, ".json": _jsonl, ".csv": _csv}.get(suffix, _txt)
    questions: list[Question] = []
    for item in reader(raw, label):
        if isinstance(item, Question):
            talk = repair(item.conversation) if item.conversation is not None else None  # JSON may hold "\udcff"
            questions.append(replace(item, id=repair(item.id), text=repair(item.text), conversation=talk))
        elif skip_bad:
            if callable(warn):
                warn(item)
        else:
            raise BadQuestionFile(f"{item}; fix it or pass --skip-bad to continue without it")
    return questions


def _read_stdin() -> str:
    """Standard input as text, invalid UTF-8 replaced with U+FFFD as for files (the text layer would raise, or
    keep stray bytes as surrogates that the tokenizer refuses)."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:  # a text-only stream (tests, embedding)
        return repair(sys.stdin.read())
    return buffer.read().decode("utf-8-sig", errors="replace")


def repair(text: str) -> str:
    """Text with stray bytes and lone surrogates replaced by U+FFFD.

    Python hands over undecodable bytes in argv (and in text streams) as surrogate escapes, and a JSON string may
    hold a lone surrogate; neither is text the tokenizer accepts.
    """
    return _SURROGATES.sub(_replaced, text)


def _replaced(match: re.Match[str]) -> str:
    try:  # byte escapes: the bytes they stand for, decoded as file input is
        return match.group().encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
    except UnicodeEncodeError:
        return "\ufffd" * len(match.group())


_SURROGATES = re.compile(r"[\ud800-\udfff]+")
# Lines end at \n, \r\n or \r only: str.splitlines also splits at U+2028, U+2029, form feed, \x1c-\x1e and \x85,
# which may sit inside a question (or a JSON string) as ordinary characters.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def lines(raw: str, keepends: bool = False) -> list[str]:
    """``raw`` split after each \\n, \\r\\n and \\r, and nowhere else."""
    found = _LINE.findall(raw)
    return found if keepends else [line.rstrip("\r\n") for line in found]


def _txt(raw: str, label: str) -> Iterator[Question | str]:
    n = 0
    for line in lines(raw):
        text = line.strip()
        if text and not text.startswith("#"):
            n += 1
            yield Question(str(n), text)


def _jsonl(raw: str, label: str) -> Iterator[Question | str]:
    n = 0
    for lineno, line in enumerate(lines(raw), 1):
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
        qid = obj.get("id")
        # bool is an int to Python, and str() of a float, list or object is Python's spelling, not an id
        if qid is not None and (isinstance(qid, bool) or not isinstance(qid, (str, int))):
            yield f"{label} line {lineno}: id must be a string or an integer"
            continue
        talk = obj.get("conversation")
        if talk is not None and (isinstance(talk, bool) or not isinstance(talk, (str, int))):
            yield f"{label} line {lineno}: conversation must be a string or an integer"
            continue
        n += 1
        talk = str(talk) if talk is not None else None
        yield Question(str(qid) if qid is not None else str(n), obj["question"], talk)


def _csv(raw: str, label: str) -> Iterator[Question | str]:
    rows = lines(raw, keepends=True)
    header = csv.reader(rows)
    try:
        fields = [f.strip().lower() for f in next(header, [])]
    except csv.Error as exc:
        raise BadQuestionFile(f"{label} line 1: {exc}; fix the header row") from None
    if "question" not in fields:
        raise BadQuestionFile(f'{label} line 1: no "question" column; add a header row with a question column')
    n = 0
    start: int | None = header.line_num  # index of the line the reader below starts at
    while start is not None:
        reader, offset, start = csv.reader(rows[start:]), start, None
        while True:
            first = offset + reader.line_num  # index of this record's first line
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:  # e.g. an unclosed quote that swallows a field past the csv size limit
                # Named as the open quote it is whatever the process's csv field limit (a dump reader raises it).
                problem: str | None = _open_quote(rows[first:], first, len(fields), at_end=True) or str(exc)
            else:
                end = offset + reader.line_num
                problem = _open_quote(rows[first:end], first, len(fields), at_end=end == len(rows))
            if problem:
                yield f"{label} line {first + 1}: {problem}"
                start = first + 1  # read on from the next line: the rows the bad one swallowed come back
                break
            row = dict(zip(fields, values))
            text = (row.get("question") or "").strip()
            if not any(v.strip() for v in values):  # a blank row; one with an id and no question is answered as such
                continue
            n += 1
            talk = (row.get("conversation") or "").strip() or None
            yield Question((row.get("id") or "").strip() or str(n), text, talk)


def _open_quote(record: list[str], first: int, width: int, at_end: bool) -> str | None:
    """Why a record spanning several lines is a quote left open, not a question with line breaks; None if it is not.

    The csv module ends an unclosed quoted field at the end of the file, silently merging every row after it.
    """
    if len(record) < 2:
        return None
    if at_end and sum(line.count('"') for line in record) % 2:
        last = first + len(record)
        return f"a quote opened on this line is never closed (it runs to the end of the file, line {last})"
    if width < 2:  # with one column every line would look like a row
        return None
    for number, line in enumerate(record[1:], first + 2):
        try:
            looks_like_a_row = len(next(csv.reader([line]), [])) == width
        except csv.Error:
            looks_like_a_row = False
        if looks_like_a_row:
            return f"a quote opened on this line runs on over line {number}, which looks like a row; close the quote"
    return None


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
        base = {"id": result.id, "question": result.question, "answered": str(result.answered).lower(),
                "read_as": result.read_as or ""}  # fmt: skip
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
    """JSON with non-ASCII text kept readable, but DEL and C1 controls escaped too (a terminal may obey them), and
    U+2028/U+2029 (a reader splitting a JSONL file with str.splitlines would cut a record in two)."""
    text = json.dumps(record, ensure_ascii=False, indent=indent)
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def markdown(result: Result) -> str:
    """One question and its answers as a Markdown section (also used by the TUI's export).

    Control characters are shown as visible symbols (qa.render.safe): Markdown is read by people, often with cat.
    """
    from qa.render import one_paragraph, safe, short_first

    result = _safe_result(result, safe)
    lines = [f"## {result.id}. {result.question}", ""]
    if result.read_as:
        lines += [f"*Read as:* {_md(result.read_as)}", ""]
    if result.notice:  # "preferring articles from March 2005", the filters it was asked with
        lines += [f"*{_md(result.notice)}*", ""]
    if not result.answered:
        lines += ["*No confident answer.*" + (" Closest passages:" if result.answers else ""), ""]
    for a in result.answers:
        lines.append(f"{a.rank}. **{_md(one_paragraph(a.highlight))}**  ")  # bold does not cross a blank line
        if short_first(result, a):
            lines.append(f"   short answer: **{_md(str(a.short_answer))}**  ")
        lines.append(f"   {a.title} — `{a.source}` [{a.start}:{a.end}], score {a.score:.3f}")
        if a.also_in:
            lines.append(f"   also in: {', '.join(f'`{s}`' for s in a.also_in)}")
        lines += ["", "   > " + _md(a.passage).replace("\n", "\n   > "), ""]
    return "\n".join(lines) + "\n"


def _safe_result(result: Result, safe: Callable[[str], str]) -> Result:
    answers = tuple(
        replace(a, title=safe(a.title), source=safe(a.source), passage=safe(a.passage), highlight=safe(a.highlight),
                also_in=tuple(safe(s) for s in a.also_in),
                short_answer=safe(a.short_answer) if a.short_answer else a.short_answer)
        for a in result.answers
    )  # fmt: skip
    read_as = safe(result.read_as) if result.read_as else result.read_as
    notice = safe(result.notice) if result.notice else result.notice
    return replace(result, id=safe(result.id), question=safe(result.question), answers=answers, read_as=read_as,
                   notice=notice)  # fmt: skip


def _md(text: str) -> str:
    return text.replace("*", r"\*").replace("_", r"\_").replace("`", r"\`")
