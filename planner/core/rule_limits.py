"""What an RRULE may ask for before dateutil is given it.

dateutil searches a rule that names no real instant period by period up to the year
9999: ``FREQ=DAILY;BYMONTH=13`` walks three million days, ``FREQ=SECONDLY;BYSETPOS=2``
(a second holds one instance) never ends. So values outside RFC 5545's ranges, a
BYSETPOS past what each period holds, and day filters that together name no day
(February 30th) are found here, from the rule's text alone, in bounded time.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import lru_cache

from planner.core.moments import RRULE_WEEKDAYS

# RFC 5545 section 3.3.10: the range of each numeric BYxxx part ("+"/"-" where allowed).
_RANGES: dict[str, tuple[int, int, bool, str]] = {
    "BYSECOND": (0, 60, False, "a second"),
    "BYMINUTE": (0, 59, False, "a minute"),
    "BYHOUR": (0, 23, False, "an hour"),
    "BYMONTHDAY": (1, 31, True, "a day of the month"),
    "BYYEARDAY": (1, 366, True, "a day of the year"),
    "BYWEEKNO": (1, 53, True, "a week of the year"),
    "BYMONTH": (1, 12, False, "a month"),
    "BYSETPOS": (1, 366, True, "a position in the set"),
}
_BYDAY = re.compile(rf"([+-]?)(\d{{1,2}})?({'|'.join(RRULE_WEEKDAYS)})", re.ASCII)
_FINER = ("BYHOUR", "BYMINUTE", "BYSECOND")  # what picks times inside a day
# Days a period of each FREQ spans at most (YEARLY .. DAILY); finer ones hold one slot.
_PERIOD_DAYS = {"YEARLY": 366, "MONTHLY": 31, "WEEKLY": 7, "DAILY": 1}


def rule_problem(parts: dict[str, str]) -> str | None:
    """Why a rule (its parts, upper case, FREQ already known good) can make no instance
    dateutil would find in bounded time; None when its values are in range."""
    for key, (low, high, signed, what) in _RANGES.items():
        if key not in parts:
            continue
        for item in parts[key].split(","):
            number = _int(item)
            if number is None or not (low <= abs(number) <= high) or \
                    (number < 0 and not signed) or (number == 0 and low > 0):
                return f"has {key}={item[:12]}, which is not {what} ({_range(low, high, signed)})"
    if "BYDAY" in parts:
        problem = _byday_problem(parts)
        if problem:
            return problem
    if "WKST" in parts and parts["WKST"] not in RRULE_WEEKDAYS:
        return f"has WKST={parts['WKST'][:12]}, which is not a weekday"
    if "BYSETPOS" in parts:
        most = _most_per_period(parts)
        if all(abs(int(p)) > most for p in parts["BYSETPOS"].split(",")):
            return (f"has BYSETPOS={parts['BYSETPOS'][:24]}, but each period holds at most "
                    f"{most} instance{'s' if most != 1 else ''}")
    return None


def _int(text: str) -> int | None:
    text = text.strip()
    digits = text.lstrip("+-")
    if not digits.isdigit() or len(digits) > 6 or len(text) - len(digits) > 1:
        return None
    return int(text)


def _range(low: int, high: int, signed: bool) -> str:
    return f"{low} to {high}" + (f", or -{high} to -{low}" if signed else "")


def _byday_problem(parts: dict[str, str]) -> str | None:
    # An ordinal counts weekdays inside a month (MONTHLY, or YEARLY with BYMONTH) or a
    # year; there are at most 5 of one weekday in a month and 53 in a year.
    within_month = parts["FREQ"] == "MONTHLY" or (parts["FREQ"] == "YEARLY"
                                                   and "BYMONTH" in parts)
    most = 5 if within_month else 53
    for item in parts["BYDAY"].split(","):
        match = _BYDAY.fullmatch(item.strip())
        if match is None or (match[1] and not match[2]):
            return f"has BYDAY={item[:12]}, which is not a weekday"
        if match[2] is not None and not 1 <= int(match[2]) <= most:
            scope = "month" if within_month else "year"
            return (f"has BYDAY={item[:12]}, but a {scope} holds at most {most} of "
                    "each weekday")
    return None


def _most_per_period(parts: dict[str, str]) -> int:
    """At most how many instances one period of the rule holds (an upper bound)."""
    days = _PERIOD_DAYS.get(parts["FREQ"], 1)
    finer = {"HOURLY": 1, "MINUTELY": 2, "SECONDLY": 3}.get(parts["FREQ"], 0)
    most = days
    for key in _FINER[finer:]:  # FREQ=HOURLY: a BYHOUR only filters hours
        if key in parts:
            most *= len(set(parts[key].split(",")))
    return most


def never_matches(parts: dict[str, str]) -> bool:
    """Whether the day filters together name no real day (February 30th, yearday 366
    in January...). dateutil would search such a rule up to the year 9999.

    Checked on every day of 28 years (every weekday/leap-year pairing); ordinals of
    BYDAY and a WKST other than Monday are ignored, which only lets more days pass.
    """
    def ints(key: str) -> frozenset[int] | None:
        if key not in parts:
            return None
        try:
            return frozenset(int(v) for v in parts[key].split(","))
        except ValueError:
            return None

    weekdays = None
    if "BYDAY" in parts:
        weekdays = frozenset(
            RRULE_WEEKDAYS.index(v[-2:]) for v in parts["BYDAY"].split(",")
            if v[-2:] in RRULE_WEEKDAYS
        )
    weeknos = ints("BYWEEKNO") if parts.get("WKST", "MO") == "MO" else None
    filters = (ints("BYMONTH"), ints("BYMONTHDAY"), ints("BYYEARDAY"), weeknos, weekdays)
    if sum(f is not None for f in filters) < 2 and not (ints("BYMONTHDAY") or ints("BYYEARDAY")):
        return False
    return not _some_day_matches(filters)


@lru_cache(maxsize=256)
def _some_day_matches(filters: tuple[frozenset[int] | None, ...]) -> bool:
    months, monthdays, yeardays, weeknos, weekdays = filters
    day, last = date(2000, 1, 1), date(2028, 1, 1)
    while day < last:
        if _day_matches(day, months, monthdays, yeardays, weeknos, weekdays):
            return True
        day += timedelta(days=1)
    return False


def _day_matches(
    day: date,
    months: frozenset[int] | None,
    monthdays: frozenset[int] | None,
    yeardays: frozenset[int] | None,
    weeknos: frozenset[int] | None,
    weekdays: frozenset[int] | None,
) -> bool:
    if months is not None and day.month not in months:
        return False
    if weekdays is not None and day.weekday() not in weekdays:
        return False
    if monthdays is not None:
        length = calendar.monthrange(day.year, day.month)[1]
        if day.day not in monthdays and day.day - length - 1 not in monthdays:
            return False
    if yeardays is not None:
        number = day.timetuple().tm_yday
        length = 366 if calendar.isleap(day.year) else 365
        if number not in yeardays and number - length - 1 not in yeardays:
            return False
    if weeknos is not None:
        year, week, _ = day.isocalendar()
        weeks = date(year, 12, 28).isocalendar()[1]
        if week not in weeknos and week - weeks - 1 not in weeknos:
            return False
    return True
