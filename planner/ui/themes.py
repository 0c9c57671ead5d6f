"""Themes as validated data: TOML files turned into Textual ``Theme`` objects.

Bundled themes live in the folder the app hands in (``service.theme_folders()``); users
add or override themes with ``*.toml`` files in their config folder's ``themes/``. The
file format is documented at the top of ``themes/planner-dark.toml``.

A bad user file must never stop the app: it is reported once, as one sentence, and
skipped. A bad bundled file is our bug, so it raises.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.css.errors import DeclarationError
from textual.css.parse import parse_declarations
from textual.css.tokenizer import TokenError
from textual.theme import Theme

from planner.core.errors import PlannerError

# Planner's own variables; every bundled theme defines all of them.
THEME_VARIABLES: tuple[str, ...] = (
    "sphere-work",
    "sphere-work-text",
    "sphere-personal",
    "sphere-personal-text",
    "now-line",
    "past-dim",
    "bleed",
)

_COLOUR_FIELDS = (
    "primary", "secondary", "accent", "foreground", "background",
    "surface", "panel", "boost", "warning", "error", "success",
)
_FRACTION_FIELDS = ("luminosity_spread", "text_alpha")
_KNOWN_KEYS = frozenset({"name", "dark", "variables", *_COLOUR_FIELDS, *_FRACTION_FIELDS})

# Fallbacks used when neither the theme nor the config gives a colour. Mid-tone
# colours so they stay visible on both dark and light backgrounds.
_DEFAULT_WORK = "#4f8fd8"
_DEFAULT_PERSONAL = "#e08a3c"
_DEFAULT_NOW_LINE = "#e5484d"
_DEFAULT_PAST_DIM = "#7a7f8a"
_DEFAULT_BLEED = "#f0a020"
# For extra spheres whose configured colour is not a colour we can parse.
_SPHERE_PALETTE = ("#8a5cd8", "#3fb27f", "#d85c8a", "#5cc8d8", "#b8a040", "#8a8f99")
_LIGHT_TEXT = "#f5f7fa"
_DARK_TEXT = "#111418"

_VARIABLE_NAME = re.compile(r"[a-z][a-z0-9_-]*")


class ThemeError(PlannerError, ValueError):
    """A theme file is unusable; the message is one sentence naming file and key."""


def sphere_variable(sphere: str) -> str:
    """The CSS variable holding a sphere's colour (``work`` -> ``sphere-work``).

    Sphere names come from user config, so anything a CSS variable name can't hold
    becomes a dash; the text colour is this name plus ``-text``.
    """
    slug = re.sub(r"[^a-z0-9_-]+", "-", sphere.strip().lower()).strip("-")
    return f"sphere-{slug or 'unnamed'}"


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a CSS colour (alpha ignored)."""
    rgb = Color.parse(colour).rgb

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio between two colours, from 1.0 to 21.0."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_for(background: str) -> str:
    """The softer of near-white/near-black reading at 4.5:1 (WCAG AA) on ``background``.

    Mid-tones can miss AA with both soft ones; pure white or black always reach it.
    """
    soft = max((_LIGHT_TEXT, _DARK_TEXT), key=lambda text: contrast_ratio(background, text))
    if contrast_ratio(background, soft) >= 4.5:
        return soft
    return max(("#ffffff", "#000000"), key=lambda text: contrast_ratio(background, text))


def _is_colour(text: str) -> bool:
    try:
        Color.parse(text)
    except ColorParseError:
        return False
    return True


def variable_defaults(spheres: Mapping[str, str]) -> dict[str, str]:
    """Defaults for ``App.get_theme_variable_defaults()``.

    Every planner variable, plus ``sphere-<name>`` and ``sphere-<name>-text`` for each
    configured sphere (name -> colour from config), so CSS using them parses under any
    theme, including Textual's built-in ones. A theme's own values win over these.
    """
    defaults = {
        "sphere-work": _DEFAULT_WORK,
        "sphere-work-text": text_colour_for(_DEFAULT_WORK),
        "sphere-personal": _DEFAULT_PERSONAL,
        "sphere-personal-text": text_colour_for(_DEFAULT_PERSONAL),
        "now-line": _DEFAULT_NOW_LINE,
        "past-dim": _DEFAULT_PAST_DIM,
        "bleed": _DEFAULT_BLEED,
    }
    for index, (sphere, colour) in enumerate(spheres.items()):
        chosen = colour if _is_colour(colour) else _SPHERE_PALETTE[index % len(_SPHERE_PALETTE)]
        variable = sphere_variable(sphere)
        defaults[variable] = chosen
        defaults[f"{variable}-text"] = text_colour_for(chosen)
    return defaults


@cache
def _textual_variable_names() -> frozenset[str]:
    """Every variable Textual's colour system defines, so a typo in one is caught."""
    return frozenset(Theme(name="probe", primary="#000000").to_color_system().generate())


def _colour(value: object, origin: str, key: str) -> str:
    if not isinstance(value, str) or not _is_colour(value):
        raise ThemeError(f"{origin}: {key}: {value!r} is not a colour.")
    return value


def _textual_value(name: str, value: object, origin: str, key: str) -> str:
    """Check a value for one of Textual's own variables the way Textual's CSS will.

    They take more than plain colours ("#81a1c1 35%", "auto 87%", "bold not
    underline"), and a value Textual rejects would stop the app at the theme switch,
    so each is parsed as the property it feeds: text styles or colours.
    """
    if not isinstance(value, str) or not value.strip() or any(c in value for c in ";{}$"):
        raise ThemeError(f"{origin}: {key}: expected a colour or style, got {value!r}.")
    prop, kind = ("text-style", "text style") if name.endswith("-style") else ("color", "colour")
    try:
        parse_declarations(f"{prop}: {value};", (origin, key))
    except (DeclarationError, TokenError) as error:
        raise ThemeError(f"{origin}: {key}: {value!r} is not a {kind}.") from error
    return value


