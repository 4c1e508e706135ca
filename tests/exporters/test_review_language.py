"""The review list and decision workbook speak the sheet's language only (labels and reasons);
the JSON report keeps its English reason and codes and adds the user's language."""

from __future__ import annotations

import re
from dataclasses import replace

import openpyxl

from exporters.fill_reasons import Reason, ReasonCode, no_edition
from exporters.review import columns, review_rows, write_review
from tests.builders import make_fill_report

ENGLISH_WORD = re.compile(r"[A-Za-z]{4,}")
STATUS, WHY = 4, 6


def in_language(lang: str):
    report = make_fill_report()
    return replace(report, summary=replace(report.summary, answer_lang=lang))


def test_a_japanese_sheets_review_list_says_nothing_in_english(tmp_path):
    path = tmp_path / "review.html"
    write_review(in_language("ja"), path)
    page = path.read_text(encoding="utf-8")
    assert "<html lang=ja>" in page and "<h1>確認リスト（4 件）</h1>" in page
    for row in review_rows(in_language("ja").rows, "ja"):
        assert not ENGLISH_WORD.search(f"{row[STATUS]} {row[WHY]}"), row  # 要確認（open question…）no more
    headers = re.findall(r"<th>(.*?)</th>", page)
    assert headers == list(columns("ja")) and not any(ENGLISH_WORD.search(h) for h in headers)


def test_an_english_sheets_review_list_is_english(tmp_path):
    path = tmp_path / "review.html"
    write_review(in_language("en"), path)
    page = path.read_text(encoding="utf-8")
    assert "<h1>Review list (4 rows)</h1>" in page
    assert (
        "<p>Answered automatically 1 · Needs review 1 · No suggestion 1 · Kept (already answered) 1</p>"
        in page
    )
    headers = re.findall(r"<th>(.*?)</th>", page)
    assert headers[:7] == ["Sheet", "Row", "No.", "Question", "Status", "Confidence", "Why"]
    labels = " ".join(f"{row[STATUS]} {row[WHY]}" for row in review_rows(in_language("en").rows, "en"))
    assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", labels)  # the questions are the sheet's own


def test_the_decision_workbooks_why_is_in_its_language(tmp_path):
    for lang, sheet, why in (("ja", "確認リスト", "理由"), ("en", "Review", "Why")):
        filled = tmp_path / f"filled_{lang}.xlsx"
        filled.write_bytes(b"bytes")
        path = tmp_path / f"review_{lang}.xlsx"
        write_review(in_language(lang), path, written_at=filled)
        ws = openpyxl.load_workbook(path)[sheet]
        header = [c.value for c in ws[1]]
        reasons = [ws.cell(r, header.index(why) + 1).value for r in range(2, 6)]
        if lang == "ja":
            assert reasons[3] == "記入済み" and not any(ENGLISH_WORD.search(r or "") for r in reasons)
        else:
            assert reasons[3] == "already answered"


def test_a_reason_is_english_in_the_report_and_translated_beside_it(monkeypatch):
    reason = no_edition("en", "6.1.3")
    assert reason.text == "no English version of 6.1.3"  # stable, whatever the user's language
    assert reason.text_in("ja") == "6.1.3 の英語版がありません"
    assert Reason.of(ReasonCode.KEPT).text_in("xx") == "already answered"  # no catalogue: English
    row = make_fill_report().rows[3]
    for lang, text in (("en", "already answered"), ("ja", "記入済み")):
        monkeypatch.setenv("KB_LANG", lang)
        out = row.to_json()
        assert (out["reason"], out["reason_codes"]) == ("already answered", ["kept"])
        assert (out["reason_lang"], out["reason_text"]) == (lang, text)


def test_the_decision_workbooks_labels_come_from_the_catalogue(tmp_path, monkeypatch):
    from exporters.decisions import LABELS, labels_in

    assert LABELS["ja"].accept.format(n=2) == "候補2を採用" and LABELS["en"].sheet == "Review"
    messages = tmp_path / "xx" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "kb.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: xx\\n"\n\nmsgid "Review"\nmsgstr "Revuo"\n\n'
        'msgid "Accept suggestion {n}"\nmsgstr "Akcepti proponon {n}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("KB_LOCALE_DIR", str(tmp_path))
    xx = labels_in("xx")  # a language added as a .po file: no code names it
    assert (xx.sheet, xx.accept, xx.skip) == ("Revuo", "Akcepti proponon {n}", "Skip")


def test_why_the_answering_core_held_a_row_is_said_again_in_the_sheets_language(tmp_path):
    # kb.answer's why is a kb.i18n.Message: English in the report, the sheet's language in its files.
    import pickle

    from kb.answer import answer
    from tests.builders import whitepaper_kb

    db = whitepaper_kb(
        tmp_path / "kb.db",
        "Gate whitepaper",
        [
            ("3.1.1", "情報のバックアップ", "バックアップは毎日取得し、別の拠点で保管しています。"),
            ("3.1.2", "利用者の教育", "全ての従業員に年1回の教育・訓練を実施しています。"),
            ("3.1.3", "保管場所", "お客様のデータは日本国内のデータセンターに保管します。"),
        ],
    )
    held = answer(db, "Are the backups encrypted?", auto_threshold=0.3)
    assert held.status == "needs_review" and held.why.startswith("the source does not cover: ")
    reason = Reason.of(ReasonCode.HELD_BY_ENGINE, why=held.why, confidence=held.confidence)
    assert reason.text.startswith("held for review: the source does not cover: ")
    japanese = reason.text_in("ja")
    assert japanese.startswith("確認のため保留: 出典が触れていない語: ") and "source" not in japanese
    assert pickle.loads(pickle.dumps(held.why)).in_language("ja") == held.why.in_language("ja")


def test_what_a_changed_question_was_answered_last_time_is_said_in_the_sheets_language():
    from exporters.previous import Match, PreviousRow, match_reason

    before = PreviousRow("Q", 4, "2", "Do you train staff every year?", "Yes", None)
    reason = match_reason(Match("changed", before, "same number"), "last.xlsx")
    assert reason.text.endswith("; answered “Yes”")
    assert reason.text_in("ja").endswith("、回答は「Yes」")
    blank = PreviousRow("Q", 4, "2", "Do you train staff every year?", None, None)
    unanswered = match_reason(Match("changed", blank, "same number"), "last.xlsx")
    assert unanswered.text_in("ja").endswith("、前回は未回答")


def test_what_was_withheld_is_said_in_the_sheets_language():
    # kb.withheld's line is counted in parts (plurals, a comparison): it renders itself per language.
    from kb.search import Hit
    from kb.withheld import count_withheld

    hits = [Hit(1, "response", 1, "9.9.9", "社外秘の見出し", "社外秘の本文", "internal", -1.0, coverage=0.7)]
    withheld = count_withheld("nda", hits, 0.25, translations=1)
    reason = Reason.of(ReasonCode.WITHHELD, what=withheld.describe(0.5))
    assert reason.text == (
        "withheld from audience nda: 1 matching source (internal 1), the best covering more of the"
        " question (0.70 > 0.50); 1 other-language edition"
    )
    japanese = reason.text_in("ja")
    assert japanese.startswith("開示先 nda には示さなかったもの: 一致した資料 1 件（internal 1。")
    assert japanese.endswith("、別の言語の版 1 件")
    assert not ENGLISH_WORD.search(japanese.replace("internal", "")) and "社外秘" not in japanese
