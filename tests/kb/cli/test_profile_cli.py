"""`kb profile set|list|unset`: the identity fields kb fill answers from."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kb.cli import cli
from kb.profile import KEYS


def run(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), "profile", *args], catch_exceptions=False)


def test_set_list_unset_per_language(tmp_path):
    db = tmp_path / "kb.db"
    assert run(db, "set", "provider_name", "架空クラウド株式会社", "--lang", "ja").exit_code == 0
    assert run(db, "set", "provider_name", "Kaku Cloud Inc.", "--lang", "en").exit_code == 0
    assert run(db, "set", "contact_email", "security@example.jp").exit_code == 0  # any language
    listed = run(db, "list", "--json")
    assert json.loads(listed.stdout) == [
        {"key": "contact_email", "lang": "any", "value": "security@example.jp"},
        {"key": "provider_name", "lang": "en", "value": "Kaku Cloud Inc."},
        {"key": "provider_name", "lang": "ja", "value": "架空クラウド株式会社"},
    ]
    assert run(db, "list").stdout.splitlines()[0] == "contact_email\tany\tsecurity@example.jp"
    assert run(db, "unset", "provider_name", "--lang", "en").stdout == "removed 1 value of provider_name\n"
    assert [r["lang"] for r in json.loads(run(db, "list", "--json").stdout)] == ["any", "ja"]
    assert run(db, "unset", "provider_name").stdout == "removed 1 value of provider_name\n"
    assert run(db, "unset", "contact_email").exit_code == 0
    empty = run(db, "list")
    assert empty.stdout == "" and "no profile fields set" in empty.stderr


def test_an_unknown_key_is_one_line_listing_the_keys(tmp_path):
    for args in (("set", "favourite_colour", "blue"), ("unset", "favourite_colour")):
        res = run(tmp_path / "kb.db", *args)
        assert res.exit_code == 2 and res.stderr.count("\n") == 1
        assert "unknown profile key 'favourite_colour'" in res.stderr
        assert all(key in res.stderr for key in KEYS)


def test_a_bad_language_or_empty_value_is_refused(tmp_path):
    assert run(tmp_path / "kb.db", "set", "provider_name", "X", "--lang", "fr").exit_code == 2
    res = run(tmp_path / "kb.db", "set", "provider_name", "  ")
    assert res.exit_code == 2 and "empty" in res.stderr
