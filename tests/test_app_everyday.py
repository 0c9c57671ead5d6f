"""Pilot tests of issue #17 in the app: repeating blocks ask which occurrences, the month
view, search, the task list, the calendars list, reminders and the first-run welcome.

Berlin, Monday 23 Nov 2026 10:30; the machine's zone must not matter.
"""

from __future__ import annotations

import os
import stat
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from planner.app.service import PlannerService
from planner.core.model import Alarm
from planner.ui.screens.calendars import CalendarsScreen
from planner.ui.screens.day import DayScreen
from planner.ui.screens.edit import EditScreen
from planner.ui.screens.month import MonthScreen, shift_month
from planner.ui.screens.scope import ScopeDialog
from planner.ui.screens.search import SearchScreen
from planner.ui.screens.tasks import TasksScreen
from planner.ui.screens.week import WeekScreen
from planner.ui.widgets.month import MonthGrid
from tests.appdriver import Said, app_test, press, quiet_app, running, settle

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # Monday 10:30 in Berlin
MONDAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Pacific/Apia")


def service_at(home: Path, clock: list[datetime] | None = None) -> PlannerService:
    moments = clock or [NOW]
    return PlannerService(home, tz="Europe/Berlin", clock=lambda: moments[0])


def at(service: PlannerService, day: date, hour: int, minute: int = 0) -> datetime:
    return service.at(day, time(hour, minute))


def with_standup(home: Path) -> PlannerService:
    service = service_at(home)
    service.add(service.make_fixed("Standup", at(service, MONDAY, 11), at(service, MONDAY, 11, 15),
                                   sphere="work", rrule="FREQ=DAILY;COUNT=5"))
    return service


def day_screen(pilot: Pilot) -> DayScreen:
    assert isinstance(pilot.app.screen, DayScreen), pilot.app.screen
    return pilot.app.screen


async def select(pilot: Pilot, title: str) -> None:
    for _ in range(20):
        sel = day_screen(pilot).selection()
        if sel is not None and sel.block.title.startswith(title):
            return
        await press(pilot, "j")
    raise AssertionError(f"could not select {title!r}")


def standups(service: PlannerService) -> list[tuple[str, str]]:
    return [(o.title, f"{service.local(o.start):%d %H:%M}")  # type: ignore[arg-type]
            for o in service.agenda(MONDAY, 7) if o.title.startswith("Standup")]


# --------------------------------------------------------------------------- series


@app_test
async def test_delete_on_a_repeating_block_asks_which_ones(tmp_path: Path) -> None:
    service = with_standup(tmp_path)
    async with running(quiet_app(service, start_day=MONDAY + timedelta(days=1))) as pilot:
        await select(pilot, "Standup")
        await press(pilot, "d")
        assert isinstance(pilot.app.screen, ScopeDialog)
        await press(pilot, "escape")  # nothing happens
        assert len(standups(service)) == 5
        await press(pilot, "d", "t")  # this one
        assert [d for _, d in standups(service)] == ["23 11:00", "25 11:00", "26 11:00",
                                                     "27 11:00"]
        await press(pilot, "u")
        assert len(standups(service)) == 5
        await select(pilot, "Standup")
        await press(pilot, "d", "f")  # this and following
        assert [d for _, d in standups(service)] == ["23 11:00"]
        await press(pilot, "u")
        await select(pilot, "Standup")
        await press(pilot, "d", "a")  # all
        assert standups(service) == []


@app_test
async def test_moving_and_editing_one_occurrence(tmp_path: Path) -> None:
    service = with_standup(tmp_path)
    async with running(quiet_app(service, start_day=MONDAY + timedelta(days=2))) as pilot:
        await select(pilot, "Standup")
        await press(pilot, "shift+down", "t")  # 15 minutes later, this one only
        assert standups(service)[2] == ("Standup", "25 11:15")
        assert standups(service)[3] == ("Standup", "26 11:00")
        await select(pilot, "Standup")
        await press(pilot, "enter")
        form = pilot.app.screen
        assert isinstance(form, EditScreen)
        assert form.query_one("#start", Input).value == "2026-11-25 11:15"
        assert not form.query_one("#start", Input).disabled
        form.query_one("#title", Input).value = "Standup (late)"
        form.query_one("#start", Input).value = "2026-11-25 12:00"
        await press(pilot, "ctrl+s")
        assert isinstance(pilot.app.screen, ScopeDialog)
        await press(pilot, "f")  # this and following
        assert standups(service) == [
            ("Standup", "23 11:00"), ("Standup", "24 11:00"), ("Standup (late)", "25 12:00"),
            ("Standup (late)", "26 12:00"), ("Standup (late)", "27 12:00")]


