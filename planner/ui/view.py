"""What the screens hand to widgets: plain view data built from service results.

Widgets never see the service; the screens turn a ``DayPlan`` into these small
records (local times already clipped to the day) and pass them down.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from planner.core.conflicts import Conflict, conflict_keys
from planner.core.intervals import merge
from planner.core.model import Block, Occurrence
from planner.core.moments import in_zone
from planner.core.safetext import printable
from planner.core.when import format_duration

MARKS = {"fixed": "■", "flexible": "○", "pinned": "◆", "done": "✓", "bridge": "~"}
# Marked private (CLASS:PRIVATE or CONFIDENTIAL, own or imported): shared exports show only
# "Busy". A lock says it at a glance; it is two cells wide, which every width here counts.
PRIVATE_MARK = "🔒"


def with_lock(title: str, private: bool, gap: str = "") -> str:
    """``title`` led by the private mark when ``private`` (``gap`` between the two)."""
    return f"{PRIVATE_MARK}{gap}{title}" if private else title


@dataclass(frozen=True, slots=True)
class Item:
    """One timed box on the timeline (an occurrence, or a chunk of one).

    Its texts are already terminal-safe (``printable``): widgets paint them as they are.
    """

    key: str  # unique on the day: block id + start
    block_id: str
    title: str
    sphere: str
    state: str  # fixed | flexible | pinned | done | bridge
    start: datetime  # local, clipped to the day
    end: datetime
    location: str = ""
    recurring: bool = False
    conflict: bool = False  # double-booked with another fixed block
    private: bool = False  # shared exports show it only as "Busy"

    @property
    def mark(self) -> str:
        return MARKS[self.state]

    @property
    def letter(self) -> str:
        return sphere_letter(self.sphere)

    @property
    def minutes(self) -> int:
        # Instants, not wall clocks: a block across a DST change lasts what it lasts.
        return int((self.end.timestamp() - self.start.timestamp()) // 60)


def sphere_minutes(items: Iterable[Item]) -> dict[str, int]:
    """Minutes per sphere of the items (bridges left out), each minute counted once:
    two overlapping one-hour meetings are 1 h 30 min of work, as in insights."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for item in items:
        if item.state != "bridge":
            spans.setdefault(item.sphere, []).append(
                (int(item.start.timestamp()), int(item.end.timestamp())))
    return {sphere: int(sum(b - a for a, b in merge(found)) // 60)
            for sphere, found in spans.items()}


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
                bridges: list[Occurrence] = (),  # type: ignore[assignment]
                conflicts: Sequence[Conflict] = ()) -> list[Item]:
    """Timed occurrences of ``day`` as items clipped to its midnights, by start;
    those double-booked in ``conflicts`` are flagged."""
    lo = datetime.combine(day, time(0), tzinfo=zone)
    hi = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    items = []
    clashes = conflict_keys(conflicts)
    for occ, is_bridge in [(o, False) for o in occurrences] + [(b, True) for b in bridges]:
        if occ.all_day or not isinstance(occ.start, datetime) or not isinstance(
                occ.end, datetime):
            continue
        start, end = in_zone(occ.start, zone), in_zone(occ.end, zone)
        # Compared as instants: in one zone Python compares wall times, and the night the
        # clocks go back 02:00 CET comes after 02:30 CEST.
        start, end = max(start, lo, key=_instant), min(end, hi, key=_instant)
        if _instant(end) <= _instant(start):
            end = start + timedelta(minutes=1)
        block = occ.block
        items.append(Item(
            key=occurrence_key(occ), block_id=block.id, title=printable(block.title),
            sphere=block.sphere, state="bridge" if is_bridge else state_of(block), start=start,
            end=end, location=printable(block.location), recurring=block.is_recurring,
            conflict=not is_bridge and (block.id, occ.start) in clashes,
            private=block.is_private))
    items.sort(key=lambda i: (_instant(i.start), -i.minutes, i.key))
    return items


def _instant(moment: datetime) -> float:
    return moment.timestamp()


def hhmm(moment: datetime) -> str:
    return f"{moment:%H:%M}"




def minutes_text(minutes: int) -> str:
    return format_duration(timedelta(minutes=int(minutes)), compact=True)
