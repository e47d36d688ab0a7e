"""Ask a collection's questions with each retrieval method and score what comes back.

Every question goes through the same ``Answerer.ask_many`` (or, for BEIR's document ranking, ``Searcher.retrieve``)
that the app uses, so the figures describe what a person would see. Methods run one after another over one opened
index, so their figures are comparable within a run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.answer import Answerer
from qa.errors import ConfigError
from qa.evaluation import metrics
from qa.evaluation.corpus import open_corpus, source_digests
from qa.evaluation.datasets import BeirDataset, ExpectQuestion, SpanDataset, SpanQuestion
from qa.records import Answer, Result
from qa.search import METHODS, Query, Searcher
from qa.settings import Settings

if TYPE_CHECKING:
    import numpy as np

Progress = Callable[[str, int, int], None]

BATCH = 64  # questions per ask_many call: one encoder batch, and the progress bar's step
QUESTIONS_TOP_K = 10
SQUAD_TOP_K = 20
BEIR_POOL = 500  # chunks per retriever for the ranks past the app's own pool: 100+ documents at ~2-3 chunks each
# Module constants that tuning changes; recorded with every report so figures can be traced to a setting.
TUNING = {
    "qa.search": ("DENSE_WEIGHT", "POOL"),
    "qa.answer": ("RERANK", "SENT_COS", "SENT_OVERLAP", "SENT_TYPE", "RERANK_WEIGHT", "CONF_WEIGHTS", "CONF_BIAS",
                  "THRESHOLD", "DUPLICATE_COS", "DUPLICATE_TERMS"),
}  # fmt: skip
CODE = ("qa.chunking", "qa.embedder", "qa.aliases", "qa.search", "qa.answer", "qa.build")


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class MethodScores:
    """One method's figures: rates in 0..1 keyed by metric name, the counts behind them, and answering time."""

    method: str
    metrics: dict[str, float]
    counts: dict[str, int]
    seconds: float


@dataclass
class Report:
    kind: str  # "questions", "squad" or "beir"
    info: dict[str, Any]
    scores: list[MethodScores]
    misses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # method -> questions missed at 1
    calibration: list[MethodScores] = field(default_factory=list)
    per_question: list[dict[str, Any]] = field(default_factory=list)
    features: list[dict[str, Any]] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        def scores(items: list[MethodScores]) -> dict[str, Any]:
            return {s.method: {"metrics": s.metrics, "counts": s.counts, "seconds": round(s.seconds, 2)} for s in items}

        record: dict[str, Any] = {"kind": self.kind, "info": self.info, "methods": scores(self.scores)}
        if self.misses:
            record["misses_at_1"] = self.misses
        if self.calibration:
            record["unanswerable"] = scores(self.calibration)
        record["questions"] = self.per_question
        return record


CODE_DIGESTS = source_digests(CODE)  # this module imports every module in CODE, so their sources were just read


def tuning() -> dict[str, Any]:
    """The tuning constants in force and the pipeline's code digests, for telling runs apart."""
    import importlib

    found: dict[str, Any] = {}
    for module_name, names in TUNING.items():
        module = importlib.import_module(module_name)
        found.update({f"{module_name}.{n}": getattr(module, n) for n in names if hasattr(module, n)})
    return {**found, "code": CODE_DIGESTS}


def check_methods(methods: Sequence[str]) -> list[str]:
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ConfigError(f"unknown method {unknown[0]!r}; choose from {', '.join(METHODS)}")
    return list(methods)


def ask_all(
    answerer: Answerer,
    texts: Sequence[str],
    ids: Sequence[str],
    top_k: int,
    method: str,
    progress: Progress,
    stage: str,
    allowed: np.ndarray | None = None,
) -> tuple[list[Result], float]:
    """Results for every question in batches, with the seconds spent answering (``allowed``: a chunk mask, filters)."""
    results: list[Result] = []
    started = time.perf_counter()
    progress(stage, 0, len(texts))
    for i in range(0, len(texts), BATCH):
        results.extend(answerer.ask_many(texts[i : i + BATCH], top_k, ids[i : i + BATCH], method, allowed))
        progress(stage, len(results), len(texts))
    return results, time.perf_counter() - started


