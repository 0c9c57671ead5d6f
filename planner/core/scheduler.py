"""Place flexible blocks into free time, from now to their deadlines (pure core, no I/O).

``plan_horizon`` is the planner: (flexible blocks with the placements they already have,
a way to read a day's fixed occurrences, settings, now) -> where every open block goes,
or why it cannot go anywhere. It reads no clock and touches no store.

Time
----
Everything is computed on the UTC time line in integer epoch seconds, so durations are
exact (RFC 5545: hours and minutes are exact; a 2 h task on the spring-forward night
still takes two real hours). Days, waking hours, parts of day and working hours are wall
times of ``zone``; naive (floating) fixed times are wall times in ``zone`` too.

A block's window
----------------
A flexible block may go anywhere from max(now, ``earliest``, the start of its ``day``) to
its ``deadline`` (a date-only deadline is stored as the next midnight: the end of that
day). Without a deadline it rolls forward: the first day it fits, from today on, looking
at most ``horizon`` days ahead. Inside the window it must also keep to its *allowed
time*: waking hours ``[day_start, day_end]``, its ``part_of_day``, its sphere's working
hours (looked up by sphere, then by the sphere's parent; a weekday without an entry has
none) and, for work-parent spheres, outside ``protected`` hours and before ``shutdown``.
Starts lie on the ``granularity`` grid of the wall clock.

Busy time is every blocking fixed occurrence (not all-day, not transparent), stretched
back by its block's ``travel``, plus every placement made so far.

Order and stability
-------------------
1. Pinned blocks go exactly at ``pinned_start`` (the user's choice, even over other
   things). ``done`` blocks are left alone and are not in the result.
2. Every existing placement (``Block.planned``) that is still valid is kept as it is:
   free, on or after the start of today, inside the block's window and allowed time,
   and as long as the block. So re-planning moves only what must move; a placement
   earlier today stays (the person may be doing it), one on an earlier day rolls
   forward, because the block is still open.
3. The remaining blocks are placed one by one, in *precedence* order: higher
   ``priority``, earlier deadline (none last), earlier window start, longer duration,
   then the block's own content (part of day, sphere, title...), the id only between
   blocks that are otherwise identical. So the plan never depends on ids.
4. A block new to the plan (no placement and no reason yet: just added or changed)
   that fits nowhere may displace kept placements of blocks of no higher priority, if
   each of those can go somewhere else in its own window: the slot that displaces the
   fewest blocks wins (then the earliest). Those are reported in ``Plan.displaced``;
   nothing else ever moves, and a re-plan with nothing new moves nothing.

The best slot (how "best" is scored)
------------------------------------
As early as fits: the first day of the window with room, and on that day:

* each free gap in the allowed time offers its earliest and its latest grid start (a
  draining block also each of those one grid step inwards);
* a ``draining`` block drops every candidate that touches another draining block
  (fixed or placed), unless that drops them all;
* the earliest candidate left wins, except that inside the same gap one touching a
  block of the same sphere is preferred (grouping costs nothing there, since the rest
  of the gap stays in one piece); a block is never moved to a later gap to group it.
* If nothing fits in one piece and ``min_chunk`` is set, the block is split greedily on
  that day, earliest gap first, into chunks of at least ``min_chunk``.

Placing as early as fits leaves the most slack before a deadline.

Reasons
-------
An open block that fits nowhere gets one sentence that is true at ``now`` and names the
obstacle: the deadline has passed; today's allowed time is over; there is no allowed
time in the window; or the allowed time is full ("Friday's work hours are full; needs
2 h, the largest free slot before the deadline is 1 h 15 min").
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from planner.core.intervals import intersect, merge, subtract
from planner.core.model import (
    PART_OF_DAY_HOURS,
    WORK,
    Block,
    Energy,
    Occurrence,
    PartOfDay,
    Placement,
    PlanResult,
)
from planner.core.moments import in_zone
from planner.core.settings import Settings, TimeRange
from planner.core.when import format_duration  # one wording for durations everywhere

__all__ = ["HORIZON_DAYS", "Plan", "block_window", "day_bridges", "format_duration",
           "plan_horizon"]

HORIZON_DAYS = 56  # how far ahead a block without deadline is looked for a place
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SHORT_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_END_OF_DAY = time(23, 59, 59)
_INF = 2**62
_DISPLACE_TRIES = 8  # candidate slots tried per block that fits nowhere

Interval = tuple[int, int]
_Neighbour = tuple[str, bool]  # (sphere, draining)


# --- time helpers -------------------------------------------------------------------


def _wall(day: date, t: time, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, t, tzinfo=zone).timestamp())


def _wall_range(day: date, start: time, end: time, zone: ZoneInfo) -> Interval:
    """Wall-clock range on ``day``; an end at/before the start or 23:59:59 is midnight."""
    lo = _wall(day, start, zone)
    if end <= start or end >= _END_OF_DAY:
        return lo, _wall(day + timedelta(days=1), time(0), zone)
    return lo, _wall(day, end, zone)


def _ts(moment: datetime, zone: ZoneInfo) -> int:
    return int(in_zone(moment, zone).timestamp())


def _local(ts: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ts, tz=zone)


# --- result -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """Where every open flexible block goes, or why it goes nowhere.

    ``placements`` maps a block id to its chunks (aware datetimes in the zone planned
    in), ``unplaced`` to the reason; each open block is in exactly one of them.
    ``displaced`` names blocks whose kept placement was moved to make room for another.
    """

    placements: Mapping[str, tuple[Placement, ...]] = field(default_factory=dict)
    unplaced: Mapping[str, str] = field(default_factory=dict)
    displaced: frozenset[str] = frozenset()

    def on_day(self, day: date, zone: ZoneInfo) -> PlanResult:
        """The placements overlapping ``day`` (cut in ``zone``), as a day's result."""
        lo = datetime.combine(day, time(0), tzinfo=zone)
        hi = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        found = [p for chunks in self.placements.values() for p in chunks
                 if p.start < hi and p.end > lo]
        found.sort(key=lambda p: (p.start.timestamp(), p.end.timestamp(), p.block_id))
        return PlanResult(tuple(found))


