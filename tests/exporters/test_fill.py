"""kb fill end to end: the customer's workbook comes back answered and otherwise unchanged."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporters.fill import FillOptions, fill
from importers.checksheet import read_checksheet
from kb.cli import cli
from tests.builders import build_demo_db
from tests.conftest import DEMO, SHARED, need_shared

DEV_SHEET = SHARED / "data" / "dev" / "checksheet_basic_ja.xlsx"
HECVATS = [
    SHARED / "data" / "public" / "hecvat-4.1.4" / "HECVAT414.xlsx",
    SHARED / "data" / "public" / "instructure" / "Canvas LMS HECVAT Full.xlsx",
    SHARED / "data" / "public" / "instructure" / "Elevate Standards Alignment HECVAT Lite.xlsx",
]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """This module's own demo KB: the harvest test below adds answered questions to it, which
    must not reach the session's demo KB that other modules answer from."""
    return build_demo_db(tmp_path_factory.mktemp("fill-demo"))


def db_path(db) -> str:
    return db.execute("PRAGMA database_list").fetchone()[2]


def kb(*args, db):
    return CliRunner().invoke(cli, ["--db", db_path(db), *args], catch_exceptions=False)


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def x14_block(xml: bytes) -> bytes:
    match = re.search(rb"<extLst>.*</extLst>", xml, re.S)
    return match.group(0) if match else b""


def assert_only_sheets_changed(src: Path, dst: Path, changed: list[str]) -> None:
    before, after = members(src), members(dst)
    assert list(before) == list(after)
    for name in before:
        if name in changed:
            assert name.startswith("xl/worksheets/sheet")
            # x14 validations and conditional formats live in the sheet's extLst.
            assert x14_block(before[name]) == x14_block(after[name])
        else:
            assert before[name] == after[name], name


def assert_answers_reread(dst: Path, report: dict) -> None:
    wb = openpyxl.load_workbook(dst)
    for q in report["questions"]:
        if q["choice"]:
            cells = [c.value for c in wb[q["sheet"]][q["row"]]]
            assert q["choice"] in cells


def test_fill_dev_check_sheet_via_cli(seed_db, tmp_path):
    need_shared(DEV_SHEET)
    out, report_path, review = tmp_path / "out.xlsx", tmp_path / "report.json", tmp_path / "review.html"
    res = kb(
        "fill",
        str(DEV_SHEET),
        "-o",
        str(out),
        "--report",
        str(report_path),
        "--review",
        str(review),
        db=seed_db,
    )
    assert res.exit_code == 0, res.output
    report = json.loads(report_path.read_text())
    assert set(report) >= {"input", "output", "summary", "questions"}
    assert report["summary"]["questions"] == 78
    assert report["summary"]["answered"] >= 25
    # the terminal's summary table says the same as the report
    summary = report["summary"]
    for label, key in (("answered", "answered"), ("needs review", "needs_review"), ("no match", "no_match")):
        assert re.search(rf"^  {label} +{summary[key]}$", res.output, re.M), (label, res.output)
    assert re.search(r"^  total +78$", res.output, re.M)
    assert_only_sheets_changed(DEV_SHEET, out, report["summary"]["parts_changed"])
    assert_answers_reread(out, report)
    for q in report["questions"]:
        assert q["status"] in {"answered", "needs_review", "no_match", "kept", "not_applicable"}
        assert set(q) >= {"sheet", "row", "number", "question", "status", "confidence", "choice", "sources"}
        if q["choice"]:
            assert q["choice"] in {"はい", "いいえ", "該当なし"}
    # Rows without a question are untouched: compare every cell outside question rows.
    rows = {q["row"] for q in report["questions"]}
    src_ws = openpyxl.load_workbook(DEV_SHEET)["チェックシート"]
    out_ws = openpyxl.load_workbook(out)["チェックシート"]
    for row in src_ws.iter_rows():
        if row[0].row not in rows:
            assert [c.value for c in row] == [c.value for c in out_ws[row[0].row]]
    html = review.read_text()
    assert html.count("<tr>") == report["summary"]["review_rows"] + 1


@pytest.mark.parametrize("path", HECVATS, ids=lambda p: p.name)
def test_fill_real_hecvat_keeps_everything_else(seed_db, tmp_path, path):
    need_shared(path)
    out = tmp_path / "out.xlsx"
    tables = read_checksheet(path)
    # The Instructure sheets are already answered by the vendor: overwrite to exercise patching.
    report = fill(seed_db, path, out, tables, FillOptions(min_confidence=0.3, overwrite=True)).to_json()
    assert report["summary"]["cells_written"] > 0
    assert_only_sheets_changed(path, out, report["summary"]["parts_changed"])
    assert_answers_reread(out, report)
    # Re-reading the filled workbook finds the same questions, now answered or kept.
    again = read_checksheet(out)
    assert sum(len(t.questions) for t in again) == sum(len(t.questions) for t in tables)


