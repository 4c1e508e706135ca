"""importers.header_detection: which header labels name which column."""

from __future__ import annotations

import pytest

from importers.header_detection import classify_header_label, normalize_label


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("質問", "question"),
        ("確認項目", "question"),
        ("Question", "question"),
        ("回答", "answer"),
        ("CSP CAIQ Answer", "answer"),
        ("Vendor Answers", "answer"),
        ("回答内容・補足説明", "comment"),
        ("Additional Information", "comment"),
        ("CSP Implementation Description", "comment"),
        ("根拠資料", "reference"),
        ("Reference", "reference"),
        ("No.", "number"),
        ("項番", "number"),
        ("Question ID", "number"),
        ("Analyst Notes", None),
        ("Guidance", None),
        ("回答欄はプルダウンから選択してください。", None),
    ],
)
def test_header_words(label, role):
    found = classify_header_label(label)
    assert (found[0] if found else None) == role


def test_sentence_marks_are_never_header_labels():
    for label in ("回答？", "Answer?", "回答。", "Answer ?"):
        assert classify_header_label(label) is None


def test_labels_are_compared_normalised():
    assert normalize_label("  ＡＮＳＷＥＲ：\n ") == "answer"
    assert classify_header_label("ＡＮＳＷＥＲ：") == ("answer", 3)
    assert classify_header_label("Vendor Answers") == ("answer", 1)  # contains the word
