"""A text that matches only a question's affixes has not matched it: 性 of ぜい弱性 inside 完全性 or
可能性, 化 of 暗号化 inside 最適化, is no hit (kb.search.Concept.affix)."""

from __future__ import annotations

from kb import index
from kb.db import connect
from kb.search import search
from tests.builders import response_chunks_kb

TEXTS = [
    ("12.6.1 技術的ぜい弱性の管理", "外部の専門業者によるぜい弱性診断を年 2 回実施しています。"),
    ("第16条（バックアップ）", "当社はバックアップの完全性を保証しません。"),
    ("変更管理", "変更により障害が起きる可能性を事前に評価します。"),
    ("性能", "処理を最適化し、応答時間を監視しています。"),
]


def _kb(tmp_path):
    return response_chunks_kb(tmp_path / "kb.db", TEXTS)


def test_a_text_matching_only_an_affix_is_no_hit(tmp_path):
    db = _kb(tmp_path)
    assert [h.title for h in search(db, "ぜい弱性")] == ["12.6.1 技術的ぜい弱性の管理"]
    assert search(db, "暗号化") == []  # 最適化 shares only 化


def test_an_affix_still_counts_beside_its_word(tmp_path):
    db = _kb(tmp_path)
    [hit] = search(db, "ぜい弱性の診断")
    assert hit.title.startswith("12.6.1") and hit.coverage > 0.9


def test_a_snippet_marks_an_affix_only_beside_its_word(tmp_path):
    """性 is marked inside ぜい弱性, never inside 可能性 in the same sentence (issue 17)."""
    from kb.search import prepare, snippet

    db = connect(tmp_path / "kb.db")
    body = "ぜい弱性が悪用される可能性を評価し、安全性を確かめます。"
    with db.atomic():
        index.add_chunk(db, kind="response", source_id=1, title="12.6.1", body=body)
    query = prepare(db, "ぜい弱性")
    assert (
        snippet(body, query, start="[", end="]")
        == "[ぜい弱性]が悪用される可能性を評価し、安全性を確かめます。"
    )
