"""Candidates + question -> Answers: the answering sentence, offsets, corroboration and an honest confidence.

Every sentence of the best retrieved passages is described by the signals in ``qa.features`` (its cosine with the
question, how much of the question it holds, whether it holds the kind of thing asked for, where it stands in its
article, and its passage's retrieval scores) and scored by a logistic model learned on SQuAD 1.1 train
(``qa/learn/sentence.json``, trained by ``python -m bench.learn.train``). A passage ranks by its best sentence, which
is also the highlight; the headline is never the highlight. Whether the top answer is confident enough to say so is a
second model over the top answer's signals (``qa/learn/confidence.json``), fitted on data that is not SQuAD 1.1 dev.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from qa import features as F
from qa.features import kind_mentions, question_type
from qa.learn import linear
from qa.records import Answer, Result
from qa.search import Candidate, Query, Searcher

if TYPE_CHECKING:
    from concurrent.futures import Future

    import numpy as np

__all__ = ["THRESHOLD", "Answerer", "kind_mentions", "question_type", "stress"]

RERANK = 20  # candidates whose sentences are scored
DUPLICATE_COS = 0.92  # sentence cosine above which two sources state the same fact
DUPLICATE_TERMS = 0.6  # or Jaccard overlap of their content terms (reworded wire copy)
_CACHE_ARTICLES = 2_000  # article texts kept between questions
_CACHE_SENTENCES = 200_000  # sentences whose terms and mentions are kept between questions
CONF_FEATURES = (
    "logit", "margin", "p_coverage", "missing_idf", "names_passage", "cos", "overlap", "p_dense", "missing_terms",
    "year_missing", "detail_overlap", "match_new", "reader_gap",
)  # fmt: skip
# Follow-ups: the sentence-model logit bonus for passages of the articles the conversation was answered from, the most
# recent first (tuned on the dev follow-ups of bench/questions/followups.jsonl; see NOTES.md, "Follow-ups").
CONTEXT_BONUS = (3.0, 1.5)
CONTEXT_PASSAGES = 10  # of the conversation's passages beyond the first RERANK candidates, the best this many join
# A rewritten follow-up: the words the person typed weigh this many times their IDF in the sentence signals, the words
# carried over from earlier turns once (tuned on the dev follow-ups; NOTES.md, "Follow-ups: the words typed now").
TYPED_WEIGHT = 2.0
READER_GAP = 12.0  # the reader's margin is clipped to +-this before it enters the confidence model


def stress(query: Query, own: set[str]) -> Query:
    """``query`` with the IDF weights of the terms in ``own`` multiplied by TYPED_WEIGHT. The sentence signals weigh
    matched terms by share of the question's weight, so in "Who did Dana Roe open the bakery with?" read from "and who
    did she open the bakery with?", a sentence about the bakery outranks one that only names Dana Roe."""
    if not own or not set(query.weights) - own:  # as typed, or nothing of it left: nothing to stress
        return query
    weights = {t: w * (TYPED_WEIGHT if t in own else 1.0) for t, w in query.weights.items()}
    return dataclasses.replace(query, weights=weights)


def _threshold() -> float:
    return linear.load("confidence").threshold


THRESHOLD = _threshold()  # log-odds under this is "no confident answer" (see NOTES.md, "Confidence")


@dataclass(frozen=True)
class _Doc:
    """An article as answers show it."""

    source: str
    title: str
    text: str
    date: str | None = None
    author: str | None = None
    section: str | None = None
    url: str | None = None
    pages: tuple[int, ...] = ()
    headline: str = ""  # the title as a sentence of the text would read it; "" for a lede cut short as a title


class _Known(NamedTuple):
    """What a sentence's feature row takes from the sentence alone (the same for every question)."""

    terms: frozenset[str]  # stemmed content terms
    mentions: dict[str, tuple[frozenset[str], ...]]  # mentions of each question kind, found when first asked
    surface: tuple[bool, bool, float]  # features.surface


