"""Shipped glossary groups at work: an English question reaches the Japanese wording of a
tiny KB written for the test, and the topic gate lets the source answer because the
glossary carries the word's sense instead of leaving it unknown (kb.gate's
'untranslatable' rule). Each question turns on one group; without it the question is held."""

from __future__ import annotations

import pytest

from kb.answer import answer
from tests.builders import whitepaper_kb


@pytest.fixture(scope="module")
def terms_db(tmp_path_factory):
    return whitepaper_kb(
        tmp_path_factory.mktemp("terms") / "kb.db",
        "Glossary terms test whitepaper",
        [
            ("3.1.1", "事故への備え", "インシデント対応計画を定め、年に一度見直しています。"),
            ("3.1.2", "原因の究明", "発生した障害は、担当部署が原因を調査します。"),
            ("3.1.3", "パスワード", "パスワードの複雑さは登録画面で強制しています。"),
            ("3.1.4", "時計", "全てのサーバーは参照時刻源と同期しています。"),
            ("3.1.5", "保守", "利用者に影響がある保守作業は、事前に利用者へ通知します。"),
            ("3.1.6", "設定の点検", "設定ミスは、四半期ごとの点検で洗い出しています。"),
            ("3.1.7", "記録", "アプリケーションのエラーはログに記録しています。"),
            ("3.1.8", "ログの提供", "利用者からの要請に応じて、ログを提供しています。"),
            ("3.1.9", "媒体", "不要になった媒体は、物理的に破壊しています。"),
        ],
    )


# (question, the section that answers it, the group it turns on)
CASES = [
    ("Is an IRP maintained?", "3.1.1", "irp: incident response plan, インシデント対応計画"),
    ("Are failures investigated?", "3.1.2", "investigation: 調査"),
    ("Is password complexity enforced?", "3.1.3", "enforcement: 強制"),
    ("Is complexity required for passwords?", "3.1.3", "complexity: 複雑さ"),
    ("Are servers synchronized with an authoritative time source?", "3.1.4", "authoritative time source"),
    ("Are users notified of maintenance that impacts them?", "3.1.5", "impact / affect: 影響"),
    ("Are users notified of maintenance that affects them?", "3.1.5", "impact / affect: 影響"),
    ("Are misconfigurations reviewed quarterly?", "3.1.6", "misconfiguration: 設定ミス"),
    ("Are application errors logged?", "3.1.7", "error: エラー"),
    ("Are logs provided to users on request?", "3.1.8", "request: 要請"),
    ("Is media no longer needed destroyed physically?", "3.1.9", "no longer needed: 不要になった"),
]


@pytest.mark.parametrize(("question", "control_id", "group"), CASES, ids=[c[2] for c in CASES])
def test_an_english_term_reaches_its_japanese_equivalent(terms_db, question, control_id, group):
    got = answer(terms_db, question, auto_threshold=0.3)
    assert got.sources and got.sources[0].control_id == control_id, group
    assert (got.status, got.why) == ("answered", None), group
