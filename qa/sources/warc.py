"""WARC / .warc.gz web archives -> one Article per HTML response, streamed record by record.

warcio reads one record at a time from the stream (gzip members are decompressed as they come), so a multi-GB crawl
never sits in memory: only one page's payload is held, and a payload past the record limit is skipped unread.
Each page goes through the same HTML extraction as a saved .html file; the record's WARC-Target-URI becomes the
article's url and its id (``crawl.warc.gz#https://...``), and WARC-Date (the crawl date) is its date when the page
states none of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from qa import ingest
from qa.records import Article
from qa.sources.base import MAX_RECORD_BYTES, Bad, Skip, digest, html_article, iso_date, record_id

__all__ = ["read"]

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def read(stream: BinaryIO, source: str, name: str) -> Iterator[Article | Skip]:
    # Imported here: only runs that read web archives need warcio.
    from warcio.archiveiterator import ArchiveIterator

    count = yielded = 0
    records = iter(ArchiveIterator(stream))
    record = None
    while True:
        try:
            previous, record = record, next(records)  # warcio reads the rest of the previous record first
        except StopIteration:
            if record is not None and _cut_short(record):
                yield Skip(source, _damaged(EOFError("the file ends inside a record"), count))
                return
            break
        except Exception as exc:  # noqa: BLE001 - ArchiveLoadFailed, EOFError, zlib.error: a damaged archive
            yield Skip(source, _damaged(exc, count))
            return
        if previous is not None and _cut_short(previous):  # a gzip member that ended early, then another one
            yield Skip(source, _damaged(EOFError("a record is cut short"), count))
            return
        count += 1
        if record.format != "warc":  # warcio reads any line as an old ARC header: this is no WARC (any more)
            yield Skip(source, _damaged(ValueError("no WARC/1.x record header"), count - 1))
            return
        if record.rec_type not in ("response", "resource"):
            continue  # requests, metadata, revisits: no page body
        uri = record.rec_headers.get_header("WARC-Target-URI") or ""
        if record.rec_type == "response":
            if record.http_headers is None:
                continue  # a DNS or other non-HTTP response
            status = record.http_headers.get_statuscode() or ""
            if not status.startswith("2"):
                continue  # redirects, errors: not an article
            ctype = record.http_headers.get_header("Content-Type") or ""
        else:
            ctype = record.rec_headers.get_header("Content-Type") or ""
        if ctype.split(";")[0].strip().lower() not in _HTML_TYPES:
            continue  # images, scripts, styles, feeds fetched during the crawl
        here = f"{source}#{record_id(uri or count)}"
        try:
            payload = record.content_stream().read(MAX_RECORD_BYTES + 1)
        except Exception as exc:  # noqa: BLE001 - a payload cut short, a bad chunked or gzip encoding
            yielded += 1
            yield Skip(here, f"unreadable payload ({type(exc).__name__}: {exc})")
            continue
        if _cut_short(record):  # the file ends inside this page: index none of it
            yield Skip(source, _damaged(EOFError(f"{uri or 'a page'} is cut short"), count - 1))
            return
        if len(payload) > MAX_RECORD_BYTES:
            yielded += 1
            yield Skip(here, f"page larger than {MAX_RECORD_BYTES // (1024 * 1024)} MiB")
            continue
        if not payload.strip():
            yielded += 1
            yield Skip(here, "empty page")
            continue
        page, warnings = ingest._decode(payload, True)
        try:
            made = html_article(
                page,
                here,
                kind="warc",
                content_hash=digest(payload),
                url=uri or None,
                date=iso_date(record.rec_headers.get_header("WARC-Date")),
            )
        except Bad as exc:
            yielded += 1
            yield Skip(here, str(exc))
            continue
        yielded += 1
        yield made if not warnings else _with(made, warnings)
    if count == 0:
        yield Skip(source, "no WARC records (empty file)")
    elif not yielded:
        yield Skip(source, f"no HTML pages among its {count} record(s)")


def _cut_short(record: Any) -> bool:
    """Whether the file ended before the record's declared Content-Length (a truncated download or copy).

    warcio stops quietly at the end of the data; its record stream counts down the bytes still owed.
    """
    if record.rec_headers.get_header("Content-Length") is None:  # every WARC record has one: the headers are cut
        return True
    raw = record.raw_stream
    while raw.read(1 << 16):
        pass
    return getattr(raw, "limit", 0) > 0


def _with(made: Article, warnings: list[str]) -> Article:
    from dataclasses import replace

    return replace(made, warnings=(*made.warnings, *warnings))


def _damaged(exc: Exception, count: int) -> str:
    what = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if count == 0:
        return f"not a WARC file ({what})"
    return f"damaged or truncated after {count} record(s) ({what}); the records before it are indexed"
