"""Small documents for tests, built in code so each test says what it stores."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

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


def make_source(control_id: str | None, title: str, text: str = "本文", score: float = 0.5, citations=()):
    """A response the engine could cite (kb.answer.Source)."""
    from kb.answer import Source

    return Source(
        kind="response", control_id=control_id, title=title, text=text, score=score, citations=list(citations)
    )


def make_fill_report(output: str = "out.xlsx"):
    """A fill of four questions decided as exporters.fill decides them: answered (はい), needs review,
    no match, and kept (a person had answered it).

    The needs-review row has two candidate sources, the second with citations and the first with
    a text with markup characters; the no-match question starts with "=", as a formula would.
    """
    from pathlib import Path

    from exporters.fill import FillOptions, FillReport, FillSummary, decide, precheck
    from importers.checksheet import Question
    from kb.answer import Answer

    def question(row: int, text: str, existing: str | None = None) -> Question:
        return Question(
            sheet="チェックシート",
            row=row,
            number=f"1-{row - 4}",
            text=text,
            answer_cell=f"C{row}",
            comment_cell=f"D{row}",
            reference_cell=None,
            options=["はい", "いいえ", "該当なし"],
            existing_answer=existing,
            existing_comment=None,
        )

    location = make_source(
        "6.1.3",
        "6.1.3 関係当局との連絡",
        "日本国内のデータセンターにのみ配置しています。",
        0.91,
        ["ホワイトペーパー 6.1.3", "利用約款 第12条（データの保管場所）"],
    )
    backup = make_source(
        "12.3.1", "12.3.1 情報のバックアップ", "バックアップは <毎日> 取得します & 7 日保管します。", 0.33
    )
    rows = [
        decide(
            question(5, "データは国内に保存されますか。"), Answer("q", "answered", 0.91, "yes", [location])
        ),
        decide(
            question(6, "バックアップの保管期間は。"),
            Answer("q", "needs_review", 0.4, None, [backup, location]),
        ),
        decide(question(7, "=WEBSERVICE() を使えますか。"), Answer("q", "no_match", 0.0, None, [])),
        precheck(question(8, "多要素認証を利用できますか。", existing="はい"), FillOptions()),
    ]
    summary = FillSummary(
        sheets=["チェックシート"],
        questions=4,
        answered=1,
        needs_review=1,
        no_match=1,
        kept=1,
        cells_written=2,
        parts_changed=["xl/worksheets/sheet1.xml"],
        min_confidence=0.5,
        not_applicable=0,
        answer_lang="ja",
    )
    return FillReport(input=Path("in.xlsx"), output=Path(output), summary=summary, rows=rows)


def make_eval_report():
    """kb eval's report on four labelled questions, answered by hand so every measure is known:
    top1 2/3, top3 3/3, auto precision 2/3, coverage 2/3, abstention 0/1, stance 1/2; misses 2, 3, "x4"."""
    from kb.answer import Answer
    from kb.evaluate import Report, Result

    return Report(
        [
            Result(  # right source, answered, right stance
                {"id": 1, "lang": "ja", "question": "国内ですか。", "gold": ["6.1.3"], "stance": "yes"},
                Answer("国内ですか。", "answered", 0.9, "yes", [make_source("6.1.3", "関係当局との連絡")]),
            ),
            Result(  # right source second: a miss, but suggested to a person
                {"id": 2, "lang": "en", "question": "Isolated?", "gold": ["CLD.9.5.1"], "stance": None},
                Answer(
                    "Isolated?",
                    "needs_review",
                    0.4321,
                    None,
                    [make_source("12.3.1", "b"), make_source("cld.9.5.1", "a")],
                ),
            ),
            Result(  # nothing to answer from, answered anyway
                {"id": 3, "lang": "ja", "question": "株価は。", "gold": []},
                Answer("株価は。", "answered", 0.6, None, [make_source("5.1.1", "方針")]),
            ),
            Result(  # gold is a section title; right source, wrong stance
                {"id": "x4", "lang": "ja", "question": "目的は。", "gold": ["はじめに"], "stance": "no"},
                Answer("目的は。", "answered", 0.7, None, [make_source(None, "1 はじめに")]),
            ),
        ]
    )


# A fictional provider's whitepaper in Japanese and its own English edition: the same three
# controls, the English one citing the same article of the contract.
KESTREL_JA = """# ケストレル VPS ISO/IEC 27017 ホワイトペーパー

