"""Curation (kb.curation, issue 15): only approved content answers by itself, a draft edit
leaves the approved text live (and out of every index) until it is approved, retired
content is never offered nor weighed, reviews come due, and ids name one thing or say why
they do not."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from kb import audit, curation, index, store
from kb.analysis import analyzed_text
from kb.answer import answer
from kb.db import MIGRATIONS, connect
from kb.errors import KBError
from kb.model import ParsedDocument, QAPair, Section
from kb.search import ANSWERING, IndexCache
from tests.builders import whitepaper_kb

CONTROLS = [
    ("12.3.1", "情報のバックアップ", "バックアップは毎日取得し、別のデータセンターに保管しています。"),
    ("9.4.2", "ログオン手順", "管理画面へのログオンには多要素認証を利用できます。"),
    ("10.1.1", "暗号による管理策", "保存データの暗号化は標準では提供していません。"),
]
BACKUP = "バックアップは取得していますか。"
NEW_TEXT = "バックアップは毎時取得し、遠隔地の倉庫に磁気テープで保管しています。"
TAPE = "磁気テープの倉庫はありますか。"


@pytest.fixture
def db(tmp_path):
    return whitepaper_kb(tmp_path / "kb.db", "Our whitepaper", CONTROLS)


def _vocabulary(db) -> dict[str, int]:
    return dict(db.execute("SELECT term, doc FROM answers_vocab"))


def _texts(ans) -> list[str]:
    return [s.text for s in ans.sources]


def test_an_import_is_approved_by_the_importing_actor(db, tmp_path):
    with audit.acting_as("yamada"):
        other = whitepaper_kb(tmp_path / "other.db", "Another", CONTROLS[:1])
    item = curation.resolve(other, "12.3.1")
    assert (item.status, item.approver, item.version) == ("approved", "yamada", 1)
    assert item.approved_at and item.review_due == curation.review_due_after(item.approved_at)


def test_an_edit_is_a_draft_that_answers_nothing_and_weighs_nothing(db):
    before = answer(db, BACKUP)
    assert before.status == "answered"
    vocabulary = _vocabulary(db)
    change = curation.edit(db, curation.resolve(db, "12.3.1"), text=NEW_TEXT)
    assert change.after.draft is not None and change.after.draft.version == 2
    # the approved text still answers, exactly as before; the draft's words are in no index
    after = answer(db, BACKUP)
    assert (after.status, after.confidence, _texts(after)) == (
        before.status,
        before.confidence,
        _texts(before),
    )
    assert _vocabulary(db) == vocabulary
    assert NEW_TEXT not in _texts(answer(db, TAPE))
    assert db.execute("SELECT count(*) FROM chunks WHERE body LIKE '%磁気テープ%'").fetchone() == (0,)


def test_approving_the_draft_makes_it_the_one_live_version(db):
    item = curation.resolve(db, "12.3.1")
    curation.edit(db, item, text=NEW_TEXT)
    with audit.acting_as("sato"):
        change = curation.approve(db, curation.resolve(db, "12.3.1"))
    assert (change.action, change.after.version, change.after.approver) == ("approve", 2, "sato")
    tape = answer(db, TAPE)
    assert tape.sources[0].text == NEW_TEXT
    # one live version per response in the answering index; the old text is history only
    responses = db.execute("SELECT count(*) FROM responses WHERE is_current = 1").fetchone()[0]
    assert db.execute("SELECT count(*) FROM answers_fts").fetchone()[0] == responses
    assert "別のデータセンター" not in " ".join(t for a in (answer(db, BACKUP),) for t in _texts(a))
    index.integrity_check(db)
    versions = curation.history(db, change.after)
    assert [(v.version, v.live) for v in versions] == [(1, False), (2, True)]
    assert versions[0].text == CONTROLS[0][2] and versions[0].superseded_at


def test_editing_again_replaces_the_pending_draft(db):
    curation.edit(db, curation.resolve(db, "12.3.1"), text="一つ目の下書きです。")
    change = curation.edit(db, curation.resolve(db, "12.3.1"), text=NEW_TEXT)
    assert change.after.draft.text == NEW_TEXT and change.after.draft.version == 2
    assert len(curation.history(db, change.after)) == 2  # the live v1 and one draft


def test_retired_content_is_never_offered_nor_weighed_and_can_come_back(db):
    assert answer(db, BACKUP).status == "answered"
    curation.retire(db, curation.resolve(db, "12.3.1"))
    gone = answer(db, BACKUP)
    assert gone.status == "no_match" and CONTROLS[0][2] not in _texts(answer(db, BACKUP, keep_sources=True))
    assert "バックアップ" not in _vocabulary(db)
    assert IndexCache.of(db, ANSWERING).total == len(CONTROLS) - 1
    assert [r["control_id"] for r in store.responses(db)] == ["9.4.2", "10.1.1"]
    with pytest.raises(KBError, match="retired"):
        curation.edit(db, curation.resolve(db, "12.3.1"), text=NEW_TEXT)
    change = curation.approve(db, curation.resolve(db, "12.3.1"))
    assert change.action == "reinstate" and answer(db, BACKUP).status == "answered"
    index.integrity_check(db)


def _harvest(db, approved: bool) -> int:
    doc = ParsedDocument(
        kind="checksheet", title="ACME sheet", sha256=f"acme-{approved}", source_name="acme.xlsx"
    )
    pair = QAPair("委託先の監査報告書を提供できますか。", "はい", "年に一度、監査報告書を提供しています。")
    store.import_qa_pairs(db, doc, [pair], customer="ACME", answered_on="2026-01-05", approved=approved)
    return db.execute("SELECT max(id) FROM qa_pairs").fetchone()[0]


def test_a_draft_library_answer_is_offered_with_a_why_that_says_so(db):
    qa_id = _harvest(db, approved=False)
    held = answer(db, "委託先の監査報告書を提供できますか。")
    assert held.status == "needs_review" and "draft" in held.why and f"Q{qa_id}" in held.why
    curation.approve(db, curation.resolve(db, f"Q{qa_id}"))
    sent = answer(db, "委託先の監査報告書を提供できますか。")
    assert (sent.status, sent.why, sent.stance) == ("answered", None, "yes")


def test_an_approved_library_answer_edited_answers_as_before_until_approved(db):
    qa_id = _harvest(db, approved=True)
    question = "委託先の監査報告書を提供できますか。"
    curation.edit(db, curation.resolve(db, f"Q{qa_id}"), choice="いいえ", text="提供できません。")
    curation.edit(db, curation.resolve(db, f"Q{qa_id}"), text="提供していません。")  # the draft keeps いいえ
    still = answer(db, question)
    assert (still.status, still.stance, still.sources[0].text) == (
        "answered",
        "yes",
        "年に一度、監査報告書を提供しています。",
    )
    curation.approve(db, curation.resolve(db, f"Q{qa_id}"))
    now = answer(db, question)
    assert (now.status, now.stance, now.sources[0].text) == ("answered", "no", "提供していません。")
    curation.retire(db, curation.resolve(db, f"Q{qa_id}"))
    assert answer(db, question).status != "answered"


def test_review_due_lists_overdue_and_due_then_drafts(db):
    curation.approve(db, curation.resolve(db, "9.4.2"), review_due="2026-01-10")
    curation.approve(db, curation.resolve(db, "10.1.1"), review_due="2026-02-20", owner="kato")
    curation.edit(db, curation.resolve(db, "12.3.1"), text=NEW_TEXT)
    today = date(2026, 2, 1)
    due = curation.review_due(db, within_days=30, today=today)
    assert [(d.item.control_id, d.reason) for d in due] == [
        ("9.4.2", "overdue"),
        ("10.1.1", "due"),
        ("12.3.1", "draft"),
    ]
    assert [d.item.control_id for d in curation.review_due(db, within_days=7, today=today)] == [
        "9.4.2",
        "12.3.1",
    ]
    assert [
        d.item.control_id for d in curation.review_due(db, within_days=30, today=today, owner="kato")
    ] == ["10.1.1"]
    curation.approve(db, curation.resolve(db, "9.4.2"))  # a review: due a period from now
    assert "9.4.2" not in [d.item.control_id for d in curation.review_due(db, within_days=30, today=today)]


def test_ids_name_one_thing_or_say_which(db, tmp_path):
    edition = ParsedDocument(
        kind="whitepaper",
        title="Our whitepaper (English)",
        sha256="en-sha",
        source_name="en.md",
        lang="en",
        sections=[],
    )
    edition.sections.append(
        Section("12.3.1 Backup", "Backups are taken daily.", "12.3.1", "ISO/IEC 27017:2015")
    )
    store.import_document(db, edition)
    with pytest.raises(curation.AmbiguousId) as raised:
        curation.resolve(db, "12.3.1")
    message = str(raised.value)
    assert "\n" not in message and message.count("R") >= 2 and "--document" in message
    assert curation.resolve(db, "12.3.1", document="english").lang == "en"
    assert curation.resolve(db, "12.3.1", document="Our whitepaper.md").lang == "ja"
    for bad, what in (
        ("R999", "no response R999"),
        ("Q999", "no library answer Q999"),
        ("5.1.1", "no current"),
    ):
        with pytest.raises(KBError, match=what):
            curation.resolve(db, bad)
    with pytest.raises(KBError, match="nothing to change"):
        curation.edit(db, curation.resolve(db, "9.4.2"), text=CONTROLS[1][2])
    with pytest.raises(KBError, match="empty"):
        curation.edit(db, curation.resolve(db, "9.4.2"), text="  ")
    with pytest.raises(KBError, match="within"):
        curation.parse_within("a month")


def test_every_change_is_in_the_audit_log(db):
    item = curation.resolve(db, "12.3.1")
    curation.edit(db, item, text=NEW_TEXT)
    curation.approve(db, curation.resolve(db, "12.3.1"))
    curation.retire(db, curation.resolve(db, "12.3.1"))
    logged = [(e.action, e.target_id) for e in audit.entries(db) if e.target_kind == "response"]
    assert logged == [("edit", item.ref), ("approve", item.ref), ("retire", item.ref)]
    assert audit.verify(db).ok


def test_migration_keeps_what_answers(tmp_path):
    """A KB at schema v10 (before curation) migrates with its responses approved as of their
    import, its approved library answers approved by who decided them and its drafts drafts:
    the same answers before and after."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)  # every migration before curation's
    for version, statements in enumerate(MIGRATIONS[:10], start=1):
        for statement in statements:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")
    conn.execute(
        "INSERT INTO documents (id, kind, series, title, sha256, source_name, imported_at)"
        " VALUES (1, 'whitepaper', 's', 'Old paper', 'x', 'old.md', '2025-04-01T09:00:00+00:00'),"
        " (2, 'checksheet', 'q', 'Old sheet', 'y', 'old.xlsx', '2025-05-01T09:00:00+00:00')"
    )
    for i, (cid, title, text) in enumerate(CONTROLS, start=1):
        conn.execute(
            "INSERT INTO responses (id, document_id, control_id, title, section_path, text, position)"
            " VALUES (?, 1, ?, ?, ?, ?, ?)",
            [i, cid, title, title, text, i],
        )
    conn.execute(
        "INSERT INTO qa_pairs (id, document_id, question, question_key, choice, answer_text, status, decided_by,"
        " decided_at) VALUES (1, 2, 'ログを保存していますか。', ?, 'はい', '一年保存します。', 'approved', 'ito',"
        " '2025-05-02T10:00:00+00:00'), (2, 2, '鍵を管理していますか。', ?, 'はい', '', 'draft', NULL, NULL)",
        [store.question_key("ログを保存していますか。"), store.question_key("鍵を管理していますか。")],
    )
    chunks = [("response", i, index.chunk_title(c, t), x) for i, (c, t, x) in enumerate(CONTROLS, 1)]
    chunks += [
        ("qa", 1, "ログを保存していますか。", "はい\n一年保存します。"),
        ("qa", 2, "鍵を管理していますか。", "はい"),
    ]
    for kind, source_id, title, body in chunks:
        conn.execute(
            "INSERT INTO chunks (kind, source_id, title, body, title_terms, body_terms) VALUES (?, ?, ?, ?, ?, ?)",
            [kind, source_id, title, body, analyzed_text(title), analyzed_text(body)],
        )
    conn.close()
    db = connect(path)  # migrates to the current version
    index.integrity_check(db)
    # the draft's chunk left what answers (and its words the answering weights), the rest stayed
    assert db.execute("SELECT kind, source_id FROM draft_chunks").fetchall() == [("qa", 2)]
    assert db.execute("SELECT count(*) FROM answers_fts").fetchone()[0] == len(CONTROLS) + 1
    assert "鍵" not in _vocabulary(db)
    backup = curation.resolve(db, "12.3.1")
    assert (backup.status, backup.approver, backup.approved_at, backup.review_due, backup.version) == (
        "approved",
        None,
        "2025-04-01T09:00:00+00:00",
        "2026-04-01",
        1,
    )
    decided, draft = curation.resolve(db, "Q1"), curation.resolve(db, "Q2")
    assert (decided.status, decided.approver, decided.review_due) == ("approved", "ito", "2026-05-02")
    assert (draft.status, draft.approver) == ("draft", None)
    assert answer(db, BACKUP).status == "answered"
    assert answer(db, "ログを保存していますか。").sources[0].text == "一年保存します。"


