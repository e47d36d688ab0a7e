"""Whether the text a conversation has seen refers to a person as "he" or "she".

A follow-up's "she" should not become the man the previous answer named. No name list decides it: the evidence is
the text itself, the questions asked and the passages shown. A title before the name ("Mr Holm", "Dame Ada Venn"),
or a pronoun later in a sentence that the name opens ("Venn, who chairs the board, said she …") or at the start of
the next one. Where the text says nothing, or both, the person's gender is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

Gender = Literal["m", "f"]

PRONOUN_GENDER: dict[str, Gender] = {
    "he": "m", "him": "m", "his": "m", "himself": "m", "she": "f", "her": "f", "hers": "f", "herself": "f",
}  # fmt: skip
# What counts as evidence: a subject or reflexive ("Venn said she …"), never "her" or "him", which are as often
# another person's ("Holm thanked her").
_TELLING: dict[str, Gender] = {"he": "m", "himself": "m", "she": "f", "herself": "f"}
_TITLES: dict[str, Gender] = {
    "mr": "m", "sir": "m", "lord": "m", "king": "m", "prince": "m", "mrs": "f", "ms": "f", "miss": "f", "dame": "f",
    "lady": "f", "queen": "f", "princess": "f",
}  # fmt: skip
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def gender_of(name: str, texts: Iterable[str]) -> Gender | None:
    """The gender ("m" or "f") ``texts`` give ``name`` (a person's name), when they give it one way only, else None."""
    last = name.split()[-1]
    if not last[:1].isupper():
        return None
    votes: dict[Gender, int] = {"m": 0, "f": 0}
    for text in texts:
        sentences = [m.group() for m in _SENTENCE.finditer(text)]
        for i, sentence in enumerate(sentences):
            words = _WORD.findall(sentence)
            at = _opens_with(words, last)
            if at is None:
                continue
            start, own = at, set(name.split())
            while start > 0 and words[start - 1] in own:  # "Dame Ada Venn": the title stands before the whole name
                start -= 1
            title = _TITLES.get(words[start - 1].lower()) if start > 0 else None
            if title:
                votes[title] += 1
            said = _first_pronoun(words[at + 1 :])
            if said is None and i + 1 < len(sentences):
                nxt = _WORD.findall(sentences[i + 1])
                said = _TELLING.get(nxt[0].lower()) if nxt and nxt[0] in {"He", "She"} else None
            if said:
                votes[said] += 1
    if votes["m"] and not votes["f"]:
        return "m"
    if votes["f"] and not votes["m"]:
        return "f"
    return None


def _opens_with(words: list[str], last: str) -> int | None:
    """Where ``last`` stands when it is the first name of the sentence (no other capitalized word after the first
    word before it, titles and the name's own first words aside), else None."""
    for i, w in enumerate(words):
        if _bare(w) == last:
            return i
        if i > 0 and w[:1].isupper() and w.lower() not in _TITLES and not _joins(words, i, last):
            return None
    return None


def _joins(words: list[str], i: int, last: str) -> bool:
    """Whether the capitalized word at ``i`` runs on, capitalized, to ``last`` (a first name before the surname)."""
    for w in words[i + 1 :]:
        if _bare(w) == last:
            return True
        if not w[:1].isupper():
            return False
    return False


def _bare(word: str) -> str:
    """A word without its possessive 's ("Venn's" is Venn)."""
    return word[:-2] if word.endswith(("'s", "’s")) else word


def _first_pronoun(words: list[str]) -> Gender | None:
    """The gender of the first pronoun, unless another name comes first (it may be that person's)."""
    for w in words:
        g = _TELLING.get(w.lower())
        if g:
            return g
        if w[:1].isupper() and w != "I" and w.lower() not in _TITLES:
            return None
    return None
