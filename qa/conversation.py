"""Follow-up reading: a question that leans on earlier ones, rewritten to stand alone.

No language model: the question's own words are scanned with a tokenizer and small word lists, and the earlier turns
supply the things a pronoun, "the one", "and …?" or a bare "when?" stands for. A turn is remembered as its standalone
form (what was searched), the names it holds (runs of capitalized words, acronyms and numbers), and optionally the
top answer's short answer, so "who is the chair?" then "what did she say?" can name the person the answer gave.

A question that shows none of those cues is returned as None: it is searched as typed.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qa.calendar_words import DAYS, MONTH_NUMBERS
from qa.gender import PRONOUN_GENDER, Gender, gender_of

if TYPE_CHECKING:
    from qa.records import Answer, Result

__all__ = ["Conversation", "Turn", "follow"]

# Words, with inner hyphens, dots, ampersands and apostrophes kept ("Okafor-Lind", "U.S.", "who's"), or one mark.
_TOKEN = re.compile(r"[^\W_]+(?:[-.&'’][^\W_]+)*(?:(?<=[sS])['’](?![^\W_]))?|[^\w\s]")
_POSSESSIVE = re.compile(r"^(.+?)(?:['’]s|(?<=[sS])['’])$", re.IGNORECASE)

WH = {"who", "whom", "whose", "what", "which", "when", "where", "why", "how"}
AUX = {
    "is", "are", "was", "were", "be", "been", "do", "does", "did", "has", "have", "had", "will", "would", "can",
    "could", "should", "shall", "may", "might", "must", "'s", "’s", "'re", "’re", "'ve", "’ve", "'ll", "’ll", "'d", "’d",
}  # fmt: skip
# "who's", "what're", "it's": a question word or pronoun with its auxiliary, read as two words.
_CONTRACTION = re.compile(r"^([^\W\d_]+)(['’](?:s|re|ve|ll|d))$", re.IGNORECASE)
_CONTRACTS = {"who", "what", "which", "when", "where", "why", "how", "it", "that", "there", "here", "he", "she", "they"}
_SUFFIXES = frozenset(w for w in AUX if w[:1] in "'’")  # written without a space before
DO = {"do", "does", "did", "will", "would", "can", "could", "should", "may", "might", "must", "shall"}
HOW_WORDS = {"much", "many", "long", "old", "far", "big", "often", "soon", "high", "large", "tall", "fast"}
WHEN_NOUNS = {"time", "year", "day", "date", "month"}  # "what time?" asks as "when?" does
# Pronouns that point back: person, thing (or group), and their possessives.
PERSON = {"he", "she", "him", "her", "his", "hers", "himself", "herself"}
THING = {"it", "its", "they", "them", "their", "theirs", "itself", "themselves"}
NEUTER = {"it", "its", "itself"}
PLURAL = {"they", "them", "their", "theirs", "themselves"}
POSSESSIVE_PRONOUN = {"his", "her", "its", "their"}
DEMONSTRATIVE = {"that", "this", "those", "these"}
DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", *POSSESSIVE_PRONOUN}
PREPOSITIONS = {
    "in", "on", "at", "for", "with", "from", "by", "about", "of", "to", "during", "after", "before", "since", "under",
    "over", "without", "against", "between", "among", "into", "through", "than", "until",
}  # fmt: skip
STOP = {
    *WH, *AUX, *PERSON, *THING, *DETERMINERS, *PREPOSITIONS, "and", "or", "but", "not", "no", "so", "as", "if",
    "i", "you", "we", "me", "us", "my", "your", "our", "there", "then", "here", "also", "else", "other", "any", "some",
    "one", "ones", "all", "more", "most", "much", "many", "very", "just", "only", "get", "got", "say", "said", "says",
    "s", "t", "did", "done", "doing", "being", "am", "anything", "something", "anyone", "someone", "ever",
    "up", "out", "off", "now", "too", "really", "yes", "well", "like", "happen", "happened", "happens", "thing",
}  # fmt: skip
# Words that make a capitalized name an organisation or a thing rather than a person.
ORG_WORDS = {
    "association", "council", "committee", "group", "ministry", "party", "commission", "bank", "court", "union",
    "league", "club", "board", "department", "office", "company", "corporation", "corp", "inc", "ltd", "plc",
    "agency", "authority", "university", "school", "college", "institute", "house", "senate", "congress", "parliament",
    "government", "fund", "organisation", "organization", "federation", "team", "united", "city", "fc", "news",
    "times", "post", "records", "media", "airlines", "motors", "network", "service", "services", "show", "festival",
    "awards", "cup", "championships", "championship", "open", "games", "olympics", "series", "album", "film",
}  # fmt: skip
# What a "which" question may ask for that "it" then means: bodies that act (not places, people or things).
ACTORS = {
    "company", "firm", "business", "group", "bank", "club", "team", "party", "union", "network", "broadcaster",
    "publisher", "retailer", "supermarket", "chain", "airline", "carrier", "operator", "studio", "label", "charity",
    "agency", "council", "board", "committee", "government", "ministry", "department", "organisation", "organization",
    "manufacturer", "maker", "insurer", "lender", "supplier", "conglomerate", "corporation", "band", "newspaper",
}  # fmt: skip
# Made things a "which" question may ask for: "it" next is the one it was answered with.
MADE_THINGS = {
    "phone", "handset", "device", "gadget", "product", "model", "car", "vehicle", "drug", "vaccine", "medicine",
    "game", "film", "movie", "album", "single", "song", "book", "novel", "show", "series", "programme", "program",
    "play", "musical", "app", "software", "console", "computer", "chip", "brand", "website", "magazine", "channel",
    "station", "scheme", "bill", "law", "policy", "deal", "project", "plan", "award", "prize", "trophy", "contract",
    "report", "study", "survey", "tax", "fund", "festival", "exhibition", "painting", "sculpture", "building", "ship",
}  # fmt: skip
# Stop words that are verbs: a noun run after "did <subject>" that one of them ends holds no verb of its own
STOP_VERBS = {*AUX, "get", "got", "say", "said", "says", "done", "doing", "being", "am", "happen", "happened", "happens"}
LEADS = {"and", "so", "but", "also", "then", "ok", "okay", "now"}  # "and …?" / "so …?" openers
WHAT_ABOUT = (("what", "about"), ("how", "about"), ("what", "of"))
_NAME_JOINERS = {"of", "the", "and", "&", "de", "du", "la", "le", "van", "von", "der", "for", "on"}
# Words after "her" that show it is the object ("with her to", "gave her a", "met her yesterday"), not "her novels".
NOT_OWNED = {
    *PREPOSITIONS, *DETERMINERS, *AUX, *WH, "and", "or", "but", "as", "if", "so", "then", "now", "too", "also", "again",
    "yet", "still", "back", "out", "up", "off", "down", "away", "there", "here", "yesterday", "today", "that",
}  # fmt: skip
MAX_BARE = 3  # words in a question that is only a question word ("how much?", "when was that?")


def tokens(text: str) -> list[str]:
    out: list[str] = []
    for word in _TOKEN.findall(text):
        m = _CONTRACTION.match(word)
        if m and m.group(1).lower() in _CONTRACTS:
            out.extend((m.group(1), m.group(2).lower()))
        else:
            out.append(word)
    return out


def join(words: Sequence[str]) -> str:
    """Tokens back to text: no space before closing marks or after opening ones."""
    out = ""
    for w in words:
        if out and not (w in {",", ".", "?", "!", ":", ";", ")", *_SUFFIXES} or out.endswith(("(", "$", "£", "€"))):
            out += " "
        out += w
    return out


def _is_cap(word: str) -> bool:
    return bool(word[:1].isupper() or (word[:1].isdigit() and any(c.isalpha() for c in word)))


def _bare(word: str) -> str:
    """A word without its possessive 's."""
    m = _POSSESSIVE.match(word)
    return m.group(1) if m else word


