"""The analysed shipped glossary is cached on disk, and a cache that does not fit is never used."""

from __future__ import annotations

import os

import pytest

from kb import glossary


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    glossary.shipped.cache_clear()
    yield tmp_path / "cache"
    glossary.shipped.cache_clear()


@pytest.fixture(scope="module")
def built():
    return glossary.Glossary.build(glossary.analyse_groups(glossary.shipped_groups()))


def same(a: glossary.Glossary, b: glossary.Glossary) -> bool:
    return a.groups == b.groups and a.by_first == b.by_first


def fresh() -> glossary.Glossary:
    glossary.shipped.cache_clear()
    return glossary.shipped()


def test_the_cache_is_written_once_and_read_back_the_same(cache_dir, built, monkeypatch):
    assert same(glossary.shipped(), built)
    files = list(cache_dir.iterdir())
    assert len(files) == 1 and files[0].suffix == ".marshal"

    def no_analysis(groups):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(glossary, "analyse_groups", no_analysis)
    cached = fresh()
    assert same(cached, built)
    terms = ["データ", "暗号", "化", "encrypt"]
    assert cached.concepts(terms) == built.concepts(terms)


@pytest.mark.parametrize("content", [b"", b"not marshal at all", b"\xe3\x00\x00"])
def test_a_damaged_cache_is_rebuilt(cache_dir, built, content):
    glossary.shipped()
    (path,) = cache_dir.iterdir()
    path.write_bytes(content)
    assert same(fresh(), built)
    assert path.read_bytes() != content  # written again, whole


def test_a_cache_for_another_key_is_not_used(cache_dir, built):
    import marshal

    glossary.shipped()
    (path,) = cache_dir.iterdir()
    path.write_bytes(marshal.dumps((b"another key", [[("x",), ("y",)]], {"x": [(1, {("x",): [0]})]})))
    assert same(fresh(), built)


def test_the_key_follows_the_glossary_file(tmp_path, monkeypatch):
    copy = tmp_path / "glossary.tsv"
    copy.write_bytes(glossary.GLOSSARY_FILE.read_bytes())
    monkeypatch.setattr(glossary, "GLOSSARY_FILE", copy)
    before = glossary._shipped_key()
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert glossary._shipped_key() != before


def test_an_unwritable_cache_costs_only_time(tmp_path, monkeypatch, built):
    blocker = tmp_path / "a file, not a directory"
    blocker.write_text("")
    monkeypatch.setenv("KB_CACHE_DIR", str(blocker / "cache"))
    assert same(fresh(), built)
    glossary.shipped.cache_clear()