# -- our own question files ----------------------------------------------------------------------------------
def run_questions(
    answerer: Answerer,
    questions: Sequence[ExpectQuestion],
    methods: Sequence[str] = METHODS,
    progress: Progress = _no_progress,
    top_k: int = QUESTIONS_TOP_K,
    allowed: np.ndarray | None = None,
) -> Report:
    """Hit@1/3/10, MRR@10, highlight accuracy and answered-rate of questions that name the text they expect, and
    for questions marked unanswerable, how many are answered with confidence anyway. ``allowed``: a chunk mask
    (``qa eval --since …``): only those passages are searched."""
    methods = check_methods(methods)
    per_question = [{"id": q.id, "question": q.question} for q in questions]
    scores, misses = [], {}
    answerable = [i for i, q in enumerate(questions) if not q.unanswerable]
    for method in methods:
        results, seconds = ask_all(
            answerer, [q.question for q in questions], [q.id for q in questions], top_k, method, progress, method,
            allowed,
        )
        ranks, highlights, answered, missed = [], [], [], []
        wrongly_answered = []
        for q, r, row in zip(questions, results, per_question, strict=True):
            if q.unanswerable:
                wrongly_answered.append(r.answered)
                row[method] = {"answered": r.answered}
                if r.answered:
                    missed.append(_miss(q, None, r))
                continue
            rank = metrics.first_rank(r.answers, lambda a, q=q: metrics.contains_any(a.passage, q.expect))
            highlight = bool(r.answers) and metrics.contains_any(r.answers[0].highlight, q.expect)
            ranks.append(rank)
            highlights.append(highlight)
            answered.append(r.answered)
            row[method] = {"rank": rank, "highlight": highlight, "answered": r.answered}
            if rank != 1:
                missed.append(_miss(q, rank, r))
        scores.append(
            MethodScores(
                method,
                {
                    "hit@1": metrics.hit_rate(ranks, 1),
                    "hit@3": metrics.hit_rate(ranks, 3),
                    "hit@10": metrics.hit_rate(ranks, 10),
                    "MRR@10": metrics.mrr(ranks, 10),
                    "highlight": metrics.mean(map(float, highlights)),
                    "answered": metrics.mean(map(float, answered)),
                    **(
                        {
                            "answerable not answered": metrics.mean(float(not a) for a in answered),
                            "unanswerable answered": metrics.mean(map(float, wrongly_answered)),
                        }
                        if wrongly_answered
                        else {}
                    ),
                },
                {"questions": len(answerable), **({"unanswerable": len(wrongly_answered)} if wrongly_answered else {})},
                seconds,
            )
        )
        misses[method] = missed
    info = {"questions": len(questions), "top_k": top_k, "tuning": tuning()}
    return Report("questions", info, scores, misses=misses, per_question=per_question)


def _miss(q: ExpectQuestion, rank: int | None, r: Result) -> dict[str, Any]:
    top = r.answers[0] if r.answers else None
    return {
        "id": q.id,
        "question": q.question,
        "expect": list(q.expect),
        "rank": rank,
        "answered": r.answered,
        "top_source": top.source if top else None,
        "top_highlight": top.highlight if top else None,
    }


# -- SQuAD ------------------------------------------------------------------------------------------------------
def _span_rank(q: SpanQuestion, answers: Sequence[Answer]) -> int | None:
    return metrics.first_rank(
        answers, lambda a: a.source == q.source and any(metrics.contains_span((a.start, a.end), g) for g in q.answers)
    )


def _highlight_hit(q: SpanQuestion, answer: Answer) -> bool:
    return any(metrics.contains_span((answer.highlight_start, answer.highlight_end), g) for g in q.answers)


