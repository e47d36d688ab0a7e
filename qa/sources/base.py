"""What every reader shares: the Skip record, limits, and turning text or HTML into an ``Article``.

Readers hand over the text they extracted and the metadata the format carries; this module applies the same rules
as ``qa.ingest`` does for single files (HTML through trafilatura, site chrome removed, length limits), so an article
from a WARC record or a feed entry is indexed exactly as the same page saved as a .html file would be.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from qa import ingest
from qa.chrome import kept_blocks
from qa.errors import ArticleSkipped
from qa.records import Article

# One record (a WARC payload, an e-mail, a feed, a dump line) larger than this is skipped: a news article is
# kilobytes, and the same cap applies to single files (qa.ingest.MAX_BYTES).
MAX_RECORD_BYTES = ingest.MAX_BYTES
# A body this long (in characters of text) counts as full text in a feed entry's summary; shorter ones are teasers.
FULL_TEXT_MIN_CHARS = 400

_HTML_HINT = re.compile(r"<(?:p|div|br|article|body|html|span|a|h[1-6]|ul|li|table|em|strong)\b[^>]*>", re.IGNORECASE)
_SOFT = re.compile(r"[\x02\ufffe\u00ad]")  # pdfium's hyphen marks and soft hyphens: the word continues
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SENTENCE_END = re.compile(r"""[.!?:…]["'”’»)\]]*$""")
_ID_UNSAFE = re.compile(r"[\s#]+")


@dataclass(frozen=True)
class Skip:
    """A file or record that yields no article, and why (one line a person can act on)."""

    source: str
    reason: str


class Bad(Exception):
    """A record cannot become an article; the message is the reason."""


def digest(*parts: bytes | str) -> str:
    """sha256 over the parts, NUL-separated: the content hash of one record."""
    h = hashlib.sha256()
    for n, part in enumerate(parts):
        if n:
            h.update(b"\0")
        h.update(part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part)
    return h.hexdigest()


def record_id(value: object) -> str:
    """A record id fit for ``file#id``: one line, no '#', not overly long."""
    text = _ID_UNSAFE.sub(" ", str(value)).strip()
    return text[:200] or "?"


def looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text[:20_000]))


def article(
    source: str,
    text: str,
    *,
    kind: str,
    content_hash: str,
    title: str | None = None,
    date: str | None = None,
    author: str | None = None,
    url: str | None = None,
    section: str | None = None,
    outlet: str | None = None,
    pages: tuple[int, ...] = (),
    warnings: Iterable[str] = (),
) -> Article:
    """An ``Article`` over ``text`` (which offsets index), with chrome removed; raises ``Bad`` when nothing is left."""
    if not text.strip():
        raise Bad("no text")
    if len(text) > ingest.MAX_TEXT_CHARS:
        raise Bad(f"text too long ({len(text):,} characters, the limit is {ingest.MAX_TEXT_CHARS:,})")
    blocks = kept_blocks(text)
    if not blocks:
        raise Bad("no text left after removing site chrome")
    title = one_line(title) or ingest._first_line(text, blocks, markdown=False)
    return Article(
        source=source,
        title=title,
        text=text,
        blocks=blocks,
        content_hash=content_hash,
        kind=kind,
        date=date or None,
        author=one_line(author),
        warnings=tuple(warnings),
        section=one_line(section),
        url=one_line(url),
        outlet=one_line(outlet),
        pages=pages,
    )


def html_article(page: str, source: str, *, kind: str, content_hash: str, **meta: str | None) -> Article:
    """An article from an HTML page or fragment, through qa.ingest's extraction (trafilatura).

    Metadata passed in (from the feed, dump or mail headers) wins over what trafilatura finds in the page, except
    ``date``: a date the page states is its publication date, so a passed date (a crawl date) only fills a gap.
    """
    try:
        text, title, date, author = ingest._extract_html(page, source)
    except ArticleSkipped as exc:
        raise Bad(str(exc).split(": ", 1)[-1]) from None
    given = {k: v for k, v in meta.items() if v}
    return article(
        source,
        text,
        kind=kind,
        content_hash=content_hash,
        title=given.pop("title", None) or title or ingest._html_title(page),
        date=date or given.pop("date", None),
        author=given.pop("author", None) or author,
        **{k: v for k, v in given.items() if k != "date"},
    )


