"""General rules that keep site chrome (promos, captions, player labels, "latest stories") out of passages.

Scraped news text carries lines that belong to the site, not the story. A passage that mixes them with the article
makes a poor answer, so each line is classified as content or chrome and only runs of content lines are kept.

The rules describe *kinds* of chrome, never lines from particular pages, so they work on pages nobody has seen.
When a rule is unsure it keeps the line: losing a sentence of the story costs more than keeping a stray label.
No library fits here: trafilatura removes chrome from HTML markup, but plain-text files have no markup left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.records import Span

__all__ = ["kept_blocks"]

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")

# A line "ends as a sentence" when it closes with . ! ? … (maybe followed by quotes/brackets) or closes a quote.
_SENTENCE_END = re.compile(r"""(?:[.!?…]["'”’»)\]]*|["”])$""")

# Rule 5: a whole line that is a player, ad or sharing label.
_LABEL = re.compile(
    r"""
    advert(?:isement|ising)?|ads?|sponsored(?:\ (?:content|post|story))?|promoted(?:\ content)?|paid\ content
    |video|audio|play|play\ (?:video|audio)|watch(?:\ video|\ now)?|listen(?:\ now)?
    |listen\ to\ (?:this|the)\ (?:article|story|podcast)
    |(?:audio|video|narrated|voiced|powered|sponsored|presented)\ by\ [^.!?]{1,40}
    |\d{1,2}:\d{2}(?::\d{2})?(?:\s*/\s*\d{1,2}:\d{2}(?::\d{2})?)?
    |\d+\s*min(?:ute)?s?\ (?:read|listen|watch)
    |skip\ (?:advertisement|ad|to\ content)|story\ continues\ below(?:\ advertisement)?
    |continue\ reading(?:\ below)?|scroll\ to\ continue(?:\ with\ content)?
    |share(?:\ this(?:\ (?:article|story|page))?)?|copy\ link|print|e-?mail|\d*\ ?comments?
    |loading\.*|close|replay|(?:un)?mute|toggle\ caption
    """,
    re.IGNORECASE | re.VERBOSE,
)

# Rule 2: a call to action aimed at the reader, and the verbs that open one.
_CTA_PHRASE = re.compile(
    r"""\b(?:click|tap)\ here\b|\bsubscribe\b|\bsign\ (?:up|in)\b|\blog\ in\b|\bdownload\ (?:the|our)\b.*\bapp\b
    |\bget\ (?:the|our)\b.*\bapp\b|\bfollow\ us\b|\bshare\ (?:this|on)\b|\bread\ more\b|\bnewsletters?\b
    |^watch\s*:|^listen\s*:|\blike\ us\ on\b|\bjoin\ (?:us|our)\b|\bsupport\ (?:us|our)\b|\bdon['’]t\ miss\b
    |\bsee\ more\b|\bcontinue\ reading\b""",
    re.IGNORECASE | re.VERBOSE,
)
_READER = re.compile(r"\b(?:our|us|here|app|newsletters?|inbox)\b", re.IGNORECASE)
_CTA_OPENING = re.compile(
    r"(?:click|tap|subscribe|sign|log|download|get|follow|share|read|watch|listen|like|join|support|don['’]t|see"
    r"|continue)\b",
    re.IGNORECASE,
)

# Rule 4: photo credits and captions.
_CREDIT_LEAD = re.compile(
    r"(?:(?:photo|image|picture|video|illustration)s?\s*(?:credit|source|caption|copyright|by)?|credits?"
    r"|photograph(?:er)?)\s*[:,]",
    re.IGNORECASE,
)
_TRAILING_PAREN = re.compile(r"\(([^()]{1,160})\)$")
_CREDIT_WORDS = re.compile(
    r"\b(?:via|getty|photos?|photograph(?:er)?|courtesy|credits?|shutterstock|istock(?:photo)?|alamy|reuters|afp"
    r"|handout|illustration|supplied)\b",
    re.IGNORECASE,
)
_NAME_SLASH_AGENCY = re.compile(r"[A-Z][\w.'’-]*(?:\s+[\w.'’-]+)*\s*/\s*[A-Z][\w.'’ -]*")  # "Jo Lee/Agency"
_AFTER_SENTENCE_PAREN = re.compile(r"""[.!?]["'”’]?\s*\(\s*([^()]{1,60}?)\s*\)$""")
_AGENCY_LINE = re.compile(
    r"getty\ images|shutterstock|istock(?:photo)?|alamy|\bap\ photo\b", re.IGNORECASE | re.VERBOSE
)

# Rule 1: "latest stories" headings and the relative times listed under each headline.
_RELATED_HEADING = re.compile(
    r"""(?:latest|related|recommended|popular|trending|more|top|editor['’]?s['’]?\ picks?|also\ read|see\ also
    |read\ (?:more|next|also)|around\ the\ web|in\ other\ news|other\ news|you\ (?:may|might)\ (?:also\ )?like
    |more\ from\ .{1,40}|more\ on\ this(?:\ story)?|most\ (?:read|popular|viewed|shared|watched)(?:\ \w+)?
    |(?:related|latest|top|more|popular|trending|recommended)
     \ (?:stories|news|articles|headlines|coverage|content|links|posts|reads|reading|topics|videos|now))""",
    re.IGNORECASE | re.VERBOSE,
)
_NUMBER = r"(?:\d+\s*|(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+)"
_UNIT = r"(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?|mos?|months?|y|yrs?|years?)"
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DASH = r"[-–—|·•]"
_TIME_MARKER = re.compile(
    rf"""{_DASH}?\s*(?:
        (?:about\ |over\ |under\ )?{_NUMBER}{_UNIT}(?:\s+ago)?
        |just\ now|now|today|yesterday|last\ (?:night|week)
        |{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}}
    )?\s*{_DASH}?""",
    re.IGNORECASE | re.VERBOSE,
)
_BULLET = re.compile(r"[-–—•·*▸►>]\s+\S")

_HEADLINE_MAX_WORDS = 25
_CAPTION_TITLE_MAX_WORDS = 9


@dataclass(frozen=True)
class _Line:
    start: int  # first non-whitespace character
    end: int  # just after the last non-whitespace character
    text: str  # the stripped line


def kept_blocks(text: str) -> tuple[Span, ...]:
    """Spans of ``text`` left after dropping chrome lines: maximal runs of content lines.

    Blank lines do not break a run, so paragraphs separated by blank lines stay one block; a chrome line does.
    Each span starts at the first non-whitespace character of its first line and ends after the last
    non-whitespace character of its last line, so ``text[start:end]`` is an exact slice of the input.
    """
    lines = _lines(text)
    chrome = _chrome_lines(lines)
    blocks: list[Span] = []
    run: list[_Line] = []
    for index, line in enumerate(lines):
        if index in chrome:
            if run:
                blocks.append((run[0].start, run[-1].end))
            run = []
        else:
            run.append(line)
    if run:
        blocks.append((run[0].start, run[-1].end))
    return tuple(blocks)


def _lines(text: str) -> list[_Line]:
    """The non-blank lines of ``text`` with the offsets of their stripped content (``\\r\\n`` and ``\\r`` too)."""
    lines = []
    for match in _LINE.finditer(text):
        raw = match.group().rstrip("\r\n")
        stripped = raw.strip()
        if stripped:
            start = match.start() + len(raw) - len(raw.lstrip())
            lines.append(_Line(start, start + len(stripped), stripped))
    return lines


def _chrome_lines(lines: list[_Line]) -> set[int]:
    """Indexes (into the non-blank ``lines``) of the lines that belong to the site, not the story."""
    chrome = {i for i, line in enumerate(lines) if _is_chrome_line(line.text)}
    # A short caption title sits right above its credit line ("Crowds at the pier" / "... (Jo Lee/Agency)").
    # The first line is never taken for one: it is the article's own title.
    for i in range(2, len(lines)):
        if _is_credit(lines[i].text) and _is_caption_title(lines[i - 1].text):
            chrome.add(i - 1)
    chrome |= _story_lists(lines)
    return chrome


def _is_chrome_line(line: str) -> bool:
    return (
        _is_label(line)
        or _is_call_to_action(line)
        or _is_shouted_promo(line)
        or _is_credit(line)
        or _is_related_heading(line)
    )


def _is_label(line: str) -> bool:
    """Rule 5: player, ad and sharing labels ("Advertisement", "Audio By Vendor", "00:00", "Watch:")."""
    return len(line.split()) <= 6 and _LABEL.fullmatch(line.rstrip(":").strip()) is not None


def _is_call_to_action(line: str) -> bool:
    """Rule 2: short lines telling the reader to click, subscribe, download or follow."""
    if len(line.split()) > 20 or not _CTA_PHRASE.search(line):
        return False
    if _upper_share(line) >= 0.8 or not _ends_sentence(line):
        return True
    # A full sentence is a call to action only when it opens with the verb and addresses the reader.
    opens_with_verb = _CTA_OPENING.match(line.lstrip("-–—•·*>▸► ")) is not None
    return opens_with_verb and _READER.search(line) is not None


def _is_shouted_promo(line: str) -> bool:
    """Rule 3: all-caps headlines of four words or more are cross-promotion links, not story text."""
    words = [w for w in line.split() if any(c.isalpha() for c in w)]
    return 4 <= len(words) <= 30 and _upper_share(line) >= 0.8


def _is_credit(line: str) -> bool:
    """Rule 4: photo credits, e.g. "... (Name/Agency via Getty Images)", "Credit: ...", "Image source, ..."."""
    if _CREDIT_LEAD.match(line):
        return True
    paren = _TRAILING_PAREN.search(line)
    if paren and (_CREDIT_WORDS.search(paren.group(1)) or _NAME_SLASH_AGENCY.search(paren.group(1))):
        return True
    after_sentence = _AFTER_SENTENCE_PAREN.search(line)
    if after_sentence and _is_title_case(after_sentence.group(1), max_words=6):
        return True  # "... on Tuesday. (Metro Daily News)": a caption whose credit is just the outlet's name
    short = len(line.split()) <= 8 and not _ends_sentence(line)
    return short and (_AGENCY_LINE.search(line) is not None or _NAME_SLASH_AGENCY.fullmatch(line) is not None)


def _is_caption_title(line: str) -> bool:
    return len(line.split()) <= _CAPTION_TITLE_MAX_WORDS and not _ends_sentence(line) and not line.endswith(":")


def _is_related_heading(line: str) -> bool:
    return len(line.split()) <= 6 and _RELATED_HEADING.fullmatch(line.rstrip(":").strip()) is not None


def _story_lists(lines: list[_Line]) -> set[int]:
    """Rule 1: "latest stories" lists: headlines interleaved with relative times or lone dashes.

    Each non-blank line gets a letter: R related heading, M time or dash marker, B bulleted short line,
    H short non-sentence line, C anything else. A list is a heading followed by two or more list lines, or
    (without a heading) at least two markers where no two headlines touch, so an ordinary bulleted list in
    the story is kept.
    """
    kinds = "".join(_kind(line.text) for line in lines)
    dropped: set[int] = set()
    for pattern in (r"R[MHB]{2,}", r"H?M(?:H?M)+H?"):
        for match in re.finditer(pattern, kinds):
            dropped.update(range(match.start(), match.end()))
    if kinds.startswith("HM"):
        dropped.discard(0)  # a headline right above a date is the article's own title
    return dropped


def _kind(line: str) -> str:
    if _is_related_heading(line):
        return "R"
    if _TIME_MARKER.fullmatch(line):
        return "M"
    short = len(line.split()) <= _HEADLINE_MAX_WORDS and not line.endswith((".", ":"))
    if short and _BULLET.match(line):
        return "B"
    return "H" if short else "C"


def _ends_sentence(line: str) -> bool:
    return _SENTENCE_END.search(line) is not None


def _upper_share(line: str) -> float:
    cased = [c for c in line if c.isupper() or c.islower()]
    return sum(c.isupper() for c in cased) / len(cased) if cased else 0.0


def _is_title_case(phrase: str, max_words: int) -> bool:
    words = phrase.split()
    return 0 < len(words) <= max_words and all(not w[0].isalpha() or w[0].isupper() for w in words)
