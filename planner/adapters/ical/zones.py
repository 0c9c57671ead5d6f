"""Turning the time-zone names found in real calendar files into IANA zones.

Files name zones in several ways: IANA names (``Europe/Berlin``), Windows names
(``W. Europe Standard Time``, Outlook/Exchange), "globally unique" vendor paths
(``/mozilla.org/20050126_1/Europe/Berlin``) and free text backed by a custom
VTIMEZONE (``Customized Time Zone``). Blocks store an IANA name so recurrence can
follow the zone's real rules; a custom VTIMEZONE is mapped to the IANA zone that agrees
with it exactly from the event's year on, and is otherwise kept with its own rules
(``planner.core.zonerules``), so nothing drifts. A TZID no VTIMEZONE defines may still
name a zone in words (``(UTC+01:00) Amsterdam, Berlin, ...``): ``guess_zone``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from planner.core.errors import PlannerError
from planner.core.zonerules import RuleZone, zone_label, zone_of

_UTC_NAMES = frozenset({"utc", "gmt", "z", "etc/utc", "etc/gmt", "zulu", "universal"})

# IANA zones are grouped by their offsets over these years, to find the few that may
# match a custom zone; each of those is then checked exactly (``equivalent_iana``).
_FIRST_YEAR = 2019
_LAST_YEAR = 2031


class UnknownZoneError(PlannerError, ValueError):
    """A TZID that names no zone we know and has no usable VTIMEZONE."""


@dataclass(frozen=True, slots=True)
class ResolvedZone:
    """A zone to interpret wall times in.

    ``name`` is the IANA name (``"UTC"`` for UTC) or, for a custom VTIMEZONE without an
    IANA equivalent, its text (see ``planner.core.zonerules``); ``tz`` is what converts
    wall time to instants either way.
    """

    name: str
    tz: tzinfo

    @property
    def is_utc(self) -> bool:
        return self.name == "UTC"


UTC_ZONE = ResolvedZone("UTC", UTC)


@cache
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def iana_name(tzid: str) -> str | None:
    """The IANA name a TZID stands for without looking at any VTIMEZONE, or None.

    Handles IANA names, UTC spellings, Windows names and vendor-prefixed paths.
    """
    cleaned = tzid.strip().strip('"').strip()
    if not cleaned:
        return None
    if cleaned.lower() in _UTC_NAMES:
        return "UTC"
    candidates = [cleaned.strip("/")]
    if cleaned in WINDOWS_TO_OLSON:
        candidates.insert(0, WINDOWS_TO_OLSON[cleaned])
    parts = cleaned.strip("/").split("/")
    # "/vendor/.../Region/City": try the longest trailing IANA-looking suffix first.
    candidates += ["/".join(parts[i:]) for i in range(1, len(parts))]
    for name in candidates:
        if "/" in name or name in _flat_names():
            zone = _zone(name)
            if zone is not None:
                return "UTC" if name.lower() in _UTC_NAMES else name
    return None


@cache
def _flat_names() -> frozenset[str]:
    """IANA names without a slash (``UTC``, ``EST5EDT``...), accepted verbatim."""
    return frozenset(n for n in available_timezones() if "/" not in n)


def resolve_zone(tzid: str, vtimezones: dict[str, str], year: int = 2025) -> ResolvedZone:
    """Resolve a TZID parameter for a wall time in ``year``, using the calendar's own
    VTIMEZONEs (TZID -> their text, see ``planner.core.zonerules``).

    A name planner knows wins. Otherwise the VTIMEZONE decides: an IANA zone when one
    agrees with it from the year before ``year`` to 2037, else its own rules.
    Raises UnknownZoneError when the name is unknown and no VTIMEZONE defines it.
    """
    name = iana_name(tzid)
    if name is not None:
        return UTC_ZONE if name == "UTC" else ResolvedZone(name, ZoneInfo(name))
    text = vtimezones.get(tzid) or vtimezones.get(tzid.strip('"'))
    if text is None:
        raise UnknownZoneError(f"unknown time zone {tzid!r}")
    return custom_zone(text, year)


@cache
def custom_zone(text: str, year: int) -> ResolvedZone:
    """A calendar's own VTIMEZONE as an IANA zone where one is exact, else as itself."""
    tz = zone_of(text)
    if not isinstance(tz, RuleZone):
        raise UnknownZoneError(f"time zone {zone_label(text)!r} has a VTIMEZONE that "
                               "cannot be read")
    match = equivalent_iana(tz, hint=zone_label(text), since=year - 1)
    if match is None:
        return ResolvedZone(text, tz)
    return UTC_ZONE if match == "UTC" else ResolvedZone(match, ZoneInfo(match))


