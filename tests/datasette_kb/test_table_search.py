"""The text tables' search box (?_search=): the analyzer, the trigram index, LIKE for short words."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from datasette_kb.table_search import fts_match


def _rows(site, table: str, query: str, columns=("control_id", "title")) -> list[dict]:
    cols = "".join(f"&_col={c}" for c in columns)
    response = site.get(f"/{site.name}/{table}.json?_search={quote(query)}&_shape=array&_size=max{cols}")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def demo(demo_site):
    demo_site.name = "demo"
    return demo_site


def test_analysed_words_become_phrases_all_required():
    assert fts_match("ぜい弱性") == '"脆弱 性"'
    assert fts_match("ぜい弱性 診断") == '"脆弱 性" AND "診断"'
    assert fts_match("第30条") == '"第30条"'
    # A control id is indexed under both spellings: either will do.
    assert fts_match("A.12.6.1") == '("a.12.6.1" OR "12.6.1")'
    assert fts_match('"(の') == '""'  # nothing to look for: matches nothing


def test_vulnerability_finds_12_6_1_in_responses(demo):
    assert "12.6.1" in {r["control_id"] for r in _rows(demo, "responses", "ぜい弱性")}


def test_two_character_words_are_found_as_words_else_by_substring(demo):
    # ログ is a word the analyzer knows (イベントログ, 操作ログ): the rows that use it.
    found = _rows(demo, "chunks", "ログ", ("title", "body"))
    assert "12.4.1 イベントログ取得" in {r["title"] for r in found}
    assert all("ログ" in r["title"] + r["body"] for r in found)
    assert _rows(demo, "responses", "認証")
    # グイ is no word (only inside ログイン): the analyzer finds nothing, LIKE finds the text.
    inside = _rows(demo, "chunks", "グイ", ("title", "body"))
    assert inside and all("グイ" in r["title"] + r["body"] for r in inside)


def test_what_the_analyzer_does_not_find_is_found_as_written(demo, demo_db):
    # トクラ is no word, only letters inside ミナトクラウド: the trigram index finds them.
    found = _rows(demo, "chunks", "トクラ", ("title", "body"))
    expected = demo_db.execute(
        "SELECT count(*) FROM chunks WHERE title LIKE '%トクラ%' OR body LIKE '%トクラ%'"
    ).fetchone()[0]
    assert expected and len(found) == expected
    # When the analyzer finds rows, they are the answer: ぜい弱性 is not looked up as written.
    assert {r["control_id"] for r in _rows(demo, "responses", "ぜい弱性")} >= {"12.6.1"}


def test_a_clause_number_finds_the_responses_that_name_it(demo, demo_db):
    row = demo_db.execute("SELECT article FROM clause_refs ORDER BY id LIMIT 1").fetchone()
    cited = _rows(demo, "chunks", f"第{row[0]}条", ("body",))
    assert cited and all(f"第{row[0]}条" in r["body"].replace(" ", "") for r in cited)


def test_seed_article_30(seed_site):
    seed_site.name = "seed"
    rows = _rows(seed_site, "responses", "第30条", ("text",))
    assert rows and all("30" in r["text"] for r in rows)
    assert "12.6.1" in {r["control_id"] for r in _rows(seed_site, "responses", "ぜい弱性")}


def test_search_box_shows_on_text_tables_with_the_query(demo):
    page = demo.get(f"/demo/responses?_search={quote('ぜい弱性')}")
    assert page.status_code == 200
    assert 'name="_search" value="ぜい弱性"' in page.text
    assert "12.6.1" in page.text
    assert 'name="_search"' not in demo.get("/demo/revisions").text  # no text of its own to search


def test_query_syntax_is_searched_as_words(demo):
    for query in ('"', "AND (", "NEAR(", "*", "%_", "ぜい弱性 OR"):
        response = demo.get(f"/demo/chunks.json?_search={quote(query)}")
        assert response.status_code == 200, query
    assert _rows(demo, "chunks", "%_") == []  # LIKE's wildcards are literal