@app_test
async def test_the_edit_form_reads_a_repeat_in_words(tmp_path: Path) -> None:
    service = service_at(tmp_path)
    lunch = service.add(service.make_fixed("Lunch", at(service, MONDAY, 12),
                                           at(service, MONDAY, 13), sphere="personal"))
    async with running(quiet_app(service)) as pilot:
        await select(pilot, "Lunch")
        await press(pilot, "enter")
        form = pilot.app.screen
        assert isinstance(form, EditScreen)
        form.query_one("#repeat", Input).value = "every weekday until fri"
        await settle(pilot)
        preview = str(form.query_one("#repeat-preview", Static).render())
        assert "every weekday until Fri 27 Nov 2026" in preview
        await press(pilot, "ctrl+s")
    saved = service.block(lunch.id)
    assert saved.recurrence is not None
    assert saved.recurrence.rrule == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20261127T225959Z"


@app_test
async def test_quick_add_makes_a_repeating_block_from_words(tmp_path: Path) -> None:
    service = service_at(tmp_path)
    async with running(quiet_app(service)) as pilot:
        await press(pilot, "a")
        box = pilot.app.screen.query_one("#quick-input", Input)
        box.value = "standup 9:30 15m work every weekday"
        await settle(pilot)
        preview = str(pilot.app.screen.query_one("#quick-preview", Static).render())
        assert "every weekday" in preview
        await press(pilot, "enter")
    found = [o for o in service.agenda(MONDAY, 7) if o.title == "standup"]
    assert len(found) == 5 and found[0].block.is_recurring


# --------------------------------------------------------------------------- month


@app_test
async def test_month_view_counts_balances_marks_clashes_and_opens_a_day(tmp_path: Path) -> None:
    service = service_at(tmp_path)
    for hour, sphere in ((9, "work"), (10, "work"), (18, "personal")):
        service.add(service.make_fixed(f"B{hour}", at(service, MONDAY, hour),
                                       at(service, MONDAY, hour + 1), sphere=sphere))
    service.add(service.make_fixed("Clash", at(service, MONDAY, 9, 30),
                                   at(service, MONDAY, 10), sphere="personal"))
    async with running(quiet_app(service), (100, 30)) as pilot:
        await press(pilot, "m")
        screen = pilot.app.screen
        assert isinstance(screen, MonthScreen)
        data = screen.query_one(MonthGrid).data
        assert data is not None and data.month == date(2026, 11, 1)
        monday = next(d for d in data.days if d.day == MONDAY)
        assert (monday.count, monday.work_minutes, monday.personal_minutes,
                monday.conflicts) == (4, 120, 90, 2)
        assert "Nov 2026" in str(screen.query_one("#month-header", Static).render())
        await press(pilot, "pagedown")
        assert screen.query_one(MonthGrid).data.month == date(2026, 12, 1)  # type: ignore[union-attr]
        await press(pilot, "pageup", "right", "down", "enter")
        assert day_screen(pilot).day == MONDAY + timedelta(days=8)
        await press(pilot, "m", "escape")
        assert day_screen(pilot).day == MONDAY + timedelta(days=8)


def day_screen_below(pilot: Pilot) -> DayScreen:  # type: ignore[type-arg]
    """The day view under a week or month view: the only other screen of ours."""
    (day,) = [s for s in pilot.app.screen_stack if not isinstance(s, (MonthScreen, WeekScreen))
              and isinstance(s, DayScreen)]
    assert pilot.app.screen_stack.index(day) == len(pilot.app.screen_stack) - 2
    return day


@app_test
async def test_week_and_month_views_switch_straight_to_each_other_on_the_same_day(
        tmp_path: Path) -> None:
    from planner.ui.widgets.week import DayColumn

    service = service_at(tmp_path)
    async with running(quiet_app(service), (100, 30)) as pilot:
        await press(pilot, "w", "right", "right", "m")  # Wednesday, then its month
        month = pilot.app.screen
        assert isinstance(month, MonthScreen)
        assert month.selected == MONDAY + timedelta(days=2)
        assert pilot.app.screen_stack[-2] is day_screen_below(pilot)  # in place of the week
        await press(pilot, "pagedown", "w")  # the same day a month on, its week
        week = pilot.app.screen
        assert isinstance(week, WeekScreen)
        assert week.selected == date(2026, 12, 25)
        assert week.query(DayColumn).first().data.day == date(2026, 12, 21)  # type: ignore[union-attr]
        assert pilot.app.screen_stack[-2] is day_screen_below(pilot)
        help_keys = dict(pilot.app.key_sections())  # type: ignore[attr-defined]
        assert ("m", "Month") in help_keys["Week view"]
        assert ("w", "Week") in help_keys["Month view"]
        await press(pilot, "m", "escape")  # leaving the month keeps the day view's day
        assert day_screen(pilot).day == MONDAY
        await press(pilot, "m", "w", "enter")  # opening a day from the week still works
        assert day_screen(pilot).day == MONDAY


