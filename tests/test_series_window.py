"""``series_window.series_in_window`` never drops a series that shows in the window.

The reference is dateutil itself, used directly (an aware DTSTART in the rule's zone, so
it walks wall time as RFC 5545 says), plus planner's own expansion
(``recurrence.occurrences``): whenever either finds an occurrence overlapping the window,
the verdict must not be SKIP. The test is only useful if it skips often, so that is
checked on plain cases too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as du
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.core.model import Block, Moment, Recurrence
from planner.core.recurrence import occurrences
from planner.core.series_window import Series, Verdict, series_in_window

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ZONES = ("Europe/Berlin", "America/New_York", "Pacific/Apia", "UTC", "Australia/Lord_Howe",
         "Antarctica/Troll", "Asia/Kolkata")


@st.composite
def a_rule(draw: st.DrawFn, begin: datetime, all_day: bool) -> str:
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "WEEKLY", "MONTHLY", "MONTHLY", "YEARLY",
                                 "HOURLY"]))
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 5))}")
    bound = draw(st.sampled_from(["none", "until", "count"]))
    if bound == "count":
        parts.append(f"COUNT={draw(st.integers(1, 30))}")
    elif bound == "until":
        until = begin + timedelta(days=draw(st.integers(-3, 400)),
                                  hours=draw(st.integers(-30, 30)))
        if all_day:
            parts.append(f"UNTIL={until:%Y%m%d}")
        elif begin.tzinfo is None:
            parts.append(f"UNTIL={until:%Y%m%dT%H%M%S}")
        else:
            parts.append(f"UNTIL={until.astimezone(UTC):%Y%m%dT%H%M%SZ}")
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(DAYS))}")
    by = draw(st.sampled_from(["byday", "byday", "nth", "none", "monthday", "hours",
                               "hours"]))
    chosen = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))
    if by == "byday":
        parts.append("BYDAY=" + ",".join(chosen))
    elif by == "nth":
        ordinals = draw(st.lists(st.sampled_from([1, 2, 3, 4, 5, -1, -2, -5]), min_size=1,
                                 max_size=len(chosen), unique=True))
        parts.append("BYDAY=" + ",".join(f"{n}{d}" for n, d in zip(ordinals, chosen,
                                                                    strict=False)))
    elif by == "monthday":
        parts.append(f"BYMONTHDAY={draw(st.sampled_from([1, 15, 28, 31, -1]))}")
    elif by == "hours" and not all_day:  # other times of day than DTSTART's
        parts.append("BYHOUR=" + ",".join(str(h) for h in
                                          draw(st.lists(st.integers(0, 23), min_size=1,
                                                        max_size=3, unique=True))))
        if draw(st.booleans()):
            parts.append(f"BYMINUTE={draw(st.sampled_from([0, 20, 59]))}")
    return ";".join(parts)


@st.composite
def a_case(draw: st.DrawFn) -> tuple[Block, datetime, datetime, ZoneInfo]:
    first = draw(st.dates(min_value=date(2019, 1, 1), max_value=date(2027, 12, 31)))
    kind = draw(st.sampled_from(["zoned", "zoned", "floating", "all-day", "utc"]))
    tzid = None
    start: Moment
    end: Moment
    if kind == "all-day":
        start = first
        end = first + timedelta(days=draw(st.integers(1, 3)))
        wall = datetime.combine(first, time(0))
    else:
        clock = time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 45])))
        length = timedelta(minutes=draw(st.sampled_from([0, 15, 30, 60, 90, 600, 1500,
                                                         3000])))
        wall = datetime.combine(first, clock)
        if kind == "floating":
            start = wall
        else:
            tzid = "UTC" if kind == "utc" else draw(st.sampled_from(ZONES))
            start = wall.replace(tzinfo=ZoneInfo(tzid)).astimezone(UTC)
        end = start + length
    rule_begin = wall.replace(tzinfo=ZoneInfo(tzid)) if tzid else wall
    rules = [draw(a_rule(rule_begin, kind == "all-day"))]
    if draw(st.integers(0, 9)) == 0:
        rules.append(draw(a_rule(rule_begin, kind == "all-day")))
    block = Block(id="s", title="series", sphere="work", start=start, end=end, tzid=tzid,
                  recurrence=Recurrence(rrule="\n".join(rules)))
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    near = first + timedelta(days=draw(st.integers(-3, 120)))
    window_start = datetime.combine(near, time(0), tzinfo=zone)
    if draw(st.booleans()):  # a day of the viewer's
        window_end = datetime.combine(near + timedelta(days=1), time(0), tzinfo=zone)
    else:
        window_start += timedelta(minutes=draw(st.integers(0, 24 * 60)))
        window_end = window_start + timedelta(minutes=draw(st.integers(1, 26 * 60)))
    return block, window_start, window_end, zone


def _instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """A wall time's instant, a skipped one shifted forward by the gap (RFC 5545)."""
    return datetime.fromtimestamp(wall.replace(tzinfo=tz, fold=0).timestamp(), UTC)


