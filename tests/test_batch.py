"""Answering many questions: the same answers on every path, in order."""

import json
import os
import time

import pytest

from kb import batch
from kb.answer import answer
from kb.db import connect_memory
from kb.errors import KBError
from tests.test_store import make_doc

QUESTIONS = [
    "データセンターはどの国にありますか。",
    "Which country is the data stored in?",
    "バックアップは取得していますか。",
    "Is customer data encrypted at rest?",
    "耐震構造ですか。",
    "ログは何年保管しますか。",
] * 6


def as_json(answers):
    return json.dumps([a.to_json() for a in answers], ensure_ascii=False, sort_keys=True)


def test_workers_give_the_answers_of_one_process_in_order(demo_db):
    one = [answer(demo_db, q) for q in QUESTIONS]
    seen = []
    many = batch.answer_many(demo_db, QUESTIONS, workers=2, progress=seen.append)
    assert as_json(many) == as_json(one)
    assert sum(seen) == len(QUESTIONS)


def test_options_reach_the_workers(demo_db):
    strict = batch.answer_many(demo_db, QUESTIONS[:12], workers=2, auto_threshold=1.01)
    assert strict and all(a.status != "answered" for a in strict)


def test_memory_kb_and_open_transaction_stay_in_this_process(tmp_path, demo_db, monkeypatch):
    from kb import store

    def no_pool(*args, **kwargs):
        raise AssertionError("no workers expected")

    monkeypatch.setattr(batch, "_answer_forked", no_pool)
    memory = connect_memory()
    store.import_document(memory, make_doc("1.0"))
    assert batch.database_file(memory) is None
    assert len(batch.answer_many(memory, QUESTIONS, workers=2)) == len(QUESTIONS)
    with demo_db.atomic():
        assert len(batch.answer_many(demo_db, QUESTIONS[:3], workers=2)) == 3


def test_short_lists_are_not_worth_workers():
    assert batch.worker_count(batch.PARALLEL_MIN - 1) == 1


def _fail_in_helpers(monkeypatch, failure):
    """kb.answer that fails in forked helpers only, and is slow enough here that they get work."""
    parent, real = os.getpid(), batch.answer

    def answer_or_fail(db, question, **options):
        if os.getpid() != parent:
            failure()
        time.sleep(0.002)
        return real(db, question, **options)

    monkeypatch.setattr(batch, "answer", answer_or_fail)


def test_an_error_in_a_helper_is_reported(demo_db, monkeypatch):
    def boom():
        raise RuntimeError("boom")

    _fail_in_helpers(monkeypatch, boom)
    with pytest.raises(KBError, match="RuntimeError: boom"):
        batch.answer_many(demo_db, QUESTIONS * 4, workers=2)


def test_a_helper_that_dies_is_reported_not_waited_for(demo_db, monkeypatch):
    _fail_in_helpers(monkeypatch, lambda: os._exit(3))
    with pytest.raises(KBError, match="ended early"):
        batch.answer_many(demo_db, QUESTIONS * 4, workers=2)
