"""Building what widgets show from data: ``Content`` objects, never markup strings.

Titles, locations, calendar names, notes and messages come from files and servers; a
title like ``[/] bad [b]markup`` must show as typed and never be parsed. Textual's
``escape`` does not cover every case (``[2J`` or a trailing backslash still break the
markup around it), so data is put in ``Content`` as plain text with a style, and made
terminal-safe on the way (``core.safetext.printable``). Styles may use theme variables
(``$accent``, ``$sphere-work``).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.content import Content

from planner.core.safetext import printable
from planner.ui.palette import sphere_variable


def plain(text: str, style: str = "", *, lines: bool = False) -> Content:
    """Text from data, terminal-safe, shown as it is (with ``style`` if given)."""
    return Content.styled(printable(text, lines=lines), style)


def joined(parts: Iterable[Content | str], separator: str = "") -> Content:
    return Content(separator).join(parts)


def esc(text: str, *, lines: bool = False) -> str:
    """Text from data for the rare markup string that must hold some: every bracket
    escaped. Prefer ``plain`` and ``Content``; this exists for markup-only APIs."""
    shown = printable(text, lines=lines).replace("[", "\\[")
    # A trailing backslash would escape the markup that follows: keep them apart.
    return shown + "\u200b" if shown.endswith("\\") else shown


def sphere_chip(sphere: str, text: str | None = None) -> Content:
    """``text`` (default: the sphere name) on the sphere's theme colour, padded."""
    var = sphere_variable(sphere)
    return plain(f" {text if text is not None else sphere} ", f"${var}-text on ${var}")


def hidden_note(hidden: int, more: bool) -> Content:
    """'  N more hidden' for a header, when a series repeats more often than a day shows
    (FREQ=SECONDLY...; see ``planner.core.recurrence.SERIES_DAY_LIMIT``); else nothing."""
    if not hidden:
        return Content("")
    return Content.assemble("  ", plain(f"{hidden:,}{'+' if more else ''} more hidden",
                                        "$warning"))


GLYPHS = {"work": "█", "personal": "▒"}  # so the split reads without colour too


def sphere_order(minutes_by_sphere: dict[str, int]) -> list[tuple[str, int]]:
    """Work first, then personal, then the rest by name: the same order everywhere."""
    rank = {"work": 0, "personal": 1}
    return sorted(minutes_by_sphere.items(), key=lambda kv: (rank.get(kv[0], 2), kv[0]))


def bar(minutes_by_sphere: dict[str, int], scale: float, width: int) -> Content:
    """A horizontal bar split by sphere, one cell per ``scale`` minutes, max ``width``."""
    cells: list[Content | str] = []
    used = 0
    for sphere, minutes in sphere_order(minutes_by_sphere):
        n = min(width - used, round(minutes / scale)) if scale > 0 else 0
        if minutes and n <= 0 and used < width:
            n = 1
        if n > 0:
            glyph = GLYPHS.get(sphere, "░")
            cells.append(Content.styled(glyph * n, f"${sphere_variable(sphere)}"))
            used += n
    cells.append(" " * max(0, width - used))
    return joined(cells)
