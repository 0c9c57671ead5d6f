"""A local edit pushed to the server changes only what the user changed: what other
calendar apps wrote there (properties planner does not model, parameters, a VTODO)
stays for every client (issue #15, "Push"; real Radicale and Xandikos)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from planner.core.model import Kind
from tests.test_sync import Home, Third

FOREIGN = ("X-MOZ-GENERATION:4\r\nURL:https://example.org/meeting/42\r\n"
           "ATTACH;FMTTYPE=application/pdf:https://example.org/agenda.pdf\r\n"
           "CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=Join:https://example.org/call\r\n"
           "COLOR:teal\r\nX-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\r\n"
           "ORGANIZER;CN=Ana:mailto:ana@example.org\r\n"
           "ATTENDEE;CN=Bo;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;RSVP=TRUE;"
           "X-NUM-GUESTS=0:mailto:bo@example.org\r\n"
           "CATEGORIES:Board\r\n"
           "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Soon\r\nTRIGGER:-PT15M\r\n"
           "X-WR-ALARMUID:a1\r\nEND:VALARM\r\n")


@pytest.fixture
def homes(tmp_path: Path) -> tuple[Home, Home]:
    return Home(tmp_path / "laptop"), Home(tmp_path / "phone")


def event_of(third: Third, uid: str, rid: datetime | None = None) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(third.get(uid).data)
    for component in calendar.walk():
        if component.name in ("VEVENT", "VTODO") and str(component["UID"]) == uid:
            found = component.get("RECURRENCE-ID")
            if (found is None and rid is None) or (
                    found is not None and rid is not None and found.dt == rid):
                return component
    raise AssertionError(f"no component {uid} {rid}")


def foreign_lines(component: icalendar.cal.Component) -> list[str]:
    """The lines other apps wrote that planner does not model."""
    keep = ("X-MOZ", "URL", "ATTACH", "CONFERENCE", "COLOR", "X-APPLE", "ATTENDEE",
            "ORGANIZER", "X-WR-ALARMUID")
    return sorted(line for line in component.to_ical().decode().splitlines()
                  if line.startswith(keep))


def test_an_edit_here_keeps_what_other_apps_wrote_on_the_server(server, homes) -> None:
    url = server.make_calendar()
    third = Third(url)
    third.add("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other app//EN\r\nBEGIN:VEVENT\r\n"
              "UID:rich\r\nDTSTAMP:20261101T000000Z\r\n"
              "DTSTART;TZID=America/New_York:20261124T090000\r\n"
              "DURATION:PT45M\r\nSUMMARY:Board call\r\n" + FOREIGN +
              "END:VEVENT\r\nEND:VCALENDAR\r\n")
    before = event_of(third, "rich")
    laptop, phone = homes
    laptop.link("Work", url)
    block = laptop.find("Board call")
    laptop.service.update(block.id, title="Board call (moved room)", notes="Room 4")
    assert laptop.sync().pushed_updated == 1

    after = event_of(third, "rich")
    assert str(after["SUMMARY"]) == "Board call (moved room)"
    assert str(after["DESCRIPTION"]) == "Room 4"
    assert foreign_lines(after) == foreign_lines(before)
    # The time was not touched: it stays as that app wrote it (its zone, DURATION).
    assert after["DTSTART"].to_ical() == before["DTSTART"].to_ical()
    assert after["DTSTART"].params["TZID"] == "America/New_York"
    assert after["DURATION"].dt == timedelta(minutes=45) and "DTEND" not in after

    # Moving it rewrites the time (and raises SEQUENCE) and still keeps the rest.
    start = laptop.find("Board call (moved room)").start
    laptop.service.update(block.id, start=start + timedelta(hours=1),
                          end=start + timedelta(hours=2))
    assert laptop.sync().pushed_updated == 1
    moved = event_of(third, "rich")
    assert moved["DTSTART"].dt.astimezone(UTC) == start.astimezone(UTC) + timedelta(hours=1)
    assert int(moved["SEQUENCE"]) > int(after.get("SEQUENCE", 0))
    assert foreign_lines(moved) == foreign_lines(before)
    assert str(moved["SUMMARY"]) == "Board call (moved room)"

    phone.link("Work", url)  # another planner sees the edit, and nothing more or less
    there = phone.find("Board call (moved room)")
    assert (there.notes, there.start) == ("Room 4", moved["DTSTART"].dt)
    quiet = laptop.sync()
    assert (quiet.pulled_updated, quiet.pushed_updated) == (0, 0), quiet.summary()


def test_editing_one_occurrence_keeps_the_series_and_its_overrides_as_written(
        server, homes) -> None:
    from planner.app.series import OccurrenceEdit, Scope

    url = server.make_calendar()
    third = Third(url)
    override = ("BEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20261101T000000Z\r\n"
                "RECURRENCE-ID;TZID=Europe/Berlin:20261125T090000\r\n"
                "DTSTART;TZID=Europe/Berlin:20261125T100000\r\n"
                "DTEND;TZID=Europe/Berlin:20261125T103000\r\nSUMMARY:Sync (later)\r\n"
                "X-MOZ-GENERATION:2\r\nEND:VEVENT\r\n")
    third.add("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other app//EN\r\nBEGIN:VEVENT\r\n"
              "UID:weekly\r\nDTSTAMP:20261101T000000Z\r\n"
              "DTSTART;TZID=Europe/Berlin:20261123T090000\r\n"
              "DTEND;TZID=Europe/Berlin:20261123T093000\r\nRRULE:FREQ=DAILY;COUNT=5\r\n"
              "SUMMARY:Sync\r\n" + FOREIGN + "END:VEVENT\r\n" + override + "END:VCALENDAR\r\n")
    master_before = event_of(third, "weekly")
    laptop, _ = homes
    laptop.link("Work", url)
    service = laptop.service
    master = laptop.find("Sync")
    thu = service.occurrence_slot(master.id, date(2026, 11, 26))
    service.edit_occurrence(master.id, thu, Scope.THIS, OccurrenceEdit(title="Sync (short)"))
    assert laptop.sync().pushed_updated == 1

    master_after = event_of(third, "weekly")
    assert foreign_lines(master_after) == foreign_lines(master_before)
    assert master_after["RRULE"].to_ical() == master_before["RRULE"].to_ical()
    wed = event_of(third, "weekly", datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    assert str(wed["SUMMARY"]) == "Sync (later)" and str(wed["X-MOZ-GENERATION"]) == "2"
    thu_event = event_of(third, "weekly", datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    assert str(thu_event["SUMMARY"]) == "Sync (short)"


def test_a_task_from_another_app_stays_a_task_on_the_server(server, homes) -> None:
    url = server.make_calendar()
    third = Third(url)
    third.add("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tasks app//EN\r\nBEGIN:VTODO\r\n"
              "UID:todo-1\r\nDTSTAMP:20261101T000000Z\r\nCREATED:20261101T000000Z\r\n"
              "SUMMARY:File expenses\r\nDUE;VALUE=DATE:20261126\r\nPRIORITY:1\r\n"
              "STATUS:NEEDS-ACTION\r\nPERCENT-COMPLETE:20\r\nRELATED-TO:parent-task\r\n"
              "X-APPLE-SORT-ORDER:12\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")
    laptop, phone = homes
    laptop.link("Work", url)
    task = laptop.find("File expenses")
    assert task.kind is Kind.FLEXIBLE and task.planned  # planned here, around the rest
    laptop.sync()  # the placement travels, for planner on other devices

    def todo() -> icalendar.cal.Component:
        calendar = icalendar.Calendar.from_ical(
            third.calendar.object_by_uid("todo-1").data)
        assert not calendar.walk("VEVENT"), "the task was turned into an event"
        (found,) = calendar.walk("VTODO")
        return found

    placed = todo()
    assert placed["DUE"].to_ical() == b"20261126" and int(placed["PRIORITY"]) == 1
    assert str(placed["RELATED-TO"]) == "parent-task"
    assert str(placed["X-APPLE-SORT-ORDER"]) == "12"
    assert int(placed["PERCENT-COMPLETE"]) == 20 and str(placed["STATUS"]) == "NEEDS-ACTION"
    assert "DTSTART" not in placed  # planner's placement is no start date for task apps

    phone.link("Work", url)
    mirrored = phone.find("File expenses")
    assert mirrored.planned == laptop.find("File expenses").planned

    laptop.service.update(task.id, title="File expenses (Nov)")
    laptop.service.set_done(task.id)
    assert laptop.sync().pushed_updated == 1
    done = todo()
    assert str(done["SUMMARY"]) == "File expenses (Nov)"
    assert str(done["STATUS"]) == "COMPLETED" and int(done["PERCENT-COMPLETE"]) == 100
    assert done["COMPLETED"].dt.tzinfo is not None
    assert done["DUE"].to_ical() == b"20261126" and str(done["RELATED-TO"]) == "parent-task"
    phone.sync()
    assert phone.find("File expenses (Nov)").done


def test_two_homes_and_another_app_in_turns_and_in_conflict_with_the_server_away(
        own_radicale, homes) -> None:
    """Issue #15 "done when": two planner homes and a third CalDAV client edit one
    calendar in turns and in conflict, the server is stopped in between, and every
    version of every change ends up where the rules say, on every device."""
    from planner.app.service import PlannerError

    url = own_radicale.make_calendar()
    third = Third(url)
    third.add(vevent_text("review", "Weekly review", "RRULE:FREQ=WEEKLY;COUNT=4\r\n"))
    third.add(vevent_text("dentist", "Dentist"))
    laptop, phone = homes
    laptop.link("Work", url)
    phone.link("Work", url)

    # In turns: each sees the other's change, no conflict.
    laptop.service.update(laptop.find("Dentist").id, title="Dentist (Dr. Ruiz)")
    assert laptop.sync().conflicts == []
    assert phone.sync().pulled_updated == 1
    third.edit("dentist", description="bring the x-rays")
    phone.sync()
    assert phone.find("Dentist (Dr. Ruiz)").notes == "bring the x-rays"

    # The server goes away; both homes keep working and their changes wait.
    own_radicale.stop()
    laptop.add_fixed("Planned offline", 15)
    laptop.service.update(laptop.find("Weekly review").id, title="Weekly review (short)")
    laptop.service.remove(laptop.find("Dentist (Dr. Ruiz)").id)
    phone.service.update(phone.find("Weekly review").id, title="Weekly review with Bo")
    for home in (laptop, phone):
        with pytest.raises(PlannerError, match="cannot reach the server"):
            home.sync()
    assert len(laptop.service.session.store.pending_changes("Work")) == 3
    assert len(phone.service.session.store.pending_changes("Work")) == 1

    # Back again; meanwhile the other app changed the event the laptop deleted.
    own_radicale.start()
    third.edit("dentist", summary="Dentist moved to 16:00")
    report = laptop.sync()
    assert report.conflicts == [] and len(report.notes) == 1, report.summary()  # kept
    report = phone.sync()
    assert report.conflicts == ["Weekly review with Bo"], report.summary()
    laptop.sync()

    expected = ["Dentist moved to 16:00", "Planned offline", "Weekly review (short)",
                "Weekly review with Bo (conflict copy)"]
    assert third.titles() == expected
    assert laptop.titles() == phone.titles() == expected
    for home in (laptop, phone):
        assert home.service.session.store.pending_changes("Work") == {}
        quiet = home.sync()
        assert not (quiet.changed or quiet.pushed_new or quiet.pushed_updated
                    or quiet.pushed_deleted), quiet.summary()
    # The copy is the phone's whole version: a series, like the one it edited.
    assert phone.find("Weekly review with Bo (conflict copy)").is_recurring
    assert laptop.find("Dentist moved to 16:00").notes == "bring the x-rays"


def vevent_text(uid: str, title: str, extra: str = "") -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//third//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n"
            "DTSTART;TZID=Europe/Berlin:20261124T090000\r\n"
            "DTEND;TZID=Europe/Berlin:20261124T100000\r\n"
            f"SUMMARY:{title}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n")
