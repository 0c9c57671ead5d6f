"""Turning the time-zone names found in real calendar files into IANA zones.

Files name zones in several ways: IANA names (``Europe/Berlin``), Windows names
(``W. Europe Standard Time``, Outlook/Exchange), "globally unique" vendor paths
(``/mozilla.org/20050126_1/Europe/Berlin``) and free text backed by a custom
VTIMEZONE (``Customized Time Zone``). Blocks store an IANA name so recurrence can
follow the zone's real rules; a custom VTIMEZONE is mapped to the IANA zone whose
offsets agree with it over the years that matter today.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import icalendar
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

_UTC_NAMES = frozenset({"utc", "gmt", "z", "etc/utc", "etc/gmt", "zulu", "universal"})

# Compare custom zones with IANA ones over these years: recent enough that the
# IANA history matches what a calendar's simplified VTIMEZONE rules describe.
_FIRST_YEAR = 2019
_LAST_YEAR = 2031
# Switch instants are compared to the minute over a few of those years only, as
# dateutil's VTIMEZONE zones are slow to query.
_EXACT_YEARS = (2025, 2027)


class UnknownZoneError(ValueError):
    """A TZID that names no zone we know and has no usable VTIMEZONE."""


@dataclass(frozen=True, slots=True)
class ResolvedZone:
    """A zone to interpret wall times in.

    ``name`` is the IANA name (``"UTC"`` for UTC) or None when a custom VTIMEZONE has
    no IANA equivalent; ``tz`` is what converts wall time to instants either way.
    """

    name: str | None
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


def resolve_zone(tzid: str, vtimezones: dict[str, icalendar.Timezone]) -> ResolvedZone:
    """Resolve a TZID parameter using the calendar's own VTIMEZONE components.

    Raises UnknownZoneError when the name is unknown and no VTIMEZONE defines it.
    """
    name = iana_name(tzid)
    if name is not None:
        return UTC_ZONE if name == "UTC" else ResolvedZone(name, ZoneInfo(name))
    component = vtimezones.get(tzid) or vtimezones.get(tzid.strip('"'))
    if component is None:
        raise UnknownZoneError(f"unknown time zone {tzid!r}")
    return zone_from_vtimezone(component)


def zone_from_vtimezone(component: icalendar.Timezone) -> ResolvedZone:
    """The IANA equivalent of a VTIMEZONE, or the custom zone itself if none agrees."""
    return _zone_from_vtimezone_text(component.to_ical())


@cache
def _zone_from_vtimezone_text(text: bytes) -> ResolvedZone:
    # Files repeat the same VTIMEZONE a lot (one per VCALENDAR, every import).
    component = icalendar.Timezone.from_ical(text)
    tzid = str(component.get("TZID", ""))
    name = iana_name(tzid)
    if name is not None:
        return UTC_ZONE if name == "UTC" else ResolvedZone(name, ZoneInfo(name))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            custom = component.to_tz(lookup_tzid=False)
    except Exception as exc:  # icalendar raises many kinds for broken VTIMEZONEs
        raise UnknownZoneError(f"time zone {tzid!r} has a VTIMEZONE that cannot be read") from exc
    match = equivalent_iana(custom, hint=tzid)
    if match is None:
        return ResolvedZone(None, custom)
    return UTC_ZONE if match == "UTC" else ResolvedZone(match, ZoneInfo(match))


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


def _transitions(tz: tzinfo, samples: list[datetime]) -> list[datetime]:
    """Instants (to the minute) where ``tz`` changes offset between samples."""
    found = []
    for before, after in pairwise(samples):
        if before.astimezone(tz).utcoffset() == after.astimezone(tz).utcoffset():
            continue
        low, high = before, after
        while high - low > timedelta(minutes=1):
            mid = low + (high - low) / 2
            if mid.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset():
                low = mid
            else:
                high = mid
        found.append(high)
    return found


def equivalent_iana(custom: tzinfo, hint: str = "") -> str | None:
    """An IANA zone with the same offsets and switch instants as ``custom``, or None."""
    samples = _samples()
    candidates = _iana_fingerprints().get(_fingerprint(custom, samples), ())
    if not candidates:
        return None
    exact = [s for s in samples if _EXACT_YEARS[0] <= s.year <= _EXACT_YEARS[1]]
    checks = [
        instant + delta
        for instant in _transitions(custom, exact)
        for delta in (timedelta(minutes=-2), timedelta(minutes=2))
    ]
    expected = _fingerprint(custom, checks)
    agreeing = [name for name in candidates if _fingerprint(ZoneInfo(name), checks) == expected]
    if not agreeing:
        return None
    return min(agreeing, key=lambda name: _rank(name, hint))


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
