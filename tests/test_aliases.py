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
    assert ("regional water quality board", "RWQB") in aliases.expansions("what did the regional water quality board do")


def test_implied_acronym_matches_a_long_phrase_never_abbreviated_in_text() -> None:
    aliases = Aliases(extract([TEXT]))
    others = [other for _, other in aliases.expansions("Was the NFRS called?")]
    assert "Northfield Fire and Rescue Service" in others


def test_unknown_acronym_and_plain_question_expand_to_nothing() -> None:
    aliases = Aliases(extract([TEXT]))
    assert aliases.expansions("What did the XYZQ say?") == []
    assert aliases.expansions("how large was the fine") == []
