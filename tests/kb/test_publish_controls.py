"""kb publish: the controls table of a copy says nothing of responses the copy does not hold.

A control keeps the title of the first response imported for it (kb.store), so in a KB whose nda
whitepaper was imported first, the control's title was the nda response's: every public copy (kb
serve, kb export json) carried it, though the response itself was deleted from the copy.
"""

from __future__ import annotations

import sqlite3

from kb import store
from kb.db import connect
from kb.publish import publish
from tests.builders import LEVEL_MARKERS, TOPICS, classified_whitepaper


def test_a_public_copy_has_only_the_controls_its_responses_answer_titled_by_them(tmp_path):
    db = connect(tmp_path / "kb.db")
    store.import_document(db, classified_whitepaper("nda", "ja", [(TOPICS[0], True), (TOPICS[2], True)]))
    store.import_document(
        db, classified_whitepaper("public", "ja", [(TOPICS[0], True), (TOPICS[1], True)], name="p")
    )
    published = publish(db, tmp_path / "public.db", "public")
    copy = sqlite3.connect(tmp_path / "public.db")
    rows = copy.execute("SELECT control_id, title FROM controls ORDER BY control_id").fetchall()
    copy.close()
    assert rows == [("10.1.1", "暗号による管理策の利用方針"), ("12.3.1", "情報のバックアップ")]
    assert all(LEVEL_MARKERS["nda"] not in title for _, title in rows)
    assert published.removed["controls"] == 1  # 9.4.2: only the nda whitepaper answers it
    nda = sqlite3.connect(publish(db, tmp_path / "nda.db", "nda").path)
    assert nda.execute("SELECT count(*) FROM controls").fetchone()[0] == 3
    nda.close()