def test_a_sheet_of_drafts_moves_no_approved_answer_and_is_offered_for_review(db):
    before, vocabulary = answer(db, BACKUP), _vocabulary(db)
    doc = ParsedDocument(kind="checksheet", title="Drafts", sha256="drafts", source_name="drafts.xlsx")
    pairs = [
        QAPair(
            f"バックアップを{where}に保管していますか。", "はい", f"バックアップは{where}に保管しています。"
        )
        for where in ("国内", "海外", "倉庫", "金庫", "別拠点")
    ]
    store.import_qa_pairs(db, doc, pairs, customer="ACME", answered_on="2026-01-05")
    after = answer(db, BACKUP)
    assert (after.status, after.confidence, _texts(after)) == (
        before.status,
        before.confidence,
        _texts(before),
    )
    assert _vocabulary(db) == vocabulary and IndexCache.of(db, ANSWERING).total == len(CONTROLS)
    # a question only a draft covers is offered for review with it, and says it is a draft
    vault = answer(db, "バックアップを金庫に保管していますか。")
    assert (
        vault.status == "needs_review"
        and vault.sources[0].text == "はい\nバックアップは金庫に保管しています。"
    )
    assert vault.sources[0].past.status == "draft" and "draft" in vault.why
    # approved, it answers that very question and joins what answers
    qa_id = vault.why.split("(Q")[1].split(";")[0]
    curation.approve(db, curation.resolve(db, f"Q{qa_id}"))
    assert answer(db, "バックアップを金庫に保管していますか。").status == "answered"
    assert "金庫" in _vocabulary(db)
    index.integrity_check(db)


