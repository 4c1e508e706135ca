"""Qualifier questions that switch a section off, as the sheet itself states it
(importers.section_switches through read_checksheet): workbooks built here, and the real
HECVATs in ../shared."""

import pytest

from importers.checksheet import SwitchOff, read_checksheet
from tests.paths import SHARED, need_shared
from tests.workbooks import build_qualifier_workbook

HECVAT_414 = SHARED / "data" / "public" / "hecvat-4.1.4" / "HECVAT414.xlsx"
CANVAS_FULL = SHARED / "data" / "public" / "instructure" / "Canvas LMS HECVAT Full.xlsx"


def switched(path) -> dict[str, SwitchOff | None]:
    return {q.number: q.switched_off for t in read_checksheet(path) for q in t.questions}


@pytest.mark.parametrize("gate", ["format", "formula"])
def test_a_no_to_the_qualifier_switches_its_section_off(tmp_path, gate):
    rows = switched(build_qualifier_workbook(tmp_path / "q.xlsx", "No", gate=gate))
    assert rows["PAY-01"] == rows["PAY-02"]
    assert rows["PAY-01"] is not None
    assert rows["PAY-01"].reason.startswith("Q-01 = No: ")
    assert rows["PAY-01"].set_na is False  # the sheet does not say to answer N/A
    assert rows["Q-01"] is None and rows["GEN-01"] is None and rows["GEN-02"] is None


def test_the_reason_names_the_section_by_its_title(tmp_path):
    rows = switched(build_qualifier_workbook(tmp_path / "q.xlsx", "No"))
    assert rows["PAY-01"].reason == "Q-01 = No: the Card Payments section does not apply"


@pytest.mark.parametrize("answer", ["Yes", None, "N/A"])
def test_yes_blank_or_na_switches_nothing(tmp_path, answer):
    for gate in ("format", "formula"):
        rows = switched(build_qualifier_workbook(tmp_path / f"{gate}.xlsx", answer, gate=gate))
        assert not any(rows.values())


def test_the_sheets_own_text_says_whether_to_answer_na(tmp_path):
    path = build_qualifier_workbook(
        tmp_path / "q.xlsx", "No", gate="formula", message='This section does not apply: select "N/A".'
    )
    assert switched(path)["PAY-01"].set_na is True


def test_a_formula_that_shows_other_text_on_no_switches_nothing(tmp_path):
    # The Guidance changes with the answer, but does not say the rows do not apply.
    path = build_qualifier_workbook(
        tmp_path / "q.xlsx", "No", gate="formula", message="Explain your card flow."
    )
    assert not any(switched(path).values())


def test_a_condition_outside_the_answer_column_switches_nothing(tmp_path):
    # $B$2 is the qualifier's question text, not its answer: a scoring or lookup rule.
    path = build_qualifier_workbook(tmp_path / "q.xlsx", "No", condition_col="B")
    assert not any(switched(path).values())


def test_real_hecvat_full_honours_the_vendors_qualifiers():
    rows = switched(need_shared(CANVAS_FULL))
    hipaa = [n for n, s in rows.items() if n.startswith("HIPA-")]
    assert hipaa and all(rows[n] and rows[n].reason.startswith("QUAL-01 = No: the HIPAA") for n in hipaa)
    pci = [n for n in rows if n.startswith("PCID-")]
    assert pci and all(rows[n] and rows[n].reason.startswith("QUAL-05 = No") for n in pci)
    # QUAL-02 (third parties) is Yes: its section stays on.
    assert not any(rows[n] for n in rows if n.startswith("THRD-"))


def test_blank_hecvat_414_switches_nothing():
    assert not any(switched(need_shared(HECVAT_414)).values())


def test_hecvat_414_answered_no_switches_the_sections_its_formulas_name(tmp_path):
    from exporters.xlsx_patch import WorkbookPatch
    from importers.ooxml import CellRef, Package

    answered = tmp_path / "answered.xlsx"
    with Package(need_shared(HECVAT_414)) as package:
        patch = WorkbookPatch(package)
        # START HERE rows 29-36 are REQU-01..08: cloud and interface Yes, the rest No.
        answers = ["Yes", "Yes", "No", "No", "No", "No", "No", "Yes"]
        patch.add({"START HERE": {CellRef(29 + i, 3): a for i, a in enumerate(answers)}})
        patch.write(answered)
    rows = switched(answered)
    assert rows["HIPA-01"].reason == "REQU-05 = No: the HIPAA Compliance section does not apply"
    assert rows["PCID-12"].reason.startswith("REQU-06 = No")
    assert rows["CONS-01"].reason.startswith("REQU-03 = No")
    assert rows["AIQU-01"].reason.startswith("REQU-04 = No")
    # REQU-01 = Yes: the product sections stay on; the qualifiers themselves are never off.
    assert rows["AAAI-01"] is None and rows["DATA-02"] is None and rows["REQU-05"] is None
