"""Who may see what: the one module that decides which content an audience receives.

Every row that can reach someone outside the company (a response, a clause, a piece
of evidence, a library answer, a chunk of the search index) carries a classification
from kb.db.CLASSIFICATIONS. The levels are ordered: an audience sees its own level and
those below it, never above. Every reader that writes for people (fill, answer, export,
publish, serve) asks this module instead of spelling the rule itself.

Defaults (why: kb.settings): what goes to customers (kb answer, kb fill, kb export json)
is for DEFAULT_AUDIENCE unless the caller names another; kb search, a staff tool, is for
STAFF_AUDIENCE. A customer is never internal: CUSTOMER_AUDIENCES is what kb fill accepts.
"""

from __future__ import annotations

from kb.db import CLASSIFICATIONS
from kb.errors import KBError
from kb.i18n import _
from kb.settings import DEFAULTS

# Least to most restricted: public material may go to anyone, nda material to a
# customer under a non-disclosure agreement, internal material to staff only.
LEVELS: tuple[str, ...] = CLASSIFICATIONS
AUDIENCES: tuple[str, ...] = LEVELS
# Everyone outside the company: every level but the last (internal is staff only).
CUSTOMER_AUDIENCES: tuple[str, ...] = LEVELS[:-1]
# What a customer-facing output assumes when the caller names no audience.
DEFAULT_AUDIENCE: str = DEFAULTS["default_audience"]
# What a staff tool (kb search) assumes when the caller names no audience.
STAFF_AUDIENCE: str = DEFAULTS["staff_audience"]


def check_audience(audience: str) -> str:
    """``audience`` itself when it is one of AUDIENCES; a KBError naming the choices otherwise."""
    if audience not in AUDIENCES:
        raise KBError(
            _("unknown audience {audience!r}: choose one of {audiences}").format(
                audience=audience, audiences=", ".join(AUDIENCES)
            )
        )
    return audience


def check_customer_audience(audience: str) -> str:
    """``audience`` when a customer may be it: a file for a customer is never for internal eyes."""
    if check_audience(audience) not in CUSTOMER_AUDIENCES:
        raise KBError(
            _("audience {audience!r} is staff only: a customer's file is for {audiences}").format(
                audience=audience, audiences=" or ".join(CUSTOMER_AUDIENCES)
            )
        )
    return audience


def check_classification(classification: str) -> str:
    if classification not in LEVELS:
        raise KBError(
            _("unknown classification {classification!r}: choose one of {levels}").format(
                classification=classification, levels=", ".join(LEVELS)
            )
        )
    return classification


def visible_to(audience: str) -> tuple[str, ...]:
    """The classifications ``audience`` may see, least restricted first."""
    return LEVELS[: LEVELS.index(check_audience(audience)) + 1]


def hidden_from(audience: str) -> tuple[str, ...]:
    """The classifications ``audience`` may not see (none for the most trusted)."""
    return LEVELS[LEVELS.index(check_audience(audience)) + 1 :]


def may_see(audience: str, classification: str) -> bool:
    return check_classification(classification) in visible_to(audience)
