"""Two independent readings of one calendar, as comparable rows.

``reference_rows`` reads with icalendar + x_wr_timezone + recurring_ical_events (the
libraries built for this, test extra only); ``planner_rows`` imports through planner's
real path (``PlannerService.import_calendar`` into a fresh home, then ``agenda``).
Each row is (start, end, title): UTC instants for timed occurrences, dates for all-day
ones. Only occurrences *starting* inside the window are compared, so window edges
cannot make a difference of their own.

The normalisations applied to the reference are planner's documented behaviour, not
differences: STATUS:CANCELLED occurrences disappear, an empty SUMMARY is "(no title)",
floating times are wall times in the viewing zone.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import x_wr_timezone

Row = tuple[str, str, str]  # ISO start, ISO end, title
VIEW_ZONE = "Europe/Berlin"
_MAX_ROWS = 600  # occurrences compared per file at most (the window shrinks to fit)
_BEGIN = re.compile(rb"^BEGIN:VCALENDAR", re.MULTILINE | re.IGNORECASE)


@dataclass(frozen=True)
class Window:
    first: date
    days: int

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time(), tzinfo=ZoneInfo(VIEW_ZONE))

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)

    def holds(self, moment: datetime | date) -> bool:
        if isinstance(moment, datetime):
            return self.start <= moment < self.end
        return self.first <= moment < self.first + timedelta(days=self.days)


def reference_calendars(data: bytes) -> list[icalendar.Calendar]:
    """icalendar's reading of every VCALENDAR in the file (a bare VEVENT file is wrapped)."""
    if not _BEGIN.search(data):
        data = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + data.strip() + b"\r\nEND:VCALENDAR\r\n"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = icalendar.Calendar.from_ical(data, multiple=True)
    return [x_wr_timezone.to_standard(cal) for cal in found if cal.name == "VCALENDAR"]


def _title(component: icalendar.cal.Component) -> str:
    return str(component.get("SUMMARY", "")).strip() or "(no title)"


def _row(start: datetime | date, end: datetime | date, title: str) -> Row:
    zone = ZoneInfo(VIEW_ZONE)
    if isinstance(start, datetime):
        if start.tzinfo is None:
            start = start.replace(tzinfo=zone)
        if isinstance(end, datetime) and end.tzinfo is None:
            end = end.replace(tzinfo=zone)
        assert isinstance(end, datetime)
        return (start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat(), title)
    return (start.isoformat(), end.isoformat(), title)


def reference_occurrences(data: bytes, window: Window) -> Iterator[tuple[datetime | date,
                                                                         datetime | date, str]]:
    for calendar in reference_calendars(data):
        query = recurring_ical_events.of(calendar, components=["VEVENT"], skip_bad_series=True)
        for event in query.between(window.start - timedelta(days=2),
                                   window.end + timedelta(days=2)):
            if str(event.get("STATUS", "")).strip().upper() == "CANCELLED":
                continue
            start = event["DTSTART"].dt
            yield start, _end(event, start), _title(event)


def _end(event: icalendar.cal.Component, start: datetime | date) -> datetime | date:
    """An occurrence's end as RFC 5545 gives it: DTEND, DTSTART + DURATION, else the
    start (timed) or the next day (all-day)."""
    if "DTEND" in event:
        return event["DTEND"].dt
    if "DURATION" in event:
        return start + event["DURATION"].dt
    if isinstance(start, datetime):
        return start
    return start + timedelta(days=1)


def reference_rows(data: bytes, window: Window) -> list[Row]:
    rows = []
    zone = ZoneInfo(VIEW_ZONE)
    for start, end, title in reference_occurrences(data, window):
        at = start.replace(tzinfo=zone) if isinstance(start, datetime) and \
            start.tzinfo is None else start
        if window.holds(at):
            rows.append(_row(start, end, title))
    return sorted(rows)


