"""What kb evidence, kb import clauses, kb clauses and kb check refs say to a person, in English
and in Japanese (KB_LANG): the English exactly as before, the Japanese in the catalogue's words."""

from __future__ import annotations

import json
from datetime import date, timedelta

import click
import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.cli.translation import cells
from tests.paths import DEMO

TERMS = "ミナトクラウド サービス利用約款"


def run(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def said(lang: str, en: str, ja: str) -> str:
    return ja if lang == "ja" else en


@pytest.fixture
def kb(tmp_path):
    db = tmp_path / "kb.db"
    assert run(db, "import", "whitepaper", str(DEMO / "sample_whitepaper.md")).exit_code == 0
    return db


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "a.md").write_text("# ISMS 認証\n\n登録範囲: VPS サービスの運用", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n0000")
    return folder


# -- kb evidence -----------------------------------------------------------------------------------


def test_evidence_add_says_what_it_stored(kb, files, lang):
    res = run(kb, "evidence", "add", str(files / "a.md"), str(files / "empty.txt"), str(files / "pic.png"))
    assert res.exit_code == 0, res.output
    assert res.output.splitlines() == said(
        lang,
        [
            "evidence 1: a.md added — 1 page of text",
            "evidence 2: empty.txt added — no text (no text in it)",
            "evidence 3: pic.png added — no text (no text: an image)",
            "3 added, 0 already in the vault",
        ],
        [
            "証跡 1: a.md を追加しました — 本文 1 ページ",
            "証跡 2: empty.txt を追加しました — 本文なし（文字がありません）",
            "証跡 3: pic.png を追加しました — 本文なし（画像）",
            "3 件を追加、0 件はすでに保管庫にありました",
        ],
    )
    again = run(kb, "evidence", "add", str(files / "a.md"), "--control", "6.1.3")
    assert again.output.splitlines() == [
        said(
            lang,
            "evidence 1: a.md already in the vault — 1 page of text; linked to 6.1.3",
            "証跡 1: a.md はすでに保管庫にあります — 本文 1 ページ、6.1.3 に結び付けました",
        )
    ]
    # what the KB stores stays English: the note is said in Japanese only where it is shown
    shown = json.loads(run(kb, "evidence", "show", "3", "--json").output)
    assert shown["text_note"] == "no text: an image"


def test_evidence_list_in_80_columns(kb, files, lang, monkeypatch):
    until = date.today() + timedelta(days=40)
    run(kb, "evidence", "add", str(files / "a.md"), "--valid-until", until.isoformat(), "--control", "6.1.3")
    run(kb, "evidence", "add", str(files / "empty.txt"), "--valid-until", "2020-01-31")
    run(kb, "evidence", "add", str(files / "pic.png"))
    res = run(kb, "evidence", "list")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert max(cells(line) for line in lines) <= 80, res.output
    headers = said(
        lang,
        ["id", "title", "file", "text", "class", "valid", "until", "controls"],
        ["ID", "題名", "ファイル", "本文", "区分", "有効期限", "管理策"],
    )
    assert all(h in lines[1] + lines[2] for h in headers), lines[:3]
    monkeypatch.setenv("COLUMNS", "200")  # each row on one line: its cells as they are
    rows = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in run(kb, "evidence", "list").output.splitlines()
        if line.startswith("│")
    ]
    assert [row[3:6] for row in rows] == said(
        lang,
        [
            ["1 page of text", "internal", f"{until} (40 days left)"],
            ["no text (no text in it)", "internal", "2020-01-31 EXPIRED"],
            ["no text (no text: an image)", "internal", "-"],
        ],
        [
            ["本文 1 ページ", "internal", f"{until}（残り 40 日）"],
            ["本文なし（文字がありません）", "internal", "2020-01-31 期限切れ"],
            ["本文なし（画像）", "internal", "-"],
        ],
    )


def test_an_empty_vault_says_so(kb, lang):
    res = run(kb, "evidence", "list")
    assert res.output == said(lang, "no evidence\n", "証跡はありません\n")


