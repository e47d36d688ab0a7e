"""`qa serve` under load: 16 concurrent clients on loopback for a bounded time, then again while a rebuild swaps the
index mid-run.

The server is the real `qa serve` in its own process over a copy of the BBC index (so the rebuild touches no other
benchmark's files); the clients are threads of this process, each with its own keep-alive HTTP connection, asking
``bench.common.bbc_questions`` with ``POST /ask``. A request fails when it does not come back 200 with a record.
In the second run, a third of the way in, one article is added to the copy's articles and `qa index build` runs in
another process; the run lasts until both the time is up and the server answers from the new version, and the new
article must then be answered. ``--seconds`` bounds each run (default 60).
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

from bench.common import QA, WORK, Row, bbc_index, bbc_questions, bbc_seeds, median, percentile, qa_env, say

CLIENTS = 16
SECONDS = 60.0
HOST = "127.0.0.1"  # loopback only
NEW = "serve-bench/ferry.txt"
NEW_TEXT = (
    "Night ferry to Oslund returns\n\nThe night ferry to Oslund sailed again on Monday after a winter laid up for "
    "repairs.\n\nCaptain Ingrid Solberg said the crossing took four hours in calm seas.\n"
)
NEW_QUESTION = "Who captained the night ferry to Oslund?"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Server:
    """`qa serve` in a subprocess on a free loopback port."""

    def __init__(self, seeds: Path, index: Path) -> None:
        self.port = _free_port()
        self.log = (index.parent / "serve.log").open("w")
        self.proc = subprocess.Popen(
            [QA, "serve", "--port", str(self.port)], env=qa_env(seeds, index), stdout=self.log, stderr=self.log
        )

    def get(self, path: str) -> tuple[int, dict]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        finally:
            conn.close()

    def ask(self, question: str) -> dict:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            conn.request("POST", "/ask", json.dumps({"question": question}), {"Content-Type": "application/json"})
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

    def wait_ready(self, timeout: float = 600) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"qa serve exited ({self.proc.returncode}); see {self.log.name}")
            try:
                status, body = self.get("/health")
                if status == 200:
                    return body
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("qa serve did not get ready")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def load(server: Server, questions: list[str], seconds: float, during: threading.Thread | None = None) -> dict:
    """CLIENTS threads asking until ``seconds`` pass (and ``during`` has finished); latencies and failures."""
    stop = threading.Event()
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    failures: list[list[str]] = [[] for _ in range(CLIENTS)]

    def client(k: int) -> None:
        conn = http.client.HTTPConnection(HOST, server.port, timeout=60)
        i = k
        while not stop.is_set():
            body = json.dumps({"question": questions[i % len(questions)], "id": str(i)})
            i += CLIENTS
            t = time.perf_counter()
            try:
                conn.request("POST", "/ask", body, {"Content-Type": "application/json"})
                response = conn.getresponse()
                data = response.read()
                if response.status != 200 or "answers" not in json.loads(data):
                    failures[k].append(f"{response.status} {data[:200]!r}")
            except (OSError, http.client.HTTPException, ValueError) as exc:
                failures[k].append(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection(HOST, server.port, timeout=60)
                continue
            latencies[k].append(time.perf_counter() - t)
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    if during is not None:
        during.join(timeout=900)
    stop.set()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    flat = [x for per in latencies for x in per]
    failed = [x for per in failures for x in per]
    return {"wall": wall, "n": len(flat), "latencies": flat, "failed": failed}


def run(fresh: bool = False, context: dict | None = None) -> list[Row]:
    seconds = float((context or {}).get("seconds") or SECONDS)
    work = WORK / "serve"
    seeds, index = work / "seeds", work / "index"
    say("serve: copying the BBC articles and index (the rebuild adds an article to the copy only)")
    source_index = bbc_index()
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(bbc_seeds(), seeds)  # copy2 keeps mtimes: the copied index is up to date for the copy
    shutil.copytree(source_index, index, symlinks=True)
    questions = bbc_questions(2_000)
    baseline = _in_process(index, questions, min(seconds, 20.0))
    server = Server(seeds, index)
    rows: list[Row] = []
    try:
        before = server.wait_ready()
        for q in questions[:20]:  # warm-up
            server.ask(q)
        say(f"serve: {CLIENTS} clients for {seconds:.0f} s")
        steady = load(server, questions, seconds)
        rows += _rows("serve", steady, f"{CLIENTS} clients, {seconds:.0f} s, POST /ask", baseline)

        say(f"serve: {CLIENTS} clients for {seconds:.0f} s, `qa index build` adding an article a third of the way in")
        build_out: dict[str, object] = {}

        def rebuild() -> None:
            time.sleep(seconds / 3)
            (seeds / NEW).parent.mkdir(parents=True, exist_ok=True)
            (seeds / NEW).write_text(NEW_TEXT, encoding="utf-8")
            t = time.perf_counter()
            proc = subprocess.run(
                [QA, "index", "build"], env=qa_env(seeds, index), capture_output=True, text=True, check=False
            )
            build_out.update(code=proc.returncode, seconds=time.perf_counter() - t, err=proc.stderr[-500:])
            deadline = time.monotonic() + 60  # the server checks CURRENT at most once a second, then opens it
            while time.monotonic() < deadline and server.get("/health")[1].get("version") == before["version"]:
                time.sleep(0.2)

        builder = threading.Thread(target=rebuild)
        builder.start()
        swapped = load(server, questions, seconds, during=builder)
        after = server.get("/health")[1]
        answer = server.ask(NEW_QUESTION)["answers"]
        found = bool(answer) and answer[0]["source"] == NEW
        note = (
            f"build exit {build_out.get('code')} in {float(build_out.get('seconds', 0)):.0f} s; version "
            f"{before['version']} -> {after['version']}; new article answered after the swap: {'yes' if found else 'NO'}"
        )
        rows += _rows("serve", swapped, f"same, rebuild mid-run ({note})", baseline, rebuild=True)
        if not found or build_out.get("code") != 0:
            say(f"serve: rebuild check failed: {build_out}")
    finally:
        server.stop()
        (seeds / NEW).unlink(missing_ok=True)
    return rows


def _in_process(index: Path, questions: list[str], seconds: float) -> float:
    """Questions/s of ``Answerer.ask_many`` in this process, 16 at a time (what one full batch of the server does),
    measured before the server starts: the same work without HTTP, on the same machine at about the same load."""
    from qa.answer import Answerer
    from qa.search import Searcher

    say(f"serve: in-process ask_many baseline for {seconds:.0f} s")
    answerer = Answerer(Searcher.open(index))
    try:
        answerer.ask_many(questions[:CLIENTS])  # warm-up
        done, i, started = 0, 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            answerer.ask_many(questions[i : i + CLIENTS])
            done, i = done + CLIENTS, (i + CLIENTS) % (len(questions) - CLIENTS)
        return done / (time.perf_counter() - started)
    finally:
        answerer.searcher.close()


def _rows(bench: str, got: dict, label: str, baseline: float, rebuild: bool = False) -> list[Row]:
    lat = got["latencies"] or [float("nan")]
    prefix = "during rebuild: " if rebuild else ""
    failed = len(got["failed"])
    if failed:
        say(f"serve: {failed} failed requests, e.g. {got['failed'][:3]}")
    return [
        Row(
            bench,
            f"{prefix}questions/s",
            got["n"] / got["wall"],
            "q/s",
            baseline,
            "in-process ask_many x16",
            note=label,
        ),
        Row(bench, f"{prefix}latency p50", median(lat) * 1000, "ms", note=f"{got['n']} requests"),
        Row(bench, f"{prefix}latency p99", percentile(lat, 99) * 1000, "ms", median(lat) * 1000, "p50"),
        Row(bench, f"{prefix}failed requests", failed, "", target="value <= 0", ok=failed == 0),
    ]
