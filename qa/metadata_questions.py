"""Questions about an article rather than its story: "who wrote the story about …?", "when was the article about …
published?", "when did the Courier report …?". The answer is in the article's byline or date, not in its text.

The article is found as for any question (the passages retrieved for the whole question); when the question asks
for its author or date and the top answer's article has one, that value becomes the top answer's short answer, and
the answer says where it came from (``Answer.answer_from``: "byline" or "date").
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from typing import TYPE_CHECKING, Any

from qa.calendar_words import MONTHS
from qa.records import Result

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

    from qa.answer import Answerer
    from qa.search import Query, Searcher

BYLINE, DATE = "byline", "date"
TOPIC_COVERAGE = 0.5  # share of the topic's IDF mass the top passage must hold for the metadata to count as answered

_ARTICLE = r"(?:article|story|stories|piece|news|item|column|coverage|feature|interview|editorial|op-?ed|post)"
_WHO = [
    r"\bwho\s+(?:wrote|authored|penned|reported|covered|filed|bylined)\b",
    r"\bwho\s+(?:is|was|were)\s+the\s+(?:author|writer|reporter|journalist|correspondent)s?\b",
    r"\b(?:which|what)\s+(?:reporter|journalist|writer|correspondent|author)s?\b",
    r"\bwho\s+(?:is|was)\s+(?:it|this|that|the\s+\w+)\s+(?:written|reported|filed|authored)\s+by\b",
    r"\bby\s+whom\b",
    r"\bwhose\s+byline\b",
    rf"\bwho\s+(?:is|was)\s+behind\s+the\s+{_ARTICLE}\b",
]
_WHEN = r"^\s*(?:when|(?:on\s+)?(?:what|which)\s+(?:date|day))\b"
_DATE_FORMS = [
    (
        rf"{_WHEN}(?=.*\b{_ARTICLE}\b).*\b(?:publish|published|post|posted|written|write|wrote|print|printed|run|"
        r"ran|release|released|filed|dated|come\s+out|came\s+out)\b"
    ),
    rf"{_WHEN}\s+(?:was|were|is)\s+(?:it|this|that)\s+(?:first\s+)?(?:reported|published)\b",
    rf"{_WHEN}\s+did\s+.{{1,60}}?\b(?:report|cover|break)\b",
    rf"\bpublication\s+date\b|\bdate\s+of\s+(?:the\s+)?{_ARTICLE}\b|\bwhen\s+was\s+the\s+{_ARTICLE}\s+from\b",
]
_WHO_RE = re.compile("|".join(_WHO), re.IGNORECASE)
_DATE_RE = re.compile("|".join(f"(?:{p})" for p in _DATE_FORMS), re.IGNORECASE)
# Words that ask about the article, not about its story: left out when judging whether the article was found.
_META_WORDS = (
    "wrote write written writer author authored reporter reported report story stories article piece published "
    "publish posted news byline journalist correspondent date day when covered cover filed item column coverage "
    "feature first"
)
_PERIOD_WORDS = f"{' '.join(MONTHS)} year month last this latest recent recently newest"


def asks_for(question: str) -> str | None:
    """BYLINE for a question about who wrote an article, DATE for when it was published, else None."""
    if _WHO_RE.search(question):
        return BYLINE
    if _DATE_RE.search(question):
        return DATE
    return None


def outlet_named(question: str, db: Any) -> str | None:
    """The outlet (publication) the question names, among those the index knows ("when did the Courier report …")."""
    try:
        outlets = [row[0] for row in db.execute("SELECT DISTINCT outlet FROM article_meta WHERE outlet IS NOT NULL")]
    except sqlite3.Error:  # an index from before article metadata
        return None
    lowered = question.casefold()
    for outlet in sorted(outlets, key=len, reverse=True):
        if len(outlet) > 2 and re.search(rf"(?<!\w){re.escape(outlet.casefold())}(?!\w)", lowered):
            return str(outlet)
    return None


def answer(
    answerer: Answerer, result: Result, query: Query, top_k: int, method: str, allowed: np.ndarray | None,
    context: Sequence[str] = (),
) -> Result:  # fmt: skip
    """``result``, or for a question about an article's byline or date, the answer from it. A question that names
    an outlet the index knows is searched among that outlet's articles first (the outlet's name is seldom in the
    text)."""
    if asks_for(result.question) is None:
        return result
    searcher = answerer.searcher
    outlet = outlet_named(result.question, searcher.version.db)
    if outlet:
        from qa.filters import Filters

        mask = Filters(source=outlet).mask(searcher.version)
        if allowed is not None:
            mask &= allowed
        if mask.any():
            result = answerer._answer(
                result.id, result.question, query, top_k, method, mask, hints=False, context=context
            )
    return answer_from_metadata(result, query, searcher, outlet or "")


def answer_from_metadata(result: Result, query: Query, searcher: Searcher, not_topic: str = "") -> Result:
    """``result`` with each answer's short answer taken from its article's byline or date, when the question asks
    for it and the article has one. ``not_topic``: more words that name the article, not its story (an outlet).

    The result counts as answered when the top passage holds most of the question's topic (its words other than
    "who wrote the story"), since the byline itself is certain once the article is the right one.
    """
    wanted = asks_for(result.question)
    if wanted is None or not result.answers:
        return result
    field = "author" if wanted == BYLINE else "date"
    answers = list(result.answers)
    changed = False
    for i, a in enumerate(answers):
        value = getattr(a, field)
        if not value:
            continue
        text = str(value)[:10] if wanted == DATE else str(value)
        answers[i] = dataclasses.replace(
            a, short_answer=text, short_answer_start=None, short_answer_end=None, answer_from=wanted
        )
        changed = True
    if not changed or answers[0].answer_from is None:
        return dataclasses.replace(result, answers=tuple(answers)) if changed else result
    top = answers[0]
    row = searcher.version.db.execute(
        'SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id WHERE a.source = ? AND c.start = ? '
        'AND c."end" = ?', (top.source, top.start, top.end),
    ).fetchone()  # fmt: skip
    covered = row is not None and topic_coverage(query, searcher, row[0], not_topic) >= TOPIC_COVERAGE
    answered = result.answered or covered
    return dataclasses.replace(result, answers=tuple(answers), answered=answered)


def topic_coverage(query: Query, searcher: Searcher, chunk_id: int, not_topic: str = "") -> float:
    """The share of the question's topic (its IDF mass without the words about articles, its outlet, and the
    period it names) the passage holds."""
    meta = set(searcher.terms(f"{_META_WORDS} {_PERIOD_WORDS} {not_topic}", content_only=False))
    weights = {t: w for t, w in query.weights.items() if t not in meta and not t.isdigit()}
    if not weights:
        return 0.0
    return searcher.coverage(dataclasses.replace(query, weights=weights), [chunk_id])[0]
