"""Themes as validated data: bundled files, user files, defaults, and a live Textual app."""

from __future__ import annotations

import asyncio
import colorsys
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.theme import Theme
from textual.widgets import Footer, OptionList, Static

from planner.adapters.resources import themes_dir
from planner.ui.themes import (
    THEME_VARIABLES,
    ThemeError,
    load_themes,
    parse_theme,
    sphere_variable,
    variable_defaults,
)

BUNDLED = ("planner-dark", "planner-light", "planner-contrast", "lumon")


# WCAG 2 relative luminance and contrast, written out here independently of the module
# so a mistake there cannot make these tests pass.
def _luminance(hex_colour: str) -> float:
    text = hex_colour.lstrip("#")
    assert len(text) == 6, f"bundled sphere colours are #rrggbb, got {hex_colour}"
    linear = []
    for i in (0, 2, 4):
        c = int(text[i:i + 2], 16) / 255
        linear.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = linear
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _hue_distance(a: str, b: str) -> float:
    def hue(colour: str) -> float:
        r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
        return colorsys.rgb_to_hls(r, g, b)[0] * 360

    d = abs(hue(a) - hue(b)) % 360
    return min(d, 360 - d)


@pytest.fixture(scope="module")
def bundled() -> dict[str, Theme]:
    themes, messages = load_themes(None)
    assert messages == []
    return {theme.name: theme for theme in themes}


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- bundled themes ------------------------------------------------------------------

def test_every_bundled_theme_loads_and_defines_every_variable(bundled: dict[str, Theme]) -> None:
    assert set(BUNDLED) <= set(bundled)
    assert len(list(themes_dir().glob("*.toml"))) == len(bundled)
    for theme in bundled.values():
        for variable in THEME_VARIABLES:
            assert variable in theme.variables, (theme.name, variable)
            Color.parse(theme.variables[variable])


def test_bundled_files_define_every_variable_themselves() -> None:
    # Loading fills gaps for user themes, so check the files, not the loaded result.
    import tomllib

    for path in themes_dir().glob("*.toml"):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        missing = set(THEME_VARIABLES) - set(data.get("variables", {}))
        assert not missing, (path.name, missing)


def test_dark_flags(bundled: dict[str, Theme]) -> None:
    assert bundled["planner-dark"].dark
    assert not bundled["planner-light"].dark
    assert bundled["lumon"].dark
    contrast = bundled["planner-contrast"]
    assert (contrast.background, contrast.foreground) == ("#000000", "#ffffff")


@pytest.mark.parametrize("name", BUNDLED)
def test_sphere_text_contrast(bundled: dict[str, Theme], name: str) -> None:
    needed = 4.5 if name == "planner-contrast" else 3.0
    variables = bundled[name].variables
    for sphere in ("work", "personal"):
        ratio = _contrast(variables[f"sphere-{sphere}"], variables[f"sphere-{sphere}-text"])
        assert ratio >= needed, f"{name}: sphere-{sphere} text contrast {ratio:.2f} < {needed}"


@pytest.mark.parametrize("name", BUNDLED)
def test_work_and_personal_differ_noticeably(bundled: dict[str, Theme], name: str) -> None:
    variables = bundled[name].variables
    work, personal = variables["sphere-work"], variables["sphere-personal"]
    assert _hue_distance(work, personal) >= 60, (name, work, personal)


@pytest.mark.parametrize("name", BUNDLED)
def test_theme_foreground_reads_on_background(bundled: dict[str, Theme], name: str) -> None:
    theme = bundled[name]
    assert theme.foreground and theme.background
    assert _contrast(theme.foreground, theme.background) >= 7.0


def test_contrast_helpers_agree_with_the_wcag_reference_values() -> None:
    # Guards the test's own arithmetic: the textbook extremes and a known mid value.
    assert _contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert _contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


# --- parse_theme ---------------------------------------------------------------------

