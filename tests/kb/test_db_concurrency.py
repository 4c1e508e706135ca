"""Writers take turns and readers never wait: real kb processes on one KB at once.

The test process holds a write transaction for two seconds (and commits a change in
it, so that a writer that had started reading before must not write on a stale
snapshot); meanwhile two `kb import` processes start and a reader keeps searching.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

from tests.builders import KESTREL_JA, build_demo_db
from tests.paths import DEMO, ROOT

HOLD_SECONDS = 2.0
# Long enough for two kb processes to start and reach their write on this loaded machine.
SAME_FILE_HOLD_SECONDS = 8.0


def _kb(db_path, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "--db", str(db_path), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_imports_during_a_held_write_both_land_and_readers_never_fail(tmp_path):
    build_demo_db(tmp_path).close()
    db_path = tmp_path / "kb.db"
    kestrel = tmp_path / "kestrel_ja.md"
    kestrel.write_text(KESTREL_JA, encoding="utf-8")

    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO kb_meta (key, value) VALUES ('held_by_test', 'yes')")
    writers = [
        _kb(db_path, "import", "whitepaper", str(DEMO / "sample_whitepaper_en.md"), "--lang", "en"),
        _kb(db_path, "import", "whitepaper", str(kestrel)),
    ]
    readers = []
    deadline = time.monotonic() + HOLD_SECONDS
    while time.monotonic() < deadline:
        readers.append(_kb(db_path, "search", "暗号化", "--limit", "1").communicate(timeout=60))
        # Neither writer got through while the write transaction is held.
        assert all(w.poll() is None for w in writers), [w.communicate() for w in writers]
    holder.execute("COMMIT")
    holder.close()
    readers.append(_kb(db_path, "search", "暗号化", "--limit", "1").communicate(timeout=60))

    results = [(w.wait(timeout=120), *w.communicate()) for w in writers]
    assert [code for code, _, _ in results] == [0, 0], results
    assert readers and all(err == "" and out for out, err in readers), readers

    check = sqlite3.connect(db_path)
    names = {row[0] for row in check.execute("SELECT source_name FROM documents")}
    held = check.execute("SELECT value FROM kb_meta WHERE key = 'held_by_test'").fetchone()
    check.close()
    assert names == {"sample_whitepaper.md", "sample_whitepaper_en.md", "kestrel_ja.md"}
    assert held == ("yes",)


def test_the_same_file_imported_twice_at_once_lands_once_and_both_succeed(tmp_path):
    """Both processes find the file new before either writes; the one that waits its turn
    finds it imported once it holds the lock (documents.sha256 is UNIQUE: it used to fail)."""
    build_demo_db(tmp_path).close()
    db_path = tmp_path / "kb.db"
    paper = tmp_path / "kestrel_ja.md"
    paper.write_text(KESTREL_JA, encoding="utf-8")

    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # both get past the first look and wait at BEGIN IMMEDIATE
    writers = [_kb(db_path, "import", "whitepaper", str(paper)) for _ in range(2)]
    deadline = time.monotonic() + SAME_FILE_HOLD_SECONDS
    while time.monotonic() < deadline and all(w.poll() is None for w in writers):
        time.sleep(0.1)
    holder.execute("COMMIT")
    holder.close()

    results = [(w.wait(timeout=120), *w.communicate()) for w in writers]
    assert [code for code, _, _ in results] == [0, 0], results
    check = sqlite3.connect(db_path)
    (count,) = check.execute("SELECT count(*) FROM documents WHERE source_name = 'kestrel_ja.md'").fetchone()
    check.close()
    assert count == 1
    assert sorted("already imported" in out for _, out, _ in results) == [False, True], results
