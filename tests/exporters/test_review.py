"""The review list a person works through after kb fill: every row, with why it was decided so."""

from __future__ import annotations

import openpyxl
import pytest

from exporters.fill import FillOptions, decide, precheck
from exporters.review import COLUMNS, STATUS_LABELS, column_widths, review_rows, write_review
from importers.checksheet import Question, SwitchOff
from importers.ooxml import CellRef
from kb.answer import AUTO_THRESHOLDS, Answer
from kb.errors import KBError
from tests.builders import make_fill_report, make_source

STATUS = COLUMNS.index("状態")
WHY = COLUMNS.index("理由")
SUGGESTED = COLUMNS.index("推奨回答")
WRITTEN = COLUMNS.index("記入した内容")


def test_html_lists_every_row_with_its_candidates(tmp_path):
    path = tmp_path / "review.html"
    assert write_review(make_fill_report(), path) == 4
    page = path.read_text(encoding="utf-8")
    assert "<h1>確認リスト（4 件）</h1>" in page
    assert "<p>自動回答 1・要確認 1・回答候補なし 1・既存回答を保持 1</p>" in page
    assert page.count("<tr>") == 5  # the header and the four rows
    assert "<th>確信度</th>" in page and "<th>理由</th>" in page
    assert (
        f"<td>要確認</td><td>0.4</td><td>confidence 0.40 &lt; auto threshold {AUTO_THRESHOLDS['ja']:.2f} (ja)</td>"
        in page
    )
    assert "<td>回答候補なし</td><td>0.0</td>" in page
    # candidates best first, escaped, one paragraph each; their citations below
    assert (
        "[12.3.1 情報のバックアップ] バックアップは &lt;毎日&gt; 取得します &amp; 7 日保管します。<br><br>"
        in page
    )
    assert "6.1.3 関係当局との連絡: ホワイトペーパー 6.1.3／利用約款 第12条（データの保管場所）" in page
    # the auto-answered row is listed too, with the rule that decided and what was written
    assert "<td>データは国内に保存されますか。</td><td>自動回答</td><td>0.91</td>" in page
    assert "選択肢: はい<br>回答文（日本語）" in page
    assert "<td>多要素認証を利用できますか。</td><td>既存回答を保持</td>" in page


def test_xlsx_has_one_row_per_question(tmp_path):
    path = tmp_path / "review.xlsx"
    assert write_review(make_fill_report(), path) == 4
    ws = openpyxl.load_workbook(path)["確認リスト"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == list(COLUMNS)
    answered, review, no_match, kept = rows[1:]
    assert answered[:8] == [
        "チェックシート",
        5,
        "1-1",
        "データは国内に保存されますか。",
        "自動回答",
        0.91,
        f"confidence 0.91 ≥ auto threshold {AUTO_THRESHOLDS['ja']:.2f} (ja)",
        "はい",
    ]
    assert answered[COLUMNS.index("回答文案")].startswith(
        "日本国内のデータセンターにのみ配置しています。\n出典: "
    )
    assert review[:7] == [
        "チェックシート",
        6,
        "1-2",
        "バックアップの保管期間は。",
        "要確認",
        0.4,
        f"confidence 0.40 < auto threshold {AUTO_THRESHOLDS['ja']:.2f} (ja)",
    ]
    assert review[WRITTEN] == "—"  # nothing written into a row left for review
    assert review[COLUMNS.index("候補の回答")].startswith("[12.3.1 情報のバックアップ] バックアップは <毎日>")
    # a question that looks like a formula stays text in the review list too
    assert no_match[3] == "'=WEBSERVICE() を使えますか。" and ws.cell(4, 4).data_type == "s"
    assert no_match[STATUS] == "回答候補なし" and no_match[COLUMNS.index("候補の回答")] is None
    assert kept[STATUS] == "既存回答を保持" and kept[WHY] == "already answered"
    assert ws.freeze_panes == "A2"
    assert all(ws.cell(2, c).alignment.wrap_text for c in range(1, len(COLUMNS) + 1))


def test_no_match_is_never_labelled_with_the_na_option():
    # 該当なし is the N/A option of Japanese sheets; the list must not read as if the KB chose it.
    assert "該当なし" not in "".join(STATUS_LABELS.values())
    cells = review_rows(make_fill_report().rows)
    assert not any("該当なし" in str(row[STATUS]) + str(row[WHY]) for row in cells)


def _question(text: str, **kw) -> Question:
    base = dict(
        sheet="S",
        row=2,
        number="Q-1",
        text=text,
        answer_cell=CellRef(2, 3),
        comment_cell=CellRef(2, 4),
        reference_cell=None,
        options=["Yes", "No", "N/A"],
        existing_answer=None,
        existing_comment=None,
    )
    return Question(**{**base, **kw})


def test_suggestion_is_the_sheets_own_option_and_a_foreign_text_is_marked():
    src = make_source("12.3.1", "12.3.1 Backup", "バックアップは毎日取得します。", 0.8, ["WP 12.3.1"])
    row = decide(_question("Are backups taken daily?"), Answer("q", "needs_review", 0.45, "yes", [src]), "en")
    cells = review_rows([row])[0]
    assert cells[SUGGESTED] == "Yes"  # the sheet's spelling, not the stance "yes"
    assert cells[COLUMNS.index("回答文案")].startswith("［日本語］バックアップは毎日取得します。")
    assert cells[WRITTEN] == "—"


def test_switched_off_rows_are_listed_with_their_qualifier():
    off = SwitchOff("QUAL-01 = No: HIPAA does not apply", set_na=True)
    row = precheck(_question("Do you sign BAAs?", switched_off=off), FillOptions())
    cells = review_rows([row])[0]
    assert cells[STATUS] == "対象外（設問の条件による）"
    assert cells[WHY] == "switched off: QUAL-01 = No: HIPAA does not apply"
    assert cells[WRITTEN] == "選択肢: N/A"


def test_widths_fit_the_content_within_bounds():
    rows = review_rows(make_fill_report().rows)
    widths = column_widths(rows)
    assert widths[COLUMNS.index("行")] == 4  # "行" and one-digit rows: as narrow as allowed
    assert widths[COLUMNS.index("質問")] == len("データは国内に保存されますか。") * 2 + 2
    long = rows[0][:3] + ["Describe every control you operate over backups. " * 4] + rows[0][4:]
    assert column_widths([long])[COLUMNS.index("質問")] == 50  # capped, then wrapped
    assert widths[STATUS] == len("既存回答を保持") * 2 + 2


def test_other_suffixes_are_refused_before_writing(tmp_path):
    with pytest.raises(KBError, match="must end in .xlsx or .html"):
        write_review(make_fill_report(), tmp_path / "review.csv")
    assert list(tmp_path.iterdir()) == []
