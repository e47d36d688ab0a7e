"""Index builds: incremental by content hash, deletions, model/format changes, status and atomic versions."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from corpus import write_corpus

from qa import store
from qa.build import build, needs_build, status
from qa.chunking import ChunkerSettings
from qa.errors import BuildLocked, IndexMissing
from qa.settings import Settings


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(seeds=write_corpus(tmp_path / "seeds"), index=tmp_path / "index")


@pytest.mark.slow
def test_first_build_indexes_every_article(settings: Settings) -> None:
    report = build(settings)
    assert (report.added, report.unchanged, report.removed) == (4, 0, 0)
    assert report.chunks == report.embedded_chunks > 0
    manifest = json.loads((store.current_version(settings.index) / store.MANIFEST).read_text())
    assert manifest["chunks"] == report.chunks and manifest["dimension"] == 384
    assert manifest["model"] == settings.model and manifest["chunker"] == ChunkerSettings().key()


@pytest.mark.slow
def test_second_build_embeds_nothing(settings: Settings) -> None:
    first = build(settings)
    again = build(settings)
    assert again.embedded_chunks == 0
    assert (again.unchanged, again.added, again.updated) == (4, 0, 0)
    assert again.chunks == first.chunks


def test_touching_one_article_reembeds_only_its_chunks(settings: Settings) -> None:
    build(settings)
    path = settings.seeds / "sport/rowing.txt"
    path.write_text(path.read_text() + "\nThe club will also open a junior squad in the spring.\n")
    report = build(settings)
    version = store.Version.open(settings.index)
    try:
        (aid,) = version.db.execute("SELECT id FROM articles WHERE source = 'sport/rowing.txt'").fetchone()
        own = version.db.execute("SELECT count(*) FROM chunks WHERE article_id = ?", (aid,)).fetchone()[0]
    finally:
        version.close()
    assert (report.updated, report.unchanged) == (1, 3)
    assert report.embedded_chunks == own


def test_touch_without_change_is_unchanged(settings: Settings) -> None:
    build(settings)
    path = settings.seeds / "sport/rowing.txt"
    os.utime(path, ns=(1, 1))
    report = build(settings)
    assert report.embedded_chunks == 0 and report.unchanged == 4


def test_deleted_article_disappears(settings: Settings) -> None:
    build(settings)
    (settings.seeds / "tech/drones.txt").unlink()
    report = build(settings)
    assert report.removed == 1 and report.articles == 3
    version = store.Version.open(settings.index)
    try:
        sources = {r[0] for r in version.db.execute("SELECT source FROM articles")}
    finally:
        version.close()
    assert "tech/drones.txt" not in sources


def test_moved_and_renamed_articles_keep_their_vectors(settings: Settings) -> None:
    from qa.search import Searcher

    build(settings)
    (settings.seeds / "archive").mkdir()
    (settings.seeds / "sport/rowing.txt").rename(settings.seeds / "archive/rowing-2024.txt")
    (settings.seeds / "tech/drones.txt").rename(settings.seeds / "tech/drones-grounded.txt")
    report = build(settings)
    assert (report.added, report.removed, report.unchanged, report.embedded_chunks) == (2, 2, 2, 0)
    searcher = Searcher.open(settings.index)
    try:
        rows = searcher.version.db.execute(
            'SELECT a.source, a.text, c.start, c."end" FROM chunks c JOIN articles a ON a.id = c.article_id'
        ).fetchall()
        sources = {r[0] for r in rows}
        # every passage's span still cuts its own article's text, and search finds the moved article by its new name
        assert all(0 <= start < end <= len(text) for _, text, start, end in rows)
        answer = searcher.retrieve(searcher.queries(["who coaches the rowing club?"])[0], limit=1)[0]
        (top,) = searcher.version.db.execute(
            "SELECT a.source FROM chunks c JOIN articles a ON a.id = c.article_id WHERE c.id = ?", (answer.chunk_id,)
        ).fetchone()
    finally:
        searcher.close()
    assert {"archive/rowing-2024.txt", "tech/drones-grounded.txt"} <= sources and "sport/rowing.txt" not in sources
    assert top == "archive/rowing-2024.txt"


@pytest.mark.slow  # builds twice
def test_the_same_bytes_under_another_kind_are_read_again(settings: Settings) -> None:
    build(settings)
    page = "<html><head><title>Ferry page</title></head><body><p>The ferry sails at noon from Pier 4.</p></body></html>"
    (settings.seeds / "ferry.txt").write_text(page)
    build(settings)
    (settings.seeds / "ferry.txt").rename(settings.seeds / "ferry.html")
    report = build(settings)
    assert report.added == 1 and report.embedded_chunks > 0  # same bytes, but HTML is read to other text
    version = store.Version.open(settings.index)
    try:
        (text,) = version.db.execute("SELECT text FROM articles WHERE source = 'ferry.html'").fetchone()
    finally:
        version.close()
    assert "<p>" not in text and "Pier 4" in text


def test_full_rebuild_reembeds_everything(settings: Settings) -> None:
    first = build(settings)
    assert build(settings, full=True).embedded_chunks == first.chunks


def test_status_lists_new_changed_and_removed(settings: Settings) -> None:
    build(settings)
    assert not status(settings).stale and needs_build(settings) is None
    (settings.seeds / "new.md").write_text("# Fresh story\n\nA new bridge opened in Harborview on Friday.\n")
    (settings.seeds / "sport/rowing.txt").write_text("Rowing story rewritten entirely for the test.\n")
    (settings.seeds / "tech/drones.txt").unlink()
    st = status(settings)
    assert st.new == ("new.md",) and st.changed == ("sport/rowing.txt",) and st.removed == ("tech/drones.txt",)
    assert "seed files changed" in (needs_build(settings) or "")


def test_missing_index_is_reported(settings: Settings) -> None:
    with pytest.raises(IndexMissing, match="qa index build"):
        status(settings)
    assert needs_build(settings) == "no index yet"


def test_other_chunker_settings_rebuild_from_scratch(settings: Settings) -> None:
    first = build(settings)
    report = build(settings, chunker=ChunkerSettings(target_tokens=40))
    assert report.embedded_chunks == report.chunks and report.chunks > first.chunks


@pytest.mark.slow  # builds three times
def test_builds_switch_versions_atomically_and_keep_one_previous(settings: Settings) -> None:
    build(settings)
    old = store.current_version(settings.index)
    (settings.seeds / "extra.txt").write_text("Extra story\n\nThe museum reopened after repairs.\n")
    build(settings)
    new = store.current_version(settings.index)
    assert new != old and old.is_dir()
    build(settings, full=True)
    versions = sorted(p.name for p in settings.index.glob("v-*"))
    assert len(versions) == 2 and not old.exists()


@pytest.mark.slow  # builds three times
def test_an_up_to_date_index_is_kept_as_it_is_until_a_file_is_touched(settings: Settings, qa) -> None:
    build(settings)
    current = store.current_version(settings.index)
    again = build(settings)
    assert not again.written and again.unchanged == 4 and store.current_version(settings.index) == current
    run = qa("index", "build", "--seeds", str(settings.seeds), "--index", str(settings.index))
    assert run.code == 0 and "up to date, nothing written" in run.out
    assert store.current_version(settings.index) == current
    path = next(settings.seeds.rglob("*.txt"))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))  # touched, text the same
    touched = build(settings)
    assert touched.written and touched.embedded_chunks == 0 and store.current_version(settings.index) != current
    assert not build(settings).written and status(settings).stale is False


def test_second_concurrent_build_is_refused(settings: Settings) -> None:
    with store.build_lock(settings.index), pytest.raises(BuildLocked, match="another `qa index build`"):
        build(settings)


def _bm25_scores_by_chunk(settings: Settings, question: str) -> dict[tuple[str, int], float]:
    from qa.search import Searcher

    searcher = Searcher.open(settings.index)
    try:
        scores = searcher.bm25_scores(searcher.queries([question])[0])
        rows = searcher.version.db.execute(
            "SELECT c.id, a.source, c.ordinal FROM chunks c JOIN articles a ON a.id = c.article_id"
        ).fetchall()
    finally:
        searcher.close()
    return {(source, ordinal): float(scores[cid]) for cid, source, ordinal in rows}


def test_keyword_search_sees_the_headline_in_every_passage_but_not_a_shortened_lede(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    body = "\n\n".join(
        f"Paragraph {i} tells of the crossing, the tides and the ferry crew at length." for i in range(40)
    )
    (seeds / "headline.txt").write_text("Quillmoor ferry strike ends\n\n" + body + "\n")
    lede = "Zarnowiec dockers " + "waited and " * 15 + "went home.\n"  # a first line too long to be a headline
    (seeds / "lede.txt").write_text(lede + "\n" + body + "\n")
    settings = Settings(seeds=seeds, index=tmp_path / "index")
    build(settings)
    headline = _bm25_scores_by_chunk(settings, "Quillmoor")
    assert sum(1 for (source, _) in headline if source == "headline.txt") > 1  # the article spans several passages
    assert all(score > 0 for (source, _), score in headline.items() if source == "headline.txt")
    assert all(score == 0 for (source, _), score in headline.items() if source == "lede.txt")
    lede_scores = _bm25_scores_by_chunk(settings, "Zarnowiec")
    assert lede_scores[("lede.txt", 0)] > 0  # in the text of the first passage
    assert all(score == 0 for (source, ordinal), score in lede_scores.items() if ordinal > 0 or source != "lede.txt")


def test_an_index_from_before_headlines_is_rebuilt_with_its_vectors_reused(settings: Settings, qa) -> None:
    first = build(settings)
    path = store.current_version(settings.index) / store.MANIFEST
    manifest = json.loads(path.read_text())
    del manifest["lexical"]  # as an older qa wrote it
    path.write_text(json.dumps(manifest))
    assert needs_build(settings) == "the index predates headlines in keyword search" and status(settings).outdated
    where = ("--seeds", str(settings.seeds), "--index", str(settings.index))
    shown = qa("index", "status", *where).out
    assert "outdated: the index predates headlines" in shown and shown.rstrip().endswith("stale: run `qa index build`")
    again = build(settings)
    assert again.embedded_chunks == 0 and again.chunks == first.chunks
    assert needs_build(settings) is None and qa("index", "status", *where).out.rstrip().endswith("up to date")


def test_articles_of_stopwords_only_still_build(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "short.txt").write_text("It is.\n")
    settings = Settings(seeds=tmp_path / "seeds", index=tmp_path / "index")
    report = build(settings)
    assert report.articles == 1 and report.chunks == 1
    assert status(settings).articles == 1


@pytest.mark.slow  # builds twice and opens the index three times
def test_ready_answerer_opens_a_current_index_once_and_builds_a_stale_one(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa import session

    opened: list[Path] = []
    real_open = store.Version.open.__func__  # type: ignore[attr-defined]

    def counting_open(cls: type[store.Version], root: Path) -> store.Version:
        opened.append(root)
        return real_open(cls, root)

    monkeypatch.setattr(store.Version, "open", classmethod(counting_open))
    answerer, report = session.ready_answerer(settings, lambda _: None)  # no index yet: built, then opened
    answerer.searcher.close()
    assert report is not None and report.added == 4
    opened.clear()
    answerer, report = session.ready_answerer(settings, lambda _: None)
    try:
        assert report is None and len(opened) == 1
        assert answerer.ask("who chairs the transport committee?").answers
    finally:
        answerer.searcher.close()
    (settings.seeds / "extra.txt").write_text("The lighthouse reopened on Friday after a year of repairs.\n")
    answerer, report = session.ready_answerer(settings, lambda _: None)
    answerer.searcher.close()
    assert report is not None and report.added == 1


@pytest.mark.slow  # builds twice, an alias scan each
def test_incremental_build_scans_only_changed_articles_for_aliases(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa import aliases

    build(settings)
    scanned: list[str] = []
    real_scan = aliases.scan

    def counting_scan(text: str, function: frozenset[str] | None = None) -> aliases.Scan:
        scanned.append(text)
        return real_scan(text, function)

    monkeypatch.setattr(aliases, "scan", counting_scan)
    (settings.seeds / "extra.txt").write_text(
        "The Harbour Safety Board (HSB) met on Friday. The HSB said the ferry may sail again.\n"
    )
    build(settings)
    assert len(scanned) == 1 and "HSB" in scanned[0]
    version = store.Version.open(settings.index)
    try:
        stored = {tuple(r) for r in version.db.execute("SELECT short, long, count, seen FROM aliases")}
        texts = [t for (t,) in version.db.execute("SELECT text FROM articles")]
    finally:
        version.close()
    assert any(row[:2] == ("HSB", "Harbour Safety Board") for row in stored)
    assert stored == {tuple(a[:2]) + (a[2], int(a[3])) for a in aliases.extract(texts)}  # same as from scratch