def names(words: Sequence[str]) -> list[str]:
    """Runs of capitalized words ("Guild of Harbour Pilots", "Marta Okafor-Lind"), possessives stripped.

    The first word counts only when it is no question word, auxiliary or other common opener, since every question
    starts with a capital.
    """
    found: list[str] = []
    run: list[str] = []

    def close() -> None:
        while run and run[-1].lower() in _NAME_JOINERS:
            run.pop()
        if run:
            found.append(" ".join(run))
        run.clear()

    for i, w in enumerate(words):
        low = w.lower()
        starts = i == 0 or (i > 0 and words[i - 1] in {'"', "“", "(", ":"})
        if _is_cap(w) and not (starts and (low in STOP or low in LEADS)) and low not in {"i"}:
            run.append(_bare(w))
            if _bare(w) != w:
                close()
        elif run and low in _NAME_JOINERS and i + 1 < len(words) and _is_cap(words[i + 1]):
            run.append(w)
        else:
            close()
    close()
    return found


def is_person(name: str) -> bool:
    parts = name.split()
    return not any(p.lower() in ORG_WORDS for p in parts) and not (len(parts) == 1 and name.isupper())


def content(words: Sequence[str]) -> list[str]:
    return [w for w in words if w[:1].isalnum() and w.lower() not in STOP]


@dataclass
class Turn:
    """One earlier question, as it was searched, with what it named."""

    question: str  # the standalone form (the rewrite, or the question as typed)
    names: list[str]
    answer: str | None = None  # the top answer's short answer (or a short highlight), if known
    rewritten: bool = False
    source: str | None = None  # the article the top answer came from, if known
    slot: tuple[int, int] | None = None  # where a substituted phrase stands in ``question``'s tokens ("and X?")
    passage: str | None = None  # the top answer's passage, as shown (what "she" or "he" may be told from)

    def heard(self, answer: str | None, source: str | None = None, passage: str | None = None) -> None:
        """Learn the top answer once it arrives (the app asks in the background)."""
        self.answer = _short(answer)
        self.source = source
        self.passage = passage

    def heard_top(self, top: Answer | None) -> None:
        """``heard`` from a Result's top answer (None: no answer)."""
        self.heard(top.short_answer if top else None, top.source if top else None, top.passage if top else None)


