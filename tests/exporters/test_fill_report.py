"""The fill report file (`kb fill --report`): its keys and values are what scripts read."""

from __future__ import annotations

import json

from kb.answer import AUTO_THRESHOLDS
from tests.builders import make_fill_report


def test_report_json_keys_and_values():
    data = make_fill_report().to_json()
    assert list(data) == ["input", "output", "summary", "questions"]
    assert data["input"] == "in.xlsx" and data["output"] == "out.xlsx"
    summary = {
        "sheets": ["チェックシート"],
        "questions": 4,
        "answered": 1,
        "needs_review": 1,
        "no_match": 1,
        "kept": 1,
        "cells_written": 2,
        "parts_changed": ["xl/worksheets/sheet1.xml"],
        "min_confidence": 0.5,
        "not_applicable": 0,
        "answer_lang": "ja",
        "audience": "public",
        "withheld_rows": 0,
    }
    assert data["summary"] == summary and list(data["summary"]) == list(summary)  # same order, too
    first = data["questions"][0]
    assert first == {
        "sheet": "チェックシート",
        "row": 5,
        "number": "1-1",
        "question": "データは国内に保存されますか。",
        "status": "answered",
        "confidence": 0.91,
        "stance": "yes",
        "choice": "はい",
        "reason": f"confidence 0.91 ≥ auto threshold {AUTO_THRESHOLDS['ja']:.2f} (ja)",
        # the same in the user's language (KB_LANG=en in the tests; tests/exporters/test_review_language.py)
        "reason_lang": "en",
        "reason_text": f"confidence 0.91 ≥ auto threshold {AUTO_THRESHOLDS['ja']:.2f} (ja)",
        "sources": [
            {
                "kind": "response",
                "control_id": "6.1.3",
                "title": "6.1.3 関係当局との連絡",
                "score": 0.91,
                "past": None,
            }
        ],
        "reason_codes": ["auto"],
        "text_lang": "ja",
        "suggested_choice": "はい",
        "withheld": None,
        "expired_evidence": [],
    }
    assert [q["status"] for q in data["questions"]] == ["answered", "needs_review", "no_match", "kept"]
    assert data["questions"][3]["confidence"] is None and data["questions"][3]["sources"] == []
    json.dumps(data)  # nothing but JSON values


def test_review_adds_its_path_last_and_its_row_count_to_the_summary():
    report = make_fill_report()
    data = report.with_review("review.html", 2).to_json()
    assert list(data) == ["input", "output", "summary", "questions", "review"]
    assert data["review"] == "review.html"
    assert (
        list(data["summary"])[-2:] == ["withheld_rows", "review_rows"] and data["summary"]["review_rows"] == 2
    )
    assert "review_rows" not in report.to_json()["summary"]  # the report it came from is unchanged
