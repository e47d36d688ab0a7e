"""A period named in the question ("in 2004", "last year") or "the latest on …" prefers those articles, and the
result says so; against articles written for these tests (tests/dated_corpus.py)."""

from __future__ import annotations

import json

import pytest
from dated_corpus import dated_fixture  # noqa: F401

from qa.periods import Period, find


@pytest.mark.parametrize(
    ("question", "period"),
    [
        ("What did the council decide in March 2005?", Period("2005-03-01", "2005-03-31", "March 2005")),
        ("what happened to the mill during 2004", Period("2004-01-01", "2004-12-31", "2004")),
        ("Who spoke in sept. 2004?", Period("2004-09-01", "2004-09-30", "September 2004")),
        ("What did the council decide last year?", Period("2004-01-01", "2004-12-31", "2004")),
        ("What did the council decide this year?", Period("2005-01-01", "2005-12-31", "2005")),
        ("Who resigned last month?", Period("2005-03-01", "2005-03-31", "March 2005")),
        ("What is the latest on the bridge?", Period(label="the most recent articles", latest=True)),
        ("What are the most recent figures?", Period(label="the most recent articles", latest=True)),
        ("Who won the 2004 regatta?", None),
        ("What changed from 2004 to 2006?", None),
        ("What did the council decide?", None),
    ],
)
def test_the_period_a_question_names(question: str, period: Period | None) -> None:
    assert find(question, newest="2005-04-19") == period


def test_last_year_needs_a_dated_index() -> None:
    assert find("What did the council decide last year?", newest=None) is None


def ask(qa, dated, question: str, top_k: int = 3) -> dict:  # type: ignore[no-untyped-def]
    run = qa("ask", question, "--format", "json", "--top-k", str(top_k), *dated.args())
    assert run.code == 0, run.err
    return json.loads(run.out)


class TestPreference:
    def test_a_named_year_searches_its_articles(self, qa, dated) -> None:
        record = ask(qa, dated, "What did the council's finance committee hear in 2004?")
        assert record["notice"] == "preferring articles from 2004"
        assert {a["source"] for a in record["answers"]} == {"politics/budget-autumn.md"}  # three passages: k filled

    def test_last_year_counts_from_the_newest_article(self, qa, dated) -> None:
        record = ask(qa, dated, "What did the council's finance committee hear last year?")
        assert record["notice"] == "preferring articles from 2004"
        assert record["answers"][0]["date"].startswith("2004")

    def test_a_period_with_fewer_passages_than_k_comes_first(self, qa, dated) -> None:
        record = ask(qa, dated, "What happened to the Kestrel Bridge in April 2005?", top_k=3)
        assert record["notice"] == "preferring articles from April 2005"
        answers = record["answers"]
        assert answers[0]["source"] == "politics/bridge-april.md" and len(answers) == 3
        assert [a["rank"] for a in answers] == [1, 2, 3]

    def test_a_period_without_articles_answers_from_all(self, qa, dated) -> None:
        record = ask(qa, dated, "What did the council decide about the budget in 1999?")
        assert record["notice"] == "no article from 1999; answering from all articles" and record["answers"]

    def test_latest_puts_the_newest_relevant_article_first(self, qa, dated) -> None:
        plain = ask(qa, dated, "What is happening with the Kestrel Bridge repairs?")
        latest = ask(qa, dated, "What is the latest on the Kestrel Bridge repairs?")
        assert latest["notice"] == "preferring the most recent articles" and plain["notice"] is None
        assert latest["answers"][0]["source"] == "politics/bridge-april.md"
        dates = [a["date"] for a in latest["answers"] if a["score"] >= 0.5 * latest["answers"][0]["score"]]
        assert dates == sorted(dates, reverse=True)

    def test_the_text_output_shows_the_notice(self, qa, dated) -> None:
        run = qa("ask", "What did the council's finance committee hear in 2004?", "--top-k", "1", *dated.args())
        assert "(preferring articles from 2004)" in run.out
