"""Tests for importers.whitepaper.parse_whitepaper.

The real seed whitepaper is read from ../shared (never copied into the repository); those
tests skip when it is absent. The inline whitepapers below are small originals written for
these tests.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from importers.whitepaper import parse_whitepaper
from kb.errors import KBError
from kb.model import ClauseRef, ParsedDocument, Revision

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "seed" / "000_7aaf04e06d1268f3.txt"

SEED_IDS = [
    "4.1",
    "5.1.1",
    "6.1.1",
    "6.1.3",
    "CLD.6.3.1",
    "7.2.2",
    "8.1.1",
    "CLD.8.1.5",
    "8.2.2",
    "9.2.1",
    "9.2.2",
    "9.2.3",
    "9.2.4",
    "9.4.1",
    "9.4.4",
    "CLD.9.5.1",
    "CLD.9.5.2",
    "10.1.1",
    "11.2.7",
    "12.1.2",
    "12.1.3",
    "CLD.12.1.5",
    "12.3.1",
    "12.4.1",
    "12.4.4",
    "CLD.12.4.5",
    "12.6.1",
    "13.1.3",
    "CLD.13.1.4",
    "14.1.1",
    "14.2.1",
    "15.1.2",
    "15.1.3",
    "16.1.1",
    "16.1.2",
    "16.1.7",
    "18.1.1",
    "18.1.2",
    "18.1.3",
    "18.1.5",
    "18.2.1",
]
CONTRACT = "BroadCenter クラウドプラットフォームサービス利用約款"


# --------------------------------------------------------------------------- the seed


@pytest.fixture(scope="module")
def seed() -> ParsedDocument:
    if not SEED.is_file():
        pytest.skip("../shared not present")
    return parse_whitepaper(SEED.read_bytes(), SEED.name)


def _by_id(doc: ParsedDocument) -> dict[str, object]:
    return {s.control_id: s for s in doc.controls}


def test_seed_control_ids_in_order(seed: ParsedDocument) -> None:
    assert [s.control_id for s in seed.controls] == SEED_IDS


def test_seed_every_control_has_title_and_text(seed: ParsedDocument) -> None:
    for s in seed.controls:
        assert s.title, s.control_id
        assert s.text.strip(), s.control_id
        assert not s.title.startswith(s.control_id)
    assert _by_id(seed)["8.1.1"].title == "資産目録"


def test_seed_flattened_heading_split_out(seed: ParsedDocument) -> None:
    by_id = _by_id(seed)
    cld = by_id["CLD.6.3.1"]
    assert cld.title == "クラウドコンピューティング環境における役割及び責任の分担"
    assert "提供範囲" in cld.text and "参照ください" in cld.text
    # Hard-wrapped lines are joined without a space between Japanese characters.
    assert "サービス提供範囲" in cld.text
    text_613 = by_id["6.1.3"].text
    assert "CLD.6.3.1" not in text_613
    assert "役割及び責任の分担" not in text_613
    assert "日本国" in text_613
    assert cld.framework == by_id["6.1.3"].framework
    assert cld.path == by_id["6.1.3"].path


def test_seed_frameworks_from_enclosing_headings(seed: ParsedDocument) -> None:
    by_id = _by_id(seed)
    assert by_id["4.1"].framework == "JIP-ISMS517-1.0"
    assert "【JIS Q 27001 の 4.3】" in by_id["4.1"].title
    for cid in SEED_IDS[1:]:
        assert by_id[cid].framework == "ISO/IEC 27017:2015", cid
    assert by_id["5.1.1"].path[-1].startswith("2. ISO/IEC 27017:2015")


def test_seed_paragraph_wrap_joined(seed: ParsedDocument) -> None:
    text = _by_id(seed)["5.1.1"].text
    assert "見直しを行い、" in text
    assert "\n" not in text


def test_seed_clause_refs(seed: ParsedDocument) -> None:
    expected = {
        20: "情報の取り扱い",
        27: "本サービスの目的",
        30: "提供場所",
        34: "本サービスの適正な利用",
        44: "個人情報保護",
        46: "契約者のデータの権利",
        47: "契約者への通知等",
        51: "準拠法",
    }
    refs = {(r.document, r.article, r.title) for s in seed.sections for r in s.clause_refs}
    assert refs == {(CONTRACT, a, t) for a, t in expected.items()}
    by_id = _by_id(seed)
    assert [r.article for r in by_id["18.1.3"].clause_refs] == [20, 44, 46]
    assert by_id["6.1.3"].clause_refs == [ClauseRef(CONTRACT, 30, "提供場所")]


def test_seed_doc_refs(seed: ParsedDocument) -> None:
    by_id = _by_id(seed)
    assert by_id["6.1.1"].doc_refs == ["BroadCenter クラウドプラットフォームサービス仕様書"]
    assert by_id["CLD.12.1.5"].doc_refs == ["利用開始のご案内", "ポータルご利用ガイド"]
    assert by_id["16.1.1"].doc_refs == ["クラウドサービスに関する契約約款"]
    assert by_id["7.2.2"].doc_refs == ["https://www.tokai-com.co.jp/security_policy/"]
    assert "security_policy" in by_id["7.2.2"].text and "\\" not in by_id["7.2.2"].text
    for s in seed.sections:
        assert not any("第" in d and "条" in d for d in s.doc_refs), s.title


def test_seed_revisions(seed: ParsedDocument) -> None:
    assert len(seed.revisions) == 2
    first, second = seed.revisions
    assert first == Revision("初版", "2021-12-01", [], "初版発行")
    assert (second.version, second.date) == ("1.1", "2022-03-18")
    assert second.changed == ["7.2.2", "8.1.1", "CLD.12.4.5"]
    assert not any(s.title == "改訂履歴" for s in seed.sections)


def test_seed_no_toc_lines(seed: ParsedDocument) -> None:
    for s in seed.sections:
        assert "....." not in s.text, s.title
        assert "\t" not in s.text
    assert not any(s.title in ("もくじ", "内容") for s in seed.sections)


def test_seed_general_sections(seed: ParsedDocument) -> None:
    general = {s.title: s for s in seed.sections if s.control_id is None}
    for title in (
        "ホワイトペーパーの目的",
        "本書の適用範囲について",
        "本書で使用する用語について",
        "ISMS クラウドセキュリティ認証 とは",
        "CPS-VM について",
        "責任分界点について",
        "2. ISO/IEC 27017:2015 (JIS Q 27017:2016) への対応",
    ):
        assert title in general, title
        assert general[title].text
    assert "ゲスト OS" in general["責任分界点について"].text
    assert general["責任分界点について"].path == ["CPS-VM について"]
    assert general["ホワイトペーパーの目的"].path == ["はじめに"]
    assert "はじめに" not in general  # its body is only a rule


def test_seed_metadata(seed: ParsedDocument) -> None:
    assert seed.kind == "whitepaper"
    assert seed.source_name == SEED.name
    assert seed.sha256 == hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert (
        seed.title
        == "BroadCenter クラウドプラットフォームサービス (VM シリーズ) ISO/IEC 27017 ホワイトペーパー"
    )
    assert seed.publisher == "株式会社 TOKAI コミュニケーションズ"
    assert seed.date == "2022-03-18"
    assert seed.version == "1.1"
    assert seed.service == "CPS-VM"


def test_seed_service_argument_wins() -> None:
    if not SEED.is_file():
        pytest.skip("../shared not present")
    doc = parse_whitepaper(SEED.read_bytes(), SEED.name, service="OTHER")
    assert doc.service == "OTHER"


def test_seed_parses_quickly() -> None:
    if not SEED.is_file():
        pytest.skip("../shared not present")
    data = SEED.read_bytes()
    start = time.perf_counter()
    parse_whitepaper(data, SEED.name)
    assert time.perf_counter() - start < 2.0


# --------------------------------------------------------------------------- inline samples

SAMPLE = """\


