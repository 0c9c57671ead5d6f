"""When reminders go off: a block's alarms (VALARM) over its occurrences, pure.

Only the alarms a person sees or hears count (DISPLAY, AUDIO); an EMAIL alarm is kept
for export but planner sends no mail. A relative alarm fires per occurrence, from its
start (or its end, RELATED=END); an all-day occurrence starts at midnight in the zone.
A repeating alarm (REPEAT/DURATION) goes off again at each repeat; the repeats of an
occurrence more than ``LOOKBACK`` past its start are not looked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from planner.core.model import Alarm, AlarmAction, Occurrence
from planner.core.moments import as_aware
from planner.core.when import format_duration
from planner.core.wording import counted

# How far from the moment asked about an occurrence may lie for one of its alarms to
# fire then: alarms a week ahead ("1 week before" a birthday) or a day after its start.
LOOKAHEAD = timedelta(days=7)
LOOKBACK = timedelta(days=1)
SHOWN_ACTIONS = frozenset({AlarmAction.DISPLAY, AlarmAction.AUDIO})


@dataclass(frozen=True)
class Reminder:
    """What goes off for one occurrence in one minute: usually one alarm's firing; when
    two or more alarms of the occurrence go off in the same minute (a sound and a
    message, "1 h before" and a repeat of another), one reminder says all of them."""

    occurrence: Occurrence
    at: datetime  # when it goes off (aware): the first of them
    alarm: Alarm
    repeat: int = 0  # 0: the alarm's first firing; n: its n-th repeat
    others: tuple[tuple[Alarm, int], ...] = ()  # the other (alarm, repeat) that minute

    @property
    def count(self) -> int:
        """How many alarm firings this reminder stands for."""
        return 1 + len(self.others)


def reminders_between(occurrences: Iterable[Occurrence], start: datetime, end: datetime,
                      zone: ZoneInfo) -> list[Reminder]:
    """Reminders going off in [start, end), by time; one per occurrence and minute (a
    repeating alarm gives one for each of its firings in the window; alarms of one
    occurrence going off in the same minute give one reminder that counts them)."""
    found: dict[tuple[str, str, datetime], Reminder] = {}
    for occ in occurrences:
        if not occ.block.alarms:
            continue
        begin, finish = as_aware(occ.start, zone), as_aware(occ.end, zone)
        for alarm in occ.block.alarms:
            if alarm.action not in SHOWN_ACTIONS:
                continue
            for n, at in alarm.firings_between(begin, finish, start, end):
                key = (occ.block.id, begin.isoformat(), at.replace(second=0, microsecond=0))
                known = found.get(key)
                if known is None:
                    found[key] = Reminder(occ, at, alarm, n)
                elif at < known.at:
                    found[key] = Reminder(occ, at, alarm, n,
                                          ((known.alarm, known.repeat), *known.others))
                else:
                    found[key] = replace(known, others=(*known.others, (alarm, n)))
    return sorted(found.values(), key=lambda r: (r.at, as_aware(r.occurrence.start, zone),
                                                 r.occurrence.title, r.occurrence.block.id))


def lead_words(reminder: Reminder) -> str:
    """"15 min before", "at the start", "1 h after the end"... for a reminder's line;
    several alarms in one minute: each one's words, then how many ("15 min before;
    2 reminders" for a sound and a message)."""
    words = [_alarm_words(reminder.alarm, reminder.repeat)]
    for alarm, repeat in reminder.others:
        said = _alarm_words(alarm, repeat)
        if said not in words:
            words.append(said)
    if reminder.count > 1:
        words.append(counted(reminder.count, "reminder"))
    return "; ".join(words)


def _alarm_words(alarm: Alarm, repeat: int) -> str:
    again = f", repeat {repeat} of {alarm.repeat}" if repeat else ""
    if alarm.offset is None:
        return f"at a set time{again}"
    offset = alarm.offset + repeat * (alarm.repeat_every or timedelta(0))
    anchor = "the end" if alarm.related.value == "END" else "the start"
    if not offset:
        return f"at {anchor}{again}"
    side = "before" if offset < timedelta(0) else "after"
    return f"{format_duration(abs(offset))} {side} {anchor}{again}".replace(
        " before the start", " before")
