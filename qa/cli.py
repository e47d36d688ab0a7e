"""The command line: parse, call the library, print. Every error is one line on stderr and a non-zero exit."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from qa.errors import BadQuestionFile, ConfigError, QAError
from qa.interrupts import deferred_interrupt
from qa.settings import Settings


def _settings(**kw: Any) -> Settings:
    ctx = click.get_current_context(silent=True)
    given_store = ctx.meta.get(_STORE) if ctx is not None else None
    settings = Settings.from_env(**kw, **({"store": given_store} if given_store else {}))
    seeds = kw.get("seeds")
    if seeds is not None and seeds.is_file():  # typed on the command line: said before "building the index ..."
        raise ConfigError(f"{seeds} is a file, not a folder; pass the folder that holds the articles (--seeds)")
    if "index" in kw and settings.store is None:  # a file in the index folder's place is found now, not mid-build
        _check_index(settings.index)
    return settings


def _check_index(index: Path) -> None:
    for folder in (index, *index.parents):  # the index folder, or the nearest part of its path that exists
        if folder.exists():
            if not folder.is_dir():
                raise ConfigError(f"{folder} is a file, not a folder; pass a folder for the index (--index, QA_INDEX)")
            return


def _check_output(path: Path, option: str) -> None:
    """An output file that cannot be written, said before any answering or evaluation work instead of after it."""
    if path.is_dir():
        raise ConfigError(f"{option} {path} is a folder; give the name of a file to write")
    folder = path.parent
    if not folder.exists():
        raise ConfigError(f"{option} {path}: folder {folder} does not exist; create it or write elsewhere")
    if not folder.is_dir():
        raise ConfigError(f"{option} {path}: {folder} is a file, not a folder; write elsewhere")
    if path.exists() and not os.access(path, os.W_OK):
        raise ConfigError(f"{option} {path} cannot be written (permission denied or read-only); write elsewhere")
    if not path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"{option} {path}: cannot create files in {folder} (permission denied or read-only)")


def _err(message: str) -> None:
    click.echo(message, err=True)


_STORE = "qa.store"  # --store, kept in the click context (shared by the group and its commands)


def _remember_store(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.meta[_STORE] = value


def path_options(f: Callable[..., Any]) -> Callable[..., Any]:
    store_help = "Where the index lives: a postgresql:// URL, or a folder [env QA_STORE; the --index folder]."
    f = click.option("--store", metavar="URL|DIR", expose_value=False, callback=_remember_store, help=store_help)(f)
    f = click.option("--model", help="Embedding model: a local folder or a name already on disk [env QA_MODEL].")(f)
    index_help = "Index folder [env QA_INDEX; ./index]."
    f = click.option("--index", "index", type=click.Path(path_type=Path), help=index_help)(f)
    f = click.option("--seeds", type=click.Path(path_type=Path), help="Articles folder [env QA_SEEDS; ./seeds].")(f)
    return f


def filter_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--since/--until/--section/--source/--author, handed to the command as one ``filters`` (qa.filters.Filters);
    a date that cannot be read is a usage error."""
    import functools

    @functools.wraps(f)
    def wrapper(*args: Any, since: str | None, until: str | None, section: str | None, source_glob: str | None,
                author: str | None, **kw: Any) -> Any:  # fmt: skip
        from qa.filters import DateError, Filters

        try:
            filters = Filters.parse(since, until, section, source_glob, author)
        except DateError as exc:
            raise click.UsageError(str(exc)) from exc
        return f(*args, filters=filters, **kw)

    options = (
        ("--author", "author", "Only articles whose byline holds NAME (any case).", "NAME"),
        ("--source", "source_glob", "Only articles whose path (or outlet) matches GLOB, e.g. 'politics/*'.", "GLOB"),
        ("--section", "section", "Only articles of this section (any case).", "NAME"),
        ("--until", "until", "Only articles dated up to DATE (2005-03-11, 2005-03, 2005, 'March 2005').", "DATE"),
        ("--since", "since", "Only articles dated from DATE on (a month or year: from its first day).", "DATE"),
    )
    for flag, name, text, metavar in options:
        wrapper = click.option(flag, name, metavar=metavar, help=text)(wrapper)
    return wrapper


