import re

import pytest

from evidence import media
from evidence.extract import Limits, extract, read_pages
from evidence.media import media_type
from tests.evidence.documents import CID_FONTS, docx_bytes, image_only_pdf, japanese_pdf, xlsx_bytes

PAGE_1 = "当社は、お客様の個人データを保存時にＡＥＳ－２５６で暗号化し、鍵は専用の鍵管理サービスで年１回更新します。"
PAGE_2 = "ぜい弱性診断は年２回、外部の専門業者に委託して実施し、重大な脆弱性は３０日以内に是正します〜㈱①髙橋ｶﾀｶﾅ。"


def _bare(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("font", CID_FONTS)
def test_japanese_cid_pdf_reads_back_exactly_with_page_numbers(font):
    data = japanese_pdf([PAGE_1, PAGE_2, PAGE_1 + PAGE_2], font=font)
    assert media_type("policy.bin", data) == media.PDF
    result = extract(data, media.PDF)
    assert result.status == "text"
    assert [p.number for p in result.pages] == [1, 2, 3]
    assert _bare(result.pages[0].text) == PAGE_1
    assert _bare(result.pages[1].text) == PAGE_2  # full-width hyphen, wave dash, ㈱ ① 髙 as written
    # A line the layout wrapped is one line again: no break inside a Japanese word.
    assert "\n" not in result.pages[2].text


def test_scanned_pdf_is_no_text():
    result = extract(image_only_pdf(), media.PDF)
    assert (result.status, result.pages) == ("no_text", ())
    assert "scan" in result.note


def test_an_image_is_no_text():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    kind = media_type("certificate.png", png)
    assert kind == "image/png"
    assert extract(png, kind).status == "no_text"


def test_malformed_pdf_fails_without_raising():
    result = extract(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\n%%EOF", media.PDF)
    assert result.status in ("failed", "no_text")


def test_docx_pages_follow_its_page_breaks_and_read_tables():
    data = docx_bytes(
        [
            ["第1章 アクセス管理", "特権IDは申請と承認を経て発行する。"],
            ["第2章 バックアップ", "日次で取得し、遠隔地に保管する。"],
        ],
        table=[["項目", "頻度"], ["棚卸し", "四半期ごと"]],
    )
    assert media_type("policy.docx", data) == media.DOCX
    result = extract(data, media.DOCX)
    assert [p.number for p in result.pages] == [1, 2]
    assert "特権IDは申請と承認を経て発行する。" in result.pages[0].text
    assert "棚卸し\t四半期ごと" in result.pages[0].text
    assert result.pages[1].text.startswith("第2章 バックアップ")


def test_docx_without_breaks_is_cut_into_pages_at_paragraphs():
    paragraph = "アクセスログは一年間保管し、改ざんを防ぐため別のアカウントに複製する。"
    data = docx_bytes([[paragraph] * 30], page_breaks=False)
    result = extract(data, media.DOCX, Limits(page_chars=400))
    assert len(result.pages) > 1
    assert all(len(p.text) <= 400 for p in result.pages)
    assert all(p.text.endswith("。") for p in result.pages)  # cut between paragraphs, not inside one


def test_xlsx_sheet_is_a_page():
    data = xlsx_bytes(
        {
            "資産台帳": [["資産", "管理者"], ["認証基盤", "情報システム部"]],
            "空": [],
            "教育": [["受講率", 0.98]],
        }
    )
    assert media_type("assets.xlsx", data) == media.XLSX
    result = extract(data, media.XLSX)
    assert [p.number for p in result.pages] == [1, 3]  # the empty sheet keeps its number
    assert "認証基盤\t情報システム部" in result.pages[0].text
    assert "0.98" in result.pages[1].text


def test_markdown_text_html_and_cp932_csv():
    md = "# 入退室管理\n\n共連れを防ぐため、入口にはフラッパーゲートを設置している。".encode()
    assert extract(md, media_type("room.md", md)).pages[0].text.startswith("# 入退室管理")
    html = "<html><head><style>p{}</style><script>var x='隠す';</script></head><body><h1>教育</h1><p>全従業員が年1回受講する。</p></body></html>"
    text = extract(html.encode(), media_type("training.html", html.encode())).pages[0].text
    assert text == "教育\n全従業員が年1回受講する。"
    csv_data = "区分,件数\n不正アクセス,0\n".encode("cp932")
    kind = media_type("incidents.csv", csv_data)
    assert kind == media.CSV
    assert extract(csv_data, kind).pages[0].text == "区分\t件数\n不正アクセス\t0"


def test_form_feed_is_a_page_break_in_text():
    result = extract("一頁目の本文。\f二頁目の本文。".encode(), media.TEXT)
    assert [(p.number, p.text) for p in result.pages] == [(1, "一頁目の本文。"), (2, "二頁目の本文。")]


def test_bounds_cut_pages_and_characters():
    data = "\f".join(f"{n}頁の本文です。" for n in range(1, 11)).encode()
    few = extract(data, media.TEXT, Limits(max_pages=3))
    assert (few.status, [p.number for p in few.pages]) == ("truncated", [1, 2, 3])
    short = extract(data, media.TEXT, Limits(max_chars=12))
    assert short.status == "truncated" and short.chars == 12


def test_a_reader_that_loops_is_stopped():
    def looping(data, limits):
        yield "最初の頁。"
        while True:
            pass

    result = read_pages(looping, b"", Limits(seconds=0.2))
    assert result.status == "truncated"
    assert [p.text for p in result.pages] == ["最初の頁。"]
    assert "longer than" in result.note
