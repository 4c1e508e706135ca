"""--service, as every command that answers, lists or copies content for one service spells it (kb.services)."""

from __future__ import annotations

import click


def service_option(why: str):
    """--service NAME: the service a command confines itself to, with what that means for it."""
    return click.option("--service", metavar="NAME", help=f"Only the service NAME (kb.services): {why}.")