def _filter_mask(answerer: Any, filters: Any) -> Any:
    """The chunk mask for ``filters`` (None when nothing is filtered); no matching article is one clear error."""
    if not filters:
        return None
    mask = filters.mask(answerer.searcher.version)
    if not mask.any():
        raise QAError(f"no indexed article matches the filters ({filters.describe()}); `qa index list` shows them")
    return mask


def dump_fields_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--dump-fields", metavar="FIELD=NAME,...",
        help="Read JSONL/CSV dumps' FIELD (text, title, date, author, url, id, section, outlet) from the exporter's "
        "NAME, e.g. title=headline_text,text=story; kept by later builds, '' restores the usual names "
        "[env QA_DUMP_FIELDS].",
    )(f)  # fmt: skip


def links_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--follow-links", is_flag=True,
        help="Also index links whose target is outside the articles folder [env QA_FOLLOW_LINKS=1].",
    )(f)  # fmt: skip


@contextmanager
def progress_bar(enabled: bool | None = None) -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar on stderr when it is a terminal; silent otherwise."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield lambda stage, done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=Console(stderr=True), transient=True,
    ) as bar:  # fmt: skip
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)

        yield update


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qa-news")
@path_options
@click.pass_context
def cli(ctx: click.Context, seeds: Path | None, index: Path | None, model: str | None) -> None:
    """Ask questions of a folder of news articles, offline. With no command, opens the chat app."""
    given = {k: v for k, v in (("seeds", seeds), ("index", index), ("model", model)) if v is not None}
    # `qa --seeds DIR [COMMAND]`: the group's path options become every command's defaults (a command's own flag wins).
    ctx.default_map = _defaults_for(cli, given)
    if ctx.invoked_subcommand is None:
        ctx.invoke(chat, **{"seeds": None, "index": None, "model": None, **given})


def _defaults_for(group: click.Group, given: dict[str, Any]) -> dict[str, Any]:
    """A click ``default_map`` giving each command (nested groups too) the options in ``given`` that it takes."""
    defaults: dict[str, Any] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            defaults[name] = _defaults_for(command, given)
        else:
            takes = {p.name for p in command.params}
            defaults[name] = {k: v for k, v in given.items() if k in takes}
    return defaults


@cli.command()
@path_options
@links_option
def chat(seeds: Path | None, index: Path | None, model: str | None, follow_links: bool) -> None:
    """Open the chat-style terminal app."""
    settings = _settings(seeds=seeds, index=index, model=model, follow_links=follow_links or None)
    try:
        from qa.tui.app import run
    except ImportError:  # the terminal app is optional at this stage: fall back to a prompt
        _prompt_loop(settings)
        return
    run(settings)


def _prompt_loop(settings: Settings) -> None:
    from qa.batch import repair
    from qa.session import ready_answerer

    with progress_bar() as bar:
        answerer, _ = ready_answerer(settings, _err, bar)
    _err("Ask a question (empty line or ctrl+d to quit).")
    n = 0
    while True:
        try:
            question = repair(input("? "))
        except EOFError:
            break
        if not question.strip():
            break
        n += 1
        _print_result(answerer.ask(question, settings.top_k, str(n)), "text")


@cli.group()
def index() -> None:
    """Build and inspect the index."""


