"""kb import clauses, kb clauses, kb check refs and kb show's clause text, through the CLI."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kb.cli import cli
from tests.contracts import SEED_CONTRACT, SEED_CONTRACT_OFF, SEED_DOCUMENT
from tests.paths import DEMO, SEED, need_shared

DEMO_TERMS = "ミナトクラウド サービス利用約款"


def run(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def flat(output: str) -> str:
    """A panel's text without its wrapping: the lines joined, borders and spaces gone."""
    return "".join(output.replace("│", "").split())


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def demo_db(tmp_path):
    db = tmp_path / "kb.db"
    assert run(db, "import", "whitepaper", str(DEMO / "sample_whitepaper.md")).exit_code == 0
    return db


def test_import_names_the_contract_from_its_cover_and_again_changes_nothing(demo_db):
    res = run(demo_db, "import", "clauses", str(DEMO / "sample_contract.md"))
    assert res.exit_code == 0, res.output
    assert (
        f"imported — {DEMO_TERMS} version 1, effective 2025-04-01: 27 articles (read as UTF-8)" in res.output
    )
    again = run(demo_db, "import", "clauses", str(DEMO / "sample_contract.md"))
    assert again.exit_code == 0 and "nothing changed" in again.output


def test_the_demo_whitepaper_cites_its_contract_as_the_contract_reads(demo_db):
    run(demo_db, "import", "clauses", str(DEMO / "sample_contract.md"))
    res = run(demo_db, "check", "refs", "--document", DEMO_TERMS)
    assert res.exit_code == 0, res.output
    assert "15 clause references checked" in res.output


def test_show_prints_the_text_of_each_cited_clause(demo_db):
    run(demo_db, "import", "clauses", str(DEMO / "sample_contract.md"))
    res = run(demo_db, "show", "18.1.1")
    assert res.exit_code == 0
    shown = flat(res.output)
    assert (
        "日本法を準拠法とします" in shown and "東京地方裁判所を第一審の専属的合意管轄裁判所とします" in shown
    )


def test_an_answer_on_governing_law_quotes_the_clause(demo_db):
    run(demo_db, "import", "clauses", str(DEMO / "sample_contract.md"))
    res = run(demo_db, "answer", "準拠法はどこの国の法律ですか。")
    assert f"約款: {DEMO_TERMS} 第26条（準拠法）" in res.output
    assert "日本法を準" in res.output


def test_a_new_version_lists_what_changed_and_history_keeps_both(tmp_path):
    db = tmp_path / "kb.db"
    v1 = write(
        tmp_path, "v1.md", "# 規約\n\n第1条（目的）\n利用条件を定めます。\n\n第2条（料金）\n月額制です。\n"
    )
    v2 = write(
        tmp_path,
        "v2.md",
        "# 規約\n\n第1条（適用範囲）\n利用条件を定めます。\n\n第3条（解約）\nいつでも解約できます。\n",
    )
    assert run(db, "import", "clauses", str(v1), "--document", "規約").exit_code == 0
    res = run(
        db, "import", "clauses", str(v2), "--document", "規約", "--version", "2", "--effective", "2026-01-01"
    )
    assert res.exit_code == 0, res.output
    assert "new version — 規約 version 2, effective 2026-01-01" in res.output
    assert "第1条: retitled（目的） → （適用範囲）" in res.output
    assert "第2条（料金）: removed" in res.output and "第3条（解約）: added" in res.output
    history = run(db, "clauses", "history").output
    assert "規約 version 1, effective" not in history  # the first file's cover has no date
    assert "規約 version 1: 2 articles from v1.md" in history and "規約 version 2 (current)" in history
    assert (
        "月額制" not in run(db, "search", "月額制", "--kind", "clause").output
    )  # the old version is history


def test_shift_jis_contract_is_read_and_said_so(tmp_path):
    path = write(tmp_path, "sjis.txt", "第1条（目的）\nこの規約はメール配信サービスに適用します。\n", "cp932")
    res = run(tmp_path / "kb.db", "import", "clauses", str(path), "--document", "配信規約")
    assert res.exit_code == 0 and "read as Shift_JIS (CP932)" in res.output
    assert "メール配信サービスに適用" in run(tmp_path / "kb.db", "clauses", "show", "配信規約", "1").output


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01binary\x02",
        "条文のない案内文です。\n".encode(),
        "第1条（目的）\n".encode("utf-16-le")[2:] + b"\xff",
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, data):
    path = tmp_path / "bad.md"
    path.write_bytes(data)
    db = tmp_path / "kb.db"
    res = run(db, "import", "clauses", str(path), "--document", "規約")
    assert res.exit_code == 2
    assert res.output.count("\n") == 1 and res.output.startswith("kb: error: ")
    assert not db.exists()


def test_a_bad_effective_date_is_refused(tmp_path):
    path = write(tmp_path, "t.md", "第1条（目的）\n定めます。\n")
    res = run(
        tmp_path / "kb.db", "import", "clauses", str(path), "--document", "規約", "--effective", "2026/01/01"
    )
    assert res.exit_code == 2 and "--effective must be YYYY-MM-DD" in res.output


# --------------------------------------------------------------------------- on the real whitepaper


@pytest.fixture
def seed_db(tmp_path):
    need_shared(SEED)
    db = tmp_path / "kb.db"
    assert run(db, "import", "whitepaper", str(SEED)).exit_code == 0
    return db


def test_seed_check_refs_before_any_contract_lists_every_citation_unchecked(seed_db):
    res = run(seed_db, "check", "refs")
    assert res.exit_code == 1
    assert res.output.count("no contract of that name in the KB") == 8


def test_seed_whitepaper_against_a_contract_that_matches_its_citations(seed_db, tmp_path):
    terms = write(tmp_path, "terms.md", SEED_CONTRACT)
    assert run(seed_db, "import", "clauses", str(terms), "--document", "利用約款").exit_code == 0
    res = run(seed_db, "check", "refs")
    assert res.exit_code == 0, res.output
    assert "8 clause references checked: every cited article exists with the title cited" in res.output
    shown = flat(run(seed_db, "show", "6.1.3").output)
    assert "当社は、本サービスを日本国内に所在する当社の設備から提供します。" in shown


def test_seed_whitepaper_against_a_contract_that_does_not(seed_db, tmp_path):
    terms = write(tmp_path, "terms.md", SEED_CONTRACT_OFF)
    assert run(seed_db, "import", "clauses", str(terms), "--document", SEED_DOCUMENT).exit_code == 0
    res = run(seed_db, "check", "refs")
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    assert lines == [
        f"6.1.3 関係当局との連絡: {SEED_DOCUMENT} 第30条（提供場所）: the contract's 第30条 is （料金）",
        f"12.1.2 変更管理: {SEED_DOCUMENT} 第47条（契約者への通知等）: {SEED_DOCUMENT} has no 第47条",
        f"18.1.3 記録の保護: {SEED_DOCUMENT} 第44条（個人情報保護）: the contract's 第44条 is （個人情報の保護）",
    ]
    assert "(titlediffers:thecontract'sis（料金）" in flat(run(seed_db, "show", "6.1.3").output)
