"""Instances of the rule shapes calendars mostly use, computed without dateutil.

Work calendars are mostly weekly meetings, daily stand-ups on weekdays, "the second
Tuesday of the month" and yearly dates: DAILY, WEEKLY, MONTHLY or YEARLY filtered by
weekday, month day or month, with INTERVAL, UNTIL or COUNT. For those shapes
:func:`instances` yields exactly what ``dateutil.rrule.rrulestr(rule, dtstart=begin)``
yields (naive wall times, in order), and for anything else it returns None so that
dateutil expands the rule. Importing dateutil costs ~10 ms and reading one rule with
it ~0.1 ms; a day of a large work calendar has hundreds of live series, and a command
that shows one day should not pay that. ``tests/test_simple_rules.py`` compares the two
on generated rules.

The rule's parts come in with every part it takes from DTSTART spelled out (BYHOUR,
BYMINUTE, BYSECOND, BYDAY or BYMONTHDAY, see ``recurrence``) and UNTIL as a naive wall
time ``YYYYMMDDTHHMMSS``.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from planner.core.moments import RRULE_WEEKDAYS

_FREQS = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY")
_KNOWN = frozenset({"FREQ", "INTERVAL", "UNTIL", "COUNT", "WKST", "BYDAY", "BYMONTHDAY",
                    "BYMONTH", "BYHOUR", "BYMINUTE", "BYSECOND"})
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class _Rule:
    freq: str
    interval: int
    until: datetime | None
    count: int | None
    wkst: int
    months: frozenset[int]
    monthdays: frozenset[int]  # positive: from the start of the month
    monthdays_back: frozenset[int]  # negative: -1 is the last day
    weekdays: frozenset[int]  # every such weekday of the period
    nth: frozenset[tuple[int, int]]  # (weekday, ordinal) within the month or year
    times: tuple[time, ...]


def instances(parts: Mapping[str, str], begin: datetime,
              stop: datetime | None = None) -> Iterator[datetime] | None:
    """The rule's instances from ``begin`` on (what dateutil yields), or None when the
    rule is not one of the shapes handled here.

    With ``stop``, the walk ends at the first period that starts after it: the caller
    stops at the first instance past ``stop`` anyway, and a sparse rule (the 5th Monday
    of February) is not searched for up to the year 9999.
    """
    rule = _read(parts)
    if rule is None:
        return None
    return _walk(rule, begin.replace(microsecond=0), stop)


def _read(parts: Mapping[str, str]) -> _Rule | None:
    if not parts.keys() <= _KNOWN or parts.get("FREQ") not in _FREQS:
        return None
    if "UNTIL" in parts and "COUNT" in parts:
        return None
    freq = parts["FREQ"]
    try:
        interval = int(parts.get("INTERVAL", "1"))
        count = int(parts["COUNT"]) if "COUNT" in parts else None
        until = _until(parts["UNTIL"]) if "UNTIL" in parts else None
        months = _numbers(parts.get("BYMONTH"), 1, 12)
        days = _numbers(parts.get("BYMONTHDAY"), -31, 31)
        hours = _numbers(parts.get("BYHOUR"), 0, 23)
        minutes = _numbers(parts.get("BYMINUTE"), 0, 59)
        seconds = _numbers(parts.get("BYSECOND"), 0, 59)
    except ValueError:
        return None
    if interval < 1 or (count is not None and count < 0) or 0 in days:
        return None
    if not (hours and minutes and seconds) or (
            freq != "DAILY" and not days and not parts.get("BYDAY")):
        return None  # what DTSTART implies is spelled out by the caller, or left alone
    wkst = parts.get("WKST", "MO")
    if wkst not in RRULE_WEEKDAYS:
        return None
    weekdays: set[int] = set()
    nth: set[tuple[int, int]] = set()
    for item in filter(None, parts.get("BYDAY", "").split(",")):
        code, ordinal = item[-2:], item[:-2]
        if code not in RRULE_WEEKDAYS:
            return None
        weekday = RRULE_WEEKDAYS.index(code)
        if not ordinal or freq in ("WEEKLY", "DAILY"):  # dateutil ignores them there
            weekdays.add(weekday)
            continue
        try:
            n = int(ordinal)
        except ValueError:
            return None
        limit = 53 if freq == "YEARLY" and not months else 5
        if n == 0 or abs(n) > limit:
            return None
        nth.add((weekday, n))
    times = tuple(sorted(time(h, m, s) for h in hours for m in minutes for s in seconds))
    return _Rule(freq, interval, until, count, RRULE_WEEKDAYS.index(wkst), frozenset(months),
                 frozenset(d for d in days if d > 0), frozenset(d for d in days if d < 0),
                 frozenset(weekdays), frozenset(nth), times)


def _numbers(text: str | None, low: int, high: int) -> set[int]:
    if not text:
        return set()
    values = {int(piece) for piece in text.split(",")}
    if any(v < low or v > high for v in values):
        raise ValueError("out of range")
    return values


def _until(text: str) -> datetime:
    if len(text) != 15 or text[8] != "T" or not (text[:8] + text[9:]).isdigit():
        raise ValueError("not YYYYMMDDTHHMMSS")
    return datetime(int(text[:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]),
                    int(text[11:13]), int(text[13:15]))


def _walk(rule: _Rule, begin: datetime, stop: datetime | None) -> Iterator[datetime]:
    left = rule.count
    last_day = stop.date() if stop is not None else date.max
    try:
        for start, days in _periods(rule, begin.date()):
            if start > last_day:
                return
            for day in days:
                if not _matches(rule, day):
                    continue
                for clock in rule.times:
                    wall = datetime.combine(day, clock)
                    if rule.until is not None and wall > rule.until:
                        return
                    if wall < begin:
                        continue
                    if left is not None:
                        if left <= 0:
                            return
                        left -= 1
                    yield wall
    except (OverflowError, ValueError):  # past the year 9999, where dateutil stops too
        return


def _periods(rule: _Rule, first: date) -> Iterator[tuple[date, list[date]]]:
    """Each generating period from the one holding ``first`` on: its first day and its
    candidate days in order (``_matches`` has the last word on each)."""
    step = rule.interval
    if rule.freq == "DAILY":
        day = first
        while True:
            yield day, [day]
            day += timedelta(days=step)
    elif rule.freq == "WEEKLY":
        start = first - timedelta(days=(first.weekday() - rule.wkst) % 7)
        offsets = [k for k in range(7) if not rule.weekdays
                   or (start.weekday() + k) % 7 in rule.weekdays]
        while True:
            yield start, [start + timedelta(days=k) for k in offsets]
            start += timedelta(days=7 * step)
    elif rule.freq == "MONTHLY":
        index = first.year * 12 + first.month - 1
        while True:
            year, month = divmod(index, 12)
            yield date(year, month + 1, 1), _month_candidates(rule, year, month + 1)
            index += step
    else:
        year = first.year
        while True:
            start = date(year, 1, 1)
            if rule.months:
                yield start, [d for m in sorted(rule.months)
                              for d in _month_candidates(rule, year, m)]
            else:  # a whole year, day by day: rare enough
                yield start, [start + timedelta(days=k)
                              for k in range((date(year + 1, 1, 1) - start).days)]
            year += step


def _month_candidates(rule: _Rule, year: int, month: int) -> list[date]:
    """Days of a month that the most selective part names (or every day)."""
    length = calendar.monthrange(year, month)[1]
    if rule.monthdays or rule.monthdays_back:
        days = {d for d in rule.monthdays if d <= length}
        days |= {length + d + 1 for d in rule.monthdays_back if -d <= length}
    elif rule.nth and (rule.freq == "MONTHLY" or rule.months):
        first_weekday = date(year, month, 1).weekday()
        days = set()
        for weekday, n in rule.nth:
            first = 1 + (weekday - first_weekday) % 7
            day = first + 7 * (n - 1) if n > 0 else \
                first + 7 * ((length - first) // 7) + 7 * (n + 1)
            if 1 <= day <= length:
                days.add(day)
    elif rule.weekdays:
        first_weekday = date(year, month, 1).weekday()
        days = {d for d in range(1, length + 1) if (first_weekday + d - 1) % 7 in rule.weekdays}
    else:
        days = set(range(1, length + 1))
    return [date(year, month, d) for d in sorted(days)]


def _matches(rule: _Rule, day: date) -> bool:
    """dateutil's filters, in its terms: every part given must admit the day."""
    if rule.months and day.month not in rule.months:
        return False
    if rule.weekdays and day.weekday() not in rule.weekdays:
        return False
    if rule.monthdays or rule.monthdays_back:
        length = calendar.monthrange(day.year, day.month)[1]
        if day.day not in rule.monthdays and day.day - length - 1 not in rule.monthdays_back:
            return False
    return not rule.nth or _nth_matches(rule, day)


def _nth_matches(rule: _Rule, day: date) -> bool:
    """Whether ``day`` is the n-th (or n-th last) such weekday of its month, or of its
    year for a YEARLY rule without BYMONTH."""
    weekday = day.weekday()
    if rule.freq == "YEARLY" and not rule.months:
        number = day.timetuple().tm_yday
        length = 366 if calendar.isleap(day.year) else 365
    else:
        number = day.day
        length = calendar.monthrange(day.year, day.month)[1]
    forward = (number - 1) // 7 + 1
    backward = -((length - number) // 7 + 1)
    return (weekday, forward) in rule.nth or (weekday, backward) in rule.nth
