"""A long question file answered by several processes (``qa ask --file --workers N``): this process answers the
first part of the standalone questions, helper processes (``python -m qa.parallel``) the rest, and the results come
back in question order.

One process keeps about one core busy with its Python ranking while the reader threads use part of another, so a
machine with more cores answers a long file faster with more processes. On the 2-core machine of NOTES.md two
processes answered the 2,000 BBC bench questions 5 % faster on average (within that machine's noise), so one process
stays the default. Each helper opens the same index version itself (it refuses another one: a rebuild in between) and
gets its questions, the filters' chunk mask and the settings as one JSON object on stdin; it writes one JSON line a
result on stdout. Every process encodes questions in batches of BATCH and parts start on a multiple of it, so every
question is encoded in the same batch as in one process and gets the same answer. A helper that fails or is refused leaves its part to this
process: the file is answered either way.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qa.records import Result

if TYPE_CHECKING:
    import numpy as np

    from qa.answer import Answerer
    from qa.settings import Settings

BATCH = 64  # questions encoded together: every process passes it to Answerer.ask_stream, so batches line up
ENV_WORKERS = "QA_WORKERS"
STALL = 300.0  # seconds without a result after which a helper counts as hung


def workers(requested: int | None) -> int:
    """Processes to answer a question file with: ``requested`` (``--workers``), else QA_WORKERS, else one."""
    if requested is None:
        env = os.environ.get(ENV_WORKERS, "").strip()
        requested = int(env) if env.isdigit() else 1
    return max(1, requested)


def parts(n: int, count: int) -> list[tuple[int, int]]:
    """``count`` contiguous (start, end) parts of ``n`` questions, each starting on a batch boundary; the first
    (this process's, which starts at once) is the largest."""
    batches = -(-n // BATCH)
    count = max(1, min(count, batches))
    sizes = [batches // count + (1 if i < batches % count else 0) for i in range(count)]
    out, at = [], 0
    for size in sizes:
        end = min(n, at + size * BATCH)
        out.append((at, end))
        at = end
    return out


@dataclass
class _Helper:
    start: int
    end: int
    process: subprocess.Popen[str] | None
    lines: list[str] = field(default_factory=list)  # its results' JSON, read when this process has done its part
    done: threading.Event = field(default_factory=threading.Event)
    failed: bool = False

    def collect(self, job: str) -> None:
        """On a thread: the job to the helper, then its results as they come (the pipe must be drained or the
        helper stalls)."""
        assert self.process is not None and self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(job)
            self.process.stdin.close()
            self.lines.extend(self.process.stdout)  # decoded later: not beside this process's own answering
            self.failed = self.process.wait() != 0 or len(self.lines) != self.end - self.start
        except (OSError, ValueError):
            self.failed = True
        finally:
            self.done.set()


def ask_stream(
    answerer: Answerer,
    settings: Settings,
    texts: Sequence[str],
    ids: Sequence[str],
    top_k: int,
    allowed: np.ndarray | None = None,
    count: int | None = None,
    command: Sequence[str] | None = None,
) -> Iterator[Result]:
    """``answerer.ask_stream`` over ``count`` processes (``workers`` decides when None); ``command`` starts a
    helper (``python -m qa.parallel``). A file shorter than two batches is answered here alone."""
    split = parts(len(texts), workers(count))
    if len(split) < 2:
        yield from answerer.ask_stream(texts, ids, top_k, BATCH, allowed)
        return
    job = _job(answerer, settings, top_k, allowed)
    helpers = [_start(command, job, texts, ids, s, e) for s, e in split[1:]]
    try:
        s, e = split[0]
        yield from answerer.ask_stream(texts[s:e], ids[s:e], top_k, BATCH, allowed)
        for h in helpers:
            _wait(h)
            results = None if h.process is None or h.failed else _decoded(h.lines)
            if results is None:  # its part is answered here instead (a partial one is redone)
                yield from answerer.ask_stream(texts[h.start : h.end], ids[h.start : h.end], top_k, BATCH, allowed)
            else:
                yield from results
    finally:
        for h in helpers:
            _stop(h)


def _job(answerer: Answerer, settings: Settings, top_k: int, allowed: np.ndarray | None) -> dict[str, Any]:
    import numpy as np

    mask = None
    if allowed is not None:
        mask = {"n": len(allowed), "bits": base64.b64encode(np.packbits(allowed).tobytes()).decode("ascii")}
    return {
        "index": str(settings.index), "store": settings.store, "model": settings.model,
        "version": answerer.searcher.version.name, "top_k": top_k, "allowed": mask,
    }  # fmt: skip


def _start(
    command: Sequence[str] | None, job: dict[str, Any], texts: Sequence[str], ids: Sequence[str], s: int, e: int
) -> _Helper:
    env = {**os.environ, "QA_THREADS": "1", ENV_WORKERS: "1"}  # a core each; a helper starts no helpers
    try:
        process = subprocess.Popen(
            list(command or [sys.executable, "-m", "qa.parallel"]),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8",
            env=env,
        )  # fmt: skip
    except OSError:
        return _Helper(s, e, None)
    helper = _Helper(s, e, process)
    payload = json.dumps({**job, "texts": list(texts[s:e]), "ids": list(ids[s:e])})
    threading.Thread(target=helper.collect, args=(payload,), name="qa-helper", daemon=True).start()
    return helper


def _wait(h: _Helper) -> None:
    """Until the helper is done; one that sends nothing for STALL seconds is stopped (its part is answered here)."""
    if h.process is None:
        return
    seen, quiet = len(h.lines), 0.0
    while not h.done.wait(1.0):
        quiet = 0.0 if len(h.lines) != seen else quiet + 1.0
        seen = len(h.lines)
        if quiet >= STALL:
            _stop(h)
            h.done.wait()
            h.failed = True


def _stop(h: _Helper) -> None:
    if h.process is None or h.process.poll() is not None:
        return
    h.process.terminate()
    try:
        h.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        h.process.kill()
        h.process.wait()


def _decoded(lines: list[str]) -> list[Result] | None:
    try:
        return [Result.from_record(data, data.get("confidence")) for data in map(json.loads, lines)]
    except (ValueError, KeyError, TypeError):
        return None


def _serve(job: dict[str, Any]) -> int:
    """A helper's work: answer the job's questions over the version the parent answers from."""
    import numpy as np

    from qa import stores
    from qa.session import open_answerer
    from qa.settings import Settings

    settings = Settings.from_env(index=job["index"], store=job["store"], model=job["model"])
    version = stores.of(settings).open()
    if version.name != job["version"]:  # rebuilt since the parent opened it: not the same answers
        version.close()
        return 3
    answerer = open_answerer(settings, version)
    allowed = None
    if job["allowed"] is not None:
        bits = np.frombuffer(base64.b64decode(job["allowed"]["bits"]), dtype=np.uint8)
        allowed = np.unpackbits(bits)[: job["allowed"]["n"]].astype(bool)
    out = sys.stdout
    for result in answerer.ask_stream(job["texts"], job["ids"], job["top_k"], BATCH, allowed):
        out.write(json.dumps({**result.to_record(), "confidence": result.confidence}, ensure_ascii=False) + "\n")
    out.flush()
    return 0


def main() -> int:
    try:
        return _serve(json.loads(sys.stdin.read()))
    except KeyboardInterrupt:
        return 130
    except Exception:  # noqa: BLE001 - the parent answers this part itself; nothing here is for a person to read
        return 1


if __name__ == "__main__":
    sys.exit(main())