@dataclass(frozen=True)
class _Passage:
    candidate: Candidate
    doc: _Doc
    start: int
    end: int
    sentence: tuple[int, int]  # the highlight, in article offsets
    sentence_terms: frozenset[str]
    logit: float  # the learned score of the highlight: how likely it answers
    row: tuple[float, ...]  # its features (qa.features.FEATURES)
    sentence_vector: Any = None  # the highlight's vector, for spotting the same fact in other articles
    at: int = -1  # the candidate's position in retrieval order
    best_row: int = -1  # the highlight's row in the table it was scored from (-1: no stored sentence)

    @property
    def source(self) -> str:
        return self.doc.source

    @property
    def score(self) -> float:
        return 1.0 / (1.0 + math.exp(-self.logit))


@dataclass(frozen=True)
class _Ranked:
    passages: list[_Passage]  # every candidate with its best sentence, best first
    kept: list[_Passage]  # the top_k shown, repeats of the same fact folded into ``also``
    also: dict[int, list[str]]  # position in kept -> other sources stating the same fact
    table: Table | None = None  # what they were scored from
    candidates: list[Candidate] | None = None
    logits: Any = None  # the sentence model's score of each row of the table (with ``bonus`` added)
    bonus: Any = None  # the conversation's bonus of each row (None: none), which orders but never scores

    def sentence_text(self, row: int) -> str:
        assert self.table is not None
        s, e = self.table.span[row]
        return self.table.docs[self.table.chunk[row]].text[s:e]


@dataclass(frozen=True)
class Table:
    """Every scored sentence of one question's candidates: features and where each row comes from."""

    x: Any  # np.ndarray [rows, len(FEATURES)]
    chunk: list[int]  # candidate position of each row
    sid: list[int]
    span: list[tuple[int, int]]
    headline: list[bool]
    docs: list[_Doc]  # per candidate
    chunk_span: list[tuple[int, int]]  # per candidate
    article_id: list[int]  # per candidate
    terms: list[frozenset[str]]  # per row