@dataclass
class Conversation:
    """The questions asked so far; ``read`` says how the next one reads on its own.

    ``topic`` is a name the whole conversation is about when it is known beforehand (a page title, say): it is the
    last resort for a pronoun.
    """

    topic: str | None = None
    turns: list[Turn] = field(default_factory=list)
    _slot: tuple[int, int] | None = field(default=None, repr=False)  # of the reading being made
    _read: tuple[str, tuple[int, int] | None] | None = field(default=None, repr=False)  # last reading and its slot

    def add(
        self, question: str, read_as: str | None = None, answer: str | None = None, source: str | None = None,
        passage: str | None = None,
    ) -> Turn:  # fmt: skip
        """Remember a turn: the question as typed, the rewrite that was searched (if any), the top answer, the
        article it came from and the passage shown."""
        standalone = read_as or question
        turn = Turn(standalone, names(tokens(standalone)), _short(answer), read_as is not None, source, None, passage)
        if read_as is not None and self._read is not None and self._read[0] == read_as:
            turn.slot = self._read[1]
        self.turns.append(turn)
        return turn

    def context(self) -> list[str]:
        """The articles the conversation was answered from, most recent first (what a follow-up is likely about)."""
        return list(dict.fromkeys(t.source for t in reversed(self.turns) if t.source))

    def forget_reading(self) -> None:
        """The last rewrite was wrong (the person asked it as typed instead): later turns must not lean on it."""
        for i in range(len(self.turns) - 1, -1, -1):
            if self.turns[i].rewritten:
                del self.turns[i]
                return

    def clear(self) -> None:
        self.turns.clear()

    def read(self, question: str) -> str | None:
        """A standalone rewrite of ``question`` when it leans on an earlier turn, else None."""
        if not self.turns and not self.topic:
            return None
        words = tokens(question.strip())
        if not any(w[:1].isalnum() for w in words):
            return None
        self._slot = None
        out = self._read_words(words)
        if out is None:
            return None
        text = join(out).rstrip(" ?.!") + "?"
        text = text[:1].upper() + text[1:]
        typed = question.strip().rstrip("?").strip().lower()
        lead, _, rest = typed.partition(" ")
        if text.rstrip("?").strip().lower() in (typed, rest if lead in LEADS else typed):
            return None  # as typed, or only without its "and" / "so"
        self._read = (text, self._slot)
        return text

    # -- the cases --------------------------------------------------------------------------------------------
    def _read_words(self, words: list[str]) -> list[str] | None:
        prev = tokens(self.turns[-1].question) if self.turns else []
        body = words[:-1] if words[-1] in {"?", ".", "!"} else list(words)
        blow = [w.lower() for w in body]
        # "and …?", "what about …?": strip the opener; the rest is a phrase for the previous question's slot, or a
        # question of its own ("and who did she meet?").
        opener = 0
        if blow and blow[0] in LEADS:
            opener = 1
        for pair in WHAT_ABOUT:
            if tuple(blow[opener : opener + 2]) == pair:
                opener += 2
                break
        rest = body[opener:]
        if opener and rest:
            if _opens_question(rest[0]):  # "and who did she meet?"; one with names of its own stands alone
                return self._resolve(rest, explicit=not names(rest)) or rest
            comma = [i for i, w in enumerate(rest) if w in {",", "—", "-", ":"}]
            if comma and comma[0] + 1 < len(rest) and _opens_question(rest[comma[0] + 1]):
                phrase, question = rest[: comma[0]], rest[comma[0] + 1 :]
                return self._resolve(question, explicit=True, focus=phrase) or question
            if prev:
                return self._substitute(prev, rest)
            return None
        if not any(w[:1].isalnum() for w in body):
            return None
        # a bare "when?", "how much?", "why was that?", "by how much?"
        if blow[0] in WH and prev and self._is_bare(blow):
            return self._bare_wh(body, prev)
        if len(blow) > 1 and blow[0] in PREPOSITIONS and blow[1] in WH and prev and self._is_bare(blow[1:]):
            return [body[0], *self._bare_wh(body[1:], prev)]
        return self._resolve(body, explicit=False)

    def _is_bare(self, blow: list[str]) -> bool:
        tail = blow[_wh_lead(blow) :]
        return len(blow) <= MAX_BARE and all(w in AUX | DEMONSTRATIVE | {"it", "so", "exactly", "then"} for w in tail)

    def _bare_wh(self, body: list[str], prev: list[str]) -> list[str]:
        """A bare "when?" after "what did the council vote for?" -> "when did the council vote for?"."""
        new_wh = body[: _wh_lead(body)]
        pbody = [w for w in prev if w not in {"?", "."}]
        i = _wh_end(pbody)
        if i is None and pbody and pbody[0].lower() in AUX:  # "did X sign it?" -> "when did X sign it?"
            return [*new_wh, pbody[0].lower(), *pbody[1:]]
        if i is None:
            return [*new_wh, *_subject(pbody)]
        if i < len(pbody) and pbody[i].lower() in AUX:
            lead = _wh_lead(pbody)
            if i > lead and pbody[i].lower() not in DO:  # "how many teachers were laid off?": they are its subject
                return [*new_wh, pbody[i], *pbody[lead:i], *pbody[i + 1 :]]
            if i > lead and i + 1 < len(pbody) and _bare_verb_next(pbody, i + 1):
                # "which court will hear the appeal?": the wh-phrase is the subject, so no "when will hear"
                return [*new_wh, "(", *pbody, ")"]
            return [*new_wh, *pbody[i:]]
        # a subject question ("who wrote the ruling?"): the new question word about the whole of it
        return [*new_wh, "(", *pbody, ")"]

    # -- pronouns, "the one", "that N", and short questions with nothing of their own ------------------------
    def _resolve(self, body: list[str], explicit: bool, focus: list[str] | None = None) -> list[str] | None:
        low = [w.lower() for w in body]
        out = list(body)
        changed = False
        referred: dict[str, int] = {}  # a referent and the leftmost pronoun given its name so far
        for i in range(len(out) - 1, -1, -1):
            w = low[i]
            if w in PERSON or w in THING:
                if w == "her" and i + 1 < len(low) and low[i + 1][:1].isalpha() and low[i + 1] not in NOT_OWNED:
                    kind = "possessive"  # "her novels", "her other years"
                elif (w in POSSESSIVE_PRONOUN and w != "her") or w == "hers" or w == "theirs":
                    kind = "possessive"  # ("her" before no noun is the object: "who replaced her?")
                else:
                    kind = "plain"
                if w == "it" and _dummy_it(low, i):
                    continue
                if w in THING and _after_own_name(body, i):  # "the G7 … its meeting": its own antecedent
                    continue
                if w in PERSON and any(is_person(n) for n in names(body[:i])):
                    continue
                priced = w == "it" and not focus and self.turns and _PRICED.search(" ".join(low))
                ref = (
                    " ".join(focus)
                    if focus
                    else (priced and _object_thing(tokens(self.turns[-1].question)))
                    or self._referent(
                        w in PERSON, " ".join(low), PRONOUN_GENDER.get(w), neuter=w in NEUTER, plural=w in PLURAL
                    )
                )
                if not ref:
                    continue
                if kind == "possessive":
                    out[i] = ref + ("'" if ref.endswith("s") and not ref.endswith("ss") else "'s")
                else:
                    out[i] = ref
                later = referred.get(ref)
                if later is not None:  # the name once, then the pronoun: "… Ada Venn working on when she died?"
                    out[later] = body[later]
                referred[ref] = i
                changed = True
        # "the one" / "that one" / "the X one": the previous question's noun for "one"
        for i, w in enumerate(low):
            if w == "one" and _one_is_noun(low, i):
                if i > 0 and low[i - 1] in DEMONSTRATIVE and (which := self._which_answer() or self._last_thing()):
                    # "which hospital …?" then "at that one": the one it named; else the thing the last question
                    # was about ("the Kelso X2 drill")
                    out[i - 1 : i + 1] = [which, ""]
                    changed = True
                    continue
                head = self._one_head(body[:i])
                if head:
                    out[i] = head
                    changed = True
        # "that division", "this deal": the demonstrative points at the previous turn
        if not changed:
            for i, w in enumerate(low):
                if w in DEMONSTRATIVE and _determiner_at(low, i):
                    same = self._same_head(body[i + 1])  # "that division": the previous "Varden Motors division"
                    if same:
                        out[i : i + 2] = same
                        changed = True
                        break
                if w in DEMONSTRATIVE and (i + 1 == len(low) or low[i + 1] in {"?", ".", ","}) and i > 1:
                    ref = " ".join(focus) if focus else self._prev_event()
                    if ref:
                        out[i] = ref
                        changed = True
                        break
        if changed:
            return [w for w in out if w]
        if focus:
            return [*body, "(", *focus, ")"]
        # A short question with no name, number or quoted title of its own ("who was the referee?") is about the
        # conversation's subject.
        if explicit or self._leans(body):
            ref = self._context()
            if ref and ref.lower() not in " ".join(low):
                return [*body, "(", *tokens(ref), ")"]
        return None

    def _leans(self, body: list[str]) -> bool:
        if names(body) or any(w[:1].isdigit() for w in body):
            return False
        words = content(body)
        return len(words) <= 2 and len(body) <= 7

    def _referent(
        self, person: bool, avoid: str = "", gender: Gender | None = None, neuter: bool = False, plural: bool = False
    ) -> str | None:
        """The last named person (or thing) of the previous turns, the previous answer first for a person; the
        conversation's topic first when it names a person and a person is meant. Names in ``avoid`` (the question
        itself) are passed over: "when did he first meet Ali?" is not about Ali. For "she" or "he" (``gender``), a person
        the conversation's text calls otherwise is passed over, and so is one it says nothing of (the conversation's
        topic aside) when another is called so."""
        found = self._referents(person, avoid, neuter, plural)
        first = next(found, None)
        if gender is None or first is None:
            return first
        texts = self._texts()
        said = gender_of(first, texts)
        if said == gender:
            return first
        other = None  # the first one not known to be otherwise
        for name in found:
            if not is_person(name) or name == first:
                continue
            their = gender_of(name, texts)
            if their == gender and (said is not None or first != self.topic):
                return name
            if their is None and other is None:
                other = name
        return other if said is not None and other is not None else first

    def _referents(self, person: bool, avoid: str, neuter: bool = False, plural: bool = False) -> Iterator[str]:
        """``_referent``'s candidates, most likely first. ``neuter`` ("it", never a person): a name that qualifies a
        noun after "the" ("the Pell Street bakery") is a thing, and comes before a name that may be a person's.
        ``plural`` ("they", "them"): after a turn that names only people, two or more of them are the last two."""
        if person and self.topic and is_person(self.topic):
            yield self.topic
        for turn in reversed(self.turns):
            if person and turn.answer and _is_cap(turn.answer) and is_person(turn.answer):
                q = tokens(turn.question)
                if q and q[0].lower() in {"who", "which", "whom"}:
                    yield turn.answer
            if neuter and turn.names and all(self._known_person(n) for n in turn.names):
                continue  # "it" is never the person a turn was about ("when did she join?" … "is it cutting jobs?")
            if (plural or neuter) and turn.answer and names(tokens(turn.answer)) == [_no_the(turn.answer)]:  # a name
                q = tokens(turn.question)
                if (
                    q[0].lower() in ("which", "what") and (_wh_end(q) or 0) > 1 and not self._known_person(turn.answer)
                    and (_what_it_asked(q) if neuter else q[0].lower() == "which")
                ):  # fmt: skip
                    # "which club does she play for?" (Cobble Hill Saints) … "who coaches them?"; "which firm bought
                    # the mill?" (Orrin Holdings) … "how much did it pay?"; "which phone did Nimbrel launch?" (the
                    # Nimbrel Arc) … "how much does it cost?"
                    yield turn.answer
            pool = [
                n for n in turn.names
                if n.lower() not in avoid
                and (is_person(n) and not _after_the(turn.question, n) if person else
                     not is_person(n) or (neuter and _after_the(turn.question, n)))
            ]  # fmt: skip
            described = _described(tokens(turn.question)) if person else None
            if person and not described:  # with no one named in full, a role: "the chief constable of Ashby Vale"
                full_names = [n for n in turn.names if (is_person(n) and " " in n) or self._known_person(n)]
                described = None if full_names else _role_subject(tokens(turn.question))
            if described:  # the person the previous question asked for comes before the names it used
                yield described
            if pool:
                best = _longest_last(pool)
                yield best if person or not _after_the(turn.question, best) else self._thing(turn, best)
                if person:
                    yield from (n for n in reversed(pool) if n != best)
            elif turn.names and person:  # no person named: a role the name qualifies ("the Dunmore sheriff")
                role = self._thing(turn)
                yield role if role.split()[-1][:1].islower() else _longest_last(turn.names)
            elif plural and len(people := [n for n in turn.names if n.lower() not in avoid]) >= 2:
                yield f"{people[-2]} and {people[-1]}"  # "what did Ostrander say about Kelby?" … "did they both …"
            elif turn.names:
                yield self._thing(turn, owned=neuter)
            elif not person and not self.topic and (unnamed := _unnamed_thing(tokens(turn.question), avoid)):
                # "how much did the museum pay for the telescope?" … "who built it?" (with a known topic, a
                # pronoun that the last turn names nothing for is the topic: CANARD F1 0.487 vs 0.483)
                yield unnamed
                return
            if not person and turn.names:
                return
        if self.topic:
            yield self.topic

    def _texts(self) -> list[str]:
        """What the conversation has seen: its questions and the passages shown (where "he" or "she" is told)."""
        return [t for turn in self.turns for t in (turn.question, turn.passage) if t]

    def _known_person(self, name: str) -> bool:
        """Whether the conversation shows ``name`` is a person: the answer to a "who" question, or called "he" or
        "she" (or given a title) in its questions and passages."""
        for turn in self.turns:
            if turn.answer == name and turn.question[:4].lower() in ("who ", "who'", "who’"):
                return True
        texts = self._texts()
        return is_person(name) and gender_of(name, texts) is not None

    @staticmethod
    def _thing(turn: Turn, named: str | None = None, owned: bool = False) -> str:
        """The name a turn is about, with the nouns that follow it ("the Orange Line bus"): ``named`` if given, else
        its subject (the name just after the question word and auxiliary) if it has one, else its last name.
        ``owned``: a name written as an owner is the thing it owns ("Halvern Otters' match", for "it")."""
        words = tokens(turn.question)
        name = named or turn.names[-1]
        at = _wh_end(words)
        verb_after: set[int] = set()  # where a subject right after "did" / "will" may start: a bare verb follows it
        if at is not None and at + 1 < len(words) and words[at].lower() in AUX:
            subject = _bare(words[at + 1]) if words[at + 1].lower() != "the" or at + 2 >= len(words) else words[at + 2]
            if named is None:
                name = next((n for n in turn.names if n.split()[0] == _bare(subject)), name)
            if words[at].lower() in DO:
                verb_after = {at + 1, at + 2}
        first = name.split()[0]
        for i, w in enumerate(words):
            if _bare(w) == first and " ".join(_bare(x) for x in words[i : i + len(name.split())]) == name:
                j = i + len(name.split())
                named = f"the {name}" if i > 0 and words[i - 1].lower() == "the" else name  # "the Halvern Otters"
                if _bare(words[j - 1]) != words[j - 1]:
                    k = j
                    while owned and k < len(words) and words[k][:1].islower() and words[k] not in STOP:
                        k += 1
                    if k > j and not _is_verbish(words[k - 1]):  # "Halvern Otters' match | against"
                        return join([*words[i:j], *words[j:k]])
                    return named
                k = j
                while k < len(words) and words[k][:1].islower() and words[k] not in STOP and not _is_verbish(words[k]):
                    k += 1
                    if _POSSESSIVE.match(words[k - 1]):  # "the Tarrow transit authority's | director"
                        nouns = [*words[j : k - 1], _bare(words[k - 1])]
                        return " ".join(["the", name, *nouns]) if i > 0 and words[i - 1].lower() == "the" else named
                before_verb = _before_verb(words, k)  # "the Dunmore sheriff | say"
                verb = i in verb_after and _drop_verb(words, i, k) < k  # "did the Tolland library cost?": "cost"
                k -= verb
                ends = verb or before_verb or k == len(words) or words[k] in {"?", ",", "."}
                ends = ends or words[k].lower() in PREPOSITIONS
                if k - j > 2 + before_verb or not ends or i == 0 or words[i - 1].lower() != "the":
                    return named
                return " ".join(["the", name, *words[j:k]])
        return name

    def _context(self) -> str | None:
        for turn in reversed(self.turns):
            if turn.names:
                return ", ".join(dict.fromkeys(turn.names))
        return self.topic

    def _prev_event(self) -> str | None:
        if not self.turns:
            return None
        words = [w for w in tokens(self.turns[-1].question) if w not in {"?", "."}]
        subject = _subject(words)
        return join(subject) if subject else None

    def _same_head(self, head: str) -> list[str] | None:
        """The previous question's noun phrase ending in ``head``, with its determiner or possessor."""
        if not self.turns:
            return None
        prev = tokens(self.turns[-1].question)
        for start, end in reversed(_merge_possessors(prev, _noun_runs(prev))):
            at = [k for k in range(start, end) if prev[k].lower() == head.lower()]
            if at and at[-1] > start:
                return prev[start : at[-1] + 1]
        return None

    def _which_answer(self) -> str | None:
        """What a previous "which N …?" question was answered with (a name), else "the N" it asked for."""
        if not self.turns:
            return None
        turn = self.turns[-1]
        words = tokens(turn.question)
        if len(words) < 3 or words[0].lower() != "which" or not (described := _described(words)):
            return None
        if turn.answer and _is_cap(turn.answer) and len(turn.answer.split()) <= 5:
            return turn.answer
        return described.replace(" who ", " that ", 1)  # "the hospital", "the team that won the 2004 final"

    def _last_thing(self) -> str | None:
        """The last noun phrase of the previous question that holds a name: led by "the" ("the Kelso X2 drill") or by
        the name ("Brindle council")."""
        if not self.turns:
            return None
        prev, _, runs = _runs_last_first(tokens(self.turns[-1].question))
        for start, end in runs:  # ("what does the Kelso X2 cost": not its verb)
            run = prev[start:end]
            if len(run) >= 3 and run[0].lower() == "the" and any(_is_cap(w) for w in run[1:]):
                return join(run)
            if len(run) >= 2 and _is_cap(run[0]) and not _is_cap(run[-1]):  # "Brindle council"
                return join(run)
        return None

    def _one_head(self, before: list[str]) -> str | None:
        """The noun "one" stands for: the head of a noun phrase in the previous question."""
        if not self.turns:
            return None
        prev = tokens(self.turns[-1].question)
        mods = [w for w in before if w.lower() not in DETERMINERS and w.lower() not in LEADS]
        for start, end in reversed(_noun_runs(prev)):
            if end - start >= 2:
                return prev[end - 1]
        runs = _noun_runs(prev)
        return prev[runs[-1][1] - 1] if runs and mods else None

    # -- "and …?": the new phrase in the previous question's slot --------------------------------------------
    def _substitute(self, prev: list[str], phrase: list[str]) -> list[str] | None:
        body = [w for w in prev if w not in {"?"}]
        plow = [w.lower() for w in body]
        phl = [w.lower() for w in phrase]
        # a time ("in 2021", "last month") for the previous question's time ("last year"), not beside it
        if _time_span(phl, 0) == len(phl):
            spans = _time_spans(plow)
            start, end = spans[-1] if spans else (len(body), len(body))  # none: the time is added at the end
            if phrase[0][:1].isdigit() and spans and plow[start] in PREPOSITIONS:
                phrase = [body[start], *phrase]  # "in 2003" and "2004?": in 2004
            elif phrase[0][:1].isdigit():
                phrase = ["in", *phrase]
            return [*body[:start], *phrase, *body[end:]]
        # a prepositional phrase ("in 2003", "with dial-up"): the previous one with the same preposition
        if phl[0] in PREPOSITIONS:
            size = max(1, len(content(phrase[1:])))
            for i in range(len(plow) - 1, -1, -1):
                if plow[i] == phl[0]:
                    j = i + 1
                    while j < len(body) and plow[j] in DETERMINERS:
                        j += 1
                    taken = 0
                    while j < len(body) and taken < size and plow[j] not in STOP and body[j][:1].isalnum():
                        j, taken = j + 1, taken + 1
                    return [*body[:i], *phrase, *body[j:]]
            return [*body, *phrase]
        # a year or a number: the previous one
        if len(content(phrase)) == 1 and phrase[-1][:1].isdigit():
            for i, w in enumerate(body):
                if w[:1].isdigit():
                    return [*body[:i], phrase[-1], *body[i + 1 :]]
            return [*body, "in", phrase[-1]]
        # where the phrase of an earlier "and X?" stands, if the previous question was one
        slot = self.turns[-1].slot if self.turns else None
        if slot is not None and not (slot[1] <= len(body) and tokens(join(body)) == body):
            slot = None
        # "the one on Mill Lane": the Mill Lane one
        at = next((k for k, w in enumerate(phl) if w in {"one", "ones"}), None)
        if at is not None and at + 2 < len(phl) and phl[at + 1] in PREPOSITIONS and phl[at + 1] != "of":
            phrase = [*phrase[:at], *phrase[at + 2 :], phrase[at]]
            phl = [w.lower() for w in phrase]
        # "the civil rights one": the previous noun phrase with the same head
        if phl[-1] == "one" or phl[-1] == "ones":
            mods = [w for w in phrase[:-1] if w.lower() not in DETERMINERS]
            wh_end = _wh_end(body) or 0
            for start, end in [slot] if slot is not None and slot[1] - slot[0] >= 2 else reversed(_noun_runs(body)):
                if slot is None and start == wh_end + 1 and wh_end < len(plow) and plow[wh_end] in DO:
                    end = _drop_verb(body, start, end)  # "will the Corran Street development | build"
                if end - start >= 2:
                    first = start + 1 if plow[start] in DETERMINERS else start
                    named = 0  # "the Kellerby art prize" and "the sculpture one": the Kellerby sculpture prize
                    plain = not any(_is_cap(w) for w in mods)
                    while plain and first + named < end - 1 and _is_cap(body[first + named]):
                        named += 1
                    self._slot = (start, first + named + len(mods) + 1)
                    return [*body[: first + named], *mods, *body[end - 1 :]]
            return None
        # a phrase again after "and X?": where X stands ("and Harwick's mayor?", "what about the Dunmore sheriff?")
        if slot is not None:
            start, end = slot
            self._slot = (start, start + len(phrase))
            return [*body[:start], *phrase, *body[end:]]
        # a name: in place of the previous question's name (or pronoun resolved to one)
        runs = _merge_possessors(body, _noun_runs(body, split_caps=True))
        if plow[:1] == ["who"]:  # "who runs Corvel Bank?": the word after "who" is the verb, no part of a name
            runs = [(max(s, 2) if s == 1 else s, e) for s, e in runs if e > 2 or s != 1]
        new_cap = _is_cap(phrase[0]) or (phl[0] in DETERMINERS and len(phrase) > 1 and _is_cap(phrase[1]))
        wh_end = _wh_end(body) or 0
        subject_at = wh_end + 1 if wh_end < len(plow) and plow[wh_end] in AUX else -1
        scored: list[tuple[float, int, int]] = []
        for start, end in runs:
            if start < wh_end:
                continue  # what the previous question asked for
            span = body[start:end]
            score = 1.5 if start == subject_at else 0.0
            if span[-1].lower() == phl[-1]:
                score += 3  # same head noun
            if any(_is_cap(w) for w in span if w.lower() not in DETERMINERS) == new_cap:
                score += 1
            if any(_POSSESSIVE.match(w) for w in span) or plow[start] in POSSESSIVE_PRONOUN:
                score += 0.5  # "Kestrel Media's cable arm": the possessor is kept below
            if start > 0 and plow[start - 1] == "of" and phl[0] not in DETERMINERS and plow[start] not in DETERMINERS:
                score += 2  # "the price of diesel" and "gasoline?", "the mayor of Leeds" and "Bradford?"
            score -= 0.01 * start
            scored.append((score, start, end))
        if not scored:
            return [*body, "(", *phrase, ")"]
        _, start, end = max(scored)
        if subject_at == start and plow[wh_end] in DO and _drop_verb(body, start, end) < end:
            end -= 1  # "did its cable arm lose", "did the mayor call it": the last word is the verb
        elif _is_cap(body[end - 1]) and phl[-1].isalpha() and not _is_cap(phrase[-1]):
            # "the Dunmore | sheriff" and "what about Harwick's mayor?": a phrase with a noun of its own takes the
            # place of the noun after the name too (one word: "the Corrin ferry | enter service")
            nxt = next((r for r in runs if r[0] == end), None)
            # after "did <subject>", a one-word run is the verb unless an auxiliary follows it ("does the Tolland
            # library have?" but "did Orla Pym tell the inquiry?")
            verb = subject_at == start and plow[wh_end] in DO and nxt is not None and nxt[1] - nxt[0] == 1
            verb = verb and not (nxt is not None and nxt[1] < len(plow) and plow[nxt[1]] in AUX)
            if nxt is not None and not verb and not _is_cap(body[end]) and plow[end] not in DETERMINERS:
                # through the phrase's own noun when the run holds it ("the Pellham | school board spend" and "the
                # Ardley board"), else one word
                head = [k for k in range(end, nxt[1]) if plow[k] == phl[-1]]
                end = head[0] + 1 if head else end + 1
        elif (
            _is_cap(body[end - 1]) and plow[start] == "the" and all(_is_cap(w) for w in phrase)
            and end < len(body) and body[end][:1].islower() and any(r[0] == end for r in runs)
        ):  # fmt: skip
            phrase = [body[start], *phrase]  # "the Dunmore sheriff" and "and Harwick?": the Harwick sheriff
        span = body[start:end]
        owned = [k for k, w in enumerate(span) if _POSSESSIVE.match(w)]
        if _POSSESSIVE.match(phrase[-1]) and owned and owned[0] + 1 < len(span):
            # "the mayor's salary" and "the deputy mayor's?": the new owner of the same thing
            self._slot = (start, start + len(phrase))
            return [*body[:start], *phrase, *span[owned[0] + 1 :], *body[end:]]
        if (m := _POSSESSIVE.match(phrase[-1])) and not owned:
            phrase = [*phrase[:-1], m.group(1)]  # "what did the mayor say" and "the deputy mayor's?"
        keep: list[str] = []
        owner = [k for k, w in enumerate(span) if _POSSESSIVE.match(w)]
        if owner and owner[0] + 1 < len(span) and not any(_POSSESSIVE.match(w) for w in phrase) and not new_cap:
            keep = span[: owner[0] + 1]  # "Kestrel Media's" + "radio division"
            phrase = [w for w in phrase if w.lower() not in DETERMINERS] or phrase
        elif plow[start] in POSSESSIVE_PRONOUN and not new_cap:
            phrase = [w for w in phrase if w.lower() not in DETERMINERS] or phrase
            keep = [body[start]]
        elif phl[0] in POSSESSIVE_PRONOUN and len(phrase) > 1 and all(_is_cap(w) for w in span):
            # "what sentence did Corwin Lathe receive?" and "his brother?": Corwin Lathe's brother
            owner = span[-1] + ("'" if span[-1].endswith("s") else "'s")
            phrase = [*span[:-1], owner, *phrase[1:]]
        elif start == wh_end or plow[start] not in DETERMINERS:
            phrase = [w for w in phrase if w.lower() not in POSSESSIVE_PRONOUN] or phrase
            if phl[0] in DETERMINERS and len(phrase) > 1 and any(e == start and plow[s] in DETERMINERS for s, e in runs):
                phrase = phrase[1:]  # "the Greystone | mayoral race" and "the council race": one "the"
        self._slot = (start, start + len(keep) + len(phrase))
        return [*body[:start], *keep, *phrase, *body[end:]]