@index.command("build")
@path_options
@click.option("--full", is_flag=True, help="Re-embed every article instead of reusing unchanged ones.")
@click.option("--wait", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds to wait for another build.")  # fmt: skip
@click.option("--workers", type=click.IntRange(1, 256), help="Embed with N local worker processes (Dask).")
@click.option("--cluster", metavar="tcp://HOST:PORT", help="Embed on the workers of this Dask scheduler.")
@click.option("--watch", is_flag=True, help="Then keep watching the folder, as `qa index watch` does.")
@click.option("--allow-empty", is_flag=True, help="Let an articles folder with no article in it empty the index.")
@dump_fields_option
@links_option
def index_build(
    seeds: Path | None, index: Path | None, model: str | None, full: bool, wait: float, watch: bool,
    follow_links: bool, workers: int | None, cluster: str | None, dump_fields: str | None, allow_empty: bool,
) -> None:  # fmt: skip
    """Build or update the index from the articles folder (incremental, crash-safe)."""
    from qa.build import build

    settings = _settings(
        seeds=seeds, index=index, model=model, follow_links=follow_links or None, dump_fields=dump_fields
    )
    if watch:
        _watch(settings, full)
        return
    with progress_bar() as bar:
        report = build(
            settings, full=full, progress=bar, wait=wait, workers=workers or 0, cluster=cluster, allow_empty=allow_empty
        )
    from qa.render import one_line

    for warning in report.warnings:
        _err(f"skipped or warned: {one_line(warning)}")  # a file name may hold newlines or escapes
    click.echo(
        f"articles: {report.added} added, {report.updated} updated, {report.removed} removed, "
        f"{report.unchanged} unchanged, {report.skipped} skipped\n"
        f"chunks: {report.chunks} ({report.embedded_chunks} embedded)\n"
        + ("" if report.written else "index: up to date, nothing written\n")
        + f"seconds: {report.seconds:.1f}"
    )


@index.command("watch")
@path_options
@click.option("--full", is_flag=True, help="Re-embed every article in the first build.")
@dump_fields_option
@links_option
def index_watch(
    seeds: Path | None, index: Path | None, model: str | None, full: bool, follow_links: bool, dump_fields: str | None
) -> None:
    """Keep the index up to date: rebuild incrementally whenever files under the articles folder change.

    One line per update (what changed, articles added/updated/removed, seconds); ctrl+c stops.
    """
    settings = _settings(
        seeds=seeds, index=index, model=model, follow_links=follow_links or None, dump_fields=dump_fields
    )
    _watch(settings, full)


def _watch(settings: Settings, full: bool) -> None:
    from qa.render import one_line
    from qa.watch import updates

    said: set[str] = set()  # a file skipped at every build is said once, not once per update
    try:
        for n, update in enumerate(updates(settings, full=full)):
            for warning in update.report.warnings if update.report else ():
                if warning not in said:
                    said.add(warning)
                    _err(f"skipped or warned: {one_line(warning)}")
            click.echo(update.summary())
            sys.stdout.flush()  # one line per update, also through a pipe (`qa index watch | tee log`)
            if n == 0:
                _err(f"watching {settings.seeds} for changes (ctrl+c to stop)")
    except KeyboardInterrupt:
        _err("stopped")  # the way a watch ends: not an error


@index.command("status")
@path_options
@links_option
def index_status(seeds: Path | None, index: Path | None, model: str | None, follow_links: bool) -> None:
    """What the index holds, and which seed files are new or changed since it was built."""
    from qa.build import OUTDATED, model_change, status

    settings = _settings(seeds=seeds, index=index, model=model, follow_links=follow_links or None)
    st = status(settings)
    click.echo(f"articles: {st.articles}\nchunks: {st.chunks}\nmodel: {st.model}\nbuilt: {st.built_at}")
    for label, items in (("new", st.new), ("changed", st.changed), ("removed", st.removed)):
        for item in items:
            click.echo(f"{label}: {item}")
    if st.outdated:
        click.echo(f"outdated: {OUTDATED} (a build reuses every vector)")
    change = model_change(settings, st)
    if change:
        click.echo(f"model changed: {change}")
    click.echo("up to date" if not (st.stale or st.outdated or change) else "stale: run `qa index build`")


@index.command("list")
@click.option("--sort", type=click.Choice(["date", "source", "title"]), default="date", show_default=True,
              help="Order of the list (undated articles come last).")  # fmt: skip
@click.option("--reverse", is_flag=True, help="Reverse the order (newest first, with --sort date).")
@click.option("--format", "fmt", type=click.Choice(["table", "tsv", "json"]), default=None,
              help="Output [a table on a terminal, tab-separated text otherwise].")  # fmt: skip
@path_options
@filter_options
def index_list(
    sort: str, reverse: bool, fmt: str | None, seeds: Path | None, index: Path | None, model: str | None, filters: Any
) -> None:
    """The indexed articles: source, headline, date, section, byline and number of passages."""
    from qa import stores
    from qa.catalog import COLUMNS, list_articles
    from qa.render import one_line

    settings = _settings(seeds=seeds, index=index, model=model)
    version = stores.of(settings).open()
    try:
        items = list_articles(version.db, filters, sort, reverse)
    finally:
        version.close()
    if filters and not items:  # as `qa ask` says it: one line, not a bare header
        raise QAError(f"no indexed article matches the filters ({filters.describe()}); `qa index list` shows them all")
    fmt = fmt or ("table" if sys.stdout.isatty() else "tsv")
    if fmt == "json":
        from qa.batch import to_json

        click.echo(to_json([a.to_record() for a in items], indent=1))
    elif fmt == "tsv":
        def cell(value: Any) -> str:  # one line, no tabs: a field never spills into the next
            return "" if value is None else one_line(str(value)).replace("\u2409", " ")

        lines = ["\t".join(COLUMNS)] + ["\t".join(cell(getattr(a, c)) for c in COLUMNS) for a in items]
        click.echo("\n".join(lines))
    else:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(box=None, header_style="bold", pad_edge=False)
        for name in COLUMNS:
            table.add_column(name, justify="right" if name == "passages" else "left",
                             overflow="fold" if name == "source" else "ellipsis", no_wrap=name != "source")  # fmt: skip
        for a in items:
            table.add_row(*(Text(one_line(str(getattr(a, c) or ""))) for c in COLUMNS))
        Console().print(table)
        _err(f"{len(items)} article{'s' * (len(items) != 1)}" + (f" ({filters.describe()})" if filters else ""))


@cli.command()
@click.argument("question", required=False)
@click.option(
    "--file", "file",
    help="Question file (.txt, .jsonl, .csv) or - for stdin; a conversation field reads follow-ups in order.",
)  # fmt: skip
@click.option("--top-k", type=click.IntRange(1, 100), default=None, help="Answers per question [5].")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "jsonl", "csv", "markdown"]), default=None,
    help="Output [text for a question, jsonl for --file]; json with --file is one JSON array.",
)  # fmt: skip
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write answers here instead of stdout.")
@click.option("--skip-bad", is_flag=True, help="Skip malformed lines of the question file instead of failing.")
@click.option(
    "--workers", type=click.IntRange(1, 64), default=None,
    help="Processes answering a question file (up to one per core), the same answers either way [env QA_WORKERS; "
    "1].",
)  # fmt: skip
@path_options
@links_option
@filter_options
def ask(
    question: str | None, file: str | None, top_k: int | None, fmt: str | None, output: Path | None,
    skip_bad: bool, workers: int | None, seeds: Path | None, index: Path | None, model: str | None,
    follow_links: bool, filters: Any,
) -> None:  # fmt: skip
    """Answer QUESTION, or every question in --file."""
    from qa.batch import repair
    from qa.session import ready_answerer

    if (question is None) == (file is None):
        raise click.UsageError("give a QUESTION or --file FILE (not both)")
    if question is not None:
        question = repair(question)  # undecodable argv bytes arrive as surrogate escapes: U+FFFD, as in files
    if question is not None and not question.strip():
        raise click.UsageError("the question is empty; give one, e.g. qa ask 'who chairs the council?'")
    settings = _settings(seeds=seeds, index=index, model=model, top_k=top_k, follow_links=follow_links or None)
    if output is not None:
        _check_output(output, "--output")
    if seeds is not None and not seeds.is_dir():  # typed on the command line: a typo must not answer from elsewhere
        raise click.UsageError(
            f"the articles folder {seeds} does not exist (the index would be {settings.index}); check --seeds"
        )
    if file is not None:
        from qa.batch import read_questions

        if output is not None and file != "-" and _same_file(Path(file), output):
            raise click.UsageError(f"--output {output} is the question file itself; write the answers to another file")
        questions = read_questions(file, skip_bad, warn=lambda m: _err(f"skipped: {m}"), notice=_err)
        if not questions:
            raise BadQuestionFile(
                f"question file {file} holds no questions; write one per line, or JSONL / CSV with a question field"
            )
        fmt = fmt or "jsonl"
    else:
        fmt = fmt or "text"
    with progress_bar() as bar:
        answerer, _ = ready_answerer(settings, _err, bar)
    allowed = _filter_mask(answerer, filters)
    if question is not None:
        _print_result(answerer.ask(question, settings.top_k, allowed=allowed), fmt)
        return
    _ask_file(answerer, settings, questions, fmt, output, allowed, workers)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _ask_file(
    answerer: Any, settings: Any, questions: list[Any], fmt: str, output: Path | None, allowed: Any = None,
    workers: int | None = None,
) -> None:  # fmt: skip
    from contextlib import closing

    from qa import parallel
    from qa.conversation import Conversation, follow

    top_k = settings.top_k
    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    written = 0
    close: Callable[[], None] = lambda: None
    alone = [q for q in questions if q.conversation is None]  # streamed in batches, on every core for a long file
    stream = parallel.ask_stream(answerer, settings, [q.text for q in alone], [q.id for q in alone], top_k, allowed,
                                 workers)  # fmt: skip
    try:
        write, close = _writer(out, fmt)
        with progress_bar() as bar, deferred_interrupt() as interrupted, closing(stream) as results:
            talks: dict[str, Conversation] = {}  # the rest in order, each turn read in its conversation so far
            for q in questions:
                if q.conversation is None:
                    write(next(results))
                else:
                    talk = talks.setdefault(q.conversation, Conversation())
                    write(follow(answerer, talk, q.text, top_k, q.id, allowed))
                written += 1
                if interrupted():
                    raise KeyboardInterrupt
                if written % 64 == 0 or written == len(questions):
                    bar("answering", written, len(questions))
    except KeyboardInterrupt:
        _err(f"interrupted after {written} of {len(questions)} questions; the output holds complete records")
        raise SystemExit(130) from None
    finally:
        close()  # a JSON array is closed even when interrupted: the partial output stays valid
        if output:
            out.close()
    if output:
        _err(f"wrote {written} answers to {output}")