class Answerer:
    """Turns retrieval into the Result records that every front end shows."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.sentence_model = linear.load("sentence")
        self.confidence_model = linear.load("confidence")
        self.rerank_model = linear.load("rerank")
        self._reader: Any = False  # qa.reader.Reader, opened on first use (None: no reader for this model)
        self._articles: dict[int, _Doc] = {}
        self._titles: dict[int, frozenset[str]] = {}  # article id -> its title's stemmed content terms
        # chunk id -> ((article id, ordinal, start, end), its (sentence id, start, end) rows): an index never changes
        self._chunks: dict[int, tuple[tuple[int, int, int, int], list[tuple[int, int, int]]]] = {}
        # sentence id -> what the table reads of it whatever the question, kept between questions
        self._sentences: dict[int, _Known] = {}

    def ask(
        self,
        question: str,
        top_k: int = 5,
        qid: str = "1",
        method: str = "fused",
        allowed: np.ndarray | None = None,
        context: Sequence[str] = (),
        typed: str | None = None,
    ) -> Result:
        """``context``: the sources of the articles the conversation so far was answered from, most recent first; their
        passages are searched too and their sentences preferred (a follow-up is usually about the same story).
        ``typed``: the follow-up as the person typed it, when ``question`` is its rewrite; its own words weigh
        TYPED_WEIGHT times the words the rewrite carried over from earlier turns."""
        queries = self._prepare([question])
        if typed is not None:
            own = set(self.searcher.terms(typed, content_only=True))
            queries = {i: stress(q, own) for i, q in queries.items()}
        return self._finish([question], [qid], queries, top_k, method, allowed, context)[0]

    def ask_many(
        self,
        questions: Sequence[str],
        top_k: int = 5,
        ids: Sequence[str] | None = None,
        method: str = "fused",
        allowed: np.ndarray | None = None,
    ) -> list[Result]:
        """``allowed``: a boolean mask over chunk ids (filters); only those chunks are searched."""
        ids = list(ids) if ids is not None else [str(i) for i in range(1, len(questions) + 1)]
        return self._finish(questions, ids, self._prepare(questions), top_k, method, allowed)

    def ask_stream(
        self,
        questions: Sequence[str],
        ids: Sequence[str],
        top_k: int = 5,
        batch: int = 64,
        allowed: np.ndarray | None = None,
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
                yield from self._finish(questions[i : i + batch], ids[i : i + batch], queries, top_k, "fused", allowed)

    def _prepare(self, questions: Sequence[str]) -> dict[int, Query]:
        """Encoded queries by position, for the questions that have words to search for."""
        clean = [" ".join(q.split()) for q in questions]
        searchable = [i for i, q in enumerate(clean) if F._WORD.search(q)]
        queries = self.searcher.queries([clean[i] for i in searchable]) if searchable else []
        return dict(zip(searchable, queries, strict=True))

    def _finish(
        self,
        questions: Sequence[str],
        ids: Sequence[str],
        queries: dict[int, Query],
        top_k: int,
        method: str,
        allowed: np.ndarray | None = None,
        context: Sequence[str] = (),
    ) -> list[Result]:
        ranked, reads = {}, {}
        for i, q in queries.items():  # each question's pairs are read on the reader's threads while the next ranks
            ranked[i] = self._rank(q, top_k, method, allowed, context)
            reads[i] = self._submit_reads(questions[i], ranked[i])
        settled = {i: self._settle(r, reads[i], top_k) for i, r in ranked.items()}
        return [
            self._result(ids[i], q, queries[i], settled[i][0], settled[i][1], top_k, method, allowed, True, context)
            if i in queries
            else Result(ids[i], q, False, (), notice="the question has no words to search for")
            for i, q in enumerate(questions)
        ]

    def _answer(
        self, qid: str, question: str, query: Query, top_k: int, method: str, allowed: np.ndarray | None = None,
        hints: bool = True, context: Sequence[str] = (),
    ) -> Result:  # fmt: skip
        r = self._rank(query, top_k, method, allowed, context)
        ranked, read = self._settle(r, self._submit_reads(question, r), top_k)
        return self._result(qid, question, query, ranked, read, top_k, method, allowed, hints, context)

    def _rank(
        self, query: Query, top_k: int, method: str, allowed: np.ndarray | None, context: Sequence[str] = ()
    ) -> _Ranked:
        """The passages in answer order, and the top_k kept once repeats of the same fact are folded in."""
        import numpy as np

        near = self._context_chunks(context)
        found = self.searcher.retrieve(query, method, allowed=allowed, include=list(near))
        candidates = found[:RERANK] + [c for c in found[RERANK:] if c.chunk_id in near][:CONTEXT_PASSAGES]
        if not candidates:
            return _Ranked([], [], {})
        t = self.table(query, candidates)
        logits = sentence_logits(self.sentence_model, t)
        bonus = None
        if near:  # the conversation's own articles first, unless another passage answers clearly better
            bonus = np.asarray([near.get(candidates[ci].chunk_id, 0.0) for ci in t.chunk], dtype=logits.dtype)
            logits = logits + bonus
        passages = rank_passages(t, candidates, logits, self.searcher.version.sentence_vectors, method == "fused")
        if bonus is not None:  # the bonus orders; scores and the confidence keep the sentence model's own logit
            passages = [_unboosted(p, bonus) for p in passages]
        return _keep(_Ranked(passages, [], {}, t, candidates, logits, bonus), top_k)

    def _context_chunks(self, context: Sequence[str]) -> dict[int, float]:
        """Chunk id -> logit bonus for the passages of the conversation's articles (``context``, most recent first,
        the first len(CONTEXT_BONUS) of them). Retrieval leaves out those the filters exclude."""
        out: dict[int, float] = {}
        sources = list(dict.fromkeys(context))[: len(CONTEXT_BONUS)]
        for weight, source in zip(CONTEXT_BONUS, sources, strict=False):
            for (cid,) in self.searcher.version.db.execute(
                "SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE a.source = ?", (source,)
            ):
                out.setdefault(int(cid), weight)
        return out

    def _submit_reads(self, question: str, r: _Ranked) -> list[tuple[int, Future[Any]]]:
        """The reader, on its threads, on what ``reading`` names: (table row, future read) pairs, top first."""
        pairs = reading(question, r) if self.reader is not None else []
        if not pairs:
            return []
        return list(zip([row for row, _ in pairs], self.reader.submit([p for _, p in pairs]), strict=True))

    def _settle(self, r: _Ranked, submitted: list[tuple[int, Future[Any]]], top_k: int) -> tuple[_Ranked, Any]:
        """The ranking and the read of its top highlight once the reads are in (``settled``)."""
        reads = [(row, future.result()) for row, future in submitted]
        return settled(r, reads, self.rerank_model, self.searcher.version.sentence_vectors, top_k)

    def _result(
        self, qid: str, question: str, query: Query, ranked: _Ranked, read: Any, top_k: int, method: str,
        allowed: np.ndarray | None = None, hints: bool = True, context: Sequence[str] = (),
    ) -> Result:  # fmt: skip
        answers = tuple(
            self._to_answer(rank, p, ranked.also.get(rank - 1, []), question, read if rank == 1 else None)
            for rank, p in enumerate(ranked.kept, 1)
        )
        conf = self.confidence(ranked.passages, read) if ranked.passages else None
        result = Result(qid, question, conf is not None and conf >= THRESHOLD, answers, confidence=conf)
        if hints:  # a period named in the question (qa.periods); "who wrote …?" from the byline (qa.metadata_questions)
            from qa import metadata_questions, periods

            result = periods.prefer(self, result, query, top_k, method, allowed, context)
            result = metadata_questions.answer(self, result, query, top_k, method, allowed, context)
        return result

    @property
    def reader(self) -> Any:
        """The span reader over this index's model (qa.reader), or None where the shipped head does not fit it."""
        if self._reader is False:
            from qa import reader

            embedder = self.searcher.embedder
            self._reader = reader.for_model(embedder.folder, str(self.searcher.version.manifest.get("model_key")))
        return self._reader

    def confidence(self, passages: list[_Passage], read: Any = None) -> float:
        """Log-odds that the top passage answers the question (0 is even odds); ``read``: the reader on its highlight
        (None: no reader, and the reader's signal counts as average)."""
        import numpy as np

        model = self.confidence_model
        gap = read.gap if read is not None else None
        if gap is None and "reader_gap" in model.features:
            gap = model.mean[model.features.index("reader_gap")]
        return float(model.logits(np.asarray([confidence_row(passages, gap, model.features)], dtype=np.float32))[0])

    # -- scoring sentences ----------------------------------------------------------------------------------------
    def table(self, query: Query, candidates: list[Candidate]) -> Table:
        """The feature rows of every sentence of the candidates (also what bench/learn trains on)."""
        import numpy as np

        kind = question_type(query.text)
        qwords = {w.lower() for w in F._WORD.findall(query.text)}
        unit = F.asked_unit(query.text)
        weights = query.weights
        wanted = weights.keys()
        total = sum(weights.values()) or 1.0
        max_idf = math.log(1 + (self.searcher.n_docs + 0.5) / 0.5) or 1.0
        names = {t for name in F.question_names(query.text) for t in self.searcher.terms(name, content_only=True)}
        years = F.question_years(query.text)
        chunks, sentences = self._chunk_rows([c.chunk_id for c in candidates])
        docs = {cid: self._article(aid) for cid, (aid, _, _, _) in chunks.items()}
        title_terms = {cid: self._title_terms(aid, docs[cid].title) for cid, (aid, _, _, _) in chunks.items()}
        self._learn_sentences([(sid, docs[cid].text[s:e]) for cid, rows in sentences.items() for sid, s, e in rows])
        all_ids = sorted(sid for rows in sentences.values() for sid, _, _ in rows)
        vecs = np.asarray(self.searcher.version.sentence_vectors[all_ids], dtype=np.float32)
        row_of = {sid: i for i, sid in enumerate(all_ids)}
        cosines = (vecs @ query.vector).tolist() if all_ids else []
        best_bm25 = max((c.bm25 for c in candidates), default=0.0) or 1.0
        rows: list[list[float]] = []
        out = Table(np.zeros((0, len(F.FEATURES)), np.float32), [], [], [], [], [], [], [], [])
        for ci, cand in enumerate(candidates):
            aid, ordinal, start, end = chunks[cand.chunk_id]
            doc = docs[cand.chunk_id]
            out.docs.append(doc)
            out.chunk_span.append((start, end))
            out.article_id.append(aid)
            own_rows = sentences.get(cand.chunk_id, [])
            passage_terms = set(title_terms[cand.chunk_id])
            for sid, _, _ in own_rows:
                passage_terms |= self._sentences[sid].terms
            matched_passage = query.matched(passage_terms) if query.alias_pairs else passage_terms
            missing = [weights[t] for t in wanted if t not in matched_passage]
            missing_idf = max(missing, default=0.0) / max_idf
            year_missing = float(any(y not in doc.text for y in years))
            names_passage = len(names & matched_passage) / len(names) if names else 1.0
            passage_cols = [cand.dense, cand.fused, cand.bm25 / best_bm25, cand.coverage, math.log1p(ci)]
            previous: frozenset[str] = frozenset()
            topic = title_terms[cand.chunk_id]
            lede_seen = ordinal > 0
            for sid, s, e in own_rows:
                own, mentions, (quote, pronoun, words) = self._sentences[sid]
                matched = query.matched(set(own)) if query.alias_pairs else own
                overlap = sum(map(weights.__getitem__, wanted & matched)) / total
                detail = sum(weights[t] for t in wanted & matched if t not in topic) / total
                with_before = matched | previous
                ctx = sum(map(weights.__getitem__, wanted & with_before)) / total - overlap
                previous = frozenset(matched)
                sentence = doc.text[s:e]
                match = [0.0] * len(F.KINDS)
                match_new = 0.0
                if kind is not None:
                    found = self._mentions(mentions, kind, sentence)
                    match[F.KINDS.index(kind)] = float(any(words - qwords for words in found))
                    match_new = float(any(not (words & qwords) for words in found))
                names_new = sum(1 for words in self._mentions(mentions, "name", sentence) if not words & qwords)
                is_headline = _is_headline(doc, s, e)
                is_lede = not is_headline and not lede_seen
                lede_seen = lede_seen or not is_headline
                names_sentence = len(names & matched) / len(names) if names else 1.0
                rows.append(
                    [cosines[row_of[sid]], overlap, ctx, detail, *match, float(kind is not None), match_new,
                     math.log1p(names_new), *passage_cols,
                     float(is_lede), s / max(len(doc.text), 1), float(quote), float(pronoun), words,
                     names_sentence, names_passage, missing_idf, math.log1p(len(missing)), year_missing,
                     float(unit is not None and F.counts_unit(sentence, unit, qwords))]
                )  # fmt: skip
                out.chunk.append(ci)
                out.sid.append(sid)
                out.span.append((s, e))
                out.headline.append(is_headline)
                out.terms.append(own)
        return dataclasses.replace(out, x=np.asarray(rows, dtype=np.float32).reshape(len(rows), len(F.FEATURES)))

    @staticmethod
    def _mentions(cache: dict[str, tuple[frozenset[str], ...]], kind: str, sentence: str) -> tuple[frozenset[str], ...]:
        found = cache.get(kind)
        if found is None:
            found = cache[kind] = kind_mentions(kind, sentence)
        return found

    def _learn_sentences(self, rows: list[tuple[int, str]]) -> None:
        """Stem the sentences not seen before (their terms, for overlap with the question)."""
        new = [(sid, text) for sid, text in rows if sid not in self._sentences]
        if not new:
            return
        if len(self._sentences) + len(new) > _CACHE_SENTENCES:
            self._sentences.clear()
        terms = self.searcher.terms_many([text for _, text in new])
        for (sid, text), own in zip(new, terms, strict=True):
            self._sentences[sid] = _Known(frozenset(own), {}, F.surface(text))

    def _chunk_rows(
        self, chunk_ids: list[int]
    ) -> tuple[dict[int, tuple[int, int, int, int]], dict[int, list[tuple[int, int, int]]]]:
        """(article id, ordinal, start, end) of each chunk and its (sentence id, start, end) rows: two queries for
        the chunks not seen before."""
        known = {cid: self._chunks[cid] for cid in chunk_ids if cid in self._chunks}
        new = [cid for cid in dict.fromkeys(chunk_ids) if cid not in known]
        if new:
            db = self.searcher.version.db
            marks = ",".join("?" * len(new))
            rows: dict[int, list[tuple[int, int, int]]] = {cid: [] for cid in new}
            for sid, cid, s, e in db.execute(
                f'SELECT id, chunk_id, start, "end" FROM sentences WHERE chunk_id IN ({marks}) ORDER BY id', new
            ):
                rows[cid].append((sid, s, e))
            if len(self._chunks) + len(new) > _CACHE_SENTENCES // 4:
                self._chunks = {}
            for cid, aid, ordinal, s, e in db.execute(
                f'SELECT id, article_id, ordinal, start, "end" FROM chunks WHERE id IN ({marks})', new
            ):
                known[cid] = self._chunks[cid] = ((aid, ordinal, s, e), rows[cid])
        return {cid: c for cid, (c, _) in known.items()}, {cid: r for cid, (_, r) in known.items() if r}

    def _title_terms(self, aid: int, title: str) -> frozenset[str]:
        found = self._titles.get(aid)
        if found is None:
            if len(self._titles) >= _CACHE_ARTICLES:
                self._titles.clear()
            found = self._titles[aid] = frozenset(self.searcher.terms(title, content_only=True))
        return found

    def _article(self, aid: int) -> _Doc:
        """The article and its metadata, cached: the same articles come back question after question."""
        found = self._articles.get(aid)
        if found is None:
            import json
            import sqlite3

            if len(self._articles) >= _CACHE_ARTICLES:
                self._articles.clear()
            db = self.searcher.version.db
            source, title, text, date, author = db.execute(
                "SELECT source, title, text, date, author FROM articles WHERE id = ?", (aid,)
            ).fetchone()
            try:
                meta = db.execute(
                    "SELECT section, url, pages FROM article_meta WHERE article_id = ?", (aid,)
                ).fetchone()
            except sqlite3.Error:  # an index from before article metadata (answering while it is rebuilt)
                meta = None
            section, url, pages = meta or (None, None, None)
            from qa.ingest import headline

            found = _Doc(
                source, title, text, date, author, section, url, tuple(json.loads(pages or "[]")),
                " ".join(headline(title, text).split()).rstrip("."),
            )  # fmt: skip
            self._articles[aid] = found
        return found

    @staticmethod
    def _to_answer(rank: int, p: _Passage, also_in: list[str], question: str, read: Any = None) -> Answer:
        import bisect

        from qa.short_answer import Short, find, from_read, respectively

        doc = p.doc
        s, e = p.sentence
        whole = p.sentence == (p.start, p.end)  # a passage without stored sentences: no sentence to read
        sentence = doc.text[s:e]
        short: Short | None = None if whole else respectively(question, sentence)
        if short is None and read is not None:
            short = from_read(question, sentence, read)
        elif short is None and not whole:
            short = find(question, sentence)
        short_at = (s + short.start, s + short.end) if short else (None, None)  # in article offsets
        if not whole:
            s, e = read_span(doc, s, e)
        start = min(p.start, s)  # the sentence before may sit in the chunk before (chunks overlap by one sentence)
        return Answer(
            rank=rank,
            score=round(p.score, 4),
            source=p.source,
            title=doc.title,
            passage=doc.text[start : p.end],
            start=start,
            end=p.end,
            highlight=doc.text[s:e],
            highlight_start=s,
            highlight_end=e,
            also_in=tuple(also_in),
            short_answer=short.text if short else None,
            short_answer_start=short_at[0],
            short_answer_end=short_at[1],
            date=doc.date,
            author=doc.author,
            section=doc.section,
            url=doc.url,
            page=bisect.bisect_right(doc.pages, s) if doc.pages else None,
        )


