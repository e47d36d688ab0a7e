"""Embedding on Dask workers: ``qa index build --workers N`` (local processes) or ``--cluster tcp://HOST:PORT``.

The index is byte-identical to a one-process build. That needs care: documents go through the int8 model, whose
dynamic quantization takes each activation's scale over the whole forward batch, so a passage's vector depends on
which passages share its batch (up to 0.03 in a coordinate when the batches are cut otherwise). The work is
therefore the very forward batches ``Embedder.encode`` runs in one process (``Embedder.batch_plan``: longest first
within each tokenizing window, ``BATCH`` texts each), handed out in runs of whole batches: every forward pass on a
worker holds the same texts, padded to the same width, as in one process, and the vectors are put back in place. A
run spans many articles (their passages sorted by length), not one article each: that keeps the padding as small as
the one-process build's.

Each worker loads the ONNX model once (cached by model folder in the worker process) with one onnxruntime thread
(``QA_THREADS=1``: two processes with one thread each beat one process with two on small batches); onnxruntime
gives the same bits for any thread count, which the checksum test holds it to. A worker lost mid-run has its run
redone (Dask reschedules it, and ``RETRIES`` covers errors). Workers read the model from the index folder's path,
so on a cluster of several machines that path must be on storage every worker sees.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import ConfigError, QAError

if TYPE_CHECKING:
    import numpy as np

    from qa.embedder import Embedder

BATCH = 32  # texts per forward pass: Embedder.encode_documents' default, which the one-process build uses
BATCHES_PER_TASK = 8  # forward passes per task: small enough for an even spread and a live progress bar
RETRIES = 2
START_TIMEOUT = 60  # seconds to start local workers or reach a scheduler

_embedders: dict[tuple[str, bool], Any] = {}  # in each worker process: (model folder, int8) -> Embedder


def _encode_run(
    folder: str, int8: bool, batches: list[tuple[list[str], list[list[tuple[int, int]]]]]
) -> list[tuple[Any, Any]]:
    """On a worker: encode a run of batches (texts, spans), each as one forward pass, as one process would."""
    marker = os.environ.get("QA_TEST_KILL_WORKER")  # lets a test kill one worker mid-build, once
    if marker:
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            os._exit(9)
        except FileExistsError:
            pass
    from qa.embedder import Embedder

    embedder = _embedders.get((folder, int8))
    if embedder is None:
        embedder = _embedders[(folder, int8)] = Embedder(Path(folder))
    encode = embedder.encode_documents if int8 else embedder.encode
    # batch_size = the batch: one forward pass, its texts kept in their (longest-first) order by the stable sort
    return [encode(texts, batch_size=len(texts), spans=spans) for texts, spans in batches]


def encode_documents(
    embedder: Embedder,
    texts: Sequence[str],
    spans: Sequence[Sequence[tuple[int, int]]],
    progress: Callable[[int], None],
    workers: int = 0,
    cluster: str | None = None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """``embedder.encode_documents(texts, spans=spans)`` computed on Dask workers; the same arrays, bit for bit.

    Args:
        embedder: the build's embedder (its tokenizer orders the work; workers load the same model folder).
        texts, spans: the passages and their sentences' spans, as ``Embedder.encode_documents`` takes them.
        progress: called with the number of passages finished as each run comes back.
        workers: start a local cluster of this many processes on 127.0.0.1 (ignored with ``cluster``).
        cluster: the address of a running Dask scheduler.
    """
    import numpy as np

    from qa.embedder import int8_documents

    client, local = _connect(workers, cluster)
    try:
        n, dim = len(texts), embedder.dimension
        plan = embedder.batch_plan(texts, BATCH)  # the one-process build's forward batches
        folder, int8 = str(embedder.folder.resolve()), int8_documents()
        build = uuid.uuid4().hex[:12]  # task keys unique on a scheduler shared with other builds
        runs = {}
        for start in range(0, len(plan), BATCHES_PER_TASK):
            batches = plan[start : start + BATCHES_PER_TASK]
            work = [([texts[i] for i in idx], [list(spans[i]) for i in idx]) for idx in batches]
            future = client.submit(
                _encode_run, folder, int8, work, retries=RETRIES, pure=False, key=f"qa-embed-{build}-{start}"
            )
            runs[future.key] = (future, batches)
        out = np.zeros((n, dim), dtype=np.float32)
        span_out: list[np.ndarray] = [np.zeros((0, dim), dtype=np.float32) for _ in range(n)]
        from distributed import as_completed

        for future in as_completed([f for f, _ in runs.values()]):
            batches = runs[future.key][1]
            try:
                results = future.result()
            except Exception as exc:
                raise QAError(f"embedding on the Dask workers failed ({type(exc).__name__}: {exc})") from exc
            for idx, (vectors, span_vectors) in zip(batches, results, strict=True):
                out[idx] = vectors
                for row, i in enumerate(idx):
                    span_out[i] = span_vectors[row]
            future.release()
            progress(sum(map(len, batches)))
        return out, span_out
    finally:
        client.close()
        if local is not None:
            local.close()


def _connect(workers: int, cluster: str | None) -> tuple[Any, Any]:
    """(client, local cluster or None). Dask is imported only here: most builds never need it."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError(
            "--workers and --cluster need Dask: pip install 'dask[distributed]' (or the qa-news[cluster] extra)"
        ) from None
    quiet = logging.ERROR
    for name in ("distributed", "distributed.nanny", "distributed.scheduler", "distributed.worker"):
        logging.getLogger(name).setLevel(quiet)
    if cluster:
        try:
            return Client(cluster, timeout=START_TIMEOUT), None
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {cluster} ({exc})") from None
    local = LocalCluster(
        n_workers=max(1, workers),
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",  # loopback only: nothing leaves this machine
        dashboard_address=None,
        silence_logs=quiet,
        env={"QA_THREADS": "1", "ORT_DISABLE_TELEMETRY": "1"},
    )
    try:
        return Client(local, timeout=START_TIMEOUT), local
    except BaseException:
        local.close()
        raise
