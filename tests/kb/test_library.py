"""kb.library: decided answers in the answer library, with who decided, when and for whom."""

from __future__ import annotations

import pytest

from kb import library, store
from kb.answer import answer
from kb.library import DecidedAnswer, Decisions


@pytest.fixture
def db(tmp_path):
    from tests.builders import build_demo_db

    return build_demo_db(tmp_path)


def _decisions(*answers: DecidedAnswer, sha: str = "a" * 64, filled: str = "f" * 64, **kw) -> Decisions:
    return Decisions(sha256=sha, filled_sha256=filled, filled_name="filled.xlsx", answers=answers, **kw)


LOGS = DecidedAnswer(
    "管理画面の操作ログを保存していますか。", "はい", "操作ログを 1 年間保存します。", ("WP 12.4.1",)
)


def test_decided_answers_carry_who_when_and_the_fills_customer_and_audience(db):
    fill_id = store.record_fill(
        db,
        store.FillRecord("f" * 64, "in.xlsx", "filled.xlsx", 1, 0, customer="ACME", audience="nda"),
    )
    recorded = library.record_decisions(db, _decisions(LOGS, decided_by="山田", approved=True))
    assert recorded == library.Recorded("recorded", 1, "nda")
    row = db.execute(
        "SELECT customer, status, decided_by, source_fill, classification, citations FROM qa_pairs"
    ).fetchone()
    assert row == ("ACME", "approved", "山田", fill_id, "nda", '["WP 12.4.1"]')
    # an nda answer does not answer a public sheet
    public = answer(db, LOGS.question, keep_sources=True)
    assert public.confidence < 1 and all(s.kind != "qa" for s in public.sources)
    found = answer(db, LOGS.question, audience="nda")
    assert found.sources[0].past == library.PastAnswer(
        "approved", "ACME", "山田", found.sources[0].past.on, ("WP 12.4.1",)
    )
    assert found.sources[0].citations == ["WP 12.4.1"] and found.stance == "yes"


def test_the_same_decisions_again_record_nothing_and_a_newer_set_supersedes(db):
    assert library.record_decisions(db, _decisions(LOGS)).status == "recorded"
    assert library.record_decisions(db, _decisions(LOGS)) == library.Recorded("unchanged", 0, "public")
    assert (
        library.record_decisions(db, _decisions(LOGS, approved=True, decided_by="山田")).status == "approved"
    )
    newer = LOGS._replace(choice="いいえ", text="保存していません。")
    assert (
        library.record_decisions(db, _decisions(newer, sha="b" * 64, approved=True)).status == "new version"
    )
    current = db.execute("SELECT choice FROM qa_pairs WHERE is_current = 1").fetchall()
    assert current == [("いいえ",)] and store.approved_answer(db, LOGS.question)["choice"] == "いいえ"


def test_a_yes_to_one_question_is_no_stance_for_another(db):
    library.record_decisions(db, _decisions(LOGS, approved=True, decided_by="山田"))
    other = answer(db, "管理画面の操作ログを外部の監査人に提供していますか。", keep_sources=True)
    assert other.sources and other.sources[0].kind == "qa"  # the library answer is the best hit
    assert other.stance is None  # its はい answered whether logs are kept, not whether they are handed over
    # and its text answers that question: a person decides whether it answers this one
    assert other.status == "needs_review"
    assert other.why == f"a past answer to another question ({LOGS.question})"
    assert answer(db, LOGS.question).stance == "yes"  # the very same question: the person's yes