# --- busy time ----------------------------------------------------------------------


@dataclass(slots=True)
class _Busy:
    lo: int
    hi: int
    owner: str | None  # the flexible block placed here; None for fixed time
    sphere: str
    draining: bool


class _Timeline:
    """Busy time on the UTC line: merged intervals for fast questions, raw ones so a
    placement can be taken out again (displacement)."""

    def __init__(self) -> None:
        self.raw: list[_Busy] = []
        self.starts: list[int] = []  # merged busy intervals
        self.ends: list[int] = []
        self.by_start: dict[int, list[_Neighbour]] = {}
        self.by_end: dict[int, list[_Neighbour]] = {}

    def occupy(self, item: _Busy) -> None:
        self.raw.append(item)
        self._index(item)

    def _index(self, item: _Busy) -> None:
        lo, hi = item.lo, item.hi
        self.by_start.setdefault(lo, []).append((item.sphere, item.draining))
        self.by_end.setdefault(hi, []).append((item.sphere, item.draining))
        i = bisect.bisect_left(self.ends, lo)  # first interval that ends at/after lo
        j = bisect.bisect_right(self.starts, hi)  # intervals [i, j) touch or overlap
        if i < j:
            lo = min(lo, self.starts[i])
            hi = max(hi, self.ends[j - 1])
        self.starts[i:j] = [lo]
        self.ends[i:j] = [hi]

    def release(self, owners: set[str]) -> None:
        self.rebuild([b for b in self.raw if b.owner not in owners])

    def without(self, owners: set[str]) -> _Timeline:
        other = _Timeline()
        other.rebuild([b for b in self.raw if b.owner not in owners])
        return other

    def rebuild(self, items: list[_Busy]) -> None:
        """Everything from ``items`` at once: one sort and one pass."""
        self.raw = items
        self.starts, self.ends = [], []
        self.by_start, self.by_end = {}, {}
        for item in sorted(items, key=lambda b: b.lo):
            self.by_start.setdefault(item.lo, []).append((item.sphere, item.draining))
            self.by_end.setdefault(item.hi, []).append((item.sphere, item.draining))
            if self.ends and item.lo <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], item.hi)
            else:
                self.starts.append(item.lo)
                self.ends.append(item.hi)

    def free_in(self, windows: Iterable[Interval]) -> list[Interval]:
        out: list[Interval] = []
        starts, ends = self.starts, self.ends
        for a, b in windows:
            i = bisect.bisect_right(ends, a)
            cur = a
            while i < len(starts) and starts[i] < b:
                if starts[i] > cur:
                    out.append((cur, starts[i]))
                cur = max(cur, ends[i])
                i += 1
            if cur < b:
                out.append((cur, b))
        return out

    def is_free(self, lo: int, hi: int) -> bool:
        i = bisect.bisect_right(self.ends, lo)
        return not (i < len(self.starts) and self.starts[i] < hi)

    def touches(self, lo: int, hi: int, pred: Callable[[_Neighbour], bool]) -> bool:
        return any(pred(n) for n in self.by_end.get(lo, ())) or any(
            pred(n) for n in self.by_start.get(hi, ()))


