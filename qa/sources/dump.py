"""JSONL / NDJSON / CSV article dumps -> one Article per record, read a line or row at a time.

Exporters name their fields differently (a CMS export's ``headline`` and ``byline``, a scraper's ``title`` and
``author``, NewsAPI's ``publishedAt``, schema.org's ``datePublished`` and ``articleBody``); field names are compared
lower-cased with ``_``, ``-`` and spaces dropped, against the lists below, first match wins. A mapping given with
``--dump-fields`` / ``QA_DUMP_FIELDS`` (``Settings.dump_fields``, e.g. ``(("text", "story"),)``) replaces a list: that
field is read from the named exporter field only. A record's source is ``file#id``, the id taken from an id/guid/url
field, else the line (JSONL) or row (CSV) number.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from qa.records import Article
from qa.sources.base import MAX_RECORD_BYTES, Bad, Skip, body_article, digest, iso_date, one_line, record_id

__all__ = ["FIELDS", "Mapping", "read"]

Mapping = tuple[tuple[str, str], ...]  # (our field, the exporter's field name), as in Settings.dump_fields

FIELDS: dict[str, tuple[str, ...]] = {
    "text": (
        "text", "body", "content", "article", "articlebody", "bodytext", "fulltext", "maintext", "story",
        "contentencoded", "articletext",
    ),
    "title": ("title", "headline", "webtitle"),
    "date": (
        "date", "published", "datepublished", "pubdate", "publishedat", "publishdate", "publicationdate",
        "webpublicationdate", "datetime", "created", "createdat",
    ),
    "author": ("author", "authors", "byline", "creator", "dccreator", "by", "writer"),
    "url": ("url", "link", "weburl", "canonicalurl", "permalink", "href"),
    "id": ("id", "guid", "uuid", "docid", "articleid", "uid"),
    "section": ("section", "sectionname", "category", "desk"),
    "outlet": ("outlet", "publisher", "sitename", "publication", "source", "domain"),
}  # fmt: skip
_KEY = re.compile(r"[\s_\-:.]+")


def read(stream: BinaryIO, source: str, name: str, mapping: Mapping = ()) -> Iterator[Article | Skip]:
    names = {**FIELDS, **{ours: (_KEY.sub("", theirs.lower()),) for ours, theirs in mapping}}
    # A record read under a mapping hashes with it: the same bytes read to other text or metadata are another article.
    salt = tuple(f"{ours}={theirs}" for ours, theirs in mapping)
    reading = _Reading(names, salt, dict(mapping).get("text"))
    yield from (_csv if name.lower().endswith(".csv") else _jsonl)(stream, source, reading)


@dataclass(frozen=True)
class _Reading:
    """How this dump's records are read: our fields' exporter names, the hash salt, the mapped text field if any."""

    names: dict[str, tuple[str, ...]]
    salt: tuple[str, ...]
    text_name: str | None

    def no_text(self, what: str) -> str:
        return f"no {self.text_name} {what} (the text, as mapped)" if self.text_name else f"no text/body/content {what}"


def _jsonl(stream: BinaryIO, source: str, reading: _Reading) -> Iterator[Article | Skip]:
    line_no = 0
    while True:
        raw = stream.readline(MAX_RECORD_BYTES + 1)
        if not raw:
            return
        line_no += 1
        if len(raw) > MAX_RECORD_BYTES and not raw.endswith(b"\n"):
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass  # the rest of the overlong line
            yield Skip(f"{source}#{line_no}", f"record larger than {MAX_RECORD_BYTES // (1024 * 1024)} MiB")
            continue
        line = raw.strip()
        if not line:
            continue
        if line_no == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        try:
            record = json.loads(line)
        except ValueError as exc:  # JSONDecodeError, or bytes that are not UTF-8
            yield Skip(f"{source}#{line_no}", f"line {line_no} is not valid JSON ({str(exc).split(':')[0]})")
            continue
        if not isinstance(record, dict):
            yield Skip(f"{source}#{line_no}", f"line {line_no} is not a JSON object")
            continue
        yield _record(record, source, line_no, raw, reading)


def _csv(stream: BinaryIO, source: str, reading: _Reading) -> Iterator[Article | Skip]:
    # A long article body is one CSV field: raise the csv module's 128 KiB field limit to the record limit.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_BYTES))
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    reader = csv.DictReader(text)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        yield Skip(source, f"not a readable CSV file ({exc})")
        return
    names = {_KEY.sub("", (h or "").lower()) for h in header}
    if not names & set(reading.names["text"]):
        yield Skip(source, reading.no_text("column in the CSV header"))
        return
    row_no = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # the rest of the file cannot be split into rows reliably
            yield Skip(f"{source}#{row_no + 1}", f"row {row_no + 1}: {exc}; the rest of the file is not read")
            return
        row_no += 1
        row.pop(None, None)  # cells past the header (a row with too many commas)
        yield _record(row, source, row_no, json.dumps(row, sort_keys=True, ensure_ascii=False), reading)


def _record(record: dict[str, Any], source: str, number: int, raw: bytes | str, reading: _Reading) -> Article | Skip:
    fields = _fields(record, reading.names)
    rid = fields.get("id") or fields.get("url")
    here = f"{source}#{record_id(rid) if rid else number}"
    body = fields.get("text")
    if not isinstance(body, str) or not body.strip():
        return Skip(here, reading.no_text("field"))
    outlet = fields.get("outlet")
    try:
        return body_article(
            body,
            here,
            kind="dump",
            content_hash=digest(raw, *reading.salt),  # the record's own bytes: a changed record is embedded again
            title=one_line(fields.get("title")),
            date=iso_date(fields.get("date")),
            author=one_line(fields.get("author")),
            url=one_line(fields.get("url")),
            section=one_line(fields.get("section")),
            outlet=one_line(outlet.get("name") if isinstance(outlet, dict) else outlet),
        )
    except Bad as exc:
        return Skip(here, str(exc))


def _fields(record: dict[str, Any], names: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """The record's values under our names: the first exporter field name (in ``names`` order) present and set."""
    by_key: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(key, str) and value not in (None, "", [], {}):
            by_key.setdefault(_KEY.sub("", key.lower()), value)
    found: dict[str, Any] = {}
    for ours, theirs in names.items():
        for name in theirs:
            if name in by_key:
                found[ours] = by_key[name]
                break
    return found
