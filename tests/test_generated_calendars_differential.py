"""Generated calendars read by planner and by the reference readers, side by side.

The corpus test compares files people wrote; this one writes its own, many shapes at a
time (Hypothesis): a series in one of several zones (DST north and south, none, UTC,
floating, all-day) starting near a DST change, with a rule of any common shape, an
end by COUNT or UNTIL or none, EXDATEs, an RDATE and a moved instance. Planner's real
path (import, day index, agenda) must give the same occurrences, instants and titles as
icalendar + x_wr_timezone + recurring_ical_events.

Instances in a spring-forward gap are left out of the shapes: there planner deliberately
differs (tests/corpus/DIFFERENCES.md, dst_crossing_event.ics).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.adapters.ical.vtimezone import build_vtimezone
from tests.differential import Window, planner_rows, reference_rows

ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC",
         "floating", "all-day", "W. Europe Standard Time", "custom", "X-WR-TIMEZONE")
# A VTIMEZONE under a name no zone database knows, with New York's rules (the reader
# keeps its own rules), as Exchange writes "Customized Time Zone".
CUSTOM = "Eastern (customized)"
CUSTOM_VTIMEZONE = build_vtimezone("America/New_York", 2025, 2027).to_ical().decode() \
    .replace("TZID:America/New_York", f"TZID:{CUSTOM}")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@st.composite
def series(draw: st.DrawFn) -> tuple[bytes, Window]:
    zone = draw(st.sampled_from(ZONES))
    month = draw(st.sampled_from((3, 4, 10, 11)))  # DST changes north and south
    first = date(2026, month, draw(st.integers(1, 28)))
    hour, minute = draw(st.integers(7, 21)), draw(st.sampled_from((0, 15, 30, 45)))
    start = datetime(first.year, first.month, first.day, hour, minute)
    all_day = zone == "all-day"

    def stamp(wall: datetime, prop: str) -> str:
        if all_day:
            return f"{prop};VALUE=DATE:{wall:%Y%m%d}"
        if zone in ("floating", "X-WR-TIMEZONE"):
            return f"{prop}:{wall:%Y%m%dT%H%M%S}"
        if zone == "UTC":
            return f"{prop}:{wall:%Y%m%dT%H%M%S}Z"
        tzid = CUSTOM if zone == "custom" else zone
        return f"{prop};TZID={tzid}:{wall:%Y%m%dT%H%M%S}"

    length = timedelta(days=draw(st.integers(1, 3))) if all_day else \
        timedelta(minutes=draw(st.sampled_from((15, 30, 60, 90, 180))))
    freq = draw(st.sampled_from(("DAILY", "WEEKLY", "MONTHLY", "YEARLY")))
    parts = [f"FREQ={freq}"]
    interval = draw(st.integers(1, 3))
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    if freq == "WEEKLY" and draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))
        parts.append("BYDAY=" + ",".join(chosen))
    if freq == "MONTHLY":
        shape = draw(st.sampled_from(("plain", "nth", "31st", "last weekday")))
        if shape == "nth":
            nth = draw(st.sampled_from((1, 2, -1)))
            parts.append(f"BYDAY={nth}{DAYS[first.weekday()]}")
        elif shape == "31st":
            parts.append("BYMONTHDAY=31")
        elif shape == "last weekday":
            parts.append("BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")
    # The instances of the rule, to move one of them (an override names an instance).
    instances = list(rrulestr(";".join(parts), dtstart=start, cache=False, forceset=False)
                     .xafter(start - timedelta(seconds=1), count=20, inc=True))
    # A floating UNTIL beside X-WR-TIMEZONE is compared as UTC by the reference: a
    # written-down difference (floating_until_with_x_wr_timezone.ics).
    end = draw(st.sampled_from(("count", "none") if zone == "X-WR-TIMEZONE" else
                               ("count", "until", "none")))
    if end == "count":
        count = draw(st.integers(1, 15))
        parts.append(f"COUNT={count}")
        instances = instances[:count]
    elif end == "until":
        until = start + timedelta(days=draw(st.integers(0, 60)))
        instances = [i for i in instances if i <= until]
        if all_day:
            parts.append(f"UNTIL={until:%Y%m%d}")
        elif zone in ("floating", "X-WR-TIMEZONE"):
            parts.append(f"UNTIL={until:%Y%m%dT%H%M%S}")
        else:
            real = {"custom": "America/New_York", "W. Europe Standard Time": "Europe/Berlin",
                    "UTC": "UTC"}.get(zone, zone)
            aware = until.replace(tzinfo=ZoneInfo(real))
            parts.append(f"UNTIL={aware.astimezone(UTC):%Y%m%dT%H%M%SZ}")
    lines = [stamp(start, "DTSTART"), f"DURATION:P{length.days}D" if all_day else
             f"DURATION:PT{int(length.total_seconds()) // 60}M", "RRULE:" + ";".join(parts)]
    # THISANDFUTURE beside X-WR-TIMEZONE: the reference moves one instance only (a
    # written-down difference, thisandfuture_with_x_wr_timezone.ics).
    change = draw(st.sampled_from(("none", "moved") if zone == "X-WR-TIMEZONE" else
                                  ("none", "moved", "this and following")))
    moved = start
    if len(instances) < 2:
        change = "none"
    else:
        moved = instances[draw(st.integers(1, min(len(instances), 6) - 1))]
    # EXDATEs and an RDATE at the series' wall time some days on (instances or not),
    # not on the moved instance's day (a deleted instance that is also moved is the
    # deleted-modification family, tested on its own).
    def elsewhere(days: int) -> bool:
        return change == "none" or (start + timedelta(days=days)).date() != moved.date()

    for offset in draw(st.lists(st.integers(1, 40).filter(elsewhere), max_size=3,
                                unique=True)):
        lines.append(stamp(start + timedelta(days=offset), "EXDATE"))
    if draw(st.booleans()):
        # Not on the moved instance's day: the reference then drops the RDATE instance
        # along with the moved one (matched by date), which RFC 5545 does not ask.
        day = draw(st.integers(1, 40).filter(elsewhere))
        extra = start + timedelta(days=day)
        lines.append(stamp(extra if all_day else extra + timedelta(hours=1), "RDATE"))
    events = [["UID:gen@x", "SUMMARY:Series", *lines]]
    if change == "this and following" and not all_day:
        # Every instance from one on moves an hour later (RANGE=THISANDFUTURE).
        events.append(["UID:gen@x", "SUMMARY:Later", stamp(moved, "RECURRENCE-ID")
                       .replace("RECURRENCE-ID", "RECURRENCE-ID;RANGE=THISANDFUTURE", 1),
                       stamp(moved + timedelta(hours=1), "DTSTART"),
                       stamp(moved + timedelta(hours=1) + length, "DTEND")])
    elif change == "moved":
        events.append(["UID:gen@x", "SUMMARY:Moved", stamp(moved, "RECURRENCE-ID"),
                       stamp(moved + timedelta(hours=2) if not all_day else
                             moved + timedelta(days=1), "DTSTART"),
                       stamp(moved + timedelta(hours=3) if not all_day else
                             moved + timedelta(days=2), "DTEND")])
    body = "".join("BEGIN:VEVENT\r\nDTSTAMP:20260101T000000Z\r\n" + "\r\n".join(e) +
                   "\r\nEND:VEVENT\r\n" for e in events)
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Generated//EN\r\n"
    if zone == "X-WR-TIMEZONE":  # Google: floating times in the calendar's zone
        head += "X-WR-TIMEZONE:America/New_York\r\n"
    if zone == "custom":
        head += CUSTOM_VTIMEZONE.replace("\r\n", "\n").replace("\n", "\r\n")
    data = (head + body + "END:VCALENDAR\r\n").encode()
    return data, Window(first - timedelta(days=1), 75)


def check(case: tuple[bytes, Window]) -> None:
    data, window = case
    with TemporaryDirectory() as home:
        mine, skipped = planner_rows(data, window, Path(home))
    assert not skipped
    assert mine == reference_rows(data, window), data.decode()


# The same examples on every run (no flaky suite); `pytest -m slow` explores further.
@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(series())
def test_generated_series_read_like_the_reference(case: tuple[bytes, Window]) -> None:
    check(case)


@pytest.mark.slow
@pytest.mark.timeout(1800)
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(series())
def test_many_more_generated_series_read_like_the_reference(
        case: tuple[bytes, Window]) -> None:
    check(case)
