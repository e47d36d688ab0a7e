"""Retrieval, highlighting, confidence and corroboration over an index of invented articles, with the real model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from corpus import write_corpus

from qa.answer import Answerer, question_type
from qa.build import build
from qa.search import Searcher
from qa.settings import Settings


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    root = tmp_path_factory.mktemp("answer")
    settings = Settings(seeds=write_corpus(root / "seeds"), index=root / "index")
    build(settings)
    answerer = Answerer(Searcher.open(settings.index))
    yield answerer
    answerer.searcher.close()


@pytest.mark.parametrize(
    ("question", "source", "needle"),
    [
        ("who chairs the transport committee?", "harbor/council.txt", "Priya Lindqvist"),
        ("when does the new ferry timetable take effect?", "harbor/council.txt", "3 March"),
        ("how many members does the rowing club have?", "sport/rowing.txt", "140 members"),
        ("what did the CDSB order Skylark to do?", "tech/drones.txt", "suspend its drone deliveries"),
        ("who voted against the ferry plan?", "harbor/council.txt", "Tomas Reyes"),
    ],
)
def test_top_answer_highlights_the_answering_sentence(
    answerer: Answerer, question: str, source: str, needle: str
) -> None:
    result = answerer.ask(question)
    top = result.answers[0]
    assert result.answered
    assert top.source == source
    assert needle in top.highlight


def test_offsets_index_the_article_text_exactly(answerer: Answerer, tmp_path: Path) -> None:
    result = answerer.ask("who voted against the ferry plan?", top_k=5)
    db = answerer.searcher.version.db
    for a in result.answers:
        (text,) = db.execute("SELECT text FROM articles WHERE source = ?", (a.source,)).fetchone()
        assert text[a.start : a.end] == a.passage
        assert text[a.highlight_start : a.highlight_end] == a.highlight
        assert a.start <= a.highlight_start < a.highlight_end <= a.end


def test_answers_are_ranked_and_top_k_respected(answerer: Answerer) -> None:
    result = answerer.ask("ferry crossings to Gull Island", top_k=2)
    assert [a.rank for a in result.answers] == [1, 2]
    assert result.answers[0].score >= result.answers[1].score


@pytest.mark.parametrize(
    "question",
    ["What is the boiling point of liquid nitrogen?", "Which team won the 1970 basketball championship in Brazil?"],
)
def test_questions_the_articles_do_not_answer_are_not_answered(answerer: Answerer, question: str) -> None:
    result = answerer.ask(question)
    assert not result.answered
    assert result.answers, "closest passages are still offered"


def test_same_fact_in_two_articles_is_corroborated_not_repeated(answerer: Answerer) -> None:
    result = answerer.ask("What was the council vote on late-night crossings to Gull Island?", top_k=5)
    top = result.answers[0]
    others = {"harbor/council.txt", "wire/ferry-wire.txt"} - {top.source}
    assert set(top.also_in) == others
    assert all(a.source not in others or a.highlight != top.highlight for a in result.answers[1:])


def test_question_without_words_gets_a_notice(answerer: Answerer) -> None:
    result = answerer.ask("?!...")
    assert not result.answered and result.answers == () and result.notice


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who founded it?", "name"),
        ("When did it open?", "date"),
        ("How many boats?", "number"),
        ("Where is it?", "place"),
        ("Why?", None),
        # a noun whose value is a number or an amount
        ("What share of the ferry fares goes to the harbour trust?", "number"),
        ("What was the score at the interval?", "number"),
        ("By what margin did the levy pass?", "number"),
        ("What's the new fee?", "number"),
        ("What was the trust's turnover last year?", "number"),
        ("By what year will the pier reopen?", "date"),  # a year, not a measure
        ("Which club had the better score?", "name"),  # the noun after "which" is asked for
        ("What pay deal did the crews accept?", None),  # "pay" is no measure
        ("Which costs worried the trust most?", None),  # plural costs name things, not an amount
    ],
)
def test_question_type(question: str, kind: str | None) -> None:
    assert question_type(question) == kind


def test_streamed_answers_match_one_at_a_time_in_order(answerer: Answerer) -> None:
    questions = [
        "who chairs the transport committee?",
        "?!",
        "how many members does the rowing club have?",
        "what did the CDSB order Skylark to do?",
    ] * 3  # more questions than one batch of 5, so the worker encodes ahead
    ids = [f"q{i}" for i in range(len(questions))]
    streamed = list(answerer.ask_stream(questions, ids, top_k=3, batch=5))
    single = [answerer.ask(q, top_k=3, qid=i) for q, i in zip(questions, ids, strict=True)]
    assert [r.id for r in streamed] == ids

    def spans(results: list) -> list:  # batch and single encodings may differ in the last float bits
        return [[(a.source, a.start, a.end, a.highlight_start) for a in r.answers] for r in results]

    assert spans(streamed) == spans(single)
    assert [r.confidence for r in streamed] == pytest.approx([r.confidence for r in single], abs=1e-4)
    assert not streamed[1].answers and streamed[0].answers


def test_what_is_kept_between_questions_never_changes_an_answer(
    answerer: Answerer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sentences, chunks and titles are kept between questions; a full cache starts again, and a fresh Answerer (all
    caches empty) gives the same answers as one that has answered before, even when every question overflows them."""
    questions = ["who chairs the transport committee?", "how many members does the rowing club have?",
                 "what did the CDSB order Skylark to do?", "who voted against the ferry plan?"]  # fmt: skip

    def spans(a: Answerer) -> list:
        return [[(x.source, x.start, x.end, x.highlight_start, x.highlight_end) for x in a.ask(q).answers]
                for q in questions]  # fmt: skip

    warm = spans(answerer)
    assert answerer._chunks and answerer._sentences and answerer._titles
    assert spans(answerer) == warm
    monkeypatch.setattr("qa.answer._CACHE_SENTENCES", 4)  # every question overflows the chunk and sentence caches
    monkeypatch.setattr("qa.answer._CACHE_ARTICLES", 1)
    fresh = Answerer(answerer.searcher)
    assert spans(fresh) == warm