# --- allowed time -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Allowed:
    """What a block may use on one day, before busy time and its own window."""

    windows: list[Interval]
    noun: str  # "work hours", "afternoon", "waking hours": what the windows are
    longest: int  # the longest window, seconds


class _Rules:
    """The settings turned into allowed windows per day and kind of block (cached)."""

    def __init__(self, zone: ZoneInfo, settings: Settings) -> None:
        self.zone = zone
        self.settings = settings
        self._cache: dict[tuple[date, tuple[PartOfDay | None, str | None, bool]], _Allowed] = {}
        self._waking: dict[date, Interval] = {}
        self._templates: dict[tuple[int, object], tuple[list[Interval], str]] = {}

    def waking(self, day: date) -> Interval:
        found = self._waking.get(day)
        if found is None:
            s = self.settings
            found = self._waking[day] = _wall_range(day, s.day_start, s.day_end, self.zone)
        return found

    def hours_key(self, block: Block) -> str | None:
        s = self.settings
        key = block.sphere if block.sphere in s.working_hours else s.parent_of(block.sphere)
        return key if key in s.working_hours else None

    def kind(self, block: Block) -> tuple[PartOfDay | None, str | None, bool]:
        """What decides a block's allowed time: part of day, hours looked up, work or not."""
        return (block.part_of_day, self.hours_key(block),
                self.settings.parent_of(block.sphere) == WORK)

    def allowed(self, block: Block, day: date,
                kind: tuple[PartOfDay | None, str | None, bool] | None = None) -> _Allowed:
        kind = kind or self.kind(block)
        found = self._cache.get((day, kind))
        if found is None:
            found = self._cache[(day, kind)] = self._shifted(day, kind)
        return found

    def _shifted(self, day: date, kind: tuple[PartOfDay | None, str | None, bool]) -> _Allowed:
        """On a day without a clock change every wall time is midnight plus so many
        seconds, so one computed weekday serves every other like it."""
        midnight = _wall(day, time(0), self.zone)
        next_midnight = _wall(day + timedelta(days=1), time(0), self.zone)
        if next_midnight - midnight != 86_400:
            return self._compute(day, kind)  # a DST day: worked out in full
        template = self._templates.get((day.weekday(), kind))
        if template is None:
            found = self._compute(day, kind)
            self._templates[(day.weekday(), kind)] = (
                [(a - midnight, b - midnight) for a, b in found.windows], found.noun)
            return found
        offsets, noun = template
        windows = [(midnight + a, midnight + b) for a, b in offsets]
        return _Allowed(windows, noun, max((b - a for a, b in windows), default=0))

    def _weekly(self, day: date, ranges: Sequence[TimeRange]) -> list[Interval]:
        return merge([_wall_range(day, a, b, self.zone) for a, b in ranges])

    def _compute(self, day: date, kind: tuple[PartOfDay | None, str | None, bool]) -> _Allowed:
        part, key, is_work = kind
        s = self.settings
        weekday = day.weekday()
        windows = [self.waking(day)]
        nouns: list[str] = []
        if part is not None:
            h1, h2 = PART_OF_DAY_HOURS[part]
            windows = intersect(windows, [_wall_range(day, time(h1), time(h2 % 24), self.zone)])
            nouns.append(part.value)
        if key is not None:
            windows = intersect(windows, self._weekly(day, s.working_hours[key].get(weekday, ())))
            nouns.append(f"{key} hours")
        if is_work:
            blocked = list(self._weekly(day, s.protected.get(weekday, ())))
            if weekday in s.shutdown:
                blocked.append(_wall_range(day, s.shutdown[weekday], time(0), self.zone))
            windows = subtract(windows, merge(blocked))
        return _Allowed(windows, " ".join(nouns) or "waking hours",
                        max((b - a for a, b in windows), default=0))


# --- one block's window -------------------------------------------------------------


def block_window(block: Block, now: datetime, zone: ZoneInfo
                 ) -> tuple[datetime, datetime | None]:
    """Where ``block`` may go as of ``now``: from max(now, earliest, its day) to its
    deadline (None: no deadline, it rolls forward)."""
    lo = max(_ts(now, zone), _base(block, zone))
    hi = _ts(block.deadline, zone) if block.deadline is not None else None
    return _local(lo, zone), (_local(hi, zone) if hi is not None else None)


def _base(block: Block, zone: ZoneInfo) -> int:
    """The earliest moment the block's own fields allow (its day and ``earliest``)."""
    lo = -_INF
    if block.earliest is not None:
        lo = _ts(block.earliest, zone)
    if block.day is not None:
        lo = max(lo, _wall(block.day, time(0), zone))
    return lo


