"""Month and day names: one list for every matcher of dates in questions, articles, filters and follow-ups."""

from __future__ import annotations

from collections.abc import Iterable

MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december",
)  # fmt: skip
_SHORT = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
          "nov": 11, "dec": 12}  # fmt: skip
MONTH_NUMBERS: dict[str, int] = {name: n for n, name in enumerate(MONTHS, start=1)} | _SHORT  # lower case
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def alternation(words: Iterable[str]) -> str:
    """A regular-expression alternation of ``words``, longest first (so "sept" is tried before "sep")."""
    return "|".join(sorted(words, key=lambda w: (-len(w), w)))


MONTH_PATTERN = alternation(MONTH_NUMBERS)  # every month name and abbreviation, lower case
