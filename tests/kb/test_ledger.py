"""kb.ledger: a disclosure and the stored rows behind each row written, in one transaction."""

from __future__ import annotations

import pytest

from kb import audit, evidence_store, ledger, store
from kb.db import connect
from kb.ledger import Disclosure, Sent, SentRow
from kb.model import ParsedDocument, QAPair
from kb.store import FilledRow, FillRecord
from tests.builders import TOPICS, classified_evidence, classified_whitepaper

OWN_WORDS = "当社の規程に従い、担当者が毎週確認しています。"


@pytest.fixture
def db(tmp_path):
    db = connect(tmp_path / "kb.db")
    store.import_document(db, classified_whitepaper("public", "ja", [(t, False) for t in TOPICS]))
    evidence_store.add_many(db, [classified_evidence("public")], [TOPICS[0].control_id])
    doc = ParsedDocument(kind="checksheet", title="回答済み", sha256="sha-answered", source_name="a.xlsx")
    store.import_qa_pairs(
        db,
        doc,
        [QAPair(TOPICS[3].question, None, "ログは一年間保管します。")],
        customer=None,
        answered_on=None,
    )
    return db


def _record(rows: list[tuple[str, Sent]], customer: str | None = "ACME") -> FillRecord:
    filled = tuple(
        FilledRow("Q", n, f"質問{n}", "はい", sent.text) for n, (_, sent) in enumerate(rows, start=2)
    )
    return FillRecord("ab" * 32, "q.xlsx", "out.xlsx", len(rows), len(rows), customer=customer, rows=filled)


def _disclose(db, rows: list[tuple[str, Sent]], customer: str | None = "ACME") -> int:
    return ledger.record(db, Disclosure(_record(rows, customer), tuple(SentRow(s, sent) for s, sent in rows)))


def test_each_row_names_the_response_version_clauses_and_evidence_behind_it(db):
    backup = TOPICS[0]
    fill_id = _disclose(
        db, [("answered", Sent("response", backup.text, backup.control_id, evidence_ids=(1,)))]
    )
    (entry,) = ledger.entries(db)
    assert entry.id == fill_id and entry.customer == "ACME" and entry.kind == "fill"
    (row,) = entry.rows
    response_id = db.execute("SELECT id FROM responses WHERE control_id = ?", [backup.control_id]).fetchone()[
        0
    ]
    assert (row.source_kind, row.source_id, row.control_id) == ("response", response_id, backup.control_id)
    assert row.source_sha256 == ledger.text_sha256(backup.text)
    assert row.text_sha256 == ledger.written_sha256("はい", backup.text)
    # The whitepaper cites 利用約款 第7条, a contract the KB does not hold: named, with no version.
    assert row.clauses == [{"contract": None, "version": None, "article": 7, "cited": "利用約款"}]
    assert row.evidence == [{"id": 1, "sha256": "sha-evidence-public-False"}]


def test_a_persons_text_is_matched_to_what_holds_it_or_is_their_own(db):
    _disclose(
        db,
        [
            ("custom", Sent("person", TOPICS[1].text)),  # exactly a response's text: that response
            (
                "custom",
                Sent("person", "ログは一年間保管します。", question=TOPICS[3].question),
            ),  # a library answer
            ("custom", Sent("person", OWN_WORDS)),
        ],
    )
    kinds = [(r.source_kind, r.control_id) for r in ledger.entries(db)[0].rows]
    assert kinds == [("response", TOPICS[1].control_id), ("qa", None), ("person", None)]


def test_a_disclosure_that_cannot_be_logged_leaves_nothing(db, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the audit log refused")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        _disclose(db, [("answered", Sent("response", TOPICS[0].text, TOPICS[0].control_id))])
    assert db.execute("SELECT count(*) FROM fills").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM fill_rows").fetchone() == (0,)


def test_every_row_written_needs_its_source(db):
    record = _record([("answered", Sent("profile", "テストクラウド株式会社"))])
    with pytest.raises(ValueError):
        ledger.record(db, Disclosure(record, ()))


def test_the_ledger_of_one_customer_whatever_its_spelling(db):
    _disclose(db, [("answered", Sent("profile", "テストクラウド株式会社"))], customer="ACME")
    _disclose(db, [("answered", Sent("profile", "テストクラウド株式会社"))], customer="Beta Corp")
    _disclose(db, [("answered", Sent("profile", "テストクラウド株式会社"))], customer=None)
    assert [e.customer for e in ledger.entries(db, " acme ")] == ["ACME"]
    assert [e.customer for e in ledger.entries(db)] == ["ACME", "Beta Corp", None]
    entry = audit.entries(db)[-1]
    assert (entry.action, entry.target_kind, entry.after_sha256) == ("fill", "fill", "ab" * 32)


def test_the_row_answering_took_is_recorded_not_another_of_the_same_text(tmp_path):
    """Two services answer 9.4.2 in the same words: the ledger records the response of the
    service answered for (kb.answer.Source.source_id), which a look-up by text cannot tell."""
    from kb.answer import answer
    from tests.builders import service_whitepaper

    db = connect(tmp_path / "kb.db")
    same = "管理画面へのログインには多要素認証を必須としています。"
    for service in ("ALPHA", "BETA"):
        store.import_document(db, service_whitepaper(service, [("9.4.2", "ログオン手順", same)]))
    alpha = db.execute("SELECT id FROM responses WHERE service = 'ALPHA'").fetchone()[0]
    top = answer(db, "管理画面へのログインに多要素認証を必須としていますか？", service="ALPHA").sources[0]
    assert (top.kind, top.source_id) == ("response", alpha)
    assert top.in_language(top.lang).source_id == alpha
    _disclose(db, [("answered", Sent("response", same, "9.4.2", source_id=top.source_id))])
    _disclose(db, [("custom", Sent("person", same, "9.4.2"))])  # no id: the newest of that text
    exact, by_text = (e.rows[0].source_id for e in ledger.entries(db))
    assert exact == alpha and by_text != alpha


def test_a_row_no_longer_in_the_kb_falls_back_to_its_text(db):
    backup = TOPICS[0]
    _disclose(db, [("answered", Sent("response", backup.text, backup.control_id, source_id=10**6))])
    (row,) = ledger.entries(db)[0].rows
    assert row.source_kind == "response" and row.source_id is not None and row.source_id != 10**6