ケストレル株式会社

2025年3月1日 (1.0 版)

## はじめに

本書は「ケストレル VPS」(以下、KST-VPS)の取り組みを説明します。

## ISO/IEC 27017:2015 への対応

### 6.1.3 関係当局との連絡

お客様のデータはフランクフルトのデータセンターにのみ保存します。保存場所は「ケストレル 利用規約 第 7 条 (保存地域)」に定めています。

### 12.3.1 情報のバックアップ

バックアップは毎晩取得し、14 日間保管します。

### 16.1.2 情報セキュリティ事象の報告

事象が起きたときは、24 時間以内に電子メールでお知らせします。
"""

KESTREL_EN = """# Kestrel VPS ISO/IEC 27017 Whitepaper

Kestrel K.K.

March 1, 2025 (Version 1.0)

## Introduction

This document describes what we do for "Kestrel VPS" (hereinafter "KST-VPS").

## Response to ISO/IEC 27017:2015

### 6.1.3 Contact with authorities

Customer data is kept only in our Frankfurt data center. The storage location is set out in Article 7 (Storage Region) of the Kestrel Terms of Use.

### 12.3.1 Information backup

Backups are taken every night and kept for 14 days.

### 16.1.2 Reporting information security events

When an incident happens, we tell customers by email within 24 hours.
"""


def kestrel(lang: str, *, classification: str = "public", suffix: str = "") -> ParsedDocument:
    """The Kestrel whitepaper in ``lang`` ('ja' or 'en'), parsed; ``suffix`` makes another version."""
    from importers.whitepaper import parse_whitepaper

    text = (KESTREL_JA if lang == "ja" else KESTREL_EN) + suffix
    doc = parse_whitepaper(text.encode("utf-8"), f"kestrel_{lang}.md")
    doc.classification = classification
    return doc


def build_demo_db(directory: Path):
    """A KB built from the fictional demo whitepaper, in ``directory``."""
    from importers.whitepaper import parse_whitepaper
    from kb import store
    from kb.db import connect
    from tests.paths import DEMO

    path = DEMO / "sample_whitepaper.md"
    db = connect(directory / "kb.db")
    store.import_document(db, parse_whitepaper(path.read_bytes(), path.name))
    return db


# --- classified KBs (kb.audience): every level's rows carry a marker of their own --------

# A token that never occurs in real text, in every row of a level above public (text, title,
# document title, clause and document references): any output holding it shows that row leaked.
LEVEL_MARKERS = {"nda": "NDAMARKQ7", "internal": "INTMARKZ9"}


class Topic(NamedTuple):
    """One control as a provider might answer it, in Japanese and English, with a question on it."""

    control_id: str
    title: str
    question: str
    text: str
    question_en: str
    text_en: str


# Written for these tests: a fictional provider's answers, not taken from any real document.
TOPICS = (
    Topic(
        "12.3.1",
        "情報のバックアップ",
        "バックアップは毎日取得していますか。",
        "バックアップは毎日取得し、三十日間保管します。",
        "Do you take backups every day?",
        "Backups are taken every day and kept for thirty days.",
    ),
    Topic(
        "10.1.1",
        "暗号による管理策の利用方針",
        "保存データを暗号化していますか。",
        "お客様の保存データはすべて暗号化しています。",
        "Is stored customer data encrypted?",
        "All stored customer data is encrypted.",
    ),
    Topic(
        "9.4.2",
        "セキュリティに配慮したログオン手順",
        "管理画面で多要素認証を利用できますか。",
        "管理画面へのログインには多要素認証を利用できます。",
        "Can administrators use multi-factor authentication for the console?",
        "Administrators can use multi-factor authentication to log in to the console.",
    ),
    Topic(
        "12.4.1",
        "イベントログ取得",
        "アクセスログは何日間保管しますか。",
        "アクセスログは一年間保管します。",
        "How long are access logs kept?",
        "Access logs are kept for one year.",
    ),
)


def marked(level: str, text: str) -> str:
    """``text`` as a row of ``level`` says it: above public, with the level's marker in it."""
    mark = LEVEL_MARKERS.get(level)
    return f"{text}{mark}の手順書に従います。" if mark else text


