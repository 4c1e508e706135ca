"""PDFs made to loop or explode the extractor: each is still evidence, its text extraction
ends in a status and a note, within the bounds. Real processes run under an address-space
limit (RLIMIT_AS) and a time limit of the harness (subprocess timeout), never asserted
timings: pypdf caps what one stream inflates to and the tokens it reads from one stream,
refuses cyclic page trees, and kb's timer (kb.settings evidence_extract_seconds) stops a
reader that runs on."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import zlib

import pytest

from tests.paths import ROOT

ADDRESS_SPACE = 1024 * 2**20  # extraction of the bomb below peaks near 60 MB resident, the operators ~330 MB
TIME_LIMIT = 180  # seconds: the harness's, for a loaded machine; the extraction timer is 60 s


def _pdf(*objects: bytes) -> bytes:
    """A PDF of these objects (1 0 obj is the catalogue), with a correct cross-reference table."""
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def _one_page(content: bytes) -> bytes:
    stream = zlib.compress(content, 9)
    return _pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    )


HOSTILE = {  # built when a test runs, not at collection (the bomb's text is 200 MB)
    # 200 KB that inflate to 200 MB: pypdf stops at its output limit
    "deflate-bomb": lambda: _one_page(b"BT /F1 12 Tf 10 10 Td (a) Tj ET" + b" " * (200 * 2**20)),
    # 20 KB holding two million text operators: pypdf stops at its token limit, else the timer
    "operators": lambda: _one_page(b"BT /F1 12 Tf 10 10 Td " + b"(a) Tj " * 2_000_000 + b"ET"),
    # a page tree that holds itself
    "cyclic-pages": lambda: _pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ),
}

_EXTRACT = """
import json, sys
from evidence import media
from evidence.extract import extract
result = extract(open(sys.argv[1], "rb").read(), media.PDF)
print(json.dumps({"status": result.status, "note": result.note, "chars": result.chars}))
"""


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_pdf_made_to_loop_or_explode_ends_in_a_status_within_memory_and_time(tmp_path, name):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(HOSTILE[name]())
    assert path.stat().st_size < 300 * 1024  # small files, as anyone could send
    proc = subprocess.run(
        [sys.executable, "-c", _EXTRACT, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        preexec_fn=_limited,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result["status"] in ("no_text", "failed", "truncated", "text"), result
    assert result["chars"] <= 2_000_000  # evidence_max_chars
    if name == "cyclic-pages":
        assert result["status"] == "failed" and "cyclic" in result["note"]
