"""kb export whitepaper: the disclosure document regenerated from the KB, and read back by kb import whitepaper.

The round trip is the contract between exporters/whitepaper_md.py and importers/whitepaper.py:
import a whitepaper, export its Markdown, import that into a fresh KB, and the responses are the
same (control ids, titles, texts, clause and document references, paths, frameworks), as are the
document's title, publisher, version, date, service, language and revision history.
"""

from __future__ import annotations

import re
import sqlite3
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporters.whitepaper import read_whitepaper
from exporters.whitepaper_md import body_blocks, format_date, render_markdown
from importers.whitepaper import parse_whitepaper
from kb import store
from kb.cli import cli
from kb.db import connect, connect_memory
from kb.model import ClauseRef, ParsedDocument, Section
from tests.builders import LEVEL_MARKERS, marked
from tests.kb.test_audience_leaks import leaks
from tests.paths import DEMO, SEED, need_shared

DB_COLUMNS = """
    SELECT r.control_id, r.title, r.text, r.section_path, f.name,
           (SELECT group_concat(document || '|' || article || '|' || title, '/') FROM
               (SELECT * FROM clause_refs c WHERE c.response_id = r.id ORDER BY c.id)),
           (SELECT group_concat(name, '/') FROM (SELECT * FROM doc_refs d WHERE d.response_id = r.id ORDER BY d.id))
    FROM responses r LEFT JOIN controls c ON c.id = r.control_ref LEFT JOIN frameworks f ON f.id = c.framework_id
    WHERE r.is_current = 1 ORDER BY r.position
"""


def run(args: list[str]):
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def kb_rows(db_path: Path) -> tuple[list[tuple], tuple, list[tuple]]:
    """The current responses (in order), the document and its revisions, as the KB holds them."""
    conn = sqlite3.connect(db_path)
    try:
        responses = conn.execute(DB_COLUMNS).fetchall()
        document = conn.execute(
            "SELECT title, publisher, version, date, service, lang, classification FROM documents"
            " WHERE is_current = 1"
        ).fetchone()
        revisions = conn.execute(
            "SELECT version, date, changed, note FROM revisions ORDER BY date, id"
        ).fetchall()
    finally:
        conn.close()
    return responses, document, revisions


def round_trip(source: Path, tmp_path: Path, *import_args: str) -> tuple[Path, Path, Path]:
    """Import ``source``, export its Markdown, import that into a fresh KB: (first KB, Markdown, second KB)."""
    first, second, exported = tmp_path / "first.db", tmp_path / "second.db", tmp_path / "exported.md"
    run(["--db", str(first), "import", "whitepaper", str(source), *import_args])
    run(["--db", str(first), "export", "whitepaper", "-o", str(exported)])
    run(["--db", str(second), "import", "whitepaper", str(exported)])
    return first, exported, second


def assert_same_kb(first: Path, second: Path) -> None:
    before, after = kb_rows(first), kb_rows(second)
    assert set(after[0]) == set(before[0])  # the same responses ...
    assert after[0] == before[0]  # ... in the same order
    assert after[1:] == before[1:]


def test_round_trip_on_the_real_seed(tmp_path):
    need_shared(SEED)
    first, exported, second = round_trip(SEED, tmp_path)
    assert len(kb_rows(first)[0]) == 48
    assert_same_kb(first, second)
    # Exporting the copy writes the same bytes: the Markdown is a fixed point of the round trip.
    again = tmp_path / "again.md"
    run(["--db", str(second), "export", "whitepaper", "-o", str(again)])
    assert again.read_bytes() == exported.read_bytes()


@pytest.mark.parametrize("name, lang", [("sample_whitepaper.md", "ja"), ("sample_whitepaper_en.md", "en")])
def test_round_trip_on_the_demo_whitepapers(tmp_path, name, lang):
    first, exported, second = round_trip(DEMO / name, tmp_path)
    responses, document, revisions = kb_rows(first)
    assert (len(responses), document[5], len(revisions)) == (42, lang, 3)
    assert any(r[5] for r in responses)  # it cites clauses, and they come back
    assert_same_kb(first, second)


def test_the_markdown_reads_as_a_whitepaper(tmp_path):
    _, exported, _ = round_trip(DEMO / "sample_whitepaper.md", tmp_path)
    text = exported.read_text(encoding="utf-8")
    assert text.startswith("# ミナトクラウド VPS")
    assert "\n\n株式会社ミナトクラウド\n\n2025年4月1日 (2.0 版)\n\n" in text
    assert "\n#### 12.6.1 技術的ぜい弱性の管理\n" in text
    assert "「ミナトクラウド サービス利用約款 第 12 条 (データの保管場所)」" in text
    assert text.index("### 6.1.3 ") < text.index("### CLD.6.3.1 ") < text.index("### 7.2.2 ")  # control order
    assert text.rstrip().endswith("| 2.0 | 2025年4月1日 | 9.4.1,CLD.9.5.2 を更新 |")
    assert "## 改訂履歴\n\n| 版数 | 日付 | 主な変更内容 |" in text


