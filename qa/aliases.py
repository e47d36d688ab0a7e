"""Short forms and long forms found in the indexed text, so "HBC" finds "Harwick Borough Council" and back.

No hand list: an alias is an all-caps word whose letters are the initials of a capitalized phrase, where the pair is

- defined in the text: "Immigration and Customs Enforcement (ICE)" or "ICE (Immigration and Customs Enforcement)";
- implied: the phrase, in running text, and the acronym appear in the same article (news spells a name out once
  and abbreviates it after, often without brackets);
- guessed for an acronym the articles never use: a capitalized phrase of three or more words, in running text,
  whose initials a question uses;
- or unlinked, for an acronym the articles use but never beside its long form: the one phrase of three or more words
  whose initials spell it (see ``combine``).

Initials alone match a great deal by chance, so implied and guessed long forms come only from running text: a
title-case or all-caps line (a headline, a title, a heading) capitalizes ordinary words, and "Stem Cells" or
"Is Due" there are not names. A long form never starts or ends with a function word, never crosses a sentence end
("Monday. Strathclyde Police"), is never all capitals ("CONCLUSIONS AND RELEVANCE", a heading), never starts with a
courtesy title ("Mr Pyle" is a person, not "MP") and never holds a day or month ("Party on Monday" is not "PM").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from qa.calendar_words import DAYS, MONTHS

_ACRONYM = re.compile(r"\b[A-Z][A-Z&]{1,7}s?\b")
_CAP = r"[A-Z][\w'’.-]*"
_JOIN = r"(?:of|and|for|the|on|in|de|du|&)"
_PHRASE_RE = rf"\b{_CAP}(?:\s+(?:{_JOIN}\s+)*{_CAP})+"
_PHRASE = re.compile(_PHRASE_RE)
_BEFORE = re.compile(rf"({_PHRASE_RE})\s+$")  # the phrase before "(LF)"
_SPELLED = re.compile(rf"\b([A-Z][A-Z&]{{1,7}})s?\s+\(\s*({_PHRASE_RE})\s*\)")  # "LF (Long Form)"
_REACH = 200  # characters before "(LF)" searched for its long form
RIVAL = 4  # a second long form of an acronym is used when seen at least 1/RIVAL as often as the first
IMPLIED_SHARE = 0.1  # an implied long form must be in at least this share of the articles using its acronym,
IMPLIED_ARTICLES = 5  # or beside it in at least this many articles
_BRACKETED = re.compile(r"\(\s*([A-Z][A-Z&]{1,7}s?)\s*\)")
_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_SMALL = {"of", "and", "for", "the", "on", "in", "de", "du", "&"}
_TITLE_SHARE = 0.75  # a line whose longer words are at least this share capitalized is a headline, not text
_INITIAL = re.compile(r"[A-Z]\.")  # a middle initial ("John F. Kennedy"), the one word of a long form without lowercase
# Words that are not parts of a name an acronym abbreviates: a courtesy title makes "Mr Pyle" a person, not
# "MP"; a day or month makes "Party on Monday" a date, not "PM".
_TITLES = frozenset("mr mrs ms mx dr prof sir dame".split())
_CALENDAR = frozenset(DAYS + MONTHS) - {"may"}  # "may" is also a verb


def initials(phrase: str) -> set[str]:
    """Initials of a phrase, with and without its small joining words."""
    words = phrase.split()
    big = "".join(w[0] for w in words if w.lower() not in _SMALL).upper()
    every = "".join(w[0] for w in words if w != "&").upper()
    return {big, every}


def _capitals(line: str) -> bool:
    """Whether a line is set in capitals; its words are not acronyms ("'NOW'S THE TIME': TRUMP VICTORY ...")."""
    upper = len(_UPPER.findall(line))  # regexes: a Python loop per letter is 5x slower
    return upper >= 7 and upper >= 4 * len(_LOWER.findall(line))  # 80 % of at least 8 letters


def _headline(line: str) -> bool:
    """Whether a line not in capitals is set in title case (a headline, title or heading) rather than running text."""
    longer = [w for w in _WORD.findall(line) if len(w) >= 4]
    return len(longer) >= 2 and sum(w[0].isupper() for w in longer) >= _TITLE_SHARE * len(longer)


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    # Deferred: bm25s (0.3 s to import) is needed only when an index is built, not whenever `qa` starts.
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS) - _SMALL


def _clean(words: list[str]) -> list[str]:
    """A long form's words with a trailing full stop and possessive removed ("United States." -> "United States")."""
    words = list(words)
    last = words[-1].rstrip(".")
    words[-1] = re.sub(r"['’]s?$", "", last) or last
    return words


