"""Search and answering on the real seed KB (skips without ../shared) and on the demo KB."""

import json

from click.testing import CliRunner

from kb.answer import answer
from kb.cli import cli
from kb.evaluate import evaluate, load_questions
from kb.search import prepare, search, snippet
from tests.conftest import DEV_QUESTIONS, need_shared


def top_ids(db, text, n=3):
    return [h.control_id for h in search(db, text, limit=n)]


def test_japanese_query_with_variant_spelling(seed_db):
    # The whitepaper writes ぜい弱性; the query writes 脆弱性.
    assert "12.6.1" in top_ids(seed_db, "脆弱性診断を定期的に実施していますか")


def test_english_query_reaches_japanese_response(seed_db):
    assert top_ids(seed_db, "Are customer networks segregated from each other?", 2)[0] in {
        "13.1.3",
        "CLD.9.5.1",
    }
    assert top_ids(seed_db, "Is the system clock synchronized with NTP?", 1) == ["12.4.4"]


def test_control_id_and_clause_queries(seed_db):
    assert top_ids(seed_db, "CLD.9.5.1", 1) == ["CLD.9.5.1"]
    assert top_ids(seed_db, "第30条", 1) == ["6.1.3"]


def test_kind_filter(seed_db):
    assert search(seed_db, "仮想マシン", kinds=("evidence",)) == []
    assert all(h.kind == "response" for h in search(seed_db, "仮想マシン", kinds=("response",)))


def test_answer_with_citations_and_stance(seed_db):
    a = answer(seed_db, "顧客データを保存する可能性のある国はどこですか。")
    assert a.status == "answered" and a.sources[0].control_id == "6.1.3"
    assert a.stance is None  # not a yes/no question
    cites = a.sources[0].citations
    assert any("第30条（提供場所）" in c for c in cites)
    no = answer(seed_db, "仮想マシンのデータの暗号化は標準で提供されていますか。")
    assert no.sources[0].control_id in {"10.1.1", "18.1.5"} and no.stance == "no"
    yes = answer(seed_db, "バックアップを遠隔地に取得することはできますか。")
    assert yes.stance == "yes"


def test_abstains_when_the_kb_has_no_answer(seed_db):
    for q in (
        "従業員の採用時に身元確認を行っていますか。",
        "Do you support hardware security modules for BYOK?",
    ):
        a = answer(seed_db, q)
        assert a.status != "answered", (q, a.confidence)
    empty = answer(seed_db, "。、")
    assert empty.status == "no_match" and empty.sources == [] and empty.confidence == 0


def test_answer_json_shape_via_cli(seed_db, tmp_path):
    db_path = seed_db.execute("PRAGMA database_list").fetchone()[2]
    res = CliRunner().invoke(cli, ["--db", db_path, "answer", "データセンターの見学は可能ですか。", "--json"])
    data = json.loads(res.stdout)
    assert set(data) == {
        "question",
        "status",
        "confidence",
        "stance",
        "sources",
        "why",
        "withheld",
        "expired_evidence",
    }
    assert data["status"] in {"answered", "needs_review", "no_match"} and 0 <= data["confidence"] <= 1
    assert data["stance"] in {"yes", "no", "partial", "na", None}
    src = data["sources"][0]
    assert {"kind", "control_id", "title", "text", "score", "citations"} <= set(src)
    scores = [s["score"] for s in data["sources"]]
    assert scores == sorted(scores, reverse=True)

    questions = tmp_path / "q.txt"
    questions.write_text(
        "データセンターの見学は可能ですか。\n\nWhere is customer data stored?\n", encoding="utf-8"
    )
    res = CliRunner().invoke(cli, ["--db", db_path, "answer", "--file", str(questions), "--json"])
    assert [a["question"] for a in json.loads(res.stdout)] == [
        "データセンターの見学は可能ですか。",
        "Where is customer data stored?",
    ]

    res = CliRunner().invoke(cli, ["--db", db_path, "search", "ぜい弱性", "--json", "--limit", "2"])
    hits = json.loads(res.stdout)
    assert len(hits) == 2 and set(hits[0]) == {
        "kind",
        "classification",
        "control_id",
        "title",
        "snippet",
        "score",
    }
    assert "<mark>" in hits[0]["snippet"]


