"""Fine-tune the answer reader: ``python -m bench.learn.reader [--questions N] [--check]``.

The reader reads a question with one sentence and says where in the sentence the answer is, or that the sentence
does not hold one (the [CLS] position). The embedding model qa already ships (all-MiniLM-L6-v2's
int8 export, its first ``qa.reader.BASE_LAYERS`` layers) reads the pair, frozen; a head (``qa.reader.HEAD``) is
trained on its token states to score each word piece as the answer's start and end, and exported to ONNX
(``qa/learn/reader.onnx``), with a manifest of the data it saw (``qa/learn/reader.json``). The head is the base
model's next layer (``from_layers``), started from the weights in the model's safetensors file and fine-tuned, then
a span layer; with ``layers``/``dim`` instead, small layers trained from scratch.

Data (../shared/data, SOURCES.md section 5): SQuAD 1.1 train only, never SQuAD 1.1 dev or our own question sets.
Questions are drawn with a fixed seed, whole articles apart for validation. For each question:
- a positive pair: the sentence of its article (qa's own sentence splitter) that holds the first gold answer, with
  the answer's token span as the target;
- (articles that bench/learn/train.py fits the sentence and confidence models on are left out);
- a negative pair: the sentence of the same article, other than that one, sharing most words with the question
  (the sentence a lexical ranker would pick wrongly), with [CLS] as the target;
- a second negative from another article: the sentence of the pool that BM25 ranks first for the question among
  other articles' sentences (a nearby topic without the fact, as an unanswerable question over news gets).
And SQuAD 2.0 dev's unanswerable questions of the reader's share of its first half (``corpora.squad2_split``; written
to have a plausible answer nearby), each with its article's most lexically similar sentence as a negative, repeated
ADVERSARIAL_REPEAT times. The second half is never seen (``python -m bench.learn.squad2`` reports on it).

Runs in about an hour on two cores. ``--check`` trains on a small slice and checks that the shipped manifest names
the same data files, seed and recipe, without writing.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.learn.corpora import SEED, SQUAD2_DEV, SQUAD_TRAIN, sha256, squad2_split, squad_train_sample
from bench.learn.train import ARTICLES as LINEAR_ARTICLES
from qa.chunking import split_sentences
from qa.evaluation.datasets import load_squad
from qa.learn.linear import HERE
from qa.models import resolve_model
from qa.reader import BASE_LAYERS, HEAD

HEAD_INPUT = HEAD["input"]

MODEL = "all-MiniLM-L6-v2"
QUESTIONS = 60_000
VALIDATION_ARTICLES = 20
MAX_QUESTION = 40  # word pieces of the question kept
MAX_LENGTH = 160  # word pieces of the pair
EPOCHS = 2
ADVERSARIAL_REPEAT = 3
NEGATIVES_SHOWN = 0.2  # share of sentences that do not answer whose best span is still shown as a short answer
BATCH = 32
LR = 1e-3
WARMUP = 0.06
RECIPE = {
    "base": MODEL, "max_question": MAX_QUESTION, "max_length": MAX_LENGTH, "batch": BATCH, "lr": LR,
    "warmup": WARMUP, "head": HEAD, "base_layers": BASE_LAYERS, "negatives": "hardest lexical sentence of the same article, one per question",
    "cross_negatives": "BM25's first sentence from another article, one per question",
    "adversarial": "SQuAD 2.0 dev unanswerable, the reader's share of the first half, hardest lexical sentence",
    "adversarial_repeat": ADVERSARIAL_REPEAT, "head_weights": "int8, onnxruntime quantize_dynamic QInt8",
}  # fmt: skip
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Pair:
    question: str
    sentence: str
    answer: tuple[int, int] | None  # character span in the sentence; None: the sentence does not answer


def _hardest(text: str, spans, question: str, skip=None) -> tuple[int, int] | None:
    """The sentence (at least 20 characters, not ``skip``) sharing most words with the question."""
    words = {w.lower() for w in _WORD.findall(question) if len(w) > 2}
    best, best_overlap = None, -1
    for span in spans:
        if span == skip or span[1] - span[0] < 20:
            continue
        overlap = len(words & {w.lower() for w in _WORD.findall(text[span[0] : span[1]])})
        if overlap > best_overlap:
            best, best_overlap = span, overlap
    return best


def cross_negatives(dataset, questions) -> list[Pair]:
    """For each question, BM25's first sentence among the other articles' sentences of the pool (the articles of
    ``questions``), as a pair that does not answer."""
    import bm25s
    import Stemmer

    texts = {a.source: a.text for a in dataset.articles}
    pool: list[tuple[str, str]] = []
    for source in sorted({q.source for q in questions}):
        text = texts[source]
        pool.extend((source, text[s:e]) for s, e in split_sentences(text) if e - s >= 20)
    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([t for _, t in pool], stopwords="en", stemmer=stemmer, show_progress=False),
                    show_progress=False)  # fmt: skip
    found, _ = retriever.retrieve(
        bm25s.tokenize([q.question for q in questions], stopwords="en", stemmer=stemmer, show_progress=False),
        k=min(8, len(pool)), show_progress=False, n_threads=1,
    )
    out = []
    for q, hits in zip(questions, found, strict=True):
        other = next((int(h) for h in hits if pool[int(h)][0] != q.source), None)
        if other is not None:
            out.append(Pair(q.question, pool[other][1], None))
    return out


def adversarial(dataset, sources: set[str]) -> list[Pair]:
    """SQuAD 2.0's unanswerable questions of ``sources``, each with its article's most similar sentence."""
    texts = {a.source: a.text for a in dataset.articles}
    spans = {s: split_sentences(texts[s]) for s in sources}
    out = []
    for q in dataset.questions:
        if q.answers or q.source not in sources:
            continue
        best = _hardest(texts[q.source], spans[q.source], q.question)
        if best is not None:
            out.append(Pair(q.question, texts[q.source][best[0] : best[1]], None))
    return out


def pairs_for(dataset, questions) -> list[Pair]:
    """A positive and a hard negative pair for each question whose first answer sits inside one sentence."""
    texts = {a.source: a.text for a in dataset.articles}
    sentences: dict[str, list[tuple[int, int]]] = {}
    out: list[Pair] = []
    for q in questions:
        text = texts[q.source]
        spans = sentences.get(q.source)
        if spans is None:
            spans = sentences[q.source] = split_sentences(text)
        s0, e0 = q.answers[0]
        gold = next(((s, e) for s, e in spans if s <= s0 and e0 <= e), None)
        if gold is None:
            continue
        s, e = gold
        out.append(Pair(q.question, text[s:e], (s0 - s, e0 - s)))
        best = _hardest(text, spans, q.question, skip=gold)
        if best is not None:
            out.append(Pair(q.question, text[best[0] : best[1]], None))
    return out


def encode(tokenizer, pairs: list[Pair]) -> tuple[list[tuple[list[int], list[int], int, int]], list[int]]:
    """(ids, type ids, start token, end token) per pair, and the pairs kept (answers cut off are dropped)."""
    out = []
    kept = []
    encodings = tokenizer.encode_batch([(p.question, p.sentence) for p in pairs])
    for k, (p, enc) in enumerate(zip(pairs, encodings, strict=True)):
        start = end = 0
        if p.answer is not None:
            start = end = -1
            for t, (seq, (cs, ce)) in enumerate(zip(enc.sequence_ids, enc.offsets, strict=True)):
                if seq != 1:
                    continue
                if start < 0 and cs <= p.answer[0] < ce:
                    start = t
                if cs < p.answer[1] <= ce:
                    end = t
            if start < 0 or end < start:
                continue
        out.append((enc.ids, enc.type_ids, start, end))
        kept.append(k)
    return out, kept


def base_model() -> tuple[Path, str]:
    """The shipped export of the base model (written to the per-user cache as ``qa index build`` does) and its key."""
    from qa.build import model_cache
    from qa.models import export_onnx, model_key

    source = resolve_model(MODEL)
    key = model_key(source)
    folder = model_cache() / key
    if not (folder / "embedder.json").is_file():
        export_onnx(source, folder, MODEL)
    return folder, key


def tokenizer_for(folder: Path):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(MAX_LENGTH, strategy="only_second")
    return tok


def _batches(rows, rng: random.Random, batch: int):
    """Batches of similar length (sorted in buckets of 50 batches), in shuffled order."""
    order = list(range(len(rows)))
    rng.shuffle(order)
    chunks = []
    bucket = batch * 50
    for b in range(0, len(order), bucket):
        part = sorted(order[b : b + bucket], key=lambda i: len(rows[i][0]))
        chunks.extend(part[i : i + batch] for i in range(0, len(part), batch))
    rng.shuffle(chunks)
    return chunks


def _tensors(rows, idx):
    import torch

    width = max(len(rows[i][0]) for i in idx)
    ids = torch.zeros((len(idx), width), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for r, i in enumerate(idx):
        n = len(rows[i][0])
        ids[r, :n] = torch.tensor(rows[i][0])
        types[r, :n] = torch.tensor(rows[i][1])
        mask[r, :n] = 1
    starts = torch.tensor([rows[i][2] for i in idx])
    ends = torch.tensor([rows[i][3] for i in idx])
    return ids, types, mask, starts, ends


def base_states(folder: Path, pairs: list[Pair], rows_of: list[int], log=print) -> list[np.ndarray]:
    """The frozen base model's token states (float16) of each encoded pair, through the shipped int8 export."""
    from qa.reader import Reader

    reader = Reader.open(folder, head=None)
    out: list[np.ndarray] = []
    began = time.time()
    step = 2048
    for b in range(0, len(rows_of), step):
        chunk = [(pairs[i].question, pairs[i].sentence) for i in rows_of[b : b + step]]
        out.extend(s.astype(np.float16) for s in reader.states(chunk))
        log(f"  base states {len(out)}/{len(rows_of)}  {len(out) / max(time.time() - began, 1e-6):.0f} pairs/s")
    return out


