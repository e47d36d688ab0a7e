"""Incremental rebuild: append one sentence to one BBC article, time `qa index build`, against a full rebuild.

The full rebuild is the one `bench index` timed in this run, or one timed here when that benchmark did not run. The
incremental build is also run once in-process under cProfile (after putting the article back, which is again a
one-article change), and the functions that dominate it are printed.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import re

from bench.common import BBC_INDEX, QA, Row, bbc_index, bbc_seeds, judged, qa_env, restore_bbc_article, say
from bench.common import run as run_cmd

ARTICLE = "business/001.txt"
SENTENCE = "\nAnalysts said on Friday that the figures would be revised again next month.\n"


def _profile_build() -> tuple[float, list[str]]:
    """One in-process incremental build under cProfile: (seconds, the top functions by own and cumulative time)."""
    from qa.build import build
    from qa.settings import Settings

    settings = Settings(seeds=bbc_seeds(), index=BBC_INDEX)
    profiler = cProfile.Profile()
    profiler.enable()
    report = build(settings)
    profiler.disable()
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    top = []
    for key in ("cumulative", "tottime"):
        buf.seek(0)
        buf.truncate()
        stats.sort_stats(key).print_stats(12)
        for line in buf.getvalue().splitlines():
            found = re.match(r"\s*\S+\s+(\S+)\s+\S+\s+(\S+)\s+\S+\s+(.+)$", line)
            if not found or found.group(3) == "filename:lineno(function)":
                continue
            own, cumulative, where = float(found.group(1)), float(found.group(2)), found.group(3)
            where = re.sub(r"^.*/(site-packages|main)/", "", where)
            if key == "cumulative" and not where.startswith("qa/"):
                continue
            top.append(f"{key[:3]} {own if key == 'tottime' else cumulative:.2f}s {where}")
    return report.seconds, top


def run(fresh: bool = False, context: dict | None = None) -> list[Row]:
    seeds = bbc_seeds()
    bbc_index()
    env = qa_env(seeds, BBC_INDEX)
    full = (context or {}).get("full_build_seconds")
    if full is None:
        say("incremental: timing a full rebuild first (bench index did not run)")
        full, _ = run_cmd([QA, "index", "build", "--full"], env=env)
    path = seeds / ARTICLE
    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(SENTENCE)
        say(f"incremental: qa index build after appending a sentence to {ARTICLE}")
        wall, out = run_cmd([QA, "index", "build"], env=env)
        if "1 updated" not in out:
            raise RuntimeError(f"expected one updated article, got: {out}")
    finally:
        restore_bbc_article(ARTICLE)
    say("incremental: profiling the rebuild that puts the article back")
    seconds, top = _profile_build()
    for line in top:
        say(f"incremental profile: {line}")
    hot = "; ".join(t for t in top if t.startswith("tot"))[:160]
    return [
        judged(Row("incremental", "qa index build after touching 1 article", wall, "s", full,
                   "qa index build --full", "ratio <= 0.05", note="whole command, fresh process")),
        Row("incremental", "same, in-process under cProfile", seconds, "s", full, "qa index build --full",
            note=f"own time: {hot}"),
    ]  # fmt: skip
