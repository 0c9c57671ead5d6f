"""``zonerules.readable`` against building the zone in full (``RuleZone``, dateutil).

The reader checks every VTIMEZONE of a file; ``readable`` answers without listing a
zone's onsets to 2200 when a bound on their number shows they fit. Both must agree on
every VTIMEZONE, including ones whose rules give more onsets than a zone may hold.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.core.zonerules import MAX_ONSETS, readable, zone_of

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def built(text: str) -> bool:
    """The full build, past the cache, as the reader did before ``readable``."""
    return zone_of.__wrapped__(text) is not None


@st.composite
def rules(draw: st.DrawFn) -> str:
    freq = draw(st.sampled_from(("YEARLY", "YEARLY", "YEARLY", "YEARLY", "MONTHLY", "DAILY")))
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append("BYMONTH=" + ",".join(str(m) for m in draw(
            st.lists(st.integers(0, 12), min_size=1, max_size=12, unique=True))))
    if draw(st.booleans()):
        days = draw(st.lists(st.tuples(st.sampled_from(("", "", "1", "-1", "2", "+3", "0", "5")),
                                       st.sampled_from(DAYS)), min_size=1, max_size=4))
        parts.append("BYDAY=" + ",".join(n + d for n, d in days))
    if draw(st.integers(0, 3)) == 0:
        parts.append("BYMONTHDAY=" + ",".join(str(d) for d in draw(
            st.lists(st.integers(-31, 32), min_size=1, max_size=3))))
    if draw(st.integers(0, 4)) == 0:
        parts.append(f"COUNT={draw(st.integers(0, 9000))}")
    if draw(st.integers(0, 4)) == 0:
        parts.append(f"UNTIL={draw(st.integers(1602, 2400))}0101T000000Z")
    if draw(st.integers(0, 4)) == 0:
        parts.append(f"INTERVAL={draw(st.integers(1, 3))}")
    if draw(st.integers(0, 9)) == 0:
        parts.append(draw(st.sampled_from(("BYSETPOS=-1", "WKST=SU", "BYHOUR=2", "X=1"))))
    text = ";".join(draw(st.permutations(parts)))
    return text.lower() if draw(st.integers(0, 9)) == 0 else text


@st.composite
def observances(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(("STANDARD", "DAYLIGHT")))
    year = draw(st.sampled_from((1601, 1970, 1970, 2007, 2007, 2199, 2300)))
    lines = [f"BEGIN:{kind}", f"DTSTART:{year:04d}0301T020000",
             f"TZOFFSETFROM:{draw(st.sampled_from(('+0100', '-0800', '+0530', 'x')))}",
             "TZOFFSETTO:+0200", f"TZNAME:{kind[:3]}"]
    for _ in range(draw(st.integers(0, 2))):
        lines.append(f"RRULE:{draw(rules())}")
    rdates = draw(st.sampled_from((0, 0, 0, 0, 0, 0, 0, 1, 3, 5200)))
    if rdates:
        lines.append("RDATE:" + ",".join(f"{2000 + k // 300:04d}{1 + k // 25 % 12:02d}"
                                          f"{1 + k % 25:02d}T020000" for k in range(rdates)))
    if draw(st.integers(0, 4)) == 0:
        lines.append("EXDATE:20100301T020000")
    if draw(st.integers(0, 19)) == 0:
        lines.append("EXRULE:FREQ=YEARLY")
    lines.append(f"END:{kind}")
    return "\n".join(lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(observances(), max_size=3))
def test_readable_agrees_with_building_the_zone(parts: list[str]) -> None:
    text = "\n".join(["BEGIN:VTIMEZONE", "TZID:Test/Zone", *parts, "END:VTIMEZONE"])
    assert readable(text) == built(text)


def test_a_zone_with_too_many_onsets_is_not_readable() -> None:
    # Yearly, but every Sunday of every month from 1601: more onsets than a zone holds.
    text = "\n".join([
        "BEGIN:VTIMEZONE", "TZID:Busy", "BEGIN:STANDARD", "DTSTART:16010101T020000",
        "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100",
        "RRULE:FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYDAY=SU",
        "END:STANDARD", "END:VTIMEZONE"])
    assert not built(text)
    assert not readable(text)
    assert MAX_ONSETS < 600 * 52


def test_the_usual_zones_are_readable_without_being_built() -> None:
    text = "\n".join([
        "BEGIN:VTIMEZONE", "TZID:Pacific Standard Time",
        "BEGIN:STANDARD", "DTSTART:16010101T020000", "TZOFFSETFROM:-0700",
        "TZOFFSETTO:-0800", "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11", "END:STANDARD",
        "BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:-0800",
        "TZOFFSETTO:-0700", "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3", "END:DAYLIGHT",
        "END:VTIMEZONE"])
    zone_of.cache_clear()
    assert readable(text)
    assert zone_of.cache_info().misses == 0  # decided by the bound: nothing listed
    assert built(text)
