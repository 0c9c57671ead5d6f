"""Importing through the service: idempotent, faithful, and safe for personal data.

Expected agendas are written down by hand (Europe/Berlin wall times).
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from planner.app.service import PlannerError, PlannerService
from planner.core.model import Kind
from tests.conftest import ZONE, pinned_clock

CAL_V1 = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//EN\r
BEGIN:VEVENT\r
UID:standup@acme\r
DTSTAMP:20261101T000000Z\r
DTSTART;TZID=America/New_York:20261102T093000\r
DTEND;TZID=America/New_York:20261102T094500\r
RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR\r
SUMMARY:Stand-up\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:review@acme\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261124T100000Z\r
DTEND:20261124T110000Z\r
SUMMARY:Design review\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:offsite@acme\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261125T130000Z\r
DTEND:20261125T140000Z\r
SUMMARY:Offsite planning\r
END:VEVENT\r
END:VCALENDAR\r
"""

# v2: review moved and renamed (SEQUENCE 1), offsite vanished, Tuesday's stand-up moved
# to 10:00 New York, Wednesday's cancelled.
CAL_V2 = CAL_V1.replace(
    "DTSTART:20261124T100000Z\r\nDTEND:20261124T110000Z\r\nSUMMARY:Design review\r\n",
    "SEQUENCE:1\r\nDTSTART:20261124T120000Z\r\nDTEND:20261124T130000Z\r\n"
    "SUMMARY:Design review (moved)\r\n",
).replace(
    "BEGIN:VEVENT\r\nUID:offsite@acme\r\nDTSTAMP:20261101T000000Z\r\n"
    "DTSTART:20261125T130000Z\r\nDTEND:20261125T140000Z\r\nSUMMARY:Offsite planning\r\n"
    "END:VEVENT\r\n",
    "BEGIN:VEVENT\r\nUID:standup@acme\r\nDTSTAMP:20261101T000000Z\r\n"
    "RECURRENCE-ID;TZID=America/New_York:20261124T093000\r\n"
    "DTSTART;TZID=America/New_York:20261124T100000\r\n"
    "DTEND;TZID=America/New_York:20261124T101500\r\nSUMMARY:Stand-up (late)\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:standup@acme\r\nDTSTAMP:20261101T000000Z\r\n"
    "RECURRENCE-ID;TZID=America/New_York:20261125T093000\r\n"
    "DTSTART;TZID=America/New_York:20261125T093000\r\n"
    "DTEND;TZID=America/New_York:20261125T094500\r\nSTATUS:CANCELLED\r\n"
    "SUMMARY:Stand-up\r\nEND:VEVENT\r\n",
)


@pytest.fixture
def service(home: Path) -> PlannerService:
    return PlannerService(home, tz=ZONE, clock=pinned_clock)


def _day(service: PlannerService, day: date) -> list[tuple[str, str, str]]:
    return [(o.title, service.local(o.start).strftime("%H:%M"),  # type: ignore[arg-type]
             service.local(o.end).strftime("%H:%M"))  # type: ignore[arg-type]
            for o in service.agenda(day) if not o.all_day]


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode())
    return path


def test_import_places_series_in_user_zone(service: PlannerService, tmp_path: Path) -> None:
    report = service.import_calendar(str(_write(tmp_path / "acme.ics", CAL_V1)),
                                     calendar="acme")
    assert report.summary == "acme: 3 new, 0 updated (0 moved), 0 removed, 0 unchanged, 0 skipped"
    # New York 09:30 is 15:30 in Berlin in late November (both on standard time).
    assert _day(service, date(2026, 11, 24)) == [
        ("Design review", "11:00", "12:00"), ("Stand-up", "15:30", "15:45")]
    assert _day(service, date(2026, 11, 28)) == []  # Saturday


def test_reimport_same_file_changes_nothing(service: PlannerService, tmp_path: Path) -> None:
    path = _write(tmp_path / "acme.ics", CAL_V1)
    service.import_calendar(str(path), calendar="acme")
    data_before = (service.paths.data / "calendars" / "acme.json").read_bytes()
    report = service.import_calendar(str(path), calendar="acme")
    assert report.summary == "acme: 0 new, 0 updated (0 moved), 0 removed, 3 unchanged, 0 skipped"
    assert (service.paths.data / "calendars" / "acme.json").read_bytes() == data_before


def test_updated_file_moves_renames_removes_and_cancels(service: PlannerService,
                                                        tmp_path: Path) -> None:
    path = _write(tmp_path / "acme.ics", CAL_V1)
    service.import_calendar(str(path), calendar="acme")
    personal = service.add(service.make_fixed(
        "School run", service.at(date(2026, 11, 24), __import__("datetime").time(8)),
        service.at(date(2026, 11, 24), __import__("datetime").time(8, 30)), sphere="personal"))
    ids_before = {b.source.uid: b.id for b in service.store.calendar_blocks("acme")
                  if b.source and not b.source.recurrence_id}
    _write(path, CAL_V2)
    report = service.import_calendar(str(path), calendar="acme")
    # new: the moved instance; updated: the review and the series (a cancelled instance)
    assert report.summary == "acme: 1 new, 2 updated (2 moved), 1 removed, 0 unchanged, 0 skipped"
    assert _day(service, date(2026, 11, 24)) == [
        ("School run", "08:00", "08:30"),
        ("Design review (moved)", "13:00", "14:00"),
        ("Stand-up (late)", "16:00", "16:15"),  # replaces 15:30, not beside it
    ]
    assert _day(service, date(2026, 11, 25)) == []  # cancelled stand-up, vanished offsite
    assert _day(service, date(2026, 11, 26)) == [("Stand-up", "15:30", "15:45")]
    ids_after = {b.source.uid: b.id for b in service.store.calendar_blocks("acme")
                 if b.source and not b.source.recurrence_id}
    assert ids_after["review@acme"] == ids_before["review@acme"]  # identity survives a move
    assert service.block(personal.id) == personal  # personal blocks untouched


