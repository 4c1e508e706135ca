"""What a salesperson sees: the demo's decision workbook printed by LibreOffice (headless) fits
A4 landscape and shows the header, the questions and the answer texts. Needs soffice and
pdftotext/pdfinfo (poppler-utils), which .ci/run installs; skips with a reason without them.

``KB_REVIEW_PICTURE=docs/review_workbook.png`` also writes the first page as the picture in docs/."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli
from tests.paths import DEMO

TOOLS = ("soffice", "pdftotext", "pdfinfo", "pdftoppm")


def _tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(
            f"needs {', '.join(missing)} (LibreOffice headless, poppler-utils; .ci/run installs them)"
        )


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=180).stdout


def test_the_decision_workbook_prints_readably_on_a4_landscape(tmp_path):
    _tools()
    kb = str(tmp_path / "kb.db")
    runner = CliRunner()
    for args in (
        ["import", "whitepaper", str(DEMO / "sample_whitepaper.md")],
        ["fill", str(DEMO / "sample_checksheet.xlsx"), "-o", str(tmp_path / "filled.xlsx")]
        + ["--review", str(tmp_path / "decisions.xlsx")],
    ):
        result = runner.invoke(cli, ["--db", kb, *args])
        assert result.exit_code == 0, result.output
    profile = tmp_path / "lo-profile"  # its own profile: no state shared with a desktop session
    _run(
        "soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
        "--outdir", str(tmp_path), str(tmp_path / "decisions.xlsx"),
    )  # fmt: skip
    pdf = tmp_path / "decisions.pdf"
    info = _run("pdfinfo", str(pdf))
    size = next(line for line in info.splitlines() if line.startswith("Page size:")).split()
    width, height = float(size[2]), float(size[4])
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    first = _run("pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-")
    for label in ("番号", "質問", "判断", "回答文（編集可）", "理由"):  # every printed column fits the width
        assert label in first
    assert "データセンター" in first and "出典" in first  # questions and answer texts, not only the header
    picture = os.environ.get("KB_REVIEW_PICTURE")
    if picture:
        _run(
            "pdftoppm",
            "-r",
            "80",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(Path(picture).with_suffix("")),
        )
