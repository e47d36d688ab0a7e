"""Ranking metrics as small pure functions, so each can be checked on hand-made cases.

Ranks are 1-based; ``None`` means "not found in what was retrieved".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

T = TypeVar("T")
Span = tuple[int, int]

_SPACE = re.compile(r"\s+")


def first_rank(items: Iterable[T], is_hit: Callable[[T], bool]) -> int | None:
    """The 1-based rank of the first item that is a hit, or None."""
    for rank, item in enumerate(items, 1):
        if is_hit(item):
            return rank
    return None


def hit_at(rank: int | None, k: int) -> bool:
    return rank is not None and rank <= k


def reciprocal_rank(rank: int | None, k: int) -> float:
    """1/rank when the first hit is within the top k, else 0 (the per-question term of MRR@k)."""
    return 1.0 / rank if rank is not None and rank <= k else 0.0


def mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def hit_rate(ranks: Sequence[int | None], k: int) -> float:
    return mean(1.0 if hit_at(r, k) else 0.0 for r in ranks)


def mrr(ranks: Sequence[int | None], k: int) -> float:
    return mean(reciprocal_rank(r, k) for r in ranks)


def contains_span(outer: Span, inner: Span) -> bool:
    """Whether ``[outer)`` holds all of ``[inner)`` (half-open spans, as article offsets are)."""
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def normalize(text: str) -> str:
    """Lower case with runs of whitespace as one space: a line break in a passage still matches a space."""
    return _SPACE.sub(" ", text).strip().lower()


def contains_any(text: str, expected: Iterable[str]) -> bool:
    """Whether ``text`` holds one of the expected strings, ignoring case and whitespace runs."""
    haystack = normalize(text)
    needles = [n for n in map(normalize, expected) if n]
    return any(n in haystack for n in needles)


def dedupe(items: Iterable[T]) -> list[T]:
    """Items in first-seen order, each once (a document is ranked where its best chunk is)."""
    return list(dict.fromkeys(items))


def ndcg_at(ranked: Sequence[str], relevance: Mapping[str, float], k: int) -> float:
    """nDCG@k with linear gains (``rel / log2(rank + 1)``), as BEIR's pytrec_eval computes it.

    Args:
        ranked: document ids, best first, each once.
        relevance: graded relevance of the judged documents; missing or <= 0 means not relevant.
        k: cut-off.
    """
    dcg = sum(relevance.get(doc, 0.0) / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], 1))
    ideal = sorted((g for g in relevance.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, 1))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: Sequence[str], relevance: Mapping[str, float], k: int) -> float:
    """Share of the relevant documents found in the top k."""
    relevant = {doc for doc, g in relevance.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant & set(ranked[:k])) / len(relevant)


def squad_normalize(text: str) -> str:
    """SQuAD's official answer normalization: lower case, no punctuation, no articles, single spaces."""
    import re
    import string

    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def squad_exact(prediction: str, gold: str) -> float:
    return float(squad_normalize(prediction) == squad_normalize(gold))


def squad_f1(prediction: str, gold: str) -> float:
    """Token F1 between a predicted and a gold answer, as SQuAD's evaluation script computes it."""
    from collections import Counter

    pred, true = squad_normalize(prediction).split(), squad_normalize(gold).split()
    common = sum((Counter(pred) & Counter(true)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(true)
    return 2 * precision * recall / (precision + recall)
