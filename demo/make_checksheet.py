"""Generate demo/sample_checksheet.xlsx, a fictional customer security check sheet.

The workbook imitates the kind of セキュリティチェックシート a Japanese customer sends
to a cloud provider: a cover sheet, an instruction sheet, the question sheet with a
two-row merged header and dropdowns in the answer column, and a hidden sheet holding
the answer options behind a defined name.

Usage::

    .venv/bin/python demo/make_checksheet.py [output.xlsx]
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

OUT = Path(__file__).resolve().parent / "sample_checksheet.xlsx"

ANSWER_OPTIONS = ["はい", "いいえ", "該当なし"]
OPTIONS_NAME = "回答選択肢"

# (section title, [(number, question), ...])
SECTIONS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "1. 組織的対策",
        [
            ("1-1", "情報セキュリティに関する基本方針を定め、社外に公開していますか。"),
            ("1-2", "ISMS(ISO/IEC 27001)や ISO/IEC 27017 などの第三者認証を取得していますか。"),
            ("1-3", "サービス運用に携わる従業員へのセキュリティ教育を定期的に行っていますか。"),
            ("1-4", "業務の一部を外部へ委託する場合、委託先のセキュリティをどのように管理していますか。"),
        ],
    ),
    (
        "2. 物理的対策・データの所在",
        [
            ("2-1", "データセンターの所在国を教えてください。"),
            ("2-2", "故障したディスク等の記憶媒体は、どのような方法で廃棄していますか。"),
        ],
    ),
    (
        "3. 技術的対策",
        [
            ("3-1", "保存データは暗号化されていますか。"),
            ("3-2", "管理画面へのログインに多要素認証を利用できますか。"),
            ("3-3", "他の利用者の環境とは、どのような仕組みで分離されていますか。"),
            ("3-4", "提供される OS イメージには、最新のセキュリティパッチが適用されていますか。"),
            ("3-5", "サーバの時刻を同期する仕組みは用意されていますか。"),
            ("3-6", "貴社システムに対するぜい弱性診断を定期的に実施していますか。"),
            ("3-7", "管理画面にアクセスできる接続元を制限できますか。"),
        ],
    ),
    (
        "4. 運用・データ管理",
        [
            ("4-1", "バックアップの取得方法と保管先を教えてください。"),
            ("4-2", "仮想マシンの削除時にデータは確実に消去されますか。"),
            ("4-3", "解約後、当社のデータはいつまでに削除されますか。"),
            ("4-4", "サービス停止を伴うメンテナンスは事前に連絡されますか。"),
            ("4-5", "管理画面の操作ログを利用者側で確認できますか。"),
            ("4-6", "CPU やディスクなどリソースの使用状況を監視する機能はありますか。"),
        ],
    ),
    (
        "5. インシデント対応・法令",
        [
            ("5-1", "セキュリティ事故が発生した場合、利用者へ連絡されますか。"),
            ("5-2", "セキュリティ事故を報告・相談する窓口を教えてください。"),
            ("5-3", "契約の準拠法と管轄裁判所を教えてください。"),
            ("5-4", "警察などの公的機関からデータの開示を求められた場合の対応を教えてください。"),
        ],
    ),
    (
        "6. Additional questions (English)",
        [
            ("6-1", "Is the service certified under ISO/IEC 27017?"),
            ("6-2", "Is customer data stored only in Japan?"),
            ("6-3", "Can customers export their data before the contract ends?"),
            ("6-4", "Does the management console support single sign-on (SAML)?"),
        ],
    ),
]

# Sections answered through the defined-name validation instead of the inline list.
DEFINED_NAME_SECTIONS = {"6. Additional questions (English)"}

COMMENTS = {
    "3-1": "暗号化方式(AES-256 等)と、鍵の管理者もあわせてご記入ください。",
}

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
SECTION_FILL = PatternFill("solid", fgColor="DDEBF7")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
NG_FILL = PatternFill("solid", fgColor="F8CBAD")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

TITLE_ROW = 1
HEADER_ROWS = (3, 4)
FIRST_BODY_ROW = 5


def _cover(ws) -> None:
    ws.title = "表紙"
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 48
    ws["B2"] = "クラウドサービス セキュリティチェックシート"
    ws["B2"].font = Font(size=16, bold=True)
    ws.merge_cells("B2:C2")
    ws["B4"] = "依頼元"
    ws["C4"] = "株式会社サンプル商事 情報システム部"
    ws["B5"] = "様式番号"
    ws["C5"] = "SEC-CS-03 (第 3 版)"
    ws["B7"] = "以下の欄にご記入のうえ、チェックシートとあわせてご返送ください。"
    ws.merge_cells("B7:C7")
    fields = ["ご回答日", "貴社名", "ご担当部署", "ご担当者名", "メールアドレス", "対象サービス名"]
    for offset, label in enumerate(fields):
        row = 9 + offset
        ws.cell(row=row, column=2, value=label).font = Font(bold=True)
        ws.cell(row=row, column=2).border = BORDER
        value_cell = ws.cell(row=row, column=3)
        value_cell.border = BORDER
        value_cell.fill = INPUT_FILL
    ws["B17"] = "取扱区分: 社外秘(回答内容は委託先選定の目的にのみ使用します)"
    ws.merge_cells("B17:C17")


def _instructions(ws) -> None:
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 90
    ws["A1"] = "記入要領"
    ws["A1"].font = Font(size=14, bold=True)
    steps = [
        "「チェックシート」シートの各確認項目について、「回答」欄のプルダウンから「はい」「いいえ」「該当なし」のいずれかを選択してください。",
        "「回答内容・補足説明」欄には、回答の根拠となる具体的な対策や、公開資料・契約書の該当箇所をご記入ください。",
        "「いいえ」を選択した場合は、代替策や今後の対応予定があれば補足説明欄にご記入ください。",
        "貴社の公開資料(ホワイトペーパー等)で回答に代える場合は、資料名と該当ページを記載してください。",
        "黄色のセルは入力欄です。それ以外のセルや行・列の構成は変更しないでください。",
        "ご不明な点は依頼元の担当者までお問い合わせください。",
    ]
    for i, text in enumerate(steps, start=1):
        ws.cell(row=2 + i, column=1, value=f"{i}.").alignment = Alignment(vertical="top")
        ws.cell(row=2 + i, column=2, value=text).alignment = WRAP_TOP


def _options(wb: Workbook) -> None:
    ws = wb.create_sheet("選択肢")
    ws["A1"] = "回答"
    for i, option in enumerate(ANSWER_OPTIONS, start=2):
        ws.cell(row=i, column=1, value=option)
    ws.sheet_state = "hidden"
    ref = f"'{ws.title}'!$A$2:$A${len(ANSWER_OPTIONS) + 1}"
    wb.defined_names[OPTIONS_NAME] = DefinedName(OPTIONS_NAME, attr_text=ref)


def _checksheet(ws) -> None:
    widths = {"A": 7, "B": 52, "C": 11, "D": 52, "E": 24}
    for col, width in widths.items():
        ws.column_dimensions[col].width = width

    ws.cell(row=TITLE_ROW, column=1, value="クラウドサービス セキュリティチェックシート")
    ws.cell(row=TITLE_ROW, column=1).font = Font(size=14, bold=True)
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=5)

    top, sub = HEADER_ROWS
    ws.cell(row=top, column=1, value="No.")
    ws.cell(row=top, column=2, value="確認項目")
    ws.cell(row=top, column=3, value="回答欄")
    ws.cell(row=top, column=5, value="備考")
    ws.cell(row=sub, column=3, value="回答")
    ws.cell(row=sub, column=4, value="回答内容・補足説明")
    ws.merge_cells(start_row=top, start_column=1, end_row=sub, end_column=1)
    ws.merge_cells(start_row=top, start_column=2, end_row=sub, end_column=2)
    ws.merge_cells(start_row=top, start_column=3, end_row=top, end_column=4)
    ws.merge_cells(start_row=top, start_column=5, end_row=sub, end_column=5)
    for row in HEADER_ROWS:
        for col in range(1, 6):
            cell = ws.cell(row=row, column=col)
            cell.fill = HEADER_FILL
            cell.font = Font(bold=True, color="FFFFFF")
            cell.alignment = CENTER
            cell.border = BORDER

    inline_dv = DataValidation(
        type="list",
        formula1='"' + ",".join(ANSWER_OPTIONS) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="入力エラー",
        error="一覧から選択してください。",
        promptTitle="回答",
        prompt="はい / いいえ / 該当なし から選択",
        showInputMessage=True,
    )
    named_dv = DataValidation(
        type="list",
        formula1=OPTIONS_NAME,  # stored without "=", as Excel writes it
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Invalid answer",
        error="Please choose from the list.",
    )
    ws.add_data_validation(inline_dv)
    ws.add_data_validation(named_dv)

    row = FIRST_BODY_ROW
    for title, questions in SECTIONS:
        ws.cell(row=row, column=1, value=title).font = Font(bold=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
        for col in range(1, 6):
            cell = ws.cell(row=row, column=col)
            cell.fill = SECTION_FILL
            cell.border = BORDER
        row += 1
        dv = named_dv if title in DEFINED_NAME_SECTIONS else inline_dv
        for number, question in questions:
            ws.cell(row=row, column=1, value=number).alignment = Alignment(
                horizontal="center", vertical="top"
            )
            ws.cell(row=row, column=2, value=question).alignment = WRAP_TOP
            ws.cell(row=row, column=3).alignment = Alignment(horizontal="center", vertical="top")
            ws.cell(row=row, column=4).alignment = WRAP_TOP
            ws.cell(row=row, column=5).alignment = WRAP_TOP
            for col in range(1, 6):
                ws.cell(row=row, column=col).border = BORDER
            for col in (3, 4):
                ws.cell(row=row, column=col).fill = INPUT_FILL
            dv.add(ws.cell(row=row, column=3))
            if number in COMMENTS:
                comment = Comment(COMMENTS[number], "情報システム部")
                comment.width = 240
                comment.height = 80
                ws.cell(row=row, column=2).comment = comment
            row += 1
    last_row = row - 1

    ws.conditional_formatting.add(
        f"C{FIRST_BODY_ROW}:C{last_row}",
        CellIsRule(operator="equal", formula=['"いいえ"'], fill=NG_FILL),
    )
    ws.freeze_panes = f"A{FIRST_BODY_ROW}"
    ws.print_title_rows = f"{HEADER_ROWS[0]}:{HEADER_ROWS[1]}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def build(path: Path = OUT) -> Path:
    wb = Workbook()
    wb.properties.creator = "株式会社サンプル商事 情報システム部"
    wb.properties.title = "クラウドサービス セキュリティチェックシート"
    wb.properties.created = dt.datetime(2025, 4, 1, 9, 0, 0)
    _cover(wb.active)
    _instructions(wb.create_sheet("記入要領"))
    _checksheet(wb.create_sheet("チェックシート"))
    _options(wb)
    wb.save(path)
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    print(build(target))
