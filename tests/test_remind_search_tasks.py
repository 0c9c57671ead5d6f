"""Reminders, search and the task list through the use cases (issue #17 points 2, 4, 5).

Berlin, clock pinned to Mon 23 Nov 2026 08:30. The search is checked against a brute
force over every block, keystroke by keystroke (its incremental path included).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from planner.app.service import PlannerError, PlannerService
from planner.core.model import Alarm, AlarmRelated
from planner.core.recurrence import occurrences
from planner.core.search import haystack_of, matching, query_words
from tests.conftest import ZONE, pinned_clock

DAY = date(2026, 11, 23)


@pytest.fixture
def service(home: Path) -> PlannerService:
    return PlannerService(home, tz=ZONE, clock=pinned_clock)


def at(service: PlannerService, day: date, hour: int, minute: int = 0) -> datetime:
    return service.at(day, time(hour, minute))


# --------------------------------------------------------------------------- reminders


def test_reminders_fire_per_occurrence_and_only_in_the_window(service: PlannerService) -> None:
    standup = service.add(service.make_fixed(
        "Standup", at(service, DAY, 9, 30), at(service, DAY, 9, 45), sphere="work",
        rrule="FREQ=DAILY", alarms=(Alarm.before_start(timedelta(minutes=15)),
                                    Alarm.before_start(timedelta(hours=1)))))
    service.add(service.make_fixed(
        "Review", at(service, DAY, 10), at(service, DAY, 11), sphere="work",
        alarms=(Alarm(offset=timedelta(minutes=-5), related=AlarmRelated.END),)))
    service.add(service.make_fixed("No alarm", at(service, DAY, 9), at(service, DAY, 10),
                                   sphere="work"))
    found = service.reminders(timedelta(hours=3))
    assert [(r.occurrence.title, f"{service.local(r.at):%H:%M}") for r in found] == [
        ("Standup", "08:30"), ("Standup", "09:15"), ("Review", "10:55")]
    assert all(r.occurrence.block.id != standup.id or
               service.local(r.occurrence.start).date() == DAY for r in found)
    # From a later moment (what the app asks each time it looks): only what is new.
    later = service.reminders(timedelta(hours=3), since=at(service, DAY, 9))
    assert [r.occurrence.title for r in later] == ["Standup", "Review"]
    # The window's end is not in it: tomorrow's 08:30 goes off a day from now exactly.
    day = service.reminders(timedelta(days=1))
    assert [f"{service.local(r.at):%d %H:%M}" for r in day] == ["23 08:30", "23 09:15",
                                                                "23 10:55"]
    assert len(service.reminders(timedelta(days=1, minutes=1))) == 4


def test_a_hidden_calendar_reminds_of_nothing(service: PlannerService, tmp_path: Path) -> None:
    ics = tmp_path / "team.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u1\r\n"
                   "DTSTAMP:20261101T000000Z\r\nDTSTART:20261123T090000Z\r\n"
                   "DTEND:20261123T100000Z\r\nSUMMARY:Imported\r\nBEGIN:VALARM\r\n"
                   "ACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT30M\r\nEND:VALARM\r\n"
                   "END:VEVENT\r\nEND:VCALENDAR\r\n")
    service.import_calendar(str(ics))
    assert [r.occurrence.title for r in service.reminders(timedelta(hours=2))] == ["Imported"]
    service.hide_calendar("team")
    assert service.reminders(timedelta(hours=2)) == []


# --------------------------------------------------------------------------- search

WORDS = ["Standup", "dentist", "Straße", "Gym", "report", "Anna", "budget", "café", "Q4"]


def test_search_matches_a_brute_force_keystroke_by_keystroke(service: PlannerService) -> None:
    rng = random.Random(17)
    for n in range(60):
        title = " ".join(rng.sample(WORDS, 2))
        start = at(service, DAY + timedelta(days=rng.randrange(-20, 40)), 8 + n % 10)
        service.add(service.make_fixed(
            title, start, start + timedelta(minutes=30), sphere=rng.choice(["work", "personal"]),
            notes=rng.choice(["", "bring the CAFÉ card", "ask Anna"]),
            location=rng.choice(["", "Hauptstrasse 5", "Room Q4"]),
            rrule=rng.choice([None, None, "FREQ=WEEKLY;COUNT=3"])))
    blocks = list(service.session.store.all_blocks())
    start, end = service.day_start(DAY - timedelta(days=30)), service.day_start(
        DAY + timedelta(days=60))
    searcher = service.searcher()
    for query in ("s", "st", "sta", "stand", "standup", "standup a", "standup an",
                  "C", "CA", "CAF", "café", "café q", "q4", "strasse", "STRASSE"):
        expected = sorted(
            (o.block.id, o.start) for o in occurrences(blocks, start, end, service.zone)
            if matching(haystack_of(o.block.title, o.block.location, o.block.notes),
                        query_words(query)))
        got = sorted((o.block.id, o.start) for o in searcher.find(
            query, DAY - timedelta(days=30), DAY + timedelta(days=59)))
        assert got == expected, query


def test_search_takes_the_series_override_into_account(service: PlannerService) -> None:
    from planner.app.series import OccurrenceEdit, Scope

    block = service.add(service.make_fixed("Standup", at(service, DAY, 9), at(
        service, DAY, 9, 15), sphere="work", rrule="FREQ=DAILY;COUNT=3"))
    slot = service.occurrence_slot(block.id, DAY + timedelta(days=1))
    service.edit_occurrence(block.id, slot, Scope.THIS, OccurrenceEdit(title="Retro"))
    assert [o.title for o in service.search("standup")] == ["Standup", "Standup"]
    assert [(o.title, service.local(o.start).day) for o in service.search("retro")] == [
        ("Retro", 24)]
    with pytest.raises(PlannerError, match="Type something"):
        service.search("  ")


# --------------------------------------------------------------------------- tasks


def test_tasks_are_grouped_by_deadline_with_time_or_reason(service: PlannerService) -> None:
    # Overdue: saved before its deadline went by (adding one with a passed deadline is
    # refused), as an imported task or yesterday's unfinished one would be.
    late = service.make_flexible("Expenses", timedelta(minutes=30), sphere="work",
                                 deadline=service.at(DAY - timedelta(days=2), time(0)))
    with service.session.write() as store:
        store.put(late)
    service.session.invalidate()
    placed = service.add(service.make_flexible(
        "Report", timedelta(hours=2), sphere="work", deadline=service.at(
            DAY + timedelta(days=5), time(0))))
    loose = service.add(service.make_flexible("Call Anna", timedelta(minutes=20),
                                              sphere="personal"))
    done = service.add(service.make_flexible("Done one", timedelta(minutes=20),
                                             sphere="personal"))
    service.set_done(done.id)
    tasks = service.tasks()
    assert [t.block.id for t in tasks] == [late.id, placed.id, loose.id]
    assert tasks[0].overdue and tasks[0].reason
    assert tasks[1].due == DAY + timedelta(days=4) and tasks[1].reason is None
    assert tasks[1].placed and tasks[2].due is None


def test_the_apps_nearest_matches_are_those_a_full_search_finds(service: PlannerService) -> None:
    """find_near widens its window until it has enough; it must agree with a search of
    the whole year on which matches are nearest, before and after the day."""
    rng = random.Random(5)
    for n in range(120):
        start = at(service, DAY + timedelta(days=rng.randrange(-300, 300)), 8 + n % 10)
        service.add(service.make_fixed(
            rng.choice(["Team sync", "Dentist", "Sync with Anna"]), start,
            start + timedelta(minutes=30), sphere="work",
            rrule=rng.choice([None, None, None, "FREQ=WEEKLY;COUNT=20", "FREQ=MONTHLY"])))
    searcher = service.searcher()
    for query, before, after in (("sync", 10, 30), ("dentist", 5, 5), ("anna", 50, 200)):
        everything = searcher.find(query)
        past = [o for o in everything if service.local(o.start).date() < DAY]  # type: ignore[arg-type]
        ahead = everything[len(past):]
        near, more = searcher.find_near(query, DAY, before=before, after=after)
        key = [(o.block.id, o.start) for o in near]
        assert key == [(o.block.id, o.start) for o in past[-before:] + ahead[:after]], query
        assert more == (len(past) > before or len(ahead) > after), query
