"""Files become Articles, or are skipped with a reason that names them. Every page here is invented."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from qa import ingest
from qa.errors import ArticleSkipped, ConfigError
from qa.ingest import discover, read_article
from qa.records import Article

STORY = "Quarry Lake Opens for Swimming\n\nThe town opened the old quarry lake to swimmers on Saturday.\n"

ASTER_TIMES_PAGE = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Night Market Returns to the Old Station | Aster Times</title>
<meta name="author" content="Priya Hallam">
<meta property="article:published_time" content="2024-06-14T18:30:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/city">City</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Night Market Returns to the Old Station</h1>
<p>The night market came back to the old railway station on Friday after a two-year absence.</p>
<p>More than sixty stalls sold food, books and plants until midnight, organisers said.</p>
<p>SUBSCRIBE TO THE ASTER TIMES FOR ONE DOLLAR A WEEK</p>
<p>"People kept asking when it would return," said stallholder Benedikt Aro.</p>
</article>
<footer>Copyright Aster Times. All rights reserved.</footer>
</body></html>
"""


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


def read(root: Path, name: str, data: bytes | str) -> Article:
    return read_article(write(root / name, data), root)


def rels(paths: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


# --- discover -------------------------------------------------------------------------------------------------


def test_discover_finds_every_supported_suffix_recursively_sorted(tmp_path: Path) -> None:
    for name in ["b.txt", "a.md", "sub/c.html", "sub/deeper/d.htm", "UPPER.TXT", "Page.HTML"]:
        write(tmp_path / name, STORY)
    found, skipped = discover(tmp_path)
    assert rels(found, tmp_path) == ["Page.HTML", "UPPER.TXT", "a.md", "b.txt", "sub/c.html", "sub/deeper/d.htm"]
    assert skipped == []


def test_discover_reports_unsupported_files_and_hides_dotfiles(tmp_path: Path) -> None:
    write(tmp_path / "story.txt", STORY)
    write(tmp_path / "photo.jpg", b"\xff\xd8\xff")
    write(tmp_path / "notes" / "data.ods", "a,b\n")
    write(tmp_path / "noext", STORY)
    write(tmp_path / ".draft.txt", STORY)
    write(tmp_path / ".git" / "HEAD.txt", STORY)
    found, skipped = discover(tmp_path)
    assert rels(found, tmp_path) == ["story.txt"]
    assert skipped == [
        ("noext", "unsupported file type"),
        ("notes/data.ods", "unsupported file type"),
        ("photo.jpg", "unsupported file type"),
    ]


def test_discover_survives_a_symlink_loop(tmp_path: Path) -> None:
    write(tmp_path / "a" / "story.txt", STORY)
    (tmp_path / "a" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "a" / "self").symlink_to(tmp_path / "a", target_is_directory=True)
    found, skipped = discover(tmp_path)
    assert rels(found, tmp_path) == ["a/story.txt"]
    assert {path for path, _ in skipped} == {"a/loop", "a/self"}


def test_discover_follows_a_symlinked_folder_once(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside / "linked.txt", STORY)
    root = tmp_path / "root"
    write(root / "own.txt", STORY)
    (root / "link").symlink_to(outside, target_is_directory=True)
    found, _ = discover(root, follow_links=True)  # outside the folder: followed only when asked (tests/test_symlinks.py)
    assert rels(found, root) == ["link/linked.txt", "own.txt"]


def test_discover_reports_a_broken_symlink(tmp_path: Path) -> None:
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    found, skipped = discover(tmp_path)
    assert found == []
    assert skipped[0][0] == "gone.txt"


def test_discover_handles_spaces_unicode_and_newlines_in_names(tmp_path: Path) -> None:
    names = ["with space.txt", "café über.md", "line\nbreak.txt", "日本/記事.html"]
    for name in names:
        write(tmp_path / name, STORY)
    found, skipped = discover(tmp_path)
    assert sorted(rels(found, tmp_path)) == sorted(names)
    assert skipped == []
    article = read_article(tmp_path / "line\nbreak.txt", tmp_path)
    assert article.source == "line\nbreak.txt"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_discover_reports_an_unreadable_folder(tmp_path: Path) -> None:
    write(tmp_path / "locked" / "hidden.txt", STORY)
    write(tmp_path / "open.txt", STORY)
    (tmp_path / "locked").chmod(0)
    try:
        found, skipped = discover(tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert rels(found, tmp_path) == ["open.txt"]
    assert skipped[0][0] == "locked"


def test_discover_reports_a_folder_it_cannot_list_even_for_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "locked" / "hidden.txt", STORY)
    write(tmp_path / "open.txt", STORY)
    real_scandir = os.scandir

    def scandir(path: str) -> Any:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found, skipped = discover(tmp_path)
    assert rels(found, tmp_path) == ["open.txt"]
    assert skipped == [("locked", "cannot read folder (Permission denied)")]


def test_discover_rejects_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        discover(tmp_path / "nowhere")


def test_discover_rejects_a_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a folder"):
        discover(write(tmp_path / "story.txt", STORY))


# --- plain text -----------------------------------------------------------------------------------------------


def test_plain_text_article(tmp_path: Path) -> None:
    article = read(tmp_path, "sub/quarry.txt", STORY)
    assert article.source == "sub/quarry.txt"
    assert article.kind == "text"
    assert article.title == "Quarry Lake Opens for Swimming"
    assert article.text == STORY
    assert article.blocks == ((0, len(STORY.rstrip())),)
    assert article.content_hash == hashlib.sha256(STORY.encode()).hexdigest()
    assert article.warnings == ()


def test_title_skips_a_leading_player_label(tmp_path: Path) -> None:
    text = "Listen to this article\nTidal Energy Test Begins Offshore\nA turbine was lowered into the bay.\n"
    assert read(tmp_path, "tide.txt", text).title == "Tidal Energy Test Begins Offshore"


def test_long_first_paragraph_gives_a_shortened_title(tmp_path: Path) -> None:
    text = "The harbour commission voted " + "again and " * 30 + "finally approved the plan.\n"
    title = read(tmp_path, "long.txt", text).title
    assert title.endswith("…") and len(title) <= ingest.TITLE_MAX_CHARS + 1


def test_a_shortened_first_paragraph_is_no_headline_but_a_real_title_is(tmp_path: Path) -> None:
    text = "Listen to this article\nThe harbour commission voted " + "again and " * 30 + "finally approved the plan.\n"
    long = read(tmp_path, "long.txt", text)
    assert long.title.endswith(ingest.CUT) and ingest.headline(long.title, long.text) == ""
    short = read(tmp_path, "tide.txt", "Tidal Energy Test Begins Offshore\nA turbine was lowered into the bay.\n")
    assert ingest.headline(short.title, short.text) == "Tidal Energy Test Begins Offshore"
    # A page title that happens to end in an ellipsis but is not cut from the text stays a headline.
    assert ingest.headline("What the tide brings…", "A turbine was lowered.") == "What the tide brings…"


def test_markdown_title_loses_its_hashes(tmp_path: Path) -> None:
    article = read(tmp_path, "notes.md", "## Bee Count Rises in City Parks\n\nVolunteers counted more hives.\n")
    assert article.title == "Bee Count Rises in City Parks"
    assert article.kind == "text"


def test_title_falls_back_to_the_file_stem(tmp_path: Path) -> None:
    # The first kept line is a bare markdown heading marker: nothing is left of it once the hashes go.
    article = read(tmp_path, "garden-notes.md", "#\n")
    assert article.title == "garden-notes"


def test_crlf_text_is_kept_as_is(tmp_path: Path) -> None:
    text = STORY.replace("\n", "\r\n")
    article = read(tmp_path, "crlf.txt", text.encode())
    assert article.text == text
    start, end = article.blocks[0]
    assert article.text[start:end] == text.rstrip()


# --- encodings ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "warning"),
    [
        ("Café menu “special” today.\n".encode(), None),
        (b"\xef\xbb\xbf" + "Café menu “special” today.\n".encode(), None),
        ("Café menu “special” today.\n".encode("utf-16"), None),
        ("Café menu “special” today.\n".encode("utf-32"), None),
        ("Café menu “special” today.\n".encode("cp1252"), "decoded as cp1252 (not valid UTF-8)"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-bom", "utf-32-bom", "cp1252-smart-quotes"],
)
def test_encodings_decode_to_the_same_text(tmp_path: Path, data: bytes, warning: str | None) -> None:
    article = read(tmp_path, "menu.txt", data)
    assert article.text == "Café menu “special” today.\n"
    assert article.warnings == ((warning,) if warning else ())
    assert article.content_hash == hashlib.sha256(data).hexdigest()


def test_latin1_only_bytes_decode_with_a_warning(tmp_path: Path) -> None:
    # 0x81 and 0x8d are undefined in cp1252, so only latin-1 can read this.
    article = read(tmp_path, "odd.txt", b"Caf\xe9 opened on the square\x81.\n")
    assert article.text.startswith("Café opened")
    assert article.warnings == ("decoded as latin-1 (not valid UTF-8)",)


def test_invalid_utf8_in_the_middle_does_not_crash(tmp_path: Path) -> None:
    data = b"The first half is fine.\n" + b"Then \xc3\x28 breaks.\n" + "Café at the end.\n".encode()
    article = read(tmp_path, "broken.txt", data)
    assert "The first half is fine." in article.text
    assert article.warnings and "not valid UTF-8" in article.warnings[0]


def test_html_declared_charset_is_used_when_not_utf8(tmp_path: Path) -> None:
    page = ASTER_TIMES_PAGE.replace('charset="utf-8"', 'charset="iso-8859-7"').replace(
        "two-year absence", "two-year absence (Αθήνα)"
    )
    article = read(tmp_path, "greek.html", page.encode("iso-8859-7"))
    assert "Αθήνα" in article.text
    assert article.warnings == ("decoded as iso-8859-7 (not valid UTF-8)",)


# --- skipped files --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b" \n\t\r\n  \n", "only whitespace"),
        ("bom-only.txt", b"\xef\xbb\xbf", "only whitespace"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        ("noisy.txt", bytes(range(1, 32)) * 20, "binary"),
        ("chrome-only.txt", b"Advertisement\nPlay video\n", "no text left"),
        ("scripts.html", b"<html><head><script>var a=1;</script><style>p{}</style></head></html>", "no extractable"),
        ("nobody.html", b"<html><head><title>Only a title</title></head></html>", "no extractable"),
        ("scripts-body.htm", b"<html><body><script>render()</script><style>b{}</style></body></html>", "no extract"),
    ],
)
def test_unusable_files_are_skipped_naming_the_file(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    with pytest.raises(ArticleSkipped, match=f"^{name}: .*{reason}"):
        read(tmp_path, name, data)


def test_vanished_file_is_skipped(tmp_path: Path) -> None:
    with pytest.raises(ArticleSkipped, match="^gone.txt: file vanished"):
        read_article(tmp_path / "gone.txt", tmp_path)


def test_unreadable_file_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path / "secret.txt", STORY)
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read any file (root)")
        with pytest.raises(ArticleSkipped, match="^secret.txt: permission denied"):
            read_article(path, tmp_path)
    finally:
        path.chmod(0o644)


def test_permission_error_is_skipped_even_for_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "secret.txt", STORY)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(ArticleSkipped, match="^secret.txt: permission denied"):
        read_article(path, tmp_path)


