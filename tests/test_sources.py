"""Newsroom archives become Articles: PDF, JSONL/CSV dumps, WARC, RSS/Atom, e-mail, zip and tar.gz.

Every file here is made by the test itself (the PDF with PDFium, the WARC with warcio), and every story is invented.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import re
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from qa import ingest, sources
from qa.records import Article
from qa.sources import Skip, archive, read_path
from qa.sources.pdf import page_at

# --- making the files -------------------------------------------------------------------------------------------


def make_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A PDF with one text object per line (Helvetica 11 pt); an empty page list entry is a page with no text."""
    import pypdfium2 as pdfium
    from pypdfium2 import raw

    document = pdfium.PdfDocument.new()
    font = raw.FPDFText_LoadStandardFont(document, b"Helvetica")
    for lines in pages:
        page = document.new_page(612, 792)
        y = 740
        for line in lines:
            obj = raw.FPDFPageObj_CreateTextObj(document, font, ctypes.c_float(11))
            text = ctypes.create_string_buffer((line + "\0").encode("utf-16-le"))
            raw.FPDFText_SetText(obj, ctypes.cast(text, ctypes.POINTER(ctypes.c_ushort)))
            raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 60, y)
            raw.FPDFPage_InsertObject(page, obj)
            y -= 15
        raw.FPDFPage_GenerateContent(page)
        page.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    document.close()
    return path


PDF_PAGES = [
    [
        "Harbour Board Approves Electric Ferry",
        "The harbour board of Dunmore approved an electric ferry on Monday after a",
        "debate that ran for most of the year, members of the board said today.",
        "The vote was seven to two.",
    ],
    [
        "The Corrin ferry will carry 340 passengers between Dunmore and the island",
        "and is due to enter service in May, the board chair Oona Breck said.",
    ],
]


def page_html(title: str, *paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f"<nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}</article><footer>Courier</footer>"
        "</body></html>"
    )


TELESCOPE = page_html(
    "Observatory Telescope Turns 113",
    "The Velmont observatory telescope was built by the glassmaker Ilse Brandvold in 1911.",
    "It is still used on clear nights by the astronomy club, which has 140 members.",
)