# News is written lede first: the article's opening sentence sums up the story, so it is close to every question about
# it, and the sentence model (fitted on SQuAD's encyclopedia articles, where 0.5 % of sentences open an article) has no
# view of it. The fact a question asks for is told again, with its detail, further down. Set on the BBC dev split (of
# 0, 1, 2, 3 and 5: hit@1 0.836, 0.845, 0.855, 0.836, 0.836; highlight 0.700, 0.727, 0.755, 0.755, 0.755); the answering
# sentence opened its article for none of the 110 dev questions, and the top highlight did for 14 of them. NOTES.md.
LEDE_PRIOR = 2.0
_LEDE = F.FEATURES.index("is_lede")


def sentence_logits(model: Any, t: Table) -> np.ndarray:
    """The sentence model's score of each row of ``t``, less LEDE_PRIOR for an article's opening sentence."""
    return model.logits(t.x) - LEDE_PRIOR * t.x[:, _LEDE]


def rank_passages(
    t: Table, candidates: list[Candidate], logits: np.ndarray, vectors: Any = None, rerank: bool = True
) -> list[_Passage]:
    """Each candidate with its best sentence (never the headline), best passage first when ``rerank``.

    ``logits``: the sentence model's score of each row of ``t`` (bench/learn scores with a model being fitted).
    ``vectors``: the index's sentence vectors, for spotting the same fact in other articles (None: not needed).
    """
    import numpy as np

    logits = np.where(np.asarray(t.headline, dtype=bool), logits - 100.0, logits)  # never the headline
    best: dict[int, int] = {}
    for r, ci in enumerate(t.chunk):
        if ci not in best or logits[r] > logits[best[ci]]:
            best[ci] = r
    out: list[_Passage] = []
    for ci, cand in enumerate(candidates):
        start, end = t.chunk_span[ci]
        r = best.get(ci)
        if r is None:  # no stored sentence: the whole passage, scored by retrieval alone
            out.append(_Passage(cand, t.docs[ci], start, end, (start, end), frozenset(), -5.0, (), at=ci))
            continue
        out.append(_row_passage(t, candidates, r, float(logits[r]), vectors))
    if rerank:
        out.sort(key=lambda p: -p.logit)
    return out


