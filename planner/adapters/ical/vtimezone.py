"""VTIMEZONE components for IANA zones that every reader reads the same way.

icalendar's ``Timezone.from_tzid`` lists every change as an RDATE and stops at its
last date; vobject/dateutil read only the first value of such an RDATE list, and an
open-ended series outlives any last date. So each run of years in which a change
follows one yearly rule becomes one observance with a yearly RRULE (what Outlook and
Google write), bounded by UNTIL unless it runs to the end of the span; changes that
follow no rule get one RDATE line each. DTSTART is the onset in the *old* offset's
wall time (RFC 5545).

Readers look at a zone long before the first event: vobject compares every zone with
UTC over 2000-2020 to decide whether it *is* UTC, so a London VTIMEZONE starting in
2026 (GMT before its first onset) is read as UTC and every summer instant lands an
hour late. The writer therefore asks for rules from :data:`HISTORY_FROM` on.

STANDARD/DAYLIGHT: the summer side is DAYLIGHT. tzdata gives Europe/Dublin a
*negative* DST (winter is GMT with ``dst() == -1h``, summer IST with ``dst() == 0``);
readers expect IST as DAYLIGHT, so a state with no DST whose zone also has a negative
DST of the same standard offset is written as DAYLIGHT.
"""

from __future__ import annotations

import calendar as gregorian
import copy
from datetime import UTC, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

from planner.core.moments import RRULE_WEEKDAYS

HISTORY_FROM = 1970  # tzdata is reliable from here; well before readers' probes
_RULE_MIN_YEARS = 3  # shorter runs are plain RDATEs

# (UTC offset, DST amount, abbreviation) of a zone at an instant.
_State = tuple[timedelta, timedelta, str]
# What a change changes: (offset before, offset after, DAYLIGHT?, abbreviation after).
_Kind = tuple[timedelta, timedelta, bool, str]
# A yearly fit: (month, weekday, nth (-1 = last), wall time).
_Fit = tuple[int, int, int, time]


