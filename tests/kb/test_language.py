from kb.language import majority_language, text_language


def test_kana_makes_a_text_japanese_whatever_else_it_holds():
    assert text_language("ISO/IEC 27001 の認証を取得していますか。") == "ja"
    assert text_language("Do you use AWS? はい") == "ja"


def test_a_kanji_heading_without_kana_is_japanese():
    assert text_language("暗号化方針") == "ja"


def test_a_kanji_name_inside_an_english_sentence_does_not_make_it_japanese():
    assert text_language("Is the data stored in the 東京 region of your provider?") == "en"


def test_latin_only_is_english_and_no_letters_is_no_language():
    assert text_language("Are backups tested regularly?") == "en"
    assert text_language("12.6.1") is None
    assert text_language("  —  ") is None


def test_a_sheet_takes_the_language_of_most_of_its_questions():
    questions = ["Do you encrypt data at rest?", "Is MFA enforced?", "利用者へ通知しますか。", "A.5.1"]
    assert majority_language(questions) == "en"
    assert (
        majority_language(
            ["データを暗号化していますか。", "CLD.9.5.1", "Is MFA enforced?", "ログを保存しますか。"]
        )
        == "ja"
    )


def test_no_letters_or_a_tie_falls_back_to_the_default():
    assert majority_language(["1", "2"]) == "ja"
    assert majority_language(["Is MFA enforced?", "ログを保存しますか。"], default="en") == "en"
