"""Candidates + question -> Answers: the answering sentence, offsets, corroboration and an honest confidence.

The highlight is the sentence that best answers, not merely the most similar: each sentence of a passage is scored by
its vector's cosine with the question (sentence vectors are stored at build time), by how much of the question's
IDF mass it contains, and by whether it holds the kind of thing the question asks for (a name for "who", a date for
"when", a number for "how many") that the question itself does not already contain. The best sentence score also
re-ranks the passages. Weights and thresholds were fitted on SQuAD dev (see NOTES.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from qa.records import Answer, Result
from qa.search import Candidate, Query, Searcher

RERANK = 20  # candidates whose sentences are scored
SENT_COS, SENT_OVERLAP, SENT_TYPE = 1.5, 1.0, 0.25  # highlight weights (SENT_COS: see NOTES.md, "Sentence weight")
RERANK_WEIGHT = 2.0  # how much the best sentence moves a passage
# Confidence: a logistic model over the top passage's cosine and IDF coverage and its best sentence's cosine and
# term overlap, fitted on SQuAD dev questions asked with and without their own article (see NOTES.md).
CONF_WEIGHTS = (3.15, 5.72, 10.64, 2.61)
CONF_BIAS = -10.84
THRESHOLD = -1.0  # log-odds under this is "no confident answer" (set on SQuAD dev: see NOTES.md)
DUPLICATE_COS = 0.92  # sentence cosine above which two sources state the same fact
DUPLICATE_TERMS = 0.6  # or Jaccard overlap of their content terms (reworded wire copy)
_CACHE_ARTICLES = 2_000  # article texts kept between questions
_CACHE_SENTENCES = 200_000  # sentences whose terms and mentions are kept between questions

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


_KINDS = {"number": _NUMBER, "date": _DATE, "name": _NAME, "place": _PLACE}
_LINKING = frozenset({"in", "at", "from", "near", "to", "into", "the"})


def kind_mentions(kind: str, sentence: str) -> tuple[frozenset[str], ...]:
    """The words of each mention of ``kind`` (a number, date, name or place) in the sentence."""
    found = (frozenset(w.lower() for w in _WORD.findall(m.group())) - _LINKING for m in _KINDS[kind].finditer(sentence))
    return tuple(words for words in found if words)


class _Best(NamedTuple):
    """A passage's best sentence so far while its sentences are scored."""

    span: tuple[int, int]  # article offsets
    sid: int  # sentence id; -1 when the passage has no stored sentence
    terms: frozenset[str]
    cos: float
    overlap: float


@dataclass(frozen=True)
class _Passage:
    candidate: Candidate
    source: str
    title: str
    start: int
    end: int
    text: str  # the article text
    sentence: tuple[int, int]  # the highlight, in article offsets
    sentence_cos: float
    sentence_overlap: float
    sentence_terms: frozenset[str]
    score: float
    sentence_vector: Any = None  # the highlight's vector, for spotting the same fact in other articles


def confidence(p: _Passage) -> float:
    """Log-odds that the passage answers the question (0 is even odds)."""
    features = (p.candidate.dense, p.candidate.coverage, p.sentence_cos, p.sentence_overlap)
    return CONF_BIAS + sum(w * x for w, x in zip(CONF_WEIGHTS, features, strict=True))


