"""What an auditor sees: titles, hidden internals, canned queries, no download, Markdown."""

from __future__ import annotations

from urllib.parse import quote


def test_index_of_the_database_names_tables_in_japanese_and_hides_the_index(demo_site):
    page = demo_site.get("/demo")
    assert page.status_code == 200
    assert "管理策への回答 / Control responses" in page.text
    for internal in ("chunks_fts", "chunks_trigram", "chunks_vocab", "kb_meta"):
        assert f'href="/demo/{internal}"' not in page.text, internal


def test_analysed_terms_are_not_shown(demo_site, demo_db):
    rows = demo_site.get("/demo/chunks.json?_shape=array&_size=5").json()
    assert rows and all("body_terms" not in r and "title_terms" not in r for r in rows)
    page = demo_site.get("/demo/chunks")
    assert 'data-column="body_terms"' not in page.text and 'data-column="body"' in page.text
    terms = demo_db.execute("SELECT body_terms FROM chunks WHERE id = 1").fetchone()[0]
    row_page = demo_site.get("/demo/chunks/1")
    assert row_page.status_code == 200 and terms not in row_page.text
    # Asked for by name, a column is still there: hidden, not withheld.
    assert "body_terms" in demo_site.get("/demo/chunks.json?_shape=array&_col=body_terms").json()[0]


def test_columns_have_descriptions_and_foreign_keys_labels(demo_site):
    page = demo_site.get("/demo/responses")
    assert "管理策番号" in page.text  # the control_id column's description
    row = demo_site.get("/demo/clause_refs.json?_shape=array&_labels=on&_size=1").json()[0]
    assert isinstance(row["response_id"], dict) and row["response_id"]["label"]


def test_download_is_off(demo_site):
    assert demo_site.get("/demo.db").status_code == 403
    assert 'href="/demo.db"' not in demo_site.get("/demo").text


def test_canned_queries(demo_site, demo_db):
    article, control = demo_db.execute(
        "SELECT c.article, r.control_id FROM clause_refs c JOIN responses r ON r.id = c.response_id"
        " WHERE r.control_id IS NOT NULL ORDER BY c.id LIMIT 1"
    ).fetchone()
    for spelled in (str(article), f"第{article}条", f"Article {article}", f"article{article}"):
        rows = demo_site.get(
            f"/demo/responses_citing_clause.json?article={quote(spelled)}&document=&_shape=array"
        ).json()
        assert control in {r["control_id"] for r in rows}, spelled
    rows = demo_site.get(
        f"/demo/responses_citing_clause.json?article={article}&document=&_shape=array"
    ).json()
    assert {r["clause"] for r in rows} == {f"第{article}条"}  # a Japanese response's citation, as it cites it
    history = demo_site.get("/demo/control_history.json?control_id=12.6.1&_shape=array").json()
    assert history and history[0]["entry"] == "response"
    # Typed as people type it: cld9.5.1 is CLD.9.5.1.
    canonical = demo_site.get("/demo/control_history.json?control_id=CLD.9.5.1&_shape=array").json()
    assert canonical
    assert demo_site.get("/demo/control_history.json?control_id=cld9.5.1&_shape=array").json() == canonical
    missing = demo_site.get("/demo/controls_without_evidence.json?_shape=array").json()
    assert "12.6.1" in {r["control_id"] for r in missing}  # the demo has no evidence at all
    # A public copy keeps no record of which customer got what.
    assert demo_site.get("/demo/filled_for_customer.json").status_code == 404


def test_text_with_lines_is_rendered_as_markdown(demo_site, demo_db):
    rid = demo_db.execute(
        "SELECT id FROM responses WHERE text LIKE '%' || char(10) || '%' LIMIT 1"
    ).fetchone()[0]
    page = demo_site.get(f"/demo/responses/{rid}")
    assert 'class="kb-markdown"' in page.text


def test_responses_facet_by_control_family(demo_site, demo_db):
    page = demo_site.get("/demo/responses.json?_shape=objects").json()
    families = {f["name"]: f for f in page["facet_results"].values()}
    assert "control_family" in families
    counted = {r["value"]: r["count"] for r in families["control_family"]["results"]}
    expected = dict(
        demo_db.execute(
            "SELECT control_family, count(*) FROM responses WHERE control_family IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    assert counted == expected and "12" in counted  # 12.x.y and CLD.12.x.y: operations security


def test_an_english_response_s_citation_is_shown_as_it_cites_it(tmp_path):
    """responses_citing_clause on an English response: Article 12, found as 12 or Article 12."""
    from dataclasses import replace

    from datasette_kb.queries import QUERIES
    from kb import store
    from kb.db import connect
    from kb.model import ClauseRef
    from tests.builders import service_whitepaper

    doc = replace(service_whitepaper("ALPHA-VM", [("6.1.3", "Contact", "Data stays in Tokyo.")]), lang="en")
    doc.sections[0].clause_refs.append(ClauseRef("Terms of Service", 12, "Data Storage Location"))
    db = connect(tmp_path / "kb.db")
    store.import_document(db, doc)
    sql = QUERIES["responses_citing_clause"].sql
    for spelled in ("12", "Article 12", "article 12"):
        rows = db.execute(sql, {"article": spelled, "document": ""}).fetchall()
        assert [(r[0], r[3]) for r in rows] == [("6.1.3", "Article 12")], spelled
