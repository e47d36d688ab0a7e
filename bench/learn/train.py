"""Train the shipped sentence scorer and confidence model: ``python -m bench.learn.train [--check]``.

Data (../shared/data, see SOURCES.md section 5), never SQuAD 1.1 dev or our own question sets:
- SQuAD 1.1 train: ARTICLES articles drawn with a fixed seed, indexed with the real build; QUESTIONS of their
  questions drawn with the same seed. For each, every sentence of the top passages is a row of ``qa.features``;
  a row is positive when its sentence, in the question's own article, holds a gold answer. The headline is never a
  candidate. Logistic regression -> ``qa/learn/sentence.json``.
- Confidence: the same questions asked with their article (answerable) and with it filtered out of the search
  (unanswerable: the nearest other topic answers), plus every second article of SQuAD 2.0 dev's first half (its
  unanswerable questions were written to have a plausible answer nearby; the reader is fitted on the others).
  Logistic regression over the top answer's signals -> ``qa/learn/confidence.json``, threshold at the point where TARGET_MISSED of the answerable fit questions go
  unanswered. SQuAD 2.0 dev's second half is never fitted on (reported by ``python -m bench.learn.squad2``).
  SQuAD 2.0 dev's articles are all SQuAD 1.1 dev articles: the confidence model has seen their text, so SQuAD 1.1
  dev answered-rates are not held-out figures (the sentence model, trained on train only, is unaffected).

Runs in minutes on two cores once the indexes exist (building them is the slow part, about 10 minutes).
``--check`` retrains on a small slice and compares with the shipped files' manifests instead of writing.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

from bench.learn.corpora import SEED, SQUAD2_DEV, SQUAD_TRAIN, open_index, sha256, squad2_split, squad_train_sample
from qa import answer as answer_module
from qa import features as F
from qa.answer import rank_passages, sentence_logits
from qa.evaluation.datasets import SpanDataset, load_squad
from qa.learn.linear import HERE, Linear

ARTICLES = 150
QUESTIONS = 4000
VALIDATION = 800
TARGET_MISSED = 0.07  # answerable fit questions left unanswered at the chosen threshold


def _chunk_articles(searcher) -> np.ndarray:
    rows = searcher.version.db.execute("SELECT id, article_id FROM chunks ORDER BY id").fetchall()
    out = np.zeros(len(rows), dtype=np.int64)
    for cid, aid in rows:
        out[cid] = aid
    return out


def _article_ids(searcher) -> dict[str, int]:
    return {s: i for i, s in searcher.version.db.execute("SELECT id, source FROM articles")}


def collect(dataset: SpanDataset, name: str, questions: list, mask_gold: bool, impossible: set[str] | None = None):
    """Feature tables for ``questions``: sentence rows with labels, and per question the top passages' rows."""
    from qa.answer import RERANK, Answerer

    searcher = open_index(name, dataset)
    answerer = Answerer(searcher)
    chunk_article = _chunk_articles(searcher)
    ids = _article_ids(searcher)
    texts = {a.source: a.text for a in dataset.articles}
    sent_x, sent_y, sent_q = [], [], []
    asked = []  # (question index, with article?, table, answerable)
    for b in range(0, len(questions), 64):
        batch = questions[b : b + 64]
        queries = searcher.queries([" ".join(q.question.split()) for q in batch])
        for q, query in zip(batch, queries, strict=True):
            gold = ids[q.source]
            golds = {texts[q.source][s:e] for s, e in q.answers}
            variants = [(True, None)]
            if mask_gold:
                variants.append((False, chunk_article != gold))
            for with_article, allowed in variants:
                cands = searcher.retrieve(query, allowed=allowed)[:RERANK]
                if not cands:
                    continue
                t = answerer.table(query, cands)
                keep = ~np.asarray(t.headline, dtype=bool)
                labels = np.array(
                    [
                        t.article_id[ci] == gold and any(g and g in t.docs[ci].text[s:e] for g in golds)
                        for ci, (s, e) in zip(t.chunk, t.span, strict=True)
                    ],
                    dtype=bool,
                )
                answerable = with_article and (impossible is None or q.id not in impossible)
                passage_ok = np.array(
                    [
                        t.article_id[ci] == gold and any(cs <= s and e <= ce for s, e in q.answers)
                        for ci, (cs, ce) in enumerate(t.chunk_span)
                    ],
                    dtype=bool,
                )
                if with_article and answerable:
                    sent_x.append(t.x[keep])
                    sent_y.append(labels[keep])
                    sent_q.append(np.asarray(t.chunk)[keep])
                asked.append((cands, t, answerable, labels, passage_ok, q.question))
    searcher.close()
    return sent_x, sent_y, sent_q, asked