class _Features:
    """Scores of the candidate behind each top-1 answer, for fitting the "answered" threshold."""

    def __init__(self, answerer: Answerer) -> None:
        self.answerer = answerer
        rows = answerer.searcher.version.db.execute(
            'SELECT c.id, a.source, c.start, c."end" FROM chunks c JOIN articles a ON a.id = c.article_id'
        )
        self.chunk_of = {(source, start, end): cid for cid, source, start, end in rows}

    def queries(self, texts: Sequence[str]) -> list[Query]:
        return self.answerer.searcher.queries([" ".join(t.split()) for t in texts])  # cleaned as ask_many does

    def of(self, query: Query, result: Result, method: str) -> dict[str, Any]:
        empty = {"dense": None, "bm25": None, "coverage": None, "fused": None, "confidence": None, "score": None}
        if not result.answers:
            return empty
        top = result.answers[0]
        cid = self.chunk_of.get((top.source, top.start, top.end))
        for cand in self.answerer.searcher.retrieve(query, method):
            if cand.chunk_id == cid:
                return {
                    "dense": cand.dense,
                    "bm25": cand.bm25,
                    "coverage": cand.coverage,
                    "fused": cand.fused,
                    "confidence": result.confidence,
                    "score": top.score,
                }
        return {**empty, "score": top.score}


def _span_pass(
    answerer: Answerer,
    questions: Sequence[SpanQuestion],
    method: str,
    top_k: int,
    progress: Progress,
    stage: str,
    features: _Features | None,
    golds: dict[str, list[str]] | None = None,
) -> tuple[list[tuple[int | None, bool, bool, float, float]], list[dict[str, Any]], float]:
    """(rank, highlight hit, answered, short-answer exact match, short-answer F1) per question, their feature rows if
    asked for, and answering seconds. Short answers are scored against ``golds`` (question id -> gold texts) with
    SQuAD's official normalization; a question with no short answer scores 0."""
    outcomes: list[tuple[int | None, bool, bool]] = []
    rows: list[dict[str, Any]] = []
    seconds = 0.0
    progress(stage, 0, len(questions))
    for i in range(0, len(questions), BATCH):
        batch = questions[i : i + BATCH]
        started = time.perf_counter()
        results = answerer.ask_many([q.question for q in batch], top_k, [q.id for q in batch], method)
        seconds += time.perf_counter() - started
        queries = features.queries([q.question for q in batch]) if features else []
        for j, (q, r) in enumerate(zip(batch, results, strict=True)):
            rank = _span_rank(q, r.answers)
            highlight = rank == 1 and _highlight_hit(q, r.answers[0])
            short = (r.answers[0].short_answer or "") if r.answers else ""
            gold = golds.get(q.id, []) if golds else []
            em = max((metrics.squad_exact(short, g) for g in gold), default=0.0)
            f1 = max((metrics.squad_f1(short, g) for g in gold), default=0.0)
            outcomes.append((rank, highlight, r.answered, em, f1))
            if features:
                rows.append({"id": q.id, "method": method, "correct": rank == 1, "answered": r.answered,
                             **features.of(queries[j], r, method)})  # fmt: skip
        progress(stage, len(outcomes), len(questions))
    return outcomes, rows, seconds


