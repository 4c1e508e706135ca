import os

import pytest

from evidence import intake
from evidence.intake import Details, add_files, collect
from evidence.vault import Vault, sha256_of, vault_beside
from kb import evidence_store
from kb.errors import KBError
from tests.builders import build_demo_db


def _files_in(vault: Vault) -> list[str]:
    return sorted(p.name for p in vault.root.rglob("*") if p.is_file())


def test_vault_is_beside_the_database(tmp_path):
    assert vault_beside(tmp_path / "kb.db").root == tmp_path / "kb.db.vault"


def test_names_in_the_vault_come_from_digests_only(tmp_path):
    vault = Vault(tmp_path / "v")
    for name in ("../../etc/passwd", "ab/../../x", "A" * 64):
        with pytest.raises(KBError):
            vault.path_of(name)


def test_same_content_is_stored_once(tmp_path):
    db = build_demo_db(tmp_path)
    vault = vault_beside(tmp_path / "kb.db")
    (tmp_path / "in").mkdir()
    a = tmp_path / "in" / "a.txt"
    b = tmp_path / "in" / "copy of a.txt"
    a.write_text("監査ログは一年間保管する。", encoding="utf-8")
    b.write_bytes(a.read_bytes())
    first = add_files(db, vault, collect([str(a), str(b)]), Details())
    assert [x.status for x in first] == ["added", "unchanged"]
    assert first[0].evidence.id == first[1].evidence.id
    again = add_files(db, vault, [a], Details(), ["6.1.3"])
    assert again[0].status == "unchanged" and again[0].linked == ("6.1.3",)
    assert _files_in(vault) == [sha256_of(a.read_bytes())]
    assert len(evidence_store.listing(db)) == 1
    assert os.stat(vault.path_of(sha256_of(a.read_bytes()))).st_mode & 0o222 == 0  # stored read-only


def test_symlinks_are_refused_not_followed(tmp_path):
    target = tmp_path / "secret.txt"
    target.write_text("外に置いたファイル")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    with pytest.raises(KBError, match="symbolic link"):
        collect([str(link)])
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "ok.txt").write_text("本文")
    (folder / "sub").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(KBError, match="symbolic link"):
        collect([str(folder)], recursive=True)


def test_a_symlinked_vault_folder_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "kb.db.vault").symlink_to(elsewhere, target_is_directory=True)
    data = b"evidence"
    with pytest.raises(KBError, match="symbolic link"):
        vault_beside(tmp_path / "kb.db").put(data, sha256_of(data))
    assert list(elsewhere.iterdir()) == []


def test_folders_need_recursive_and_hidden_files_are_left_out(tmp_path):
    folder = tmp_path / "certs"
    (folder / "2025").mkdir(parents=True)
    (folder / "2025" / "iso.md").write_text("# 認証")
    (folder / ".DS_Store").write_bytes(b"\x00")
    with pytest.raises(KBError, match="--recursive"):
        collect([str(folder)])
    assert collect([str(folder)], recursive=True) == [folder / "2025" / "iso.md"]


def test_size_limit_is_checked_before_anything_is_read(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 101)
    with pytest.raises(KBError, match="over the 100"):
        collect([str(big)], max_bytes=100)


def test_a_failed_add_takes_its_files_out_of_the_vault(tmp_path, monkeypatch):
    db = build_demo_db(tmp_path)
    vault = vault_beside(tmp_path / "kb.db")
    doc = tmp_path / "policy.txt"
    doc.write_text("パスワードは十二文字以上とする。")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(intake.evidence_store, "add_many", broken)
    with pytest.raises(RuntimeError):
        add_files(db, vault, [doc], Details())
    assert _files_in(vault) == []
    assert evidence_store.listing(db) == []


@pytest.mark.parametrize("size", [0, 1, 25_000, (1 << 20) - 1, 1 << 20, 3 * (1 << 20) + 7])
def test_digest_on_disk_is_the_sha256_of_the_whole_file_read_in_blocks(tmp_path, size):
    # Sizes around the one-read bound (_READ_WHOLE): one read, exactly one block, several.
    vault = Vault(tmp_path / "vault")
    data = os.urandom(size)
    path = vault.path_of(sha256_of(data))
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    assert vault.digest_on_disk(sha256_of(data)) == sha256_of(data)
    other = sha256_of(b"never stored")
    assert vault.digest_on_disk(other) is None
    vault.path_of(other).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(path, vault.path_of(other))  # a link in the vault is not followed
    assert vault.digest_on_disk(other) is None
