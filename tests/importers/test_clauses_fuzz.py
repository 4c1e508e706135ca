"""Fuzzing the clause importer (hypothesis; `make fuzz` for the long budget): whatever the
bytes, parse_contract gives a contract or one KBError of one line, never another exception;
a contract written in Shift_JIS (CP932) is read as the same contract as in UTF-8, or refused."""

from __future__ import annotations

import io
import zipfile

from hypothesis import given
from hypothesis import strategies as st

from importers.clauses import parse_contract
from kb.errors import KBError
from tests.fuzz import fuzz

# Lines a contract of ours is made of, and the marks that break them.
_LINES = [
    "第1条（目的）",
    "第２条【定義】",
    "第三条 保管場所",
    "第3条の2（再委託）",
    "## 第4条（準拠法）",
    "この約款は、当社のストレージサービスの利用について定めます。",
    "2 当社は、お客様のデータを日本国内のデータセンターに保管します。",
    "（1）暗号化して保管すること",
    "一 バックアップを取得すること",
    "第1章 総則",
    "附則",
    "この約款は2026年4月1日から施行します。",
    "Storage Service Terms",
    "",
]
_MARKS = ["", "\x00", "\ufeff", "\r", "%PDF", "PK\x03\x04", "\udcff", "\U0001f600", "＃", "第"]


def _refused_in_one_line(data: bytes) -> None:
    try:
        parse_contract(data, "terms.txt")
    except KBError as exc:
        assert "\n" not in str(exc)


@fuzz
@given(data=st.binary(max_size=2000))
def test_any_bytes_give_a_contract_or_one_kb_error(data):
    _refused_in_one_line(data)


@fuzz
@given(
    lines=st.lists(st.sampled_from(_LINES), max_size=25),
    marks=st.lists(st.tuples(st.integers(0, 25), st.sampled_from(_MARKS)), max_size=4),
    codec=st.sampled_from(["utf-8", "utf-8-sig", "cp932", "euc_jp", "utf-16", "utf-16-le", "latin-1"]),
)
def test_contract_like_text_in_any_encoding_is_read_or_refused(lines, marks, codec):
    for index, mark in marks:
        lines = [*lines[:index], mark + (lines[index] if index < len(lines) else ""), *lines[index + 1 :]]
    data = "\n".join(lines).encode(codec, "surrogateescape" if codec.startswith("utf-8") else "replace")
    _refused_in_one_line(data)


@fuzz
@given(lines=st.lists(st.sampled_from(_LINES[:12]), min_size=1, max_size=20))
def test_shift_jis_gives_the_same_contract_as_utf8_or_is_refused(lines):
    text = "\n".join(lines)
    try:
        utf8 = parse_contract(text.encode("utf-8"), "terms.txt")
    except KBError:
        utf8 = None
    try:
        sjis = parse_contract(text.encode("cp932"), "terms.txt")
    except KBError as exc:
        assert "\n" not in str(exc)
        return
    assert utf8 is not None and sjis.encoding == "Shift_JIS (CP932)"  # never another reading
    assert sjis.articles == utf8.articles


@fuzz
@given(document=st.binary(max_size=600), extra=st.sampled_from(["word/document.xml", "readme.txt"]))
def test_a_damaged_docx_gives_a_contract_or_one_kb_error(document, extra):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as docx:
        docx.writestr("[Content_Types].xml", "<Types/>")
        docx.writestr(extra, document)
    _refused_in_one_line(buffer.getvalue())
    _refused_in_one_line(buffer.getvalue()[: len(buffer.getvalue()) // 2])
