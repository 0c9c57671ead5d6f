"""A month at a glance, pure: per day how many blocks, work vs personal time, clashes.

The grid runs Monday to Sunday over the six weeks that hold the month, as calendar apps
draw it. Minutes are clipped to the day and counted once (overlaps are not added up) by
sphere parent (a child sphere of personal counts as personal). A conflict is a timed
block that overlaps another one where both take time (not free/transparent, not all-day).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from planner.core.intervals import merge
from planner.core.model import PERSONAL, WORK, Occurrence
from planner.core.moments import as_aware
from planner.core.settings import Settings

GRID_DAYS = 42
TITLES_KEPT = 8  # the most a month cell has room for


@dataclass(frozen=True)
class DaySummary:
    day: date
    count: int  # blocks on the day (timed, all-day, planned flexible)
    work_minutes: int
    personal_minutes: int
    conflicts: int  # timed blocks overlapping another that also takes time
    # (title, sphere, private) of the first few, by start
    titles: tuple[tuple[str, str, bool], ...] = ()
    # Occurrences the expansion bounds left out (a series repeating more often than a
    # day shows); ``hidden_at_least``: the count stopped early, there are more.
    hidden: int = 0
    hidden_at_least: bool = False


def month_grid(year: int, month: int) -> list[date]:
    """The 42 days (six Monday-to-Sunday weeks) a month view shows for ``month``."""
    first = date(year, month, 1)
    start = first - timedelta(days=first.weekday())
    return [start + timedelta(days=n) for n in range(GRID_DAYS)]


def summarize(day: date, occurrences: Iterable[Occurrence], zone: ZoneInfo,
              settings: Settings) -> DaySummary:
    """``day``'s summary from the occurrences that touch it."""
    low = datetime.combine(day, time(0), tzinfo=zone)
    high = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    by_parent: dict[str, list[tuple[datetime, datetime]]] = {WORK: [], PERSONAL: []}
    spans: list[tuple[datetime, datetime]] = []
    count = 0
    titles: list[tuple[str, str, bool]] = []
    for occ in sorted(occurrences, key=lambda o: (not o.all_day, as_aware(o.start, zone))):
        count += 1
        if len(titles) < TITLES_KEPT:
            titles.append((occ.title, occ.sphere, occ.block.is_private))
        if occ.all_day:
            continue
        start, end = max(as_aware(occ.start, zone), low), min(as_aware(occ.end, zone), high)
        if end <= start:
            continue
        if not occ.block.transparent:
            spans.append((start, end))
        parent = settings.parent_of(occ.sphere)
        by_parent[parent if parent in by_parent else PERSONAL].append((start, end))
    # Time counts once, as in insights: two overlapping meetings are not two hours.
    minutes = {parent: int(sum((b - a).total_seconds() for a, b in merge(found)) // 60)
               for parent, found in by_parent.items()}
    return DaySummary(day, count, minutes[WORK], minutes[PERSONAL], _clashing(spans),
                      tuple(titles))


def _clashing(spans: list[tuple[datetime, datetime]]) -> int:
    """How many of the spans overlap at least one other."""
    spans = sorted(spans)
    clashing = [False] * len(spans)
    reach_end: datetime | None = None
    reach_index = -1
    for n, (start, end) in enumerate(spans):
        if reach_end is not None and start < reach_end:
            clashing[n] = clashing[reach_index] = True
        if reach_end is None or end > reach_end:
            reach_end, reach_index = end, n
    return sum(clashing)
