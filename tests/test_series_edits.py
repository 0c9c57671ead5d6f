"""Series edits through the use cases: own series, imported series kept across
re-imports (and the notice when the source wins), undo of each.

Times are Europe/Berlin wall times; the clock is pinned to Mon 23 Nov 2026 08:30.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from planner.app.series import OccurrenceEdit, Scope
from planner.app.service import PlannerError, PlannerService
from tests.conftest import ZONE, pinned_clock

BERLIN = ZoneInfo(ZONE)

SERIES = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//EN\r
X-WR-CALNAME:Calendar\r
BEGIN:VEVENT\r
UID:standup@acme\r
DTSTAMP:20261101T000000Z\r
DTSTART;TZID=Europe/Berlin:20261123T093000\r
DTEND;TZID=Europe/Berlin:20261123T094500\r
RRULE:FREQ=DAILY;COUNT=20\r
SUMMARY:Stand-up\r
DESCRIPTION:Daily\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:review@acme\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261124T100000Z\r
DTEND:20261124T110000Z\r
SUMMARY:Design review\r
END:VEVENT\r
END:VCALENDAR\r
"""


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def service(home: Path) -> PlannerService:
    return PlannerService(home, tz=ZONE, clock=pinned_clock)


def day(service: PlannerService, when: date) -> list[tuple[str, str]]:
    return sorted((o.title, service.local(o.start).strftime("%H:%M"))  # type: ignore[arg-type]
                  for o in service.agenda(when) if o.block.is_fixed)


def titles_between(service: PlannerService, first: date, days: int) -> list[str]:
    return [f"{o.start:%m-%d} {o.title}" for o in service.agenda(first, days)]


def write(tmp_path: Path, text: str, name: str = "work.ics") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def standup(service: PlannerService) -> str:
    return next(o.block.id for o in service.agenda(date(2026, 11, 23)) if o.title == "Stand-up")


# --------------------------------------------------------------------------- own series


def test_own_series_every_scope_and_undo(service: PlannerService) -> None:
    block = service.add(service.make_fixed("Gym", berlin(2026, 11, 23, 18), berlin(
        2026, 11, 23, 19), sphere="personal", rrule="FREQ=WEEKLY;BYDAY=MO,TH"))
    thursday = service.occurrence_slot(block.id, date(2026, 11, 26))
    moved = service.edit_occurrence(block.id, thursday, Scope.THIS,
                                    OccurrenceEdit(start=berlin(2026, 11, 26, 7)))
    assert moved.id != block.id
    assert day(service, date(2026, 11, 26)) == [("Gym", "07:00")]
    assert day(service, date(2026, 12, 3)) == [("Gym", "18:00")]
    # Deleting the moved one leaves a gap, not the series' own 18:00 back.
    service.remove(moved.id)
    assert day(service, date(2026, 11, 26)) == []
    service.undo()
    assert day(service, date(2026, 11, 26)) == [("Gym", "07:00")]
    slot = service.occurrence_slot(block.id, date(2026, 12, 7))
    service.edit_occurrence(block.id, slot, Scope.FOLLOWING,
                            OccurrenceEdit(start=berlin(2026, 12, 7, 19), title="Gym (late)"))
    assert day(service, date(2026, 12, 3)) == [("Gym", "18:00")]
    assert day(service, date(2026, 12, 7)) == [("Gym (late)", "19:00")]
    assert day(service, date(2027, 1, 4)) == [("Gym (late)", "19:00")]
    service.undo()
    assert day(service, date(2027, 1, 4)) == [("Gym", "18:00")]
    service.edit_occurrence(block.id, slot, Scope.ALL, OccurrenceEdit(title="Workout"))
    assert day(service, date(2026, 11, 23)) == [("Workout", "18:00")]
    assert day(service, date(2026, 11, 26)) == [("Workout", "07:00")]  # the override too
    # Deleting the master takes its overrides along; undo brings all back.
    service.remove(block.id)
    assert day(service, date(2026, 11, 26)) == [] and day(service, date(2026, 11, 23)) == []
    service.undo()
    assert day(service, date(2026, 11, 26)) == [("Workout", "07:00")]


def test_occurrence_lookup_is_one_sentence(service: PlannerService) -> None:
    block = service.add(service.make_fixed("Meds", berlin(2026, 11, 23, 8), berlin(
        2026, 11, 23, 8, 5), sphere="personal", rrule="FREQ=HOURLY;INTERVAL=12"))
    with pytest.raises(PlannerError, match=r"2 times on Mon 23 Nov.*give the time"):
        service.occurrence_slot(block.id, date(2026, 11, 23))
    slot = service.occurrence_slot(block.id, berlin(2026, 11, 23, 20))
    assert slot == berlin(2026, 11, 23, 20)
    single = service.add(service.make_fixed("Once", berlin(2026, 11, 24, 8), berlin(
        2026, 11, 24, 9), sphere="personal"))
    with pytest.raises(PlannerError, match="does not repeat"):
        service.occurrence_slot(single.id, date(2026, 11, 24))
    with pytest.raises(PlannerError, match="no occurrence on"):
        service.occurrence_slot(block.id, date(2026, 11, 1))


# --------------------------------------------------------------------------- imported


