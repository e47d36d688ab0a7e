"""Candidates + question -> Answers: the answering sentence, offsets, corroboration and an honest confidence.

The highlight is the sentence that best answers, not merely the most similar: each sentence of a passage is scored by
its vector's cosine with the question (sentence vectors are stored at build time), by how much of the question's
IDF mass it contains, and by whether it holds the kind of thing the question asks for (a name for "who", a date for
"when", a number for "how many") that the question itself does not already contain. The best sentence score also
re-ranks the passages. Weights and thresholds were fitted on SQuAD dev (see NOTES.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.records import Answer, Result
from qa.search import Candidate, Query, Searcher

RERANK = 20  # candidates whose sentences are scored
SENT_COS, SENT_OVERLAP, SENT_TYPE = 1.0, 1.0, 0.25  # highlight weights
RERANK_WEIGHT = 2.0  # how much the best sentence moves a passage
# Confidence: a logistic model over the top passage's cosine and IDF coverage and its best sentence's cosine and
# term overlap, fitted on SQuAD dev questions asked with and without their own article (see NOTES.md).
CONF_WEIGHTS = (3.15, 5.72, 10.64, 2.61)
CONF_BIAS = -10.84
THRESHOLD = -1.0  # log-odds under this is "no confident answer" (set on SQuAD dev: see NOTES.md)
DUPLICATE_COS = 0.92  # sentence cosine above which two sources state the same fact
DUPLICATE_TERMS = 0.6  # or Jaccard overlap of their content terms (reworded wire copy)

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_DATE = re.compile(
    rf"\b(?:{_MONTHS}|{_DAYS}|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b|\b(?:1[0-9]|20)\d\d\b|"
    r"\b(?:\d{1,2}(?:st|nd|rd|th)?\s+century|yesterday|today|tomorrow|ago|last\s+(?:week|month|year)|"
    r"next\s+(?:week|month|year)|\d{1,2}:\d\d|decades?|centur(?:y|ies)|era|period|"
    r"(?:minutes?|hours?|days?|weeks?|months?|years?)\s+(?:after|before|later|earlier|ago|since)|"
    r"(?:after|before|since|until|during)\s+(?:the\s+)?(?:war|election|vote|season|end|start|launch))\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|dozen|half|percent|several|many)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<=\w[\s,(])[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*")  # capitalized, not sentence-initial
_PLACE = re.compile(r"\b(?:in|at|from|near|to|into)\s+(?:the\s+)?[A-Z][\w'’-]+")
_WORD = re.compile(r"\w+")


def question_type(question: str) -> str | None:
    q = question.lower().strip()
    if re.search(r"\bhow (?:many|much|long|old|far|large|big|tall|often)\b|\bwhat (?:percentage|number|amount)\b", q):
        return "number"
    if re.search(r"\bwhen\b|\bwhat (?:year|date|day|month|time|century|decade)\b|\bwhich (?:year|date|day|month)\b", q):
        return "date"
    if re.search(r"\bwho(?:m|se)?\b|\bwhich (?:person|man|woman|group|company|organi[sz]ation)\b", q):
        return "name"
    if re.search(r"\bwhere\b|\bwhat (?:city|country|state|place)\b|\bwhich (?:city|country|state|place)\b", q):
        return "place"
    return None


def _type_match(kind: str | None, sentence: str, question_words: set[str]) -> float:
    """1.0 when the sentence holds something of the asked-for kind that the question does not already hold."""
    if kind is None:
        return 0.0
    pattern = {"number": _NUMBER, "date": _DATE, "name": _NAME, "place": _PLACE}[kind]
    for match in pattern.finditer(sentence):
        words = {w.lower() for w in _WORD.findall(match.group())}
        if words - question_words - {"in", "at", "from", "near", "to", "into", "the"}:
            return 1.0
    return 0.0


@dataclass(frozen=True)
class _Passage:
    candidate: Candidate
    source: str
    title: str
    start: int
    end: int
    text: str  # the article text
    sentence: tuple[int, int]  # the highlight, in article offsets
    sentence_score: float
    sentence_cos: float
    sentence_overlap: float
    sentence_vector_id: int
    sentence_terms: frozenset[str]
    score: float


def confidence(p: _Passage) -> float:
    """Log-odds that the passage answers the question (0 is even odds)."""
    features = (p.candidate.dense, p.candidate.coverage, p.sentence_cos, p.sentence_overlap)
    return CONF_BIAS + sum(w * x for w, x in zip(CONF_WEIGHTS, features, strict=True))


class Answerer:
    """Turns retrieval into the Result records that every front end shows."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher

    def ask(self, question: str, top_k: int = 5, qid: str = "1", method: str = "fused") -> Result:
        return self.ask_many([question], top_k, [qid], method)[0]

    def ask_many(
        self, questions: Sequence[str], top_k: int = 5, ids: Sequence[str] | None = None, method: str = "fused"
    ) -> list[Result]:
        ids = list(ids) if ids is not None else [str(i) for i in range(1, len(questions) + 1)]
        clean = [" ".join(q.split()) for q in questions]
        searchable = [i for i, q in enumerate(clean) if _WORD.search(q)]
        results: list[Result | None] = [None] * len(questions)
        for i in set(range(len(questions))) - set(searchable):
            results[i] = Result(ids[i], questions[i], False, (), notice="the question has no words to search for")
        queries = self.searcher.queries([clean[i] for i in searchable]) if searchable else []
        for i, query in zip(searchable, queries, strict=True):
            results[i] = self._answer(ids[i], questions[i], query, top_k, method)
        return [r for r in results if r is not None]

    def _answer(self, qid: str, question: str, query: Query, top_k: int, method: str) -> Result:
        candidates = self.searcher.retrieve(query, method)
        passages = self._rerank(query, candidates[:RERANK], rerank=method == "fused")
        kept: list[_Passage] = []
        also: dict[int, list[str]] = {}
        for p in passages:
            twin = self._same_fact(p, kept)
            if twin is None:
                kept.append(p)
            elif twin >= 0 and p.source != kept[twin].source and p.source not in also.get(twin, []):
                also.setdefault(twin, []).append(p.source)
        kept = kept[:top_k]
        answers = tuple(self._to_answer(rank, p, also.get(rank - 1, [])) for rank, p in enumerate(kept, 1))
        conf = confidence(kept[0]) if kept else None
        return Result(qid, question, conf is not None and conf >= THRESHOLD, answers, confidence=conf)

    def _rerank(self, query: Query, candidates: list[Candidate], rerank: bool) -> list[_Passage]:
        import numpy as np

        if not candidates:
            return []
        db = self.searcher.version.db
        kind = question_type(query.text)
        qwords = {w.lower() for w in _WORD.findall(query.text)}
        total = sum(query.weights.values()) or 1.0
        texts: dict[int, tuple[str, str, str]] = {}
        out: list[_Passage] = []
        for cand in candidates:
            aid, start, end = db.execute(
                'SELECT article_id, start, "end" FROM chunks WHERE id = ?', (cand.chunk_id,)
            ).fetchone()
            if aid not in texts:
                texts[aid] = db.execute("SELECT source, title, text FROM articles WHERE id = ?", (aid,)).fetchone()
            source, title, text = texts[aid]
            rows = db.execute(
                'SELECT id, start, "end" FROM sentences WHERE chunk_id = ? ORDER BY id', (cand.chunk_id,)
            ).fetchall()
            best: tuple[float, tuple[int, int], int, frozenset[str], float, float] = (
                -1.0, (start, end), -1, frozenset(), 0.0, 0.0
            )
            if rows:
                vecs = np.asarray(self.searcher.version.sentence_vectors[[r[0] for r in rows]], dtype=np.float32)
                cosines = vecs @ query.vector
                for (sid, s, e), cos in zip(rows, cosines, strict=True):
                    sentence = text[s:e]
                    own = frozenset(self.searcher.terms(sentence))
                    terms = query.matched(set(own))
                    overlap = sum(w for t, w in query.weights.items() if t in terms) / total
                    score = SENT_COS * float(cos) + SENT_OVERLAP * overlap + SENT_TYPE * _type_match(kind, sentence, qwords)
                    if score > best[0]:
                        best = (score, (s, e), sid, own, float(cos), overlap)
            # Scaled to 0..1 (the best a sentence can score is SENT_COS + SENT_OVERLAP + SENT_TYPE).
            final = (
                (cand.fused + RERANK_WEIGHT * best[0]) / (1 + RERANK_WEIGHT * (SENT_COS + SENT_OVERLAP + SENT_TYPE))
                if rerank
                else cand.fused
            )
            out.append(
                _Passage(cand, source, title, start, end, text, best[1], best[0], best[4], best[5], best[2], best[3], final)
            )
        out.sort(key=lambda p: -p.score)
        return out

    def _same_fact(self, p: _Passage, kept: list[_Passage]) -> int | None:
        """None if new; -1 if it repeats a kept passage of the same article; else the index of its twin."""
        import numpy as np

        vectors = self.searcher.version.sentence_vectors
        for i, k in enumerate(kept):
            if p.source == k.source:
                if p.sentence == k.sentence or (p.start < k.end and k.start < p.end and p.sentence_vector_id < 0):
                    return -1
                continue
            union = p.sentence_terms | k.sentence_terms
            if len(union) >= 5 and len(p.sentence_terms & k.sentence_terms) / len(union) >= DUPLICATE_TERMS:
                return i
            if p.sentence_vector_id >= 0 and k.sentence_vector_id >= 0:
                a = np.asarray(vectors[p.sentence_vector_id], dtype=np.float32)
                b = np.asarray(vectors[k.sentence_vector_id], dtype=np.float32)
                if float(a @ b) >= DUPLICATE_COS:
                    return i
        return None

    @staticmethod
    def _to_answer(rank: int, p: _Passage, also_in: list[str]) -> Answer:
        s, e = p.sentence
        return Answer(
            rank=rank,
            score=round(p.score, 4),
            source=p.source,
            title=p.title,
            passage=p.text[p.start : p.end],
            start=p.start,
            end=p.end,
            highlight=p.text[s:e],
            highlight_start=s,
            highlight_end=e,
            also_in=tuple(also_in),
        )
