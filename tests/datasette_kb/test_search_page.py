"""/-/kb-search: the ranked search `kb search` runs, as a page and as JSON, with friendly refusals."""

from __future__ import annotations

import json
from urllib.parse import quote

from click.testing import CliRunner

from kb.cli import cli


def _kb_search(db, query: str) -> list[dict]:
    path = db.execute("PRAGMA database_list").fetchone()[2]
    result = CliRunner().invoke(cli, ["--db", path, "search", query, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _hits(site, query: str, extra: str = "") -> list[dict]:
    response = site.get(f"/-/kb-search.json?q={quote(query)}{extra}")
    assert response.status_code == 200, response.text
    return response.json()["hits"]


def test_seed_vulnerability_finds_12_6_1_as_kb_search_does(seed_site, seed_db):
    hits = _hits(seed_site, "ぜい弱性")
    assert hits[0]["control_id"] == "12.6.1"
    wanted = [
        (h["control_id"], h["title"], h["snippet"], h["score"]) for h in _kb_search(seed_db, "ぜい弱性")
    ]
    assert [(h["control_id"], h["title"], h["snippet"], h["score"]) for h in hits] == wanted


def test_demo_vulnerability_and_an_english_question(demo_site, demo_db):
    assert _hits(demo_site, "ぜい弱性")[0]["control_id"] == "12.6.1"
    for query in ("ぜい弱性 診断", "Where is customer data stored?"):
        got = [(h["control_id"], h["score"]) for h in _hits(demo_site, query)]
        assert got == [(h["control_id"], h["score"]) for h in _kb_search(demo_db, query)]
        assert got


def test_hits_link_to_their_rows_and_the_page_marks_the_words(demo_site):
    hit = _hits(demo_site, "ぜい弱性")[0]
    assert hit["url"] == f"/demo/responses/{hit['source_id']}"
    page = demo_site.get("/-/kb-search?q=" + quote("ぜい弱性"))
    assert page.status_code == 200
    assert f'<a href="{hit["url"]}">12.6.1 技術的ぜい弱性の管理</a>' in page.text
    assert "<mark>ぜい弱性</mark>" in page.text
    row = demo_site.get(hit["url"])
    assert row.status_code == 200 and "12.6.1" in row.text


def test_kind_limits_the_hits(demo_site):
    hits = _hits(demo_site, "ぜい弱性", "&kind=qa")
    assert all(h["kind"] == "qa" for h in hits)
    assert len(_hits(demo_site, "ぜい弱性", "&limit=1")) == 1
    # The form's "all" sends an empty kind.
    assert _hits(demo_site, "ぜい弱性", "&kind=")[0]["control_id"] == "12.6.1"


def test_a_request_that_cannot_run_gets_a_message_not_a_server_error(demo_site):
    for query in ("limit=abc&q=x", "limit=0&q=x", "kind=nonsense&q=x", "q=" + "あ" * 501):
        response = demo_site.get(f"/-/kb-search.json?{query}")
        assert response.status_code == 400, query
        assert response.json()["message"] and not response.json()["ok"]
        page = demo_site.get(f"/-/kb-search?{query}")
        assert page.status_code == 400 and 'id="kb-message"' in page.text


def test_fts_syntax_is_only_words_of_a_query(demo_site):
    for query in ('"unbalanced', "NEAR(a b", "AND OR NOT", "*", "ぜい弱性 OR (", "12.6.1*"):
        response = demo_site.get("/-/kb-search.json?q=" + quote(query))
        assert response.status_code == 200, query
        assert response.json()["ok"]
    assert _hits(demo_site, "ぜい弱性 OR (")[0]["control_id"] == "12.6.1"


def test_a_query_of_no_known_word_says_so(demo_site):
    for query in ("の", "zzqx"):
        body = demo_site.get("/-/kb-search.json?q=" + quote(query)).json()
        assert body["hits"] == [] and "None of the query's words" in body["message"], query


def test_an_empty_query_shows_the_form(demo_site):
    page = demo_site.get("/-/kb-search")
    assert page.status_code == 200
    assert 'name="q"' in page.text and 'id="kb-message"' in page.text
