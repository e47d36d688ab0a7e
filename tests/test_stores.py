"""The store interface: every store (the local folder, PostgreSQL + pgvector on a real server) keeps the same
promises, tested by the same code (the ``backend`` fixture runs each test once per store).

Postgres-only promises (a foreign schema, a damaged version, the URL and the server being wrong) follow.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from conftest import ARTICLES, FACTS, Backend, Paths, one_line_error, write_articles

from qa.answer import Answerer
from qa.build import build, needs_build
from qa.errors import BuildLocked, ConfigError, IndexDamaged, QAError, StoreUnreachable
from qa.filters import Filters
from qa.search import Searcher

pytestmark = pytest.mark.slow  # builds indexes (and starts a server)


def _answerer(backend: Backend) -> Answerer:
    return Answerer(Searcher.open(backend.store()))


def _best(answerer: Answerer, question: str, allowed=None):  # -> qa.records.Answer
    return answerer.ask(question, allowed=allowed).answers[0]


@pytest.fixture
def built_store(backend: Backend) -> Backend:
    write_articles(backend.paths.seeds)
    report = build(backend.settings())
    assert report.written and report.articles == len(ARTICLES)
    return backend


class TestEveryStore:
    def test_answers_the_facts(self, built_store: Backend) -> None:
        answerer = _answerer(built_store)
        try:
            for question, expected, source in FACTS:
                best = _best(answerer, question)
                assert best.source == source and expected in best.passage, (built_store.kind, question, best)
        finally:
            answerer.searcher.close()

    def test_incremental_by_content_hash(self, built_store: Backend) -> None:
        settings = built_store.settings()
        again = build(settings)
        assert not again.written and again.unchanged == len(ARTICLES) and again.embedded_chunks == 0
        seeds = built_store.paths.seeds
        (seeds / "glacier.txt").rename(seeds / "ice.txt")  # moved: its vectors are reused
        moved = build(settings)
        assert moved.written and moved.embedded_chunks == 0 and moved.added == 1 and moved.removed == 1
        (seeds / "ice.txt").write_text(ARTICLES["glacier.txt"] + "A second survey is planned for 2027.\n")
        changed = build(settings)
        assert changed.updated == 1 and 0 < changed.embedded_chunks < changed.chunks
        (seeds / "bakery.md").unlink()
        gone = build(settings)
        assert gone.removed == 1 and gone.embedded_chunks == 0 and gone.articles == len(ARTICLES) - 1
        assert needs_build(settings) is None
        answerer = _answerer(built_store)
        try:
            best = _best(answerer, "When is the second survey of the Oskar glacier planned?")
            assert best.source == "ice.txt" and "2027" in best.passage
        finally:
            answerer.searcher.close()

    def test_filters_restrict_the_search_itself(self, built_store: Backend) -> None:
        answerer = _answerer(built_store)
        try:
            version = answerer.searcher.version
            question = FACTS[0][0]  # about the lighthouse
            for filters, sources in [
                (Filters(source="tram.html"), {"tram.html"}),
                (Filters(source="*.txt"), {"lighthouse.txt", "glacier.txt"}),
                (Filters(source="[bt]*"), {"bakery.md", "tram.html"}),
            ]:
                mask = filters.mask(version)
                assert mask.sum() > 0
                result = answerer.ask(question, top_k=5, allowed=mask)
                assert result.answers and {a.source for a in result.answers} <= sources, (filters, result.answers)
            assert not Filters(author="nobody at all").mask(version).any()
            assert not Filters(since="2030").mask(version).any()  # undated articles never match a date
        finally:
            answerer.searcher.close()

    def test_readers_stay_on_the_version_they_opened(self, built_store: Backend) -> None:
        settings = built_store.settings()
        old = _answerer(built_store)
        try:
            name = old.searcher.version.name
            write_articles(built_store.paths.seeds, {"lighthouse.txt": ARTICLES["lighthouse.txt"].replace(
                "Odile Marchetti", "Ingrid Solvang")})  # fmt: skip
            assert build(settings).written
            assert built_store.store().current_name() != name
            assert "Odile Marchetti" in _best(old, FACTS[0][0]).passage  # the opened version answers as it was
            new = _answerer(built_store)
            try:
                assert "Ingrid Solvang" in _best(new, FACTS[0][0]).passage
            finally:
                new.searcher.close()
        finally:
            old.searcher.close()

    def test_one_build_at_a_time(self, built_store: Backend) -> None:
        settings = built_store.settings()
        where = built_store.store()
        with where.lock():
            assert where.is_locked()
            with pytest.raises(BuildLocked, match="another `qa index build` is running"):
                build(settings)
        assert not where.is_locked()
        released = threading.Event()

        def hold() -> None:
            with where.lock():
                time.sleep(1.5)
            released.set()

        holder = threading.Thread(target=hold)
        holder.start()
        time.sleep(0.3)
        write_articles(built_store.paths.seeds, {"note.txt": "Harbour Note\n\nThe ferry Corrin sails at dawn.\n"})
        report = build(settings, wait=30)  # waits for the other build, then runs
        holder.join()
        assert released.is_set() and report.written and report.added == 1

    def test_old_versions_removed_but_the_previous_kept(self, built_store: Backend) -> None:
        settings = built_store.settings()
        for n in range(3):
            write_articles(built_store.paths.seeds, {f"n{n}.txt": f"Note {n}\n\nBoat {n} was painted blue.\n"})
            assert build(settings).written
        if built_store.kind == "local":
            assert len(list(built_store.paths.index.glob("v-*"))) == 2
        else:
            import psycopg

            with psycopg.connect(built_store.url) as conn:
                names = [r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'qa_v_%'")]
            assert len(names) == 2 and built_store.store().current_name() in names

    def test_status_and_list_through_the_cli(self, built_store: Backend, qa) -> None:
        status = qa("index", "status")
        assert status.code == 0 and "up to date" in status.out and f"articles: {len(ARTICLES)}" in status.out
        listed = qa("index", "list", "--format", "json", "--source", "*.txt")
        assert listed.code == 0, listed.err
        assert sorted(a["source"] for a in json.loads(listed.out)) == ["glacier.txt", "lighthouse.txt"]
        shown = qa("show", "glacier.txt")
        assert shown.code == 0 and shown.out == ARTICLES["glacier.txt"]
        asked = qa("ask", FACTS[1][0], "--format", "json", "--top-k", "1")
        assert asked.code == 0 and json.loads(asked.out)["answers"][0]["source"] == FACTS[1][2]


    def test_serve_answers_and_swaps_in_a_rebuild(self, built_store: Backend) -> None:
        from starlette.testclient import TestClient

        from qa.serve import create_app

        with TestClient(create_app(built_store.settings())) as client:
            deadline = time.monotonic() + 120
            while (health := client.get("/health")).status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert health.status_code == 200, health.text
            before = health.json()["version"]
            assert before == built_store.store().current_name()
            question, expected, source = FACTS[2]
            record = client.post("/ask", json={"question": question, "filters": {"source": "*.html"}}).json()
            assert record["answers"][0]["source"] == source and expected in record["answers"][0]["passage"]
            write_articles(built_store.paths.seeds, {"ferry.txt": "Ferry\n\nThe ferry Corrin carries 340 people.\n"})
            build(built_store.settings())
            deadline = time.monotonic() + 60
            while client.get("/health").json()["version"] == before and time.monotonic() < deadline:
                assert client.post("/ask", json={"question": question}).status_code == 200
                time.sleep(0.2)
            assert client.get("/health").json()["articles"] == len(ARTICLES) + 1


# -- the two stores give the same answers -----------------------------------------------------------------------------
def test_both_stores_give_the_same_answers(qa_paths: Paths, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from qa import stores
    from qa.settings import Settings

    write_articles(qa_paths.seeds)
    local = Settings.from_env()
    remote = Settings.from_env(store=pg_url)
    build(local)
    build(remote)
    questions = [q for q, _, _ in FACTS] + [
        "What did the trust spend on the lamp?",
        "Who led the survey team?",
        "What is the capital of Australia?",
        "When did the tram reach the harbour?",
    ]
    answerers = [Answerer(Searcher.open(stores.of(s))) for s in (local, remote)]
    try:
        for filters in (None, Filters(source="*.txt")):
            got = [
                [a.ask_many(questions, 5, allowed=filters.mask(a.searcher.version) if filters else None)]
                for a in answerers
            ]
            for mine, theirs in zip(got[0][0], got[1][0], strict=True):
                assert mine.answered == theirs.answered
                assert [(x.source, x.start, x.end, x.highlight_start) for x in mine.answers] == [
                    (x.source, x.start, x.end, x.highlight_start) for x in theirs.answers
                ], mine.question
                for x, y in zip(mine.answers, theirs.answers, strict=True):
                    assert x.score == pytest.approx(y.score, abs=1e-4)
        # BM25 itself: the same score for every passage (bm25s's arrays against qa's postings in SQL)
        query = answerers[0].searcher.queries(["lighthouse keeper lamp survey tram"])[0]
        a, b = (x.searcher.bm25_scores(query) for x in answerers)
        assert a.max() > 0 and a == pytest.approx(b, rel=1e-5, abs=1e-5)
    finally:
        for a in answerers:
            a.searcher.close()


# -- Postgres only -------------------------------------------------------------------------------------------------------
@pytest.fixture
def pg(qa_paths: Paths, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("QA_STORE", pg_url)
    write_articles(qa_paths.seeds)
    return pg_url


def answers_from_the_live_version() -> None:
    """The live version (opened directly, no rebuild) answers a question on the corpus correctly."""
    from qa import stores
    from qa.settings import Settings

    answerer = Answerer(Searcher.open(stores.of(Settings.from_env())))
    try:
        question, expected, source = FACTS[0]
        best = answerer.ask(question).answers[0]
        assert best.source == source and expected in best.passage
    finally:
        answerer.searcher.close()


def test_a_killed_build_leaves_the_previous_version_and_nothing_else(pg: str, qa_proc) -> None:
    import psycopg
    from conftest import subprocess_env

    assert qa_proc("index", "build").returncode == 0
    with psycopg.connect(pg) as conn:
        before = conn.execute("SELECT value FROM qa.store WHERE key = 'current'").fetchone()[0]
    write_articles(Path("seeds"), {"extra.txt": "Extra\n\nThe mill at Orrin turned again.\n"})
    run = qa_proc("index", "build", env=subprocess_env(QA_STORE=pg, QA_TEST_CRASH_BEFORE_PUBLISH="1"))
    assert run.returncode == 9, run.stderr
    with psycopg.connect(pg) as conn:
        assert conn.execute("SELECT value FROM qa.store WHERE key = 'current'").fetchone()[0] == before
        schemas = {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'qa_v_%'")}
    assert schemas == {before}  # rolled back by the server: nothing half-written is left
    answers_from_the_live_version()
    assert qa_proc("index", "build").returncode == 0
    assert "up to date" in qa_proc("index", "status").stdout


def test_foreign_schema_is_refused_and_left_alone(pg: str, qa) -> None:
    import psycopg

    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA qa")
        conn.execute("CREATE TABLE qa.orders (id int)")
        conn.execute("INSERT INTO qa.orders VALUES (1)")
    run = qa("index", "build")
    assert run.code == 1
    assert "has a schema 'qa' that qa did not make" in one_line_error(run.err)
    with psycopg.connect(pg) as conn:
        assert conn.execute("SELECT count(*) FROM qa.orders").fetchone()[0] == 1


def test_a_damaged_version_is_refused_in_one_line_and_rebuilt(pg: str, qa) -> None:
    import psycopg

    from qa import stores
    from qa.settings import Settings

    assert qa("index", "build").code == 0
    where = stores.of(Settings.from_env())
    name = where.current_name()
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f'DROP TABLE "{name}".postings')
    with pytest.raises(IndexDamaged, match="table postings is missing"):
        where.open()
    assert "damaged" in (needs_build(Settings.from_env()) or "")
    run = qa("ask", FACTS[0][0], "--top-k", "1")  # rebuilt first, then answered
    assert run.code == 0 and FACTS[0][1] in run.out
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f"UPDATE \"{where.current_name()}\".manifest SET doc = jsonb_set(doc, '{{chunks}}', '1')")
    with pytest.raises(IndexDamaged, match="row counts differ"):
        where.open()


def test_another_model_means_a_rebuild(pg: str) -> None:
    import psycopg

    from qa import stores
    from qa.settings import Settings

    settings = Settings.from_env()
    build(settings)
    name = stores.of(settings).current_name()
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f"UPDATE \"{name}\".manifest SET doc = jsonb_set(doc, '{{model_key}}', '\"other\"')")
    assert "model" in (needs_build(settings) or "")
    report = build(settings)
    assert report.written and report.embedded_chunks == report.chunks  # nothing reused from another model


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://nobody@/nodb?host=/nonexistent-socket-dir", "cannot reach the PostgreSQL store"),
        ("mysql://root@localhost/news", "is not a store qa knows"),
    ],
)
def test_a_bad_url_or_a_server_that_is_down_is_one_line(qa, qa_paths: Paths, url: str, expected: str) -> None:
    write_articles(qa_paths.seeds)
    for args in (("index", "build"), ("ask", "who?"), ("index", "status")):
        run = qa("--store", url, *args)
        assert run.code != 0
        line = one_line_error(run.err)
        assert expected in line and "Traceback" not in run.err, line


def test_store_errors_are_typed() -> None:
    assert issubclass(StoreUnreachable, ConfigError) and issubclass(StoreUnreachable, QAError)


def test_a_local_question_never_imports_psycopg(ready_index: Paths, qa_proc) -> None:
    from conftest import subprocess_env

    code = (
        "import sys; from qa.cli import main; sys.argv=['qa','ask','who built the oven?','--top-k','1'];\n"
        "try: main()\nexcept SystemExit: pass\nprint('psycopg' in sys.modules, file=sys.stderr)"
    )
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, env=subprocess_env(), timeout=300
    )
    assert run.stderr.strip().splitlines()[-1] == "False", run.stderr


def test_a_nul_character_postgres_cannot_store_is_one_line(pg: str, qa, qa_paths: Paths) -> None:
    body = "The harbour wall was rebuilt over the winter by the town's masons. " * 150  # past the binary sniff
    (qa_paths.seeds / "nul.txt").write_text(f"Harbour Wall\n\n{body}\x00 and after.\n", encoding="utf-8")
    run = qa("index", "build")
    assert run.code == 1 and "holds a NUL character" in one_line_error(run.err)
