"""Place flexible blocks into the free time of a day (pure core, no I/O, no clock).

How a day is planned
--------------------
* Time is handled as integer UTC epoch seconds and interval lists, never as a
  minute-by-minute array; results are converted back to aware datetimes in ``zone``.
* Free time is the waking hours ``[settings.day_start, settings.day_end]`` of the day
  (wall times in ``zone``; an end at or before the start, or 23:59:59, means the next
  midnight) minus busy time. Busy time is every blocking fixed occurrence (not all-day,
  not transparent), stretched back by its block's ``travel`` lead-in, plus everything
  placed so far. Naive (floating) fixed times are wall times in ``zone``.
* A flexible block may only go inside its *allowed windows*: waking hours intersected
  with ``[earliest, deadline]``, its ``part_of_day`` hours, its sphere's working hours
  (looked up by sphere, then by the sphere's parent; a weekday without an entry means
  no hours that day) and, for work-parent spheres, outside ``settings.protected`` hours
  and before ``settings.shutdown`` of that weekday.
* Order: pinned blocks first (placed exactly at ``pinned_start``, even over other
  things, because the user chose it), then higher ``priority``, earlier ``deadline``
  (none last), longer ``duration``, then ``id``. ``done`` blocks are skipped silently.
* Starts lie on the ``settings.granularity`` grid of the wall clock.

Choosing a slot (the exact rule)
--------------------------------
Each free gap inside the allowed windows offers two candidate starts: the earliest grid
start in it (touching whatever ends the gap on the left) and the latest grid start that
still fits (touching whatever begins on the right). A draining block also gets each of
those moved one grid step inwards.

1. Energy: a ``draining`` block drops every candidate that touches another draining
   block (fixed or placed), unless that would drop them all.
2. The earliest remaining candidate wins, except that within the *same* gap a candidate
   touching a block of the same sphere is preferred (the earliest such). Moving inside
   one gap leaves the rest of that gap in one piece, so grouping there costs nothing;
   the planner never moves a block to a later gap just to group it.
3. If nothing fits in one piece and ``min_chunk`` is set, the block is split greedily,
   earliest gap first, into chunks of at least ``min_chunk`` (one ``Placement`` each,
   same ``block_id``); if the chunks cannot cover the whole duration nothing is placed.

Bridges: with ``settings.bridge > 0``, after placing, every place where consecutive
timed blocks switch from a work-parent block to a personal-parent block gets a bridge
right after the work block (first grid start at or after its end) when it fits in free
waking time before the personal block begins. Ids are ``bridge:<YYYY-MM-DD>:<n>``.

Across several days (``plan_days``) a block is tried on each of its candidate days in
order and goes on the first one where it fits; its reason is reported only on the last
candidate day.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Mapping, Sequence
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
    Placement,
    PlanResult,
    Unplaced,
)
from planner.core.settings import Settings, TimeRange
from planner.core.when import format_duration  # one wording for durations everywhere

__all__ = ["format_duration", "plan_day", "plan_days"]

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_END_OF_DAY = time(23, 59, 59)
_INF = 2**62

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
    if moment.tzinfo is None:  # floating: wall time in the viewing zone
        moment = moment.replace(tzinfo=zone)
    return int(moment.timestamp())


def _local(ts: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ts, tz=zone)


# --- one day ------------------------------------------------------------------------


@dataclass
class _Entry:
    """A timed thing on the day's timeline, for adjacency and bridges."""

    start: int
    end: int
    sphere: str


