"""Understanding what people type: durations, dates, times and quick-add lines.

Pure core: no clock reads (``today``/``now`` are always passed in), no I/O.
Every parser raises :class:`WhenError` with one clear sentence for bad input.

The rules, chosen to be predictable rather than clever
------------------------------------------------------
Durations
    ``45m``, ``45 min``, ``1h``, ``1h30``, ``1h30m``, ``1 h 15 min``, ``1.5h``, ``2 hours``,
    ``1:30`` and a bare ``90`` (minutes). Rounded to whole minutes; must be positive.
Dates (relative to the given today)
    ``today``, ``tomorrow``, ``yesterday``; ``mon`` … ``sun`` / ``monday``: that weekday
    on or after today (today itself if it is that weekday); ``this fri`` is the same;
    ``next fri``: the Friday of next week (the week that ``next week`` starts);
    ``last fri``: the most recent Friday before today; ``next week``: next Monday;
    ``last week``: the Monday of last week; ``2027-01-04``; ``4 jan``, ``jan 4``
    (optionally with a year): without a year, the next such date on or after today;
    ``+3``/``+3d``/``-2``/``+1w``, ``in 2 days``, ``in 1 week``, ``3 days ago``.
    Numeric day/month forms such as ``4/1`` are refused: they mean different days in
    different countries.
Times (24-hour clock)
    ``9:30``, ``14:00``, ``2pm``, ``2:30 pm``, ``noon``, ``midnight``, ``eod`` (17:00),
    ``morning`` (09:00), ``afternoon``/``this afternoon`` (13:00), ``evening``/``tonight``
    (19:00). A bare hour (``14``) is a time in :func:`parse_when` and after the
    quick-add markers ``at``/``by``/``after``, not elsewhere in a quick-add line.
Date and time together
    in either order (``tomorrow 9:30``, ``2pm fri``, ``2027-01-04T14:00``); a time
    alone is today, even if it has passed. A wall time that does not exist (spring
    DST gap) moves forward by the gap; an ambiguous one (autumn) is the first.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TypeVar

from planner.core.errors import PlannerError
from planner.core.model import Kind, PartOfDay
from planner.core.moments import WEEKDAY_NAMES, day_label

__all__ = [
    "QuickAdd",
    "WhenError",
    "describe_rule",
    "fold_note",
    "format_duration",
    "gap_note",
    "parse_date",
    "parse_duration",
    "parse_quick_add",
    "parse_quick_add_with_repeat",
    "parse_repeat",
    "parse_time",
    "parse_time_range",
    "parse_when",
    "parse_when_noted",
    "passed_deadline",
    "time_note",
    "wall_time",
]


class WhenError(PlannerError, ValueError):
    """Text that can't be read as a date, time or duration; the message is one sentence."""


class _Impossible(WhenError):
    """The shape was right but the value can't exist ('31 feb', '25:00')."""


# --------------------------------------------------------------------------- durations

_NUM = r"\d+(?:[.,]\d+)?"
_HOURS = r"(?:h|hr|hrs|hour|hours)"
_MINS = r"(?:m|min|mins|minute|minutes)"
_DURATION_WITH_UNIT = (
    re.compile(rf"(?P<h>{_NUM})\s*{_HOURS}(?:(?:\s+and)?\s*(?P<m>{_NUM})\s*{_MINS}?)?"),
    re.compile(rf"(?P<m>{_NUM})\s*{_MINS}"),
)
_DURATION_BARE = (
    re.compile(r"(?P<h>\d+):(?P<m>[0-5]\d)"),
    re.compile(r"(?P<m>\d+)"),
)
_DURATION_HINT = "try '45m', '1h30' or '2 hours'"


def _number(text: str | None) -> float:
    return float(text.replace(",", ".")) if text else 0.0


def _minutes(text: str, *, need_unit: bool) -> int | None:
    """Whole minutes for a duration shape, or None if ``text`` isn't one (sign ignored)."""
    patterns = _DURATION_WITH_UNIT if need_unit else _DURATION_WITH_UNIT + _DURATION_BARE
    for pattern in patterns:
        match = pattern.fullmatch(text)
        if match:
            groups = match.groupdict()
            return round(_number(groups.get("h")) * 60 + _number(groups.get("m")))
    return None


def parse_duration(text: str) -> timedelta:
    """``"1h30"`` -> 90 minutes. A bare number is minutes; result is whole minutes."""
    return _duration(text, need_unit=False)


def _duration(text: str, *, need_unit: bool) -> timedelta:
    clean = _normal(text)
    negative = clean.startswith("-")
    minutes = _minutes(clean.lstrip("-+").strip(), need_unit=need_unit)
    if minutes is None:
        raise WhenError(f"Don't understand the duration '{text}': {_DURATION_HINT}.")
    if negative or minutes <= 0:
        raise WhenError(f"Duration must be positive: '{text}'.")
    try:
        return timedelta(minutes=minutes)
    except OverflowError:
        raise WhenError(f"Duration is too long: '{text}'.") from None


def format_duration(td: timedelta, *, compact: bool = False) -> str:
    """The one duration wording, rounded to whole minutes.

    Sentences: ``"2 h"``, ``"1 h 15 min"``, ``"45 min"``. ``compact`` (tight columns,
    form fields; ``parse_duration`` reads it back): ``"2h"``, ``"1h15"``, ``"45m"``.
    """
    total = round(td.total_seconds() / 60)
    sign = "-" if total < 0 else ""
    hours, minutes = divmod(abs(total), 60)
    if compact:
        if hours and minutes:
            return f"{sign}{hours}h{minutes:02d}"
        return f"{sign}{hours}h" if hours else f"{sign}{minutes}m"
    if hours and minutes:
        return f"{sign}{hours} h {minutes} min"
    if hours:
        return f"{sign}{hours} h"
    return f"{sign}{minutes} min"


# --------------------------------------------------------------------------- dates

_WEEKDAYS = {
    "mon": 0, "monday": 0,
    "tue": 1, "tues": 1, "tuesday": 1,
    "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}  # fmt: skip
_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
    "apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10,
    "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July",
                "August", "September", "October", "November", "December")  # fmt: skip
_DAY_WORDS = {"today": 0, "tod": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "yesterday": -1}