def test_existing_answers_are_kept_unless_overwrite(demo_db, tmp_path):
    src = tmp_path / "in.xlsx"
    wb = openpyxl.load_workbook(DEMO / "sample_checksheet.xlsx")
    ws = wb["チェックシート"]
    first = read_checksheet(DEMO / "sample_checksheet.xlsx")[0].questions[0]
    ws[first.answer_cell.a1] = "いいえ"
    wb.save(src)  # our own fixture, so an openpyxl save is fine here
    tables = read_checksheet(src)
    report = fill(demo_db, src, tmp_path / "a.xlsx", tables, FillOptions()).to_json()
    kept = [r for r in report["questions"] if r["row"] == first.row][0]
    assert kept["status"] == "kept"
    assert (
        openpyxl.load_workbook(tmp_path / "a.xlsx")["チェックシート"][first.answer_cell.a1].value == "いいえ"
    )
    report = fill(demo_db, src, tmp_path / "b.xlsx", tables, FillOptions(overwrite=True)).to_json()
    row = [r for r in report["questions"] if r["row"] == first.row][0]
    assert row["status"] != "kept"


def test_bad_input_exits_2_without_output(demo_db, tmp_path):
    cases = {
        "legacy.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
        "random.xlsx": b"not a zip at all",
        "truncated.xlsx": (DEMO / "sample_checksheet.xlsx").read_bytes()[:2000],
    }
    plain = openpyxl.Workbook()
    plain.active.append(["just", "numbers"])
    plain.save(tmp_path / "no_table.xlsx")
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    for name in [*cases, "no_table.xlsx"]:
        out = tmp_path / f"out-{name}.xlsx"
        res = kb("fill", str(tmp_path / name), "-o", str(out), db=demo_db)
        assert res.exit_code == 2, (name, res.output)
        assert res.stderr.count("\n") == 1 and "Traceback" not in res.output
        assert not out.exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_refuses_to_overwrite_the_input(demo_db, tmp_path):
    src = tmp_path / "in.xlsx"
    src.write_bytes((DEMO / "sample_checksheet.xlsx").read_bytes())
    before = src.read_bytes()
    res = kb("fill", str(src), "-o", str(tmp_path / "." / "in.xlsx"), db=demo_db)
    assert res.exit_code == 2 and "input" in res.stderr
    assert src.read_bytes() == before


@pytest.mark.parametrize(
    ("output", "extras", "says"),
    [
        ("out.csv", (), "must end in .xlsx"),
        ("out.xlsx", ("--report", "both.json", "--review", "both.json"), "same file"),
    ],
)
def test_outputs_that_would_mislead_or_replace_each_other_are_refused_before_any_work(
    demo_db, tmp_path, output, extras, says
):
    res = kb(
        "fill",
        str(DEMO / "sample_checksheet.xlsx"),
        "-o",
        str(tmp_path / output),
        *[str(tmp_path / e) if e.endswith(".json") else e for e in extras],
        db=demo_db,
    )
    assert res.exit_code == 2 and says in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_failure_after_the_workbook_is_written_leaves_earlier_outputs_as_they_were(
    demo_db, tmp_path, monkeypatch
):
    import errno

    import exporters.review

    old = {name: f"an earlier {name}".encode() for name in ("out.xlsx", "review.html", "report.json")}
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)

    def disk_full(report, path, **_):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(exporters.review, "write_review", disk_full)
    res = kb(
        "fill",
        str(DEMO / "sample_checksheet.xlsx"),
        "-o",
        str(tmp_path / "out.xlsx"),
        "--review",
        str(tmp_path / "review.html"),
        "--report",
        str(tmp_path / "report.json"),
        db=demo_db,
    )
    assert res.exit_code == 2
    assert res.stderr.strip() == f"kb: error: No space left on device: {tmp_path / 'review.html'}"
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == old  # nothing lost, nothing left


