"""The `kb` command line: the one room that knows click, rich, the importers and exporters.

root holds the group, its errors and shared helpers; each command group has its
module; render lays out everything printed for a person. Importing this package
registers every command on ``cli``.
"""

from kb.cli import (  # noqa: F401
    answering,
    applying,
    backups,
    checking,
    checksheets,
    clauses,
    curating,
    evidence,
    exporting,
    glossary,
    importing,
    ledgering,
    maintenance,
    profile,
    serving,
)
from kb.cli.root import cli, main

__all__ = ["cli", "main"]
