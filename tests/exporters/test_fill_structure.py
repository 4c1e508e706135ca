"""The questionnaire's structure: identity fields from the profile alone, switched-off sections."""

from __future__ import annotations

import dataclasses

import openpyxl
import pytest

from exporters.fill import FillOptions, fill
from exporters.fill_reasons import ReasonCode
from importers.checksheet import SwitchOff, read_checksheet
from kb import profile
from kb.db import connect
from tests.exporters.test_fill import assert_only_sheets_changed
from tests.workbooks import build_question_sheet


def _cells(path, sheet="Q") -> dict[str, object]:
    ws = openpyxl.load_workbook(path)[sheet]
    return {c.coordinate: c.value for row in ws.iter_rows(min_row=2) for c in row if c.value is not None}


@pytest.fixture
def empty_kb(tmp_path):
    """A KB with no documents at all: whatever a fill writes comes from the profile."""
    return connect(tmp_path / "empty.db")


def test_identity_fields_come_from_the_profile_in_the_sheets_language(empty_kb, tmp_path):
    profile.set_value(empty_kb, "provider_name", "ja", "架空クラウド株式会社")
    profile.set_value(empty_kb, "provider_name", "en", "Kaku Cloud Inc.")
    profile.set_value(empty_kb, "website", "", "https://cloud.example.jp")
    profile.set_value(empty_kb, "contact_email", "", "sales@example.jp")
    en = build_question_sheet(
        tmp_path / "en.xlsx", ["Vendor Name", "Company Website", "Product Name", "Privacy Contact Email"]
    )
    ja = build_question_sheet(
        tmp_path / "ja.xlsx",
        ["会社名", "サービス名", "データは国内に保存されますか。", "ログは取得できますか。"],
        options=("はい", "いいえ"),
        header=("No.", "質問", "回答", "備考"),
    )
    for src, name in ((en, "Kaku Cloud Inc."), (ja, "架空クラウド株式会社")):
        out = tmp_path / f"out-{src.name}"
        report = fill(empty_kb, src, out, read_checksheet(src), FillOptions())
        first, second, third = report.rows[:3]
        assert first.status == "answered" and first.text == name
        assert first.reasons[0].code is ReasonCode.IDENTITY_FROM_PROFILE
        assert first.answer is None  # never asked of the KB
        # the name goes into the free-text cell beside the dropdown, never into the dropdown
        assert _cells(out)["D2"] == name and "C2" not in _cells(out)
        assert_only_sheets_changed(src, out, report.summary.parts_changed)
        if src is en:
            assert second.text == "https://cloud.example.jp"  # one value for every language
            missing = third
            # the privacy officer is not the provider's contact: left for a person
            role = report.rows[3]
            assert role.status == "needs_review" and not role.written
            assert role.reason_codes == ["identity_by_hand"]
        else:
            missing = second
            assert third.status == "no_match"  # a real question, asked of the (empty) KB
        assert missing.status == "needs_review" and not missing.written
        assert missing.reason == "identity field: set it with `kb profile set product_name VALUE`"


def test_an_identity_field_is_never_answered_from_control_text(demo_db, tmp_path):
    # The demo KB has responses about the provider; none may answer "Solution Provider Name".
    src = build_question_sheet(tmp_path / "en.xlsx", ["Solution Provider Name", "事業者の名称"])
    report = fill(demo_db, src, tmp_path / "out.xlsx", read_checksheet(src), FillOptions(draft_text=True))
    assert [r.status for r in report.rows] == ["needs_review", "needs_review"]
    assert all(r.answer is None and not r.written for r in report.rows)
    assert [r.reason_codes for r in report.rows] == [["identity_missing"]] * 2


def _switch_off(tables, off: SwitchOff, rows: set[int]):
    for table in tables:
        table.questions = [
            dataclasses.replace(q, switched_off=off) if q.row in rows else q for q in table.questions
        ]
    return tables


@pytest.mark.parametrize(
    ("set_na", "options", "written", "codes"),
    [
        (True, ("Yes", "No", "N/A"), "N/A", ["switched_off"]),
        (False, ("Yes", "No", "N/A"), None, ["switched_off"]),
        (True, ("Yes", "No"), None, ["switched_off", "no_na_option"]),
    ],
)
def test_switched_off_rows_get_na_or_nothing(demo_db, tmp_path, set_na, options, written, codes):
    src = build_question_sheet(
        tmp_path / "in.xlsx", ["Are backups taken?", "Are backups taken?"], options=options
    )
    off = SwitchOff("QUAL-01 = No: the backup section does not apply", set_na=set_na)
    tables = _switch_off(read_checksheet(src), off, {3})
    out = tmp_path / "out.xlsx"
    report = fill(demo_db, src, out, tables, FillOptions(answer_lang="ja"))
    on, switched = report.rows
    assert on.status == "answered" and on.choice == "Yes"  # the same question, in a live section
    assert switched.status == "not_applicable" and switched.answer is None
    assert switched.reason_codes == codes
    assert switched.reasons[0].text == "switched off: QUAL-01 = No: the backup section does not apply"
    assert report.summary.not_applicable == 1
    cells = _cells(out)
    assert cells.get("C3") == written and "D3" not in cells
    assert report.to_json()["summary"]["not_applicable"] == 1
