"""kb.services: a KB of several services never mixes them in one answer."""

from __future__ import annotations

import pytest

from kb import search, services, store
from kb.answer import answer
from kb.db import connect_memory
from kb.errors import KBError
from kb.model import ParsedDocument
from tests.builders import ALPHA_VM, BETA_BM, service_answers, service_whitepaper

QUESTIONS = [
    "保存データは暗号化されていますか。",
    "バックアップを取得していますか。",
    "データはどこのデータセンターに保存されますか。",
    "ログインに多要素認証を使えますか。",
]


def kb_of(*docs: ParsedDocument):
    db = connect_memory()
    for doc in docs:
        store.import_document(db, doc)
    return db


@pytest.fixture(scope="module")
def both():
    return kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM), service_whitepaper("BETA-BM", BETA_BM))


def test_a_kb_of_several_services_refuses_to_answer_without_one(both):
    with pytest.raises(KBError) as refused:
        answer(both, QUESTIONS[0])
    message = str(refused.value)
    assert "ALPHA-VM: 4 responses" in message and "BETA-BM: 6 responses" in message
    assert "--service" in message and "\n" not in message


def test_each_service_answers_from_its_own_text(both):
    alpha = answer(both, QUESTIONS[0], service="ALPHA-VM")
    beta = answer(both, QUESTIONS[0], service="BETA-BM")
    assert (alpha.status, alpha.stance) == ("answered", "yes")
    assert (beta.status, beta.stance) == ("answered", "no")
    assert "仮想ディスク" in alpha.sources[0].text and "物理サーバー" in beta.sources[0].text
    # Not one source of the other service, among the suggestions either.
    assert all("物理サーバー" not in s.text and "大阪" not in s.text for s in alpha.sources)
    assert all("仮想" not in s.text and "東京" not in s.text for s in beta.sources)
    assert all(s.document == "BETA-BM ホワイトペーパー" for s in beta.sources)


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_service_answers_as_in_a_kb_holding_it_alone(both, question):
    """Weights too: the question's words are weighed among the service's own texts."""
    for service, controls in (("ALPHA-VM", ALPHA_VM), ("BETA-BM", BETA_BM)):
        alone = kb_of(service_whitepaper(service, controls))
        assert _as_answered(answer(both, question, service=service)) == _as_answered(answer(alone, question))


def _as_answered(found) -> dict:
    """An answer's JSON but for its sources' row ids, which differ from one KB to another."""
    out = found.to_json()
    return out | {"sources": [{k: v for k, v in s.items() if k != "source_id"} for s in out["sources"]]}


def test_the_other_service_would_weigh_the_words_otherwise(both):
    """Why the test above can fail: in the index of both, 暗号化 is commoner (BETA-BM says it
    three times), so a search over both covers ALPHA-VM's answer with another share."""
    question = QUESTIONS[0]
    mixed = search.search(both, question, index=search.ANSWERING)
    alpha_hit = next(h for h in mixed if "仮想ディスク" in h.body)
    assert alpha_hit.coverage != answer(both, question, service="ALPHA-VM").confidence


def test_one_service_answers_as_before_named_or_not():
    db = kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM))
    for question in QUESTIONS:
        assert answer(db, question, service="ALPHA-VM").to_json() == answer(db, question).to_json()
    with pytest.raises(KBError, match="no service 'BETA-BM' in this KB"):
        answer(db, QUESTIONS[0], service="BETA-BM")
    with pytest.raises(KBError, match="did you mean ALPHA-VM"):
        services.scope(db, "alpha-vm")


def test_responses_naming_no_service_are_a_group_of_their_own():
    db = kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM), service_whitepaper(None, BETA_BM))
    with pytest.raises(KBError, match=r"ALPHA-VM: 4 responses, \(no service named\): 6 responses"):
        answer(db, QUESTIONS[0])
    alpha = answer(db, QUESTIONS[0], service="ALPHA-VM")
    assert alpha.stance == "yes" and all("物理サーバー" not in s.text for s in alpha.sources)


def test_a_library_answer_answers_only_for_its_own_service():
    asked = "ディスク上のデータを暗号化して保管していますか。"
    db = kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM), service_whitepaper("BETA-BM", BETA_BM))
    service_answers(db, "alpha", [(asked, "はい", "仮想ディスクは暗号化しています。")], "ALPHA-VM")
    service_answers(db, "unnamed", [(asked, "はい", "どのサービスのことか分からない回答です。")])
    alpha = answer(db, asked, service="ALPHA-VM")
    assert alpha.sources[0].kind == "qa" and alpha.sources[0].text == "仮想ディスクは暗号化しています。"
    assert (alpha.status, alpha.stance) == ("answered", "yes")
    beta = answer(db, asked, service="BETA-BM")
    assert all(s.kind != "qa" for s in beta.sources)
    assert beta.stance != "yes"


def test_the_service_index_follows_the_kb():
    db = kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM), service_whitepaper("BETA-BM", BETA_BM))
    assert answer(db, "脆弱性診断を実施していますか。", service="BETA-BM").status == "no_match"
    added = [("12.6.1", "技術的脆弱性の管理", "物理サーバーの脆弱性診断を毎月実施しています。")]
    store.import_document(db, service_whitepaper("BETA-BM", BETA_BM + added))
    found = answer(db, "脆弱性診断を実施していますか。", service="BETA-BM")
    assert found.status == "answered" and "毎月" in found.sources[0].text
    assert answer(db, "脆弱性診断を実施していますか。", service="ALPHA-VM").status == "no_match"


