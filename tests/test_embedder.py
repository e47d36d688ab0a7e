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
