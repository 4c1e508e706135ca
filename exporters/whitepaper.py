"""The disclosure document regenerated from the KB (`kb export whitepaper`): what it holds.

One current whitepaper of the KB, chosen by service, language and audience (a file travels:
public unless the caller names another), read into plain data that the writers render:
exporters.whitepaper_md (the master, which importers/whitepaper.py reads back into the same
responses), exporters.whitepaper_html and exporters.whitepaper_docx (both from that Markdown).

Sections come in the document's order (the control order the whitepaper was written in), each
with the headings it stood under; a section above the audience is left out and counted, never
shown. Clause citations stay in the responses' own words (「利用約款 第 30 条 (提供場所)」), which is
how the importer reads them. The revision history is the document's own; a document imported
without one gets it from the versions of its series kept in the KB (which controls each changed);
texts a person edited and approved since (kb edit, kb approve) add a revision per day of approval,
and the document is then that edition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.audience import DEFAULT_AUDIENCE, check_audience, may_see
from kb.db import Database
from kb.errors import KBError
from kb.i18n import _, pgettext
from kb.language import LANGUAGES

KIND = "whitepaper"
APPROVED = "approved"  # kb.db.CURATION_STATUSES: only approved text is disclosed


@dataclass(frozen=True)
class ExportedSection:
    """One response as the document shows it: under ``path``'s headings, titled, its text."""

    title: str
    text: str
    control_id: str | None
    path: tuple[str, ...]

    @property
    def heading(self) -> str:
        return f"{self.control_id} {self.title}".strip() if self.control_id else self.title


@dataclass(frozen=True)
class ExportedRevision:
    version: str
    date: str  # ISO YYYY-MM-DD
    note: str


@dataclass(frozen=True)
class Whitepaper:
    title: str
    publisher: str | None
    version: str | None
    date: str | None  # ISO YYYY-MM-DD
    service: str | None
    lang: str
    sections: tuple[ExportedSection, ...]
    revisions: tuple[ExportedRevision, ...]
    withheld: int  # sections above the audience, left out
    unapproved: int  # sections no person approved (kb approve), left out: the document is sent


@dataclass(frozen=True)
class _Candidate:
    id: int
    series: str
    title: str
    publisher: str | None
    version: str | None
    date: str | None
    service: str | None
    lang: str
    classification: str

    def describe(self) -> str:
        return _("{title!r} ({lang}, service {service})").format(
            title=self.title, lang=self.lang, service=self.service or _("none")
        )


def read_whitepaper(
    db: Database,
    *,
    service: str | None = None,
    lang: str | None = None,
    audience: str = DEFAULT_AUDIENCE,
    document: str | None = None,
) -> Whitepaper:
    """The current whitepaper of ``service`` in ``lang`` that ``audience`` may see, as plain data.

    Without ``lang`` a Japanese edition is preferred when there is one (the KB's first language).
    KBError when none matches, or when several do and ``document`` (its title) does not say which.
    """
    check_audience(audience)
    if lang is not None and lang not in LANGUAGES:
        raise KBError(
            _("unknown language {lang!r}: one of {languages}").format(
                lang=lang, languages=", ".join(LANGUAGES)
            )
        )
    chosen = _choose(_candidates(db, service, lang, audience, document), service, lang, document)
    sections, withheld, unapproved = _sections(db, chosen.id, audience)
    revisions = _revisions(db, chosen, audience)
    edits = _approved_edits(db, chosen, audience, revisions)
    latest = edits[-1] if edits else None
    return Whitepaper(
        title=chosen.title,
        publisher=chosen.publisher,
        version=latest.version if latest else chosen.version,
        date=latest.date if latest else chosen.date,
        service=chosen.service,
        lang=chosen.lang,
        sections=sections,
        revisions=revisions + edits,
        withheld=withheld,
        unapproved=unapproved,
    )


def _candidates(
    db: Database, service: str | None, lang: str | None, audience: str, document: str | None
) -> list[_Candidate]:
    rows = db.execute(
        "SELECT id, series, title, publisher, version, date, service, lang, classification FROM documents"
        " WHERE kind = ? AND is_current = 1 ORDER BY id",
        [KIND],
    ).fetchall()
    found = [_Candidate(*row) for row in rows]
    return [
        c
        for c in found
        if may_see(audience, c.classification)
        and (service is None or c.service == service)
        and (lang is None or c.lang == lang)
        and (document is None or c.title == document)
    ]


