"""importers.clauses: contracts in text, Markdown and DOCX, on contracts written for these tests."""

from __future__ import annotations

import io
import zipfile

import pytest

from importers.clauses import parse_contract
from kb.errors import KBError


def parse(text: str, name: str = "terms.md"):
    return parse_contract(text.encode("utf-8"), name)


def by_number(contract):
    return {(a.number, a.branch): a for a in contract.articles}


# --------------------------------------------------------------------------- headings


@pytest.mark.parametrize(
    "heading",
    [
        "第7条（保管場所）",
        "第 7 条 (保管場所)",
        "第７条（保管場所）",
        "第七条（保管場所）",
        "## 第7条（保管場所）",
        "**第7条【保管場所】**",
        "第7条 保管場所",
    ],
)
def test_each_way_of_heading_an_article_gives_its_number_and_title(heading):
    contract = parse(f"{heading}\n\n1. 当社はデータを国内の設備に置きます。\n")
    [article] = contract.articles
    assert (article.number, article.title) == (7, "保管場所")
    assert article.text == "当社はデータを国内の設備に置きます。"


def test_a_title_with_brackets_inside_keeps_them():
    [article] = parse("第5条（料金（税込））\n月額 1,100 円です。\n").articles
    assert (article.title, article.text) == ("料金（税込）", "月額 1,100 円です。")


def test_kanji_numbers_with_units_and_written_digit_by_digit():
    contract = parse(
        "第二十三条（返金）\n料金は返しません。\n\n第百一条（雑則）\n定めのない事項は協議します。\n"
        "第一〇二条（言語）\n日本語を正とします。\n"
    )
    assert [a.number for a in contract.articles] == [23, 101, 102]


def test_a_caption_on_its_own_line_titles_the_article_below_it_as_statutes_write_it():
    contract = parse(
        "（目的）\n第一条　この規約は、ホスティングの利用条件を定める。\n（用語）\n第二条　用語は次のとおりとする。\n"
    )
    first, second = contract.articles
    assert (first.number, first.title) == (1, "目的")
    assert first.text == "この規約は、ホスティングの利用条件を定める。"
    assert second.title == "用語"


def test_an_article_mentioned_at_the_start_of_a_line_is_not_a_heading():
    contract = parse(
        "第3条（解約）\n1. 利用者はいつでも解約できます。\n"
        "第5条に定める手続を経るものとします。\n"
        "第3条（解約）に基づく返金はありません。\n"
    )
    [article] = contract.articles
    assert "第5条に定める手続" in article.text and "返金はありません" in article.text


def test_an_inserted_article_is_a_branch_of_the_one_before():
    contract = parse(
        "第4条（料金）\n月額とします。\n第4条の2（割引）\n年払いは一割引きとします。\n第5条（支払）\n前払いとします。\n"
    )
    assert list(by_number(contract)) == [(4, 0), (4, 2), (5, 0)]
    assert by_number(contract)[(4, 2)].label == "第4条の2"


def test_chapters_group_articles_and_the_supplementary_provisions_end_them():
    contract = parse(
        "# レンタルサーバー規約\n\n第1章 総則\n\n第1条（適用）\nこの規約を適用します。\n\n"
        "第2章 料金\n\n第2条（料金）\n月額制です。\n\n附則\n\n第1条（施行）\nこの規約は公開の日から施行します。\n"
    )
    assert [(a.number, a.chapter) for a in contract.articles] == [(1, "第1章 総則"), (2, "第2章 料金")]
    assert "公開の日から施行" in contract.supplementary


# --------------------------------------------------------------------------- paragraphs and items


def test_paragraphs_numbered_in_full_width_with_an_unnumbered_first_one():
    contract = parse(
        "第9条（変更）\n当社は、この規約を変更できます。\n２　変更は掲示により知らせます。\n３　掲示の日から効力を生じます。\n"
    )
    [article] = contract.articles
    assert [(p.number, p.label) for p in article.paragraphs] == [(1, ""), (2, "２"), (3, "３")]
    assert article.text.splitlines() == [
        "当社は、この規約を変更できます。",
        "２ 変更は掲示により知らせます。",
        "３ 掲示の日から効力を生じます。",
    ]


