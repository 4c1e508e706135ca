"""exporters.json_export: the KB as one JSON document, as a consumer of `kb export json` reads it."""

import json

import pytest
from click.testing import CliRunner

from exporters.json_export import FORMAT_VERSION, export_kb
from kb import store
from kb.cli import cli
from kb.db import connect
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
        "audience",
        "documents",
        "responses",
        "revisions",
        "history",
        "withheld",
    }
    assert (data["audience"], data["withheld"]) == ("public", {"documents": 0, "responses": 0, "history": 0})

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


def test_an_empty_kb_exports_empty_lists(tmp_path):
    assert export_kb(connect(tmp_path / "kb.db")) == {
        "format_version": FORMAT_VERSION,
        "audience": "public",
        "documents": [],
        "responses": [],
        "revisions": [],
        "history": [],
        "withheld": {"documents": 0, "responses": 0, "history": 0},
    }


def test_kb_export_json_writes_what_export_kb_returns(kb_path, tmp_path):
    out = tmp_path / "kb.json"
    result = CliRunner().invoke(
        cli, ["--db", str(kb_path), "export", "json", "--no-history", "-o", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == export_kb(connect(kb_path), include_history=False)
