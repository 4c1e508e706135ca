"""Evidence downloads: only files of the served copy, by sha256, with their type and name; nothing else on disk."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from kb.cli import cli
from tests.builders import build_demo_db
from tests.datasette_kb.conftest import Served

PUBLIC = "脆弱性診断報告書の概要 2025 年度。外部の専門業者による診断を実施しました。\n"
INTERNAL = "社内限りの診断詳細 ZZSECRETZZ。\n"


def _kb(tmp_path, *args):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "kb.db"), *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("evidence")
    build_demo_db(tmp_path).close()
    (tmp_path / "診断報告.txt").write_text(PUBLIC, encoding="utf-8")
    (tmp_path / "internal.txt").write_text(INTERNAL, encoding="utf-8")
    _kb(
        tmp_path,
        "evidence",
        "add",
        str(tmp_path / "診断報告.txt"),
        "--control",
        "12.6.1",
        "--classification",
        "public",
    )
    _kb(tmp_path, "evidence", "add", str(tmp_path / "internal.txt"), "--control", "12.6.1")
    out = _kb(tmp_path, "publish", "--audience", "public", "-o", str(tmp_path / "public.db"))
    assert "1 evidence files beside it" in out
    return tmp_path / "public.db"


@pytest.fixture(scope="module")
def site(copy):
    served = Served(copy)
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


def test_a_file_not_in_the_copy_is_not_found(site, copy):
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
    ):
        # (Datasette first redirects a %2F path to its ~2F spelling.)
        assert site.get(path, follow_redirects=True).status_code == 404, path


def test_a_changed_file_is_not_served(copy, tmp_path):
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
