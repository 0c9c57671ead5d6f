"""The day view and a plan you can trust: what quick add understood, what moved, what clashes.

Pilot tests with the issue's clock: Monday 30 November 2026, 08:00 in Berlin.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from textual.widgets import Input

from planner.app.service import PlannerService
from planner.ui.app import PlannerApp
from planner.ui.screens.day import DayScreen
from planner.ui.widgets.timeline import Timeline
from tests.appdriver import Said, app_test, press, quiet_app, running, settle, wait_until

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin
MONDAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _quiet_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Pacific/Apia")  # the machine's zone must not matter


def titled(service: PlannerService, title: str):  # type: ignore[no-untyped-def]
    return next(b for b in service.session.store.user_blocks() if b.title == title)


def preview(app: PlannerApp) -> str:
    return str(app.screen.query_one("#quick-preview").render())


async def previewed(pilot, app: PlannerApp, text: str) -> str:  # type: ignore[no-untyped-def]
    """The preview once it shows ``text`` (it is drawn after a pause in typing)."""
    await wait_until(pilot, lambda: text in preview(app), f"a preview with {text!r}")
    return preview(app)


@app_test
async def test_quick_add_shows_what_it_did_not_understand_before_adding(tmp_path: Path) -> None:
    service = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
    app = quiet_app(service)
    async with running(app, (120, 30)) as pilot:
        await press(pilot, "a")
        box = app.screen.query_one("#quick-input", Input)
        box.value = "Team meeting 10:00–11:00 wrok"  # an en dash, as a phone types it
        box.cursor_position = len(box.value)
        shown = await previewed(pilot, app, "not understood")
        assert shown.startswith("? ")
        assert "not understood: 'wrok' (did you mean 'work'?)" in shown
        assert "Fixed · 1 h · today at 10:00" in shown
        await press(pilot, "enter")
        assert "Enter again to add it as shown" in preview(app)
        assert not service.session.store.user_blocks()  # nothing added yet
        await press(pilot, "backspace", "backspace", "backspace", "backspace", *"work")
        assert (await previewed(pilot, app, "Fixed work · 1 h")).startswith("→ ")
        await press(pilot, "enter")
        meeting = titled(service, "Team meeting")
        assert meeting.sphere == "work" and meeting.length == timedelta(hours=1)
        assert service.local(meeting.start).time() == time(10)  # type: ignore[arg-type]


@app_test
async def test_quick_add_counts_tomorrow_from_today_not_the_day_viewed(tmp_path: Path) -> None:
    service = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
    app = quiet_app(service)
    async with running(app, (120, 30)) as pilot:
        for _ in range(5):
            await press(pilot, "right")  # viewing Saturday
        await press(pilot, "a", *"call bank tomorrow 10:00", "enter")
        call = titled(service, "call bank")
        assert service.local(call.start).date() == MONDAY + timedelta(days=1)  # type: ignore[arg-type]
        await press(pilot, "a", *"dentist 11:00", "enter")  # no day: the day being viewed
        dentist = titled(service, "dentist")
        assert service.local(dentist.start).date() == MONDAY + timedelta(days=5)  # type: ignore[arg-type]
        await press(pilot, "a", *"taxes by yesterday")
        assert "has already passed" in await previewed(pilot, app, "✗")


@app_test
async def test_what_had_to_move_is_a_notification(tmp_path: Path) -> None:
    service = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
    at = lambda h: service.at(MONDAY, time(h))  # noqa: E731
    service.add(service.make_fixed("Busy", at(10), at(22), sphere="work"))
    service.add(service.make_flexible("Tidy up", timedelta(hours=1), sphere="personal"))
    app = quiet_app(service)
    said = Said()
    async with running(app, (120, 30), said) as pilot:
        await press(pilot, "a", *"Prepare talk 2h by 10:00", "enter")
        messages = said.messages
        assert any(m.startswith("Added 'Prepare talk', planned Mon 30 Nov 08:00")
                   for m in messages), messages
        assert ("Moved 'Tidy up' from Mon 30 Nov 08:00–09:00 to Tue 1 Dec 07:00–08:00 to make "
                "room.") in messages


@app_test
async def test_double_bookings_are_marked_and_totals_count_time_once(tmp_path: Path) -> None:
    service = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
    at = lambda h, m=0: service.at(MONDAY, time(h, m))  # noqa: E731
    service.add(service.make_fixed("Standup", at(10), at(11), sphere="work"))
    service.add(service.make_fixed("Review", at(10, 30), at(11, 30), sphere="work"))
    service.add(service.make_fixed("Lunch", at(12), at(13), sphere="personal"))
    app = quiet_app(service)
    async with running(app, (120, 40)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, DayScreen)
        items = {i.title: i.conflict for i in screen.query_one(Timeline).data.items}
        assert items == {"Standup": True, "Review": True, "Lunch": False}
        header = str(screen.query_one("#day-header").render())
        assert "W 1h30" in header and "P 1h" in header  # not 2h of work
        lines = [screen.query_one(Timeline).render_line(y).text for y in range(40)]
        assert any("! ■W 10:00 Standup" in line for line in lines), lines


@app_test
async def test_the_week_and_month_views_count_overlapping_time_once(tmp_path: Path) -> None:
    from planner.ui.screens.month import MonthScreen
    from planner.ui.screens.week import WeekScreen
    from planner.ui.widgets.month import MonthGrid

    service = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
    at = lambda h, m=0: service.at(MONDAY, time(h, m))  # noqa: E731
    service.add(service.make_fixed("Standup", at(10), at(11), sphere="work"))
    service.add(service.make_fixed("Review", at(10, 30), at(11, 30), sphere="work"))
    async with running(quiet_app(service), (80, 24)) as pilot:
        await press(pilot, "w")
        week = pilot.app.screen
        assert isinstance(week, WeekScreen)
        monday = str(week.query_one("#week-day-0").render())
        assert "W1h30" in monday and "W2h" not in monday, monday
        await press(pilot, "escape", "m")
        month = pilot.app.screen
        assert isinstance(month, MonthScreen)
        data = month.query_one(MonthGrid).data
        assert data is not None
        summary = next(d for d in data.days if d.day == MONDAY)
        assert (summary.work_minutes, summary.conflicts) == (90, 2)  # not 120


@app_test
async def test_an_import_in_the_app_says_what_it_moved(tmp_path: Path) -> None:
    service = PlannerService(tmp_path / "home", tz="Europe/Berlin", clock=lambda: NOW)
    service.add(service.make_flexible("Report", timedelta(hours=2), sphere="work"))
    source = tmp_path / "team.ics"
    source.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
                      "UID:m1\r\nDTSTAMP:20261101T000000Z\r\n"
                      "DTSTART;TZID=Europe/Berlin:20261130T100000\r\nDURATION:PT1H\r\n"
                      "SUMMARY:All hands\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", encoding="utf-8")
    app = quiet_app(service)
    said = Said()
    async with running(app, (80, 24), said) as pilot:
        await press(pilot, "i")
        app.screen.query_one("#location", Input).value = str(source)
        await press(pilot, "enter")
        await wait_until(pilot, lambda: any("1 new" in m for m in said.messages),
                         "the import's report")
        [report] = [m for m in said.messages if "1 new" in m]
        assert ("Moved 'Report' from Mon 30 Nov 09:00–11:00 to Mon 30 Nov 11:00–13:00 to "
                "make room.") in report