def _writer(out: Any, fmt: str) -> tuple[Callable[[Any], None], Callable[[], None]]:
    """(write one Result, finish) for ``fmt``: batch.Writer's jsonl/csv/markdown, a JSON array, or plain text.
    Each record is written whole and flushed."""
    from qa.batch import Writer, to_json
    from qa.render import plain

    if fmt == "json":
        count = [0]
        out.write("[")
        out.flush()

        def write_json(result: Any) -> None:
            out.write(("\n" if not count[0] else ",\n") + to_json(result.to_record()))
            out.flush()
            count[0] += 1

        def close_json() -> None:
            out.write("\n]\n" if count[0] else "]\n")
            out.flush()

        return write_json, close_json
    if fmt == "text":

        def write_text(result: Any) -> None:
            out.write(plain(result) + "\n\n")
            out.flush()

        return write_text, lambda: None
    return Writer(out, fmt).write, lambda: None


def _print_result(result: Any, fmt: str) -> None:
    from qa.render import plain, rich_result

    if fmt == "json":
        from qa.batch import to_json

        click.echo(to_json(result.to_record(), indent=2))
    elif fmt in ("jsonl", "csv", "markdown"):
        _writer(sys.stdout, fmt)[0](result)
    elif sys.stdout.isatty():
        from rich.console import Console

        Console().print(rich_result(result))
    else:
        click.echo(plain(result))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback unless a token).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--token", envvar="QA_TOKEN", help="Require `Authorization: Bearer TOKEN` [env QA_TOKEN].")
