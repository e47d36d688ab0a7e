"""Short forms and long forms found in the indexed text, so "LAPD" finds "Los Angeles Police Department" and back.

No hand list: an alias is an all-caps word whose letters are the initials of a capitalized phrase, where the pair is
defined in the text ("Immigration and Customs Enforcement (ICE)") or implied by both appearing in the corpus, or a
capitalized phrase of three or more words whose initials a question uses.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_ACRONYM = re.compile(r"\b[A-Z][A-Z&]{1,7}s?\b")
_CAP = r"[A-Z][\w'’.-]*"
_JOIN = r"(?:of|and|for|the|on|in|de|du|&)"
_PHRASE = re.compile(rf"\b{_CAP}(?:\s+(?:{_JOIN}\s+)*{_CAP})+")
_SMALL = {"of", "and", "for", "the", "on", "in", "de", "du", "&"}


def initials(phrase: str) -> set[str]:
    """Initials of a phrase, with and without its small joining words."""
    words = phrase.split()
    big = "".join(w[0] for w in words if w.lower() not in _SMALL).upper()
    every = "".join(w[0] for w in words if w != "&").upper()
    return {big, every}


def _phrases(text: str) -> Iterable[str]:
    for match in _PHRASE.finditer(text):
        words = match.group().split()
        # Trim joining words at the edges and sub-phrases starting at each capitalized word, so
        # "Former Los Angeles Police Department" also yields "Los Angeles Police Department".
        while words and words[-1].lower() in _SMALL:
            words.pop()
        for i in range(len(words)):
            if words[i].lower() in _SMALL:
                continue
            if len(words) - i >= 2:
                yield " ".join(words[i:])


Alias = tuple[str, str, int, bool]  # short, long, how often seen, whether the short form itself is in the corpus


def extract(texts: Iterable[str]) -> list[Alias]:
    """Alias pairs over the corpus."""
    acronyms: Counter[str] = Counter()
    phrases: Counter[str] = Counter()
    for text in texts:
        acronyms.update(a.rstrip("s") if a.endswith("s") and a[:-1].isupper() else a for a in _ACRONYM.findall(text))
        phrases.update(_phrases(text))
    pairs: list[Alias] = []
    for phrase, count in phrases.items():
        for short in initials(phrase):
            if len(short) < 2:
                continue
            if short in acronyms or (len(phrase.split()) >= 3 and len(short) >= 3):
                pairs.append((short, phrase, count + acronyms.get(short, 0), short in acronyms))
    return pairs


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
        for acronym in sorted(set(_ACRONYM.findall(question))):
            key = acronym if acronym in self.long else acronym.rstrip("s")
            found.extend((acronym, long) for _, long in self.long.get(key, [])[:2])
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

