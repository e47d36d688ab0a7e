"""Readers for newsroom archives: one module per input kind, each yielding the same ``Article`` record.

``read_path(path, root)`` is the one entry point: it yields an ``Article`` per record in the file (a PDF or an .eml is
one record; a dump, feed, mailbox, WARC or archive holds many) and a ``Skip`` for each record or file that cannot be
read, so one bad record never stops the file and one bad file never stops the folder. A record's ``source`` is the
file's path relative to ``root``, then ``#`` and the record's id: ``dump.jsonl#42``, ``crawl.warc.gz#https://...``,
``news.zip#2024/ferry.html`` (and ``news.zip#dump.jsonl#42`` for a dump inside an archive).

Plain .txt, .md and .html files are still read by ``qa.ingest.read_article``; inside archives they are read here by
the same rules (``base.file_article``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import BinaryIO

from qa.records import Article
from qa.sources import archive, dump, feed, mail, pdf, warc
from qa.sources.base import Bad, Skip, file_article

__all__ = ["SUFFIXES", "Skip", "handles", "kind_of", "read_path", "readable"]

# The last suffix of every file these readers take (what qa.ingest.discover compares). ".gz" is only read as
# .warc.gz or .tar.gz; any other .gz is skipped by read_path with a reason.
SUFFIXES = frozenset(
    {
        ".pdf",
        ".jsonl",
        ".ndjson",
        ".csv",
        ".warc",
        ".gz",
        ".tgz",
        ".tar",
        ".zip",
        ".rss",
        ".atom",
        ".xml",
        ".eml",
        ".mbox",
    }
)
_TEXT = (".txt", ".md", ".html", ".htm")  # read by qa.ingest on disk; here only as archive members


def kind_of(name: str) -> str | None:
    """The reader for a file name: "pdf", "dump", "warc", "feed", "mail", "archive", "file" (text/HTML), or None."""
    lower = name.lower()
    if lower.endswith((".warc", ".warc.gz")):
        return "warc"
    if lower.endswith((".zip", ".tar", ".tar.gz", ".tgz")):
        return "archive"
    if lower.endswith(".pdf"):
        return "pdf"
    if lower.endswith((".jsonl", ".ndjson", ".csv")):
        return "dump"
    if lower.endswith((".rss", ".atom", ".xml")):
        return "feed"
    if lower.endswith((".eml", ".mbox")):
        return "mail"
    if lower.endswith(_TEXT):
        return "file"
    return None


def readable(name: str) -> bool:
    """Whether any reader takes a file of this name (inside an archive: text and HTML files too)."""
    return kind_of(name) is not None


def handles(name: str) -> bool:
    """Whether ``read_path`` (rather than qa.ingest.read_article) reads this file in a seeds folder."""
    return kind_of(name) not in (None, "file")


def read_path(path: Path, root: Path, dump_fields: dump.Mapping = ()) -> Iterator[Article | Skip]:
    """Every article in the file at ``path``, and a ``Skip`` for each file or record that gives none.

    Sources are unique within the file: a record id seen before gets ``~2``, ``~3``... appended. ``dump_fields``: the
    exporter field names a dump's records are read with (``Settings.dump_fields``; see qa.sources.dump).
    """
    source = Path(os.path.relpath(path, root)).as_posix()
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            yield Skip(source, "not a regular file")  # opening a pipe would block forever
            return
        handle = path.open("rb")
    except FileNotFoundError:
        yield Skip(source, "file vanished before it could be read")
        return
    except PermissionError:
        yield Skip(source, "permission denied")
        return
    except OSError as error:
        yield Skip(source, f"cannot read file ({error.strerror or error})")
        return
    if st.st_size == 0:
        handle.close()
        yield Skip(source, "empty file")
        return
    with handle:
        seen: set[str] = set()
        for item in read_stream(handle, source, path.name, dump_fields=dump_fields):
            if item.source in seen:
                n = 2
                while f"{item.source}~{n}" in seen:
                    n += 1
                item = replace(item, source=f"{item.source}~{n}")
            seen.add(item.source)
            yield item


def read_stream(
    stream: BinaryIO, source: str, name: str, depth: int = 0, dump_fields: dump.Mapping = ()
) -> Iterator[Article | Skip]:
    """The records of one file or archive member, read by the reader for its name's kind."""
    kind = kind_of(name)
    try:
        if kind == "file":
            raw = stream.read(file_limit() + 1)
            try:
                yield file_article(raw, source, name)
            except Bad as exc:
                yield Skip(source, str(exc))
        elif kind == "archive":
            yield from archive.read(stream, source, name, depth, partial(read_stream, dump_fields=dump_fields))
        elif kind == "dump":
            yield from dump.read(stream, source, name, dump_fields)
        elif kind is not None:
            yield from _READERS[kind](stream, source, name)
        elif name.lower().endswith(".gz"):
            yield Skip(source, "unsupported file type (a .gz that is neither .warc.gz nor .tar.gz)")
        else:
            yield Skip(source, "unsupported file type")
    except archive.Bomb:
        raise  # the enclosing archive stops and says why
    except Exception as exc:  # noqa: BLE001 - a hostile or damaged file may make any parser raise anything
        yield Skip(source, f"unreadable {kind or 'file'} ({type(exc).__name__}: {_first_line(exc)})")


_READERS = {"pdf": pdf.read, "warc": warc.read, "feed": feed.read, "mail": mail.read}


def file_limit() -> int:
    from qa import ingest

    return ingest.MAX_BYTES


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [""])[0][:200]
