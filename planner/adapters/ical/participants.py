"""ORGANIZER and ATTENDEE lines: kept verbatim on import, handed back on a full export.

planner does not schedule with other people; it only must not lose who was invited
when a calendar goes through it. The lines are kept unfolded, exactly as read, and are
parsed again only when written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from icalendar import Event, vCalAddress
from icalendar.parser import Contentline

from planner.adapters.ical.text import clean_text

NAMES = ("ORGANIZER", "ATTENDEE")


def read_participants(lines: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """(ORGANIZER line or "", ATTENDEE lines) of the component these lines are."""
    organizer = ""
    attendees: list[str] = []
    depth = 0
    for line in lines:
        head = line[:9].upper()
        if head.startswith("BEGIN:"):
            depth += 1
        elif head.startswith("END:"):
            depth -= 1
        elif depth == 1 and head.startswith(NAMES):
            name = line.split(":", 1)[0].split(";", 1)[0].upper()
            if name == "ORGANIZER" and not organizer:
                organizer = line
            elif name == "ATTENDEE":
                attendees.append(line)
    return organizer, tuple(attendees)


def add_participants(event: Event, lines: Iterable[str]) -> None:
    """Add kept ORGANIZER/ATTENDEE lines to ``event``; an unreadable one is left out."""
    for line in lines:
        try:
            name, params, value = Contentline(line).parts()
        except ValueError:
            continue
        if name.upper() not in NAMES or not value.strip():
            continue
        address = vCalAddress(clean_text(value.strip()))
        for key, param in params.items():
            address.params[key] = _clean_param(param)
        event.add(name.upper(), address)


def _clean_param(value: object) -> object:
    if isinstance(value, str):
        # A parameter value cannot hold a line break, nor a double quote (RFC 5545 3.2).
        return clean_text(value).replace("\n", " ").replace('"', "'")
    if isinstance(value, list):
        return [_clean_param(item) for item in value]
    return value
