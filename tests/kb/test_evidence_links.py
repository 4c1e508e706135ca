"""Evidence linked to a control in answers (kb.evidence_links through kb.answer), on the demo KB."""

import pytest

from kb import evidence_store
from kb.answer import answer
from kb.evidence_store import NewEvidence
from tests.builders import build_demo_db

QUESTION = "データセンターはどの国にありますか。"  # answered from 6.1.3 in the demo whitepaper


def _add(db, title, pages, *, until="2999-12-31", classification="public", control="6.1.3", sha="a"):
    item = NewEvidence(
        sha256=sha * 64,
        size=100,
        media_type="text/plain",
        original_name=f"{title}.txt",
        title=title,
        text_status="text",
        pages=tuple(enumerate(pages, start=1)),
        classification=classification,
        valid_until=until,
    )
    return evidence_store.add_many(db, [item], evidence_store.control_ids(db, [control]))[0].evidence


@pytest.fixture
def db(tmp_path):
    return build_demo_db(tmp_path)


def test_linked_evidence_is_cited_with_the_page_that_covers_the_question(db):
    _add(
        db,
        "データセンター監査報告書",
        ["監査の範囲と日程。", "東京都と大阪府のデータセンターを国内で運用していることを確認した。"],
    )
    a = answer(db, QUESTION)
    assert a.status == "answered" and a.sources[0].control_id == "6.1.3"
    assert [(e.title, e.page) for e in a.sources[0].evidence] == [("データセンター監査報告書", 2)]
    assert "証跡: データセンター監査報告書（2ページ）" in a.sources[0].citations
    assert a.expired_evidence == []


def test_expired_evidence_holds_the_answer_and_is_flagged(db):
    _add(db, "ISMS認証登録証", ["認証範囲: ミナトクラウド VPS"], until="2000-03-31")
    a = answer(db, QUESTION)
    assert a.status == "needs_review"
    assert a.expired_evidence == ["Evidence: ISMS認証登録証, p. 1 (expired 2000-03-31)"]
    assert "証跡: ISMS認証登録証（1ページ）（有効期限切れ 2000-03-31）" in a.sources[0].citations


def test_evidence_above_the_audience_is_neither_cited_nor_flagged(db):
    _add(db, "社内監査メモ", ["社内のみ"], until="2000-01-01", classification="internal")
    public = answer(db, QUESTION)
    assert public.status == "answered"
    assert public.sources[0].evidence == [] and public.expired_evidence == []
    assert not any("社内監査メモ" in c for s in public.sources for c in s.citations)
    staff = answer(db, QUESTION, audience="internal")
    assert [e.title for e in staff.sources[0].evidence] == ["社内監査メモ"]
    assert staff.status == "needs_review"


def test_evidence_of_another_control_is_not_cited(db):
    _add(db, "バックアップ手順書", ["日次バックアップ"], control="12.3.1")
    assert answer(db, QUESTION).sources[0].evidence == []
