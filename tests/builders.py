"""Small documents for tests, built in code so each test says what it stores."""

from __future__ import annotations

from kb.model import ClauseRef, ParsedDocument, Revision, Section


def make_doc(version: str, text_suffix: str = "") -> ParsedDocument:
    """A whitepaper with one general section and one control response (CLD.9.5.2, citing 第30条).

    Documents with the same title are versions of one series; ``text_suffix`` makes
    the control's text (and the file's sha256) differ between versions.
    """
    return ParsedDocument(
        kind="whitepaper",
        title="Example whitepaper",
        publisher="Example KK",
        service="EX-1",
        version=version,
        date="2024-01-01",
        sha256=f"sha-{version}-{text_suffix}",
        source_name="example.md",
        sections=[
            Section(title="はじめに", text="本書の目的を説明します。", path=["はじめに"]),
            Section(
                title="仮想マシンの要塞化",
                text=f"最新のパッチを適用して提供します。{text_suffix}",
                control_id="CLD.9.5.2",
                framework="ISO/IEC 27017:2015",
                clause_refs=[ClauseRef("Example 利用約款", 30, "提供場所")],
                doc_refs=["サービス仕様書"],
            ),
        ],
        revisions=[Revision(version, "2024-01-01", ["CLD.9.5.2"], "更新")],
    )
