"""BM25 at archive scale: 1,000,000 synthetic passages through the store's real bm25s path.

Passages are ~40 words sampled from the BBC vocabulary with a Zipf distribution over frequency rank (so common words
have long posting lists, as in news text). The index is written by ``qa.build.write_bm25`` and read by
``qa.store._load_bm25``, and queries are scored as ``qa.search`` does: ``get_scores_from_ids`` over the whole
collection, then the top 50 by ``argpartition``. bm25s's own ``retrieve(k=50)`` is the baseline for query time.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from bench.common import BBC_INDEX, WORK, Row, bbc_seeds, gb, judged, median, percentile, python_rss, say

N = 1_000_000
WORDS = 40
ZIPF = 1.05
SEED = 7
QUERIES = 500


def vocabulary() -> list[str]:
    """BBC words by descending frequency."""
    from collections import Counter

    counts: Counter[str] = Counter()
    for path in sorted(bbc_seeds().rglob("*.txt")):
        counts.update(re.findall(r"[a-z][a-z'-]+", path.read_bytes().decode("utf-8", "replace").lower()))
    return [w for w, _ in counts.most_common()]


def _probabilities(n: int):  # type: ignore[no-untyped-def]
    import numpy as np

    p = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** ZIPF
    return p / p.sum()


def passages(n: int = N, seed: int = SEED) -> list[str]:
    import numpy as np

    vocab = np.array(vocabulary(), dtype=object)
    rng = np.random.default_rng(seed)
    p = _probabilities(len(vocab))
    lengths = rng.integers(WORDS - 10, WORDS + 11, n)
    words = vocab[rng.choice(len(vocab), size=int(lengths.sum()), p=p)]
    ends = np.cumsum(lengths)
    return [" ".join(words[e - k : e]) for e, k in zip(ends, lengths, strict=True)]


def queries(k: int = QUERIES, seed: int = SEED + 1) -> list[str]:
    """Questions of 3-8 words drawn from the same distribution (stopwords fall away as they would)."""
    import numpy as np

    vocab = np.array(vocabulary(), dtype=object)
    rng = np.random.default_rng(seed)
    p = _probabilities(len(vocab))
    return [" ".join(vocab[rng.choice(len(vocab), size=int(rng.integers(3, 9)), p=p)]) for _ in range(k)]


def build(folder: Path, fresh: bool) -> tuple[float, dict[str, object]]:
    """(seconds for write_bm25, meta); cached in bench/work/bm25 unless ``fresh``."""
    from qa import build as qa_build

    meta_path = folder / "built.json"
    key = {"n": N, "words": WORDS, "zipf": ZIPF, "seed": SEED}
    if not fresh and meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("key") == key:
            say(f"reusing the BM25 index built {meta['built_at']} (pass --fresh to rebuild)")
            return float(meta["seconds"]), meta
    say(f"generating {N:,} passages")
    texts = passages()
    say("building BM25 with qa.build.write_bm25 (minutes)")
    started = time.perf_counter()
    qa_build.write_bm25(folder / "bm25", texts)
    seconds = time.perf_counter() - started
    meta = {"key": key, "seconds": seconds, "built_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    meta_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return seconds, meta


_QUERY = """
import json, sys, time
import numpy as np
sys.path.insert(0, {repo!r})
import Stemmer
from bm25s.stopwords import STOPWORDS_EN
from pathlib import Path
from qa import store
from bench.bm25 import queries
bm25 = store._load_bm25(Path({folder!r}))
stemmer, stop = Stemmer.Stemmer("english"), set(STOPWORDS_EN)
vocab = bm25.vocab_dict
ours, theirs = [], []
for q in queries():
    terms = stemmer.stemWords([w for w in q.split() if w not in stop])
    t = time.perf_counter()
    ids = [vocab[w] for w in terms if w in vocab]
    if not ids:
        continue  # every word a stopword or unseen: qa.search asks nothing of BM25 then
    scores = bm25.get_scores_from_ids(ids)
    top = np.argpartition(-scores, 49)[:50]
    ours.append(time.perf_counter() - t)
    t = time.perf_counter()
    bm25.retrieve([[w for w in terms if w in vocab]], k=50, show_progress=False, n_threads=1)
    theirs.append(time.perf_counter() - t)
print(json.dumps({{"ours": ours, "theirs": theirs}}))
"""

_BOTH = """
import faiss
from pathlib import Path
from qa import store
from qa.embedder import Embedder
index = faiss.read_index({ann!r})
bm25 = store._load_bm25(Path({folder!r}))
version = store.Version.open(Path({bbc!r}))
embedder = Embedder(store.model_dir(version.root, version.manifest["model_key"]))
embedder.encode(["who won the election?"])
"""


def run(fresh: bool = False, context: dict | None = None) -> list[Row]:
    folder = WORK / "bm25"
    folder.mkdir(parents=True, exist_ok=True)
    bbc_seeds()
    seconds, meta = build(folder, fresh)
    repo = str(Path(__file__).resolve().parent.parent)
    say("bm25: querying in a fresh process")
    rss, stdout = python_rss(_QUERY.format(repo=repo, folder=str(folder / "bm25")))
    times = json.loads(stdout)
    base, _ = python_rss("import numpy, bm25s, Stemmer\n")
    ours, theirs = times["ours"], times["theirs"]
    rows = [
        Row("bm25", f"write_bm25, {N // 1_000_000}M passages x ~{WORDS} words", seconds, "s",
            note=f"built {meta['built_at']}; tokenize (stem, stopwords) + index + save"),
        Row("bm25", "query p50: get_scores_from_ids + top 50 (qa.search)", median(ours) * 1000, "ms",
            median(theirs) * 1000, "bm25s retrieve(k=50) p50", note=f"{len(ours)} queries of 3-8 words"),
        Row("bm25", "query p99", percentile(ours, 99) * 1000, "ms", percentile(theirs, 99) * 1000, "bm25s p99"),
        Row("bm25", "RSS, fresh process with the BM25 index loaded", gb(rss), "GB", gb(base), "python+bm25s"),
    ]  # fmt: skip
    ann = WORK / "ann" / "vectors.faiss"
    if ann.is_file():
        say("bm25: memory with the 1M HNSW index, the 1M BM25 index and the query model loaded together")
        both, _ = python_rss(_BOTH.format(ann=str(ann), folder=str(folder / "bm25"), bbc=str(BBC_INDEX)))
        rows.append(
            judged(
                Row(
                    "memory",
                    "RSS at 1M passages: HNSW + BM25 + model",
                    gb(both),
                    "GB",
                    gb(base),
                    "python+bm25s",
                    "value <= 2.5",
                    note="what `qa ask` holds for a 1M-chunk index (sentence vectors are mmapped)",
                )
            )
        )
    return rows
