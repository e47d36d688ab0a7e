"""`qa serve` through an in-process client (starlette's TestClient) against a real index of the test articles."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from qa.serve import check_bind, create_app
from qa.settings import Settings
from tests.conftest import ARTICLES, FACTS, Paths, Run

READY_WITHIN = 120.0


def wait_ready(client: TestClient, headers: dict[str, str] | None = None) -> dict:
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        got = client.get("/health", headers=headers)
        if got.status_code == 200:
            return got.json()
        assert got.status_code == 503 and got.json()["status"] == "loading", got.text
        time.sleep(0.05)
    raise AssertionError("the server did not load the index")


@pytest.fixture
def client(ready_index: Paths) -> Iterator[TestClient]:
    with TestClient(create_app(Settings.from_env())) as c:
        wait_ready(c)
        yield c


class TestAsk:
    @pytest.mark.parametrize(("question", "expected", "source"), FACTS)
    def test_the_record_of_qa_ask_json(self, client: TestClient, qa, question: str, expected: str, source: str) -> None:
        got = client.post("/ask", json={"question": question})
        assert got.status_code == 200, got.text
        record = got.json()
        assert expected in record["answers"][0]["passage"] and record["answers"][0]["source"] == source
        cli: Run = qa("ask", question, "--format", "json")
        assert record == json.loads(cli.out)

    def test_top_k_and_id(self, client: TestClient) -> None:
        record = client.post("/ask", json={"question": FACTS[0][0], "top_k": 2, "id": "q7"}).json()
        assert record["id"] == "q7" and len(record["answers"]) == 2

    def test_filters_restrict_the_search(self, client: TestClient) -> None:
        question = FACTS[0][0]  # about the lighthouse, asked of the glacier article only
        record = client.post("/ask", json={"question": question, "filters": {"source": "glacier*"}}).json()
        assert record["answers"] and {a["source"] for a in record["answers"]} == {"glacier.txt"}

    def test_batch_in_order(self, client: TestClient) -> None:
        items = [q for q, _, _ in FACTS]
        got = client.post("/ask/batch", json={"questions": [items[0], {"id": "b", "question": items[1]}, *items[2:]]})
        assert got.status_code == 200, got.text
        records = got.json()
        assert [r["id"] for r in records] == ["1", "b", "3", "4"]
        for record, (_, expected, source) in zip(records, FACTS, strict=True):
            assert expected in record["answers"][0]["passage"] and record["answers"][0]["source"] == source

    def test_concurrent_requests_are_batched(self, ready_index: Paths) -> None:
        with TestClient(create_app(Settings.from_env(), batch_wait=0.5)) as client:  # a wide window: no flakes
            wait_ready(client)
            self._sixteen_at_once(client)
            assert client.get("/health").json()["batches"] < 16  # requests shared an ask_many

    def _sixteen_at_once(self, client: TestClient) -> None:
        results: dict[int, dict] = {}

        def one(i: int) -> None:
            question, _, _ = FACTS[i % len(FACTS)]
            results[i] = client.post("/ask", json={"question": question, "id": str(i)}).json()

        threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == list(range(16))
        for i, record in results.items():
            source = FACTS[i % len(FACTS)][2]
            assert record["id"] == str(i) and record["answers"][0]["source"] == source


class TestBadRequests:
    @pytest.mark.parametrize(
        ("path", "body", "error"),
        [
            ("/ask", b"{", "the body is not JSON"),
            ("/ask", b"[]", "the body must be a JSON object"),
            ("/ask", b"{}", "question must be a non-empty string"),
            ("/ask", b'{"question": "   "}', "question must be a non-empty string"),
            ("/ask", b'{"question": "who?", "top_k": 0}', "top_k must be a whole number"),
            ("/ask", b'{"question": "who?", "filters": {"since": "soon"}}', "since 'soon' is not a date"),
            ("/ask", b'{"question": "who?", "filters": {"colour": "red"}}', "unknown filter colour"),
            ("/ask/batch", b'{"questions": []}', '"questions" must be a non-empty list'),
            ("/ask/batch", b'{"questions": ["ok", 3]}', "questions[1] must be a non-empty string"),
        ],
    )
    def test_400_with_a_json_error(self, client: TestClient, path: str, body: bytes, error: str) -> None:
        got = client.post(path, content=body, headers={"content-type": "application/json"})
        assert got.status_code == 400 and error in got.json()["error"], got.text

    def test_unknown_article_is_404(self, client: TestClient) -> None:
        got = client.get("/articles/nowhere.txt")
        assert got.status_code == 404 and "nowhere.txt is not in the index" in got.json()["error"]

    def test_unknown_path_and_method(self, client: TestClient) -> None:
        assert client.get("/nope").status_code == 404 and "error" in client.get("/nope").json()
        assert client.get("/ask").status_code == 405 and "error" in client.get("/ask").json()


class TestArticlesAndHealth:
    def test_list(self, client: TestClient) -> None:
        got = client.get("/articles").json()
        assert got["total"] == len(ARTICLES)
        assert [a["source"] for a in got["articles"]] == sorted(ARTICLES)
        tram = next(a for a in got["articles"] if a["source"] == "tram.html")
        assert tram["title"] == "Velmora Tram Line Reaches the Harbour" and tram["passages"] >= 1
        assert client.get("/articles?source=*.txt&limit=1").json() == {
            "total": 2, "offset": 0, "articles": [got["articles"][1]]
        }  # fmt: skip

    def test_one_article_text_is_what_offsets_index(self, client: TestClient) -> None:
        record = client.post("/ask", json={"question": FACTS[3][0]}).json()["answers"][0]
        article = client.get(f"/articles/{record['source']}").json()
        assert article["text"][record["start"] : record["end"]] == record["passage"]
        assert article["passages"] and article["kind"] == "text"

    def test_health(self, client: TestClient, ready_index: Paths) -> None:
        from qa import store

        got = client.get("/health").json()
        assert got["status"] == "ok" and got["version"] == store.current_version(ready_index.index).name
        assert got["articles"] == len(ARTICLES) and got["chunks"] > 0 and got["model"] == "all-MiniLM-L6-v2"

    def test_openapi_parses(self, client: TestClient) -> None:
        spec = client.get("/openapi.json").json()
        assert spec["openapi"].startswith("3.")
        assert set(spec["paths"]) == {
            "/ask",
            "/ask/batch",
            "/articles",
            "/articles/{source}",
            "/health",
            "/openapi.json",
        }
        refs = {m for m in json.dumps(spec).split('"') if m.startswith("#/components/schemas/")}
        assert {r.rsplit("/", 1)[1] for r in refs} <= set(spec["components"]["schemas"])

    def test_503_while_loading(self, ready_index: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
        import qa.serve

        gate = threading.Event()
        load = qa.serve.Service.load
        monkeypatch.setattr(qa.serve.Service, "load", lambda self: (gate.wait(30), load(self)))
        with TestClient(create_app(Settings.from_env())) as c:
            got = c.post("/ask", json={"question": FACTS[0][0]})
            assert got.status_code == 503 and got.json() == {"error": "loading"}
            assert c.get("/health").json() == {"status": "loading"}
            gate.set()
            wait_ready(c)


class TestToken:
    def test_every_request_needs_the_bearer_token(self, ready_index: Paths) -> None:
        with TestClient(create_app(Settings.from_env(), token="s3cret")) as c:
            good = {"Authorization": "Bearer s3cret"}
            wait_ready(c, good)
            for headers in (None, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
                for got in (
                    c.get("/health", headers=headers),
                    c.post("/ask", json={"question": "who?"}, headers=headers),
                ):
                    assert got.status_code == 401 and "token" in got.json()["error"]
            assert c.post("/ask", json={"question": FACTS[0][0]}, headers=good).status_code == 200

    @pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
    def test_loopback_needs_no_token(self, host: str) -> None:
        check_bind(host, None)

    @pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.4", "example.org"])
    def test_other_hosts_need_one(self, host: str) -> None:
        from qa.errors import ConfigError

        with pytest.raises(ConfigError, match="give --token"):
            check_bind(host, None)
        check_bind(host, "t")

    def test_cli_refuses_a_public_host_without_a_token(self, qa, ready_index: Paths) -> None:
        run = qa("serve", "--host", "0.0.0.0")
        assert run.code != 0 and "--token" in run.err and "Traceback" not in run.err


@pytest.mark.slow
class TestSwap:
    def test_a_rebuild_swaps_the_index_without_failing_a_request(self, client: TestClient, ready_index: Paths) -> None:
        from qa.build import build

        new = "ferry.txt"
        (ready_index.seeds / new).write_text(
            "Night Ferry Returns to Oslund\n\nThe night ferry to Oslund sailed again on Monday after a winter "
            "laid up for repairs.\nCaptain Ingrid Solberg said the crossing took four hours in calm seas.\n",
            encoding="utf-8",
        )
        before = client.get("/health").json()["version"]
        errors: list[BaseException] = []
        builder = threading.Thread(target=lambda: _catch(errors, build, Settings.from_env()))
        builder.start()
        statuses: list[int] = []
        question = "Who captained the night ferry to Oslund?"
        answered_new = False
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            for q, _, _ in FACTS[:2]:
                statuses.append(client.post("/ask", json={"question": q}).status_code)
            got = client.post("/ask", json={"question": question})
            statuses.append(got.status_code)
            if not builder.is_alive() and got.json()["answers"][0]["source"] == new:
                answered_new = True
                break
        builder.join()
        assert not errors, errors
        assert statuses and set(statuses) == {200}, statuses
        assert answered_new, "the new article was never answered after the rebuild"
        health = client.get("/health").json()
        assert health["version"] != before and health["swaps"] >= 1 and health["articles"] == len(ARTICLES) + 1


def _catch(errors: list[BaseException], fn, *args) -> None:
    try:
        fn(*args)
    except BaseException as exc:  # noqa: BLE001
        errors.append(exc)


class TestLiveAnswerer:
    def test_a_version_in_use_is_closed_only_when_its_last_request_ends(self, ready_index: Paths) -> None:
        import sqlite3

        from qa.live import LiveAnswerer
        from qa.session import open_answerer

        live = LiveAnswerer(ready_index.index, open_answerer(Settings.from_env()))
        with live.using() as held:
            assert live.reload()  # a new Answerer is swapped in while this request holds the old one
            assert live._held is not held and held.retired
            assert held.answerer.ask(FACTS[0][0]).answers  # still answering: not closed under the request
        with pytest.raises(sqlite3.ProgrammingError):  # closed once the request let go
            held.answerer.searcher.version.db.execute("SELECT 1")
        with live.using() as current:
            assert current.answerer.ask(FACTS[0][0]).answers
        live.close()
