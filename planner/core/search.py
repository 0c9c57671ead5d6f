"""Matching what someone typed against a block's words, pure.

Any case (Unicode case folding, so "STRASSE" finds "Straße"), every word typed must
appear somewhere in the title, location or notes, in any order.
"""

from __future__ import annotations

Haystack = str


def haystack_of(title: str, location: str = "", notes: str = "") -> Haystack:
    """One folded line of text to search in (kept per block by the searcher)."""
    return "\n".join(part.casefold() for part in (title, location, notes) if part)


def query_words(text: str) -> tuple[str, ...]:
    return tuple(word.casefold() for word in text.split())


def matching(hay: Haystack, words: tuple[str, ...]) -> bool:
    return all(word in hay for word in words)
