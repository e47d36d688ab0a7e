"""Reports as rich tables: methods side by side, misses at 1, and the unanswerable calibration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qa.evaluation.runner import MethodScores, Report

if TYPE_CHECKING:  # rich is imported by the caller that prints; the types are only for annotations
    from rich.console import RenderableType

TITLES = {
    "questions": "Question file: a hit is a passage containing an expected string",
    "squad": "SQuAD: a hit is a passage whose span contains a gold answer span",
    "beir": "BEIR: documents ranked by their best chunk",
}
NOTES = {
    "highlight": "highlight: share of top-1 highlights holding the answer (SQuAD: among top-1 hits)",
    "answered": "answered: share of questions the Answerer marks as confidently answered",
}
SNIPPET = 90


def render(report: Report) -> list[RenderableType]:
    """Everything a terminal shows for a report, in order."""
    items: list[RenderableType] = [scores_table(TITLES[report.kind], report.scores, best="max")]
    if report.calibration:
        info = report.info.get("unanswerable", {})
        title = (
            f"Unanswerable calibration: {info.get('indexed_articles')} articles indexed, "
            f"{info.get('unanswerable_questions')} questions from {info.get('held_out_articles')} others"
        )
        items.append(scores_table(title, report.calibration, best="min"))
    elif isinstance(report.info.get("unanswerable"), str):
        items.append(f"unanswerable calibration {report.info['unanswerable']}")
    if report.kind == "questions":
        items.append(misses_table(report))
    items.append(_summary(report))
    return items


def scores_table(title: str, scores: list[MethodScores], best: str) -> RenderableType:
    """Metrics as rows, methods as columns; the best value of each row in bold."""
    from rich.console import Group
    from rich.table import Table

    table = Table()
    table.add_column("metric")
    for s in scores:
        table.add_column(s.method, justify="right")
    names = list(scores[0].metrics) if scores else []
    for name in names:
        values = [s.metrics[name] for s in scores]
        top = (max if best == "max" else min)(values)
        cells = [f"[bold]{v:.3f}[/]" if v == top and len(scores) > 1 else f"{v:.3f}" for v in values]
        table.add_row(name, *cells)
    for count in list(scores[0].counts) if scores else []:
        table.add_row(f"[dim]{count}[/]", *[f"[dim]{s.counts[count]}[/]" for s in scores])
    table.add_row("[dim]seconds[/]", *[f"[dim]{s.seconds:.1f}[/]" for s in scores])
    return Group(f"[bold]{title}[/]", table)


def misses_table(report: Report) -> RenderableType:
    """Questions missed at rank 1 by any method, with each method's rank and one wrong top-1 highlight."""
    from rich.console import Group
    from rich.table import Table

    methods = [s.method for s in report.scores]
    first_miss: dict[str, dict] = {}
    for method in methods:
        for row in report.misses.get(method, []):
            first_miss.setdefault(row["id"], {**row, "method": method})
    title = f"[bold]Misses at 1[/] ({len(first_miss)} of {report.info['questions']} questions, by any method)"
    table = Table()
    for name in ("id", "question", "expected", *methods, "top-1 highlight"):
        table.add_column(name, justify="right" if name in methods else "left", overflow="fold")
    for row in report.per_question:
        miss = first_miss.get(row["id"])
        if miss is None:
            continue
        ranks = [_rank(row[m]["rank"]) if "rank" in row[m] else "answered" for m in methods]  # else unanswerable
        top = miss["top_highlight"]
        shown = (
            f"[dim]{miss['method']}, {_snip(miss['top_source'])}:[/] {_snip(top)}" if top else "[dim](no passage)[/]"
        )
        expected = " | ".join(miss["expect"]) or "(unanswerable)"
        table.add_row(_snip(row["id"]), _snip(miss["question"]), _snip(expected), *ranks, shown)
    return Group(title, table) if first_miss else title


def _rank(rank: int | None) -> str:
    return "-" if rank is None else str(rank) if rank > 1 else "[green]1[/]"


def _snip(text: str, limit: int = SNIPPET) -> str:
    """One line of at most ``limit`` characters, with rich markup escaped (text comes from files)."""
    from rich.markup import escape

    flat = " ".join(text.split())
    return escape(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def _summary(report: Report) -> str:
    info = report.info
    parts = []
    if "index" in info:
        state = "built now" if info.get("index_built_now") else "reused from cache"
        parts.append(
            f"index {_snip(info['index'], 1000)} ({state}, {info.get('chunks')} chunks, {info.get('index_seconds')} s)"
        )
    if "seconds" in info:
        parts.append(f"total {info['seconds']} s")
    notes = [NOTES[n] for n in NOTES if report.scores and n in report.scores[0].metrics]
    return "[dim]" + "\n".join([*parts, *notes]) + "[/]"