def test_a_copy_for_customers_holds_no_draft_nor_earlier_version(db, tmp_path):
    from kb.publish import publish

    curation.edit(db, curation.resolve(db, "9.4.2"), text="一つ目の改訂です。")
    curation.approve(db, curation.resolve(db, "9.4.2"))  # v1 is history now
    curation.edit(db, curation.resolve(db, "12.3.1"), text=NEW_TEXT)  # a draft v2
    _harvest(db, approved=False)
    for audience, kept in (("public", 0), ("internal", 1)):
        conn = sqlite3.connect(publish(db, tmp_path / f"{audience}.db", audience).path)
        versions = conn.execute("SELECT count(*) FROM content_versions").fetchone()[0]
        drafts = conn.execute("SELECT count(*) FROM draft_chunks").fetchone()[0]
        assert (bool(versions), drafts) == (bool(kept), kept), audience
        assert not conn.execute("SELECT 1 FROM chunks WHERE body LIKE '%磁気テープ%'").fetchone()
        conn.close()


def _new_version(db, controls) -> store.ImportResult:
    """The whitepaper of the db fixture again, a new version holding ``controls``."""
    sections = [
        Section(title=f"{cid} {title}", text=text, control_id=cid, framework="ISO/IEC 27017:2015")
        for cid, title, text in controls
    ]
    doc = ParsedDocument(
        kind="whitepaper", title="Our whitepaper", sha256=f"v2-{len(controls)}", source_name="v2.md",
        sections=sections,
    )  # fmt: skip
    return store.import_document(db, doc)


