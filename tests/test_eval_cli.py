"""`qa eval` through the real entry point, on small collections written here (every article is invented)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Paths, Run, one_line_error, write_articles
from test_eval_datasets import squad_file

from qa import answer

STORIES = {
    "harbour.txt": """Brightwater Harbour Reopens After Dredging

The Brightwater harbour reopened on Tuesday after eight months of dredging.
Harbour master Odile Fenwick said the channel is now twelve metres deep at low tide.
Fishing boats returned to their moorings the same afternoon.
""",
    "library.txt": """Kestrel Valley Library Gets a Solar Roof

The Kestrel Valley public library has installed 240 solar panels on its roof.
Librarian Tomas Ribeiro said the panels will supply most of the building's electricity.
The project was paid for by a county grant.
""",
    "marathon.txt": """Chemistry Teacher Wins the Granite City Marathon

Anneliese Okafor, a chemistry teacher, won the Granite City marathon on Sunday in two hours and 31 minutes.
More than 4,000 runners took part, and the route avoided roadworks on Mill Street.
""",
    "bakery.txt": """Pellham Bakery Strike Ends

Workers at the Pellham bakery ended their two-week strike after the owners agreed to a 6 percent pay rise.
Union spokesperson Marek Lindqvist called the deal fair.
""",
}

QUESTIONS = [
    {"id": "harbour", "question": "Who is the harbour master at Brightwater?", "expect": ["Odile Fenwick"]},
    {"id": "panels", "question": "How many solar panels did the Kestrel Valley library install?",
     "expect": ["240 solar panels"]},
    {"id": "winner", "question": "Who won the Granite City marathon?", "expect": ["anneliese okafor"]},
    {"id": "strike", "question": "What pay rise ended the Pellham bakery strike?", "expect": ["6 percent", "six percent"]},
    # Nothing in the corpus says this: a miss at every rank, whichever method.
    {"id": "ferry", "question": "Who designed the new ferry terminal?", "expect": ["Ingrid Solberg"]},
]  # fmt: skip


@pytest.fixture(autouse=True)
def eval_cache(qa_paths: Paths, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Evaluation indexes go to this test's temp folder, whatever the caller's environment says."""
    monkeypatch.setenv("QA_EVAL_CACHE", str(qa_paths.root / "eval-cache"))
    return qa_paths.root / "eval-cache"


@pytest.fixture
def questions_file(qa_paths: Paths) -> Path:
    write_articles(qa_paths.seeds, STORIES)
    path = qa_paths.root / "questions.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    return path


def report(run: Run, path: Path) -> dict[str, Any]:
    assert run.code == 0, run.err
    return json.loads(path.read_text(encoding="utf-8"))


class TestQuestionFile:
    def test_scores_every_method_and_lists_the_miss(
        self, qa: Callable[..., Run], questions_file: Path, qa_paths: Paths
    ) -> None:
        out = qa_paths.root / "report.json"
        run = qa("eval", str(questions_file), "--json", str(out))
        data = report(run, out)
        assert list(data["methods"]) == ["fused", "dense", "bm25"]
        for method, scores in data["methods"].items():
            assert scores["metrics"]["hit@1"] == pytest.approx(0.8), method
            assert scores["metrics"]["hit@10"] == pytest.approx(0.8), method
            assert scores["metrics"]["MRR@10"] == pytest.approx(0.8), method
            assert [m["id"] for m in data["misses_at_1"][method]] == ["ferry"], method
        ranks = {q["id"]: q["fused"]["rank"] for q in data["questions"]}
        assert ranks == {"harbour": 1, "panels": 1, "winner": 1, "strike": 1, "ferry": None}
        assert 0.0 <= data["methods"]["fused"]["metrics"]["highlight"] <= 0.8
        # The terminal table: methods side by side and the missed question by id.
        assert "hit@1" in run.out and "fused" in run.out and "bm25" in run.out
        assert "Misses at 1 (1 of 5" in run.out and "ferry" in run.out and "Ingrid Solberg" in run.out

    def test_highlight_accuracy_is_the_share_of_top_highlights_holding_an_expected_string(
        self, qa: Callable[..., Run], questions_file: Path, qa_paths: Paths
    ) -> None:
        out = qa_paths.root / "report.json"
        data = report(qa("eval", "questions", str(questions_file), "--method", "fused", "--json", str(out)), out)
        assert list(data["methods"]) == ["fused"]
        # What `qa ask` shows as each question's first highlight decides the flag.
        asked = qa("ask", "--file", str(questions_file), "--format", "jsonl")
        assert asked.code == 0, asked.err
        expect = {q["id"]: [e.lower() for e in q["expect"]] for q in QUESTIONS}
        shown = {}
        for line in asked.out.splitlines():
            result = json.loads(line)
            top = " ".join(result["answers"][0]["highlight"].split()).lower()
            shown[result["id"]] = any(e in top for e in expect[result["id"]])
        flags = {q["id"]: q["fused"]["highlight"] for q in data["questions"]}
        assert flags == shown and flags["ferry"] is False
        assert data["methods"]["fused"]["metrics"]["highlight"] == pytest.approx(sum(shown.values()) / len(shown))

    def test_a_bad_question_file_is_one_line(self, qa: Callable[..., Run], qa_paths: Paths) -> None:
        bad = qa_paths.root / "bad.jsonl"
        bad.write_text('{"id": "x", "question": "Who?"}\n', encoding="utf-8")
        run = qa("eval", str(bad))
        assert run.code == 1
        assert one_line_error(run.err) == 'error: bad.jsonl line 1 needs "expect": a list of non-empty strings (or "unanswerable": true)'

    def test_unknown_method_is_a_usage_error(self, qa: Callable[..., Run], questions_file: Path) -> None:
        run = qa("eval", str(questions_file), "--method", "magic")
        assert run.code == 2 and "magic" in one_line_error(run.err)