_WD = "|".join(_WEEKDAYS)
_MON = "|".join(_MONTHS)
_ORD = r"(?:st|nd|rd|th)?\.?"
_RE_WEEKDAY = re.compile(rf"(?:(?P<rel>this|next|last)\s+)?(?P<wd>{_WD})")
_RE_ISO_DATE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
_RE_DAY_MONTH = re.compile(rf"(?P<d>\d{{1,2}}){_ORD}\s*(?P<mon>{_MON})\.?(?:,?\s+(?P<y>\d{{4}}))?")
_RE_MONTH_DAY = re.compile(rf"(?P<mon>{_MON})\.?\s*(?P<d>\d{{1,2}}){_ORD}(?:,?\s+(?P<y>\d{{4}}))?")
_RE_OFFSET = re.compile(r"(?P<sign>[+-])\s*(?P<n>\d+)\s*(?P<unit>d|w|days?|weeks?)?")
_RE_IN = re.compile(r"in\s+(?P<n>\d+|a|an|one)\s+(?P<unit>days?|weeks?)")
_RE_AGO = re.compile(r"(?P<n>\d+|a|an|one)\s+(?P<unit>days?|weeks?)\s+ago")
_DATE_HINT = "try 'fri', 'tomorrow', '4 jan' or '2027-01-04'"


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def parse_date(text: str, *, today: date) -> date:
    """A calendar day from ``text``, relative to ``today`` (see the module rules)."""
    found = _date(_normal(text), today)
    if found is None:
        raise WhenError(f"Don't understand the date '{text}': {_DATE_HINT}.")
    return found


def _date(s: str, today: date) -> date | None:
    """The day ``s`` names, None if it isn't a date shape; _Impossible for '31 feb'."""
    if s in _DAY_WORDS:
        return today + timedelta(days=_DAY_WORDS[s])
    if s in ("next week", "last week"):
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(weeks=1 if s == "next week" else -1)
    if match := _RE_WEEKDAY.fullmatch(s):
        return _weekday(today, _WEEKDAYS[match["wd"]], match["rel"])
    if match := _RE_ISO_DATE.fullmatch(s):
        return _real_date(s, int(match["y"]), int(match["m"]), int(match["d"]))
    if match := _RE_DAY_MONTH.fullmatch(s) or _RE_MONTH_DAY.fullmatch(s):
        month, day = _MONTHS[match["mon"]], int(match["d"])
        if match["y"]:
            return _real_date(s, int(match["y"]), month, day)
        return _next_month_day(s, today, month, day)
    return _relative(s, today)


def _weekday(today: date, weekday: int, rel: str | None) -> date:
    if rel == "next":  # the one in next week, so "next fri" never means this week's
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(weeks=1, days=weekday)
    if rel == "last":
        return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _relative(s: str, today: date) -> date | None:
    sign = 1
    match = _RE_OFFSET.fullmatch(s)
    if match:
        sign = -1 if match["sign"] == "-" else 1
    else:
        match = _RE_IN.fullmatch(s)
        if not match:
            match = _RE_AGO.fullmatch(s)
            sign = -1
    if not match:
        return None
    n = 1 if match["n"] in ("a", "an", "one") else int(match["n"])
    unit = match["unit"] or "d"
    days = n * (7 if unit.startswith("w") else 1)
    try:
        return today + timedelta(days=sign * days)
    except OverflowError:
        raise _Impossible(f"'{s}' is too far away to be a date.") from None


def _real_date(s: str, year: int, month: int, day: int) -> date:
    if not 1 <= month <= 12:
        raise _Impossible(f"'{s}' is not a real date: there is no month {month}.")
    try:
        return date(year, month, day)
    except ValueError:
        if year < 1:
            raise _Impossible(f"'{s}' is not a real date: there is no year {year}.") from None
        raise _Impossible(
            f"'{s}' is not a real date: {_MONTH_NAMES[month - 1]} {year} has no day {day}."
        ) from None


def _next_month_day(s: str, today: date, month: int, day: int) -> date:
    # Eight years always include a leap year, so "29 feb" finds one.
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise _Impossible(f"'{s}' is not a real date: {_MONTH_NAMES[month - 1]} has no day {day}.")


# --------------------------------------------------------------------------- times

EOD = time(17, 0)
_TIME_WORDS = {
    "noon": time(12), "midday": time(12), "midnight": time(0), "eod": EOD,
    "morning": time(9), "this morning": time(9),
    "afternoon": time(13), "this afternoon": time(13),
    "evening": time(19), "this evening": time(19), "tonight": time(19),
}  # fmt: skip
_RE_CLOCK = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?")
_RE_AMPM = re.compile(r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ap>[ap])\.?\s*m\.?")
_RE_HOUR = re.compile(r"\d{1,2}")
_TIME_HINT = "try '9:30', '14:00', '2pm' or 'noon'"


def parse_time(text: str) -> time:
    """A wall-clock time: ``"9:30"``, ``"14"``, ``"2pm"``, ``"noon"``, ``"eod"`` …"""
    found = _time(_normal(text), bare_hour=True)
    if found is None:
        raise WhenError(f"Don't understand the time '{text}': {_TIME_HINT}.")
    return found


def _time(s: str, *, bare_hour: bool) -> time | None:
    if s in _TIME_WORDS:
        return _TIME_WORDS[s]
    if match := _RE_CLOCK.fullmatch(s):
        return _clock(s, int(match["h"]), int(match["m"]), int(match["s"] or 0))
    if match := _RE_AMPM.fullmatch(s):
        hour = int(match["h"])
        if not 1 <= hour <= 12:
            raise _Impossible(f"'{s}' is not a time: with am/pm the hour goes from 1 to 12.")
        hour = hour % 12 + (12 if match["ap"] == "p" else 0)
        return _clock(s, hour, int(match["m"] or 0), 0)
    if bare_hour and _RE_HOUR.fullmatch(s):
        return _clock(s, int(s), 0, 0)
    return None


def _clock(s: str, hour: int, minute: int, second: int) -> time:
    if hour > 23:
        raise _Impossible(f"'{s}' is not a time: the hour goes from 0 to 23.")
    if minute > 59 or second > 59:
        raise _Impossible(f"'{s}' is not a time: minutes go from 0 to 59.")
    return time(hour, minute, second)


# --------------------------------------------------------------------------- time ranges

_RE_RANGE = re.compile(
    r"(?:from\s+)?(?P<a>.+?)\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b)\s*(?P<b>.+)")
_RE_AMPM_TAIL = re.compile(r"[ap]\.?\s*m\.?$")
_RE_PLAIN_CLOCK = re.compile(r"\d{1,2}(?::\d{2})?")


