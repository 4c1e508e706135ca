"""What kb eval, inspect, ledger, log, backup, restore, publish, serve, export, import json,
reindex, profile and glossary print, in the user's language (KB_LANG): Japanese words under
ja, the English unchanged under en, and Japanese tables that fit 80 columns."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from kb.cli import cli, render
from kb.cli.translation import cells
from tests.builders import build_demo_db, make_eval_report
from tests.paths import DEMO
from tests.terminal import table_row

CUSTOMER = "架空商事"
EDITED = "9.4.1"  # a control the fill below sends, changed afterwards: the customer holds an older text

# Our own questions about the demo KB (demo/sample_whitepaper.md), labelled for kb eval.
QUESTIONS = [
    {"id": "e1", "lang": "ja", "question": "仮想ディスクは暗号化して保存していますか。", "gold": ["10.1.1"]},
    {"id": "e2", "lang": "ja", "question": "社員旅行の行き先はどこですか。", "gold": [], "stance": None},
    {"id": "e3", "lang": "en", "question": "Are old disks shredded before disposal?", "gold": ["11.2.7"]},
]


def kb(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), *args], prog_name="kb", catch_exceptions=False)


def fits(out: str, width: int = 80) -> bool:
    return all(cells(line) <= width for line in out.splitlines())


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """The demo KB with an evidence file, a fill sent to CUSTOMER, and EDITED changed since."""
    folder = tmp_path_factory.mktemp("history")
    build_demo_db(folder).close()
    db = folder / "kb.db"
    record = folder / "点検記録.txt"
    record.write_text("空調設備の点検記録: 異常なし。", encoding="utf-8")
    assert (
        kb(db, "evidence", "add", str(record), "--control", "12.3.1", "--classification", "public").exit_code
        == 0
    )
    filled = folder / "filled.xlsx"
    res = kb(db, "fill", str(DEMO / "sample_checksheet.xlsx"), "-o", str(filled), "--customer", CUSTOMER)
    assert res.exit_code == 0, res.output
    new_text = "管理コンソールにログインできるのは、契約者アカウントとそのサブユーザーだけです。"
    assert kb(db, "edit", EDITED, "--document", "sample_whitepaper.md", "--text", new_text).exit_code == 0
    assert kb(db, "approve", EDITED, "--document", "sample_whitepaper.md").exit_code == 0
    return db


@pytest.fixture
def kb_copy(history, tmp_path):
    """A copy of ``history`` (with its vault) that a test may change."""
    shutil.copy(history, tmp_path / "kb.db")
    shutil.copytree(history.parent / "kb.db.vault", tmp_path / "kb.db.vault")
    return tmp_path / "kb.db"


# --- kb eval --------------------------------------------------------------------------


def test_the_eval_tables_speak_the_users_language(capsys, monkeypatch, lang):
    from kb.cli.render_calibration import render_by_language, render_calibration

    monkeypatch.setenv("COLUMNS", "80")
    report = make_eval_report()
    render.render_eval(report.metrics(), report.failures())
    render_by_language(report.by_language())
    render_calibration(report.calibration())
    out = capsys.readouterr().out
    assert fits(out)
    if lang == "en":
        assert table_row(out, "metric") == ["metric", "value"]
        assert table_row(out, "top1") == ["top1", "66.7%"]
        assert table_row(out, "3") == ["3", "株価は。", "[]", "5.1.1", "answered", "0.60", "None/None"]
        assert "by language" in out and "en: by confidence band (threshold 0.50, safe none)" in out
        assert table_row(out, "confidence")[:3] == ["confidence", "questions", "gated"]
        return
    assert table_row(out, "指標") == ["指標", "値"]
    assert table_row(out, "1位が正解") == ["1位が正解", "66.7%"]
    assert table_row(out, "自動回答の正答率") == ["自動回答の正答率", "66.7%"]
    assert table_row(out, "はい・いいえの正答率") == ["はい・いいえの正答率", "50.0%"]
    assert "外れた質問" in out
    assert table_row(out, "3") == ["3", "株価は。", "[]", "5.1.1", "自動回答", "0.60", "なし/なし"]
    assert table_row(out, "2")[4] == "要確認"
    assert "言語別" in out and "en: 確信度の帯ごと（しきい値 0.50、安全なしきい値 なし）" in out
    assert table_row(out, "確信度") == [
        "確信度",
        "質問数",
        "範囲外",
        "回答不能",
        "正答",
        "正答率",
        "カバー率",
    ]
    assert not re.search(r"\b(metric|top1|auto_precision|misses|confidence|coverage)\b", out)


def test_every_metric_has_a_label_and_english_is_the_json_key(monkeypatch):
    from dataclasses import fields

    from kb.evaluate import Metrics, metric_label

    keys = [f.name for f in fields(Metrics)]
    assert [metric_label(k) for k in keys] == keys  # English: as --json names them
    monkeypatch.setenv("KB_LANG", "ja")
    labels = [metric_label(k) for k in keys]
    assert len(set(labels)) == len(keys) and not set(labels) & set(keys)


def test_kb_eval_on_our_own_questions(history, tmp_path, monkeypatch, lang):
    monkeypatch.setenv("COLUMNS", "80")
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in QUESTIONS), encoding="utf-8")
    res = kb(history, "eval", str(questions))
    assert res.exit_code == 0, res.output
    assert fits(res.stdout)
    if lang == "en":
        assert table_row(res.stdout, "questions") == ["questions", "3"]
        assert "by language" in res.stdout and "en: by confidence band" in res.stdout
    else:
        assert table_row(res.stdout, "質問数") == ["質問数", "3"]
        assert table_row(res.stdout, "回答可能な質問") == ["回答可能な質問", "2"]
        assert "言語別" in res.stdout and "en: 確信度の帯ごと" in res.stdout


# --- kb inspect -----------------------------------------------------------------------


def test_inspect_speaks_the_users_language(capsys, lang):
    from importers.checksheet import inspect_report, read_checksheet

    sheet = DEMO / "sample_checksheet.xlsx"
    render.render_inspect(str(sheet), inspect_report(read_checksheet(sheet)))
    # Plain labelled lines like the fill summary's, not a rich table (issue 17), options whole.
    expected = {
        "en": [
            str(sheet),
            "  sheet       チェックシート",
            "  header row  4",
            "  columns     number=A, question=B, answer=C, comment=D",
            "  options     はい/いいえ/該当なし",
            "  questions   27",
        ],
        "ja": [
            str(sheet),
            "  シート    チェックシート",
            "  見出し行  4",
            "  列        番号=A、質問=B、回答=C、回答文=D",
            "  選択肢    はい/いいえ/該当なし",
            "  質問数    27",
        ],
    }[lang]
    assert capsys.readouterr().out.splitlines() == expected


def test_inspect_aligns_japanese_labels_by_terminal_cells(capsys, monkeypatch):
    from importers.checksheet import SheetReport

    monkeypatch.setenv("KB_LANG", "ja")
    table = SheetReport("A", 1, {"question": "B"}, questions=3, with_options=0, answered=0, option_lists=())
    render.render_inspect("x.xlsx", [table])
    lines = capsys.readouterr().out.splitlines()[1:]
    values = ["A", "1", "質問=B", "-", "3"]
    assert [line.split()[-1] for line in lines] == values
    # each value starts in the same terminal column: two spaces, the widest label (見出し行), two more
    assert {cells(line[: line.rindex(value)]) for line, value in zip(lines, values, strict=True)} == {12}


# --- kb ledger, kb ledger affected, kb log ---------------------------------------------


def test_the_ledger_says_what_wrote_each_sheet_in_the_users_language(history, lang):
    listed = kb(history, "ledger").stdout.splitlines()
    assert len(listed) == 1  # no header line: not at a terminal, the lines are piped
    fields = listed[0].split("\t")
    assert fields[2:5] == [{"en": "fill", "ja": "記入"}[lang], CUSTOMER, "-"]
    assert (
        fields[8] == {"en": "8 rows written, 8 from responses", "ja": "8 行を記入、うち回答書から 8 行"}[lang]
    )
    affected = kb(history, "ledger", "affected", EDITED).stdout.splitlines()
    assert len(affected) == 1
    customer, _date, fill, output, cell, sent = affected[0].split("\t")
    assert (customer, fill, output, cell) == (
        CUSTOMER,
        {"en": "fill 1", "ja": "記入 1"}[lang],
        "filled.xlsx",
        "チェックシート!20",
    )
    assert re.fullmatch(
        {"en": r"sent \w{12}, approved now \w{12}", "ja": r"送付 \w{12}、現在の承認済み \w{12}"}[lang], sent
    )


def test_at_a_terminal_a_first_line_names_the_columns(history, monkeypatch, lang):
    from kb.cli import ledgering

    monkeypatch.setattr(ledgering, "_at_terminal", lambda: True)
    heads = {
        ("ledger",): {
            "en": "id\tdate\twritten by\tcustomer\tservice\taudience\toutput\tsha256\trows\tactor",
            "ja": "番号\t日付\t種類\t顧客\tサービス\t開示先\t出力\tsha256\t行\t実行者",
        },
        ("ledger", "affected", EDITED): {
            "en": "customer\tdate\twritten by\toutput\tsheet!row\ttext sent, and now",
            "ja": "顧客\t日付\t種類\t出力\tシート!行\t送った回答文と現在",
        },
        ("log",): {
            "en": "id\ttime (UTC)\tactor\taction\ttarget\tbefore -> after  detail",
            "ja": "番号\t日時（UTC）\t実行者\t操作\t対象\t変更前 -> 変更後  詳細",
        },
    }
    for args, head in heads.items():
        lines = kb(history, *args).stdout.splitlines()
        assert lines[0] == head[lang], args
        assert len(lines[0].split("\t")) == len(lines[1].split("\t"))
    # the audit log's entries are its record, as stored: only the header is translated
    assert "\tfill\tfill 1\t" in kb(history, "log").stdout


# --- backup, restore, publish, serve ---------------------------------------------------


def test_backup_and_restore_speak_the_users_language(kb_copy, tmp_path, lang):
    copy = tmp_path / "backups" / "copy.db"
    copy.parent.mkdir()
    backed = kb(kb_copy, "backup", str(copy)).stdout.splitlines()
    restored = kb(kb_copy, "restore", str(copy)).stdout.splitlines()
    assert (
        backed[1]
        == {
            "en": f"evidence files: 1 copied, 0 there already, in {copy}.vault",
            "ja": f"証跡ファイル: 1 件をコピー、0 件は既にありました（{copy}.vault）",
        }[lang]
    )
    assert (
        restored[0]
        == {
            "en": f"restored 1 documents from {copy} (schema version ",
            "ja": f"{copy} から文書 1 件を復元しました（スキーマの版 ",
        }[lang]
        + restored[0].rsplit(" ", 1)[-1]
    )


def test_a_restore_missing_evidence_says_so_in_the_users_language(kb_copy, tmp_path, lang):
    copy = tmp_path / "copy.db"
    assert kb(kb_copy, "backup", str(copy)).exit_code == 0
    shutil.rmtree(tmp_path / "copy.db.vault")
    shutil.rmtree(tmp_path / "kb.db.vault")
    res = kb(kb_copy, "restore", str(copy))
    assert res.exit_code == 0
    assert res.stderr.startswith(
        {
            "en": "1 evidence files are in neither vault (e.g. ",
            "ja": "証跡ファイル 1 件がどちらの保管庫にもありません（例: ",
        }[lang]
    )


def test_publish_and_serve_speak_the_users_language(history, tmp_path, monkeypatch, lang):
    from kb.cli import serving

    out = tmp_path / "public.db"
    said = kb(history, "publish", "-o", str(out)).stdout.strip()
    assert said.startswith(
        {
            "en": f"{out}: copy for audience public: ",
            "ja": f"{out}: 開示先 public 向けのコピーを書き出しました。検索できる行 ",
        }[lang]
    )
    assert said.endswith(
        {"en": ", 1 evidence files beside it", "ja": "。証跡ファイル 1 件を隣に置きました"}[lang]
    )
    monkeypatch.setattr(serving, "run_datasette", lambda copy, **kwargs: None)
    served = kb(history, "serve", "--port", "8123").stdout.strip()
    assert re.fullmatch(
        {
            "en": r"serving the copy for audience public \(\d+ searchable rows\) at http://127\.0\.0\.1:8123/",
            "ja": r"開示先 public 向けのコピーを http://127\.0\.0\.1:8123/ で表示しています（検索できる行 \d+ 件）",
        }[lang],
        served,
    )


# --- export and import json, export whitepaper, reindex ---------------------------------


def test_export_and_import_speak_the_users_language(history, tmp_path, lang):
    exported = tmp_path / "kb.json"
    assert kb(history, "export", "json", "--audience", "internal", "-o", str(exported)).exit_code == 0
    res = kb(tmp_path / "new.db", "import", "json", str(exported))
    assert res.exit_code == 0, res.output
    assert re.fullmatch(
        {
            "en": rf"{re.escape(str(exported))}: restored \d+ rows into \d+ tables \(exported for internal\);"
            r" search indexes rebuilt",
            "ja": rf"{re.escape(str(exported))}: \d+ 個の表に \d+ 行を復元しました（開示先 internal 向けの書き出し）。"
            r"検索索引を作り直しました",
        }[lang],
        res.stdout.strip(),
    )
    assert res.stderr.startswith(
        {"en": "1 of 1 evidence files are listed but not in ", "ja": "証跡ファイル 1 件のうち 1 件が "}[lang]
    )
    paper = tmp_path / "wp.md"
    said = kb(history, "export", "whitepaper", "-o", str(paper)).stderr.strip()
    assert said.endswith(
        {
            "en": "(ja, md) — 35 control responses, 7 general sections, 4 revisions",
            "ja": "（ja、md）— 管理策の回答 35 件、一般の節 7 件、改訂 4 件",
        }[lang]
    )


def test_reindex_speaks_the_users_language(kb_copy, lang):
    said = kb(kb_copy, "reindex").stdout.strip()
    assert re.fullmatch(
        {"en": r"reindexed \d+ chunks", "ja": r"チャンク \d+ 件を索引し直しました"}[lang], said
    )


# --- profile, glossary -------------------------------------------------------------------


def test_profile_speaks_the_users_language(kb_copy, lang):
    said = [
        kb(kb_copy, "profile", "set", "provider_name", "架空クラウド株式会社", "--lang", "ja").stdout,
        kb(kb_copy, "profile", "unset", "provider_name").stdout,
        kb(kb_copy, "profile", "unset", "provider_name").stdout,
    ]
    assert (
        said
        == {
            "en": [
                "set provider_name (ja)\n",
                "removed 1 value of provider_name\n",
                "removed 0 values of provider_name\n",
            ],
            "ja": [
                "provider_name（ja）を設定しました\n",
                "provider_name の値を 1 件削除しました\n",
                "provider_name の値を 0 件削除しました\n",
            ],
        }[lang]
    )


def test_glossary_list_says_when_there_are_no_groups_of_your_own(kb_copy, lang):
    empty = kb(kb_copy, "glossary", "list")
    assert empty.stdout == ""  # what is piped stays the groups
    assert (
        empty.stderr
        == {
            "en": "no glossary groups of your own; kb glossary add TERM TERM... adds one,"
            " --shipped lists those shipped with kb\n",
            "ja": "独自の用語集グループはありません。kb glossary add 用語 用語... で追加できます。"
            "同梱のグループは --shipped で表示します\n",
        }[lang]
    )
    shipped = kb(kb_copy, "glossary", "list", "--shipped")
    assert (
        shipped.stdout.startswith("-\t")
        and shipped.stderr
        == {
            "en": "no glossary groups of your own; kb glossary add TERM TERM... adds one\n",
            "ja": "独自の用語集グループはありません。kb glossary add 用語 用語... で追加できます\n",
        }[lang]
    )
    assert kb(kb_copy, "glossary", "add", "点検記録", "保守記録").exit_code == 0
    own = kb(kb_copy, "glossary", "list")
    assert own.stdout == "1\t点検記録\t保守記録\n" and own.stderr == ""


# --- kb import whitepaper / checksheet ----------------------------------------------------


def test_a_new_version_of_a_whitepaper_is_said_once(kb_copy, tmp_path, lang):
    text = (DEMO / "sample_whitepaper.md").read_text(encoding="utf-8")
    changed = tmp_path / "wp2.md"
    changed.write_text(text.replace("年に 1 回見直しています", "年に 2 回見直しています"), encoding="utf-8")
    first = kb(kb_copy, "import", "whitepaper", str(changed)).stdout.splitlines()[0]
    assert first.startswith(
        {
            "en": f"{changed}: new version as document 2 — 35 control responses,",
            "ja": f"{changed}: 新しい版として取り込みました（文書 2）— 管理策の回答 35 件、",
        }[lang]
    )


def test_an_import_summary_says_what_was_done_once(capsys, lang):
    from kb.store import ImportResult

    render.render_qa_import(
        "answered.xlsx", ImportResult(4, "imported", sections=12), approved=True, as_filled=0
    )
    render.render_whitepaper_import(
        "wp.md", ImportResult(1, "imported", controls=3, sections=1), lang_given=True
    )
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines
        == {
            "en": [
                "answered.xlsx: imported as document 4 — 12 answered questions, approved",
                "wp.md: imported as document 1 — 3 control responses, 1 general sections, 0 clause references,"
                " 0 document references, 0 revisions",
                "wp.md: language ja (given)",
            ],
            "ja": [
                "answered.xlsx: 取り込みました（文書 4）— 回答済みの質問 12 件、承認済み",
                "wp.md: 取り込みました（文書 1）— 管理策の回答 3 件、一般の節 1 件、条項の参照 0 件、"
                "文書の参照 0 件、改訂 0 件",
                "wp.md: 言語 ja（指定どおり）",
            ],
        }[lang]
    )