def test_evidence_show_labels_line_up(kb, files, lang):
    run(kb, "evidence", "add", str(files / "a.md"), "--owner", "運用部", "--valid-from", "2026-01-01")
    res = run(kb, "evidence", "show", "1")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == said(lang, "evidence 1", "証跡 1")
    size = (files / "a.md").stat().st_size
    en = {
        "title": "a",
        "file": f"a.md (text/markdown, {size} bytes)",
        "owner": "運用部",
        "classification": "internal",
        "valid from": "2026-01-01",
        "valid until": "-",
        "controls": "-",
        "text": "1 page of text",
    }
    ja = {
        "題名": "a",
        "ファイル": f"a.md（text/markdown、{size} バイト）",
        "担当者": "運用部",
        "区分": "internal",
        "有効開始日": "2026-01-01",
        "有効期限": "-",
        "管理策": "-",
        "本文": "本文 1 ページ",
    }
    width = said(lang, len("classification"), cells("有効開始日"))  # the widest label, in cells
    for label, value in said(lang, en, ja).items():
        assert f"  {label}{' ' * (width - cells(label))}  {value}" in lines, (label, lines)
    assert [line.split()[0] for line in lines[1:12]] == said(
        lang,
        [
            "title",
            "file",
            "sha256",
            "stored",
            "added",
            "owner",
            "classification",
            "valid",
            "valid",
            "controls",
            "text",
        ],
        [
            "題名",
            "ファイル",
            "sha256",
            "保管場所",
            "追加日時",
            "担当者",
            "区分",
            "有効開始日",
            "有効期限",
            "管理策",
            "本文",
        ],
    )
    assert lines[12] == "  p.1: # ISMS 認証 登録範囲: VPS サービスの運用"


def test_evidence_verify_export_and_link(kb, files, lang, tmp_path):
    run(kb, "evidence", "add", str(files / "a.md"), str(files / "pic.png"), "--control", "6.1.3")
    res = run(kb, "evidence", "export", "1", "-o", str(tmp_path))
    size = (files / "a.md").stat().st_size
    assert res.output == said(
        lang,
        f"evidence 1 written to {tmp_path / 'a.md'} ({size} bytes)\n",
        f"証跡 1 を {tmp_path / 'a.md'} に書き出しました（{size} バイト）\n",
    )
    res = run(kb, "evidence", "link", "1", "--control", "6.1.3", "--control", "12.3.1")
    assert res.output.splitlines() == said(
        lang,
        ["evidence 1 linked to 12.3.1", "evidence 1 was already linked to 6.1.3"],
        ["証跡 1 を 12.3.1 に結び付けました", "証跡 1 はすでに 6.1.3 に結び付いています"],
    )
    digest = json.loads(run(kb, "evidence", "show", "2", "--json").output)["sha256"]
    (kb.parent / "kb.db.vault" / "sha256" / digest[:2] / digest).unlink()
    res = run(kb, "evidence", "verify")
    assert res.exit_code == 1
    assert res.stdout.splitlines() == [
        said(
            lang,
            f"missing: evidence 2 pic (pic.png, sha256 {digest[:12]}…)",
            f"欠落: 証跡 2 pic（pic.png、sha256 {digest[:12]}…）が保管庫にありません",
        )
    ]


def test_a_changed_file_is_said_changed(kb, files, lang):
    run(kb, "evidence", "add", str(files / "a.md"))
    digest = json.loads(run(kb, "evidence", "show", "1", "--json").output)["sha256"]
    stored = kb.parent / "kb.db.vault" / "sha256" / digest[:2] / digest
    stored.chmod(0o644)
    stored.write_bytes(b"tampered")
    res = run(kb, "evidence", "verify")
    assert res.stdout.splitlines() == [
        said(
            lang,
            f"changed: evidence 1 a (a.md, sha256 {digest[:12]}…)",
            f"変更: 証跡 1 a（a.md、sha256 {digest[:12]}…）の内容が追加時と違います",
        )
    ]


