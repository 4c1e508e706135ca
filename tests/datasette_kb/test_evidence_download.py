"""Evidence downloads: only files of the served copy, by sha256, with their type and name; nothing else on disk."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest

from tests.datasette_kb.conftest import INTERNAL, PUBLIC, Served


@pytest.fixture(scope="module")
def site(evidence_copy):
    served = Served(evidence_copy)
    yield served
    served.close()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_public_file_downloads_with_its_type_and_name(site):
    response = site.get(f"/-/kb-evidence/{_digest(PUBLIC)}")
    assert response.status_code == 200
    assert response.content == PUBLIC.encode("utf-8")
    assert response.headers["content-type"].startswith("text/plain")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and quote("診断報告.txt") in disposition
    page = site.get("/public/evidence_files")
    assert f"/-/kb-evidence/{_digest(PUBLIC)}" in page.text


def test_a_file_not_in_the_copy_is_not_found(site, evidence_copy):
    copy = evidence_copy
    assert (
        site.get(f"/-/kb-evidence/{_digest(INTERNAL)}").status_code == 404
    )  # internal: not in a public copy
    assert not list((copy.parent / "public.db.vault").rglob(_digest(INTERNAL)))
    assert site.get("/-/kb-evidence/" + "0" * 64).status_code == 404
    for path in (
        "/-/kb-evidence/../kb.db",
        "/-/kb-evidence/" + quote("../../kb.db", safe=""),
        "/-/kb-evidence/" + _digest(PUBLIC)[:63],
        "/-/kb-evidence/" + _digest(PUBLIC).upper(),
        "/-/kb-evidence/" + quote(str(copy), safe=""),
        "/-/kb-evidence/%2e%2e%2fkb.db",
        "/-/kb-evidence/" + "g" * 64,  # 64 characters, not hex
        f"/-/kb-evidence/{_digest(PUBLIC)}/../../kb.db",
    ):
        # (Datasette first redirects a %2F path to its ~2F spelling.)
        assert site.get(path, follow_redirects=True).status_code == 404, path


def test_a_changed_file_is_not_served(evidence_copy, tmp_path):
    copy = evidence_copy
    import shutil

    moved = tmp_path / "public.db"
    shutil.copy(copy, moved)
    stored = moved.with_name("public.db.vault") / "sha256" / _digest(PUBLIC)[:2] / _digest(PUBLIC)
    stored.parent.mkdir(parents=True)
    stored.write_text("changed", encoding="utf-8")
    served = Served(moved)
    try:
        assert served.get(f"/-/kb-evidence/{_digest(PUBLIC)}").status_code == 404
    finally:
        served.close()
