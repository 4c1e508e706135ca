"""Harvesting question/answer pairs from a check sheet a person already answered."""

from __future__ import annotations

import hashlib
from pathlib import Path

from importers.checksheet import Question, read_checksheet
from kb.errors import KBError
from kb.i18n import _
from kb.model import ParsedDocument, QAPair


def answer_in_row(q: Question) -> tuple[str | None, str | None]:
    """(choice, text) a row holds: with a dropdown, the answer cell is the choice and the
    comment the text; without, the text is the comment or else the answer cell."""
    choice = (q.existing_answer or "").strip() if q.options else ""
    text = (q.existing_comment or "").strip()
    if not q.options and not text:
        text = (q.existing_answer or "").strip()
    return choice or None, text or None


def parse_answered(path: str | Path, data: bytes, **overrides) -> tuple[ParsedDocument, list[QAPair]]:
    path = Path(path)
    tables = read_checksheet(path, **overrides)
    pairs = []
    for table in tables:
        for q in table.questions:
            choice, text = answer_in_row(q)
            if choice or text:
                pairs.append(
                    QAPair(
                        question=q.text,
                        choice=choice,
                        text=text,
                        number=q.number,
                        sheet=q.sheet,
                        row=q.row,
                    )
                )
    if not pairs:
        raise KBError(_("{name} has no answered questions to import").format(name=path.name))
    doc = ParsedDocument(
        kind="checksheet",
        title=path.stem,
        sha256=hashlib.sha256(data).hexdigest(),
        source_name=path.name,
    )
    return doc, pairs