# Sentences read after the top one (two instead: SQuAD train validation R@1 0.8375 vs 0.8425, BBC dev hit@1 0.845 vs
# 0.855).
SECOND_READS = 1


def _keep(r: _Ranked, top_k: int) -> _Ranked:
    """The top_k passages shown: a passage stating the same fact as one above is folded into that one's ``also``."""
    passages = r.passages
    cosines = _pairwise_cosines(passages)
    kept_at: list[int] = []  # positions in passages of the passages kept
    also: dict[int, list[str]] = {}
    for i, p in enumerate(passages):
        twin = _same_fact(i, passages, kept_at, cosines)
        if twin is None:
            kept_at.append(i)
        elif twin >= 0 and p.source != passages[kept_at[twin]].source and p.source not in also.get(twin, []):
            also.setdefault(twin, []).append(p.source)
    return dataclasses.replace(r, kept=[passages[i] for i in kept_at[:top_k]], also=also)


def _alternatives(r: _Ranked) -> list[int]:
    """Table rows of the next best sentences after the top highlight (never a headline), best first."""
    if r.table is None or not r.passages or r.passages[0].best_row < 0:
        return []
    import numpy as np

    order = np.argsort(-np.asarray(r.logits))
    top = r.passages[0].best_row
    return [int(k) for k in order if k != top and not r.table.headline[k]][:SECOND_READS]


