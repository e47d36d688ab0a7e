"""The cache key of evaluation indexes: equal for the same collection and setup, different when anything changes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from qa.chunking import ChunkerSettings
from qa.evaluation.corpus import corpus_key, default_cache
from qa.evaluation.datasets import make_article
from qa.records import Article

ARTICLES = [
    make_article("quarry", "Quarry Lake", "The quarry lake opened to swimmers on Saturday."),
    make_article("mill", "Osk Mill", "The Osk mill grinds oats for the valley."),
]


def key(
    articles: Sequence[Article] = ARTICLES, model: str = "m1", chunker: ChunkerSettings | None = None, code: str = "c1"
) -> str:
    return corpus_key(articles, model, chunker or ChunkerSettings(), code)


def test_same_collection_same_key() -> None:
    assert key() == key(list(ARTICLES))


@pytest.mark.parametrize(
    "changed",
    [
        lambda: key(articles=[ARTICLES[0], make_article("mill", "Osk Mill", "The Osk mill grinds barley.")]),
        lambda: key(articles=[ARTICLES[0], make_article("mill2", "Osk Mill", ARTICLES[1].text)]),
        lambda: key(articles=[ARTICLES[0], dataclasses.replace(ARTICLES[1], blocks=((0, 10),))]),
        lambda: key(articles=ARTICLES[::-1]),
        lambda: key(articles=ARTICLES[:1]),
        lambda: key(model="m2"),
        lambda: key(chunker=ChunkerSettings(target_tokens=120)),
        lambda: key(code="c2"),
    ],
    ids=["text", "source", "blocks", "order", "fewer", "model", "chunker", "index code"],
)
def test_any_change_gets_another_key(changed: Callable[[], str]) -> None:
    assert changed() != key()


def test_int8_or_fp32_documents_get_their_own_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_INT8", "1")
    int8 = key()
    monkeypatch.setenv("QA_INT8", "0")
    assert key() != int8


def test_cache_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("QA_EVAL_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache() == tmp_path / "xdg" / "qa" / "eval"
    monkeypatch.setenv("QA_EVAL_CACHE", str(tmp_path / "mine"))
    assert default_cache() == tmp_path / "mine"
