"""What a sentence holds for a question: the signals the learned sentence scorer and the confidence model read.

One row per (question, candidate passage, sentence). The same code computes the rows when answering and when the
models are trained (bench/learn), so a model never sees features computed another way than at run time.
"""

from __future__ import annotations

import math
import re

from qa.calendar_words import DAYS, MONTH_PATTERN, alternation

FEATURES = (
    "cos",  # sentence vector . question vector
    "overlap",  # IDF-weighted share of the question's content terms in the sentence (aliases count)
    "ctx_gain",  # what the sentence before adds to that share (a sentence that answers through "she said")
    "detail_overlap",  # the share from question terms that are not in the article's headline (the detail, not the
    # topic: a lede repeats the topic, the answering sentence holds the detail)
    "match_number",  # the question asks for a number / date / name / place and the sentence holds one that the
    "match_date",  # question does not already hold
    "match_name",
    "match_place",
    "kind_known",  # the question's kind is one of those four
    "match_new",  # a mention of the kind asked that shares no word with the question (the detail asked for)
    "new_names",  # log(1 + names in the sentence that share no word with the question)
    "p_dense",  # the passage's cosine with the question
    "p_fused",  # the passage's fused retrieval score (0..1 over the pool)
    "p_bm25",  # the passage's BM25 over the best BM25 among the candidates
    "p_coverage",  # IDF-weighted share of the question's terms anywhere in the passage
    "log_rank",  # log(1 + retrieval rank)
    "is_lede",  # the article's first sentence (after the headline)
    "rel_pos",  # where the sentence starts in the article, 0..1
    "has_quote",  # the sentence quotes someone
    "pronoun_start",  # starts with a pronoun: its subject is in the sentence before
    "log_words",  # log(1 + words)
    "names_sentence",  # share of the question's capitalized names in the sentence
    "names_passage",  # share of them in the passage or its headline
    "missing_idf",  # the rarest question term absent from the passage, as a share of the highest IDF
    "missing_terms",  # log(1 + question content terms absent from the passage and its headline)
    "year_missing",  # the question names a year the article never mentions ("the 2005 final" vs a 2004 story)
    "match_unit",  # "how many goals ...?": the sentence has a number the question lacks followed by that noun ("14 goals")
)
KINDS = ("number", "date", "name", "place")
PRONOUNS = frozenset("he she they it his her their its this that these those we i him them there".split())
_QUOTES = re.compile("[\"\u201c\u201d]")
_CAPITALIZED = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w'\u2019-]*")

_DATE = re.compile(
    rf"\b(?:{MONTH_PATTERN}|{alternation(DAYS)})\b|\b(?:1[0-9]|20)\d\d\b|"
    r"\b(?:\d{1,2}(?:st|nd|rd|th)?\s+century|yesterday|today|tomorrow|ago|last\s+(?:week|month|year)|"
    r"next\s+(?:week|month|year)|\d{1,2}:\d\d|decades?|centur(?:y|ies)|era|period|"
    r"(?:minutes?|hours?|days?|weeks?|months?|years?)\s+(?:after|before|later|earlier|ago|since)|"
    r"(?:after|before|since|until|during)\s+(?:the\s+)?(?:war|election|vote|season|end|start|launch))\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|dozen|half|percent|several|many)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<=\w[\s,(])[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*")  # capitalized, not sentence-initial
_PLACE = re.compile(r"\b(?:in|at|from|near|to|into)\s+(?:the\s+)?[A-Z][\w'’-]+")
_WORD = re.compile(r"\w+")


# Nouns whose value is a number or an amount: "what share of ...?", "what was the final score?", "by what margin?".
_MEASURES = (
    r"share|proportion|fraction|percentage|rate|ratio|score|scoreline|odds|price|cost|fee|fine|sum|salary|wage|age|"
    r"margin|total|attendance|population|value|worth|amount|number|size|height|length|distance|weight|speed|"
    r"temperature|majority|capacity|profits?|turnover|revenues?|losses"
)
_ASKS_NUMBER = re.compile(
    r"\bhow (?:many|much|long|old|far|large|big|tall|often)\b"
    rf"|\b(?:what|which)(?:'s|\s+(?:is|was|were|are|will be))?\s+(?:the\s+)?(?:[\w-]+(?:'s)?\s+)?(?:{_MEASURES})\b"
)