def test_answered_sheet_feeds_the_answer_library(demo_db, tmp_path):
    filled = tmp_path / "filled.xlsx"
    tables = read_checksheet(DEMO / "sample_checksheet.xlsx")
    fill(demo_db, DEMO / "sample_checksheet.xlsx", filled, tables, FillOptions())
    # A person finishes the sheet: one answer differs from what the KB would say.
    wb = openpyxl.load_workbook(filled)
    ws = wb["チェックシート"]
    q = next(q for q in tables[0].questions if "多要素認証" in q.text)
    ws[q.answer_cell.a1] = "はい"
    ws[q.comment_cell.a1] = "管理画面はワンタイムパスワードによる多要素認証に対応しています。"
    wb.save(filled)
    res = kb(
        "import",
        "checksheet",
        str(filled),
        "--answered",
        "--approved",
        "--customer",
        "ACME",
        "--date",
        "2025-05-01",
        db=demo_db,
    )
    assert res.exit_code == 0, res.output
    again = kb("import", "checksheet", str(filled), "--answered", "--customer", "ACME", db=demo_db)
    assert "nothing changed" in again.stdout
    answer = json.loads(kb("answer", q.text, "--json", db=demo_db).stdout)
    assert answer["status"] == "answered" and answer["confidence"] == 1.0 and answer["stance"] == "yes"
    assert answer["sources"][0]["kind"] == "qa" and "ワンタイムパスワード" in answer["sources"][0]["text"]
    bad = kb("import", "checksheet", str(filled), "--answered", "--date", "05/01/2025", db=demo_db)
    assert bad.exit_code == 2


def test_inspect_reports_detection(tmp_path, demo_db):
    res = kb("inspect", str(DEMO / "sample_checksheet.xlsx"), "--json", db=demo_db)
    report = json.loads(res.stdout)
    assert report[0]["sheet"] == "チェックシート" and report[0]["questions"] == 27


HEADERS = [
    ("質問", "回答", "備考"),
    ("確認項目", "回答欄", "補足説明"),
    ("Question", "Answer", "Additional Information"),
]
OPTION_SETS = [["はい", "いいえ", "該当なし"], ["○", "×", "△", "－"], ["Yes", "No", "N/A"]]
QUESTIONS = [
    "仮想マシンの暗号化は標準で提供されていますか。",
    "データセンターはどの国にありますか。",
    "バックアップは取得できますか。",
    "Is customer data stored only in Japan?",
    "ログは取得できますか。",
    "多要素認証を利用できますか。",
]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    header=st.sampled_from(HEADERS),
    options=st.sampled_from(OPTION_SETS),
    picks=st.lists(st.sampled_from(QUESTIONS), min_size=1, max_size=6),
    prefilled=st.lists(st.booleans(), min_size=6, max_size=6),
    title_rows=st.integers(0, 3),
    extra_sheet=st.booleans(),
)
def test_property_random_check_sheets(
    demo_db, tmp_path_factory, header, options, picks, prefilled, title_rows, extra_sheet
):
    from openpyxl.worksheet.datavalidation import DataValidation

    tmp = tmp_path_factory.mktemp("prop")
    src, dst = tmp / "in.xlsx", tmp / "out.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet A"
    for n in range(title_rows):
        ws.append([f"タイトル {n}"])
    ws.append(["No.", *header])
    first = ws.max_row + 1
    for i, text in enumerate(picks):
        ws.append([f"Q-{i + 1}", text, options[1] if prefilled[i] else None, None])
    dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"')
    ws.add_data_validation(dv)
    dv.add(f"C{first}:C{ws.max_row}")
    if extra_sheet:
        other = wb.create_sheet("Notes")
        other.append(["free", 1, 2.5])
    wb.save(src)

    tables = read_checksheet(src)
    report = fill(demo_db, src, dst, tables, FillOptions(min_confidence=0.3)).to_json()
    assert_only_sheets_changed(src, dst, report["summary"]["parts_changed"])
    out = openpyxl.load_workbook(dst)["Sheet A"]
    for i, q in enumerate(report["questions"]):
        row = first + i
        assert q["row"] == row
        if prefilled[i]:
            assert (
                q["status"] == "kept" and out[f"C{row}"].value == options[1] and out[f"D{row}"].value is None
            )
        elif q["choice"]:
            assert out[f"C{row}"].value == q["choice"] and q["choice"] in options
        else:
            assert out[f"C{row}"].value is None
    for row in range(1, first):
        src_ws = openpyxl.load_workbook(src)["Sheet A"]
        assert [c.value for c in src_ws[row]] == [c.value for c in out[row]]


def test_failed_report_leaves_no_outputs(demo_db, tmp_path):
    out, review = tmp_path / "out.xlsx", tmp_path / "review.html"
    report = tmp_path / "missing-dir" / "report.json"
    res = kb(
        "fill",
        str(DEMO / "sample_checksheet.xlsx"),
        "-o",
        str(out),
        "--review",
        str(review),
        "--report",
        str(report),
        db=demo_db,
    )
    assert res.exit_code == 2 and "missing-dir" in res.stderr
    assert not out.exists() and not review.exists()
