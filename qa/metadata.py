"""What a news reader wants to know about an article: headline, publication date, byline, section, outlet, URL.

Pure functions over a page's markup or a file's decoded text. Whatever cannot be found stays ``None``: a guess (a
date mentioned in the story, a file's mtime, a page title's site suffix) is worse than nothing, since it is shown
to people as fact.

HTML is read from the metadata publishers write for search engines and social sites, most trusted first: JSON-LD
``NewsArticle``/``Article`` (including ``@graph`` and ``@id`` references), ``<meta>`` tags (Open Graph,
``article:*``, ``author``/``byl``, Parse.ly, Sailthru, Dublin Core, Twitter), then the visible page
(``<time datetime>``, ``rel=author`` and byline elements, ``<h1>``, ``<title>``). trafilatura reads some of these
too, but its date falls back to any date in the story text ("On March 3, 2005 the council...") and it has no
section, outlet or canonical URL, so these readers are our own; ``qa.ingest`` still uses trafilatura's title when
a page names none of its own.

Text and Markdown: YAML front matter at the very top (read with PyYAML), a "By Jane Smith" line and a dateline
("LONDON, March 3, 2005 —", "Published 3 March 2005", "Updated: 2025-03-11") among the first lines, and the first
line as the headline.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from qa.calendar_words import MONTH_NUMBERS, MONTH_PATTERN
from qa.chrome import kept_blocks
from qa.records import Span

__all__ = ["Metadata", "folder_section", "from_html", "from_text", "normalise_date"]


@dataclass(frozen=True)
class Metadata:
    """What an article says about itself. ``front_matter`` is the span of a text file's YAML header, if any."""

    title: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD: the publication date as the publisher wrote it (no time zone shift)
    author: str | None = None  # several authors joined with "; " (as trafilatura does)
    section: str | None = None
    outlet: str | None = None
    url: str | None = None
    front_matter: Span | None = None


# --- dates ----------------------------------------------------------------------------------------------------

_MONTH = rf"(?P<month>{MONTH_PATTERN})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
# Numeric day/month orders (03/04/2005) are ambiguous between US and UK use and are never read.
_DATE_FORMS = [
    re.compile(r"(?<!\d)(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)"),
    re.compile(rf"(?<![\w]){_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}(?!\d)", re.IGNORECASE),
    re.compile(rf"(?<![\w]){_MONTH}\s+{_DAY},?\s+{_YEAR}(?!\d)", re.IGNORECASE),
]
_COMPACT_DATE = re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})(?:T[\d:.]*Z?)?")  # NYT "pdate"
_EPOCH = re.compile(r"\d{10}|\d{13}")  # seconds or milliseconds (AP's data-timestamp)
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?"
_TIME = r"\d{1,2}(?:[:.]\d{2}){1,2}\s*(?:[ap]\.?m\.?)?|\d{1,2}\s*[ap]\.?m\.?"
_ZONE = r"(?-i:[A-Z]{2,5}|Z)|[+-]\d{2}:?\d{2}"  # "GMT", "EDT", "+01:00"; upper case even in an IGNORECASE pattern


def normalise_date(value: object) -> str | None:
    """``value`` as ISO ``YYYY-MM-DD``, or ``None`` when it holds no whole, valid date.

    Reads ISO timestamps, "March 3, 2005", "3 March 2005", "Thu, 03 Mar 2005 10:00:00 GMT", "20050303" and Unix
    times. The date is kept as written, not shifted to UTC: "2024-06-11T23:30-07:00" was published on the 11th
    where it was published. A library parser (dateutil) was not used: it fills a missing day or year from today.
    """
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(int(value))
    if not isinstance(value, str):
        return None
    value = value.strip()
    if _EPOCH.fullmatch(value):
        seconds = int(value) / (1000 if len(value) == 13 else 1)
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).date().isoformat()
    match = _COMPACT_DATE.fullmatch(value)
    if match:
        return _valid(match)
    for form in _DATE_FORMS:
        match = form.search(value)
        if match:
            return _valid(match)
    return None


