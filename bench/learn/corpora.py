"""The training collections, indexed once under bench/work/learn with the shipped build code.

SQuAD 1.1 train: a fixed-seed sample of its 442 articles (none of them in SQuAD 1.1 dev), each article's paragraphs
joined as `qa eval squad` joins them. The index is built by the real build (chunking, int8 embedding, BM25, aliases),
so the features the training sees are the ones answering computes.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import replace
from pathlib import Path

from qa import store
from qa.evaluation import corpus
from qa.evaluation.datasets import SpanDataset, load_squad
from qa.search import Searcher
from qa.settings import Settings

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SQUAD_TRAIN = DATA / "squad-v1.1-train" / "train-v1.1.reconstructed.json.gz"
SQUAD2_DEV = DATA / "squad-v2.0-dev" / "dev-v2.0.reconstructed.json.gz"
WORK = Path(__file__).resolve().parents[1] / "work" / "learn"
SEED = 20261130


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def squad_train_sample(articles: int, seed: int = SEED) -> SpanDataset:
    """``articles`` articles of SQuAD 1.1 train drawn with a fixed seed, with all their questions."""
    data = load_squad(SQUAD_TRAIN)
    rng = random.Random(seed)
    chosen = sorted(rng.sample(range(len(data.articles)), articles))
    kept = tuple(data.articles[i] for i in chosen)
    sources = {a.source for a in kept}
    return SpanDataset(kept, tuple(q for q in data.questions if q.source in sources))


def squad2_split(dataset: SpanDataset) -> tuple[set[str], set[str], set[str]]:
    """SQuAD 2.0 dev's articles as (the reader's, the confidence model's, held out): the first half of the articles
    is fitted on, alternately by the reader (bench/learn/reader.py) and the confidence model (bench/learn/train.py),
    so neither is fitted on questions the other has learned; the second half is only ever reported on."""
    half = (len(dataset.articles) + 1) // 2
    fit = [a.source for a in dataset.articles[:half]]
    return set(fit[0::2]), set(fit[1::2]), {a.source for a in dataset.articles[half:]}


def open_index(name: str, dataset: SpanDataset, progress=corpus._no_progress) -> Searcher:
    """A searcher over the dataset's articles, built into bench/work/learn/NAME on first use."""
    root = WORK / name
    if not corpus._ready(root):
        settings = replace(Settings(), index=root)
        with store.build_lock(root):
            store.collect_garbage(root)
            corpus._build(root, dataset.articles, settings, corpus.ChunkerSettings(), progress)
    return Searcher.open(root)


if __name__ == "__main__":
    import time

    t = time.time()
    ds = squad_train_sample(150)
    print(len(ds.articles), "articles", len(ds.questions), "questions")
    s = open_index("squad-train-150", ds, lambda stage, d, n: None)
    print("chunks", s.n_docs, f"{time.time() - t:.0f}s")
