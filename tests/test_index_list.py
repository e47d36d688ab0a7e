"""`qa index list`: the indexed articles as TSV on a pipe, JSON, or a table; sorted and filtered. `qa show`'s header
on a terminal (a pipe still gets exactly the indexed text). Articles written for these tests (tests/dated_corpus.py)."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import one_line_error
from dated_corpus import ARTICLES, dated_fixture  # noqa: F401

BY_DATE = ["politics/budget-autumn.md", "business/mill.html", "politics/budget-march.md", "sport/regatta.md",
           "politics/bridge-april.md", "notes/undated.txt"]  # fmt: skip


def rows(out: str) -> list[list[str]]:
    return [line.split("\t") for line in out.splitlines()]


class TestList:
    def test_tab_separated_on_a_pipe(self, qa, dated) -> None:
        run = qa("index", "list", *dated.args())
        assert run.code == 0, run.err
        table = rows(run.out)
        assert table[0] == ["source", "title", "date", "section", "author", "passages"]
        assert [r[0] for r in table[1:]] == BY_DATE  # by date, the undated article last
        mill = next(r for r in table if r[0] == "business/mill.html")
        assert mill[1:] == [
            "Vell paper mill to close after ninety years",
            "2005-01-15",
            "Business",
            "Tobias Grell",
            "1",
        ]
        undated = table[-1]
        assert undated[2] == "" and undated[4] == ""
        assert all(len(r) == 6 for r in table) and all(int(r[5]) >= 1 for r in table[1:])

    def test_reverse_is_newest_first_and_undated_still_last(self, qa, dated) -> None:
        run = qa("index", "list", "--reverse", *dated.args())
        assert [r[0] for r in rows(run.out)[1:]] == BY_DATE[-2::-1] + ["notes/undated.txt"]

    @pytest.mark.parametrize(("sort", "key"), [("source", lambda r: r[0]), ("title", lambda r: r[1].casefold())])
    def test_sorted_by_source_or_title(self, qa, dated, sort: str, key) -> None:  # type: ignore[no-untyped-def]
        table = rows(qa("index", "list", "--sort", sort, *dated.args()).out)[1:]
        assert table == sorted(table, key=key) and len(table) == len(ARTICLES)

    @pytest.mark.parametrize(
        ("options", "sources"),
        [
            (["--section", "politics"], ["politics/budget-autumn.md", "politics/budget-march.md",
                                         "politics/bridge-april.md"]),
            (["--since", "2005-03", "--author", "holt"], ["politics/budget-march.md", "politics/bridge-april.md"]),
            (["--source", "sport/*"], ["sport/regatta.md"]),
            (["--until", "2004"], ["politics/budget-autumn.md"]),
        ],
    )  # fmt: skip
    def test_the_same_filters_as_ask(self, qa, dated, options: list[str], sources: list[str]) -> None:
        run = qa("index", "list", *options, *dated.args())
        assert [r[0] for r in rows(run.out)[1:]] == sources

    def test_json(self, qa, dated) -> None:
        items = json.loads(qa("index", "list", "--format", "json", "--source", "business/*", *dated.args()).out)
        assert items == [{
            "source": "business/mill.html", "title": "Vell paper mill to close after ninety years",
            "date": "2005-01-15", "section": "Business", "author": "Tobias Grell", "passages": 1,
            "outlet": "Dunmere Courier", "url": "https://courier.example/business/mill",
        }]  # fmt: skip

    def test_a_table(self, qa, dated, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("COLUMNS", "160")
        run = qa("index", "list", "--format", "table", *dated.args())
        assert run.code == 0 and "\t" not in run.out
        lines = run.out.splitlines()
        assert lines[0].split() == ["source", "title", "date", "section", "author", "passages"]
        assert "Kestrel Bridge repairs begin early" in run.out and "6 articles" in run.err

    def test_a_bad_date(self, qa, dated) -> None:
        run = qa("index", "list", "--since", "the spring", *dated.args())
        assert run.code == 2 and "is not a date" in one_line_error(run.err)

    def test_filters_that_match_nothing_say_so(self, qa, dated) -> None:
        run = qa("index", "list", "--section", "weather", *dated.args())
        assert run.code == 1 and run.out == ""
        assert "no indexed article matches the filters (section weather)" in one_line_error(run.err)

    def test_no_index(self, qa, tmp_path) -> None:  # type: ignore[no-untyped-def]
        run = qa("index", "list", "--index", str(tmp_path / "none"))
        assert run.code == 1 and "no index" in one_line_error(run.err)


class TestShow:
    def test_a_pipe_gets_exactly_the_indexed_text(self, qa, dated) -> None:
        from qa import store

        version = store.Version.open(dated.index)
        text = version.db.execute("SELECT text FROM articles WHERE source = 'business/mill.html'").fetchone()[0]
        version.close()
        assert qa("show", "business/mill.html", *dated.args()).out == text

    def test_a_terminal_gets_a_header(self, qa, dated, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
        monkeypatch.setenv("COLUMNS", "120")
        import re

        out = re.sub(r"\x1b\[[0-9;]*m", "", qa("show", "business/mill.html", *dated.args()).out)  # rich's styles
        head = out.splitlines()[:2]
        assert head[0] == "Vell paper mill to close after ninety years"
        assert head[1] == "2005-01-15 · by Tobias Grell · Business · https://courier.example/business/mill"
        assert "The Vell paper mill will close in June" in out
