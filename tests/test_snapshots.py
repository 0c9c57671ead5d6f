"""SVG snapshots of the screens a person sees: day, week, edit form and help.

One theme (planner-dark) at two sizes for every screen, plus one shot per other bundled
theme. Every input that could change a pixel is pinned: the service clock, the zone, the demo
week (shifted to the pinned "now"), block ids (a counter instead of random hex), no
animation, no cursor blink, no user theme folder. Update with ``--snapshot-update`` and
look at the SVGs in ``tests/__snapshots__/test_snapshots/`` before committing them.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, TextArea

from planner.app import editing as editing_module
from planner.app.service import PlannerService
from planner.ui.app import PlannerApp
from planner.ui.screens.day import DayScreen
from planner.ui.screens.edit import EditScreen
from planner.ui.screens.help import HelpScreen
from planner.ui.screens.week import WeekScreen
from tests.appdriver import press, quiet_app, settle

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # Monday 10:30 in Berlin
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 50), id="160x50")]
THEME = "planner-dark"

Snap = Callable[..., bool]


@pytest.fixture(autouse=True)
def _pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Pacific/Apia")  # the machine's zone must not matter
    counter = itertools.count(1)
    # Random ids could change tie-breaks in the plan; a counter makes them repeatable.
    monkeypatch.setattr(editing_module, "new_block_id", lambda: f"b{next(counter):04d}")


def demo_app(home: Path, theme: str = THEME) -> PlannerApp:
    service = PlannerService(home, tz="Europe/Berlin", clock=lambda: NOW)
    service.load_demo()
    service.save_theme(theme)
    return quiet_app(service)


async def _settle(pilot: Pilot) -> None:
    await settle(pilot)  # every day and week read has arrived
    # A blinking cursor would be caught mid-blink at random: hold it visible.
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False
    await pilot.pause()


def keys_then_settle(*keys: str) -> Callable[[Pilot], Awaitable[None]]:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await press(pilot, *keys)
        await _settle(pilot)

    return run_before


def expect(screen_type: type) -> Callable[[Pilot], Awaitable[None]]:
    """Fail with a clear message (not a pixel diff) if the keys led somewhere else."""

    async def check(pilot: Pilot) -> None:
        assert isinstance(pilot.app.screen, screen_type), pilot.app.screen

    return check


def run(*steps: Callable[[Pilot], Awaitable[None]]) -> Callable[[Pilot], Awaitable[None]]:
    async def run_before(pilot: Pilot) -> None:
        for step in steps:
            await step(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_day_view(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app(tmp_path), terminal_size=size,
                        run_before=run(keys_then_settle(), expect(DayScreen)))


@pytest.mark.parametrize("size", SIZES)
def test_week_view(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app(tmp_path), terminal_size=size,
                        run_before=run(keys_then_settle("w"), expect(WeekScreen)))


@pytest.mark.parametrize("size", SIZES)
def test_edit_form(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    # j selects the day's first block, enter opens the form on it.
    assert snap_compare(demo_app(tmp_path), terminal_size=size,
                        run_before=run(keys_then_settle("j", "enter"), expect(EditScreen)))


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app(tmp_path), terminal_size=size,
                        run_before=run(keys_then_settle("question_mark"), expect(HelpScreen)))


# One shot per other theme: the day view, where every colour of a theme shows.


def test_day_view_light(snap_compare: Snap, tmp_path: Path) -> None:
    assert snap_compare(demo_app(tmp_path, "planner-light"), terminal_size=(160, 50),
                        run_before=run(keys_then_settle(), expect(DayScreen)))


def test_day_view_contrast(snap_compare: Snap, tmp_path: Path) -> None:
    assert snap_compare(demo_app(tmp_path, "planner-contrast"), terminal_size=(160, 50),
                        run_before=run(keys_then_settle(), expect(DayScreen)))


def test_day_view_with_selection_lumon(snap_compare: Snap, tmp_path: Path) -> None:
    # The selected block, its pointer and the side panel's details.
    assert snap_compare(demo_app(tmp_path, "lumon"), terminal_size=(160, 50),
                        run_before=run(keys_then_settle("j", "j"), expect(DayScreen)))


# The everyday screens of issue #17: one shot each.


def test_month_view(snap_compare: Snap, tmp_path: Path) -> None:
    from planner.ui.screens.month import MonthScreen

    assert snap_compare(demo_app(tmp_path), terminal_size=(160, 50),
                        run_before=run(keys_then_settle("m"), expect(MonthScreen)))


def test_search(snap_compare: Snap, tmp_path: Path) -> None:
    from planner.ui.screens.search import SearchScreen

    assert snap_compare(demo_app(tmp_path), terminal_size=(100, 30),
                        run_before=run(keys_then_settle("slash", "s", "t", "a", "n", "d"),
                                       expect(SearchScreen)))


def test_tasks(snap_compare: Snap, tmp_path: Path) -> None:
    from planner.ui.screens.tasks import TasksScreen

    assert snap_compare(demo_app(tmp_path), terminal_size=(100, 30),
                        run_before=run(keys_then_settle("b"), expect(TasksScreen)))


# The export dialog of issue #14: the audience chosen, and the sample event as a reader of
# the file sees it.


def test_export_dialog_for_colleagues(snap_compare: Snap, tmp_path: Path) -> None:
    from planner.adapters.secret import KEY_BYTES, KEY_FILE
    from planner.ui.screens.transfer import ExportScreen

    app = demo_app(tmp_path)
    # The busy UID is keyed by the home's secret: a fixed one keeps the shot repeatable.
    app.service.paths.data.mkdir(parents=True, exist_ok=True)
    (app.service.paths.data / KEY_FILE).write_bytes(b"k" * KEY_BYTES)

    async def choose_colleagues(pilot: Pilot) -> None:
        pilot.app.screen.query_one("#audience", Select).value = "colleagues"
        await _settle(pilot)

    assert snap_compare(app, terminal_size=(100, 40),
                        run_before=run(keys_then_settle("e"), expect(ExportScreen),
                                       choose_colleagues))
