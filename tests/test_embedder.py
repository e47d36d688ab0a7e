"""qa.embedder: encoding in tokenizer windows gives the vectors one window gives (memory stays flat in the count)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ARTICLES

import qa.embedder


def test_windows_of_texts_encode_as_one_batch_does(embedder, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    texts = [line for text in ARTICLES.values() for line in text.splitlines() if len(line) > 20]
    spans = [[(0, len(t) // 2), (len(t) // 2, len(t))] for t in texts]
    # The fp32 model: the int8 one quantizes activations per batch, so its vectors move (~1e-2) with whatever
    # shares a batch, windows or not.
    whole, whole_sentences = embedder.encode(texts, spans=spans)
    monkeypatch.setattr(qa.embedder, "TOKENIZE_WINDOW", 3)
    done: list[int] = []
    windowed, windowed_sentences = embedder.encode(texts, spans=spans, progress=done.append)
    assert len(texts) > 9 and sum(done) == len(texts)
    np.testing.assert_allclose(windowed, whole, atol=1e-5)
    for a, b in zip(windowed_sentences, whole_sentences, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_wide_texts_go_through_in_smaller_batches() -> None:
    """The attention scores of a pass grow with rows x width^2: batches of texts wider than ATTENTION_WIDTH hold fewer
    rows, so the widest passage of an archive does not set the build's peak memory; narrower ones keep whole batches."""
    lengths = {i: n for i, n in enumerate([400, 300, 256, 256, 200, 192, 150] * 20)}
    order = sorted(lengths, key=lambda i: -lengths[i])
    batches = qa.embedder._forward_batches(lengths, 32)
    assert [i for b in batches for i in b] == order  # every text once, longest first
    budget = 32 * qa.embedder.ATTENTION_WIDTH**2
    for b in batches:
        width = max(lengths[i] for i in b)
        assert len(b) == 1 or len(b) * width * width <= budget
    assert any(len(b) < 32 and max(lengths[i] for i in b) > qa.embedder.ATTENTION_WIDTH for b in batches)
    narrow = [b for b in batches if max(lengths[i] for i in b) <= qa.embedder.ATTENTION_WIDTH]
    assert narrow and all(len(b) == 32 for b in narrow[:-1])


def test_the_batch_plan_is_the_batches_encoding_runs(embedder, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """qa.cluster sends workers ``batch_plan``'s batches: with wide texts capped, they are still the batches that
    ``encode`` runs, one by one."""
    monkeypatch.setattr(qa.embedder, "ATTENTION_WIDTH", 24)
    texts = [line for text in ARTICLES.values() for line in text.splitlines() if len(line) > 20]
    seen: list[int] = []
    run = embedder.session.run

    def counting(names, feed, options=None):  # type: ignore[no-untyped-def]
        seen.append(len(feed["input_ids"]))
        return run(names, feed, options)

    monkeypatch.setattr(embedder.session, "run", counting, raising=False)
    embedder.encode(texts, batch_size=8)
    assert seen == [len(b) for b in embedder.batch_plan(texts, 8)]
    assert any(n < 8 for n in seen[:-1])