def _valid(match: re.Match[str]) -> str | None:
    month = match["month"]
    number = int(month) if month.isdigit() else MONTH_NUMBERS[month.lower().rstrip(".")]
    try:
        date = dt.date(int(match["year"]), number, int(match["day"]))
    except ValueError:
        return None
    return date.isoformat() if 1800 <= date.year <= 2200 else None


def _date_span(value: str) -> re.Match[str] | None:
    for form in _DATE_FORMS:
        match = form.search(value)
        if match and _valid(match):
            return match
    return None


# --- names ----------------------------------------------------------------------------------------------------

_BY = re.compile(r"^\s*by\b[:\s]*", re.IGNORECASE)
_NAME_PARTICLES = frozenset("de del della der den di da dos du la le van von ten ter bin al el y e".split())
# Words that mark a byline part as a role or an organisation, not a person ("Staff Writer", "Associated Press").
_ROLE_WORDS = frozenset(
    """writer writers reporter reporters correspondent correspondents editor editors staff contributor contributors
    columnist columnists press news times post journal herald tribune guardian bureau desk agency wire service
    chief senior political foreign business sports health science technology opinion special""".split()
)
_BYLINE_CUT = re.compile(r"\s+[|·•]\s+|\s+[-–—]{1,2}\s+|\(|\n")
_MONTH_OR_DAY = re.compile(rf"(?:{_MONTH}|{_WEEKDAY})", re.IGNORECASE)


def _names(byline: str) -> list[str]:
    """The people named in a byline: "By JANE SMITH and Tom Lee, Staff Writers" -> ["Jane Smith", "Tom Lee"].

    Only parts that look like names are kept (two or more capitalised words, name particles allowed); roles,
    outlets and anything else are dropped, so a sentence that happens to start with "By" gives no names.
    """
    text = _BYLINE_CUT.split(_BY.sub("", byline.strip()), maxsplit=1)[0]
    names: list[str] = []
    for part in re.split(r",|;|\s+(?:and|&)\s+", text, flags=re.IGNORECASE):
        name = " ".join(part.split()).strip(" .:")
        if name.lower().startswith("and "):
            name = name[4:]
        if _looks_like_name(name):
            names.append(name.title() if name.isupper() else name)
    return names


def _looks_like_name(name: str) -> bool:
    words = name.split()
    if not 2 <= len(words) <= 5:
        return False
    if any(word.lower().strip(".") in _ROLE_WORDS for word in words):
        return False
    if _MONTH_OR_DAY.fullmatch(words[0]):
        return False
    return _name_word(words[0]) and all(_name_word(word) or word.lower() in _NAME_PARTICLES for word in words)


def _name_word(word: str) -> bool:
    """A capitalised word of letters, maybe with . ' ’ - inside ("O'Brien", "Smith-Jones", "J.")."""
    return word[0].isupper() and all(c.isalpha() or c in ".'’-" for c in word)


def _author(values: Iterable[str]) -> str | None:
    """Authors from metadata values, each one name or a byline ("By A and B", "Jane Smith, CNN")."""
    found: list[str] = []
    for value in values:
        names = _names(value)
        if not names:
            # Metadata is written for machines, so an unusual name ("Ngũgĩ wa Thiong'o") is kept as it is.
            name = " ".join(_BY.sub("", value).split())
            if name and not _is_url(name) and len(name) <= 80 and any(c.isalpha() for c in name):
                names = [name.title() if name.isupper() else name]
        found.extend(name for name in names if name not in found)
    return "; ".join(found) or None


def _is_url(value: str) -> bool:
    return re.match(r"(?:https?:)?//|www\.", value.strip(), re.IGNORECASE) is not None


# --- HTML -----------------------------------------------------------------------------------------------------

_ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "report",
    }
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)

# <meta> keys (name, property or itemprop, lower-cased), most trusted first.
_META_TITLE = ("og:title", "twitter:title", "headline", "parsely-title", "sailthru.title", "dc.title", "dcterms.title")
_META_DATE = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "pubdate",
    "publishdate",
    "publish-date",
    "article.published",
    "ptime",
    "pdate",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "date",
)
_META_AUTHOR = (
    "author",
    "byl",
    "parsely-author",
    "sailthru.author",
    "article:author",
    "og:article:author",
    "dc.creator",
    "dcterms.creator",
)
_META_SECTION = ("article:section", "og:article:section", "parsely-section", "section", "meta-section")
_META_OUTLET = ("og:site_name", "application-name", "dc.publisher", "dcterms.publisher", "publisher")
_META_URL = ("og:url", "twitter:url", "parsely-link")
_TITLE_SEPARATOR = re.compile(r"\s+[|–—•·:-]{1,2}\s+")


