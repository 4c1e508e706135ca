"""Answers from a KB holding a whitepaper in Japanese and the provider's English edition."""

from __future__ import annotations

import pytest

from kb import store
from kb.answer import MAX_SOURCES, Translation, answer, hits_wanted
from kb.db import connect_memory
from kb.search import IndexCache
from tests.builders import kestrel


@pytest.fixture
def bilingual():
    db = connect_memory()
    store.import_document(db, kestrel("ja"))
    store.import_document(db, kestrel("en"))
    return db


def _control_ids(a) -> list[str | None]:
    return [s.control_id for s in a.sources]


def test_an_english_question_is_answered_from_the_english_text_with_the_japanese_as_translation(bilingual):
    a = answer(bilingual, "In which country do you keep customer data?", keep_sources=True)
    top = a.sources[0]
    assert (top.control_id, top.lang) == ("6.1.3", "en")
    assert top.text.startswith("Customer data is kept only in our Frankfurt data center.")
    assert top.citations == [
        "Kestrel VPS ISO/IEC 27017 Whitepaper 6.1.3",
        "Kestrel Terms of Use, Article 7 (Storage Region)",
    ]
    (ja,) = top.translations
    assert ja.lang == "ja" and ja.text.startswith("お客様のデータはフランクフルト")
    assert ja.citations == (
        "ケストレル VPS ISO/IEC 27017 ホワイトペーパー 6.1.3",
        "ケストレル 利用規約 第7条（保存地域）",
    )
    assert ja.title == "6.1.3 関係当局との連絡"
    assert top.in_language("ja") == ja
    assert top.in_language("en") == Translation(
        "en", top.text, tuple(top.citations), top.title, top.source_id
    )
    # Each edition names its own response (the one kb.ledger records when that text is written).
    ids = {r[0] for r in bilingual.execute("SELECT id FROM responses WHERE control_id = '6.1.3'")}
    assert {top.source_id, ja.source_id} == ids and top.source_id != ja.source_id


def test_a_japanese_question_gets_the_japanese_source_with_the_english_as_translation(bilingual):
    a = answer(bilingual, "お客様のデータはどこのデータセンターに保存しますか。", keep_sources=True)
    top = a.sources[0]
    assert (top.control_id, top.lang) == ("6.1.3", "ja")
    assert [t.lang for t in top.translations] == ["en"]
    assert top.in_language("en").citations[-1] == "Kestrel Terms of Use, Article 7 (Storage Region)"


@pytest.mark.parametrize(
    "question",
    [
        "How long are backups kept?",
        "バックアップは何日間保管しますか。",
        "Do you notify customers of incidents by email?",
    ],
)
def test_one_control_is_one_source_whichever_edition_matched(bilingual, question):
    a = answer(bilingual, question, keep_sources=True)
    ids = [c for c in _control_ids(a) if c]
    assert ids and len(ids) == len(set(ids))
    assert all(len(s.translations) == 1 for s in a.sources if s.control_id)


def test_both_editions_are_searched_for_more_sources(bilingual):
    assert hits_wanted(bilingual, IndexCache.of(bilingual)) == 2 * MAX_SOURCES
    a = answer(bilingual, "Backups every night and incidents by email within 24 hours", keep_sources=True)
    assert len(a.sources) == len({s.control_id for s in a.sources})


def test_an_edition_the_audience_may_not_see_is_no_translation():
    db = connect_memory()
    store.import_document(db, kestrel("ja"))
    store.import_document(db, kestrel("en", classification="nda"))
    public = answer(db, "お客様のデータはどこのデータセンターに保存しますか。", keep_sources=True)
    assert public.sources[0].lang == "ja" and public.sources[0].translations == ()
    everyone = answer(
        db, "お客様のデータはどこのデータセンターに保存しますか。", keep_sources=True, audience="nda"
    )
    assert [t.lang for t in everyone.sources[0].translations] == ["en"]
    assert everyone.withheld is None
    # Counted for the public answer, not shown, and not counted again as another source.
    assert public.withheld is not None and public.withheld.sources == 0
    # Every Kestrel control has an English edition; a general section has none.
    assert public.withheld.translations == sum(1 for s in public.sources if s.control_id) >= 1


def test_a_kb_in_one_language_answers_without_translations():
    db = connect_memory()
    store.import_document(db, kestrel("ja"))
    assert hits_wanted(db, IndexCache.of(db)) == MAX_SOURCES
    a = answer(db, "お客様のデータはどこのデータセンターに保存しますか。", keep_sources=True)
    assert a.sources and all(s.lang == "ja" and s.translations == () for s in a.sources)
    assert a.sources[0].in_language("en") is None

    english_only = connect_memory()
    store.import_document(english_only, kestrel("en"))
    b = answer(english_only, "Where is customer data kept?", keep_sources=True)
    assert b.sources[0].lang == "en" and b.sources[0].in_language("ja") is None