def guess_zone(tzid: str) -> str | None:
    """The IANA zone an undefined TZID most likely means, from a display name such as
    ``(UTC+01:00) Amsterdam, Berlin, ...`` or ``Western/Central Europe``; or None."""
    cleaned = " ".join(tzid.strip().strip('"').split())
    if not cleaned:
        return None
    known = _DISPLAY_NAMES.get(cleaned.lower())
    if known is not None:
        return known
    match = _DISPLAY.match(cleaned)
    if match is None:
        return None
    offset = timedelta(hours=int(match[2] or 0), minutes=int(match[3] or 0))
    if match[1] == "-":
        offset = -offset
    rest = match[4].strip()
    known = _DISPLAY_NAMES.get(rest.lower())
    if known is not None:
        return known
    cities = _cities()
    for city in re.split(r"\s*[,/;]\s*", rest):
        for name in cities.get(city.lower().replace(" ", "_"), ()):
            if _standard_offset(name) == offset:
                return name
    return None


# Display names of zones that name no city planner can look up.
_DISPLAY_NAMES = {
    "western/central europe": "Europe/Berlin",
    "central europe": "Europe/Berlin",
    "western europe": "Europe/Lisbon",
    "eastern europe": "Europe/Bucharest",
    "eastern time (us & canada)": "America/New_York",
    "central time (us & canada)": "America/Chicago",
    "mountain time (us & canada)": "America/Denver",
    "pacific time (us & canada)": "America/Los_Angeles",
    "alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
}
_DISPLAY = re.compile(r"\(\s*(?:UTC|GMT)\s*(?:([+-])\s*(\d{1,2})(?:[:.]?(\d{2}))?)?\s*\)\s*(.*)",
                      re.IGNORECASE)


@cache
def _cities() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for name in sorted(available_timezones()):
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            found.setdefault(name.rsplit("/", 1)[-1].lower(), []).append(name)
    return {city: tuple(names) for city, names in found.items()}


def _standard_offset(name: str) -> timedelta | None:
    zone = _zone(name)
    if zone is None:
        return None
    offsets = [datetime(2025, month, 1, 12, tzinfo=UTC).astimezone(zone).utcoffset()
               for month in (1, 7)]
    return min(o for o in offsets if o is not None)


def _samples() -> list[datetime]:
    return [
        datetime(year, month, day, 12, tzinfo=UTC)
        for year in range(_FIRST_YEAR, _LAST_YEAR + 1)
        for month in range(1, 13)
        for day in (1, 16)
    ]


def _fingerprint(tz: tzinfo, instants: Iterable[datetime]) -> tuple[timedelta | None, ...]:
    return tuple(instant.astimezone(tz).utcoffset() for instant in instants)


@cache
def _iana_fingerprints() -> dict[tuple[timedelta | None, ...], tuple[str, ...]]:
    """All IANA zones grouped by their offsets at the sample instants (built once)."""
    samples = _samples()
    groups: dict[tuple[timedelta | None, ...], list[str]] = {}
    for name in sorted(available_timezones()):
        zone = _zone(name)
        if zone is None or name in {"localtime", "Factory"}:
            continue
        groups.setdefault(_fingerprint(zone, samples), []).append(name)
    return {key: tuple(names) for key, names in groups.items()}


def equivalent_iana(custom: RuleZone, hint: str = "", since: int = _FIRST_YEAR) -> str | None:
    """An IANA zone with the same offsets and switch instants as ``custom`` from the
    start of year ``since`` to the end of 2037, or None."""
    samples = _samples()
    candidates = _iana_fingerprints().get(_fingerprint(custom, samples), ())
    if not candidates:
        return None
    begin = datetime(max(since, 1900), 1, 1, tzinfo=UTC)
    end = datetime(2038, 1, 1, tzinfo=UTC)
    checks = [begin + timedelta(days=7 * week) for week in range((end - begin).days // 7)]
    checks += [instant + delta
               for instant in custom.transitions(begin, end)
               for delta in (timedelta(minutes=-2), timedelta(minutes=2))]
    expected = _fingerprint(custom, checks)
    for name in sorted(candidates, key=lambda name: _rank(name, hint)):
        if _fingerprint(ZoneInfo(name), checks) == expected:
            return name
    return None


# Where several IANA zones agree, these widely used ones are the least surprising.
_HUBS = (
    "UTC", "Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Helsinki",
    "Europe/Moscow", "America/New_York", "America/Chicago", "America/Denver",
    "America/Phoenix", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
    "America/Sao_Paulo", "America/Bogota", "America/Mexico_City", "Asia/Kolkata",
    "Asia/Shanghai", "Asia/Tokyo", "Asia/Singapore", "Asia/Dubai", "Australia/Sydney",
    "Australia/Brisbane", "Pacific/Auckland", "Africa/Johannesburg", "Africa/Lagos",
)


def _rank(name: str, hint: str) -> tuple[int, int, int, int, str]:
    words = {w.lower() for w in hint.replace(",", " ").replace("/", " ").split()}
    city = name.rsplit("/", 1)[-1].replace("_", " ").lower()
    named = 0 if city in hint.lower() or city in words else 1
    # Zones Windows maps to are the "main" zone of their region: good defaults.
    main = 0 if name in _main_zones() else 1
    odd = 0 if "/" in name and not name.startswith(("Etc/", "SystemV/")) else 1
    hub = _HUBS.index(name) if name in _HUBS else len(_HUBS)
    return (named, hub, main, odd, name)


@cache
def _main_zones() -> frozenset[str]:
    return frozenset(WINDOWS_TO_OLSON.values())
