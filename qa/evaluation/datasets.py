"""Evaluation collections read into Articles and questions: our JSONL, SQuAD v1.1 and BEIR.

Collection articles are built directly as ``Article`` records with one block covering the whole text: they are
clean text already, so no chrome removal runs, and SQuAD answer offsets stay exact.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from qa.errors import BadQuestionFile, ConfigError, QAError
from qa.records import Article, Span

PARAGRAPH_JOIN = "\n\n"


def make_article(source: str, title: str, text: str) -> Article:
    """An in-memory article: the whole text is one block, hashed like a file's bytes."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Article(source, title, text, ((0, len(text)),), digest, "text")


# -- our own format -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExpectQuestion:
    """A question of ours: a passage answers it when it contains one of the ``expect`` strings."""

    id: str
    question: str
    expect: tuple[str, ...]
    answer: str | None = None
    unanswerable: bool = False  # the articles do not say: the right outcome is "no confident answer"
    split: str | None = None  # "dev" or "holdout" (a part never looked at while tuning)


def load_questions(path: Path, split: str | None = None) -> list[ExpectQuestion]:
    """Questions from a JSONL file of ``{"id", "question", "expect": [...], "answer"?, "split"?}`` or
    ``{"id", "question", "unanswerable": true}``; bad lines name themselves. ``split`` keeps only that part."""
    questions: list[ExpectQuestion] = []
    seen: set[str] = set()
    for lineno, record in _jsonl(path):
        where = f"{path.name} line {lineno}"
        if not isinstance(record, dict):
            raise BadQuestionFile(f"{where} is not a JSON object")
        question, expect = record.get("question"), record.get("expect")
        if not isinstance(question, str) or not question.strip():
            raise BadQuestionFile(f'{where} has no "question" text')
        unanswerable = record.get("unanswerable") is True
        if isinstance(expect, str):
            expect = [expect]
        if unanswerable and expect is None:
            expect = []
        elif not isinstance(expect, list) or not expect or not all(isinstance(e, str) and e.strip() for e in expect):
            raise BadQuestionFile(f'{where} needs "expect": a list of non-empty strings (or "unanswerable": true)')
        qid = str(record.get("id", lineno))
        if qid in seen:
            raise BadQuestionFile(f"{where} repeats id {qid!r}")
        seen.add(qid)
        answer = record.get("answer")
        part = record.get("split") if isinstance(record.get("split"), str) else None
        if split is not None and part != split:
            continue
        questions.append(
            ExpectQuestion(qid, question, tuple(expect), answer if isinstance(answer, str) else None, unanswerable, part)
        )
    if not questions:
        raise BadQuestionFile(f"{path} holds no questions" + (f" in split {split!r}" if split else ""))
    return questions


def _jsonl(
    path: Path, error: type[QAError] = BadQuestionFile, kind: str = "question file"
) -> Iterator[tuple[int, Any]]:
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise error(f"{kind} {path} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{kind} {path} cannot be read ({exc})") from exc
    for lineno, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{path.name} line {lineno} is not valid JSON ({exc.msg})") from exc


# -- SQuAD v1.1 -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpanQuestion:
    """A question whose gold answers are character spans of one article."""

    id: str
    question: str
    source: str
    answers: tuple[Span, ...]


