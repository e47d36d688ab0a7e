"""The indexed articles as a table: date, headline, section, byline, source and passages; sorted by a key or a click
on a column's header, filtered with the question box's commands (``/since 2005-03 /section politics``) or words of a
headline or path; Enter opens the article view."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from qa.catalog import SORTS, Listed, list_articles, sort_articles
from qa.filters import Filters
from qa.records import Answer
from qa.render import one_line
from qa.tui.engine import describe
from qa.tui.filter_line import CommandError, as_command, parse
from qa.tui.source_screen import SourceScreen

if TYPE_CHECKING:
    from qa.tui.engine import Engine

# (column key, header, sort it stands for)
COLUMNS = (("date", "Date", "date"), ("title", "Headline", "title"), ("section", "Section", None),
           ("author", "Byline", None), ("source", "Source", "source"), ("passages", "Passages", None))  # fmt: skip


class ArticleView(SourceScreen):
    """The article view opened from the list: the same view as from an answer, from the top, nothing marked."""

    def on_mount(self, event: events.Mount) -> None:
        event.prevent_default()  # not SourceScreen's: there is no passage to find and scroll to
        self._fill()
        self.query_one("#article").focus()


class ArticlesScreen(Screen[None]):
    """Reads the list through the Engine's open index (in a worker); sorting and word filtering happen here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+s", "sort", "Sort", tooltip="Sort by date, source or headline in turn"),
        Binding("ctrl+r", "reverse", "Reverse", tooltip="Reverse the order (newest first when sorted by date)"),
        Binding("ctrl+f", "focus_filter", "Filter", tooltip="/since, /until, /section, /source, /author, or words"),
    ]

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.filters: Filters = engine.filters  # starts with the questions' filters
        self.words = ""
        self.sort, self.reverse = "date", False
        self.items: list[Listed] = []  # what the filters match, before the words
        self.shown: list[Listed] = []

    def compose(self) -> ComposeResult:
        yield Static(Content("Articles"), id="articles-title")
        placeholder = "Filter: /since 2005-03 /section politics, or words of a headline or path; Enter"
        yield Input(as_command(self.filters), placeholder=placeholder, id="articles-filter")
        table: DataTable[Any] = DataTable(id="articles", cursor_type="row", zebra_stripes=True)
        for key, header, _ in COLUMNS:
            table.add_column(header, key=key)
        yield table
        yield Static(id="articles-count")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self._load(self.filters)

    # -- reading and showing ----------------------------------------------------------------------------------
    @work(thread=True, group="articles", exclusive=True, exit_on_error=False)
    def _load(self, filters: Filters) -> None:
        try:
            items = self.engine.with_answerer(lambda a: list_articles(a.searcher.version.db, filters))
        except Exception as exc:  # noqa: BLE001 - a person sees a notice, never a traceback
            self.app.call_from_thread(self.notify, describe(exc), title="Could not list the articles",
                                      severity="error", markup=False)  # fmt: skip
            return
        self.app.call_from_thread(self._loaded, filters, items)

    def _loaded(self, filters: Filters, items: list[Listed]) -> None:
        self.filters, self.items = filters, items
        self._show()

    def _show(self) -> None:
        words = self.words.casefold().split()
        matching = [a for a in self.items if all(w in f"{a.title} {a.source}".casefold() for w in words)]
        self.shown = sort_articles(matching, self.sort, self.reverse)
        table = self.query_one(DataTable)
        table.clear()
        for a in self.shown:
            table.add_row(*(one_line(str(getattr(a, key) or "")) for key, _, _ in COLUMNS), key=a.source)
        order = f"by {self.sort}" + (", reversed" if self.reverse else "")
        what = f" · {self.filters.describe()}" if self.filters else ""
        words_said = f" · words “{self.words}”" if self.words else ""
        if not self.items and self.filters:  # "0 of 0" said nothing of why
            said = f"No indexed article matches {self.filters.describe()}: edit the filter box (ctrl+f) or empty it"
        else:
            said = f"{len(self.shown)} of {len(self.items)} articles · {order}{what}{words_said}"
        self.query_one("#articles-count", Static).update(Content(said))

    def reload(self) -> None:
        """The index was rebuilt while the list was open: read it again, with the same filters."""
        self._load(self.filters)

    # -- keys and input ---------------------------------------------------------------------------------------
    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._show()

    def action_reverse(self) -> None:
        self.reverse = not self.reverse
        self._show()

    def action_focus_filter(self) -> None:
        self.query_one("#articles-filter", Input).focus()

    @on(DataTable.HeaderSelected)
    def header_selected(self, event: DataTable.HeaderSelected) -> None:
        sort = next((s for key, _, s in COLUMNS if key == event.column_key.value), None)
        if sort is None:
            return
        self.reverse = not self.reverse if sort == self.sort else False
        self.sort = sort
        self._show()

    @on(Input.Submitted, "#articles-filter")
    def filter_submitted(self, event: Input.Submitted) -> None:
        try:
            command = parse(event.value, Filters())  # the box holds every filter: what it does not name is gone
        except CommandError as exc:
            self.notify(str(exc), title="Filters", severity="warning", markup=False)
            return
        self.words = command.rest
        self.query_one(DataTable).focus()
        if command.filters == self.filters:
            self._show()
        else:
            self._load(command.filters)

    @on(DataTable.RowSelected, "#articles")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        source = event.row_key.value
        if found := next((a for a in self.shown if a.source == source), None):
            self._open(found)

    # -- the article view -------------------------------------------------------------------------------------
    @work(thread=True, group="article", exclusive=True, exit_on_error=False)
    def _open(self, listed: Listed) -> None:
        def read(answerer: Any) -> tuple[str, dict[str, Any], list[tuple[int, int]]] | None:
            db = answerer.searcher.version.db
            cursor = db.execute("SELECT * FROM articles WHERE source = ?", (listed.source,))
            row = cursor.fetchone()
            if row is None:
                return None
            meta = {column[0]: value for column, value in zip(cursor.description, row, strict=True)}
            spans = db.execute('SELECT start, "end" FROM chunks WHERE article_id = ? ORDER BY start', (meta["id"],))
            return str(meta.pop("text")), meta, [(int(s), int(e)) for s, e in spans]

        try:
            found = self.engine.with_answerer(read)
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self.notify, describe(exc), title="Could not open the article",
                                      severity="error", markup=False)  # fmt: skip
            return
        if found is None:
            self.app.call_from_thread(self.notify, f"{listed.source} is no longer in the index.",
                                      title="Could not open the article", severity="warning", markup=False)  # fmt: skip
            return
        text, meta, kept = found
        self.app.call_from_thread(self.app.push_screen, ArticleView(_at_top(listed), text, meta, kept))


def _at_top(a: Listed) -> Answer:
    """An answer record that points at the article's start (the article view is made for answers)."""
    return Answer(rank=0, score=0.0, source=a.source, title=a.title, passage="", start=0, end=0, highlight="",
                  highlight_start=0, highlight_end=0, date=a.date, author=a.author, section=a.section, url=a.url)  # fmt: skip


def sources(screen: ArticlesScreen) -> Sequence[str]:
    """The sources in the table's order (for tests and the screenshot)."""
    return [a.source for a in screen.shown]
