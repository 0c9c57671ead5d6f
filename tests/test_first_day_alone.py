"""A session's first day in weeks kept nowhere is answered on its own
(``OccurrenceIndex._window_alone``: only the series ``series_window`` keeps are
expanded); that answer must be what the weeks answer and what brute force answers.

Each store is read by three sessions for the same windows: a fresh one (the window
alone where it may be), one that has read around each window first (its weeks,
expanded whole), and brute force over every block. The stores mix the day index's
generated blocks with series that may crowd a day, series split by THISANDFUTURE and
the planner's own series in planner.json, which must send the window to its weeks.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.adapters.index import OccurrenceIndex
from planner.app.service import PlannerService
from planner.core.model import Block, Recurrence, Source
from tests.test_day_index_differential import ZONES, a_store
from tests.test_week_cache import brute_force, rows, save

NOW = datetime(2025, 3, 3, 7, 0, tzinfo=UTC)
BASE = date(2025, 3, 3)


@st.composite
def odd_series(draw: st.DrawFn, n: int) -> list[Block]:
    """Series the first day alone must leave to the weeks, or read with care."""
    day = BASE + timedelta(days=draw(st.integers(-30, 30)))
    start = datetime.combine(day, time(draw(st.integers(0, 23)), 30), tzinfo=UTC)
    shape = draw(st.sampled_from(["crowded", "hours", "split", "rdates", "yearly"]))
    source = Source("Work", f"odd-{n}", content_hash=str(n))
    common = {"title": f"odd {n}", "sphere": "work", "tzid": draw(st.sampled_from(ZONES))}
    if shape == "split":  # the rest of a series, from its fifth week on
        rule = "FREQ=WEEKLY;BYDAY=MO,TH"
        later = start + timedelta(days=28, hours=2)
        return [Block(id=f"o{n}", start=start, end=start + timedelta(hours=1), source=source,
                      recurrence=Recurrence(rrule=rule), **common),
                Block(id=f"o{n}s", start=later, end=later + timedelta(hours=1),
                      recurrence=Recurrence(rrule=rule),
                      source=Source("Work", f"odd-{n}", recurrence_id=(
                          start + timedelta(days=28)).strftime("%Y%m%dT%H%M%SZ"),
                          content_hash="s"), **common)]
    rrule, rdates = {
        "crowded": ("FREQ=MINUTELY;INTERVAL=7", ()),
        "hours": ("FREQ=DAILY;BYHOUR=1,9,23;BYMINUTE=5", ()),
        "rdates": ("FREQ=WEEKLY;BYDAY=FR", (start + timedelta(days=3, hours=5),)),
        "yearly": ("FREQ=YEARLY;BYMONTH=3;BYDAY=2WE", ()),
    }[shape]
    return [Block(id=f"o{n}", start=start, end=start + timedelta(minutes=50), source=source,
                  recurrence=Recurrence(rrule=rrule, rdates=rdates), **common)]


@st.composite
def a_mixed_store(draw: st.DrawFn) -> list[Block]:
    blocks = draw(a_store())
    for n in range(draw(st.integers(0, 3))):
        blocks.extend(draw(odd_series(n)))
    return blocks


def own_series(day: date, zone: str) -> Block:
    start = datetime.combine(day, time(18), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    return Block(id="mine", title="my evening class", sphere="personal", start=start,
                 end=start + timedelta(hours=2), tzid=zone,
                 recurrence=Recurrence(rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=WE,SA"))


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(blocks=a_mixed_store(), asked=st.lists(st.tuples(st.integers(0, 10**6),
                                                        st.integers(-4, 4)),
                                              min_size=1, max_size=5),
       zone_name=st.sampled_from(ZONES), mine=st.booleans())
def test_a_first_day_alone_answers_like_its_weeks_and_brute_force(
        tmp_path_factory: object, blocks: list[Block], asked: list[tuple[int, int]],
        zone_name: str, mine: bool) -> None:
    home = Path(tmp_path_factory.mktemp("home"))  # type: ignore[attr-defined]
    save(home, blocks)
    zone = ZoneInfo(zone_name)
    if mine:
        PlannerService(home, tz=zone_name, clock=lambda: NOW).add(own_series(BASE, zone_name))
        blocks = [*blocks, own_series(BASE, zone_name)]
    days = []
    for pick, offset in asked:
        block = blocks[pick % len(blocks)]
        moment = block.planned[0][0] if block.planned else block.start
        anchor = moment.date() if isinstance(moment, datetime) else moment or BASE
        days.append(anchor + timedelta(days=offset))
    # What a day shows of a series crowding it depends on the window it is expanded in
    # (``recurrence.occurrences``): there the weeks' answer is the reference.
    crowded = any(b.recurrence and "MINUTELY" in (b.recurrence.rrule or "") for b in blocks)
    for day in days:
        first = PlannerService(home, tz=zone_name, clock=lambda: NOW)
        found = rows(first.agenda(day))
        by_weeks = PlannerService(home, tz=zone_name, clock=lambda: NOW)
        by_weeks.agenda(day - timedelta(days=1), 3)  # its weeks, expanded whole
        assert found == rows(by_weeks.agenda(day))
        if not crowded:
            assert found == brute_force(blocks, day, 1, zone)
    shutil.rmtree(home)


def test_the_first_day_alone_is_what_a_first_day_takes_and_then_weeks_are_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not vacuous: on a plain calendar the first day is answered alone, expanding only
    the series that can fall on it, and kept for the next session; the next day of
    that week expands the week and keeps it."""
    day = date(2025, 3, 12)  # a Wednesday
    blocks = []
    for n, weekday in enumerate(["MO", "TU", "WE", "TH", "FR", "MO,WE"]):
        start = datetime.combine(date(2025, 1, 6), time(9 + n), tzinfo=UTC)
        blocks.append(Block(id=f"s{n}", title=f"weekly {weekday}", sphere="work",
                            start=start, end=start + timedelta(minutes=30), tzid="UTC",
                            recurrence=Recurrence(rrule=f"FREQ=WEEKLY;BYDAY={weekday}"),
                            source=Source("Work", f"u{n}", content_hash=str(n))))
    save(tmp_path, blocks)
    expanded: list[list[str]] = []
    original = OccurrenceIndex._expand_window

    def spy(self: OccurrenceIndex, *args: object) -> object:
        found = original(self, *args)  # type: ignore[arg-type]
        assert found is not None
        expanded.append(sorted({row[0] for row in found.rows}))
        return found

    def kept() -> tuple[list[str], list[str]]:
        names = [p.name for p in (tmp_path / "calendars").glob(".weeks/*/*")]
        return [n for n in names if "+" in n], [n for n in names if "+" not in n]

    monkeypatch.setattr(OccurrenceIndex, "_expand_window", spy)
    service = PlannerService(tmp_path, tz="UTC", clock=lambda: NOW)
    assert [o.block.title for o in service.agenda(day)] == ["weekly WE", "weekly MO,WE"]
    assert expanded == [["s2", "s5"]]
    days, weeks = kept()
    assert len(days) == 1 and not weeks, "one day keeps itself, not its week"
    again = PlannerService(tmp_path, tz="UTC", clock=lambda: NOW)
    assert [o.block.title for o in again.agenda(day)] == ["weekly WE", "weekly MO,WE"]
    assert expanded == [["s2", "s5"]], "the next session reads the day back"
    assert [o.block.title for o in service.agenda(day + timedelta(days=1))] == ["weekly TH"]
    assert expanded == [["s2", "s5"]], "the second day of the week reads the week"
    assert kept()[1], "and keeps it"


def test_a_day_kept_for_other_series_is_not_read(tmp_path: Path) -> None:
    """A day's file is keyed by every series live in its weeks, like a week's."""
    day = date(2025, 3, 12)
    start = datetime.combine(date(2025, 1, 6), time(9), tzinfo=UTC)
    weekly = Block(id="s", title="weekly WE", sphere="work", start=start,
                   end=start + timedelta(minutes=30), tzid="UTC",
                   recurrence=Recurrence(rrule="FREQ=WEEKLY;BYDAY=WE"),
                   source=Source("Work", "u", content_hash="1"))
    save(tmp_path, [weekly])
    assert len(PlannerService(tmp_path, tz="UTC", clock=lambda: NOW).agenda(day)) == 1
    moved = Block(id="s", title="weekly TH", sphere="work", start=start,
                  end=start + timedelta(minutes=30), tzid="UTC",
                  recurrence=Recurrence(rrule="FREQ=WEEKLY;BYDAY=TH"),
                  source=Source("Work", "u", content_hash="2"))
    save(tmp_path, [moved])
    assert PlannerService(tmp_path, tz="UTC", clock=lambda: NOW).agenda(day) == []