def test_the_second_look_moves_the_sentence_it_prefers_first(answerer: Answerer) -> None:
    """The plumbing of the reader's second look: when the second stage prefers another sentence, that sentence is
    the new top highlight, inside its own passage, and its passage is not listed twice."""
    from qa import answer as A
    from qa.learn.linear import Linear
    from qa.reader import Read

    query = answerer.searcher.queries(["who chairs the transport committee?"])[0]
    ranked = answerer._rank(query, 5, "fused", None)
    rows = A._alternatives(ranked)
    assert rows and ranked.passages[0].best_row not in rows
    assert all(not ranked.table.headline[r] for r in rows)
    by_gap = Linear(("logit", "reader_gap"), (0.0, 0.0), (1.0, 1.0), (0.0, 1.0), 0.0)
    top_read = Read((0, 4), 1.0, 5.0)  # the reader finds nothing in the top highlight
    more = [(rows[0], Read((0, 4), 9.0, 1.0))] + [(r, Read((0, 4), 1.0, 4.0)) for r in rows[1:]]
    row, read = A.reconsider(ranked, top_read, more, by_gap)
    assert row == rows[0] and read is more[0][1]
    moved = A._passage_for_row(ranked, row, None)
    assert moved.sentence == ranked.table.span[row]
    assert moved.start <= moved.sentence[0] < moved.sentence[1] <= moved.end
    by_logit = Linear(("logit", "reader_gap"), (0.0, 0.0), (1.0, 1.0), (1.0, 0.0), 0.0)
    assert A.reconsider(ranked, top_read, more, by_logit) is None  # the sentence model's own pick stays


NEWS_STORY = """Valdner orchestra names new conductor after two-year search

The Valdner Symphony Orchestra has named a new principal conductor, ending a two-year search that saw more than forty \
candidates audition for the post.

The appointment was announced at a press conference at the concert hall on Monday morning.

The orchestra's chairwoman, Ingrid Solvay, said the board had chosen Tomasz Wiercinski because of his work with young \
players.

Wiercinski, 38, will conduct his first concert as principal conductor in September.
"""


def _one_story(tmp_path_factory: pytest.TempPathFactory, name: str, text: str) -> Iterator[Answerer]:
    """An answerer over an index of one article, ``name``."""
    root = tmp_path_factory.mktemp(Path(name).stem)
    (root / "seeds").mkdir()
    (root / "seeds" / name).write_text(text, encoding="utf-8")
    settings = Settings(seeds=root / "seeds", index=root / "index")
    build(settings)
    answerer = Answerer(Searcher.open(settings.index))
    yield answerer
    answerer.searcher.close()


@pytest.fixture(scope="module")
def news_answerer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Answerer]:
    yield from _one_story(tmp_path_factory, "orchestra.txt", NEWS_STORY)


@pytest.mark.parametrize(
    ("question", "needle"),
    [
        # The lede sums the story up and is near every question about it; the detail is told further down.
        ("Who chairs the Valdner Symphony Orchestra?", "Ingrid Solvay"),
        # The lede is still the answer when it is the sentence that holds the fact.
        ("How many candidates auditioned to conduct the Valdner orchestra?", "more than forty"),
    ],
)
def test_the_lede_answers_only_when_it_holds_the_fact(news_answerer: Answerer, question: str, needle: str) -> None:
    assert needle in news_answerer.ask(question).answers[0].highlight


LIBRARY_STORY = """Harlow approves riverside library

Councillors in Harlow have approved plans for a new public library on the former Brightwater mill site.

It will cost £6.2m and is due to open in the spring of 2027, a council spokesman said.

Work on the riverside path beside the site starts in June.
"""


@pytest.fixture(scope="module")
def library_answerer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Answerer]:
    yield from _one_story(tmp_path_factory, "library.txt", LIBRARY_STORY)


def test_a_sentence_that_answers_through_a_pronoun_is_shown_with_the_sentence_before(
    library_answerer: Answerer,
) -> None:
    top = library_answerer.ask("How much will the new library on the Brightwater mill site cost?").answers[0]
    text = LIBRARY_STORY
    assert top.highlight.startswith("Councillors in Harlow") and top.highlight.endswith("a council spokesman said.")
    assert text[top.highlight_start : top.highlight_end] == top.highlight
    assert top.start <= top.highlight_start and text[top.start : top.end] == top.passage
    assert top.short_answer is not None and "6.2m" in top.short_answer
    assert text[top.short_answer_start : top.short_answer_end] == top.short_answer


def test_the_sentence_before_is_never_the_headline() -> None:
    from qa.answer import _Doc, read_span

    text = "Ferrant Motors recalls vans\n\nIt is the largest recall in the firm's history. They were built in 2022.\n"
    doc = _Doc("vans.txt", "Ferrant Motors recalls vans", text, headline="Ferrant Motors recalls vans")
    first = text.index("It is")
    assert read_span(doc, first, text.index(" They")) == (first, text.index(" They"))  # not the headline
    second = text.index("They")
    assert read_span(doc, second, len(text) - 1) == (first, len(text) - 1)
    plain = text.index("the largest")  # a sentence not opening with a pronoun stays as it is
    assert read_span(doc, plain, second) == (plain, second)
