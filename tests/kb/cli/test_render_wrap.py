"""Japanese in the terminal (kb.cli.render_wrap): lines fold by display width, full-width characters
count two, Japanese breaks between any two characters rather than at its rare ASCII spaces, and the
lines after a label hang under its text. Issue 17 papercut."""

from __future__ import annotations

from click.testing import CliRunner
from rich.cells import cell_len

from kb.cli import cli
from kb.cli.render_wrap import MARK_CLOSE, MARK_OPEN, fold, fold_marked, fold_numbered, hanging
from tests.paths import DEMO

SENTENCE = "外部の専門業者によるぜい弱性診断を年 2 回実施しており、大きな改修の前にも診断を行います。"


def test_lines_fill_the_width_in_cells_and_break_between_japanese_characters():
    lines = fold(SENTENCE, 30, "  ")
    assert all(cell_len(line) <= 30 for line in lines)
    assert cell_len(lines[0]) >= 29  # filled: not broken early at the space of "年 2 回"
    assert "".join(line.replace(" ", "") for line in lines) == SENTENCE.replace(" ", "")  # nothing lost
    assert all(line.startswith("  ") for line in lines)


def test_a_label_hangs_its_later_lines_under_the_text():
    lines = hanging(
        "出典: ", "ミナトクラウド VPS 仮想専用サーバサービス ISO/IEC 27017 ホワイトペーパー 6.1.3", 40, "   "
    )
    assert lines[0].startswith("   出典: ミナトクラウド")
    assert len(lines) > 1
    for line in lines[1:]:
        assert line.startswith(" " * (3 + cell_len("出典: "))) and line[9] != " "  # under the text's start
    assert all(cell_len(line) <= 40 for line in lines)


def test_a_latin_word_is_kept_whole_and_no_line_starts_with_closing_punctuation():
    lines = fold("当社のサービスは Infrastructure を提供します。", 20)
    assert any(line.startswith("Infrastructure") or line.endswith("Infrastructure") for line in lines)
    lines = fold("あ" * 9 + "。次の文です。", 18)  # 9 characters fill 18 cells: 。 would begin line 2
    assert not any(line.startswith("。") for line in lines)
    assert lines[0] == "あ" * 8 and lines[1].startswith("あ。")


def test_a_marked_word_broken_over_two_lines_is_closed_and_reopened():
    text = "あ" * 8 + MARK_OPEN + "脆弱性診断" + MARK_CLOSE + "を行います。"
    lines = fold_marked(text, 24, "  ", start="<", end=">", escape=str)
    assert lines == ["  " + "あ" * 8 + "<脆弱性>", "  <診断>を行います。"]


def test_a_numbered_paragraph_hangs_under_its_text():
    lines = fold_numbered(
        "1. 当社は、契約者データを日本国内のデータセンターにのみ保管します。\n2. 短い項です。", 30, "  "
    )
    assert lines[0].startswith("  1. 当社は") and lines[1].startswith("     ") and lines[1][5] != " "
    assert lines[-1] == "  2. 短い項です。"


def _printed(tmp_path, monkeypatch, columns: int, *args: str) -> list[str]:
    """What kb prints on the demo KB at a terminal ``columns`` wide; no line is wider."""
    monkeypatch.setenv("COLUMNS", str(columns))
    db = str(tmp_path / "kb.db")
    runner = CliRunner()
    for command in (["import", "whitepaper", str(DEMO / "sample_whitepaper.md")], list(args)):
        result = runner.invoke(cli, ["--db", db, *command])
        assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(cell_len(line) <= columns for line in lines), result.output
    return lines


def test_kb_answer_folds_to_the_terminal_and_hangs_citations(tmp_path, monkeypatch):
    lines = _printed(tmp_path, monkeypatch, 60, "answer", "データセンターはどの国にありますか。")
    cited = next(i for i, line in enumerate(lines) if line.startswith("     出典: ミナトクラウド VPS"))
    assert lines[cited + 1].startswith(" " * 11) and lines[cited + 1][11] != " "  # hangs under the text
    body = next(i for i, line in enumerate(lines) if "お客様のデータを保存する" in line)
    assert lines[body + 1].startswith("     ") and lines[body + 1][5] != " "  # the text's own indent


def test_kb_search_folds_its_snippets(tmp_path, monkeypatch):
    lines = _printed(tmp_path, monkeypatch, 50, "search", "ぜい弱性")
    assert lines[1].startswith("  ") and lines[2].startswith("  ") and lines[2][2] != " "


def test_kb_show_folds_inside_its_panel(tmp_path, monkeypatch):
    lines = _printed(tmp_path, monkeypatch, 60, "show", "6.1.3")
    cited = next(i for i, line in enumerate(lines) if "出典: ミナトクラウド VPS" in line)
    assert lines[cited + 1].startswith("│       ") and lines[cited + 1][8] != " "  # under the source's name


def test_kb_evidence_list_folds_titles_rather_than_cutting_them(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    db = str(tmp_path / "kb.db")
    title = "ISMS クラウドセキュリティ認証 登録証（要約）"
    for args in (
        ["import", "whitepaper", str(DEMO / "sample_whitepaper.md")],
        [
            "evidence",
            "add",
            str(DEMO / "evidence" / "isms_certificate.md"),
            "--title",
            title,
            "--control",
            "18.2.1",
        ],
        ["evidence", "list"],
    ):
        result = CliRunner().invoke(cli, ["--db", db, *args])
        assert result.exit_code == 0, result.output
    assert "…" not in result.output
    cells = "".join(line.split("│")[2] for line in result.output.splitlines() if line.count("│") > 3)
    assert "".join(cells.split()) == "".join(title.split())


def test_kb_clauses_show_folds_its_paragraphs_under_their_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "50")
    db = str(tmp_path / "kb.db")
    for args in (
        ["import", "clauses", str(DEMO / "sample_contract.md")],
        ["clauses", "show", "利用約款", "12"],
    ):
        result = CliRunner().invoke(cli, ["--db", db, *args])
        assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(cell_len(line) <= 50 for line in lines), result.output
    first = next(i for i, line in enumerate(lines) if line.startswith("  1. "))
    assert lines[first + 1].startswith("     ") and lines[first + 1][5] != " "
