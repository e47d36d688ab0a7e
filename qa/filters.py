"""Which articles a question may be answered from: a date range, a section, a source pattern, an author.

A ``Filters`` record becomes a SQL condition over the articles (``where``), evaluated by the store's database, and
from it a boolean mask over chunk ids (``mask``), which ``Searcher.retrieve`` applies inside the dense and BM25
searches (FAISS's selector; in Postgres a bit test in the SQL of both): the search itself only sees matching
passages, so the top k fills with them instead of shrinking.

Dates are read the way a person types them: ``2005-03-11``, ``2005-03``, ``2005``, ``March 2005``, ``11 March 2005``.
A month or a year stands for all of it: ``--since 2005-03`` starts on 1 March, ``--until 2005-03`` ends on 31 March.
An article with no known date never matches a date filter (its date is unknown, not "any").
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import sqlite3
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from qa.calendar_words import MONTH_NUMBERS, MONTH_PATTERN
from qa.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

    from qa.stores.base import Version

__all__ = ["DateError", "Filters", "date_range"]

_YEAR_ONLY = re.compile(r"(\d{4})")
_YEAR_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})")
_MONTH_YEAR = re.compile(rf"({MONTH_PATTERN})\.?,?\s+(\d{{4}})", re.IGNORECASE)
_GLOB = re.compile(r"[*?\[]")


class DateError(ConfigError, ValueError):
    """A date a person typed that cannot be read, or a range that ends before it starts."""


def date_range(text: str, name: str = "date") -> tuple[str, str]:
    """The first and last ISO day ``text`` covers: a day is itself, a month or a year all of it.

    Raises:
        DateError: ``text`` is not a date (the message names ``name`` and shows the forms that are).
    """
    value = " ".join(text.split())
    try:
        if m := _YEAR_ONLY.fullmatch(value):
            year = int(m[1])
            return dt.date(year, 1, 1).isoformat(), dt.date(year, 12, 31).isoformat()
        if m := _YEAR_MONTH.fullmatch(value):
            return _month(int(m[1]), int(m[2]))
        if m := _MONTH_YEAR.fullmatch(value):
            return _month(int(m[2]), MONTH_NUMBERS[m[1].lower()])
    except ValueError:  # month 13, year 0
        pass
    from qa.metadata import normalise_date  # the same reader that dates the articles themselves

    day = normalise_date(value) if re.search(r"\d{4}", value) else None
    if day is None:
        raise DateError(f"{name} {text!r} is not a date; use 2005-03-11, 2005-03, 2005 or 'March 2005'")
    return day, day


def _month(year: int, month: int) -> tuple[str, str]:
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, 1).isoformat(), dt.date(year, month, last).isoformat()


@dataclass(frozen=True)
class Filters:
    """What to search: every field None means everything. Dates are ISO days, both ends inclusive."""

    since: str | None = None
    until: str | None = None
    section: str | None = None  # matched whole, ignoring case
    source: str | None = None  # a glob over the source path or the outlet; no wildcard: that file, folder or outlet
    author: str | None = None  # a part of the byline, ignoring case

    @classmethod
    def parse(
        cls,
        since: str | None = None,
        until: str | None = None,
        section: str | None = None,
        source: str | None = None,
        author: str | None = None,
    ) -> Filters:
        """Filters from what a person typed (a month or year ``since`` starts at its first day, ``until`` ends at its
        last). Raises DateError for a date that cannot be read, or a range that ends before it starts."""
        start = date_range(since, "--since")[0] if since and since.strip() else None
        end = date_range(until, "--until")[1] if until and until.strip() else None
        if start and end and end < start:
            raise DateError(f"--until {end} is before --since {start}; the range holds no day")
        return cls(start, end, _text(section), _text(source), _text(author))

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def describe(self) -> str:
        """One line for a person, e.g. "since 2005-03-01, section politics" ("no filters" when nothing is)."""
        parts = [f"{f.name} {getattr(self, f.name)}" for f in fields(self) if getattr(self, f.name) is not None]
        return ", ".join(parts) or "no filters"

    def where(self, meta: bool = True, dialect: str = "sqlite") -> tuple[str, list[Any]]:
        """A SQL condition over ``articles a`` (and ``article_meta m`` when ``meta``) with its parameters.

        ``dialect``: "sqlite" (the local store) or "postgres", which has no GLOB or instr and no integer truth.
        """
        pg = dialect == "postgres"
        meta = meta or pg  # the Postgres store always has article metadata
        clauses: list[str] = []
        params: list[Any] = []
        if self.since:
            clauses.append("a.date IS NOT NULL AND substr(a.date, 1, 10) >= ?")
            params.append(self.since)
        if self.until:
            clauses.append("a.date IS NOT NULL AND substr(a.date, 1, 10) <= ?")
            params.append(self.until)
        if self.section:
            clauses.append("lower(coalesce(m.section, '')) = lower(?)" if meta else "0")  # no metadata: no sections
            params += [self.section] if meta else []
        if self.author:
            clauses.append(f"{'strpos' if pg else 'instr'}(lower(coalesce(a.author, '')), lower(?)) > 0")
            params.append(self.author)
        if self.source:
            pattern = self.source.removeprefix("./")
            outlet = meta and "lower(coalesce(m.outlet, ''))"
            if _GLOB.search(pattern) and pg:  # GLOB's meaning (case-sensitive, * crosses /) as an anchored regex
                clauses.append(f"a.source ~ ? OR {outlet} ~ ?")
                params += [_glob_regex(pattern), _glob_regex(pattern.lower())]
            elif _GLOB.search(pattern):
                clauses.append("a.source GLOB ?" + (f" OR {outlet} GLOB lower(?)" if meta else ""))
                params += [pattern] * (2 if meta else 1)
            else:  # a file, a folder, or an outlet's name
                folder = pattern.rstrip("/") + "/"
                clauses.append(
                    "a.source = ? OR substr(a.source, 1, ?) = ?" + (f" OR {outlet} = lower(?)" if meta else "")
                )
                params += [pattern, len(folder), folder] + ([pattern] if meta else [])
        return " AND ".join(f"({c})" for c in clauses) or ("true" if pg else "1"), params

    def article_ids(self, db: sqlite3.Connection) -> list[int]:
        """Ids of the matching articles."""
        return [row[0] for row in _query(db, self, "SELECT a.id FROM articles a {join} WHERE {where}")]

    def mask(self, version: Version) -> np.ndarray:
        """A boolean array over chunk ids: True for the passages of matching articles."""
        import numpy as np

        n = int(version.manifest["chunks"])
        out = np.zeros(n, dtype=bool)
        sql = "SELECT c.id FROM chunks c JOIN articles a ON a.id = c.article_id {join} WHERE {where}"
        ids = np.fromiter((row[0] for row in _query(version.db, self, sql)), dtype=np.int64)
        out[ids[ids < n]] = True
        return out


def _query(db: sqlite3.Connection, filters: Filters, sql: str) -> list[tuple[Any, ...]]:
    """Run ``sql`` with the filter's join and condition; an index from before article_meta has no section."""
    dialect = getattr(db, "dialect", "sqlite")  # a sqlite3.Connection has no such attribute
    if dialect != "sqlite":  # every Postgres version has article_meta
        where, params = filters.where(meta=True, dialect=dialect)
        return db.execute(sql.format(join="LEFT JOIN article_meta m ON m.article_id = a.id", where=where),
                          params).fetchall()  # fmt: skip
    try:
        where, params = filters.where(meta=True)
        return db.execute(sql.format(join="LEFT JOIN article_meta m ON m.article_id = a.id", where=where),
                          params).fetchall()  # fmt: skip
    except sqlite3.OperationalError:
        where, params = filters.where(meta=False)
        return db.execute(sql.format(join="", where=where), params).fetchall()


def _glob_regex(pattern: str) -> str:
    """SQLite's GLOB as a POSIX regex: ``*`` any run (``/`` too), ``?`` one character, ``[...]`` / ``[^...]`` a set."""
    out, i = ["^"], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[" and (end := pattern.find("]", i + 2)) > 0:
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out.append("[" + body + "]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out) + "$"


def _text(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else ""
    return value or None