def from_html(page: str) -> Metadata:
    """Headline, date, author, section, outlet and URL of an HTML page; ``None`` for each one it does not name."""
    # Imported here: lxml is only needed for HTML (and trafilatura imports it anyway on that path).
    import lxml.html
    from lxml import etree

    try:
        document = lxml.html.document_fromstring(_XML_DECLARATION.sub("", page, count=1))
    except (etree.ParserError, ValueError):
        return Metadata()
    meta = _meta_tags(document)
    article, nodes = _json_ld_article(document)

    def first_meta(keys: Iterable[str]) -> list[str]:
        return next((meta[key] for key in keys if meta.get(key)), [])

    outlet = _text(_ld_name(article.get("publisher"), nodes)) or next(
        (value for key in _META_OUTLET for value in meta.get(key, []) if not _is_url(value)), None
    )
    titles = [article.get("headline"), *(meta.get(key, [None])[0] for key in _META_TITLE), _h1(document)]
    title = next((t for t in map(_title, titles) if t and t.lower() != (outlet or "").lower()), None)
    title = title or _page_title(document)
    date = normalise_date(_one(article.get("datePublished")) or _one(article.get("dateCreated")))
    date = date or next((d for key in _META_DATE for d in map(normalise_date, meta.get(key, [])) if d), None)
    author = _author(_ld_authors(article.get("author"), nodes))
    author = author or next((a for key in _META_AUTHOR if (a := _author(meta.get(key, [])))), None)
    section = _text(_one(article.get("articleSection"))) or _text(_one(first_meta(_META_SECTION)))
    url = next(
        (
            u
            for u in (
                _canonical(document),
                *(_one(meta.get(key)) for key in _META_URL),
                _one(article.get("url")),
                _ld_id(article.get("mainEntityOfPage")),
            )
            if isinstance(u, str) and re.match(r"https?://", u.strip())
        ),
        None,
    )
    return Metadata(
        title=_drop_outlet(title, outlet) if title else None,
        date=date or _visible_date(document),
        author=author or _visible_author(document),
        section=section,
        outlet=outlet,
        url=url.strip() if url else None,
    )


def _meta_tags(document: Any) -> dict[str, list[str]]:
    """Every <meta> content by lower-cased name/property/itemprop, in page order (Parse.ly repeats authors)."""
    tags: dict[str, list[str]] = {}
    for element in document.iter("meta"):
        content = element.get("content")
        if content is None or not content.strip():
            continue
        for attribute in ("property", "name", "itemprop"):
            key = (element.get(attribute) or "").strip().lower()
            if key:
                tags.setdefault(key, []).append(" ".join(content.split()))
    return tags


