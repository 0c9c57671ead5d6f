"""Pilot tests on an 80x24 terminal: the footer of the day, week and month views shows
whole entries only, with `? Help` always among them; at 160 columns it shows them all.

The demo week around Monday 23 Nov 2026 10:30 in Berlin; the machine's zone must not matter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Footer

from planner.app.service import PlannerService
from planner.ui.screens.day import DayScreen
from planner.ui.screens.month import MonthScreen
from planner.ui.screens.week import WeekScreen
from tests.appdriver import app_test, press, quiet_app, running, wait_until

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Pacific/Apia")


def painted_entries(pilot: Pilot) -> list[str]:  # type: ignore[type-arg]
    """Each footer entry's text as painted: clipped to what lies inside the footer."""
    footer = pilot.app.screen.query_one(Footer)
    palette = [key for key in footer.children if key.has_class("-command-palette")]
    entries = []
    for key in footer.children:
        # The palette key is docked right and painted over whatever runs under it.
        edge = footer.region.right if key in palette or not palette else palette[0].region.x
        visible = min(key.region.right, edge) - key.region.x
        if not key.display or visible <= 0:
            continue
        entries.append(key.render_line(0).text[:visible].strip())
    return entries


def descriptions(pilot: Pilot) -> set[str]:  # type: ignore[type-arg]
    return {binding.description
            for _node, binding, _enabled, _tip in pilot.app.screen.active_bindings.values()}


def assert_whole(pilot: Pilot) -> list[str]:  # type: ignore[type-arg]
    entries = painted_entries(pilot)
    assert any(entry.endswith(" Help") for entry in entries), entries
    whole = descriptions(pilot)
    for entry in entries:
        _key, _, description = entry.partition(" ")
        assert description in whole, f"cut entry {entry!r} in {entries}"
    return entries


async def footer_shows(pilot: Pilot, screen: type, size: tuple[int, int]) -> list[str]:  # type: ignore[type-arg]
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, screen))
    await wait_until(pilot, lambda: painted_entries(pilot))
    await pilot.pause()
    return assert_whole(pilot)


@app_test
async def test_narrow_footers_show_whole_entries_and_help(tmp_path: Path) -> None:
    service = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
    service.load_demo()
    async with running(quiet_app(service), (80, 24)) as pilot:
        day = await footer_shows(pilot, DayScreen, (80, 24))
        assert day[0] == "? Help"  # first, so it is never the entry that falls off
        await press(pilot, "w")
        await footer_shows(pilot, WeekScreen, (80, 24))
        await press(pilot, "m")
        await footer_shows(pilot, MonthScreen, (80, 24))


@app_test
async def test_wide_footer_keeps_the_full_list(tmp_path: Path) -> None:
    service = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
    service.load_demo()
    async with running(quiet_app(service), (160, 50)) as pilot:
        entries = await footer_shows(pilot, DayScreen, (160, 50))
        shown = {binding.description
                 for _node, binding, _enabled, _tip in pilot.app.screen.active_bindings.values()
                 if binding.show}
        assert {entry.partition(" ")[2] for entry in entries} == shown | {"palette"}
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: len(painted_entries(pilot)) < len(entries))
        await pilot.pause()
        assert_whole(pilot)
