"""The plugin's pages follow Datasette's permissions: a locked instance shows nothing without an actor."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest

from tests.datasette_kb.conftest import PUBLIC, Served

STAFF = {"id": "auditor"}


@pytest.fixture(scope="module")
def locked(evidence_copy):
    site = Served(evidence_copy, metadata={"allow": {"id": STAFF["id"]}})
    yield site
    site.close()


PAGES = [
    "/-/kb-search?q=" + quote("ぜい弱性"),
    "/-/kb-search.json?q=" + quote("ぜい弱性"),
    "/-/kb-evidence/" + hashlib.sha256(PUBLIC.encode("utf-8")).hexdigest(),
    "/public",
    "/public/responses.json?_search=" + quote("ぜい弱性"),
    "/public/responses_citing_clause.json?article=12&document=",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_needs_the_actor(locked, path):
    assert locked.get(path).status_code == 403
    assert locked.get(path, actor={"id": "someone-else"}).status_code == 403
    assert locked.get(path, actor=STAFF).status_code == 200
