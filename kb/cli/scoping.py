"""--service, as every command that answers, lists or copies content for one service spells it (kb.services)."""

from __future__ import annotations

import click

from kb.i18n import _


def service_option(why: str):
    """--service NAME: the service a command confines itself to, with what that means for it
    (its callers' texts are found by kb.i18n_extract's OPTION_BUILDERS)."""
    return click.option(
        "--service", metavar="NAME", help=_("Only the service NAME (kb.services): {why}.").format(why=_(why))
    )