class Answerer:
    """Turns retrieval into the Result records that every front end shows."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._articles: dict[int, tuple[str, str, str]] = {}
        # sentence id -> (stemmed content terms, mentions of each question kind), kept between questions
        self._sentences: dict[int, tuple[frozenset[str], dict[str, tuple[frozenset[str], ...]]]] = {}

    def ask(self, question: str, top_k: int = 5, qid: str = "1", method: str = "fused") -> Result:
        return self.ask_many([question], top_k, [qid], method)[0]

    def ask_many(
        self, questions: Sequence[str], top_k: int = 5, ids: Sequence[str] | None = None, method: str = "fused"
    ) -> list[Result]:
        ids = list(ids) if ids is not None else [str(i) for i in range(1, len(questions) + 1)]
        return self._finish(questions, ids, self._prepare(questions), top_k, method)

    def ask_stream(
        self, questions: Sequence[str], ids: Sequence[str], top_k: int = 5, batch: int = 64
    ) -> Iterator[Result]:
        """Results in question order, batch by batch, for question files.

        The next batch is encoded (onnxruntime and FAISS, which release the GIL) in a worker thread while this one
        is re-ranked in Python, so the two stages share the cores instead of taking turns.
        """
        from concurrent.futures import ThreadPoolExecutor

        starts = range(0, len(questions), batch)
        with ThreadPoolExecutor(1, thread_name_prefix="qa-encode") as pool:
            pending = [pool.submit(self._prepare, questions[i : i + batch]) for i in starts[:1]]
            for i in starts:
                queries = pending.pop().result()
                if i + batch < len(questions):
                    pending.append(pool.submit(self._prepare, questions[i + batch : i + 2 * batch]))
                yield from self._finish(questions[i : i + batch], ids[i : i + batch], queries, top_k, "fused")

    def _prepare(self, questions: Sequence[str]) -> dict[int, Query]:
        """Encoded queries by position, for the questions that have words to search for."""
        clean = [" ".join(q.split()) for q in questions]
        searchable = [i for i, q in enumerate(clean) if _WORD.search(q)]
        queries = self.searcher.queries([clean[i] for i in searchable]) if searchable else []
        return dict(zip(searchable, queries, strict=True))

    def _finish(
        self, questions: Sequence[str], ids: Sequence[str], queries: dict[int, Query], top_k: int, method: str
    ) -> list[Result]:
        return [
            self._answer(ids[i], q, queries[i], top_k, method)
            if i in queries
            else Result(ids[i], q, False, (), notice="the question has no words to search for")
            for i, q in enumerate(questions)
        ]

    def _answer(self, qid: str, question: str, query: Query, top_k: int, method: str) -> Result:
        candidates = self.searcher.retrieve(query, method)
        passages = self._rerank(query, candidates[:RERANK], rerank=method == "fused")
        cosines = _pairwise_cosines(passages)
        kept_at: list[int] = []  # positions in passages of the passages kept
        also: dict[int, list[str]] = {}
        for i, p in enumerate(passages):
            twin = _same_fact(i, passages, kept_at, cosines)
            if twin is None:
                kept_at.append(i)
            elif twin >= 0 and p.source != passages[kept_at[twin]].source and p.source not in also.get(twin, []):
                also.setdefault(twin, []).append(p.source)
        kept = [passages[i] for i in kept_at[:top_k]]
        answers = tuple(self._to_answer(rank, p, also.get(rank - 1, [])) for rank, p in enumerate(kept, 1))
        conf = confidence(kept[0]) if kept else None
        return Result(qid, question, conf is not None and conf >= THRESHOLD, answers, confidence=conf)

    def _rerank(self, query: Query, candidates: list[Candidate], rerank: bool) -> list[_Passage]:
        import numpy as np

        if not candidates:
            return []
        kind = question_type(query.text)
        qwords = {w.lower() for w in _WORD.findall(query.text)}
        weights = query.weights
        wanted = weights.keys()
        total = sum(weights.values()) or 1.0
        chunks, sentences = self._chunk_rows([c.chunk_id for c in candidates])
        texts = {cid: self._article(aid) for cid, (aid, _, _) in chunks.items()}
        self._learn_sentences([(sid, texts[cid][2][s:e]) for cid, rows in sentences.items() for sid, s, e in rows])
        all_ids = sorted(sid for rows in sentences.values() for sid, _, _ in rows)
        all_vecs = np.asarray(self.searcher.version.sentence_vectors[all_ids], dtype=np.float32)
        row_of = {sid: i for i, sid in enumerate(all_ids)}
        cosines = (all_vecs @ query.vector).tolist() if all_ids else []
        top_score = SENT_COS + SENT_OVERLAP + SENT_TYPE
        out: list[_Passage] = []
        for cand in candidates:
            _, start, end = chunks[cand.chunk_id]
            source, title, text = texts[cand.chunk_id]
            best_score, best = -1.0, _Best((start, end), -1, frozenset(), 0.0, 0.0)  # no sentence: the whole passage
            for sid, s, e in sentences.get(cand.chunk_id, ()):
                own, mentions = self._sentences[sid]
                cos = cosines[row_of[sid]]
                matched = query.matched(set(own)) if query.alias_pairs else own
                overlap = sum(map(weights.__getitem__, wanted & matched)) / total
                score = SENT_COS * cos + SENT_OVERLAP * overlap
                if kind is not None and score + SENT_TYPE > best_score:  # else the type cannot make it the best
                    found = mentions.get(kind)
                    if found is None:
                        found = mentions[kind] = kind_mentions(kind, text[s:e])
                    if any(words - qwords for words in found):
                        score += SENT_TYPE
                if score > best_score:
                    best_score, best = score, _Best((s, e), sid, own, cos, overlap)
            # Scaled to 0..1 (the best a sentence can score is SENT_COS + SENT_OVERLAP + SENT_TYPE).
            final = (
                (cand.fused + RERANK_WEIGHT * best_score) / (1 + RERANK_WEIGHT * top_score) if rerank else cand.fused
            )
            vector = all_vecs[row_of[best.sid]] if best.sid >= 0 else None
            out.append(
                _Passage(
                    cand, source, title, start, end, text, best.span, best.cos, best.overlap, best.terms, final, vector
                )
            )
        out.sort(key=lambda p: -p.score)
        return out

    def _learn_sentences(self, rows: list[tuple[int, str]]) -> None:
        """Stem the sentences not seen before (their terms, for overlap with the question)."""
        new = [(sid, text) for sid, text in rows if sid not in self._sentences]
        if not new:
            return
        if len(self._sentences) + len(new) > _CACHE_SENTENCES:
            self._sentences.clear()
        terms = self.searcher.terms_many([text for _, text in new])
        for (sid, text), own in zip(new, terms, strict=True):
            self._sentences[sid] = (frozenset(own), {})  # mentions are found per kind when first asked

    def _chunk_rows(
        self, chunk_ids: list[int]
    ) -> tuple[dict[int, tuple[int, int, int]], dict[int, list[tuple[int, int, int]]]]:
        """(article id, start, end) of each chunk and its (sentence id, start, end) rows, in two queries."""
        db = self.searcher.version.db
        marks = ",".join("?" * len(chunk_ids))
        chunks = {
            cid: (aid, s, e)
            for cid, aid, s, e in db.execute(
                f'SELECT id, article_id, start, "end" FROM chunks WHERE id IN ({marks})', chunk_ids
            )
        }
        sentences: dict[int, list[tuple[int, int, int]]] = {}
        for sid, cid, s, e in db.execute(
            f'SELECT id, chunk_id, start, "end" FROM sentences WHERE chunk_id IN ({marks}) ORDER BY id', chunk_ids
        ):
            sentences.setdefault(cid, []).append((sid, s, e))
        return chunks, sentences

    def _article(self, aid: int) -> tuple[str, str, str]:
        """(source, title, text), cached: the same articles come back question after question."""
        found = self._articles.get(aid)
        if found is None:
            if len(self._articles) >= _CACHE_ARTICLES:
                self._articles.clear()
            found = self.searcher.version.db.execute(
                "SELECT source, title, text FROM articles WHERE id = ?", (aid,)
            ).fetchone()
            self._articles[aid] = found
        return found

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


def _pairwise_cosines(passages: list[_Passage]) -> list[list[float]]:
    """Cosine between the highlights of every two passages (0 where a passage has no sentence vector)."""
    import numpy as np

    if not passages:
        return []
    dim = next((len(p.sentence_vector) for p in passages if p.sentence_vector is not None), 1)
    zero = np.zeros(dim, dtype=np.float32)
    vectors = np.stack([zero if p.sentence_vector is None else p.sentence_vector for p in passages])
    return (vectors @ vectors.T).tolist()


def _same_fact(i: int, passages: list[_Passage], kept_at: list[int], cosines: list[list[float]]) -> int | None:
    """None if passage i is new; -1 if it repeats a kept passage of the same article; else the index in kept_at
    of the passage from another article that states the same fact."""
    p = passages[i]
    for n, j in enumerate(kept_at):
        k = passages[j]
        if p.source == k.source:
            if p.sentence == k.sentence or (p.start < k.end and k.start < p.end and p.sentence_vector is None):
                return -1
            continue
        if p.sentence_vector is not None and k.sentence_vector is not None and cosines[i][j] >= DUPLICATE_COS:
            return n
        shared = len(p.sentence_terms & k.sentence_terms)
        union = len(p.sentence_terms) + len(k.sentence_terms) - shared
        if union >= 5 and shared / union >= DUPLICATE_TERMS:
            return n
    return None
