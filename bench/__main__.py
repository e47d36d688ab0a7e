"""``python -m bench [NAME ...]``: run the benchmarks, print one table, write bench/results/latest.json.

Every figure is printed beside the baseline it is judged against, measured in the same run, with the ratio and the
target. Names: cold, index, quality, incremental, latency, ann, bm25, warc, workers, serve, pg (ann and bm25 build
1M-item indexes, warc indexes a 10,000-page web archive: minutes; serve runs --seconds twice; pg writes 1M passages
into PostgreSQL and the local store: tens of minutes).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

from bench.common import RESULTS, Row, cpu, load, say

BENCHES = ("cold", "index", "quality", "incremental", "latency", "ann", "bm25", "warc", "workers", "serve", "pg")
DEFAULT = BENCHES


def table(rows: list[Row]) -> str:
    def fmt(x: float | None) -> str:
        if x is None:
            return "-"
        return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"

    head = ("bench", "figure", "value", "baseline", "ratio", "target", "ok", "note")
    lines = [
        (r.bench, r.figure, f"{fmt(r.value)} {r.unit}".strip(),
         f"{fmt(r.baseline)} ({r.baseline_label})" if r.baseline is not None else r.baseline_label or "-",
         f"{r.ratio:.3f}" if r.ratio is not None else "-", r.target or "-",
         {True: "yes", False: "NO", None: ""}[r.ok], r.note)
        for r in rows
    ]  # fmt: skip
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines, strict=True)]
    out = [" | ".join(str(x).ljust(w) for x, w in zip(head, widths, strict=True)).rstrip()]
    out.append("-+-".join("-" * w for w in widths))
    out += [" | ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)).rstrip() for line in lines]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run (default: all): {', '.join(BENCHES)}"
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild cached 1M indexes (ann, bm25)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each serve load run (default 60)")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json", help="JSON results file")
    args = parser.parse_args(argv)
    names = args.names or list(DEFAULT)
    unknown = sorted(set(names) - set(BENCHES))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    started = time.perf_counter()
    machine = {
        "cpus": os.cpu_count(),
        "cpu": cpu(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_at_start": load(),
    }
    rows: list[Row] = []
    context: dict[str, object] = {"seconds": args.seconds}  # figures one benchmark passes to another (and --seconds)
    for name in names:
        say(f"{name}: start")
        module = importlib.import_module(f"bench.{name}")
        t = time.perf_counter()
        got = module.run(fresh=args.fresh, context=context)
        rows += got
        say(f"{name}: done in {time.perf_counter() - t:.0f} s")
        print(table(got), file=sys.stderr, flush=True)
    machine["load_at_end"] = load()
    machine["seconds"] = round(time.perf_counter() - started, 1)
    print(f"machine: {machine['cpus']} cores of {machine['cpu']}, {machine['platform']}, python {machine['python']}; "
          f"load {machine['load_at_start']} -> {machine['load_at_end']}; {machine['seconds']} s")  # fmt: skip
    print(f"command: python -m bench {' '.join(names)}")
    print(table(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"machine": machine, "benches": names, "rows": [r.to_json() for r in rows]}, indent=1),
        encoding="utf-8",
    )
    print(f"wrote {args.out}")
    failed = [r for r in rows if r.ok is False]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