def run_squad(
    dataset: SpanDataset,
    settings: Settings,
    methods: Sequence[str] = METHODS,
    cache: Path | None = None,
    progress: Progress = _no_progress,
    unanswerable: bool = True,
    dump_features: bool = False,
    top_k: int = SQUAD_TOP_K,
) -> Report:
    """R@1/5/20, MRR@10, highlight accuracy and answered-rate over SQuAD, plus the unanswerable calibration.

    A passage is a hit when its span contains a gold answer span. Calibration indexes the first half of the
    articles and asks every question: those of the second half have no answer in the index, so "answered" on them
    is false, and "not answered" on the first half's is false too.
    """
    methods = check_methods(methods)
    started = time.perf_counter()
    searcher, built = open_corpus(dataset.articles, settings, cache, progress=progress)
    build_seconds = time.perf_counter() - started
    answerer = Answerer(searcher)
    info: dict[str, Any] = {
        "articles": len(dataset.articles),
        "questions": len(dataset.questions),
        "chunks": searcher.n_docs,
        "index": searcher.version.location,
        "index_built_now": built,
        "index_seconds": round(build_seconds, 1),
        "top_k": top_k,
        "tuning": tuning(),
    }
    per_question: list[dict[str, Any]] = [{"id": q.id} for q in dataset.questions]
    scores, features = [], []
    feats = _Features(answerer) if dump_features else None
    texts = {a.source: a.text for a in dataset.articles}
    golds = {q.id: [texts[q.source][s:e] for s, e in q.answers] for q in dataset.questions}
    try:
        for method in methods:
            outcomes, rows, seconds = _span_pass(
                answerer, dataset.questions, method, top_k, progress, method, feats, golds
            )
            features.extend({"index": "full", "answerable": True, **row} for row in rows)
            for row, (rank, highlight, answered, em, f1) in zip(per_question, outcomes, strict=True):
                row[method] = {"rank": rank, "highlight": highlight, "answered": answered, "short_em": em,
                               "short_f1": f1}  # fmt: skip
            scores.append(_span_scores(method, outcomes, seconds))
    finally:
        searcher.close()
    report = Report("squad", info, scores, per_question=per_question, features=features)
    if unanswerable:
        _calibrate(report, dataset, settings, methods, cache, progress, dump_features, top_k)
    info["seconds"] = round(time.perf_counter() - started, 1)
    return report


def _span_scores(
    method: str, outcomes: list[tuple[int | None, bool, bool, float, float]], seconds: float
) -> MethodScores:
    ranks = [o[0] for o in outcomes]
    top_hits = sum(1 for r in ranks if r == 1)
    held = [o for o in outcomes if o[1]]  # the top-1 highlight holds the gold answer
    return MethodScores(
        method,
        {
            "R@1": metrics.hit_rate(ranks, 1),
            "R@5": metrics.hit_rate(ranks, 5),
            "R@20": metrics.hit_rate(ranks, 20),
            "MRR@10": metrics.mrr(ranks, 10),
            "highlight": sum(o[1] for o in outcomes) / top_hits if top_hits else 0.0,
            "answered": metrics.mean(float(o[2]) for o in outcomes),
            "short EM": metrics.mean(o[3] for o in outcomes),
            "short F1": metrics.mean(o[4] for o in outcomes),
            "short F1, highlight holds gold": metrics.mean(o[4] for o in held),
        },
        {"questions": len(outcomes), "top1_hits": top_hits},
        seconds,
    )


def _calibrate(
    report: Report,
    dataset: SpanDataset,
    settings: Settings,
    methods: list[str],
    cache: Path | None,
    progress: Progress,
    dump_features: bool,
    top_k: int,
) -> None:
    indexed, held_out = dataset.split()
    if not held_out.questions or not indexed.questions:
        report.info["unanswerable"] = "skipped: the questions asked all come from one half of the articles"
        return
    searcher, _ = open_corpus(indexed.articles, settings, cache, progress=progress)
    answerer = Answerer(searcher)
    feats = _Features(answerer) if dump_features else None
    report.info["unanswerable"] = {
        "index": searcher.version.location,
        "indexed_articles": len(indexed.articles),
        "answerable_questions": len(indexed.questions),
        "held_out_articles": len(held_out.articles),
        "unanswerable_questions": len(held_out.questions),
    }
    try:
        for method in methods:
            seconds = 0.0
            sets = {}
            for name, stage, part in (("answerable", "indexed", indexed), ("unanswerable", "held out", held_out)):
                outcomes, rows, spent = _span_pass(
                    answerer, part.questions, method, top_k, progress, f"{method} ({stage})", feats
                )
                seconds += spent
                sets[name] = outcomes
                report.features.extend({"index": "half", "answerable": name == "answerable", **row} for row in rows)
            answerable, held = sets["answerable"], sets["unanswerable"]
            report.calibration.append(
                MethodScores(
                    method,
                    {
                        "false answered": metrics.mean(float(o[2]) for o in held),
                        "false not answered": metrics.mean(float(not o[2]) for o in answerable),
                        "answered, top-1 wrong": metrics.mean(float(o[2] and o[0] != 1) for o in answerable),
                    },
                    {"answerable": len(answerable), "unanswerable": len(held)},
                    seconds,
                )
            )
    finally:
        searcher.close()


