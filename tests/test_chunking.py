"""Chunking: sentence-aware, exact spans, inside the model window, overlapping, never across removed chrome."""

from __future__ import annotations

import itertools
import re

import pytest

from qa.chunking import ChunkerSettings, chunk_article, split_sentences
from qa.records import Article


def words(texts):
    return [len(t.split()) for t in texts]


def word_offsets(text):
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]


def article(text: str, blocks=None) -> Article:
    return Article("a.txt", "t", text, tuple(blocks or [(0, len(text))]), "h", "text")


def test_sentences_are_exact_spans_and_lines_end_sentences() -> None:
    text = "Headline without a stop\nFirst sentence here. Second one follows!\n\nThird, after a gap."
    spans = split_sentences(text)
    got = [text[s:e] for s, e in spans]
    assert got == ["Headline without a stop", "First sentence here.", "Second one follows!", "Third, after a gap."]


def test_chunks_are_exact_slices_with_overlap() -> None:
    sentences = [f"Sentence number {i} talks about the harbour and its boats." for i in range(30)]
    text = " ".join(sentences)
    chunks = chunk_article(article(text), words, word_offsets, ChunkerSettings(max_tokens=60, target_tokens=40))
    assert len(chunks) > 3
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert sum(words([c.text])) <= 60
        assert all(c.start <= s < e <= c.end for s, e in c.sentences)
    for a, b in itertools.pairwise(chunks):
        assert b.start < a.end, "neighbouring chunks share a sentence"
        assert a.sentences[-1] == b.sentences[0]


def test_overlong_sentence_is_cut_to_fit() -> None:
    text = " ".join(f"word{i}" for i in range(500))
    chunks = chunk_article(article(text), words, word_offsets, ChunkerSettings(max_tokens=50, target_tokens=30))
    assert all(len(c.text.split()) <= 50 for c in chunks)
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_chunks_never_cross_block_edges() -> None:
    text = "Real news paragraph one. It continues.\nPROMO LINE TO DROP\nReal news paragraph two."
    blocks = [(0, 38), (58, len(text))]
    chunks = chunk_article(article(text, blocks), words, word_offsets)
    assert [c.text for c in chunks] == [text[0:38], text[58:]]


@pytest.mark.parametrize("text", ["", "   \n\n  "])
def test_empty_blocks_give_no_chunks(text: str) -> None:
    assert chunk_article(article(text, [(0, len(text))] if text else []), words, word_offsets) == []