def test_a_customer_copy_holds_only_approved_content(db, tmp_path):
    from kb.publish import audience_copy, publish

    _harvest(db, approved=False)  # a library answer nobody approved
    curation.retire(db, curation.resolve(db, "10.1.1"))
    _new_version(db, [(cid, title, f"{text}（第2版）") for cid, title, text in CONTROLS[:2]])
    unapproved = (
        "SELECT (SELECT count(*) FROM qa_pairs WHERE status != 'approved')"
        " + (SELECT count(*) FROM responses WHERE status != 'approved')"
    )
    assert db.execute(unapproved).fetchone()[0] == 2
    for audience in ("public", "nda"):
        for conn in (sqlite3.connect(publish(db, tmp_path / f"{audience}.db", audience).path),
                     audience_copy(db, audience).conn):  # fmt: skip  # kb publish / kb serve, kb export json
            assert conn.execute(unapproved).fetchone()[0] == 0, audience
            bodies = " ".join(b for (b,) in conn.execute("SELECT body FROM chunks"))
            assert "監査報告書" not in bodies and "暗号化" not in bodies and "（第2版）" in bodies
            # the first version's approved responses stay as the history of a published document
            old = conn.execute("SELECT count(*) FROM responses WHERE is_current = 0").fetchone()[0]
            assert old == 2, audience
            conn.close()
    internal = sqlite3.connect(publish(db, tmp_path / "internal.db", "internal").path)
    assert internal.execute(unapproved).fetchone()[0] == 2


