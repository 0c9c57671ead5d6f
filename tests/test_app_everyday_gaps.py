"""Pilot tests of everyday gaps in the app: two alarms in one minute, private blocks.

Berlin, Monday 23 Nov 2026 10:30; the machine's zone must not matter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot

from planner.app.service import PlannerService
from planner.core.model import Alarm, AlarmAction
from planner.ui.screens.day import DayScreen
from tests.appdriver import Said, app_test, quiet_app, running, settle

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


def day_screen(pilot: Pilot) -> DayScreen:  # type: ignore[type-arg]
    assert isinstance(pilot.app.screen, DayScreen), pilot.app.screen
    return pilot.app.screen


@app_test
async def test_a_sound_and_a_message_in_one_minute_are_one_notification_saying_two(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no notify-send here
    clock = [NOW]
    service = service_at(tmp_path / "home", clock)
    service.add(service.make_fixed("Dentist", at(service, MONDAY, 11), at(service, MONDAY, 12),
                                   sphere="personal", alarms=(
                                       Alarm.before_start(timedelta(minutes=15)),
                                       Alarm(action=AlarmAction.AUDIO,
                                             offset=-timedelta(minutes=15)))))
    said = Said()
    async with running(quiet_app(service), (100, 30), said) as pilot:
        day = day_screen(pilot)
        clock[0] = NOW + timedelta(minutes=16)  # 10:46
        day.check_reminders()
        await settle(pilot)
        shown = [m for m in said.messages if "Dentist at 11:00" in m]
        assert shown == ["Dentist at 11:00 (15 min before; 2 reminders)"]


def _timeline_text(pilot: Pilot) -> str:  # type: ignore[type-arg]
    from planner.ui.widgets.timeline import Timeline

    timeline = pilot.app.screen.query_one(Timeline)
    lines = []
    for y in range(timeline.size.height):
        strip = timeline.render_line(y)
        assert strip.cell_length == timeline.scrollable_content_region.width
        lines.append(strip.text)
    return "\n".join(lines)


@app_test
async def test_a_private_block_from_quick_add_shows_a_lock_and_the_form_unmarks_it(
        tmp_path: Path) -> None:
    from textual.widgets import Checkbox, Input, Static

    from planner.ui.screens.edit import EditScreen
    from planner.ui.widgets.timeline import Timeline
    from tests.appdriver import press, wait_until

    service = service_at(tmp_path)
    async with running(quiet_app(service), (100, 30)) as pilot:
        await press(pilot, "a")
        pilot.app.screen.query_one("#quick-input", Input).value = "therapy 12:00 1h private"

        def preview_text() -> str:
            return str(pilot.app.screen.query_one("#quick-preview", Static).render())

        await wait_until(pilot, lambda: "therapy" in preview_text(), "the preview")
        preview = preview_text()
        assert preview.startswith('→ "therapy" · Fixed · 1 h · today at 12:00') and \
            " · private" in preview
        await press(pilot, "enter")
        (therapy,) = [o.block for o in service.agenda(MONDAY)]
        assert therapy.is_private and therapy.title == "therapy"
        pilot.app.screen.query_one(Timeline).scroll_to_hour(11)
        await settle(pilot)
        assert "🔒 therapy" in _timeline_text(pilot)
        assert "🔒 private" in _timeline_text(pilot)  # the box's own lines say it in words
        await press(pilot, "j")
        side = str(pilot.app.screen.query_one("#side-details", Static).render())
        assert "private: shared exports show only Busy" in side
        await press(pilot, "enter")
        form = pilot.app.screen
        assert isinstance(form, EditScreen)
        box = form.query_one("#private", Checkbox)
        assert box.value
        box.value = False
        await press(pilot, "ctrl+s")
        assert not service.block(therapy.id).is_private
        assert "🔒" not in _timeline_text(pilot)
        await press(pilot, "enter")
        pilot.app.screen.query_one("#private", Checkbox).value = True
        await press(pilot, "ctrl+s")
        assert service.block(therapy.id).is_private
        await press(pilot, "u")  # one undo step
        assert not service.block(therapy.id).is_private


@app_test
async def test_help_says_what_the_marks_mean(tmp_path: Path) -> None:
    from textual.widgets import Static

    from planner.ui.screens.help import HelpScreen
    from tests.appdriver import press

    async with running(quiet_app(service_at(tmp_path))) as pilot:
        await press(pilot, "question_mark")
        assert isinstance(pilot.app.screen, HelpScreen)
        text = "\n".join(str(s.render()) for s in pilot.app.screen.query(Static))
        for said in ("fixed (set time) / flexible", "double-booked", "repeats",
                     "private: shared exports show it only as Busy"):
            assert said in text, said
        # The two-cell lock keeps the descriptions in one column.
        lines = text.splitlines()
        lock = next(line for line in lines if line.startswith("🔒"))
        bang = next(line for line in lines if line.startswith("! "))
        assert cell_len(lock.split("private")[0]) == cell_len(bang.split("double")[0])


@app_test
async def test_s_moves_a_calendar_to_the_next_sphere_and_u_back(tmp_path: Path) -> None:
    from textual.widgets import OptionList

    from planner.ui.screens.calendars import CalendarsScreen
    from tests.appdriver import press

    ics = tmp_path / "kids.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u1\r\n"
                   "DTSTAMP:20261101T000000Z\r\nDTSTART:20261123T130000Z\r\n"
                   "DTEND:20261123T140000Z\r\nSUMMARY:Swimming\r\nEND:VEVENT\r\n"
                   "END:VCALENDAR\r\n")
    service = service_at(tmp_path / "home")
    assert service.import_calendar(str(ics)).looks_personal == "its name says 'kids'"
    said = Said()
    async with running(quiet_app(service), (100, 30), said) as pilot:
        await press(pilot, "c")
        screen = pilot.app.screen
        assert isinstance(screen, CalendarsScreen)
        await press(pilot, "s")
        assert service.calendars()[0].sphere == "personal"
        assert [o.sphere for o in service.agenda(MONDAY)] == ["personal"]
        assert said.any("kids is in personal now")
        row = str(screen.query_one(OptionList).get_option_at_index(0).prompt)
        assert "personal" in row
        await press(pilot, "u")
        assert service.calendars()[0].sphere == "work"
        assert [o.sphere for o in service.agenda(MONDAY)] == ["work"]


@app_test
async def test_an_app_import_left_at_its_sphere_default_keeps_a_calendar_where_it_is(
        tmp_path: Path) -> None:
    from textual.widgets import Input

    from tests.appdriver import press, wait_until

    source = tmp_path / "family.ics"
    source.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u1\r\n"
                      "DTSTAMP:20261101T000000Z\r\nDTSTART:20261123T170000Z\r\n"
                      "DTEND:20261123T180000Z\r\nSUMMARY:Dinner\r\nEND:VEVENT\r\n"
                      "END:VCALENDAR\r\n")
    service = service_at(tmp_path / "home")
    said = Said()
    async with running(quiet_app(service), (100, 30), said) as pilot:
        await press(pilot, "i")
        pilot.app.screen.query_one("#location", Input).value = str(source)
        await press(pilot, "enter")
        await wait_until(pilot, lambda: said.any("1 new"), "the import's report")
        assert said.any("Imported as work, though its name says 'family'. If it is your "
                        "personal calendar: c, then s on it.")
        await press(pilot, "c", "s", "escape")
        assert service.calendars()[0].sphere == "personal"
        # Imported again (an updated file), the dialog's default keeps it personal.
        await press(pilot, "i")
        pilot.app.screen.query_one("#location", Input).value = str(source)
        await press(pilot, "enter")
        await wait_until(pilot, lambda: said.any("1 unchanged"), "the second report")
        assert service.calendars()[0].sphere == "personal"
        assert [o.sphere for o in service.agenda(MONDAY)] == ["personal"]
        assert sum("Imported as work" in m for m in said.messages) == 1
