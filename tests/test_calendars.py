"""Calendars as things a person manages: named after their file, never silently replaced,
renamed, removed (and brought back by undo), hidden with or without their busy time, and
listed with their last refresh (issue #17 point 6). Berlin, Mon 23 Nov 2026 08:30."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from planner.app.importing import name_for_url
from planner.app.service import PlannerError, PlannerService
from tests.conftest import ZONE, pinned_clock

CAL = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nX-WR-CALNAME:Calendar\r\n"
       "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n"
       "DTSTART;TZID=Europe/Berlin:20261123T{start}\r\n"
       "DTEND;TZID=Europe/Berlin:20261123T{end}\r\nSUMMARY:{title}\r\nEND:VEVENT\r\n"
       "END:VCALENDAR\r\n")
DAY = date(2026, 11, 23)


def ics(folder: Path, name: str, title: str, start: str = "100000", end: str = "120000",
        uid: str | None = None) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(CAL.format(uid=uid or title, start=start, end=end, title=title))
    return str(path)


@pytest.fixture
def service(home: Path) -> PlannerService:
    return PlannerService(home, tz=ZONE, clock=pinned_clock)


def shown(service: PlannerService) -> list[tuple[str, str | None]]:
    return [(o.title, o.block.source.calendar if o.block.source else None)
            for o in service.agenda(DAY) if o.block.is_fixed]


def test_named_after_the_file_not_a_generic_calname(service: PlannerService,
                                                    tmp_path: Path) -> None:
    first = service.import_calendar(ics(tmp_path / "a", "outlook-work.ics", "Board"))
    second = service.import_calendar(ics(tmp_path / "a", "family.ics", "Play", "140000",
                                         "150000"))
    assert (first.calendar, second.calendar) == ("outlook-work", "family")
    assert sorted(shown(service)) == [("Board", "outlook-work"), ("Play", "family")]
    # The same file again goes to its calendar, whatever it is called by now.
    service.rename_calendar("outlook-work", "Work")
    again = service.import_calendar(str(tmp_path / "a" / "outlook-work.ics"))
    assert again.calendar == "Work" and again.new == 0


def test_another_source_under_a_name_in_use_is_refused_unless_replace(
        service: PlannerService, tmp_path: Path) -> None:
    service.import_calendar(ics(tmp_path / "a", "outlook.ics", "Board"))
    other = ics(tmp_path / "b", "outlook.ics", "Client call", uid="c1")
    with pytest.raises(PlannerError, match=r"already comes from .*a/outlook\.ics.*--replace"):
        service.import_calendar(other)
    assert shown(service) == [("Board", "outlook")]
    report = service.import_calendar(other, replace=True)
    assert (report.new, report.removed) == (1, 1)
    assert shown(service) == [("Client call", "outlook")]


@pytest.mark.parametrize(("url", "name"), [
    ("https://example.com/team/holidays.ics", "holidays"),
    ("https://example.com/feeds/Team%20Rota.ics?token=abc", "Team Rota"),
    ("https://calendar.google.com/calendar/ical/x%40gmail.com/private-0123456789abcdef/"
     "basic.ics", "calendar.google.com"),
    ("https://outlook.office365.com/owa/calendar/0a1b2c3d4e5f6a7b8c9d0e1f/calendar.ics",
     "outlook.office365.com"),
    ("https://example.com/", "example.com"),
])
def test_a_url_is_named_after_its_last_part(url: str, name: str) -> None:
    assert name_for_url(url) == name


def test_rename_remove_and_undo(service: PlannerService, tmp_path: Path) -> None:
    from planner.app.series import OccurrenceEdit, Scope

    series = CAL.replace("SUMMARY:{title}", "RRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY:{title}")
    path = tmp_path / "work.ics"
    path.write_text(series.format(uid="s1", start="090000", end="093000", title="Stand-up"))
    service.import_calendar(str(path))
    master = service.agenda(DAY)[0].block
    slot = service.occurrence_slot(master.id, DAY + timedelta(days=1))
    service.edit_occurrence(master.id, slot, Scope.THIS, OccurrenceEdit(title="Stand-up!"))
    assert service.rename_calendar("work", "Acme") == "Renamed work to Acme."
    assert [o.block.source.calendar for o in service.agenda(DAY, 3)] == ["Acme"] * 3
    assert [o.title for o in service.agenda(DAY, 3)] == ["Stand-up", "Stand-up!", "Stand-up"]
    with pytest.raises(PlannerError, match="already exists"):
        service.rename_calendar("Acme", "Acme")
    with pytest.raises(PlannerError, match="No calendar named 'work'"):
        service.remove_calendar("work")

    assert service.remove_calendar("Acme") == "Removed Acme (1 event)."
    assert service.agenda(DAY, 3) == [] and service.calendars() == []
    assert service.undo() == "Undid remove calendar Acme."
    assert [o.title for o in service.agenda(DAY, 3)] == ["Stand-up", "Stand-up!", "Stand-up"]
    service.redo()
    assert service.agenda(DAY, 3) == []
    service.undo()
    service.undo()  # the rename
    assert [c.name for c in service.calendars()] == ["work"]
    assert {o.block.source.calendar for o in service.agenda(DAY, 3)} == {"work"}


def test_a_removed_calendar_is_dropped_once_no_undo_can_bring_it_back(
        service: PlannerService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.app import history

    monkeypatch.setattr(history, "HISTORY_KEPT", 2)
    service.import_calendar(ics(tmp_path, "one.ics", "One"))
    service.remove_calendar("one")
    files = lambda: sorted(p.name for p in (service.paths.data / "calendars").glob("*.json"))  # noqa: E731
    assert files() == ["one.json"]  # kept for undo
    service.import_calendar(ics(tmp_path, "one.ics", "One again"))  # the name is free
    assert [c.name for c in service.calendars()] == ["one"]
    service.undo()  # the import (its events go; the new calendar stays)
    with pytest.raises(PlannerError, match="exists again"):
        service.undo()
    for hour in (18, 19):  # two more steps: the removal falls out of the undo history
        service.add(service.make_fixed("Note", service.at(DAY, _time(hour)), service.at(
            DAY, _time(hour + 1)), sphere="personal"))
    service.remove_calendar("one")
    assert files() == ["one-2.json"]  # the first removed one is gone for good


def _time(hour: int):  # type: ignore[no-untyped-def]
    from datetime import time

    return time(hour)


def test_hidden_calendars_take_no_time_unless_busy(service: PlannerService,
                                                   tmp_path: Path) -> None:
    service.import_calendar(ics(tmp_path, "family.ics", "School play", "090000", "170000"),
                            sphere="personal")
    task = service.add(service.make_flexible(
        "Groceries", timedelta(hours=1), sphere="personal", earliest=service.at(DAY, _time(9)),
        deadline=service.at(DAY, _time(17))))
    assert not service.block(task.id).planned  # the play fills the window
    service.hide_calendar("family")
    assert shown(service) == []
    assert service.block(task.id).planned  # hidden: its time is free
    service.hide_calendar("family", busy=True)
    assert shown(service) == []
    assert not service.block(task.id).planned  # hidden but busy: still in the way
    listed = service.calendars()[0]
    assert (listed.hidden, listed.busy) == (True, True)
    service.show_calendar("family")
    assert shown(service) == [("School play", "family")]


class _Feed(http.server.BaseHTTPRequestHandler):
    body = CAL.format(uid="h1", start="100000", end="110000", title="Holiday").encode()
    up = True

    def do_GET(self) -> None:
        if self.up:
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            self.wfile.write(self.body)
        else:
            self.send_error(503)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def feed() -> Iterator[tuple[str, type[_Feed]]]:
    handler = type("Feed", (_Feed,), {"up": True})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/team/holidays.ics", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_list_says_when_each_was_last_refreshed_and_how(
        service: PlannerService, feed: tuple[str, type[_Feed]]) -> None:
    url, handler = feed
    assert service.import_calendar(url).calendar == "holidays"
    (listed,) = service.calendars()
    assert (listed.subscribed, listed.ok, listed.checked_at) == (
        True, True, "2026-11-23T07:30:00+00:00")
    handler.up = False
    (report,) = service.refresh()
    assert report.failed
    (listed,) = service.calendars()
    assert listed.ok is False and "503" in (listed.last_result or "")
    assert shown(service) == [("Holiday", "holidays")]  # the last good copy stays