@dataclass(frozen=True)
class SpanDataset:
    articles: tuple[Article, ...]
    questions: tuple[SpanQuestion, ...]

    def subset(self, articles: int | None = None, limit: int | None = None, all_articles: bool = False) -> SpanDataset:
        """The first ``articles`` articles and the first ``limit`` of their questions.

        With a limit, only the articles those questions come from are kept, unless ``all_articles``.
        """
        kept = self.articles[:articles] if articles is not None else self.articles
        sources = {a.source for a in kept}
        questions = tuple(q for q in self.questions if q.source in sources)[:limit]
        if limit is not None and articles is None and not all_articles:
            asked = {q.source for q in questions}
            kept = tuple(a for a in kept if a.source in asked)
        return replace(self, articles=tuple(kept), questions=questions)

    def per_article(self, n: int) -> SpanDataset:
        """The first ``n`` questions of each article, in article order: a small sample that covers every article."""
        taken: dict[str, int] = {}
        questions = []
        for q in self.questions:
            if taken.get(q.source, 0) < n:
                taken[q.source] = taken.get(q.source, 0) + 1
                questions.append(q)
        return replace(self, questions=tuple(questions))

    def split(self) -> tuple[SpanDataset, SpanDataset]:
        """(first half of the articles with their questions, second half with theirs)."""
        half = (len(self.articles) + 1) // 2
        parts = []
        for arts in (self.articles[:half], self.articles[half:]):
            sources = {a.source for a in arts}
            parts.append(SpanDataset(arts, tuple(q for q in self.questions if q.source in sources)))
        return parts[0], parts[1]


def load_squad(path: Path) -> SpanDataset:
    """SQuAD v1.1: each article's paragraph contexts joined by a blank line, answers mapped to article offsets."""
    data = _json(path, "SQuAD")
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise ConfigError(f'{path} is not a SQuAD v1.1 file (no "data" list)')
    articles: list[Article] = []
    questions: list[SpanQuestion] = []
    for item in data["data"]:
        source = str(item["title"])
        offset = 0
        contexts = []
        for paragraph in item["paragraphs"]:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                spans = []
                for gold in qa["answers"]:
                    start = int(gold["answer_start"])
                    if context[start : start + len(gold["text"])] != gold["text"]:
                        raise ConfigError(f"{path}: answer of question {qa['id']} is not at its answer_start")
                    spans.append((offset + start, offset + start + len(gold["text"])))
                questions.append(SpanQuestion(str(qa["id"]), qa["question"], source, tuple(dict.fromkeys(spans))))
            contexts.append(context)
            offset += len(context) + len(PARAGRAPH_JOIN)
        articles.append(make_article(source, source.replace("_", " "), PARAGRAPH_JOIN.join(contexts)))
    return SpanDataset(tuple(articles), tuple(questions))


# -- BEIR -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BeirDataset:
    """Documents as articles (source = doc id), the judged queries, and graded relevance per query."""

    articles: tuple[Article, ...]
    queries: tuple[tuple[str, str], ...]  # (query id, text), only queries with judgements
    qrels: dict[str, dict[str, float]]


def load_beir(folder: Path, split: str = "test") -> BeirDataset:
    """A BEIR folder: ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv``."""
    qrels_path = folder / "qrels" / f"{split}.tsv"
    for needed in (folder / "corpus.jsonl", folder / "queries.jsonl", qrels_path):
        if not needed.is_file():
            raise ConfigError(f"{folder} is not a BEIR folder: {needed.relative_to(folder)} is missing")
    articles = []
    for _, doc in _jsonl(folder / "corpus.jsonl", ConfigError, "BEIR file"):
        title, text = (doc.get("title") or "").strip(), (doc.get("text") or "").strip()
        body = PARAGRAPH_JOIN.join(part for part in (title, text) if part)
        if body:
            articles.append(make_article(str(doc["_id"]), title, body))
    qrels: dict[str, dict[str, float]] = {}
    with qrels_path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if len(row) < 3 or not row[2].strip().lstrip("-").isdigit():
                continue  # the header, or a blank line
            qrels.setdefault(row[0], {})[row[1]] = float(row[2])
    queries = tuple(
        (str(q["_id"]), q["text"])
        for _, q in _jsonl(folder / "queries.jsonl", ConfigError, "BEIR file")
        if str(q["_id"]) in qrels
    )
    return BeirDataset(tuple(articles), queries, qrels)


def _json(path: Path, kind: str) -> Any:
    """A JSON file, gzip-compressed or not (the SQuAD 1.1 train and 2.0 dev copies are .json.gz)."""
    import gzip

    try:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        return json.loads(data.decode("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{kind} file {path} does not exist") from exc
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{kind} file {path} cannot be read ({exc})") from exc