def test_a_new_version_carries_pending_drafts_over_by_control_and_names_the_rest(db):
    curation.edit(db, curation.resolve(db, "12.3.1"), text=NEW_TEXT)
    curation.edit(db, curation.resolve(db, "10.1.1"), text="保存データは暗号化しています。")
    old_backup = curation.resolve(db, "12.3.1").ref
    old_crypto = curation.resolve(db, "10.1.1").ref
    result = _new_version(db, CONTROLS[:2])  # 10.1.1 is gone from the new version
    new = curation.resolve(db, "12.3.1")
    assert new.ref != old_backup and new.draft is not None
    assert (new.draft.text, new.draft.version, new.version) == (NEW_TEXT, 2, 1)
    assert result.drafts.carried == [(old_backup, new.ref, "12.3.1")]
    assert result.drafts.orphaned == [(old_crypto, "10.1.1")]
    # the carried draft is reviewed and approved as any other; the orphan stays in its history
    assert "12.3.1" in [d.item.control_id for d in curation.review_due(db, within_days=0)]
    curation.approve(db, new)
    assert answer(db, TAPE).sources[0].text == NEW_TEXT
    orphan = curation.get(db, "response", int(old_crypto[1:]))
    assert orphan.draft.text == "保存データは暗号化しています。"
    assert any(e.action == "carry draft" for e in audit.entries(db))


def test_the_import_summary_says_where_drafts_went(db, tmp_path):
    from click.testing import CliRunner

    from kb.cli import cli

    curation.edit(db, curation.resolve(db, "12.3.1"), text=NEW_TEXT)
    curation.edit(db, curation.resolve(db, "10.1.1"), text="保存データは暗号化しています。")
    paper = tmp_path / "paper.md"
    paper.write_text(
        "# Our whitepaper\n\n## 12.3.1 情報のバックアップ\n\nバックアップは毎日取得しています。\n",
        encoding="utf-8",
    )
    db_path = db.execute("PRAGMA database_list").fetchone()[2]
    db.close()
    out = CliRunner().invoke(cli, ["--db", db_path, "import", "whitepaper", str(paper)]).output
    assert "carried over to R" in out and "10.1.1" in out and "NOT carried over" in out, out


