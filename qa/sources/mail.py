"""E-mail (.eml) and mailboxes (.mbox) -> one Article per message: subject, date, sender and body.

The stdlib ``email`` package parses each message (MIME parts, transfer encodings, encoded headers). The body is the
text/plain part, or the HTML part through the same HTML extraction as a .html file; hard-wrapped plain text is joined
into paragraphs. An .mbox is split into messages here, line by line, rather than with ``mailbox.mbox``: that class
needs a file on disk, and an mbox inside a zip is a stream; reading line by line also keeps a large mailbox out of
memory.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from collections.abc import Iterator
from email.message import EmailMessage
from typing import BinaryIO

from qa.records import Article
from qa.sources.base import MAX_RECORD_BYTES, Bad, Skip, article, html_article, iso_date, one_line, record_id, unwrap

__all__ = ["read"]

_FROM_LINE = re.compile(rb"^From \S")
_QUOTED_FROM = re.compile(rb"^>(>*From )")  # mboxrd/mboxo escaping of body lines that start with "From "


def read(stream: BinaryIO, source: str, name: str) -> Iterator[Article | Skip]:
    if name.lower().endswith(".mbox"):
        yield from _mbox(stream, source)
        return
    raw = stream.read(MAX_RECORD_BYTES + 1)
    if len(raw) > MAX_RECORD_BYTES:
        yield Skip(source, f"message larger than {MAX_RECORD_BYTES // (1024 * 1024)} MiB")
        return
    yield _message(raw, source)


def _mbox(stream: BinaryIO, source: str) -> Iterator[Article | Skip]:
    lines: list[bytes] = []
    size, number, started, blank_before = 0, 0, False, True
    for line in stream:
        if _FROM_LINE.match(line) and blank_before:  # a new message's envelope line
            if started:
                yield _numbered(lines, size, number, source)
            number += 1
            started, lines, size = True, [], 0
            blank_before = False
            continue
        blank_before = not line.strip()
        if not started:
            if line.strip():
                yield Skip(source, "not an mbox mailbox (it must start with a 'From ' line)")
                return
            continue
        size += len(line)
        if size <= MAX_RECORD_BYTES:
            lines.append(_QUOTED_FROM.sub(rb"\1", line))
    if started:
        yield _numbered(lines, size, number, source)
    else:
        yield Skip(source, "no messages in the mailbox")


def _numbered(lines: list[bytes], size: int, number: int, source: str) -> Article | Skip:
    raw = b"".join(lines)
    if size > MAX_RECORD_BYTES:
        return Skip(f"{source}#{number}", f"message larger than {MAX_RECORD_BYTES // (1024 * 1024)} MiB")
    message_id = _message_id(raw)
    return _message(raw, f"{source}#{record_id(message_id or number)}")


def _message_id(raw: bytes) -> str | None:
    header = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    match = re.search(rb"^message-id:[ \t]*<?([^>\r\n]+)>?", header, re.IGNORECASE | re.MULTILINE)
    return match.group(1).decode("ascii", "replace").strip() if match else None


def _message(raw: bytes, source: str) -> Article | Skip:
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if not any(message.get(h) for h in ("From", "Subject", "Date", "Message-ID")):
            return Skip(source, "not an e-mail message (no From, Subject or Date header)")
        meta = {
            "title": one_line(message.get("Subject")),
            "date": iso_date(message.get("Date")),
            "author": _sender(message),
        }
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return Skip(source, "no text/plain or text/html part")
        body = part.get_content()
        content_hash = hashlib.sha256(raw).hexdigest()
        if part.get_content_subtype() == "html":
            return html_article(body, source, kind="mail", content_hash=content_hash, **meta)
        return article(source, unwrap(body), kind="mail", content_hash=content_hash, **meta)
    except Bad as exc:
        return Skip(source, str(exc))
    except (LookupError, ValueError, TypeError, AttributeError) as exc:  # an unknown charset, a broken MIME tree
        return Skip(source, f"unreadable message ({type(exc).__name__}: {exc})")


def _sender(message: EmailMessage) -> str | None:
    """The sender's display name, else the address."""
    try:
        sender = message.get("From")
        if sender is None:
            return None
        addresses = getattr(sender, "addresses", ())
        if addresses:
            first = addresses[0]
            return one_line(first.display_name or first.addr_spec)
        return one_line(str(sender))
    except (ValueError, IndexError, AttributeError):
        return None
