"""benches/gen_calendar.py writes valid, varied, deterministic calendars of the asked size."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from datetime import date, datetime
from functools import cache
from pathlib import Path
from types import ModuleType

import icalendar
import pytest
import recurring_ical_events
import vobject
from dateutil.rrule import rrulestr

SCRIPT = Path(__file__).resolve().parent.parent / "benches" / "gen_calendar.py"


@cache
def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_calendar", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_calendar"] = module
    spec.loader.exec_module(module)
    return module


@cache
def _data_1k() -> bytes:
    return _module().generate(1000, seed=7)


@cache
def _events_1k() -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(_data_1k()).walk("VEVENT"))


def test_1k_parses_with_the_asked_count_and_share_of_series() -> None:
    events = _events_1k()
    assert abs(len(events) - 1000) <= 50
    masters = [e for e in events if "RRULE" in e]
    assert 20 <= len(masters) <= 40  # ~3 %
    assert any("RECURRENCE-ID" in e for e in events)


@pytest.mark.parametrize("n", [0, 1, 7, 250])
def test_small_sizes_are_valid_and_exact(n: int) -> None:
    cal = icalendar.Calendar.from_ical(_module().generate(n, seed=2))
    assert len(list(cal.walk("VEVENT"))) == n


def test_deterministic_for_a_seed() -> None:
    gen = _module().generate
    assert gen(300, seed=3) == gen(300, seed=3)
    assert gen(300, seed=3) != gen(300, seed=4)
    assert gen(300, seed=3, start=date(2020, 1, 1)) != gen(300, seed=3)


def test_lines_are_crlf_folded_within_75_octets() -> None:
    data = _data_1k()
    assert data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # folding never splits a multi-byte character
    assert any(len(line) > len(line.decode()) for line in lines), "no non-ASCII text at all"


def test_every_tzid_has_a_vtimezone_and_components_are_well_formed() -> None:
    data = _data_1k()
    unfolded = data.decode().replace("\r\n ", "")
    used = set(re.findall(r";TZID=([^:;]+)[:;]", unfolded))
    cal = icalendar.Calendar.from_ical(data)
    defined = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    assert used == defined
    assert {"America/New_York", "Europe/Berlin", "Pacific Standard Time"} <= used
    identities = Counter()
    for event in _events_1k():
        for prop in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
            assert prop in event
        assert not ("DTEND" in event and "DURATION" in event)
        if "DTEND" in event:
            assert event["DTEND"].dt > event["DTSTART"].dt
        rid = event.get("RECURRENCE-ID")
        identities[(str(event["UID"]), rid.dt if rid else None)] += 1
    assert max(identities.values()) == 1


def test_calendar_has_the_variety_real_exports_have() -> None:
    events = _events_1k()
    text = _data_1k().decode().replace("\r\n ", "")
    all_day = [e for e in events if not isinstance(e["DTSTART"].dt, datetime)]
    assert all_day
    assert any("DURATION" in e for e in events)
    assert any(e.get("TRANSP") == "TRANSPARENT" for e in events)
    assert any(e.get("STATUS") == "CANCELLED" for e in events)
    assert any("EXDATE" in e for e in events)
    assert any(str(e["DTSTART"].dt.tzinfo) == "UTC" for e in events if e not in all_day)
    assert all(
        f";TZID={zone}:" in text
        for zone in ("Europe/London", "Asia/Tokyo", "Pacific Standard Time")
    )
    for rule in ("INTERVAL=2", "BYDAY=MO,TU,WE,TH,FR", "FREQ=MONTHLY;BYDAY="):
        assert f"RRULE:{rule}" in text or f";{rule}" in text, rule
    with_details = [e for e in events if "DESCRIPTION" in e and "ATTENDEE" in e]
    assert len(with_details) > 50
    assert 250_000 < len(_data_1k()) < 1_000_000  # so 10k events make a few MB


def _wall(moment: date) -> datetime:
    """Wall-clock time without zone, which is what RRULE/EXDATE/RECURRENCE-ID match on."""
    assert isinstance(moment, datetime)
    return moment.replace(tzinfo=None)


def test_exdates_and_overrides_hit_real_occurrences() -> None:
    events = _events_1k()
    masters = {str(e["UID"]): e for e in events if "RRULE" in e}
    checked = 0
    for uid, master in masters.items():
        start = _wall(master["DTSTART"].dt)
        rule = master["RRULE"].to_ical().decode()
        if "UNTIL" in rule:  # UNTIL is UTC; compare on wall time with a naive bound
            rule = re.sub(r"UNTIL=(\d{8}T\d{6})Z", r"UNTIL=\1", rule)
        occurrences = set(rrulestr(rule, dtstart=start)[:200])
        assert start in occurrences  # DTSTART matches its own rule
        exdates = master.get("EXDATE", [])
        for group in exdates if isinstance(exdates, list) else [exdates]:
            for exdate in group.dts:
                assert _wall(exdate.dt) in occurrences, (uid, exdate.dt)
                checked += 1
        for event in events:
            if str(event["UID"]) == uid and "RECURRENCE-ID" in event:
                assert _wall(event["RECURRENCE-ID"].dt) in occurrences
                checked += 1
    assert checked > 20


def test_expands_with_recurring_ical_events_and_an_independent_parser() -> None:
    cal = icalendar.Calendar.from_ical(_data_1k())
    month = recurring_ical_events.of(cal).between(date(2025, 3, 1), date(2025, 4, 1))
    assert len(month) > 20
    parsed = vobject.readOne(_data_1k().decode())
    assert len(parsed.vevent_list) == len(_events_1k())


def test_cli_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "cal.ics"
    assert _module().main(["40", "-o", str(out), "--seed", "5"]) == 0
    assert out.read_bytes() == _module().generate(40, seed=5)
