"""Article -> Chunks with exact character spans.

Sentences come from blingfire (a maintained, compiled sentence splitter with character offsets, about 40x faster
than pure-Python splitters here, which matters for archive-sized builds). Paragraph breaks (newlines) always end a
sentence, so headlines and list lines never glue onto the next paragraph. Chunks are packed from whole sentences up
to a word-piece budget that fits the model window, so nothing is silently truncated; a sentence longer than the
budget is cut at word boundaries. Neighbouring chunks share ``overlap`` sentences.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa.records import Article, Chunk, Span

# Counts word pieces of many strings at once; the embedder's tokenizer provides it.
TokenCounter = Callable[[Sequence[str]], list[int]]
# Returns the end offsets of each token of a string, for cutting overlong sentences.
TokenOffsets = Callable[[str], list[tuple[int, int]]]

_LINE = re.compile(r"[^\r\n]+")


@dataclass(frozen=True)
class ChunkerSettings:
    max_tokens: int = 254  # the model window (256) less [CLS] and [SEP]
    target_tokens: int = 160  # chunks stop growing past this
    overlap: int = 1  # sentences shared by neighbouring chunks
    paragraph_fill: float = 0.5  # a chunk this full (share of target) ends at the next paragraph break

    def key(self) -> str:
        return (
            f"blingfire/max{self.max_tokens}/target{self.target_tokens}/overlap{self.overlap}"
            f"/para{self.paragraph_fill:g}"
        )


def _strip_span(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of ``text[start:end]``, in article offsets, each stripped of surrounding space."""
    import blingfire  # deferred: a compiled extension only the build and eval paths need

    end = len(text) if end is None else end
    spans: list[Span] = []
    for line in _LINE.finditer(text, start, end):
        base, segment = line.start(), line.group()
        try:
            _, offsets = blingfire.text_to_sentences_and_offsets(segment)
        except Exception:  # noqa: BLE001 - the splitter is best effort; a whole line is a safe sentence
            offsets = []
        pieces: list[Span] = []
        cursor = 0
        for s, e in offsets or []:
            if not (cursor <= s <= e <= len(segment)):
                pieces = []
                break
            pieces.append((s, e))
            cursor = e
        if not pieces:
            pieces = [(0, len(segment))]
        # Extend each sentence to the next one's start so no character of the line is lost.
        bounds = [p[0] for p in pieces[1:]] + [len(segment)]
        prev_end = 0
        for (s, _), nxt in zip(pieces, bounds, strict=True):
            span = _strip_span(text, base + min(s, prev_end), base + nxt)
            prev_end = nxt
            if span:
                spans.append(span)
    return spans


def _cut_long(text: str, span: Span, limit: int, offsets: TokenOffsets) -> list[Span]:
    """Cut a sentence longer than ``limit`` word pieces at token boundaries, preferring spaces."""
    start, end = span
    pieces: list[Span] = []
    window = limit * 8  # characters tokenized per cut; tokenizing the whole rest each time is quadratic
    while start < end:
        stop = min(end, start + window)
        toks = offsets(text[start:stop])
        if len(toks) <= limit:
            if stop < end:  # too few tokens in the window (very long words): look further
                window *= 2
                continue
            pieces.append((start, end))
            break
        window = limit * 8
        # The piece ends at a token end inside the window, so it holds at most ``limit`` tokens even when the
        # window cut its last word short.
        cut = toks[limit - 1][1]  # end of the last token that fits
        # Back off to the last whitespace inside the piece so words stay whole.
        space = text.rfind(" ", start, start + cut)
        if space > start + cut // 2:
            cut = space - start
        piece = _strip_span(text, start, start + max(cut, 1))
        if piece:
            pieces.append(piece)
        start += max(cut, 1)
        nxt = _strip_span(text, start, end)
        if not nxt:
            break
        start = nxt[0]
    return pieces


def chunk_article(
    article: Article,
    count: TokenCounter,
    offsets: TokenOffsets,
    settings: ChunkerSettings | None = None,
) -> list[Chunk]:
    """Chunks of an article's kept blocks; never across a block edge, so never across removed chrome."""
    settings = settings or ChunkerSettings()
    text = article.text
    chunks: list[Chunk] = []
    for block_start, block_end in article.blocks:
        sentences = split_sentences(text, block_start, block_end)
        if not sentences:
            continue
        sizes = count([text[s:e] for s, e in sentences])
        units: list[Span] = []
        unit_sizes: list[int] = []
        for span, size in zip(sentences, sizes, strict=True):
            if size <= settings.max_tokens:
                units.append(span)
                unit_sizes.append(size)
                continue
            for piece in _cut_long(text, span, settings.max_tokens, offsets):
                units.append(piece)
                unit_sizes.append(count([text[piece[0] : piece[1]]])[0])
        breaks = [i > 0 and "\n" in text[units[i - 1][1] : units[i][0]] for i in range(len(units))]
        for first, last in _pack(unit_sizes, settings, breaks):
            start, end = units[first][0], units[last][1]
            chunks.append(
                Chunk(
                    ordinal=len(chunks),
                    start=start,
                    end=end,
                    text=text[start:end],
                    sentences=tuple(units[first : last + 1]),
                )
            )
    return chunks


def _pack(sizes: list[int], settings: ChunkerSettings, breaks: list[bool]) -> list[tuple[int, int]]:
    """Group unit indexes into inclusive (first, last) runs under the budget, overlapping by whole units.

    ``breaks[i]`` says unit i starts a new paragraph: a chunk filled past ``paragraph_fill`` of its target stops
    there, so passages keep to paragraphs when paragraphs are long and span several when they are short.
    The budget counts the gaps between units as one word piece each, which over-estimates (a space adds none)
    so the packed text always fits the window.
    """
    soft = settings.paragraph_fill * settings.target_tokens
    runs: list[tuple[int, int]] = []
    first = 0
    n = len(sizes)
    while first < n:
        total = sizes[first]
        last = first
        while (
            last + 1 < n
            and total < settings.target_tokens
            and total + 1 + sizes[last + 1] <= settings.max_tokens
            and not (breaks[last + 1] and total >= soft)
        ):
            last += 1
            total += 1 + sizes[last]
        runs.append((first, last))
        if last + 1 >= n:
            break
        first = max(last + 1 - settings.overlap, first + 1)
    return runs
