"""What kb prints for a person: each renderer on real values."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from kb.answer import Answer
from kb.cli import cli, render
from kb.evaluate import Report
from tests.builders import make_doc, make_eval_report, make_fill_report
from tests.terminal import table_row


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps table cells to the terminal's width


def test_inspect_separates_the_tables_of_a_workbook(capsys):
    from importers.checksheet import SheetReport

    tables = [
        SheetReport(name, 1, {"question": "B"}, questions=3, with_options=0, answered=0, option_lists=())
        for name in ("A", "B")
    ]
    render.render_inspect("x.xlsx", tables)
    assert capsys.readouterr().out.splitlines()[1:] == [
        *(
            "  sheet       A",
            "  header row  1",
            "  columns     question=B",
            "  options     -",
            "  questions   3",
        ),
        "",
        *(
            "  sheet       B",
            "  header row  1",
            "  columns     question=B",
            "  options     -",
            "  questions   3",
        ),
    ]


def test_eval_table_and_misses(capsys):
    report = make_eval_report()
    render.render_eval(report.metrics(), report.failures())
    out = capsys.readouterr().out
    assert table_row(out, "questions") == ["questions", "4"]
    assert table_row(out, "top1") == ["top1", "66.7%"]
    assert table_row(out, "abstention") == ["abstention", "0.0%"]
    assert table_row(out, "stance_accuracy") == ["stance_accuracy", "50.0%"]
    assert table_row(out, "2") == [
        "2",
        "Isolated?",
        "CLD.9.5.1",
        "12.3.1,cld.9.5.1",
        "needs_review",
        "0.43",
        "None/None",
    ]
    assert table_row(out, "3") == ["3", "株価は。", "[]", "5.1.1", "answered", "0.60", "None/None"]
    assert "x4" not in out  # no stance where gold says no: abstaining is not a miss


def test_a_measure_nobody_counts_towards_shows_as_a_dash(capsys):
    render.render_eval(Report(make_eval_report().results[:1]).metrics(), [])
    out = capsys.readouterr().out
    assert table_row(out, "english_top3") == ["english_top3", "-"]
    assert table_row(out, "top1") == ["top1", "100.0%"]
    assert "misses" not in out  # nothing missed, no table of misses


def test_fill_summary_counts_and_review_line(capsys):
    render.render_fill_summary(make_fill_report().with_review("out/review.html", 2))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "in.xlsx → out.xlsx"
    counts = {label.strip(): int(n) for label, n in (line.rsplit(None, 1) for line in lines[3:9])}
    assert counts == {
        "answered": 1,
        "needs review": 1,
        "no match": 1,
        "kept (already answered)": 1,
        "not applicable (switched off)": 0,
        "total": 4,
    }
    assert lines[9] == "2 cells written in チェックシート (answer language: ja); output: out.xlsx"
    assert lines[10] == "review list (2 rows): out/review.html"


def test_fill_summary_without_review_list(capsys):
    render.render_fill_summary(make_fill_report())
    assert "review list" not in capsys.readouterr().out


def test_answer_shows_status_sources_and_citations(capsys):
    source = make_fill_report().rows[0].answer.sources[0]
    render.render_answer(Answer("データは国内ですか。", "answered", 0.9123, "yes", [source]))
    lines = [line.rstrip() for line in capsys.readouterr().out.splitlines()]
    assert lines == [
        "Q: データは国内ですか。",
        "   answered · confidence 0.91 · yes",
        "   6.1.3 関係当局との連絡 (response, 0.910)",
        "     日本国内のデータセンターにのみ配置しています。",
        "     出典: ホワイトペーパー 6.1.3",
        "     出典: 利用約款 第12条（データの保管場所）",
        "",
    ]


def test_show_a_control_with_clauses_revisions_and_an_earlier_version(tmp_path):
    from kb import store
    from kb.db import connect

    db = connect(tmp_path / "kb.db")
    store.import_document(db, make_doc("1.0"))
    store.import_document(db, make_doc("2.0", "ログも保管します。"))
    db.close()
    res = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "kb.db"), "show", "cld.9.5.2"], catch_exceptions=False
    )
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "CLD.9.5.2 仮想マシンの要塞化  [ISO/IEC 27017:2015]" in out
    assert "最新のパッチを適用して提供します。ログも保管します。" in out
    assert "出典: Example whitepaper (2.0 版) / サービス: EX-1" in out
    assert "約款: Example 利用約款 第30条（提供場所）" in out
    assert "参照: サービス仕様書" in out
    assert table_row(out, "2.0") == ["2.0", "2024-01-01", "更新"]  # only the current document's revisions
    with pytest.raises(AssertionError):
        table_row(out, "1.0")
    assert "以前の版: Example whitepaper 1.0" in out


def test_search_hits_show_title_kind_score_and_the_matching_sentence(tmp_path):
    from kb import store
    from kb.db import connect

    db = connect(tmp_path / "kb.db")
    store.import_document(db, make_doc("1.0"))
    db.close()
    res = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "kb.db"), "search", "パッチ"], catch_exceptions=False
    )
    lines = res.stdout.splitlines()
    assert re.fullmatch(r"CLD\.9\.5\.2 仮想マシンの要塞化  response · 0\.\d{3}", lines[0]), lines
    assert lines[1] == "  最新のパッチを適用して提供します。"
    assert len(lines) == 2
