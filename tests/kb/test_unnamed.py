"""No copy below internal names the provider's staff or its customers (kb.unnamed, kb.publish):
not kb publish / kb serve's file, not kb export json's tables, whatever table holds the name."""

from __future__ import annotations

import sqlite3

import pytest

from kb import store
from kb.model import ParsedDocument, QAPair
from kb.publish import audience_copy, publish
from kb.unnamed import NAME_COLUMNS
from tests.builders import whitepaper_kb

CUSTOMER, STAFF = "Kestrel Freight 株式会社", "高橋 美咲"


@pytest.fixture
def named_db(tmp_path):
    db = whitepaper_kb(
        tmp_path / "kb.db",
        "Naming whitepaper",
        [("4.2.1", "鍵の管理", "暗号鍵は専用の管理装置で保管し、年に一度更新しています。")],
    )
    sheet = ParsedDocument(
        kind="checksheet", title=f"{CUSTOMER} 質問票", sha256="kestrel-sheet", source_name="kestrel.xlsx",
        publisher=CUSTOMER,
    )  # fmt: skip
    pair = QAPair("暗号鍵を定期的に更新していますか。", "はい", "年に一度更新しています。")
    store.import_qa_pairs(db, sheet, [pair], customer=CUSTOMER, answered_on="2026-03-02", approved=True)
    db.execute("UPDATE responses SET owner = ?, approver = ?", [STAFF, STAFF])
    db.execute("UPDATE qa_pairs SET owner = ?, approver = ?", [STAFF, STAFF])
    return db


def _every_value(conn: sqlite3.Connection) -> str:
    tables = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return " ".join(
        str(v) for t in tables for row in conn.execute(f'SELECT * FROM "{t}"') for v in row if v is not None
    )


@pytest.mark.parametrize("audience", ["public", "nda"])
def test_a_customer_copy_names_no_customer_and_no_member_of_staff(named_db, tmp_path, audience):
    published = publish(named_db, tmp_path / f"{audience}.db", audience)
    copy = audience_copy(named_db, audience)
    try:
        for conn in (sqlite3.connect(published.path), copy.conn):
            values = _every_value(conn)
            assert CUSTOMER not in values and STAFF not in values, audience
            # the answer itself stays: only who gave and received it is left out
            assert "年に一度更新しています" in values
            conn.close()
    finally:
        copy.conn.close()
    assert published.names == copy.names
    assert {"qa_pairs.customer", "responses.owner", "responses.approver"} <= set(published.names)
    assert published.names["documents (customers' sheets)"] == 1


def test_staff_keep_the_names(named_db, tmp_path):
    published = publish(named_db, tmp_path / "internal.db", "internal")
    values = _every_value(sqlite3.connect(published.path))
    assert CUSTOMER in values and STAFF in values and published.names == {}


def test_every_name_column_is_one_the_schema_has(named_db):
    # A renamed column would silently stop being emptied: each listed name must exist somewhere.
    columns = {
        c
        for (t,) in named_db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        for (_i, c, *_rest) in named_db.execute(f'PRAGMA table_info("{t}")')
    }
    assert NAME_COLUMNS <= columns, NAME_COLUMNS - columns
