"""exporters.json_export: the KB as one JSON document, as a consumer of `kb export json` reads it."""

import json

import pytest
from click.testing import CliRunner

from exporters.json_export import FORMAT_VERSION, export_kb
from kb import store
from kb.cli import cli
from kb.db import SCHEMA_VERSION, connect
from tests.builders import make_doc

RESPONSE_KEYS = {
    "control_id",
    "framework",
    "title",
    "text",
    "service",
    "document",
    "document_version",
    "section_path",
    "classification",
    "clause_refs",
    "doc_refs",
}


@pytest.fixture
def kb_path(tmp_path):
    """A KB whose whitepaper has a current version 2.0 and a superseded 1.0."""
    path = tmp_path / "kb.db"
    db = connect(path)
    store.import_document(db, make_doc("1.0", "旧版の記述。"))
    store.import_document(db, make_doc("2.0", "新版の記述。"))
    db.conn.close()
    return path


def test_export_holds_documents_current_responses_revisions_and_history(kb_path):
    data = export_kb(connect(kb_path))
    assert data["format_version"] == FORMAT_VERSION
    assert set(data) == {
        "format_version",
        "schema_version",
        "audience",
        "documents",
        "responses",
        "revisions",
        "history",
        "tables",
        "rebuilt_on_import",
        "withheld",
    }
    assert (data["audience"], data["schema_version"]) == ("public", SCHEMA_VERSION)
    # Nothing above public; the staff who approved the imported texts (kb.curation) are not named.
    names = {"responses.approver": 4}
    assert data["withheld"] == {"documents": 0, "responses": 0, "history": 0, "tables": {}, "names": names}

    assert [(d["version"], d["is_current"]) for d in data["documents"]] == [("1.0", 0), ("2.0", 1)]
    assert set(data["documents"][0]) == {
        "kind",
        "title",
        "publisher",
        "version",
        "date",
        "service",
        "sha256",
        "classification",
        "is_current",
    }

    intro, control = data["responses"]
    assert all(set(r) == RESPONSE_KEYS for r in data["responses"] + data["history"])
    assert (intro["control_id"], intro["section_path"], intro["clause_refs"]) == (None, ["はじめに"], [])
    assert control == {
        "control_id": "CLD.9.5.2",
        "framework": "ISO/IEC 27017:2015",
        "title": "仮想マシンの要塞化",
        "text": "最新のパッチを適用して提供します。新版の記述。",
        "service": "EX-1",
        "document": "Example whitepaper",
        "document_version": "2.0",
        "section_path": [],
        "classification": "public",
        "clause_refs": [{"document": "Example 利用約款", "article": 30, "title": "提供場所"}],
        "doc_refs": ["サービス仕様書"],
    }

    # Revisions are those of the current documents, with the changed controls as a list.
    assert data["revisions"] == [
        {
            "version": "2.0",
            "date": "2024-01-01",
            "changed": ["CLD.9.5.2"],
            "note": "更新",
            "document": "Example whitepaper",
        }
    ]
    assert [(r["document_version"], r["text"].endswith("旧版の記述。")) for r in data["history"]] == [
        ("1.0", False),
        ("1.0", True),
    ]
    assert data["history"][1]["clause_refs"] == control["clause_refs"]


def test_without_history_the_rest_is_the_same(kb_path):
    db = connect(kb_path)
    full, short = export_kb(db), export_kb(db, include_history=False)
    assert "history" not in short and "history" not in short["withheld"]
    assert {k: v for k, v in short.items() if k != "withheld"} == {
        k: v for k, v in full.items() if k not in ("history", "withheld")
    }
    # The tables, which kb import json restores, hold the superseded responses all the same.
    assert len(short["tables"]["responses"]["rows"]) == 4


def test_an_empty_kb_exports_empty_lists(tmp_path):
    data = export_kb(connect(tmp_path / "kb.db"))
    tables = data.pop("tables")
    assert data == {
        "format_version": FORMAT_VERSION,
        "schema_version": SCHEMA_VERSION,
        "audience": "public",
        "documents": [],
        "responses": [],
        "revisions": [],
        "history": [],
        "rebuilt_on_import": data["rebuilt_on_import"],
        "withheld": {"documents": 0, "responses": 0, "history": 0, "tables": {}, "names": {}},
    }
    assert tables and all(t["rows"] == [] for t in tables.values())


def test_kb_export_json_writes_what_export_kb_returns(kb_path, tmp_path):
    out = tmp_path / "kb.json"
    result = CliRunner().invoke(
        cli, ["--db", str(kb_path), "export", "json", "--no-history", "-o", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == export_kb(connect(kb_path), include_history=False)


def test_a_control_titled_by_an_nda_response_is_not_in_a_public_export(tmp_path):
    # A control keeps the title of the first response imported for it: here an nda one's.
    from tests.builders import LEVEL_MARKERS, TOPICS, classified_whitepaper

    db = connect(tmp_path / "kb.db")
    store.import_document(db, classified_whitepaper("nda", "ja", [(TOPICS[0], True)]))
    store.import_document(
        db, classified_whitepaper("public", "ja", [(TOPICS[0], True), (TOPICS[1], True)], name="p")
    )
    store.import_document(db, classified_whitepaper("nda", "ja", [(TOPICS[2], True)], name="only"))
    public = export_kb(db, audience="public")
    assert LEVEL_MARKERS["nda"] not in json.dumps(public, ensure_ascii=False)
    controls = public["tables"]["controls"]
    titles = {
        row[controls["columns"].index("control_id")]: row[controls["columns"].index("title")]
        for row in controls["rows"]
    }
    assert titles == {
        "12.3.1": "情報のバックアップ",
        "10.1.1": "暗号による管理策の利用方針",
    }  # 9.4.2 only nda answers
    assert public["withheld"]["tables"]["controls"] == 1
    assert LEVEL_MARKERS["nda"] in json.dumps(export_kb(db, audience="nda"), ensure_ascii=False)


def test_a_table_nobody_classified_stays_out_of_every_export_but_an_internal_one(tmp_path):
    """Failing closed: a table added later that neither classifies its rows nor is known to be
    shareable (exporters.json_export.SHAREABLE_TABLES) is in an internal export only."""
    db = connect(tmp_path / "kb.db")
    store.import_document(db, make_doc("1.0"))
    db.execute("CREATE TABLE customer_notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")
    db.execute("INSERT INTO customer_notes (note) VALUES ('ACME は値引きを求めている')")
    assert export_kb(db, audience="internal")["tables"]["customer_notes"]["rows"] == [
        [1, "ACME は値引きを求めている"]
    ]
    for audience in ("public", "nda"):
        data = export_kb(db, audience=audience)
        assert "customer_notes" not in data["tables"]
        assert data["withheld"]["tables"] == {"customer_notes": 1}