@pytest.mark.parametrize("marks", [["(1)", "(2)"], ["（１）", "（２）"], ["一", "二"], ["①", "②"]])
def test_items_of_a_paragraph_in_each_numbering(marks):
    first, second = marks
    contract = parse(
        f"第6条（禁止事項）\n1. 利用者は次の行為をしてはなりません。\n{first} 迷惑メールの送信\n{second} 他人へのなりすまし\n"
    )
    [paragraph] = contract.articles[0].paragraphs
    assert [(i.label, i.text) for i in paragraph.items] == [
        (first, "迷惑メールの送信"),
        (second, "他人へのなりすまし"),
    ]


def test_a_nested_markdown_list_is_the_items_of_its_paragraph():
    contract = parse(
        "第6条（禁止事項）\n1. 次の行為を禁じます。\n   1. 過大な負荷\n   2. 不正アクセス\n2. 違反には利用停止で応じます。\n"
    )
    first, second = contract.articles[0].paragraphs
    assert [i.text for i in first.items] == ["過大な負荷", "不正アクセス"]
    assert second.text == "違反には利用停止で応じます。"


def test_a_wrapped_line_starting_with_a_number_continues_the_paragraph():
    # "30 日" cannot be paragraph 30 of an article that has only paragraph 1 so far.
    contract = parse("第8条（消去）\n1. 解約の日から\n30 日を経過した後、データを消去します。\n")
    [paragraph] = contract.articles[0].paragraphs
    assert paragraph.text == "解約の日から30 日を経過した後、データを消去します。"


def test_hard_wrapped_japanese_joins_without_a_space():
    contract = parse("第2条（目的）\n本サービスは、中小企業の\n業務システムを支えます。\n")
    assert contract.articles[0].text == "本サービスは、中小企業の業務システムを支えます。"


# --------------------------------------------------------------------------- cover


def test_the_cover_gives_title_publisher_version_and_effective_date():
    contract = parse(
        "# サクラ VPS 利用規約\n\n株式会社サクラ計算機\n\n第3版\n\n2024 年 10 月 1 日 改定\n\n第1条（適用）\n適用します。\n"
    )
    assert contract.title == "サクラ VPS 利用規約"
    assert contract.publisher == "株式会社サクラ計算機"
    assert contract.version == "3"
    assert contract.effective == "2024-10-01"


# --------------------------------------------------------------------------- encodings and formats


def test_shift_jis_text_is_read_as_such():
    text = "第1条（目的）\nこの約款は、ストレージサービスの利用について定めます。\n"
    contract = parse_contract(text.encode("cp932"), "sjis.txt")
    assert contract.encoding == "Shift_JIS (CP932)"
    assert contract.articles[0].title == "目的"
    assert contract.articles[0].text == "この約款は、ストレージサービスの利用について定めます。"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_called_not_utf8_text_not_binary(codec):
    with pytest.raises(KBError) as exc:
        parse_contract("第1条（目的）\nThis contract covers storage.\n".encode(codec), "terms.txt")
    message = str(exc.value)
    assert "not UTF-8 text (looks like UTF-16; save it as UTF-8)" in message
    assert "binary" not in message and "\n" not in message


def test_utf16_with_a_bom_is_read():
    text = "第1条（目的）\nこの約款は、保管について定めます。\n"
    contract = parse_contract(text.encode("utf-16"), "terms.txt")
    assert contract.encoding == "UTF-16"
    assert contract.articles[0].text == "この約款は、保管について定めます。"


def test_bytes_in_no_japanese_encoding_are_refused_in_one_line():
    with pytest.raises(KBError) as exc:
        parse_contract("第1条（目的）\nTerms façade ".encode() + bytes([0xFF, 0x80, 0xFE]), "odd.txt")
    message = str(exc.value)
    assert "neither UTF-8 nor Shift_JIS" in message and "\n" not in message