def test_snippet_marks_matching_words(seed_db):
    q = prepare(seed_db, "ネットワークの分離")
    hit = search(seed_db, "ネットワークの分離", query=q)[0]
    text = snippet(hit.body, q)
    assert "<mark>ネットワーク</mark>" in text and "<mark>分離</mark>" in text


def test_dev_set_targets(seed_db):
    """The engine on the labelled dev questions (the numbers go in the issue note)."""
    need_shared(DEV_QUESTIONS)
    m = evaluate(seed_db, load_questions(DEV_QUESTIONS)).metrics()
    assert m.top1 >= 0.90 and m.top3 >= 0.97
    assert m.auto_precision >= 0.97 and m.abstention >= 0.90
    assert m.english_top3 >= 0.85 and m.stance_accuracy >= 0.90
    assert m.coverage >= 0.85


def test_demo_kb_answers_in_both_languages(demo_db):
    ja = answer(demo_db, "データセンターはどの国にありますか。")
    en = answer(demo_db, "Which country is the data stored in?")
    assert ja.sources and en.sources
    assert ja.sources[0].control_id == en.sources[0].control_id == "6.1.3"


def test_kind_filter_finds_rare_kinds_among_many_matches(tmp_path):
    from kb import index
    from kb.db import connect

    db = connect(tmp_path / "kb.db")
    with db.atomic():
        for i in range(300):
            index.add_chunk(
                db, kind="evidence", source_id=i, title=f"ログ {i}", body="監査ログを保管しています。"
            )
        index.add_chunk(
            db, kind="response", source_id=1, title="12.4.1 イベントログ取得", body="ログは一年保管します。"
        )
    hits = search(db, "ログ 保管", kinds=("response",))
    assert [h.kind for h in hits] == ["response"]
    assert len(search(db, "ログ 保管", limit=50)) == 50


def _kb_of(tmp_path, *chunks):
    from tests.builders import response_chunks_kb

    return response_chunks_kb(tmp_path / "kb.db", list(chunks))


def test_a_phrase_covered_in_other_words_covers_its_unused_parts(tmp_path):
    db = _kb_of(
        tmp_path,
        ("責任分界点", "ゲスト OS の設定はお客様の責任範囲です。"),
        ("物理セキュリティ", "データセンターは入館を管理しています。"),
    )
    # 責任の境界 is a glossary wording of 責任分界点; 境界 itself is in no text.
    query = prepare(db, "責任の境界はどこですか。")
    hits = search(db, query.text, query=query)
    assert hits[0].title == "責任分界点"
    assert hits[0].matched == list(range(len(query.concepts))) and hits[0].coverage > 0.9


def test_a_part_the_kb_uses_still_needs_its_own_words(tmp_path):
    db = _kb_of(
        tmp_path,
        ("ポータル", "ポータルサイトへのアクセスは VPN 経由です。"),
        ("通信の暗号化", "Web ポータルへのアクセスは TLS で暗号化しています。"),
    )
    query = prepare(db, "Is access to the web portal protected with TLS?")
    hits = search(db, query.text, query=query)
    assert [h.title for h in hits][:1] == ["通信の暗号化"]
    # "web" occurs in the KB: the first text covers "web portal" (ポータルサイト), not "web".
    web = next(i for i, c in enumerate(query.concepts) if c.phrases[0] == ("web",))
    assert query.concepts[web].parent is not None
    assert web not in next(h for h in hits if h.title == "ポータル").matched


def test_english_words_nothing_can_translate_keep_confidence_down(demo_db):
    assert answer(demo_db, "Where is customer data stored?").status == "answered"
    assert answer(demo_db, "Do you take backups of customer data?").status == "answered"
    # "customers", "user identifier", "product" translate; "attribute mappings" and
    # "WCAG" are what is asked, and no text of the KB can say anything about them.
    for question in (
        "Can customers define attribute mappings beyond the user identifier?",
        "Does the product conform to WCAG 2.1?",
    ):
        assert answer(demo_db, question).status != "answered", question
