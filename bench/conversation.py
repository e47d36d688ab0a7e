"""Follow-up reading (qa.conversation), measured three ways.

1. CANARD dev: of the content words the human rewrite adds to the question as typed, how many each reading adds
   (recall), and how many of the words it adds are among them (precision): (a) the question as typed, (b) with the
   previous question appended, (c) Conversation.read. The dialogue's page title is the conversation's topic, the
   earlier QuAC answers the turns' answers.
2. Standalone questions wrongly rewritten: each question of bench/questions/bbc.jsonl asked as the second turn after
   the line before it; any rewrite counts as wrong.
3. bench/questions/followups.jsonl against an index of the BBC archive and the seeds: hit@1 of (a) the follow-ups as
   typed, (b) their standalone forms, (c) the rewrites, with each answer's short answer and article fed back into the
   conversation, as the app does (qa.conversation.follow: the conversation's articles are preferred). Dev and
   holdout are reported separately (holdout only with --holdout).
4. What that preference costs a question that stands alone: bbc.jsonl questions asked after another article's answer.

    python -m bench.conversation [--no-index] [--holdout]
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from bench.common import DATA, ROOT, WORK, say
from qa.conversation import Conversation, follow

CANARD = DATA / "canard" / "dev.json"
QUESTIONS = ROOT / "questions"
SEEDS = WORK / "conv-seeds"
INDEX = WORK / "conv-index"
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
STOPWORDS = {
    "a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "with", "from", "by", "about", "as",
    "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "has", "have", "had", "will", "would",
    "can", "could", "should", "may", "might", "must", "shall", "what", "which", "who", "whom", "whose", "when",
    "where", "why", "how", "that", "this", "these", "those", "it", "its", "he", "she", "they", "them", "his", "her",
    "their", "him", "i", "you", "we", "me", "my", "your", "our", "us", "there", "then", "than", "so", "if", "not",
    "no", "any", "some", "all", "also", "else", "other", "after", "before", "during", "into", "over", "up", "out",
    "s", "'s", "just", "only", "very", "much", "many", "more", "most", "such", "own", "same", "too", "again",
}  # fmt: skip


def words(text: str) -> set[str]:
    """Content words: lowercased, possessive 's dropped, no stopwords."""
    out = set()
    for w in _WORD.findall(text.lower()):
        w = re.sub(r"['’]s$", "", w)
        if w and w not in STOPWORDS:
            out.add(w)
    return out


def prf(rows: Iterable[tuple[set[str], set[str]]]) -> tuple[float, float, float]:
    """Micro precision, recall and F1 of predicted against gold added words."""
    tp = pred = gold = 0
    for p, g in rows:
        tp += len(p & g)
        pred += len(p)
        gold += len(g)
    precision = tp / pred if pred else 0.0
    recall = tp / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def canard() -> dict[str, tuple[float, float, float]]:
    data = json.loads(CANARD.read_text(encoding="utf-8"))
    rows: dict[str, list[tuple[set[str], set[str]]]] = {"as typed": [], "+ previous question": [], "rewrite": []}
    changed = 0
    for item in data:
        history, question = item["History"], item["Question"]
        typed = words(question)
        gold = words(item["Rewrite"]) - typed
        title = re.sub(r"\s*\(.*?\)\s*$", "", history[0])
        talk = Conversation(topic=title)
        pairs = history[2:]
        for q, a in zip(pairs[0::2], pairs[1::2], strict=False):
            talk.add(q, talk.read(q), answer=a)
        previous = pairs[-2] if len(pairs) >= 2 else ""
        read_as = talk.read(question)
        changed += read_as is not None
        rows["as typed"].append((set(), gold))
        rows["+ previous question"].append((words(question + " " + previous) - typed, gold))
        rows["rewrite"].append((words(read_as or question) - typed, gold))
    say(f"CANARD dev: {len(data)} questions, {changed} rewritten")
    return {name: prf(r) for name, r in rows.items()}


def false_rewrites() -> tuple[int, int, list[tuple[str, str, str]]]:
    """(wrongly rewritten, asked, examples): bbc.jsonl questions as the second turn after the line before."""
    items = [json.loads(line) for line in (QUESTIONS / "bbc.jsonl").read_text(encoding="utf-8").splitlines() if line]
    wrong: list[tuple[str, str, str]] = []
    for before, item in itertools.pairwise(items):
        talk = Conversation()
        talk.add(before["question"])
        if (read_as := talk.read(item["question"])) is not None and item.get("split") == "dev":
            wrong.append((item["id"], item["question"], read_as))
        elif read_as is not None:  # holdout items are counted, never shown
            wrong.append((item["id"], "", ""))
    return len(wrong), len(items) - 1, wrong


def index() -> Path:
    """One index over a copy of the BBC sections and the seed articles, built once."""
    from bench.common import bbc_seeds

    if not (INDEX / "qa-index.json").exists():
        SEEDS.mkdir(parents=True, exist_ok=True)
        bbc = bbc_seeds()
        for section in sorted(p for p in bbc.iterdir() if p.is_dir()):
            if not (SEEDS / section.name).exists():
                shutil.copytree(section, SEEDS / section.name)
        for seed in sorted((ROOT.parent / "seeds").glob("*.txt")):
            shutil.copy2(seed, SEEDS / seed.name)
        from qa.build import build
        from qa.settings import Settings

        say("building the conversation index (several minutes) ...")
        build(Settings.from_env(seeds=SEEDS, index=INDEX))
    return INDEX


