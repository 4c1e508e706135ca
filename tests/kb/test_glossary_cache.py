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


def test_the_key_follows_the_glossary_files_content_not_its_time(tmp_path, monkeypatch):
    copy = tmp_path / "glossary.tsv"
    copy.write_bytes(glossary.GLOSSARY_FILE.read_bytes())
    monkeypatch.setattr(glossary, "GLOSSARY_FILE", copy)
    before = glossary._shipped_key()
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert glossary._shipped_key() == before  # touched, the same content: the cache still fits
    text = copy.read_bytes()
    edited = text.replace(b"\t", b" ", 1)
    assert len(edited) == len(text) and edited != text
    copy.write_bytes(edited)
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same time, other content
    assert glossary._shipped_key() != before


def test_an_edited_glossary_is_analysed_again(cache_dir, tmp_path, monkeypatch):
    from kb.analysis import analyze

    def known(g: glossary.Glossary, word: str) -> bool:
        return g.concepts(analyze(word))[0].known

    copy = tmp_path / "glossary.tsv"
    copy.write_text("暗号化\tencryption\n", encoding="utf-8")
    monkeypatch.setattr(glossary, "GLOSSARY_FILE", copy)
    glossary.shipped_groups.cache_clear()
    try:
        assert known(fresh(), "暗号化") and not known(fresh(), "冗長化")
        stat = copy.stat()
        copy.write_text("冗長化\tencryption\n", encoding="utf-8")  # the same size
        os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same time
        glossary.shipped_groups.cache_clear()
        assert known(fresh(), "冗長化") and not known(fresh(), "暗号化")
    finally:
        glossary.shipped_groups.cache_clear()


def test_an_unwritable_cache_costs_only_time(tmp_path, monkeypatch, built):
    blocker = tmp_path / "a file, not a directory"
    blocker.write_text("")
    monkeypatch.setenv("KB_CACHE_DIR", str(blocker / "cache"))
    assert same(fresh(), built)
    glossary.shipped.cache_clear()
