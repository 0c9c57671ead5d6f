"""Whether a calendar imported as work looks like someone's personal one (pure).

`planner import FILE` without `--sphere` makes a work calendar. That default stays (a
guess would be silent and sometimes wrong), but when the calendar's names or its hours
say personal, the import says so in one line and names the command that changes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from planner.core.model import Block
from planner.core.settings import WeeklyHours
from planner.core.zonerules import zone_of

# Words in a calendar's file name or X-WR-CALNAME that say it is not about work.
PERSONAL_WORDS = frozenset({
    "personal", "private", "privat", "persönlich", "personnel", "home", "family", "familie",
    "famille", "familia", "kids", "children", "household", "birthdays", "geburtstage",
})
# The hours speak only with enough events, and only when most fall outside work hours.
MIN_EVENTS = 4
OUTSIDE_SHARE = 2 / 3
_WORD = re.compile(r"[^\W\d_]+")


def personal_reason(names: Iterable[str], blocks: Sequence[Block], working: WeeklyHours,
                    zone: ZoneInfo) -> str | None:
    """Why a calendar with these ``names`` and ``blocks`` looks personal, or None.

    A timed event counts as outside work hours when its start lies outside ``working``
    in its own zone (a New York meeting at 10:00 is work time wherever it is seen);
    a series counts once.
    """
    for name in names:
        for word in _WORD.findall(name.casefold()):
            if word in PERSONAL_WORDS:
                return f"its name says '{word}'"
    if not working:
        return None
    timed = [b for b in blocks if b.is_fixed and isinstance(b.start, datetime)
             and (b.source is None or b.source.recurrence_id is None)]
    if len(timed) < MIN_EVENTS:
        return None
    needed = OUTSIDE_SHARE * len(timed)
    outside = inside = 0
    for block in timed:
        if _in_hours(block, working, zone):
            inside += 1
            if len(timed) - inside < needed:
                return None  # the rest cannot make the share: a work calendar stops early
        else:
            outside += 1
    if outside < needed:
        return None
    return f"{outside} of its {len(timed)} timed events are outside work hours"


def _in_hours(block: Block, working: WeeklyHours, zone: ZoneInfo) -> bool:
    start = block.start
    assert isinstance(start, datetime)
    if start.tzinfo is not None:
        start = start.astimezone((zone_of(block.tzid) if block.tzid else None) or zone)
    clock = start.time()
    return any(begin <= clock < end for begin, end in working.get(start.weekday(), ()))