def dateutil_hits(block: Block, window_start: datetime, window_end: datetime,
                  zone: ZoneInfo) -> bool:
    """Whether dateutil's instances (and DTSTART) of ``block`` overlap the window."""
    assert block.recurrence is not None and block.start is not None and block.end is not None
    if isinstance(block.start, datetime):
        tz = zone if block.start.tzinfo is None else ZoneInfo(block.tzid or "UTC")
        wall = block.start.replace(tzinfo=None) if block.start.tzinfo is None else \
            block.start.astimezone(tz).replace(tzinfo=None)
        aware = block.start.tzinfo is not None
    else:
        tz, wall, aware = zone, datetime.combine(block.start, time(0)), False
    dtstart = wall.replace(tzinfo=tz) if aware else wall
    span = (window_end - window_start) + abs(block.length) + timedelta(days=3)
    low = window_start.astimezone(tz).replace(tzinfo=None) - span
    high = window_end.astimezone(tz).replace(tzinfo=None) + timedelta(days=2)
    walls = [wall]
    for text in block.recurrence.rrule.split("\n"):  # type: ignore[union-attr]
        rule = du.rrulestr(text, dtstart=dtstart)
        bounds = (low.replace(tzinfo=tz), high.replace(tzinfo=tz)) if aware else (low, high)
        walls += [w.replace(tzinfo=None) for w in rule.between(*bounds, inc=True)]
    for found in walls:
        if not isinstance(block.start, datetime):
            days = max((block.end - block.start).days, 1)  # type: ignore[operator]
            first_day = window_start.astimezone(zone).date()
            last_day = (window_end - timedelta(microseconds=1)).astimezone(zone).date()
            if found.date() <= last_day and found.date() + timedelta(days=days) > first_day:
                return True
            continue
        begin = _instant(found, tz)
        finish = _instant(found + block.length, tz) if not aware else begin + block.length
        if (window_start <= begin < window_end) if begin == finish else \
                (begin < window_end and finish > window_start):
            return True
    return False


def verdict(block: Block, window_start: datetime, window_end: datetime,
            zone: ZoneInfo) -> Verdict:
    assert block.recurrence is not None and block.start is not None and block.end is not None
    return series_in_window(Series(block.start, block.end, block.tzid,
                                   block.recurrence.rrule, bool(block.recurrence.rdates),
                                   False), window_start, window_end, zone)


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=a_case())
def test_a_series_that_shows_in_the_window_is_never_skipped(
        case: tuple[Block, datetime, datetime, ZoneInfo]) -> None:
    block, window_start, window_end, zone = case
    said = verdict(block, window_start, window_end, zone)
    shown = occurrences([block], window_start, window_end, zone)
    if shown:
        assert said is not Verdict.SKIP, [(o.start, o.end) for o in shown]
    if said is Verdict.SKIP:
        assert not dateutil_hits(block, window_start, window_end, zone)


BERLIN = ZoneInfo("Europe/Berlin")


def weekly(rule: str, first: date = date(2025, 3, 3), clock: time = time(9)) -> Block:
    start = datetime.combine(first, clock, tzinfo=BERLIN).astimezone(UTC)
    return Block(id="s", title="weekly", sphere="work", start=start,
                 end=start + timedelta(hours=1), tzid="Europe/Berlin",
                 recurrence=Recurrence(rrule=rule))


