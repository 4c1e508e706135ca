"""An English edition of a whitepaper in the store: its own document, linked by control id."""

from __future__ import annotations

from kb import store
from kb.db import connect_memory
from tests.builders import kestrel


def _current(db) -> list[tuple[int, str, int]]:
    return db.execute("SELECT id, lang, is_current FROM documents ORDER BY id").fetchall()


def _response(db, document_id: int, control_id: str) -> int:
    return db.execute(
        "SELECT id FROM responses WHERE document_id = ? AND control_id = ?", [document_id, control_id]
    ).fetchone()[0]


def test_an_english_edition_is_its_own_document_and_never_supersedes_the_japanese_one() -> None:
    db = connect_memory()
    ja = store.import_document(db, kestrel("ja"))
    en = store.import_document(db, kestrel("en"))
    assert (ja.lang, ja.linked, ja.status) == ("ja", 0, "imported")
    assert (en.lang, en.linked, en.status, en.superseded_document_id) == ("en", 3, "imported", None)
    assert _current(db) == [(ja.document_id, "ja", 1), (en.document_id, "en", 1)]
    assert store.series_key(kestrel("en")).endswith(" | en")
    assert (
        store.series_key(kestrel("ja"))
        == "whitepaper | ケストレル VPS ISO/IEC 27017 ホワイトペーパー | ケストレル株式会社 | KST-VPS"
    )
    assert store.languages(db) == {"ja", "en"}


def test_editions_link_responses_by_service_and_control_id_both_ways() -> None:
    db = connect_memory()
    ja = store.import_document(db, kestrel("ja")).document_id
    en = store.import_document(db, kestrel("en")).document_id
    ja_613, en_613 = _response(db, ja, "6.1.3"), _response(db, en, "6.1.3")
    found = store.editions_many(db, [ja_613, en_613])
    assert found[ja_613].lang == "ja" and [e.response_id for e in found[ja_613].others] == [en_613]
    assert found[en_613].lang == "en" and [e.response_id for e in found[en_613].others] == [ja_613]
    (edition,) = found[ja_613].others
    assert (edition.lang, edition.title, edition.classification) == (
        "en",
        "Contact with authorities",
        "public",
    )
    assert edition.text.startswith("Customer data is kept only in our Frankfurt data center.")
    # The English edition cites the same article of the contract, in English.
    assert store.citations(db, en_613)["clause_refs"] == [
        {"document": "Kestrel Terms of Use", "article": 7, "title": "Storage Region"}
    ]
    assert store.citations(db, ja_613)["clause_refs"][0]["article"] == 7
    # A general section has no control id: nothing to link it by.
    intro = db.execute(
        "SELECT id FROM responses WHERE document_id = ? AND control_id IS NULL", [en]
    ).fetchone()[0]
    assert store.editions_many(db, [intro])[intro].others == ()


def test_a_new_japanese_version_is_linked_to_the_english_edition_at_once() -> None:
    db = connect_memory()
    store.import_document(db, kestrel("ja"))
    en = store.import_document(db, kestrel("en")).document_id
    newer = store.import_document(db, kestrel("ja", suffix="\n改訂しました。\n"))
    assert newer.status == "new version" and newer.linked == 3
    en_613 = _response(db, en, "6.1.3")
    (edition,) = store.editions_many(db, [en_613])[en_613].others
    assert edition.response_id == _response(db, newer.document_id, "6.1.3")


def test_another_service_is_not_linked() -> None:
    db = connect_memory()
    store.import_document(db, kestrel("ja"))
    other = kestrel("en")
    other.service = "KST-OBJ"
    assert store.import_document(db, other).linked == 0


def test_show_lists_the_japanese_edition_first() -> None:
    db = connect_memory()
    store.import_document(db, kestrel("en"))
    store.import_document(db, kestrel("ja"))
    rows = store.responses_for_control(db, "6.1.3")
    assert [(r["lang"], r["is_current"]) for r in rows] == [("ja", 1), ("en", 1)]