@path_options
def serve(host: str, port: int, token: str | None, seeds: Path | None, index: Path | None, model: str | None) -> None:
    """Answer over HTTP (JSON): POST /ask, POST /ask/batch, GET /articles, GET /health; see /openapi.json."""
    try:
        from qa.serve import check_bind, run
    except ImportError as exc:  # starlette or uvicorn missing from a trimmed install
        raise ConfigError(f"qa serve needs starlette and uvicorn ({exc.name} is missing): pip install starlette uvicorn")
    check_bind(host, token)
    run(_settings(seeds=seeds, index=index, model=model), host, port, token)


@cli.command()
@click.argument("source")
@path_options
def show(source: str, seeds: Path | None, index: Path | None, model: str | None) -> None:
    """Print the indexed text of SOURCE, which answer offsets index into."""
    from qa import stores
    from qa.render import safe

    if not source.strip():
        raise click.UsageError("give the article to show, as `qa index list` names it")
    settings = _settings(seeds=seeds, index=index, model=model)
    version = stores.of(settings).open()
    try:
        row = None
        for name in _source_names(source, settings.seeds):
            row = version.db.execute("SELECT text FROM articles WHERE source = ?", (name,)).fetchone()
            if row is not None:
                break
        head = _article_head(version.db, name) if row is not None and sys.stdout.isatty() else None
    finally:
        version.close()
    if row is None:
        raise QAError(f"{source} is not in the index; `qa index status` lists what is")
    text = row[0]
    if sys.stdout.isatty():  # a terminal gets visible control characters and a final newline for the prompt
        text = safe(text) + ("" if text.endswith("\n") else "\n")
        if head:  # headline, date, byline, section, URL: on a terminal only (a pipe gets the exact indexed text)
            from rich.console import Console

            # No styling: on a terminal the output carries no escape sequence qa did not make visible (safe()).
            Console(color_system=None).print(head)
    # color=True: click would strip escape sequences from a pipe, and a pipe must get the exact indexed text.
    click.echo(text, nl=False, color=True)


