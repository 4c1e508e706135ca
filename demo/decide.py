"""The demo's salesperson: decides a few rows of the decision workbook `kb fill --review
X.xlsx` wrote for demo/sample_checksheet.xlsx, as a person would in Excel, and shows what
the next fill offers.

The decision workbook is our own file, so openpyxl may read and save it (the customer's
workbook is never saved with openpyxl: `kb apply` patches it).

Usage::

    .venv/bin/python demo/decide.py REVIEW.xlsx DECIDED.xlsx   # decide, save a copy
    .venv/bin/python demo/decide.py --show REVIEW.xlsx          # rows whose first suggestion is a past answer
"""

from __future__ import annotations

import sys

from openpyxl import load_workbook

from exporters.decisions import ANSWER_TEXT_COL, DECISION_COL, LABELS

# Question number -> (decision, answer text or None to keep the pre-filled one).
DECISIONS = {
    "2-1": ("候補1を採用", None),  # where the data centres are: the KB's first suggestion as it is
    "3-1": ("はい", None),  # encryption at rest: yes, with the pre-filled text
    "4-4": ("スキップ", None),  # maintenance notices: left for another day
    "6-4": ("いいえ", ""),  # SSO: no, and no text
    "5-2": (
        "自由記述",
        "セキュリティ事故の報告・相談は、ミナトクラウド サポート窓口で 24 時間受け付けています。",
    ),
}


def decide(review: str, out: str) -> None:
    wb = load_workbook(review)
    ws = wb[LABELS["ja"].sheet]
    for row in ws.iter_rows(min_row=2):
        number = str(row[0].value or "")
        if number in DECISIONS:
            decision, text = DECISIONS[number]
            row[DECISION_COL - 1].value = decision
            if text is not None:
                row[ANSWER_TEXT_COL - 1].value = text
            print(f"  {number}: {decision}" + (f" / 回答文: {text or '（空）'}" if text is not None else ""))
    wb.save(out)


def show(review: str) -> None:
    ws = load_workbook(review, read_only=True)[LABELS["ja"].sheet]
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    for values in ws.iter_rows(min_row=2, values_only=True):
        row = dict(zip(header, values, strict=False))
        first = row["候補1"] or ""
        if first.startswith("［過去の"):
            label = first.split("\n", 1)[0]
            print(f"  {row['番号']}: {row['状態']} {label} {row['推奨の選択肢'] or ''}".rstrip())


if __name__ == "__main__":
    if sys.argv[1:2] == ["--show"] and len(sys.argv) == 3:
        show(sys.argv[2])
    elif len(sys.argv) == 3:
        decide(sys.argv[1], sys.argv[2])
    else:
        sys.exit(__doc__)
