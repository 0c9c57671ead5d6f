"""An imported event whose rule never repeats is said so, in one sentence, at import.

`RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30` names no real day, and an UNTIL before
DTSTART ends the series before it begins: RFC 5545 keeps DTSTART as the one instance, so
the event shows once. It used to import silently (the person would look for it next
year in vain); now the import names it, what is wrong, and the one day it shows. A rule
that repeats (even rarely: February 29th) is not mentioned. Berlin, Mon 23 Nov 2026.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from planner.app.service import PlannerService
from planner.core.model import Block
from planner.core.recurrence import never_repeats
from tests.appdriver import Said, app_test, press, quiet_app, running, wait_until
from tests.conftest import ROOT, ZONE, pinned_clock

FIXTURE = ROOT / "tests" / "fixtures" / "ics" / "rrule_never_matches.ics"


def event(uid: str, start: str, rule: str, title: str) -> str:
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
            f"DTSTART;TZID=Europe/Berlin:{start}\r\nDURATION:PT1H\r\nRRULE:{rule}\r\n"
            f"SUMMARY:{title}\r\nEND:VEVENT\r\n")


def calendar(path: Path, *events: str) -> str:
    path.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n" + "".join(events)
                    + "END:VCALENDAR\r\n", newline="")
    return str(path)


@pytest.fixture
def service(home: Path) -> PlannerService:
    return PlannerService(home, tz=ZONE, clock=pinned_clock)


def by_title(service: PlannerService, title: str) -> Block:
    return next(b for b in service.session.store.all_blocks() if b.title == title)


def test_which_rules_never_repeat(service: PlannerService, tmp_path: Path) -> None:
    service.import_calendar(calendar(
        tmp_path / "rules.ics",
        event("a", "20261130T090000", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "Feb 30"),
        # BYMONTHDAY taken from DTSTART (the 30th): February has none.
        event("b", "20260130T090000", "FREQ=YEARLY;BYMONTH=2", "Implied 30th"),
        event("c", "20261130T090000", "FREQ=WEEKLY;UNTIL=20261101T000000Z", "Ended"),
        event("d", "20240229T090000", "FREQ=YEARLY", "Leap day"),
        event("e", "20261130T090000", "FREQ=MONTHLY;BYMONTHDAY=31", "Month end"),
        event("f", "20261130T090000", "FREQ=DAILY;COUNT=1", "Once on purpose"),
        # 00:30 in Berlin is 23:30 UTC the day before: the 31st, not the 30th, is named.
        event("g", "20260131T003000", "FREQ=YEARLY;BYMONTH=4", "Zone matters")))
    verdicts = {t: never_repeats(by_title(service, t)) is not None for t in (
        "Feb 30", "Implied 30th", "Ended", "Leap day", "Month end", "Once on purpose",
        "Zone matters")}
    assert verdicts == {"Feb 30": True, "Implied 30th": True, "Ended": True,
                        "Leap day": False, "Month end": False, "Once on purpose": False,
                        "Zone matters": True}


def test_import_names_each_series_that_shows_once(service: PlannerService) -> None:
    report = service.import_calendar(str(FIXTURE))
    assert report.new == 2
    assert report.shows_once == [
        "'Kick-off' repeats until Thu 1 Jan 2026, before it begins, so it shows only "
        "once, on Tue 10 Mar 2026.",
        "'Imaginary anniversary' repeats on no day that exists "
        "(RRULE FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30), so it shows only once, on "
        "Wed 11 Mar 2026.",
    ]
    # Said when the event arrives or changes, not at every unchanged re-import.
    assert service.import_calendar(str(FIXTURE)).shows_once == []


def test_cli_says_it_in_one_sentence(cli: Callable[..., Any]) -> None:
    result = cli("import", str(FIXTURE), check=True)
    said = " ".join(result.stdout.split())
    assert "'Imaginary anniversary' repeats on no day that exists (RRULE " \
           "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30), so it shows only once, on Wed 11 Mar " \
           "2026." in said
    assert "'Kick-off' repeats until Thu 1 Jan 2026, before it begins" in said


def test_many_are_counted_not_listed(cli: Callable[..., Any], tmp_path: Path) -> None:
    events = [event(f"u{n:02d}", "20261130T090000", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31",
                    f"Odd {n}") for n in range(12)]
    out = cli("import", calendar(tmp_path / "odd.ics", *events), check=True).stdout
    said = " ".join(out.split())
    assert said.count("shows only once, on Mon 30 Nov 2026.") == 5
    assert "… and 7 more series show only once." in said


@app_test
async def test_the_app_says_it_after_an_import(tmp_path: Path) -> None:
    service = PlannerService(tmp_path / "home", tz=ZONE, clock=pinned_clock)
    said = Said()
    async with running(quiet_app(service), (100, 30), said) as pilot:
        await press(pilot, "i")
        pilot.app.screen.query_one("#location", Input).value = str(FIXTURE)
        await press(pilot, "enter")
        await wait_until(pilot, lambda: said.any("2 new"), "the import's report")
        assert said.any("'Imaginary anniversary' repeats on no day that exists")
        assert said.severities()[-1] == "warning"
