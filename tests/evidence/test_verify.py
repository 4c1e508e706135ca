import os

import pytest

from evidence import verify as verify_module
from evidence.intake import Details, add_files
from evidence.vault import vault_beside
from kb import evidence_store
from tests.builders import build_demo_db


@pytest.mark.parametrize("workers", [1, 4])  # one loop, and files shared among threads
def test_changed_and_missing_files_are_found_in_order(tmp_path, monkeypatch, workers):
    monkeypatch.setattr(verify_module, "_MAX_WORKERS", workers)
    monkeypatch.setattr(os, "cpu_count", lambda: workers)
    db = build_demo_db(tmp_path)
    vault = vault_beside(tmp_path / "kb.db")
    paths = []
    for i in range(7):
        path = tmp_path / f"record_{i}.txt"
        path.write_text(f"点検記録 第{i}回: 異常なし。", encoding="utf-8")
        paths.append(path)
    add_files(db, vault, paths, Details())
    files = evidence_store.listing(db)
    assert verify_module.verify(vault, files) == []
    changed, missing = vault.path_of(files[5].sha256), vault.path_of(files[2].sha256)
    os.chmod(changed, 0o644)
    changed.write_bytes(b"rewritten")
    missing.unlink()
    found = verify_module.verify(vault, files)
    assert [(p.evidence.id, p.what) for p in found] == [(files[2].id, "missing"), (files[5].id, "changed")]
