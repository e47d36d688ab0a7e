"""Files -> Articles: find the articles under a folder, decode them, extract HTML text, drop site chrome.

A user's folder holds whatever they saved: odd encodings, empty files, stray binaries, symlink loops. Nothing here
may crash on such a file; each one is either turned into an ``Article`` or skipped with a reason a person can read.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import logging
import os
import re
import stat
from html.parser import HTMLParser
from pathlib import Path

from qa import metadata
from qa.chrome import kept_blocks
from qa.errors import ArticleSkipped, ConfigError
from qa.records import Article, Span

__all__ = ["MAX_BYTES", "MAX_TEXT_CHARS", "SUFFIXES", "discover", "headline", "read_article"]

SUFFIXES = frozenset({".txt", ".md", ".html", ".htm"})
# Files read by qa.sources (PDF, dumps, feeds, mail, web and zip archives), one article per record.
SUFFIXES |= {".pdf", ".jsonl", ".ndjson", ".csv", ".warc", ".gz", ".tgz", ".tar", ".zip", ".rss", ".atom", ".xml"}
SUFFIXES |= {".eml", ".mbox"}
HTML_SUFFIXES = frozenset({".html", ".htm"})
# News articles are kilobytes. Past these sizes a file is a dump, not an article: embedding 1 M characters took about a
# minute on two shared cores (0.6-3.6 k chunks), so a 50 MB dump would stall the build for most of an hour; bigger files
# are skipped with a message instead. Bytes are capped higher than text for HTML pages full of inline scripts/styles.
MAX_BYTES = 16 * 1024 * 1024
MAX_TEXT_CHARS = 1_000_000
TITLE_MAX_CHARS = 120  # a plain-text "title" is often a whole first paragraph
CUT = "…"  # ends a first line shortened to TITLE_MAX_CHARS

_SNIFF_BYTES = 8 * 1024
# UTF-32 LE's BOM starts with UTF-16 LE's, so the longer BOMs are tried first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def discover(root: Path, follow_links: bool = False) -> tuple[list[Path], list[tuple[str, str]]]:
    """Every article file under ``root``, sorted by relative path, and the files passed over with a reason.

    Hidden files and folders are passed over silently (editors and VCS keep their state there). Symlinked
    folders are followed once: a folder already visited (a loop, or a second link to it) is not entered again.
    A link (to a file or a folder) whose target lies outside ``root`` is passed over unless ``follow_links``:
    ``seeds/notes.txt -> ~/.ssh/id_rsa`` must not end up quoted in answers.

    Raises:
        ConfigError: ``root`` is missing, is not a folder, or cannot be listed.
    """
    if not root.exists():
        raise ConfigError(f"Folder {root} does not exist; pass the folder that holds the articles.")
    if not root.is_dir():
        raise ConfigError(f"{root} is a file, not a folder; pass the folder that holds the articles.")
    try:  # a folder that cannot be listed would look empty, and a build would remove every article it indexed
        os.scandir(root).close()
    except OSError as error:
        reason = error.strerror or error
        raise ConfigError(f"Cannot read the folder {root} ({reason}); check its permissions.") from None

    found: list[tuple[str, Path]] = []
    skipped: list[tuple[str, str]] = []

    def rel(path: str) -> str:
        return Path(os.path.relpath(path, root)).as_posix()

    def unreadable(error: OSError) -> None:
        skipped.append((rel(str(error.filename)), f"cannot read folder ({error.strerror or error})"))

    root_stat = root.stat()
    visited = {(root_stat.st_dev, root_stat.st_ino)}
    real_root = os.path.realpath(root)

    def outside(path: str) -> bool:
        """A link whose target resolves outside the folder (links inside it are ordinary)."""
        if follow_links or not os.path.islink(path):
            return False
        return os.path.commonpath([real_root, os.path.realpath(path)]) != real_root

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=True):
        entered = []
        for name in sorted(dirnames):
            if name.startswith("."):
                continue
            path = os.path.join(dirpath, name)
            if not _utf8(name):
                skipped.append((rel(path), _BAD_NAME))
                continue
            if outside(path):
                skipped.append((rel(path), _OUTSIDE))
                continue
            try:
                st = os.stat(path)
            except OSError as error:
                skipped.append((rel(path), f"cannot read folder ({error.strerror or error})"))
                continue
            if (st.st_dev, st.st_ino) in visited:
                skipped.append((rel(path), "folder already visited (symlink loop or duplicate link)"))
                continue
            visited.add((st.st_dev, st.st_ino))
            entered.append(name)
        dirnames[:] = entered  # os.walk descends only into what is left here
        for name in filenames:
            if name.startswith("."):
                continue
            path = os.path.join(dirpath, name)
            if Path(name).suffix.lower() not in SUFFIXES:
                skipped.append((rel(path), "unsupported file type"))
            elif not _utf8(name):
                skipped.append((rel(path), _BAD_NAME))
            elif outside(path):
                skipped.append((rel(path), _OUTSIDE))
            elif not os.path.isfile(path):
                skipped.append((rel(path), "not a regular file (broken link, pipe or device)"))
            else:
                found.append((rel(path), Path(path)))
    found.sort(key=lambda item: item[0])
    skipped.sort()
    return [path for _, path in found], skipped


_BAD_NAME = "name is not valid UTF-8 (rename it to index it)"
_OUTSIDE = "link points outside the articles folder; pass --follow-links to index it"


def _utf8(name: str) -> bool:
    """Whether a file name decoded from the disk is real text (os.fsdecode keeps stray bytes as surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_article(path: Path, root: Path) -> Article:
    """Decode one file into an ``Article`` whose ``blocks`` hold only the story's own text.

    Raises:
        ArticleSkipped: the file cannot be read or holds no article text; the message names the file.
    """
    source = Path(os.path.relpath(path, root)).as_posix()
    raw = _read_bytes(path, source)
    if not raw:
        raise _skipped(source, "empty file")
    is_html = path.suffix.lower() in HTML_SUFFIXES
    text, warnings = _decode(raw, is_html)
    if "\x00" in text[:_SNIFF_BYTES] or _looks_binary(text[:_SNIFF_BYTES]):
        raise _skipped(source, "binary file, not text")
    if not text.strip():
        raise _skipped(source, "only whitespace")
    if not is_html:
        _check_length(text, source)

    markdown = path.suffix.lower() == ".md"
    if is_html:
        page = text
        text, title, _, _ = _extract_html(page, source)
        _check_length(text, source)
        # trafilatura's date and author are not used: its date falls back to any date in the story text.
        meta = metadata.from_html(page)
        title = meta.title or title or _html_title(page) or path.stem
    else:
        meta = metadata.from_text(text, markdown=markdown)
        title = meta.title or ""
    blocks = _blocks_after(text, meta.front_matter[1] if meta.front_matter else 0)
    if not blocks:
        raise _skipped(source, "no text left after removing site chrome")
    if not is_html and not title:
        title = _first_line(text, blocks, markdown=markdown)
        title = title if any(c.isalnum() for c in title) else path.stem  # never a bare "---" rule
    return Article(
        source=source,
        title=title,
        text=text,
        blocks=blocks,
        content_hash=hashlib.sha256(raw).hexdigest(),
        kind="html" if is_html else "text",
        date=meta.date,
        author=meta.author,
        warnings=tuple(warnings),
        section=meta.section or metadata.folder_section(source),
        url=meta.url,
        outlet=meta.outlet,
    )


def _blocks_after(text: str, start: int) -> tuple[Span, ...]:
    """Kept blocks of ``text`` from ``start`` on (past a front matter), in offsets of the whole ``text``."""
    return tuple((begin + start, end + start) for begin, end in kept_blocks(text[start:]))


def _skipped(source: str, reason: str) -> ArticleSkipped:
    return ArticleSkipped(f"{source}: {reason}")


def _check_length(text: str, source: str) -> None:
    if len(text) > MAX_TEXT_CHARS:
        raise _skipped(
            source, f"text too long ({len(text):,} characters, the limit is {MAX_TEXT_CHARS:,}); split it into articles"
        )


def _read_bytes(path: Path, source: str) -> bytes:
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise _skipped(source, "not a regular file")  # opening a pipe would block forever
        if st.st_size > MAX_BYTES:
            raise _skipped(source, f"larger than {MAX_BYTES // (1024 * 1024)} MiB ({st.st_size} bytes)")
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise _skipped(source, "file vanished before it could be read") from None
    except PermissionError:
        raise _skipped(source, "permission denied") from None
    except OSError as error:
        raise _skipped(source, f"cannot read file ({error.strerror or error})") from None
    if len(raw) > MAX_BYTES:
        raise _skipped(source, f"larger than {MAX_BYTES // (1024 * 1024)} MiB")
    return raw


def decode(raw: bytes) -> tuple[str, list[str]]:
    """Text of a plain-text file (an article or a question file) and how it was decoded when not as UTF-8."""
    return _decode(raw, is_html=False)


def _decode(raw: bytes, is_html: bool) -> tuple[str, list[str]]:
    """Text and warnings. A BOM wins, then strict UTF-8, then the HTML's declared charset, cp1252, latin-1.

    Newlines are kept as they are: every offset downstream indexes into exactly this string.
    """
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec), []
            except UnicodeDecodeError:
                return raw.decode(codec, errors="replace"), [f"invalid {codec} bytes replaced with U+FFFD"]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    # A UTF-8 file with a few stray bytes: decoding it all as cp1252 would garble every accented letter, so keep
    # UTF-8 when its valid multi-byte characters are at least as many as the invalid bytes.
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - raw.count("\ufffd".encode())
    good = sum(1 for ch in text if ord(ch) > 0x7F) - text.count("\ufffd")
    if good >= bad > 0:
        return text, [f"not valid UTF-8: {bad} invalid byte sequence(s) replaced with U+FFFD"]
    fallbacks = ["cp1252", "latin-1"]  # latin-1 maps every byte, so it never fails
    declared = _META_CHARSET.search(raw[:_SNIFF_BYTES]) if is_html else None
    if declared:
        fallbacks.insert(0, declared.group(1).decode("ascii", "replace"))
    for codec in fallbacks:
        try:
            text = raw.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        if codecs.lookup(codec).name == "utf-8":
            continue  # a page declaring UTF-8 that is not valid UTF-8 decoded above
        return text, [f"decoded as {codec} (not valid UTF-8)"]
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _looks_binary(sample: str) -> bool:
    """Mostly control characters: a binary file that happens to have no NUL bytes near the start."""
    return bool(sample) and len(_CONTROL.findall(sample)) > 0.1 * len(sample)