def test_kb_search_in_a_service_keeps_what_names_no_service():
    from kb.clauses import import_contract
    from kb.contracts import Article, Paragraph, ParsedContract

    db = kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM), service_whitepaper("BETA-BM", BETA_BM))
    article = Article(7, "データセンター", (Paragraph(1, "", "データセンターは日本国内に置きます。"),))
    import_contract(db, ParsedContract("contract-sha", "約款.md", (article,)), document="利用約款")
    index = services.service_index(db, search.EVERYTHING, "ALPHA-VM")
    bodies = [h.body for h in search.search(db, "データセンター", index=index)]
    assert "お客様のデータは東京のデータセンターに保存します。" in bodies
    assert "データセンターは日本国内に置きます。" in bodies  # a clause names no service
    assert not any("大阪" in b or "物理サーバー" in b for b in bodies)


def _evidence(
    db, name: str, controls: list[str], service: str | None, valid_until: str | None = None
) -> None:
    from kb.evidence_store import NewEvidence, add_many

    item = NewEvidence(
        sha256=f"evidence-{name}", size=1, media_type="text/plain", original_name=f"{name}.txt", title=name,
        text_status="text", pages=((1, "データセンターの所在地"),), classification="public", valid_until=valid_until,
    )  # fmt: skip
    add_many(db, [item], controls, service)


def test_evidence_linked_for_one_service_is_cited_for_its_responses_only():
    db = kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM), service_whitepaper("BETA-BM", BETA_BM))
    _evidence(db, "東京DC報告書", ["6.1.3"], "ALPHA-VM")
    _evidence(db, "ISMS登録証", ["6.1.3"], None)  # every service's
    question = "データはどこのデータセンターに保存されますか。"
    alpha = answer(db, question, service="ALPHA-VM").sources[0]
    beta = answer(db, question, service="BETA-BM").sources[0]
    assert [e.title for e in alpha.evidence] == ["東京DC報告書", "ISMS登録証"]
    assert [e.title for e in beta.evidence] == ["ISMS登録証"]
    assert not any("東京DC" in c for c in beta.citations)


def test_a_file_backs_one_service_or_every_service():
    from kb.evidence_store import link

    db = kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM), service_whitepaper("BETA-BM", BETA_BM))
    _evidence(db, "報告書", ["6.1.3"], "ALPHA-VM")
    assert link(db, 1, ["6.1.3"], "ALPHA-VM") == ()  # already so
    with pytest.raises(KBError, match="linked to 6.1.3 for service ALPHA-VM already"):
        link(db, 1, ["6.1.3"], "BETA-BM")
    with pytest.raises(KBError, match="for service ALPHA-VM already"):
        link(db, 1, ["12.3.1", "6.1.3"], None)
    assert db.execute("SELECT count(*) FROM evidence_links").fetchone()[0] == 1  # nothing half-written


def test_expired_evidence_of_one_service_makes_only_its_response_stale():
    from datetime import date

    from kb.checks_stale import check_stale

    db = kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM), service_whitepaper("BETA-BM", BETA_BM))
    _evidence(db, "大阪DC報告書", ["6.1.3"], "BETA-BM", valid_until="2026-01-31")
    found = check_stale(db, today=date(2026, 6, 1))[1]
    assert [(s.service, s.control_id, s.reason) for s in found] == [("BETA-BM", "6.1.3", "evidence")]


def test_a_service_for_a_public_customer_is_weighed_among_its_public_texts():
    """What the customer may not see moves nothing, within a service as without one (kb.db v12)."""
    from dataclasses import replace

    internal = [
        ("10.1.2", "鍵管理", "暗号化の鍵は社内の手順で暗号化して保管します。暗号化の監査を行います。")
    ]
    memo = replace(
        service_whitepaper("ALPHA-VM", internal), title="ALPHA-VM 社内手順", classification="internal"
    )
    both = kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM), memo, service_whitepaper("BETA-BM", BETA_BM))
    alone = kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM))

    def seen(a):
        return (a.status, a.confidence, a.stance, [(s.text, s.score, s.citations) for s in a.sources])

    for question in QUESTIONS:
        assert seen(answer(both, question, service="ALPHA-VM", audience="public")) == seen(
            answer(alone, question)
        )
    assert answer(both, QUESTIONS[0], service="ALPHA-VM", audience="public").withheld.total


def test_a_service_index_is_built_once_while_the_kb_does_not_change():
    """The index of every level (what is withheld) and the audience's, side by side: neither
    rebuild makes the other look stale."""
    both = kb_of(service_whitepaper("ALPHA-VM", ALPHA_VM), service_whitepaper("BETA-BM", BETA_BM))
    builds = []
    both.conn.set_trace_callback(lambda sql: builds.append(sql) if "'rebuild'" in sql else None)
    try:
        for question in QUESTIONS * 2:
            answer(both, question, service="BETA-BM", audience="public")
    finally:
        both.conn.set_trace_callback(None)
    assert len(builds) == 2  # once per index
