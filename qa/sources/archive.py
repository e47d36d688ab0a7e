"""Zip and tar(.gz) archives -> the articles of every member qa can read, without unpacking anything to disk.

Members are streamed (``zipfile`` opens one member at a time; a tar is read in one pass with ``tarfile``'s stream
mode) and handed to the reader for their kind, so ``news.zip#2024/ferry.html`` is read exactly as ``2024/ferry.html``
would be, and a dump inside gives ``news.zip#dump.jsonl#17``. Archives nest up to ``MAX_DEPTH``.

A zip bomb is refused: an archive whose members declare more than ``MAX_TOTAL_BYTES`` uncompressed, a member over
``MAX_MEMBER_BYTES``, or a member that expands more than ``MAX_RATIO`` times. Declared sizes can lie, so every byte
read is counted too, and reading stops at the same limits.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from qa.records import Article
from qa.sources.base import Skip

__all__ = ["MAX_MEMBERS", "MAX_MEMBER_BYTES", "MAX_RATIO", "MAX_TOTAL_BYTES", "Bomb", "read"]

MAX_MEMBER_BYTES = 1024 * 1024 * 1024  # one member, uncompressed (a .warc.gz or a dump inside may be large)
MAX_TOTAL_BYTES = 8 * 1024 * 1024 * 1024  # all members of one archive (nested ones included), uncompressed
MAX_RATIO = 200  # uncompressed / compressed; text compresses 3-10x, bombs 1,000x and more
RATIO_FLOOR = 1024 * 1024  # below this many bytes a high ratio is harmless (a small file of repeated lines)
MAX_MEMBERS = 200_000
MAX_DEPTH = 3

Reader = Callable[[BinaryIO, str, str, int], Iterator[Article | Skip]]


class Bomb(Exception):
    """Reading on would pass a limit: the archive is skipped from here on with this reason."""


@dataclass
class _Budget:
    """Uncompressed bytes still allowed for the outermost archive (shared by nested ones)."""

    left: int


def read(stream: BinaryIO, source: str, name: str, depth: int, inner: Reader) -> Iterator[Article | Skip]:
    """Articles of every readable member; ``inner(stream, source, name, depth)`` reads one member by its kind."""
    if depth >= MAX_DEPTH:
        yield Skip(source, f"archive nested more than {MAX_DEPTH} deep")
        return
    outer = getattr(stream, "raw", None)  # a member of an enclosing archive: share its budget
    budget = outer.budget if isinstance(outer, _Guarded) else _Budget(MAX_TOTAL_BYTES)
    found = passed = 0
    members = _zip(stream, source) if name.lower().endswith(".zip") else _tar(stream, source)
    try:
        for member in members:
            if isinstance(member, Skip):
                yield member
                continue
            inner_name, opened, compressed = member
            if opened is None:
                passed += 1
                continue
            guarded = _Guarded(opened, budget, compressed, f"{source}#{inner_name}")
            for item in inner(io.BufferedReader(guarded), f"{source}#{inner_name}", inner_name, depth + 1):
                found += isinstance(item, Article)
                yield item
            if guarded.tripped:  # an inner reader caught the Bomb itself (it reads the member as a whole)
                raise guarded.tripped
    except Bomb as exc:
        yield Skip(source, f"{exc}; reading stopped (a zip bomb?)")
        return
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        kept = "; the members before it are indexed" if found else ""
        yield Skip(source, f"damaged or truncated archive ({exc}){kept}")
        return
    if not found and passed:
        yield Skip(source, f"no readable articles inside ({passed} member(s) of other types passed over)")


def _zip(stream: BinaryIO, source: str) -> Iterator[Skip | tuple[str, BinaryIO | None, int]]:
    from qa.sources import readable

    try:
        archive = zipfile.ZipFile(stream if stream.seekable() else io.BytesIO(stream.read()))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        yield Skip(source, f"not a readable zip archive ({exc})")
        return
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        # The central directory declares every size before a byte is inflated: refuse a bomb up front.
        if len(infos) > MAX_MEMBERS:
            raise Bomb(f"{len(infos):,} members, the limit is {MAX_MEMBERS:,}")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise Bomb(f"{_size(total)} uncompressed, the limit is {_size(MAX_TOTAL_BYTES)}")
        for info in infos:
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise Bomb(f"{info.filename} expands {info.file_size // max(info.compress_size, 1):,} times")
        for info in infos:
            name = _member_name(info.filename)
            if name is None or not readable(name):
                yield name or info.filename, None, 0
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                yield Skip(f"{source}#{name}", f"member larger than {_size(MAX_MEMBER_BYTES)} uncompressed")
                continue
            if info.flag_bits & 0x1:
                yield Skip(f"{source}#{name}", "encrypted member (needs a password)")
                continue
            try:
                opened = archive.open(info)
            except (NotImplementedError, zipfile.BadZipFile, RuntimeError) as exc:  # e.g. an unsupported method
                yield Skip(f"{source}#{name}", f"cannot open member ({exc})")
                continue
            with opened:
                yield name, opened, info.compress_size


def _tar(stream: BinaryIO, source: str) -> Iterator[Skip | tuple[str, BinaryIO | None, int]]:
    from qa.sources import readable

    counted = _Counting(stream)  # compressed bytes consumed, for the ratio limit
    try:
        archive = tarfile.open(fileobj=counted, mode="r|*")  # noqa: SIM115 - closed below; stream mode: one pass
    except (tarfile.TarError, OSError, EOFError) as exc:
        yield Skip(source, f"not a readable tar archive ({exc})")
        return
    with archive:
        members = 0
        for info in archive:  # each header is read after the members before it were inflated (read or skipped)
            counted.check()
            if not info.isfile():
                continue  # folders, links, devices: nothing to read (and links could point anywhere)
            members += 1
            if members > MAX_MEMBERS:
                raise Bomb(f"more than {MAX_MEMBERS:,} members")
            counted.out_bytes += info.size  # declared in the header, before its data is inflated
            if counted.out_bytes > MAX_TOTAL_BYTES:
                raise Bomb(f"more than {_size(MAX_TOTAL_BYTES)} uncompressed in all")
            name = _member_name(info.name)
            if name is None or not readable(name):
                yield name or info.name, None, 0
                continue
            if info.size > MAX_MEMBER_BYTES:
                yield Skip(f"{source}#{name}", f"member larger than {_size(MAX_MEMBER_BYTES)} uncompressed")
                continue
            opened = archive.extractfile(info)
            if opened is None:
                continue
            yield name, opened, -1  # -1: the ratio is measured over the whole compressed stream (_Counting)
        counted.check()


def _member_name(name: str) -> str | None:
    """The member's path with forward slashes and no leading ./ or /, or None for hidden and resource-fork files."""
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("/", ".", "")]
    if not parts or any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return None
    return "/".join(parts)