def followups(split: str, show: bool) -> dict[str, float]:
    """hit@1 of follow-ups (turn 2 on) as typed, as written standalone, and as read by Conversation."""
    from qa.session import open_answerer
    from qa.settings import Settings

    answerer = open_answerer(Settings.from_env(seeds=SEEDS, index=index()))
    items = [json.loads(line) for line in (QUESTIONS / "followups.jsonl").read_text(encoding="utf-8").splitlines()]
    items = [i for i in items if i.get("split") == split]
    by_talk: dict[str, list[dict[str, object]]] = {}
    for item in items:
        by_talk.setdefault(str(item["conversation"]), []).append(item)
    hits = {"as typed": 0, "standalone": 0, "rewrite": 0}
    rewritten = total = 0
    for turns in by_talk.values():
        talk = Conversation()
        for item in sorted(turns, key=lambda t: int(str(t["turn"]))):
            question = str(item["question"])
            result = follow(answerer, talk, question, top_k=1)
            read_as = result.read_as
            if int(str(item["turn"])) == 1:
                continue
            total += 1
            rewritten += read_as is not None
            expect = [str(e) for e in item["expect"]]  # type: ignore[attr-defined]
            for name, text in (("as typed", question), ("standalone", str(item["standalone"]))):
                hits[name] += _hit(answerer.ask(text, top_k=1), expect)
            hit = _hit(result, expect)
            hits["rewrite"] += hit
            if show:
                print(f"  {'+' if hit else '-'} {question!r} -> {read_as!r}")
    say(f"follow-ups ({split}): {total} turns, {rewritten} rewritten")
    return {name: n / total for name, n in hits.items()} | {"turns": total}


def context_cost(split: str) -> dict[str, float]:
    """What the conversation's context costs a question that stands alone: each bbc.jsonl question asked after the
    nearest earlier question about another article, with and without that question's top article as context.
    Returns hit@1 of the answerable ones and the share of unanswerable ones answered, both ways."""
    from qa.session import open_answerer
    from qa.settings import Settings

    answerer = open_answerer(Settings.from_env(seeds=SEEDS, index=index()))
    items = [json.loads(line) for line in (QUESTIONS / "bbc.jsonl").read_text(encoding="utf-8").splitlines() if line]
    alone_results = [answerer.ask(str(item["question"]), top_k=1) for item in items]
    tops = [r.answers[0].source if r.answers else None for r in alone_results]
    out = {"alone": 0.0, "in context": 0.0, "unanswerable answered alone": 0.0, "unanswerable answered in context": 0.0}
    answerable = unanswerable = 0
    for i, item in enumerate(items):
        if item.get("split") != split:
            continue
        before = next((j for j in range(i - 1, -1, -1) if items[j].get("source") != item.get("source")), None)
        context = [tops[before]] if before is not None and tops[before] else []
        alone = alone_results[i]
        talked = answerer.ask(str(item["question"]), top_k=1, context=context)
        if item.get("unanswerable"):
            unanswerable += 1
            out["unanswerable answered alone"] += alone.answered
            out["unanswerable answered in context"] += talked.answered
        else:
            answerable += 1
            expect = [str(e) for e in item["expect"]]
            out["alone"] += _hit(alone, expect)
            out["in context"] += _hit(talked, expect)
    for key in out:
        out[key] /= (unanswerable if key.startswith("unanswerable") else answerable) or 1
    return out


def _hit(result: object, expect: list[str]) -> bool:
    answers = getattr(result, "answers", ())
    return bool(answers) and any(e in answers[0].highlight for e in expect)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-index", action="store_true", help="CANARD and wrong rewrites only")
    parser.add_argument("--holdout", action="store_true", help="also report the holdout follow-ups (final runs)")
    parser.add_argument("--show", action="store_true", help="print each dev follow-up's rewrite and hit")
    parser.add_argument("--show-wrong", action="store_true", help="print the wrongly rewritten standalone questions")
    args = parser.parse_args()

    print("CANARD dev: content words the human rewrite adds")
    print(f"  {'reading':<22}{'precision':>10}{'recall':>8}{'F1':>8}")
    for name, (p, r, f) in canard().items():
        print(f"  {name:<22}{p:>10.3f}{r:>8.3f}{f:>8.3f}")
    wrong, asked, examples = false_rewrites()
    print(f"standalone BBC questions rewritten (wrongly): {wrong}/{asked} = {wrong / asked:.1%}")
    if args.show_wrong:
        for qid, q, r in examples:
            if q:
                print(f"  {qid}: {q!r} -> {r!r}")
    if args.no_index:
        return
    for split in ("dev", "holdout") if args.holdout else ("dev",):
        c = context_cost(split)
        print(
            f"standalone BBC questions ({split}) asked after another article's answer, hit@1: alone {c['alone']:.3f}, "
            f"in context {c['in context']:.3f}; unanswerable answered: alone "
            f"{c['unanswerable answered alone']:.1%}, in context {c['unanswerable answered in context']:.1%}"
        )
        f = followups(split, show=args.show and split == "dev")
        ratio = f["rewrite"] / f["standalone"] if f["standalone"] else 0.0
        print(
            f"follow-ups {split} ({f['turns']:.0f} turns) hit@1: as typed {f['as typed']:.3f}, standalone "
            f"{f['standalone']:.3f}, rewrite {f['rewrite']:.3f} ({ratio:.0%} of standalone, "
            f"{f['rewrite'] - f['as typed']:+.3f} over as typed)"
        )


if __name__ == "__main__":
    main()
