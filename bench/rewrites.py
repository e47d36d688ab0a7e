"""How the follow-up rewriter reads 74 invented follow-ups, against readings judged by hand.

``python -m bench.rewrites`` reads every conversation of ``bench/questions/rewrites.jsonl`` through
``qa.conversation.Conversation`` (each earlier turn remembered as it was read, with the answer the app would have
heard), and prints one line per follow-up and the count of each verdict. A reading equal to the judged one keeps its
verdict; a new reading is RIGHT when it is the wanted standalone form (or None for a question that stands alone) and
otherwise "changed", to be judged by a person: ``--changed`` prints only those.

This set was written to find what the rewriter gets wrong, and its readings were then fixed: it measures change,
not how well the rewriter does on follow-ups nobody has seen. ``--fresh`` reads the held-out set written after the
rules (``bench/questions/rewrites-fresh.jsonl``), and ``python -m bench.conversation --holdout`` measures answers.
No index and no model are needed; it runs in a second.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from qa.conversation import Conversation

SET = Path(__file__).parent / "questions" / "rewrites.jsonl"
FRESH = Path(__file__).parent / "questions" / "rewrites-fresh.jsonl"
VERDICTS = ("RIGHT", "WRONG", "GARBLED", "LEFT-ALONE-WRONGLY", "REWROTE-STANDALONE", "changed")


def _words(text: str | None) -> list[str]:
    return re.sub(r"[^a-z0-9£ ]", "", (text or "").lower()).split()


def verdict(turn: dict[str, Any], reading: str | None) -> str:
    """The judged verdict when the reading is the judged one, else what can be told without a person."""
    judged = turn["judged"]
    if reading == judged["reading"]:
        return str(judged["verdict"])
    want = turn["standalone"]
    if want is None:
        return "RIGHT" if reading is None else "REWROTE-STANDALONE"
    if reading is None:
        return "LEFT-ALONE-WRONGLY"
    return "RIGHT" if _words(want) == _words(reading) else "changed"


def readings(path: Path = SET) -> list[tuple[str, dict[str, Any], str | None]]:
    """(id, turn, reading) for every follow-up, in the file's order."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        conversation = json.loads(line)
        talk = Conversation()
        for k, turn in enumerate(conversation["turns"]):
            reading = talk.read(turn["question"])
            if k:
                out.append((f"{conversation['conversation']}.{k}", turn, reading))
            said = talk.add(turn["question"], reading)
            if heard := turn.get("heard"):
                said.heard(heard["answer"], heard["source"], heard["passage"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changed", action="store_true", help="only the readings that differ from the judged ones")
    parser.add_argument(
        "--fresh", action="store_true",
        help=f"the {FRESH.name} set instead: 40 conversations written and judged after the rules were made, never "
        "used to change them (a held-out figure)",
    )  # fmt: skip
    args = parser.parse_args()
    counts: Counter[str] = Counter()
    for key, turn, reading in readings(FRESH if args.fresh else SET):
        said = verdict(turn, reading)
        counts[said] += 1
        changed = reading != turn["judged"]["reading"]
        if changed or not args.changed:
            mark = f"  (judged: {turn['judged']['reading']!r})" if changed else ""
            print(f"{said:<19} {key:<6} {turn['question']!r} -> {reading!r}{mark}")
    print(f"\n{sum(counts.values())} follow-ups: " + ", ".join(f"{v} {counts[v]}" for v in VERDICTS if counts[v]))


if __name__ == "__main__":
    main()
