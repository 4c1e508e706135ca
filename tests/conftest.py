from __future__ import annotations

import os

import pytest

# Re-exported for test modules that still import them from here; new code imports tests.paths.
from tests.paths import DEMO, DEV_QUESTIONS, ROOT, SEED, SHARED, need_shared

__all__ = ["DEMO", "DEV_QUESTIONS", "ROOT", "SEED", "SHARED", "need_shared"]

# kb speaks the language of KB_LANG or the locale (kb.i18n). The tests read its English unless
# they ask for a language (the `lang` fixture): a developer's LANG=ja_JP.UTF-8 must not change
# them. Set before any kb.cli module is imported, since click help texts are translated then.
os.environ["KB_LANG"] = "en"


@pytest.fixture(params=["en", "ja"])
def lang(request, monkeypatch):
    """Runs the test in English and in Japanese (KB_LANG); the value is the language."""
    monkeypatch.setenv("KB_LANG", request.param)
    return request.param


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory):
    """A KB built from the real seed whitepaper (read-only for tests)."""
    need_shared(SEED)
    from importers.whitepaper import parse_whitepaper
    from kb import store
    from kb.db import connect

    db = connect(tmp_path_factory.mktemp("seed") / "kb.db")
    store.import_document(db, parse_whitepaper(SEED.read_bytes(), SEED.name))
    return db


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    from tests.builders import build_demo_db

    return build_demo_db(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def x14_workbook(tmp_path):
    """tests.workbooks.build_x14_workbook in the test's folder: dropdowns only as x14 validations."""
    from tests.workbooks import build_x14_workbook

    return build_x14_workbook(tmp_path / "x14.xlsx")


@pytest.fixture
def small_workbook(tmp_path):
    """tests.workbooks.build_small_workbook in the test's folder: one question on sheet 'Sheet'."""
    from tests.workbooks import build_small_workbook

    return build_small_workbook(tmp_path / "a.xlsx")
