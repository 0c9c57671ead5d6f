"""The zone a block's wall times run in: an IANA name, or a calendar's own VTIMEZONE.

Nearly every block's ``tzid`` is an IANA name (``Europe/Berlin``). A calendar file may
define a zone that no IANA zone matches over the years its events use (old US rules,
an Exchange "Customized Time Zone", rules that stop in 2016). Then the block's tzid
carries that VTIMEZONE itself, as text beginning ``BEGIN:VTIMEZONE``, and its wall
times follow the file's own rules, as RFC 5545 says and icalendar does.

The rules become a table of transitions (each observance's DTSTART, RRULE and RDATEs,
read the way dateutil's ``tzical`` reads them, which is what icalendar uses), looked up
by bisection with the same conventions as ``zoneinfo``: a wall time in a spring-forward
gap takes the offset before the gap, an ambiguous one the first of its two instants.
The work per zone is bounded: at most ``MAX_ONSETS`` transitions, none after 2200.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from planner.core.moments import RRULE_WEEKDAYS
from planner.core.rule_limits import never_matches, rule_problem

CUSTOM_PREFIX = "BEGIN:VTIMEZONE"
MAX_ONSETS = 5000  # transitions kept per custom zone (a yearly rule from 1601 is ~600)
_LAST = datetime(2200, 1, 1)
_EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = _EPOCH.replace(tzinfo=UTC)
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Z"})
_RULE_LINES = ("DTSTART", "RRULE", "RDATE", "EXDATE", "EXRULE")


class ZoneRulesError(ValueError):
    """A custom VTIMEZONE whose rules cannot be read."""


def is_custom(tzid: str | None) -> bool:
    """Whether ``tzid`` holds a calendar's own VTIMEZONE rather than an IANA name."""
    return tzid is not None and tzid.startswith(CUSTOM_PREFIX)


def zone_label(tzid: str) -> str:
    """The name to show or write for ``tzid`` (a custom zone's own TZID)."""
    if not is_custom(tzid):
        return tzid
    for line in tzid.splitlines():
        if line.upper().startswith("TZID:"):
            return line[5:].strip() or "Custom"
    return "Custom"


@lru_cache(maxsize=256)
def zone_of(tzid: str) -> tzinfo | None:
    """The tzinfo for an IANA name or a custom VTIMEZONE; None when it cannot be made."""
    if tzid in _UTC_NAMES:
        return UTC
    if is_custom(tzid):
        try:
            return RuleZone.from_text(tzid)
        except ZoneRulesError:
            return None
    try:
        return ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


@dataclass(frozen=True, slots=True)
class _Observance:
    offset_from: int  # seconds east of UTC
    offset_to: int
    is_dst: bool
    name: str
    lines: tuple[str, ...]  # its DTSTART/RRULE/RDATE/EXDATE lines


class RuleZone(tzinfo):
    """A tzinfo from a VTIMEZONE's observances, as a sorted table of transitions."""

    def __init__(self, label: str, observances: list[_Observance], key: str = "") -> None:
        super().__init__()
        self._label = label
        # What writers name it by (icalendar reads ``key``, as for ZoneInfo); unique per
        # set of rules, since two files may give different rules one name.
        self.key = key or label
        changes: list[tuple[int, int, int, str]] = []  # (utc s, offset, dst s, name)
        for obs in observances:
            dst = obs.offset_to - _standard_offset(obs, observances) if obs.is_dst else 0
            for onset in _onsets(obs):
                utc = int((onset - _EPOCH).total_seconds()) - obs.offset_from
                changes.append((utc, obs.offset_to, dst, obs.name))
                if len(changes) > MAX_ONSETS:
                    raise ZoneRulesError(f"time zone {label!r} has too many transitions")
        if not observances:
            raise ZoneRulesError(f"time zone {label!r} has no STANDARD or DAYLIGHT part")
        changes.sort()
        # Before the first onset: the first standard observance, as dateutil's tzical.
        first = next((o for o in observances if not o.is_dst), observances[0])
        self._initial = (first.offset_to, 0, first.name)
        self._utc = [c[0] for c in changes]
        self._states = [(c[1], c[2], c[3]) for c in changes]
        offsets = [self._initial[0], *(c[1] for c in changes)]
        # Wall-clock thresholds per fold, built as zoneinfo builds them.
        self._wall: tuple[list[int], list[int]] = ([], [])
        for i, utc in enumerate(self._utc):
            before, after = offsets[i], offsets[i + 1]
            self._wall[0].append(utc + max(before, after))
            self._wall[1].append(utc + min(before, after))

    @classmethod
    def from_text(cls, text: str) -> RuleZone:
        label, observances = _parse(text)
        digest = hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()[:6]
        return cls(label, observances, f"{label} ({digest})")

    # -- tzinfo ---------------------------------------------------------------------

    def _state_at_wall(self, dt: datetime) -> tuple[int, int, str]:
        wall = int((dt.replace(tzinfo=None) - _EPOCH).total_seconds())
        index = bisect.bisect_right(self._wall[dt.fold], wall)
        return self._states[index - 1] if index else self._initial

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        if dt is None:
            return None
        return timedelta(seconds=self._state_at_wall(dt)[0])

    def dst(self, dt: datetime | None) -> timedelta | None:
        if dt is None:
            return None
        return timedelta(seconds=self._state_at_wall(dt)[1])

    def tzname(self, dt: datetime | None) -> str | None:
        if dt is None:
            return self._label
        return self._state_at_wall(dt)[2]

    def fromutc(self, dt: datetime) -> datetime:
        utc = int((dt.replace(tzinfo=None) - _EPOCH).total_seconds())
        index = bisect.bisect_right(self._utc, utc)
        offset = self._states[index - 1][0] if index else self._initial[0]
        local = dt + timedelta(seconds=offset)
        if index:
            before = self._states[index - 2][0] if index >= 2 else self._initial[0]
            # The hour after a fall-back change is the second time those walls occur.
            if before > offset and utc < self._utc[index - 1] + before - offset:
                local = local.replace(fold=1)
        return local

    def transitions(self, start: datetime, end: datetime) -> list[datetime]:
        """The UTC instants in [start, end) where the offset changes."""
        low = bisect.bisect_left(self._utc, int((start - _EPOCH_UTC).total_seconds()))
        high = bisect.bisect_left(self._utc, int((end - _EPOCH_UTC).total_seconds()))
        return [_EPOCH_UTC + timedelta(seconds=s) for s in self._utc[low:high]]

    def __repr__(self) -> str:
        return f"RuleZone({self._label!r}, {len(self._utc)} transitions)"


