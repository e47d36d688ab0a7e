"""The span reader: a trained head over the shipped embedding model, read from ONNX, that finds the answer inside a
sentence and says how sure it is. Sentences are written here in several outlets' styles; none come from a data set."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from qa import reader as reader_module
from qa.reader import HEAD, HEAD_FILE, Reader

DATA = Path("/work/shared/data")

# (question, a sentence that answers it, the words the answer must hold, a sentence of the same story that does not)
PAIRS = [
    (
        "Who chairs the transport scrutiny panel?",
        "Councillor Priya Desai, who chairs the transport scrutiny panel, said the bus contract had been rushed.",
        "Priya Desai",
        "The bus contract was signed in March after a six-month tender.",
    ),
    (
        "How much did the harbour wall repairs cost?",
        "The repairs to the harbour wall cost £4.7m, almost twice the original estimate, the port authority said.",
        "4.7m",
        "Fishermen said the harbour had been unusable for most of the winter.",
    ),
    (
        "When did the Larchfield plant close?",
        "The Larchfield plant closed in September 2019, with the loss of 340 jobs.",
        "September 2019",
        "Unions have called for a public inquiry into how the plant was run.",
    ),
    (
        "Which club did Tomasz Wrobel join?",
        "Striker Tomasz Wrobel has joined Kettleby Rovers on a two-year deal after leaving Ashdown Town.",
        "Kettleby Rovers",
        "Wrobel scored 14 goals last season, his best return in five years.",
    ),
    (
        "Where will the new data centre be built?",
        "The company said the new data centre would be built near Grantley, on the site of a former airfield.",
        "Grantley",
        "The company employs about 2,000 people across the region.",
    ),
]


@pytest.fixture(scope="module")
def shipped(built) -> Reader:
    found = reader_module.for_model(built.model_dir, built.model_key)
    assert found is not None, "the shipped head is trained on the default model, so it loads for the default index"
    return found


def test_the_reader_finds_the_answer_inside_the_sentence(shipped: Reader) -> None:
    reads = shipped.read_many([(q, s) for q, s, _, _ in PAIRS])
    found = 0
    for (_, sentence, answer, _), read in zip(PAIRS, reads, strict=True):
        assert read.span is not None
        s, e = read.span
        assert 0 <= s < e <= len(sentence)
        found += answer in sentence[s:e] and e - s <= len(answer) + 25
    assert found >= 4, f"{found} of {len(PAIRS)} spans hold the answer"


def test_a_sentence_that_answers_scores_above_one_that_does_not(shipped: Reader) -> None:
    answering = shipped.read_many([(q, s) for q, s, _, _ in PAIRS])
    other = shipped.read_many([(q, n) for q, _, _, n in PAIRS])
    above = sum(a.gap > o.gap for a, o in zip(answering, other, strict=True))
    assert above == len(PAIRS)


def test_a_pair_reads_the_same_whatever_it_is_asked_with(shipped: Reader) -> None:
    """ask and ask --file give one question the same answer: a pair's read does not depend on the other pairs."""
    pairs = [(q, s) for q, s, _, _ in PAIRS] + [(q, n) for q, _, _, n in PAIRS]
    together = shipped.read_many(pairs)
    alone = [shipped.read_many([p])[0] for p in pairs]
    backwards = shipped.read_many(pairs[::-1])[::-1]
    for a, b, c in zip(together, alone, backwards, strict=True):
        assert a == b == c


def test_another_model_gets_no_reader(built) -> None:
    assert reader_module.for_model(built.model_dir, "another-model-key") is None


def test_the_manifest_names_the_data_the_model_and_the_recipe() -> None:
    manifest = reader_module.manifest()
    assert manifest is not None
    from bench.learn import reader as recipe
    from qa.models import model_key, resolve_model

    assert manifest["recipe"] == json.loads(json.dumps(recipe.RECIPE))  # the script as it stands made the head
    assert manifest["recipe"]["head"] == HEAD
    assert manifest["base_key"] == model_key(resolve_model(recipe.MODEL))
    assert manifest["onnx_sha256"] == hashlib.sha256(HEAD_FILE.read_bytes()).hexdigest()
    assert HEAD_FILE.stat().st_size < 25 * 1024 * 1024
    for entry in manifest["data"].values():
        for path in DATA.rglob(entry["file"]) if DATA.is_dir() else []:
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], path
    assert manifest["validation"]["span_f1"] > 0.4


