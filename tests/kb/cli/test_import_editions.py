"""`kb import whitepaper --lang`, `kb show` and `kb answer` with the demo's two editions."""

from __future__ import annotations

from click.testing import CliRunner

from kb.cli import cli
from tests.builders import KESTREL_JA
from tests.paths import DEMO


def run(*args, db):
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def test_the_language_is_read_from_the_headings_and_printed(tmp_path):
    db = tmp_path / "kb.db"
    ja = run("import", "whitepaper", str(DEMO / "sample_whitepaper.md"), db=db)
    assert ja.exit_code == 0, ja.output
    assert "language ja (read from the headings; --lang to set it)" in ja.stdout
    en = run("import", "whitepaper", str(DEMO / "sample_whitepaper_en.md"), db=db)
    assert en.exit_code == 0, en.output
    assert (
        "language en (read from the headings; --lang to set it); "
        "35 of 35 controls linked to their edition in another language"
    ) in en.stdout


def test_lang_given_wins_and_an_unknown_one_is_refused(tmp_path):
    db = tmp_path / "kb.db"
    paper = tmp_path / "kestrel.md"
    paper.write_text(KESTREL_JA, encoding="utf-8")
    res = run("import", "whitepaper", str(paper), "--lang", "ja", db=db)
    assert res.exit_code == 0 and "language ja (given)" in res.stdout
    bad = CliRunner().invoke(cli, ["--db", str(db), "import", "whitepaper", str(paper), "--lang", "fr"])
    assert bad.exit_code == 2 and "'fr' is not one of 'ja', 'en'" in bad.output


def test_show_and_answer_with_both_editions(tmp_path):
    db = tmp_path / "kb.db"
    run("import", "whitepaper", str(DEMO / "sample_whitepaper.md"), db=db)
    run("import", "whitepaper", str(DEMO / "sample_whitepaper_en.md"), "--lang", "en", db=db)
    shown = run("show", "6.1.3", db=db).stdout
    assert shown.index("6.1.3 関係当局との連絡") < shown.index("6.1.3 Contact with authorities")
    assert "約款: ミナトクラウド サービス利用約款 第12条（データの保管場所）" in shown
    assert "Terms: Minato Cloud Terms of Service, Article 12 (Data Storage Location)" in shown
    assert "First edition" in shown and "初版" in shown

    english = run("answer", "Where are your data centers located?", db=db).stdout
    assert "6.1.3 Contact with authorities (response" in english
    assert "Source: Minato Cloud Terms of Service, Article 12 (Data Storage Location)" in english
    japanese = run("answer", "データセンターはどの国にありますか。", db=db).stdout
    assert "出典: ミナトクラウド サービス利用約款 第12条（データの保管場所）" in japanese
    assert "Minato Cloud" not in japanese
