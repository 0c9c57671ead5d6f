"""The fast path for common rule shapes against dateutil, the reference it replaces.

``simple_rules.instances`` must yield what ``dateutil.rrule.rrulestr`` yields for every
shape it accepts, and ``recurrence.occurrences`` must give the same occurrences with the
fast path as without it (dateutil for every rule).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice, takewhile
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as du
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from planner.core import recurrence
from planner.core.model import Block, Kind, Recurrence
from planner.core.simple_rules import instances

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def reference(parts: dict[str, str], begin: datetime, stop: datetime) -> list[datetime]:
    text = ";".join(f"{k}={v}" for k, v in parts.items())
    rule = du.rrulestr(text, dtstart=begin)
    return list(takewhile(lambda w: w <= stop, islice(rule, 400)))


def fast(parts: dict[str, str], begin: datetime, stop: datetime) -> list[datetime]:
    found = instances(parts, begin, stop)
    assert found is not None, parts
    return list(takewhile(lambda w: w <= stop, islice(found, 400)))


@st.composite
def rules(draw: st.DrawFn) -> tuple[dict[str, str], datetime]:
    """A rule of a shape the fast path accepts, with every DTSTART part spelled out."""
    begin = draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1)))
    begin = begin.replace(microsecond=0)
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = {"FREQ": freq}
    if draw(st.booleans()):
        parts["INTERVAL"] = str(draw(st.integers(1, 5)))
    end = draw(st.sampled_from(["none", "until", "count"]))
    if end == "until":
        until = begin + timedelta(days=draw(st.integers(-10, 900)),
                                  seconds=draw(st.integers(0, 86399)))
        parts["UNTIL"] = until.strftime("%Y%m%dT%H%M%S")
    elif end == "count":
        parts["COUNT"] = str(draw(st.integers(0, 40)))
    if draw(st.booleans()):
        parts["WKST"] = draw(st.sampled_from(DAYS))
    chosen = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=4, unique=True))
    by = draw(st.sampled_from(["byday", "monthday", "nth", "both", "implied"]))
    if by == "byday" or (by == "implied" and freq == "WEEKLY"):
        parts["BYDAY"] = ",".join(chosen)
    elif by == "nth" and freq in ("MONTHLY", "YEARLY"):
        parts["BYDAY"] = ",".join(f"{draw(st.sampled_from([1, 2, 3, 4, -1, -2]))}{d}"
                                  for d in chosen)
    elif by in ("monthday", "both") or freq in ("MONTHLY", "YEARLY"):
        days = draw(st.lists(st.integers(1, 28) | st.integers(-28, -1), min_size=1,
                             max_size=3, unique=True))
        parts["BYMONTHDAY"] = ",".join(map(str, days))
        if by == "both":
            parts["BYDAY"] = ",".join(chosen)
    if freq != "DAILY" and "BYDAY" not in parts and "BYMONTHDAY" not in parts:
        parts["BYDAY"] = ",".join(chosen)  # the caller spells out what DTSTART implies
    if freq == "YEARLY" or draw(st.integers(0, 4)) == 0:
        months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=4, unique=True))
        parts["BYMONTH"] = ",".join(map(str, months))
    parts["BYHOUR"] = ",".join(map(str, draw(st.lists(st.integers(0, 23), min_size=1,
                                                      max_size=2, unique=True))))
    parts["BYMINUTE"] = str(draw(st.integers(0, 59)))
    parts["BYSECOND"] = str(draw(st.sampled_from([0, 0, 30])))
    return parts, begin


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules(), st.integers(1, 4000))
def test_the_fast_path_yields_what_dateutil_yields(rule: tuple[dict[str, str], datetime],
                                                  days: int) -> None:
    parts, begin = rule
    stop = begin + timedelta(days=days)
    assert fast(parts, begin, stop) == reference(parts, begin, stop)


@pytest.mark.parametrize("text", [
    "FREQ=MONTHLY;BYMONTHDAY=31",              # months without a 31st are skipped
    "FREQ=MONTHLY;BYMONTHDAY=-1,15",           # the last day and the 15th
    "FREQ=MONTHLY;BYDAY=5MO",                  # only months with five Mondays
    "FREQ=MONTHLY;BYDAY=-1FR,1MO",
    "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",     # Friday the 13th
    "FREQ=MONTHLY;BYDAY=TU,TH",                # every Tuesday and Thursday of the month
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",     # leap days only
    "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",        # US Thanksgiving
    "FREQ=YEARLY;BYDAY=20MO",                  # the 20th Monday of the year
    "FREQ=YEARLY;BYDAY=-1SU",                  # the year's last Sunday
    "FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=SU,MO",  # WKST decides which weeks count
    "FREQ=WEEKLY;INTERVAL=3;BYDAY=1MO,FR",     # an ordinal means nothing weekly
    "FREQ=DAILY;INTERVAL=10;BYMONTH=1,7",
    "FREQ=DAILY;BYMONTHDAY=1,-1",
    "FREQ=WEEKLY;BYDAY=MO;UNTIL=20240101T000000",  # UNTIL before the start: nothing
    "FREQ=DAILY;COUNT=0",
    "FREQ=DAILY;BYHOUR=9,17;BYMINUTE=0;COUNT=7",
])
def test_edge_shapes_match_dateutil(text: str) -> None:
    parts = dict(piece.split("=") for piece in text.split(";"))
    parts.setdefault("BYHOUR", "9")
    parts.setdefault("BYMINUTE", "30")
    parts.setdefault("BYSECOND", "0")
    for begin in (datetime(2024, 1, 31, 9, 30), datetime(2025, 3, 12, 23, 59, 59),
                  datetime(2027, 12, 31, 0, 0)):
        stop = begin + timedelta(days=3000)
        assert fast(parts, begin, stop) == reference(parts, begin, stop), (text, begin)


@pytest.mark.parametrize("text", [
    "FREQ=HOURLY", "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR", "FREQ=YEARLY;BYWEEKNO=20",
    "FREQ=YEARLY;BYYEARDAY=100", "FREQ=DAILY;UNTIL=20250101T000000;COUNT=3",
    "FREQ=MONTHLY;BYDAY=0MO", "FREQ=WEEKLY;BYDAY=XX", "FREQ=WEEKLY;WKST=XX",
    "FREQ=WEEKLY", "FREQ=MONTHLY;BYMONTH=3",  # the day DTSTART implies was not spelled out
])
def test_other_shapes_are_left_to_dateutil(text: str) -> None:
    parts = dict(piece.split("=") for piece in text.split(";"))
    parts |= {"BYHOUR": "9", "BYMINUTE": "0", "BYSECOND": "0"}
    assert instances(parts, datetime(2025, 1, 1, 9), datetime(2026, 1, 1)) is None


ZONES = ["Europe/Berlin", "America/New_York", "Pacific/Apia", "UTC"]


@st.composite
def series(draw: st.DrawFn) -> Block:
    parts, begin = draw(rules())
    parts.pop("BYHOUR"), parts.pop("BYMINUTE"), parts.pop("BYSECOND")
    if "UNTIL" in parts and draw(st.booleans()):
        parts["UNTIL"] += "Z"
    tzid = draw(st.sampled_from([*ZONES, None]))
    start = begin.replace(tzinfo=ZoneInfo(tzid) if tzid else UTC)
    exdates = tuple(start + timedelta(days=n) for n in
                    draw(st.lists(st.integers(0, 60), max_size=3)))
    return Block(id="s", title="s", sphere="work", kind=Kind.FIXED, start=start,
                 end=start + timedelta(minutes=draw(st.sampled_from([0, 30, 90, 1500]))),
                 tzid=tzid, recurrence=Recurrence(";".join(f"{k}={v}" for k, v in
                                                           parts.items()), (), exdates))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(series(), st.integers(-400, 4000), st.integers(1, 9), st.sampled_from(ZONES))
def test_occurrences_are_the_same_with_and_without_the_fast_path(
        block: Block, offset: int, days: int, zone_name: str) -> None:
    assert block.start is not None
    zone = ZoneInfo(zone_name)
    start = block.start.astimezone(zone) + timedelta(days=offset)
    end = start + timedelta(days=days)
    try:
        with_fast = recurrence.occurrences([block], start, end, zone)
    except OverflowError:
        assume(False)
    original = recurrence.simple_instances
    recurrence.simple_instances = lambda *args: None  # type: ignore[assignment]
    try:
        with_dateutil = recurrence.occurrences([block], start, end, zone)
    finally:
        recurrence.simple_instances = original
    assert with_fast == with_dateutil
