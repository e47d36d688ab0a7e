"""Texts -> normalized vectors, through onnxruntime and tokenizers.

The query path must start fast: ``import sentence_transformers`` alone takes about 7 s on the target machine, so the
model is exported to ONNX once (see ``qa.export``) and run here with onnxruntime, which imports in a fraction of a
second. Pooling and normalization follow the model's own sentence-transformers config, so vectors match
``SentenceTransformer.encode`` (checked in the tests to 1e-4 cosine).

Beside whole-text vectors, ``encode`` can pool the token states of sub-spans of each text (the sentences of a chunk)
in the same forward pass: sentence vectors for highlighting then cost no extra model time.

Documents go through ``encode_documents``, which uses an int8 copy of the model (``model.int8.onnx``, dynamic
per-channel quantization, written once beside ``model.onnx``): about twice the throughput, at ~0.99 cosine to the
fp32 vectors and the same retrieval quality on SQuAD (``python -m bench quality``). ``QA_INT8=0`` turns it off.
Questions keep the fp32 model, so query vectors stay equal to ``SentenceTransformer.encode``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import IndexDamaged

if TYPE_CHECKING:  # numpy is cheap, but onnxruntime and tokenizers are only imported when a model is opened
    import numpy as np

ProgressFn = Callable[[int], None]

MODEL_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "embedder.json"
# Texts tokenized at once when encoding. A tokenizers Encoding takes ~20 KB, so tokenizing all 43,000 passages of a
# 10,000-page archive in one call held ~0.9 GB until the last batch; batches are still sorted by length (least
# padding) inside each window. (`python -m bench warc`.)
TOKENIZE_WINDOW = 2048


def _shrink_arena() -> Any:
    """Run options that hand the CPU arena's unused regions back at the end of the run.

    onnxruntime's arena keeps every region it ever took, and grows by powers of two: over the windows of a large
    build its size crept up with the number of windows (0.85 GB after one window of 2,048 passages, 1.4 GB after 21
    in a 10,000-page archive). Shrunk once per window (its last forward batch), memory stays at what one window
    needs; the outputs are the same bits (only where intermediate buffers live changes).
    """
    import onnxruntime as ort  # deferred: native library, already loaded by the session

    options = ort.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return options


# A forward pass's working memory grows with rows x width^2 (the attention scores of every head): a batch of texts
# wider than this many word pieces holds fewer rows, so the widest passage of an archive no longer sets the build's
# peak memory (32 rows of 253 pieces held 300 MB more than of 200, for a whole window: `python -m bench warc`).
ATTENTION_WIDTH = 192


def _forward_batches(lengths: dict[int, int], batch_size: int) -> list[list[int]]:
    """The texts (position -> word pieces), longest first, cut into forward batches of at most ``batch_size``,
    fewer where they are wider than ATTENTION_WIDTH word pieces (at most batch_size x ATTENTION_WIDTH^2 attention
    cells per pass)."""
    order = sorted(lengths, key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    at = 0
    while at < len(order):
        width = lengths[order[at]]
        rows = max(1, min(batch_size, batch_size * ATTENTION_WIDTH**2 // max(width * width, 1)))
        batches.append(list(order[at : at + rows]))
        at += rows
    return batches


@dataclass(frozen=True)
class EmbedderConfig:
    """What the exported model folder says about itself (``embedder.json``)."""

    name: str
    dimension: int
    max_seq_length: int
    pooling: str  # "mean" or "cls"
    normalize: bool

    @classmethod
    def load(cls, folder: Path) -> EmbedderConfig:
        data = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
        return cls(**data)

    def save(self, folder: Path) -> None:
        (folder / CONFIG_FILE).write_text(json.dumps(self.__dict__, indent=2), encoding="utf-8")


def thread_count() -> int:
    """Threads qa runs onnxruntime on: ``QA_THREADS``, or every core."""
    return max(1, int(os.environ.get("QA_THREADS", "0")) or (os.cpu_count() or 1))


def int8_documents() -> bool:
    """Whether documents are encoded with the int8 model (``QA_INT8``, on unless set to 0/false/no/off)."""
    return os.environ.get("QA_INT8", "1").strip().lower() not in ("0", "false", "no", "off")


def open_session(model: Path | bytes, threads: int | None = None) -> Any:
    """An onnxruntime CPU session for a model file (or its bytes), with qa's thread settings (``threads`` per run:
    by default ``QA_THREADS`` or every core)."""
    from qa.interrupts import import_onnxruntime

    ort = import_onnxruntime()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or thread_count()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # Idle worker threads sleep instead of spinning: on 2 shared cores a spinning pool takes the CPU the answering
    # code (and the TUI) needs between runs: warm ask p50 49 -> 11 ms in an A/B at load ~6.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    model = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])


class Embedder:
    """An exported model folder (``model.onnx``, ``tokenizer.json``, ``embedder.json``) ready to encode."""

    def __init__(self, folder: Path, model_file: str = MODEL_FILE, threads: int | None = None) -> None:
        """``threads``: onnxruntime threads per run (None: ``thread_count``)."""
        # Deferred: tokenizers (and onnxruntime, in _session) load native libraries; only paths that encode need them.
        from tokenizers import Tokenizer

        self.folder = folder
        self.threads = threads
        try:
            self.config = EmbedderConfig.load(folder)
            self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        except Exception as exc:  # a missing or corrupt model file is index damage, not a crash
            raise self._damaged(exc) from exc
        self.session = self._session(model_file)
        self._documents: Any = None  # the int8 session, opened by the first encode_documents
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.config.max_seq_length)
        self._inputs = {i.name for i in self.session.get_inputs()}
        self._counter = Tokenizer.from_str(self.tokenizer.to_str())
        self._counter.no_truncation()
        self._counter.no_padding()

    def _damaged(self, exc: Exception) -> IndexDamaged:
        return IndexDamaged(
            f"the exported model in {self.folder} cannot be read ({type(exc).__name__}); "
            "run `qa index build` to repair it"
        )

    def _session(self, model_file: str) -> Any:
        try:
            return open_session(self.folder / model_file, self.threads)
        except Exception as exc:
            raise self._damaged(exc) from exc

    @property
    def dimension(self) -> int:
        return self.config.dimension

    # -- token counting, for the chunker -------------------------------------------------------------
    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces in each text, without special tokens (the chunker budgets for those)."""
        encodings = self._counter.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encodings]

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return list(self._counter.encode(text, add_special_tokens=False).offsets)

    # -- encoding ---------------------------------------------------------------------------------------
    def encode(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        spans: Sequence[Sequence[tuple[int, int]]] | None = None,
        progress: ProgressFn | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Encode texts, longest first in batches so padding is small.

        Args:
            texts: the strings to encode.
            batch_size: texts per forward pass.
            spans: optional character spans inside each text; each gets its own vector, pooled from the
                same forward pass.
            progress: called with the number of texts finished after each batch.

        Returns:
            (text vectors [n, d] float32, per-text arrays of span vectors [len(spans[i]), d]).
        """
        return self._encode(self.session, texts, batch_size, spans, progress)

    def encode_documents(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        spans: Sequence[Sequence[tuple[int, int]]] | None = None,
        progress: ProgressFn | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """``encode`` for indexing: through the int8 model unless ``QA_INT8=0`` (see the module docstring)."""
        if self._documents is None:
            self._documents = self._int8_session() if int8_documents() else self.session
        return self._encode(self._documents, texts, batch_size, spans, progress)

    def _int8_session(self) -> Any:
        if not (self.folder / INT8_FILE).is_file():  # exported before int8 existed: quantize once now
            from qa.models import quantize

            quantize(self.folder)
        return self._session(INT8_FILE)

    def _encode(
        self,
        session: Any,
        texts: Sequence[str],
        batch_size: int,
        spans: Sequence[Sequence[tuple[int, int]]] | None,
        progress: ProgressFn | None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        import numpy as np

        n = len(texts)
        dim = self.config.dimension
        out = np.zeros((n, dim), dtype=np.float32)
        span_out: list[np.ndarray] = [np.zeros((0, dim), dtype=np.float32) for _ in range(n)]
        if n == 0:
            return out, span_out
        for first in range(0, n, TOKENIZE_WINDOW):
            last = min(n, first + TOKENIZE_WINDOW)
            window = self.tokenizer.encode_batch(list(texts[first:last]))
            encodings = dict(enumerate(window, first))
            batches = _forward_batches({i: len(e.ids) for i, e in encodings.items()}, batch_size)
            for b, idx in enumerate(batches):
                width = max(len(encodings[i].ids) for i in idx)
                ids = np.zeros((len(idx), width), dtype=np.int64)
                mask = np.zeros((len(idx), width), dtype=np.int64)
                for row, i in enumerate(idx):
                    e = encodings[i]
                    ids[row, : len(e.ids)] = e.ids
                    mask[row, : len(e.ids)] = 1
                feed = {"input_ids": ids, "attention_mask": mask}
                if "token_type_ids" in self._inputs:
                    feed["token_type_ids"] = np.zeros_like(ids)
                closing = b == len(batches) - 1  # the window's last pass hands the arena's spare room back
                states = session.run(None, feed, _shrink_arena() if closing else None)[0]
                out[idx] = self._pool(states, mask)
                if spans is not None:
                    for row, i in enumerate(idx):
                        if spans[i]:
                            span_out[i] = self._pool_spans(states[row, : len(encodings[i].ids)], encodings[i], spans[i])
                if progress:
                    progress(len(idx))
        return out, span_out

    def batch_plan(self, texts: Sequence[str], batch_size: int = 32) -> list[list[int]]:
        """The forward batches ``encode`` runs over ``texts``, in order, as lists of positions in ``texts``.

        qa.cluster hands these batches to workers whole: a text's int8 vector depends on the batch it shares (the
        activations are quantized per batch), so the same batches give the same bits. Must follow ``_encode``'s
        windows and longest-first order (tests/test_workers.py checks the two indexes byte for byte).
        """
        plan: list[list[int]] = []
        for first in range(0, len(texts), TOKENIZE_WINDOW):
            window = self.tokenizer.encode_batch(list(texts[first : first + TOKENIZE_WINDOW]))
            lengths = {i: len(e.ids) for i, e in enumerate(window, first)}
            plan += _forward_batches(lengths, batch_size)
        return plan

    def encode_queries(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return self.encode(texts, batch_size=batch_size)[0]

    def _pool(self, states: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import numpy as np

        if self.config.pooling == "cls":
            vecs = states[:, 0, :]
        else:
            m = mask[..., None].astype(np.float32)
            vecs = (states * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return _normalize(vecs) if self.config.normalize else vecs.astype(np.float32)

    def _pool_spans(self, states: np.ndarray, encoding: object, spans: Sequence[tuple[int, int]]) -> np.ndarray:
        """Mean of the token states whose characters fall inside each span ("late chunking")."""
        import numpy as np

        offsets = np.asarray(encoding.offsets, dtype=np.int64)  # type: ignore[attr-defined]
        special = np.asarray(encoding.special_tokens_mask, dtype=bool)  # type: ignore[attr-defined]
        result = np.zeros((len(spans), states.shape[-1]), dtype=np.float32)
        for k, (s, e) in enumerate(spans):
            inside = (~special) & (offsets[:, 0] >= s) & (offsets[:, 1] <= e) & (offsets[:, 1] > offsets[:, 0])
            if inside.any():
                result[k] = states[inside].mean(axis=0)
            else:  # span beyond the truncated window: fall back to the whole text
                result[k] = states[~special].mean(axis=0) if (~special).any() else states.mean(axis=0)
        return _normalize(result)


def _normalize(vecs: np.ndarray) -> np.ndarray:
    import numpy as np

    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return (vecs / np.maximum(norms, 1e-12)).astype(np.float32)
