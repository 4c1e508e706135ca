"""English editions of a whitepaper: how clauses, documents and the first edition are cited.

The whitepapers here are small originals written for these tests (a fictional provider,
"Kestrel Hosting"); the demo's English edition is checked against its Japanese one.
"""

from __future__ import annotations

import pytest

from importers.whitepaper import parse_whitepaper
from kb.errors import KBError
from kb.model import ClauseRef, ParsedDocument
from tests.paths import DEMO

TERMS = "Kestrel Hosting Terms of Service"

ENGLISH = """
Kestrel Hosting — ISO/IEC 27017 Whitepaper

Kestrel Hosting Ltd.

## Response to ISO/IEC 27017:2015

### 6.1.3 Contact with authorities

Servers are hosted in Frankfurt only, as stated in Article 7 (Hosting Region) of the Kestrel
Hosting Terms of Service.

### 12.3.1 Information backup

Backups run nightly. Retention is set out in Article 4 (Backups), Article 5 (Retention) and
Article 9 (Restores) of the Kestrel Hosting Terms of Service; see also the “Backup Operations
Manual” and the "Kestrel Hosting Acceptable Use Regulations".

### 16.1.2 Reporting information security events

We notify customers under Article 11 (Incidents) of the Terms of Service. Requests from
authorities follow Article 28 of the GDPR, and Article 12 covers what we tell them.

### 18.1.1 Identification of applicable legislation

The contract is governed by the Kestrel Hosting Terms of Service, Article 20 (Governing Law).
See the "Kestrel Hosting" homepage and our "Status" page.

## Revision History

| Version | Date | Changes |
| --- | --- | --- |
| Initial release | March 3, 2024 | Initial release |
| 1.1 | May 9, 2025 | Updated 12.3.1 |
"""


def _parse(text: str, **kw) -> ParsedDocument:
    return parse_whitepaper(text.encode("utf-8"), "kestrel_en.md", **kw)


def _by_id(doc: ParsedDocument) -> dict:
    return {s.control_id: s for s in doc.controls}


def test_language_is_read_from_the_headings() -> None:
    assert _parse(ENGLISH).lang == "en"
    japanese = "## ISO/IEC 27017:2015 への対応\n\n### 6.1.3 関係当局との連絡\n\nCPS-VM は東京にあります。\n"
    assert _parse(japanese).lang == "ja"
    assert _parse(japanese, lang="en").lang == "en"  # what the caller says wins


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(KBError, match="unknown language 'fr'"):
        _parse(ENGLISH, lang="fr")


def test_article_of_the_contract_that_follows() -> None:
    assert _by_id(_parse(ENGLISH))["6.1.3"].clause_refs == [ClauseRef(TERMS, 7, "Hosting Region")]


def test_one_trailing_contract_names_a_whole_list_of_articles() -> None:
    assert _by_id(_parse(ENGLISH))["12.3.1"].clause_refs == [
        ClauseRef(TERMS, 4, "Backups"),
        ClauseRef(TERMS, 5, "Retention"),
        ClauseRef(TERMS, 9, "Restores"),
    ]


def test_an_article_of_something_else_is_not_a_clause_and_a_bare_article_is_the_last_contract() -> None:
    refs = _by_id(_parse(ENGLISH))["16.1.2"].clause_refs
    # "Article 28 of the GDPR" is a law's; "Article 12" alone belongs to the contract named last.
    assert refs == [ClauseRef("Terms of Service", 11, "Incidents"), ClauseRef("Terms of Service", 12, "")]


def test_contract_named_before_the_article() -> None:
    assert _by_id(_parse(ENGLISH))["18.1.1"].clause_refs == [ClauseRef(TERMS, 20, "Governing Law")]


def test_documents_in_english_quotes_need_a_document_word() -> None:
    by_id = _by_id(_parse(ENGLISH))
    assert by_id["12.3.1"].doc_refs == [
        "Backup Operations Manual",
        "Kestrel Hosting Acceptable Use Regulations",
    ]
    assert by_id["18.1.1"].doc_refs == []  # "Kestrel Hosting", "Status": names, not documents


def test_english_first_edition_in_the_revision_history() -> None:
    doc = _parse(ENGLISH)
    assert [(r.version, r.date, r.changed) for r in doc.revisions] == [
        ("Initial release", "2024-03-03", []),
        ("1.1", "2025-05-09", ["12.3.1"]),
    ]
    cover = _parse(
        "Kestrel Hosting Whitepaper\n\nFirst edition, June 2, 2024\n\n"
        "## Response to ISO/IEC 27017:2015\n\n### 6.1.3 Contact with authorities\n\nWe answer them.\n"
    )
    assert (cover.version, cover.date) == ("First edition", "2024-06-02")


def test_japanese_forms_are_not_read_in_an_english_edition_and_the_reverse() -> None:
    ja = "## ISO/IEC 27017:2015 への対応\n\n### 6.1.3 関係当局との連絡\n\n保存場所は Article 7 of the Sora Terms of Service と「ソラ 利用約款 第 3 条 (場所)」にあります。\n"
    assert _by_id(_parse(ja))["6.1.3"].clause_refs == [ClauseRef("ソラ 利用約款", 3, "場所")]
    assert _by_id(_parse(ja, lang="en"))["6.1.3"].clause_refs == [ClauseRef("Sora Terms of Service", 7, "")]


def test_demo_english_edition_matches_the_japanese_one() -> None:
    ja = parse_whitepaper((DEMO / "sample_whitepaper.md").read_bytes(), "sample_whitepaper.md")
    en = parse_whitepaper((DEMO / "sample_whitepaper_en.md").read_bytes(), "sample_whitepaper_en.md")
    assert (ja.lang, en.lang) == ("ja", "en")
    assert [s.control_id for s in en.controls] == [s.control_id for s in ja.controls]
    assert (en.service, en.version, en.date) == (ja.service, ja.version, ja.date)
    # Every control cites the same articles of the same contract in both editions.
    for e, j in zip(en.controls, ja.controls, strict=True):
        assert [r.article for r in e.clause_refs] == [r.article for r in j.clause_refs], e.control_id
        assert len(e.doc_refs) == len(j.doc_refs), e.control_id
    assert {r.document for s in en.controls for r in s.clause_refs} == {"Minato Cloud Terms of Service"}
    assert [(r.version, r.date, r.changed) for r in en.revisions] == [
        ("First edition", ja.revisions[0].date, []),
        *[(r.version, r.date, r.changed) for r in ja.revisions[1:]],
    ]