def parse_time_range(text: str) -> tuple[time, timedelta] | None:
    """``"10-11"``, ``"10:00–11:00"``, ``"10am-11am"``, ``"10:00 to 11:00"``, ``"from 9 to
    5"`` -> (start, length); None if ``text`` is no range.

    An am/pm on the end only carries over to a bare start (``"10-11am"``, ``"11-1pm"`` is
    11:00-13:00). Without am/pm a smaller end is read in the afternoon when that makes
    sense (``"9-5"`` is 09:00-17:00); otherwise the range runs past midnight.
    """
    match = _RE_RANGE.fullmatch(_normal(text))
    if not match:
        return None
    a, b = match["a"].strip(), match["b"].strip()
    end = _time(b, bare_hour=True)
    if end is None:
        return None
    suffix = _RE_AMPM_TAIL.search(b)
    start: time | None = None
    if suffix and _RE_PLAIN_CLOCK.fullmatch(a):
        for tag in (suffix.group(0), "am" if suffix.group(0).startswith("p") else "pm"):
            with contextlib.suppress(WhenError):
                start = _time(a + tag, bare_hour=True)
            if start is not None and start < end:
                break
    if start is None:
        start = _time(a, bare_hour=True)
    if start is None or start == end:
        return None
    if not suffix and not _RE_AMPM_TAIL.search(a) and end < start and end.hour < 12 \
            and time(end.hour + 12, end.minute) > start:
        end = time(end.hour + 12, end.minute)
    length = (datetime.combine(date.min, end) - datetime.combine(date.min, start)) % timedelta(
        days=1)
    return (start, length) if length else None


# --------------------------------------------------------------------------- date + time

_WHEN_HINT = "try 'fri', 'tomorrow 9:30' or '2027-01-04 14:00'"
_RE_ISO_T = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})t(\d)")
_RE_ISO_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2})?(?:z|[+-]\d{2}:?\d{2})")
_FILLERS = frozenset({"at", "on"})


def parse_when(text: str, *, now: datetime, default_time: time | None = None) -> datetime:
    """A moment from date and/or time words, in ``now``'s zone.

    A time alone is on ``now``'s day; a date alone is at ``default_time`` (midnight if
    None); ``now`` is ``now``. Naive ``now`` gives a naive (floating) result.
    """
    return parse_when_noted(text, now=now, default_time=default_time)[0]


def parse_when_noted(text: str, *, now: datetime,
                     default_time: time | None = None) -> tuple[datetime, str]:
    """:func:`parse_when` plus a sentence to show when the wall time does not exist
    (spring-forward gap) and was moved forward, or happens twice (autumn) and the first
    is used; ``""`` otherwise."""
    s = _normal(text)
    if not s:
        raise WhenError(f"No date or time given: {_WHEN_HINT}.")
    if s == "now":
        return now, ""
    if _RE_ISO_OFFSET.fullmatch(s):  # an exact instant, e.g. pasted from a calendar
        try:
            instant = datetime.fromisoformat(s.upper())
        except ValueError:
            _date(s[:10], now.date())  # says which part is impossible ...
            raise WhenError(f"Don't understand the date '{text}': {_WHEN_HINT}.") from None
        if now.tzinfo:
            return instant.astimezone(now.tzinfo), ""
        return instant.replace(tzinfo=None), ""
    found = _date_and_time(s.split(), now.date(), bare_hour=True)
    if found is None:
        raise WhenError(f"Don't understand the date '{text}': {_WHEN_HINT}.")
    day, clock = found
    day, clock = day or now.date(), clock or default_time or time(0)
    return wall_time(day, clock, now.tzinfo), time_note(day, clock, now.tzinfo)


def _date_and_time(
    tokens: Sequence[str], today: date, *, bare_hour: bool
) -> tuple[date | None, time | None] | None:
    """Split ``tokens`` into a date part and a time part, either order; None if no split works.

    An impossible part ('31 feb 9:00') is re-raised only when no other reading exists.
    """
    words = _RE_ISO_T.sub(r"\1 \2", " ".join(tokens)).split()
    words = [w for w in words if w not in _FILLERS]
    if not words:
        return None
    impossible: _Impossible | None = None
    n = len(words)
    for k in range(n, -1, -1):  # prefer the longest date part
        for date_words, time_words in ((words[:k], words[k:]), (words[n - k :], words[: n - k])):
            try:
                day = _date(" ".join(date_words), today) if date_words else None
                if date_words and day is None:
                    continue
                clock = _time(" ".join(time_words), bare_hour=bare_hour) if time_words else None
                if time_words and clock is None:
                    continue
            except _Impossible as error:
                impossible = impossible or error
                continue
            return day, clock
    if impossible:
        raise impossible
    return None


def gap_note(day: date, clock: time, zone: tzinfo | None) -> str:
    """``""`` if ``clock`` exists on ``day`` in ``zone``; else one sentence saying that
    it falls in the spring-forward gap and which time is used instead."""
    if zone is None:
        return ""
    moved = wall_time(day, clock, zone)
    if moved.replace(tzinfo=None) == datetime.combine(day, clock):
        return ""
    name = getattr(zone, "key", None) or str(zone)
    return (f"{clock:%H:%M} does not exist on {day_label(day, year=True)} in {name} "
            f"(the clocks go forward); using {moved:%H:%M}.")


def fold_note(day: date, clock: time, zone: tzinfo | None) -> str:
    """``""`` unless ``clock`` happens twice on ``day`` in ``zone`` (the autumn change);
    then one sentence saying which of the two is used: the first, as :func:`wall_time`."""
    if zone is None:
        return ""
    naive = datetime.combine(day, clock)
    first, second = (naive.replace(tzinfo=zone, fold=f).utcoffset() for f in (0, 1))
    used = wall_time(day, clock, zone)
    if first == second or used.replace(tzinfo=None) != naive:
        return ""  # one such time, or none at all (the spring gap: see gap_note)
    name = getattr(zone, "key", None) or str(zone)
    return (f"{clock:%H:%M} happens twice on {day_label(day, year=True)} in {name} (the "
            f"clocks go back); using the first ({used.tzname()}, UTC{used.isoformat()[-6:]}).")


def time_note(day: date, clock: time, zone: tzinfo | None) -> str:
    """What to tell the person about ``clock`` on ``day``: a start moved out of the
    spring-forward gap, or which of two autumn ones is meant; ``""`` when plain."""
    return gap_note(day, clock, zone) or fold_note(day, clock, zone)


def wall_time(day: date, clock: time, zone: tzinfo | None) -> datetime:
    """``day`` at ``clock`` in ``zone``: a DST-gap time moves forward, an ambiguous one is first."""
    naive = datetime.combine(day, clock)
    if zone is None:
        return naive
    # A round trip through UTC turns a nonexistent 02:30 into the real 03:30.
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


# --------------------------------------------------------------------------- quick add

