"""Article dumps whose exporter names its fields its own way: `qa index build --dump-fields FIELD=NAME,...` (or
QA_DUMP_FIELDS) says where the text, title, date and author are, through the real entry point. The mapping is kept
by the index, and a changed mapping reads the dumps again.

Every dump here is written by the test, and every story is invented.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from conftest import Paths, Run, one_line_error

# A CMS export: its own names, plus a "title" that is an SEO line and a "text" that is a teaser (the mapping wins).
JSONL = "".join(
    json.dumps(record) + "\n"
    for record in (
        {
            "story_id": "kelso-bridge",
            "headline_text": "Kelso Bridge Reopens",
            "title": "Bridge news | Border Courier",
            "pubdate": "2024-03-02",
            "writer_name": "Ada Fenwick",
            "text": "Read the full story about the Kelso bridge.",
            "story": "Engineer Mira Holt said the new bridge deck at Kelso will last a century. "
            "The bridge reopened to traffic on Saturday after two years of repairs.",
        },
        {
            "story_id": "teviot-mill",
            "headline_text": "Flour Mill Turns Again",
            "pubdate": "2024-04-11",
            "writer_name": "Tom Arkwright",
            "story": "The old flour mill on the Teviot turned again on Thursday, grinding 300 kilograms of rye.",
        },
    )
)
JSONL_FIELDS = "text=story,title=headline_text,date=pubdate,author=writer_name,id=story_id"
# A wire feed's CSV: no column has a name the reader knows.
CSV = (
    "hed,when,byline_name,copy\n"
    '"Record Rain in Brannock",2024-03-17,Lena Moor,"It rained 83 millimetres in Brannock on Sunday, a record for '
    'March."\n'
)
CSV_FIELDS = "text=copy,title=hed,date=when,author=byline_name"

CASES = {
    "jsonl": (
        "dumps/cms.jsonl", JSONL, JSONL_FIELDS, "Who said the Kelso bridge deck will last a century?",
        "dumps/cms.jsonl#kelso-bridge", "Engineer Mira Holt said the new bridge deck at Kelso will last a century.",
        ("Kelso Bridge Reopens", "2024-03-02", "Ada Fenwick"),
    ),
    "csv": (
        "dumps/wire.csv", CSV, CSV_FIELDS, "How much rain fell in Brannock on Sunday?",
        "dumps/wire.csv#1", "It rained 83 millimetres in Brannock on Sunday, a record for March.",
        ("Record Rain in Brannock", "2024-03-17", "Lena Moor"),
    ),
}  # fmt: skip


def write_dump(paths: Paths, name: str, data: str) -> None:
    path = paths.seeds / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data, encoding="utf-8", newline="")


def best(qa: Callable[..., Run], question: str) -> dict:
    run = qa("ask", question, "--format", "json", "--top-k", "1")
    assert run.code == 0, run.err
    return json.loads(run.out)["answers"][0]


# The quick run (-m "not slow") builds with the flag; QA_DUMP_FIELDS is read by the same Settings (tested below too).
@pytest.mark.parametrize("how", ["flag", pytest.param("env", marks=pytest.mark.slow)])
@pytest.mark.parametrize("kind", list(CASES))
def test_mapped_fields_give_the_text_and_metadata(
    qa_paths: Paths, qa, monkeypatch: pytest.MonkeyPatch, kind: str, how: str
) -> None:
    name, data, fields, question, source, sentence, (title, date, author) = CASES[kind]
    write_dump(qa_paths, name, data)
    if how == "env":
        monkeypatch.setenv("QA_DUMP_FIELDS", fields)
    run = qa("index", "build", *(["--dump-fields", fields] if how == "flag" else []))
    assert run.code == 0, run.err
    assert "skipped" not in run.err, run.err

    answer = best(qa, question)
    assert (answer["source"], answer["highlight"]) == (source, sentence)
    assert (answer["title"], answer["date"], answer["author"]) == (title, date, author)
    shown = qa("show", source).out
    assert shown[answer["highlight_start"] : answer["highlight_end"]] == sentence
    assert "Read the full story" not in shown  # the mapped text field, not the exporter's teaser


@pytest.mark.slow  # builds four times and asks twice
def test_a_changed_mapping_reads_the_dumps_again_and_is_kept(qa_paths: Paths, qa, monkeypatch) -> None:
    write_dump(qa_paths, "dumps/cms.jsonl", JSONL)
    write_dump(qa_paths, "dumps/wire.csv", CSV)
    (qa_paths.seeds / "note.txt").write_text("Harbour Note\n\nThe harbour wall was painted blue in June.\n")
    first = qa("index", "build")  # the usual names: "story" is a text field, "title" the SEO line; the CSV has none
    assert first.code == 0, first.err
    assert "wire.csv: no text/body/content column" in first.err
    assert best(qa, "Who said the Kelso bridge deck will last a century?")["title"] == "Bridge news | Border Courier"

    monkeypatch.setenv("QA_DUMP_FIELDS", JSONL_FIELDS)
    status = qa("index", "status").out
    assert "changed: dumps/cms.jsonl" in status and "changed: dumps/wire.csv" in status
    assert "note.txt" not in status
    monkeypatch.delenv("QA_DUMP_FIELDS")

    mapped = qa("index", "build", "--dump-fields", JSONL_FIELDS)
    assert mapped.code == 0, mapped.err
    # The records under their new ids are added and the old ones removed; the text file is left as it was.
    assert "2 added, 0 updated, 2 removed, 1 unchanged, 1 skipped" in mapped.out, mapped.out
    assert "wire.csv: no story column in the CSV header" in mapped.err
    assert best(qa, "Who said the Kelso bridge deck will last a century?")["title"] == "Kelso Bridge Reopens"

    again = qa("index", "build")  # no mapping given: the index keeps the one it was built with
    assert "up to date, nothing written" in again.out, again.out
    assert qa("index", "status").out.rstrip().endswith("up to date")

    reset = qa("index", "build", "--dump-fields", "")  # '' restores the usual names
    assert "2 added, 0 updated, 2 removed, 1 unchanged, 1 skipped" in reset.out, reset.out


@pytest.mark.slow  # builds twice
def test_qa_ask_rebuilds_when_the_mapping_changes(qa_paths: Paths, qa, monkeypatch: pytest.MonkeyPatch) -> None:
    write_dump(qa_paths, "dumps/wire.csv", CSV)
    (qa_paths.seeds / "note.txt").write_text("Harbour Note\n\nThe harbour wall was painted blue in June.\n")
    assert qa("index", "build").code == 0
    monkeypatch.setenv("QA_DUMP_FIELDS", CSV_FIELDS)
    run = qa("ask", "How much rain fell in Brannock on Sunday?", "--format", "json", "--top-k", "1")
    assert run.code == 0, run.err
    assert "building the index" in run.err and "changed" in run.err
    assert json.loads(run.out)["answers"][0]["source"] == "dumps/wire.csv#1"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("title", "'title' is not FIELD=NAME; e.g. {origin} title=headline_text,text=story"),
        ("title=", "'title=' is not FIELD=NAME"),
        ("=story", "'=story' is not FIELD=NAME"),
        ("headline=hed", "unknown field 'headline'; map one of text, title, date, author, url, id, section, outlet"),
        ("title=hed,Title=headline", "title is mapped twice"),
    ],
)
@pytest.mark.parametrize("how", ["flag", "env"])
def test_a_bad_mapping_is_one_line(qa_paths: Paths, qa, monkeypatch, how: str, value: str, message: str) -> None:
    write_dump(qa_paths, "dumps/wire.csv", CSV)
    if how == "env":
        monkeypatch.setenv("QA_DUMP_FIELDS", value)
    run = qa("index", "build", *(["--dump-fields", value] if how == "flag" else []))
    origin = "--dump-fields" if how == "flag" else "QA_DUMP_FIELDS"
    assert run.code == 1 and run.out == ""
    assert one_line_error(run.err).startswith(f"error: {origin}: {message.format(origin=origin)}"), run.err
    assert not qa_paths.index.exists()  # refused before anything was built
