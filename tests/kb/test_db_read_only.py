"""A KB on read-only media: read commands work, writes get one line saying why.

Permissions do not stop root, so under root the kb processes run as nobody (setpriv);
without setpriv the test is skipped with its reason. The KB lives in a folder of its
own under /tmp (pytest's tmp_path is private to the user who runs the tests).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from kb import db as kb_db
from tests.builders import build_demo_db
from tests.paths import DEMO, ROOT


def _as_unprivileged() -> list[str]:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip(
            "running as root, whom permissions do not stop, and setpriv is missing to run kb as nobody"
        )
    return [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def _kb(db_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(db_path.parent), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [*_as_unprivileged(), sys.executable, "-m", "kb.cli", "--db", str(db_path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture
def shared_folder():
    """A folder of its own that another user can enter; removed (made writable first) after."""
    folder = Path(tempfile.mkdtemp(prefix="kb-read-only-"))
    folder.chmod(0o755)
    yield folder
    folder.chmod(0o755)
    shutil.rmtree(folder)


def _demo_kb(folder: Path) -> Path:
    build_demo_db(folder).close()
    (folder / "kb.db").chmod(0o644)
    return folder / "kb.db"


def _assert_reads_work_and_writes_are_refused(db_path: Path) -> None:
    search = _kb(db_path, "search", "暗号化", "--limit", "1")
    assert (search.returncode, search.stderr) == (0, ""), search
    assert search.stdout.strip()
    show = _kb(db_path, "show", "CLD.9.5.1")
    assert show.returncode == 0, show
    answer = _kb(db_path, "answer", "データセンターはどの国にありますか。", "--json")
    assert answer.returncode == 0, answer

    write = _kb(db_path, "import", "whitepaper", str(DEMO / "sample_whitepaper_en.md"), "--lang", "en")
    assert write.returncode == 2, write
    assert write.stderr.startswith(f"kb: error: the KB at {db_path} is read-only: ")
    assert len(write.stderr.strip().splitlines()) == 1, write.stderr


def test_a_kb_in_a_read_only_folder_is_read_immutable_and_writes_say_why(shared_folder):
    db_path = _demo_kb(shared_folder)
    shared_folder.chmod(0o555)
    _assert_reads_work_and_writes_are_refused(db_path)
    assert sorted(p.name for p in shared_folder.iterdir()) == ["kb.db"]  # no -wal, no -shm


def test_a_read_only_kb_file_in_a_writable_folder(shared_folder):
    db_path = _demo_kb(shared_folder)
    db_path.chmod(0o444)
    shared_folder.chmod(0o777)  # the other user may create -shm beside it
    _assert_reads_work_and_writes_are_refused(db_path)
    check = sqlite3.connect(db_path)
    assert check.execute("SELECT count(*) FROM documents").fetchone() == (1,)
    check.close()


def test_atomic_on_a_read_only_kb_raises_before_any_write(tmp_path):
    build_demo_db(tmp_path).close()
    db = kb_db.connect_read_only(tmp_path / "kb.db")
    with pytest.raises(kb_db.ReadOnlyKB, match="is read-only: opened for reading only"):
        with db.atomic():
            pytest.fail("the block must not run")
    with pytest.raises(sqlite3.OperationalError):  # what tolerates a KB that cannot be written
        with db.atomic():
            pass
    db.close()


def test_a_kb_of_a_newer_schema_is_refused_not_opened(tmp_path):
    build_demo_db(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "kb.db")
    conn.execute(f"PRAGMA user_version = {kb_db.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(kb_db.KBError, match="upgrade kb"):
        kb_db.connect(tmp_path / "kb.db")