def build_vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for IANA ``tzid`` (or a calendar's own zone registered under that
    name) that is exact from ``first_year`` to ``last_year``."""
    return copy.deepcopy(_build(tzid, first_year, last_year))  # the cached one stays intact


# A calendar's own zones (planner.core.zonerules.RuleZone) by the name events use for
# them; their key is unique per set of rules, so the cache below cannot mix them up.
_CUSTOM: dict[str, tzinfo] = {}


def register_zone(zone: tzinfo) -> None:
    """Make a zone that is not an IANA one known to ``build_vtimezone`` by its key."""
    key = getattr(zone, "key", None)
    if key and not isinstance(zone, ZoneInfo):
        _CUSTOM[key] = zone


@lru_cache(maxsize=64)
def _build(tzid: str, first_year: int, last_year: int) -> Timezone:
    zone = _CUSTOM.get(tzid) or ZoneInfo(tzid)
    # A couple of days of margin: local New Year is up to 14 h away from UTC's.
    start = datetime(first_year, 1, 1, tzinfo=UTC) - timedelta(days=2)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC) + timedelta(days=2)
    changes = _transitions(zone, start, end)
    negative = {offset - dst for offset, dst, _ in
                [_state(zone, start), *(after for _, _, after in changes)] if dst < timedelta(0)}

    def is_daylight(state: _State) -> bool:
        offset, dst, _ = state
        return dst > timedelta(0) or (dst == timedelta(0) and offset in negative)

    component = Timezone()
    component.add("TZID", tzid)
    opening = _state(zone, start)
    # The observance in force when the span opens, for times before the first change.
    component.add_component(_observance(is_daylight(opening), opening[2], opening[0],
                                        opening[0], _wall(start, opening[0])))
    groups: dict[_Kind, list[datetime]] = {}
    for instant, before, after in changes:
        kind = (before[0], after[0], is_daylight(after), after[2])
        groups.setdefault(kind, []).append(_wall(instant, before[0]))
    for kind, onsets in groups.items():
        for observance in _observances(kind, onsets, last_year):
            component.add_component(observance)
    return component


def _observances(kind: _Kind, onsets: list[datetime], last_year: int
                 ) -> list[TimezoneStandard | TimezoneDaylight]:
    """Runs of a yearly rule as RRULE observances, the other onsets as RDATEs."""
    offset_from, offset_to, daylight, name = kind
    found: list[TimezoneStandard | TimezoneDaylight] = []
    singles: list[datetime] = []
    for run, fit in _runs(onsets):
        if fit is None or len(run) < _RULE_MIN_YEARS:
            singles.extend(run)
            continue
        observance = _observance(daylight, name, offset_from, offset_to, run[0])
        rule = _rule_text(fit)
        if run[-1].year < last_year:
            # UNTIL is UTC (RFC 5545 3.3.10), but dateutil (vobject, ics) compares it
            # with the local onset: a day after the last onset is right either way.
            until = run[-1] - offset_from + timedelta(days=1)
            rule += f";UNTIL={until:%Y%m%dT%H%M%SZ}"
        observance.add("RRULE", vRecur.from_ical(rule))
        found.append(observance)
    if singles:
        observance = _observance(daylight, name, offset_from, offset_to, singles[0])
        for onset in singles[1:]:
            observance.add("RDATE", onset)  # one per line: dateutil reads only the first
        found.append(observance)
    return found


def _runs(onsets: list[datetime]) -> list[tuple[list[datetime], _Fit | None]]:
    """Onsets cut into runs of consecutive years that share one yearly fit."""
    runs: list[tuple[list[datetime], _Fit | None]] = []
    run: list[datetime] = []
    common: set[_Fit] = set()
    for onset in onsets:
        fits = _fits(onset)
        if run and onset.year == run[-1].year + 1 and common & fits:
            run.append(onset)
            common &= fits
            continue
        if run:
            runs.append((run, _best(common)))
        run, common = [onset], fits
    if run:
        runs.append((run, _best(common)))
    return runs


def _fits(onset: datetime) -> set[_Fit]:
    weekday = onset.weekday()
    fits = {(onset.month, weekday, (onset.day - 1) // 7 + 1, onset.time())}
    if onset.day + 7 > gregorian.monthrange(onset.year, onset.month)[1]:
        fits.add((onset.month, weekday, -1, onset.time()))
    return fits


def _best(common: set[_Fit]) -> _Fit | None:
    return min(common, key=lambda fit: fit[2] != -1) if common else None  # "last" reads best


def _rule_text(fit: _Fit) -> str:
    month, weekday, nth, _ = fit
    return f"FREQ=YEARLY;BYMONTH={month};BYDAY={nth}{RRULE_WEEKDAYS[weekday]}"


def _observance(
    daylight: bool, name: str, offset_from: timedelta, offset_to: timedelta, onset: datetime
) -> TimezoneStandard | TimezoneDaylight:
    observance = TimezoneDaylight() if daylight else TimezoneStandard()
    observance.add("DTSTART", onset)
    observance.add("TZNAME", name)
    observance.TZOFFSETFROM = offset_from
    observance.TZOFFSETTO = offset_to
    return observance


def _wall(instant: datetime, offset: timedelta) -> datetime:
    return (instant + offset).replace(tzinfo=None)


def _state(zone: tzinfo, instant: datetime) -> _State:
    local = instant.astimezone(zone)
    return (local.utcoffset() or timedelta(0), local.dst() or timedelta(0),
            local.tzname() or "")


def _transitions(zone: tzinfo, start: datetime, end: datetime
                 ) -> list[tuple[datetime, _State, _State]]:
    """(instant, state before, state after) of each change in [start, end).

    Steps a day at a time and bisects to the second; zones never change twice in a day.
    """
    found = []
    day = timedelta(days=1)
    here, before = start, _state(zone, start)
    while here < end:
        there = here + day
        after = _state(zone, there)
        if after != before:
            low, high = here, there
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _state(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            found.append((high.replace(microsecond=0), before, _state(zone, high)))
        here, before = there, after
    return found
