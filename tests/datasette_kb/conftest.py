"""Datasette serving published copies of the demo and seed KBs, asked through datasette.client (httpx, no browser)."""

from __future__ import annotations

import asyncio

import pytest


class Served:
    """One Datasette, as `kb serve` configures it, on the given copies; get() runs a request."""

    def __init__(self, *paths):
        from datasette.app import Datasette

        import datasette_kb

        datasette_kb.ensure_registered()
        self.ds = Datasette(immutables=[str(p) for p in paths], settings=datasette_kb.SERVE_SETTINGS)
        self.loop = asyncio.new_event_loop()

    def get(self, path: str, *, follow_redirects: bool = False):
        return self.loop.run_until_complete(self.ds.client.get(path, follow_redirects=follow_redirects))

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
