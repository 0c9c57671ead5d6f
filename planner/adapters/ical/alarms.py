"""VALARM components to and from :class:`planner.core.model.Alarm`.

The reader hands over an event's unfolded content lines (only for events that have
sub-components, so most events cost nothing); the writer asks for one icalendar
``Alarm`` component per :class:`Alarm`. Alarms planner cannot act on (``ACTION:NONE``,
Apple's "no alarm" marker, ``PROCEDURE``, an ``X-`` action, an unreadable trigger) are
left out: the event itself still imports. REPEAT and DURATION (the alarm goes off again)
are kept when both are there and make sense; otherwise the alarm fires once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from icalendar import Alarm as VAlarm
from icalendar import vDDDTypes, vDuration, vText
from icalendar.parser import Contentline

from planner.adapters.ical.text import clean_text
from planner.core.model import Alarm, AlarmAction, AlarmRelated

DEFAULT_DESCRIPTION = "Reminder"
# More repeats than this are read as this many: no one is nagged that often, and the
# count stays a small integer in storage.
MAX_REPEAT = 10_000
# Calendar apps give an event a few alarms; a file giving thousands would flood the
# reminders (and the desktop's notifications) with each occurrence.
MAX_ALARMS = 20


def read_alarms(lines: Sequence[str]) -> tuple[tuple[Alarm, ...], int]:
    """The VALARMs directly inside the component whose logical ``lines`` these are, at
    most ``MAX_ALARMS`` different ones, and how many more were left out."""
    found: dict[Alarm, None] = {}  # an alarm given twice goes off once
    more = 0
    for props in _valarm_blocks(lines):
        alarm = _alarm(props)
        if alarm is None or alarm in found:
            continue
        if len(found) < MAX_ALARMS:
            found[alarm] = None
        else:
            more += 1
    return tuple(found), more


def _valarm_blocks(lines: Sequence[str]) -> Iterator[list[tuple[str, dict[str, str], str]]]:
    depth = 0
    current: list[tuple[str, dict[str, str], str]] | None = None
    for line in lines:
        head = line[:6].upper()
        if head.startswith("BEGIN:"):
            depth += 1
            if depth == 2 and line[6:].strip().upper() == "VALARM":
                current = []
            continue
        if head.startswith("END:"):
            if depth == 2 and current is not None:
                yield current
                current = None
            depth -= 1
            continue
        if depth == 2 and current is not None:
            try:
                name, params, value = Contentline(line).parts()
            except ValueError:
                continue
            current.append((name.upper(), {k.upper(): str(v) for k, v in params.items()},
                            value))


def _alarm(props: list[tuple[str, dict[str, str], str]]) -> Alarm | None:
    first = {name: (params, value) for name, params, value in reversed(props)}
    try:
        action = AlarmAction(first.get("ACTION", ({}, ""))[1].strip().upper())
    except ValueError:
        return None
    trigger = first.get("TRIGGER")
    if trigger is None:
        return None
    params, value = trigger
    offset: timedelta | None = None
    at: datetime | None = None
    related = AlarmRelated.START
    try:
        # Some writers leave out VALUE=DATE-TIME; a duration never starts with a digit.
        if params.get("VALUE", "").upper() == "DATE-TIME" or value.strip()[:1].isdigit():
            moment = vDDDTypes.from_ical(value.strip())
            if not isinstance(moment, datetime):
                return None
            # RFC 5545 asks for UTC here; a time without a zone is read as UTC too.
            at = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        else:
            parsed = vDuration.from_ical(value.strip())
            if not isinstance(parsed, timedelta):
                return None
            offset = parsed
            if params.get("RELATED", "").upper() == "END":
                related = AlarmRelated.END
    except (ValueError, TypeError):
        return None
    attendees: tuple[str, ...] = ()
    if action is AlarmAction.EMAIL:  # only an EMAIL alarm is sent to anyone
        attendees = tuple(value.strip() for name, _, value in props
                          if name == "ATTENDEE" and value.strip())
    repeat, every = _repeats(first)
    return Alarm(action=action, offset=offset, related=related, at=at,
                 description=_text(first, "DESCRIPTION"), summary=_text(first, "SUMMARY"),
                 attendees=attendees, repeat=repeat, repeat_every=every)


def _repeats(first: dict[str, tuple[dict[str, str], str]]) -> tuple[int, timedelta | None]:
    """REPEAT and DURATION, kept only as the pair RFC 5545 asks for (a positive count and
    interval); anything else leaves the alarm firing once."""
    repeat, duration = first.get("REPEAT"), first.get("DURATION")
    if repeat is None or duration is None:
        return 0, None
    try:
        count = int(repeat[1].strip())
        every = vDuration.from_ical(duration[1].strip())
    except (ValueError, TypeError):
        return 0, None
    if count <= 0 or not isinstance(every, timedelta) or every <= timedelta(0):
        return 0, None
    return min(count, MAX_REPEAT), every


def _text(first: dict[str, tuple[dict[str, str], str]], name: str) -> str:
    found = first.get(name)
    return "" if found is None else str(vText.from_ical(found[1]))


def alarm_component(alarm: Alarm, title: str = "") -> VAlarm:
    """One VALARM for ``alarm`` of the event titled ``title``, with the properties
    RFC 5545 requires for its action.

    A DISPLAY alarm needs a DESCRIPTION, the text the reminder shows: an alarm without
    its own (``--remind``) shows the event's title, as Google, Apple and Thunderbird
    write it, not a bare "Reminder". An EMAIL alarm without an address would be
    invalid, so it is written as a DISPLAY alarm with the same text.
    """
    action = alarm.action
    if action is AlarmAction.EMAIL and not alarm.attendees:
        action = AlarmAction.DISPLAY
    component = VAlarm()
    component.add("ACTION", action.value)
    if alarm.at is not None:
        component.add("TRIGGER", alarm.at.astimezone(UTC), parameters={"VALUE": "DATE-TIME"})
    else:
        assert alarm.offset is not None
        if alarm.related is AlarmRelated.END:
            component.add("TRIGGER", alarm.offset, parameters={"RELATED": "END"})
        else:
            component.add("TRIGGER", alarm.offset)
    if alarm.repeat_every is not None and alarm.repeat > 0:
        component.add("REPEAT", min(alarm.repeat, MAX_REPEAT))  # an older home's may be more
        component.add("DURATION", alarm.repeat_every)
    description = (clean_text(alarm.description).strip() or clean_text(title).strip()
                   or DEFAULT_DESCRIPTION)
    if action is not AlarmAction.AUDIO:
        component.add("DESCRIPTION", description)
    if action is AlarmAction.EMAIL:
        component.add("SUMMARY", clean_text(alarm.summary) or description)
        for address in alarm.attendees:
            component.add("ATTENDEE", clean_text(address))
    return component