FIXED = Kind.FIXED
FLEXIBLE = Kind.FLEXIBLE
_PARTS = ("morning", "afternoon", "evening")
_KIND_WORDS = {"fixed": FIXED, "flexible": FLEXIBLE, "flex": FLEXIBLE}
_MARKERS = {"by": "deadline", "before": "deadline", "after": "earliest", "at": "at"}
_MAX_WORDS = 4  # the longest attribute phrase: "1 h 15 min", "4 jan 2027 14:00"
_RE_QUOTED = re.compile(r'["“”\'](?P<title>[^"“”\']+)["“”\']')
# Digits shaped like a time, range or duration ("10:7", "10:00-", "2hurs", "9.30").
_RE_TIMEISH = re.compile(r"\d{1,2}[:.]\d*\S*|\d{1,2}(?::\d\d|h\d{0,2})?\s*[-–—]\S*|"
                         r"\d+(?:[.,]\d+)?(?:h|m|hr|hrs|hour|min)[a-z0-9]*|\d{1,2}[ap]m\S+")
# Words a typo of which is surely meant as an attribute (spheres are added per line).
_TYPO_WORDS = ("today", "tomorrow", "tonight", "morning", "afternoon", "evening", "fixed",
               "flexible", "private", "monday", "tuesday", "wednesday", "thursday", "friday",
               "saturday", "sunday")
_SLOT_NAMES = {"duration": "duration", "time": "time", "day": "day", "sphere": "sphere",
               "kind": "kind", "priority": "priority", "part": "part of day",
               "deadline": "deadline", "earliest": "earliest start", "private": "private mark"}
PRIVATE_WORD = "private"  # quick add: shared exports show the block as Busy


def _near_word(word: str, known: Sequence[str]) -> str | None:
    """A known word one typo away (a letter wrong, missing, extra or two swapped)."""
    if len(word) < 4 or word in known:
        return None
    for candidate in known:
        if len(candidate) >= 4 and _one_typo(word, candidate):
            return candidate
    return None