def question_type(question: str) -> str | None:
    q = question.lower().strip()
    if _ASKS_NUMBER.search(q):
        return "number"
    if re.search(r"\bwhen\b|\bwhat (?:year|date|day|month|time|century|decade)\b|\bwhich (?:year|date|day|month)\b", q):
        return "date"
    if re.search(r"\bwho(?:m|se)?\b|\b(?:which|what) (?:\w+ )?(?:person|man|woman|group|company|organi[sz]ation|"
                 r"firm|team|club|side|party|band|singer|actor|actress|player|minister|executive|official|boss|"
                 r"chief|director|manager|coach|spokesman|spokeswoman|author|writer|studio|film|newspaper|"
                 r"network|channel|body|union|bank|airline|carrier|group|brand|star|striker|winger|captain)\b", q):
        return "name"
    if re.search(r"\bwhere\b|\bwhat (?:city|country|state|place)\b|\bwhich (?:city|country|state|place)\b", q):
        return "place"
    return None


_KINDS = {"number": _NUMBER, "date": _DATE, "name": _NAME, "place": _PLACE}
_LINKING = frozenset({"in", "at", "from", "near", "to", "into", "the"})


def kind_mentions(kind: str, sentence: str) -> tuple[frozenset[str], ...]:
    """The words of each mention of ``kind`` (a number, date, name or place) in the sentence."""
    found = _KINDS[kind].findall(sentence)
    if kind == "number":  # each mention is one word (a digit or a number word), never a linking word
        return tuple(frozenset((m.lower(),)) for m in found)
    words = (
        frozenset(_WORD.findall(m.lower()) if m.isascii() else [w.lower() for w in _WORD.findall(m)]) - _LINKING
        for m in found
    )  # (lower case first where that cannot change the words: "İ" lowers to two characters)
    return tuple(w for w in words if w)




_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")


def question_years(question: str) -> list[str]:
    return _YEAR.findall(question)


def question_names(question: str) -> list[str]:
    """Capitalized words of the question that are not its first word: the names it asks about."""
    text = question.strip()
    return [m.group() for m in _CAPITALIZED.finditer(text) if m.start() > 0]


_HOW_MANY = re.compile(
    r"\bhow many ((?:[\w'-]+ ){0,3}?)([a-z][\w-]*)\b(?= (?:did|does|do|is|are|was|were|have|has|had|"
    r"will|would|can|could|should|might|must|may)\b)",
    re.IGNORECASE,
)
_HOW_MANY_FIRST = re.compile(r"\bhow many ([a-z][\w-]*)", re.IGNORECASE)
_AFTER = re.compile(r"\W*([\w'-]+)")


def asked_unit(question: str) -> str | None:
    """The noun counted by a "how many <noun> did ...?" question ("goals" in "how many league goals did she
    score?"), singular and lower-case; None for other questions."""
    m = _HOW_MANY.search(question)
    if m:
        return _singular(m.group(2).lower())
    m = _HOW_MANY_FIRST.search(question)  # "how many people voted?": no auxiliary, the word after "many"
    return _singular(m.group(1).lower()) if m else None


def counts_unit(sentence: str, unit: str, qwords: set[str]) -> bool:
    """Whether the sentence holds a number the question does not, followed within three words by ``unit``."""
    for m in _NUMBER.finditer(sentence):
        if {w.lower() for w in _WORD.findall(m.group())} <= qwords:
            continue
        at = m.end()
        for _ in range(3):
            nxt = _AFTER.match(sentence, at)
            if nxt is None:
                break
            if _singular(nxt.group(1).lower()) == unit:
                return True
            at = nxt.end()
    return False


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


# A sentence opening with one of these leans on the sentence before it for what it is about ("She chairs the panel.").
REFERRING = PRONOUNS - {"that", "we", "i", "there"}  # "that" opens clauses, "we"/"i" speak, "there is" points nowhere
_LOOK_BACK = 600  # characters searched for the sentence before


def antecedent_start(text: str, s: int) -> int:
    """Where the sentence starting at ``s`` begins when read with the sentence before it: that sentence's start when
    this one opens with a referring pronoun (an opening quote aside), else ``s``. A sentence before that is longer
    than the look-back is not added."""
    first = _WORD.search(text, s)
    if first is None or first.start() - s > 2 or first.group().lower() not in REFERRING:
        return s
    from qa.chunking import split_sentences

    low = max(0, s - _LOOK_BACK)
    spans = split_sentences(text, low, s)
    if not spans or (spans[-1][0] == low and low > 0):
        return s
    return spans[-1][0]


def surface(sentence: str) -> tuple[bool, bool, float]:
    """(quotes someone, starts with a pronoun, log(1 + words)) of a sentence."""
    words = _WORD.findall(sentence)
    first = words[0].lower() if words else ""
    return bool(_QUOTES.search(sentence)), first in PRONOUNS, math.log1p(len(words))
