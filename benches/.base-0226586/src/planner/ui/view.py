"""What the screens hand to widgets: plain view data built from service results.

Widgets never see the service; the screens turn a ``DayPlan`` into these small
records (local times already clipped to the day) and pass them down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from planner.core.model import Block, Occurrence

MARKS = {"fixed": "■", "flexible": "○", "pinned": "◆", "done": "✓", "bridge": "~"}


@dataclass(frozen=True, slots=True)
class Item:
    """One timed box on the timeline (an occurrence, or a chunk of one)."""

    key: str  # unique on the day: block id + start
    block_id: str
    title: str
    sphere: str
    state: str  # fixed | flexible | pinned | done | bridge
    start: datetime  # local, clipped to the day
    end: datetime
    location: str = ""
    recurring: bool = False

    @property
    def mark(self) -> str:
        return MARKS[self.state]

    @property
    def letter(self) -> str:
        return sphere_letter(self.sphere)

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def sphere_letter(sphere: str) -> str:
    return sphere[:1].upper() or "?"


def state_of(block: Block) -> str:
    if block.is_fixed:
        return "fixed"
    if block.done:
        return "done"
    if block.pinned_start is not None:
        return "pinned"
    return "flexible"


def occurrence_key(occ: Occurrence) -> str:
    start = occ.start.isoformat() if occ.start is not None else ""
    return f"{occ.block.id}@{start}#{occ.chunk or 0}"


def timed_items(day: date, zone: ZoneInfo, occurrences: list[Occurrence],
                bridges: list[Occurrence] = ()) -> list[Item]:  # type: ignore[assignment]
    """Timed occurrences of ``day`` as items clipped to its midnights, by start."""
    lo = datetime.combine(day, time(0), tzinfo=zone)
    hi = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    items = []
    for occ, is_bridge in [(o, False) for o in occurrences] + [(b, True) for b in bridges]:
        if occ.all_day or not isinstance(occ.start, datetime) or not isinstance(
                occ.end, datetime):
            continue
        start, end = _local(occ.start, zone), _local(occ.end, zone)
        start, end = max(start, lo), min(end, hi)
        if end <= start:
            end = start + timedelta(minutes=1)
        block = occ.block
        items.append(Item(
            key=occurrence_key(occ), block_id=block.id, title=block.title, sphere=block.sphere,
            state="bridge" if is_bridge else state_of(block), start=start, end=end,
            location=block.location, recurring=block.is_recurring))
    items.sort(key=lambda i: (i.start, -i.minutes, i.key))
    return items


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def hhmm(moment: datetime) -> str:
    return f"{moment:%H:%M}"


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_label(day: date, *, year: bool = False) -> str:
    """``Mon 23 Nov`` (not strftime: that follows the process locale)."""
    text = f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def minutes_text(minutes: int) -> str:
    hours, mins = divmod(int(minutes), 60)
    if hours and mins:
        return f"{hours}h{mins:02d}"
    return f"{hours}h" if hours else f"{mins}m"