def fit_listwise(xs: list[np.ndarray], ys: list[np.ndarray], names: tuple[str, ...], epochs: int = 400) -> Linear:
    """A linear scorer trained so that, per question, the softmax over all its candidate sentences puts its mass on
    the sentences that hold the answer (the top sentence is the highlight and ranks its passage)."""
    import torch

    torch.manual_seed(SEED)
    kept = [(x, y) for x, y in zip(xs, ys, strict=True) if y.any() and len(y)]
    allx = np.concatenate([x for x, _ in kept])
    mean = allx.mean(axis=0)
    scale = allx.std(axis=0)
    scale[scale < 1e-6] = 1.0
    width = max(len(y) for _, y in kept)
    n, d = len(kept), allx.shape[1]
    X = np.zeros((n, width, d), dtype=np.float32)
    Y = np.zeros((n, width), dtype=bool)
    M = np.zeros((n, width), dtype=bool)
    for i, (x, y) in enumerate(kept):
        X[i, : len(y)] = (x - mean) / scale
        Y[i, : len(y)] = y
        M[i, : len(y)] = True
    X, Y, M = torch.from_numpy(X), torch.from_numpy(Y), torch.from_numpy(M)
    w = torch.zeros(d, requires_grad=True)
    opt = torch.optim.Adam([w], lr=0.05)
    for _ in range(epochs):
        opt.zero_grad()
        logits = (X @ w).masked_fill(~M, -1e9)
        loss = (torch.logsumexp(logits, 1) - torch.logsumexp(logits.masked_fill(~Y, -1e9), 1)).mean()
        loss = loss + 1e-3 * (w * w).sum()
        loss.backward()
        opt.step()
    print(f"listwise loss {loss.item():.4f} over {n} questions", file=sys.stderr)
    return Linear(names, tuple(map(float, mean)), tuple(map(float, scale)), tuple(map(float, w.detach())), 0.0)


def evaluate(asked: list, model: Linear, reader=None, rerank: Linear | None = None) -> dict[str, float]:
    """R@1, MRR@10 and highlight (among top-1 hits) of a sentence model over collected tables (with ``rerank``: after
    the reader's second look, as answering does it)."""
    settled = settle(asked, model, reader) if rerank is not None else None
    r1, rr, hl = [], [], []
    for n, (cands, table, answerable, labels, passage_ok, *_) in enumerate(asked):
        if not answerable:
            continue
        if settled is not None:
            ranked, _ = apply_rerank(*settled[n], rerank)
            passages = [p for p in ranked.passages if p.best_row >= 0]
        else:
            passages = [p for p in rank_passages(table, cands, sentence_logits(model, table)) if p.best_row >= 0]
        rank = next((k for k, p in enumerate(passages, 1) if passage_ok[p.at]), None)
        r1.append(rank == 1)
        rr.append(1 / rank if rank and rank <= 10 else 0.0)
        if rank == 1:
            hl.append(bool(labels[passages[0].best_row]))
    return {"R@1": float(np.mean(r1)), "MRR@10": float(np.mean(rr)), "highlight": float(np.mean(hl)), "n": len(r1)}


def settle(asked: list, sentence: Linear, reader) -> list:
    """Per collected question, as answering does it: the ranked passages and the reader's reads of what
    ``qa.answer.reading`` names (the top highlight, then the next best sentence), all pairs in one call."""
    from qa.answer import _Ranked

    ranked = []
    for cands, table, *_ in asked:
        logits = sentence_logits(sentence, table)
        passages = [p for p in rank_passages(table, cands, logits) if p.best_row >= 0]
        ranked.append(_Ranked(passages, passages[:1], {}, table, cands, logits))
    wanted = [answer_module.reading(entry[5], r) for entry, r in zip(asked, ranked, strict=True)]
    reads = iter(reader.read_many([pair for pairs in wanted for _, pair in pairs]))
    return [(r, [(row, next(reads)) for row, _ in pairs]) for r, pairs in zip(ranked, wanted, strict=True)]