# --- the text survives Markdown, whatever it holds -------------------------------------------

JAPANESE = "あいうえおかきくけこ漢字情報管理暗号化データーサービス"
PUNCTUATION = "*_`[]<>&|~#-+=!().:/\\\"'"
WORD = st.text(alphabet=JAPANESE + "abcXYZ019" + PUNCTUATION + "、。「」※", min_size=1, max_size=30)


# What the importer reads otherwise in any Markdown, so no text of a response it stored is such a line:
# one ending in a dot leader and a page number is a table of contents, one starting with a control id
# may be a heading flattened into the text.
IMPORTER_READS_OTHERWISE = re.compile(r"(?:\.{3,}|…{2,}|・{3,}|‥{2,}|･{3,})\s*\d{1,4}\s*$|^(?:A\.|CLD\.?)?\d")


def normal_line(words: list[str]) -> str:
    """A line as the importer stores one: words joined by single spaces, no leading or trailing space."""
    line = " ".join(w.strip() for w in words if w.strip())
    return "" if IMPORTER_READS_OTHERWISE.search(line) else line


def reparsed(sections: list[Section]) -> list[tuple[str | None, str, str]]:
    db = connect_memory()
    doc = ParsedDocument(kind="whitepaper", title="テスト ホワイトペーパー", sha256="sha", source_name="t.md")
    doc.sections = sections
    store.import_document(db, doc)
    again = parse_whitepaper(render_markdown(read_whitepaper(db)).encode("utf-8"), "exported.md")
    return [(s.control_id, s.title, s.text) for s in again.sections]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(WORD, min_size=1, max_size=6).map(normal_line).filter(bool), min_size=1, max_size=5))
def test_any_text_of_our_own_comes_back_as_written(lines):
    text = "\n".join(lines)
    section = Section(
        title="情報のバックアップ", text=text, control_id="12.3.1", framework="ISO/IEC 27017:2015"
    )
    assert reparsed([section]) == [("12.3.1", "情報のバックアップ", text)]


def test_wrapped_looking_japanese_lines_stay_apart():
    # The importer joins a paragraph to the one before when that one's last line is long and both meet
    # in Japanese (a PDF wrap); two lines of a response must stay two lines.
    text = "管理者の操作は記録して一年間保管しており、必要に応じて\n監査人に提供します"
    assert reparsed(
        [Section(title="記録", text=text, control_id="12.4.1", framework="ISO/IEC 27017:2015")]
    ) == [("12.4.1", "記録", text)]
    # Written as two lines of one paragraph, split where Japanese needs no space.
    assert body_blocks(text)[0].count("\n") == 1


def test_lists_and_markup_characters():
    text = (
        "次のとおりです。\n- 年次の審査 *認証*\n  - 認証機関による審査\n- <b>夜間</b> & [監視]\n"
        "1. 手順 | 記録\n  - 記録は一年保管\n    1. 暗号化して保管\n2. 見直し_2"
    )
    assert reparsed(
        [Section(title="運用", text=text, control_id="12.1.2", framework="ISO/IEC 27017:2015")]
    ) == [("12.1.2", "運用", text)]


# --- which document, and what an audience sees ----------------------------------------------


def document(level: str, service: str, lang: str = "ja", sha: str = "") -> ParsedDocument:
    mark = LEVEL_MARKERS.get(level, "")
    return ParsedDocument(
        kind="whitepaper",
        title=f"テストクラウド ホワイトペーパー{mark}",
        sha256=f"sha-{level}-{service}-{lang}-{sha}",
        source_name=f"{level}.md",
        publisher="テストクラウド株式会社",
        service=service,
        classification=level,
        lang=lang,
        sections=[
            Section(
                title=f"情報のバックアップ{mark}",
                text=marked(
                    level, "「テスト利用約款 第 7 条 (保存地域)」のとおり、バックアップは毎日取得します。"
                ),
                control_id="12.3.1",
                framework="ISO/IEC 27017:2015",
                path=["ISO/IEC 27017:2015 への対応"],
                clause_refs=[ClauseRef("テスト利用約款", 7, "保存地域")],
            )
        ],
    )


