"""Pilot tests of the quick-add bar as a person sees it on an 80x24 terminal: what the
next line will add is never hidden, behind the last one's notification or past the edge.

Berlin, Monday 23 Nov 2026 10:30; the machine's zone must not matter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from planner.app.service import PlannerService
from tests.appdriver import Said, app_test, press, quiet_app, running, settle, wait_until

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # Monday 10:30 in Berlin


@pytest.fixture(autouse=True)
def _machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Pacific/Apia")


def preview(pilot: Pilot) -> Static:  # type: ignore[type-arg]
    return pilot.app.screen.query_one("#quick-preview", Static)


async def type_line(pilot: Pilot, text: str) -> None:  # type: ignore[type-arg]
    pilot.app.screen.query_one("#quick-input", Input).value = text
    await wait_until(pilot, lambda: text.split()[0] in str(preview(pilot).render()),
                     "the preview")
    await pilot.pause()


def covered_cells(pilot: Pilot, widget: Static) -> list[tuple[int, int]]:  # type: ignore[type-arg]
    """The cells of ``widget`` where something else is drawn on top of it."""
    region = widget.region
    return [(x, y) for y in range(region.y, region.bottom) for x in range(region.x, region.right)
            if pilot.app.screen.get_widget_at(x, y)[0] is not widget]


@app_test
async def test_the_next_lines_preview_is_not_hidden_behind_the_last_ones_notification(
        tmp_path: Path) -> None:
    service = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
    said = Said()
    app = quiet_app(service)
    async with app.run_test(size=(80, 24), message_hook=said, notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "a")
        await type_line(pilot, "gym 1h this afternoon personal")
        await press(pilot, "enter")
        assert said.any("Added 'gym'")
        # A notice that stays while the next line is typed (the real ones last 4-10 s,
        # too short to be sure of on a loaded machine).
        app.notify("Moved 'deep work' from 14:00-16:00 to 09:45-11:45 to make room.",
                   title="Moved to make room", timeout=600)
        await wait_until(pilot, lambda: list(app.screen.query("Toast")), "the toast")
        await press(pilot, "a")
        await type_line(pilot, "taxes 2h by wed !")
        shown = str(preview(pilot).render())
        assert "priority 1" in shown
        assert covered_cells(pilot, preview(pilot)) == []
        toasts = list(pilot.app.screen.query("Toast"))
        assert toasts and all(t.region.bottom <= preview(pilot).region.y for t in toasts)
        await press(pilot, "escape")  # closed: notifications sit above the footer again
        rack = pilot.app.screen.query_one("#textual-toastrack")
        assert rack.styles.margin.bottom == 1


@app_test
async def test_what_was_not_understood_shows_in_full_on_a_narrow_terminal(
        tmp_path: Path) -> None:
    service = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
    async with running(quiet_app(service), (80, 24)) as pilot:
        await press(pilot, "a")
        await type_line(pilot, "sync 10-11 wrok")
        box = preview(pilot)
        lines = [box.render_line(y).text.strip() for y in range(box.size.height)]
        assert box.size.height > 1
        said = " ".join(lines)
        assert said.startswith('? "sync wrok" · Fixed · 1 h · today at 10:00')
        assert said.endswith("not understood: 'wrok' (did you mean 'work'?)")
        assert covered_cells(pilot, box) == []