def apply_rerank(r, reads: list, rerank: Linear):
    """The ranked passages and top read after the second-stage model's pick (``qa.answer.settled``)."""
    return answer_module.settled(r, reads, rerank, None, 1)


def fit_rerank(asked: list, settled: list) -> Linear:
    """The second stage: over the top highlight and the sentences read after it, which one answers (listwise over
    the sentence model's score and the reader's margin)."""
    xs, ys = [], []
    for (_, _, answerable, labels, *_), (r, rows) in zip(asked, settled, strict=True):
        if not answerable or len(rows) < 2:
            continue
        xs.append(np.asarray([answer_module.rerank_row(float(r.logits[row]), rd) for row, rd in rows], np.float32))
        ys.append(np.asarray([bool(labels[row]) for row, _ in rows]))
    print(f"rerank: {len(xs)} questions read past their top highlight", file=sys.stderr)
    return fit_listwise(xs, ys, ("logit", "reader_gap"))


# The direction each confidence signal may push: fitted on SQuAD's two kinds of "no answer" (the article filtered out,
# and SQuAD 2.0's adversarial questions), a free weight can take a sign that only holds there (more missing terms
# "meaning" more confidence, because long answerable questions miss more terms); held to the sign that holds in
# general, the model transfers to other collections.
CONF_SIGNS = {
    "logit": 1, "margin": 1, "p_coverage": 1, "missing_idf": -1, "names_passage": 1, "cos": 1, "overlap": 1,
    "p_dense": 1, "missing_terms": -1, "year_missing": -1, "detail_overlap": 1, "match_new": 1, "reader_gap": 1,
}  # fmt: skip


def reader_for_training():
    """The shipped reader (qa/learn/reader.onnx, trained first by ``python -m bench.learn.reader``)."""
    from bench.learn.reader import base_model
    from qa.reader import Reader

    folder, _ = base_model()
    return Reader.open(folder)


def fit_signed(
    x: np.ndarray, y: np.ndarray, names: tuple[str, ...], signs: dict[str, int], epochs: int = 600
) -> Linear:
    """Logistic regression whose weights keep the given signs (weight = sign * softplus(free parameter))."""
    import torch

    torch.manual_seed(SEED)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    X = torch.from_numpy(((x - mean) / scale).astype(np.float32))
    Y = torch.from_numpy(y.astype(np.float32))
    sign = torch.tensor([float(signs.get(n, 0)) for n in names])
    raw = torch.zeros(len(names), requires_grad=True)
    bias = torch.zeros(1, requires_grad=True)
    opt = torch.optim.Adam([raw, bias], lr=0.05)

    def weights() -> torch.Tensor:
        return torch.where(sign == 0, raw, sign * torch.nn.functional.softplus(raw))

    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(X @ weights() + bias, Y) + 1e-3 * (raw * raw).sum()
        loss.backward()
        opt.step()
    w = weights().detach()
    return Linear(names, tuple(map(float, mean)), tuple(map(float, scale)), tuple(map(float, w)), float(bias.item()))