def test_a_service_and_an_audience_choose_the_document(tmp_path):
    db = connect(tmp_path / "kb.db")
    for level in ("public", "internal"):
        store.import_document(db, document(level, "TC-1"))
    store.import_document(db, document("public", "TC-2"))
    with pytest.raises(Exception, match="2 whitepapers match"):
        read_whitepaper(db)
    paper = read_whitepaper(db, service="TC-1")  # public: the internal one is not there to see
    assert paper.title == "テストクラウド ホワイトペーパー" and paper.service == "TC-1"
    with pytest.raises(Exception, match="--document TITLE"):
        read_whitepaper(db, service="TC-1", audience="internal")
    inside = read_whitepaper(
        db,
        service="TC-1",
        audience="internal",
        document=f"テストクラウド ホワイトペーパー{LEVEL_MARKERS['internal']}",
    )
    assert LEVEL_MARKERS["internal"] in inside.sections[0].text


def test_an_internal_section_never_reaches_a_public_file(tmp_path):
    """A document mixing levels (a response classified above its document): every format for each
    audience holds no marker of a level above it (tests/kb/test_audience_leaks.py's check)."""
    db_path = tmp_path / "kb.db"
    db = connect(db_path)
    doc = document("public", "TC-1")
    doc.sections = [
        Section(
            title=f"{title}{LEVEL_MARKERS.get(level, '')}",
            text=marked(level, f"{title}の手順を定めています。"),
            control_id=cid,
            framework="ISO/IEC 27017:2015",
            path=["ISO/IEC 27017:2015 への対応"],
        )
        for cid, title, level in [
            ("12.3.1", "バックアップ", "public"),
            ("12.4.1", "ログ", "nda"),
            ("9.4.2", "認証", "internal"),
        ]
    ]
    store.import_document(db, doc)
    for cid, level in (("12.4.1", "nda"), ("9.4.2", "internal")):
        db.execute("UPDATE responses SET classification = ? WHERE control_id = ?", [level, cid])
    db.close()
    for audience in ("public", "nda", "internal"):
        outputs = []
        for fmt in ("md", "html", "docx"):
            out = tmp_path / f"{audience}.{fmt}"
            result = run(
                ["--db", str(db_path), "export", "whitepaper", "-o", str(out), "--audience", audience]
            )
            outputs.append(out)
        assert leaks(outputs, audience) == []
        shown = {"public": 1, "nda": 2, "internal": 3}[audience]
        assert f"{shown} control responses" in result.stderr
        assert (f"{3 - shown} sections above {audience} left out" in result.stderr) == (shown < 3)
    assert "INTMARKZ9" in (tmp_path / "internal.md").read_text(encoding="utf-8")  # the check can fail


def test_revisions_come_from_the_series_when_the_document_has_none(tmp_path):
    db = connect(tmp_path / "kb.db")
    for version, date, text in (
        ("1.0", "2024-01-10", "初版の記述。"),
        ("2.0", "2025-02-01", "改訂後の記述。"),
    ):
        doc = document("public", "TC-1", sha=version)
        doc.version, doc.date = version, date
        doc.sections = [
            *doc.sections,
            Section(
                title="変更管理",
                text=text,
                control_id="12.1.2",
                framework="ISO/IEC 27017:2015",
                path=["ISO/IEC 27017:2015 への対応"],
            ),
        ]
        store.import_document(db, doc)
    paper = read_whitepaper(db)
    assert [(r.version, r.date, r.note) for r in paper.revisions] == [
        ("1.0", "2024-01-10", "初版発行"),
        ("2.0", "2025-02-01", "12.1.2 を更新"),
    ]
    again = parse_whitepaper(render_markdown(paper).encode("utf-8"), "x.md")
    assert [(r.version, r.date, r.changed) for r in again.revisions] == [
        ("1.0", "2024-01-10", []),
        ("2.0", "2025-02-01", ["12.1.2"]),
    ]


# --- HTML and DOCX ---------------------------------------------------------------------------


def test_html_is_a_whole_escaped_page_in_the_documents_language(tmp_path):
    db_path = tmp_path / "kb.db"
    db = connect(db_path)
    doc = document("public", "TC-1", lang="en")
    doc.sections[0].text = 'Backups are <script>alert("x")</script> & kept for 30 days.'
    store.import_document(db, doc)
    db.close()
    out = tmp_path / "paper.html"
    run(["--db", str(db_path), "export", "whitepaper", "-o", str(out)])
    page = out.read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert page.rstrip().endswith("</html>")
    assert "<script>" not in page and "&lt;script&gt;" in page and "&amp; kept" in page
    assert "<h3>12.3.1 情報のバックアップ</h3>" in page