@pytest.mark.parametrize(
    ("note", "ja"),
    [
        ("no text: an image", "画像"),
        (
            "no text: application/zip, a format kb reads no text from",
            "application/zip: kb が本文を読み取らない形式",
        ),
        ("text of the first 500 pages only", "最初の 500 ページの本文だけ"),
        ("text cut at 2,000,000 characters", "本文は 2,000,000 文字で打ち切り"),
        ("reading its text took longer than 2.5 s", "本文の読み取りに 2.5 秒以上かかりました"),
        (
            "unreadable: PdfReadError: EOF marker not found",
            "読み取れません: PdfReadError: EOF marker not found",
        ),
        ("no text layer (a scan or images only)", "テキスト層がありません（スキャンまたは画像だけ）"),
        ("no text in it", "文字がありません"),
        ("a note of somebody else's", "a note of somebody else's"),
        ("", ""),
    ],
)
def test_an_extraction_note_is_said_in_the_users_language(note, ja, lang):
    from evidence.extract import note_text

    assert note_text(note) == said(lang, note, ja)


def test_the_notes_extraction_writes_are_the_ones_it_says_again(monkeypatch):
    """Each note extract() stores is read back by note_text (a note reworded in one place only
    would stay English in Japanese)."""
    from evidence import extract
    from kb.evidence_store import Limits

    def pages(data, limits):
        yield from ("a" * 10, "b" * 10, "c")

    notes = [
        extract.extract(b"x", "image/png").note,
        extract.extract(b"x", "application/zip").note,
        extract.read_pages(pages, b"", Limits(max_pages=2)).note,
        extract.read_pages(pages, b"", Limits(max_chars=15)).note,
        extract.read_pages(lambda data, limits: iter(["  "]), b"", Limits(), "application/pdf").note,
        extract.read_pages(lambda data, limits: iter(["  "]), b"", Limits()).note,
        extract.read_pages(lambda data, limits: iter([1 / 0]), b"", Limits()).note,
    ]
    monkeypatch.setenv("KB_LANG", "ja")
    for note in notes:
        assert note.isascii() and not extract.note_text(note).isascii(), note


# -- kb import clauses, kb clauses -----------------------------------------------------------------


