"""Small helpers to build Textual markup safely from user text."""

from __future__ import annotations

from textual.markup import escape

from planner.ui.palette import sphere_variable


def esc(text: str) -> str:
    """User text made inert inside markup (titles may contain brackets)."""
    return escape(text).replace("[$", "\\[$")


def sphere_chip(sphere: str, text: str | None = None) -> str:
    """``text`` (default: the sphere name) on the sphere's theme colour, padded."""
    var = sphere_variable(sphere)
    return f"[${var}-text on ${var}] {esc(text if text is not None else sphere)} [/]"


GLYPHS = {"work": "█", "personal": "▒"}  # so the split reads without colour too


def sphere_order(minutes_by_sphere: dict[str, int]) -> list[tuple[str, int]]:
    """Work first, then personal, then the rest by name: the same order everywhere."""
    rank = {"work": 0, "personal": 1}
    return sorted(minutes_by_sphere.items(), key=lambda kv: (rank.get(kv[0], 2), kv[0]))


def bar(minutes_by_sphere: dict[str, int], scale: float, width: int) -> str:
    """A horizontal bar split by sphere, one cell per ``scale`` minutes, max ``width``."""
    cells = []
    used = 0
    for sphere, minutes in sphere_order(minutes_by_sphere):
        n = min(width - used, round(minutes / scale)) if scale > 0 else 0
        if minutes and n <= 0 and used < width:
            n = 1
        if n > 0:
            glyph = GLYPHS.get(sphere, "░")
            cells.append(f"[${sphere_variable(sphere)}]{glyph * n}[/]")
            used += n
    return "".join(cells) + " " * max(0, width - used)
