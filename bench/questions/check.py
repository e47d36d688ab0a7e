"""Check the evaluation question sets in bench/questions/.

    python -m bench.questions.check          (from the repository root)
    python bench/questions/check.py [--where]

Reads the BBC archive straight from its zip (QA_BBC_ZIP, default
/work/shared/data/bbc-news/bbc-fulltext.zip) and the seed articles from seeds/,
then checks every file in this folder. Prints the counts; exits 1 on any problem.
--where also lists, for each expect string, other BBC articles that contain it
(near-duplicate stories), as a hint for the writer; it is not an error.
"""

import collections
import json
import os
import re
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BBC_ZIP = os.environ.get("QA_BBC_ZIP", "/work/shared/data/bbc-news/bbc-fulltext.zip")
SEEDS = os.path.join(ROOT, "seeds")
SECTIONS = ("business", "entertainment", "politics", "sport", "tech")
TYPES = ("who", "how much", "how many", "when", "which", "why", "where", "what")
FORMS = ("acronym", "paraphrase")
SPLITS = ("dev", "holdout")

problems = []


def problem(where, msg):
    problems.append(f"{where}: {msg}")


def load_bbc():
    arts = {}
    with zipfile.ZipFile(BBC_ZIP) as z:
        for name in z.namelist():
            m = re.match(r"bbc-fulltext/bbc/(\w+/\d+\.txt)$", name)
            if m:
                arts[m.group(1)] = z.read(name).decode("utf-8", errors="replace")
    return arts


def load_seeds():
    return {
        f: open(os.path.join(SEEDS, f), encoding="utf-8", errors="replace").read()
        for f in sorted(os.listdir(SEEDS))
        if f.endswith(".txt")
    }


def split_article(text, headline):
    """(headline, body) - BBC articles have the headline as their first line."""
    if not headline:
        return "", text
    first, _, rest = text.partition("\n")
    return first, rest


def first_sentence(body):
    body = body.strip()
    m = re.search(r"(?<=[.!?\"'])\s+(?=[A-Z\"'])", body)
    return body[: m.start()] if m else body.split("\n", 1)[0]


