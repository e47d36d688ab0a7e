"""Builds into PostgreSQL killed (SIGKILL) at random moments: after each, the previous version answers and the next
build completes; two builds at once: one refuses in one line (or waits, with --wait) and the other completes.

The random delays come from a fixed seed, spread over a measured build, so every run kills at the same moments."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import pytest
from conftest import FACTS, Paths, one_line_error, subprocess_env, write_articles

from qa.answer import Answerer
from qa.search import Searcher

pytestmark = pytest.mark.slow  # builds and kills real processes

TRIALS = 14
SEED = 20261130


def trial_article(n: int) -> dict[str, str]:
    return {
        f"trial/notice-{n:02d}.txt": (
            f"Trial Notice {n}\n\nThe rowing club of Wexley painted the boat Zephyr{n:02d} blue on the morning of the "
            f"regatta. Zephyr{n:02d} then won its heat by {n + 2} lengths.\n"
        )
    }


def start(url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "qa.cli", "--store", url, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env(),
    )  # fmt: skip


def live(url: str) -> tuple[str, set[str]]:
    """The current version's schema and every version schema in the database (each one recorded by qa)."""
    import psycopg

    with psycopg.connect(url) as conn, conn.transaction():
        current = conn.execute("SELECT value FROM qa.store WHERE key = 'current'").fetchone()[0]
        schemas = {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'qa_v_%'")}
        recorded = {r[0] for r in conn.execute("SELECT name FROM qa.versions")}
    assert schemas == recorded, f"a schema qa did not record, or a record without its schema: {schemas} {recorded}"
    return current, schemas


def answers_from_the_live_version(url: str, n: int | None = None) -> None:
    """The live version (opened directly, no rebuild) answers correctly; with ``n``, trial n's article too."""
    from qa.stores.postgres import PostgresStore

    answerer = Answerer(Searcher.open(PostgresStore(url)))
    try:
        question, expected, source = FACTS[0]
        best = answerer.ask(question).answers[0]
        assert best.source == source and expected in best.passage
        if n is not None:
            best = answerer.ask(f"By how many lengths did Zephyr{n:02d} win its heat?").answers[0]
            assert best.source == f"trial/notice-{n:02d}.txt", best
    finally:
        answerer.searcher.close()


@pytest.fixture
def pg_built(qa_paths: Paths, pg_url: str) -> str:
    write_articles(qa_paths.seeds)
    run = start(pg_url, "index", "build")
    _, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    return pg_url


def test_builds_killed_at_random_moments(pg_built: str, qa_paths: Paths) -> None:
    url = pg_built
    write_articles(qa_paths.seeds, trial_article(0))
    measured = time.monotonic()
    whole = start(url, "index", "build")  # a build like the trials' (one new article): kills spread over it
    _, err = whole.communicate(timeout=300)
    assert whole.returncode == 0, err
    span = time.monotonic() - measured

    rng = random.Random(SEED)
    outcomes: list[tuple[float, int | None]] = []
    published = 0  # kills that came after the switch
    for n in range(1, TRIALS + 1):
        write_articles(qa_paths.seeds, trial_article(n))
        before, _ = live(url)
        delay = rng.uniform(0.0, 0.95 * span)
        build = start(url, "index", "build", *(["--full"] if n % 3 == 0 else []))
        time.sleep(delay)
        build.send_signal(signal.SIGKILL)
        _, err = build.communicate(timeout=300)
        outcomes.append((round(delay, 2), build.returncode))
        assert "Traceback" not in err, err

        current, schemas = live(url)
        # The previous version answers, or the new one, complete, when the kill came after the switch's commit.
        answers_from_the_live_version(url, None if current == before else n)
        assert current in schemas and len(schemas) <= 3, f"a killed build left schemas behind: {schemas}"  # 2 kept + 1
        published += current != before

        # The next build completes and holds everything up to this trial.
        done = start(url, "index", "build")
        _, err = done.communicate(timeout=300)
        assert done.returncode == 0, (n, err)
        answers_from_the_live_version(url, n)
    print("delay (s), exit code:", outcomes, "published before the kill:", published)  # shown with -s or on failure
    killed = sum(1 for _, code in outcomes if code == -signal.SIGKILL)
    assert killed >= 10 and published < killed, f"fewer than 10 builds were cut short: {outcomes}"
    status = start(url, "index", "status")
    out, _ = status.communicate(timeout=300)
    assert "up to date" in out
    assert len(live(url)[1]) <= 2


def test_two_builds_at_once_one_refuses_or_waits(pg_built: str, qa_paths: Paths) -> None:
    from qa.stores.postgres import PostgresStore

    url = pg_built
    where = PostgresStore(url)
    # Enough articles that the first build still holds the lock when the second has started up and asked for it,
    # on an idle machine too (44 were embedded before a second process finished starting).
    write_articles(qa_paths.seeds, {k: v for n in range(1, 601) for k, v in trial_article(n).items()})

    def second_while_the_first_runs(*args: str) -> tuple[subprocess.Popen[str], subprocess.Popen[str]]:
        first = start(url, "index", "build", "--full")  # 604 articles to embed again: seconds of holding the lock
        deadline = time.monotonic() + 120
        while not where.is_locked():
            assert first.poll() is None and time.monotonic() < deadline, "the first build never took the lock"
            time.sleep(0.05)
        return first, start(url, "index", "build", *args)

    first, second = second_while_the_first_runs()
    _, err = second.communicate(timeout=300)
    assert first.poll() is None, "the first build ended before the second was refused: nothing was tested"
    assert second.returncode == 1 and "another `qa index build` is running" in one_line_error(err)
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err

    write_articles(qa_paths.seeds, trial_article(601))
    first, second = second_while_the_first_runs("--wait", "300")
    results = [p.communicate(timeout=300) + (p.returncode,) for p in (first, second)]
    assert [code for _, _, code in results] == [0, 0], results  # the second waited, then ran
    answers_from_the_live_version(url, 601)
