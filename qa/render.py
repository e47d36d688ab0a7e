"""Results as text for a terminal (rich) or a pipe (plain). Article text is always shown literally.

Article text never goes through a markup parser (rich ``Text`` objects, not markup strings), and control characters
(ANSI escapes, terminal control sequences) are replaced by visible symbols so a hostile page cannot drive the terminal.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from qa.records import Answer, Result

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BREAKS = re.compile(r"\s*\n\s*")


def safe(text: str) -> str:
    """Control characters as visible Unicode control pictures (ESC -> ␛); newlines and tabs kept."""
    return _CONTROL.sub(lambda m: chr(0x2400 + ord(m.group())) if ord(m.group()) < 0x20 else "\ufffd", text)


def one_line(text: str) -> str:
    """``safe`` text kept to one line (newline -> ␊, tab -> ␉), printable anywhere (undecodable name bytes escaped)."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return safe(text).replace("\n", "\u240a").replace("\t", "\u2409")


def plain(result: Result) -> str:
    lines = [f"Q: {safe(result.question)}"]
    if result.notice:
        lines.append(f"   ({result.notice})")
    if not result.answered:
        lines.append("No confident answer." + (" Closest passages:" if result.answers else ""))
    for a in result.answers:
        if head := short_line(result, a):  # the short answer, then the sentence it stands in
            lines.append(f"[{a.rank}] {head}")
            lines.append(f"    {one_paragraph(a.highlight)}")
        else:
            lines.append(f"[{a.rank}] {one_paragraph(a.highlight)}")
        lines.append(f"    {safe(a.title)} | {safe(a.source)}{where(a)} [{a.start}:{a.end}] score {a.score:.3f}")
        if a.url:  # the original, to open: on a line of its own so a terminal can make it a link
            lines.append(f"    {one_line(a.url)}")
        if a.also_in:
            lines.append(f"    also in: {', '.join(safe(s) for s in a.also_in)}")
    return "\n".join(lines)


def short_first(result: Result, answer: Answer) -> bool:
    """Whether the answer's short answer is shown above it: the top answer of a confident result, when there is one."""
    return answer.rank == 1 and result.answered and bool(answer.short_answer)


def short_line(result: Result, answer: Answer) -> str | None:
    """The ``safe`` line shown above an answer: the byline or date that answers "who wrote …?" and where it came from
    (the passage then shows which article it is), or the span asked for (``short_first``); None for neither."""
    if answer.answer_from:
        return f"{safe(str(answer.short_answer))} (from the article's {answer.answer_from})"
    return safe(str(answer.short_answer)) if short_first(result, answer) else None


def one_paragraph(text: str) -> str:
    """``safe`` text with its line breaks read as spaces (a highlight can take in the sentence before, a line up)."""
    return safe(_BREAKS.sub(" ", text))


def where(answer: Answer) -> str:
    """The page a PDF answer's highlight starts on (", page 4"), else nothing."""
    return f", page {answer.page}" if answer.page else ""


MEDIUM_SPAN = 1.5  # log-odds above the answering threshold that still reads as "medium"


def confidence_label(confidence: float | None) -> str | None:
    """high / medium / low from a Result's log-odds: low below the answering threshold, medium up to 1.5 above it."""
    if confidence is None:
        return None
    # Deferred: qa.answer loads the search stack, which the app's first paint must not wait for.
    from qa.answer import THRESHOLD

    if confidence < THRESHOLD:
        return "low"
    return "medium" if confidence <= THRESHOLD + MEDIUM_SPAN else "high"


def headline(answer: Answer) -> str:
    """The article's headline; a .txt file without a headline line has its lede cut to a title ("…"): a cut sentence
    reads as a mistake, so the file name stands in for it."""
    if answer.title.endswith("…") or not answer.title.strip():
        return PurePosixPath(answer.source).name
    return answer.title


def passage_text(answer: Answer, style: str = "bold yellow"):  # -> rich.text.Text
    """The passage with its highlight sentence styled; literal text, no markup parsing."""
    from rich.text import Text  # deferred: only terminal output needs rich

    text = Text(safe(answer.passage))
    s, e = answer.highlight_start - answer.start, answer.highlight_end - answer.start
    text.stylize(style, max(0, s), max(0, e))
    return text


def rich_result(result: Result):  # -> rich renderable
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    parts: list[object] = [Text(f"Q: {safe(result.question)}", style="bold")]
    if result.notice:
        parts.append(Text(result.notice, style="dim"))
    if not result.answered:
        parts.append(Text("No confident answer." + (" Closest passages:" if result.answers else ""), style="bold red"))
    for a in result.answers:
        # The head: headline, then date, source and (on the top answer, whose confidence it is) a plain word; the
        # answering sentence is shown once, marked inside its passage. Score and offsets are in --format json.
        label = confidence_label(result.confidence) if a.rank == 1 else None
        name = headline(a)
        source = "" if name == a.source and not a.page else f"{safe(a.source)}{where(a)}"  # not the title twice
        facts = [a.date and str(a.date)[:10], source, label and f"confidence {label}"]
        title = Text(f"[{a.rank}] {safe(name)}", style="cyan")
        subtitle = Text(" · ".join(f for f in facts if f), style="dim")
        body = [passage_text(a)]
        if head := short_line(result, a):
            body.insert(0, Text(head, style="bold green"))
        if a.url:  # shown, not made an OSC 8 link: no escape sequence carries text from the articles
            body.append(Text(one_line(a.url), style="blue"))
        if a.also_in:
            body.append(Text("also in: " + ", ".join(safe(s) for s in a.also_in), style="green"))
        parts.append(Panel(Group(*body), title=title, subtitle=subtitle, title_align="left"))
    return Group(*parts)
