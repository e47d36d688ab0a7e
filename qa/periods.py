"""Time named in a question: "in March 2005", "during 2004", "last year", or "the latest on …".

A period is a soft preference, not a filter: when the period holds at least k passages the question is searched
inside it (so the top k fills with them); when it holds fewer, its passages come first and the rest from every
article; when it holds none, every article answers. The result's notice says which. "latest", "most recent" and "newest" put the most recent of the relevant answers first. Relative
periods ("last year", "this month") count from the newest article's date in the index, not from today: an archive
of 2005 news asked about "last year" means 2004.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.calendar_words import MONTH_PATTERN
from qa.filters import DateError, Filters, date_range

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

    from qa.answer import Answerer
    from qa.records import Answer, Result
    from qa.search import Query

WIDE = 20  # answers looked at when re-ranking by date
RELEVANT = 0.5  # share of the best answer's score an answer needs to be re-ranked by date ("latest")

_MONTHS = f"(?:{MONTH_PATTERN})"
_NAMED = re.compile(
    rf"\b(?:in|during|from|throughout|over|of)\s+(?:the\s+year\s+)?(?P<when>(?:{_MONTHS}\.?\s+)?(?:19|20)\d\d)\b"
    r"(?![-/.]\d|\s*(?:-|to|and)\s*(?:19|20)?\d\d)",  # not "in 2004-05" or "from 2004 to 2006" (a span, not a period)
    re.IGNORECASE,
)
_RELATIVE = re.compile(r"\b(?P<which>last|this|past)\s+(?P<unit>year|month)\b", re.IGNORECASE)
_LATEST = re.compile(r"\b(?:latest|most\s+recent(?:ly)?|newest|most\s+up[-\s]to[-\s]date)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """Inclusive ISO days, and how to say it ("March 2005"); ``latest``: no range, newest first."""

    start: str = ""
    end: str = ""
    label: str = ""
    latest: bool = False


def find(question: str, newest: str | None = None) -> Period | None:
    """The period the question names, if any. ``newest``: the newest article date (for "last year")."""
    if m := _NAMED.search(question):
        when = " ".join(m["when"].split())
        try:
            start, end = date_range(when)
        except DateError:
            return None
        whole_year = start.endswith("-01-01") and end.endswith("-12-31")
        return Period(start, end, start[:4] if whole_year else dt.date.fromisoformat(start).strftime("%B %Y"))
    if (m := _RELATIVE.search(question)) and newest:
        day = dt.date.fromisoformat(newest[:10])
        if m["unit"].lower() == "year":
            year = day.year - (m["which"].lower() != "this")
            return Period(f"{year}-01-01", f"{year}-12-31", str(year))
        month = dt.date(day.year, day.month, 1)
        if m["which"].lower() != "this":
            month = (month - dt.timedelta(days=1)).replace(day=1)
        start, end = date_range(month.isoformat()[:7])
        return Period(start, end, month.strftime("%B %Y"))
    if _LATEST.search(question):
        return Period(label="the most recent articles", latest=True)
    return None


def newest_date(answerer: Answerer) -> str | None:
    row = answerer.searcher.version.db.execute("SELECT max(substr(date, 1, 10)) FROM articles").fetchone()
    return row[0] if row and row[0] else None


def prefer(
    answerer: Answerer, result: Result, query: Query, top_k: int, method: str, allowed: np.ndarray | None,
    context: Sequence[str] = (),
) -> Result:  # fmt: skip
    """``result`` again, answered with a preference for the period the question names (unchanged when none).
    ``context``: the conversation's articles, preferred as Answerer.ask prefers them."""
    question = result.question
    period = find(question, newest_date(answerer) if _RELATIVE.search(question) else None)
    if period is None:
        return result
    if period.latest:
        return _latest(answerer, result, query, top_k, method, allowed, context)
    mask = Filters(since=period.start, until=period.end).mask(answerer.searcher.version)
    if allowed is not None:
        mask &= allowed
    if not mask.any():
        return dataclasses.replace(result, notice=f"no article from {period.label}; answering from all articles")
    inner = answerer._answer(result.id, question, query, top_k, method, mask, hints=False, context=context)
    answers = list(inner.answers)
    if len(answers) < top_k:  # fewer passages in the period than asked for: the rest from all articles, after them
        seen = {(a.source, a.start) for a in answers}
        answers += [a for a in result.answers if (a.source, a.start) not in seen][: top_k - len(answers)]
    return dataclasses.replace(inner, answers=_ranked(answers), notice=f"preferring articles from {period.label}")


def _latest(
    answerer: Answerer, result: Result, query: Query, top_k: int, method: str, allowed: np.ndarray | None,
    context: Sequence[str] = (),
) -> Result:  # fmt: skip
    """The relevant answers (scored at least half the best) newest first; then the others as they ranked."""
    wide = answerer._answer(
        result.id, result.question, query, max(top_k, WIDE), method, allowed, hints=False, context=context
    )
    if not wide.answers or not any(a.date for a in wide.answers):
        return result
    best = wide.answers[0].score
    relevant = [a for a in wide.answers if a.score >= RELEVANT * best and a.date]
    relevant.sort(key=lambda a: str(a.date)[:10], reverse=True)  # stable: equal dates keep their rank
    rest = [a for a in wide.answers if a not in relevant]
    return dataclasses.replace(
        wide, answers=_ranked((relevant + rest)[:top_k]), notice="preferring the most recent articles"
    )


def _ranked(answers: list[Answer]) -> tuple[Answer, ...]:
    return tuple(dataclasses.replace(a, rank=i) for i, a in enumerate(answers, 1))
