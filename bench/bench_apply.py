"""kb apply of 1,000 decisions against a bare openpyxl load+save of the same filled workbook.

The sheet is bench_fill's generated 1,000-question sheet, filled by kb fill with a
decision workbook; every row is then decided (the first suggestion where there is one,
else an option, every tenth row custom text). Both sides are whole processes
(interpreter start included), timed side by side in the same run, several rounds,
medians compared: on a noisy 2-core machine only the ratio means anything. Each kb apply
round starts from a copy of the same KB, so every round records the 1,000 answers
(a second apply of the same file would record nothing). Target: kb apply / openpyxl ≤ 1.5
in wall time.

    .venv/bin/python bench/bench_apply.py [--questions 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_fill import BIN, PACKAGES, ROOT, line, make_sheet, medians, timed

TARGET = 1.5


def decide_all(review: Path, out: Path) -> int:
    """Every row decided, as a busy salesperson would; returns the rows decided."""
    sys.path.insert(0, str(ROOT))
    from openpyxl import load_workbook

    from exporters.decisions import ANSWER_TEXT_COL, DECISION_COL, LABELS

    wb = load_workbook(review)
    ws = wb[LABELS["ja"].sheet]
    header = [c.value for c in ws[1]]
    first = header.index("候補1")
    decided = 0
    for i, row in enumerate(ws.iter_rows(min_row=2), start=1):
        if i % 10 == 0:
            row[DECISION_COL - 1].value = "自由記述"
            row[ANSWER_TEXT_COL - 1].value = f"当社の規程に従い対応しています（項目 {i}）。"
        elif row[first].value:
            row[DECISION_COL - 1].value = "候補1を採用"
        else:
            row[DECISION_COL - 1].value = "はい"
        decided += 1
    wb.save(out)
    return decided


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sheet, db, filled, review = (
            tmp / "sheet.xlsx",
            tmp / "kb.db",
            tmp / "filled.xlsx",
            tmp / "review.xlsx",
        )
        make_sheet(sheet, args.questions)
        kb = [str(BIN / "kb"), "--db", str(db)]
        subprocess.run(
            [*kb, "import", "whitepaper", ROOT / "demo" / "sample_whitepaper.md"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [*kb, "fill", sheet, "-o", filled, "--review", review], check=True, stdout=subprocess.DEVNULL
        )
        decided = decide_all(review, tmp / "decided.xlsx")
        shutil.copy(db, pristine := tmp / "pristine.db")
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", *(str(ROOT / p) for p in PACKAGES)], check=True
        )
        openpyxl_cmd = [
            sys.executable,
            "-c",
            "import sys, openpyxl; wb = openpyxl.load_workbook(sys.argv[1]); wb.save(sys.argv[2])",
            str(filled),
            str(tmp / "roundtrip.xlsx"),
        ]
        final = tmp / "final.xlsx"
        apply_cmd = [*kb, "apply", str(tmp / "decided.xlsx"), "--to", str(filled), "-o", str(final)]
        apply_cmd += ["--approve", "--owner", "bench"]
        base, ours = [], []
        for _ in range(args.rounds):  # interleaved, so drift hits both alike
            base.append(timed(openpyxl_cmd))
            shutil.copy(pristine, db)  # every round records the answers anew
            final.unlink(missing_ok=True)
            ours.append(timed(apply_cmd))
        b, o = medians(base), medians(ours)
        ratio = o.wall / b.wall
        print(
            f"filled workbook: {args.questions} questions, {filled.stat().st_size / 1024:.0f} KiB; {decided} decisions"
        )
        print(line("openpyxl load+save (process):", base))
        print(line("kb apply (process):          ", ours))
        print(f"CPU ratio kb apply / openpyxl: {o.cpu / b.cpu:.2f}  INFO")
        print(
            f"wall ratio kb apply / openpyxl: {ratio:.2f}  target ≤ {TARGET}  {'PASS' if ratio <= TARGET else 'FAIL'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
