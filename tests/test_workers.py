"""`qa index build --workers N`: embedding on local Dask worker processes gives the one-process index, byte for byte.

The workers talk to each other over TCP on 127.0.0.1 (Dask's own protocol), so these tests let this process open
loopback sockets and nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import store
from qa.build import build
from qa.settings import Settings
from tests.conftest import ARTICLES, Paths, write_articles

pytest.importorskip("distributed")

COMPARED = (store.VECTORS, store.SENTENCES, store.META)

# Several batches of passages; with one batch per task (below) the work is spread over several tasks and workers.
MORE = {
    f"wire/{n:02d}.txt": f"Wire Report {n}\n\n"
    + "\n\n".join(
        f"Paragraph {p} of report {n}: the harbour board met on day {p} and spoke of "
        + " ".join(["freight", "tides", "cranes", "ferries", "dredging", "budgets"][: 1 + (n + p) % 6] * (1 + p % 4))
        + "."
        for p in range(1, 30)
    )
    for n in range(12)
}


@pytest.fixture(autouse=True)
def small_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """One batch per task, and tokenizing windows that end mid-batch (as BBC's 9,609 passages do at 2,048), so the
    test sees every way the work can be cut."""
    import qa.cluster
    import qa.embedder

    monkeypatch.setattr(qa.cluster, "BATCHES_PER_TASK", 1)
    monkeypatch.setattr(qa.embedder, "TOKENIZE_WINDOW", 70)


def checksums(index: Path) -> dict[str, str]:
    folder = store.current_version(index)
    return {name: store.file_digest(folder / name, limit=1 << 40) for name in COMPARED}


def build_twice(paths: Paths, **cluster: object) -> tuple[dict[str, str], dict[str, str], int]:
    write_articles(paths.seeds, {**ARTICLES, **MORE})
    one = build(Settings(seeds=paths.seeds, index=paths.root / "one"))
    many = build(Settings(seeds=paths.seeds, index=paths.root / "many"), **cluster)  # type: ignore[arg-type]
    assert one.chunks == many.chunks and one.embedded_chunks == many.embedded_chunks > 3 * 32
    return checksums(paths.root / "one"), checksums(paths.root / "many"), one.chunks


@pytest.mark.slow
@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
class TestWorkers:
    def test_two_workers_build_the_one_process_index(self, qa_paths: Paths) -> None:
        one, many, _ = build_twice(qa_paths, workers=2)
        assert one == many

    def test_a_killed_worker_has_its_run_redone(self, qa_paths: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
        marker = qa_paths.root / "killed-once"
        monkeypatch.setenv("QA_TEST_KILL_WORKER", str(marker))  # the first run to start kills its worker
        one, many, _ = build_twice(qa_paths, workers=2)
        assert marker.exists() and one == many

    def test_a_running_scheduler_gives_the_same_index(self, qa_paths: Paths) -> None:
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster:
            one, many, _ = build_twice(qa_paths, cluster=cluster.scheduler_address)
        assert one == many

    def test_the_cli_takes_workers(self, qa, qa_paths: Paths) -> None:
        write_articles(qa_paths.seeds)
        run = qa("index", "build", "--workers", "2")
        assert run.code == 0, run.err
        assert "chunks:" in run.out

    def test_an_unreachable_scheduler_is_one_line(self, qa, qa_paths: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
        from qa import cluster
        from tests.conftest import one_line_error

        monkeypatch.setattr(cluster, "START_TIMEOUT", 3)  # the real wait is a minute
        write_articles(qa_paths.seeds)
        run = qa("index", "build", "--cluster", "tcp://127.0.0.1:9")
        assert run.code == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in one_line_error(run.err)


def test_without_dask_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from qa.cluster import _connect
    from qa.errors import ConfigError

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ConfigError, match=r"pip install 'dask\[distributed\]'"):
        _connect(2, None)