def _variables(raw: object, origin: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ThemeError(f"{origin}: variables: expected a table of name = \"value\" pairs.")
    textual_names = _textual_variable_names()
    variables: dict[str, str] = {}
    for name, value in raw.items():
        key = f"variables.{name}"
        if not _VARIABLE_NAME.fullmatch(name):
            raise ThemeError(f"{origin}: {key}: not a valid variable name "
                             "(lowercase letters, digits and dashes).")
        if name in THEME_VARIABLES or name.startswith("sphere-"):
            variables[name] = _colour(value, origin, key)
        elif name in textual_names:
            variables[name] = _textual_value(name, value, origin, key)
        else:
            raise ThemeError(f"{origin}: {key}: unknown variable; planner's are "
                             f"{', '.join(THEME_VARIABLES)} and sphere-<name>.")
    return variables


def _derived_variables(fields: Mapping[str, Any], variables: Mapping[str, str]) -> dict[str, str]:
    """Planner variables a theme left out, worked out from the theme's own colours.

    Sphere colours themselves are left out on purpose: then the config's colours
    (via ``variable_defaults``) apply. A sphere colour without its text colour gets
    the better-reading of near-white and near-black.
    """
    derived: dict[str, str] = {}
    for name, colour in variables.items():
        is_sphere = name.startswith("sphere-") and not name.endswith("-text")
        if is_sphere and f"{name}-text" not in variables:
            derived[f"{name}-text"] = text_colour_for(colour)
    dark = fields.get("dark", True)
    background = fields.get("background") or ("#121212" if dark else "#efefef")
    foreground = fields.get("foreground") or ("#e0e0e0" if dark else "#1e1e1e")
    if "now-line" not in variables:
        derived["now-line"] = fields.get("error") or _DEFAULT_NOW_LINE
    if "bleed" not in variables:
        derived["bleed"] = fields.get("warning") or _DEFAULT_BLEED
    if "past-dim" not in variables:
        derived["past-dim"] = Color.parse(foreground).blend(Color.parse(background), 0.5).hex
    return derived


def parse_theme(data: dict[str, Any], origin: str, *, complete: bool = False) -> Theme:
    """Turn one theme file's parsed TOML into a Textual ``Theme``.

    ``origin`` (usually the file name) starts every error message. With
    ``complete`` every planner variable must be given (bundled themes); otherwise
    the ones left out are filled in (see ``_derived_variables``).
    """
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise ThemeError(f"{origin}: {unknown[0]}: unknown key; known keys are "
                         f"{', '.join(sorted(_KNOWN_KEYS))}.")
    name = data.get("name")
    if name is None:
        raise ThemeError(f"{origin}: name: missing; every theme needs a name.")
    if not isinstance(name, str) or not name.strip():
        raise ThemeError(f"{origin}: name: expected a non-empty string, got {name!r}.")
    if "primary" not in data:
        raise ThemeError(f"{origin}: primary: missing; every theme needs a primary colour.")
    fields: dict[str, Any] = {"name": name.strip()}
    for key in _COLOUR_FIELDS:
        if key in data:
            fields[key] = _colour(data[key], origin, key)
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeError(f"{origin}: dark: expected true or false, got {dark!r}.")
    fields["dark"] = dark
    for key in _FRACTION_FIELDS:
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not 0 <= value <= 1:
                raise ThemeError(f"{origin}: {key}: expected a number from 0 to 1, "
                                 f"got {value!r}.")
            fields[key] = float(value)
    variables = _variables(data.get("variables", {}), origin)
    if complete:
        missing = [v for v in THEME_VARIABLES if v not in variables]
        if missing:
            raise ThemeError(f"{origin}: variables: missing {', '.join(missing)}.")
    variables = {**_derived_variables(fields, variables), **variables}
    return Theme(**fields, variables=variables)


def read_theme_file(path: Path, *, complete: bool = False) -> Theme:
    """Load one theme file; every failure is a ``ThemeError`` naming the file."""
    origin = path.name
    if path.exists() and not path.is_file():  # a named pipe would hang the app's start
        raise ThemeError(f"{origin}: cannot be read (not a regular file).")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ThemeError(f"{origin}: cannot be read ({error}).") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ThemeError(f"{origin}: not valid TOML ({error}).") from error
    return parse_theme(data, origin, complete=complete)


def load_themes(bundled_dir: Path, user_dir: Path | None) -> tuple[list[Theme], list[str]]:
    """Bundled themes plus the user's, and one message per user file skipped.

    A user theme with a bundled theme's name replaces it (keeping its place in the
    list); two user files with the same name keep the first (by file name) and
    report the second. Raises ``ThemeError`` for a bad bundled theme.
    """
    themes: dict[str, Theme] = {}
    for path in sorted(bundled_dir.glob("*.toml")):
        theme = read_theme_file(path, complete=True)
        if theme.name in themes:
            raise ThemeError(f"{path.name}: name: {theme.name!r} is used by another "
                             "bundled theme.")
        themes[theme.name] = theme
    messages: list[str] = []
    if user_dir is None or not user_dir.is_dir():
        return list(themes.values()), messages
    seen: dict[str, str] = {}
    for path in sorted(user_dir.glob("*.toml")):
        try:
            theme = read_theme_file(path)
        except ThemeError as error:
            messages.append(str(error))
            continue
        if theme.name in seen:
            messages.append(f"{path.name}: name: {theme.name!r} is already used by "
                            f"{seen[theme.name]}, so this file is skipped.")
            continue
        seen[theme.name] = path.name
        themes[theme.name] = theme
    return list(themes.values()), messages
