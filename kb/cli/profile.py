"""`kb profile set|list|unset`: the provider's identity fields, which kb fill answers from alone."""

from __future__ import annotations

import click

from kb.cli.root import KBGroup, cli, echo_json, open_db
from kb.errors import KBError
from kb.i18n import _, ngettext

# '' is one value for every language (an email address, a URL).
_LANG_CHOICE = click.Choice(["ja", "en", "any"])


def _lang(choice: str) -> str:
    return "" if choice == "any" else choice


def _known_key(key: str) -> str:
    from kb import profile

    if key not in profile.KEYS:
        raise KBError(
            _("unknown profile key {key!r}; known keys: {keys}").format(key=key, keys=", ".join(profile.KEYS))
        )
    return key


@cli.group(name="profile", cls=KBGroup)
def profile_group() -> None:
    """Who answers: provider and product name, headquarters, contact (per language).

    kb fill answers identity fields ("Vendor Name", 会社名) from these values only, never
    from control text; a field without a value is left for review.
    """


@profile_group.command(name="set")
@click.argument("key")
@click.argument("value")
@click.option(
    "--lang", type=_LANG_CHOICE, default="any", show_default=True, help="The language VALUE is written in."
)
@click.pass_context
def profile_set(ctx, key: str, value: str, lang: str) -> None:
    """Set a profile field: kb profile set provider_name "Kaku Cloud Inc." --lang en"""
    from kb import profile

    if not value.strip():
        raise KBError(_("the value is empty; use kb profile unset to remove a field"))
    profile.set_value(open_db(ctx, create=True), _known_key(key), _lang(lang), value.strip())
    click.echo(_("set {key} ({lang})").format(key=key, lang=lang))


@profile_group.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the fields as JSON.")
@click.pass_context
def profile_list(ctx, as_json: bool) -> None:
    """List every profile field that has a value (key, language, value)."""
    from kb import profile

    rows = profile.values(open_db(ctx))
    if as_json:
        echo_json([{"key": key, "lang": lang or "any", "value": value} for key, lang, value in rows])
        return
    for key, lang, value in rows:
        click.echo(f"{key}\t{lang or 'any'}\t{value}")
    if not rows:
        click.echo(_("no profile fields set; keys: {keys}").format(keys=", ".join(profile.KEYS)), err=True)


@profile_group.command(name="unset")
@click.argument("key")
@click.option("--lang", type=_LANG_CHOICE, help="Only the value in this language (default: every language).")
@click.pass_context
def profile_unset(ctx, key: str, lang: str | None) -> None:
    """Remove a profile field (in one language, or all)."""
    from kb import profile

    removed = profile.unset_value(open_db(ctx), _known_key(key), None if lang is None else _lang(lang))
    click.echo(
        ngettext("removed {n} value of {key}", "removed {n} values of {key}", removed).format(
            n=removed, key=key
        )
    )