def _long_form(words: list[str], function: frozenset[str]) -> str | None:
    """The words as a long form, or None if they cannot be one (see the module docstring)."""
    if len(words) < 2 or words[0].lower() in _SMALL or words[-1].lower() in _SMALL:
        return None
    if words[0].lower() in function or words[-1].lower() in function:
        return None
    words = _clean(words)
    if words[0].lower().rstrip(".") in _TITLES:
        return None
    for i, word in enumerate(words):
        if word.lower() in _SMALL or _INITIAL.fullmatch(word) and 0 < i < len(words) - 1:
            continue
        # A word in capitals or with digits is an acronym or code itself ("UKIP and Kilroy-Silk", "IL-28 and
        # IL-29", "PCs in China"); a full stop inside ends a sentence ("Monday. Strathclyde Police").
        if not any(c.islower() for c in word) or _ACRONYM.fullmatch(word) or any(c.isdigit() for c in word):
            return None
        if word.endswith(".") or word.lower() in _CALENDAR:
            return None
    return " ".join(words)


def _phrases(line: str, function: frozenset[str]) -> Iterable[str]:
    for match in _PHRASE.finditer(line):
        words = match.group().split()
        # Sub-phrases starting at each capitalized word, so "Former Harwick Borough Council" also yields
        # "Harwick Borough Council"; each is trimmed of joining and function words at its end.
        for i in range(len(words)):
            for j in range(len(words), i + 1, -1):
                if words[j - 1].lower() in _SMALL or words[j - 1].lower() in function:
                    continue
                form = _long_form(words[i:j], function)
                if form:
                    yield form
                break


def _definitions(text: str, function: frozenset[str]) -> Iterable[tuple[str, str]]:
    """(short, long) for each "Long Form (LF)" or "LF (Long Form)"; the longest tail of the phrase that fits."""
    # The bracketed acronym is found first: matching phrases at every capitalized word costs 3x more.
    found = []
    for match in _BRACKETED.finditer(text):
        before = _BEFORE.search(text, max(0, match.start() - _REACH), match.start())
        if before:
            found.append((before.group(1), _acronym(match.group(1))))
    found.extend((m.group(2), m.group(1)) for m in _SPELLED.finditer(text))
    for phrase, short in found:
        words = phrase.split()
        for i in range(len(words)):
            form = _long_form(words[i:], function)
            if form and short in initials(form):
                yield short, form
                break


def _acronym(word: str) -> str:
    return word[:-1] if word.endswith("s") and word[:-1].isupper() else word


Alias = tuple[str, str, int, bool]  # short, long, how often seen, whether the short form itself is in the corpus