SQUAD = [
    ("Brightwater_Harbour", [
        ("The Brightwater harbour reopened on Tuesday after eight months of dredging.",
         [("How long did the dredging of Brightwater harbour take?", "eight months")]),
        ("Harbour master Odile Fenwick said the channel is now twelve metres deep.",
         [("Who is the Brightwater harbour master?", "Odile Fenwick"),
          ("How deep is the Brightwater channel now?", "twelve metres")]),
    ]),
    ("Kestrel_Library", [
        ("The Kestrel Valley library installed 240 solar panels on its roof.",
         [("How many solar panels are on the Kestrel Valley library?", "240")]),
    ]),
    ("Granite_Marathon", [
        ("Anneliese Okafor won the Granite City marathon in two hours and 31 minutes.",
         [("Who won the Granite City marathon?", "Anneliese Okafor")]),
    ]),
    ("Pellham_Bakery", [
        ("Workers at the Pellham bakery ended their strike after a 6 percent pay rise.",
         [("What pay rise did the Pellham bakery workers get?", "6 percent")]),
    ]),
]  # fmt: skip


class TestSquad:
    @pytest.mark.slow  # indexes SQuAD articles
    def test_span_hits_calibration_and_features(
        self, qa: Callable[..., Run], qa_paths: Paths, eval_cache: Path
    ) -> None:
        path = squad_file(qa_paths.root / "dev.json", SQUAD)
        out, features = qa_paths.root / "squad.json", qa_paths.root / "features.json"
        run = qa("eval", "squad", str(path), "--method", "fused", "--json", str(out), "--dump-features", str(features))
        data = report(run, out)
        fused = data["methods"]["fused"]
        assert fused["counts"] == {"questions": 6, "top1_hits": 6}
        assert fused["metrics"]["R@1"] == 1.0 and fused["metrics"]["MRR@10"] == 1.0
        assert data["info"]["articles"] == 4 and data["info"]["index_built_now"] is True
        # Calibration: the first two articles indexed, the last two's questions have no answer in the index.
        calibration = data["info"]["unanswerable"]
        assert (calibration["indexed_articles"], calibration["answerable_questions"]) == (2, 4)
        assert (calibration["held_out_articles"], calibration["unanswerable_questions"]) == (2, 2)
        assert set(data["unanswerable"]["fused"]["metrics"]) == {
            "false answered", "false not answered", "answered, top-1 wrong"
        }  # fmt: skip
        rows = json.loads(features.read_text(encoding="utf-8"))
        assert len(rows) == 6 + 4 + 2  # every question on the full index, then each on the half index
        held = [r for r in rows if not r["answerable"]]
        assert len(held) == 2 and not any(r["correct"] for r in held)
        assert {"dense", "coverage", "fused", "bm25", "confidence", "answered"} <= set(rows[0])
        # The dumped confidence is the one behind "answered": fitting a threshold on it moves that flag.
        assert all(r["answered"] == (r["confidence"] >= answer.THRESHOLD) for r in rows)
        assert all(0.0 <= r["coverage"] <= 1.0 and -1.0 <= r["dense"] <= 1.0 for r in rows)
        assert "Unanswerable calibration" in run.out

    @pytest.mark.slow  # indexes SQuAD articles, then runs again
    def test_a_second_run_reuses_the_cached_index(
        self, qa: Callable[..., Run], qa_paths: Paths, eval_cache: Path
    ) -> None:
        path = squad_file(qa_paths.root / "dev.json", SQUAD)
        out = qa_paths.root / "squad.json"
        args = ("eval", "squad", str(path), "--method", "bm25", "--no-unanswerable", "--json", str(out))
        first = report(qa(*args), out)
        second = report(qa(*args), out)
        assert first["info"]["index_built_now"] is True and second["info"]["index_built_now"] is False
        assert first["info"]["index"] == second["info"]["index"]
        assert Path(first["info"]["index"]).parent == eval_cache
        assert first["methods"]["bm25"]["metrics"] == second["methods"]["bm25"]["metrics"]
        assert "unanswerable" not in second
        # Another collection (one article fewer) gets its own index.
        third = report(qa(*args, "--articles", "3"), out)
        assert third["info"]["index"] != first["info"]["index"] and third["info"]["articles"] == 3

    def test_articles_must_be_a_count_or_all(self, qa: Callable[..., Run], qa_paths: Paths) -> None:
        path = squad_file(qa_paths.root / "dev.json", SQUAD)
        run = qa("eval", "squad", str(path), "--articles", "some")
        assert run.code == 2 and "--articles" in one_line_error(run.err)


