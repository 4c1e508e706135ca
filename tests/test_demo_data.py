"""Sanity checks for the fictional sample data shipped in demo/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo"
WHITEPAPER = DEMO / "sample_whitepaper.md"
CONTRACT = DEMO / "sample_contract.md"
CHECKSHEET = DEMO / "sample_checksheet.xlsx"
SEED = ROOT.parent / "shared" / "seed" / "000_7aaf04e06d1268f3.txt"

CONTROL_HEADING = re.compile(r"^#+\s*((?:CLD\.)?\d+(?:\.\d+)+)\s+\S")
TOC_CONTROL = re.compile(r"^((?:CLD\.)?\d+(?:\.\d+)+)\s+\S.*\.{3,}\s*\d+\s*$")
CITATION = re.compile(r"第\s*(\d+)\s*条\s*[(（]([^)）]+)[)）]")
ARTICLE_HEADING = re.compile(r"^##\s*第\s*(\d+)\s*条\s*[(（]([^)）]+)[)）]\s*$")
QUESTION_NO = re.compile(r"^\d+-\d+$")

# Headings fixed by the standards themselves or by the document type (they may
# legitimately coincide with any other provider's whitepaper); everything else
# must be our own wording.
STANDARD_LINES = {
    "ISO/IEC 27017 ホワイトペーパー",
    "JIP-ISMS517-1.0、ISO/IEC 27017:2015 への対応",
    "1. JIP-ISMS517-1.0 への対応",
    "2. ISO/IEC 27017:2015 (JIS Q 27017:2016) への対応",
}


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _contract_articles() -> dict[int, str]:
    articles: dict[int, str] = {}
    for line in _lines(CONTRACT):
        m = ARTICLE_HEADING.match(line.strip())
        if m:
            number = int(m.group(1))
            assert number not in articles, f"duplicate article 第{number}条"
            articles[number] = m.group(2).strip()
    return articles


def test_whitepaper_has_control_headings():
    ids = [m.group(1) for line in _lines(WHITEPAPER) if (m := CONTROL_HEADING.match(line))]
    assert len(ids) >= 25
    assert len(ids) == len(set(ids)), "control ids must not repeat"
    for expected in ("9.4.1", "CLD.6.3.1", "CLD.8.1.5", "CLD.9.5.1", "CLD.9.5.2", "CLD.13.1.4"):
        assert expected in ids


def test_whitepaper_toc_lists_every_control():
    lines = _lines(WHITEPAPER)
    headings = {m.group(1) for line in lines if (m := CONTROL_HEADING.match(line))}
    toc = {m.group(1) for line in lines if (m := TOC_CONTROL.match(line))}
    assert headings == toc


def test_whitepaper_revision_history():
    lines = _lines(WHITEPAPER)
    start = lines.index("## 改訂履歴")
    rows = [line.split("\t") for line in lines[start:] if "\t" in line]
    assert rows[0] == ["版数", "日付", "主な変更内容"]
    assert [r[0] for r in rows[1:]][-1] == "2.0 版"
    assert all(len(r) == 3 for r in rows)


def test_contract_articles_are_sequential():
    articles = _contract_articles()
    assert len(articles) >= 25
    assert sorted(articles) == list(range(1, len(articles) + 1))


def test_whitepaper_citations_exist_in_contract():
    text = WHITEPAPER.read_text(encoding="utf-8")
    citations = {(int(n), title.strip()) for n, title in CITATION.findall(text)}
    assert len(citations) >= 10
    articles = _contract_articles()
    for number, title in sorted(citations):
        assert number in articles, f"第 {number} 条 is cited but missing from the contract"
        assert articles[number] == title, f"第 {number} 条: {title!r} != {articles[number]!r}"


def test_checksheet_workbook_structure():
    wb = load_workbook(CHECKSHEET)
    visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    hidden = [ws.title for ws in wb.worksheets if ws.sheet_state != "visible"]
    assert visible == ["表紙", "記入要領", "チェックシート"]
    assert hidden == ["選択肢"]

    ws = wb["チェックシート"]
    assert [ws.cell(3, c).value for c in range(1, 6)] == ["No.", "確認項目", "回答欄", None, "備考"]
    assert [ws.cell(4, c).value for c in (3, 4)] == ["回答", "回答内容・補足説明"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A3:A4", "B3:B4", "C3:D3", "E3:E4"} <= merged

    question_rows = [
        row for row in range(5, ws.max_row + 1) if QUESTION_NO.match(str(ws.cell(row, 1).value or ""))
    ]
    assert len(question_rows) >= 20

    validations = ws.data_validations.dataValidation
    assert validations
    formulas = {dv.formula1 for dv in validations}
    assert '"はい,いいえ,該当なし"' in formulas
    assert "回答選択肢" in formulas
    assert wb.defined_names["回答選択肢"].attr_text == "'選択肢'!$A$2:$A$4"
    options = [wb["選択肢"].cell(r, 1).value for r in range(2, 5)]
    assert options == ["はい", "いいえ", "該当なし"]

    # Every answer cell (column C of a question row) carries exactly one list validation.
    for row in question_rows:
        coord = f"C{row}"
        owners = [dv for dv in validations if coord in dv]
        assert len(owners) == 1, coord
        assert owners[0].type == "list"

    assert ws.conditional_formatting
    assert any(ws.cell(row, 2).comment for row in question_rows)


def _is_standard_line(line: str) -> bool:
    """Control headings / TOC entries carry standard titles from ISO/IEC 27017."""
    stripped = line.strip()
    if CONTROL_HEADING.match(stripped) or TOC_CONTROL.match(stripped):
        return True
    title = re.sub(r"\.{3,}\s*\d+\s*$", "", stripped.lstrip("#").strip())
    return title in STANDARD_LINES


def test_whitepaper_does_not_copy_reference_document():
    if not SEED.parent.parent.is_dir():
        pytest.skip(f"reference document directory {SEED.parent.parent} is not available")
    if not SEED.is_file():
        pytest.skip(f"reference document {SEED} is not available")
    seed = SEED.read_text(encoding="utf-8")
    copied = [
        line.strip()
        for line in _lines(WHITEPAPER)
        if len(line.strip()) >= 20 and not _is_standard_line(line) and line.strip() in seed
    ]
    assert not copied, copied
