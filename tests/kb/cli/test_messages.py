"""One-line messages that say what is wrong: usage errors, UTF-16 text, and kb inspect
refusing what kb fill refuses."""

from __future__ import annotations

import zipfile

import pytest
from click.testing import CliRunner

from kb.cli import cli
from tests.builders import build_demo_db
from tests.workbooks import build_small_workbook


def _run(*args, db):
    return CliRunner().invoke(cli, ["--db", str(db), *args], prog_name="kb")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fill", "--bogus"], "kb: error: No such option '--bogus' (see 'kb fill -h')"),
        (["nosuch"], "kb: error: No such command 'nosuch' (see 'kb -h')"),
        (["--frob"], "kb: error: No such option '--frob'. Did you mean '--db'? (see 'kb -h')"),
        (["fill", "--report"], "kb: error: Option '--report' requires an argument"),
        (["search", "--kind", "zzz", "q"], "kb: error: Invalid value for '--kind': 'zzz' is not one of"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(tmp_path, args, message):
    result = _run(*args, db=tmp_path / "kb.db")
    assert result.exit_code == 2
    assert result.output.startswith(message)
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_utf16_text_is_called_not_utf8_not_binary(tmp_path):
    whitepaper = tmp_path / "wp.md"
    whitepaper.write_bytes("# 管理策\n\n## 5.1.1 方針\n\n本文".encode("utf-16"))
    questions = tmp_path / "q.txt"
    questions.write_bytes("Is data encrypted?\n".encode("utf-16-le"))  # no BOM: NUL after each letter
    build_demo_db(tmp_path).close()

    imported = _run("import", "whitepaper", str(whitepaper), db=tmp_path / "kb.db")
    answered = _run("answer", "--file", str(questions), db=tmp_path / "kb.db")

    assert imported.exit_code == answered.exit_code == 2
    assert "is not UTF-8 text (looks like UTF-16; save it as UTF-8)" in imported.output
    assert "binary" not in imported.output
    assert (
        answered.output.strip()
        == f"kb: error: {questions} is not UTF-8 text (looks like UTF-16; save it as UTF-8)"
    )


def _utf16_sheet(path):
    """The small workbook with its sheet's XML stored as UTF-16: ElementTree reads it, the
    patcher (which edits UTF-8 text) cannot."""
    build_small_workbook(path.with_name("plain.xlsx"))
    with zipfile.ZipFile(path.with_name("plain.xlsx")) as zf, zipfile.ZipFile(path, "w") as out:
        for info in zf.infolist():
            data = zf.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8").replace("encoding='UTF-8'", "encoding='UTF-16'")
                text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
                data = text.encode("utf-16")
            out.writestr(info, data)
    return path


def test_inspect_refuses_what_fill_refuses(tmp_path):
    workbook = _utf16_sheet(tmp_path / "u16.xlsx")
    build_demo_db(tmp_path).close()
    filled = _run("fill", str(workbook), "-o", str(tmp_path / "out.xlsx"), db=tmp_path / "kb.db")
    inspected = _run("inspect", str(workbook), db=tmp_path / "kb.db")
    assert filled.exit_code == inspected.exit_code == 2, (filled.output, inspected.output)
    assert "unsupported worksheet encoding (UTF-16)" in filled.output
    assert "unsupported worksheet encoding (UTF-16)" in inspected.output
    assert not (tmp_path / "out.xlsx").exists()
