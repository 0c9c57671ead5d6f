"""Counts in sentences: "1 event", "2 events", for every front end."""

from __future__ import annotations


def noun(count: int, singular: str, plural: str | None = None) -> str:
    """``singular`` for a count of one, else ``plural`` (``singular`` + "s" by default)."""
    return singular if count == 1 else plural or f"{singular}s"


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` and the noun that goes with it: ``counted(1, "event") == "1 event"``."""
    return f"{count} {noun(count, singular, plural)}"
