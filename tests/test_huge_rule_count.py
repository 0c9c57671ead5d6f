"""An RRULE COUNT past the largest iCalendar INTEGER (issue #18.13): imported with a
note as the largest one, and a rule stored before that still exports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from icalendar import Calendar

from planner.adapters.ical.writer import ExportOptions, write_calendar
from planner.core.model import Block, Recurrence

HUGE = "99999999999999999999"
EVENT = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//huge count//EN\r\n"
    "BEGIN:VEVENT\r\nUID:big@x\r\nDTSTAMP:20260101T000000Z\r\n"
    "DTSTART:20261123T090000Z\r\nDTEND:20261123T100000Z\r\nSUMMARY:Big\r\n"
    f"RRULE:FREQ=DAILY;COUNT={HUGE}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def _rrule(data: str | bytes) -> str:
    events = Calendar.from_ical(data).walk("VEVENT")
    assert len(events) == 1
    return events[0]["RRULE"].to_ical().decode()


def test_an_imported_huge_count_is_kept_as_the_largest_and_exports(cli, tmp_path: Path
                                                                   ) -> None:
    source = tmp_path / "big.ics"
    source.write_text(EVENT, newline="")
    imported = cli("import", "-v", str(source), check=True)
    assert "COUNT=2147483647" in imported.stdout + imported.stderr  # the note says so
    for args in ((), ("--from", "2026-11-23", "--to", "2026-11-29")):
        result = cli("export", "-", *args)
        assert result.returncode == 0, result.stderr
        assert _rrule(result.stdout) == "FREQ=DAILY;COUNT=2147483647"
    agenda = cli("agenda", "2026-11-25", check=True)
    assert "Big" in agenda.stdout


def test_a_stored_huge_count_is_written_as_the_largest_integer() -> None:
    start = datetime(2026, 11, 23, 9, tzinfo=UTC)
    block = Block(id="b1", title="Big", start=start, end=start + timedelta(hours=1),
                  tzid="UTC", recurrence=Recurrence(f"FREQ=DAILY;COUNT={HUGE}"))
    data = write_calendar([block], ExportOptions(), now=start).data
    assert _rrule(data) == "FREQ=DAILY;COUNT=2147483647"
