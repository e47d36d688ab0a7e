"""Properties of ingest, sentence splitting and chunking over arbitrary Unicode text (hypothesis), with the real
tokenizer: chunks are exact slices, cover all kept text, and always fit the model window."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qa.chrome import kept_blocks
from qa.chunking import ChunkerSettings, chunk_article, split_sentences
from qa.errors import ArticleSkipped
from qa.ingest import read_article
from qa.records import Article

WINDOW = 256  # the model's max_seq_length, [CLS] and [SEP] included
SPECIAL = 2

# Words of several scripts and shapes, so texts look enough like prose to form sentences and long runs.
WORDS = st.one_of(
    st.sampled_from(["the", "harbour", "ferry", "Mr.", "U.S.", "e.g.", "3.5", "1,280", "co-op", "don't", "—", "…"]),
    st.text(st.characters(codec="utf-8", categories=("L", "M", "N")), min_size=1, max_size=12),
    st.text(st.sampled_from("漢字新聞記事東京"), min_size=1, max_size=30),  # CJK: one word piece per character
    st.text(
        st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=90, max_size=160
    ),  # past WordPiece's 100-char limit
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=4),  # anything, controls and marks included
)
SEPARATORS = st.sampled_from([" ", " ", " ", "  ", ". ", "! ", "? ", ", ", "\n", "\n\n", "\r\n", "\t", "\u2028", ""])


@st.composite
def prose(draw: st.DrawFn, max_words: int = 600) -> str:
    words = draw(st.lists(WORDS, max_size=max_words))
    return "".join(w + draw(SEPARATORS) for w in words)


# Long texts too: a drawn stretch of prose repeated, so sentences run far past the window.
TEXTS = st.one_of(
    prose(),
    st.text(st.characters(codec="utf-8"), max_size=3000),
    st.builds(lambda text, times: text * times, prose(60), st.integers(1, 60)),
)


@st.composite
def articles(draw: st.DrawFn) -> Article:
    """An article over arbitrary text, with the blocks chrome removal keeps or arbitrary non-overlapping blocks."""
    text = draw(TEXTS)
    if draw(st.booleans()):
        blocks = kept_blocks(text)
    else:
        cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
        pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
        blocks = tuple((a, b) for a, b in pairs if a < b)
    return Article(source="x.txt", title="", text=text, blocks=tuple(blocks), content_hash="", kind="text")


PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def chunker(embedder):
    return lambda article: chunk_article(article, embedder.count_tokens, embedder.token_offsets, ChunkerSettings())


def _long_sentence_article(text: str) -> Article:
    return Article("x.txt", "", text, ((0, len(text)),), "", "text")


@pytest.mark.slow
@PROPERTY
@given(article=articles())
@example(article=_long_sentence_article("harbour ferry " * 700))
@example(article=_long_sentence_article("新聞" * 900))
@example(article=_long_sentence_article(("x" * 150 + " ") * 300))
@example(article=_long_sentence_article("a\u0301" * 2000))
def test_chunks_are_exact_slices_cover_the_kept_text_and_fit_the_window(chunker, embedder, article: Article) -> None:
    chunks = chunker(article)
    text = article.text
    covered = bytearray(len(text))
    for n, chunk in enumerate(chunks):
        assert chunk.ordinal == n
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.text and not chunk.text[0].isspace() and not chunk.text[-1].isspace()
        assert any(a <= chunk.start and chunk.end <= b for a, b in article.blocks), "a chunk crosses a block edge"
        for s, e in chunk.sentences:
            assert chunk.start <= s < e <= chunk.end
        covered[chunk.start : chunk.end] = b"\1" * (chunk.end - chunk.start)
    for a, b in article.blocks:
        for i in range(a, b):
            assert covered[i] or text[i].isspace(), f"character {i} ({text[i]!r}) is in no chunk"
    if chunks:
        sizes = embedder.count_tokens([c.text for c in chunks])
        assert max(sizes) + SPECIAL <= WINDOW, f"a chunk of {max(sizes)} word pieces overflows the window"


def test_cutting_a_long_sentence_tokenizes_each_character_a_bounded_number_of_times(embedder) -> None:
    """A 2 MB line with no punctuation is one sentence; re-tokenizing the whole rest at every cut is quadratic."""
    text = " ".join(f"word{i % 97}" for i in range(40_000))  # ~260,000 characters, one sentence
    tokenized = 0

    def offsets(piece: str) -> list[tuple[int, int]]:
        nonlocal tokenized
        tokenized += len(piece)
        return embedder.token_offsets(piece)

    chunks = chunk_article(_long_sentence_article(text), embedder.count_tokens, offsets)
    assert len(chunks) > 100
    assert tokenized <= 4 * len(text), f"{tokenized / len(text):.0f} x the text was tokenized to cut it"


@pytest.mark.slow  # a property test: many examples
@PROPERTY
@given(text=TEXTS)
def test_sentences_are_stripped_ordered_and_cover_each_line(text: str) -> None:
    spans = split_sentences(text)
    end = 0
    for s, e in spans:
        assert end <= s < e <= len(text)
        assert not text[s].isspace() and not text[e - 1].isspace()
        assert "\n" not in text[s:e] and "\r" not in text[s:e]
        assert text[end:s].strip() == "" or set(text[end:s]) <= set("\r\n") | {c for c in text[end:s] if c.isspace()}
        end = e
    assert text[end:].strip() == ""


@pytest.mark.slow  # a property test: a file per example
@settings(max_examples=200, deadline=None)
@given(text=st.one_of(prose(120), st.text(st.characters(codec="utf-8"), max_size=800)))
def test_a_utf8_file_reads_back_as_exactly_its_text_or_is_skipped_with_a_reason(tmp_path_factory, text: str) -> None:
    root = tmp_path_factory.mktemp("prop")
    path = root / "article.txt"
    path.write_bytes(text.encode("utf-8"))
    try:
        article = read_article(path, root)
    except ArticleSkipped as exc:
        assert str(exc).startswith("article.txt: ") and len(str(exc)) > len("article.txt: ")
        return
    expected = text.removeprefix("\ufeff")  # a leading BOM marks the encoding, it is not text
    assert article.text == expected
    assert article.warnings == ()
    for a, b in article.blocks:
        assert 0 <= a < b <= len(article.text)


def test_the_fixture_embedder_is_the_exported_model(embedder) -> None:
    assert embedder.config.max_seq_length == WINDOW
    assert Path(embedder.folder).name  # an exported model folder, as the index uses