def _described(words: list[str]) -> str | None:
    """The person a who/which question asks for, described: "who is the chair of X" -> "the chair of X"."""
    low = [w.lower() for w in words if w not in {"?", "."}]
    words = [w for w in words if w not in {"?", "."}]
    if len(low) > 2 and low[0] == "who" and low[1] in {"is", "was", "'s", "are", "were"}:
        return " ".join(words[2:])
    if len(low) > 2 and low[0] == "which" and (end := _wh_end(words)) and end > 1:
        if end < len(low) and low[end] in AUX:
            return " ".join(["the", *words[1:end]])  # "which director has the club hired": the director
        return " ".join(["the", *words[1:end], "who", *words[end:]])
    return None


def _role_subject(words: list[str]) -> str | None:
    """A person named by a role as the subject after a question's auxiliary: "when was the chief constable of
    Ashby Vale suspended?" -> "the chief constable of Ashby Vale" (the "she" of the next turn)."""
    body = [w for w in words if w not in {"?", "."}]
    i = _wh_end(body)
    if i is None or i >= len(body) or body[i].lower() not in AUX:
        return None
    j = i + 1
    if j >= len(body) or body[j].lower() != "the":
        return None
    k = j + 1
    while k < len(body) and k - j <= 3 and body[k][:1].islower() and body[k].lower() not in STOP:
        k += 1
    if k == j + 1 or k >= len(body) or body[k].lower() != "of" or k + 1 >= len(body) or not _is_cap(body[k + 1]):
        return None
    end = k + 1
    while end < len(body) and _is_cap(body[end]):
        end += 1
    return join(body[j:end])


