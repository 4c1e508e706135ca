"""The review list a person works through after kb fill: the rows to decide, and only those."""

from __future__ import annotations

import openpyxl
import pytest

from exporters.review import COLUMNS, write_review
from kb.errors import KBError
from tests.builders import make_fill_report


def test_html_lists_rows_to_decide_with_their_candidates(tmp_path):
    path = tmp_path / "review.html"
    assert write_review(make_fill_report(), path) == 2
    page = path.read_text(encoding="utf-8")
    assert "<h1>要確認リスト（2 件）</h1>" in page
    assert page.count("<tr>") == 3  # the header and the two rows
    assert "<th>確信度</th>" in page
    assert "<td>要確認（low confidence）</td><td>0.4</td>" in page
    assert "<td>該当なし（KBに回答なし）（no source）</td><td>0.0</td>" in page
    # candidates best first, escaped, one paragraph each; their citations below
    assert (
        "[12.3.1 情報のバックアップ] バックアップは &lt;毎日&gt; 取得します &amp; 7 日保管します。<br><br>"
        in page
    )
    assert "<td>ホワイトペーパー 6.1.3<br>利用約款 第12条（データの保管場所）</td>" in page
    assert "データは国内に保存されますか。" not in page  # answered
    assert "多要素認証" not in page  # kept


def test_xlsx_has_one_row_per_question_to_decide(tmp_path):
    path = tmp_path / "review.xlsx"
    assert write_review(make_fill_report(), path) == 2
    ws = openpyxl.load_workbook(path)["要確認"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == list(COLUMNS)
    assert rows[1][:7] == [
        "チェックシート",
        6,
        "1-2",
        "バックアップの保管期間は。",
        "要確認（low confidence）",
        0.4,
        None,
    ]
    assert rows[1][7].startswith("[12.3.1 情報のバックアップ] バックアップは <毎日>")
    assert rows[1][8] == "ホワイトペーパー 6.1.3\n利用約款 第12条（データの保管場所）"
    # a question that looks like a formula stays text in the review list too
    assert rows[2][3] == "'=WEBSERVICE() を使えますか。" and ws.cell(3, 4).data_type == "s"
    assert rows[2][4] == "該当なし（KBに回答なし）（no source）" and rows[2][7] is None
    assert len(rows) == 3
    assert ws.freeze_panes == "A2"


def test_other_suffixes_are_refused_before_writing(tmp_path):
    with pytest.raises(KBError, match="must end in .xlsx or .html"):
        write_review(make_fill_report(), tmp_path / "review.csv")
    assert list(tmp_path.iterdir()) == []
