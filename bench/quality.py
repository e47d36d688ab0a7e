"""Does the faster indexing path keep quality? SQuAD v1.1 dev MRR@10, documents encoded int8 vs fp32.

Both indexes are built by the same ``qa.build.build`` over the same seeds (the 48 SQuAD dev articles, one file each),
differing only in ``QA_INT8``; both are asked the same questions through the same ``Answerer.ask_many`` (questions
are encoded fp32 in both). A question is answered at rank r when the r-th answer comes from its article and its
passage holds one of the gold answers. Build throughput of each path is reported too.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from pathlib import Path

from bench.common import SQUAD, WORK, Row, fresh_dir, judged, say

QUESTIONS = 2_000
TOP_K = 10


def _seeds(folder: Path) -> list[tuple[str, str, list[str]]]:
    """Write one seed file per SQuAD article; returns (source, question, gold answers) for a fixed sample."""
    data = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    fresh_dir(folder)
    items = []
    for n, article in enumerate(data):
        title = article["title"].replace("_", " ")
        source = f"{n:02d}_{re.sub(r'[^A-Za-z0-9]+', '_', article['title'])[:40]}.txt"
        body = "\n\n".join(p["context"].strip() for p in article["paragraphs"])
        (folder / source).write_text(f"{title}\n\n{body}\n", encoding="utf-8")
        for p in article["paragraphs"]:
            for qa in p["qas"]:
                items.append((source, qa["question"], [a["text"] for a in qa["answers"]]))
    return random.Random(11).sample(items, min(QUESTIONS, len(items)))


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _build(seeds: Path, index: Path, int8: bool) -> tuple[float, float, int]:
    """(wall seconds, process CPU seconds, chunks) of a full in-process build."""
    from qa.build import build
    from qa.settings import Settings

    fresh_dir(index)
    old = os.environ.get("QA_INT8")
    os.environ["QA_INT8"] = "1" if int8 else "0"
    cpu = time.process_time()
    try:
        report = build(Settings(seeds=seeds, index=index), full=True)
        cpu = time.process_time() - cpu
    finally:
        if old is None:
            os.environ.pop("QA_INT8", None)
        else:
            os.environ["QA_INT8"] = old
    return report.seconds, cpu, report.chunks


def _mrr(index: Path, items: list[tuple[str, str, list[str]]]) -> tuple[float, float]:
    """(MRR@10, hit@1) over ``items`` on the index in ``index``."""
    from qa.answer import Answerer
    from qa.search import Searcher

    answerer = Answerer(Searcher.open(index))
    try:
        rr, top1 = 0.0, 0
        for i in range(0, len(items), 64):
            batch = items[i : i + 64]
            for (source, _, gold), result in zip(
                batch, answerer.ask_many([q for _, q, _ in batch], TOP_K), strict=True
            ):
                golds = [_norm(g) for g in gold]
                for answer in result.answers:
                    if answer.source == source and any(g in _norm(answer.passage) for g in golds):
                        rr += 1 / answer.rank
                        top1 += answer.rank == 1
                        break
    finally:
        answerer.searcher.close()
    return rr / len(items), top1 / len(items)


def run(fresh: bool = False, context: dict | None = None) -> list[Row]:
    work = WORK / "squad"
    seeds = work / "seeds"
    items = _seeds(seeds)
    figures = {}
    for name, int8 in (("fp32", False), ("int8", True)):
        say(f"quality: building the SQuAD index with {name} documents")
        seconds, cpu, chunks = _build(seeds, work / f"index-{name}", int8)
        say(f"quality: asking {len(items)} questions ({name} index)")
        mrr, top1 = _mrr(work / f"index-{name}", items)
        figures[name] = (mrr, top1, chunks / seconds, seconds, chunks, chunks / cpu)
    (m32, t32, r32, s32, _, u32), (m8, t8, r8, s8, c8, u8) = figures["fp32"], figures["int8"]
    return [
        judged(Row("quality", f"SQuAD MRR@10 delta, int8 - fp32 documents ({len(items)} q)", m8 - m32, "", None,
                   f"fp32 {m32:.4f}", "value >= -0.01", note=f"int8 {m8:.4f}; hit@1 int8 {t8:.3f} / fp32 {t32:.3f}")),
        Row("quality", "SQuAD MRR@10, int8 documents (default)", m8, "", m32, "fp32 documents"),
        Row("quality", "qa.build.build --full on SQuAD, int8 documents", r8, "chunks/s", r32, "fp32 documents",
            note=f"{c8} chunks: {s8:.1f} s vs {s32:.1f} s"),
        Row("quality", "same, per CPU-second", u8, "chunks/cpu-s", u32, "fp32 documents"),
    ]  # fmt: skip
