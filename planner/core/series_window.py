"""Whether a series can show in a short window, told from its rule without expanding it.

The first day a session reads in a week that no session kept (``adapters/index``) used
to expand every series live that week: ~620 at 50,000 events, most of that first
query, although one day shows about a fifth of them. For the shapes work calendars use
(DAILY, WEEKLY or MONTHLY by weekday or month day, with INTERVAL, UNTIL, COUNT) the
dates a rule can fall on follow from its parts, so a series with no such date near the
window is left out unexpanded.

The test is one-sided: it may keep a series that shows nothing there (expanding it then
finds nothing), never drop one that shows. COUNT and EXDATE are not looked at (they
only remove instances), nor RDATE (a series with any is kept). ``recurrence`` (whose
rules are dateutil's reading) stays the source of truth for what is shown;
``tests/test_series_window.py`` checks this test against dateutil on generated rules.

It also says when a window must not be answered on its own, apart from its week
(``WHOLE``): a rule that may repeat more often than a day shows (what a day then shows
depends on the window it is expanded in), the rest of a split series
(RANGE=THISANDFUTURE) and anything it cannot read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import Enum
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from planner.core.model import Moment
from planner.core.moments import RRULE_WEEKDAYS
from planner.core.recurrence import SERIES_DAY_LIMIT, RecurrenceError, parse_rule, rules_of
from planner.core.zonerules import zone_of


class Verdict(Enum):
    SKIP = "skip"  # no instance can overlap the window
    KEEP = "keep"  # one may: expand it
    WHOLE = "whole"  # the window cannot be told apart from its week


# More than any zone's offset jumps around a window (DST is 1 h, Troll station's 2 h):
# the wall dates looked at reach this much further, so a jump never drops a day.
_JUMP = timedelta(hours=6)
_SHAPE_KEYS = frozenset({"FREQ", "INTERVAL", "UNTIL", "COUNT", "WKST", "BYDAY"})
_FINE = frozenset({"HOURLY", "MINUTELY", "SECONDLY"})
_DAYS_READ = frozenset({"DAILY", "WEEKLY", "MONTHLY"})
_ONE_DAY = timedelta(days=1)


class Series(NamedTuple):
    """What the test reads of a stored series (or override): no decoding needed."""

    start: Moment
    end: Moment
    tzid: str | None
    rrule: str | None
    has_rdates: bool
    override: bool  # it names an instance of another series (RECURRENCE-ID)


def series_in_window(series: Series, window_start: datetime, window_end: datetime,
                     zone: ZoneInfo) -> Verdict:
    """Whether the fixed block ``series`` can have an occurrence overlapping
    [window_start, window_end) in ``zone``."""
    start, end, tzid, rrule, has_rdates, override = series
    rules = [_read_rule(text) for text in rules_of(rrule)]
    if Verdict.WHOLE in rules:
        return Verdict.WHOLE
    if override:
        return Verdict.WHOLE if rules or has_rdates else Verdict.KEEP
    if has_rdates or type(start) is not type(end) or Verdict.KEEP in rules:
        return Verdict.KEEP
    try:
        fall = _may_fall(start, end, tzid, rules, window_start,  # type: ignore[arg-type]
                         window_end, zone)
    except (OverflowError, ValueError):  # near the years 1 or 9999: let expansion tell
        return Verdict.KEEP
    return Verdict.KEEP if fall else Verdict.SKIP


@lru_cache(maxsize=2048)
def _read_rule(text: str) -> _DayRule | Verdict:
    """One rule line: its days (``_DayRule``), or KEEP when it is not of a shape read
    here, or WHOLE when it may crowd a day or ``recurrence`` would not read it. Rules
    repeat across a calendar's series ("FREQ=WEEKLY;BYDAY=MO"): each is read once."""
    try:
        parts = _parts(text)
        if parts is None or _may_crowd(parts):
            return Verdict.WHOLE
        return _DayRule.read(parts) or Verdict.KEEP
    except ValueError:  # digits int() does not read ("INTERVAL=²"): leave it to the week
        return Verdict.WHOLE


def _parts(text: str) -> dict[str, str] | None:
    """The rule's parts as ``recurrence`` reads them; None where it would not."""
    try:
        return parse_rule(text)
    except RecurrenceError:
        return None


def _may_crowd(parts: dict[str, str]) -> bool:
    """Whether the rule may have more instances on one day than a day shows."""
    if parts["FREQ"] in _FINE:
        return True
    per_day = 1
    for key in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        if key in parts:
            per_day *= len(parts[key].split(","))
    return per_day > SERIES_DAY_LIMIT


def _may_fall(start: Moment, end: Moment, tzid: str | None, rules: list[_DayRule],
              window_start: datetime, window_end: datetime, zone: ZoneInfo) -> bool:
    if not isinstance(start, datetime):  # all-day: by the viewer's days
        assert not isinstance(end, datetime)
        days = max((end - start).days, 1)
        first_day = window_start.astimezone(zone).date()
        last_day = (window_end - timedelta(microseconds=1)).astimezone(zone).date()
        return _may_fall_on(start, rules, first_day - timedelta(days=days - 1), last_day,
                            lambda day: True)
    assert isinstance(end, datetime)
    tz = _wall_zone(start, tzid, zone)
    floating = start.tzinfo is None
    first = start if floating else start.astimezone(tz).replace(tzinfo=None)
    length = end - start
    clock = first.time()

    def overlaps(day: date) -> bool:
        # As ``recurrence`` makes the occurrence (a skipped wall time shifted forward
        # by the gap), compared inclusively: a rounding never drops one.
        wall = datetime.combine(day, clock)
        begin = _instant(wall, tz)
        finish = _instant(wall + length, tz) if floating else begin + length
        return begin <= window_end and finish >= window_start

    # Wall dates wide enough for any offset jump; ``overlaps`` decides each.
    low = (window_start - length).astimezone(tz) - _JUMP
    high = window_end.astimezone(tz) + _JUMP
    return _may_fall_on(first.date(), rules, low.date(), high.date(), overlaps)


