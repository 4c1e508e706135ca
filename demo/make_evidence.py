"""Generate the demo's evidence files: a fictional data-centre audit report (PDF with a
Japanese CID font) and a backup procedure (DOCX). evidence/isms_certificate.md is
written by hand.

Like the rest of demo/, the text is fictional and written for this project. The PDF
needs reportlab (pip install -e ".[dev]"); the files are committed, so `make demo`
does not.

Usage::

    .venv/bin/python demo/make_evidence.py [output folder]
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "evidence"

AUDIT_TITLE = "データセンター所在地 確認報告書"
AUDIT_PAGES = [
    [
        AUDIT_TITLE,
        "株式会社ミナトクラウド 内部監査室　2026 年 4 月 10 日",
        "1. 目的と範囲",
        "本報告書は、ミナトクラウド VPS（MC-VPS）でお客様のデータを保存する設備の所在地を",
        "確認した結果をまとめたものです。対象は仮想マシン基盤とストレージ基盤です。",
    ],
    [
        "2. 確認の結果",
        "お客様のデータを保存する仮想マシンとストレージは、日本国内の東京都と大阪府にある",
        "当社のデータセンターにのみ配置されていることを、機器台帳と現地の確認で確かめました。",
        "国外のデータセンターにお客様のデータが複製されていないことも確認しました。",
        "3. 次回の確認　2027 年 4 月に同じ範囲で実施します。",
    ],
]

BACKUP_PAGES = [
    [
        "バックアップ運用手順書（社内向け）",
        "自動バックアップは毎日 2 時に開始し、7 世代分を保管する。",
        "取得結果は運用部が毎朝確認し、失敗した場合は当日中に再取得する。",
    ],
    [
        "復元テスト",
        "四半期に一度、無作為に選んだ仮想マシンのバックアップから復元できることを確認し、結果を記録する。",
    ],
]


def write_audit_pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle(AUDIT_TITLE)
    for lines in AUDIT_PAGES:
        y = 780
        for line in lines:
            pdf.setFont("HeiseiKakuGo-W5", 10.5)
            pdf.drawString(60, y, line)
            y -= 22
        pdf.showPage()
    pdf.save()


def write_backup_docx(path: Path) -> None:
    from docx import Document
    from docx.enum.text import WD_BREAK

    document = Document()
    for i, paragraphs in enumerate(BACKUP_PAGES):
        document.add_heading(paragraphs[0], level=1)
        for text in paragraphs[1:]:
            document.add_paragraph(text)
        if i < len(BACKUP_PAGES) - 1:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.core_properties.title = BACKUP_PAGES[0][0]
    document.save(str(path))


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    write_audit_pdf(out / "datacenter_audit.pdf")
    write_backup_docx(out / "backup_procedure.docx")
    print(f"wrote {out / 'datacenter_audit.pdf'} and {out / 'backup_procedure.docx'}")


if __name__ == "__main__":
    main()