def test_bad_colour_message_names_file_key_and_value() -> None:
    with pytest.raises(ThemeError) as caught:
        parse_theme({"name": "lumon", "primary": "tealish"}, "lumon.toml")
    assert str(caught.value) == "lumon.toml: primary: 'tealish' is not a colour."


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"primary": "#000000"}, "x.toml: name: missing"),
        ({"name": "", "primary": "#000000"}, "x.toml: name: expected a non-empty string"),
        ({"name": "x"}, "x.toml: primary: missing"),
        ({"name": "x", "primary": "#000", "primry": "#fff"}, "x.toml: primry: unknown key"),
        ({"name": "x", "primary": "#000", "dark": "yes"}, "x.toml: dark: expected true"),
        ({"name": "x", "primary": "#000", "text_alpha": 3}, "x.toml: text_alpha: expected"),
        ({"name": "x", "primary": "#000", "variables": {"sphere-work": "blu"}},
         "x.toml: variables.sphere-work: 'blu' is not a colour."),
        ({"name": "x", "primary": "#000", "variables": {"now-lime": "#fff"}},
         "x.toml: variables.now-lime: unknown variable"),
        ({"name": "x", "primary": "#000", "variables": {"Bad Name": "#fff"}},
         "x.toml: variables.Bad Name: not a valid variable name"),
        ({"name": "x", "primary": "#000", "variables": "red"}, "x.toml: variables: expected"),
        # Textual's own variables are checked as Textual's CSS will read them.
        ({"name": "x", "primary": "#000", "variables": {"border": "notacolour"}},
         "x.toml: variables.border: 'notacolour' is not a colour."),
        ({"name": "x", "primary": "#000", "variables": {"link-style": "purple"}},
         "x.toml: variables.link-style: 'purple' is not a text style."),
        ({"name": "x", "primary": "#000", "variables": {"border": "red; color: blue"}},
         "x.toml: variables.border: expected a colour or style"),
        ({"name": "x", "primary": "#000", "variables": {"border": '"red'}},
         "x.toml: variables.border: "),
    ],
)
def test_parse_errors_are_one_sentence(data: dict[str, object], fragment: str) -> None:
    with pytest.raises(ThemeError) as caught:
        parse_theme(data, "x.toml")
    message = str(caught.value)
    assert message.startswith(fragment)
    assert message.endswith(".") and "\n" not in message


def test_textual_variables_pass_through() -> None:
    textual_vars = {"block-cursor-text-style": "b reverse", "text": "auto 87%",
                    "input-selection-background": "#81a1c1 35%", "link-background": "initial"}
    theme = parse_theme({"name": "x", "primary": "#000000", "variables": textual_vars}, "x")
    assert {k: theme.variables[k] for k in textual_vars} == textual_vars


def test_complete_requires_every_planner_variable() -> None:
    with pytest.raises(ThemeError, match=r"^b\.toml: variables: missing sphere-work, "):
        parse_theme({"name": "b", "primary": "#000000"}, "b.toml", complete=True)


def test_minimal_theme_gets_derived_variables_but_keeps_config_sphere_colours() -> None:
    theme = parse_theme({"name": "mini", "primary": "#336699", "dark": False,
                         "foreground": "#000000", "background": "#ffffff",
                         "warning": "#aa7700"}, "mini.toml")
    assert theme.variables["bleed"] == "#aa7700"
    assert theme.variables["now-line"] == "#e5484d"  # no error colour given
    grey = Color.parse(theme.variables["past-dim"]).rgb  # half way, black to white
    assert all(abs(channel - 128) <= 1 for channel in grey)
    # Sphere colours are left to the app's defaults (the config's colours).
    assert "sphere-work" not in theme.variables


def test_sphere_colour_without_text_gets_a_readable_text() -> None:
    theme = parse_theme({"name": "m", "primary": "#000000", "variables": {
        "sphere-work": "#ffee88", "sphere-personal": "#202060"}}, "m.toml")
    assert _contrast("#ffee88", theme.variables["sphere-work-text"]) >= 4.5
    assert _contrast("#202060", theme.variables["sphere-personal-text"]) >= 4.5


# --- variable_defaults ---------------------------------------------------------------

def test_variable_defaults_cover_every_variable_and_configured_sphere() -> None:
    defaults = variable_defaults({"work": "#4f8fd8", "personal": "#e08a3c",
                                  "family": "#8a5cd8", "Side Project": "not a colour"})
    assert set(THEME_VARIABLES) <= set(defaults)
    assert defaults["sphere-family"] == "#8a5cd8"
    assert sphere_variable("Side Project") == "sphere-side-project"
    Color.parse(defaults["sphere-side-project"])  # a fallback, not the bad text
    for sphere in ("work", "personal", "family", "side-project"):
        colour, text = defaults[f"sphere-{sphere}"], defaults[f"sphere-{sphere}-text"]
        assert _contrast(Color.parse(colour).hex, text) >= 4.5, sphere


# --- load_themes with a user folder --------------------------------------------------

def test_user_folder_one_good_three_bad(tmp_path: Path) -> None:
    user = tmp_path / "themes"
    _write(user, "good.toml", 'name = "mine"\nprimary = "#123456"\n')
    _write(user, "broken.toml", 'name = "broken"\nprimary = \n')
    _write(user, "colour.toml", 'name = "colour"\nprimary = "tealish"\n')
    _write(user, "nameless.toml", 'primary = "#123456"\n')
    _write(user, "notes.txt", "not a theme")
    themes, messages = load_themes(user)
    names = [theme.name for theme in themes]
    assert len(themes) == len(BUNDLED) + 1 and "mine" in names
    assert len(messages) == 3
    assert sorted(m.split(":")[0] for m in messages) == [
        "broken.toml", "colour.toml", "nameless.toml"]
    assert "colour.toml: primary: 'tealish' is not a colour." in messages
    assert all("\n" not in m and m.endswith((".", ")")) for m in messages)