def _opens_question(word: str) -> bool:
    """A question word or auxiliary, also contracted ("who's")."""
    low = _bare(word.lower())
    return low in WH or low in AUX


def _longest_last(pool: list[str]) -> str:
    """The last name, or a longer form of it said earlier ("Brenn" after "Ada Brenn")."""
    last = pool[-1]
    for n in pool:
        if n != last and n.endswith(" " + last):
            return n
    return last


def _short(answer: str | None) -> str | None:
    if not answer:
        return None
    answer = " ".join(answer.split())
    return answer if len(answer.split()) <= 6 else None


_SAYING = {"say", "said", "says", "tell", "told", "mean", "meant", "announce", "announced", "claim", "claimed"}


def _dummy_it(low: list[str], i: int) -> bool:
    """An "it" that points at nothing: "is it true that", "how long did it take", "it is said"."""
    nxt = low[i + 1] if i + 1 < len(low) else ""
    after = low[i + 2] if i + 2 < len(low) else ""
    said = i > 0 and low[i - 1] in _SAYING  # "when did he say it?": what was said, not a thing named before
    return said or (nxt in {"take", "takes", "took"} and "long" in low[:i]) or after in {"that", "to"} and nxt in AUX


def _after_own_name(body: list[str], i: int) -> bool:
    """A thing pronoun with a name or noun phrase of its own earlier in the question ("the G7 … its meeting")."""
    if names(body[:i]):
        return True
    start = _wh_end(body) or 0
    verb_at = 1 if body and body[0].lower() == "who" else -1  # "who built it?": "built" is the verb, no antecedent
    return any(
        s >= start and e <= i and s != verb_at for s, e in _noun_runs(body[:i]) if not _is_verbish(body[e - 1].lower())
    )