def _one_typo(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


@dataclass(frozen=True)
class QuickAdd:
    """What a quick-add line means. ``kind`` is ``"fixed"`` or ``"flexible"``.

    ``kind`` and ``part_of_day`` are the model's :class:`Kind`/:class:`PartOfDay`
    (string enums, so they compare equal to ``"fixed"``, ``"evening"`` …).

    A flexible block with a ``start`` was asked for at that time but may move (pin it).
    """

    title: str
    start: datetime | None = None
    duration: timedelta | None = None
    kind: str = FLEXIBLE
    sphere: str | None = None
    part_of_day: str | None = None
    day: date | None = None
    deadline: datetime | None = None
    earliest: datetime | None = None
    priority: int = 0
    today: date | None = None  # the day the line was typed, for "today"/"tomorrow" wording
    notes: tuple[str, ...] = ()  # things to tell the person, e.g. a start moved out of a DST gap
    # Words that look like a time, a duration or a sphere but were not understood: they
    # stay in the title, and the preview says so before anything is added.
    unclear: tuple[str, ...] = ()
    repeat: str | None = None  # an RRULE read from words ("every weekday")
    private: bool = False  # "private": CLASS:PRIVATE, Busy in shared exports

    def describe(self) -> str:
        """A live-preview sentence:
        ``'"gym" · Flexible personal · 1 h · this afternoon (Mon 23 Nov)'``."""
        pieces = [f'"{self.title}"', " ".join(p for p in (self.kind.capitalize(), self.sphere)
                                              if p)]
        if self.duration:
            pieces.append(format_duration(self.duration))
        when = self._when()
        if when:
            pieces.append(when)
        if self.earliest:
            pieces.append(f"after {self._moment(self.earliest)}")
        if self.deadline:
            pieces.append(f"by {self._moment(self.deadline, end_of_day=True)}")
        if self.priority:
            pieces.append(f"priority {self.priority}")
        if self.private:
            pieces.append("private")
        if self.repeat:
            pieces.append(describe_rule(self.repeat, start=self.start,
                                        zone=self.start.tzinfo if self.start else None))
        pieces.extend(self.notes)
        pieces.extend(f"not understood: {u}" for u in self.unclear)
        return " · ".join(pieces)

    def _when(self) -> str:
        if self.start:
            return f"{self._day_phrase(self.start.date(), 'at ' + _hhmm(self.start))}"
        if self.day:
            return self._day_phrase(self.day, self.part_of_day)
        return f"any {self.part_of_day}" if self.part_of_day else ""

    def _relative(self, day: date) -> str | None:
        if self.today is None:
            return None
        return {0: "today", 1: "tomorrow", -1: "yesterday"}.get((day - self.today).days)

    def _day_phrase(self, day: date, rest: str | None) -> str:
        rel = self._relative(day)
        if rel is None:
            return " ".join(p for p in (day_label(day), rest) if p)
        if rest and rest in _PARTS:
            rel = "this" if rel == "today" else rel
        return f"{' '.join(p for p in (rel, rest) if p)} ({day_label(day)})"

    def _moment(self, moment: datetime, *, end_of_day: bool = False) -> str:
        if end_of_day and moment.time() == time(0):  # the exclusive end of the day before
            day = (moment - timedelta(hours=12)).date()
            return self._relative(day) or day_label(day)
        return f"{_hhmm(moment)} {self._relative(moment.date()) or day_label(moment.date())}"




def _hhmm(moment: datetime) -> str:
    return f"{moment:%H:%M}"


_Slots = dict[str, object]


def parse_quick_add(
    text: str, *, now: datetime, spheres: Sequence[str] = ("work", "personal"),
    day: date | None = None,
) -> QuickAdd:
    """Read a quick-add line such as ``"gym 1h this afternoon personal"``.

    ``now`` is the real now: relative words (``tomorrow``, ``fri``, ``in 2 days``) count
    from its day. ``day`` (default: today) is the day the line is for when it names
    none, e.g. the day being viewed: ``"standup 9:30"`` is at 9:30 on that day.

    The rule, so the result is easy to predict:

    1. Words are read as attributes from the **end** of the line, longest phrase
       first, while they parse: a duration with a unit (``45m``, ``2 hours``), a date
       (``fri``, ``4 jan``), a time (``9:30``, ``2pm``, ``noon``; a bare ``14`` is not),
       a part of day (``morning``, ``this afternoon``, ``tonight``), ``eod``
       (due today 17:00), a sphere from ``spheres``, ``fixed``/``flexible``/``flex``,
       ``private``, ``!``/``!!`` (priority), and the markers below. The first word that doesn't
       parse, or repeats an attribute already read, ends the tail.
    2. A bare sphere, kind or ``private`` word right after the title stays in the title
       (``"deep work by fri"`` is titled "deep work"); write ``#work`` (``#private``)
       to force it.
    3. A duration may also lead the line (``"2h deep work"``).
    4. Anywhere in the line: ``by X``/``before X`` (deadline; a day alone means the
       end of that day), ``after X`` (earliest start), ``at X`` (start time; a bare
       hour is allowed here), ``#sphere``/``@sphere``, ``#private`` and ``!``/``!!``.
    5. The first word is always title. A time makes the block fixed unless
       ``flexible``/``flex`` is given; a time without a day is on ``day``, even if past.
       Times in ``by``/``after`` without a day take the line's day, else ``day``.
       A flexible block with a time keeps it as ``start`` (the caller pins it).
       A time range (``10-11``, ``10:00–11:00``, ``10am-11am``, ``10:00 to 11:00``) is a
       start and a duration.
    6. An impossible date or time ("by 31 feb", "at 25:00") is an error, not title, and
       so is a deadline that has passed.
    7. A word at the end that looks like an attribute but is not one (a typo of a
       sphere or day word such as ``wrok``, an unknown ``#tag``, a time or duration
       that does not parse, an attribute given twice), and a duration or time left in
       the middle of the title, stay in the title and are listed in ``unclear``: the
       preview shows them as not understood. The tail is read on past such a word.
    8. A title in quotes (``"read 10-11" 1h``) is taken as typed.

    Known ambiguity, shown by :meth:`QuickAdd.describe` in the live preview: a title
    ending in a date-like word ("walk in the sun") loses it to the tail; a bare
    number is never read as a time outside markers ("read chapter 14").
    """
    quoted = _RE_QUOTED.match(text.strip())  # 8. a quoted title is taken as typed
    original = ([quoted["title"], *text.strip()[quoted.end():].split()] if quoted
                else text.split())
    if not original or not original[0].strip():
        raise WhenError("Type a title first, e.g. 'gym 1h this afternoon personal'.")
    words = [w.lower() for w in original]
    today = now.date()
    reader = _AttributeReader(today, {s.lower(): s for s in spheres})
    slots: _Slots = {}
    taken: list[tuple[int, int, _Slots]] = []  # (first, last+1, slots) of every attribute read
    unclear: list[str] = []
    stranded: list[int] = []  # title words the tail was read past (they stay title)

    first, end = 0, len(words)  # title words are words[first:end] (before markers)
    for n in range(min(_MAX_WORDS, end - 1), 0, -1):  # 3. a leading duration: "2h deep work"
        if quoted:
            break
        minutes = _minutes(" ".join(words[:n]), need_unit=True)
        if minutes:
            slots["duration"] = timedelta(minutes=minutes)
            first = n
            break
    # 1. the tail, longest phrase first
    while end - first > 1:
        for n in range(min(_MAX_WORDS + 1, end - first - 1), 0, -1):
            found = reader.read(words[end - n : end])
            if found is not None and not found.keys() & slots.keys():
                slots.update(found)
                taken.append((end - n, end, found))
                end -= n
                break
        else:
            # 7. read on past a word that only looks like an attribute, and say so
            why = reader.unclear(words[end - 1], original[end - 1], slots)
            if why is None:
                break
            unclear.append(why)
            stranded.append(end - 1)
            end -= 1
    # 2. a bare sphere or kind word right after the title belongs to the title
    while taken and end - first > 0 and not quoted:
        lo, hi, found = taken[-1]
        if lo != end or hi - lo != 1 or not reader.is_bare_word(words[lo]):
            break
        taken.pop()
        for key in found:
            del slots[key]
        end = hi
    # 4. explicit markers anywhere in what is left of the title
    keep = list(range(first, end))
    i = 1
    while i < len(keep):
        found, used = reader.explicit(words, keep[i], end)
        if found is not None and not found.keys() & slots.keys():
            slots.update(found)
            del keep[i : i + used]
        else:
            i += 1
    keep = sorted({*keep, *stranded})
    for j in keep[1:]:
        if j not in stranded and (why := reader.left_in_title(words[j], original[j])):
            unclear.append(why)
    raw_title = " ".join(original[j] for j in keep)
    title = raw_title.strip(" ,;:-") or raw_title  # "call mum, evening" -> "call mum"
    return _build(title, slots, now, day or today, tuple(reversed(unclear)))


class _AttributeReader:
    """Reads one attribute phrase into named slots, or says it isn't one."""

    def __init__(self, today: date, spheres: dict[str, str]) -> None:
        self.today = today
        self.spheres = spheres

    def is_bare_word(self, word: str) -> bool:
        return word in self.spheres or word in _KIND_WORDS or word == PRIVATE_WORD

    def read(self, words: list[str]) -> _Slots | None:
        phrase = " ".join(words)
        if len(words) == 1:
            single = self._single(phrase)
            if single is not None:
                return single
        if words[0] in _MARKERS:
            return self._marker(words[0], words[1:])
        if words[-1] in _PARTS and (len(words) == 1 or phrase in _TIME_WORDS):
            return {"part": words[-1], **({"day": self.today} if len(words) > 1 else {})}
        if phrase == "tonight":
            return {"part": "evening", "day": self.today}
        if phrase == "eod":
            return {"deadline": (None, EOD)}
        minutes = _minutes(phrase, need_unit=True)
        if minutes:
            return {"duration": timedelta(minutes=minutes)}
        return self._when(words, marker=False)

    def _single(self, word: str) -> _Slots | None:
        if word in self.spheres:
            return {"sphere": self.spheres[word]}
        if word in _KIND_WORDS:
            return {"kind": _KIND_WORDS[word]}
        if word == PRIVATE_WORD:
            return {"private": True}
        return self._tag(word)

    def _tag(self, word: str) -> _Slots | None:
        if word[:1] in "#@" and word[1:] in self.spheres:
            return {"sphere": self.spheres[word[1:]]}
        if word == "#" + PRIVATE_WORD:
            return {"private": True}
        if word in ("!", "!!", "!!!"):
            return {"priority": len(word)}
        return None

    def _when(self, words: list[str], *, marker: bool) -> _Slots | None:
        # Outside markers part-of-day words are parts of day, not clock times.
        if not marker and any(w in _PARTS or w == "tonight" for w in words):
            return None
        # An impossible date ("by 31 feb") raises: the user meant a date, so say so.
        found = _date_and_time(words, self.today, bare_hour=marker)
        if found is None:
            return self._range(words)
        day, clock = found
        return {
            **({"day": day} if day else {}),
            **({"time": clock} if clock else {}),
        }

    def _range(self, words: list[str]) -> _Slots | None:
        """A time range, alone or with a date before or after it ("fri 10-11")."""
        n = len(words)
        for k in range(n):
            for date_words, range_words in ((words[:k], words[k:]), (words[n - k:], words[:n - k])):
                dated = [w for w in date_words if w not in _FILLERS]
                day = _date(" ".join(dated), self.today) if dated else None
                if dated and day is None:
                    continue
                found = parse_time_range(" ".join(range_words))
                if found is not None:
                    return {**({"day": day} if day else {}), "time": found[0],
                            "duration": found[1]}
        return None

    def unclear(self, word: str, shown: str, slots: _Slots) -> str | None:
        """Why ``word`` at the end of the title looks like an attribute that is not one."""
        if self.is_bare_word(word):
            return None  # "deep work ... #work": a plain word of the title, said as such
        again = self.read([word])
        if again is not None:
            what = _SLOT_NAMES.get(next(iter(sorted(again.keys() & slots.keys())), ""), "it")
            return f"'{shown}' gives the {what} a second time"
        if word[:1] in "#@" and len(word) > 1:
            return f"'{shown}' is not a sphere (known: {', '.join(self.spheres.values())})"
        if _RE_TIMEISH.fullmatch(word):
            return f"'{shown}' is not a time, range or duration I can read"
        near = _near_word(word, [*self.spheres, *_TYPO_WORDS])
        if near is not None:
            return f"'{shown}' (did you mean '{self.spheres.get(near, near)}'?)"
        return None

    def left_in_title(self, word: str, shown: str) -> str | None:
        """A duration or clock time in the middle of the title: kept there, but said."""
        if _minutes(word, need_unit=True):
            return f"'{shown}' looks like a duration but is in the title (put it at the end)"
        is_range = ("-" in word or "–" in word) and parse_time_range(word) is not None
        if _RE_CLOCK.fullmatch(word) or _RE_AMPM.fullmatch(word) or is_range:
            return f"'{shown}' looks like a time but is in the title (put it at the end)"
        return None

    def _marker(self, marker: str, words: list[str]) -> _Slots | None:
        if not words or words[0] in _MARKERS:
            return None
        found = self._when(words, marker=True)
        if found is None:
            return None
        if _MARKERS[marker] == "at":
            return found
        if "duration" in found:
            return None  # "by 10-11" is no deadline
        return {_MARKERS[marker]: (found.get("day"), found.get("time"))}

    def explicit(self, words: list[str], i: int, end: int) -> tuple[_Slots | None, int]:
        """An explicit marker starting at ``words[i]``: its slots and how many words it used."""
        tag = self._tag(words[i])
        if tag is not None:
            return tag, 1
        if words[i] not in _MARKERS:
            return None, 0
        for n in range(min(_MAX_WORDS, end - i - 1), 0, -1):
            found = self._marker(words[i], words[i + 1 : i + 1 + n])
            if found is not None:
                return found, n + 1
        return None, 0


def _build(title: str, slots: _Slots, now: datetime, line_day: date,
           unclear: tuple[str, ...]) -> QuickAdd:
    today, zone = now.date(), now.tzinfo
    day = slots.get("day")
    assert day is None or isinstance(day, date)
    clock = slots.get("time")
    start = wall_time(day or line_day, clock, zone) if isinstance(clock, time) else None
    notes = [time_note(day or line_day, clock, zone)] if isinstance(clock, time) else []
    kind = slots.get("kind")
    if kind == FIXED and start is None:
        raise WhenError("A fixed block needs a time, e.g. 'standup 9:30 fixed'.")
    if kind is None:
        kind = FIXED if start else FLEXIBLE
    deadline = _bound(slots.get("deadline"), day or line_day, zone, end_of_day=True)
    earliest = _bound(slots.get("earliest"), day or line_day, zone, end_of_day=False)
    if deadline is not None and deadline <= now:
        raise WhenError(passed_deadline(deadline))
    duration = slots.get("duration")
    part = slots.get("part")
    sphere = slots.get("sphere")
    priority = slots.get("priority", 0)
    return QuickAdd(
        title=title,
        start=start,
        duration=duration if isinstance(duration, timedelta) else None,
        kind=Kind(str(kind)),
        sphere=sphere if isinstance(sphere, str) else None,
        part_of_day=PartOfDay(part) if isinstance(part, str) else None,
        day=day or (start.date() if start else None),
        deadline=deadline,
        earliest=earliest,
        priority=priority if isinstance(priority, int) else 0,
        private=slots.get("private") is True,
        today=today,
        notes=tuple(n for n in notes if n),
        unclear=unclear,
    )


def passed_deadline(deadline: datetime) -> str:
    """The one sentence that refuses a deadline already gone (quick add, `add`, edits)."""
    if deadline.time() == time(0):  # a date-only deadline: the end of the day before
        when = f"end of {day_label(deadline.date() - timedelta(days=1), year=True)}"
    else:
        when = f"{day_label(deadline.date(), year=True)} {deadline:%H:%M}"
    return f"The deadline ({when}) has already passed; give one that is still to come."


def _bound(
    value: object, fallback: date, zone: tzinfo | None, *, end_of_day: bool
) -> datetime | None:
    """A by/after moment: its own day or ``fallback``; a day alone is its end or start."""
    if value is None:
        return None
    assert isinstance(value, tuple)
    day, clock = value
    day = day or fallback
    if clock is not None:
        return wall_time(day, clock, zone)
    if end_of_day:  # exclusive, like an all-day event's end
        return wall_time(day + timedelta(days=1), time(0), zone)
    return wall_time(day, time(0), zone)


# --------------------------------------------------------------------------- repeats in words
#
# "every weekday", "every mon, wed", "daily", "weekly", "every 2 weeks", "monthly",
# "every other week on tue", ... "until fri" or "10 times": read into an RRULE, and
# any RRULE said back in words for the preview. A text already holding FREQ= is
# taken as the RRULE it is.

_REPEAT_UNITS = {"day": "DAILY", "days": "DAILY", "week": "WEEKLY", "weeks": "WEEKLY",
                 "month": "MONTHLY", "months": "MONTHLY", "year": "YEARLY", "years": "YEARLY"}
_REPEAT_WORDS = {"daily": ("DAILY", 1), "weekly": ("WEEKLY", 1), "monthly": ("MONTHLY", 1),
                 "yearly": ("YEARLY", 1), "annually": ("YEARLY", 1),
                 "fortnightly": ("WEEKLY", 2), "biweekly": ("WEEKLY", 2)}
_REPEAT_STARTERS = frozenset({"every", "each", "weekdays", "weekends", *_REPEAT_WORDS})
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_WORDS_LONG = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                   "sunday")
_FREQ_NOUNS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
_M = TypeVar("_M", date, datetime)
_REPEAT_HINT = ("try 'every weekday', 'every mon, wed', 'daily', 'every 2 weeks', "
                "'monthly until 2027-06-30', 'weekly 10 times' or an RRULE such as "
                "'FREQ=WEEKLY;BYDAY=MO'")


