"""What kb.search caches per connection must follow every change of the KB."""

import random

import pytest

from kb import glossary, search, store
from kb.answer import answer
from kb.db import connect
from tests.builders import make_doc


def test_commit_by_another_connection_is_seen(tmp_path):
    reader = connect(tmp_path / "kb.db")
    store.import_document(reader, make_doc("1.0"))
    assert not search.search(reader, "耐震構造")
    writer = connect(tmp_path / "kb.db")
    store.import_document(writer, make_doc("2.0", "建物は耐震構造です。"))
    hits = search.search(reader, "耐震構造")
    assert hits and "耐震構造" in hits[0].body


def test_glossary_change_on_the_same_connection_is_seen(tmp_path):
    db = connect(tmp_path / "kb.db")
    store.import_document(db, make_doc("1.0"))
    assert not search.search(db, "ミチノクゴ")
    glossary.add_group(db, ["ミチノクゴ", "パッチ"])
    hits = search.search(db, "ミチノクゴ")
    assert hits and hits[0].control_id == "CLD.9.5.2"


def test_cached_chunk_rows_follow_a_new_version(tmp_path):
    db = connect(tmp_path / "kb.db")
    store.import_document(db, make_doc("1.0", "旧版の記述。"))
    assert "旧版" in search.search(db, "パッチ 適用")[0].body
    store.import_document(db, make_doc("2.0", "新版の記述。"))
    assert "新版" in search.search(db, "パッチ 適用")[0].body


def test_changing_an_answer_does_not_change_the_next_one(tmp_path):
    db = connect(tmp_path / "kb.db")
    store.import_document(db, make_doc("1.0"))
    first = answer(db, "仮想マシンの要塞化でパッチを適用していますか。")
    src = first.sources[0]
    assert src.clause_refs and src.doc_refs
    src.clause_refs[0]["article"] = 99
    src.doc_refs.append("別の文書")
    second = answer(db, "仮想マシンの要塞化でパッチを適用していますか。")
    assert second.sources[0].clause_refs[0]["article"] == 30
    assert second.sources[0].doc_refs == ["サービス仕様書"]


def test_a_full_row_cache_starts_again_without_losing_rows(tmp_path, monkeypatch):
    db = connect(tmp_path / "kb.db")
    store.import_document(db, make_doc("1.0"))
    cache = search.IndexCache.of(db)
    ids = [row[0] for row in db.execute("SELECT id FROM chunks")]
    every = cache.chunks(ids)
    assert set(every) == set(ids)
    monkeypatch.setattr(search.IndexCache, "MAX_ROWS", 3)
    fresh = search.IndexCache(db, (-1, -1))
    for i in range(0, len(ids), 2):  # fetched two at a time: the cache overflows and starts again
        got = fresh.chunks(ids[i : i + 3])
        assert got == {j: every[j] for j in ids[i : i + 3]}
        assert fresh.sizes().rows <= 3


RANKING_QUESTIONS = [
    "保存データは暗号化されていますか。",
    "Is customer data encrypted at rest?",
    "データセンターはどの国にありますか。",
    "管理画面へのアクセスは多要素認証で保護されていますか。",
    "ログは何年保管しますか。",
    "Do you notify customers of incidents?",
    "第30条",
]


def _bm25_candidates(db, monkeypatch, *, postings: bool):
    if not postings:
        monkeypatch.setattr(search.IndexCache, "ranked", lambda self, phrases, limit: None)
    out = []
    for text in RANKING_QUESTIONS:
        query = search.prepare(db, text)
        for broad in (False, True):
            out.append([(hit.chunk_id, hit.bm25) for hit, _ in search.candidates(db, query, broad=broad)])
    monkeypatch.undo()
    return out


def test_postings_rank_exactly_as_fts5_ranks_the_or_query(demo_db, monkeypatch):
    # The same chunks in the same order with bit-for-bit the same bm25: the sum
    # of single-phrase scores in phrase order is what fts5_aux.c computes.
    from_postings = _bm25_candidates(demo_db, monkeypatch, postings=True)
    from_fts5 = _bm25_candidates(demo_db, monkeypatch, postings=False)
    assert from_postings == from_fts5
    assert sum(len(found) for found in from_postings) > 50  # the questions do find chunks


def test_a_common_phrase_is_ranked_by_fts5_once_then_from_its_postings(demo_db, monkeypatch):
    query = search.prepare(demo_db, "保存データは暗号化されていますか。")
    cache = search.IndexCache.of(demo_db)
    held = cache.ranked(query.match_phrases, 60)
    assert held
    monkeypatch.setattr(search, "POSTINGS_MAX_DF", 0)
    fresh = search.IndexCache(demo_db, (-1, -1))
    assert fresh.ranked(query.match_phrases, 60) is None  # the first time: FTS5 ranks the OR
    assert fresh.sizes().postings == 0  # and nothing was read for it
    assert fresh.ranked(query.match_phrases, 60) == held  # asked again: its postings, the same ranking
    assert search.search(demo_db, "保存データは暗号化されていますか。")


