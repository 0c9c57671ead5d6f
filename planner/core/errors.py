"""The one error family: every error a user can cause derives from ``PlannerError``.

Its message is one sentence for the user (what is wrong and, where it helps, what to do).
Front ends catch ``PlannerError`` and print or show the message; anything else is a bug.
"""

from __future__ import annotations


class PlannerError(Exception):
    """Bad input, bad data or an impossible request; ``str(exc)`` is the sentence to show."""


class UsageError(PlannerError):
    """A command-line or form value makes no sense."""


class Busy(PlannerError):
    """Another process holds the data for writing; nothing was changed, try again."""