# -- BEIR -------------------------------------------------------------------------------------------------------
def run_beir(
    dataset: BeirDataset,
    settings: Settings,
    methods: Sequence[str] = METHODS,
    cache: Path | None = None,
    progress: Progress = _no_progress,
    pool: int = BEIR_POOL,
) -> Report:
    """nDCG@10 and R@100 of document rankings; a document ranks where its best chunk does.

    BEIR judges documents while the app retrieves passages, so each method's chunks map to documents in two parts
    (see ``_documents``): first the product's own ranking, ``Searcher.retrieve`` with its default pool, exactly as
    a question sees it; then, for the documents that ranking does not reach, a deeper retrieval (``pool`` chunks
    per retriever) in its own order, so R@100 has 100 documents to look at. The pool matters to fusion: min-max
    normalization runs over the pool, so ranking the first documents from a 500-chunk pool would measure a fusion
    the app never runs. The Answerer's sentence re-ranking is left out: it reorders only the first few passages,
    and on SciFact it lowered nDCG@10 (see NOTES.md, "BEIR trial").
    """
    methods = check_methods(methods)
    started = time.perf_counter()
    searcher, built = open_corpus(dataset.articles, settings, cache, progress=progress)
    build_seconds = time.perf_counter() - started
    info: dict[str, Any] = {
        "documents": len(dataset.articles),
        "queries": len(dataset.queries),
        "chunks": searcher.n_docs,
        "pool": pool,
        "index": searcher.version.location,
        "index_built_now": built,
        "index_seconds": round(build_seconds, 1),
        "tuning": tuning(),
    }
    per_question: list[dict[str, Any]] = [{"id": qid} for qid, _ in dataset.queries]
    scores = []
    try:
        source_of = dict(
            searcher.version.db.execute("SELECT c.id, a.source FROM chunks c JOIN articles a ON a.id = c.article_id")
        )
        texts = [text for _, text in dataset.queries]
        encode_started = time.perf_counter()
        queries: list[Query] = []
        progress("encoding", 0, len(texts))
        for i in range(0, len(texts), BATCH):
            queries.extend(searcher.queries(texts[i : i + BATCH]))
            progress("encoding", len(queries), len(texts))
        info["encode_seconds"] = round(time.perf_counter() - encode_started, 1)
        for method in methods:
            method_started = time.perf_counter()
            ndcgs, recalls = [], []
            progress(method, 0, len(queries))
            for n, ((qid, _), query, row) in enumerate(zip(dataset.queries, queries, per_question, strict=True), 1):
                ranked = _documents(searcher, query, method, pool, source_of)
                ndcg = metrics.ndcg_at(ranked, dataset.qrels[qid], 10)
                recall = metrics.recall_at(ranked, dataset.qrels[qid], 100)
                ndcgs.append(ndcg)
                recalls.append(recall)
                row[method] = {"ndcg@10": round(ndcg, 4), "recall@100": round(recall, 4), "top": ranked[:10]}
                progress(method, n, len(queries))
            seconds = time.perf_counter() - method_started
            scores.append(
                MethodScores(
                    method,
                    {"nDCG@10": metrics.mean(ndcgs), "R@100": metrics.mean(recalls)},
                    {"queries": len(queries)},
                    seconds,
                )
            )
    finally:
        searcher.close()
    info["seconds"] = round(time.perf_counter() - started, 1)
    return Report("beir", info, scores, per_question=per_question)


def _documents(searcher: Searcher, query: Query, method: str, pool: int, source_of: dict[int, str]) -> list[str]:
    """Document ids, best first: those of the app's own ranking (default pool), then those only a ``pool`` reaches.

    Within each part a document ranks where its best chunk does (MaxP).
    """
    head = searcher.retrieve(query, method)
    tail = searcher.retrieve(query, method, pool=pool)
    return metrics.dedupe(source_of[c.chunk_id] for c in (*head, *tail))
