"""The command line speaks Japanese or English (kb.i18n, kb.cli.translation): help, usage errors,
errors, in the language of KB_LANG or the locale."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.cli.root import first_sentence
from kb.cli.translation import cells, fold
from tests.paths import ROOT

KB = [sys.executable, "-m", "kb.cli"]


def kb(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`kb ARGS` in a fresh process (help texts are translated when the commands are built),
    with the locale variables of ``env`` only."""
    clean = {k: v for k, v in os.environ.items() if k not in ("KB_LANG", "LC_ALL", "LC_MESSAGES", "LANG")}
    return subprocess.run(
        [*KB, *args], env={**clean, "COLUMNS": "80", **env}, capture_output=True, text=True, cwd=ROOT
    )


def test_help_is_japanese_under_a_japanese_locale():
    out = kb("--help", LANG="ja_JP.UTF-8").stdout
    assert out.startswith("使い方: kb [OPTIONS] COMMAND [ARGS]...")
    assert "自社の監査証跡からセキュリティチェックシートに回答します。" in out
    assert "オプション:" in out and "コマンド:" in out
    assert "このメッセージを表示して終了します。" in out
    assert "顧客のチェックシートにKBから回答し" in out  # kb fill's summary
    assert "Show this message" not in out and "Options:" not in out


def test_help_is_english_otherwise():
    for env in ({"LANG": "C.UTF-8"}, {"LANG": "ja_JP.UTF-8", "KB_LANG": "en"}, {}):
        out = kb("--help", **env).stdout
        assert out.startswith("Usage: kb [OPTIONS] COMMAND [ARGS]..."), env
        assert "answer security questionnaires from your own audit evidence" in out


def test_japanese_help_fits_the_terminal():
    out = kb("fill", "--help", KB_LANG="ja").stdout
    assert "書き出す記入済みブック" in out
    wide = [line for line in out.splitlines() if cells(line) > 80]
    assert wide == []


def test_a_translator_adds_a_language_with_a_po_file_only(tmp_path):
    messages = tmp_path / "eo" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "kb.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: eo\\n"\n\n'
        'msgid "Usage:"\nmsgstr "Uzado:"\n\n'
        'msgid "Knowledge base file (env KB_DB)."\nmsgstr "Dosiero de la sciobazo (env KB_DB)."\n\n'
        'msgid "kb: error: {message}"\nmsgstr "kb: eraro: {message}"\n',
        encoding="utf-8",
    )
    out = kb("--help", LANG="eo.UTF-8", KB_LOCALE_DIR=str(tmp_path)).stdout
    assert out.startswith("Uzado: kb")
    assert "Dosiero de la sciobazo (env KB_DB)." in out
    assert "Show this message and exit." in out  # not translated: English
    err = kb(
        "--db", str(tmp_path / "none.db"), "show", "6.1.3", KB_LANG="eo", KB_LOCALE_DIR=str(tmp_path)
    ).stderr
    assert err.startswith("kb: eraro: no knowledge base at")


USAGE = {
    "en": [
        (["--frob"], "kb: error: No such option '--frob'. Did you mean '--db'? (see 'kb -h')"),
        (["search"], "kb: error: Missing argument 'QUERY' (see 'kb search -h')"),
        (["search", "--kind", "zzz", "q"], "kb: error: Invalid value for '--kind': 'zzz' is not one of"),
    ],
    "ja": [
        (
            ["--frob"],
            "kb: エラー: オプション '--frob' はありません。 '--db' のことですか？（'kb -h' を参照）",
        ),
        (["search"], "kb: エラー: 引数がありません 'QUERY'（'kb search -h' を参照）"),
        (["search", "--kind", "zzz", "q"], "kb: エラー: '--kind' の値が正しくありません: 'zzz' は"),
    ],
}


@pytest.mark.parametrize("case", range(3))
def test_usage_errors_are_one_line_in_the_language(tmp_path, lang, case):
    args, message = USAGE[lang][case]
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "kb.db"), *args], prog_name="kb")
    assert result.exit_code == 2
    assert result.output.startswith(message), result.output
    assert len(result.output.strip().splitlines()) == 1