def _one_is_noun(low: list[str], i: int) -> bool:
    """A "one" standing for a noun: "the one", "that one", "the civil rights one", "did that one come out" (not
    "one of", "up for one")."""
    if i >= 2 and low[i - 1] in DEMONSTRATIVE and low[i - 2] in AUX:  # the subject after did / is: "did that one …"
        return True
    if i + 1 < len(low) and low[i + 1] not in {",", "?", ".", "!"} | PREPOSITIONS - {"of"}:
        return False
    j = i - 1
    while j >= 0 and low[j] not in STOP and low[j][:1].isalnum() and i - j <= 4:
        j -= 1
    return j >= 0 and low[j] in DETERMINERS and (j < i - 1 or low[j] != "a")


def _determiner_at(low: list[str], i: int) -> bool:
    """A demonstrative used as a determiner pointing back ("in that division"), not "that" joining a clause."""
    if i + 1 >= len(low) or not low[i + 1][:1].isalpha() or low[i + 1] in STOP:
        return False
    if low[i] != "that":
        return True
    return i > 0 and (low[i - 1] in PREPOSITIONS or low[i - 1] in AUX)


def _wh_end(words: list[str]) -> int | None:
    """Index just past the question's wh-phrase ("how many subscribers", "which judge"), or None."""
    if not words or words[0].lower() not in WH:
        return None
    i = _wh_lead(words)
    if words[0].lower() in {"which", "what", "whose"} or i == 2:
        while i < len(words) and words[i].lower() not in STOP and not _is_verbish(words[i].lower()):
            i += 1
            if i > 4:
                break
    return i