def read_jsonl(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append((n, json.loads(line)))
            except json.JSONDecodeError as e:
                problem(f"{os.path.basename(path)}:{n}", f"bad JSON: {e}")
    return rows


def sources_of(row):
    s = row.get("source")
    return [s] if isinstance(s, str) else list(s or [])


def check_expect(tag, row, corpus, headline, counters, bbc=None, where=False):
    """expect strings verbatim in the source(s), not only in a headline; answer inside one."""
    srcs = sources_of(row)
    exp = row.get("expect")
    if not srcs:
        problem(tag, "no source")
        return
    if not isinstance(exp, list) or not (1 <= len(exp) <= 2) or not all(isinstance(e, str) and e for e in exp):
        problem(tag, f"expect must be a list of 1-2 non-empty strings: {exp!r}")
        return
    for s in srcs:
        if s not in corpus:
            problem(tag, f"unknown source {s!r}")
            return
    for e in exp:
        n_words = len(e.split())
        if not 1 <= n_words <= 12:
            problem(tag, f"expect {e!r} has {n_words} words (want at most 12)")
        found_body = False
        for s in srcs:
            head, body = split_article(corpus[s], headline)
            if e in body:
                found_body = True
            elif e in head:
                problem(tag, f"expect {e!r} is only in the headline of {s}")
        if not found_body:
            problem(tag, f"expect {e!r} not found verbatim in {srcs}")
        if where and bbc is not None:
            others = [k for k, t in bbc.items() if k not in srcs and e in t]
            if others:
                print(f"  note {tag}: {e!r} also in {others[:8]}")
    for s in srcs:
        _, body = split_article(corpus[s], headline)
        if not any(e in body for e in exp):
            problem(tag, f"source {s} contains none of the expect strings")
        elif any(e in first_sentence(body) for e in exp):
            counters["first_sentence"] += 1
            break
    if "answer" in row:
        a = row["answer"]
        if not isinstance(a, str) or not a.strip():
            problem(tag, "empty answer")
        elif not any(a in e for e in exp):
            problem(tag, f"answer {a!r} not inside any expect string")


def check_qa_file(path, corpus, headline, bbc, where, per_article_limit=None, min_counts=None):
    name = os.path.basename(path)
    rows = read_jsonl(path)
    ids = set()
    c = collections.Counter()
    per_article = collections.Counter()
    by = {k: collections.Counter() for k in ("section", "type", "form", "split", "kind", "uns_split")}
    for n, r in rows:
        tag = f"{name}:{n} {r.get('id')}"
        rid = r.get("id")
        if not rid or rid in ids:
            problem(tag, "missing or duplicate id")
        ids.add(rid)
        if not r.get("question", "").strip():
            problem(tag, "empty question")
        if r.get("split") not in SPLITS:
            problem(tag, f"split must be one of {SPLITS}")
        if r.get("unanswerable"):
            c["unanswerable"] += 1
            by["kind"][r.get("kind")] += 1
            by["uns_split"][r.get("split")] += 1
            if r.get("kind") not in ("absent", "unsaid"):
                problem(tag, "kind must be absent or unsaid")
            near = r.get("near")
            if r.get("kind") == "unsaid" and not near:
                problem(tag, "unsaid question needs near = the article it is about")
            for s in [near] if isinstance(near, str) else (near or []):
                if s not in corpus:
                    problem(tag, f"unknown near article {s!r}")
            if "expect" in r:
                problem(tag, "unanswerable question has expect strings")
            continue
        c["answerable"] += 1
        if r.get("type") not in TYPES:
            problem(tag, f"type {r.get('type')!r} not in {TYPES}")
        if r.get("form") not in FORMS:
            problem(tag, f"form {r.get('form')!r} not in {FORMS}")
        by["type"][r.get("type")] += 1
        by["form"][r.get("form")] += 1
        by["split"][r.get("split")] += 1
        srcs = sources_of(r)
        for s in srcs:
            per_article[s] += 1
        if srcs:
            by["section"][srcs[0].split("/")[0] if "/" in srcs[0] else "seeds"] += 1
        check_expect(tag, r, corpus, headline, c, bbc, where)
    if per_article_limit:
        for s, k in per_article.items():
            if k > per_article_limit:
                problem(name, f"{k} questions on {s} (at most {per_article_limit})")
    print(f"\n{name}: {c['answerable']} answerable, {c['unanswerable']} unanswerable")
    for k in ("section", "type", "form", "split"):
        print(f"  {k:8} " + ", ".join(f"{a}={b}" for a, b in sorted(by[k].items(), key=str)))
    if c["unanswerable"]:
        print("  unanswerable kind " + ", ".join(f"{a}={b}" for a, b in sorted(by["kind"].items(), key=str)))
        print("  unanswerable split " + ", ".join(f"{a}={b}" for a, b in sorted(by["uns_split"].items(), key=str)))
    if c["answerable"]:
        share = c["first_sentence"] / c["answerable"]
        print(f"  answer in the article's first sentence: {c['first_sentence']} ({share:.0%})")
        if share > 0.25:
            problem(name, f"{share:.0%} of answers are in the first sentence (at most 25%)")
    for t in TYPES:
        if c["answerable"] and by["type"][t] == 0 and min_counts and min_counts.get("all_types"):
            problem(name, f"no question of type {t!r}")
    if min_counts:
        if c["answerable"] < min_counts.get("answerable", 0):
            problem(name, f"{c['answerable']} answerable (want at least {min_counts['answerable']})")
        if c["unanswerable"] < min_counts.get("unanswerable", 0):
            problem(name, f"{c['unanswerable']} unanswerable (want at least {min_counts['unanswerable']})")
        for sec in min_counts.get("sections", ()):
            if by["section"][sec] < min_counts["per_section"]:
                problem(name, f"{by['section'][sec]} questions in {sec} (want at least {min_counts['per_section']})")
        if c["unanswerable"] and by["kind"]["unsaid"] * 2 < c["unanswerable"]:
            problem(name, "fewer than half of the unanswerable questions are 'unsaid'")
    return c, by, per_article


def check_followups(path, bbc, seeds, where):
    name = os.path.basename(path)
    rows = read_jsonl(path)
    convs = collections.defaultdict(list)
    c = collections.Counter()
    for n, r in rows:
        convs[r.get("conversation")].append((n, r))
    splits = collections.Counter()
    kinds = collections.Counter()
    for cid, turns in convs.items():
        turns.sort(key=lambda t: t[1].get("turn", 0))
        nums = [t[1].get("turn") for t in turns]
        if nums != list(range(1, len(turns) + 1)):
            problem(f"{name} {cid}", f"turns must be 1..n, got {nums}")
        if len({t[1].get("split") for t in turns}) != 1:
            problem(f"{name} {cid}", "turns of one conversation are in different splits")
        sp = turns[0][1].get("split")
        if sp not in SPLITS:
            problem(f"{name} {cid}", f"split must be one of {SPLITS}")
        splits[sp] += 1
        on_seed = False
        for n, r in turns:
            tag = f"{name}:{n} {cid}/{r.get('turn')}"
            if not r.get("question", "").strip() or not r.get("standalone", "").strip():
                problem(tag, "empty question or standalone")
            if r.get("turn") == 1 and r.get("question") != r.get("standalone"):
                problem(tag, "turn 1 must be standalone (question == standalone)")
            if r.get("turn", 1) > 1:
                c["followups"] += 1
                if r.get("question") == r.get("standalone"):
                    problem(tag, "a follow-up whose standalone is identical to the question")
            srcs = sources_of(r)
            is_seed = bool(srcs) and all(s in seeds for s in srcs)
            on_seed |= is_seed
            corpus = seeds if is_seed else bbc
            check_expect(tag, r, corpus, not is_seed, c, bbc, where and not is_seed)
            c["turns"] += 1
        kinds["seeds" if on_seed else "bbc"] += 1
    print(f"\n{name}: {len(convs)} conversations ({kinds['bbc']} BBC, {kinds['seeds']} seeds), "
          f"{c['turns']} turns, {c['followups']} follow-up turns")
    print("  conversations per split " + ", ".join(f"{a}={b}" for a, b in sorted(splits.items(), key=str)))
    if len(convs) < 26:
        problem(name, f"{len(convs)} conversations (want at least 26)")
    if c["followups"] < 82:
        problem(name, f"{c['followups']} follow-up turns (want at least 82)")
    if kinds["seeds"] < 4:
        problem(name, f"{kinds['seeds']} conversations over the seeds (want at least 4)")


def main(argv):
    where = "--where" in argv
    bbc = load_bbc()
    seeds = load_seeds()
    print(f"BBC articles: {len(bbc)}; seed articles: {len(seeds)}")
    p = os.path.join(HERE, "bbc.jsonl")
    check_qa_file(
        p, bbc, True, bbc, where, per_article_limit=2,
        min_counts={"answerable": 126, "unanswerable": 36, "sections": SECTIONS, "per_section": 22, "all_types": True},
    )
    p = os.path.join(HERE, "seeds.jsonl")
    check_qa_file(p, seeds, False, None, False, min_counts={"answerable": 20, "unanswerable": 4})
    check_followups(os.path.join(HERE, "followups.jsonl"), bbc, seeds, where)
    # ids must not collide with the shipped seed questions, nor repeat their question text
    shipped = "/work/shared/eval/seed_dev_questions.jsonl"
    if os.path.exists(shipped):
        with open(shipped, encoding="utf-8") as handle:
            old = {json.loads(l)["question"].strip().lower() for l in handle if l.strip()}
        for n, r in read_jsonl(os.path.join(HERE, "seeds.jsonl")):
            if r.get("question", "").strip().lower() in old:
                problem(f"seeds.jsonl:{n}", "repeats a shipped seed question")
    print()
    if problems:
        print(f"{len(problems)} problem(s):")
        for p in problems:
            print("  " + p)
        return 1
    print("OK: no problems")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