def readable(text: str) -> bool:
    """Whether ``zone_of(text)`` makes a zone of this VTIMEZONE text, the same answer
    without listing its onsets to 2200 when that is provably needless.

    Listing them (dateutil, ~10-25 ms a zone) only finds one more failure: more than
    ``MAX_ONSETS`` transitions. A zone of yearly rules (what every producer writes) and
    a few RDATEs has a bound on their number; when the bound fits, the rules are only
    parsed, as ``RuleZone`` parses them. Anything else is built in full.
    """
    try:
        _label, observances = _parse(text)
        if not observances:
            return False
        bound = 0
        for obs in observances:
            _rule_set(obs)  # the same parse errors as a full build
            most = _onset_bound(obs)
            if most is None:
                return zone_of(text) is not None
            bound += most
    except ZoneRulesError:
        return False
    return bound <= MAX_ONSETS or zone_of(text) is not None


_DTSTART_YEAR = re.compile(r"DTSTART(?:;[^:]*)?:(\d{4})\d{4}(?:T\d{6}Z?)?", re.ASCII)
_WEEKDAY = re.compile(rf"([+-]?[1-5])?({'|'.join(RRULE_WEEKDAYS)})", re.ASCII)
_MONTH = re.compile(r"0?[1-9]|1[0-2]", re.ASCII)
_MONTH_DAY = re.compile(r"[+-]?(?:0?[1-9]|[12][0-9]|3[01])", re.ASCII)
_YEARLY_PARTS = frozenset({"FREQ", "INTERVAL", "UNTIL", "COUNT", "WKST", "BYMONTH", "BYDAY",
                           "BYMONTHDAY"})


def _onset_bound(obs: _Observance) -> int | None:
    """At most how many onsets before 2200 the observance has (DTSTART, yearly RRULEs,
    RDATE values), or None when its rules are not of that plain shape."""
    starts = [line for line in obs.lines if line[:7].upper() == "DTSTART"]
    match = _DTSTART_YEAR.fullmatch(starts[0].upper()) if len(starts) == 1 else None
    if match is None:
        return None
    years = max(0, _LAST.year - int(match[1]))
    bound = 1  # DTSTART itself (dateutil's compatible mode counts it)
    for line in obs.lines:
        name, _, value = line.partition(":")
        name = name.split(";", 1)[0].upper()
        if name == "RDATE":
            bound += value.count(",") + 1
        elif name == "RRULE":
            per_year = _yearly_instances(value.upper())
            if per_year is None:
                return None
            bound += per_year[0] * years if per_year[1] is None else \
                min(per_year[0] * years, per_year[1])
        elif name not in ("DTSTART", "EXDATE"):  # EXDATE only takes onsets away
            return None
    return bound


def _yearly_instances(rule: str) -> tuple[int, int | None] | None:
    """(at most how many instances a year, its COUNT or None) of a yearly RRULE whose
    parts bound that number; None for any other rule."""
    parts: dict[str, str] = {}
    for piece in rule.strip().split(";"):
        key, equals, value = piece.partition("=")
        key = key.strip()
        if not equals or key not in _YEARLY_PARTS or key in parts:
            return None
        parts[key] = value.strip()
    if parts.get("FREQ") != "YEARLY":
        return None
    count = parts.get("COUNT")
    if count is not None and not count.isdigit():
        return None
    months = parts.get("BYMONTH", "").split(",") if "BYMONTH" in parts else []
    if not all(_MONTH.fullmatch(m) for m in months):
        return None
    if ("BYDAY" in parts or "BYMONTHDAY" in parts) and not months:
        return None  # weekdays or days of the whole year: not bounded here
    per_month = 1  # without BYDAY or BYMONTHDAY: the day of DTSTART
    if "BYDAY" in parts:
        days = [_WEEKDAY.fullmatch(d) for d in parts["BYDAY"].split(",")]
        if not all(days):
            return None
        # "-1SU" is one day a month; "SU" up to five.
        per_month = sum(1 if d and d[1] else 5 for d in days)
    if "BYMONTHDAY" in parts:
        monthdays = parts["BYMONTHDAY"].split(",")
        if not all(_MONTH_DAY.fullmatch(d) for d in monthdays):
            return None
        per_month = min(per_month, len(monthdays)) if "BYDAY" in parts else len(monthdays)
    return max(len(months), 1) * per_month, None if count is None else int(count)