def _may_fall_on(first: date, rules: list[_DayRule], low: date, high: date,
                 overlaps: Callable[[date], bool]) -> bool:
    """Whether DTSTART (on ``first``) or a rule's instance on a day in [low, high] may
    overlap the window (``overlaps``, given the day of an instance)."""
    if low <= first <= high and overlaps(first):  # DTSTART is always an instance
        return True
    day = max(low, first)
    while day <= high:
        if any(rule.may_hit(first, day) for rule in rules) and overlaps(day):
            return True
        day += timedelta(days=1)
    return False


def _instant(wall: datetime, tz: tzinfo) -> datetime:
    return datetime.fromtimestamp(wall.replace(tzinfo=tz).timestamp(), UTC)


def _wall_zone(start: datetime, tzid: str | None, zone: ZoneInfo) -> tzinfo:
    """The zone a timed series' rule runs in, as ``recurrence`` picks it."""
    if start.tzinfo is None:
        return zone  # floating: the viewer's wall time
    if tzid and tzid != "UTC":
        return zone_of(tzid) or UTC
    return UTC


class _DayRule:
    """A rule whose instances fall at DTSTART's time of day, on days picked by weekday
    (or the n-th weekday of the month), or on DTSTART's month day."""

    __slots__ = ("freq", "interval", "last", "nth", "weekdays", "wkst")

    def __init__(self, freq: str, interval: int, last: date | None, wkst: int,
                 weekdays: frozenset[int], nth: frozenset[tuple[int, int]]) -> None:
        self.freq = freq  # DAILY, WEEKLY or MONTHLY
        self.interval = interval
        self.last = last  # no instance after this day (from UNTIL, a day's room)
        self.wkst = wkst
        self.weekdays = weekdays
        self.nth = nth  # (weekday, n-th of the month; < 0 from its end)

    @classmethod
    def read(cls, parts: dict[str, str]) -> _DayRule | None:
        """The rule, or None when it is not of this shape (or not read here)."""
        freq = parts["FREQ"]
        if not parts.keys() <= _SHAPE_KEYS or freq not in _DAYS_READ:
            return None
        last = None
        if "UNTIL" in parts:
            until = parts["UNTIL"]  # YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ
            clock = until[8:].removesuffix("Z")
            if not (until[:8].isascii() and until[:8].isdigit()) or not (
                    clock == "" or (clock[:1] == "T" and len(clock) == 7 and clock[1:].isdigit())):
                return None
            try:
                # In the rule's wall time a UTC UNTIL lies within a day of its UTC date.
                last = date(int(until[:4]), int(until[4:6]), int(until[6:8])) + _ONE_DAY
            except (ValueError, OverflowError):
                return None
        wkst = parts.get("WKST", "MO")
        if wkst not in RRULE_WEEKDAYS:
            return None
        weekdays: set[int] = set()
        nth: set[tuple[int, int]] = set()
        for item in filter(None, parts.get("BYDAY", "").split(",")):
            code, ordinal = item[-2:], item[:-2]
            digits = ordinal[1:] if ordinal[:1] in ("+", "-") else ordinal
            if code not in RRULE_WEEKDAYS or (ordinal and not (
                    digits.isascii() and digits.isdigit() and len(digits) <= 2)):
                return None
            weekday = RRULE_WEEKDAYS.index(code)
            if ordinal and freq == "MONTHLY":
                n = int(ordinal)
                if n == 0 or abs(n) > 5:
                    return None
                nth.add((weekday, n))
            else:  # an ordinal means nothing in a DAILY or WEEKLY rule
                weekdays.add(weekday)
        return cls(freq, int(parts.get("INTERVAL", "1")), last, RRULE_WEEKDAYS.index(wkst),
                   frozenset(weekdays), frozenset(nth))

    def may_hit(self, first: date, day: date) -> bool:
        """Whether the rule (DTSTART on ``first``) may have an instance on ``day``, a
        day on or after ``first``."""
        if self.last is not None and day > self.last:
            return False
        if self.freq == "DAILY":
            return (day - first).days % self.interval == 0 and (
                not self.weekdays or day.weekday() in self.weekdays)
        if self.freq == "WEEKLY":
            if day.weekday() not in (self.weekdays or (first.weekday(),)):
                return False
            weeks = (_week_of(day, self.wkst) - _week_of(first, self.wkst)).days // 7
            return weeks % self.interval == 0
        if ((day.year - first.year) * 12 + day.month - first.month) % self.interval:
            return False
        if not self.weekdays and not self.nth:
            return day.day == first.day  # the month day DTSTART implies
        return day.weekday() in self.weekdays or any(
            day.weekday() == weekday and _is_nth(day, n) for weekday, n in self.nth)


def _week_of(day: date, wkst: int) -> date:
    return day - timedelta(days=(day.weekday() - wkst) % 7)


def _is_nth(day: date, n: int) -> bool:
    """Whether ``day`` is the n-th (n < 0: n-th last) such weekday of its month."""
    if n > 0:
        return (day.day - 1) // 7 + 1 == n
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)  # next month
    return -(((following - day).days - 1) // 7) - 1 == n
