"""kb serve --password-file: datasette-auth-passwords with hashed passwords; every route asks for a login."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest

from kb.errors import KBError
from tests.datasette_kb.conftest import PUBLIC, Served

pytest.importorskip(
    "datasette_auth_passwords", reason="datasette-auth-passwords is not installed (pip install -e .)"
)

from datasette_auth_passwords.utils import hash_password  # noqa: E402

from datasette_kb.login import login_metadata, read_accounts  # noqa: E402

PASSWORD = "correct horse battery staple"
# Few iterations: the hash is checked on every login of the test, and its strength is not what is tested.
HASHED = hash_password(PASSWORD, iterations=1000)

ROUTES = [
    "/",
    "/public",
    "/public/responses",
    "/public/responses.json",
    "/public/responses/1",
    "/public/chunks.json?_search=" + quote("ぜい弱性"),
    "/public/control_history.json?control_id=12.6.1",
    "/public.json",
    "/-/kb-search?q=" + quote("ぜい弱性"),
    "/-/kb-search.json?q=" + quote("ぜい弱性"),
    "/-/kb-evidence/" + hashlib.sha256(PUBLIC.encode("utf-8")).hexdigest(),
    "/public?sql=select+1",
]


@pytest.fixture(scope="module")
def site(evidence_copy):
    served = Served(evidence_copy, metadata=login_metadata(read_accounts(f"auditor:{HASHED}\n", "pw")))
    yield served
    served.close()


def _login(site, name: str, password: str):
    token = site.get("/-/login").cookies["ds_csrftoken"]
    return site.post(
        "/-/login",
        {"username": name, "password": password, "csrftoken": token},
        {"ds_csrftoken": token},
    )


@pytest.mark.parametrize("path", ROUTES)
def test_every_route_needs_a_login(site, path):
    assert site.get(path).status_code == 403, path


def test_a_wrong_password_gets_no_cookie(site):
    response = _login(site, "auditor", "wrong")
    assert "ds_actor" not in response.cookies and "Invalid username or password" in response.text


def test_after_login_every_route_answers(site):
    response = _login(site, "auditor", PASSWORD)
    assert response.status_code == 302
    cookies = {"ds_actor": response.cookies["ds_actor"]}
    for path in ROUTES:
        assert site.get(path, cookies=cookies).status_code == 200, path
    assert site.get("/public.db", cookies=cookies).status_code == 403  # still no download


def test_password_files_hold_hashes_only():
    assert read_accounts(f"# staff\n\nauditor:{HASHED}\nlead:{HASHED}\n", "pw") == {
        "auditor": HASHED,
        "lead": HASHED,
    }
    for text in (
        "auditor:hunter2\n",
        f"auditor {HASHED}\n",
        "",
        f"a:{HASHED}\na:{HASHED}\n",
        f"b/c:{HASHED}\n",
    ):
        with pytest.raises(KBError, match="pw"):
            read_accounts(text, "pw")