def _standard_offset(obs: _Observance, observances: list[_Observance]) -> int:
    standard = [o.offset_to for o in observances if not o.is_dst]
    return standard[0] if standard else obs.offset_from


def _rule_set(obs: _Observance) -> Any:
    """The observance's onsets as dateutil reads them (an rruleset, not yet listed)."""
    from dateutil import rrule as du  # only for a calendar's own VTIMEZONE rules

    for line in obs.lines:
        if line[:5].upper() in ("RRULE", "EXRUL"):
            _check_rule(line.partition(":")[2])
    try:
        return du.rrulestr("\n".join(obs.lines), compatible=True, ignoretz=True,
                           forceset=True)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise ZoneRulesError(f"a time zone rule cannot be read ({exc})") from None


def _check_rule(text: str) -> None:
    """Refuse a zone rule dateutil would search to the year 9999 for an onset (a value
    out of range, days that never occur), or one changing the offset more often than
    monthly: no time zone does, and such a rule could only spin or overflow."""
    parts: dict[str, str] = {}
    for piece in text.upper().split(";"):
        key, _, value = piece.partition("=")
        if key.strip():
            parts[key.strip()] = "".join(value.split())
    if parts.get("FREQ") not in ("YEARLY", "MONTHLY"):
        raise ZoneRulesError(f"a time zone rule repeats {parts.get('FREQ', 'never')[:12]}, "
                             "not yearly or monthly")
    problem = rule_problem(parts)
    if problem is not None:
        raise ZoneRulesError(f"a time zone rule {problem}")
    if never_matches(parts):
        raise ZoneRulesError("a time zone rule names days that never occur")


def _onsets(obs: _Observance) -> list[datetime]:
    """Every onset of an observance up to 2200, as tzical reads them (UTC marks ignored)."""
    rules = _rule_set(obs)
    found: list[datetime] = []
    try:
        for onset in rules:
            if onset >= _LAST or len(found) > MAX_ONSETS:
                break
            found.append(onset)
    except (ValueError, OverflowError):  # ran past year 9999
        pass
    except (IndexError, KeyError, TypeError) as exc:  # dateutil on rules like BYMONTH=0
        raise ZoneRulesError(f"a time zone rule cannot be read ({exc!r})") from None
    return found


def _parse(text: str) -> tuple[str, list[_Observance]]:
    label = "Custom"
    observances: list[_Observance] = []
    current: dict[str, str] | None = None
    lines: list[str] = []
    kind = ""
    for raw in text.splitlines():
        line = raw.strip()
        name, _, value = line.partition(":")
        key = name.split(";", 1)[0].upper()
        if key == "BEGIN" and value.upper() in ("STANDARD", "DAYLIGHT"):
            current, lines, kind = {}, [], value.upper()
        elif key == "END" and current is not None and value.upper() == kind:
            observances.append(_observance(current, lines, kind == "DAYLIGHT"))
            current = None
        elif current is not None:
            if key in _RULE_LINES:
                lines.append(line)
            else:
                current[key] = value.strip()
        elif key == "TZID":
            label = value.strip() or label
    return label, observances


def _observance(props: dict[str, str], lines: list[str], is_dst: bool) -> _Observance:
    if not any(line.upper().startswith("DTSTART") for line in lines):
        raise ZoneRulesError("a time zone part has no DTSTART")
    try:
        offset_from = _offset(props["TZOFFSETFROM"])
        offset_to = _offset(props["TZOFFSETTO"])
    except KeyError as exc:
        raise ZoneRulesError(f"a time zone part has no {exc.args[0]}") from None
    return _Observance(offset_from, offset_to, is_dst, props.get("TZNAME", ""), tuple(lines))


def _offset(text: str) -> int:
    """``+0130`` / ``-053000`` as seconds east of UTC; at most 24 hours."""
    text = text.strip()
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if not digits.isdigit() or len(digits) not in (4, 6):
        raise ZoneRulesError(f"UTC offset {text!r} cannot be read")
    hours, minutes, seconds = int(digits[:2]), int(digits[2:4]), int(digits[4:6] or 0)
    total = hours * 3600 + minutes * 60 + seconds
    if minutes > 59 or seconds > 59 or total >= 24 * 3600:
        raise ZoneRulesError(f"UTC offset {text!r} is out of range")
    return sign * total