def day(d: date) -> tuple[datetime, datetime, ZoneInfo]:
    start = datetime.combine(d, time(0), tzinfo=BERLIN)
    return start, start + timedelta(days=1), BERLIN


WEDNESDAY = date(2025, 3, 12)


def test_series_that_cannot_fall_on_the_day_are_skipped() -> None:
    assert verdict(weekly("FREQ=WEEKLY;BYDAY=MO"), *day(WEDNESDAY)) is Verdict.SKIP
    assert verdict(weekly("FREQ=WEEKLY;BYDAY=MO,WE"), *day(WEDNESDAY)) is Verdict.KEEP
    # every other week: Wed 5 March is in an off week, Wed 12 March in an on week
    assert verdict(weekly("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", date(2025, 2, 24)),
                   *day(date(2025, 3, 5))) is Verdict.SKIP
    assert verdict(weekly("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", date(2025, 2, 24)),
                   *day(WEDNESDAY)) is Verdict.KEEP
    assert verdict(weekly("FREQ=MONTHLY;BYDAY=1WE"), *day(WEDNESDAY)) is Verdict.SKIP
    assert verdict(weekly("FREQ=MONTHLY;BYDAY=2WE"), *day(WEDNESDAY)) is Verdict.KEEP
    assert verdict(weekly("FREQ=DAILY;BYDAY=MO,TU;UNTIL=20250311T080000Z"),
                   *day(WEDNESDAY)) is Verdict.SKIP
    assert verdict(weekly("FREQ=WEEKLY;BYDAY=WE;UNTIL=20250305T080000Z"),
                   *day(WEDNESDAY)) is Verdict.SKIP


def test_a_late_instance_of_the_day_before_that_runs_into_the_day_is_kept() -> None:
    late = weekly("FREQ=WEEKLY;BYDAY=TU", clock=time(23, 30))
    assert verdict(late, *day(WEDNESDAY)) is Verdict.KEEP


def test_what_may_crowd_a_day_or_cannot_be_read_is_left_to_the_week() -> None:
    assert verdict(weekly("FREQ=HOURLY"), *day(WEDNESDAY)) is Verdict.WHOLE
    assert verdict(weekly("FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))) +
                          ";BYMINUTE=0,10,20,30,40"), *day(WEDNESDAY)) is Verdict.WHOLE
    assert verdict(weekly("FREQ=FORTNIGHTLY"), *day(WEDNESDAY)) is Verdict.WHOLE
    assert verdict(weekly("FREQ=DAILY;BYHOUR=9,17"), *day(WEDNESDAY)) is Verdict.KEEP


def test_overrides_are_kept_and_split_series_left_to_the_week() -> None:
    block = weekly("FREQ=WEEKLY;BYDAY=MO")
    assert block.start is not None and block.end is not None
    moved = Series(block.start, block.end, block.tzid, None, False, True)
    assert series_in_window(moved, *day(WEDNESDAY)) is Verdict.KEEP
    split = moved._replace(rrule="FREQ=WEEKLY;BYDAY=MO")
    assert series_in_window(split, *day(WEDNESDAY)) is Verdict.WHOLE
    with_rdates = split._replace(override=False, has_rdates=True)
    assert series_in_window(with_rdates, *day(WEDNESDAY)) is Verdict.KEEP


@pytest.mark.parametrize("rule", [
    "FREQ=WEEKLY;INTERVAL=²", "FREQ=MONTHLY;BYDAY=+-1MO", "FREQ=MONTHLY;BYDAY=²MO",
    "FREQ=WEEKLY;UNTIL=2025010²", "FREQ=WEEKLY;UNTIL=20251301", "FREQ=WEEKLY;BYDAY=XX",
    "FREQ=MONTHLY;BYDAY=0MO", "FREQ=DAILY;INTERVAL=0", "BYDAY=MO", "", ";;", "FREQ=WEEKLY;=",
    "rrule:freq=weekly;byday=we", "FREQ=WEEKLY;WKST=XX;INTERVAL=2;BYDAY=WE"])
def test_odd_rule_text_is_never_skipped_on_a_guess(rule: str) -> None:
    said = verdict(weekly(rule), *day(WEDNESDAY))
    assert said in (Verdict.KEEP, Verdict.WHOLE) or not occurrences(
        [weekly(rule)], *day(WEDNESDAY))
