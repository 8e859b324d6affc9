"""Error types shared by every entry point.

A :class:`UserError` is a problem with what the user gave us (a config key, a
world file, an evidence row, an output directory).  Entry points catch it,
print its one-line message and exit with status 2 without a traceback.  Any
other exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""

    exit_code = 2


class WorldError(UserError):
    """A world file is malformed: names the file and the offending key."""


class EvidenceError(UserError):
    """An evidence or sources file is malformed: names the file, row and field."""


class ConfigError(UserError):
    """A Hydra override or config value is invalid: names the key and what is allowed."""
