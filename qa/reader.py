"""Question + sentence -> where in the sentence the answer is, or that it holds none.

The reader reads a question and one sentence together as a pair through the first BASE_LAYERS layers of the embedding
model qa already ships (all-MiniLM-L6-v2's int8 export, cut after that layer: no second large model, and half the
cost of the whole model) and puts a small trained head on their token states: two narrow attention layers and a
start/end scorer, fitted on SQuAD 1.1 train by ``python -m bench.learn.reader`` and
shipped as ONNX (``qa/learn/reader.onnx``, with the data manifest in ``reader.json``). The start and end scores of each
word piece give the best span; the [CLS] position's scores say "no answer here". ``gap`` (best span minus no-answer) is
how sure the reader is that the sentence answers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from qa.embedder import open_session, thread_count
from qa.learn.linear import HERE

HEAD_FILE = HERE / "reader.onnx"
MANIFEST_FILE = HERE / "reader.json"
# The head: the base model's own layer 4 (its weights the start, fine-tuned on the frozen layers' states) and a span
# layer. (Two small layers trained from scratch read worse: validation span F1 0.635 vs 0.706, NOTES.md.)
HEAD = {"input": 384, "heads": 12, "ffn": 1536, "from_layers": [3]}
BASE_LAYERS = 3
BASE_OUTPUT = f"/inner/encoder/layer.{BASE_LAYERS - 1}/output/LayerNorm/LayerNormalization_output_0"
BASE_FILE = f"reader-base-{BASE_LAYERS}.onnx"  # written beside the int8 export the first time a reader opens
MAX_LENGTH = 160  # word pieces of a pair (as trained)
MAX_SPAN = 30  # word pieces of an answer
QUESTION_CHARS = 400  # a pair holds at most this much of the question (as trained)


@dataclass(frozen=True)
class Read:
    span: tuple[int, int] | None  # character offsets of the best answer in the sentence
    score: float  # its start + end score
    null: float  # the "no answer here" score

    @property
    def gap(self) -> float:
        return self.score - self.null


def prepare(folder: Path, key: str) -> bool:
    """Write the cut base model into an export folder for model ``key`` (done when the export is made, so answering
    never pays for it); False when the shipped head is not for this model."""
    shipped = manifest()
    if shipped is None or shipped.get("base_key") != key:
        return False
    return isinstance(_base(folder), Path)


def _base(folder: Path) -> Path | bytes:
    """The int8 export cut after BASE_LAYERS layers: a file beside it (written once, atomically), or the model in
    memory where the folder cannot be written."""
    from qa.embedder import INT8_FILE

    target = folder / BASE_FILE
    if target.is_file():
        return target
    import onnx
    from onnx.utils import Extractor

    if not (folder / INT8_FILE).is_file():
        from qa.models import quantize

        quantize(folder)
    model = Extractor(onnx.load(str(folder / INT8_FILE))).extract_model(
        ["input_ids", "attention_mask", "token_type_ids"], [BASE_OUTPUT]
    )
    data = model.SerializeToString()
    tmp = folder / f".{BASE_FILE}.{os.getpid()}.tmp"
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError:  # a read-only index: the cut model lives in memory for this process
        tmp.unlink(missing_ok=True)
        return data
    return target


class Reader:
    """The base model's int8 export (a model folder written by ``qa index build``) and the trained head."""

    def __init__(self, base: Path | bytes, tokenizer: Path, head: Path | None = HEAD_FILE) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_LENGTH, strategy="only_second")
        # One thread per pass: a pair is small, so two threads on one pass mostly wait for each other (6.1 vs 4.7 ms
        # of CPU per pair); the pairs of a question file are read on several threads instead (``submit``).
        self.base = open_session(base, threads=1)
        self.head = open_session(head, threads=1) if head is not None else None
        self._threads: ThreadPoolExecutor | None = None

    @classmethod
    def open(cls, folder: Path, head: Path | None = HEAD_FILE) -> Reader:
        """The reader over the model export in ``folder`` (a model folder of an index, or the per-user cache)."""
        from qa.embedder import TOKENIZER_FILE

        return cls(_base(folder), folder / TOKENIZER_FILE, head)

    def _batches(self, pairs: Sequence[tuple[str, str]], batch: int):
        """(positions, encodings, the base's states, mask) per batch of similar length."""
        import numpy as np

        encodings = self.tokenizer.encode_batch([(q[:QUESTION_CHARS], s) for q, s in pairs])
        order = sorted(range(len(pairs)), key=lambda i: len(encodings[i].ids))
        for b in range(0, len(order), batch):
            idx = order[b : b + batch]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            types = np.zeros_like(ids)
            mask = np.zeros_like(ids)
            for r, i in enumerate(idx):
                e = encodings[i]
                ids[r, : len(e.ids)] = e.ids
                types[r, : len(e.ids)] = e.type_ids
                mask[r, : len(e.ids)] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            yield idx, [encodings[i] for i in idx], self.base.run(None, feed)[0], mask

    def states(self, pairs: Sequence[tuple[str, str]], batch: int = 32) -> list[Any]:
        """The base model's token states of each pair (for training the head)."""
        out: list[Any] = [None] * len(pairs)
        for idx, encs, states, _ in self._batches(pairs, batch):
            for r, (i, e) in enumerate(zip(idx, encs, strict=True)):
                out[i] = states[r, : len(e.ids)]
        return out

    def read_many(self, pairs: Sequence[tuple[str, str]]) -> list[Read]:
        """The best span of each (question, sentence) pair.

        One pair per forward pass: the int8 base quantizes its activations per pass, so a pair read in a batch would
        score slightly differently from the same pair read alone (a question's answer must not depend on the
        questions asked with it), and with no padding to compute, pairs one by one cost about the same.
        """
        return [f.result() for f in self.submit(pairs)]

    def submit(self, pairs: Sequence[tuple[str, str]]) -> list[Future[Read]]:
        """Each pair read alone on the reader's threads (onnxruntime lets go of the GIL while it runs, so the cores
        read pairs side by side, and beside the caller), as futures in the pairs' order."""
        if not pairs or self.head is None:
            return [_done(None) for _ in pairs]
        # Tokenized on the reader's threads too, one pair at a time: ``encode_batch`` hands even two pairs to the
        # tokenizer's own thread pool and waits for it, which was a tenth of a question file's main thread.
        return [self._pool().submit(self._read_pair, pair) for pair in pairs]

    def _pool(self) -> ThreadPoolExecutor:
        if self._threads is None:
            self._threads = ThreadPoolExecutor(thread_count(), thread_name_prefix="qa-read")
        return self._threads

    def _read_pair(self, pair: tuple[str, str]) -> Read:
        """One pair read alone: tokenized as ``_batches`` tokenizes it, the base, then the head."""
        import numpy as np

        question, sentence = pair
        encoding = self.tokenizer.encode(question[:QUESTION_CHARS], sentence)
        ids = np.asarray([encoding.ids], dtype=np.int64)
        mask = np.ones_like(ids)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.asarray([encoding.type_ids], np.int64)}
        states = self.base.run(None, feed)[0]
        starts, ends = self.head.run(None, {"states": states, "mask": mask.astype(np.float32)})
        return _decode(encoding, starts[0], ends[0])


