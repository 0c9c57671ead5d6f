"""Matching what someone typed against a block's words, pure.

Any case (Unicode case folding, so "STRASSE" finds "Straße"), every word typed must
appear somewhere in the title, location or notes, in any order; a hyphen may be left
out ("standup" finds "Stand-up").
"""

from __future__ import annotations

Haystack = str


def haystack_of(title: str, location: str = "", notes: str = "") -> Haystack:
    """One folded line of text to search in (kept per block by the searcher)."""
    hay = "\n".join(part.casefold() for part in (title, location, notes) if part)
    return hay + "\n" + hay.replace("-", "") if "-" in hay else hay


def query_words(text: str) -> tuple[str, ...]:
    return tuple(word.casefold() for word in text.split())


def matching(hay: Haystack, words: tuple[str, ...]) -> bool:
    return all(word in hay for word in words)
