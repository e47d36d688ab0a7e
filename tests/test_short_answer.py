"""Short answers: the span of the kind asked inside the highlight, or none. Sentences written for these tests in
several outlets' styles (wire copy, a local paper, a sports report, a business brief)."""

from __future__ import annotations

import pytest

from qa.short_answer import find


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        (
            "Who chairs the harbour safety board?",
            (
                "Councillors Priya Anand and Tomasz Wojcik, who chair the Parks and Harbour Safety boards, respectively, "
                "backed the plan."
            ),
            "Tomasz Wojcik",
        ),
        (
            "How much did the Carrow lifeboat station cost to rebuild?",
            "Rebuilding the Carrow lifeboat station cost £3.2m, the trust said on Friday.",
            "£3.2m",
        ),
        (
            "How many steps lead to the lamp room?",
            "Volunteer keeper Odile Marchetti climbed the 212 steps at dusk to switch on the lamp.",
            "212 steps",
        ),
        (
            "When did the Velmora tram first reach the quay?",
            "The first tram reached the quay on 14 March 1996, decades before the harbour was rebuilt.",
            "14 March 1996",
        ),
        (
            "Who is the head coach of Ashby Rovers?",
            "Former Ashby Rovers head coach Glen Ruddock was replaced by Marta Klein in the summer.",
            "Glen Ruddock",
        ),
        (
            "Which company bought the Felbridge mill?",
            "The Felbridge mill was bought by Harlow Grain Holdings for an undisclosed sum.",
            "Harlow Grain Holdings",
        ),
    ],
)
def test_the_span_of_the_kind_asked(question: str, sentence: str, expected: str) -> None:
    short = find(question, sentence)
    assert short is not None and short.text == expected
    assert sentence[short.start : short.end] == expected


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("Why did the council delay the vote?", "The council delayed the vote after a long debate on Tuesday."),
        ("Who chairs the harbour board?", "The harbour board met on Tuesday to discuss the budget."),
        ("How many ferries run on Sundays?", "Ferries will run on Sundays from next month, the operator said."),
    ],
)
def test_no_short_answer_when_unsure(question: str, sentence: str) -> None:
    """A why-question, or no span of the kind asked that the question does not already hold: nothing is shown."""
    assert find(question, sentence) is None


def test_answers_carry_the_short_answer_in_article_offsets(ready_index: object) -> None:
    from qa.session import open_answerer
    from qa.settings import Settings

    answerer = open_answerer(Settings.from_env())
    try:
        result = answerer.ask("How much did the Velmora tram extension cost?", 1)
    finally:
        answerer.searcher.close()
    top = result.answers[0]
    assert top.short_answer == "31 million euros"
    assert top.highlight[top.short_answer_start - top.highlight_start : top.short_answer_end - top.highlight_start] == (
        top.short_answer
    )
    record = result.to_record()["answers"][0]
    assert {"short_answer", "short_answer_start", "short_answer_end", "date", "author", "section", "url"} <= set(record)


@pytest.mark.parametrize(
    ("piece", "expected"),
    [("m", "42m"), ("llwo", "Pellworth"), ("Pellworth", "Pellworth"), ("cost 4", "cost 42m")],
)
def test_a_read_span_is_widened_to_whole_words(piece: str, expected: str) -> None:
    """The reader picks word pieces; what it shows is whole words."""
    from qa.reader import Read
    from qa.short_answer import from_read

    sentence = "Mayor Pellworth said the pool cost 42m to rebuild."
    start = sentence.index(expected) + expected.index(piece)
    short = from_read(
        "How much did the new swimming pool cost?", sentence, Read((start, start + len(piece)), 30.0, 0.0)
    )
    assert short is not None and short.text == expected
    assert sentence[short.start : short.end] == expected