def is_repeat_start(word: str) -> bool:
    """Whether a repeat phrase may begin with ``word`` (quick add looks for these)."""
    return word.lower().strip(",") in _REPEAT_STARTERS


def parse_repeat(text: str, *, today: date, zone: tzinfo | None = None,
                 all_day: bool = False) -> str:
    """The RRULE a repeat in words means (see the section comment); ``WhenError`` if none.

    ``until DATE`` includes that whole day in ``zone``; ``N times`` is a COUNT.
    """
    raw = text.strip()
    if "FREQ=" in raw.upper():
        return raw.removeprefix("RRULE:")
    words = re.sub(r"[,;]", " , ", raw.lower()).replace(" and ", " , ").split()
    if not words:
        raise WhenError(f"Say how it repeats: {_REPEAT_HINT}.")
    parts: dict[str, str] = {}
    words, end = _repeat_end(words, raw, today, zone, all_day)
    words = [w for w in words if w not in ("repeat", "repeats", "repeating")]
    if words and words[0] in ("every", "each"):
        words = words[1:]
    freq, interval, days = _repeat_body(words, raw)
    parts["FREQ"] = freq
    if interval > 1:
        parts["INTERVAL"] = str(interval)
    if days:
        parts["BYDAY"] = ",".join(_RRULE_DAYS[d] for d in sorted(set(days)))
    parts.update(end)
    return ";".join(f"{k}={v}" for k, v in parts.items())


