"""Short and long forms found in the text, both ways, with no hand list."""

from __future__ import annotations

from qa.aliases import Aliases, extract

TEXT = (
    "The Regional Water Quality Board (RWQB) fined the plant on Friday. "
    "Officials at the RWQB said the fine was the largest this year. "
    "A spokesperson for the Northfield Fire and Rescue Service said crews attended."
)


def test_defined_acronym_expands_to_long_form() -> None:
    aliases = Aliases(extract([TEXT]))
    assert ("RWQB", "Regional Water Quality Board") in aliases.expansions("What did the RWQB decide?")


def test_long_form_expands_to_acronym_used_in_corpus() -> None:
    aliases = Aliases(extract([TEXT]))
    assert ("regional water quality board", "RWQB") in aliases.expansions(
        "what did the regional water quality board do"
    )


def test_implied_acronym_matches_a_long_phrase_never_abbreviated_in_text() -> None:
    aliases = Aliases(extract([TEXT]))
    others = [other for _, other in aliases.expansions("Was the NFRS called?")]
    assert "Northfield Fire and Rescue Service" in others


def test_unknown_acronym_and_plain_question_expand_to_nothing() -> None:
    aliases = Aliases(extract([TEXT]))
    assert aliases.expansions("What did the XYZQ say?") == []
    assert aliases.expansions("how large was the fine") == []


# Headlines, titles and headings capitalize ordinary words; initials matched there are chance, not names.
HEADLINES = (
    "Harbour Crane Repair Is Due\n\n"
    "Port Braces For Storm Cells\n\n"
    "'The port said its SC fleet was ready. Repairs to the cranes are due next week, and the ID checks at the gate "
    "continue.\n\n"
    "'NOW'S THE TIME': DOCK WORKERS HAS UNION ADMIN BRACING FOR STRIKE\n\n"
    "CONCLUSIONS AND RELEVANCE: the CR of the survey was high."
)


def test_title_case_headline_makes_no_pair() -> None:
    aliases = Aliases(extract([HEADLINES]))
    assert aliases.expansions("what happened to the storm cells") == []


def test_long_form_is_not_only_function_words_or_capitals() -> None:
    aliases = Aliases(extract([HEADLINES]))
    assert aliases.expansions("when is due the crane repair") == []
    assert aliases.expansions("What was the CR?") == []  # "OBJECTIVES AND RESULTS" is a heading, not a name


def test_all_caps_headline_words_are_not_acronyms() -> None:
    pairs = extract([HEADLINES + "\n\nThe Union Admin Bracing group met the Harbour Authority Staff."])
    assert not [p for p in pairs if p[0] in {"UAB", "HAS"} and p[3]]


def test_implied_pair_needs_both_forms_in_one_article() -> None:
    texts = ["Shares in Krispy Kreme fell on Monday after the results.", "The KK ferry sails at noon daily."]
    assert Aliases(extract(texts)).expansions("Why did Krispy Kreme shares fall?") == []
    together = ["The Harbour Pilots Association met on Monday. Later the HPA said the pilots would strike."]
    assert ("HPA", "Harbour Pilots Association") in Aliases(extract(together)).expansions("What did the HPA say?")


def test_long_form_does_not_cross_a_sentence_or_hold_another_acronym() -> None:
    text = (
        "The strike began on Monday. Strathclyde Port said the MSP would talk to the union, "
        "and the EU and UK ministers met on Tuesday."
    )
    others = [other for _, other in Aliases(extract([text])).expansions("What did the MSP say about the EU?")]
    assert others == []


def test_defined_pair_wins_over_implied_ones_and_a_rare_second_meaning() -> None:
    texts = [
        "The Coastal Drone Safety Board (CDSB) grounded the fleet. Cargo Dock Services Bureau staff agreed.",
        "The CDSB met the Cargo Dock Services Bureau on Friday.",
    ]
    assert Aliases(extract(texts)).expansions("Why did the CDSB ground the fleet?") == [
        ("CDSB", "Coastal Drone Safety Board")
    ]


def test_acronym_the_question_defines_is_not_expanded() -> None:
    aliases = Aliases(extract([TEXT]))
    assert aliases.expansions("Did the river water quality body (RWQB) act?") == []


def test_seeds_keep_their_aliases() -> None:
    from pathlib import Path

    seeds = Path(__file__).parent.parent / "seeds"
    aliases = Aliases(extract(p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))))
    assert ("ICE", "Immigration and Customs Enforcement") in aliases.expansions("What does ICE do?")
    assert ("LAPD", "Los Angeles Police Department") in aliases.expansions("Who leads the LAPD?")
    assert ("immigration and customs enforcement", "ICE") in aliases.expansions(
        "who runs immigration and customs enforcement"
    )


def test_people_dates_and_plural_acronyms_are_not_long_forms() -> None:
    text = (
        "Mr Prescott told MPs the vote would be close. The Labour Party on Monday backed the PM. "
        "Sales of PCs in China rose, and the PC makers cheered. Dr Seuss books sold well at the DS store."
    )
    aliases = Aliases(extract([text]))
    for question in ("What did MPs vote on?", "What did the PM say?", "Who makes PCs?", "Where is the DS store?"):
        assert aliases.expansions(question) == [], question
    defined = Aliases(extract(["The Harbour Pilots Association (HPA) met the Mr Whippy drivers on Monday."]))
    assert defined.expansions("What did the HPA say?") == [("HPA", "Harbour Pilots Association")]


def test_implied_long_form_needs_a_fair_share_of_the_acronyms_articles() -> None:
    chance = ["The Harbour Pilots Association met. The HPA later agreed."] + [
        f"The HPA ferry number {i} sailed at noon." for i in range(12)
    ]  # the long form beside the acronym in 1 of 13 articles
    assert Aliases(extract(chance)).expansions("What did the HPA agree?") == []
    often = chance + [f"The Harbour Pilots Association met again, day {i}; the HPA agreed." for i in range(5)]
    assert ("HPA", "Harbour Pilots Association") in Aliases(extract(often)).expansions("What did the HPA agree?")


def test_an_acronym_never_written_beside_its_long_form_is_linked_when_the_pairing_is_unique() -> None:
    """News writes the name out in one story and the acronym in another; the only phrase whose initials spell the
    acronym is its long form. Written for this test in two outlets' styles."""
    texts = [
        (
            "The Organisation for Economic Co-operation and Development cut its growth forecast for the eurozone.\n"
            "Economists at the Organisation for Economic Co-operation and Development blamed weak exports."
        ),
        "Paris-based Organisation for Economic Co-operation and Development figures showed a slowdown.",
        "The OECD said unemployment would fall next year.\nThe OECD also warned about public debt.",
        "Ministers met at the OECD headquarters on Monday.",
    ]
    found = Aliases(extract(texts))
    assert ("OECD", "Organisation for Economic Co-operation and Development") in found.expansions(
        "What did the OECD say about unemployment?"
    )
    assert ("organisation for economic co-operation and development", "OECD") in found.expansions(
        "What did the Organisation for Economic Co-operation and Development forecast?"
    )


def test_an_acronym_with_two_phrases_that_spell_it_is_not_linked() -> None:
    texts = [
        "The Brent Crude Fund rose again.\nThe Brent Crude Fund was up 3%.",
        "Shares in Bellway Capital Finance fell.\nBellway Capital Finance cut its dividend.",
        "The BCF report came out on Tuesday.",
        "Analysts read the BCF figures closely.",
    ]
    found = Aliases(extract(texts))
    assert not [e for e in found.expansions("What did the BCF report say?") if e[0] == "BCF"]