def _no_the(name: str) -> str:
    """A name without a leading "The" ("The Salt Road", a title, is the name "Salt Road")."""
    return name[4:] if name[:4] in ("The ", "the ") else name


def _what_it_asked(words: list[str]) -> bool:
    """Whether "it" in the next question is what a "which N …?" (or "what N …?") question was answered with: N names
    a body that acts or a made thing, and the question asked for the one that did what it says ("which firm bought the
    mill?", "which album topped the chart?") or for a made thing ("which phone did Nimbrel launch?"). Not for a body
    asked as the object ("which firm is Orrin buying?" … "how much is it paying?" means Orrin), and never for a place
    or a person ("which city will host the games?" … "how much will it cost?" means the games)."""
    end = _wh_end(words) or 0
    # The noun the wh-phrase asks for (its first body or made thing: "what company makes …" ends after "makes").
    at = next((i for i in range(1, end) if words[i].lower() in ACTORS | MADE_THINGS), None)
    if at is None or at + 1 >= len(words):
        return False
    if words[at].lower() in MADE_THINGS:
        return True
    if words[at + 1].lower() not in AUX:
        return True
    return at + 2 < len(words) and _bare_verb_next(words, at + 2)


def _wh_lead(words: Sequence[str]) -> int:
    """How many words the question word takes: two for "how much", "how many", "how long", "what time" …, else one."""
    if len(words) < 2:
        return 1
    first, second = words[0].lower(), words[1].lower()
    return 2 if (first == "how" and second in HOW_WORDS) or (first in {"what", "which"} and second in WHEN_NOUNS) else 1


def _bare_verb_next(words: Sequence[str], i: int) -> bool:
    """Whether ``words[i]``, right after a did/will, may be the bare verb (no subject between): not a determiner,
    pronoun, name or number."""
    w = words[i]
    low = w.lower()
    return w[:1].islower() and low not in DETERMINERS and low not in PERSON | THING and low not in {"i", "you", "we"}


def _subject(words: list[str]) -> list[str]:
    """What a question is about, without its wh-phrase and auxiliary ("the council vote for")."""
    i = _wh_end(words) or 0
    while i < len(words) and words[i].lower() in AUX:
        i += 1
    return list(words[i:])


def _noun_runs(words: Sequence[str], split_caps: bool = False) -> list[tuple[int, int]]:
    """Spans of noun-phrase-like runs: an optional determiner or possessive, then words that are no stopword.

    With ``split_caps`` a run also ends where capitalized words give way to lowercase ones ("Marlow | record").
    """
    runs: list[tuple[int, int]] = []
    i = 0
    low = [w.lower() for w in words]
    while i < len(words):
        start = i
        if low[i] in DETERMINERS or _POSSESSIVE.match(words[i]):
            i += 1
        j = i
        while j < len(words) and words[j][:1].isalnum() and low[j] not in STOP and not _is_verbish(low[j]):
            j += 1
            if _POSSESSIVE.match(words[j - 1]) and j > i + 1:
                break
            if split_caps and j < len(words) and _is_cap(words[j - 1]) and words[j][:1].islower():
                break
        if j > i:
            runs.append((start, j))
            i = j
        else:
            i = max(i, start + 1)
    return runs