def _article_head(db: Any, source: str) -> Any:
    """The article's headline in bold, then its date, byline, section and URL (whichever the index knows)."""
    from rich.console import Group
    from rich.rule import Rule
    from rich.text import Text

    from qa.catalog import list_articles
    from qa.filters import Filters
    from qa.render import one_line

    found = list_articles(db, Filters(source=source))
    if not found:
        return None
    a = found[0]
    parts = [a.date, a.author and f"by {a.author}", a.section, a.url]
    facts = " · ".join(one_line(str(p)) for p in parts if p)
    return Group(Text(one_line(a.title), style="bold"), *([Text(facts, style="dim")] if facts else []), Rule())


def _source_names(source: str, seeds: Path) -> list[str]:
    """SOURCE as stored (relative to the seeds folder), then as a path typed on disk (absolute, or relative to the
    current folder) made relative to the seeds folder."""
    names = [source]
    try:
        relative = Path(source).resolve().relative_to(seeds.resolve())
    except (ValueError, OSError):
        return names
    if relative.as_posix() not in names:
        names.append(relative.as_posix())
    return names


class _EvalGroup(click.Group):
    """`qa eval FILE` is short for `qa eval questions FILE`; `qa eval squad|beir ...` name their collection."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["questions", *args]
        return super().parse_args(ctx, args)


def eval_options(f: Callable[..., Any]) -> Callable[..., Any]:
    from qa.search import METHODS

    f = click.option("--json", "json_out", type=click.Path(path_type=Path), help="Also write the full report here.")(f)
    f = click.option(
        "--method", type=click.Choice(["all", *METHODS]), default="all", show_default=True,
        help="Retrieval method to measure; all runs them side by side.",
    )(f)  # fmt: skip
    return f


def cache_option(f: Callable[..., Any]) -> Callable[..., Any]:
    store_help = "Answer from a Postgres store (postgresql:// URL) the collection is copied into [env QA_STORE]."
    f = click.option("--store", metavar="URL", expose_value=False, callback=_remember_store, help=store_help)(f)
    f = click.option("--model", help="Embedding model [env QA_MODEL].")(f)
    return click.option(
        "--cache", type=click.Path(path_type=Path), help="Folder of cached evaluation indexes [~/.cache/qa/eval]."
    )(f)


def _methods(method: str) -> tuple[str, ...]:
    from qa.search import METHODS

    return METHODS if method == "all" else (method,)


def _show_report(report: Any, json_out: Path | None) -> None:
    from rich.console import Console

    from qa.evaluation.report import render

    console = Console() if sys.stdout.isatty() else Console(width=160)
    for item in render(report):
        console.print(item)
        console.print()
    if json_out:
        json_out.write_text(json.dumps(report.to_record(), ensure_ascii=False, indent=1), encoding="utf-8")
        _err(f"wrote the report to {json_out}")


@cli.group("eval", cls=_EvalGroup)
def eval_group() -> None:
    """Measure answer quality: `qa eval QUESTIONS.jsonl`, `qa eval squad FILE`, `qa eval beir DIR`."""


@eval_group.command("questions")
@click.argument("questions", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--split", help='Only the questions whose "split" is this (e.g. dev or holdout).')
@eval_options
@path_options
@links_option
@filter_options
def eval_questions(
    questions: Path, split: str | None, method: str, json_out: Path | None, seeds: Path | None, index: Path | None,
    model: str | None, follow_links: bool, filters: Any,
) -> None:  # fmt: skip
    """Hit@1/3/10, MRR@10, highlight accuracy and misses of our JSONL questions against the current index; lines
    marked "unanswerable": true measure how often the articles' silence still gets a confident answer."""
    from qa.evaluation.datasets import load_questions
    from qa.evaluation.runner import run_questions
    from qa.session import ready_answerer

    settings = _settings(seeds=seeds, index=index, model=model, follow_links=follow_links or None)
    if json_out is not None:
        _check_output(json_out, "--json")
    items = load_questions(questions, split)
    with progress_bar() as bar:
        answerer, _ = ready_answerer(settings, _err, bar)
        report = run_questions(answerer, items, _methods(method), bar, allowed=_filter_mask(answerer, filters))
    _show_report(report, json_out)