class _Guarded(io.RawIOBase):
    """A member stream that counts what it yields and raises ``Bomb`` past the member, total or ratio limit."""

    def __init__(self, raw: BinaryIO, budget: _Budget, compressed: int, source: str) -> None:
        self.raw, self.budget, self.compressed, self.source = raw, budget, compressed, source
        self.count = 0
        self.tripped: Bomb | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.raw.read(len(buffer))
        n = len(data)
        self.count += n
        self.budget.left -= n
        problem = None
        if self.count > MAX_MEMBER_BYTES:
            problem = f"{self.source}: more than {_size(MAX_MEMBER_BYTES)} uncompressed"
        elif self.budget.left < 0:
            problem = f"more than {_size(MAX_TOTAL_BYTES)} uncompressed in all"
        elif self.compressed > 0 and self.count > RATIO_FLOOR and self.count > MAX_RATIO * self.compressed:
            problem = f"{self.source} expands more than {MAX_RATIO} times"
        if problem:
            self.tripped = Bomb(problem)
            raise self.tripped
        buffer[:n] = data
        return n


class _Counting(io.RawIOBase):
    """Counts the compressed bytes tarfile reads from the file, and the uncompressed bytes handed out (by _tar)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.read_bytes = 0
        self.out_bytes = 0

    def readable(self) -> bool:
        return True

    def check(self) -> None:
        """Raise ``Bomb`` when the members so far inflated more than ``MAX_RATIO`` times the bytes read for them."""
        if self.out_bytes > RATIO_FLOOR and self.out_bytes > MAX_RATIO * max(self.read_bytes, 1):
            raise Bomb(f"expands {self.out_bytes // max(self.read_bytes, 1):,} times")

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        data = self.raw.read(size)
        self.read_bytes += len(data)
        return data

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n:,} bytes"
    if n < 1024 * 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MiB"
    return f"{n / (1024 * 1024 * 1024):.1f} GiB"
