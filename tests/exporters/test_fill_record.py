"""exporters.fill_record: what kb fill wrote into each row, read as importers.answered reads it back."""

from __future__ import annotations

from exporters.fill import RowResult
from exporters.fill_record import filled_rows
from importers.checksheet import Question
from importers.ooxml import CellRef


def question(row: int, text: str, *, options=("はい", "いいえ"), comment: bool = True) -> Question:
    return Question(
        sheet="S",
        row=row,
        number=None,
        text=text,
        answer_cell=CellRef(row, 3),
        comment_cell=CellRef(row, 4) if comment else None,
        reference_cell=None,
        options=list(options),
        existing_answer=None,
        existing_comment=None,
    )


def test_each_row_written_is_recorded_as_its_cells_hold_it():
    rows = [
        RowResult(
            question(5, "暗号化していますか。"), "answered", choice="はい", text="AES-256 です。\r\n出典: 6.1"
        ),
        RowResult(
            question(6, "保管先は。", options=()), "answered", text="日本国内です。"
        ),  # text in the answer cell
        RowResult(
            question(7, "監査を受けていますか。", comment=False), "answered", choice="いいえ", text="x"
        ),
        RowResult(question(8, "多要素認証は。"), "kept"),
        RowResult(question(9, "ログは。"), "no_match"),
    ]
    assert [tuple(r) for r in filled_rows(rows)] == [
        ("S", 5, "暗号化していますか。", "はい", "AES-256 です。\n出典: 6.1"),  # CRLF stored as LF
        ("S", 6, "保管先は。", None, "日本国内です。"),
        ("S", 7, "監査を受けていますか。", "いいえ", None),  # no comment cell: only the choice was written
    ]
