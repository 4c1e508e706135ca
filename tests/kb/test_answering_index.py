"""An answer is weighed among what can answer (kb.db version 8, kb.search.ANSWERING): filing
contract clauses or evidence beside the responses changes neither which response answers
nor how confident the answer is, while kb search still finds everything."""

from __future__ import annotations

from kb import index
from kb.answer import answer
from kb.db import ANSWERING_KINDS
from kb.search import ANSWERING, EVERYTHING, IndexCache, search
from tests.builders import response_chunks_kb

RESPONSES = [
    (
        "10.1.1 暗号による管理策",
        "保存データの暗号化は標準では提供していません。お客様が暗号化を実装できます。",
    ),
    ("12.3.1 情報のバックアップ", "バックアップは毎日取得し、別のデータセンターに保管しています。"),
    ("9.4.2 ログオン手順", "管理画面へのログオンには多要素認証を利用できます。"),
]
QUESTION = "バックアップデータは暗号化されていますか。"


def _kb(tmp_path):
    return response_chunks_kb(tmp_path / "kb.db", RESPONSES)


def _file_beside(db, kind: str, count: int) -> None:
    """Clauses or evidence pages that use the question's words again and again."""
    with db.atomic():
        for i in range(count):
            index.add_chunk(
                db,
                kind=kind,
                source_id=1000 + i,
                title=f"第{i}条 暗号化",
                body="暗号化の方法を定めます。暗号化鍵。",
            )


def test_filing_clauses_or_evidence_does_not_move_an_answer(tmp_path):
    db = _kb(tmp_path)
    before = answer(db, QUESTION)
    for kind in ("clause", "evidence"):
        _file_beside(db, kind, 40)
        after = answer(db, QUESTION)
        assert (after.status, after.confidence) == (before.status, before.confidence)
        assert [s.title for s in after.sources] == [s.title for s in before.sources]
    # what search over everything weighs differs: 暗号 is now common there
    answering, everything = IndexCache.of(db, ANSWERING), IndexCache.of(db, EVERYTHING)
    assert answering.df("暗号") == 1 and everything.df("暗号") == 81
    assert answering.total == len(RESPONSES) and everything.total == len(RESPONSES) + 80


def test_kb_search_still_finds_every_kind(tmp_path):
    db = _kb(tmp_path)
    _file_beside(db, "evidence", 3)
    assert {h.kind for h in search(db, "暗号化", limit=10)} == {"response", "evidence"}
    assert {h.kind for h in search(db, "暗号化", limit=10, index=ANSWERING)} == {"response"}


def test_the_answering_index_follows_inserts_updates_deletes_and_rebuilds(tmp_path):
    db = _kb(tmp_path)
    _file_beside(db, "clause", 2)
    db.execute("UPDATE chunks SET body_terms = 'ダミー' WHERE kind = 'response' AND source_id = 0")
    db.execute("DELETE FROM chunks WHERE kind = 'response' AND source_id = 1")
    index.integrity_check(db)  # every FTS table agrees with what it indexes
    kinds = {k for (k,) in db.execute("SELECT kind FROM chunks WHERE id IN (SELECT rowid FROM answers_fts)")}
    assert kinds <= set(ANSWERING_KINDS)
    assert dict(
        db.execute("SELECT term, doc FROM answers_vocab WHERE term IN ('ダミー', 'バックアップ')")
    ) == {"ダミー": 1}
    index.rebuild(db)  # re-analyses: the update above is undone by the analyzer, the subset kept
    index.integrity_check(db)
    assert db.execute("SELECT doc FROM answers_vocab WHERE term = '暗号'").fetchone() == (1,)