def _extract_html(page: str, source: str) -> tuple[str, str | None, str | None, str | None]:
    """Main text (paragraphs joined by newlines), title, date and author of an HTML page, offline."""
    # Imported here: trafilatura pulls in lxml, dateparser and more (~0.5 s), which plain-text runs never need.
    import trafilatura

    # It warns "discarding data" for each page without text: once a library has configured root logging (the
    # int8 quantizer in onnxruntime calls logging.basicConfig), that line reached stderr beside qa's own reasons.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    try:
        document = trafilatura.bare_extraction(
            page,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            favor_precision=True,
        )
    except Exception:  # noqa: BLE001 - hostile markup may break lxml or trafilatura in ways they do not document
        document = None
    text = getattr(document, "text", None) or ""
    if text.strip():
        return text, document.title, document.date, document.author
    # libxml2 gives up on elements nested past 256 deep and on attributes past 10 MB, and trafilatura then finds
    # nothing though the text is there: read the text with the stdlib's streaming parser, which has neither limit.
    text = _plain_text(page)
    if not text:
        raise _skipped(source, "no extractable text in the HTML (only markup, scripts or styles)")
    return text, None, None, None


class _TextParser(HTMLParser):
    """The text of a page outside scripts, styles and the title, a line per block element."""

    SKIP = frozenset({"script", "style", "title", "noscript", "template", "svg"})
    BLOCKS = frozenset(
        "address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 header "
        "hr li main nav ol p pre section table td th tr ul".split()
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []  # open elements whose text is not the story's

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in self.SKIP:
            self.skipping.append(tag)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.skipping:  # an unclosed <p> inside is forgiven, as browsers do
            del self.skipping[len(self.skipping) - 1 - self.skipping[::-1].index(tag) :]
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def _plain_text(page: str) -> str:
    """Paragraphs of ``page`` joined by newlines, whitespace inside each collapsed (as trafilatura gives them)."""
    parser = _TextParser()
    parser.feed(page)
    parser.close()
    paragraphs = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(p for p in paragraphs if p)


def _html_title(page: str) -> str | None:
    """The page's <title>, for pages where trafilatura found no title."""
    match = _HTML_TITLE.search(page)
    if match is None:
        return None
    return " ".join(html.unescape(match.group(1)).split()) or None


def _first_line(text: str, blocks: tuple[Span, ...], markdown: bool) -> str:
    """The first kept line, shortened at a word if it is really a paragraph."""
    start, end = blocks[0]
    line = text[start:end].splitlines()[0].strip()
    if markdown:
        line = line.lstrip("# ").strip()
    if len(line) > TITLE_MAX_CHARS:
        line = line[:TITLE_MAX_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:") + CUT
    return line


def headline(title: str, text: str) -> str:
    """The title if it names the article; "" if it is the opening paragraph cut short (see ``_first_line``).

    Such a "title" is only the lede's first words, and the first passage holds them already.
    """
    if title.endswith(CUT) and title[: -len(CUT)] in text:
        return ""
    return title
