"""kb backup and kb restore carry the evidence files with the KB: a restored KB can still
export and verify every file its rows name."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from evidence.vault import vault_beside
from kb.cli import cli
from tests.builders import build_demo_db


def _kb(db_path, *args):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args])


def test_a_backup_holds_the_evidence_files_and_a_restore_puts_them_back(tmp_path):
    build_demo_db(tmp_path).close()
    live = tmp_path / "kb.db"
    record = tmp_path / "点検記録.txt"
    record.write_text("空調設備の点検記録: 異常なし。", encoding="utf-8")
    assert _kb(live, "evidence", "add", str(record), "--control", "12.6.1").exit_code == 0
    [stored] = [p for p in (vault_beside(live).root / "sha256").rglob("*") if p.is_file()]

    copy = tmp_path / "backups" / "kb-copy.db"
    copy.parent.mkdir()
    result = _kb(live, "backup", str(copy))
    assert result.exit_code == 0, result.output
    assert "evidence files: 1 copied" in result.output
    assert (
        vault_beside(copy).root / "sha256" / stored.name[:2] / stored.name
    ).read_bytes() == stored.read_bytes()
    again = _kb(live, "backup", str(copy))
    assert "0 copied, 1 there already" in again.output  # content-addressed: nothing written twice

    # the KB and its vault are lost; the backup brings both back
    for path in tmp_path.glob("kb.db*"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    result = _kb(live, "restore", str(copy))
    assert result.exit_code == 0, result.output
    assert "evidence files: 1 put back into the vault" in result.output
    assert _kb(live, "evidence", "verify").exit_code == 0
    exported = tmp_path / "exported.txt"
    assert _kb(live, "evidence", "export", "1", "-o", str(exported)).exit_code == 0
    assert exported.read_bytes() == record.read_bytes()


def test_a_backup_says_which_files_neither_vault_has(tmp_path):
    build_demo_db(tmp_path).close()
    live = tmp_path / "kb.db"
    record = tmp_path / "record.md"
    record.write_text("# 点検記録\n\n異常なし。", encoding="utf-8")
    assert _kb(live, "evidence", "add", str(record)).exit_code == 0
    shutil.rmtree(vault_beside(live).root)  # lost before the backup
    result = _kb(live, "backup", str(tmp_path / "copy.db"))
    assert result.exit_code == 0
    assert "1 evidence files are in neither vault" in result.stderr
