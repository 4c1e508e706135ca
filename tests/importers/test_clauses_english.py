"""importers.clauses on contracts in English: headings, mentions, paragraphs, items, chapters and
ends as English drafting writes them, on sentences written for these tests (a fictional provider,
"Heron Storage"), and the demo's English terms against the English whitepaper that cites them."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from importers.clauses import parse_contract
from importers.whitepaper import parse_whitepaper
from kb.cli import cli
from kb.contracts import title_key
from kb.errors import KBError
from tests.fuzz import fuzz
from tests.paths import DEMO


def parse(text: str, name: str = "terms.md"):
    return parse_contract(text.encode("utf-8"), name)


def by_number(contract):
    return {(a.number, a.branch): a for a in contract.articles}


BODY = "\n\n1. Heron Storage keeps backups in two regions.\n"


# --------------------------------------------------------------------------- headings


@pytest.mark.parametrize(
    "heading, title",
    [
        ("Article 7 (Backup Regions)", "Backup Regions"),
        ("Article 7 (Backup regions)", "Backup regions"),  # in brackets, any case is a title
        ("Article 7. Backup Regions", "Backup Regions"),
        ("Article 7: Backup Regions", "Backup Regions"),
        ("ARTICLE 7 – BACKUP REGIONS", "BACKUP REGIONS"),
        ("ARTICLE 7. BACKUP REGIONS.", "BACKUP REGIONS"),
        ("Article 7 - Backup Regions", "Backup Regions"),
        ("Article 7 Backup Regions", "Backup Regions"),
        ("Article VII (Backup Regions)", "Backup Regions"),
        ("## Article 7 (Backup Regions)", "Backup Regions"),
        ("## Article 7 Backup regions", "Backup regions"),  # a Markdown heading: its text is the title
        ("**Article 7 — Backup Regions**", "Backup Regions"),
        ("Article ７ (Backup Regions)", "Backup Regions"),
    ],
)
def test_each_way_english_heads_an_article_gives_its_number_and_title(heading, title):
    [article] = parse(heading + BODY).articles
    assert (article.number, article.branch, article.title) == (7, 0, title)
    assert article.text == "Heron Storage keeps backups in two regions."


def test_the_title_keeps_brackets_inside_and_matches_a_citation_in_another_case():
    [article] = parse("ARTICLE 3 – FEES (INCLUDING TAX)\nMonthly.\n").articles
    assert article.title == "FEES (INCLUDING TAX)"
    assert title_key(article.title) == title_key("Fees (Including Tax)")


def test_a_sentence_that_mentions_an_article_at_the_start_of_a_line_is_not_a_heading():
    contract = parse(
        "Article 3 (Termination)\n"
        "1. Either party may end the agreement on notice given as set out in\n"
        "Article 9 (Notices) of these Terms, and the fees follow\n"
        "Article 5 as amended.\n"
        "Article 5 applies to refunds.\n"
        "Article 5(2) applies to deposits.\n"
        "Article 4, paragraph 2 does not apply.\n"
        "Notice periods are those in\n"
        "Article 8.\n"
        "Article 8. The Customer may object in writing.\n"
    )
    [article] = contract.articles
    assert article.number == 3
    text = article.text
    assert text.startswith(
        "Either party may end the agreement on notice given as set out in Article 9 (Notices)"
    )
    assert "Article 5(2) applies to deposits." in text and text.endswith(
        "The Customer may object in writing."
    )


def test_a_run_in_title_ends_at_its_full_stop():
    [article] = parse("Article 5. Fees. The Customer pays the fees monthly in advance.\n").articles
    assert (article.title, article.text) == ("Fees", "The Customer pays the fees monthly in advance.")


def test_a_caption_above_the_article_titles_it_and_the_first_paragraph_may_share_its_line():
    contract = parse(
        "(Purpose)\nArticle 1 These Terms govern the use of Heron Storage.\n"
        "(Scope)\nArticle 2 These Terms apply to every plan.\n"
        "Article 3 (Fees) The Customer pays monthly.\n"
    )
    first, second, third = contract.articles
    assert (first.title, first.text) == ("Purpose", "These Terms govern the use of Heron Storage.")
    assert (second.title, second.text) == ("Scope", "These Terms apply to every plan.")
    assert (third.title, third.text) == ("Fees", "The Customer pays monthly.")


def test_a_title_on_the_line_below_a_bare_heading_is_its_title():
    contract = parse(
        "ARTICLE I\nDEFINITIONS\n1.1 Terms in capitals have the meanings below.\n"
        "ARTICLE II\nThe Customer pays monthly.\n"
    )
    first, second = contract.articles
    assert (first.number, first.title, first.text) == (
        1,
        "DEFINITIONS",
        "Terms in capitals have the meanings below.",
    )
    assert (second.number, second.title, second.text) == (2, "", "The Customer pays monthly.")


def test_inserted_articles_are_branches_as_japanese_translations_and_latin_ordinals_number_them():
    contract = parse(
        "Article 4 (Fees)\nMonthly.\nArticle 4-2 (Discounts)\nYearly plans cost less.\n"
        "Article 4ter (Credits)\nCredits expire.\nArticle 5 (Payment)\nIn advance.\n"
        "Article 5 bis (Late Payment)\nInterest accrues.\n"
    )
    assert list(by_number(contract)) == [(4, 0), (4, 2), (4, 3), (5, 0), (5, 2)]
    assert by_number(contract)[(4, 3)].title == "Credits"


def test_an_english_article_headed_twice_or_out_of_order_is_refused_in_its_own_numbering():
    with pytest.raises(KBError, match="Article 4-2 is headed twice"):
        parse("Article 4 (Fees)\nA.\nArticle 4-2 (Discounts)\nB.\nArticle 4bis (Credits)\nC.\n")
    with pytest.raises(KBError, match=r"Article 3 \(line 3\) comes after Article 5 \(line 1\)"):
        parse("Article 5 (Fees)\nA.\nArticle 3 (Scope)\nB.\n")


# --------------------------------------------------------------------------- paragraphs and items


def test_paragraphs_in_brackets_after_an_unnumbered_first_with_roman_items_and_lettered_subitems():
    [article] = parse(
        "Article 6 (Prohibited Acts)\n"
        "The Customer shall not store on the service:\n"
        "(i) malware;\n(ii) material that infringes rights, including:\n"
        "(a) copied software; and\n(b) leaked data;\n(iii) anything unlawful.\n"
        "(2) Heron Storage may remove such material.\n"
    ).articles
    first, second = article.paragraphs
    assert (first.number, first.label) == (1, "")
    assert [i.label for i in first.items] == ["(i)", "(ii)", "(a)", "(b)", "(iii)"]
    assert (second.number, second.label, second.text) == (2, "(2)", "Heron Storage may remove such material.")


def test_lettered_items_go_on_past_h_and_roman_ones_start_again_under_each_letter():
    letters = "abcdefghij"
    lines = "".join(f"({ch}) case {ch};\n" for ch in letters)
    [article] = parse(f"Article 2 (Definitions)\n1. In these Terms:\n{lines}").articles
    assert [i.label for i in article.paragraphs[0].items] == [f"({ch})" for ch in letters]
    [article] = parse(
        "Article 9 (Suspension)\n1. Heron Storage may suspend the service:\n"
        "(a) on non-payment, where:\n(i) a reminder was sent; and\n(ii) 14 days passed;\n"
        "(b) on abuse, where:\n(i) it is reported; or\n(ii) it is detected.\n"
    ).articles
    assert [i.label for i in article.paragraphs[0].items] == ["(a)", "(i)", "(ii)", "(b)", "(i)", "(ii)"]


def test_numbers_in_brackets_are_items_under_paragraphs_numbered_with_a_full_stop():
    [article] = parse(
        "Article 3 – Termination\n1. Either party may terminate:\n(1) on notice; or\n(2) on breach.\n"
        "2. Termination takes effect at the end of the month.\n"
    ).articles
    first, second = article.paragraphs
    assert [(i.label, i.text) for i in first.items] == [("(1)", "on notice; or"), ("(2)", "on breach.")]
    assert second.label == "2."
    assert article.text.splitlines() == [
        "1. Either party may terminate:",
        "  (1) on notice; or",
        "  (2) on breach.",
        "2. Termination takes effect at the end of the month.",
    ]


def test_decimal_paragraphs_carry_the_articles_number_and_a_wrapped_reference_does_not_start_one():
    [article] = parse(
        "Article 12 (Retention)\n12.1 Backups are kept for 30 days, or as\n3.1 of the order form says.\n"
        "12.2 Logs are kept for a year.\n"
    ).articles
    assert [(p.label, p.text) for p in article.paragraphs] == [
        ("12.1", "Backups are kept for 30 days, or as 3.1 of the order form says."),
        ("12.2", "Logs are kept for a year."),
    ]


def test_hard_wrapped_english_joins_with_a_space():
    [article] = parse("Article 2 (Scope)\nThese Terms apply to every\nplan and every region.\n").articles
    assert article.text == "These Terms apply to every plan and every region."


# --------------------------------------------------------------------------- chapters and ends


def test_parts_chapters_and_sections_group_articles_and_a_reference_to_a_section_does_not():
    contract = parse(
        "# Heron Storage Terms\n\nPART I – GENERAL\n\nChapter 1 General Provisions\n\n"
        "Article 1 (Purpose)\nSection 2.3 of the price list applies.\n\n"
        "CHAPTER II – FEES\n\nSection 1 Monthly Fees\n\nArticle 2 (Fees)\nMonthly.\n"
    )
    first, second = contract.articles
    assert first.chapter == "Chapter 1 General Provisions"
    assert first.text == "Section 2.3 of the price list applies."
    assert second.chapter == "Section 1 Monthly Fees"


@pytest.mark.parametrize(
    "end",
    [
        "Supplementary Provisions",
        "SUPPLEMENTARY PROVISIONS",
        "Schedule 1 – Service Levels",
        "Appendix",
        "Appendix A: Price List",
        "Annex II",
        "## Schedule of Fees",
    ],
)
def test_supplementary_provisions_schedules_and_appendices_end_the_articles(end):
    contract = parse(
        f"Article 1 (Purpose)\nThese Terms govern Heron Storage.\n\n{end}\n\n"
        "Article 1 (Effective Date)\nThese Terms take effect on 1 May 2025.\n"
    )
    [article] = contract.articles
    assert article.text == "These Terms govern Heron Storage."
    assert "take effect on 1 May 2025" in contract.supplementary


def test_a_sentence_naming_a_schedule_does_not_end_the_articles_nor_a_heading_of_another_word():
    contract = parse(
        "Article 1 (Fees)\nThe fees are those in\nSchedule 1 as amended from time to time.\n"
        "Schedule 2 sets out the discounts.\n\n## Scheduled Maintenance\n\n"
        "Article 2 (Maintenance)\nMaintenance is announced a week ahead.\n"
    )
    first, second = contract.articles
    assert first.text == (
        "The fees are those in Schedule 1 as amended from time to time. Schedule 2 sets out the discounts."
    )
    assert second.chapter == "Scheduled Maintenance" and contract.supplementary == ""


# --------------------------------------------------------------------------- cover and formats


@pytest.mark.parametrize(
    "date", ["Effective March 1, 2025", "Effective 1 March 2025", "Revised 1st Mar. 2025"]
)
def test_the_cover_gives_title_publisher_version_and_an_english_date(date):
    contract = parse(
        f"# Heron Storage Terms of Service\n\nHeron Storage Ltd.\n\nVersion 2.1\n\n{date}\n\n"
        "Article 1 (Purpose)\nThese Terms govern Heron Storage.\n"
    )
    assert contract.title == "Heron Storage Terms of Service"
    assert contract.publisher == "Heron Storage Ltd."
    assert contract.version == "2.1"
    assert contract.effective == "2025-03-01"


def test_docx_with_english_headings_and_word_numbered_paragraphs():
    import docx

    document = docx.Document()
    document.add_heading("Heron Storage Terms of Service", level=1)
    document.add_heading("Article 1 (Purpose)", level=2)
    document.add_paragraph("These Terms govern the use of Heron Storage.")
    document.add_heading("ARTICLE 2 – DATA LOCATION", level=2)
    document.add_paragraph("Data stays in the region the Customer chose.", style="List Number")
    document.add_paragraph("Backups stay in the same country.", style="List Number")
    buffer = io.BytesIO()
    document.save(buffer)
    contract = parse_contract(buffer.getvalue(), "terms.docx")
    assert contract.title == "Heron Storage Terms of Service"
    first, second = contract.articles
    assert (first.number, first.title) == (1, "Purpose")
    assert (second.number, second.title) == (2, "DATA LOCATION")
    assert [(p.label, p.text) for p in second.paragraphs] == [
        ("1.", "Data stays in the region the Customer chose."),
        ("2.", "Backups stay in the same country."),
    ]


def test_a_contract_is_read_in_the_language_of_its_first_article():
    # A bilingual contract: each Japanese article followed by its English edition.
    japanese_first = parse(
        "第1条（目的）\nこの規約はヘロン ストレージの利用条件を定めます。\n"
        "Article 1 (Purpose)\nThese Terms govern the use of Heron Storage.\n"
        "第2条（料金）\n月額制です。\nArticle 2 (Fees)\nFees are monthly.\n"
    )
    assert [(a.number, a.title) for a in japanese_first.articles] == [(1, "目的"), (2, "料金")]
    assert "These Terms govern" in japanese_first.articles[0].text
    english_first = parse(
        "Article 1 (Purpose)\nThese Terms govern the use of Heron Storage.\n"
        "第1条（目的）\nこの規約はヘロン ストレージの利用条件を定めます。\n"
    )
    assert [(a.number, a.title) for a in english_first.articles] == [(1, "Purpose")]


def test_a_japanese_contract_ignores_english_structure_words():
    contract = parse(
        "第1条（目的）\nこの規約を適用します。\nSchedule 1\nChapter 2 Fees\n第2条（料金）\n月額制です。\n"
    )
    assert [a.number for a in contract.articles] == [1, 2]
    assert contract.supplementary == "" and contract.articles[1].chapter == ""


def test_a_file_without_articles_is_refused_naming_english_headings_too(lang):
    with pytest.raises(KBError) as exc:
        parse("Heron Storage keeps your files safe.\n", "notes.md")
    message = str(exc.value)
    assert "Article 1 (Purpose)" in message and "\n" not in message
    if lang == "ja":
        assert message == (
            "契約書ではありません: notes.md に条がありません"
            "（第1条（目的）、第 1 条 (目的)、Article 1 (Purpose) のような見出し）"
        )
    else:
        assert message == (
            "not a contract: notes.md has no articles (headings such as 第1条（目的）, 第 1 条 (目的) or Article 1 (Purpose))"
        )


_LINES = [
    "Article 1 (Purpose)",
    "ARTICLE 2 – DATA LOCATION",
    "Article 2-2. Backups",
    "Article 3bis",
    "Article XL: Fees",
    "Article 5 applies to refunds.",
    "Article 5(2)",
    "(Purpose)",
    "Chapter 2 Fees",
    "PART I",
    "Schedule 1 – Service Levels",
    "Supplementary Provisions",
    "1. Heron Storage keeps backups.",
    "(1) The Customer may object.",
    "12.1 Logs are kept for a year.",
    "(a) on notice;",
    "(i) in writing;",
    "ii) by email;",
    "- in any region",
    "Effective March 1, 2025",
    "第1条（目的）",
    "",
]


@fuzz
@given(
    lines=st.lists(st.sampled_from(_LINES), max_size=25), codec=st.sampled_from(["utf-8", "cp932", "utf-16"])
)
def test_english_contract_like_text_gives_a_contract_or_one_kb_error(lines, codec):
    try:
        contract = parse_contract("\n".join(lines).encode(codec, "replace"), "terms.txt")
    except KBError as exc:
        assert "\n" not in str(exc)
    else:
        keys = [(a.number, a.branch) for a in contract.articles]
        assert keys == sorted(set(keys))


# --------------------------------------------------------------------------- the demo's English terms


def test_the_demo_english_terms_have_the_articles_of_the_japanese_ones_and_each_title_the_whitepaper_cites():
    english = parse_contract((DEMO / "sample_contract_en.md").read_bytes(), "sample_contract_en.md")
    japanese = parse_contract((DEMO / "sample_contract.md").read_bytes(), "sample_contract.md")
    assert english.title == "Minato Cloud Terms of Service"
    assert english.effective == japanese.effective == "2025-04-01"
    assert [(a.number, len(a.paragraphs)) for a in english.articles] == [
        (a.number, len(a.paragraphs)) for a in japanese.articles
    ]
    assert english.supplementary.startswith("Supplementary Provisions")
    whitepaper = parse_whitepaper((DEMO / "sample_whitepaper_en.md").read_bytes(), "wp_en.md", lang="en")
    cited = {(r.document, r.article, r.title) for s in whitepaper.sections for r in s.clause_refs}
    assert {document for document, _, _ in cited} == {"Minato Cloud Terms of Service"}
    titles = {a.number: title_key(a.title) for a in english.articles}
    assert {(n, title_key(t)) for _, n, t in cited} <= set(titles.items())


def test_the_demo_kb_checks_every_citation_of_both_editions(tmp_path):
    db = str(tmp_path / "kb.db")
    for args in (
        ["import", "whitepaper", str(DEMO / "sample_whitepaper.md")],
        ["import", "whitepaper", str(DEMO / "sample_whitepaper_en.md"), "--lang", "en"],
        ["import", "clauses", str(DEMO / "sample_contract.md")],
        ["import", "clauses", str(DEMO / "sample_contract_en.md")],
    ):
        result = CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    assert "Minato Cloud Terms of Service version 1, effective 2025-04-01: 27 articles" in result.output
    checked = CliRunner().invoke(cli, ["--db", db, "check", "refs"], catch_exceptions=False)
    assert checked.exit_code == 0, checked.output
    assert "30 clause references checked" in checked.output