def planner_rows(data: bytes, window: Window, home: Path, name: str = "corpus.ics"
                 ) -> tuple[list[Row], list[str]]:
    """Planner's agenda rows for the window, and the import's skipped/repaired lines."""
    from planner.app.service import PlannerService

    path = home / name
    path.write_bytes(data)
    service = PlannerService(home / "store", tz=VIEW_ZONE,
                             clock=lambda: datetime(2000, 1, 1, tzinfo=UTC))
    report = service.import_calendar(str(path), calendar="corpus")
    rows = []
    for occ in service.agenda(window.first, window.days):
        if not occ.block.is_fixed:
            continue
        if window.holds(occ.start):
            rows.append(_row(occ.start, occ.end, occ.title))
    return sorted(rows), list(report.skipped)


def window_for(data: bytes) -> Window | None:
    """A window around the file's events: from a day before the first to 60 days after
    the last start named in the file, at most two years, cut where the reference has
    shown ``_MAX_ROWS`` occurrences."""
    starts: list[date] = []
    calendars = reference_calendars(data)
    for calendar in calendars:
        for event in calendar.walk("VEVENT"):
            for key in ("DTSTART", "RECURRENCE-ID"):
                if key in event:
                    moment = event[key].dt
                    starts.append(moment.date() if isinstance(moment, datetime) else moment)
    starts = [d for d in starts if 1900 <= d.year <= 2200]
    if not starts:
        return None
    first = min(starts) - timedelta(days=1)
    last = min(max(starts) + timedelta(days=60), first + timedelta(days=2 * 366))
    # Grow the window a step at a time (a day, two, four...) until it holds enough
    # occurrences: a rule every minute must not be expanded over two years.
    days, seen = 1, 0
    while first + timedelta(days=days) < last:
        step = Window(first + timedelta(days=days // 2) if days > 1 else first,
                      days - days // 2 if days > 1 else 1)
        seen += sum(1 for _ in zip(reference_occurrences(data, step), range(_MAX_ROWS),
                                   strict=False))
        if seen >= _MAX_ROWS:
            last = first + timedelta(days=days)
            break
        days *= 2
    return Window(first, max((last - first).days, 1))


@dataclass(frozen=True)
class Outcome:
    """How planner's reading of one file compares with the reference's."""

    # same | differs | reference-fails (planner reads events) | planner-fails (the
    # reference reads events) | only-planner (the reference finds none) | no-events
    status: str
    detail: str = ""


def compare(data: bytes, home: Path) -> Outcome:
    """Both readings of one file, compared; planner failing other than with its own
    one-sentence error is raised, never hidden."""
    from planner.core.errors import PlannerError

    try:
        window = window_for(data)
        reference = reference_rows(data, window) if window is not None else None
    except Exception as exc:  # the reference's own failure is an outcome, not ours
        window, reference = None, None
        failed = f"{type(exc).__name__}: {str(exc)[:120]}"
    else:
        failed = ""
    if window is None:  # the reference finds no event (or cannot read the file)
        try:
            fixed = _planner_fixed_count(data, home)
        except PlannerError:
            fixed = 0  # nothing either way
        if not fixed:
            return Outcome("no-events")
        if failed:
            return Outcome("reference-fails", f"reference: {failed}; planner: {fixed} events")
        return Outcome("only-planner", f"the reference finds no event, planner {fixed}")
    try:
        mine, _ = planner_rows(data, window, home)
    except PlannerError as exc:
        return Outcome("planner-fails", f"planner: {exc}")
    if mine == reference:
        return Outcome("same")
    assert reference is not None
    only_ref = sorted(set(reference) - set(mine))[:3]
    only_mine = sorted(set(mine) - set(reference))[:3]
    return Outcome("differs", f"reference only {only_ref}, planner only {only_mine}")


def _planner_fixed_count(data: bytes, home: Path) -> int:
    from planner.app.service import PlannerService

    path = home / "corpus.ics"
    path.write_bytes(data)
    service = PlannerService(home / "store", tz=VIEW_ZONE,
                             clock=lambda: datetime(2000, 1, 1, tzinfo=UTC))
    service.import_calendar(str(path), calendar="corpus")
    return sum(1 for b in service.session.store.calendar_blocks("corpus") if b.is_fixed)
