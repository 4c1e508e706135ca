"""Documents of different classifications never replace each other (kb.store._supersede).

The rule: a document's versions are the documents of its series (kind, title, publisher,
service, language) at its classification. An internal working copy titled as the published
whitepaper sits beside it; a new version of either replaces that one only.
"""

from __future__ import annotations

from kb import store
from kb.answer import answer
from kb.db import connect_memory
from tests.builders import kestrel


def _current(db) -> list[tuple[str, int]]:
    return db.execute("SELECT classification, is_current FROM documents ORDER BY id").fetchall()


def _current_responses(db, classification: str) -> int:
    return db.execute(
        "SELECT count(*) FROM chunks WHERE kind = 'response' AND is_current = 1 AND classification = ?",
        [classification],
    ).fetchone()[0]


def test_an_internal_copy_with_the_public_title_leaves_the_public_whitepaper_current() -> None:
    db = connect_memory()
    store.import_document(db, kestrel("ja"))
    public_responses = _current_responses(db, "public")
    before = answer(db, "データセンターはどの国にありますか。")
    result = store.import_document(db, kestrel("ja", classification="internal", suffix="\n社内メモ。\n"))
    assert result.status == "imported" and result.superseded_document_id is None
    assert _current(db) == [("public", 1), ("internal", 1)]
    assert _current_responses(db, "public") == public_responses > 0
    after = answer(db, "データセンターはどの国にありますか。")
    assert (after.status, [s.control_id for s in after.sources]) == (
        before.status,
        [s.control_id for s in before.sources],
    )
    assert before.sources  # the public whitepaper does answer it


def test_a_new_version_replaces_only_the_version_of_its_own_classification() -> None:
    db = connect_memory()
    store.import_document(db, kestrel("ja"))
    store.import_document(db, kestrel("ja", classification="nda", suffix="\nNDA 版。\n"))
    newer_public = store.import_document(db, kestrel("ja", suffix="\n第 2 版。\n"))
    assert newer_public.status == "new version" and newer_public.superseded_document_id == 1
    assert _current(db) == [("public", 0), ("nda", 1), ("public", 1)]
    newer_nda = store.import_document(db, kestrel("ja", classification="nda", suffix="\nNDA 第 2 版。\n"))
    assert newer_nda.superseded_document_id == 2
    assert _current(db) == [("public", 0), ("nda", 0), ("public", 1), ("nda", 1)]