def _two_versions(tmp_path, db):
    contract = (DEMO / "sample_contract.md").read_text(encoding="utf-8")
    v2 = tmp_path / "v2.md"
    v2.write_text(
        contract.replace("第16条（バックアップ）", "第16条（データのバックアップ）").replace(
            "当社はバックアップの完全性", "当社は完全性"
        ),
        encoding="utf-8",
    )
    v3 = tmp_path / "v3.md"
    v3.write_text(v2.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    return [run(db, "import", "clauses", str(path)) for path in (DEMO / "sample_contract.md", v2, v3)]


def test_import_clauses_says_what_changed(kb, tmp_path, lang):
    first, second, third = _two_versions(tmp_path, kb)
    assert first.output == said(
        lang,
        f"{DEMO / 'sample_contract.md'}: imported — {TERMS} version 1, effective 2025-04-01:"
        " 27 articles (read as UTF-8)\n",
        f"{DEMO / 'sample_contract.md'}: 取り込みました — {TERMS} 版 1、2025-04-01 から適用:"
        " 27 条（UTF-8 として読み込み）\n",
    )
    assert second.output.splitlines() == said(
        lang,
        [
            f"{tmp_path / 'v2.md'}: new version — {TERMS} version 2, effective 2025-04-01:"
            " 27 articles (read as UTF-8)",
            "  since version 1 (kept as history):",
            "    第16条: retitled（バックアップ） → （データのバックアップ）",
            "    第16条（バックアップ）: text changed",
        ],
        [
            f"{tmp_path / 'v2.md'}: 新しい版として取り込みました — {TERMS} 版 2、2025-04-01 から適用:"
            " 27 条（UTF-8 として読み込み）",
            "  版 1 からの変更（版 1 は履歴に残しました）:",
            "    第16条: 見出しを変更（バックアップ） → （データのバックアップ）",
            "    第16条（バックアップ）: 本文を変更",
        ],
    )
    assert third.output.splitlines()[1] == said(
        lang,
        "  no article changed since version 2 (kept as history)",
        "  版 2 から変わった条はありません（版 2 は履歴に残しました）",
    )
    again = run(kb, "import", "clauses", str(tmp_path / "v3.md"))
    assert again.output == said(
        lang,
        f"{tmp_path / 'v3.md'}: already imported as {TERMS} version 3, nothing changed\n",
        f"{tmp_path / 'v3.md'}: {TERMS} 版 3 として取り込み済みです。変更はありません\n",
    )


def test_added_and_removed_articles(tmp_path, lang):
    db = tmp_path / "kb.db"
    v1 = tmp_path / "v1.md"
    v1.write_text(
        "# 規約\n\n第1条（目的）\n利用条件を定めます。\n\n第2条（料金）\n月額制です。\n", encoding="utf-8"
    )
    v2 = tmp_path / "v2.md"
    v2.write_text(
        "# 規約\n\n第1条（目的）\n利用条件を定めます。\n\n第3条（解約）\nいつでも解約できます。\n",
        encoding="utf-8",
    )
    run(db, "import", "clauses", str(v1))
    res = run(db, "import", "clauses", str(v2))
    assert res.output.splitlines()[2:] == said(
        lang,
        ["    第2条（料金）: removed", "    第3条（解約）: added"],
        ["    第2条（料金）: 削除", "    第3条（解約）: 追加"],
    )


def test_clauses_history_and_show(kb, tmp_path, lang):
    _two_versions(tmp_path, kb)
    res = run(kb, "clauses", "history")
    assert res.output.splitlines() == said(
        lang,
        [
            f"{TERMS} version 1, effective 2025-04-01: 27 articles from sample_contract.md",
            f"{TERMS} version 2, effective 2025-04-01: 27 articles from v2.md",
            "  第16条: retitled（バックアップ） → （データのバックアップ）",
            "  第16条（バックアップ）: text changed",
            f"{TERMS} version 3 (current), effective 2025-04-01: 27 articles from v3.md",
        ],
        [
            f"{TERMS} 版 1、2025-04-01 から適用: sample_contract.md の 27 条",
            f"{TERMS} 版 2、2025-04-01 から適用: v2.md の 27 条",
            "  第16条: 見出しを変更（バックアップ） → （データのバックアップ）",
            "  第16条（バックアップ）: 本文を変更",
            f"{TERMS} 版 3（現行）、2025-04-01 から適用: v3.md の 27 条",
        ],
    )
    shown = run(kb, "clauses", "show", "利用約款", "16")
    assert shown.output.splitlines()[0] == said(
        lang,
        f"{TERMS} 第16条（データのバックアップ） (version 3)",
        f"{TERMS} 第16条（データのバックアップ）（版 3）",
    )


def test_clauses_errors(kb, tmp_path, lang):
    none = run(kb, "clauses", "history")
    assert none.exit_code != 0
    assert none.output.strip().endswith(said(lang, "no contract in the KB", "KBに契約書はありません"))
    run(kb, "import", "clauses", str(DEMO / "sample_contract.md"))
    named = run(kb, "clauses", "history", "--document", "foo")
    assert named.output.strip().endswith(
        said(lang, "no contract named foo in the KB", "KBに foo という契約書はありません")
    )
    article = run(kb, "clauses", "show", "利用約款", "99")
    assert article.output.strip().endswith(
        said(lang, "利用約款 第99条: no such article", "利用約款 第99条: その条はありません")
    )
    contract = run(kb, "clauses", "show", "契約", "1")
    assert contract.output.strip().endswith(
        said(lang, "契約 第1条: no contract", "契約 第1条: 契約書がKBにありません")
    )
    refs = run(kb, "check", "refs", "--document", "foo")
    assert refs.output.strip().endswith(
        said(
            lang,
            "no contract named foo in the KB (no contract): import it with kb import clauses",
            "KBに foo という契約書はありません。kb import clauses で取り込んでください",
        )
    )


def test_an_ambiguous_name(tmp_path, lang):
    db = tmp_path / "kb.db"
    run(db, "import", "clauses", str(DEMO / "sample_contract.md"), "--document", "A社 利用約款")
    other = tmp_path / "b.md"
    other.write_text("# B社 利用約款\n\n第1条（目的）\n利用条件を定めます。\n", encoding="utf-8")
    run(db, "import", "clauses", str(other), "--document", "B社 利用約款")
    shown = run(db, "clauses", "show", "利用約款", "1")
    assert shown.output.strip().endswith(
        said(
            lang,
            "利用約款 第1条: ambiguous: 利用約款 may be any of A社 利用約款, B社 利用約款",
            "利用約款 第1条: 特定できません: 利用約款 は A社 利用約款, B社 利用約款 のどれとも取れます",
        )
    )
    refs = run(db, "check", "refs", "--document", "利用約款")
    assert refs.output.strip().endswith(
        said(
            lang,
            "no contract named 利用約款 in the KB (ambiguous: 利用約款 may be any of A社 利用約款, B社 利用約款):"
            " import it with kb import clauses",
            "KBに 利用約款 という契約書はありません（特定できません: 利用約款 は A社 利用約款, B社 利用約款"
            " のどれとも取れます）。kb import clauses で取り込んでください",
        )
    )


# -- kb check refs ---------------------------------------------------------------------------------


def test_check_refs_says_what_does_not_match(kb, tmp_path, lang):
    assert run(kb, "import", "whitepaper", str(DEMO / "sample_whitepaper_en.md")).exit_code == 0
    _two_versions(tmp_path, kb)
    res = run(kb, "check", "refs")
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    assert (
        said(
            lang,
            f"12.3.1 情報のバックアップ: {TERMS} 第16条（バックアップ）: the contract's 第16条 is （データのバックアップ）",
            f"12.3.1 情報のバックアップ: {TERMS} 第16条（バックアップ）: 契約書の第16条の見出しは（データのバックアップ）です",
        )
        in lines
    )
    assert (
        said(
            lang,
            # an English response's citation, as it cites: Article 16 (Backup)
            "12.3.1 Information backup: Minato Cloud Terms of Service, Article 16 (Backup): no contract of that"
            " name in the KB (kb import clauses FILE --document NAME)",
            "12.3.1 Information backup: Minato Cloud Terms of Service, Article 16 (Backup): KBにその名前の契約書は"
            "ありません（kb import clauses FILE --document NAME）",
        )
        in lines
    )
    assert res.stderr == said(
        lang,
        "16 of 30 clause references do not match the contract\n",
        "条項の引用 30 件のうち 16 件が契約書と合いません\n",
    )
    # the JSON keeps its English codes whatever the language
    problems = json.loads(run(kb, "check", "refs", "--json").stdout)["problems"]
    assert {p["problem"] for p in problems} == {"title differs", "no contract"}


def test_check_refs_when_every_citation_matches(kb, lang):
    run(kb, "import", "clauses", str(DEMO / "sample_contract.md"))
    res = run(kb, "check", "refs")
    assert res.exit_code == 0
    assert res.output == said(
        lang,
        "15 clause references checked: every cited article exists with the title cited\n",
        "条項の引用 15 件を確認しました。引用された条はすべて、引用どおりの見出しで契約書にあります\n",
    )


def test_a_missing_article_in_check_refs(tmp_path, lang):
    """A citation of an article the contract does not have: its own line."""
    from kb.clauses import RefProblem, Resolution
    from kb.cli.render_clauses import render_ref_problems

    problem = RefProblem("6.1.3", "窓口", Resolution("利用約款", 99, "", TERMS, None, "no such article"))

    @click.command()
    def show():
        render_ref_problems(3, [problem])

    res = CliRunner().invoke(show)
    assert res.stdout == said(
        lang,
        f"6.1.3 窓口: 利用約款 第99条: {TERMS} has no 第99条\n",
        f"6.1.3 窓口: 利用約款 第99条: {TERMS} に第99条はありません\n",
    )