Sora ストレージ

オブジェクト保管サービス

ISO/IEC 27017 ホワイトペーパー

株式会社ソラ技研

2023 年 11 月 2 日 (2.1 版)

## もくじ

はじめに.....\t2
5.1.1 方針.....\t3
改訂履歴.....\t9

## はじめに

### 本書について

本書は、ソラ オブジェクト保管サービス(以下、SORA-OBJ)の取り組みを説明します。

## ISO/IEC 27017:2015 への対応

### 1. JIP-ISMS517-1.0 への対応

#### 4.1 適用範囲の決定

SORA-OBJ の運用組織を適用範囲としています。

### 2. ISO/IEC 27017:2015 への対応

#### 5.1.1 方針

方針は「ソラ 利用約款 第 5 条 (目的)、第 9 条 (禁止事項)」および「ソラ 運用ガイド」で示しています。

### 6.1.3 関係当局との連絡

データは東京のデータセンターで保管しています。

CLD.6.3.1 役割及び責任の分担<HB>
当社の範囲とお客様の範囲は、仕様書に記載し<HB>
ています。

##### 9.4.1 情報へのアクセス制限

アクセスは多要素認証で保護しています。保護対象の一覧と設定手順は管理画面のヘルプに

まとめています。

## 改訂履歴

版数\t日付\t主な変更内容
初版\t2022/4/1\t初版発行
2.1 版\t2023/11/2\t5.1.1.9.4.1,CLD6.3.1,99.9.9 を更新
""".replace("<HB>\n", "  \n")  # <HB>: a Markdown hard line break (two trailing spaces)


def _parse(text: str, name: str = "sample.md", **kw) -> ParsedDocument:
    return parse_whitepaper(text.encode("utf-8"), name, **kw)


def test_sample_controls_and_levels() -> None:
    doc = _parse(SAMPLE)
    assert [s.control_id for s in doc.controls] == ["4.1", "5.1.1", "6.1.3", "CLD.6.3.1", "9.4.1"]
    by_id = _by_id(doc)
    assert by_id["4.1"].framework == "JIP-ISMS517-1.0"
    assert by_id["9.4.1"].framework == "ISO/IEC 27017:2015"
    assert by_id["6.1.3"].framework == "ISO/IEC 27017:2015"
    assert by_id["9.4.1"].path == ["ISO/IEC 27017:2015 への対応", "2. ISO/IEC 27017:2015 への対応"]


def test_sample_flattened_heading_and_wraps() -> None:
    by_id = _by_id(_parse(SAMPLE))
    assert by_id["6.1.3"].text == "データは東京のデータセンターで保管しています。"
    assert by_id["CLD.6.3.1"].title == "役割及び責任の分担"
    assert by_id["CLD.6.3.1"].text == "当社の範囲とお客様の範囲は、仕様書に記載しています。"
    assert by_id["9.4.1"].text.endswith("管理画面のヘルプにまとめています。")


def test_sample_metadata_refs_and_revisions() -> None:
    doc = _parse(SAMPLE)
    assert doc.title == "Sora ストレージ オブジェクト保管サービス ISO/IEC 27017 ホワイトペーパー"
    assert doc.publisher == "株式会社ソラ技研"
    assert (doc.date, doc.version, doc.service) == ("2023-11-02", "2.1", "SORA-OBJ")
    s511 = _by_id(doc)["5.1.1"]
    assert s511.clause_refs == [
        ClauseRef("ソラ 利用約款", 5, "目的"),
        ClauseRef("ソラ 利用約款", 9, "禁止事項"),
    ]
    assert s511.doc_refs == ["ソラ 運用ガイド"]
    assert doc.revisions[0] == Revision("初版", "2022-04-01", [], "初版発行")
    assert doc.revisions[1].version == "2.1"
    # Concatenated ids are split against the document's ids; an unknown id is kept as written.
    assert doc.revisions[1].changed == ["5.1.1", "9.4.1", "CLD.6.3.1", "99.9.9"]
    general = [s.title for s in doc.sections if s.control_id is None]
    assert general == ["本書について"]
    assert all("....." not in s.text for s in doc.sections)


def test_crlf_and_bom_give_the_same_result() -> None:
    plain = _parse(SAMPLE)
    data = b"\xef\xbb\xbf" + SAMPLE.replace("\n", "\r\n").encode("utf-8")
    crlf = parse_whitepaper(data, "sample.md")
    assert crlf.sha256 == hashlib.sha256(data).hexdigest()
    assert [(s.control_id, s.title, s.text) for s in crlf.sections] == [
        (s.control_id, s.title, s.text) for s in plain.sections
    ]
    assert crlf.revisions == plain.revisions
    assert (crlf.title, crlf.date, crlf.version) == (plain.title, plain.date, plain.version)


def test_fullwidth_clause_and_h1_title() -> None:
    text = (
        "# ハヤテ VPS ホワイトペーパー\n\n"
        "Hayate Inc.\n\n"
        "## ISO/IEC 27017:2015 への対応\n\n"
        "### CLD.9.5.1 仮想環境の分離\n\n"
        "詳細は「ハヤテ 契約約款 第１２条（分離）」と [公開ページ](https://hayate.example/sec\\_info) を参照。\n"
    )
    doc = _parse(text)
    assert doc.title == "ハヤテ VPS ホワイトペーパー"
    assert doc.publisher == "Hayate Inc."
    (s,) = doc.controls
    assert s.clause_refs == [ClauseRef("ハヤテ 契約約款", 12, "分離")]
    assert s.doc_refs == ["https://hayate.example/sec_info"]
    assert "公開ページ (https://hayate.example/sec_info)" in s.text


def test_numbered_subsections_are_not_controls() -> None:
    text = (
        "## 3. 概要\n\n### 3.1 目的\n\n本書の目的です。\n\n"
        "## ISO/IEC 27017:2015 への対応\n\n### 12.1.2 変更管理\n\n事前に通知します。\n"
    )
    doc = _parse(text)
    assert [s.control_id for s in doc.controls] == ["12.1.2"]
    assert any(s.title == "3.1 目的" and s.control_id is None for s in doc.sections)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "is empty"),
        (b"  \r\n\n", "is empty"),
        (b"\xef\xbb\xbf", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("ol\xe9".encode("latin-1"), "not UTF-8"),
        ("# お知らせ\n\n本日は晴天です。\n\n## 1.1 予定\n\n特になし。\n".encode(), "has no control items"),
    ],
)
def test_not_a_whitepaper(data: bytes, reason: str) -> None:
    with pytest.raises(KBError) as info:
        parse_whitepaper(data, "bad.md")
    message = str(info.value)
    assert reason in message
    assert "bad.md" in message
    assert "\n" not in message


def test_tab_toc_same_level_controls_and_single_line_flattened_heading() -> None:
    text = (
        "## 目次\n\n概要\t1\n5.1.1 方針\t2\n\n"
        "## ISO/IEC 27017:2015 への対応\n\n"
        "## 5.1.1 方針\n\n方針を定めています。\n\n"
        "CLD.8.1.5 資産の除去\n\n解約時にデータを消去します。\n\n"
        "- 消去は自動です\n"
    )
    doc = _parse(text)
    assert [s.control_id for s in doc.controls] == ["5.1.1", "CLD.8.1.5"]
    by_id = _by_id(doc)
    assert by_id["5.1.1"].text == "方針を定めています。"
    assert by_id["CLD.8.1.5"].title == "資産の除去"
    assert by_id["CLD.8.1.5"].text == "解約時にデータを消去します。\n- 消去は自動です"
    assert all(s.framework == "ISO/IEC 27017:2015" for s in doc.controls)
    assert [s.title for s in doc.sections if s.control_id is None] == []