def reading(question: str, r: _Ranked) -> list[tuple[int, tuple[str, str]]]:
    """What the reader reads for a ranking, as (table row, (question, sentence)): the top highlight, then the next best
    sentence; nothing where the highlight is the whole passage.

    (Reading the next sentence only where the reader found no answer in the top one was cheaper, but a wrong span in
    the top sentence then kept it: SQuAD train validation R@1 0.811 vs 0.820, BBC dev hit@1 0.809 vs 0.845, highlight
    0.627 vs 0.673, reading two more.)"""
    if not r.kept or r.kept[0].sentence == (r.kept[0].start, r.kept[0].end):
        return []
    return [(row, (question, r.sentence_text(row))) for row in (r.kept[0].best_row, *_alternatives(r))]


def settled(r: _Ranked, reads: list[tuple[int, Any]], model: Any, vectors: Any, top_k: int) -> tuple[_Ranked, Any]:
    """The ranking and the read of its top highlight, after the second-stage model (``qa/learn/rerank.json``) has
    looked at ``reads`` (table row and read, top highlight first, as ``reading`` lists them) and may have made
    another of those sentences the highlight, its passage first."""
    if not reads:
        return r, None
    (_, top), *more = reads
    better = reconsider(r, top, more, model) if more else None
    if better is None:
        return r, top
    row, read = better
    moved = _passage_for_row(r, row, vectors)
    return _keep(dataclasses.replace(r, passages=[moved] + [p for p in r.passages if p.at != moved.at]), top_k), read