def _json_ld_article(document: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The first article object in the page's JSON-LD, and every node by ``@id`` (for references)."""
    objects: list[dict[str, Any]] = []
    for script in document.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        source = (script.text or "").strip()
        source = re.sub(r"^(?:<!--|//\s*<!\[CDATA\[)|(?:-->|//\s*\]\]>)$", "", source).strip()
        try:
            data = json.loads(source, strict=False)  # strict=False: raw newlines inside strings are common
        except ValueError:
            continue
        objects.extend(_walk(data))
    nodes = {node["@id"]: node for node in objects if isinstance(node.get("@id"), str)}
    article = next((node for node in objects if _is_article(node)), {})
    return article, nodes


def _walk(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every JSON object in ``data``, outermost first (``@graph`` arrays, lists, ``mainEntity`` nesting)."""
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in data:
                yield from _walk(data[key], depth + 1)


def _is_article(node: dict[str, Any]) -> bool:
    kinds = node.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(kind, str) and kind.lower() in _ARTICLE_TYPES for kind in kinds)


def _resolve(value: Any, nodes: dict[str, dict[str, Any]]) -> Any:
    if isinstance(value, dict) and "name" not in value and isinstance(value.get("@id"), str):
        return nodes.get(value["@id"], value)
    return value


def _ld_name(value: Any, nodes: dict[str, dict[str, Any]]) -> Any:
    value = _resolve(_one(value), nodes)
    return value.get("name") if isinstance(value, dict) else value


def _ld_authors(value: Any, nodes: dict[str, dict[str, Any]]) -> list[str]:
    """Names from a JSON-LD author: a string, a Person/Organization object, an ``@id`` reference or a list."""
    items = value if isinstance(value, list) else [value]
    names = (_ld_name(item, nodes) for item in items)
    return [name for name in names if isinstance(name, str) and name.strip()]


def _ld_id(value: Any) -> Any:
    return value.get("@id") or value.get("url") if isinstance(value, dict) else value


def _one(value: Any) -> Any:
    """The first item of a list, or the value itself."""
    if isinstance(value, list):
        return next((item for item in value if item), None)
    return value


def _text(value: Any) -> str | None:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    text = " ".join(html.unescape(str(value)).split())
    return text or None


def _title(value: Any) -> str | None:
    """A headline, never a bare rule or punctuation ("---")."""
    text = _text(_one(value))
    return text if text and any(c.isalnum() for c in text) else None


def _h1(document: Any) -> str | None:
    """The headline <h1>: the one the <title> repeats, else the only one (several are section or logo heads)."""
    headings = [text for text in (_text(h1.text_content()) for h1 in document.iter("h1")) if text]
    page_title = next((_text(t.text_content()) for t in document.iter("title")), None) or ""
    repeated = [text for text in headings if text in page_title]
    return repeated[0] if repeated else headings[0] if len(headings) == 1 else None


def _page_title(document: Any) -> str | None:
    """The <title>, its site name cut: the longest part between " | " / " - " separators."""
    element = next(document.iter("title"), None)
    title = None if element is None else _text(element.text_content())
    if not title:
        return None
    return max(_TITLE_SEPARATOR.split(title), key=len).strip() or None


def _drop_outlet(title: str, outlet: str | None) -> str:
    """The title without the outlet's name around it ("Headline | Outlet" -> "Headline")."""
    if not outlet:
        return title
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) > 1 and parts[-1].strip().lower() == outlet.lower():
        return title[: title.lower().rindex(outlet.lower())].rstrip(" |–—•·:-")
    if len(parts) > 1 and parts[0].strip().lower() == outlet.lower():
        return title[len(parts[0]) :].lstrip(" |–—•·:-")
    return title


def _canonical(document: Any) -> str | None:
    for element in document.iter("link"):
        if "canonical" in (element.get("rel") or "").lower().split():
            return element.get("href")
    return None


def _classes(element: Any) -> list[str]:
    return [c.lower() for c in (element.get("class") or "").split()]


def _visible_date(document: Any) -> str | None:
    """A <time datetime> marked as the publication time, else the first one not marked as an update."""
    marked, plain = [], []
    for element in document.iter("time"):
        value = element.get("datetime") or element.get("content")
        if not value:
            continue
        classes = " ".join(_classes(element))
        if "updated" in classes or "modified" in classes or element.get("itemprop") == "dateModified":
            continue
        published = element.get("pubdate") is not None or element.get("itemprop") == "datePublished"
        (marked if published or "publish" in classes else plain).append(value)
    return next((d for d in map(normalise_date, marked + plain) if d), None)


def _visible_author(document: Any) -> str | None:
    """Names in the page's byline: rel=author links, itemprop=author, author-name elements, or a byline box."""
    names: list[str] = []
    boxes: list[Any] = []
    first: Any = None  # the first name's grandparent: names elsewhere (comments, "more from") are other people
    for element in (body for top in document.iter("body") for body in top.iter()):
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "link", "meta"):
            continue
        classes = _classes(element)
        if (
            "author" in (element.get("rel") or "").lower().split()
            or element.get("itemprop") == "author"
            or any(c in ("author-name", "byline__name", "byline-name", "fn") for c in classes)
        ):
            found = _names(_without_time(element))
            if found and first is None:
                first = element.getparent().getparent() if element.getparent() is not None else element
            elif first is not None and first not in element.iterancestors():
                continue
            names.extend(name for name in found if name not in names)
        elif any(c.startswith("byline") or c.endswith("-byline") for c in classes):
            boxes.append(element)
    if not names:
        names = next((found for found in (_names(_without_time(box)) for box in boxes) if found), [])
    return "; ".join(names) or None


