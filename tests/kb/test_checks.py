"""kb.checks (kb check conflicts) and kb.checks_stale (kb check stale), on our own sentences."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from kb import checks, store
from kb.checks_stale import check_stale
from kb.db import connect_memory
from kb.model import ClauseRef, ParsedDocument
from tests.builders import ALPHA_VM, BETA_BM, service_answers, service_whitepaper

library = service_answers

ENCRYPTED = "保存データは暗号化されていますか。"


def kb_of(*docs: ParsedDocument):
    db = connect_memory()
    for doc in docs:
        store.import_document(db, doc)
    return db


def contradicted(db, **kw) -> list[tuple[str, str, str | None]]:
    found = checks.check_conflicts(db, **kw)
    return [(c.given.question, c.response.control_id, c.service) for c in found.conflicts]


def test_a_past_yes_against_a_response_that_says_not_provided():
    db = kb_of(service_whitepaper("BETA-BM", BETA_BM))
    library(
        db,
        "2025",
        [
            (ENCRYPTED, "はい", None),  # the option chosen
            (
                "バックアップを取得していますか。",
                None,
                "毎日バックアップを取得しています。",
            ),  # the text says yes
            ("データセンターはどこにありますか。", None, "大阪です。"),  # not a yes/no question
            ("ログインに多要素認証を使えますか。", "はい", None),  # the response says neither yes nor no
        ],
    )
    found = checks.check_conflicts(db)
    assert [
        (c.given.question, c.given_stance, c.response.control_id, c.response.stance) for c in found.conflicts
    ] == [
        (ENCRYPTED, "yes", "10.1.1", "no"),
        ("バックアップを取得していますか。", "yes", "12.3.1", "no"),
    ]
    assert found.checked == 4 and found.found


def test_an_answer_that_agrees_is_no_conflict():
    db = kb_of(service_whitepaper("BETA-BM", BETA_BM))
    library(db, "2025", [(ENCRYPTED, "いいえ", None), ("バックアップを取得していますか。", "No", None)])
    assert not checks.check_conflicts(db).found


def test_an_answer_checked_against_a_response_that_does_not_answer_it_surely():
    """A question the responses do not cover well enough to auto-answer: no verdict either way."""
    db = kb_of(service_whitepaper("BETA-BM", BETA_BM))
    library(db, "2025", [("株主総会の議事録を公開していますか。", "はい", None)])
    assert contradicted(db) == []


def test_each_service_against_its_own_responses():
    db = kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM), service_whitepaper("BETA-BM", BETA_BM))
    library(db, "alpha", [(ENCRYPTED, "はい", None)], service="ALPHA-VM")  # true of ALPHA-VM
    library(db, "beta", [(ENCRYPTED, "はい", None)], service="BETA-BM")  # false of BETA-BM
    library(db, "unnamed", [("保存データを暗号化していますか。", "はい", None)])  # for which service?
    assert contradicted(db) == [
        (ENCRYPTED, "10.1.1", "BETA-BM"),
        ("保存データを暗号化していますか。", "10.1.1", "BETA-BM"),
    ]
    assert contradicted(db, service="ALPHA-VM") == []


def test_rows_of_a_sheet_not_in_the_library():
    db = kb_of(service_whitepaper("BETA-BM", BETA_BM))
    row = checks.Given(ENCRYPTED, "Yes", None, "old.xlsx Q row 4")
    assert contradicted(db, sheets=[row]) == [(ENCRYPTED, "10.1.1", None)]


def duplicates(db) -> list[tuple[str, str, str, str]]:
    return [
        (d.first.question, d.first_stance, d.second.question, d.second_stance)
        for d in checks.check_conflicts(db).duplicates
    ]


def test_near_duplicate_questions_answered_differently():
    db = kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM))
    library(
        db,
        "2024",
        [(ENCRYPTED, "はい", None), ("保存データの暗号化と鍵管理をしていますか。", "いいえ", None)],
    )
    library(db, "2025", [("保存データは暗号化されていますか？", "いいえ", None)])
    # Reworded (？ for 。) and answered the other way: a duplicate. One concept more (鍵管理): not one.
    assert duplicates(db) == [(ENCRYPTED, "yes", "保存データは暗号化されていますか？", "no")]


def test_two_drafts_answering_one_question_two_ways_are_a_duplicate():
    """Drafts are in no answering index (schema v13): they are found among the drafts."""
    db = kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM))
    library(db, "2024", [(ENCRYPTED, "はい", None)], approved=False)
    library(db, "2025", [("保存データは暗号化されていますか？", "いいえ", None)], approved=False)
    assert duplicates(db) == [(ENCRYPTED, "yes", "保存データは暗号化されていますか？", "no")]


def test_the_same_question_answered_alike_or_for_another_service_is_no_duplicate():
    db = kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM), service_whitepaper("BETA-BM", BETA_BM))
    library(db, "a1", [(ENCRYPTED, "はい", None)], service="ALPHA-VM")
    library(db, "a2", [(ENCRYPTED, "Yes", None)], service="ALPHA-VM")
    library(db, "b1", [(ENCRYPTED, "いいえ", None)], service="BETA-BM")
    assert duplicates(db) == []


# --- stale -------------------------------------------------------------------------------

CITING = [("6.1.3", "関係当局との連絡", "お客様のデータは東京のデータセンターに保存します。")]


def citing_kb(written: str = "2025-01-01"):
    doc = replace(service_whitepaper("ALPHA-VM", CITING), date=written)
    doc.sections[0].clause_refs.append(ClauseRef("利用約款", 7, "保存場所"))
    return kb_of(doc)


def contract(db, version: str, effective: str, place: str, *, title: str = "保存場所") -> None:
    from kb.clauses import import_contract
    from kb.contracts import Article, Paragraph, ParsedContract

    articles = (
        Article(7, title, (Paragraph(1, "", f"データは{place}に保存します。"),)),
        Article(8, "準拠法", (Paragraph(1, "", "日本法に準拠します。"),)),
    )
    parsed = ParsedContract(f"contract-{version}", "約款.md", articles)
    import_contract(db, parsed, document="利用約款", version=version, effective=effective)


def reasons(db, today: str = "2026-06-01") -> list[tuple[str, str | None, str]]:
    return [(s.reason, s.control_id, s.detail) for s in check_stale(db, today=date.fromisoformat(today))[1]]


def said_in_japanese(db, today: str = "2026-06-01") -> list[str]:
    return [s.detail.in_language("ja") for s in check_stale(db, today=date.fromisoformat(today))[1]]


def test_a_response_citing_an_article_a_later_version_changed():
    db = citing_kb("2025-01-01")
    contract(db, "1", "2024-04-01", "東京")
    assert reasons(db) == []
    contract(db, "2", "2026-04-01", "大阪")
    assert reasons(db) == [
        (
            "contract",
            "6.1.3",
            "cites 利用約款 第7条（保存場所）, changed in 利用約款 version 2 (2026-04-01), after this response (2025-01-01)",
        )
    ]
    assert said_in_japanese(db) == [
        "利用約款 第7条（保存場所） を引用していますが、この回答書（2025-01-01）より後の"
        " 利用約款 2 版（2026-04-01）で変更されました"
    ]
    contract(db, "3", "2026-05-01", "大阪", title="データの保存場所")
    assert said_in_japanese(db)[-1].endswith("利用約款 3 版（2026-05-01）で見出しが変わりました")


def test_an_english_response_is_said_to_cite_the_article_as_it_cites_it():
    from kb.clauses import import_contract
    from kb.contracts import Article, Paragraph, ParsedContract

    doc = replace(
        service_whitepaper("ALPHA-VM", [("6.1.3", "Contact with authorities", "Data is stored in Tokyo.")]),
        date="2025-01-01",
        lang="en",
    )
    doc.sections[0].clause_refs.append(ClauseRef("Terms of Service", 7, "Storage Location"))
    db = kb_of(doc)
    for version, effective, place in (("1", "2024-04-01", "Tokyo"), ("2", "2026-04-01", "Osaka")):
        articles = (Article(7, "Storage Location", (Paragraph(1, "", f"Data is stored in {place}."),)),)
        parsed = ParsedContract(f"terms-{version}", "terms.md", articles, lang="en")
        import_contract(db, parsed, document="Terms of Service", version=version, effective=effective)
    assert [detail for _, _, detail in reasons(db)] == [
        "cites Terms of Service, Article 7 (Storage Location), changed in Terms of Service version 2"
        " (2026-04-01), after this response (2025-01-01)"
    ]


def test_a_change_before_the_response_or_to_another_article_is_not_stale():
    db = citing_kb("2025-01-01")
    contract(db, "1", "2024-04-01", "東京")
    contract(db, "2", "2024-10-01", "大阪")  # the response was written after it
    assert reasons(db) == []
    contract(db, "3", "2026-04-01", "大阪", title="保存場所")  # the same article 7 again
    assert reasons(db) == []


def test_a_response_whose_evidence_expired():
    from kb import evidence_store

    db = citing_kb()
    cert = evidence_store.NewEvidence(
        sha256="cert",
        size=1,
        media_type="text/plain",
        original_name="c.txt",
        title="所在地証明",
        text_status="text",
        pages=((1, "東京"),),
        valid_until="2026-03-31",
    )
    evidence_store.add_many(db, [cert], ["6.1.3"])
    assert reasons(db, "2026-03-31") == []  # valid_until is the last day it is valid
    assert reasons(db, "2026-04-01") == [("evidence", "6.1.3", "evidence 所在地証明 expired 2026-03-31")]
    assert said_in_japanese(db, "2026-04-01") == ["証跡「所在地証明」は 2026-03-31 に有効期限が切れました"]


def test_a_response_past_its_review_date():
    db = citing_kb()
    db.execute("UPDATE responses SET review_due = '2026-05-01'")
    assert reasons(db, "2026-05-01") == []
    assert reasons(db, "2026-05-02") == [("review", "6.1.3", "review was due 2026-05-01")]
    assert said_in_japanese(db, "2026-05-02") == ["レビュー期限は 2026-05-01 でした"]


@pytest.mark.parametrize("service, checked", [(None, 10), ("BETA-BM", 6)])
def test_stale_checks_one_service(service, checked):
    db = kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM), service_whitepaper("BETA-BM", BETA_BM))
    db.execute("UPDATE responses SET review_due = '2026-01-01' WHERE service = 'ALPHA-VM'")
    count, found = check_stale(db, today=date(2026, 6, 1), service=service)
    assert count == checked
    assert len(found) == (4 if service is None else 0)
