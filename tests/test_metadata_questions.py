"""Questions about the article itself ("who wrote the story about …?", "when was … published?") answered from its
byline or date, against articles written for these tests (tests/dated_corpus.py)."""

from __future__ import annotations

import json

import pytest
from dated_corpus import dated_fixture  # noqa: F401

from qa.metadata_questions import BYLINE, DATE, asks_for


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("Who wrote the story about the flooded tunnel?", BYLINE),
        ("who reported the tram strike?", BYLINE),
        ("Who was the author of the piece on the harbour crane?", BYLINE),
        ("Which reporter covered the ferry strike?", BYLINE),
        ("By whom was the article on the orchard written?", BYLINE),
        ("When was the article about the orchard fire published?", DATE),
        ("when was the story on the tram strike posted", DATE),
        ("When did the Velmora Gazette report the tram strike?", DATE),
        ("On what date was the news about the crane published?", DATE),
        ("What is the publication date of the orchard story?", DATE),
        ("Who won the orchard prize?", None),
        ("When did the tram strike begin?", None),
        ("When was the tunnel built?", None),
        ("Who chairs the harbour board?", None),
    ],
)
def test_what_the_question_asks_of_the_article(question: str, wanted: str | None) -> None:
    assert asks_for(question) == wanted


def ask(qa, dated, question: str, *options: str) -> dict:  # type: ignore[no-untyped-def]
    run = qa("ask", question, "--format", "json", "--top-k", "3", *options, *dated.args())
    assert run.code == 0, run.err
    return json.loads(run.out)


class TestFromTheByline:
    def test_who_wrote_the_story_about(self, qa, dated) -> None:
        record = ask(qa, dated, "Who wrote the story about the rowing regatta?")
        top = record["answers"][0]
        assert record["answered"] and top["source"] == "sport/regatta.md"
        assert (top["short_answer"], top["answer_from"]) == ("Kofi Adeyemi", "byline")
        assert top["short_answer_start"] is None  # the byline is not a span of the passage

    def test_who_reported(self, qa, dated) -> None:
        top = ask(qa, dated, "who reported on the Kestrel Bridge repairs beginning early?")["answers"][0]
        assert (top["source"], top["short_answer"], top["answer_from"]) == (
            "politics/bridge-april.md", "Maren Holt", "byline")  # fmt: skip

    def test_the_text_output_says_where_the_answer_came_from(self, qa, dated) -> None:
        run = qa("ask", "Who wrote the story about the rowing regatta?", "--top-k", "1", *dated.args())
        assert run.code == 0, run.err
        assert "[1] Kofi Adeyemi (from the article's byline)" in run.out

    def test_an_article_without_a_byline_is_answered_as_usual(self, qa, dated) -> None:
        record = ask(qa, dated, "who wrote the piece about the drivers' meeting at the bus depot?")
        top = record["answers"][0]
        assert top["source"] == "notes/undated.txt" and top["answer_from"] is None

    def test_a_story_the_index_does_not_hold_is_not_answered(self, qa, dated) -> None:
        record = ask(qa, dated, "Who wrote the story about the volcano eruption in Iceland?")
        assert not record["answered"]

    def test_other_questions_keep_their_own_short_answer(self, qa, dated) -> None:
        top = ask(qa, dated, "Who coached the rowing crew?")["answers"][0]
        assert top["answer_from"] is None and "Sunniva Lund" in (top["short_answer"] or "")


class TestFromTheDate:
    def test_when_was_the_article_published(self, qa, dated) -> None:
        record = ask(qa, dated, "When was the article about the paper mill closing published?")
        top = record["answers"][0]
        assert record["answered"] and top["source"] == "business/mill.html"
        assert (top["short_answer"], top["answer_from"]) == ("2005-01-15", "date")

    def test_when_did_an_outlet_report(self, qa, dated) -> None:
        """The outlet's name is only in the page's metadata: its articles are searched first."""
        record = ask(qa, dated, "When did the Dunmere Courier report that the paper mill would close?")
        top = record["answers"][0]
        assert record["answered"] and (top["source"], top["short_answer"]) == ("business/mill.html", "2005-01-15")

    def test_the_text_output_says_where_the_answer_came_from(self, qa, dated) -> None:
        run = qa("ask", "When was the article about the paper mill closing published?", "--top-k", "1",
                 *dated.args())  # fmt: skip
        assert "[1] 2005-01-15 (from the article's date)" in run.out