def _precedence(block: Block, zone: ZoneInfo) -> tuple[object, ...]:
    deadline = _ts(block.deadline, zone) if block.deadline is not None else _INF
    duration = int(block.duration.total_seconds()) if block.duration else 0
    return (-block.priority, deadline, _base(block, zone), -duration,
            block.part_of_day.value if block.part_of_day else "", block.sphere,
            block.energy.value if block.energy else "",
            int(block.min_chunk.total_seconds()) if block.min_chunk else 0,
            block.title, block.notes,
            # Fields that rarely decide anything still come before the id: two blocks
            # that differ only here must not swap places when ids change (a re-import).
            _ts(block.earliest, zone) if block.earliest is not None else -_INF,
            block.day.toordinal() if block.day is not None else 0,
            _ts(block.pinned_start, zone) if block.pinned_start is not None else -_INF,
            tuple((_ts(a, zone), _ts(b, zone)) for a, b in block.planned),
            block.id)


@dataclass(slots=True)
class _Tried:
    """What placing one block met, for the reason when it fits nowhere."""

    days: list[date] = field(default_factory=list)
    allowed_after_now: bool = False
    allowed_earlier_today: bool = False
    largest: int = 0  # longest usable free run, seconds
    longest_allowed: int = 0  # longest allowed run, busy or not, seconds
    most_in_chunks: int = 0  # most free time in chunks >= min_chunk on one day
    noun: str = "waking hours"
    capped: bool = False  # the window runs past the horizon (or has no deadline)


# --- the planner --------------------------------------------------------------------


