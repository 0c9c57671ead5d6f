"""Pilot tests on an 80x24 terminal, the size most terminals open at: the line at the
top of the month, search, tasks and calendars screens says what their marks and limits
are, so it wraps rather than losing its end past the edge.

The demo week around Monday 23 Nov 2026 10:30 in Berlin; the machine's zone must not matter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from planner.app.service import PlannerService
from planner.ui.widgets.month import MonthGrid
from tests.appdriver import app_test, press, quiet_app, running

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Pacific/Apia")


def shown(pilot: Pilot, selector: str) -> list[str]:  # type: ignore[type-arg]
    """The lines of a widget as painted: what fits on the terminal, nothing more."""
    widget = pilot.app.screen.query_one(selector, Static)
    return [widget.render_line(y).text.rstrip() for y in range(widget.size.height)]


@app_test
async def test_narrow_headers_wrap_instead_of_cutting_off_what_the_marks_mean(
        tmp_path: Path) -> None:
    service = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
    service.load_demo()
    async with running(quiet_app(service), (80, 24)) as pilot:
        await press(pilot, "m")
        header = " ".join(line.strip() for line in shown(pilot, "#month-header"))
        assert "with clashes (!)" in header
        assert header.endswith("day · blocks · bar: work█ personal▒")
        grid = pilot.app.screen.query_one(MonthGrid)
        assert grid.region.height >= 18  # six weeks of three rows still show
        await press(pilot, "escape", "slash")
        header = " ".join(line.strip() for line in shown(pilot, "#search-header"))
        assert header.endswith("any case; a year back and a year ahead")
        await press(pilot, "escape", "b")
        assert shown(pilot, "#tasks-header") == [
            "Tasks  open flexible blocks by deadline · enter edits"]  # fits: one line
