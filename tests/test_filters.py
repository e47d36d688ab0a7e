"""Filters: dates as people type them, the chunk mask, and `qa ask` / `qa eval` with --since, --until, --section,
--source and --author against an index of dated articles written for these tests (tests/dated_corpus.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import one_line_error
from dated_corpus import ARTICLES, dated_fixture  # noqa: F401

from qa import store
from qa.filters import DateError, Filters, date_range

BUDGET = "What did the council's finance committee hear about the budget?"
DATES = {"politics/budget-march.md": "2005-03-11", "politics/budget-autumn.md": "2004-10-02",
         "politics/bridge-april.md": "2005-04-19", "sport/regatta.md": "2005-03-20", "business/mill.html": "2005-01-15",
         "notes/undated.txt": None}  # fmt: skip


class TestDates:
    @pytest.mark.parametrize(
        ("typed", "first", "last"),
        [
            ("2005", "2005-01-01", "2005-12-31"),
            ("2005-03", "2005-03-01", "2005-03-31"),
            ("2004-02", "2004-02-01", "2004-02-29"),
            ("March 2005", "2005-03-01", "2005-03-31"),
            ("sept 2005", "2005-09-01", "2005-09-30"),
            ("2005-03-11", "2005-03-11", "2005-03-11"),
            ("11 March 2005", "2005-03-11", "2005-03-11"),
            ("March 11, 2005", "2005-03-11", "2005-03-11"),
        ],
    )
    def test_a_day_is_itself_and_a_month_or_year_all_of_it(self, typed: str, first: str, last: str) -> None:
        assert date_range(typed) == (first, last)

    @pytest.mark.parametrize("typed", ["2005-13", "yesterday", "March", "05", "2005-02-30"])
    def test_what_is_not_a_date_says_how_to_write_one(self, typed: str) -> None:
        with pytest.raises(DateError, match="2005-03-11, 2005-03, 2005 or 'March 2005'"):
            date_range(typed)

    def test_since_starts_and_until_ends_a_month(self) -> None:
        f = Filters.parse(since="2005-03", until="April 2005")
        assert (f.since, f.until) == ("2005-03-01", "2005-04-30")
        assert f.describe() == "since 2005-03-01, until 2005-04-30"

    def test_a_range_that_ends_before_it_starts(self) -> None:
        with pytest.raises(DateError, match="before"):
            Filters.parse(since="2005", until="2004")

    def test_nothing_set_is_no_filter(self) -> None:
        assert not Filters.parse(since="", section="  ") and Filters.parse(author="holt")


class TestMask:
    @pytest.mark.parametrize(
        ("filters", "sources"),
        [
            (Filters(since="2005-03-01"), {"politics/budget-march.md", "politics/bridge-april.md", "sport/regatta.md"}),
            (Filters(until="2004-12-31"), {"politics/budget-autumn.md"}),
            (Filters(section="POLITICS"), {"politics/budget-march.md", "politics/budget-autumn.md",
                                           "politics/bridge-april.md"}),
            (Filters(section="business"), {"business/mill.html"}),
            (Filters(author="holt"), {"politics/budget-march.md", "politics/bridge-april.md"}),
            (Filters(source="sport/*"), {"sport/regatta.md"}),
            (Filters(source="notes"), {"notes/undated.txt"}),
            (Filters(source="dunmere courier"), {"business/mill.html"}),
            (Filters(since="2005-01-01", section="politics", author="maren"),
             {"politics/budget-march.md", "politics/bridge-april.md"}),
        ],
    )  # fmt: skip
    def test_only_the_passages_of_matching_articles(self, dated, filters: Filters, sources: set[str]) -> None:
        version = store.Version.open(dated.index)
        try:
            mask = filters.mask(version)
            rows = version.db.execute("SELECT c.id, a.source FROM chunks c JOIN articles a ON a.id = c.article_id")
            expected = {cid for cid, source in rows if source in sources}
        finally:
            version.close()
        assert mask.dtype == bool and set(mask.nonzero()[0].tolist()) == expected

    def test_an_undated_article_never_matches_a_date(self, dated) -> None:
        version = store.Version.open(dated.index)
        try:
            ids = Filters(since="1900", until="2100").article_ids(version.db)
            undated = version.db.execute("SELECT id FROM articles WHERE date IS NULL").fetchall()
        finally:
            version.close()
        assert undated and undated[0][0] not in ids and len(ids) == len(ARTICLES) - 1


class TestAskWithFilters:
    def test_the_top_k_fills_with_matching_passages(self, qa, dated) -> None:
        unfiltered = json.loads(qa("ask", BUDGET, "--top-k", "5", "--format", "json", *dated.args()).out)
        assert any(a["source"] == "politics/budget-autumn.md" for a in unfiltered["answers"])
        run = qa("ask", BUDGET, "--top-k", "5", "--since", "2005-03", "--format", "json", *dated.args())
        assert run.code == 0, run.err
        answers = json.loads(run.out)["answers"]
        assert len(answers) == 5  # six passages match: the search itself was filtered, not its top 5
        assert all((DATES[a["source"]] or "") >= "2005-03-01" for a in answers)
        assert all(a["date"] >= "2005-03-01" for a in answers)

    @pytest.mark.parametrize(
        ("options", "allowed"),
        [
            (["--until", "2004"], {"politics/budget-autumn.md"}),
            (["--section", "Politics", "--author", "HOLT"], {"politics/budget-march.md", "politics/bridge-april.md"}),
            (["--source", "notes/*"], {"notes/undated.txt"}),
            (["--since", "March 2005", "--until", "2005-03-31"], {"politics/budget-march.md", "sport/regatta.md"}),
        ],
    )
    def test_only_matching_articles_answer(self, qa, dated, options: list[str], allowed: set[str]) -> None:
        run = qa("ask", BUDGET, "--top-k", "4", "--format", "json", *options, *dated.args())
        assert run.code == 0, run.err
        sources = {a["source"] for a in json.loads(run.out)["answers"]}
        assert sources and sources <= allowed

    def test_a_question_file_is_filtered_too(self, qa, dated, tmp_path: Path) -> None:
        questions = tmp_path / "q.txt"
        questions.write_text(f"{BUDGET}\nWho won the spring regatta?\n", encoding="utf-8")
        run = qa("ask", "--file", str(questions), "--section", "sport", "--top-k", "3", *dated.args())
        assert run.code == 0, run.err
        records = [json.loads(line) for line in run.out.splitlines()]
        assert len(records) == 2
        assert {a["source"] for r in records for a in r["answers"]} == {"sport/regatta.md"}

    @pytest.mark.parametrize(
        ("options", "says"),
        [
            (["--since", "2005-13"], "--since '2005-13' is not a date"),
            (["--until", "soon"], "--until 'soon' is not a date"),
            (["--since", "2006", "--until", "2005"], "before --since"),
        ],
    )
    def test_a_bad_date_is_a_one_line_usage_error(self, qa, dated, options: list[str], says: str) -> None:
        run = qa("ask", BUDGET, *options, *dated.args())
        assert run.code == 2
        assert says in one_line_error(run.err)

    def test_no_matching_article_says_so(self, qa, dated) -> None:
        run = qa("ask", BUDGET, "--since", "2010", *dated.args())
        assert run.code == 1
        assert "no indexed article matches the filters (since 2010-01-01)" in one_line_error(run.err)


class TestEvalWithFilters:
    def test_eval_searches_only_the_filtered_articles(self, qa, dated, tmp_path: Path) -> None:
        questions = tmp_path / "q.jsonl"
        lines = [
            {
                "id": "cut",
                "question": "How much did the autumn budget cut from the bus service?",
                "expect": ["400,000"],
            },
            {"id": "bridge", "question": "When will the Kestrel Bridge reopen to lorries?", "expect": ["August"]},
        ]
        questions.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        report = tmp_path / "report.json"
        for options, hits in (([], 1.0), (["--since", "2005-03"], 0.5)):
            run = qa("eval", str(questions), "--method", "fused", "--json", str(report), *options, *dated.args())
            assert run.code == 0, run.err
            scores = json.loads(report.read_text(encoding="utf-8"))
            found = json.dumps(scores)
            assert f'"hit@10": {hits}' in found, found[:2000]

    def test_eval_rejects_a_bad_date(self, qa, dated, tmp_path: Path) -> None:
        questions = tmp_path / "q.jsonl"
        questions.write_text('{"id": "1", "question": "who?", "expect": ["x"]}\n', encoding="utf-8")
        run = qa("eval", str(questions), "--until", "someday", *dated.args())
        assert run.code == 2 and "--until 'someday' is not a date" in one_line_error(run.err)
