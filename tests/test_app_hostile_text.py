"""Data in the app is shown, never obeyed (issue #18, items 1, 2 and 17).

A calendar named ``Team [/x] calendar`` crashed the app on a second in-app import and a
title ``[/] bad [b]markup`` crashed it in a notification: data was parsed as Textual
markup. Escape sequences in titles reached the terminal raw. Enter pressed twice in a
dialog popped the day view too. Each screen and notification is driven here with such
data; the app must keep running and show the text as it is (controls made visible).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, Static, TextArea

from planner.app.service import PlannerService
from planner.ui.screens.day import DayScreen
from planner.ui.screens.edit import EditScreen
from planner.ui.screens.help import HelpScreen
from planner.ui.screens.review import ReviewScreen
from planner.ui.screens.week import WeekScreen
from planner.ui.widgets.timeline import Timeline
from planner.ui.widgets.week import DayColumn, WeekChart
from tests.appdriver import Said, app_test, press, quiet_app, running, settle

NOW = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)  # Monday 08:30 in Berlin
MONDAY = date(2026, 11, 23)
MARKUP_TITLE = "[/] bad [b]markup"
CALENDAR = "Team [/x] calendar"
ESC_TITLE = "Pay \x1b]0;pwned\x07\x1b[2J rent \u202eevil"
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")

ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
       "BEGIN:VEVENT\r\nUID:m@t\r\nDTSTAMP:20261101T000000Z\r\n"
       "DTSTART:20261123T130000Z\r\nDTEND:20261123T140000Z\r\n"
       "SUMMARY:[/] meeting [b]from the feed\r\nLOCATION:[i]Room [/]2\r\n"
       "END:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.fixture(autouse=True)
def _machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Pacific/Apia")


def make_service(tmp_path: Path) -> PlannerService:
    service = PlannerService(tmp_path / "home", tz="Europe/Berlin", clock=lambda: NOW)
    at = lambda h: datetime(2026, 11, 23, h, tzinfo=service.zone)  # noqa: E731
    service.add(service.make_fixed(MARKUP_TITLE, at(9), at(10), sphere="work",
                                   location="[b]HQ[/b] [/]", notes="[/] notes\n[b]two"))
    service.add(service.make_fixed(ESC_TITLE, at(11), at(12), sphere="personal",
                                   notes="line one\n\x1b[5mblink"))
    service.add(service.make_flexible("[/] flexible [i]", timedelta(hours=1), sphere="work",
                                      day=MONDAY, part="evening"))
    source = tmp_path / "team.ics"
    source.write_text(ICS, encoding="utf-8")
    service.import_calendar(str(source), calendar=CALENDAR, sphere="work")
    return service


def screen_text(app: object) -> str:
    """Everything the current screen draws, as a terminal would receive it."""
    screen = app.screen  # type: ignore[attr-defined]
    lines = []
    for widget in screen.query("*"):
        if isinstance(widget, Timeline):
            lines += [widget.render_line(y).text for y in range(widget.size.height)]
        elif isinstance(widget, Static | DayColumn | WeekChart):
            lines.append(str(widget.render()))
        elif isinstance(widget, Input):
            lines.append(widget.value)
        elif isinstance(widget, TextArea):
            lines.append(widget.text)
    return "\n".join(lines)


async def select_title(pilot: object, start: str) -> None:
    app = pilot.app  # type: ignore[attr-defined]
    screen = app.screen
    for key in ["j"] * 12 + ["k"] * 12:
        sel = screen.selection()
        if sel is not None and sel.block.title.startswith(start):
            return
        await press(pilot, key)  # type: ignore[arg-type]
    raise AssertionError(f"could not select {start!r}")


@app_test
async def test_markup_in_data_is_shown_as_text_on_every_screen(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    said = Said()
    async with running(app, (160, 50), said) as pilot:
        day = app.screen
        assert isinstance(day, DayScreen)
        shown = screen_text(app)
        assert MARKUP_TITLE in shown and "[/] meeting [b]from the feed" in shown

        await select_title(pilot, "[/] bad")
        details = str(day.query_one("#side-details", Static).render())
        assert "[b]HQ[/b] [/]" in details and "from Team [/x] calendar" not in details
        assert "[/] notes" in details
        await select_title(pilot, "[/] meeting")
        assert f"from {CALENDAR}" in str(day.query_one("#side-details", Static).render())
        assert "[/] flexible [i]" in str(day.query_one("#side-unplaced", Static).render())

        # Notifications quoting the title: done-refusal, move, undo.
        await select_title(pilot, "[/] bad")
        await press(pilot, "space", "shift+down", "u")
        assert said.any(f"{MARKUP_TITLE!r} is fixed") and said.any(f"Moved {MARKUP_TITLE!r}")

        # The edit form shows the title and saves nothing when nothing was changed.
        await press(pilot, "enter")
        assert isinstance(app.screen, EditScreen)
        assert app.screen.query_one("#title", Input).value == MARKUP_TITLE
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, DayScreen)

        await press(pilot, "w")
        assert isinstance(app.screen, WeekScreen)
        assert "[/] bad" in screen_text(app)
        await press(pilot, "escape", "v")
        assert isinstance(app.screen, ReviewScreen)
        await press(pilot, "escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await press(pilot, "escape")

        # A second in-app import of the calendar with brackets in its name.
        source = tmp_path / "team.ics"
        for _ in range(2):
            await press(pilot, "i")
            app.screen.query_one("#location", Input).value = str(source)
            app.screen.query_one("#calendar", Input).value = CALENDAR
            await press(pilot, "enter")
        assert said.any(CALENDAR)

        # Quick add, the date prompt and dialogs' field errors quote what was typed.
        await press(pilot, "a", *"[/] typed [b] 30m", "enter")
        assert said.any("Added '[/] typed [b]'")
        await press(pilot, "g", *"[/]x", "enter")
        assert "[/]x" in str(app.screen.query_one("#date-preview", Static).render())
        await press(pilot, "escape", "i")
        app.screen.query_one("#location", Input).value = str(tmp_path / "[/]nope.ics")
        await press(pilot, "enter")
        assert "[/]nope.ics" in str(app.screen.query_one("#err-location", Static).render())
        await press(pilot, "escape")
        assert app.is_running and isinstance(app.screen, DayScreen)


@app_test
async def test_escape_sequences_in_data_never_reach_the_terminal(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    said = Said()
    async with running(app, (160, 50), said) as pilot:
        await select_title(pilot, "Pay")
        shown = screen_text(app)
        assert "Pay \\x1b]0;pwned\\x07\\x1b[2J rent \\u202eevil" in shown
        assert "\\x1b[5mblink" in shown  # notes: newlines kept, escapes shown
        assert UNSAFE.search(shown) is None, shown
        await press(pilot, "space")  # a fixed block: the refusal quotes the title
        assert said.messages and all(UNSAFE.search(m) is None for m in said.messages)
        await press(pilot, "enter")
        form = app.screen
        assert isinstance(form, EditScreen)
        assert UNSAFE.search(screen_text(app)) is None
        form.query_one("#location", Input).value = "Kitchen"
        await press(pilot, "ctrl+s")
        saved = next(b for b in service.session.store.user_blocks() if b.location == "Kitchen")
        assert saved.title == ESC_TITLE  # the untouched title keeps its exact text
        assert saved.notes == "line one\n\x1b[5mblink"


@app_test
async def test_enter_pressed_twice_or_thrice_in_a_dialog_closes_only_the_dialog(
        tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    async with running(app, (80, 24)) as pilot:
        day = app.screen
        for presses in (2, 3):
            await press(pilot, "g", *"fri")
            # Keys as a fast terminal sends them: all queued before any is handled.
            for _ in range(presses):
                app.post_message(events.Key("enter", "\r"))
            await settle(pilot)
            assert app.screen is day and day.day == date(2026, 11, 27)
            await press(pilot, "t")
        await press(pilot, "w")
        for _ in range(3):  # nothing selected: the extra Enters only say so
            app.post_message(events.Key("enter", "\r"))
        await settle(pilot)
        assert app.screen is day and app.is_running
        await select_title(pilot, "[/] bad")
        await press(pilot, "enter")
        for _ in range(3):
            app.post_message(events.Key("ctrl+s", None))
        await settle(pilot)
        assert app.screen is day and app.is_running
