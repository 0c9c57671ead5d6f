"""The seam to theme loading (``planner.ui.themes``), with fallbacks if it is absent.

Sphere colours are theme variables (``$sphere-work``...), so every theme colours
blocks; the defaults here keep the app's CSS parsing under any theme.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from textual.theme import Theme

DEFAULT_THEME = "planner-dark"
FALLBACK_THEME = "textual-dark"

try:  # the theme loader is written in parallel; keep the app running without it
    from planner.ui import themes as _themes
except ImportError:  # pragma: no cover - only before themes.py exists
    _themes = None  # type: ignore[assignment]


def sphere_variable(sphere: str) -> str:
    if _themes is not None:
        return _themes.sphere_variable(sphere)
    slug = re.sub(r"[^a-z0-9_-]+", "-", sphere.strip().lower()).strip("-")
    return f"sphere-{slug or 'unnamed'}"


def variable_defaults(spheres: Mapping[str, str]) -> dict[str, str]:
    if _themes is not None:
        return _themes.variable_defaults(spheres)
    defaults = {"sphere-work": "#4f8fd8", "sphere-personal": "#e08a3c",
                "now-line": "#e5484d", "past-dim": "#7a7f8a", "bleed": "#f0a020"}
    for sphere, colour in spheres.items():
        defaults.setdefault(sphere_variable(sphere), colour if colour.startswith("#")
                            else "#8a8f99")
    for name in [k for k in defaults if k.startswith("sphere-")]:
        defaults.setdefault(f"{name}-text", "#f5f7fa")
    return defaults


def load(user_dir: Path | None) -> tuple[list[Theme], list[str]]:
    """Themes to register and one message per bad user theme file."""
    if _themes is None:
        return [], []
    try:
        return _themes.load_themes(user_dir)
    except Exception as exc:  # a broken theme must never stop the planner opening
        return [], [f"Themes could not be loaded: {exc}"]