@dataclass
class _Day:
    """Mutable planning state for one day: busy intervals and who touches where."""

    day: date
    zone: ZoneInfo
    settings: Settings
    waking: Interval = (0, 0)
    grid: int = 300
    starts: list[int] = field(default_factory=list)  # merged busy intervals
    ends: list[int] = field(default_factory=list)
    by_start: dict[int, list[_Neighbour]] = field(default_factory=dict)
    by_end: dict[int, list[_Neighbour]] = field(default_factory=dict)
    entries: list[_Entry] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)

    @classmethod
    def build(cls, day: date, zone: ZoneInfo, fixed: Sequence[Occurrence],
              settings: Settings, not_before: datetime | None = None) -> _Day:
        self = cls(day, zone, settings)
        self.waking = _wall_range(day, settings.day_start, settings.day_end, zone)
        self.grid = max(1, int(settings.granularity.total_seconds()))
        if not_before is not None:
            # The part of today already gone is no use to a task not yet done.
            lo, hi = self.waking
            now = -(-_ts(not_before, zone) // self.grid) * self.grid  # next grid step
            self.waking = (min(max(lo, now), hi), hi)
        for occ in fixed:
            if not (occ.blocks_time and isinstance(occ.start, datetime)
                    and isinstance(occ.end, datetime)):
                continue
            lo, hi = _ts(occ.start, zone), _ts(occ.end, zone)
            if occ.block.travel:
                lo -= int(occ.block.travel.total_seconds())
            if lo < hi:
                self._occupy(lo, hi, occ.block.sphere, occ.block.energy is Energy.DRAINING)
        return self

    # -- bookkeeping

    def _occupy(self, lo: int, hi: int, sphere: str, draining: bool) -> None:
        self.by_start.setdefault(lo, []).append((sphere, draining))
        self.by_end.setdefault(hi, []).append((sphere, draining))
        self.entries.append(_Entry(lo, hi, sphere))
        i = bisect.bisect_left(self.ends, lo)  # first interval that ends at/after lo
        j = bisect.bisect_right(self.starts, hi)  # intervals [i, j) touch or overlap
        if i < j:
            lo = min(lo, self.starts[i])
            hi = max(hi, self.ends[j - 1])
        self.starts[i:j] = [lo]
        self.ends[i:j] = [hi]

    def _free_in(self, windows: list[Interval]) -> list[Interval]:
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

    def _is_free(self, lo: int, hi: int) -> bool:
        i = bisect.bisect_right(self.ends, lo)
        return not (i < len(self.starts) and self.starts[i] < hi)

    def _touches(self, lo: int, hi: int, pred: Callable[[_Neighbour], bool]) -> bool:
        return any(pred(n) for n in self.by_end.get(lo, ())) or any(
            pred(n) for n in self.by_start.get(hi, ()))

    def _snap_up(self, ts: int) -> int:
        off = int(_local(ts, self.zone).utcoffset().total_seconds())  # type: ignore[union-attr]
        return -(-(ts + off) // self.grid) * self.grid - off

    def _snap_down(self, ts: int) -> int:
        off = int(_local(ts, self.zone).utcoffset().total_seconds())  # type: ignore[union-attr]
        return (ts + off) // self.grid * self.grid - off

    def _fmt(self, ts: int) -> str:
        local = _local(ts, self.zone)
        return local.strftime("%H:%M" if local.date() == self.day else "%Y-%m-%d %H:%M")

    def _add(self, block: Block, chunks: list[Interval]) -> None:
        draining = block.energy is Energy.DRAINING
        for lo, hi in chunks:
            self._occupy(lo, hi, block.sphere, draining)
            self.placements.append(
                Placement(block.id, _local(lo, self.zone), _local(hi, self.zone)))

    # -- constraints

    def _weekly(self, ranges: Sequence[TimeRange]) -> list[Interval]:
        return merge([_wall_range(self.day, a, b, self.zone) for a, b in ranges])

    def _windows(self, block: Block) -> tuple[list[Interval], str]:
        """Allowed windows and the qualifier used in reasons, or ([], reason)."""
        s = self.settings
        weekday = self.day.weekday()
        quals: list[str] = []
        windows = [self.waking]
        if block.part_of_day is not None:
            h1, h2 = PART_OF_DAY_HOURS[block.part_of_day]
            pod = _wall_range(self.day, time(h1), time(h2 % 24), self.zone)
            windows = intersect(windows, [pod])
            quals.append(f" in the {block.part_of_day.value}")
        parent = s.parent_of(block.sphere)
        key = block.sphere if block.sphere in s.working_hours else parent
        hours = s.working_hours.get(key)
        if hours is not None:
            if weekday not in hours:
                return [], f"no {key} hours on {DAY_NAMES[weekday]}"
            windows = intersect(windows, self._weekly(hours[weekday]))
            quals.append(f" in {key} hours")
        if parent == WORK:
            blocked = list(self._weekly(s.protected.get(weekday, ())))
            if weekday in s.shutdown:
                blocked.append(_wall_range(self.day, s.shutdown[weekday], time(0), self.zone))
            windows = subtract(windows, merge(blocked))
        lo = _ts(block.earliest, self.zone) if block.earliest else -_INF
        hi = _ts(block.deadline, self.zone) if block.deadline else _INF
        can_start = max(lo, self.waking[0])
        if hi <= can_start:
            return [], (f"deadline {self._fmt(hi)} is before it can start "
                        f"(earliest {self._fmt(can_start)})")
        if lo >= self.waking[1]:
            day_end = self._fmt(self.waking[1])
            return [], f"earliest {self._fmt(lo)} is after the day ends ({day_end})"
        windows = intersect(windows, [(lo, hi)])
        if block.deadline:
            quals.append(" before deadline")
        qual = "".join(quals)
        if not windows:
            return [], f"no time allowed{qual}"
        return windows, qual

    # -- placing

    def pin(self, block: Block) -> None:
        assert block.pinned_start is not None and block.duration is not None
        lo = _ts(block.pinned_start, self.zone)
        self._add(block, [(lo, lo + int(block.duration.total_seconds()))])

    def place(self, block: Block) -> str | None:
        """Place ``block``; return None on success, else the reason it did not fit."""
        if not block.duration or block.duration <= timedelta(0):
            return "has no duration"
        dur = int(block.duration.total_seconds())
        windows, qual = self._windows(block)
        if not windows:
            return qual
        gaps = self._free_in(windows)
        if not gaps:
            return f"no free time{qual}"
        slot = self._best_slot(block, gaps, dur)
        if slot is not None:
            self._add(block, [(slot, slot + dur)])
            return None
        if block.min_chunk:
            chunks = self._chunks(gaps, dur, int(block.min_chunk.total_seconds()))
            if chunks:
                self._add(block, chunks)
                return None
        usable = [max(0, b - self._snap_up(a)) for a, b in gaps]
        need = format_duration(block.duration)
        if block.min_chunk:
            chunk = int(block.min_chunk.total_seconds())
            total = timedelta(seconds=sum(u for u in usable if u >= chunk))
            return (f"needs {need} in chunks of at least {format_duration(block.min_chunk)}, "
                    f"only {format_duration(total)} free{qual}")
        largest = timedelta(seconds=max(usable))
        return f"needs {need}, largest free slot{qual} is {format_duration(largest)}"

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
        if draining:
            calm = [c for c in cands if not self._touches(c[0], c[0] + dur, lambda n: n[1])]
            cands = calm or cands
        start, gap = cands[0]
        for s, gi in cands:
            if gi == gap and self._touches(s, s + dur, lambda n: n[0] == block.sphere):
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

    def add_bridges(self) -> list[Placement]:
        s = self.settings
        length = int(s.bridge.total_seconds())
        if length <= 0:
            return []
        timeline = sorted(self.entries, key=lambda e: (e.start, e.end, e.sphere))
        bridges: list[Placement] = []
        for prev, nxt in itertools.pairwise(timeline):
            if s.parent_of(prev.sphere) != WORK or s.parent_of(nxt.sphere) == WORK:
                continue
            lo = self._snap_up(prev.end)
            hi = lo + length
            if hi > nxt.start or lo < self.waking[0] or hi > self.waking[1]:
                continue
            if not self._is_free(lo, hi):
                continue
            bridges.append(Placement(f"bridge:{self.day.isoformat()}:{len(bridges) + 1}",
                                     _local(lo, self.zone), _local(hi, self.zone)))
            self._occupy(lo, hi, "bridge", False)  # two switches must not share a bridge
        return bridges

    def result(self, bridges: list[Placement]) -> PlanResult:
        placements = sorted(self.placements, key=lambda p: (p.start, p.end, p.block_id))
        return PlanResult(tuple(placements), tuple(self.unplaced), tuple(bridges))


# --- public API ---------------------------------------------------------------------


def _order_key(block: Block, zone: ZoneInfo) -> tuple[int, int, int, str]:
    deadline = _ts(block.deadline, zone) if block.deadline else _INF
    duration = int(block.duration.total_seconds()) if block.duration else 0
    return (-block.priority, deadline, -duration, block.id)


def _pin_day(block: Block, zone: ZoneInfo) -> date | None:
    if block.pinned_start is None or not block.duration:
        return None
    return _local(_ts(block.pinned_start, zone), zone).date()


def plan_day(day: date, zone: ZoneInfo, fixed: Sequence[Occurrence],
             flexible: Sequence[Block], settings: Settings, *,
             not_before: datetime | None = None) -> PlanResult:
    """Plan ``flexible`` around ``fixed`` on ``day``; every given block is tried here.

    ``not_before`` (usually "now") keeps unpinned placements out of time already past.
    """
    state = _Day.build(day, zone, fixed, settings, not_before)
    todo = sorted((b for b in flexible if not b.done), key=lambda b: _order_key(b, zone))
    for block in todo:
        if block.pinned_start is not None and _pin_day(block, zone) == day:
            state.pin(block)
    for block in todo:
        if block.pinned_start is not None and block.duration:
            continue  # pinned to this day (done above) or to another one
        reason = state.place(block)
        if reason is not None:
            state.unplaced.append(Unplaced(block.id, reason))
    return state.result(state.add_bridges())


def _candidate_days(block: Block, days: list[date], zone: ZoneInfo) -> list[date]:
    first = days[0]
    if block.day is not None:
        first = max(first, block.day)
    if block.earliest is not None:
        first = max(first, _local(_ts(block.earliest, zone), zone).date())
    last = first
    if block.deadline is not None:
        last = max(first, _local(_ts(block.deadline, zone), zone).date())
    return [d for d in days if first <= d <= last]


def plan_days(days: Sequence[date], zone: ZoneInfo,
              fixed_by_day: Mapping[date, Sequence[Occurrence]],
              flexible: Sequence[Block], settings: Settings, *,
              not_before: datetime | None = None) -> dict[date, PlanResult]:
    """Plan several days; each block goes on the first of its candidate days where it fits."""
    ordered_days = sorted(set(days))
    if not ordered_days:
        return {}
    states = {d: _Day.build(d, zone, fixed_by_day.get(d, ()), settings, not_before)
              for d in ordered_days}
    todo = sorted((b for b in flexible if not b.done), key=lambda b: _order_key(b, zone))
    per_day: dict[date, list[tuple[Block, bool]]] = {d: [] for d in ordered_days}
    for block in todo:
        if block.pinned_start is not None and block.duration:
            pin_day = _pin_day(block, zone)
            if pin_day in states:
                states[pin_day].pin(block)
            continue
        cands = _candidate_days(block, ordered_days, zone)
        for d in cands:
            per_day[d].append((block, d == cands[-1]))
    placed: set[int] = set()  # id() of placed blocks; ids may repeat, objects don't
    for d in ordered_days:
        state = states[d]
        for block, last in per_day[d]:
            if id(block) in placed:
                continue
            reason = state.place(block)
            if reason is None:
                placed.add(id(block))
            elif last:
                state.unplaced.append(Unplaced(block.id, reason))
    return {d: states[d].result(states[d].add_bridges()) for d in ordered_days}
