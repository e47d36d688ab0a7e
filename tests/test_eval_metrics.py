"""The evaluation metrics on small hand-made rankings whose right answers can be worked out on paper."""

from __future__ import annotations

import math

import pytest

from qa.evaluation import metrics


class TestRanks:
    def test_first_rank_is_one_based_and_none_when_nothing_matches(self) -> None:
        assert metrics.first_rank(["a", "b", "c"], lambda x: x == "b") == 2
        assert metrics.first_rank(["a", "b", "b"], lambda x: x == "b") == 2
        assert metrics.first_rank(["a", "b"], lambda x: x == "z") is None
        assert metrics.first_rank([], lambda x: True) is None

    @pytest.mark.parametrize(
        ("rank", "k", "hit"),
        [(1, 1, True), (2, 1, False), (3, 3, True), (4, 3, False), (None, 10, False)],
    )
    def test_hit_at_k(self, rank: int | None, k: int, hit: bool) -> None:
        assert metrics.hit_at(rank, k) is hit

    def test_hit_rate_counts_misses_in_the_denominator(self) -> None:
        ranks = [1, 2, None, 5]
        assert metrics.hit_rate(ranks, 1) == 0.25
        assert metrics.hit_rate(ranks, 2) == 0.5
        assert metrics.hit_rate(ranks, 5) == 0.75

    def test_mrr_cuts_off_ranks_past_k(self) -> None:
        assert metrics.reciprocal_rank(4, 10) == 0.25
        assert metrics.reciprocal_rank(11, 10) == 0.0
        assert metrics.reciprocal_rank(None, 10) == 0.0
        # (1 + 1/2 + 0 + 0) / 4: the rank-12 question is past the cut-off
        assert metrics.mrr([1, 2, None, 12], 10) == pytest.approx(0.375)

    def test_mean_of_nothing_is_zero(self) -> None:
        assert metrics.mean([]) == 0.0
        assert metrics.hit_rate([], 1) == 0.0


class TestSpans:
    @pytest.mark.parametrize(
        ("outer", "inner", "inside"),
        [
            ((0, 10), (0, 10), True),  # the same span
            ((0, 10), (3, 7), True),
            ((0, 10), (8, 11), False),  # runs past the end
            ((5, 10), (4, 6), False),  # starts before
            ((0, 10), (10, 12), False),  # half-open: 10 is outside [0, 10)
        ],
    )
    def test_contains_span_is_half_open(self, outer: tuple[int, int], inner: tuple[int, int], inside: bool) -> None:
        assert metrics.contains_span(outer, inner) is inside

    def test_contains_any_ignores_case_and_line_breaks(self) -> None:
        passage = "The vote was\n7-4 in favour of the Harbour   Bylaw."
        assert metrics.contains_any(passage, ["harbour bylaw"])
        assert metrics.contains_any(passage, ["was 7-4"])
        assert metrics.contains_any(passage, ["nothing", "7-4"])
        assert not metrics.contains_any(passage, ["6-5"])
        assert not metrics.contains_any(passage, ["", "   "])  # an empty expectation matches nothing


class TestDocumentRanking:
    def test_dedupe_keeps_each_document_at_its_best_rank(self) -> None:
        assert metrics.dedupe(["d2", "d1", "d2", "d3", "d1"]) == ["d2", "d1", "d3"]

    def test_ndcg_is_one_for_the_ideal_order(self) -> None:
        assert metrics.ndcg_at(["a", "b", "x"], {"a": 1, "b": 1}, 10) == pytest.approx(1.0)

    def test_ndcg_of_one_relevant_document_at_rank_three(self) -> None:
        assert metrics.ndcg_at(["x", "y", "a"], {"a": 1}, 10) == pytest.approx(1 / math.log2(4))

    def test_ndcg_with_graded_relevance_and_a_cut_off(self) -> None:
        ranked = ["b", "a", "c"]
        relevance = {"a": 2, "b": 1, "c": 1}
        dcg = 1 / math.log2(2) + 2 / math.log2(3)
        ideal = 2 / math.log2(2) + 1 / math.log2(3)
        assert metrics.ndcg_at(ranked, relevance, 2) == pytest.approx(dcg / ideal)

    def test_ndcg_ignores_documents_past_k_and_zero_grades(self) -> None:
        assert metrics.ndcg_at(["x", "a"], {"a": 1}, 1) == 0.0
        assert metrics.ndcg_at(["a"], {"a": 0}, 10) == 0.0

    def test_recall_at_k(self) -> None:
        relevance = {"a": 1, "b": 1, "c": 1, "z": 0}
        assert metrics.recall_at(["a", "x", "b", "c"], relevance, 3) == pytest.approx(2 / 3)
        assert metrics.recall_at(["a", "x", "b", "c"], relevance, 100) == 1.0
        assert metrics.recall_at(["a"], {}, 10) == 0.0
