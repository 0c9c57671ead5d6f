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

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from planner.core.model import Kind, PartOfDay

__all__ = [
    "QuickAdd",
    "WhenError",
    "format_duration",
    "parse_date",
    "parse_duration",
    "parse_quick_add",
    "parse_time",
    "parse_when",
    "wall_time",
]


class WhenError(ValueError):
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


def format_duration(td: timedelta) -> str:
    """``"2 h"``, ``"1 h 15 min"``, ``"45 min"``; rounded to whole minutes."""
    total = round(td.total_seconds() / 60)
    sign = "-" if total < 0 else ""
    hours, minutes = divmod(abs(total), 60)
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
    s = _normal(text)
    if not s:
        raise WhenError(f"No date or time given: {_WHEN_HINT}.")
    if s == "now":
        return now
    if _RE_ISO_OFFSET.fullmatch(s):  # an exact instant, e.g. pasted from a calendar
        try:
            instant = datetime.fromisoformat(s.upper())
        except ValueError:
            _date(s[:10], now.date())  # says which part is impossible ...
            raise WhenError(f"Don't understand the date '{text}': {_WHEN_HINT}.") from None
        return instant.astimezone(now.tzinfo) if now.tzinfo else instant.replace(tzinfo=None)
    found = _date_and_time(s.split(), now.date(), bare_hour=True)
    if found is None:
        raise WhenError(f"Don't understand the date '{text}': {_WHEN_HINT}.")
    day, clock = found
    return wall_time(day or now.date(), clock or default_time or time(0), now.tzinfo)


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

    def describe(self) -> str:
        """A live-preview sentence: ``"Flexible personal · 1 h · this afternoon (Mon 23 Nov)"``."""
        pieces = [" ".join(p for p in (self.kind.capitalize(), self.sphere) if p)]
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
            return " ".join(p for p in (_day_label(day), rest) if p)
        if rest and rest in _PARTS:
            rel = "this" if rel == "today" else rel
        return f"{' '.join(p for p in (rel, rest) if p)} ({_day_label(day)})"

    def _moment(self, moment: datetime, *, end_of_day: bool = False) -> str:
        if end_of_day and moment.time() == time(0):  # the exclusive end of the day before
            day = (moment - timedelta(hours=12)).date()
            return self._relative(day) or _day_label(day)
        return f"{_hhmm(moment)} {self._relative(moment.date()) or _day_label(moment.date())}"


_WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _day_label(day: date) -> str:
    # Not strftime's %a/%b: those follow the process locale.
    return f"{_WEEKDAY_ABBR[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1][:3]}"


def _hhmm(moment: datetime) -> str:
    return f"{moment:%H:%M}"


_Slots = dict[str, object]


def parse_quick_add(
    text: str, *, now: datetime, spheres: Sequence[str] = ("work", "personal")
) -> QuickAdd:
    """Read a quick-add line such as ``"gym 1h this afternoon personal"``.

    The rule, so the result is easy to predict:

    1. Words are read as attributes from the **end** of the line, longest phrase
       first, while they parse: a duration with a unit (``45m``, ``2 hours``), a date
       (``fri``, ``4 jan``), a time (``9:30``, ``2pm``, ``noon``; a bare ``14`` is not),
       a part of day (``morning``, ``this afternoon``, ``tonight``), ``eod``
       (due today 17:00), a sphere from ``spheres``, ``fixed``/``flexible``/``flex``,
       ``!``/``!!`` (priority), and the markers below. The first word that doesn't
       parse, or repeats an attribute already read, ends the tail.
    2. A bare sphere or kind word right after the title stays in the title
       (``"deep work by fri"`` is titled "deep work"); write ``#work`` to force it.
    3. A duration may also lead the line (``"2h deep work"``).
    4. Anywhere in the line: ``by X``/``before X`` (deadline; a day alone means the
       end of that day), ``after X`` (earliest start), ``at X`` (start time; a bare
       hour is allowed here), ``#sphere``/``@sphere`` and ``!``/``!!``.
    5. The first word is always title. A time makes the block fixed unless
       ``flexible``/``flex`` is given; a time without a day is today, even if past.
       Times in ``by``/``after`` without a day take the line's day, else today.
       A flexible block with a time keeps it as ``start`` (the caller pins it).
    6. An impossible date or time ("by 31 feb", "at 25:00") is an error, not title.

    Known ambiguity, shown by :meth:`QuickAdd.describe` in the live preview: a title
    ending in a date-like word ("walk in the sun") loses it to the tail; a bare
    number is never read as a time outside markers ("read chapter 14").
    """
    original = text.split()
    if not original:
        raise WhenError("Type a title first, e.g. 'gym 1h this afternoon personal'.")
    words = [w.lower() for w in original]
    today = now.date()
    reader = _AttributeReader(today, {s.lower(): s for s in spheres})
    slots: _Slots = {}
    taken: list[tuple[int, int, _Slots]] = []  # (first, last+1, slots) of every attribute read

    first, end = 0, len(words)  # title words are words[first:end] (before markers)
    for n in range(min(_MAX_WORDS, end - 1), 0, -1):  # 3. a leading duration: "2h deep work"
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
            break
    # 2. a bare sphere or kind word right after the title belongs to the title
    while taken and end - first > 0:
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
    raw_title = " ".join(original[j] for j in keep)
    title = raw_title.strip(" ,;:-") or raw_title  # "call mum, evening" -> "call mum"
    return _build(title, slots, now)


class _AttributeReader:
    """Reads one attribute phrase into named slots, or says it isn't one."""

    def __init__(self, today: date, spheres: dict[str, str]) -> None:
        self.today = today
        self.spheres = spheres

    def is_bare_word(self, word: str) -> bool:
        return word in self.spheres or word in _KIND_WORDS

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
        return self._tag(word)

    def _tag(self, word: str) -> _Slots | None:
        if word[:1] in "#@" and word[1:] in self.spheres:
            return {"sphere": self.spheres[word[1:]]}
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
            return None
        day, clock = found
        return {
            **({"day": day} if day else {}),
            **({"time": clock} if clock else {}),
        }

    def _marker(self, marker: str, words: list[str]) -> _Slots | None:
        if not words or words[0] in _MARKERS:
            return None
        found = self._when(words, marker=True)
        if found is None:
            return None
        if _MARKERS[marker] == "at":
            return found
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


def _build(title: str, slots: _Slots, now: datetime) -> QuickAdd:
    today, zone = now.date(), now.tzinfo
    day = slots.get("day")
    assert day is None or isinstance(day, date)
    clock = slots.get("time")
    start = wall_time(day or today, clock, zone) if isinstance(clock, time) else None
    kind = slots.get("kind")
    if kind == FIXED and start is None:
        raise WhenError("A fixed block needs a time, e.g. 'standup 9:30 fixed'.")
    if kind is None:
        kind = FIXED if start else FLEXIBLE
    deadline = _bound(slots.get("deadline"), day or today, zone, end_of_day=True)
    earliest = _bound(slots.get("earliest"), day or today, zone, end_of_day=False)
    duration = slots.get("duration")
    part = slots.get("part")
    sphere = slots.get("sphere")
    priority = slots.get("priority", 0)
    return QuickAdd(
        title=title,
        start=start,
        duration=duration if isinstance(duration, timedelta) else None,
        kind=Kind(kind),
        sphere=sphere if isinstance(sphere, str) else None,
        part_of_day=PartOfDay(part) if isinstance(part, str) else None,
        day=day or (start.date() if start else None),
        deadline=deadline,
        earliest=earliest,
        priority=priority if isinstance(priority, int) else 0,
        today=today,
    )


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