def test_errors_are_in_the_language(tmp_path, lang):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "show", "6.1.3"], prog_name="kb")
    assert result.exit_code == 2
    expected = {"en": "kb: error: no knowledge base at ", "ja": "kb: エラー: "}[lang]
    assert result.output.startswith(expected)
    assert ("にナレッジベースがありません" in result.output) == (lang == "ja")


def test_a_japanese_summary_ends_at_its_first_full_stop_outside_brackets():
    assert first_sentence("情報（名前、本社。言語ごと）。kb fill は…。") == "情報（名前、本社。言語ごと）。"
    assert first_sentence("Answer QUESTION. More.") == "Answer QUESTION. More."


def test_japanese_folds_by_cells_and_no_line_starts_with_closing_punctuation():
    text = "変更する人。監査ログに記録します（kb log。環境変数 KB_ACTOR）。既定: OSのユーザー。"
    lines = fold(text, 62)
    assert lines == ["変更する人。監査ログに記録します（kb log。環境変数", "KB_ACTOR）。既定: OSのユーザー。"]
    narrow = fold(text, 20, ">>", "  ")
    assert all(cells(line) <= 20 for line in narrow)
    assert not any(line.strip()[:1] in "、。）" for line in narrow)
    assert "".join(line[2:] for line in narrow).replace(" ", "") == text.replace(" ", "")


def test_the_fill_summary_speaks_the_users_language(capsys, lang):
    from kb.cli import render
    from tests.builders import make_fill_report

    render.render_fill_summary(make_fill_report().with_review("out/review.html", 2))
    lines = capsys.readouterr().out.splitlines()
    words = {
        "en": (
            "status",
            "needs review",
            "2 cells written in チェックシート",
            "review list (2 rows): out/review.html",
        ),
        "ja": (
            "状態",
            "要確認",
            "チェックシート に 2 セルを書き込みました",
            "確認リスト（2 行）: out/review.html",
        ),
    }[lang]
    assert lines[1].split()[0] == words[0]
    assert words[1] in lines[4]
    assert lines[9].startswith(words[2]) and lines[10] == words[3]
    # the counts line up: each count ends in the same terminal column
    assert len({cells(line) for line in lines[1:9]}) == 1


def test_the_apply_summary_speaks_the_users_language(capsys, lang):
    from types import SimpleNamespace

    from kb.cli.render_apply import render_apply

    plan = SimpleNamespace(
        counts={"accept": 2, "option": 1, "custom": 0}, writes=[1, 2, 3], skipped=1, undecided=4
    )
    recorded = SimpleNamespace(status="recorded", answers=3, classification="public")
    decisions = SimpleNamespace(approved=False, decided_by="Sato")
    render_apply(Path("r.xlsx"), Path("final.xlsx"), plan, 5, ["sheet1.xml"], recorded, decisions)
    out = capsys.readouterr().out.splitlines()
    expected = {
        "en": [
            "  3 decisions written (2 suggestions accepted, 1 options chosen); 1 skipped, 4 undecided",
            "  answer library: 3 answers recorded as drafts (approve with --approve --owner NAME) by Sato"
            " (classification public)",
        ],
        "ja": [
            "  判断を 3 件書き込みました（候補の採用 2 件、選択肢の指定 1 件）。スキップ 1 件、未判断 4 件",
            "  回答ライブラリ: 3 件の回答を下書き（--approve --owner NAME で承認）として記録しました"
            "（判断者: Sato）（区分 public）",
        ],
    }[lang]
    assert [out[1], out[3]] == expected


def test_kb_answer_speaks_the_users_language_and_quotes_sources_in_theirs(capsys, lang, monkeypatch):
    from kb.answer import Answer
    from kb.cli import render
    from tests.builders import make_source

    monkeypatch.setenv("COLUMNS", "120")
    source = make_source(
        "6.1.3", "6.1.3 所在地", "日本国内にのみ保存します。", 0.91, ["ホワイトペーパー 6.1.3"]
    )
    render.render_answer(Answer("データは国内ですか。", "answered", 0.91, "yes", [source]))
    out = capsys.readouterr().out
    status = {"en": "answered · confidence 0.91 · yes", "ja": "自動回答 · 確信度 0.91 · はい"}[lang]
    assert status in out
    assert "出典: ホワイトペーパー 6.1.3" in out  # the source's own language, whatever the user's
