"""Cold start: `qa ask` in a fresh process against `import sentence_transformers`, both timed in this run.

Also checked here, since they are what makes the cold start cheap: the query path never imports torch,
transformers or sentence-transformers (seen in ``sys.modules`` after a real ``qa ask``), its slowest imports
(``python -X importtime``), its peak memory, and that the ONNX query vectors equal ``SentenceTransformer.encode``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from bench.common import (
    PEAK_RSS,
    PYTHON,
    QA,
    Row,
    bbc_index,
    bbc_questions,
    bbc_seeds,
    chunk_texts,
    interleaved,
    judged,
    mb,
    median,
    peak_rss,
    qa_env,
    say,
)

QUESTION = "Who won the Australian Open?"
REPEATS = 3
FORBIDDEN = ("torch", "transformers", "sentence_transformers")

_ASK_IN_PROCESS = """
import sys, json
sys.argv = ["qa", "ask", {question!r}]
from qa.cli import main
try:
    main()
except SystemExit:
    pass
heavy = sorted(m for m in {forbidden!r} if m in sys.modules)
sys.stderr.write("BENCH MODULES " + json.dumps({{"heavy": heavy, "count": len(sys.modules)}}) + "\\n")
"""

_EQUIVALENCE = """
import json, sys
import numpy as np
from pathlib import Path
from qa import store
from qa.embedder import Embedder
from qa.models import resolve_model
from sentence_transformers import SentenceTransformer
texts = json.loads(Path({texts!r}).read_text())
version = store.Version.open(Path({index!r}))
embedder = Embedder(store.model_dir(version.root, version.manifest["model_key"]))
model = SentenceTransformer(str(resolve_model(version.manifest["model"])), device="cpu")
ref = model.encode(texts, batch_size=32, convert_to_numpy=True)
ref = ref / np.linalg.norm(ref, axis=1, keepdims=True)
def deviation(vecs):
    vecs = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    return float(np.max(1.0 - np.sum(vecs * ref, axis=1)))
out = {{"query_fp32": deviation(embedder.encode(texts)[0]), "documents_int8": deviation(embedder.encode_documents(texts)[0])}}
print(json.dumps(out))
"""


def _equivalence(index: Path, work: Path) -> dict[str, float]:
    """Max (1 - cosine) between our vectors and SentenceTransformer.encode over 100 BBC sentences + 100 questions."""
    import random

    sentences = [t.split(". ")[0] for t in chunk_texts(index)]
    rng = random.Random(3)
    texts = rng.sample(sentences, 100) + bbc_questions(100)
    path = work / "equivalence-texts.json"
    path.write_text(json.dumps(texts), encoding="utf-8")
    proc = subprocess.run(
        [PYTHON, "-c", _EQUIVALENCE.format(texts=str(path), index=str(index))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"equivalence check failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _query_path(env: dict[str, str]) -> tuple[list[str], int, dict[str, int], list[tuple[float, str]]]:
    """Run one real ask in-process under -X importtime: heavy modules loaded, module count, RSS, slowest imports."""
    code = PEAK_RSS + _ASK_IN_PROCESS.format(question=QUESTION, forbidden=FORBIDDEN)
    proc = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", code], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"qa ask failed: {proc.stderr[-2000:]}")
    info = {"heavy": ["?"], "count": 0}
    slow: list[tuple[float, str]] = []
    for line in proc.stderr.splitlines():
        if line.startswith("BENCH MODULES "):
            info = json.loads(line[len("BENCH MODULES ") :])
        elif line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if not name.startswith("  "):  # top-level imports only: their cumulative times do not overlap
                try:
                    slow.append((int(cumulative) / 1000, name.strip()))
                except ValueError:
                    continue
    slow.sort(reverse=True)
    return info["heavy"], info["count"], peak_rss(proc.stderr), slow


def run(fresh: bool = False, context: dict | None = None) -> list[Row]:
    index = bbc_index()
    env = qa_env(bbc_seeds(), index)
    say("cold: warming the page cache, then timing qa ask and import sentence_transformers in turn")
    commands = {
        "ask": ([QA, "ask", QUESTION], env),
        "st": ([PYTHON, "-c", "import sentence_transformers"], None),
    }
    interleaved(commands, 1)  # warm-up: both read their files from disk once
    times = interleaved(commands, REPEATS)
    ask, st = median(times["ask"]), median(times["st"])
    heavy, count, rss, slow = _query_path(env)
    imports = sum(ms for ms, _ in slow)
    say("cold: comparing ONNX query vectors with SentenceTransformer.encode")
    dev = _equivalence(index, index.parent)
    top = ", ".join(f"{name} {ms:.0f}" for ms, name in slow[:6])
    return [
        judged(Row("cold", "qa ask, fresh process (median of 3)", ask, "s", st, "import sentence_transformers",
                   "ratio <= 0.25", note=f"runs {', '.join(f'{t:.2f}' for t in times['ask'])}")),
        judged(Row("cold", "torch/transformers/sentence_transformers imported by qa ask", len(heavy), "modules",
                   target="value <= 0", note=(", ".join(heavy) or "none") + f"; {count} modules in all")),
        Row("cold", "top-level import time of qa ask (-X importtime)", imports, "ms", ask * 1000, "qa ask wall",
            note=f"slowest (ms): {top}"),
        Row("cold", "RSS of qa ask (peak), BBC index", mb(rss), "MB"),
        judged(Row("cold", "query vectors vs SentenceTransformer.encode, max 1-cos", dev["query_fp32"], "",
                   target="value <= 1e-4", note="200 texts: 100 BBC sentences, 100 questions; fp32 ONNX")),
        Row("cold", "int8 document vectors vs SentenceTransformer.encode, max 1-cos", dev["documents_int8"], "",
            note="same texts; indexing only, quality in `bench quality`"),
    ]  # fmt: skip