class TestBeir:
    @pytest.mark.slow  # indexes a BEIR corpus
    def test_document_ranking(self, qa: Callable[..., Run], qa_paths: Paths) -> None:
        folder = qa_paths.root / "beir"
        (folder / "qrels").mkdir(parents=True)
        docs = {
            "h1": ("Brightwater harbour", "The harbour reopened after eight months of dredging the channel."),
            "l1": ("Library solar roof", "The Kestrel Valley library installed 240 solar panels."),
            "m1": ("Marathon", "A chemistry teacher won the Granite City marathon."),
            "b1": ("Bakery strike", "Pellham bakery workers ended a strike over pay."),
        }
        (folder / "corpus.jsonl").write_text(
            "".join(json.dumps({"_id": k, "title": t, "text": x}) + "\n" for k, (t, x) in docs.items())
        )
        queries = {"1": "dredging of the harbour channel", "2": "solar panels on a library roof", "3": "bakery strike"}
        (folder / "queries.jsonl").write_text(
            "".join(json.dumps({"_id": k, "text": t}) + "\n" for k, t in queries.items())
        )
        (folder / "qrels" / "test.tsv").write_text(
            "query-id\tcorpus-id\tscore\n1\th1\t1\n2\tl1\t1\n3\tb1\t1\n3\tm1\t1\n"
        )
        out = qa_paths.root / "beir.json"
        data = report(qa("eval", "beir", str(folder), "--json", str(out)), out)
        assert data["info"]["queries"] == 3 and data["info"]["documents"] == 4
        fused = data["methods"]["fused"]["metrics"]
        per_query = {q["id"]: q["fused"] for q in data["questions"]}
        assert per_query["1"]["top"][0] == "h1" and per_query["2"]["top"][0] == "l1" and per_query["1"]["ndcg@10"] == 1
        # Query 3 has two relevant documents: the bakery first, and the marathon (no shared word) at some rank r.
        top = per_query["3"]["top"]
        assert top[0] == "b1" and sorted(top) == ["b1", "h1", "l1", "m1"]  # each document once
        r = top.index("m1") + 1
        ideal = 1 + 1 / math.log2(3)
        assert per_query["3"]["ndcg@10"] == pytest.approx((1 + 1 / math.log2(r + 1)) / ideal, abs=1e-4)
        assert fused["nDCG@10"] == pytest.approx((2 + per_query["3"]["ndcg@10"]) / 3, abs=1e-4)
        assert fused["R@100"] == 1.0  # dense ranks every chunk of so small an index
        # BM25 ranks only chunks sharing a word with the query: the marathon is never found.
        assert data["methods"]["bm25"]["metrics"]["R@100"] == pytest.approx((1 + 1 + 0.5) / 3)
        assert "nDCG@10" in data["methods"]["dense"]["metrics"]