def test_html_joins_a_split_japanese_line_without_a_space(tmp_path):
    db_path = tmp_path / "kb.db"
    db = connect(db_path)
    doc = document("public", "TC-1")
    doc.sections[0].text = "管理者の操作は記録して一年間保管しており、必要に応じて\n監査人に提供します"
    store.import_document(db, doc)
    db.close()
    out = tmp_path / "paper.html"
    run(["--db", str(db_path), "export", "whitepaper", "--format", "html", "-o", str(out)])
    assert "<p>管理者の操作は記録して一年間保管しており、必要に応じて</p>" in out.read_text(encoding="utf-8")


def test_docx_headings_are_word_heading_styles(tmp_path):
    db_path = tmp_path / "kb.db"
    run(["--db", str(db_path), "import", "whitepaper", str(DEMO / "sample_whitepaper.md")])
    out = tmp_path / "paper.docx"
    run(["--db", str(db_path), "export", "whitepaper", "-o", str(out)])
    assert zipfile.is_zipfile(out)
    word = docx.Document(str(out))
    styled = [(p.style.name, p.text) for p in word.paragraphs]
    assert (
        styled[0] == ("Title", "ミナトクラウド VPS ISO/IEC 27017 ホワイトペーパー") or styled[0][0] == "Title"
    )
    assert ("Heading 1", "はじめに") in styled
    assert ("Heading 3", "12.6.1 技術的ぜい弱性の管理") in styled
    assert sum(1 for style, _ in styled if style == "List Bullet") == 4
    assert word.core_properties.language == "ja-JP"
    assert [c.text for c in word.tables[0].rows[0].cells] == ["版数", "日付", "主な変更内容"]


def test_nothing_to_export_is_one_line_and_no_file(tmp_path):
    db_path = tmp_path / "kb.db"
    run(["--db", str(db_path), "import", "whitepaper", str(DEMO / "sample_whitepaper.md")])
    out = tmp_path / "paper.md"
    result = CliRunner().invoke(
        cli, ["--db", str(db_path), "export", "whitepaper", "--service", "NONE", "-o", str(out)]
    )
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "service NONE" in result.stderr
    assert not out.exists()


def test_a_draft_is_not_disclosed(tmp_path):
    db_path = tmp_path / "kb.db"
    run(["--db", str(db_path), "import", "whitepaper", str(DEMO / "sample_whitepaper.md")])
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE responses SET status = 'draft' WHERE control_id = '12.6.1'")
    conn.commit()
    conn.close()
    out = tmp_path / "paper.md"
    result = run(["--db", str(db_path), "export", "whitepaper", "-o", str(out)])
    assert "12.6.1" not in out.read_text(encoding="utf-8").split("## 改訂履歴")[0]
    assert "1 drafts left out" in result.stderr


def test_an_approved_edit_is_a_new_edition_with_its_revision(tmp_path):
    db_path = tmp_path / "kb.db"
    db = ["--db", str(db_path)]
    run([*db, "import", "whitepaper", str(DEMO / "sample_whitepaper.md")])
    run([*db, "edit", "12.6.1", "--text", "毎月、第三者による脆弱性診断を実施しています。"])
    run([*db, "approve", "12.6.1"])
    today = (
        sqlite3.connect(db_path)
        .execute("SELECT approved_at FROM responses WHERE control_id = '12.6.1'")
        .fetchone()[0][:10]
    )
    out = tmp_path / "paper.md"
    run([*db, "export", "whitepaper", "-o", str(out)])
    text = out.read_text(encoding="utf-8")
    assert "毎月、第三者による脆弱性診断を実施しています。" in text
    day = format_date(today, "ja")
    assert f"\n\n{day} (2.1 版)\n\n" in text
    assert text.rstrip().endswith(f"| 2.1 | {day} | 12.6.1 を更新 |")
    # Read back, it is that edition, and exporting it again writes the same document.
    again = parse_whitepaper(out.read_bytes(), "paper.md")
    assert (again.version, again.date, again.revisions[-1].changed) == ("2.1", today, ["12.6.1"])


def test_a_folder_for_output_is_one_line(tmp_path):
    db_path = tmp_path / "kb.db"
    run(["--db", str(db_path), "import", "whitepaper", str(DEMO / "sample_whitepaper.md")])
    for fmt in ("md", "docx"):
        result = CliRunner().invoke(
            cli, ["--db", str(db_path), "export", "whitepaper", "--format", fmt, "-o", str(tmp_path)]
        )
        assert result.exit_code == 2 and f"is a directory, not a file: {tmp_path}" in result.stderr