@pytest.mark.parametrize(
    "data, why",
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"%PDF-1.7\n...", "PDF"),
        ("前文だけで条文のない文書です。\n".encode(), "no articles"),
    ],
)
def test_bad_input_is_one_line_error(data, why):
    with pytest.raises(KBError) as exc:
        parse_contract(data, "bad.md")
    assert why in str(exc.value) and "\n" not in str(exc.value)


def test_a_zip_that_is_not_a_docx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(KBError, match="not a DOCX"):
        parse_contract(buffer.getvalue(), "terms.docx")


def test_an_article_headed_twice_or_out_of_order_is_refused():
    with pytest.raises(KBError, match="headed twice"):
        parse("第1条（目的）\nA。\n第1条（目的）\nB。\n")
    with pytest.raises(KBError, match="must be in order"):
        parse("第5条（料金）\nA。\n第3条（定義）\nB。\n")


def _docx(build) -> bytes:
    import docx

    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_headings_and_word_numbered_paragraphs():
    def build(document):
        document.add_heading("オンライン会計サービス約款", level=1)
        document.add_heading("第1条（目的）", level=2)
        document.add_paragraph("この約款は会計サービスの利用条件を定めます。")
        document.add_heading("第2条（データの保存）", level=2)
        # Word numbers these itself: the text holds no number.
        document.add_paragraph("帳簿データは国内のデータセンターに保存します。", style="List Number")
        document.add_paragraph("バックアップは毎日取得します。", style="List Number")

    contract = parse_contract(_docx(build), "terms.docx")
    assert contract.encoding == "DOCX"
    assert contract.title == "オンライン会計サービス約款"
    first, second = contract.articles
    assert (first.number, first.title, first.text) == (
        1,
        "目的",
        "この約款は会計サービスの利用条件を定めます。",
    )
    assert [(p.number, p.label, p.text) for p in second.paragraphs] == [
        (1, "1.", "帳簿データは国内のデータセンターに保存します。"),
        (2, "2.", "バックアップは毎日取得します。"),
    ]


_NUMBERING = (
    '<w:abstractNum xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:abstractNumId="90">'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="第%1条"/></w:lvl>'
    '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimalFullWidth"/><w:lvlText w:val="%2"/></w:lvl>'
    '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="japaneseCounting"/><w:lvlText w:val="%3"/></w:lvl>'
    "</w:abstractNum>"
)


def test_docx_whose_article_numbers_word_writes_itself():
    from docx.oxml import parse_xml

    def build(document):
        numbering = document.part.numbering_part.element
        numbering.insert(0, parse_xml(_NUMBERING))  # abstract numbering definitions come first
        numbering.append(
            parse_xml(
                '<w:num xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:numId="90">'
                '<w:abstractNumId w:val="90"/></w:num>'
            )
        )

        def numbered(text: str, level: int):
            paragraph = document.add_paragraph(text)
            num = paragraph._p.get_or_add_pPr().get_or_add_numPr()
            num.get_or_add_numId().val = 90
            num.get_or_add_ilvl().val = level

        numbered("（目的）", 0)
        numbered("この規約は、ファイル共有サービスの利用条件を定めます。", 1)
        numbered("（禁止事項）", 0)
        numbered("利用者は、次の行為をしてはなりません。", 1)
        numbered("著作権を侵害する行為", 2)
        numbered("他の利用者の妨げとなる行為", 2)
        numbered("当社は、違反した利用者の利用を停止できます。", 1)

    contract = parse_contract(_docx(build), "terms.docx")
    first, second = contract.articles
    assert (first.number, first.title, first.text) == (
        1,
        "目的",
        "この規約は、ファイル共有サービスの利用条件を定めます。",
    )
    assert (second.number, second.title) == (2, "禁止事項")
    assert second.text.splitlines() == [
        "１ 利用者は、次の行為をしてはなりません。",
        "  一 著作権を侵害する行為",
        "  二 他の利用者の妨げとなる行為",
        "２ 当社は、違反した利用者の利用を停止できます。",
    ]
