"""Small shared facts about time: floating wall time, weekday and month names.

A naive ``datetime`` in planner is *floating* wall time (RFC 5545): it means the same
clock reading in whatever zone the person is viewing from. ``in_zone`` is the one place
that rule is written down.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # config, parsing
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # display
RRULE_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # RFC 5545 BYDAY
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
               "Dec")


def in_zone(moment: datetime, zone: tzinfo) -> datetime:
    """``moment`` as wall time in ``zone``: floating times are read there, instants converted."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def as_aware(moment: datetime | date, zone: tzinfo) -> datetime:
    """An aware datetime for comparing and sorting: a date is its midnight in ``zone``;
    floating times are read in ``zone``; aware ones are kept as they are."""
    if isinstance(moment, datetime):
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    return datetime.combine(moment, time(0), tzinfo=zone)


def day_label(day: date, *, year: bool = False) -> str:
    """``Mon 23 Nov`` (not strftime: that follows the process locale)."""
    text = f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def plus_exact(moment: datetime, length: timedelta) -> datetime:
    """``moment`` plus an exact ``length`` (RFC 5545: hours and minutes are exact).

    Aware times move on the UTC time line and stay in their own zone, so two hours
    after 01:30 on the spring-forward night is 04:30; floating times move on the wall
    clock, which is all they have.
    """
    if moment.tzinfo is None:
        return moment + length
    return (moment.astimezone(UTC) + length).astimezone(moment.tzinfo)


def iso_day(text: str) -> date | None:
    """The day a plain ``YYYY-MM-DD`` names, None for anything else (an impossible date
    too): scripts pass ISO dates, and reading one needs no date parser."""
    if len(text) == 10 and text[4] == text[7] == "-" and \
            (text[:4] + text[5:7] + text[8:]).isdigit() and text.isascii():
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    return None