def _done(value: Any) -> Future[Any]:
    future: Future[Any] = Future()
    future.set_result(value)
    return future


def _decode(encoding: Any, starts: Any, ends: Any) -> Read:
    import numpy as np

    n = len(encoding.ids)
    context = np.asarray([s == 1 for s in encoding.sequence_ids], dtype=bool)
    null = float(starts[0] + ends[0])
    if not context.any():
        return Read(None, float("-inf"), null)
    s = np.where(context, starts[:n], -np.inf)
    e = np.where(context, ends[:n], -np.inf)
    grid = s[:, None] + e[None, :]
    band = np.triu(np.ones((n, n), dtype=bool)) & ~np.triu(np.ones((n, n), dtype=bool), MAX_SPAN)
    grid = np.where(band, grid, -np.inf)
    i, j = divmod(int(np.argmax(grid)), n)
    return Read((encoding.offsets[i][0], encoding.offsets[j][1]), float(grid[i, j]), null)


@cache
def min_gap() -> float:
    """The margin under which the reader's span is not shown (calibrated on held-out train questions)."""
    found = (manifest() or {}).get("validation", {}).get("min_gap")
    return float(found) if found is not None else float("inf")


def manifest() -> dict[str, Any] | None:
    try:
        return json.loads(MANIFEST_FILE.read_text(encoding="utf-8"))["manifest"]
    except (OSError, ValueError, KeyError):
        return None


def for_model(folder: Path, key: str) -> Reader | None:
    """The shipped reader over the model export in ``folder``, or None when the head was trained on another model."""
    shipped = manifest()
    if shipped is None or shipped.get("base_key") != key or not HEAD_FILE.is_file():
        return None
    return Reader.open(folder)