def reconsider(r: _Ranked, top_read: Any, more: list[tuple[int, Any]], model: Any) -> tuple[int, Any] | None:
    """The row (and its read) that the second-stage model puts above the top highlight, or None to keep it."""
    import numpy as np

    rows = [(r.passages[0].best_row, top_read), *more]
    x = np.asarray([rerank_row(float(r.logits[row]), read) for row, read in rows], dtype=np.float32)
    best = int(np.argmax(model.logits(x)))
    return rows[best] if best > 0 else None


def rerank_row(logit: float, read: Any) -> list[float]:
    return [logit, _clipped_gap(read.gap if read is not None else None)]


def _clipped_gap(gap: float | None) -> float:
    """The reader's margin as the learned models take it: clipped to +-READER_GAP; no read (or no span) is -READER_GAP."""
    return max(-READER_GAP, min(READER_GAP, gap)) if gap is not None and math.isfinite(gap) else -READER_GAP


def _passage_for_row(r: _Ranked, row: int, vectors: Any) -> _Passage:
    """The passage of a table row of a ranking with that row's sentence as its highlight."""
    assert r.table is not None and r.candidates is not None
    logit = float(r.logits[row]) - (float(r.bonus[row]) if r.bonus is not None else 0.0)
    return _row_passage(r.table, r.candidates, row, logit, vectors)


