"""SQuAD 2.0 dev, the held-out half: how the shipped confidence separates answerable from unanswerable questions.

``python -m bench.learn.squad2`` asks every question of the second half of SQuAD 2.0 dev's articles (the first half is
what bench/learn/train.py fits on) against an index of all 35 articles, with the shipped models, and prints the
trade-off curve: for each threshold on the confidence log-odds, the share of answerable questions marked "no confident
answer" and the share of unanswerable ones answered anyway; then the point where answerable ones go unanswered at
most 10 %, and the shipped threshold's own point.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from bench.learn.corpora import SQUAD2_DEV, open_index, squad2_split
from qa.answer import THRESHOLD, Answerer
from qa.evaluation.datasets import load_squad


def main() -> int:
    squad2 = load_squad(SQUAD2_DEV)
    _, _, held = squad2_split(squad2)
    questions = [q for q in squad2.questions if q.source in held]
    searcher = open_index("squad2-dev", squad2)
    answerer = Answerer(searcher)
    conf, answerable = [], []
    for b in range(0, len(questions), 64):
        batch = questions[b : b + 64]
        for q, r in zip(batch, answerer.ask_many([q.question for q in batch], 1), strict=True):
            conf.append(r.confidence if r.confidence is not None else -99.0)
            answerable.append(bool(q.answers))
    searcher.close()
    c, a = np.asarray(conf), np.asarray(answerable)
    print(f"held-out half: {len(held)} articles, {int(a.sum())} answerable, {int((~a).sum())} unanswerable questions")
    print("threshold  answerable not answered  unanswerable answered")
    curve = []
    for t in np.quantile(c[a], np.linspace(0.0, 0.5, 11)):
        missed, false = float((c[a] < t).mean()), float((c[~a] >= t).mean())
        curve.append({"threshold": round(float(t), 3), "not_answered": round(missed, 4), "answered": round(false, 4)})
        print(f"{t:9.3f}  {missed:24.3f}  {false:21.3f}")
    t10 = float(np.quantile(c[a], 0.10))
    at10 = float((c[~a] >= t10).mean())
    shipped = (float((c[a] < THRESHOLD).mean()), float((c[~a] >= THRESHOLD).mean()))
    print(f"at 10 % answerable not answered (threshold {t10:.3f}): {at10:.3f} of unanswerable answered")
    print(f"shipped threshold {THRESHOLD:.3f}: {shipped[0]:.3f} not answered, {shipped[1]:.3f} unanswerable answered")
    json.dump({"curve": curve, "at_10": at10, "shipped": shipped}, sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
