"""Incremental rebuild: append one sentence to one BBC article, time `qa index build`, against a full rebuild.

The full rebuild is the one `bench index` timed in this run, or one timed here when that benchmark did not run. The
incremental build is also run once in-process under cProfile (after putting the article back, which is again a
one-article change), and the functions that dominate it are printed.
"""

from __future__ import annotations

import cProfile
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
    stats = pstats.Stats(profiler).stats  # (file, line, function) -> (calls, ncalls, own, cumulative, callers)

    def where(key: tuple[str, int, str]) -> str:
        path = re.sub(r"^.*/(site-packages|main)/", "", key[0])
        return f"{path}:{key[1]}({key[2]})" if key[1] else key[2]

    mine = sorted((k for k in stats if "/qa/" in k[0]), key=lambda k: -stats[k][3])[:8]
    own = sorted(stats, key=lambda k: -stats[k][2])[:8]
    top = [f"cum {stats[k][3]:.2f}s {where(k)}" for k in mine] + [f"own {stats[k][2]:.2f}s {where(k)}" for k in own]
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
    hot = "; ".join(t.removeprefix("own ") for t in top if t.startswith("own"))[:200]
    return [
        judged(Row("incremental", "qa index build after touching 1 article", wall, "s", full,
                   "qa index build --full", "ratio <= 0.05", note="whole command, fresh process")),
        Row("incremental", "same, in-process under cProfile", seconds, "s", full, "qa index build --full",
            note=f"own time: {hot}"),
    ]  # fmt: skip
