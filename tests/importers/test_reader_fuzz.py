"""Fuzzing the check-sheet reader and the whitepaper importer (hypothesis; `make fuzz` for
the long budget): whatever the bytes, the answer is a result or one KBError, never another
exception (which would reach the user as a traceback)."""

from __future__ import annotations

import zipfile

from hypothesis import given
from hypothesis import strategies as st

from importers.checksheet import read_checksheet
from importers.whitepaper import parse_whitepaper
from kb.errors import KBError
from tests.fuzz import fuzz
from tests.paths import DEMO
from tests.workbooks import build_raw_workbook

_SHEET = (DEMO / "sample_checksheet.xlsx").read_bytes()
with zipfile.ZipFile(DEMO / "sample_checksheet.xlsx") as _zf:
    _QUESTIONS = _zf.read("xl/worksheets/sheet3.xml").decode("utf-8")
    _MEMBERS = [(info, _zf.read(info)) for info in _zf.infolist()]


def _reads_or_refuses(path) -> None:
    try:
        read_checksheet(path)
    except KBError:
        pass


@fuzz
@given(data=st.data())
def test_a_damaged_sheet_part_is_read_or_refused(tmp_path_factory, data):
    """Slices of the question sheet's XML cut out, repeated or replaced by fragments of markup."""
    text = _QUESTIONS
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 200)))
        piece = data.draw(
            st.sampled_from(
                [
                    "",
                    text[start:end] * 3,
                    "<row/>",
                    '<row r="0"/>',
                    "<c r='ZZZ9'><v>x</v></c>",
                    "<",
                    "&amp;",
                    "\x00",
                ]
            )
        )
        text = text[:start] + piece + text[end:]
    path = tmp_path_factory.mktemp("fuzz") / "sheet.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, content in _MEMBERS:
            out.writestr(
                info,
                text.encode("utf-8", "replace") if info.filename == "xl/worksheets/sheet3.xml" else content,
            )
    _reads_or_refuses(path)


@fuzz
@given(
    flips=st.lists(st.tuples(st.integers(0, len(_SHEET) - 1), st.integers(0, 255)), min_size=1, max_size=8)
)
def test_a_workbook_with_flipped_bytes_is_read_or_refused(tmp_path_factory, flips):
    data = bytearray(_SHEET)
    for offset, value in flips:
        data[offset] = value
    path = tmp_path_factory.mktemp("fuzz") / "flipped.xlsx"
    path.write_bytes(bytes(data))
    _reads_or_refuses(path)


_CELL = st.sampled_from(
    [
        '<c r="A{n}" t="inlineStr"><is><t>質問{n}</t></is></c>',
        '<c r="B{n}" t="s"><v>{n}</v></c>',
        '<c r="C{n}"><f>A1</f><v>1</v></c>',
        "<c/>",
        '<c t="b"><v>1</v></c>',
    ]
)


@fuzz
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(['r="{n}"', "", 'r="0"', 'r="x"']), st.lists(_CELL, max_size=4)),
        max_size=30,
    )
)
def test_a_generated_sheet_is_read_or_refused(tmp_path_factory, rows):
    sheet_data = "".join(
        f"<row {r.format(n=n)}>{''.join(c.format(n=n) for c in cells)}</row>"
        for n, (r, cells) in enumerate(rows, 1)
    )
    _reads_or_refuses(build_raw_workbook(tmp_path_factory.mktemp("fuzz") / "raw.xlsx", sheet_data))


_LINE = st.one_of(
    st.sampled_from(
        [
            "# ホワイトペーパー",
            "## 5.1.1 情報セキュリティのための方針群",
            "### CLD.9.5.1 仮想環境の分離",
            "利用約款第30条（提供場所）",
            "- 項目",
            "| a | b |",
            "```",
            "",
            "改訂履歴",
            "第1版 2024年1月1日",
        ]
    ),
    st.text(max_size=40),
)


@fuzz
@given(
    lines=st.lists(_LINE, max_size=40),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "shift_jis"]),
)
def test_any_text_is_a_whitepaper_or_one_refusal(lines, encoding):
    data = "\n".join(lines).encode(encoding, "replace")
    try:
        doc = parse_whitepaper(data, "fuzz.md")
    except KBError as exc:
        assert "\n" not in str(exc)
        return
    assert doc.controls
