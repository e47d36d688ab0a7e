"""The short answer inside a highlight: the name, number, date or place the question asks for.

Candidates come from the sentence's own surface (runs of capitalized words, numbers with their unit or currency,
dates, places after a preposition); a candidate that repeats the question's own words is never the answer. Among
those of the kind asked, the one nearest the words the sentence shares with the question wins. When the question's
kind is unknown, or no candidate of that kind is there, there is no short answer: nothing beats a wrong one.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from qa.calendar_words import DAYS, MONTH_NUMBERS, MONTHS, alternation
from qa.features import question_type

_CONNECT = r"(?:\s+(?:of|for|the|de|del|da|di|van|von|der|bin|al|la|le)\s+|\s+|-)"
_CAP = r"(?:[A-Z][\w'\u2019.-]*|[A-Z]{2,})"
_NAME = re.compile(rf"{_CAP}(?:{_CONNECT}{_CAP})*")
_UNIT = (
    r"(?:per\s?cent|percent|%|million|billion|trillion|thousand|hundred|bn|m|k|"
    r"pounds?|dollars?|euros?|yen|pence|p|cents?|points?|goals?|runs?|votes?|seats?|people|years?|months?|weeks?|"
    r"days?|hours?|minutes?|metres?|meters?|miles?|km|kilometres?|feet|tonnes?|tons?|kg|games?|matches|times|"
    r"copies|units|jobs|members|players|staff|workers|users|customers|homes|cases|deaths)"
)
_NUMBER = re.compile(
    rf"(?:[£$€¥]\s?)?\d[\d,]*(?:\.\d+)?(?:-\d+)?(?:\s?{_UNIT}\b)?(?:\s+{_UNIT}\b)?"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"hundred|thousand|dozen|half)\b(?:[\s-]+(?:million|billion|thousand|hundred|dozen))?"
    rf"(?:\s+{_UNIT}\b)?",
    re.IGNORECASE,
)
_MONTH = rf"(?:{alternation(m.capitalize() for m in MONTH_NUMBERS)})\.?"
_DAY = alternation(d.capitalize() for d in DAYS)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|{_MONTH}\s+\d{{4}}|"
    rf"(?:early|late|mid-?)?\s?(?:1[5-9]|20)\d\d(?:s)?|(?:last|next|this)\s+(?:week|month|year|{_DAY})|"
    rf"(?:on\s+)?(?:{_DAY})|yesterday|today|tomorrow)\b"
)
_PLACE = re.compile(rf"\b(?:in|at|from|near|to|into)\s+(?:the\s+)?({_CAP}(?:{_CONNECT}{_CAP})*)")
_WORD = re.compile(r"\w+")
_COMMON_START = frozenset(
    "the a an but and in on at for it he she they this that these those we i if as after before when while mr mrs "
    "ms dr sir however meanwhile also so yet".split()
)


@dataclass(frozen=True)
class Short:
    text: str
    start: int  # offsets into the sentence
    end: int


def find(question: str, sentence: str) -> Short | None:
    """The short answer to ``question`` inside ``sentence``, or None when there is no span of the kind asked."""
    kind = _kind(question)
    if kind is None:
        return None
    q_words = {w.lower() for w in _WORD.findall(question)}
    spans = _candidates(kind, sentence)
    if kind == "name":
        spans = [_strip_known(sentence, s, e, q_words) for s, e in spans]
        spans = [(s, e) for s, e in spans if sentence[s:e].lower() not in _CALENDAR]
    elif kind == "number":  # "how many steps": "212 steps", the thing counted as the question names it
        spans = [_with_counted(sentence, s, e, q_words) for s, e in spans]
    spans = [(s, e) for s, e in spans if e > s and _new(sentence[s:e], q_words, kind)]
    if not spans:
        return None
    anchors = [m.start() for m in _WORD.finditer(sentence) if m.group().lower() in q_words and len(m.group()) > 3]
    if not anchors:
        return None  # the sentence shares nothing with the question: too unsure to name a span

    person = kind == "name" and re.match(r"\s*who(?:m|se)?\b", question, re.IGNORECASE) is not None

    def distance(span: tuple[int, int]) -> tuple[int, int]:
        s, e = span
        near = min(min(abs(a - s), abs(a - e)) for a in anchors)
        if person and _names_a_body(sentence, e):  # "who ...?" asks for a person, not "the Housing committee"
            near += 1000
        return near, -(e - s)

    s, e = min(spans, key=distance)
    return Short(sentence[s:e], s, e)


_ITEM_RE = re.compile(rf"{_CAP}(?:{_CONNECT}{_CAP})*|[£$€]?\d[\d,.]*(?:%|\s?(?:per\s?cent|bn|m)\b)?")
_SEPARATOR = re.compile(r",\s*|,?\s+and\s+")
_RESPECTIVELY = re.compile(r"\brespectively\b", re.IGNORECASE)


def _lists(text: str) -> list[list[tuple[int, int]]]:
    """Coordinated items in ``text`` ("X and Y", "X, Y and Z"; names or figures): runs of items separated only by
    commas or "and", ending in "and". Built from the items in one pass (no pattern that could backtrack)."""
    items = [m.span() for m in _ITEM_RE.finditer(text)]
    out: list[list[tuple[int, int]]] = []
    run = items[:1]
    for prev, item in itertools.pairwise(items):
        between = text[prev[1] : item[0]]
        if _SEPARATOR.fullmatch(between):
            run.append(item)
            if "and" in between:
                out.append(run)
                run = [item]
        else:
            run = [item]
    return out


def respectively(question: str, sentence: str) -> Short | None:
    """The item that "respectively" pairs with the one the question names: in "Ana Ruiz and Li Wei, who run the Parks
    and Roads departments respectively", "who runs the roads department?" is answered by "Li Wei". Only when the
    question names exactly one item of one list, and exactly one other list of the same length holds nothing the
    question says."""
    found = _RESPECTIVELY.search(sentence)
    if found is None:
        return None
    q_words = {w.lower() for w in _WORD.findall(question)}
    lists = _lists(sentence[: found.start()])

    def named(span: tuple[int, int]) -> bool:
        words = [w.lower() for w in _WORD.findall(sentence[span[0] : span[1]]) if len(w) > 2]
        return bool(words) and all(w in q_words for w in words)

    asked = [(n, i) for n, items in enumerate(lists) for i, span in enumerate(items) if named(span)]
    if len(asked) != 1:
        return None
    n, i = asked[0]
    others = [
        items for m, items in enumerate(lists)
        if m != n and len(items) == len(lists[n]) and not any(map(named, items))
    ]  # fmt: skip
    if len(others) != 1:
        return None
    s, e = others[0][i]
    text = sentence[s:e]
    kind = _kind(question)
    if (kind == "number" and not any(ch.isdigit() for ch in text)) or (kind == "name" and not text[:1].isupper()):
        return None
    return Short(text, s, e)


def _kind(question: str) -> str | None:
    kind = question_type(question)
    if kind is not None:
        return kind
    q = question.lower()
    if re.search(r"\b(?:which|what)\s+(?:team|club|company|firm|band|film|album|party|country|city|group|body|"
                 r"organi[sz]ation|newspaper|channel|network|show|book|award|prize|side)\b", q):  # fmt: skip
        return "name"
    return None


def _candidates(kind: str, sentence: str) -> list[tuple[int, int]]:
    if kind == "number":
        return [_trim(sentence, m.start(), m.end()) for m in _NUMBER.finditer(sentence) if m.group().strip()]
    if kind == "date":
        return [_trim(sentence, m.start(), m.end()) for m in _DATE.finditer(sentence)]
    if kind == "place":
        return [(m.start(1), m.end(1)) for m in _PLACE.finditer(sentence)]
    out = []
    for m in _NAME.finditer(sentence):
        s, e = _trim(sentence, m.start(), m.end())
        words = sentence[s:e].split()
        if words and words[0].lower() in _COMMON_START:  # "The", "But" starting a sentence
            s = s + len(words[0]) + 1 if len(words) > 1 else e
        if e - s >= 2 and any(ch.isupper() for ch in sentence[s:e]):
            out.append((s, e))
    return out


_BODY = frozenset(
    "committee committees department departments party parties union unions council councils agency agencies company "
    "companies club clubs office offices school schools university universities court courts ministry board boards "
    "group groups bank banks fund team teams act bill law laws street road river award awards prize".split()
)
_AFTER = re.compile(rf"(?:\s+(?:and|&|or)\s+{_CAP}(?:{_CONNECT}{_CAP})*)?\s+([a-z]+)")


_CALENDAR = frozenset(DAYS + MONTHS)
_NEXT_WORD = re.compile(r"\s+([a-z]+)")


def _with_counted(sentence: str, s: int, e: int, q_words: set[str]) -> tuple[int, int]:
    m = _NEXT_WORD.match(sentence, e)
    return (s, m.end(1)) if m and m.group(1) in q_words else (s, e)


def _names_a_body(sentence: str, end: int) -> bool:
    """Whether the capitalized run ending at ``end`` names a committee, party, law... (the word after it says so)."""
    m = _AFTER.match(sentence, end)
    return bool(m and m.group(1) in _BODY)


def _strip_known(sentence: str, s: int, e: int, q_words: set[str]) -> tuple[int, int]:
    """A run of capitalized words without the leading words the question holds ("Harwick Mayor Ada Brenn" for
    "who is the mayor of Harwick?" -> "Ada Brenn")."""
    for m in list(_WORD.finditer(sentence, s, e)):
        if m.group().lower() not in q_words and m.group().lower() not in _COMMON_START and m.group() != "Former":
            return _trim(sentence, m.start(), e)
    return e, e


def _trim(sentence: str, s: int, e: int) -> tuple[int, int]:
    while e > s and sentence[e - 1] in " ,.;:-'\u2019":
        e -= 1
    while s < e and sentence[s] == " ":
        s += 1
    return s, e


def _whole_words(sentence: str, s: int, e: int) -> tuple[int, int]:
    """The span widened to whole words: the reader picks word pieces, and a piece cut from a word ("m" of "60m", "ville"
    of "Nashville") is no answer."""
    if e <= s:
        return s, e
    while s > 0 and sentence[s - 1].isalnum() and sentence[s].isalnum():
        s -= 1
    while e < len(sentence) and sentence[e].isalnum() and sentence[e - 1].isalnum():
        e += 1
    return s, e


def _new(span: str, q_words: set[str], kind: str) -> bool:
    """Whether the span says something the question does not (a name the question holds is not its answer; for a
    number, only the number itself counts: "how many steps" is answered by "212 steps")."""
    words = [w.lower() for w in _WORD.findall(span)]
    if kind in ("number", "date"):
        words = [w for w in words if any(ch.isdigit() for ch in w)] or words[:1]
        return bool(words) and not any(w in q_words for w in words)
    content = [w for w in words if len(w) > 2 and w not in {"the", "and", "for"}]
    return bool(words) and not any(w in q_words for w in content)


# A span of at least LONG_SPAN words covering at least WHOLE_SHARE of the sentence's words is the sentence again, not a
# short answer to show above it. On SQuAD v1.1 dev, 96 of 10,570 top spans are such; their mean F1 against the gold
# answer is 0.32 (F1 over all falls 0.003, EM 0.0004), and they read as wrong answers ("Warsaw's symbol and can be
# found on statues throughout the city ..." for "what is Polish for mermaid?").
LONG_SPAN = 8
WHOLE_SHARE = 0.8


def from_read(question: str, sentence: str, read) -> Short | None:
    """The reader's span in ``sentence`` as the short answer, unless the reader is unsure (its margin is under the
    one calibrated with the head, ``qa.reader.min_gap``), the span only repeats the question, or it is most of the
    sentence."""
    from qa.reader import min_gap

    if read.span is None or read.gap < min_gap():
        return None
    s, e = _whole_words(sentence, *_trim(sentence, *read.span))
    if e <= s:
        return None
    q_words = {w.lower() for w in _WORD.findall(question)}
    found = _WORD.findall(sentence[s:e])
    words = {w.lower() for w in found}
    if not words or words <= q_words:
        return None
    if len(found) >= LONG_SPAN and len(found) >= WHOLE_SHARE * len(_WORD.findall(sentence)):
        return None
    return Short(sentence[s:e], s, e)