def _merged(lists: list[list[tuple[int, float]]], limit: int) -> list[tuple[int, float]]:
    """Every chunk's summed score in phrase order, sorted: what FTS5's ORDER BY gives."""
    scores: dict[int, float] = {}
    for rows in lists:
        for rowid, score in rows:
            scores[rowid] = scores.get(rowid, 0.0) + score
    return sorted(scores.items(), key=lambda item: (item[1], item[0]))[:limit]


@pytest.mark.parametrize("lookup_cost", [1, 10**9])  # reading heads as far as needed / merging at once
def test_best_of_is_the_head_of_the_sorted_merge(monkeypatch, lookup_cost):
    monkeypatch.setattr(search, "LOOKUP_COST", lookup_cost)
    rng = random.Random(13)
    for case in range(300):
        lists = []
        for _ in range(rng.randint(1, 5)):
            ids = sorted(rng.sample(range(400), rng.randint(0, 200)))
            # Few distinct scores make ties; a skewed list lets the heads decide early.
            if case % 2:
                rows = [(i, -rng.choice([0.5, 1.0, 1.5])) for i in ids]
            else:
                rows = [(i, -rng.paretovariate(1.5)) for i in ids]
            lists.append(rows)
        limit = rng.choice([1, 3, 10, 60, 1000])
        got = search.best_of([search.Postings(rows) for rows in lists], limit)
        assert got == _merged(lists, limit), case


def test_whole_vocabulary_and_single_look_ups_agree(demo_db, monkeypatch):
    terms = [row[0] for row in demo_db.execute("SELECT term FROM chunks_vocab LIMIT 50")] + ["存在しない語"]
    vocabulary = demo_db.execute("SELECT count(*) FROM chunks_vocab").fetchone()[0]
    whole = search.IndexCache(demo_db, (-1, -1))
    from_whole = [whole.df(t) for t in terms]
    monkeypatch.setattr(search, "WHOLE_VOCABULARY_MAX_CHUNKS", 0)
    single = search.IndexCache(demo_db, (-1, -1))
    assert from_whole == [single.df(t) for t in terms]
    assert whole.sizes().terms == vocabulary  # a small KB's vocabulary read at once
    assert single.sizes().terms == len(terms)  # a large one's, a term at a time
    assert whole.df("存在しない語") == 0 and all(whole.df(t) > 0 for t in terms[:-1])


def test_the_cache_lives_and_dies_with_its_connection(tmp_path):
    import gc
    import weakref

    first = connect(tmp_path / "kb.db")
    store.import_document(first, make_doc("1.0"))
    second = connect(tmp_path / "kb.db")
    assert search.search(first, "パッチ 適用") and search.search(second, "パッチ 適用")
    assert search.IndexCache.of(first) is not search.IndexCache.of(second)
    gone = weakref.ref(search.IndexCache.of(first))
    first.conn.close()
    del first
    gc.collect()
    assert gone() is None  # nothing holds on to the caches of dropped connections


def test_caches_past_their_bounds_start_again_and_answer_the_same(demo_db, monkeypatch):
    def run(db):
        hits = [[(h.chunk_id, h.score, h.coverage) for h in search.search(db, q)] for q in RANKING_QUESTIONS]
        return hits, search.IndexCache.of(db).sizes()

    path = demo_db.execute("PRAGMA database_list").fetchone()[2]
    before, unbounded = run(connect(path))  # a connection, and so a cache, of its own
    for name in ("MAX_CONCEPTS", "MAX_CREDITS", "MAX_POSTINGS"):
        monkeypatch.setattr(search.IndexCache, name, 3)
    after, bounded = run(connect(path))
    assert after == before
    assert bounded.concepts <= 3 < unbounded.concepts  # started again instead of growing
    assert bounded.credits < unbounded.credits and bounded.postings < unbounded.postings


def test_a_clauses_coverage_is_remembered_and_the_same_as_worked_out(demo_db):
    from kb.analysis import analyzed_text

    question = "バックアップデータは暗号化して保管していますか。"
    query = search.prepare(demo_db, question)
    clauses = ["バックアップは毎日取得し、暗号化して保管します。", "保管期間は 30 日です。", "該当しません。"]

    def worked_out(analysed: str) -> tuple[float, list[int]]:
        # The same question on a cache that has seen nothing yet.
        return search.coverage(
            search.prepare(demo_db, question, cache=search.IndexCache(demo_db, (-1, -1))), analysed
        )

    counted = query.cache.sizes().credits
    for _ in range(2):  # the second time from the memo
        for clause in clauses:
            analysed = analyzed_text(clause)
            assert search.coverage(query, analysed) == worked_out(analysed)
    assert search.coverage(query, analyzed_text(clauses[0]))[0] > 0
    # Remembered once per clause and concept, and counted against the bound.
    assert query.cache.sizes().credits == counted + len(clauses) * len(query.concepts)
