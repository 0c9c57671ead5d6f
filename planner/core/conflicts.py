"""Double bookings: where two or more blocks at a set time run at once (pure core, light).

Apart from insights so that `planner agenda` can mark them without loading insights.
A block at a set time is a fixed one or a pinned flexible one: the planner never puts a
free flexible block over anything, but a person may pin one over a meeting, and that is
as much a double booking to resolve. Only blocking ones count (not all-day, not
transparent); each is clipped to the day (midnight to midnight in the viewing zone);
floating times are wall times there. Overlaps that touch or chain make one conflict
naming every block in it.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from planner.core.model import Kind, Moment, Occurrence
from planner.core.moments import in_zone


@dataclass(frozen=True, slots=True)
class Conflict:
    """Blocks at a set time booked at once: from ``start`` to ``end`` (aware, in the
    viewing zone) at least two of them run at the same time."""

    start: datetime
    end: datetime
    block_ids: tuple[str, ...]
    titles: tuple[str, ...]
    occurrences: tuple[Occurrence, ...] = field(default=(), compare=False, repr=False)

    @property
    def minutes(self) -> int:
        return int((self.end.timestamp() - self.start.timestamp()) // 60)


def at_set_time(occ: Occurrence) -> bool:
    """Fixed, or pinned by the person: a time the planner does not choose."""
    return occ.block.kind is Kind.FIXED or occ.block.pinned_start is not None


def day_conflicts(day: date, occurrences: Sequence[Occurrence], zone: ZoneInfo
                  ) -> list[Conflict]:
    """The double bookings of ``day``.

    A sweep counts how many run at each moment; a second pass names who is in each
    conflict. A day of 10,000 hour-long events starting a second apart costs two sorts.
    """
    lo_day = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    hi_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    fixed: list[tuple[datetime, datetime, Occurrence]] = []
    for occ in occurrences:
        if not at_set_time(occ) or occ.all_day or occ.block.transparent:
            continue
        if not (isinstance(occ.start, datetime) and isinstance(occ.end, datetime)):
            continue
        start = max(in_zone(occ.start, zone).astimezone(UTC), lo_day)
        end = min(in_zone(occ.end, zone).astimezone(UTC), hi_day)
        if start < end:
            fixed.append((start, end, occ))
    fixed.sort(key=lambda f: (f[0], f[1], f[2].block.title, f[2].block.id))
    # At one instant ends come before starts: touching blocks do not overlap.
    events = sorted([(f[0], 1) for f in fixed] + [(f[1], -1) for f in fixed])
    ranges: list[list[datetime]] = []
    depth = 0
    previous: datetime | None = None
    for moment, step in events:
        if previous is not None and moment > previous and depth >= 2:
            if ranges and ranges[-1][1] == previous:  # chained overlaps make one conflict
                ranges[-1][1] = moment
            else:
                ranges.append([previous, moment])
        depth += step
        previous = moment
    found: list[Conflict] = []
    starts = [f[0] for f in fixed]
    for lo, hi in ranges:
        members = [f[2] for f in fixed[:bisect.bisect_left(starts, hi)] if f[1] > lo]
        found.append(Conflict(lo.astimezone(zone), hi.astimezone(zone),
                              tuple(o.block.id for o in members),
                              tuple(o.title for o in members), tuple(members)))
    return found


def conflict_keys(conflicts: Sequence[Conflict]) -> set[tuple[str, Moment]]:
    """(block id, start) of every occurrence double-booked in ``conflicts``."""
    return {(o.block.id, o.start) for c in conflicts for o in c.occurrences}
