"""Printing a workbook as a person would see it: LibreOffice headless to PDF, poppler-utils to read
the PDF and draw a page as a picture (docs/). .ci/run installs both; the tests skip without them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

TOOLS = ("soffice", "pdftotext", "pdfinfo", "pdftoppm")


def need_print_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(
            f"needs {', '.join(missing)} (LibreOffice headless, poppler-utils; .ci/run installs them)"
        )


def run_tool(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=180).stdout


def print_to_pdf(workbook: Path, folder: Path) -> Path:
    """``workbook`` printed to FOLDER/NAME.pdf by LibreOffice with a profile of its own (no state
    shared with a desktop session)."""
    profile = folder / "lo-profile"
    run_tool(
        "soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
        "--outdir", str(folder), str(workbook),
    )  # fmt: skip
    return folder / f"{workbook.stem}.pdf"


def page_text(pdf: Path, page: int) -> str:
    return run_tool("pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-")


def page_count(pdf: Path) -> int:
    info = run_tool("pdfinfo", str(pdf))
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])


def draw_page(
    pdf: Path, page: int, picture: Path, *, dpi: int = 80, crop: tuple[int, int, int, int] | None = None
):
    """Page ``page`` of ``pdf`` as the PNG ``picture``; ``crop``: x, y, width, height in pixels."""
    box = (
        []
        if crop is None
        else ["-x", str(crop[0]), "-y", str(crop[1]), "-W", str(crop[2]), "-H", str(crop[3])]
    )
    run_tool(
        "pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), *box, "-singlefile",
        str(pdf), str(picture.with_suffix("")),
    )  # fmt: skip
