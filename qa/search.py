"""Dense and BM25 retrieval, fused into one ranking of chunks (whichever store holds the index: qa.stores).

Fusion: each retriever contributes its top ``pool`` chunks; every chunk in the union gets both scores (cosine from
its stored vector, BM25 from the sparse index), each min-max normalized over the union, and the fused score is
``w * dense + (1 - w) * bm25``. The weight was chosen on SQuAD dev (see NOTES.md, "Fusion trial").
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qa.aliases import Aliases
from qa.embedder import Embedder

if TYPE_CHECKING:
    import numpy as np

    from qa.stores.base import Store, Version

METHODS = ("fused", "dense", "bm25")
DENSE_WEIGHT = 0.5
POOL = 50
_WORD = re.compile(r"\w\w+", re.UNICODE)
# Question words and auxiliaries carry no content; questions drop them beside bm25s's longer English list.
QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how did does do done was were is are am been being has have had "
    "can could would should will shall may might must name named called kind type according".split()
)


@dataclass(frozen=True)
class Candidate:
    """A retrieved chunk with its raw and fused scores."""

    chunk_id: int
    dense: float  # cosine between question and chunk
    bm25: float  # raw BM25 score
    fused: float  # the method's ranking score, 0..1 over the pool
    coverage: float  # share of the question's IDF mass whose terms occur in the chunk


@dataclass(frozen=True)
class Query:
    text: str
    vector: np.ndarray
    terms: tuple[str, ...]  # stemmed, stopwords removed, with alias expansions (for BM25)
    weights: dict[str, float]  # idf of each of the question's own terms
    alias_pairs: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()  # (terms of a form, terms of its alias)
    dense_ids: tuple[int, ...] | None = None  # nearest chunks, when searched in a batch with other questions

    def matched(self, terms: set[str]) -> set[str]:
        """``terms`` plus the question terms they stand for through an alias (a sentence saying "CDSB" matches
        a question saying "Coastal Drone Safety Board")."""
        out = set(terms)
        for form, other in self.alias_pairs:
            if other <= out:
                out |= form
        return out


class Searcher:
    """An opened index: what ``ask`` needs, loaded once."""

    def __init__(self, version: Version, embedder: Embedder) -> None:
        import Stemmer  # deferred with bm25s: only an opened index needs them

        self.version = version
        self.embedder = embedder
        self.stemmer = Stemmer.Stemmer("english")
        self.aliases = Aliases(version.db.execute("SELECT short, long, count, seen FROM aliases").fetchall())
        self.n_docs = int(version.manifest["chunks"])
        self._df: dict[str, int] = {}  # document frequencies asked of the store so far (a term unknown to it: 0)
        from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_EN_PLUS

        # BM25 keeps the index's own short list (plus question words); term overlap, which judges whether a
        # passage says what the question asks, ignores the longer list of function words too.
        self._stop = set(STOPWORDS_EN) | QUESTION_WORDS
        self._function = set(STOPWORDS_EN_PLUS) | QUESTION_WORDS

    @classmethod
    def open(cls, where: Path | Store) -> Searcher:
        """A searcher over the live version of a store (an index folder is the local store)."""
        from qa.stores import local_store

        return cls.of((local_store(where) if isinstance(where, Path) else where).open())

    @classmethod
    def of(cls, version: Version) -> Searcher:
        """A searcher over an opened version (closed here if its model cannot be loaded)."""
        try:
            # Questions are short: one thread encodes one about as fast as two (warm ask p50 16.97 ms on one, 16.77
            # on two, interleaved), and leaves the other core to the reader while a question file's next batch is
            # encoded (about 1 ms less CPU a question, ask_stream 4-8 % faster in two interleaved A/Bs on BBC).
            embedder = Embedder(version.model_folder(), threads=1)
        except Exception:
            version.close()
            raise
        return cls(version, embedder)

    def close(self) -> None:
        self.version.close()

    # -- queries ------------------------------------------------------------------------------------------
    def expand(self, question: str) -> tuple[str, list[tuple[str, str]]]:
        """The question with the corpus's other forms of its acronyms and names appended, and those pairs."""
        pairs = self.aliases.expansions(question)
        text = f"{question} ({'; '.join(other for _, other in pairs)})" if pairs else question
        return text, pairs

    def terms(self, text: str, content_only: bool = False) -> list[str]:
        return self.terms_many([text], content_only)[0]

    def terms_many(self, texts: Sequence[str], content_only: bool = False) -> list[list[str]]:
        """``terms`` of many texts, stemmed in one call (the stemmer's per-call cost dominates for sentences)."""
        stop = self._function if content_only else self._stop
        words = [[w for w in _WORD.findall(text.lower()) if w not in stop] for text in texts]
        stems = self.stemmer.stemWords([w for ws in words for w in ws])
        out, at = [], 0
        for ws in words:
            out.append(stems[at : at + len(ws)])
            at += len(ws)
        return out

    def idf(self, term: str) -> float:
        """BM25's IDF; a term the articles never use gets the highest, since its absence says the most."""
        df = self._df.get(term)
        if df is None:
            df = self.learn_terms([term])[term]
        return math.log(1 + (self.n_docs - float(df) + 0.5) / (float(df) + 0.5))

    def learn_terms(self, terms: Sequence[str]) -> dict[str, int]:
        """The document frequency of each term, asking the store in one call for those not asked before.

        Safe beside another thread doing the same (a question file prepares its next batch while a conversation's
        turn is asked): the cache is read once per term and, when full, replaced rather than emptied in place."""
        cache = self._df
        out: dict[str, int] = {}
        new = []
        for t in dict.fromkeys(terms):
            df = cache.get(t)
            if df is None:
                new.append(t)
            else:
                out[t] = df
        if new:
            found = self.version.doc_freqs(new)
            fresh = {t: found.get(t, 0) for t in new}
            if len(cache) > 200_000:  # a long-running server meets many words: keep the cache bounded
                self._df = cache = {}
            cache.update(fresh)
            out.update(fresh)
        return out

    def queries(self, questions: Sequence[str], batch_size: int = 16) -> list[Query]:
        """Questions -> Queries, encoded together and searched in one FAISS call.

        Small encoder batches: the texts are sorted by length, and a question with alias expansions is several
        times longer than most, so wide batches pay for padding (64 -> 16 halved encoding time on BBC questions).
        """
        expanded = [self.expand(q) for q in questions]
        vectors = self.embedder.encode([text for text, _ in expanded], batch_size=batch_size)[0]
        self.learn_terms([t for q in questions for t in self.terms(q, content_only=True)])
        result = []
        for question, (text, pairs), vec in zip(questions, expanded, vectors, strict=True):
            own = tuple(dict.fromkeys(self.terms(question)))
            terms = tuple(dict.fromkeys(own + tuple(self.terms(text)))) if pairs else own
            alias_pairs = tuple((frozenset(self.terms(a)), frozenset(self.terms(b))) for a, b in pairs)
            weights = {t: self.idf(t) for t in dict.fromkeys(self.terms(question, content_only=True))}
            result.append(Query(question, vec, terms, weights, alias_pairs))
        nearest = self.dense_search(vectors)
        return [dataclasses.replace(q, dense_ids=ids) for q, ids in zip(result, nearest, strict=True)]

    # -- retrieval ----------------------------------------------------------------------------------------
    def dense_search(
        self, vectors: np.ndarray, pool: int = POOL, allowed: np.ndarray | None = None
    ) -> list[tuple[int, ...]]:
        """Nearest chunk ids for many query vectors in one call to the store (FAISS: one matrix product).

        ``allowed``: a boolean mask over chunk ids; only those are searched (inside the search, so the pool fills
        with allowed chunks).
        """
        if self.n_docs == 0 or len(vectors) == 0:
            return [() for _ in range(len(vectors))]
        return self.version.dense_search(vectors, min(pool, self.n_docs), allowed)

    def bm25_scores(self, query: Query) -> np.ndarray:
        """BM25 of every chunk for ``query`` (tests and tools; ``retrieve`` asks the store for its top only)."""
        return self.version.bm25_scores(query.terms)

    def chunk_vectors(self, ids: Sequence[int]) -> np.ndarray:
        return self.version.chunk_vectors(ids)

    def retrieve(
        self,
        query: Query,
        method: str = "fused",
        pool: int = POOL,
        limit: int | None = None,
        allowed: np.ndarray | None = None,
        include: Sequence[int] = (),
    ) -> list[Candidate]:
        """Candidates ranked by ``method``, best first (at most ~2 x pool, or the best ``limit``).

        ``allowed``: a boolean mask over chunk ids (filters); both retrievers search only those chunks.
        ``include``: chunk ids scored and ranked with the pool whether or not either retriever found them (the
        passages of the articles a conversation is about); those outside ``allowed`` are not.
        """
        import numpy as np

        if self.n_docs == 0:
            return []
        pool = min(pool, self.n_docs)
        ids: set[int] = set()
        if method in ("fused", "dense"):
            nearest = query.dense_ids if allowed is None else None
            if nearest is None or len(nearest) < pool:
                nearest = tuple(self.dense_search(query.vector[None, :], pool, allowed)[0])
            ids.update(i for i in nearest[:pool] if i >= 0)
        ids.update(i for i in include if allowed is None or (0 <= i < len(allowed) and allowed[i]))
        lexical = self.version.bm25(query.terms, pool if method in ("fused", "bm25") else 0, allowed, sorted(ids))
        ids.update(lexical.top)
        if not ids:
            return []
        order = sorted(ids)
        dense = self.chunk_vectors(order) @ query.vector
        bm = lexical.score_of(order)
        fused = _fuse(dense, bm, method)
        ranked = np.argsort(-fused, kind="stable")[:limit].tolist()
        top = [order[j] for j in ranked]
        coverage = self.coverage(query, top)
        d, b, f = dense.tolist(), bm.tolist(), fused.tolist()
        return [Candidate(cid, d[j], b[j], f[j], cov) for cid, j, cov in zip(top, ranked, coverage, strict=True)]

    def coverage(self, query: Query, chunk_ids: Sequence[int]) -> list[float]:
        """IDF-weighted share of question terms present in each chunk (an absolute, corpus-aware overlap)."""
        import numpy as np

        total = sum(query.weights.values())
        if not total:
            return [0.0] * len(chunk_ids)
        wanted = np.asarray(chunk_ids, dtype=np.int64)
        vocab = set(query.weights)
        for form, other in query.alias_pairs:
            vocab |= form | other
        present = self.version.present(sorted(vocab), chunk_ids)
        if not query.alias_pairs:  # the common case, as one weighted sum over terms
            mass = np.zeros(len(wanted))
            for term, hit in present.items():
                mass += query.weights.get(term, 0.0) * hit
            return (mass / total).tolist()
        scores = []
        for j in range(len(wanted)):
            terms = query.matched({t for t, hit in present.items() if hit[j]})
            scores.append(sum(w for t, w in query.weights.items() if t in terms) / total)
        return scores


def _minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = float(x.min()), float(x.max())
    return (x - lo) / (hi - lo) if hi > lo else (x > 0).astype(x.dtype) if hi > 0 else x * 0


def _fuse(dense: np.ndarray, bm: np.ndarray, method: str) -> np.ndarray:
    if method == "dense":
        return dense
    if method == "bm25":
        return bm
    return DENSE_WEIGHT * _minmax(dense) + (1 - DENSE_WEIGHT) * _minmax(bm)
