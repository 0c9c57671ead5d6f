"""Choosing what to export costs what the blocks cost, not what the range spans.

`export --from 0002-01-01 --to 9997-12-31` used to expand every day of the window (over
60 s for one daily series). Each series is now asked for its first occurrence from the
range's start; this is checked against the full expansion of ``occurrences``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.model import Block, Recurrence, Source
from planner.core.recurrence import occurrences, occurs_between, recurrence_id_text

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 2, 8, tzinfo=UTC)


def _series(rule: str | None, exdays: list[int], overridden: dict[int, int],
            length: int) -> list[Block]:
    """A master from START with ``rule`` (every ``exdays`` day after START excluded) and
    overrides moving the instance of day N by M days."""
    wall = START.astimezone(BERLIN)  # days added to the wall time, as the rule counts
    exdates = tuple(wall + timedelta(days=d) for d in exdays)
    master = Block(id="m", title="m", start=START, end=START + timedelta(minutes=length),
                   tzid="Europe/Berlin",
                   recurrence=Recurrence(rule, (), exdates) if rule else None,
                   source=Source("cal", "uid@x", None))
    blocks = [master]
    for n, (day, shift) in enumerate(sorted(overridden.items())):
        original = wall + timedelta(days=day)
        moved = original + timedelta(days=shift)
        blocks.append(Block(id=f"o{n}", title="o", start=moved,
                            end=moved + timedelta(minutes=length), tzid="Europe/Berlin",
                            source=Source("cal", "uid@x", recurrence_id_text(original))))
    return blocks


RULES = st.sampled_from([
    None, "FREQ=DAILY", "FREQ=DAILY;COUNT=5", "FREQ=DAILY;INTERVAL=3",
    "FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=DAILY;UNTIL=20260320T000000Z", "FREQ=HOURLY;COUNT=40",
    "FREQ=MONTHLY;BYMONTHDAY=2", "FREQ=YEARLY", "FREQ=MINUTELY;INTERVAL=20",
    "FREQ=WEEKLY;COUNT=4;BYDAY=MO,TU,WE",
])


@settings(max_examples=150, deadline=None)
@given(rule=RULES, exdays=st.lists(st.integers(0, 40), max_size=6),
       overridden=st.dictionaries(st.integers(0, 40), st.integers(-5, 60), max_size=4),
       length=st.sampled_from([0, 30, 60 * 30]), offset=st.integers(-10 * 24, 60 * 24),
       hours=st.integers(1, 24 * 20))
def test_first_occurrence_agrees_with_full_expansion(
        rule: str | None, exdays: list[int], overridden: dict[int, int], length: int,
        offset: int, hours: int) -> None:
    blocks = _series(rule, exdays, overridden, length)
    start = START + timedelta(hours=offset)
    end = start + timedelta(hours=hours)
    expected = bool(occurrences(blocks, start, end, BERLIN))
    assert occurs_between(blocks, start, end, BERLIN) == expected


def test_a_run_of_excluded_instances_is_looked_past() -> None:
    """More excluded instances in a row than one batch looks at."""
    blocks = _series("FREQ=DAILY", list(range(200)), {}, 30)
    start = START - timedelta(days=1)
    assert occurs_between(blocks, start, START + timedelta(days=201), BERLIN)
    assert not occurs_between(blocks, start, START + timedelta(days=199), BERLIN)
    assert not occurrences(blocks, start, START + timedelta(days=199), BERLIN)


@pytest.mark.timeout(120)  # a hang guard only: this used to take minutes
def test_exporting_years_2_to_9997_holds_a_daily_series_once(cli) -> None:
    cli("add", "Standup", "--at", "2026-11-23 09:00", "--for", "15m", "--repeat", "daily",
        check=True)
    cli("add", "Dentist", "--at", "2026-11-25 14:00", "--for", "45m", check=True)
    result = cli("export", "-", "--from", "0002-01-01", "--to", "9997-12-31", check=True)
    text = result.stdout.replace("\r\n", "\n")
    assert text.count("BEGIN:VEVENT") == 2
    assert text.count("SUMMARY:Standup") == 1 and text.count("SUMMARY:Dentist") == 1
    assert "RRULE:FREQ=DAILY" in text


@pytest.mark.timeout(120)
def test_a_far_range_without_the_blocks_exports_nothing(cli) -> None:
    cli("add", "Dentist", "--at", "2026-11-25 14:00", "--for", "45m", check=True)
    cli("add", "Standup", "--at", "2026-11-23 09:00", "--for", "15m", "--repeat",
        "daily until 2026-12-31", check=True)
    result = cli("export", "-", "--from", "2027-01-01", "--to", "9997-12-31", check=True)
    assert "BEGIN:VEVENT" not in result.stdout