def classified_whitepaper(
    level: str, lang: str, topics: list[tuple[Topic, bool]], *, name: str = ""
) -> ParsedDocument:
    """A whitepaper of ``level`` in ``lang`` answering ``topics``: (topic, full) pairs, where a
    full answer repeats the question in its text, so that it covers all of it (a best match)."""
    mark = LEVEL_MARKERS.get(level, "")
    sections = []
    for topic, full in topics:
        text = topic.text if lang == "ja" else topic.text_en
        if full:
            text = f"{topic.question if lang == 'ja' else topic.question_en} {text}"
        sections.append(
            Section(
                title=f"{topic.title}{mark}",
                text=marked(level, text),
                control_id=topic.control_id,
                framework="ISO/IEC 27017:2015",
                path=[topic.title],
                clause_refs=[ClauseRef(f"利用約款{mark}", 7, f"保存地域{mark}")],
                doc_refs=[f"運用手順書{mark}"] if mark else [],
            )
        )
    return ParsedDocument(
        kind="whitepaper",
        title=f"テストクラウド ホワイトペーパー {level}{mark}{name}",
        sha256=f"sha-{level}-{lang}-{name}-{len(topics)}-{'-'.join(t.control_id for t, _ in topics)}",
        source_name=f"{level}_{lang}{name}.md",
        publisher="テストクラウド株式会社",
        service="TC-1",
        classification=level,
        lang=lang,
        sections=sections,
    )


def classified_answers(level: str, topics: list[Topic]) -> tuple[ParsedDocument, list]:
    """An answered check sheet of ``level`` (its document and pairs) answering each topic's very question."""
    from kb.model import QAPair

    mark = LEVEL_MARKERS.get(level, "")
    doc = ParsedDocument(
        kind="checksheet",
        title=f"回答済みシート {level}{mark}",
        sha256=f"sha-qa-{level}-{'-'.join(t.control_id for t in topics)}",
        source_name=f"answered_{level}.xlsx",
        classification=level,
    )
    pairs = [QAPair(t.question, "はい", marked(level, t.text)) for t in topics]
    return doc, pairs


def classified_contract(level: str) -> bytes:
    """The 利用約款 the classified whitepapers cite (第7条（保存地域）), as a file of ``level``: its
    articles answer the topics' questions too, so clause search and clause quotes meet them."""
    articles = "\n\n".join(
        f"## 第{n}条（{title}）\n\n1. {marked(level, text)}"
        for n, (title, text) in enumerate(
            [(t.title, t.text) for t in TOPICS[:2]]
            + [("保存地域", "お客様のデータは国内のデータセンターにのみ保存します。")],
            start=5,
        )
    )
    return f"# テストクラウド 利用約款\n\nテストクラウド株式会社\n\n{articles}\n".encode()


def classified_evidence(level: str, *, expired: bool = False):
    """A piece of evidence of ``level`` (kb.evidence_store.NewEvidence, one page on the topics),
    its title and page marked above public; past its validity when ``expired``."""
    from kb.evidence_store import NewEvidence

    mark = LEVEL_MARKERS.get(level, "")
    text = marked(level, " ".join(t.text for t in TOPICS))
    return NewEvidence(
        sha256=f"sha-evidence-{level}-{expired}",
        size=len(text),
        media_type="text/plain",
        original_name=f"evidence_{level}.txt",
        title=f"運用記録{mark}",
        text_status="text",
        pages=((1, text),),
        classification=level,
        valid_until="2000-12-31" if expired else None,
    )


def response_chunks_kb(path: Path, chunks: list[tuple[str, str]]):
    """A KB at ``path`` holding only response chunks, one per (title, body), source ids from 0:
    for tests of search and answering that need no documents."""
    from kb import index
    from kb.db import connect

    db = connect(path)
    with db.atomic():
        for i, (title, body) in enumerate(chunks):
            index.add_chunk(db, kind="response", source_id=i, title=title, body=body)
    return db