def test_oversized_file_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "MAX_BYTES", 10)
    with pytest.raises(ArticleSkipped, match="^big.txt: larger than"):
        read(tmp_path, "big.txt", STORY)


def test_a_folder_named_like_an_article_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "folder.txt").mkdir()
    with pytest.raises(ArticleSkipped, match="^folder.txt: not a regular file"):
        read_article(tmp_path / "folder.txt", tmp_path)


# --- HTML -----------------------------------------------------------------------------------------------------


def test_html_text_title_date_and_author_are_extracted(tmp_path: Path) -> None:
    article = read(tmp_path, "news/market.html", ASTER_TIMES_PAGE)
    assert article.kind == "html"
    assert article.source == "news/market.html"
    assert article.title == "Night Market Returns to the Old Station"
    assert article.date == "2024-06-14"
    assert article.author == "Priya Hallam"
    kept = [article.text[s:e] for s, e in article.blocks]
    joined = "\n".join(kept)
    assert "sixty stalls" in joined and "stallholder Benedikt Aro" in joined
    assert "SUBSCRIBE" not in joined  # a call to action inside the article body
    assert "Home" not in article.text and "All rights reserved" not in article.text
    assert article.content_hash == hashlib.sha256(ASTER_TIMES_PAGE.encode()).hexdigest()


def test_html_without_metadata_falls_back_to_the_file_stem(tmp_path: Path) -> None:
    page = (
        "<html><body><div><p>The lighthouse keeper retired after forty years of service on the island.</p>"
        "<p>Her daughter will take over the post next spring.</p></div></body></html>"
    )
    article = read(tmp_path, "keeper.htm", page)
    assert article.title == "keeper"
    assert article.date is None and article.author is None
    assert article.text.startswith("The lighthouse keeper retired")


def test_player_label_and_trailing_story_list_stay_out(tmp_path: Path) -> None:
    """A page in the style of a site that ends with a latest-stories list keeps only the story."""
    text = (
        "Audio By Wavecast\n"
        "Grain Prices Fall After Record Harvest\n"
        "Farmers brought in the largest wheat harvest on record this year.\n"
        "Top Stories\n-\nRiver levels rise after heavy rain\n9 minutes -\nNew clinic opens in the east\n1 hour -\n"
    )
    article = read(tmp_path, "grain.txt", text)
    assert article.title == "Grain Prices Fall After Record Harvest"
    start, end = article.blocks[-1]
    assert article.text[start:end].endswith("on record this year.")
