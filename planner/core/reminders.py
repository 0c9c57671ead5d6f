"""When reminders go off: a block's alarms (VALARM) over its occurrences, pure.

Only the alarms a person sees or hears count (DISPLAY, AUDIO); an EMAIL alarm is kept
for export but planner sends no mail. A relative alarm fires per occurrence, from its
start (or its end, RELATED=END); an all-day occurrence starts at midnight in the zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from planner.core.model import Alarm, AlarmAction, Occurrence
from planner.core.moments import as_aware
from planner.core.when import format_duration

# How far from the moment asked about an occurrence may lie for one of its alarms to
# fire then: alarms a week ahead ("1 week before" a birthday) or a day after its start.
LOOKAHEAD = timedelta(days=7)
LOOKBACK = timedelta(days=1)
SHOWN_ACTIONS = frozenset({AlarmAction.DISPLAY, AlarmAction.AUDIO})


@dataclass(frozen=True)
class Reminder:
    occurrence: Occurrence
    at: datetime  # when it goes off (aware)
    alarm: Alarm


def reminders_between(occurrences: Iterable[Occurrence], start: datetime, end: datetime,
                      zone: ZoneInfo) -> list[Reminder]:
    """Reminders going off in [start, end), by time; one per occurrence and firing time."""
    found: dict[tuple[str, str, datetime], Reminder] = {}
    for occ in occurrences:
        if not occ.block.alarms:
            continue
        begin, finish = as_aware(occ.start, zone), as_aware(occ.end, zone)
        for alarm in occ.block.alarms:
            if alarm.action not in SHOWN_ACTIONS:
                continue
            at = alarm.fires_at(begin, finish)
            if start <= at < end:
                key = (occ.block.id, begin.isoformat(), at)
                found.setdefault(key, Reminder(occ, at, alarm))
    return sorted(found.values(), key=lambda r: (r.at, as_aware(r.occurrence.start, zone),
                                                 r.occurrence.title, r.occurrence.block.id))


def lead_words(reminder: Reminder) -> str:
    """"15 min before", "at the start", "1 h after the end"... for a reminder's line."""
    alarm = reminder.alarm
    if alarm.offset is None:
        return "at a set time"
    anchor = "the end" if alarm.related.value == "END" else "the start"
    if not alarm.offset:
        return f"at {anchor}"
    side = "before" if alarm.offset < timedelta(0) else "after"
    return f"{format_duration(abs(alarm.offset))} {side} {anchor}".replace(
        " before the start", " before")