def test_the_training_script_makes_a_head_of_the_shipped_shape(tmp_path: Path) -> None:
    """A few steps of the script's own training and export give an ONNX head with the shipped inputs, outputs and
    weight shapes: what a full retrain (``python -m bench.learn.reader``) would replace the shipped file with."""
    pytest.importorskip("torch")
    import onnx

    from bench.learn import reader as recipe

    rng = np.random.default_rng(0)
    rows = [([101] + [7] * n + [102], [0] * (n + 2), 1, min(2, n)) for n in range(4, 40)]
    states = [rng.normal(size=(len(r[0]), HEAD["input"])).astype(np.float16) for r in rows]
    model = recipe.train(rows, states, seed=1, epochs=1, log=lambda _line: None)
    target = tmp_path / "head.onnx"
    recipe.export(model, target)

    def shapes(path: Path) -> list[tuple[int, ...]]:
        graph = onnx.load(str(path)).graph
        return sorted(tuple(t.dims) for t in graph.initializer)

    def io(path: Path) -> tuple[list[str], list[str]]:
        graph = onnx.load(str(path)).graph
        return [i.name for i in graph.input], [o.name for o in graph.output]

    assert io(target) == io(HEAD_FILE)
    assert shapes(target) == shapes(HEAD_FILE)


def test_training_negatives_come_from_another_article_and_from_questions_without_an_answer() -> None:
    """The reader learns "no answer here" from a nearby topic (BM25's first sentence of another article) and from
    questions written to have none (SQuAD 2.0's), as well as from the article's own most similar sentence."""
    pytest.importorskip("bm25s")
    from bench.learn import reader as recipe
    from qa.evaluation.datasets import SpanDataset, SpanQuestion, make_article

    texts = {
        "harbour": "The harbour wall repairs cost £4.7m, the port authority said. Fishing boats were moved to Eastmoor "
        "for the winter while the work went on.",
        "rovers": "Kettleby Rovers signed the striker Tomasz Wrobel on a two-year deal. The club said the harbour "
        "wall near their ground was also to be repaired by the port authority next spring.",
        "plant": "The Larchfield plant closed in September 2019 with the loss of 340 jobs. Unions have asked for an "
        "inquiry into how the plant was run by its owners.",
    }
    articles = tuple(make_article(k, k, v) for k, v in texts.items())
    asked = "How much did the harbour wall repairs cost the port authority?"
    start = texts["harbour"].index("£4.7m")
    closed = texts["plant"].index("September")
    questions = (
        SpanQuestion("q1", asked, "harbour", ((start, start + 5),)),
        SpanQuestion("q2", "When did the Larchfield plant close?", "plant", ((closed, closed + 14),)),
        SpanQuestion("q3", "Who paid for the Larchfield plant's new roof?", "plant", ()),
        SpanQuestion("q4", "Which club signed Tomasz Wrobel?", "rovers", ((0, 15),)),
    )
    data = SpanDataset(articles, questions)
    cross = recipe.cross_negatives(data, list(questions))
    assert len(cross) == len(questions) and all(p.answer is None for p in cross)
    assert "harbour wall" in cross[0].sentence and cross[0].sentence in texts["rovers"]
    hard = recipe.adversarial(data, {"plant"})
    assert [p.question for p in hard] == [questions[2].question]  # only the question with no answer
    assert hard[0].answer is None and hard[0].sentence in texts["plant"]
    pairs = recipe.pairs_for(data, questions[:2])
    assert [p.answer is not None for p in pairs] == [True, False, True, False]
    assert pairs[0].sentence[slice(*pairs[0].answer)] == "£4.7m"