def _choose(
    found: list[_Candidate], service: str | None, lang: str | None, document: str | None
) -> _Candidate:
    if lang is None and any(c.lang == "ja" for c in found):
        found = [c for c in found if c.lang == "ja"]
    if not found:
        asked = _(", ").join(
            part
            for part in (
                _("service {service}").format(service=service) if service else "",
                _("language {lang}").format(lang=lang) if lang else "",
                _("title {title!r}").format(title=document) if document else "",
            )
            if part
        )
        if not asked:
            raise KBError(_("no current whitepaper in the KB that this audience may see"))
        raise KBError(
            _("no current whitepaper in the KB that this audience may see ({asked})").format(asked=asked)
        )
    if len(found) > 1:
        raise KBError(
            _("{n} whitepapers match: {found}; choose one with --service, --lang or --document TITLE").format(
                n=len(found),
                found=pgettext("between the parts of a list", "; ").join(c.describe() for c in found),
            )
        )
    return found[0]


def _sections(db: Database, document_id: int, audience: str) -> tuple[tuple[ExportedSection, ...], int, int]:
    """The sections ``audience`` may see whose text a person approved (kb.curation), and how many
    were left out for each reason: above the audience, not approved (a draft)."""
    rows = db.execute(
        "SELECT title, text, control_id, section_path, classification, status FROM responses"
        " WHERE document_id = ? AND is_current = 1 ORDER BY position, id",
        [document_id],
    ).fetchall()
    visible = [row for row in rows if may_see(audience, row[4])]
    shown = [
        ExportedSection(title, text, control_id, tuple(path.split(" > ")) if path else ())
        for title, text, control_id, path, _classification, status in visible
        if status == APPROVED
    ]
    return tuple(shown), len(rows) - len(visible), len(visible) - len(shown)


def _revisions(db: Database, chosen: _Candidate, audience: str) -> tuple[ExportedRevision, ...]:
    own = db.execute(
        "SELECT version, date, note FROM revisions WHERE document_id = ? ORDER BY date, id", [chosen.id]
    ).fetchall()
    if own:
        return tuple(ExportedRevision(*row) for row in own)
    return _series_history(db, chosen, audience)


def _approved_edits(
    db: Database, chosen: _Candidate, audience: str, revisions: tuple[ExportedRevision, ...]
) -> tuple[ExportedRevision, ...]:
    """A revision per day on which a person approved a new text of the document's responses (kb edit,
    kb approve: responses.version above 1), numbered on from the last version the document names
    (2.0 -> 2.1 -> 2.2), its note the controls changed. The regenerated document is that edition."""
    changed: dict[str, list[str]] = {}
    for control_id, title, approved_at, classification in db.execute(
        "SELECT control_id, title, approved_at, classification FROM responses WHERE document_id = ?"
        " AND is_current = 1 AND status = ? AND version > 1 AND approved_at IS NOT NULL ORDER BY approved_at, position",
        [chosen.id, APPROVED],
    ):
        if may_see(audience, classification):
            changed.setdefault(approved_at[:10], []).append(control_id or title)
    out: list[ExportedRevision] = []
    version = revisions[-1].version if revisions else chosen.version
    for day, ids in sorted(changed.items()):
        version = _next_version(version)
        out.append(ExportedRevision(version, day, _changed_note(list(dict.fromkeys(ids)), chosen.lang)))
    return tuple(out)


def _next_version(version: str | None) -> str:
    """The edition after ``version``: its last number one up (2.0 -> 2.1, 3 -> 4); 1.1 after a
    version that is no number (初版, none)."""
    if version and re.fullmatch(r"\d+(?:\.\d+)*", version):
        *head, last = version.split(".")
        return ".".join([*head, str(int(last) + 1)])
    return "1.1"


def _series_history(db: Database, chosen: _Candidate, audience: str) -> tuple[ExportedRevision, ...]:
    """A revision per version of the document's series with a date, oldest first, its note the
    controls whose response changed against the version before (the first: a first edition)."""
    versions = db.execute(
        "SELECT id, version, date, classification FROM documents WHERE series = ? ORDER BY date, id",
        [chosen.series],
    ).fetchall()
    out: list[ExportedRevision] = []
    before: dict[str, str] | None = None
    for document_id, version, date, classification in versions:
        if not may_see(audience, classification):
            continue
        texts = _control_texts(db, document_id, audience)
        if version and date:
            if before is None:
                note = "初版発行" if chosen.lang == "ja" else "First edition"
            else:
                changed = [cid for cid, text in texts.items() if before.get(cid) != text]
                note = _changed_note(changed, chosen.lang)
            out.append(ExportedRevision(version, date, note))
        before = texts
    return tuple(out)


def _control_texts(db: Database, document_id: int, audience: str) -> dict[str, str]:
    return {
        control_id: text
        for control_id, text, classification in db.execute(
            "SELECT control_id, text, classification FROM responses"
            " WHERE document_id = ? AND control_id IS NOT NULL ORDER BY position",
            [document_id],
        )
        if may_see(audience, classification)
    }


def _changed_note(changed: list[str], lang: str) -> str:
    if not changed:
        return "記載の見直し" if lang == "ja" else "Editorial revision"
    ids = ",".join(changed)
    return f"{ids} を更新" if lang == "ja" else f"Updated {ids}"
