"""The indexed articles as a list: source, headline, date, section, byline and passage count (`qa index list`, the
app's articles screen). Read from the index's SQLite tables; never the article text, so a large index lists fast."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

from qa.filters import Filters

SORTS = ("date", "source", "title")
COLUMNS = ("source", "title", "date", "section", "author", "passages")


@dataclass(frozen=True)
class Listed:
    """One indexed article, as the list shows it."""

    source: str
    title: str
    date: str | None
    section: str | None
    author: str | None
    passages: int
    outlet: str | None = None
    url: str | None = None

    def to_record(self) -> dict[str, Any]:
        return asdict(self)


def list_articles(
    db: sqlite3.Connection, filters: Filters | None = None, sort: str = "date", reverse: bool = False
) -> list[Listed]:
    """The matching articles, sorted by ``sort`` (date: undated articles last either way; ties by source)."""
    filters = filters or Filters()
    dialect = getattr(db, "dialect", "sqlite")  # a sqlite3.Connection has no such attribute
    sql = (
        "SELECT a.source, a.title, a.date, {meta}, a.author, (SELECT count(*) FROM chunks c WHERE c.article_id = a.id) "
        "FROM articles a {join} WHERE {where}"
    )
    try:
        where, params = filters.where(meta=True, dialect=dialect)
        rows = db.execute(
            sql.format(meta="m.section, m.outlet, m.url", join="LEFT JOIN article_meta m ON m.article_id = a.id",
                       where=where), params,
        ).fetchall()  # fmt: skip
        items = [Listed(s, t, d, sec, au, n, o, u) for s, t, d, sec, o, u, au, n in rows]
    except sqlite3.OperationalError:  # an index from before article metadata
        where, params = filters.where(meta=False)
        rows = db.execute(sql.format(meta="NULL", join="", where=where), params).fetchall()
        items = [Listed(s, t, d, sec, au, n) for s, t, d, sec, au, n in rows]
    return sort_articles(items, sort, reverse)


def sort_articles(items: list[Listed], sort: str = "date", reverse: bool = False) -> list[Listed]:
    if sort not in SORTS:
        raise ValueError(f"sort by one of {', '.join(SORTS)}")
    items = sorted(items, key=lambda a: a.source)
    if sort == "title":
        items.sort(key=lambda a: a.title.casefold(), reverse=reverse)
    elif sort == "source":
        items.sort(key=lambda a: a.source, reverse=reverse)
    else:
        dated = sorted((a for a in items if a.date), key=lambda a: a.date or "", reverse=reverse)
        items = dated + [a for a in items if not a.date]
    return items