def test_user_theme_overrides_bundled_by_name(tmp_path: Path, bundled: dict[str, Theme]) -> None:
    user = tmp_path / "themes"
    _write(user, "my-lumon.toml", 'name = "lumon"\nprimary = "#ff00ff"\n'
                                  '[variables]\nsphere-work = "#004040"\n')
    themes, messages = load_themes(user)
    assert messages == []
    lumons = [t for t in themes if t.name == "lumon"]
    assert len(lumons) == 1 and lumons[0].primary == "#ff00ff"
    assert lumons[0].variables["sphere-work"] == "#004040"
    assert [t.name for t in themes] == list(bundled)  # same place, no extra entry


def test_duplicate_user_names_keep_the_first(tmp_path: Path) -> None:
    user = tmp_path / "themes"
    _write(user, "a.toml", 'name = "twin"\nprimary = "#111111"\n')
    _write(user, "b.toml", 'name = "twin"\nprimary = "#222222"\n')
    themes, messages = load_themes(user)
    assert [t.primary for t in themes if t.name == "twin"] == ["#111111"]
    assert messages == ["b.toml: name: 'twin' is already used by a.toml, so this file is skipped."]


def test_missing_user_folder_is_fine(tmp_path: Path) -> None:
    themes, messages = load_themes(tmp_path / "nope")
    assert len(themes) == len(BUNDLED) and messages == []


def test_bad_bundled_theme_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "planner-dark.toml", 'name = "planner-dark"\nprimary = "#000000"\n')
    monkeypatch.setattr("planner.ui.themes.themes_dir", lambda: tmp_path)
    with pytest.raises(ThemeError, match=r"planner-dark\.toml: variables: missing"):
        load_themes(None)


# --- a live Textual app --------------------------------------------------------------

SPHERES = {"work": "#4f8fd8", "personal": "#e08a3c", "family": "#8a5cd8"}


class ThemedApp(App[None]):
    CSS = """
    #work { background: $sphere-work; color: $sphere-work-text; }
    #personal { background: $sphere-personal; color: $sphere-personal-text; }
    #family { background: $sphere-family; color: $sphere-family-text; }
    #now { border-top: solid $now-line; color: $past-dim; background: $bleed 30%; }
    """

    def __init__(self, themes: list[Theme]) -> None:
        super().__init__()
        for theme in themes:
            self.register_theme(theme)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return variable_defaults(SPHERES)

    def compose(self) -> ComposeResult:
        for name in ("work", "personal", "family", "now"):
            yield Static(name, id=name)
        # Built-in widgets read Textual's own variables, which themes may override.
        yield OptionList("one", "two")
        yield Footer()


def test_app_switches_to_every_theme_and_renders(tmp_path: Path) -> None:
    user = tmp_path / "themes"
    _write(user, "mini.toml", 'name = "mini"\nprimary = "#336699"\n')
    themes, messages = load_themes(user)
    assert messages == []

    async def run() -> dict[str, tuple[Color, Color, Color]]:
        seen: dict[str, tuple[Color, Color, Color]] = {}
        app = ThemedApp(themes)
        async with app.run_test(size=(40, 12)) as pilot:
            # Every planner theme, plus a Textual built-in that knows nothing of ours.
            for name in [t.name for t in themes] + ["textual-light"]:
                app.theme = name
                await pilot.pause()
                assert app.current_theme.name == name
                styles = [app.query_one(f"#{s}", Static).styles for s in SPHERES]
                seen[name] = (styles[0].background, styles[1].background,
                              styles[2].background)
                app.save_screenshot(str(tmp_path / f"{name}.svg"))
        return seen

    seen = asyncio.run(run())
    by_name = {t.name: t for t in themes}
    for name in BUNDLED:
        work, personal, family = seen[name]
        assert work == Color.parse(by_name[name].variables["sphere-work"]), name
        assert personal == Color.parse(by_name[name].variables["sphere-personal"]), name
        assert family == Color.parse(SPHERES["family"]), name  # config colour, any theme
    # A minimal user theme and a built-in one fall back to the config's sphere colours.
    for name in ("mini", "textual-light"):
        assert seen[name][:2] == (Color.parse(SPHERES["work"]), Color.parse(SPHERES["personal"]))
    assert len({seen[name][0] for name in BUNDLED}) == len(BUNDLED)
    assert all((tmp_path / f"{name}.svg").stat().st_size > 0 for name in seen)
