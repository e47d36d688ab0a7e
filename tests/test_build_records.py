"""Incremental builds over multi-record files (dumps, WARCs, feeds, mail, PDFs, archives): an unchanged file is not
read again; its stored records are reused as a plain file's article is (size and mtime as recorded)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Paths
from test_sources import BAD, write_archive_seeds

import qa.sources
from qa import store
from qa.build import build
from qa.settings import Settings


@pytest.mark.slow
def test_an_unchanged_multi_record_file_is_not_read_again(qa_paths: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    seeds = qa_paths.seeds
    write_archive_seeds(seeds)  # every kind, and a bad file of each kind
    settings = Settings(seeds=seeds, index=qa_paths.index)
    first = build(settings)
    assert first.articles > 10 and first.skipped >= len(BAD)
    reads: list[str] = []
    real = qa.sources.read_path

    def counted(path: Path, root: Path, *rest: object):  # type: ignore[no-untyped-def]
        reads.append(path.relative_to(root).as_posix())
        return real(path, root, *rest)

    monkeypatch.setattr(qa.sources, "read_path", counted)
    current = store.current_version(qa_paths.index)
    again = build(settings)
    assert reads == []  # not one file opened: every record came from the index
    assert (again.unchanged, again.added, again.updated, again.removed) == (first.articles, 0, 0, 0)
    assert again.skipped == first.skipped and not again.written
    assert store.current_version(qa_paths.index) == current
    for source in BAD:  # skipped records and files are still said, with their reasons
        assert any(w.startswith(f"{source}: ") for w in again.warnings), source

    dump = seeds / "dumps/cms.jsonl"
    st = dump.stat()
    os.utime(dump, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # touched, same bytes
    touched = build(settings)
    assert reads == ["dumps/cms.jsonl"]  # read again, and its records found unchanged by content
    assert touched.unchanged == first.articles and touched.embedded_chunks == 0
    version = store.Version.open(qa_paths.index)
    stale = version.db.execute(  # the new mtime is recorded: the file is not read a third time
        "SELECT 1 FROM articles WHERE source LIKE 'dumps/cms.jsonl#%' AND mtime_ns != ?", (st.st_mtime_ns + 10**9,)
    ).fetchall()
    version.close()
    assert not stale
    build(settings)
    assert reads == ["dumps/cms.jsonl"]


def test_records_of_a_file_whose_name_holds_a_hash_stay_its_own(qa_paths: Paths) -> None:
    from test_sources import jsonl, write

    seeds = qa_paths.seeds
    write(seeds / "a.jsonl", jsonl([{"id": "x", "text": "The Orrin canal reopened to barges on Monday."}]))
    write(seeds / "a.jsonl#x.jsonl", jsonl([{"id": "y", "text": "A heron nested on the Orrin lock gate."}]))
    settings = Settings(seeds=seeds, index=qa_paths.index)
    build(settings)
    (seeds / "a.jsonl#x.jsonl").unlink()
    again = build(settings)  # a.jsonl is untouched: its own record only, not the removed file's
    assert (again.articles, again.removed, again.unchanged) == (1, 1, 1)
