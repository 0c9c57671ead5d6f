"""Expanding fixed blocks (and their recurrence) into occurrences for a window.

The store keeps each series once: a master block with its ``Recurrence`` plus one
override block per changed instance (same calendar and UID, ``source.recurrence_id``
naming the slot). This module turns them into concrete occurrences, only for the
window asked for, so a rule without end costs no more than the window it covers.

Conventions of the result:

* Timed occurrences are aware datetimes in the viewing ``zone``.
* Floating occurrences are the same wall time in ``zone`` (also aware).
* All-day occurrences are ``date``s with an exclusive end; they overlap the window
  when their dates overlap the dates the window covers in ``zone``.

Rules expand in the wall time of the block's ``tzid`` (RFC 5545), so a weekly 09:00
New York meeting stays 09:00 in New York across DST. A wall time that does not exist
(spring-forward gap) is shifted forward by the gap; an ambiguous one takes the first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from planner.core.errors import PlannerError
from planner.core.model import Block, Moment, Occurrence
from planner.core.moments import RRULE_WEEKDAYS
from planner.core.rule_limits import never_matches, rule_problem
from planner.core.simple_rules import instances as simple_instances
from planner.core.zonerules import zone_of

# dateutil's frequency numbers (RFC 5545 order); dateutil itself is imported only when
# a rule is expanded, so a day without live series never loads it.
YEARLY, MONTHLY, WEEKLY, DAILY, HOURLY, MINUTELY, SECONDLY = range(7)
_FREQS = {
    "YEARLY": YEARLY,
    "MONTHLY": MONTHLY,
    "WEEKLY": WEEKLY,
    "DAILY": DAILY,
    "HOURLY": HOURLY,
    "MINUTELY": MINUTELY,
    "SECONDLY": SECONDLY,
}
_WEEKDAYS = RRULE_WEEKDAYS
_MONTHDAY_SAFE = 28  # every month (and year) has this day: one occurrence per period
# Instances walked per rule at most: bounds rules that cannot skip ahead.
_MAX_STEPS = 20_000
# Shown per series per day at most (one every 15 minutes), and per day across all
# series: a calendar of 50 FREQ=SECONDLY events costs a bounded day, the rest is
# counted as hidden (``Occurrences.hidden``) for the views to say so.
SERIES_DAY_LIMIT = 96
DAY_LIMIT = 500
_COUNT_STEPS = 10_000  # instances walked to count what a bound hid, at most


class Occurrences(list[Occurrence]):
    """Occurrences, and how many more the bounds above left out, by day.

    ``hidden_days`` maps a day of the viewing zone to the count hidden that day;
    ``at_least`` says a count stopped early (there are more); ``crowded`` that some
    series repeated more often than a day shows (what is shown then depends on the
    window: the day's share is divided among the crowded series in it).
    """

    def __init__(self, items: Iterable[Occurrence] = (), hidden_days: dict[date, int] | None
                 = None, at_least: bool = False) -> None:
        super().__init__(items)
        self.hidden_days: dict[date, int] = dict(hidden_days or {})
        self.at_least = at_least
        self.crowded = False

    @property
    def hidden(self) -> int:
        return sum(self.hidden_days.values())

    def hide(self, day: date, count: int) -> None:
        if count > 0:
            self.hidden_days[day] = self.hidden_days.get(day, 0) + count

    def absorb(self, other: Iterable[Occurrence]) -> None:
        """Add ``other``'s occurrences and what it hid."""
        self.extend(other)
        if isinstance(other, Occurrences):
            for day, count in other.hidden_days.items():
                self.hide(day, count)
            self.at_least = self.at_least or other.at_least


class RecurrenceError(PlannerError, ValueError):
    """A recurrence rule that cannot be expanded."""


def recurrence_id_text(moment: Moment) -> str:
    """The identity text of an instance's original start, as ``Source.recurrence_id``.

    UTC ``YYYY-MM-DDTHH:MM:SSZ`` for aware times, ``YYYY-MM-DD`` for dates and naive
    ISO for floating times.
    """
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            return moment.replace(microsecond=0).isoformat()
        utc = moment.astimezone(UTC)
        if utc.year >= 1000:  # isoformat is ~3x faster; strftime's %Y has no leading 0s
            return utc.replace(tzinfo=None, microsecond=0).isoformat() + "Z"
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat()


def rules_of(rrule: str | None) -> list[str]:
    """The RRULE values of a series: one, or several on their own lines (RFC 2445
    allowed more than one; their instances are the union)."""
    return [rule for rule in (rrule or "").split("\n") if rule.strip()]


def parse_recurrence_id(text: str) -> Moment:
    """Inverse of :func:`recurrence_id_text`."""
    if len(text) == 10:
        return date.fromisoformat(text)
    if text.endswith("Z"):
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    return datetime.fromisoformat(text)


def occurrences(
    blocks: Iterable[Block],
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    limit: int = 10_000,
) -> Occurrences:
    """All occurrences of fixed ``blocks`` overlapping [start, end), sorted by start.

    Override blocks replace the instance of their series they name; an override
    whose master is absent still shows. At most ``limit`` occurrences per block,
    ``SERIES_DAY_LIMIT`` per series a day and ``DAY_LIMIT`` a day in all; what the
    bounds leave out is counted in the result's ``hidden_days``.
    """
    found = Occurrences()
    crowded: list[tuple[Block, set[str]]] = []
    for block, skip in _with_overridden(blocks):
        expanded = _expand(block, start, end, zone, limit, skip, SERIES_DAY_LIMIT, probe=True)
        if expanded is None:
            crowded.append((block, skip))  # more a day than shown: expanded below
        else:
            found.absorb(expanded)
    # Series that repeat more often than a day shows share DAY_LIMIT a day between them,
    # so fifty of them cost what one day of a busy calendar costs.
    share = min(SERIES_DAY_LIMIT, max(1, DAY_LIMIT // max(len(crowded), 1)))
    found.crowded = bool(crowded)
    for block, skip in crowded:
        expanded = _expand(block, start, end, zone, limit, skip, share, probe=False)
        assert expanded is not None
        found.absorb(expanded)
    put_in_order(found, zone)
    return found


def put_in_order(found: list[Occurrence], zone: ZoneInfo) -> None:
    """Sort occurrences as :func:`occurrences` returns them."""
    found.sort(key=lambda o: (_sort_key(o.start, zone), o.block.id, _sort_key(o.end, zone)))


def _with_overridden(blocks: Iterable[Block]) -> list[tuple[Block, set[str]]]:
    """The fixed blocks, each with the instance keys its own overrides replace."""
    fixed = [b for b in blocks if b.is_fixed and b.start is not None and b.end is not None]
    # A master and its overrides share a series key: (calendar, UID) when imported,
    # ("", master id) for the planner's own series.
    overridden: dict[tuple[str, str], set[str]] = {}
    for block in fixed:
        if block.source is not None and block.source.recurrence_id is not None:
            overridden.setdefault(block.series_key, set()).add(block.source.recurrence_id)
    result = []
    for block in fixed:
        skip: set[str] = set()
        if block.source is None or block.source.recurrence_id is None \
                or block.is_recurring:  # a recurring override: the rest of a split series
            skip = overridden.get(block.series_key, set())
            if block.source is not None and block.source.recurrence_id is not None:
                skip = skip - {block.source.recurrence_id}
        result.append((block, skip))
    return result


def occurs_between(blocks: Iterable[Block], start: datetime, end: datetime,
                   zone: ZoneInfo) -> bool:
    """Whether :func:`occurrences` of ``blocks`` would find anything in [start, end).

    It looks for the first occurrence at or after ``start`` only, in batches, so the
    cost follows the series' overrides and exclusions, not the window's length: a
    daily series asked about the years 2..9997 costs what one week of it costs.
    """
    for block, skip in _with_overridden(blocks):
        if not block.is_recurring:
            if _expand(block, start, end, zone, 1, skip):
                return True
        elif _series_occurs(block, _frame_of(block, zone), start, end, zone, skip):
            return True
    return False


_FIRST_BATCH = 64  # instances looked at per step while seeking a series' first one


def _series_occurs(block: Block, frame: _Frame, start: datetime, end: datetime,
                   zone: ZoneInfo, overridden: set[str]) -> bool:
    assert block.recurrence is not None and block.start is not None
    dtstart = _wall(block.start, frame)
    low, high, count_from = _wall_window(block, frame, start, end, zone)
    excluded = _exclusions(block, frame)

    def shown(wall: datetime) -> bool:
        key = _instance_key(wall, frame)
        if key in overridden or key in excluded or wall.date().isoformat() in excluded:
            return False
        occ = _make(block, frame, wall, block, zone, parse_recurrence_id(key))
        return _overlaps(occ, start, end, zone)

    extra = [_wall(rdate, frame) if frame.kind == "date" or isinstance(rdate, datetime)
             else _wall(rdate, frame).replace(hour=dtstart.hour, minute=dtstart.minute,
                                              second=dtstart.second)
             for rdate in block.recurrence.rdates]
    if any(low <= wall <= high and shown(wall) for wall in [dtstart, *extra]):
        return True
    for rule in rules_of(block.recurrence.rrule):
        cursor, counted_from = low, count_from
        with suppress(RecurrenceError):  # an unreadable rule adds nothing (as above)
            while cursor <= high:
                walls = _rule_walls(rule, dtstart, cursor, high, _FIRST_BATCH,
                                    _until_wall(frame), counted_from)
                if any(shown(wall) for wall in walls):
                    return True
                if sum(wall >= counted_from for wall in walls) < _FIRST_BATCH:
                    break  # the rule has no more instances in the window (or its bound)
                # A full batch of overridden or excluded instances: look past it.
                cursor = counted_from = max(walls) + timedelta(microseconds=1)
    return False


def expand_block(
    block: Block, start: datetime, end: datetime, zone: ZoneInfo, limit: int = 10_000
) -> list[Occurrence]:
    """Occurrences of one fixed block overlapping [start, end), ignoring overrides."""
    if not block.is_fixed or block.start is None or block.end is None:
        return []
    found = _expand(block, start, end, zone, limit, set())
    assert found is not None
    found.sort(key=lambda o: (_sort_key(o.start, zone), _sort_key(o.end, zone)))
    return found


def _view_day(moment: Moment, zone: tzinfo) -> date:
    if isinstance(moment, datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(zone).date()
    return moment


def _sort_key(moment: Moment, zone: ZoneInfo) -> datetime:
    if isinstance(moment, datetime):
        return moment
    return datetime(moment.year, moment.month, moment.day, tzinfo=zone)


# --- one block ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Frame:
    """How a block's wall times (naive) map to the viewer's instants."""

    kind: str  # "date" | "zoned" | "floating"
    tz: tzinfo | None  # zone of the wall times for "zoned"; the viewer's for floating

    def to_instant(self, wall: datetime) -> datetime:
        assert self.tz is not None
        # fold=0: ambiguous times take the first; gap times use the offset before
        # the gap, i.e. they land shifted forward by its length (RFC 5545).
        return datetime.fromtimestamp(wall.replace(tzinfo=self.tz).timestamp(), UTC)

    def wall_of(self, instant: datetime) -> datetime:
        assert self.tz is not None
        return instant.astimezone(self.tz).replace(tzinfo=None)


def _frame_of(block: Block, zone: ZoneInfo) -> _Frame:
    if block.all_day:
        return _Frame("date", None)
    assert isinstance(block.start, datetime)
    if block.start.tzinfo is None:
        return _Frame("floating", zone)
    if block.tzid and block.tzid != "UTC":
        tz = zone_of(block.tzid)  # an IANA name or a calendar's own VTIMEZONE
        if tz is not None:
            return _Frame("zoned", tz)
        # unknown name: fall back to the stored instants
    return _Frame("zoned", UTC)


def _expand(
    block: Block,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    limit: int,
    overridden: set[str],
    day_limit: int = SERIES_DAY_LIMIT,
    probe: bool = False,
) -> list[Occurrence] | None:
    """A block's occurrences in the window; with ``probe``, None (and no work) for a
    series with more than ``day_limit`` instances on some day."""
    assert block.start is not None and block.end is not None
    frame = _frame_of(block, zone)
    is_override = block.source is not None and block.source.recurrence_id is not None
    original: Moment | None = None
    if is_override:
        assert block.source is not None and block.source.recurrence_id is not None
        original = parse_recurrence_id(block.source.recurrence_id)
    if not block.is_recurring:
        occ = _make(block, frame, _wall(block.start, frame), block, zone, original)
        return [occ] if _overlaps(occ, start, end, zone) else []
    # A recurring override is the rest of a series split by RANGE=THISANDFUTURE.
    return _expand_series(block, frame, start, end, zone, limit, overridden, day_limit, probe)


def _wall(moment: Moment, frame: _Frame) -> datetime:
    """A block moment as the naive wall time its rule runs in."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None or frame.kind != "zoned":
            return moment.replace(tzinfo=None)
        return frame.wall_of(moment)
    return datetime(moment.year, moment.month, moment.day)


def _make(
    block: Block,
    frame: _Frame,
    wall: datetime,
    series: Block,
    zone: ZoneInfo,
    original: Moment | None,
) -> Occurrence:
    assert series.start is not None and series.end is not None
    if frame.kind == "date":
        assert block.start is not None and block.end is not None
        days = (_as_date(block.end) - _as_date(block.start)).days
        first = wall.date()
        return Occurrence(block, first, first + timedelta(days=max(days, 1)), original, None,
                          original)
    length = block.length
    begin = frame.to_instant(wall)
    # A zoned length is exact (RFC 5545 3.8.5.3): add it to the instant, not to the
    # viewer's wall time, or an event across the viewer's DST change ends an hour off.
    # Floating times are wall times, so their end is one too.
    finish = frame.to_instant(wall + length) if frame.kind == "floating" else begin + length
    return Occurrence(block, begin.astimezone(zone), finish.astimezone(zone), original, None,
                      original)


def _as_date(moment: Moment) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def overlaps(occ: Occurrence, start: datetime, end: datetime, zone: ZoneInfo) -> bool:
    """Whether :func:`occurrences` over [start, end) would keep ``occ`` (an all-day
    one by the viewing zone's days)."""
    return _overlaps(occ, start, end, zone)


def _overlaps(occ: Occurrence, start: datetime, end: datetime, zone: ZoneInfo) -> bool:
    if isinstance(occ.start, datetime):
        assert isinstance(occ.end, datetime)
        if occ.end == occ.start:  # zero-length: a point inside the window
            return start <= occ.start < end
        return occ.start < end and occ.end > start
    first_day = start.astimezone(zone).date()
    last_day = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return occ.start <= last_day and _as_date(occ.end) > first_day


def _instance_key(wall: datetime, frame: _Frame) -> str:
    """The recurrence-id text of an instance with this wall start."""
    if frame.kind == "date":
        return wall.date().isoformat()
    if frame.kind == "floating":
        return recurrence_id_text(wall)
    return recurrence_id_text(frame.to_instant(wall))


def _expand_series(
    block: Block,
    frame: _Frame,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    limit: int,
    overridden: set[str],
    day_limit: int,
    probe: bool,
) -> list[Occurrence] | None:
    assert block.recurrence is not None and block.start is not None
    dtstart = _wall(block.start, frame)
    low, high, count_from = _wall_window(block, frame, start, end, zone)
    walls: set[datetime] = set()
    if low <= dtstart <= high:
        walls.add(dtstart)  # RFC 5545: DTSTART is always the first instance
    hidden = Occurrences()
    for rule in rules_of(block.recurrence.rrule):
        # An unreadable rule leaves the series' first instance and its RDATEs.
        with suppress(RecurrenceError):
            try:
                found = _rule_walls(rule, dtstart, low, high, limit, _until_wall(frame),
                                    count_from, day_limit)
            except _Crowded:
                if probe:
                    return None
                # Hidden ones are counted up to the window's end, not its DST slack.
                count_to = frame.wall_of(end) if frame.kind == "zoned" else \
                    end.astimezone(zone).replace(tzinfo=None)
                found = _walls_by_day(rule, dtstart, low, high, frame, zone, hidden,
                                      day_limit, count_from, count_to)
            walls.update(found)
    for rdate in block.recurrence.rdates:
        wall = _wall(rdate, frame)
        if frame.kind != "date" and not isinstance(rdate, datetime):
            wall = wall.replace(hour=dtstart.hour, minute=dtstart.minute, second=dtstart.second)
        if low <= wall <= high:
            walls.add(wall)
    excluded = _exclusions(block, frame)
    result = hidden  # an Occurrences, holding what the bound hid (usually nothing)
    for wall in sorted(walls):
        if len(result) >= limit:
            break
        key = _instance_key(wall, frame)
        if key in overridden or key in excluded or wall.date().isoformat() in excluded:
            continue
        rid = parse_recurrence_id(key)
        occ = _make(block, frame, wall, block, zone, rid)
        if _overlaps(occ, start, end, zone):
            result.append(occ)
    return result


def _walls_by_day(rule: str, dtstart: datetime, low: datetime, high: datetime,
                  frame: _Frame, zone: ZoneInfo, hidden: Occurrences, day_limit: int,
                  count_from: datetime, count_to: datetime) -> list[datetime]:
    """A rule's instances, at most ``day_limit`` a day; the rest counted in ``hidden``
    by the viewer's day, from ``count_from`` (the window proper, without the slack
    before it) to ``count_to``."""
    walls: list[datetime] = []
    day = datetime.combine(low.date(), datetime.min.time())
    while day <= high:
        first, last = max(day, low), min(day + timedelta(days=1) - timedelta(microseconds=1),
                                         high)
        found = _rule_walls(rule, dtstart, first, last, day_limit + 1,
                            _until_wall(frame), first)
        if len(found) > day_limit:
            walls += found[:day_limit]
            until = min(last, count_to - timedelta(microseconds=1))
            when = max(found[day_limit], count_from)
            if when <= until:
                rest, exact = _count_walls(rule, dtstart, when, until, frame)
                shown_day = _view_day(when if frame.kind != "zoned" else
                                      frame.to_instant(when), zone)
                hidden.hide(shown_day, rest)
                hidden.at_least = hidden.at_least or not exact
        else:
            walls += found
        day += timedelta(days=1)
    return walls


def _count_walls(rule: str, dtstart: datetime, first: datetime, last: datetime,
                 frame: _Frame) -> tuple[int, bool]:
    """How many instances of ``rule`` lie in [first, last], and whether that is exact:
    by arithmetic for a plain FREQ/INTERVAL rule, else by walking at most
    ``_COUNT_STEPS`` of them."""
    parts = _with_implied_parts(parse_rule(rule), dtstart)
    own = _with_implied_parts({"FREQ": parts["FREQ"]}, dtstart)
    plain = set(parts) <= {"FREQ", "INTERVAL", "UNTIL", "WKST", *own} and all(
        parts[k] == v for k, v in own.items() if k in parts)
    freq = _FREQS[parts["FREQ"]]
    if plain and "UNTIL" not in parts and freq in _STEP:
        step = _STEP[freq] * int(parts.get("INTERVAL", "1"))
        begin = max(0, -(-(first - dtstart) // step))
        end = (last - dtstart) // step
        return max(0, end - begin + 1), True
    walls = _rule_walls(rule, dtstart, first, last, _COUNT_STEPS, _until_wall(frame), first)
    return len(walls), len(walls) < _COUNT_STEPS


_STEP = {SECONDLY: timedelta(seconds=1), MINUTELY: timedelta(minutes=1),
         HOURLY: timedelta(hours=1), DAILY: timedelta(days=1)}


def _until_wall(frame: _Frame) -> Callable[[datetime], datetime]:
    if frame.kind == "zoned":
        return frame.wall_of
    # Floating or all-day series: a UTC UNTIL is read as wall time.
    return lambda moment: moment.replace(tzinfo=None)


def _exclusions(block: Block, frame: _Frame) -> set[str]:
    """EXDATEs as instance keys; a date EXDATE on a timed series excludes that day."""
    assert block.recurrence is not None
    keys = set()
    for moment in block.recurrence.exdates:
        if isinstance(moment, datetime):
            if frame.kind == "date":
                keys.add(_wall(moment, frame).date().isoformat())
            elif frame.kind == "floating":
                keys.add(recurrence_id_text(moment.replace(tzinfo=None)))
            elif moment.tzinfo is None:
                keys.add(recurrence_id_text(frame.to_instant(moment)))
            else:
                keys.add(recurrence_id_text(moment))
        else:
            keys.add(moment.isoformat())
    return keys


def _wall_window(
    block: Block, frame: _Frame, start: datetime, end: datetime, zone: ZoneInfo
) -> tuple[datetime, datetime, datetime]:
    """Wall-time bounds wide enough to catch every instance overlapping the window,
    and where the window proper (without slack for DST jumps) begins."""
    length = block.length
    if frame.kind == "date":
        low = datetime.combine(start.astimezone(zone).date(), datetime.min.time()) - length
        high = datetime.combine(end.astimezone(zone).date(), datetime.min.time())
        return low - timedelta(days=1), high + timedelta(days=1), low
    assert frame.tz is not None
    first = start - length
    # Gap times map later and fold times earlier than their wall time suggests, so
    # widen by the zone's offset jumps around the window's ends.
    gap = _jump(frame.tz, first)
    fold = _jump(frame.tz, end, backward=True)
    # An instance ending exactly at the window start does not overlap it.
    proper = frame.wall_of(first) + (timedelta(microseconds=1) if length else timedelta(0))
    return frame.wall_of(first) - gap, frame.wall_of(end) + fold, proper


@lru_cache(maxsize=512)
def _jump(tz: tzinfo, instant: datetime, backward: bool = False) -> timedelta:
    # Cached: the series of one window share its ends and a few zones and lengths.
    span = timedelta(days=2)
    before = (instant - span).astimezone(tz).utcoffset() or timedelta(0)
    after = (instant + span).astimezone(tz).utcoffset() or timedelta(0)
    jump = (before - after) if backward else (after - before)
    return max(jump, timedelta(0)) + timedelta(minutes=1)


# --- rules -------------------------------------------------------------------------


def _rule_walls(
    text: str,
    dtstart: datetime,
    low: datetime,
    high: datetime,
    limit: int,
    to_wall: Callable[[datetime], datetime],
    count_from: datetime,
    day_limit: int | None = None,
) -> list[datetime]:
    """Wall times of the rule's instances in [low, high], skipping ahead to ``low``.

    At most ``limit`` of them from ``count_from`` on (the rest of [low, high] is slack
    for DST jumps). With ``day_limit``, raises ``_Crowded`` as soon as one day holds
    more than that many.
    Rules that cannot skip ahead exactly (COUNT with several instances per period)
    are walked from DTSTART, at most ``_MAX_STEPS`` instances.
    """
    parts = parse_rule(text)
    parts = _with_implied_parts(parts, dtstart)
    _fix_until(parts, to_wall)
    begin = dtstart
    if "BYEASTER" not in parts:
        try:
            begin, parts = _skip_ahead(parts, dtstart, low)
        except (OverflowError, ValueError):
            # An INTERVAL so large the next period lies past year 9999 (stores written
            # before the reader bounded it): only DTSTART is left.
            return []
    if parts.get("COUNT") == "0":
        return []
    rule: Iterable[datetime] | None = simple_instances(parts, begin, high)
    if rule is None:  # a rarer shape: dateutil reads it
        if never_matches(parts):
            return []
        rule_text = ";".join(f"{k}={v}" for k, v in parts.items())
        try:
            rule = _rrulestr(rule_text, dtstart=begin)
        except (ValueError, TypeError, OverflowError, KeyError, IndexError) as exc:
            raise RecurrenceError(f"cannot expand RRULE {text!r}: {exc}") from exc
    walls: list[datetime] = []
    counted = 0
    day, on_day = None, 0
    try:
        for step, wall in enumerate(rule):
            if wall > high or counted >= limit or step >= _MAX_STEPS:
                break
            if wall >= low:
                walls.append(wall)
                counted += wall >= count_from
                if day_limit is not None:
                    on_day = on_day + 1 if wall.date() == day else 1
                    day = wall.date()
                    if on_day > day_limit:
                        raise _Crowded
    except (ValueError, OverflowError):  # ran past year 9999
        pass
    except (IndexError, TypeError, KeyError) as exc:  # BYDAY=99999999999MO from an old home
        raise RecurrenceError(f"cannot expand RRULE {text!r}: {exc}") from exc
    return walls


class _Crowded(Exception):
    """A rule has more instances on one day than are shown."""


def _rrulestr(text: str, dtstart: datetime) -> Any:
    from dateutil import rrule  # ~10 ms to import: only when a rule is really expanded

    return rrule.rrulestr(text, dtstart=dtstart)


def validate_rule(text: str, dtstart: Moment) -> None:
    """Raise RecurrenceError unless the rule can be expanded from ``dtstart`` (no expansion)."""
    if isinstance(dtstart, datetime):
        wall = dtstart.replace(tzinfo=None)
    else:
        wall = datetime(dtstart.year, dtstart.month, dtstart.day)
    parts = _with_implied_parts(parse_rule(text), wall)
    _fix_until(parts, lambda moment: moment.replace(tzinfo=None))
    try:
        _rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=wall)
    except (ValueError, TypeError, OverflowError, KeyError, IndexError) as exc:
        raise RecurrenceError(f"cannot expand RRULE {text!r}: {exc}") from exc


def rule_makes_its_start(text: str, dtstart: datetime) -> bool:
    """Whether the rule itself makes ``dtstart`` (a naive wall time) an instance. RFC
    5545 counts DTSTART as the first instance even where it does not, and then the
    rule's COUNT does not include it."""
    try:
        parts = _with_implied_parts(parse_rule(text), dtstart)
    except RecurrenceError:
        return True
    for bound in ("COUNT", "UNTIL"):
        parts.pop(bound, None)
    if never_matches(parts):
        return False
    try:
        rule = _rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=dtstart)
        return rule.after(dtstart, inc=True) == dtstart
    except (ValueError, TypeError, OverflowError, KeyError, IndexError):
        return True


@dataclass(frozen=True, slots=True)
class ShowsOnce:
    """Why a series never repeats: its rule names no day that exists (February 30th),
    or its UNTIL (``until``) comes before its start. RFC 5545 keeps DTSTART as its one
    instance either way."""

    rule: str  # the RRULE, as stored
    until: Moment | None = None  # set when UNTIL ends the series before it begins


_DAY_FILTERS = ("BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYDAY")


def never_repeats(block: Block) -> ShowsOnce | None:
    """Whether ``block``'s rules make no instance but its first (DTSTART); None when it
    repeats (however rarely: February 29th), has RDATEs, or is no series at all.

    Cheap for the common shapes: a rule whose day filters all come from DTSTART (a
    plain weekly or yearly one) names a real day by construction and is not searched."""
    rec = block.recurrence
    start = block.start
    if rec is None or not rec.rrule or rec.rdates or start is None:
        return None
    if not isinstance(start, datetime):
        wall = datetime(start.year, start.month, start.day)
    elif start.tzinfo is None:
        wall = start
    else:
        wall = _frame_of(block, ZoneInfo("UTC")).wall_of(start)
    found: ShowsOnce | None = None
    for line in rec.rrule.splitlines():
        try:
            parts = parse_rule(line)
        except RecurrenceError:
            return None  # unreadable: expanded (or not) elsewhere, not said here
        until = _until_before(parts.get("UNTIL"), start, wall)
        if until is not None:
            found = ShowsOnce(line, until)
            continue
        if not any(k in parts for k in _DAY_FILTERS) or \
                not never_matches(_with_implied_parts(parts, wall)):
            return None
        found = found or ShowsOnce(line)
    return found


def _until_before(text: str | None, start: Moment, wall: datetime) -> Moment | None:
    """The rule's UNTIL when it lies before the series' start, else None."""
    match = re.fullmatch(r"(\d{8})(?:T(\d{6})(Z?))?", text or "")
    if match is None:
        return None
    try:
        day = datetime.strptime(match.group(1), "%Y%m%d")
        if match.group(2) is None:  # a date: the whole of that day is included
            return day.date() if day.date() < wall.date() else None
        moment = datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    if match.group(3) and isinstance(start, datetime) and start.tzinfo is not None:
        instant = moment.replace(tzinfo=UTC)
        return instant if instant < start else None
    return moment if moment < wall else None


def parse_rule(text: str) -> dict[str, str]:
    """The rule's parts (a copy of the reading of that text: the caller may change it)."""
    return dict(_rule_parts(text))


@lru_cache(maxsize=1024)
def _rule_parts(text: str) -> dict[str, str]:
    # Read once per text: a work calendar's series share a few rule texts
    # ("FREQ=WEEKLY;BYDAY=MO"), and a day or week expands hundreds of them.
    parts: dict[str, str] = {}
    for piece in text.strip().removeprefix("RRULE:").split(";"):
        if not piece.strip():
            continue
        key, _, value = piece.partition("=")
        parts[key.strip().upper()] = value.strip().upper()
    if parts.get("FREQ") not in _FREQS:
        raise RecurrenceError(f"RRULE {text!r} has no valid FREQ")
    interval = parts.get("INTERVAL", "1")
    if not interval.isdigit() or int(interval) < 1:
        raise RecurrenceError(f"RRULE {text!r} needs a positive INTERVAL")
    problem = rule_problem(parts)  # before dateutil, which would search to 9999
    if problem is not None:
        raise RecurrenceError(f"RRULE {text!r} {problem}")
    return parts


def _with_implied_parts(parts: dict[str, str], dtstart: datetime) -> dict[str, str]:
    """Spell out what the rule takes from DTSTART, so DTSTART can move safely."""
    parts = dict(parts)
    freq = _FREQS[parts["FREQ"]]
    if freq < HOURLY and "BYHOUR" not in parts:
        parts["BYHOUR"] = str(dtstart.hour)
    if freq < MINUTELY and "BYMINUTE" not in parts:
        parts["BYMINUTE"] = str(dtstart.minute)
    if freq < SECONDLY and "BYSECOND" not in parts:
        parts["BYSECOND"] = str(dtstart.second)
    if not any(k in parts for k in ("BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY")):
        if freq == YEARLY:
            parts.setdefault("BYMONTH", str(dtstart.month))
            parts["BYMONTHDAY"] = str(dtstart.day)
        elif freq == MONTHLY:
            parts["BYMONTHDAY"] = str(dtstart.day)
        elif freq == WEEKLY:
            parts["BYDAY"] = _WEEKDAYS[dtstart.weekday()]
    return parts


def _fix_until(parts: dict[str, str], to_wall: Callable[[datetime], datetime]) -> None:
    """Make UNTIL a naive wall time like DTSTART (dateutil needs them alike)."""
    until = parts.get("UNTIL")
    if not until:
        return
    match = re.fullmatch(r"(\d{8})(?:T(\d{6})(Z?))?", until)
    if match is None:
        raise RecurrenceError(f"RRULE UNTIL {until!r} is not a date or date-time")
    if match.group(2) is None:  # a date: include that whole day
        parts["UNTIL"] = match.group(1) + "T235959"
        return
    if match.group(3):
        day, clock = match.group(1), match.group(2)  # strptime is ~20x slower
        try:
            moment = datetime(int(day[:4]), int(day[4:6]), int(day[6:]), int(clock[:2]),
                              int(clock[2:4]), int(clock[4:]))
            wall = to_wall(moment.replace(tzinfo=UTC))
        except (ValueError, OverflowError) as exc:  # month 99, or past 9999 in the zone
            raise RecurrenceError(f"RRULE UNTIL {until!r} is not a date-time") from exc
        parts["UNTIL"] = wall.strftime("%Y%m%dT%H%M%S")
    else:
        parts["UNTIL"] = match.group(1) + "T" + match.group(2)


def _skip_ahead(
    parts: dict[str, str], dtstart: datetime, low: datetime
) -> tuple[datetime, dict[str, str]]:
    """Move DTSTART to the start of the last whole period before ``low``.

    Exact because every implied part is now explicit and periods keep their phase
    (multiples of INTERVAL from the original). COUNT is reduced by the instances
    skipped, which is known when every period holds the same number of them.
    """
    parts = dict(parts)
    if low <= dtstart:
        return dtstart, parts
    freq = _FREQS[parts["FREQ"]]
    interval = max(int(parts.get("INTERVAL", "1") or 1), 1)
    period_start, periods = _period_start(freq, dtstart, low, interval, parts)
    if periods <= 0:
        return dtstart, parts
    if "COUNT" in parts:
        if _one_per_period(parts, freq, dtstart):
            skipped = periods
        else:
            per = _per_period(parts, freq)
            if per is None:
                return dtstart, parts
            skipped = _first_period_count(parts, freq, dtstart, interval) + (periods - 1) * per
        parts["COUNT"] = str(max(int(parts["COUNT"]) - skipped, 0))
    return period_start, parts


def _per_period(parts: dict[str, str], freq: int) -> int | None:
    """Instances in every generating period of a WEEKLY/DAILY rule, if constant."""
    allowed = {"FREQ", "INTERVAL", "COUNT", "WKST", "BYHOUR", "BYMINUTE", "BYSECOND"}
    if freq == WEEKLY:
        allowed |= {"BYDAY"}
    elif freq != DAILY:
        return None
    if set(parts) - allowed:
        return None
    days = set(parts.get("BYDAY", "").split(",")) if freq == WEEKLY else {""}
    if freq == WEEKLY and not days <= set(_WEEKDAYS):
        return None  # ordinals such as 1MO mean nothing per week
    per = len(days)
    for key in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        try:
            per *= len({int(v) for v in parts[key].split(",")})
        except ValueError:
            return None
    return per


def _first_period_count(
    parts: dict[str, str], freq: int, dtstart: datetime, interval: int
) -> int:
    """Instances from DTSTART to the end of DTSTART's own period (at most a week's)."""
    first, _ = _period_start(freq, dtstart, dtstart, interval, parts)
    end = first + (timedelta(weeks=1) if freq == WEEKLY else timedelta(days=1))
    rule = simple_instances(parts, dtstart, end) or \
        _rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=dtstart)
    count = 0
    for wall in rule:
        if wall >= end:
            break
        count += 1
    return count


def _one_per_period(parts: dict[str, str], freq: int, dtstart: datetime) -> bool:
    # A BYxxx part finer than FREQ picks a time inside each period (one per period if
    # it holds one value); one as coarse as FREQ or coarser is a filter that leaves
    # most periods empty (FREQ=HOURLY;BYHOUR=9 is once a day, not once an hour).
    implied = {"FREQ", "INTERVAL", "COUNT", "WKST"}
    implied |= {part for part, unit in (("BYHOUR", HOURLY), ("BYMINUTE", MINUTELY),
                                        ("BYSECOND", SECONDLY)) if freq < unit}
    if freq == YEARLY:
        implied |= {"BYMONTH", "BYMONTHDAY"}
    elif freq == MONTHLY:
        implied |= {"BYMONTHDAY"}
    elif freq == WEEKLY:
        implied |= {"BYDAY"}
    if set(parts) - implied:
        return False
    own = _with_implied_parts({"FREQ": parts["FREQ"]}, dtstart)
    if any(parts[k] != v for k, v in own.items() if k in parts):
        return False
    if any("," in parts.get(k, "") for k in ("BYHOUR", "BYMINUTE", "BYSECOND", "BYDAY",
                                              "BYMONTH", "BYMONTHDAY")):
        return False
    return freq not in (YEARLY, MONTHLY) or dtstart.day <= _MONTHDAY_SAFE


def _period_start(
    freq: int, dtstart: datetime, low: datetime, interval: int, parts: dict[str, str]
) -> tuple[datetime, int]:
    """The start of the latest period (phase kept) beginning at or before ``low``."""
    if freq == YEARLY:
        steps = (low.year - dtstart.year) // interval
        return datetime(dtstart.year + steps * interval, 1, 1), steps
    if freq == MONTHLY:
        months = (low.year - dtstart.year) * 12 + low.month - dtstart.month
        steps = months // interval
        index = dtstart.year * 12 + dtstart.month - 1 + steps * interval
        return datetime(index // 12, index % 12 + 1, 1), steps
    if freq == WEEKLY:
        wkst = _WEEKDAYS.index(parts.get("WKST", "MO")) if parts.get("WKST") in _WEEKDAYS else 0
        first = datetime.combine(dtstart.date(), datetime.min.time())
        first -= timedelta(days=(first.weekday() - wkst) % 7)
        steps = (low - first).days // (7 * interval)
        return first + timedelta(weeks=steps * interval), steps
    unit = {
        DAILY: timedelta(days=1),
        HOURLY: timedelta(hours=1),
        MINUTELY: timedelta(minutes=1),
        SECONDLY: timedelta(seconds=1),
    }[freq]
    first = _truncate(dtstart, freq)
    steps = (low - first) // (unit * interval)
    return first + unit * interval * steps, steps


def _truncate(moment: datetime, freq: int) -> datetime:
    if freq == DAILY:
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if freq == HOURLY:
        return moment.replace(minute=0, second=0, microsecond=0)
    if freq == MINUTELY:
        return moment.replace(second=0, microsecond=0)
    return moment.replace(microsecond=0)