def _repeat_end(words: list[str], raw: str, today: date, zone: tzinfo | None,
                all_day: bool) -> tuple[list[str], dict[str, str]]:
    """Split off "until DATE" / "N times" / "for N times" at the end."""
    if len(words) >= 2 and words[-1] in ("times", "time", "x") and words[-2].isdigit():
        count = int(words[-2])
        if count < 1:
            raise WhenError(f"'{raw}': a repeat happens at least once.")
        rest = words[:-2]
        if rest and rest[-1] == "for":
            rest = rest[:-1]
        return [w for w in rest if w != ","] or rest, {"COUNT": str(count)}
    if "until" in words:
        at = len(words) - 1 - words[::-1].index("until")
        day = parse_date(" ".join(w for w in words[at + 1:] if w != ","), today=today)
        if all_day or zone is None:
            until = f"{day:%Y%m%d}"
        else:
            last = datetime.combine(day, time(23, 59, 59), tzinfo=zone).astimezone(UTC)
            until = f"{last:%Y%m%dT%H%M%SZ}"
        return words[:at], {"UNTIL": until}
    return words, {}


def _repeat_body(words: list[str], raw: str) -> tuple[str, int, list[int]]:
    """FREQ, INTERVAL and weekdays from what is left: "2 weeks on mon", "weekday"..."""
    words = [w for w in words if w != ","]
    if not words:
        raise WhenError(f"Don't understand the repeat '{raw}': {_REPEAT_HINT}.")
    interval = 1
    freq: str | None = None
    head = words[0]
    if head in _REPEAT_WORDS:
        freq, interval = _REPEAT_WORDS[head]
        words = words[1:]
    elif head in ("other", "second") and len(words) > 1 and words[1] in _REPEAT_UNITS:
        freq, interval, words = _REPEAT_UNITS[words[1]], 2, words[2:]
    elif head.isdigit() and len(words) > 1 and words[1] in _REPEAT_UNITS:
        interval = int(head)
        if interval < 1:
            raise WhenError(f"'{raw}': repeat at least every 1 {words[1]}.")
        freq, words = _REPEAT_UNITS[words[1]], words[2:]
    elif head in _REPEAT_UNITS:
        freq, words = _REPEAT_UNITS[head], words[1:]
    if words and words[0] == "on":
        words = words[1:]
    days: list[int] = []
    for word in words:
        found = _repeat_days(word)
        if found is None:
            raise WhenError(f"Don't understand '{word}' in the repeat '{raw}': {_REPEAT_HINT}.")
        days += found
    if days:
        if freq not in (None, "WEEKLY"):
            raise WhenError(f"'{raw}': weekdays go with a weekly repeat, e.g. "
                            "'every 2 weeks on mon'.")
        return "WEEKLY", interval, days
    if freq is None:
        raise WhenError(f"Don't understand the repeat '{raw}': {_REPEAT_HINT}.")
    return freq, interval, []


def _repeat_days(word: str) -> list[int] | None:
    if word in ("weekday", "weekdays", "workday", "workdays"):
        return [0, 1, 2, 3, 4]
    if word in ("weekend", "weekends"):
        return [5, 6]
    name = word.rstrip("s") if word.endswith("days") else word
    for n, long in enumerate(_DAY_WORDS_LONG):
        if name in (long, long[:3], long[:2]) or (len(name) >= 3 and long.startswith(name)):
            return [n]
    return None


def first_repeat_start(rrule: str, start: _M) -> _M:
    """``start`` moved to the first day the rule names ("every mon" typed on a Tuesday
    starts next Monday): RFC 5545 makes DTSTART an occurrence whatever the rule says."""
    days: list[int] = []
    for piece in rrule.upper().split(";"):
        key, _, value = piece.partition("=")
        if key.strip() == "BYDAY":
            names = [v.strip() for v in value.split(",")]
            if not all(n in _RRULE_DAYS for n in names):
                return start  # ordinals such as 1MO: left to the rule
            days = [_RRULE_DAYS.index(n) for n in names]
    if not days or start.weekday() in days:
        return start
    ahead = min((d - start.weekday()) % 7 for d in days)
    return start + timedelta(days=ahead)