def _head_module():
    """The head ``qa.reader.HEAD`` describes: either ``layers`` small transformer layers of ``dim`` trained from
    scratch, or (``from_layers``) the base model's own next layers, started from its weights and fine-tuned."""
    import torch

    from qa.reader import HEAD

    class Layer(torch.nn.Module):
        def __init__(self, d: int, heads: int, f: int, fused: bool, eps: float = 1e-5) -> None:
            super().__init__()
            self.heads = heads
            if fused:  # the from-scratch head's layout: one projection for query, key and value
                self.qkv = torch.nn.Linear(d, 3 * d)
            else:
                self.query = torch.nn.Linear(d, d)
                self.key = torch.nn.Linear(d, d)
                self.value = torch.nn.Linear(d, d)
            self.out = torch.nn.Linear(d, d)
            self.norm1 = torch.nn.LayerNorm(d, eps=eps)
            self.ff1 = torch.nn.Linear(d, f)
            self.ff2 = torch.nn.Linear(f, d)
            self.norm2 = torch.nn.LayerNorm(d, eps=eps)
            self.drop = torch.nn.Dropout(0.1)

        def forward(self, x, bias):  # type: ignore[no-untyped-def]
            b, n, d = x.shape
            h = self.heads
            if hasattr(self, "qkv"):
                q, k, v = self.qkv(x).view(b, n, 3, h, d // h).permute(2, 0, 3, 1, 4)
            else:
                q, k, v = (t(x).view(b, n, h, d // h).transpose(1, 2) for t in (self.query, self.key, self.value))
            att = (q @ k.transpose(-1, -2)) / math.sqrt(d // h) + bias
            y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d)
            x = self.norm1(x + self.drop(self.out(y)))
            return self.norm2(x + self.drop(self.ff2(torch.nn.functional.gelu(self.ff1(x)))))

    class Head(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            if HEAD.get("from_layers"):
                d = HEAD["input"]
                self.down = torch.nn.Identity()
                self.layers = torch.nn.ModuleList(
                    Layer(d, HEAD["heads"], HEAD["ffn"], fused=False, eps=1e-12) for _ in HEAD["from_layers"]
                )
                _load_base_layers(self.layers, HEAD["from_layers"])
            else:
                d = HEAD["dim"]
                self.down = torch.nn.Linear(HEAD["input"], d)
                self.layers = torch.nn.ModuleList(
                    Layer(d, HEAD["heads"], HEAD["ffn"], fused=True) for _ in range(HEAD["layers"])
                )
            self.span = torch.nn.Linear(d, 2)

        def forward(self, states, mask):  # type: ignore[no-untyped-def]
            bias = (1.0 - mask[:, None, None, :]) * -1e4
            x = self.down(states)
            for layer in self.layers:
                x = layer(x, bias)
            logits = self.span(x) + (1.0 - mask[..., None]) * -1e4
            return logits[..., 0], logits[..., 1]

    return Head()


def _load_base_layers(layers, numbers: list[int]) -> None:
    """Copy the base model's encoder layers ``numbers`` (its safetensors weights, no pickle) into ``layers``."""
    import torch
    from safetensors.numpy import load_file

    weights = load_file(str(resolve_model(MODEL) / "model.safetensors"))
    names = {
        "query": "attention.self.query", "key": "attention.self.key", "value": "attention.self.value",
        "out": "attention.output.dense", "norm1": "attention.output.LayerNorm", "ff1": "intermediate.dense",
        "ff2": "output.dense", "norm2": "output.LayerNorm",
    }  # fmt: skip
    with torch.no_grad():
        for layer, number in zip(layers, numbers, strict=True):
            for ours, theirs in names.items():
                module = getattr(layer, ours)
                module.weight.copy_(torch.from_numpy(weights[f"encoder.layer.{number}.{theirs}.weight"]))
                module.bias.copy_(torch.from_numpy(weights[f"encoder.layer.{number}.{theirs}.bias"]))


def train(rows, states: list[np.ndarray], seed: int, epochs: int, log=print):
    import torch

    torch.manual_seed(seed)
    # One thread: the head is small, and on two shared cores a second OpenMP thread spends its time waiting at
    # barriers for a descheduled partner (76 vs 19 pairs/s measured at load ~6).
    torch.set_num_threads(1)
    model = _head_module()
    model.train()
    rng = random.Random(seed)
    batches = [b for _ in range(epochs) for b in _batches(rows, rng, BATCH)]
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    total = len(batches)
    warm = max(1, int(total * WARMUP))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: min((step + 1) / warm, max(0.0, (total - step) / max(1, total - warm)))
    )
    loss_fn = torch.nn.CrossEntropyLoss()
    began = time.time()
    running = 0.0
    for step, idx in enumerate(batches):
        width = max(len(rows[i][0]) for i in idx)
        x = np.zeros((len(idx), width, HEAD_INPUT), dtype=np.float32)
        mask = np.zeros((len(idx), width), dtype=np.float32)
        for r, i in enumerate(idx):
            n = len(rows[i][0])
            x[r, :n] = states[i]
            mask[r, :n] = 1.0
        s_logits, e_logits = model(torch.from_numpy(x), torch.from_numpy(mask))
        starts = torch.tensor([rows[i][2] for i in idx])
        ends = torch.tensor([rows[i][3] for i in idx])
        loss = (loss_fn(s_logits, starts) + loss_fn(e_logits, ends)) / 2
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        running = 0.98 * running + 0.02 * loss.item() if step else loss.item()
        if step % 200 == 0 or step == total - 1:
            rate = (step + 1) * BATCH / max(time.time() - began, 1e-6)
            log(f"  step {step + 1}/{total}  loss {running:.3f}  {rate:.0f} pairs/s")
    model.eval()
    return model


def export(model, target: Path) -> None:
    """The head as ONNX: (states, mask) -> (start_logits, end_logits), its weights int8 (onnxruntime's dynamic
    quantization: a pair costs about a fifth less CPU, and pairs are read one per pass, so the activations' per-pass
    scale never depends on another pair)."""
    import tempfile

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    x = torch.zeros((2, 16, HEAD_INPUT))
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "head.onnx"
        _export_plain(model, x, plain)
        quantize_dynamic(str(plain), str(target), weight_type=QuantType.QInt8)


def _export_plain(model, x, target: Path) -> None:
    import torch

    torch.onnx.export(
        model,
        (x, torch.ones((2, 16))),
        str(target),
        input_names=["states", "mask"],
        output_names=["start_logits", "end_logits"],
        dynamic_axes={"states": {0: "batch", 1: "tokens"}, "mask": {0: "batch", 1: "tokens"},
                      "start_logits": {0: "batch", 1: "tokens"}, "end_logits": {0: "batch", 1: "tokens"}},
        opset_version=17,
        dynamo=False,
    )  # fmt: skip


def evaluate(reader, pairs: list[Pair]) -> dict[str, float]:
    """Span EM/F1 on positive pairs (the sentence holds the answer), the reader's margin above which a span is
    shown as the short answer (``min_gap``: NEGATIVES_SHOWN of the sentences that do not answer reach it), and how
    often each kind of pair reaches it."""
    from qa.evaluation.metrics import squad_exact, squad_f1

    reads = reader.read_many([(p.question, p.sentence) for p in pairs])
    negative_gaps = [r.gap for p, r in zip(pairs, reads, strict=True) if p.answer is None and r.span is not None]
    min_gap = float(np.quantile(negative_gaps, 1 - NEGATIVES_SHOWN)) if negative_gaps else 0.0
    em = f1s = shown_f1 = 0.0
    pos = neg = pos_called = neg_called = shown = 0
    for p, r in zip(pairs, reads, strict=True):
        answered = r.span is not None and r.gap >= min_gap
        if p.answer is None:
            neg += 1
            neg_called += answered
            continue
        pos += 1
        pos_called += answered
        guess = p.sentence[r.span[0] : r.span[1]] if r.span else ""
        gold = p.sentence[p.answer[0] : p.answer[1]]
        em += squad_exact(guess, gold)
        f1s += squad_f1(guess, gold)
        if answered:
            shown += 1
            shown_f1 += squad_f1(guess, gold)
    return {
        "min_gap": round(min_gap, 4),
        "span_f1_where_shown": round(shown_f1 / max(shown, 1), 4),
        "span_em": round(em / max(pos, 1), 4),
        "span_f1": round(f1s / max(pos, 1), 4),
        "positives_called_answering": round(pos_called / max(pos, 1), 4),
        "negatives_called_answering": round(neg_called / max(neg, 1), 4),
        "positives": pos,
        "negatives": neg,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.learn.reader", description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--check", action="store_true", help="train on a small slice, compare manifests, write nothing")
    parser.add_argument("--calibrate", action="store_true", help="re-measure the shipped head on validation only")
    args = parser.parse_args(argv)
    n_questions = 300 if args.check else args.questions
    folder, key = base_model()
    tokenizer = tokenizer_for(folder)
    data = load_squad(SQUAD_TRAIN)
    rng = random.Random(SEED)
    # The sentence and confidence models (bench/learn/train.py) are fitted on a sample of train articles, with the
    # reader's margin as a signal: the reader never sees those articles, so its margin there is what it would be on
    # new text.
    linear_articles = {a.source for a in squad_train_sample(LINEAR_ARTICLES).articles}
    sources = sorted({a.source for a in data.articles} - linear_articles)
    held = set(rng.sample(sources, VALIDATION_ARTICLES))
    fit_q = [q for q in data.questions if q.source not in held and q.source not in linear_articles]
    val_q = [q for q in data.questions if q.source in held]
    rng.shuffle(fit_q)
    rng.shuffle(val_q)
    fit_pairs = pairs_for(data, fit_q[:n_questions]) + cross_negatives(data, fit_q[:n_questions])
    squad2 = load_squad(SQUAD2_DEV)
    reader_articles, _, _ = squad2_split(squad2)
    hard = adversarial(squad2, reader_articles)
    fit_pairs += hard[: len(hard) if not args.check else 50] * ADVERSARIAL_REPEAT
    val_pairs = pairs_for(data, val_q[: 200 if args.check else 2000])
    if args.calibrate:
        from qa.reader import Reader

        path = HERE / "reader.json"
        shipped = json.loads(path.read_text(encoding="utf-8"))
        shipped["manifest"]["validation"] = scores = evaluate(Reader.open(folder), val_pairs)
        path.write_text(json.dumps(shipped, indent=1) + "\n", encoding="utf-8")
        print(f"reader: validation {json.dumps(scores)}")
        return 0
    rows, kept = encode(tokenizer, fit_pairs)
    print(f"reader: {len(rows)} training pairs from {n_questions} questions; {len(val_pairs)} validation pairs")
    began = time.time()
    states = base_states(folder, fit_pairs, kept)
    model = train(rows, states, SEED, args.epochs)
    minutes = (time.time() - began) / 60
    manifest = {
        "data": {
            "squad-v1.1-train": {"file": SQUAD_TRAIN.name, "sha256": sha256(SQUAD_TRAIN)},
            "squad-v2.0-dev": {"file": SQUAD2_DEV.name, "sha256": sha256(SQUAD2_DEV)},
        },
        "squad2_articles": sorted(reader_articles),
        "base": MODEL,
        "base_key": key,
        "seed": SEED,
        "questions": n_questions,
        "epochs": args.epochs,
        "training_pairs": len(rows),
        "validation_articles": sorted(held),
        "recipe": RECIPE,
    }
    import tempfile

    from qa.reader import Reader

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "reader.onnx" if args.check else HERE / "reader.onnx"
        export(model, target)
        reader = Reader.open(folder, target)
        scores = evaluate(reader, val_pairs)
        print(f"reader: trained in {minutes:.1f} min; validation {json.dumps(scores)}")
        if args.check:
            shipped = json.loads((HERE / "reader.json").read_text(encoding="utf-8"))["manifest"]
            same = {k: shipped.get(k) == manifest[k] for k in ("data", "seed", "recipe", "validation_articles")}
            print(f"reader --check: {json.dumps(same)}")
            return 0 if all(same.values()) else 1
    manifest["validation"] = scores
    manifest["train_minutes"] = round(minutes, 1)
    manifest["onnx_sha256"] = sha256(HERE / "reader.onnx")
    (HERE / "reader.json").write_text(json.dumps({"manifest": manifest}, indent=1) + "\n", encoding="utf-8")
    print(f"reader: wrote {HERE / 'reader.onnx'} and reader.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
