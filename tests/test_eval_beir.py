"""How BEIR's document ranking is read off the app's passage retrieval, on an invented index of a few chunks."""

from __future__ import annotations

from typing import Any

from qa.evaluation.runner import _documents
from qa.search import POOL, Candidate

# chunk id -> document id: "lake" has three chunks, "mill" and "pier" one each
SOURCE_OF = {1: "lake", 2: "lake", 3: "mill", 4: "pier", 5: "lake"}


class StubSearcher:
    """Answers ``retrieve`` with a fixed ranking per pool size, and records the pools it was asked for."""

    def __init__(self, rankings: dict[int, list[int]]) -> None:
        self.rankings = rankings
        self.pools: list[int] = []

    def retrieve(self, query: Any, method: str = "fused", pool: int = POOL) -> list[Candidate]:
        self.pools.append(pool)
        return [Candidate(cid, 0.0, 0.0, 1.0 / rank, 0.0) for rank, cid in enumerate(self.rankings[pool], 1)]


class TestDocuments:
    def test_the_apps_own_ranking_comes_first_then_what_the_deeper_pool_adds(self) -> None:
        # The app's pool puts the mill first; the deeper pool's normalization would put the lake first and also
        # reaches the pier, which the app's pool does not.
        searcher = StubSearcher({POOL: [3, 2], 500: [1, 3, 4, 5]})
        ranked = _documents(searcher, None, "fused", 500, SOURCE_OF)  # type: ignore[arg-type]
        assert ranked == ["mill", "lake", "pier"]
        assert searcher.pools == [POOL, 500]

    def test_a_document_ranks_once_where_its_best_chunk_does(self) -> None:
        searcher = StubSearcher({POOL: [2, 1, 3, 5], 500: [2, 1, 3, 5, 4]})
        assert _documents(searcher, None, "dense", 500, SOURCE_OF) == ["lake", "mill", "pier"]  # type: ignore[arg-type]
