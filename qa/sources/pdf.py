"""PDF -> one Article: the text layer in reading order, page by page, with each page's start offset kept.

pypdfium2 (Google's PDFium) reads the text layer; it orders characters as the page lays them out and marks line-end
hyphens. A scanned PDF has no text layer and is skipped with that reason: there is no OCR here.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterator
from typing import BinaryIO

from qa.records import Article
from qa.sources.base import Bad, Skip, article, iso_date, unwrap

__all__ = ["page_at", "read"]

PAGE_BREAK = "\n\n"  # between pages in the article text; paragraphs within a page are one line each


def read(stream: BinaryIO, source: str, name: str) -> Iterator[Article | Skip]:
    # Imported here: the PDFium binding loads a native library, which runs that read no PDF never need.
    import pypdfium2 as pdfium

    if stream.seekable():  # a file on disk: hash it in blocks and let PDFium read it
        content_hash = hashlib.file_digest(stream, "sha256").hexdigest()  # type: ignore[arg-type]
        stream.seek(0)
        data: BinaryIO | bytes = stream
    else:  # an archive member: PDFium needs to seek, so it is read whole (bounded by the archive's limits)
        data = stream.read()
        content_hash = hashlib.sha256(data).hexdigest()
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        yield Skip(source, f"not a readable PDF ({_reason(exc)})")
        return
    try:
        parts, pages, offset = [], [], 0
        for page in document:
            try:
                textpage = page.get_textpage()
                text = unwrap(textpage.get_text_bounded())
                textpage.close()
            finally:
                page.close()
            if parts:
                offset += len(PAGE_BREAK)
            pages.append(offset)
            parts.append(text)
            offset += len(text)
        meta = document.get_metadata_dict(skip_empty=True)
    finally:
        document.close()
    text = PAGE_BREAK.join(parts)
    if not text.strip():
        yield Skip(source, f"no text layer in {len(pages)} page(s): a scanned PDF? (no OCR here)")
        return
    try:
        yield article(
            source,
            text,
            kind="pdf",
            content_hash=content_hash,
            title=meta.get("Title"),
            date=iso_date(meta.get("CreationDate")),
            author=meta.get("Author"),
            pages=tuple(pages),
        )
    except Bad as exc:
        yield Skip(source, str(exc))


def page_at(article: Article, offset: int) -> int | None:
    """The 1-based page holding ``article.text[offset]``, or None for an article without pages."""
    if not article.pages:
        return None
    return bisect.bisect_right(article.pages, offset)


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "password" in text.lower():
        return "encrypted, needs a password"
    return text.split(": ", 1)[-1] or type(exc).__name__