def test_shifting_a_month_keeps_the_day_inside_it() -> None:
    assert shift_month(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert shift_month(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert shift_month(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert shift_month(date(2026, 1, 15), -1) == date(2025, 12, 15)


# --------------------------------------------------------------------------- search


@app_test
async def test_search_as_you_type_and_jump_to_the_block(tmp_path: Path) -> None:
    service = service_at(tmp_path)
    service.add(service.make_fixed("Dentist", at(service, MONDAY + timedelta(days=3), 8),
                                   at(service, MONDAY + timedelta(days=3), 9),
                                   sphere="personal", location="Hauptstraße 5"))
    service.add(service.make_fixed("Standup", at(service, MONDAY, 9), at(service, MONDAY, 9, 15),
                                   sphere="work", rrule="FREQ=DAILY;COUNT=3"))
    async with running(quiet_app(service), (100, 30)) as pilot:
        await press(pilot, "slash")
        screen = pilot.app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*"STAND")
        await settle(pilot)
        results = screen.query_one(OptionList)
        assert results.option_count == 3
        await pilot.press("backspace", *"NDUP", "space", *"x")  # narrows to nothing
        await settle(pilot)
        assert results.option_count == 0
        assert "Nothing found" in str(screen.query_one("#search-count", Static).render())
        screen.query_one(Input).value = "hauptstrasse"
        await settle(pilot)
        assert results.option_count == 1
        await press(pilot, "enter")
        day = day_screen(pilot)
        assert day.day == MONDAY + timedelta(days=3)
        assert day.selection() is not None and day.selection().block.title == "Dentist"  # type: ignore[union-attr]


# --------------------------------------------------------------------------- tasks


@app_test
async def test_task_list_groups_by_deadline_and_acts_on_a_task(tmp_path: Path) -> None:
    service = service_at(tmp_path)
    report = service.add(service.make_flexible(
        "Report", timedelta(hours=1), sphere="work", day=MONDAY,
        deadline=at(service, MONDAY + timedelta(days=4), 17)))
    call = service.add(service.make_flexible("Call Anna", timedelta(minutes=20),
                                             sphere="personal", day=MONDAY))
    big = service.add(service.make_flexible("Too big", timedelta(hours=20), sphere="work",
                                            day=MONDAY, deadline=at(service, MONDAY, 18)))
    async with running(quiet_app(service), (100, 30)) as pilot:
        await press(pilot, "b")
        screen = pilot.app.screen
        assert isinstance(screen, TasksScreen)
        listing = screen.query_one(OptionList)
        rows = [str(listing.get_option_at_index(n).prompt) for n in range(listing.option_count)]
        assert rows[0] == "Due today (Mon 23 Nov)" and "Too big" in rows[1]
        assert "not placed" in rows[1]
        assert rows[2] == "Due Fri 27 Nov" and "Report" in rows[3]
        assert rows[4] == "No deadline" and "Call Anna" in rows[5]
        listing.highlighted = 3
        await press(pilot, "p")
        assert service.block(report.id).pinned_start is not None
        listing.highlighted = 5
        await press(pilot, "space")
        assert service.block(call.id).done
        listing.highlighted = 1
        await press(pilot, "d")
        assert big.id not in {b.id for b in service.flexible_blocks()}
        listing.highlighted = next(n for n in range(listing.option_count)
                                   if listing.get_option_at_index(n).id == report.id)
        await press(pilot, "o")
        assert day_screen(pilot).selection().block.id == report.id  # type: ignore[union-attr]


# --------------------------------------------------------------------------- calendars


@app_test
async def test_calendars_list_hides_and_refreshes(tmp_path: Path) -> None:
    ics = tmp_path / "team.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u1\r\n"
                   "DTSTAMP:20261101T000000Z\r\nDTSTART:20261123T130000Z\r\n"
                   "DTEND:20261123T140000Z\r\nSUMMARY:Team lunch\r\nEND:VEVENT\r\n"
                   "END:VCALENDAR\r\n")
    service = service_at(tmp_path / "home")
    service.import_calendar(str(ics))
    said = Said()
    async with running(quiet_app(service), (100, 30), said) as pilot:
        await press(pilot, "c")
        screen = pilot.app.screen
        assert isinstance(screen, CalendarsScreen)
        row = str(screen.query_one(OptionList).get_option_at_index(0).prompt)
        assert "team" in row and "1 event ·" in row and "last refreshed Mon 23 Nov 10:30" in row
        await press(pilot, "h")
        assert service.calendars()[0].hidden
        assert "(hidden)" in str(screen.query_one(OptionList).get_option_at_index(0).prompt)
        await press(pilot, "r")
        assert said.any("No subscriptions to refresh")
        await press(pilot, "h", "escape")
        assert [o.title for o in service.agenda(MONDAY)] == ["Team lunch"]


# --------------------------------------------------------------------------- reminders


@app_test
async def test_a_due_reminder_is_shown_and_handed_to_notify_send(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "notified.txt"
    fake = bin_dir / "notify-send"
    fake.write_text(f"#!/bin/sh\nprintf '%s|' \"$@\" >> {log}\necho >> {log}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    clock = [NOW]
    service = service_at(tmp_path / "home", clock)
    service.add(service.make_fixed("Dentist", at(service, MONDAY, 11), at(service, MONDAY, 12),
                                   sphere="personal", location="Hauptstraße 5",
                                   alarms=(Alarm.before_start(timedelta(minutes=15)),)))
    said = Said()
    async with running(quiet_app(service), (100, 30), said) as pilot:
        day = day_screen(pilot)
        day.check_reminders()
        await settle(pilot)
        assert not said.any("Dentist at 11:00")  # 10:45 is still to come
        clock[0] = NOW + timedelta(minutes=16)  # 10:46
        day.check_reminders()
        await settle(pilot)
        assert said.any("Dentist at 11:00 (15 min before) · Hauptstraße 5")
        day.check_reminders()
        await settle(pilot)
        assert sum("Dentist at 11:00" in m for m in said.messages) == 1  # only once
    assert log.read_text().count("Dentist at 11:00") == 1


# --------------------------------------------------------------------------- first run


@app_test
async def test_an_empty_home_opens_with_a_welcome_that_goes_once_there_is_data(
        tmp_path: Path) -> None:
    service = service_at(tmp_path)
    async with running(quiet_app(service)) as pilot:
        welcome = day_screen(pilot).query_one("#welcome", Static)
        assert welcome.display
        text = str(welcome.render())
        assert "add a block" in text and "import a calendar" in text and "planner demo" in text
        await press(pilot, "a")
        pilot.app.screen.query_one("#quick-input", Input).value = "gym 18:00 1h"
        await press(pilot, "enter")
        assert not welcome.display


@app_test
async def test_a_home_with_data_shows_no_welcome(tmp_path: Path) -> None:
    async with running(quiet_app(with_standup(tmp_path))) as pilot:
        assert not day_screen(pilot).query_one("#welcome", Static).display




@app_test
async def test_calendars_are_renamed_removed_and_brought_back(tmp_path: Path) -> None:
    ics = tmp_path / "team.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u1\r\n"
                   "DTSTAMP:20261101T000000Z\r\nDTSTART:20261123T130000Z\r\n"
                   "DTEND:20261123T140000Z\r\nSUMMARY:Team lunch\r\nEND:VEVENT\r\n"
                   "END:VCALENDAR\r\n")
    service = service_at(tmp_path / "home")
    service.import_calendar(str(ics))
    said = Said()
    async with running(quiet_app(service), (100, 30), said) as pilot:
        await press(pilot, "c")
        screen = pilot.app.screen
        assert isinstance(screen, CalendarsScreen)
        await press(pilot, "n")
        name = pilot.app.screen.query_one("#name-input", Input)
        assert name.value == "team"
        name.value = "Team at work"
        await press(pilot, "enter")
        assert pilot.app.screen is screen
        assert [c.name for c in service.calendars()] == ["Team at work"]
        assert said.any("Renamed team to Team at work.")
        row = str(screen.query_one(OptionList).get_option_at_index(0).prompt)
        assert row.startswith("Team at work")
        await press(pilot, "n", "escape")  # changed its mind: nothing happens
        assert [c.name for c in service.calendars()] == ["Team at work"]
        await press(pilot, "x")
        assert service.calendars() == [] and service.agenda(MONDAY) == []
        assert said.any("Removed Team at work (1 event). Press u to bring it back.")
        await press(pilot, "u")
        assert [c.name for c in service.calendars()] == ["Team at work"]
        assert [o.title for o in service.agenda(MONDAY)] == ["Team lunch"]