def _without_time(element: Any) -> str:
    """The element's text without its <time> children (a byline box often holds the date too)."""
    parts = [element.text or ""]
    for child in element:
        if child.tag != "time" and isinstance(child.tag, str):
            parts.append(_without_time(child))
        parts.append(child.tail or "")
    return "".join(parts)


# --- text and Markdown ----------------------------------------------------------------------------------------

_FRONT_OPEN = re.compile(r"\A(?:[ \t]*(?:\r\n|\r|\n))*---[ \t]*(?:\r\n|\r|\n)")
_FRONT_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\r\n|\r|\n|\Z)", re.MULTILINE)
_FRONT_MAX_CHARS = 20_000  # front matter is a few lines; a "---" rule far down the story is not its end
_YAML_LINE = re.compile(r"^([A-Za-z_][\w -]*?)\s*:(?:\s+(.*))?$")
_RULE = re.compile(r"[-=*_#~\s]*")  # a Markdown rule or a bare heading marker: never a title
_TOP_LINES = 12  # bylines and datelines sit among the first lines of a story
_HEADLINE_MAX_CHARS = 120  # ingest.TITLE_MAX_CHARS: a longer first line is a paragraph, not a headline
_DATE_LABEL = re.compile(
    r"^(?:(?:first\s+|originally\s+)?published|posted|updated|last\s+updated|last\s+modified|date|dated)"
    r"(?:\s+(?:on|at))?\s*:?\s*",
    re.IGNORECASE,
)
_DATE_LEFTOVER = re.compile(
    rf"(?:{_WEEKDAY}|{_TIME}|{_ZONE}|at|on|[\s,.;:|()/–—-])*",
    re.IGNORECASE,
)
_DATELINE = re.compile(r"^[A-Z][A-Z.'’ -]*[A-Z.],")  # "LONDON," "NEW YORK," "WASHINGTON, D.C.,"
_PIECES = re.compile(r"\s+[|·•]\s+")
_DATELINE_DASH = re.compile(r"[—–]|\s-{1,2}\s|-{2}")

_FRONT_KEYS = {
    "title": ("title", "headline"),
    "date": ("date", "published", "pubdate", "publish_date", "published_at", "datepublished"),
    "author": ("author", "byline", "authors"),
    "section": ("section", "category", "categories"),
    "url": ("url", "link", "canonical_url", "canonical"),
    "outlet": ("source", "outlet", "publisher", "site_name"),
}


def from_text(text: str, markdown: bool) -> Metadata:
    """Metadata of a text or Markdown article: front matter first, then its first lines.

    Args:
        text: the file's decoded text (offsets in ``front_matter`` index it).
        markdown: strip heading markers ("## ") from the headline.
    """
    fields, span = _front_matter(text)
    body = span[1] if span else 0
    lines = _top_lines(text, body)
    title = _title(fields.get("title"))
    return Metadata(
        title=title or _headline(text, body, markdown),
        date=normalise_date(_one(fields.get("date"))) or _dateline(lines),
        author=_author(_front_names(fields.get("author"))) or _byline(lines),
        section=_text(_one(fields.get("section"))),
        outlet=_text(_one(fields.get("outlet"))),
        url=_text(_one(fields.get("url"))),
        front_matter=span,
    )


def _front_matter(text: str) -> tuple[dict[str, Any], Span | None]:
    """The front matter's fields (keys by meaning, see ``_FRONT_KEYS``) and its span, through the closing line."""
    opening = _FRONT_OPEN.match(text)
    if opening is None:
        return {}, None
    closing = _FRONT_CLOSE.search(text, opening.end(), opening.end() + _FRONT_MAX_CHARS)
    if closing is None:
        return {}, None
    data = _yaml(text[opening.end() : closing.start()])
    if data is None:
        return {}, None
    lowered = {str(key).strip().lower(): value for key, value in data.items()}
    fields = {
        field: next((lowered[key] for key in keys if lowered.get(key) not in (None, "", [])), None)
        for field, keys in _FRONT_KEYS.items()
    }
    return fields, (0, closing.end())