def _unboosted(p: _Passage, bonus: Any) -> _Passage:
    """``p`` with the logit the sentence model gave it (the conversation's bonus taken off)."""
    return dataclasses.replace(p, logit=p.logit - float(bonus[p.best_row])) if p.best_row >= 0 else p


def _row_passage(t: Table, candidates: list[Candidate], row: int, logit: float, vectors: Any) -> _Passage:
    """The candidate passage holding table row ``row``, that row's sentence its highlight, scored ``logit``."""
    import numpy as np

    ci = t.chunk[row]
    start, end = t.chunk_span[ci]
    vector = np.asarray(vectors[t.sid[row]], dtype=np.float32) if vectors is not None else None
    return _Passage(
        candidates[ci], t.docs[ci], start, end, t.span[row], t.terms[row], logit,
        tuple(t.x[row].tolist()), vector, at=ci, best_row=row,
    )  # fmt: skip


def confidence_row(
    passages: list[_Passage], gap: float | None = None, names: Sequence[str] = CONF_FEATURES
) -> list[float]:
    """The confidence model's inputs: the top passage's best sentence, its margin over the next passage, and the
    reader's margin for a span over "no answer" in that sentence (``gap``, clipped to +-READER_GAP)."""
    top = passages[0]
    row = dict(zip(F.FEATURES, top.row, strict=True)) if top.row else dict.fromkeys(F.FEATURES, 0.0)
    second = passages[1].logit if len(passages) > 1 else top.logit - 5.0
    values = {"logit": top.logit, "margin": top.logit - second, "reader_gap": _clipped_gap(gap), **row}
    return [float(values[name]) for name in names]


def read_span(doc: _Doc, s: int, e: int) -> tuple[int, int]:
    """A highlight as it is read and shown: the sentence, and the one before it when it opens with a pronoun that
    leans on it ("It will cost £6.2m ..." after the sentence naming the library). Never the headline."""
    before = F.antecedent_start(doc.text, s)
    if before < s and not _is_headline(doc, before, s):
        return before, e
    return s, e


def _is_headline(doc: _Doc, s: int, e: int) -> bool:
    """Whether the sentence is the article's headline (the title line at the top of its text)."""
    title = doc.headline  # found once per article: it searches the whole text
    if s > len(doc.title) + 4 or not title:
        return False
    sentence = " ".join(doc.text[s:e].split()).lstrip("# ").rstrip(".")
    return bool(sentence) and (sentence == title or (len(title) >= 20 and sentence.startswith(title)))


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