def describe_rule(rrule: str, *, start: date | datetime | None = None,
                  zone: tzinfo | None = None) -> str:
    """An RRULE in words for a preview: "every weekday", "every 2 weeks on Mon and Wed",
    "every month on the 23rd, 10 times", "every day until Fri 4 Dec 2026". Rules with
    parts that have no short wording are shown as they are."""
    parts: dict[str, str] = {}
    for piece in rrule.strip().removeprefix("RRULE:").split(";"):
        if "=" in piece:
            key, _, value = piece.partition("=")
            parts[key.strip().upper()] = value.strip().upper()
    freq = parts.pop("FREQ", "")
    if freq not in _FREQ_NOUNS or set(parts) - {"INTERVAL", "BYDAY", "COUNT", "UNTIL", "WKST"}:
        return f"repeats: {rrule}"
    interval = int(parts.get("INTERVAL", "1") or 1) if parts.get("INTERVAL", "1").isdigit() \
        else 1
    noun = _FREQ_NOUNS[freq]
    text = f"every {noun}" if interval == 1 else f"every {interval} {noun}s"
    days = parts.get("BYDAY")
    if days:
        names = days.split(",")
        if any(n not in _RRULE_DAYS for n in names):
            return f"repeats: {rrule}"
        if freq != "WEEKLY":
            return f"repeats: {rrule}"
        ordered = sorted(names, key=_RRULE_DAYS.index)
        if ordered == list(_RRULE_DAYS[:5]):
            label = "weekday"
        elif ordered == ["SA", "SU"]:
            label = "weekend"
        else:
            label = _and([WEEKDAY_NAMES[_RRULE_DAYS.index(n)] for n in ordered])
        text = f"every {label}" if interval == 1 else f"every {interval} weeks on {label}"
    elif start is not None and freq == "WEEKLY":
        text += f" on {WEEKDAY_NAMES[start.weekday()]}"
    elif start is not None and freq == "MONTHLY":
        text += f" on the {_ordinal(start.day)}"
    if "COUNT" in parts:
        count = parts["COUNT"]
        text += f", {count} time{'s' if count != '1' else ''}"
    if "UNTIL" in parts:
        text += f" until {_until_words(parts['UNTIL'], zone)}"
    return text


def _until_words(until: str, zone: tzinfo | None) -> str:
    try:
        if len(until) == 8:
            return day_label(datetime.strptime(until, "%Y%m%d").date(), year=True)
        moment = datetime.strptime(until.rstrip("Z"), "%Y%m%dT%H%M%S")
        if until.endswith("Z") and zone is not None:
            moment = moment.replace(tzinfo=UTC).astimezone(zone)
        return day_label(moment.date(), year=True)
    except ValueError:
        return until


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# Where quick add looks for a repeat phrase: it is at most this many words ("every other
# week on mon, tue and wed..."), and everything after it must be attributes, each slot
# at most once and each at most a marker and _MAX_WORDS words, plus "until DATE" or
# "N times". So only the line's last words can start one, and a long line costs a
# bounded number of parses rather than a cube of its length.
_MAX_REPEAT_WORDS = 24
_MAX_AFTER_REPEAT = len(_SLOT_NAMES) * (_MAX_WORDS + 1) + (_MAX_WORDS + 1) + 2
# And at most this many candidate phrases are checked on the words around them, and
# this many against the whole line (one parse each); a real line has one or two, only
# a made-up one ("weekdays weekdays ... 1h") has more, and is then read without a repeat.
_MAX_REPEAT_CHECKS = 256
_MAX_REPEAT_TRIES = 32


def parse_quick_add_with_repeat(text: str, *, now: datetime,
                                spheres: Sequence[str] = ("work", "personal"),
                                day: date | None = None) -> QuickAdd:
    """:func:`parse_quick_add`, plus a repeat in words anywhere after the title
    (``"standup 9:30 15m work every weekday"``, ``"gym every mon, wed 18:00 1h until
    2027-03-01"``): the words from a repeat word on that read as a repeat, and an
    ``until DATE`` or ``N times`` later in the line.

    A phrase counts as the repeat only if the words after it are all attributes (the
    title stays what it would be without them), so "team weekly sync" keeps its title.
    The phrase is looked for among the last words of the line only, each candidate is
    first checked on the few words around it, and only so many are checked against
    the whole line (see ``_MAX_REPEAT_WORDS``): a line of any length is read in linear
    time.
    """
    words = text.split()

    def read(line: list[str]) -> QuickAdd:
        return parse_quick_add(" ".join(line), now=now, spheres=spheres, day=day)

    first = max(1, len(words) - _MAX_AFTER_REPEAT - _MAX_REPEAT_WORDS)
    checks = tries = 0
    for i in range(first, len(words)):
        if not is_repeat_start(words[i]):
            continue
        # An attribute phrase is at most a marker and _MAX_WORDS words, so whether the
        # words after the repeat are all attributes shows with that many words before it.
        near = ["x", *words[max(0, i - _MAX_WORDS):i]]
        title: str | None = None
        for j in range(min(len(words), i + _MAX_REPEAT_WORDS), i, -1):
            phrase, rest = _with_repeat_end(words[i:j], words[j:])
            try:
                rule = parse_repeat(" ".join(phrase), today=now.date(), zone=now.tzinfo)
            except WhenError:
                continue
            checks += 1
            if checks > _MAX_REPEAT_CHECKS:
                return parse_quick_add(text, now=now, spheres=spheres, day=day)
            if rest and not _all_attributes(near, rest, read):
                continue  # a word after the phrase would stay in the title
            tries += 1
            if tries > _MAX_REPEAT_TRIES:
                return parse_quick_add(text, now=now, spheres=spheres, day=day)
            try:
                title = read(words[:i]).title if title is None else title
            except WhenError:
                break
            try:
                found = read(words[:i] + rest)
            except WhenError:
                continue
            if found.title != title:
                continue
            if found.kind != FIXED or found.start is None:
                raise WhenError("A repeating block needs a time, e.g. "
                                "'gym every mon 18:00 1h'.")
            start = first_repeat_start(rule, found.start)
            return replace(found, repeat=rule, start=start, day=start.date())
    return parse_quick_add(text, now=now, spheres=spheres, day=day)


def _all_attributes(near: list[str], rest: list[str],
                    read: Callable[[list[str]], QuickAdd]) -> bool:
    """Whether ``rest`` reads as attributes after the words ``near`` (a stand-in title
    and the words before the repeat): False only when it surely does not."""
    try:
        return read(near + rest).title == read(near).title
    except WhenError:
        return True  # undecided here: the whole line says


def _with_repeat_end(phrase: list[str], rest: list[str]) -> tuple[list[str], list[str]]:
    """Move an ``until DATE`` (1-4 words) or ``N times`` from ``rest`` to the phrase."""
    lowered = [w.lower() for w in rest]
    for k, word in enumerate(lowered):
        if word.isdigit() and k + 1 < len(rest) and lowered[k + 1] in ("times", "x"):
            return phrase + rest[k:k + 2], rest[:k] + rest[k + 2:]
        if word == "until":
            for n in range(min(4, len(rest) - k - 1), 0, -1):
                if _date(_normal(" ".join(rest[k + 1:k + 1 + n])), date(2000, 1, 1)):
                    return phrase + rest[k:k + 1 + n], rest[:k] + rest[k + 1 + n:]
    return phrase, rest