@eval_group.command("squad")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--limit", type=click.IntRange(1), help="Ask only the first N questions.")
@click.option("--articles", help="Index the first K articles, or `all` (with --limit: only the asked ones).")
@click.option("--unanswerable/--no-unanswerable", default=True, show_default=True,
              help="Also measure answered-rates with half the articles held out of the index.")  # fmt: skip
@click.option("--dump-features", type=click.Path(path_type=Path), help="Write top-1 scores per question (JSON).")
@eval_options
@cache_option
def eval_squad(
    file: Path, limit: int | None, articles: str | None, unanswerable: bool, dump_features: Path | None,
    method: str, json_out: Path | None, cache: Path | None, model: str | None,
) -> None:  # fmt: skip
    """R@1/5/20, MRR@10 and highlight accuracy on SQuAD v1.1, each article indexed as one article."""
    from qa.evaluation.datasets import load_squad
    from qa.evaluation.runner import run_squad

    for path, option in ((json_out, "--json"), (dump_features, "--dump-features")):
        if path is not None:
            _check_output(path, option)
    if articles is not None and articles != "all" and not (articles.isdigit() and int(articles) > 0):
        raise click.BadParameter("give a number of articles or `all`", param_hint="--articles")
    count = int(articles) if articles and articles != "all" else None
    dataset = load_squad(file).subset(count, limit, all_articles=articles == "all")
    with progress_bar() as bar:
        report = run_squad(
            dataset, _settings(model=model), _methods(method), cache, bar, unanswerable, dump_features is not None
        )
    _show_report(report, json_out)
    if dump_features:
        rows = ",\n".join(json.dumps(row) for row in report.features)  # a JSON list, one question per line
        dump_features.write_text(f"[\n{rows}\n]\n", encoding="utf-8")
        _err(f"wrote {len(report.features)} feature rows to {dump_features}")