@dataclass
class Scan:
    """What one article contributes to the corpus's aliases; kept in the index so unchanged articles are not
    scanned again on an incremental build (see ``combine``)."""

    acronyms: Counter[str]
    phrases: Counter[str]
    defined: Counter[tuple[str, str]]
    together: Counter[tuple[str, str]]  # implied pairs with both forms in this article

    def to_json(self) -> str:
        return json.dumps(
            {
                "rules": rules(),
                "acronyms": self.acronyms,
                "phrases": self.phrases,
                "defined": [[s, lf, n] for (s, lf), n in self.defined.items()],
                "together": [[s, lf, n] for (s, lf), n in self.together.items()],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Scan | None:
        """The stored scan, or None when it was made by other rules (or cannot be read): scan again."""
        try:
            data = json.loads(text)
            if data.get("rules") != rules():
                return None
            return cls(
                Counter(data["acronyms"]),
                Counter(data["phrases"]),
                Counter({(s, lf): n for s, lf, n in data["defined"]}),
                Counter({(s, lf): n for s, lf, n in data["together"]}),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


@lru_cache(maxsize=1)
def rules() -> str:
    """A digest of this module's source: stored scans made by other rules are not reused."""
    return hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8).hexdigest()


def scan(text: str, function: frozenset[str] | None = None) -> Scan:
    """One article's acronyms, long-form phrases, defined pairs and implied pairs."""
    function = _function_words() if function is None else function
    lines = [(line, _capitals(line)) for line in text.splitlines()]
    acronyms = Counter(_acronym(a) for line, caps in lines if not caps for a in _ACRONYM.findall(line))
    phrases = Counter(p for line, caps in lines if not caps and not _headline(line) for p in _phrases(line, function))
    defined = Counter(_definitions(text, function))
    together = Counter((short, p) for p in phrases for short in initials(p) if short in acronyms)
    return Scan(acronyms, phrases, defined, together)


def extract(texts: Iterable[str]) -> list[Alias]:
    """Alias pairs over the corpus."""
    function = _function_words()
    return combine(scan(text, function) for text in texts)


def combine(scans: Iterable[Scan]) -> list[Alias]:
    """Alias pairs over the corpus from its articles' scans."""
    acronyms: Counter[str] = Counter()
    phrases: Counter[str] = Counter()
    defined: Counter[tuple[str, str]] = Counter()
    together: Counter[tuple[str, str]] = Counter()  # articles where both forms of an implied pair appear
    using: Counter[str] = Counter()  # articles that use each acronym
    for one in scans:
        acronyms.update(one.acronyms)
        using.update(one.acronyms.keys())
        phrases.update(one.phrases)
        defined.update(one.defined)
        together.update(one.together)
    # How often a pair is seen: definitions plus articles with both forms (not the acronym's own count, which
    # every long form of "US" would share).
    pairs: dict[tuple[str, str], Alias] = {}
    for (short, phrase), count in defined.items():
        pairs[short, phrase] = (short, phrase, count + together[short, phrase], True)
    spelled = {short for short, _ in defined}
    for (short, phrase), count in together.items():
        # Where the articles spell an acronym out, that is what it stands for. Otherwise a long form must come with
        # the acronym in a fair share of the articles that use it, or in several articles: "MP" is in 148 BBC
        # articles, and a "Music Prize" beside it in one is chance, while "London Stock Exchange" is in all ten with
        # "LSE" and "United States" in 26 of the 641 with "US".
        if short not in spelled and (count >= IMPLIED_SHARE * using[short] or count >= IMPLIED_ARTICLES):
            pairs[short, phrase] = (short, phrase, count, True)
    # Unlinked: an acronym the articles use but never spell out or write beside its long form ("the OECD" in some
    # stories, "the Organisation for Economic Co-operation and Development" in others). Initials alone match by
    # chance (on BBC: "Boeing and Airbus" for BAA, "National Book Awards" for NBA), so only a body's name, where the
    # pairing is unique: the acronym (three letters or more, in two articles or more) has exactly one phrase of
    # three words or more whose initials spell it, naming an organisation (see ``_body``), seen twice or more and
    # in proportion to the acronym's own use (not "Norwegian Broadcasting Corporation" for NBC).
    linked = {short for short, _ in pairs}
    unlinked: dict[str, list[str]] = {}
    for phrase, count in phrases.items():
        if len(phrase.split()) < 3:
            continue
        for short in initials(phrase):
            if len(short) >= 3 and short not in acronyms:
                pairs[short, phrase] = (short, phrase, count, False)
            elif len(short) >= 3 and short not in linked and count >= 2 and using[short] >= 2 and _body(phrase):
                unlinked.setdefault(short, []).append(phrase)
    for short, found in unlinked.items():
        if len(found) == 1 and phrases[found[0]] * RIVAL >= using[short]:
            pairs[short, found[0]] = (short, found[0], phrases[found[0]], True)
    return sorted(pairs.values())  # in a fixed order: two builds of the same articles write the same meta.sqlite


# Head words of the names of bodies (a general English list, not a list of names): an acronym linked without the text
# ever pairing it must stand for an organisation, not a list of people or things ("Vialli and Claudio Ranieri").
_BODIES = frozenset(
    "organisation organization association union council bank exchange fund agency commission committee corporation "
    "authority service services party federation board institute institution department ministry society league "
    "office forum group company centre center development foundation trust bureau administration conference court "
    "university college school network broadcasting assembly parliament congress alliance coalition organisation's "
    "programme program panel tribunal agency's industries industry".split()
)


def _body(phrase: str) -> bool:
    """Whether a phrase names a body: it holds a body's head word, and no "and" joins two of them ("Bank and Bank of
    China" is two banks)."""
    words = [w.lower().strip(".,'’") for w in phrase.split()]
    if not any(w in _BODIES for w in words):
        return False
    return not any(w == "and" and i > 0 and words[i - 1] in _BODIES for i, w in enumerate(words))


class Aliases:
    """Looks up long forms for a short form and short forms for a phrase in a question."""

    def __init__(self, pairs: Iterable[Alias]) -> None:
        self.long: dict[str, list[tuple[int, str]]] = {}
        self.short: dict[str, set[str]] = {}
        self.phrases: set[str] = set()
        for short, long, count, short_in_corpus in pairs:
            self.phrases.add(long.lower())
            self.long.setdefault(short, []).append((count, long))
            if short_in_corpus:  # a long form only expands to short forms the articles actually use
                self.short.setdefault(long.lower(), set()).add(short)
        for forms in self.long.values():
            forms.sort(reverse=True)

    def expansions(self, question: str) -> list[tuple[str, str]]:
        """(form in the question, other form) for the short and long forms in the question, most frequent first."""
        found: list[tuple[str, str]] = []
        # An acronym the question spells out itself ("epigenetic modulating agents (EMAs)") means what it says.
        own = {_acronym(match.group(1)) for match in _BRACKETED.finditer(question)}
        for acronym in sorted(set(_ACRONYM.findall(question))):
            key = acronym if acronym in self.long else acronym.rstrip("s")
            forms = self.long.get(key, [])[:2] if _acronym(acronym) not in own else []
            # A second meaning only when it is nearly as common: "US" is "United States", not "Universal Studio".
            found.extend((acronym, long) for count, long in forms if count * RIVAL >= forms[0][0])
        lowered = question.lower()
        words = re.findall(r"[\w'’.&-]+", lowered)
        covered: set[int] = set()
        for n in range(8, 1, -1):  # longest phrase first; "los angeles" inside a known longer phrase is not "LA"
            for i in range(len(words) - n + 1):
                gram = " ".join(words[i : i + n])
                if gram in self.phrases and not covered.intersection(range(i, i + n)):
                    covered.update(range(i, i + n))
                    found.extend((gram, short) for short in sorted(self.short.get(gram, ())))
        seen: set[str] = set()
        return [f for f in found if not (f[1] in seen or seen.add(f[1])) and f[1].lower() not in lowered]
