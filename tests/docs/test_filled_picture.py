"""The picture of a filled check sheet in the sales guide (docs/filled_checksheet.png): the demo
sheet filled from the demo KB and printed by LibreOffice headless, its question table on a page
with the choices and answer texts kb wrote. Skips without soffice/poppler-utils (tests/printing).

``KB_FILLED_PICTURE=docs/filled_checksheet.png`` also draws that page, cropped to the table, as the
picture."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from kb.cli import cli
from tests.paths import DEMO
from tests.printing import draw_page, need_print_tools, page_count, page_text, print_to_pdf

# The question table on the printed page at PICTURE_DPI: its title to the sixth section's rows.
PICTURE_DPI = 110
PICTURE_CROP = (70, 100, 1050, 480)


def test_the_filled_demo_sheet_prints_with_the_answers_kb_wrote(tmp_path):
    need_print_tools()
    kb, filled = str(tmp_path / "kb.db"), tmp_path / "answered.xlsx"
    for args in (
        ["import", "whitepaper", str(DEMO / "sample_whitepaper.md")],
        ["fill", str(DEMO / "sample_checksheet.xlsx"), "-o", str(filled)],
    ):
        result = CliRunner().invoke(cli, ["--db", kb, *args])
        assert result.exit_code == 0, result.output
    pdf = print_to_pdf(filled, tmp_path)
    pages = {n: page_text(pdf, n) for n in range(1, page_count(pdf) + 1)}
    # The page of the questions, after the cover and the instructions.
    [table] = [n for n, text in pages.items() if "データセンターの所在国" in text]
    text = "".join(pages[table].split())  # -layout spaces columns out
    assert text.count("はい") >= 5  # the choices kb set in the 回答 column
    assert "ISMSクラウドセキュリティ認証は" in text and "管理コンソールにログインできるのは" in text  # texts
    picture = os.environ.get("KB_FILLED_PICTURE")
    if picture:
        draw_page(pdf, table, Path(picture), dpi=PICTURE_DPI, crop=PICTURE_CROP)
