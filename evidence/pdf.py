"""PDF text with pypdf.

Why pypdf, not pdfminer.six (bench/pdf_extractors.py, Japanese PDFs with CID fonts made
with reportlab's HeiseiMin-W3 and HeiseiKakuGo-W5): both read the Japanese back, but
pdfminer.six maps some characters through Adobe-Japan1's generic table instead of the
font's own ToUnicode map (full-width hyphen－ comes back as the minus sign −), while
pypdf returned every character as written; and pypdf read the pages 2-3x faster. Neither
is PyMuPDF, whose AGPL licence does not fit. A scanned PDF has no text layer: no OCR here.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from evidence.pages import unwrap
from kb.errors import KBError
from kb.i18n import _

if TYPE_CHECKING:
    from evidence.extract import Limits


def pdf_pages(data: bytes, limits: Limits) -> Iterator[str]:
    from pypdf import PdfReader

    # pypdf logs what it repairs in a malformed file; the status and note say what matters.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise KBError(_("the PDF is encrypted (it needs a password)"))
    for page in reader.pages:
        yield unwrap(page.extract_text() or "")
