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
    # x4 gave no stance where gold says no: abstaining is not a wrong answer.
    assert [f.id for f in failures] == [2, 3]
    assert failures[0] == Failure(
        id=2,
        question="Isolated?",
        gold=["CLD.9.5.1"],
        got=["12.3.1", "cld.9.5.1"],
        status="needs_review",
        confidence=0.4321,
        stance=(None, None),
    )


def test_json_keeps_its_keys():
    data = json.loads(json.dumps(make_eval_report().to_json()))
    assert list(data) == ["metrics", "by_language", "calibration", "failures"]
    assert list(data["metrics"]) == [
        "questions",
        "answerable",
        "top1",
        "top3",
        "auto_precision",
        "coverage",
        "suggested",
        "abstention",
        "unanswerable_auto",
        "english_top3",
        "stance_accuracy",
        "stance_right",
        "stance_wrong",
        "stance_abstained",
    ]
    assert data["by_language"]["en"]["questions"] == 1
    assert [c["lang"] for c in data["calibration"]] == ["ja", "en"]


def test_an_auto_answer_with_a_wrong_yes_no_is_not_right():
    """The right source with the opposite stance would send a wrong Yes: precision counts it."""
    from kb.answer import Answer
    from kb.evaluate import Result
    from tests.builders import make_source

    item = {"id": 5, "lang": "en", "question": "Encrypted?", "gold": ["10.1.1"], "stance": "no"}
    wrong = Result(item, Answer("Encrypted?", "answered", 0.9, "yes", [make_source("10.1.1", "暗号")]))
    silent = Result(item, Answer("Encrypted?", "answered", 0.9, None, [make_source("10.1.1", "暗号")]))
    m = Report([wrong, silent]).metrics()
    assert (m.auto_precision, m.coverage) == (0.5, 0.5)
    assert (m.stance_right, m.stance_wrong, m.stance_abstained) == (0, 1, 1)
    assert [f.id for f in Report([wrong, silent]).failures()] == [5]


def test_metrics_and_calibration_per_language():
    report = make_eval_report()
    by = report.by_language()
    assert list(by) == ["ja", "en"] and by["ja"].questions == 3 and by["en"].questions == 1
    assert by["ja"].unanswerable_auto == 1.0  # 株価は。 answered though the KB cannot
    ja = next(c for c in report.calibration() if c.lang == "ja")
    assert sum(b.count for b in ja.bands) == 3
    # the unanswerable one answered at 0.6 keeps every threshold up to 0.6 unsafe
    assert ja.safe_threshold is not None and ja.safe_threshold > 0.6


def test_a_gated_answer_never_counts_as_auto_at_any_threshold():
    from kb.answer import Answer
    from kb.calibration import curve
    from kb.evaluate import Result
    from tests.builders import make_source

    item = {"id": 6, "lang": "en", "question": "In China?", "gold": [], "stance": None}
    held = Answer(
        "In China?", "needs_review", 0.8, None, [make_source("6.1.3", "場所")], why="unknown: china"
    )
    outcome = Result(item, held).outcome()
    assert outcome.gated and all(p.auto == 0 for p in curve([outcome]))
