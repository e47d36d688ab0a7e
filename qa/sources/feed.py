"""RSS / Atom feeds -> one Article per entry that carries the full story.

feedparser reads every RSS and Atom dialect (and their many malformed variants). A feed usually carries teasers: an
entry counts as an article when it has full content (``content:encoded``, Atom ``<content>``) or a summary of at
least ``FULL_TEXT_MIN_CHARS`` characters of text; other entries are skipped with that reason.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from typing import Any, BinaryIO

from qa.records import Article
from qa.sources.base import (
    FULL_TEXT_MIN_CHARS,
    MAX_RECORD_BYTES,
    Bad,
    Skip,
    body_article,
    digest,
    iso_date,
    one_line,
    record_id,
)

__all__ = ["read"]


def read(stream: BinaryIO, source: str, name: str) -> Iterator[Article | Skip]:
    # Imported here: feedparser is only needed by runs that read feeds.
    import feedparser

    raw = stream.read(MAX_RECORD_BYTES + 1)
    if len(raw) > MAX_RECORD_BYTES:
        yield Skip(source, f"feed larger than {MAX_RECORD_BYTES // (1024 * 1024)} MiB")
        return
    # A file object, never a string: feedparser would fetch a string that looks like a URL.
    parsed = feedparser.parse(io.BytesIO(raw), resolve_relative_uris=False, sanitize_html=True)
    if not parsed.entries:
        if not parsed.get("version"):
            problem = parsed.get("bozo_exception")
            yield Skip(source, "not an RSS or Atom feed" + (f" ({_first_line(problem)})" if problem else ""))
        else:
            yield Skip(source, "a feed with no entries")
        return
    outlet = one_line(parsed.feed.get("title"))
    for n, entry in enumerate(parsed.entries, 1):
        here = f"{source}#{record_id(entry.get('id') or entry.get('link') or n)}"
        body = _body(entry)
        if not body:
            length = len(_text_of(entry.get("summary") or ""))
            yield Skip(here, f"no full text, only a {length}-character summary" if length else "no text")
            continue
        try:
            yield body_article(
                body,
                here,
                kind="feed",
                content_hash=digest(json.dumps([entry.get("title"), entry.get("link"), _date(entry), body])),
                title=one_line(entry.get("title")),
                date=_date(entry),
                author=one_line(entry.get("author")),
                url=one_line(entry.get("link")),
                section=one_line(entry.get("tags", [{}])[0].get("term")) if entry.get("tags") else None,
                outlet=outlet,
            )
        except Bad as exc:
            yield Skip(here, str(exc))


def _body(entry: Any) -> str:
    """The entry's full text (HTML or plain, told apart later by sniffing), or "" when it has only a teaser."""
    contents = [c.get("value") or "" for c in entry.get("content", [])]
    best = max(contents, key=len, default="")
    if best.strip():
        return best
    summary = entry.get("summary") or ""
    return summary if len(_text_of(summary)) >= FULL_TEXT_MIN_CHARS else ""


def _text_of(html: str) -> str:
    """Rough visible text of an HTML fragment, for measuring a summary (not for indexing)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _date(entry: Any) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed:
        return time.strftime("%Y-%m-%d", parsed)
    return iso_date(entry.get("published") or entry.get("updated"))


def _first_line(problem: object) -> str:
    return (str(problem).splitlines() or [type(problem).__name__])[0]