def make_warc(path: Path, pages: list[tuple[str, str]], date: str = "2024-05-01T12:00:00Z") -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=path.name.endswith(".gz"))
        for uri, html in pages:
            kind = "image/png" if uri.endswith(".png") else "text/html; charset=utf-8"
            headers = StatusAndHeaders("200 OK", [("Content-Type", kind)], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    uri,
                    "response",
                    payload=io.BytesIO(html.encode()),
                    http_headers=headers,
                    warc_headers_dict={"WARC-Date": date},
                )
            )
            request = writer.create_warc_record(uri, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
            writer.write_record(request)
    return path


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Tolland Courier</title><link>https://courier.example/</link><description>News</description>
<item><title>Library Opens on Tuesday</title><link>https://courier.example/library</link><guid>lib-1</guid>
<pubDate>Tue, 05 Mar 2024 09:00:00 GMT</pubDate><dc:creator>Jo Park</dc:creator>
<category>Culture</category>
<description>A new library.</description>
<content:encoded><![CDATA[<p>The Tolland library opened with 41,000 books on Tuesday.</p>
<p>Librarian Sam Ode said children queued from dawn to get the first cards.</p>]]></content:encoded></item>
<item><title>Teaser Only</title><link>https://courier.example/teaser</link><guid>teaser-1</guid>
<description>Read the full story on our site.</description></item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Orrin Times</title><id>urn:orrin-times</id>
<updated>2024-03-01T08:00:00Z</updated>
<entry><title>Tide Mill Restored</title><id>urn:tide-mill</id><link href="https://times.example/tide-mill"/>
<published>2024-03-01T08:00:00Z</published><updated>2024-03-02T08:00:00Z</updated><author><name>Lu Wen</name></author>
<summary type="html">{summary}</summary></entry>
</feed>
"""
TIDE_SUMMARY = (
    "&lt;p&gt;The tide mill at Orrin was restored by 26 volunteers over six years, the heritage trust said. "
    + "The wheel turns again at every high tide, and flour is milled on the first Sunday of each month. " * 4
    + "&lt;/p&gt;"
)

EML = """From: "Dana Fox" <dana@example.org>
To: desk@example.org
Subject: Tip: Marrow council to vote on the Esk dam
Date: Wed, 06 Mar 2024 14:00:00 +0000
Message-ID: <tip1@example.org>
Content-Type: text/plain; charset=utf-8

The council of Marrow will vote on the Esk dam on Friday. The vote was moved
up a week after residents complained about flooding in the lower town last
winter.

A second paragraph says the mayor will not attend the meeting.
"""

HTML_MAIL = """From: Desk <desk@example.org>
Subject: Hives counted in Fenwick
Date: Thu, 07 Mar 2024 10:00:00 +0000
Message-ID: <hives@example.org>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><body><p>Beekeeper Tomas Ruel counted 52 hives in the parks of Fenwick this week.</p>
<p>The count was the highest since the survey began.</p></body></html>
"""


def mbox(*messages: str) -> str:
    return "".join(f"From sender@example.org Wed Mar  6 14:00:00 2024\n{m}\n" for m in messages)


DUMP_RECORDS = [
    {
        "id": "kelso-bridge",
        "headline": "Kelso Bridge Reopens",
        "body": "The Kelso bridge reopened on Monday after two years of repairs. "
        "Engineer Mira Holt said the new bridge deck will last a century.",
        "datePublished": "2024-03-02T10:00:00Z",
        "byline": ["Ann Lee", "Rui Sato"],
        "url": "https://cms.example/kelso-bridge",
        "section": "Transport",
    },
    {"link": "https://cms.example/no-body", "title": "A record with no text"},
    {"title": "Dam report", "content": "<p>The Esk dam was inspected in February.</p><p>It passed.</p>"},
]


def jsonl(records: list[object]) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


CSV = (
    "title,text,date,author\n"
    '"Record Rain in Brannock","It rained 83 millimetres in Brannock on Sunday, a record for March.",2024-03-03,'
    "Bea Moss\n"
    '"Empty row","",2024-03-04,\n'
)


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


def read_all(path: Path, root: Path) -> tuple[dict[str, Article], dict[str, str]]:
    articles: dict[str, Article] = {}
    skips: dict[str, str] = {}
    for item in read_path(path, root):
        if isinstance(item, Skip):
            skips[item.source] = item.reason
        else:
            articles[item.source] = item
    return articles, skips


def span_of(article: Article, needle: str) -> tuple[int, int]:
    start = article.text.index(needle)
    return start, start + len(needle)


def check_blocks(article: Article) -> None:
    """Blocks are exact, non-empty slices of the stored text."""
    assert article.blocks
    for start, end in article.blocks:
        assert 0 <= start < end <= len(article.text)
        assert article.text[start:end].strip() == article.text[start:end]


# --- suffixes ---------------------------------------------------------------------------------------------------


def test_discover_takes_the_new_kinds(tmp_path: Path) -> None:
    assert sources.SUFFIXES <= ingest.SUFFIXES
    for name in ["a.pdf", "b.jsonl", "c.ndjson", "d.csv", "e.warc", "f.warc.gz", "g.rss", "h.atom", "i.xml"]:
        write(tmp_path / name, "x")
    for name in ["j.eml", "k.mbox", "l.zip", "m.tar.gz", "n.tgz", "o.png"]:
        write(tmp_path / name, "x")
    found, skipped = ingest.discover(tmp_path)
    assert len(found) == 14 and skipped == [("o.png", "unsupported file type")]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("x.pdf", "pdf"),
        ("x.JSONL", "dump"),
        ("x.csv", "dump"),
        ("x.warc.gz", "warc"),
        ("x.tar.gz", "archive"),
        ("x.tgz", "archive"),
        ("x.zip", "archive"),
        ("x.rss", "feed"),
        ("x.eml", "mail"),
        ("x.mbox", "mail"),
        ("x.html", "file"),
        ("x.json.gz", None),
    ],
)
def test_kind_of(name: str, kind: str | None) -> None:
    assert sources.kind_of(name) == kind


def test_a_gz_of_another_kind_is_skipped(tmp_path: Path) -> None:
    _, skips = read_all(write(tmp_path / "data.json.gz", b"\x1f\x8b"), tmp_path)
    assert "neither .warc.gz nor .tar.gz" in skips["data.json.gz"]


# --- PDF --------------------------------------------------------------------------------------------------------


def test_pdf_text_in_reading_order_with_page_offsets(tmp_path: Path) -> None:
    articles, skips = read_all(make_pdf(tmp_path / "reports/ferry.pdf", PDF_PAGES), tmp_path)
    assert skips == {}
    (article,) = articles.values()
    assert article.source == "reports/ferry.pdf" and article.kind == "pdf"
    assert article.title == "Harbour Board Approves Electric Ferry"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", article.date or "")  # PDFium stamps its creation date
    # Wrapped lines are joined into one paragraph, so a sentence is never cut at a line end.
    assert "after a debate that ran for most of the year" in article.text
    assert len(article.pages) == 2 and article.pages[0] == 0
    second = article.text[article.pages[1] :]
    assert second.startswith("The Corrin ferry will carry 340 passengers between Dunmore and the island and is due")
    start, end = span_of(article, "340 passengers")
    assert article.text[start:end] == "340 passengers"
    assert page_at(article, start) == 2 and page_at(article, 0) == 1
    check_blocks(article)
    assert (
        article.content_hash == __import__("hashlib").sha256((tmp_path / "reports/ferry.pdf").read_bytes()).hexdigest()
    )


def test_pdf_without_a_text_layer_is_skipped(tmp_path: Path) -> None:
    _, skips = read_all(make_pdf(tmp_path / "scan.pdf", [[], []]), tmp_path)
    assert skips == {"scan.pdf": "no text layer in 2 page(s): a scanned PDF? (no OCR here)"}


def test_truncated_and_fake_pdfs_are_skipped(tmp_path: Path) -> None:
    data = make_pdf(tmp_path / "whole.pdf", PDF_PAGES).read_bytes()
    _, cut = read_all(write(tmp_path / "cut.pdf", data[:200]), tmp_path)
    _, fake = read_all(write(tmp_path / "fake.pdf", "just some text, named .pdf"), tmp_path)
    assert cut["cut.pdf"].startswith("not a readable PDF")
    assert fake["fake.pdf"].startswith("not a readable PDF")


# --- dumps ------------------------------------------------------------------------------------------------------


def test_jsonl_records_become_articles_with_mapped_fields(tmp_path: Path) -> None:
    lines = [DUMP_RECORDS[0], "{not json", DUMP_RECORDS[1], "", "[1, 2]", DUMP_RECORDS[2]]
    articles, skips = read_all(write(tmp_path / "cms.jsonl", jsonl(lines)), tmp_path)
    bridge = articles["cms.jsonl#kelso-bridge"]
    assert (bridge.title, bridge.date, bridge.author) == ("Kelso Bridge Reopens", "2024-03-02", "Ann Lee, Rui Sato")
    assert (bridge.url, bridge.section, bridge.kind) == ("https://cms.example/kelso-bridge", "Transport", "dump")
    assert bridge.text == DUMP_RECORDS[0]["body"]
    start, end = span_of(bridge, "Mira Holt")
    assert bridge.text[start:end] == "Mira Holt"
    # An HTML body goes through the HTML extraction; a record without id or url is named by its line number.
    assert articles["cms.jsonl#6"].text == "The Esk dam was inspected in February.\nIt passed."
    assert skips == {
        "cms.jsonl#2": "line 2 is not valid JSON (Expecting property name enclosed in double quotes)",
        "cms.jsonl#https://cms.example/no-body": "no text/body/content field",
        "cms.jsonl#5": "line 5 is not a JSON object",
    }
    for article in articles.values():
        check_blocks(article)


def test_a_record_hash_is_its_own(tmp_path: Path) -> None:
    first, _ = read_all(write(tmp_path / "a.jsonl", jsonl(DUMP_RECORDS[:1])), tmp_path)
    both, _ = read_all(write(tmp_path / "a.jsonl", jsonl([DUMP_RECORDS[0], DUMP_RECORDS[2]])), tmp_path)
    assert both["a.jsonl#kelso-bridge"].content_hash == first["a.jsonl#kelso-bridge"].content_hash


def test_repeated_record_ids_stay_unique(tmp_path: Path) -> None:
    record = {"id": "same", "text": "The Kelso ferry sails at noon on weekdays."}
    articles, _ = read_all(write(tmp_path / "d.ndjson", jsonl([record, record, record])), tmp_path)
    assert sorted(articles) == ["d.ndjson#same", "d.ndjson#same~2", "d.ndjson#same~3"]


def test_csv_rows_become_articles(tmp_path: Path) -> None:
    articles, skips = read_all(write(tmp_path / "wire.csv", CSV), tmp_path)
    rain = articles["wire.csv#1"]
    assert (rain.title, rain.date, rain.author) == ("Record Rain in Brannock", "2024-03-03", "Bea Moss")
    assert rain.text == "It rained 83 millimetres in Brannock on Sunday, a record for March."
    assert skips == {"wire.csv#2": "no text/body/content field"}


def test_csv_without_a_text_column_is_skipped(tmp_path: Path) -> None:
    _, skips = read_all(write(tmp_path / "prices.csv", "item,price\napples,3\n"), tmp_path)
    assert skips == {"prices.csv": "no text/body/content column in the CSV header"}


def test_csv_with_a_long_body(tmp_path: Path) -> None:
    body = "The Kelso council met again. " * 10_000  # past the csv module's default 128 KiB field limit
    articles, skips = read_all(write(tmp_path / "long.csv", f'title,body\nLong,"{body}"\n'), tmp_path)
    assert skips == {} and articles["long.csv#1"].text == body.strip()


# --- WARC -------------------------------------------------------------------------------------------------------


def test_warc_html_responses_become_articles(tmp_path: Path) -> None:
    pages = [("https://courier.example/telescope", TELESCOPE), ("https://courier.example/logo.png", "PNG")]
    articles, skips = read_all(make_warc(tmp_path / "crawl/site.warc.gz", pages), tmp_path)
    assert skips == {}
    (article,) = articles.values()
    assert article.source == "crawl/site.warc.gz#https://courier.example/telescope"
    assert (article.url, article.date, article.kind) == ("https://courier.example/telescope", "2024-05-01", "warc")
    assert article.title == "Observatory Telescope Turns 113"
    assert "Home" not in article.text and "Courier" not in article.text  # the same HTML path as .html files
    start, end = span_of(article, "Ilse Brandvold")
    assert article.text[start:end] == "Ilse Brandvold"
    check_blocks(article)
    # The same page as a .html file reads to the same text.
    same = ingest.read_article(write(tmp_path / "telescope.html", TELESCOPE), tmp_path)
    assert same.text == article.text


def test_an_uncompressed_warc_reads_too(tmp_path: Path) -> None:
    articles, _ = read_all(make_warc(tmp_path / "site.warc", [("https://c.example/t", TELESCOPE)]), tmp_path)
    assert list(articles) == ["site.warc#https://c.example/t"]


def test_warc_is_streamed_not_read_whole(tmp_path: Path) -> None:
    from qa.sources import warc

    filler = "<p>" + "The observatory opened its dome to visitors. " * 400 + "</p>"
    pages = [
        (f"https://c.example/{n}", page_html(f"Night {n}", filler, f"Night {n} had clear skies.")) for n in range(60)
    ]
    path = make_warc(tmp_path / "big.warc", pages)
    assert path.stat().st_size > 1_000_000
    sizes: list[int] = []

    class Watched(io.RawIOBase):
        def __init__(self, raw: io.BufferedReader) -> None:
            self.raw = raw

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            data = self.raw.read(len(buffer))
            sizes.append(len(data))
            buffer[: len(data)] = data
            return len(data)

    with path.open("rb") as handle:
        items = list(warc.read(io.BufferedReader(Watched(handle), 65536), "big.warc", "big.warc"))
    assert len([i for i in items if isinstance(i, Article)]) == 60
    assert max(sizes) <= 65536  # never one read of the whole file


@pytest.mark.parametrize("name", ["cut.warc", "cut.warc.gz"])
def test_truncated_warc_keeps_the_records_before_the_damage(tmp_path: Path, name: str) -> None:
    pages = [(f"https://c.example/{n}", TELESCOPE.replace("113", str(n))) for n in range(3)]
    data = make_warc(tmp_path / f"whole{name[3:]}", pages).read_bytes()
    # Cut inside the second page (warcio takes a file cut inside a record's headers for its end: not detected).
    cut = data.index(b"Brandvold", data.index(b"https://c.example/1")) if name == "cut.warc" else len(data) // 2
    articles, skips = read_all(write(tmp_path / name, data[:cut]), tmp_path)
    assert list(articles) == [f"{name}#https://c.example/0"]
    assert skips == {
        name: "damaged or truncated after 2 record(s) (https://c.example/1 is cut short); the records before it are "
        "indexed"
    }


def test_not_a_warc_is_skipped(tmp_path: Path) -> None:
    _, skips = read_all(write(tmp_path / "fake.warc", "hello, I am not a web archive\n"), tmp_path)
    assert skips["fake.warc"].startswith("not a WARC file")


# --- feeds ------------------------------------------------------------------------------------------------------


def test_rss_entries_with_full_content_become_articles(tmp_path: Path) -> None:
    articles, skips = read_all(write(tmp_path / "courier.rss", RSS), tmp_path)
    library = articles["courier.rss#lib-1"]
    assert (library.title, library.date, library.author) == ("Library Opens on Tuesday", "2024-03-05", "Jo Park")
    assert (library.url, library.outlet, library.section) == (
        "https://courier.example/library",
        "Tolland Courier",
        "Culture",
    )
    assert library.text.startswith("The Tolland library opened with 41,000 books on Tuesday.\nLibrarian Sam Ode")
    assert skips == {"courier.rss#teaser-1": "no full text, only a 32-character summary"}
    check_blocks(library)


def test_atom_entry_with_a_long_summary_is_an_article(tmp_path: Path) -> None:
    articles, _ = read_all(write(tmp_path / "times.atom", ATOM.format(summary=TIDE_SUMMARY)), tmp_path)
    mill = articles["times.atom#urn:tide-mill"]
    assert (mill.title, mill.date, mill.author, mill.url) == (
        "Tide Mill Restored",
        "2024-03-01",
        "Lu Wen",
        "https://times.example/tide-mill",
    )
    assert mill.text.startswith("The tide mill at Orrin was restored by 26 volunteers")
    short, skipped = read_all(write(tmp_path / "short.atom", ATOM.format(summary="A mill.")), tmp_path)
    assert short == {} and skipped == {"short.atom#urn:tide-mill": "no full text, only a 7-character summary"}


def test_xml_that_is_not_a_feed_is_skipped(tmp_path: Path) -> None:
    _, skips = read_all(write(tmp_path / "config.xml", "<config><a>1</a></config>"), tmp_path)
    assert skips["config.xml"].startswith("not an RSS or Atom feed")


# --- mail -------------------------------------------------------------------------------------------------------


def test_eml_subject_date_sender_and_unwrapped_body(tmp_path: Path) -> None:
    articles, _ = read_all(write(tmp_path / "tip.eml", EML), tmp_path)
    tip = articles["tip.eml"]
    assert (tip.title, tip.date, tip.author, tip.kind) == (
        "Tip: Marrow council to vote on the Esk dam",
        "2024-03-06",
        "Dana Fox",
        "mail",
    )
    assert tip.text == (
        "The council of Marrow will vote on the Esk dam on Friday. The vote was moved up a week after residents "
        "complained about flooding in the lower town last winter.\n"
        "A second paragraph says the mayor will not attend the meeting."
    )


def test_mbox_messages_plain_and_html(tmp_path: Path) -> None:
    articles, skips = read_all(write(tmp_path / "desk.mbox", mbox(EML, HTML_MAIL, "no headers at all\n")), tmp_path)
    assert sorted(articles) == ["desk.mbox#hives@example.org", "desk.mbox#tip1@example.org"]
    hives = articles["desk.mbox#hives@example.org"]
    assert hives.text == "Beekeeper Tomas Ruel counted 52 hives in the parks of Fenwick this week.\n" + (
        "The count was the highest since the survey began."
    )
    assert (hives.title, hives.author) == ("Hives counted in Fenwick", "Desk")
    assert skips == {"desk.mbox#3": "not an e-mail message (no From, Subject or Date header)"}


def test_a_body_line_starting_with_from_does_not_split_a_message(tmp_path: Path) -> None:
    message = (
        "From: a@b.example\nSubject: Trains\nMessage-ID: <t@b>\n\nThe line below is one message.\n>From here on.\n"
    )
    articles, _ = read_all(write(tmp_path / "m.mbox", mbox(message)), tmp_path)
    assert articles["m.mbox#t@b"].text.endswith("From here on.")


def test_not_an_mbox_is_skipped(tmp_path: Path) -> None:
    _, skips = read_all(write(tmp_path / "notes.mbox", "just notes\n"), tmp_path)
    assert skips == {"notes.mbox": "not an mbox mailbox (it must start with a 'From ' line)"}


# --- archives ---------------------------------------------------------------------------------------------------


def zip_of(path: Path, members: dict[str, str | bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return path


def tar_of(path: Path, members: dict[str, str | bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as bundle:
        for name, data in members.items():
            raw = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            bundle.addfile(info, io.BytesIO(raw))
    return path


def test_zip_members_and_dumps_inside(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "src/ferry.pdf", PDF_PAGES).read_bytes()
    members = {
        "2024/telescope.html": TELESCOPE,
        "dump.jsonl": jsonl(DUMP_RECORDS),
        "docs/ferry.pdf": pdf,
        "notes.txt": "Orchard Plants Pears\nThe Ardwick orchard planted 900 pear trees this spring.\n",
        "__MACOSX/._notes.txt": b"\0\0",
        "logo.png": b"\x89PNG",
    }
    articles, skips = read_all(zip_of(tmp_path / "bundle.zip", members), tmp_path)
    assert sorted(articles) == [
        "bundle.zip#2024/telescope.html",
        "bundle.zip#docs/ferry.pdf",
        "bundle.zip#dump.jsonl#3",
        "bundle.zip#dump.jsonl#kelso-bridge",
        "bundle.zip#notes.txt",
    ]
    assert skips == {"bundle.zip#dump.jsonl#https://cms.example/no-body": "no text/body/content field"}
    notes = articles["bundle.zip#notes.txt"]
    assert notes.title == "Orchard Plants Pears" and notes.kind == "text"
    assert (
        articles["bundle.zip#docs/ferry.pdf"].pages
        == read_all(tmp_path / "src/ferry.pdf", tmp_path)[0]["src/ferry.pdf"].pages
    )
    # A member reads to the text the same file reads to on disk.
    assert (
        articles["bundle.zip#2024/telescope.html"].text
        == ingest.read_article(write(tmp_path / "t.html", TELESCOPE), tmp_path).text
    )


def test_tar_gz_members_and_a_nested_zip(tmp_path: Path) -> None:
    inner = zip_of(tmp_path / "src/inner.zip", {"a/tip.eml": EML}).read_bytes()
    members = {"./mail/desk.mbox": mbox(HTML_MAIL), "inner.zip": inner, "feeds/c.rss": RSS}
    articles, skips = read_all(tar_of(tmp_path / "old.tgz", members), tmp_path)
    assert sorted(articles) == [
        "old.tgz#feeds/c.rss#lib-1",
        "old.tgz#inner.zip#a/tip.eml",
        "old.tgz#mail/desk.mbox#hives@example.org",
    ]
    assert list(skips) == ["old.tgz#feeds/c.rss#teaser-1"]


def test_zip_bomb_is_skipped_unread(tmp_path: Path) -> None:
    bomb = zip_of(tmp_path / "bomb.zip", {"story.txt": b"a" * (50 * 1024 * 1024)})
    assert bomb.stat().st_size < 200_000
    articles, skips = read_all(bomb, tmp_path)
    assert articles == {}
    assert re.fullmatch(r"story\.txt expands [\d,]+ times; reading stopped \(a zip bomb\?\)", skips["bomb.zip"])


def test_tar_gz_bomb_stops_reading(tmp_path: Path) -> None:
    members = {"a.txt": "The Ardwick orchard planted 900 pear trees.\n", "b.bin": b"\0" * (40 * 1024 * 1024)}
    members["c.txt"] = "Never read.\n"
    articles, skips = read_all(tar_of(tmp_path / "bomb.tar.gz", members), tmp_path)
    assert list(articles) == ["bomb.tar.gz#a.txt"]
    assert re.fullmatch(r"expands [\d,]+ times; reading stopped \(a zip bomb\?\)", skips["bomb.tar.gz"])


def test_archive_total_and_member_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    members = {"a.txt": "The first story is short.\n" * 40, "b.txt": "The second story is short too.\n" * 40}
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 1500)
    _, skips = read_all(zip_of(tmp_path / "big.zip", members), tmp_path)
    assert skips == {"big.zip": "2,280 bytes uncompressed, the limit is 1,500 bytes; reading stopped (a zip bomb?)"}
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 10**9)
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 1100)
    articles, skips = read_all(zip_of(tmp_path / "big.zip", members), tmp_path)
    assert list(articles) == ["big.zip#a.txt"]
    assert skips == {"big.zip#b.txt": "member larger than 1,100 bytes uncompressed"}


def test_damaged_archives_are_skipped(tmp_path: Path) -> None:
    whole = zip_of(tmp_path / "w.zip", {"a.txt": "A story about the Kelso ferry.\n"}).read_bytes()
    _, cut = read_all(write(tmp_path / "cut.zip", whole[:40]), tmp_path)
    assert cut["cut.zip"].startswith("not a readable zip archive")
    noise = os.urandom(30_000).hex()  # incompressible: the cut falls inside this member
    members = {"a.txt": "A story about the Kelso ferry.\n", "b.txt": f"Noise\n{noise}\n", "c.txt": "Never read.\n"}
    tgz = tar_of(tmp_path / "w.tgz", members).read_bytes()
    articles, cut = read_all(write(tmp_path / "cut.tgz", tgz[: len(tgz) // 2]), tmp_path)
    assert list(articles) == ["cut.tgz#a.txt"]
    assert cut["cut.tgz"].startswith("damaged or truncated archive (")
    assert cut["cut.tgz"].endswith("); the members before it are indexed")
    _, other = read_all(zip_of(tmp_path / "pics.zip", {"a.png": b"x", "b.jpg": b"y"}), tmp_path)
    assert other == {"pics.zip": "no readable articles inside (2 member(s) of other types passed over)"}


def test_empty_and_unreadable_files(tmp_path: Path) -> None:
    _, skips = read_all(write(tmp_path / "empty.jsonl", b""), tmp_path)
    assert skips == {"empty.jsonl": "empty file"}
    _, skips = read_all(tmp_path / "gone.pdf", tmp_path)
    assert skips == {"gone.pdf": "file vanished before it could be read"}


# --- through the CLI: build, ask, show, incremental -------------------------------------------------------------

# (question, text the best answer's passage must hold, its source)
FACTS: list[tuple[str, str, str]] = [
    ("How many passengers will the Corrin ferry carry?", "340 passengers", "reports/ferry.pdf"),
    ("Who said the Kelso bridge deck will last a century?", "Mira Holt", "dumps/cms.jsonl#kelso-bridge"),
    ("How much rain fell in Brannock on Sunday?", "83 millimetres", "dumps/wire.csv#1"),
    ("Who built the Velmont observatory telescope?", "Ilse Brandvold", "crawl/site.warc.gz#https://c.example/t"),
    ("How many books did the Tolland library open with?", "41,000 books", "feeds/courier.rss#lib-1"),
    ("How many volunteers restored the tide mill at Orrin?", "26 volunteers", "feeds/times.atom#urn:tide-mill"),
    ("When will the Marrow council vote on the Esk dam?", "on Friday", "mail/tip.eml"),
    ("How many hives did Tomas Ruel count in Fenwick?", "52 hives", "mail/desk.mbox#hives@example.org"),
    ("How many oak planks rebuilt the Saltmere pier?", "12,000 oak planks", "archive/bundle.zip#inner/pier.jsonl#1"),
    ("How many pear trees did the Ardwick orchard plant?", "900 pear trees", "archive/old.tar.gz#orchard/pears.txt"),
]

PIER = {"text": "The Saltmere pier was rebuilt with 12,000 oak planks after the winter storms.", "title": "Pier"}


def write_archive_seeds(seeds: Path) -> None:
    make_pdf(seeds / "reports/ferry.pdf", PDF_PAGES)
    write(seeds / "dumps/cms.jsonl", jsonl(DUMP_RECORDS))
    write(seeds / "dumps/wire.csv", CSV)
    make_warc(seeds / "crawl/site.warc.gz", [("https://c.example/t", TELESCOPE)])
    write(seeds / "feeds/courier.rss", RSS)
    write(seeds / "feeds/times.atom", ATOM.format(summary=TIDE_SUMMARY))
    write(seeds / "mail/tip.eml", EML)
    write(seeds / "mail/desk.mbox", mbox(HTML_MAIL))
    zip_of(seeds / "archive/bundle.zip", {"inner/pier.jsonl": jsonl([PIER])})
    tar_of(seeds / "archive/old.tar.gz", {"orchard/pears.txt": "Pears\nThe Ardwick orchard planted 900 pear trees.\n"})
    # Bad files of each kind: skipped with a reason, the rest indexed.
    make_pdf(seeds / "bad/scan.pdf", [[]])
    write(seeds / "bad/cut.pdf", (seeds / "reports/ferry.pdf").read_bytes()[:300])
    write(seeds / "bad/broken.jsonl", "{oops\n")
    write(seeds / "bad/prices.csv", "item,price\napples,3\n")
    write(seeds / "bad/cut.warc.gz", (seeds / "crawl/site.warc.gz").read_bytes()[:100])
    write(seeds / "bad/config.xml", "<config/>")
    write(seeds / "bad/notes.mbox", "just notes\n")
    zip_of(seeds / "bad/bomb.zip", {"story.txt": b"a" * (30 * 1024 * 1024)})
    write(seeds / "bad/cut.zip", (seeds / "archive/bundle.zip").read_bytes()[:30])


BAD = {
    "bad/scan.pdf": "no text layer",
    "bad/cut.pdf": "not a readable PDF",
    "bad/broken.jsonl#1": "not valid JSON",
    "bad/prices.csv": "no text/body/content column",
    "bad/cut.warc.gz": "damaged or truncated",
    "bad/config.xml": "not an RSS or Atom feed",
    "bad/notes.mbox": "not an mbox mailbox",
    "bad/bomb.zip": "zip bomb",
    "bad/cut.zip": "not a readable zip archive",
}


@pytest.mark.slow
def test_cli_builds_answers_and_shows_every_kind(qa: Callable[..., object], qa_paths: object) -> None:
    seeds: Path = qa_paths.seeds  # type: ignore[attr-defined]
    write_archive_seeds(seeds)
    built = qa("index", "build")
    assert built.code == 0, built.err  # type: ignore[attr-defined]
    for source, reason in BAD.items():
        line = next((x for x in built.err.splitlines() if f" {source}: " in x), None)  # type: ignore[attr-defined]
        assert line is not None and reason in line, (source, built.err)  # type: ignore[attr-defined]
    assert "0 skipped" not in built.out  # type: ignore[attr-defined]
    for question, expected, source in FACTS:
        asked = qa("ask", question, "--format", "json")
        assert asked.code == 0, asked.err  # type: ignore[attr-defined]
        best = json.loads(asked.out)["answers"][0]  # type: ignore[attr-defined]
        assert best["source"] == source and expected in best["passage"], (question, best)
        shown = qa("show", source)
        assert shown.code == 0, shown.err  # type: ignore[attr-defined]
        text = shown.out  # type: ignore[attr-defined]
        assert text[best["start"] : best["end"]] == best["passage"]
        assert text[best["highlight_start"] : best["highlight_end"]] == best["highlight"]
    status = qa("index", "status")
    assert status.code == 0 and "up to date" in status.out, status.out  # type: ignore[attr-defined]


@pytest.mark.slow
def test_appending_one_record_embeds_only_that_record(qa_paths: object) -> None:
    from qa.build import build, status
    from qa.settings import Settings

    seeds: Path = qa_paths.seeds  # type: ignore[attr-defined]
    settings = Settings(seeds=seeds, index=qa_paths.index)  # type: ignore[attr-defined]
    write(seeds / "cms.jsonl", jsonl(DUMP_RECORDS))
    make_warc(seeds / "crawl.warc.gz", [("https://c.example/t", TELESCOPE)])
    first = build(settings)
    assert (first.added, first.articles) == (3, 3)  # two dump records and one page
    assert not status(settings).stale
    added = {"id": "rowing", "text": "The Kelso rowing club won the regatta by two lengths on Saturday."}
    with (seeds / "cms.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(added) + "\n")
    stale = status(settings)
    assert stale.changed == ("cms.jsonl",) and stale.new == () and stale.removed == ()
    again = build(settings)
    assert (again.added, again.unchanged, again.updated, again.removed) == (1, 3, 0, 0)
    assert again.embedded_chunks == 1  # the new record's one passage; the others keep their vectors
    assert not status(settings).stale
    # A record removed from the dump disappears from the index; the rest is not embedded again.
    (seeds / "cms.jsonl").write_text(jsonl([DUMP_RECORDS[0], added]), encoding="utf-8")
    fewer = build(settings)
    assert (fewer.removed, fewer.embedded_chunks, fewer.articles) == (1, 0, 3)
    # Deleting the whole file removes its records.
    (seeds / "cms.jsonl").unlink()
    assert set(status(settings).removed) == {"cms.jsonl#kelso-bridge", "cms.jsonl#rowing"}
    assert build(settings).removed == 2