class _Planner:
    def __init__(self, zone: ZoneInfo, settings: Settings, now: datetime,
                 fixed_on: Callable[[date], Sequence[Occurrence]], horizon: int) -> None:
        self._offsets: dict[int, int] = {}
        self._days: dict[date, Interval] = {}
        self.calendar: list[tuple[date, int, int]] = []  # today onwards, with midnights
        self.zone = zone
        self.settings = settings
        self.rules = _Rules(zone, settings)
        self.grid = max(1, int(settings.granularity.total_seconds()))
        self.now = _ts(now, zone)
        self.today = _local(self.now, zone).date()
        self.today_start = _wall(self.today, time(0), zone)
        self.floor = self._snap_up(self.now)
        self.fixed_on = fixed_on
        self.horizon = max(1, horizon)
        self.timeline = _Timeline()
        self.loaded: set[date] = set()
        self.seen_fixed: set[tuple[str, int, int]] = set()
        self.chunks: dict[str, list[Interval]] = {}
        self.unplaced: dict[str, str] = {}
        self.displaced: set[str] = set()
        self.kept: set[str] = set()  # kept from before, movable if it must be
        self.blocks: dict[str, Block] = {}
        self.full: dict[tuple[object, ...], dict[date, int]] = {}  # kind -> day -> run

    # -- the grid and days

    def _offset(self, ts: int) -> int:
        # Clocks change on the quarter hour at most, so a quarter hour has one offset.
        bucket = ts // 900
        found = self._offsets.get(bucket)
        if found is None:
            utc_offset = _local(bucket * 900, self.zone).utcoffset()
            assert utc_offset is not None
            found = self._offsets[bucket] = int(utc_offset.total_seconds())
        return found

    def _day_span(self, day: date) -> Interval:
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = (_wall(day, time(0), self.zone),
                                       _wall(day + timedelta(days=1), time(0), self.zone))
        return found

    def _snap_up(self, ts: int) -> int:
        off = self._offset(ts)
        return -(-(ts + off) // self.grid) * self.grid - off

    def _snap_down(self, ts: int) -> int:
        off = self._offset(ts)
        return (ts + off) // self.grid * self.grid - off

    def _day_of(self, ts: int) -> date:
        return _local(ts, self.zone).date()

    def load(self, day: date) -> None:
        """Put the fixed occurrences overlapping ``day`` on the timeline (once)."""
        if day in self.loaded:
            return
        self.loaded.add(day)
        zone = self.zone
        for occ in self.fixed_on(day):
            start, end, block = occ.start, occ.end, occ.block
            if block.transparent or not (isinstance(start, datetime)
                                         and isinstance(end, datetime)):
                continue  # shown but not blocking, or all day
            lo = int(start.timestamp() if start.tzinfo else _ts(start, zone))
            hi = int(end.timestamp() if end.tzinfo else _ts(end, zone))
            key = (block.id, lo, hi)
            if key in self.seen_fixed:  # a night event is in two days' lists
                continue
            self.seen_fixed.add(key)
            if occ.block.travel:
                lo -= int(occ.block.travel.total_seconds())
            if lo < hi:
                self.timeline.occupy(_Busy(lo, hi, None, occ.block.sphere,
                                           occ.block.energy is Energy.DRAINING))

    def _load_span(self, lo: int, hi: int) -> None:
        day, last = self._day_of(lo), self._day_of(max(lo, hi - 1))
        while day <= last:
            self.load(day)
            day += timedelta(days=1)

    def _occupy(self, block: Block, chunks: list[Interval]) -> None:
        draining = block.energy is Energy.DRAINING
        for lo, hi in chunks:
            self.timeline.occupy(_Busy(lo, hi, block.id, block.sphere, draining))
            # What was known about the free time of these days is out of date now.
            first, last = self._day_of(lo), self._day_of(max(lo, hi - 1))
            for memo in self.full.values():
                memo.pop(first, None)
                memo.pop(last, None)
        self.chunks[block.id] = list(chunks)

    # -- the window of one block

    def bounds(self, block: Block) -> tuple[int, int]:
        lo = max(self.floor, _base(block, self.zone))
        hi = _ts(block.deadline, self.zone) if block.deadline is not None else _INF
        return lo, hi

    def days(self, lo: int, hi: int) -> tuple[list[tuple[date, int, int]], bool]:
        """The days of the window [lo, hi) to try, at most ``horizon`` of them, each with
        its midnights; and whether the window runs past them (no deadline or a far one)."""
        first = self._day_of(lo)
        last = first + timedelta(days=self.horizon - 1)
        capped = True
        if hi < _INF:
            due = self._day_of(hi - 1)
            if due <= last:
                last, capped = due, False
        offset = (first - self.today).days
        count = (last - first).days + 1
        if offset < 0 or count <= 0:
            return [(d, *self._day_span(d)) for d in
                    (first + timedelta(days=n) for n in range(max(0, count)))], capped
        while len(self.calendar) < offset + count:
            day = self.today + timedelta(days=len(self.calendar))
            self.calendar.append((day, *self._day_span(day)))
        return self.calendar[offset:offset + count], capped

    # -- keeping what still holds

    def still_valid(self, block: Block) -> list[Interval] | None:
        chunks = sorted((_ts(s, self.zone), _ts(e, self.zone)) for s, e in block.planned)
        duration = int(block.duration.total_seconds()) if block.duration else 0
        if not chunks or sum(hi - lo for lo, hi in chunks) != duration:
            return None
        if len(chunks) > 1 and (block.min_chunk is None or any(
                hi - lo < block.min_chunk.total_seconds() for lo, hi in chunks)):
            return None
        first = max(self.today_start, _base(block, self.zone))
        due = _ts(block.deadline, self.zone) if block.deadline is not None else _INF
        for lo, hi in chunks:
            if lo >= hi or lo < first or hi > due:
                return None
            allowed = self.rules.allowed(block, self._day_of(lo)).windows
            if not any(a <= lo and hi <= b for a, b in allowed):
                return None
            self._load_span(lo, hi)
            if not self.timeline.is_free(lo, hi):
                return None
        for (_, a_hi), (b_lo, _) in itertools.pairwise(chunks):
            if b_lo < a_hi:
                return None
        return chunks

    # -- placing

    def place(self, block: Block, tried: _Tried | None = None) -> bool:
        """Place ``block`` as early as fits in its window; False if it fits nowhere."""
        assert block.duration is not None
        dur = int(block.duration.total_seconds())
        lo, hi = self.bounds(block)
        if hi <= lo:
            return False
        days, capped = self.days(lo, hi)
        kind = self.rules.kind(block)
        # Largest free run per day found so far for this kind of block (whole days only):
        # a day already too full is passed over with one lookup. Free time only shrinks
        # while planning, so the figure stays an upper bound (cleared on displacement).
        full = self.full.setdefault(kind, {}) if block.min_chunk is None else {}
        if tried is not None:
            tried.capped = capped
            tried.noun = self.rules.allowed(block, days[0][0], kind).noun if days else tried.noun
        for day, start, end in days:
            whole_day = lo <= start and hi >= end
            if whole_day and full.get(day, _INF) < dur:
                if tried is not None:
                    tried.days.append(day)
                    tried.allowed_after_now = True  # it was looked at: it had allowed time
                    tried.largest = max(tried.largest, full[day])
                    tried.longest_allowed = max(tried.longest_allowed,
                                                self.rules.allowed(block, day, kind).longest)
                continue
            allowed = self.rules.allowed(block, day, kind)
            if tried is not None:
                tried.days.append(day)
                if day == self.today and _clip(allowed.windows, self.today_start,
                                               min(self.floor, hi)):
                    tried.allowed_earlier_today = True
            windows = allowed.windows if whole_day else _clip(allowed.windows, lo, hi)
            if not windows:
                continue
            if tried is not None:
                tried.allowed_after_now = True
                longest = allowed.longest if whole_day else max(b - a for a, b in windows)
                tried.longest_allowed = max(tried.longest_allowed, longest)
            self.load(day)
            gaps = self.timeline.free_in(windows)
            slot = self._best_slot(block, gaps, dur)
            if slot is not None:
                self._occupy(block, [(slot, slot + dur)])
                return True
            if block.min_chunk:
                chunks = self._chunks(gaps, dur, int(block.min_chunk.total_seconds()))
                if chunks:
                    self._occupy(block, chunks)
                    return True
            usable = [max(0, b - self._snap_up(a)) for a, b in gaps]
            largest = max(usable, default=0)
            if whole_day and block.min_chunk is None:
                full[day] = largest
            if tried is not None:
                tried.largest = max(tried.largest, largest)
                if block.min_chunk:
                    chunk = int(block.min_chunk.total_seconds())
                    tried.most_in_chunks = max(tried.most_in_chunks,
                                               sum(u for u in usable if u >= chunk))
        return False

    def _best_slot(self, block: Block, gaps: list[Interval], dur: int) -> int | None:
        draining = block.energy is Energy.DRAINING
        cands: list[tuple[int, int]] = []  # (start, gap index)
        for gi, (a, b) in enumerate(gaps):
            first, last = self._snap_up(a), self._snap_down(b - dur)
            if first > last:
                continue
            starts = {first, last}
            if draining:
                starts |= {x for x in (first + self.grid, last - self.grid) if first <= x <= last}
            cands.extend((s, gi) for s in starts)
        if not cands:
            return None
        cands.sort()
        line = self.timeline
        if draining:
            calm = [c for c in cands if not line.touches(c[0], c[0] + dur, lambda n: n[1])]
            cands = calm or cands
        start, gap = cands[0]
        for s, gi in cands:
            if gi == gap and line.touches(s, s + dur, lambda n: n[0] == block.sphere):
                return s
        return start

    def _chunks(self, gaps: list[Interval], dur: int, min_chunk: int) -> list[Interval]:
        min_chunk = max(1, min_chunk)
        left = dur
        out: list[Interval] = []
        for a, b in gaps:
            s = self._snap_up(a)
            length = min(left, b - s)
            if 0 < left - length < min_chunk:  # keep the rest big enough for a later chunk
                length = left - min_chunk
            if length < min_chunk:
                continue
            out.append((s, s + length))
            left -= length
            if left == 0:
                return out
        return []

    # -- making room

    def displace(self, block: Block) -> bool:
        """Fit ``block`` by moving kept placements that can go elsewhere (fewest first)."""
        assert block.duration is not None
        dur = int(block.duration.total_seconds())
        movable = {bid for bid in self.kept
                   if self.blocks[bid].priority <= block.priority
                   and min(lo for lo, _ in self.chunks[bid]) >= self.floor}
        if not movable:
            return False
        lo, hi = self.bounds(block)
        if hi <= lo:
            return False
        days = [d for d, _, _ in self.days(lo, hi)[0]]
        for day in days:
            self.load(day)
        relaxed = self.timeline.without(movable)
        owned = sorted((lo_, hi_, bid) for bid in movable for lo_, hi_ in self.chunks[bid])
        cands: list[tuple[int, int, int, frozenset[str]]] = []
        for n, day in enumerate(days):
            windows = intersect(self.rules.allowed(block, day).windows, [(lo, hi)])
            if not windows:
                continue
            for a, b in relaxed.free_in(windows):
                first, last = self._snap_up(a), self._snap_down(b - dur)
                if first > last:
                    continue
                starts = {first, last}
                for c_lo, c_hi, _ in owned:
                    if a <= c_hi <= b:
                        starts.add(self._snap_up(c_hi))
                    if a <= c_lo <= b:
                        starts.add(self._snap_down(c_lo - dur))
                for s in starts:
                    if first <= s <= last:
                        hit = frozenset(bid for c_lo, c_hi, bid in owned
                                        if c_lo < s + dur and c_hi > s)
                        if hit:
                            cands.append((len(hit), n, s, hit))
        cands.sort(key=lambda c: (c[0], c[1], c[2], sorted(c[3])))
        for _, _, start, hit in cands[:_DISPLACE_TRIES]:
            if self._try_displace(block, start, dur, hit):
                return True
        return False

    def _try_displace(self, block: Block, start: int, dur: int, hit: frozenset[str]) -> bool:
        before = {bid: self.chunks[bid] for bid in hit}
        self.timeline.release(set(hit))
        self.full.clear()  # free time grew: what was full may not be
        for bid in hit:
            del self.chunks[bid]
        self._occupy(block, [(start, start + dur)])
        moved: list[str] = []
        for bid in sorted(hit, key=lambda b: _precedence(self.blocks[b], self.zone)):
            if not self.place(self.blocks[bid]):
                self.timeline.release({block.id, *moved})
                for gone in (block.id, *moved):
                    del self.chunks[gone]
                for bid_back, chunks in before.items():
                    self._occupy(self.blocks[bid_back], chunks)
                self.full.clear()
                return False
            moved.append(bid)
        for bid in hit:
            self.kept.discard(bid)
            self.displaced.add(bid)
        return True

    # -- reasons

    def _day_text(self, day: date) -> str:
        delta = (day - self.today).days
        if delta == 0:
            return "today"
        if delta == 1:
            return "tomorrow"
        if delta == -1:
            return "yesterday"
        if 1 < delta < 7:
            return DAY_NAMES[day.weekday()]
        return f"{_SHORT_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"

    def _moment_text(self, ts: int, *, deadline: bool = False) -> str:
        local = _local(ts, self.zone)
        if deadline and local.time() == time(0):
            return f"end of {self._day_text(local.date() - timedelta(days=1))}"
        return f"{self._day_text(local.date())} {local:%H:%M}"

    def _horizon_text(self) -> str:
        if self.horizon >= 14 and self.horizon % 7 == 0:
            return f"in the next {self.horizon // 7} weeks"
        return "today" if self.horizon == 1 else f"in the next {self.horizon} days"

    def reason(self, block: Block, tried: _Tried) -> str:
        assert block.duration is not None
        lo, hi = self.bounds(block)
        need = format_duration(block.duration)
        if hi <= self.now:
            return f"the deadline ({self._moment_text(hi, deadline=True)}) has passed"
        if hi <= lo:
            return (f"it may start only {self._moment_text(lo)}, after its deadline "
                    f"({self._moment_text(hi, deadline=True)})")
        noun = tried.noun
        are = "are" if noun.endswith("hours") else "is"
        due = self._moment_text(hi, deadline=True) if hi < _INF else ""
        if not tried.allowed_after_now:
            if tried.allowed_earlier_today and len(tried.days) == 1:
                return f"today's {noun} {are} over, and it is due {due}"
            start = "now" if lo <= self.floor else self._moment_text(lo)
            if not tried.capped:
                return f"there are no {_plural(noun)} between {start} and the deadline ({due})"
            return f"there are no {_plural(noun)} {self._horizon_text()}"
        before = " before the deadline" if not tried.capped else ""
        if len(tried.days) == 1 and not tried.capped:
            day = tried.days[0]
            text = self._day_text(day)
            where = (f"{text}'s {noun}" if text in ("today", "tomorrow") or text in DAY_NAMES
                     else f"the {noun} on {text}")
            where = f"{where[0].upper()}{where[1:]}"
            full = f"{where} {are} full"
            short = f"{where} {are} only {{}} long{before}"
        else:
            scope = (self._horizon_text() if tried.capped
                     else f"until {self._day_text(tried.days[-1])}")
            full = f"{_plural(noun).capitalize()} {scope} are full"
            short = f"{_plural(noun).capitalize()} {scope} are at most {{}} long"
        if block.min_chunk is None and 0 < tried.longest_allowed < block.duration.total_seconds():
            # Not a matter of busy time: the allowed time itself is too short.
            longest = format_duration(timedelta(seconds=tried.longest_allowed))
            return f"{short.format(longest)}; it needs {need}"
        if block.min_chunk:
            smallest = format_duration(block.min_chunk)
            pieces = f"{full}; needs {need} in pieces of at least {smallest}"
            if tried.most_in_chunks <= 0:
                return f"{pieces}, and no free piece is that long{before}"
            return (f"{pieces}, and at most "
                    f"{format_duration(timedelta(seconds=tried.most_in_chunks))} is free on "
                    f"one day{before}")
        if tried.largest <= 0:
            return f"{full}; needs {need} and nothing is free{before}"
        return (f"{full}; needs {need}, the largest free slot{before} is "
                f"{format_duration(timedelta(seconds=tried.largest))}")

    # -- the whole plan

    def run(self, blocks: Sequence[Block]) -> Plan:
        todo = sorted((b for b in blocks if b.is_flexible and not b.done),
                      key=lambda b: _precedence(b, self.zone))
        pinned: list[Block] = []
        rest: list[Block] = []
        for block in todo:
            if block.id in self.blocks:
                continue  # the same block twice: the first one counts
            self.blocks[block.id] = block
            if not block.duration or block.duration <= timedelta(0):
                self.unplaced[block.id] = "it has no duration"
            elif block.pinned_start is not None:
                pinned.append(block)
            else:
                rest.append(block)
        for block in pinned:
            assert block.pinned_start is not None and block.duration is not None
            lo = _ts(block.pinned_start, self.zone)
            hi = lo + int(block.duration.total_seconds())
            self._load_span(lo, hi)
            self._occupy(block, [(lo, hi)])
        fresh: list[Block] = []
        for block in rest:
            chunks = self.still_valid(block) if block.planned else None
            if chunks is None:
                fresh.append(block)
            else:
                self._occupy(block, chunks)
                self.kept.add(block.id)
        for block in fresh:
            tried = _Tried()
            # Only a block new to the plan (just added or changed: no place, no reason
            # yet) may make room; one already found not to fit keeps its reason, so a
            # re-plan with nothing new moves nothing.
            new = not block.planned and not block.plan_note
            if self.place(block, tried) or (new and self.displace(block)):
                continue
            self.unplaced[block.id] = self.reason(block, tried)
        placements = {
            bid: tuple(Placement(bid, _local(lo, self.zone), _local(hi, self.zone))
                       for lo, hi in sorted(chunks))
            for bid, chunks in self.chunks.items()}
        return Plan(placements, dict(self.unplaced), frozenset(self.displaced))


def _clip(windows: list[Interval], lo: int, hi: int) -> list[Interval]:
    """Sorted disjoint ``windows`` cut to [lo, hi) (no merging needed: they already are)."""
    out = []
    for a, b in windows:
        a, b = max(a, lo), min(b, hi)
        if a < b:
            out.append((a, b))
    return out


def _plural(noun: str) -> str:
    return noun if noun.endswith("hours") else noun + "s"


def plan_horizon(blocks: Sequence[Block], *, zone: ZoneInfo, settings: Settings,
                 now: datetime, fixed_on: Callable[[date], Sequence[Occurrence]],
                 horizon: int = HORIZON_DAYS) -> Plan:
    """Plan every open flexible block in ``blocks`` as of ``now`` (see the module rules).

    ``fixed_on(day)`` gives the fixed occurrences overlapping ``day`` (midnight to
    midnight in ``zone``); it is asked only for days the plan needs. ``Block.planned``
    is each block's current placement, kept while it is still valid.
    """
    return _Planner(zone, settings, now, fixed_on, horizon).run(blocks)


# --- bridges ------------------------------------------------------------------------


def day_bridges(day: date, zone: ZoneInfo, fixed: Sequence[Occurrence],
                placed: Sequence[Occurrence], settings: Settings) -> list[Placement]:
    """Transition blocks for ``day``: with ``settings.bridge`` > 0, wherever consecutive
    timed blocks switch from a work-parent sphere to a personal-parent one, a bridge
    right after the work block (first grid start at or after its end) if it fits in
    free waking time before the personal block begins. Ids ``bridge:<date>:<n>``."""
    length = int(settings.bridge.total_seconds())
    if length <= 0:
        return []
    grid = max(1, int(settings.granularity.total_seconds()))
    waking = _wall_range(day, settings.day_start, settings.day_end, zone)
    line = _Timeline()
    entries: list[tuple[int, int, str]] = []
    for occ in [*fixed, *placed]:
        if not (occ.blocks_time and isinstance(occ.start, datetime)
                and isinstance(occ.end, datetime)):
            continue
        lo, hi = _ts(occ.start, zone), _ts(occ.end, zone)
        if occ.block.travel:
            lo -= int(occ.block.travel.total_seconds())
        if lo < hi:
            line.occupy(_Busy(lo, hi, None, occ.block.sphere, False))
            entries.append((lo, hi, occ.block.sphere))
    bridges: list[Placement] = []
    for prev, nxt in itertools.pairwise(sorted(entries)):
        if settings.parent_of(prev[2]) != WORK or settings.parent_of(nxt[2]) == WORK:
            continue
        off = int(_local(prev[1], zone).utcoffset().total_seconds())  # type: ignore[union-attr]
        lo = -(-(prev[1] + off) // grid) * grid - off
        hi = lo + length
        if hi > nxt[0] or lo < waking[0] or hi > waking[1] or not line.is_free(lo, hi):
            continue
        bridges.append(Placement(f"bridge:{day.isoformat()}:{len(bridges) + 1}",
                                 _local(lo, zone), _local(hi, zone)))
        line.occupy(_Busy(lo, hi, None, "bridge", False))  # two switches never share one
    return bridges