@eval_group.command("beir")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--split", default="test", show_default=True, help="Which qrels/<split>.tsv to score against.")
@eval_options
@cache_option
def eval_beir(
    folder: Path, split: str, method: str, json_out: Path | None, cache: Path | None, model: str | None
) -> None:
    """nDCG@10 and R@100 on a BEIR folder, each document indexed as one article."""
    from qa.evaluation.datasets import load_beir
    from qa.evaluation.runner import run_beir

    if json_out is not None:
        _check_output(json_out, "--json")
    dataset = load_beir(folder, split)
    with progress_bar() as bar:
        report = run_beir(dataset, _settings(model=model), _methods(method), cache, bar)
    _show_report(report, json_out)


def main() -> None:
    """Entry point: turns every error into one line on stderr and an exit code."""
    import sqlite3  # for the except clause below; the index's store imports it anyway

    from qa.render import one_line

    sys.unraisablehook = _exit_on_a_lost_interrupt
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        _err("interrupted")
        sys.exit(130)
    except click.ClickException as exc:
        _err(f"error: {one_line(exc.format_message())}")
        sys.exit(exc.exit_code)
    except QAError as exc:
        _err(f"error: {one_line(str(exc))}")  # messages may quote file names and arguments
        sys.exit(1)
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except (OSError, sqlite3.Error) as exc:  # the disk said no: name the path and what to do, not the exception
        if os.environ.get("QA_DEBUG"):
            raise
        message = _os_error(exc) if isinstance(exc, OSError) else _sqlite_error(exc)
        _err(f"error: {one_line(message)}")
        sys.exit(1)
    except Exception as exc:  # a person never sees a traceback
        if _interrupted(exc):
            _err("interrupted")
            sys.exit(130)
        if os.environ.get("QA_DEBUG"):
            raise
        _err(f"error: unexpected {type(exc).__name__}: {one_line(str(exc))} (set QA_DEBUG=1 for details)")
        sys.exit(2)


def _os_error(exc: OSError) -> str:
    """One sentence for a file-system error: what happened to which path, and what to do."""
    import errno

    name = os.fsdecode(exc.filename) if exc.filename is not None else None
    at = f" {name}" if name else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        where = f"the device holding {name}" if name else "the device"
        return f"no space left on {where}; free some space and run the command again"
    if exc.errno == errno.EROFS:
        return f"{name or 'the path'} is on a read-only file system; use a path on a writable one"
    if isinstance(exc, PermissionError):
        return f"permission denied:{at}; check its permissions or use another path"
    if isinstance(exc, FileNotFoundError):
        return f"{name or 'a file'} does not exist; check the path"
    if isinstance(exc, IsADirectoryError):
        return f"{name or 'the path'} is a folder, not a file; give a file"
    if isinstance(exc, NotADirectoryError):
        return f"{name or 'the path'}: a file stands where a folder is needed; check the path"
    return f"cannot use{at or ' a file'} ({exc.strerror or exc}); check the path and the disk, then try again"


def _sqlite_error(exc: Exception) -> str:
    """One sentence for an index database error (SQLite names no file: it is always the index's)."""
    text = str(exc)
    if "full" in text:
        return "no space left on the device holding the index; free some space and run the command again"
    if "readonly" in text or "read-only" in text:
        return "the index database cannot be written (read-only); check the index folder's permissions"
    if "locked" in text:
        return "the index database is locked by another process; try again when it has finished"
    return f"the index database cannot be used ({text}); rebuild it with `qa index build --full`"


def _exit_on_a_lost_interrupt(unraisable: Any) -> None:
    """ctrl+c that landed where Python cannot raise it (an import lock's weakref callback, a ``__del__``): Python
    would print "Exception ignored ... Traceback" and carry on. It ends the command as any ctrl+c does; a build cut
    short here is left as a killed one is, with the previous index answering."""
    if not issubclass(unraisable.exc_type, KeyboardInterrupt):
        sys.__unraisablehook__(unraisable)
        return
    try:
        sys.stdout.flush()
        _err("interrupted")
    finally:
        os._exit(130)  # raising here would be ignored again


def _interrupted(exc: BaseException) -> bool:
    """ctrl+c that surfaced as another error: during a native module's import it becomes an ImportError."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


if __name__ == "__main__":
    main()
