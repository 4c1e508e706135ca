"""Yes/no stance on labelled real questions: right, wrong and abstained, by language.

Two measurements:

* **gold text**: for each question with a stance label and a gold control id, kb.stance.stance()
  on the text of the gold response (the first gold id the KB holds), with the relevance
  kb.answer uses — this isolates stance reading from retrieval;
* **end to end**: kb.answer.answer() as `kb eval` runs it; the stance given for the top source,
  counted over all labelled questions and over the rows answered automatically (what a fill
  would write without a person).

A wrong yes/no is the failure that matters; None (no stance) is an abstention and costs
a person a minute. Questions labelled without a stance that still get yes/no are listed too.

Usage:  .venv/bin/python bench/stance_eval.py [--db KB] [--seed FILE] [QUESTIONS.jsonl ...] [-v]
Without --db a temporary KB is built from the seed whitepaper.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from importers.whitepaper import parse_whitepaper  # noqa: E402
from kb import search, stance, store  # noqa: E402
from kb.answer import _clause_terms, answer  # noqa: E402
from kb.db import connect  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seed" / "000_7aaf04e06d1268f3.txt"
DEFAULT_QUESTIONS = [SHARED / "data/dev/questions_real_dev.jsonl", SHARED / "data/dev/questions_dev.jsonl"]


def gold_text(db, gold: list[str]) -> str | None:
    for g in gold:
        row = db.execute(
            "SELECT body FROM chunks WHERE kind = 'response' AND (upper(control_id) = upper(?)"
            " OR (control_id IS NULL AND title = ?)) LIMIT 1",
            [g, g],
        ).fetchone()
        if row:
            return row[0]
    return None


def verdict(got: str | None, want: str) -> str:
    return "none" if got is None else ("right" if got == want else "wrong")


def line(name: str, counts: Counter) -> str:
    given = counts["right"] + counts["wrong"]
    total = given + counts["none"]
    right = f"{counts['right'] / given:.1%}" if given else "-"
    wrong = f"{counts['wrong'] / given:.1%}" if given else "-"
    return (
        f"  {name:<26} n={total:<3} right={counts['right']:<3} wrong={counts['wrong']:<3} "
        f"none={counts['none']:<3} | of given: right {right}, wrong {wrong}"
    )


def run(db, path: Path, verbose: bool) -> None:
    items = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    on_gold: dict[str, Counter] = {}
    e2e: dict[str, Counter] = {}
    auto: dict[str, Counter] = {}
    unlabelled: Counter = Counter()
    details = []
    for item in items:
        lang = item.get("lang", "?")
        a = answer(db, item["question"], keep_sources=True)
        want = item.get("stance")
        if not item.get("gold"):
            continue
        if not want:
            if a.stance in ("yes", "no"):
                unlabelled[lang] += 1
                details.append(("unlabelled", item["id"], None, a.stance, item["question"]))
            continue
        text = gold_text(db, item["gold"])
        if text is not None:
            query = search.prepare(db, item["question"])
            got = stance.stance(
                item["question"],
                text,
                lambda c, q=query: search.coverage(q, _clause_terms(c))[0],
                query=query,
            )
            v = verdict(got, want)
            on_gold.setdefault(lang, Counter())[v] += 1
            if v != "right":
                details.append(("gold-text " + v, item["id"], want, got, item["question"]))
        v = verdict(a.stance, want)
        e2e.setdefault(lang, Counter())[v] += 1
        if a.status == "answered":
            auto.setdefault(lang, Counter())[v] += 1
        if v == "wrong":
            details.append(("end-to-end wrong", item["id"], want, a.stance, item["question"]))
    print(f"{path.name}")
    for title, table in (("stance on the gold response", on_gold), ("end to end (top source)", e2e)):
        print(f" {title}")
        for lang in sorted(table):
            print(line(lang, table[lang]))
        print(line("all", sum(table.values(), Counter())))
    print(" end to end, rows answered automatically")
    for lang in sorted(auto):
        print(line(lang, auto[lang]))
    print(f" yes/no given where the label has no stance: {dict(unlabelled) or 0}")
    if verbose:
        for kind, qid, want, got, question in details:
            print(f"   {kind:<18} {qid:<10} want={want} got={got}  {question[:90]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("questions", nargs="*", type=Path)
    parser.add_argument("--db")
    parser.add_argument("--seed", type=Path, default=SEED)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    paths = args.questions or DEFAULT_QUESTIONS
    if not all(p.exists() for p in paths) or (not args.db and not args.seed.exists()):
        sys.exit("needs ../shared (the seed whitepaper and the labelled questions)")
    if args.db:
        db = connect(args.db)
    else:
        db = connect(Path(tempfile.mkdtemp()) / "stance.db")
        store.import_document(db, parse_whitepaper(args.seed.read_bytes(), source_name=args.seed.name))
    for p in paths:
        run(db, p, args.verbose)


if __name__ == "__main__":
    main()
