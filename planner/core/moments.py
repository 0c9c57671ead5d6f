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


def happens_twice(moment: datetime) -> bool:
    """Whether ``moment``'s wall time is shown twice by the clocks of its zone (the hour
    repeated the night they go back): then "02:30" alone does not say which one."""
    zone = moment.tzinfo
    if zone is None:
        return False  # floating: one wall time by definition
    naive = moment.replace(tzinfo=None)
    both = [naive.replace(tzinfo=zone, fold=f) for f in (0, 1)]
    if both[0].utcoffset() == both[1].utcoffset():
        return False
    # Both readings must round-trip: in the spring gap neither does, nothing repeats.
    return all(m.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive
               for m in both)


def wall_clock(moment: datetime, *, zone_name: bool = False) -> str:
    """``09:30``, as a clock on the wall shows it; with ``zone_name`` (or when the time
    happens twice) followed by the zone's abbreviation: ``02:30 CEST``, ``02:00 CET``."""
    text = f"{moment:%H:%M}"
    if zone_name or happens_twice(moment):
        name = moment.tzname()
        text += f" {name}" if name else ""
    return text


def clock_span(start: datetime, end: datetime) -> str:
    """``09:00–10:00``. On the night the clocks go back a time between 02:00 and 03:00
    (Berlin) happens twice; there both ends carry the zone's abbreviation, so the
    half hour from the first 02:30 reads ``02:30 CEST–02:00 CET``, not ``02:30–02:00``,
    and two hours from 01:30 read ``01:30 CEST–02:30 CET``. Calendar apps (khal, GNOME
    Calendar) print the bare clock times there; an offset such as ``+02:00`` is exact
    but harder to read than the name the zone itself uses."""
    labelled = happens_twice(start) or happens_twice(end)
    return f"{wall_clock(start, zone_name=labelled)}–{wall_clock(end, zone_name=labelled)}"