def test_other_calendars_untouched(service: PlannerService, tmp_path: Path) -> None:
    service.import_calendar(str(_write(tmp_path / "a.ics", CAL_V1)), calendar="acme")
    service.import_calendar(str(_write(tmp_path / "b.ics", CAL_V1)), calendar="school",
                            sphere="personal")
    _write(tmp_path / "a.ics", CAL_V2)
    service.import_calendar(str(tmp_path / "a.ics"), calendar="acme")
    school = service.store.calendar_blocks("school")
    assert len(school) == 3 and all(b.sphere == "personal" for b in school)


def test_flexible_blocks_replan_around_new_meetings(service: PlannerService,
                                                    tmp_path: Path) -> None:
    from datetime import time, timedelta

    monday = date(2026, 11, 23)
    task = service.add(service.make_flexible(
        "Write spec", timedelta(hours=1), sphere="work", day=monday,
        earliest=service.at(monday, time(9)), deadline=service.at(monday, time(11))))
    assert service.local(task.planned[0][0]).strftime("%H:%M") == "09:00"
    meeting = CAL_V1.replace("DTSTART:20261124T100000Z\r\nDTEND:20261124T110000Z",
                             "DTSTART:20261123T080000Z\r\nDTEND:20261123T090000Z")
    service.import_calendar(str(_write(tmp_path / "acme.ics", meeting)), calendar="acme")
    moved = service.block(task.id)
    assert service.local(moved.planned[0][0]).strftime("%H:%M") == "10:00"


def test_vtodo_becomes_flexible_with_deadline(service: PlannerService, tmp_path: Path) -> None:
    todo = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VTODO\r\n"
            "UID:todo1@x\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Submit expenses\r\n"
            "DUE:20261124T160000Z\r\nDURATION:PT45M\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")
    service.import_calendar(str(_write(tmp_path / "todo.ics", todo)), calendar="tasks")
    (block,) = service.store.calendar_blocks("tasks")
    assert block.kind is Kind.FLEXIBLE and block.deadline is not None
    assert block.planned, block.plan_note


def test_unreadable_file_is_one_error_and_store_untouched(service: PlannerService,
                                                          tmp_path: Path) -> None:
    service.import_calendar(str(_write(tmp_path / "acme.ics", CAL_V1)), calendar="acme")
    before = (service.paths.data / "calendars" / "acme.json").read_bytes()
    for bad in ("not a calendar at all", CAL_V1[: len(CAL_V1) // 2], ""):
        with pytest.raises(PlannerError):
            service.import_calendar(str(_write(tmp_path / "acme.ics", bad)), calendar="acme")
    with pytest.raises(PlannerError, match="does not exist"):
        service.import_calendar(str(tmp_path / "missing.ics"), calendar="acme")
    assert (service.paths.data / "calendars" / "acme.json").read_bytes() == before


def test_unknown_sphere_is_refused(service: PlannerService, tmp_path: Path) -> None:
    with pytest.raises(PlannerError, match="Unknown sphere"):
        service.import_calendar(str(_write(tmp_path / "a.ics", CAL_V1)), sphere="hobby")
    assert service.store.calendar_names() == []


# --------------------------------------------------------------------------- subscriptions


class _Server:
    def __init__(self) -> None:
        self.body = CAL_V1.encode()
        self.status = 200
        self.hits = 0


@pytest.fixture
def server() -> Iterator[tuple[_Server, str]]:
    state = _Server()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits += 1
            if state.status != 200:
                self.send_error(state.status)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/calendar/private-0123456789abcdef0123/basic.ics"
    try:
        yield state, url
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_subscribe_then_refresh(service: PlannerService, server) -> None:
    state, url = server
    report = service.import_calendar(url, calendar="acme")
    assert report.new == 3
    assert service.store.calendar_meta("acme")["url"] == url
    state.body = CAL_V2.encode()
    (refreshed,) = service.refresh()
    assert refreshed.calendar == "acme" and refreshed.updated == 2 and refreshed.removed == 1
    assert ("Design review (moved)", "13:00", "14:00") in _day(service, date(2026, 11, 24))


def test_failed_refresh_keeps_last_good_data(service: PlannerService, server) -> None:
    state, url = server
    service.import_calendar(url, calendar="acme")
    before = _day(service, date(2026, 11, 24))
    state.status = 500
    (report,) = service.refresh()
    assert report.failed and "kept the last good copy" in report.summary
    assert "0123456789abcdef0123" not in report.summary  # the secret part is never shown
    assert _day(service, date(2026, 11, 24)) == before


def test_webcal_means_https(service: PlannerService) -> None:
    from planner.adapters.ical.fetch import normalize_url

    assert normalize_url("webcal://example.com/a.ics") == "https://example.com/a.ics"
    with pytest.raises(PlannerError):
        service.import_calendar("ftp://example.com/a.ics")


def test_reimport_with_another_sphere_relabels_events(service: PlannerService,
                                                      tmp_path: Path) -> None:
    path = _write(tmp_path / "school.ics", CAL_V1)
    service.import_calendar(str(path), calendar="school")
    report = service.import_calendar(str(path), calendar="school", sphere="personal")
    assert report.updated == 3
    assert {b.sphere for b in service.store.calendar_blocks("school")} == {"personal"}
    again = service.import_calendar(str(path), calendar="school")  # remembers the sphere
    assert again.unchanged == 3
    assert {b.sphere for b in service.store.calendar_blocks("school")} == {"personal"}