def _yaml(source: str) -> dict[Any, Any] | None:
    """The front matter as a mapping, or ``None`` if the block between the rules is not front matter."""
    import yaml  # deferred: only files that open with a "---" line need it

    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError:
        # Hand-written front matter often has an unquoted colon ("title: Budget: what it means"), which YAML
        # rejects; read such a block line by line, as long as it is made of "key: value" lines.
        return _yaml_lines(source)
    if data is None:
        return {}  # "---\n---": empty front matter
    return data if isinstance(data, dict) else None


def _yaml_lines(source: str) -> dict[str, Any] | None:
    import yaml

    data: dict[str, Any] = {}
    lines = [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    key = None
    for line in lines:
        match = _YAML_LINE.match(line)
        if match:
            key, value = match[1], (match[2] or "").strip()
            try:
                parsed = yaml.safe_load(value) if value else []
            except yaml.YAMLError:
                parsed = None
            # "Budget: what it means" loads as a mapping: the value is the line's text, not nested YAML.
            data[key] = value.strip("'\"") if parsed is None or isinstance(parsed, dict) else parsed
        elif key is not None and line.lstrip().startswith("- ") and isinstance(data.get(key), list):
            data[key].append(line.lstrip()[2:].strip().strip("'\""))
        else:
            return None
    return data or None


def _front_names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    names = (item.get("name") if isinstance(item, dict) else item for item in items)
    return [str(name) for name in names if isinstance(name, str | int) and str(name).strip()]


def _top_lines(text: str, start: int) -> list[str]:
    lines = []
    for line in text[start : start + 4000].splitlines():
        if line.strip():
            lines.append(line.strip())
            if len(lines) == _TOP_LINES:
                break
    return lines


def _headline(text: str, start: int, markdown: bool) -> str | None:
    """The first kept line after the front matter, if it reads as a headline (short, no closing full stop)."""
    for block_start, block_end in kept_blocks(text[start:]):
        for line in text[start + block_start : start + block_end].splitlines():
            line = line.strip()
            if markdown:
                line = line.lstrip("#").strip()
            if _RULE.fullmatch(line) or _BY.match(line) and _names(line):
                continue
            if len(line) > _HEADLINE_MAX_CHARS or line.endswith(".") and not line.endswith("..."):
                return None
            return line
    return None


def _byline(lines: list[str]) -> str | None:
    """Names from a "By ..." line among the first lines; a line that reads as a sentence is not a byline."""
    for line in lines:
        if _BY.match(line) and len(line.split()) <= 16 and not line.rstrip().endswith((".", "!", "?")):
            names = _names(line)
            if names:
                return "; ".join(names)
    return None


def _dateline(lines: list[str]) -> str | None:
    """A date on a line of its own (maybe labelled "Published"/"Updated") or in a dateline before the dash.

    Dates inside the story's sentences are never taken: "the law passed on March 3, 2005" dates the law.
    A "Published" date wins over an "Updated" one.
    """
    found: list[tuple[int, str]] = []
    pieces = [piece for line in lines for piece in _PIECES.split(line)]  # "By Jo Lee | June 1, 2023"
    for line in pieces:
        label = _DATE_LABEL.match(line)
        rest = line[label.end() :] if label else line
        match = _date_span(rest)
        if match and len(rest) <= 80:
            leftover = rest[: match.start()] + " " + rest[match.end() :]
            if _DATE_LEFTOVER.fullmatch(leftover):
                rank = 1 if label and label.group().lower().lstrip().startswith(("updated", "last")) else 0
                found.append((rank, _valid(match) or ""))
                continue
        if _DATELINE.match(line):
            dash = _DATELINE_DASH.search(line, 0, 120)
            match = _date_span(line[: dash.start()]) if dash else None
            if match:
                found.append((0, _valid(match) or ""))
    found.sort(key=lambda item: item[0])  # stable: the first published date, then the first updated one
    return found[0][1] if found else None


def folder_section(source: str) -> str | None:
    """The folder an article sits in, relative to the articles folder ("politics/001.txt" -> "politics")."""
    parent = PurePosixPath(source).parent.as_posix()
    return None if parent in (".", "") else parent
