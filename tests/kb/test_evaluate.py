"""kb eval's measures and misses, on answers made by hand so every number is known."""

from __future__ import annotations

import json

from kb.evaluate import Failure, Report
from tests.builders import make_eval_report


def test_metrics():
    m = make_eval_report().metrics()
    assert (m.questions, m.answerable) == (4, 3)
    assert (m.top1, m.top3, m.suggested, m.english_top3) == (0.6667, 1.0, 1.0, 1.0)
    assert (m.auto_precision, m.coverage, m.abstention, m.stance_accuracy) == (0.6667, 0.6667, 0.0, 0.5)


def test_a_ratio_nobody_counts_towards_is_none():
    m = Report(make_eval_report().results[:1]).metrics()
    assert m.abstention is None and m.english_top3 is None and m.top1 == 1.0


def test_failures_say_what_went_wrong():
    failures = make_eval_report().failures()
    assert [f.id for f in failures] == [2, 3, "x4"]
    assert failures[0] == Failure(
        id=2,
        question="Isolated?",
        gold=["CLD.9.5.1"],
        got=["12.3.1", "cld.9.5.1"],
        status="needs_review",
        confidence=0.4321,
        stance=(None, None),
    )
    assert failures[2].got == ["1 はじめに"] and failures[2].stance == ("no", None)


def test_json_keeps_its_keys():
    data = json.loads(json.dumps(make_eval_report().to_json()))
    assert list(data) == ["metrics", "failures"]
    assert list(data["metrics"]) == [
        "questions",
        "answerable",
        "top1",
        "top3",
        "auto_precision",
        "coverage",
        "suggested",
        "abstention",
        "english_top3",
        "stance_accuracy",
    ]
    assert data["failures"][2] == {
        "id": "x4",
        "question": "目的は。",
        "gold": ["はじめに"],
        "got": ["1 はじめに"],
        "status": "answered",
        "confidence": 0.7,
        "stance": ["no", None],
    }
