"""Filters typed in the question box: ``/since 2005-03 /section politics``, then optionally the question.

``/since``, ``/until``, ``/section``, ``/source`` and ``/author`` set a filter (a value with spaces in quotes, or a
month and year: ``/since March 2005``); ``/clear`` removes them all; ``/articles`` opens the list of articles. The
words after the commands, if any, are the question, asked with the new filters.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qa.errors import QAError
from qa.filters import DateError, Filters

if TYPE_CHECKING:
    from qa.tui.chat_screen import ChatScreen

NAMES = ("since", "until", "section", "source", "author")
ACTIONS = ("clear", "articles")
HELP = "/since DATE, /until DATE, /section NAME, /source GLOB, /author NAME, /clear, /articles"
_MONTH_WORD = re.compile(r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?", re.IGNORECASE)


class CommandError(QAError):
    """A filter command that cannot be used; the message says how to write it."""


@dataclass(frozen=True)
class Command:
    filters: Filters
    rest: str = ""  # the question typed after the commands ("" when there is none)
    actions: frozenset[str] = field(default_factory=frozenset)


def is_command(text: str) -> bool:
    return text.lstrip().startswith("/")


def parse(text: str, current: Filters) -> Command:
    """The filters after applying the commands at the start of ``text`` to ``current``.

    Raises:
        CommandError: an unknown command, a command without its value, or a date that cannot be read.
    """
    try:
        tokens = shlex.split(text)
    except ValueError:  # an unclosed quote: read the words as they are
        tokens = text.split()
    values = {name: getattr(current, name) for name in NAMES}
    actions: set[str] = set()
    i = 0
    while i < len(tokens) and tokens[i].startswith("/"):
        name = tokens[i][1:].lower()
        i += 1
        if name in ACTIONS:
            actions.add(name)
            if name == "clear":
                values = dict.fromkeys(NAMES)
            continue
        if name not in NAMES:
            raise CommandError(f"unknown command /{name}; use {HELP}")
        if i >= len(tokens) or tokens[i].startswith("/"):
            raise CommandError(f"/{name} needs a value, e.g. /{name} {_EXAMPLE[name]}")
        value = tokens[i]
        i += 1
        if name in ("since", "until") and _MONTH_WORD.fullmatch(value) and i < len(tokens) and tokens[i].isdigit():
            value, i = f"{value} {tokens[i]}", i + 1  # "/since March 2005"
        values[name] = value
    try:
        filters = Filters.parse(**values)
    except DateError as exc:
        raise CommandError(str(exc).replace("--", "/")) from exc
    return Command(filters, " ".join(tokens[i:]), frozenset(actions))


def as_command(filters: Filters) -> str:
    """The commands that set ``filters`` ("" for none)."""
    parts = []
    for name in NAMES:
        value = getattr(filters, name)
        if value is not None:
            parts.append(f"/{name} {shlex.quote(value) if ' ' in value else value}")
    return " ".join(parts)


def without(filters: Filters, name: str) -> Filters:
    return dataclasses.replace(filters, **{name: None})


_EXAMPLE = {"since": "2005-03", "until": "2005", "section": "politics", "source": "'sport/*'", "author": "smith"}


def set_filters(chat: ChatScreen, filters: Filters) -> None:
    """Make ``filters`` the ones every next question is asked with, and show them on the status bar."""
    chat.engine.filters = filters
    chat.status_bar.set_filters(filters.describe() if filters else "")


def take_command(chat: ChatScreen, text: str) -> str:
    """Apply the filter commands at the start of ``text``; returns the question typed after them ("" if none)."""
    try:
        command = parse(text, chat.engine.filters)
    except CommandError as exc:
        chat.notify(str(exc), title="Filters", severity="warning", markup=False)
        return ""
    if command.filters != chat.engine.filters:
        set_filters(chat, command.filters)
        said = command.filters.describe() if command.filters else "none: every article answers"
        chat.notify(said, title="Filters", markup=False)
    if "articles" in command.actions:
        chat.action_articles()
    return command.rest
