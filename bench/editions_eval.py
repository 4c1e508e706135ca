"""English questions on the demo KB with and without the provider's English edition.

Two KBs are built from demo/: the Japanese whitepaper alone, and with its English edition
(demo/sample_whitepaper_en.md, indexed as responses and linked by control id). For each:

* **labelled**: bench/data/demo_questions_en.jsonl, English questions phrased as customers
  write them (not copied from the whitepaper) with the demo control ids that answer them:
  top-1, top-3, auto-answers right and wrong (a wrong one is the failure that matters);
* **English text at hand**: English questions of the shared dev sets (their gold ids are the
  seed's, so rank means nothing on the demo): the share whose top source can be given in
  English (an English source, or a Japanese one with its English translation), and the share
  whose top source is the English text itself.

Usage:  .venv/bin/python bench/editions_eval.py [-v]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from importers.whitepaper import parse_whitepaper  # noqa: E402
from kb import store  # noqa: E402
from kb.answer import answer  # noqa: E402
from kb.db import connect  # noqa: E402
from kb.evaluate import is_gold  # noqa: E402
from kb.language import text_language  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo"
LABELLED = ROOT / "bench" / "data" / "demo_questions_en.jsonl"
SHARED = ROOT.parent / "shared" / "data" / "dev"
DEV_SETS = [SHARED / "questions_dev.jsonl", SHARED / "questions_real_dev.jsonl"]


def build(path: Path, files: list[str]):
    db = connect(path)
    for name in files:
        store.import_document(db, parse_whitepaper((DEMO / name).read_bytes(), name))
    return db


def labelled(db, verbose: bool) -> str:
    items = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    top1 = top3 = right = wrong = 0
    for item in items:
        a = answer(db, item["question"], keep_sources=True)
        ranks = [i for i, s in enumerate(a.sources) if is_gold(s.control_id, s.title, item["gold"])]
        top1 += bool(ranks and ranks[0] == 0)
        top3 += bool(ranks)
        if a.status == "answered":
            ok = bool(ranks and ranks[0] == 0)
            right += ok
            wrong += not ok
            if verbose and not ok:
                print(f"    wrong auto-answer {item['id']}: {a.sources[0].control_id or a.sources[0].title}")
    n = len(items)
    return f"top-1 {top1}/{n} ({top1 / n:.2f}), top-3 {top3}/{n} ({top3 / n:.2f}), auto right {right}, wrong {wrong}"


def english_at_hand(db) -> str:
    questions = [
        item["question"]
        for path in DEV_SETS
        if path.is_file()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
        for item in [json.loads(line)]
        if (item.get("lang") or text_language(item["question"])) == "en"
    ]
    if not questions:
        return "no shared dev sets (../shared) to read English questions from"
    given = english = 0
    for question in questions:
        a = answer(db, question, keep_sources=True)
        top = a.sources[0] if a.sources else None
        given += bool(top and top.in_language("en"))
        english += bool(top and top.lang == "en")
    n = len(questions)
    return f"{n} English questions: top source in English {given / n:.2f} (the English text ranked first {english / n:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list the wrong auto-answers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for label, files in [
            ("Japanese only", ["sample_whitepaper.md"]),
            ("with the English edition", ["sample_whitepaper.md", "sample_whitepaper_en.md"]),
        ]:
            db = build(Path(tmp) / f"{len(files)}.db", files)
            print(f"{label}:")
            print(f"  labelled ({LABELLED.name}): {labelled(db, args.verbose)}")
            print(f"  {english_at_hand(db)}")


if __name__ == "__main__":
    main()
