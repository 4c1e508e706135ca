"""An answer for an audience is weighed among what the audience may see (kb.db version 12,
kb.search.ANSWERING_FOR): importing internal or nda content leaves a public answer's status,
confidence, stance and sources exactly as they were, and is counted as withheld instead."""

from __future__ import annotations

from kb import index, store
from kb.answer import answer
from kb.db import connect_memory
from kb.model import ParsedDocument, Section
from kb.search import ANSWERING, ANSWERING_FOR, IndexCache, answering_cache

PUBLIC = [
    ("12.3.1", "情報のバックアップ", "バックアップは毎晩取得し、14 日間保管します。"),
    ("10.1.1", "暗号による管理策", "保存データは AES-256 で暗号化しています。"),
    ("9.4.2", "ログオン手順", "管理画面には多要素認証でログオンします。"),
    ("16.1.2", "事象の報告", "事象が起きたときは 24 時間以内に電子メールでお知らせします。"),
]
# Our own internal notes, using the questions' words again and again.
INTERNAL = [
    (
        "12.3.1",
        "バックアップ運用メモ",
        "バックアップの暗号化鍵は鍵管理サーバーで保管します。バックアップ媒体は金庫に保管。",
    ),
    (
        "10.1.1",
        "暗号化の社内基準",
        "暗号化鍵の保管と暗号化の手順は社内基準に従います。バックアップも暗号化。",
    ),
    ("9.4.2", "管理画面の運用", "管理画面のログオン記録は毎週確認します。多要素認証の例外は部長が承認。"),
    ("16.1.2", "事象対応手順", "事象の報告は当番が受け、時間以内に責任者へ連絡します。"),
]
QUESTIONS = [
    "バックアップは暗号化されていますか。",
    "バックアップの保管期間は何日ですか。",
    "管理画面のログオンに多要素認証を使えますか。",
    "事象はどのくらいで報告されますか。",
]


def _whitepaper(title: str, classification: str, controls, lang: str = "ja") -> ParsedDocument:
    doc = ParsedDocument(
        kind="whitepaper",
        title=title,
        publisher="Example KK",
        service=None,
        version="1.0",
        date="2025-01-01",
        sha256=f"sha-{title}-{classification}-{lang}",
        source_name=f"{title}.md",
        sections=[
            Section(title=t, text=text, control_id=cid, framework="ISO/IEC 27017:2015", path=[t])
            for cid, t, text in controls
        ],
        lang=lang,
    )
    doc.classification = classification
    return doc


def _answers(db, audience: str = "public") -> list[tuple]:
    out = []
    for q in QUESTIONS:
        a = answer(db, q, audience=audience)
        out.append((a.status, a.confidence, a.stance, [(s.control_id, s.title, s.score) for s in a.sources]))
    return out


def test_internal_or_nda_content_leaves_public_answers_exactly_as_they_were() -> None:
    db = connect_memory()
    store.import_document(db, _whitepaper("公開ホワイトペーパー", "public", PUBLIC))
    before = _answers(db)
    assert any(status != "no_match" for status, *_ in before)
    store.import_document(db, _whitepaper("社内運用メモ", "internal", INTERNAL))
    assert _answers(db) == before
    withheld = [answer(db, q).withheld for q in QUESTIONS]
    assert any(w and w.by_classification.get("internal") for w in withheld)  # found, and counted
    store.import_document(db, _whitepaper("NDA 資料", "nda", INTERNAL[:2]))
    store.import_document(db, _whitepaper("Internal notes", "internal", PUBLIC, lang="en"))
    assert _answers(db) == before
    # The index of every level does weigh them: without the audience's own, answers would move.
    everything = IndexCache.of(db, ANSWERING)
    public = answering_cache(db, "public")
    assert public.df("バックアップ") == 1 and everything.df("バックアップ") > 1
    assert public.total == len(PUBLIC) < everything.total


def test_an_nda_answer_is_weighed_among_public_and_nda_content() -> None:
    db = connect_memory()
    store.import_document(db, _whitepaper("公開ホワイトペーパー", "public", PUBLIC))
    store.import_document(db, _whitepaper("NDA 資料", "nda", INTERNAL[:2]))
    before = _answers(db, "nda")
    store.import_document(db, _whitepaper("社内運用メモ", "internal", INTERNAL[2:]))
    assert _answers(db, "nda") == before
    assert answering_cache(db, "nda").total == len(PUBLIC) + 2
    assert answering_cache(db, "internal").index == ANSWERING  # staff see everything


def test_the_audience_indexes_follow_a_change_of_classification() -> None:
    db = connect_memory()
    with db.atomic():
        ids = [
            index.add_chunk(db, kind="response", source_id=i, title=t, body=body)
            for i, (_, t, body) in enumerate(PUBLIC)
        ]
        index.add_chunk(db, kind="evidence", source_id=99, title="証跡", body="バックアップの記録。")
    db.execute("UPDATE chunks SET classification = 'internal' WHERE id = ?", [ids[0]])
    db.execute("UPDATE chunks SET classification = 'nda' WHERE id = ?", [ids[1]])
    index.integrity_check(db)  # each audience's FTS table agrees with the view it indexes

    def held(level: str) -> set[int]:
        return {r for (r,) in db.execute(f"SELECT rowid FROM {ANSWERING_FOR[level].fts}")}

    assert held("public") == set(ids[2:]) and held("nda") == set(ids[1:])
    db.execute("UPDATE chunks SET classification = 'public' WHERE id = ?", [ids[0]])
    db.execute("DELETE FROM chunks WHERE id = ?", [ids[3]])
    index.integrity_check(db)
    assert held("public") == {ids[0], ids[2]} and held("nda") == {ids[0], ids[1], ids[2]}
    index.rebuild(db)
    index.integrity_check(db)
    assert held("public") == {ids[0], ids[2]}


def test_the_languages_an_audience_is_answered_in_are_those_it_may_see() -> None:
    db = connect_memory()
    store.import_document(db, _whitepaper("公開ホワイトペーパー", "public", PUBLIC))
    store.import_document(db, _whitepaper("Internal notes", "internal", PUBLIC, lang="en"))
    assert store.languages(db) == {"ja", "en"}
    assert store.languages(db, ("public",)) == {"ja"}