def body_article(body: str, source: str, *, kind: str, content_hash: str, **meta: str | None) -> Article:
    """Text or HTML (sniffed), as dumps and feeds hold either."""
    if looks_like_html(body):
        return html_article(body, source, kind=kind, content_hash=content_hash, **meta)
    return article(source, clean_text(body), kind=kind, content_hash=content_hash, **meta)  # type: ignore[arg-type]


def file_article(raw: bytes, source: str, name: str) -> Article:
    """A .txt, .md or .html file held in memory (an archive member), read as ``qa.ingest.read_article`` reads files.

    Raises:
        Bad: the same reasons read_article gives (empty, binary, no text).
    """
    if not raw:
        raise Bad("empty file")
    if len(raw) > ingest.MAX_BYTES:
        raise Bad(f"larger than {ingest.MAX_BYTES // (1024 * 1024)} MiB")
    suffix = name.rsplit(".", 1)[-1].lower()
    is_html = suffix in ("html", "htm")
    text, warnings = ingest._decode(raw, is_html)
    if "\x00" in text[:8192] or ingest._looks_binary(text[:8192]):
        raise Bad("binary file, not text")
    if not text.strip():
        raise Bad("only whitespace")
    content_hash = hashlib.sha256(raw).hexdigest()  # as read_article: a file moved into an archive keeps its vectors
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if is_html:
        made = html_article(text, source, kind="html", content_hash=content_hash)
        return replace(made, title=made.title or stem, warnings=tuple(warnings))
    blocks = kept_blocks(text)
    if not blocks:
        raise Bad("no text left after removing site chrome")
    if len(text) > ingest.MAX_TEXT_CHARS:
        raise Bad(f"text too long ({len(text):,} characters, the limit is {ingest.MAX_TEXT_CHARS:,})")
    title = ingest._first_line(text, blocks, markdown=suffix == "md") or stem
    return Article(source, title, text, blocks, content_hash, "text", warnings=tuple(warnings))


def clean_text(text: str) -> str:
    """Plain text from a record: line ends made ``\\n``, control characters dropped, outer blank space trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def unwrap(text: str) -> str:
    """Join hard-wrapped lines (PDF lines, 72-column e-mail) into paragraphs, one per line.

    The chunker ends a sentence at every newline, so a sentence wrapped over three lines would be three fragments.
    A line ends its paragraph when a blank line follows, or when it is clearly shorter than the widest line (the
    last line of a paragraph, a headline); other lines are joined with a space. A soft hyphen ending a line joins
    the word's halves; pdfium joins those itself and leaves a mark (\\x02) where the hyphen was, which is dropped.
    """
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    widest = max((len(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current, glue = "", False
    for n, raw in enumerate(lines):
        if not raw:
            if current:
                paragraphs.append(current)
            current, glue = "", False
            continue
        soft_end = raw.endswith(("\u00ad", "\x02", "\ufffe"))
        line = _CONTROL.sub("", _SOFT.sub("", raw)).strip()
        current = (current + line if glue else f"{current} {line}") if current else line
        glue = soft_end
        if soft_end:
            continue
        short = len(raw) < 0.75 * widest
        if n + 1 == len(lines) or short or (_SENTENCE_END.search(line) and len(raw) < 0.9 * widest):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n".join(p for p in paragraphs if p)


def one_line(value: object) -> str | None:
    """A metadata value as one trimmed line, or None. Lists (several authors) are joined with commas."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return one_line(", ".join(filter(None, (one_line(v) for v in value))))
    if isinstance(value, dict):
        return one_line(value.get("name") or value.get("@value") or value.get("title"))
    text = " ".join(str(value).split())
    return text or None


def iso_date(value: object) -> str | None:
    """A date in any common exporter form (ISO 8601, RFC 2822, PDF ``D:2024...``, epoch seconds) as YYYY-MM-DD.

    A value that parses as none of these is kept as written: a date a person can still read beats none.
    """
    text = one_line(value)
    if not text:
        return None
    if re.fullmatch(r"\d{9,11}(?:\.\d+)?", text):  # epoch seconds
        return datetime.fromtimestamp(float(text), tz=UTC).date().isoformat()
    pdf = re.fullmatch(r"D:(\d{4})(\d{2})?(\d{2})?.*", text)
    if pdf:
        return "-".join(p for p in (pdf.group(1), pdf.group(2) or "01", pdf.group(3) or "01"))
    try:
        return datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    match = re.match(r"(\d{4}-\d{2}-\d{2})\b", text)
    return match.group(1) if match else text