def _merge_possessors(words: Sequence[str], runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A run ending in a possessive joined to the run it owns ("Kestrel Media's" + "cable arm")."""
    out: list[tuple[int, int]] = []
    for start, end in runs:
        if out and out[-1][1] == start and _POSSESSIVE.match(words[start - 1]):
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _before_verb(words: Sequence[str], end: int) -> bool:
    """Whether a stop word that is a verb follows the run ending at ``end`` ("the Dunmore sheriff | say")."""
    return end < len(words) and words[end].lower() in STOP_VERBS


def _drop_verb(words: Sequence[str], start: int, end: int) -> int:
    """The end of the noun run ``words[start:end]`` that is a did/will question's subject: its last word is the bare
    verb ("did the museum pay"), so it ends a word sooner, unless the run is one word, its last word is capitalized,
    or a stop-word verb ended it ("did the mayor say")."""
    if end < len(words) and words[end].lower() == "of":  # "did the mayor | of Ebbsworth say": the subject goes on
        return end
    if end - start > 1 and not _is_cap(words[end - 1]) and not _before_verb(words, end):
        return end - 1
    return end


def _after_the(question: str, name: str) -> bool:
    """Whether ``name`` stands after "the" in ``question`` ("the Dunmore sheriff"): a modifier, not a person."""
    return re.search(rf"\bthe\s+{re.escape(name)}\b", question, re.IGNORECASE) is not None


def _runs_last_first(words: list[str]) -> tuple[list[str], int, list[tuple[int, int]]]:
    """A question without its end mark, where its wh-phrase ends, and its noun runs last first, the verb after a
    did/will question's subject left out of the subject's run ("did the museum | pay")."""
    body = [w for w in words if w not in {"?", "."}]
    at = _wh_end(body) or 0
    do = at < len(body) and body[at].lower() in DO
    runs = [(s, _drop_verb(body, s, e) if do and s == at + 1 else e) for s, e in reversed(_noun_runs(body))]
    return body, at, runs


# "How much is it?", "what does it cost?": a price is asked, and prices belong to things, not to the council or
# company that did something with them (not "how much is it paying?", where "it" does the paying).
_PRICED = re.compile(
    r"\bhow much (?:is|was|will|would) it(?: be| cost)?(?: now)?(?: \?)?$|\b(?:how much|what) (?:does|did|will|would) it cost\b"
)


def _object_thing(words: list[str]) -> str | None:
    """The thing a question's verb acts on, for a price asked of "it": its last noun phrase after the verb led by
    "the", a demonstrative or "its" ("raise the bin charge"; "Corvel Bank launch its savings account": Corvel Bank's
    savings account), or None when it has none or the phrase is a name's."""
    body, at, runs = _runs_last_first(words)
    for start, end in runs:
        lead = body[start].lower()
        if start <= at + 1 or end - start < 2 or lead not in {"the", "its", *DEMONSTRATIVE}:
            continue
        thing = body[start + 1 : end]
        if any(_is_cap(w) for w in thing):
            return None
        if lead != "its":
            return join(["the", *thing])
        owner = names(body[:start])
        return join([owner[-1] + "'s", *thing]) if owner else None
    return None


def _unnamed_thing(words: list[str], avoid: str) -> str | None:
    """The thing a question without names is about: its last noun phrase led by "the" or a demonstrative ("the
    telescope"), not the one it asks for, nor the bare verb after a did/will question's subject; None when the
    question being read already holds that noun (``avoid``)."""
    body, at, runs = _runs_last_first(words)
    for start, end in runs:
        if start < at or body[start].lower() not in {"the", *DEMONSTRATIVE}:
            continue
        if end - start < 2:
            continue
        if body[end - 1].lower() in avoid.split():
            return None
        thing = body[start + 1 : end]
        if m := _POSSESSIVE.match(thing[-1]):  # "the transit authority's director": the authority
            thing[-1] = m.group(1)
        return join(["the", *thing])
    return None


MONTHS = frozenset(MONTH_NUMBERS)
TIME_UNITS = {
    "year", "month", "week", "weekend", "season", "quarter", "decade", "century", "summer", "winter", "spring",
    "autumn", "fall", "night", *DAYS,
}  # fmt: skip
_TIME_WORDS = {"yesterday", "today", "tonight", "tomorrow"}
_TIME_PREPOSITIONS = {"in", "during", "since", "by", "before", "after", "until", "from", "on", "at"}


def _time_span(low: Sequence[str], i: int) -> int:
    """The end of a time phrase starting at ``i`` ("last year", "in March 2005", "2021", "yesterday"), or ``i``."""
    j = i + 1 if i < len(low) and low[i] in _TIME_PREPOSITIONS else i
    if j < len(low) and low[j] == "the":
        j += 1
    if j < len(low) and low[j] in _TIME_WORDS:
        return j + 1
    if j + 1 < len(low) and low[j] in {"last", "this", "next", "previous", "past"} and low[j + 1] in TIME_UNITS:
        return j + 2
    k = j
    if k < len(low) and low[k] in MONTHS and (k > i or k + 1 < len(low)):
        k += 1
    if k < len(low) and re.fullmatch(r"(?:1[89]|20)\d\d(?:s)?|\d\d?(?:st|nd|rd|th)?", low[k]):
        year = re.fullmatch(r"(?:1[89]|20)\d\d(?:s)?", low[k])
        if year or k > j:  # a day needs its month ("March 3"), a year stands alone
            k += 1
            if k < len(low) and re.fullmatch(r"(?:1[89]|20)\d\d", low[k]) and not year:
                k += 1  # "March 3 2005"
    if k > j and (k > j + 1 or low[j] not in MONTHS or j > i):
        return k
    return i


def _time_spans(low: Sequence[str]) -> list[tuple[int, int]]:
    """Every time phrase of a question, left to right."""
    spans, i = [], 0
    while i < len(low):
        end = _time_span(low, i)
        if end > i:
            spans.append((i, end))
            i = end
        else:
            i += 1
    return spans


# Irregular past tenses that are no noun as well ("which team won the final": "team" ends the wh-phrase).
IRREGULAR_PAST = {
    "won", "beat", "lost", "took", "made", "became", "sold", "bought", "paid", "held", "gave", "came", "went", "told",
    "found", "wrote", "sent", "spent", "built", "brought", "chose", "drew", "grew", "knew", "met", "shot", "stood",
    "struck", "threw", "broke", "caught", "fought", "kept", "taught", "thought", "began", "ran", "flew",
}  # fmt: skip


def _is_verbish(word: str) -> bool:
    if word in IRREGULAR_PAST:
        return True
    return word.endswith("ed") and len(word) > 4 and word not in {"red", "bed", "speed"}


def follow(answerer: Any, talk: Conversation, question: str, top_k: int, qid: str = "1", allowed: Any = None) -> Result:
    """Ask ``question`` as the next turn of ``talk``: read in the conversation so far (the rewrite is searched, and
    the articles earlier turns were answered from are preferred), then remembered with its top answer. The Result
    keeps the question as typed, with ``read_as`` set when it was rewritten."""
    read_as = talk.read(question)
    result = answerer.ask(
        read_as or question,
        top_k,
        qid=qid,
        allowed=allowed,
        context=talk.context(),
        typed=question if read_as else None,
    )
    talk.add(question, read_as).heard_top(result.answers[0] if result.answers else None)
    return dataclasses.replace(result, question=question, read_as=read_as)
