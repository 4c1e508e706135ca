from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "000_7aaf04e06d1268f3.txt"
DEV_QUESTIONS = SHARED / "data" / "dev" / "questions_dev.jsonl"
DEMO = ROOT / "demo"


def need_shared(path: Path = SHARED) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not present: the shared fixtures live beside the checkout (../shared)")
    return path


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
    from importers.whitepaper import parse_whitepaper
    from kb import store
    from kb.db import connect

    path = DEMO / "sample_whitepaper.md"
    db = connect(tmp_path_factory.mktemp("demo") / "kb.db")
    store.import_document(db, parse_whitepaper(path.read_bytes(), path.name))
    return db
