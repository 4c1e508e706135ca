"""Every setting is declared once, with its reason, and the modules use the declared values."""

import re
from pathlib import Path

import pytest

from kb import answer, audience, batch, db, search, settings

ROOT = Path(__file__).resolve().parents[2]

# Each module-level name that callers and tests use, as the setting it stands for.
ALIASES = {
    "auto_threshold": [(answer, "AUTO_THRESHOLD")],
    "review_threshold": [(answer, "REVIEW_THRESHOLD")],
    "max_sources": [(answer, "MAX_SOURCES")],
    "default_audience": [(audience, "DEFAULT_AUDIENCE")],
    "staff_audience": [(audience, "STAFF_AUDIENCE")],
    "parallel_min": [(batch, "PARALLEL_MIN")],
    "max_workers": [(batch, "MAX_WORKERS")],
    "batch_chunk": [(batch, "CHUNK")],
    "max_chunks": [(batch, "MAX_CHUNKS")],
    "match_budget_ratio": [(search, "MATCH_BUDGET_RATIO")],
    "match_budget_min": [(search, "MATCH_BUDGET_MIN")],
    "max_match_phrases": [(search, "MAX_MATCH_PHRASES")],
    "broad_budget_factor": [(search, "BROAD_BUDGET_FACTOR")],
    "candidates": [(search, "CANDIDATES")],
    "min_filtered": [(search, "MIN_FILTERED")],
    "title_weight": [(search, "TITLE_WEIGHT")],
    "whole_vocabulary_max_chunks": [(search, "WHOLE_VOCABULARY_MAX_CHUNKS")],
    "exact_phrase_df_limit": [(search, "EXACT_PHRASE_DF_LIMIT")],
    "postings_max_df": [(search, "POSTINGS_MAX_DF")],
    "part_weight": [(search, "PART_WEIGHT")],
    "scattered_credit": [(search, "SCATTERED_CREDIT")],
    "unseen_latin_weight": [(search, "UNSEEN_LATIN_WEIGHT")],
    "body_only_credit": [(search, "BODY_ONLY_CREDIT")],
    "coverage_share": [(search, "COVERAGE_SHARE")],
    "bm25_share": [(search, "BM25_SHARE")],
    "cache_max_rows": [(search.IndexCache, "MAX_ROWS")],
    "cache_max_concepts": [(search.IndexCache, "MAX_CONCEPTS")],
    "cache_max_credits": [(search.IndexCache, "MAX_CREDITS")],
    "cache_max_postings": [(search.IndexCache, "MAX_POSTINGS")],
    "busy_timeout_seconds": [(db, "BUSY_TIMEOUT_SECONDS")],
}


def test_every_setting_has_a_name_a_value_and_a_reason():
    names = [s.name for s in settings.SETTINGS]
    assert len(names) == len(set(names)), "a setting declared twice"
    for setting in settings.SETTINGS:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", setting.name), setting.name
        assert setting.default is not None, setting.name
        assert len(setting.help.split()) >= 5, f"{setting.name}: say why this value"
    assert settings.DEFAULTS == {s.name: s.default for s in settings.SETTINGS}


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_modules_use_the_declared_value(name):
    for owner, alias in ALIASES[name]:
        assert getattr(owner, alias) == settings.DEFAULTS[name], f"{owner.__name__}.{alias}"


def test_every_setting_is_read_where_it_is_used():
    code = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "kb").rglob("*.py"))
    for name in settings.DEFAULTS:
        assert f'DEFAULTS["{name}"]' in code, f"{name} is declared but nothing reads it"
    assert set(ALIASES) <= set(settings.DEFAULTS)


def test_settings_agree_with_each_other_and_the_schema():
    d = settings.DEFAULTS
    assert 0 < d["review_threshold"] < d["auto_threshold"] <= 1
    assert d["default_audience"] in db.CLASSIFICATIONS[:-1]  # a customer is never internal
    assert d["staff_audience"] in db.CLASSIFICATIONS
    assert d["postings_max_df"] <= d["exact_phrase_df_limit"]
    assert d["coverage_share"] + d["bm25_share"] == pytest.approx(1.0)
    assert d["max_chunks"] * 4 <= 65536  # chunk numbers fit a pipe's buffer at once
