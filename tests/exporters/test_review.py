"""The review list a person works through after kb fill: every row, with why it was decided so;
the .xlsx is the decision workbook kb apply reads back."""

from __future__ import annotations

import hashlib
import html
import json
import re
import zipfile
from dataclasses import replace

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from exporters.decisions import KEYS, LABELS, candidates
from exporters.fill import FillOptions, decide, precheck
from exporters.review import COLUMNS, STATUS_LABELS, review_rows, write_review
from importers.checksheet import Question, SwitchOff
from importers.ooxml import CellRef
from kb.answer import AUTO_THRESHOLDS, Answer
from kb.errors import KBError
from kb.library import PastAnswer
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
        f"<td>要確認</td><td>0.4</td><td>確信度 0.40 &lt; 自動回答のしきい値 {AUTO_THRESHOLDS['ja']:.2f}（ja）</td>"
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


def _decision_workbook(tmp_path, report=None):
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(b"the filled workbook's bytes")
    path = tmp_path / "review.xlsx"
    assert write_review(report or make_fill_report(), path, written_at=filled) == 4
    return path, hashlib.sha256(filled.read_bytes()).hexdigest()


def test_xlsx_is_a_decision_workbook_with_one_row_per_question(tmp_path):
    path, sha = _decision_workbook(tmp_path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["確認リスト", "判断の選択肢", "kb_suggestions", "使い方"]
    assert [wb[n].sheet_state for n in wb.sheetnames] == ["visible", "hidden", "hidden", "visible"]
    ws = wb["確認リスト"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    ja = LABELS["ja"]
    assert rows[0] == [*ja.headers, *KEYS]
    answered, review, no_match, kept = (dict(zip(rows[0], row, strict=True)) for row in rows[1:])
    assert answered["番号"] == "1-1" and answered["質問"] == "データは国内に保存されますか。"
    assert answered["判断"] is None  # the person decides; nothing is decided for them
    assert answered["回答文（編集可）"].startswith("日本国内のデータセンターにのみ配置しています。\n出典: ")
    assert (
        answered["推奨の選択肢"] == "はい" and answered["状態"] == "自動回答" and answered["確信度"] == 0.91
    )
    assert answered["理由"] == f"確信度 0.91 ≥ 自動回答のしきい値 {AUTO_THRESHOLDS['ja']:.2f}（ja）"
    assert answered["記入した内容"] == "選択肢: はい\n回答文"
    # the row left for review: its text pre-filled from the first candidate, both candidates shown
    assert review["回答文（編集可）"].startswith("バックアップは <毎日> 取得します")
    assert review["候補2"].startswith("日本国内のデータセンター") and review["候補3"] is None
    assert review["出典"] == "2: ホワイトペーパー 6.1.3／利用約款 第12条（データの保管場所）"
    assert review["記入した内容"] == "—"
    # a question that looks like a formula stays text, as it was
    assert no_match["質問"] == "=WEBSERVICE() を使えますか。" and ws.cell(4, 2).data_type == "s"
    assert no_match["状態"] == "回答候補なし" and no_match["回答文（編集可）"] is None
    assert kept["状態"] == "既存回答を保持" and kept["理由"] == "記入済み"
    # the hidden keys: where each answer goes, and the hashes apply checks
    assert [answered[k] for k in KEYS[:5]] == ["チェックシート", 5, "C5", "D5", None]
    # each suggestion once on the hidden sheet; the row names its rows there
    kept = [json.loads(c.value) for c in wb["kb_suggestions"]["A"]]
    assert (answered["kb:candidate1"], answered["kb:candidate2"]) == (1, None)
    assert kept[0][:2] == ["はい", "日本国内のデータセンターにのみ配置しています。"]
    assert (review["kb:candidate1"], review["kb:candidate2"]) == (2, 3)
    assert kept[2][1] == kept[0][1] and kept[2][0] is None  # the same text, without the option
    assert answered["kb:filled_sha256"] == sha
    assert (
        answered["kb:question_sha256"]
        == hashlib.sha256("データは国内に保存されますか。".encode()).hexdigest()
    )
    assert json.loads(answered["kb:options"]) == ["はい", "いいえ", "該当なし"]
    hidden = [ws.column_dimensions[get_column_letter(i)].hidden for i in range(1, len(rows[0]) + 1)]
    assert hidden == [False] * len(ja.headers) + [True] * len(KEYS)


def _validations(path) -> list[tuple[str, str]]:
    """(formula, cells) of each list validation, read from the sheet's XML as Excel reads it."""
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    found = re.findall(r"<dataValidation ([^>]*)><formula1>([^<]*)</formula1>", xml)
    assert all('type="list"' in attrs and 'showErrorMessage="1"' in attrs for attrs, _ in found)
    return [(html.unescape(f), re.search(r'sqref="([^"]*)"', attrs).group(1)) for attrs, f in found]


def test_each_row_offers_its_own_decisions_as_a_dropdown(tmp_path):
    path, _ = _decision_workbook(tmp_path)
    lists = openpyxl.load_workbook(path)["判断の選択肢"]
    offered = {}
    for formula, cells in _validations(path):
        col = re.fullmatch(r"'判断の選択肢'!\$([A-Z]+)\$1:\$\1\$(\d+)", formula)
        assert col, formula
        items = [lists[f"{col.group(1)}{i}"].value for i in range(1, int(col.group(2)) + 1)]
        for cell in cells.split():
            offered[cell] = items
    options = ["はい", "いいえ", "該当なし", "自由記述", "スキップ"]
    assert offered["C2"] == ["候補1を採用", *options]
    assert offered["C3"] == ["候補1を採用", "候補2を採用", *options]  # two candidates
    assert offered["C4"] == offered["C5"] == options  # nothing to accept


def test_layout_fits_japanese_and_prints_on_a4_landscape(tmp_path):
    path, _ = _decision_workbook(tmp_path)
    ws = openpyxl.load_workbook(path)["確認リスト"]
    assert ws.freeze_panes == "C2"  # the header, and number and question beside what is decided
    assert all(
        ws.cell(r, c).alignment.wrap_text for r in (1, 2) for c in range(1, len(LABELS["ja"].headers) + 1)
    )
    question = "データは国内に保存されますか。"
    assert (
        ws.column_dimensions["B"].width
        == max(len(q) for q in (question, "多要素認証を利用できますか。")) * 2 + 2
    )
    assert (
        ws.column_dimensions["C"].width == len("候補1を採用") * 2 + 2 - 1
    )  # the widest label ("1" is half-width)
    assert ws.column_dimensions["D"].width == 50  # long texts: capped, then wrapped
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1" and ws.print_area == "'確認リスト'!$A$1:$H$5"


def test_an_english_sheet_gets_english_labels(tmp_path):
    report = make_fill_report()
    report = replace(report, summary=replace(report.summary, answer_lang="en"))
    path, _ = _decision_workbook(tmp_path, report)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Review", "Decision lists", "kb_suggestions", "How to"]
    ws = wb["Review"]
    assert [c.value for c in ws[1]][:4] == ["No.", "Question", "Decision", "Answer text (editable)"]
    assert ws["F2"].value == "Answered automatically"
    items = [c.value for c in wb["Decision lists"]["A"] if c.value is not None]
    assert items == ["Accept suggestion 1", "はい", "いいえ", "該当なし", "Custom text", "Skip"]
    # a candidate not in the sheet's language says so
    assert ws["I2"].value.startswith("option: はい\n[Japanese] 日本国内")


def test_a_past_approved_answer_is_marked_as_such(tmp_path):
    past = make_source(
        None, "データは国内に保存されますか。", "国内のみです。", 1.0, ["ホワイトペーパー 6.1.3"]
    )
    past.kind, past.past = "qa", PastAnswer("approved", "ACME", "山田", "2026-12-01")
    q = _question("データは国内に保存されますか。", sheet="S", options=["はい", "いいえ"])
    row = decide(q, Answer("q", "answered", 1.0, "yes", [past]), "ja")
    cands = candidates(row, "ja")
    assert cands[0].past == "過去の承認済み回答（2026-12-01・山田・ACME）"
    assert not cands[0].other_question
    # found by search for another question: marked with that question, never pre-filled
    other = _question("バックアップの保管先を教えてください。", sheet="S", options=["はい", "いいえ"])
    row = decide(other, Answer("q", "needs_review", 0.4, None, [past]), "ja")
    (cand,) = candidates(row, "ja")
    assert cand.other_question
    assert (
        cand.past
        == "過去の承認済み回答（2026-12-01・山田・ACME）：「データは国内に保存されますか。」への回答"
    )
    report = replace(make_fill_report(), rows=[row, *make_fill_report().rows[1:]])
    path, _ = _decision_workbook(tmp_path, report)
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert ws["I2"].value.startswith("［過去の承認済み回答（2026-12-01・山田・ACME）：「データは国内に")
    assert ws["D2"].value is None
    draft = PastAnswer("draft", None, None, "2026-11-30")
    assert draft.label("ja") == "過去の回答（下書き・未承認）（2026-11-30）"
    assert draft.label("en") == "past draft answer (not approved) (2026-11-30)"


def test_no_match_is_never_labelled_with_the_na_option():
    # 該当なし is the N/A option of Japanese sheets; the list must not read as if the KB chose it.
    assert "該当なし" not in "".join(STATUS_LABELS.values())
    cells = review_rows(make_fill_report().rows, "ja")
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
    cells = review_rows([row], "ja")[0]
    assert cells[SUGGESTED] == "Yes"  # the sheet's spelling, not the stance "yes"
    assert cells[COLUMNS.index("回答文案")].startswith("［日本語］バックアップは毎日取得します。")
    assert cells[WRITTEN] == "—"


def test_switched_off_rows_are_listed_with_their_qualifier():
    off = SwitchOff("QUAL-01 = No: HIPAA does not apply", set_na=True)
    row = precheck(_question("Do you sign BAAs?", switched_off=off), FillOptions())
    cells = review_rows([row], "ja")[0]
    assert cells[STATUS] == "対象外（設問の条件による）"
    assert cells[WHY] == "対象外: QUAL-01 = No: HIPAA does not apply"  # the sheet's words stay its own
    assert cells[WRITTEN] == "選択肢: N/A"


def test_other_suffixes_are_refused_before_writing(tmp_path):
    with pytest.raises(KBError, match="must end in .xlsx or .html"):
        write_review(make_fill_report(), tmp_path / "review.csv")
    assert list(tmp_path.iterdir()) == []


def test_rows_are_as_high_as_their_printed_text_wraps(tmp_path):
    from exporters.decisions import LINE_HEIGHT, MAX_ROW_HEIGHT, row_height

    # 30 full-width characters in a column 11 wide (10 characters of room, 2 each): 6 lines
    assert row_height(["あ" * 30], [11]) == 6 * LINE_HEIGHT
    assert row_height(["short", "一行目\n二行目"], [20, 20]) == 2 * LINE_HEIGHT  # line breaks count
    assert row_height(["", None], [10, 10]) == LINE_HEIGHT
    assert row_height(["x" * 100_000], [10]) == MAX_ROW_HEIGHT
    path, _ = _decision_workbook(tmp_path)
    ws = openpyxl.load_workbook(path)["確認リスト"]
    heights = [ws.row_dimensions[r].height for r in range(1, ws.max_row + 1)]
    assert all(h and h >= LINE_HEIGHT for h in heights)
    texts = [str(ws.cell(r, 4).value or "") for r in range(2, ws.max_row + 1)]
    longest = 2 + max(range(len(texts)), key=lambda i: len(texts[i]))
    assert ws.row_dimensions[longest].height > LINE_HEIGHT  # the long answer text wraps onto more lines
