"""Memory and time of kb inspect and kb fill follow what a sheet holds, not its row count.

A workbook of a few hundred kilobytes can unpack to millions of empty <row/> elements
(under the unpacked-size guard). Real processes run here under an address-space limit
(RLIMIT_AS) and a time limit of the harness (subprocess timeout), never asserted timings:
before runs of empty rows were stepped over, 20 MB of them took kb fill past 600 MB
(MemoryError) after more than a minute, and kb inspect 40 s; before the patcher streamed
worksheet parts (exporters.sheet_rows), it held about 7.5 times the part (758 MB resident
for 100 MB of rows), and kb inspect's check of the part 3 times (329 MB).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import zipfile

import pytest

from tests.builders import build_demo_db
from tests.paths import DEMO, ROOT
from tests.workbooks import add_empty_rows

ADDRESS_SPACE = 600 * 2**20  # the plain demo fill needs ~160 MB resident; this leaves room for the rows' text
TIME_LIMIT = 120  # seconds: the harness's, generous for a loaded machine; before the fix it was not enough
ROWS_MB = 20
# A part whose text alone, held a few times over, is past ADDRESS_SPACE: only a patcher and
# a check that stream it get through.
STREAMED_ROWS_MB = 100
QUESTION_PART = "xl/worksheets/sheet3.xml"


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def _kb(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kb.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        preexec_fn=_limited,
    )


@pytest.fixture(scope="module")
def kb_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    build_demo_db(folder).close()
    return folder / "kb.db"


def _with_empty_rows(tmp_path, row: bytes, megabytes: int, *, before_the_table: bool = False):
    """The demo check sheet with about ``megabytes`` MB of ``row`` in its question sheet."""
    return add_empty_rows(
        DEMO / "sample_checksheet.xlsx",
        tmp_path / "hostile.xlsx",
        QUESTION_PART,
        row * (megabytes * 2**20 // len(row)),
        before_the_table=before_the_table,
    )


def _filled(kb_path, workbook, tmp_path, name):
    report = tmp_path / f"{name}.json"
    proc = _kb(
        "--db",
        str(kb_path),
        "fill",
        str(workbook),
        "-o",
        str(tmp_path / f"{name}_out.xlsx"),
        "--report",
        str(report),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = json.loads(report.read_text(encoding="utf-8"))["questions"]
    return [(q["sheet"], q["row"], q["status"], q["choice"]) for q in rows]


@pytest.mark.parametrize(
    ("rows", "before_the_table"),
    [
        (b"<row/>", False),  # rows without r after the table: numbered on from its last row
        (b"<row/>", True),  # before it: the table's rows (with r) come after and keep their numbers
        (b'<row r="2000000" spans="1:3" ht="15"/>', False),  # numbered rows, as Excel writes formatted ones
    ],
    ids=["after", "before", "numbered"],
)
def test_fill_of_a_sheet_with_millions_of_empty_rows_stays_within_memory_and_time(
    kb_path, tmp_path, rows, before_the_table
):
    hostile = _with_empty_rows(tmp_path, rows, ROWS_MB, before_the_table=before_the_table)
    assert hostile.stat().st_size < 2 * 2**20  # a small file, as a customer might send

    plain = _filled(kb_path, DEMO / "sample_checksheet.xlsx", tmp_path, "plain")
    assert _filled(kb_path, hostile, tmp_path, "hostile") == plain  # the same rows, the same answers
    with zipfile.ZipFile(tmp_path / "hostile_out.xlsx") as out:
        assert out.getinfo(QUESTION_PART).file_size > ROWS_MB * 2**20  # the empty rows are kept


def test_inspect_of_a_sheet_with_millions_of_empty_rows(kb_path, tmp_path):
    hostile = _with_empty_rows(tmp_path, b"<row/>", ROWS_MB)
    proc = _kb("inspect", str(hostile), "--json")
    plain = _kb("inspect", str(DEMO / "sample_checksheet.xlsx"), "--json")
    assert proc.returncode == plain.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout) == json.loads(plain.stdout)


def test_fill_and_inspect_of_a_part_larger_than_memory_allows_stream_it(kb_path, tmp_path):
    hostile = _with_empty_rows(tmp_path, b"<row/>", STREAMED_ROWS_MB)
    inspected = _kb("inspect", str(hostile), "--json")
    assert inspected.returncode == 0, inspected.stderr[-2000:]
    assert _filled(kb_path, hostile, tmp_path, "hostile") == _filled(
        kb_path, DEMO / "sample_checksheet.xlsx", tmp_path, "plain"
    )
    with zipfile.ZipFile(tmp_path / "hostile_out.xlsx") as out, zipfile.ZipFile(hostile) as source:
        assert out.getinfo(QUESTION_PART).file_size > STREAMED_ROWS_MB * 2**20
        assert out.read("xl/styles.xml") == source.read("xl/styles.xml")
