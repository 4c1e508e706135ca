"""Login for `kb serve --password-file F`: datasette-auth-passwords with hashed passwords only.

F holds one account a line, ``name:hash``, the hash as `datasette hash-password` prints it
(pbkdf2_sha256$iterations$salt$digest); blank lines and lines starting with # are skipped.
With accounts, the instance allows only them: every page, JSON endpoint, canned query,
search and evidence download asks for a login first (Datasette's view-instance permission,
which the plugin's own pages check too); /-/login is where one logs in.
"""

from __future__ import annotations

import re

from kb.errors import KBError
from kb.i18n import _

PLUGIN = "datasette-auth-passwords"
_HASH = re.compile(r"pbkdf2_sha256\$\d+\$[^$\s]+\$[A-Za-z0-9+/=]+")
_NAME = re.compile(r"[A-Za-z0-9_.@-]+")


def read_accounts(text: str, source: str) -> dict[str, str]:
    """name -> password hash, from a password file's text; KBError naming the line otherwise."""
    accounts: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, hashed = line.partition(":")
        if not sep or not _NAME.fullmatch(name) or not _HASH.fullmatch(hashed.strip()):
            raise KBError(
                _(
                    "{source} line {number}: expected NAME:pbkdf2_sha256$... (a hash from `datasette hash-password`, never a password itself)"
                ).format(source=source, number=number)
            )
        if name in accounts:
            raise KBError(
                _("{source} line {number}: {name} is given twice").format(
                    source=source, number=number, name=name
                )
            )
        accounts[name] = hashed.strip()
    if not accounts:
        raise KBError(_("{source} names no account").format(source=source))
    return accounts


def login_metadata(accounts: dict[str, str]) -> dict:
    """Datasette metadata that lets only these accounts in, through datasette-auth-passwords."""
    try:
        import datasette_auth_passwords  # noqa: F401
    except ImportError:
        raise KBError(_("--password-file needs {plugin} (pip install -e .)").format(plugin=PLUGIN)) from None
    return {
        "allow": {"id": sorted(accounts)},
        "plugins": {PLUGIN: {f"{name}_password_hash": hashed for name, hashed in accounts.items()}},
    }