def test_imported_series_edits_survive_reimports_until_the_source_changes_them(
        service: PlannerService, tmp_path: Path) -> None:
    path = write(tmp_path, SERIES)
    service.import_calendar(path, calendar="Work")
    sid = standup(service)
    tue = service.occurrence_slot(sid, date(2026, 11, 24))
    service.edit_occurrence(sid, tue, Scope.THIS, OccurrenceEdit(start=berlin(2026, 11, 24, 11)))
    service.remove_occurrence(sid, service.occurrence_slot(sid, date(2026, 11, 25)), Scope.THIS)
    review = next(o.block for o in service.agenda(date(2026, 11, 24))
                  if o.title == "Design review")
    service.update(review.id, title="Design review (room 4)")
    expected_tue = [("Design review (room 4)", "11:00"), ("Stand-up", "11:00")]
    assert day(service, date(2026, 11, 24)) == expected_tue
    assert day(service, date(2026, 11, 25)) == []

    # A new event elsewhere in the file: every edit stays, no notice.
    extra = SERIES.replace("END:VCALENDAR", "BEGIN:VEVENT\r\nUID:new@acme\r\n"
                           "DTSTAMP:20261101T000000Z\r\nDTSTART:20261127T100000Z\r\n"
                           "DTEND:20261127T110000Z\r\nSUMMARY:Lunch talk\r\nEND:VEVENT\r\n"
                           "END:VCALENDAR")
    report = service.import_calendar(write(tmp_path, extra), calendar="Work")
    assert report.notices == []
    assert day(service, date(2026, 11, 24)) == expected_tue
    assert day(service, date(2026, 11, 25)) == []

    # The source changes the series' description: the occurrences edited here did not
    # change time or title, so the move and the deletion stay (nothing to tell), and the
    # moved one takes the new description.
    described = extra.replace("DESCRIPTION:Daily", "DESCRIPTION:Daily, camera on")
    report = service.import_calendar(write(tmp_path, described), calendar="Work")
    assert day(service, date(2026, 11, 24)) == expected_tue
    assert day(service, date(2026, 11, 25)) == []
    assert report.notices == []
    assert {o.block.notes for o in service.agenda(date(2026, 11, 24))
            if o.title == "Stand-up"} == {"Daily, camera on"}

    # The source moves Tuesday's stand-up itself, and renames the review: theirs wins.
    moved = described.replace("END:VCALENDAR", "BEGIN:VEVENT\r\nUID:standup@acme\r\n"
                              "DTSTAMP:20261101T000000Z\r\n"
                              "RECURRENCE-ID;TZID=Europe/Berlin:20261124T093000\r\n"
                              "DTSTART;TZID=Europe/Berlin:20261124T140000\r\n"
                              "DTEND;TZID=Europe/Berlin:20261124T141500\r\n"
                              "SUMMARY:Stand-up\r\nEND:VEVENT\r\nEND:VCALENDAR").replace(
        "SUMMARY:Design review", "SEQUENCE:1\r\nSUMMARY:Design review (moved)")
    report = service.import_calendar(write(tmp_path, moved), calendar="Work")
    assert day(service, date(2026, 11, 24)) == [("Design review (moved)", "11:00"),
                                                ("Stand-up", "14:00")]
    assert any("'Stand-up' on Tue 24 Nov changed in Work" in n for n in report.notices)
    assert any("'Design review (moved)' changed in Work" in n for n in report.notices)
    assert day(service, date(2026, 11, 25)) == []  # that deletion still stands


def test_imported_split_kept_until_the_source_moves_the_series(
        service: PlannerService, tmp_path: Path) -> None:
    service.import_calendar(write(tmp_path, SERIES), calendar="Work")
    sid = standup(service)
    slot = service.occurrence_slot(sid, date(2026, 11, 30))
    tail = service.edit_occurrence(sid, slot, Scope.FOLLOWING,
                                   OccurrenceEdit(start=berlin(2026, 11, 30, 10)))
    assert tail.source is not None and tail.source.uid.startswith("standup@acme_R")
    assert day(service, date(2026, 11, 29)) == [("Stand-up", "09:30")]
    assert day(service, date(2026, 12, 1)) == [("Stand-up", "10:00")]
    assert len([o for o in service.agenda(date(2026, 11, 23), 30)
                if o.title == "Stand-up"]) == 20  # COUNT kept across the split
    renamed = SERIES.replace("SUMMARY:Design review", "SUMMARY:Design review 2")
    report = service.import_calendar(write(tmp_path, renamed), calendar="Work")
    assert report.notices == []
    assert day(service, date(2026, 12, 1)) == [("Stand-up", "10:00")]
    later = renamed.replace("T093000", "T083000").replace("T094500", "T084500")
    report = service.import_calendar(write(tmp_path, later), calendar="Work")
    assert any("this-and-following" in n for n in report.notices)
    assert day(service, date(2026, 12, 1)) == [("Stand-up", "08:30")]
    assert len([o for o in service.agenda(date(2026, 11, 23), 30)
                if o.title == "Stand-up"]) == 20


def test_undo_of_an_imported_occurrence_edit(service: PlannerService, tmp_path: Path) -> None:
    service.import_calendar(write(tmp_path, SERIES), calendar="Work")
    sid = standup(service)
    slot = service.occurrence_slot(sid, date(2026, 11, 26))
    service.remove_occurrence(sid, slot, Scope.FOLLOWING)
    assert day(service, date(2026, 11, 26)) == []
    assert day(service, date(2026, 11, 25)) == [("Stand-up", "09:30")]
    service.undo()
    assert day(service, date(2026, 11, 26)) == [("Stand-up", "09:30")]
    assert len([o for o in service.agenda(date(2026, 11, 23), 30)
                if o.title == "Stand-up"]) == 20
    assert service.agenda(date(2026, 11, 23))[0].end - service.agenda(
        date(2026, 11, 23))[0].start == timedelta(minutes=15)  # type: ignore[operator]