def fit_logistic(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], c: float = 1.0) -> Linear:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    model = LogisticRegression(C=c, max_iter=2000, random_state=SEED)
    model.fit((x - mean) / scale, y)
    return Linear(
        features=names,
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        weights=tuple(float(v) for v in model.coef_[0]),
        bias=float(model.intercept_[0]),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=ARTICLES)
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    parser.add_argument("--validation", type=int, default=VALIDATION, help="train questions held out of the fit")
    parser.add_argument("--out", type=Path, default=HERE, help="where to write sentence.json and confidence.json")
    args = parser.parse_args(argv)
    started = time.time()
    rng = random.Random(SEED)

    train = squad_train_sample(args.articles)
    drawn = rng.sample(list(train.questions), min(args.questions + args.validation, len(train.questions)))
    questions, held = drawn[: args.questions], drawn[args.questions :]
    sx, sy, _, asked = collect(train, f"squad-train-{args.articles}", questions, mask_gold=True)
    x, y = np.concatenate(sx), np.concatenate(sy)
    print(f"sentence rows {len(x)} ({int(y.sum())} positive) from {len(questions)} questions", file=sys.stderr)
    sentence = fit_listwise(sx, sy, F.FEATURES)
    val: list = []
    if held:  # questions of the same training articles never fitted on: what model choices are judged by
        _, _, _, val = collect(train, f"squad-train-{args.articles}", held, mask_gold=False)
        print(f"validation ({len(held)} train questions not fitted): {evaluate(val, sentence)}", file=sys.stderr)

    squad2 = load_squad(SQUAD2_DEV)
    _, fit_sources, _ = squad2_split(squad2)
    impossible = {q.id for q in squad2.questions if not q.answers}
    fit2 = [q for q in squad2.questions if q.source in fit_sources]
    _, _, _, asked2 = collect(squad2, "squad2-dev", fit2, mask_gold=False, impossible=impossible)

    reader = reader_for_training()
    settled = settle(asked + asked2, sentence, reader)
    rerank = fit_rerank(asked, settled[: len(asked)])
    if held:
        print(f"validation with the reader's second look: {evaluate(val, sentence, reader, rerank)}", file=sys.stderr)
    conf_x, conf_y = [], []
    for entry, (r, reads) in zip(asked + asked2, settled, strict=True):
        r, read = apply_rerank(r, reads, rerank)
        if r.passages:
            conf_x.append(answer_module.confidence_row(r.passages, read.gap if read is not None else None))
            conf_y.append(entry[2])
    cx, cy = np.asarray(conf_x, dtype=np.float32), np.asarray(conf_y, dtype=bool)
    confidence = fit_signed(cx, cy, answer_module.CONF_FEATURES, CONF_SIGNS)
    scores = confidence.logits(cx)
    threshold = float(np.quantile(scores[cy], TARGET_MISSED))
    answered_false = float((scores[~cy] >= threshold).mean())
    print(
        f"confidence rows {len(cx)} ({int(cy.sum())} answerable); threshold {threshold:.3f}: "
        f"{TARGET_MISSED:.0%} answerable missed, {answered_false:.1%} unanswerable answered (fit data)",
        file=sys.stderr,
    )
    data = {
        "squad-v1.1-train": {"file": SQUAD_TRAIN.name, "sha256": sha256(SQUAD_TRAIN)},
        "squad-v2.0-dev": {"file": SQUAD2_DEV.name, "sha256": sha256(SQUAD2_DEV)},
    }
    common = {"seed": SEED, "articles": args.articles, "questions": len(questions), "script": "bench/learn/train.py"}
    sentence_out = Linear(**{**sentence.__dict__, "manifest": {
        **common, "data": {"squad-v1.1-train": data["squad-v1.1-train"]},
        "rows": len(x), "positives": int(y.sum()),
    }})  # fmt: skip
    confidence_out = Linear(**{**confidence.__dict__, "threshold": threshold, "manifest": {
        **common, "data": data, "squad2_fit_articles": sorted(fit_sources), "rows": len(cx),
        "answerable": int(cy.sum()), "target_missed": TARGET_MISSED, "fit_unanswerable_answered": answered_false,
    }})  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sentence.json").write_text(sentence_out.to_json() + "\n", encoding="utf-8")
    (args.out / "confidence.json").write_text(confidence_out.to_json() + "\n", encoding="utf-8")
    rerank_out = Linear(**{**rerank.__dict__, "manifest": {
        **common, "data": {"squad-v1.1-train": data["squad-v1.1-train"]}, "reader": "qa/learn/reader.json",
    }})  # fmt: skip
    (args.out / "rerank.json").write_text(rerank_out.to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.out}/sentence.json and confidence.json in {time.time() - started:.0f} s", file=sys.stderr)
    print(json.dumps({f: round(w, 3) for f, w in zip(sentence.features, sentence.weights, strict=True)}))
    print(json.dumps({f: round(w, 3) for f, w in zip(confidence.features, confidence.weights, strict=True)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
