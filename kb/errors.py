"""Errors that reach the user as one line on stderr and exit code 2."""


class KBError(Exception):
    """A problem with the user's input or data, reported without a traceback."""

    exit_code = 2
