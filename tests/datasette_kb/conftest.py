"""Datasette serving published copies of the demo and seed KBs, asked through datasette.client (httpx, no browser)."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner

from kb.cli import cli
from tests.builders import build_demo_db


class Served:
    """One Datasette, as `kb serve` configures it, on the given copies; get() runs a request."""

    def __init__(self, *paths, metadata: dict | None = None):
        from datasette.app import Datasette

        import datasette_kb

        datasette_kb.ensure_registered()
        self.ds = Datasette(
            immutables=[str(p) for p in paths], settings=datasette_kb.SERVE_SETTINGS, metadata=metadata
        )
        self.loop = asyncio.new_event_loop()

    def get(self, path: str, *, follow_redirects: bool = False, actor: dict | None = None, cookies=None):
        if actor:
            cookies = {**(cookies or {}), "ds_actor": self.ds.sign({"a": actor}, "actor")}
        return self.loop.run_until_complete(
            self.ds.client.get(path, follow_redirects=follow_redirects, cookies=cookies)
        )

    def post(self, path: str, data: dict, cookies: dict):
        return self.loop.run_until_complete(self.ds.client.post(path, data=data, cookies=cookies))

    def close(self) -> None:
        self.loop.close()


@pytest.fixture(scope="session")
def demo_copy(tmp_path_factory, demo_db):
    from kb.publish import publish

    return publish(demo_db, tmp_path_factory.mktemp("served") / "demo.db", "public").path


@pytest.fixture(scope="session")
def seed_copy(tmp_path_factory, seed_db):
    from kb.publish import publish

    return publish(seed_db, tmp_path_factory.mktemp("served") / "seed.db", "public").path


@pytest.fixture(scope="session")
def demo_site(demo_copy):
    site = Served(demo_copy)
    yield site
    site.close()


@pytest.fixture(scope="session")
def seed_site(seed_copy):
    site = Served(seed_copy)
    yield site
    site.close()


# The evidence files' text (tests/datasette_kb/test_evidence_download.py, test_permissions.py).
PUBLIC = "脆弱性診断報告書の概要 2025 年度。外部の専門業者による診断を実施しました。\n"
INTERNAL = "社内限りの診断詳細 ZZSECRETZZ。\n"


def _kb(tmp_path, *args):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "kb.db"), *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="session")
def evidence_copy(tmp_path_factory):
    """A public copy of the demo KB with one public and one internal evidence file."""
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
