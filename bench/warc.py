"""A web archive of N HTML pages (the BBC articles, each wrapped in a page), indexed by the real `qa index build`.

For N = 1,000 and 10,000 (``QA_BENCH_WARC_SIZES=1000,10000`` to change): peak RSS of the build process (its own
``ru_maxrss``, from ``os.wait4``) and seconds, for the first build, a second build of the unchanged archive (its
records reused by size and mtime, the file not read), and a build after touching the file (every page read and
extracted again, no vector computed again: what a second build cost before the size/mtime shortcut). Memory should
not grow with N past what the index itself needs; the ratio row says how far it does.
"""

from __future__ import annotations

import html
import io
import os
import subprocess
import time
from pathlib import Path

from bench.common import PYTHON, WORK, Row, bbc_seeds, fresh_dir, qa_env, say

SIZES = tuple(int(n) for n in os.environ.get("QA_BENCH_WARC_SIZES", "1000,10000").split(","))


def page(text: str, n: int) -> bytes:
    """A BBC article as a simple news page: its first line the headline, its paragraphs <p>s; ``n`` keeps every
    page's bytes (and so its content hash) its own when the 2,225 articles repeat."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    title = html.escape(lines[0])
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in lines[1:])
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>\n'
        f'<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>\n'
        f"<article><h1>{title}</h1>\n{body}\n</article>\n"
        f"<footer>Archive copy {n}</footer></body></html>\n"
    ).encode()


def write_warc(path: Path, n: int) -> Path:
    """N response records (and their requests, as a crawler writes them), gzip per record, streamed to disk."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    files = sorted(bbc_seeds().rglob("*.txt"))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for i in range(n):
            source = files[i % len(files)]
            uri = f"https://news.example/{source.parent.name}/{source.stem}?copy={i // len(files)}"
            data = page(source.read_bytes().decode("utf-8", errors="replace"), i)
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    uri, "response", payload=io.BytesIO(data), http_headers=headers,
                    warc_headers_dict={"WARC-Date": "2005-06-01T12:00:00Z"},
                )
            )  # fmt: skip
            writer.write_record(
                writer.create_warc_record(uri, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
            )
    return path


def build(seeds: Path, index: Path) -> tuple[float, float, str]:
    """`qa index build` in a child process: (seconds, peak RSS in MB from the child's own rusage, stdout)."""
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([PYTHON, "-m", "qa.cli", "index", "build"], env=qa_env(seeds, index), stdout=out,
                                stderr=err)  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage (RUSAGE_CHILDREN would be a running max)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"qa index build failed ({proc.returncode}): {err.read().strip()[-2000:]}")
        return wall, usage.ru_maxrss / 1024, out.read()  # ru_maxrss is in KiB on Linux


def run(fresh: bool = False, context: dict | None = None) -> list[Row]:
    rows: list[Row] = []
    peaks: dict[int, float] = {}
    for n in SIZES:
        root = fresh_dir(WORK / f"warc-{n}")
        seeds, index = root / "seeds", root / "index"
        say(f"warc: writing {n:,} pages")
        archive = write_warc(seeds / "crawl.warc.gz", n)
        size_mb = archive.stat().st_size / 1e6
        say(f"warc: first build of {n:,} pages ({size_mb:.0f} MB)")
        first, peak, out = build(seeds, index)
        if f"{n} added" not in out:
            raise RuntimeError(f"expected {n} articles added: {out}")
        peaks[n] = peak
        say(f"warc: {first:.0f} s, peak RSS {peak:.0f} MB; second build, unchanged")
        second, peak2, out2 = build(seeds, index)
        if "nothing written" not in out2:
            raise RuntimeError(f"expected an up-to-date index: {out2}")
        st = archive.stat()
        os.utime(archive, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        say("warc: build after touching the archive (every page read again)")
        touched, peak3, out3 = build(seeds, index)
        if f"{n} unchanged" not in out3:
            raise RuntimeError(f"expected {n} unchanged articles: {out3}")
        rows += [
            Row("warc", f"first build, {n:,} pages ({size_mb:.0f} MB .warc.gz)", first, "s", note=out.splitlines()[1]),
            Row("warc", f"peak RSS, first build, {n:,} pages", peak, "MB"),
            Row("warc", f"second build, unchanged, {n:,} pages", second, "s", touched,
                "same after touching the file (re-read)", note=f"peak RSS {peak2:.0f} MB"),
            Row("warc", f"build after touching, {n:,} pages", touched, "s", first, "first build",
                note=f"peak RSS {peak3:.0f} MB; no page embedded again"),
        ]  # fmt: skip
        shutil_rm(index)
    if len(SIZES) >= 2:
        small, large = SIZES[0], SIZES[-1]
        rows.append(
            Row("warc", f"peak RSS {large:,} / {small:,} pages", peaks[large], "MB", peaks[small],
                f"peak RSS at {small:,}", note=f"{large // small}x the pages")
        )  # fmt: skip
    return rows


def shutil_rm(path: Path) -> None:
    """Drop an index once measured (10,000 pages' index is ~1 GB of work folder)."""
    import shutil

    shutil.rmtree(path, ignore_errors=True)