def test_a_kb_of_drafts_only_offers_the_draft_to_the_very_question(tmp_path):
    # Past sheets imported before any whitepaper: no answering index to weigh a search, but a
    # person's draft answer to this very question is offered for review, never answered.
    db = connect(tmp_path / "drafts_only.db")
    doc = ParsedDocument(kind="checksheet", title="Osprey sheet", sha256="osprey", source_name="osprey.xlsx")
    pair = QAPair("監査ログを一年間保管していますか。", "はい", "監査ログは一年間保管しています。")
    store.import_qa_pairs(db, doc, [pair], customer="Osprey", answered_on="2026-02-01", approved=False)
    held = answer(db, "監査ログを一年間保管していますか。")
    assert held.status == "needs_review" and "draft" in held.why
    assert held.sources and "一年間保管" in held.sources[0].text
    assert answer(db, "退職者のアカウントを削除していますか。").status == "no_match"


def _sheet(db, sha: str, pairs: list[QAPair]) -> store.ImportResult:
    """ACME's sheet answered again: the same sheet (title, file, customer), another content."""
    doc = ParsedDocument(kind="checksheet", title="ACME sheet", sha256=sha, source_name="acme.xlsx")
    return store.import_qa_pairs(db, doc, pairs, customer="ACME", answered_on="2026-03-01", approved=True)


AUDIT_Q = "委託先の監査報告書を提供できますか。"
TRAIN_Q = "従業員に年1回の教育を実施していますか。"
WIPE_Q = "解約時にデータを消去しますか。"


def test_a_sheet_answered_again_carries_the_library_drafts_over_by_question(db):
    """An edit pending on a library answer must not vanish into the history when the customer's
    sheet it came from is imported again: it moves to the new answer to the same question; one
    the new sheet already says has landed; one whose question is gone stays and is named."""
    _sheet(db, "acme-1", [QAPair(AUDIT_Q, "はい", "年に一度提供します。"), QAPair(TRAIN_Q, "はい", "毎年実施します。"),
                          QAPair(WIPE_Q, "はい", "消去します。")])  # fmt: skip
    ids = {q: i for i, q in db.execute("SELECT id, question FROM qa_pairs")}
    curation.edit(db, curation.resolve(db, f"Q{ids[AUDIT_Q]}"), text="求めに応じて提供します。")
    curation.edit(db, curation.resolve(db, f"Q{ids[TRAIN_Q]}"), text="入社時と毎年実施します。")
    curation.edit(db, curation.resolve(db, f"Q{ids[WIPE_Q]}"), text="30 日以内に消去します。")
    result = _sheet(db, "acme-2", [QAPair(AUDIT_Q, "はい", "年に一度提供します。"),
                                   QAPair(TRAIN_Q, "はい", "入社時と毎年実施します。")])  # fmt: skip
    new = {q: i for i, q in db.execute("SELECT id, question FROM qa_pairs WHERE is_current = 1")}
    assert result.drafts.carried == [(f"Q{ids[AUDIT_Q]}", f"Q{new[AUDIT_Q]}", AUDIT_Q)]
    assert result.drafts.orphaned == [(f"Q{ids[WIPE_Q]}", WIPE_Q)]
    carried = curation.get(db, "qa", new[AUDIT_Q])
    assert (carried.text, carried.draft.text, carried.draft.version) == (
        "年に一度提供します。",
        "求めに応じて提供します。",
        2,
    )
    assert curation.get(db, "qa", new[TRAIN_Q]).draft is None  # the new sheet says it: landed
    assert curation.get(db, "qa", ids[WIPE_Q]).draft.text == "30 日以内に消去します。"
    assert [e.target_id for e in audit.entries(db) if e.action == "carry draft"] == [f"Q{new[AUDIT_Q]}"]
