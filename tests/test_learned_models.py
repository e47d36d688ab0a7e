"""The shipped learned models are data, not code: JSON read without pickle, naming the features the code computes,
with a manifest of the data files they were trained on (checked against the files where this machine has them)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from qa import answer, features
from qa.learn import linear

DATA = Path("/work/shared/data")


@pytest.mark.parametrize(
    ("name", "names"),
    [("sentence", features.FEATURES), ("confidence", answer.CONF_FEATURES), ("rerank", ("logit", "reader_gap"))],
)
def test_the_model_reads_the_features_the_code_computes(name: str, names: tuple[str, ...]) -> None:
    model = linear.load(name)
    assert model.features == names
    assert len(model.weights) == len(model.mean) == len(model.scale) == len(names)
    assert all(np.isfinite(model.weights)) and np.isfinite(model.bias)
    x = np.zeros((3, len(names)), dtype=np.float32)
    assert model.logits(x).shape == (3,)


@pytest.mark.parametrize("name", ["sentence", "confidence", "rerank"])
def test_the_manifest_names_the_training_data_and_seed(name: str) -> None:
    manifest = linear.load(name).manifest
    assert manifest is not None, "a shipped model says what it was trained on"
    assert manifest["script"] == "bench/learn/train.py" and isinstance(manifest["seed"], int)
    for entry in manifest["data"].values():
        assert len(entry["sha256"]) == 64
        matches = list(DATA.rglob(entry["file"])) if DATA.is_dir() else []
        for path in matches:  # where the data is on this machine, it is the data the model names
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], path


def test_the_confidence_model_never_saw_its_held_out_half() -> None:
    manifest = linear.load("confidence").manifest
    fitted = set(manifest["squad2_fit_articles"])
    assert 0 < len(fitted) <= 18  # the first half of SQuAD 2.0 dev's 35 articles


def test_the_second_look_and_the_confidence_trust_the_reader() -> None:
    """Fitted with the reader: a sentence the reader finds an answer in is preferred, and raises confidence."""
    rerank = linear.load("rerank")
    assert rerank.weights[rerank.features.index("reader_gap")] > 0
    conf = linear.load("confidence")
    assert conf.weights[conf.features.index("reader_gap")] > 0


def test_models_are_plain_json() -> None:
    for path in sorted(Path(linear.HERE).glob("*.json")):
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict), path


def test_listwise_fit_is_deterministic() -> None:
    """The training step itself: the same rows and seed give the same weights (what a retrain would reproduce)."""
    pytest.importorskip("torch")
    from bench.learn.train import fit_listwise

    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(12, 3)).astype(np.float32) for _ in range(40)]
    ys = [x[:, 0] > 0.8 for x in xs]
    first = fit_listwise(xs, ys, ("a", "b", "c"), epochs=50)
    second = fit_listwise(xs, ys, ("a", "b", "c"), epochs=50)
    assert first.weights == second.weights
    assert first.weights[0] > abs(first.weights[1]) and first.weights[0] > abs(first.weights[2])


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("How many league goals did the Kettleby striker score?", "goal"),
        ("how many people voted for the plan?", "people"),
        ("How many new ferries will the port buy?", "ferrie"),  # a plural's -s dropped, as in the sentence: no lexicon
        ("How much did the bridge cost?", None),
        ("Who chairs the harbour board?", None),
    ],
)
def test_the_noun_a_how_many_question_counts(question: str, unit: str | None) -> None:
    assert features.asked_unit(question) == unit


def test_a_sentence_counts_the_unit_asked_with_a_number_the_question_lacks() -> None:
    asked = {"how", "many", "goals", "did", "marta", "lind", "score"}
    assert features.counts_unit("Lind, who has 14 league goals this season, signed on in May.", "goal", asked)
    assert not features.counts_unit("Lind played 31 games in 2019 and signed on in May.", "goal", asked)
    assert not features.counts_unit("She scored goals for Sweden for over a decade.", "goal", asked)  # no number
    assert not features.counts_unit("How many goals did Marta Lind score?", "goal", asked | {"14"})
    assert features.counts_unit("The climb took her 38 minutes.", "minute", {"how", "many", "minutes"})
