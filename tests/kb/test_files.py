import errno
from pathlib import Path

import pytest

from kb.files import Staged


def test_staged_outputs_appear_together_once_the_block_ends(tmp_path):
    with Staged() as out:
        a, b = out.path(tmp_path / "a.xlsx"), out.path(tmp_path / "b.json")
        assert a.suffix == ".xlsx" and a.parent == tmp_path  # beside the target, same suffix
        a.write_text("A")
        b.write_text("B")
        assert not (tmp_path / "a.xlsx").exists()
    assert (tmp_path / "a.xlsx").read_text() == "A" and (tmp_path / "b.json").read_text() == "B"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "b.json"]


def test_a_failure_removes_only_the_temporary_files_and_names_the_users_path(tmp_path):
    (tmp_path / "a.xlsx").write_text("earlier")
    with pytest.raises(OSError) as raised, Staged() as out:
        out.path(tmp_path / "a.xlsx").write_text("new")
        tmp = out.path(tmp_path / "b.json")
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp))
    assert raised.value.filename == str(tmp_path / "b.json")
    assert [(p.name, p.read_text()) for p in tmp_path.iterdir()] == [("a.xlsx", "earlier")]


def test_an_error_unrelated_to_the_files_is_left_as_it_is(tmp_path):
    with pytest.raises(ValueError), Staged() as out:
        out.path(Path(tmp_path) / "a.txt")
        raise ValueError("bad input")
    assert list(tmp_path.iterdir()) == []


def test_a_file_is_named_by_the_sha256_of_all_its_bytes_past_one_block(tmp_path):
    import hashlib

    from kb.files import file_sha256

    data = bytes(range(256)) * (5 * 4096 + 3)  # more than one MiB block, not a multiple of it
    (tmp_path / "big.bin").write_bytes(data)
    assert file_sha256(tmp_path / "big.bin") == hashlib.sha256(data).hexdigest()
    assert file_sha256(str(tmp_path / "big.bin")) != hashlib.sha256(data[:-1]).hexdigest()
