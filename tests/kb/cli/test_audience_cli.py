"""The command line's audiences and classifications: what each command defaults to and refuses."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kb import store
from kb.cli import cli
from kb.db import connect
from tests.builders import LEVEL_MARKERS, TOPICS, classified_whitepaper
from tests.workbooks import build_question_sheet

WHITEPAPER = """# テストクラウド ホワイトペーパー

## ISO/IEC 27017:2015 への対応

### 12.3.1 情報のバックアップ

バックアップは毎日取得し、三十日間保管します。
"""


def kb(db_path, *args):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args])


def test_import_whitepaper_classification_reaches_every_row_and_a_stricter_one_later_is_refused(tmp_path):
    source = tmp_path / "wp.md"
    source.write_text(WHITEPAPER, encoding="utf-8")
    db_path = tmp_path / "kb.db"
    assert kb(db_path, "import", "whitepaper", str(source), "--classification", "nda").exit_code == 0
    db = connect(db_path)
    levels = {
        table: {c for (c,) in db.execute(f"SELECT DISTINCT classification FROM {table}")}
        for table in ("documents", "responses", "chunks")
    }
    assert levels == {"documents": {"nda"}, "responses": {"nda"}, "chunks": {"nda"}}
    # Re-run with the default (public): nothing changes, it stays nda.
    assert kb(db_path, "import", "whitepaper", str(source)).exit_code == 0
    stricter = kb(db_path, "import", "whitepaper", str(source), "--classification", "internal")
    assert stricter.exit_code == 2 and "already imported as nda" in stricter.output
    assert {c for (c,) in db.execute("SELECT DISTINCT classification FROM chunks")} == {"nda"}
    assert kb(db_path, "import", "whitepaper", str(source), "--classification", "secret").exit_code == 2


def test_defaults_search_is_for_staff_answer_and_export_for_the_public(tmp_path):
    db_path = tmp_path / "kb.db"
    db = connect(db_path)
    store.import_document(db, classified_whitepaper("internal", "ja", [(TOPICS[0], True)]))
    db.close()
    question, mark = TOPICS[0].question, LEVEL_MARKERS["internal"]
    assert mark in kb(db_path, "search", question, "--json").stdout  # staff see everything
    assert json.loads(kb(db_path, "search", question, "--json", "--audience", "public").stdout) == []
    public = json.loads(kb(db_path, "answer", question, "--json").stdout)
    assert public["sources"] == [] and public["withheld"]["by_classification"] == {"internal": 1}
    export = json.loads(kb(db_path, "export", "json").stdout)
    assert export["responses"] == [] and export["withheld"]["responses"] == 1
    assert mark in kb(db_path, "export", "json", "--audience", "internal").stdout


def test_fill_refuses_the_internal_audience_and_records_the_one_it_filled_for(tmp_path):
    db_path = tmp_path / "kb.db"
    db = connect(db_path)
    store.import_document(db, classified_whitepaper("nda", "ja", [(TOPICS[0], True)]))
    db.close()
    sheet = build_question_sheet(tmp_path / "q.xlsx", [TOPICS[0].question], options=("はい", "いいえ"))
    refused = kb(db_path, "fill", str(sheet), "-o", str(tmp_path / "out.xlsx"), "--audience", "internal")
    assert refused.exit_code == 2 and not (tmp_path / "out.xlsx").exists()
    report = tmp_path / "r.json"
    filled = kb(
        db_path,
        "fill",
        str(sheet),
        "-o",
        str(tmp_path / "out.xlsx"),
        "--report",
        str(report),
        "--audience",
        "nda",
    )
    assert filled.exit_code == 0, filled.output
    row = json.loads(report.read_text(encoding="utf-8"))["questions"][0]
    assert row["status"] == "answered" and row["withheld"] is None
    assert connect(db_path).execute("SELECT audience FROM fills").fetchall() == [("nda",)]


def test_kb_answer_says_what_it_withheld_in_the_users_language(tmp_path, lang):
    db_path = tmp_path / "kb.db"
    db = connect(db_path)
    store.import_document(db, classified_whitepaper("internal", "ja", [(TOPICS[0], True)]))
    db.close()
    out = kb(db_path, "answer", TOPICS[0].question).output
    said = {"en": "withheld from audience public: 1 matching source (internal 1)",
            "ja": "開示先 public には示さなかったもの: 一致した資料 1 件（internal 1。"}  # fmt: skip
    assert said[lang] in out
    assert LEVEL_MARKERS["internal"] not in out