def whitepaper_kb(path: Path, name: str, controls: list[tuple[str, str, str]], lang: str = "ja"):
    """A KB at ``path`` holding one whitepaper ``name`` in ``lang`` with a response per
    (control id, title, text)."""
    from kb import store
    from kb.db import connect

    db = connect(path)
    sections = [
        Section(title=f"{cid} {title}", text=text, control_id=cid, framework="ISO/IEC 27017:2015")
        for cid, title, text in controls
    ]
    doc = ParsedDocument(
        kind="whitepaper",
        title=name,
        sha256=f"{name}-sha",
        source_name=f"{name}.md",
        lang=lang,
        sections=sections,
    )
    store.import_document(db, doc)
    return db


# Two fictional services of one provider that answer the same questions differently: a VM
# service that encrypts its disks and keeps backups, a bare-metal one that leaves both to the
# customer (kb.services; tests/kb/test_services.py). Each (control id, title, text).
ALPHA_VM = [
    (
        "10.1.1",
        "暗号による管理策の利用方針",
        "仮想ディスクに保存されるデータは、すべて暗号化して保存しています。暗号鍵は当社が管理します。",
    ),
    ("12.3.1", "情報のバックアップ", "仮想マシンのバックアップを毎日取得し、30 日間保管します。"),
    ("6.1.3", "関係当局との連絡", "お客様のデータは東京のデータセンターに保存します。"),
    ("9.4.2", "セキュリティに配慮したログオン手順", "管理画面へのログインには多要素認証を必須としています。"),
]
BETA_BM = [
    (
        "10.1.1",
        "暗号による管理策の利用方針",
        "物理サーバーのディスクに保存されるデータの暗号化は提供していません。必要な場合はお客様が暗号化してください。",
    ),
    ("12.3.1", "情報のバックアップ", "バックアップは提供していません。お客様がご自身で取得してください。"),
    ("6.1.3", "関係当局との連絡", "お客様のデータは大阪のデータセンターに保存します。"),
    ("9.4.2", "セキュリティに配慮したログオン手順", "管理画面へのログインにはパスワードを使用します。"),
    (
        "12.4.1",
        "イベントログ取得",
        "物理サーバーの電源操作のログを 1 年間保存します。ログは暗号化して保存します。",
    ),
    (
        "13.1.3",
        "ネットワークの分離",
        "物理サーバーごとに専用のネットワークを割り当て、保存データの経路を分離します。",
    ),
]


def service_whitepaper(
    service: str | None, controls: list[tuple[str, str, str]], lang: str = "ja"
) -> ParsedDocument:
    """A whitepaper of ``service`` with a response per (control id, title, text); its own file
    (sha256) per service and language."""
    return ParsedDocument(
        kind="whitepaper",
        title=f"{service or 'サービス'} ホワイトペーパー",
        service=service,
        sha256=f"{service}-{lang}-{len(controls)}-sha",
        source_name=f"{service}.md",
        lang=lang,
        sections=[
            Section(title=title, text=text, control_id=cid, framework="ISO/IEC 27017:2015")
            for cid, title, text in controls
        ],
    )


def two_service_kb(path: Path, names: tuple[str, str] = ("ALPHA-VM", "BETA-BM")) -> Path:
    """A KB file at ``path`` of two services' whitepapers (ALPHA_VM's and BETA_BM's controls), closed."""
    from kb import store
    from kb.db import connect

    db = connect(path)
    store.import_document(db, service_whitepaper(names[0], ALPHA_VM))
    store.import_document(db, service_whitepaper(names[1], BETA_BM))
    db.close()
    return path


def service_answers(
    db,
    name: str,
    pairs: list[tuple[str, str | None, str | None]],
    service: str | None = None,
    *,
    approved=True,
) -> None:
    """A sheet ``name`` answered for ``service`` (None: naming none) into the library:
    (question, chosen option, text) each, for ACME on 2025-05-01."""
    from kb import store
    from kb.model import QAPair

    doc = ParsedDocument(
        kind="checksheet", title=name, sha256=f"sheet-{name}", source_name=f"{name}.xlsx", service=service
    )
    store.import_qa_pairs(
        db, doc, [QAPair(*p) for p in pairs], customer="ACME", answered_on="2025-05-01", approved=approved
    )
