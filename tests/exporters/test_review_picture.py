"""What a salesperson sees: the demo's decision workbook printed by LibreOffice (headless) fits
A4 landscape and shows the header, the questions and the answer texts. Needs soffice and
pdftotext/pdfinfo (poppler-utils), which .ci/run installs; skips with a reason without them.

``KB_REVIEW_PICTURE=docs/review_workbook.png`` also writes the first page as the picture in docs/."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from kb.cli import cli
from tests.paths import DEMO
from tests.printing import draw_page, need_print_tools, page_text, print_to_pdf, run_tool


def test_the_decision_workbook_prints_readably_on_a4_landscape(tmp_path):
    need_print_tools()
    kb = str(tmp_path / "kb.db")
    runner = CliRunner()
    for args in (
        ["import", "whitepaper", str(DEMO / "sample_whitepaper.md")],
        ["fill", str(DEMO / "sample_checksheet.xlsx"), "-o", str(tmp_path / "filled.xlsx")]
        + ["--review", str(tmp_path / "decisions.xlsx")],
    ):
        result = runner.invoke(cli, ["--db", kb, *args])
        assert result.exit_code == 0, result.output
    pdf = print_to_pdf(tmp_path / "decisions.xlsx", tmp_path)
    info = run_tool("pdfinfo", str(pdf))
    size = next(line for line in info.splitlines() if line.startswith("Page size:")).split()
    width, height = float(size[2]), float(size[4])
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    first = page_text(pdf, 1)
    for label in ("番号", "質問", "判断", "回答文（編集可）", "理由"):  # every printed column fits the width
        assert label in first
    assert "データセンター" in first and "出典" in first  # questions and answer texts, not only the header
    picture = os.environ.get("KB_REVIEW_PICTURE")
    if picture:
        draw_page(pdf, 1, Path(picture))
