"""The day index on disk (the fast path) answers exactly what the plain path answers.

Random calendars (single, multi-day, long, all-day, floating, series with overrides,
flexible blocks with placements) are saved through the store, then every asked day is
read three ways: through the day index (``calendars/<slug>.days``), with the day index
gone (documents bucketed in memory), and by brute force (``recurrence.occurrences``
over every block, no index at all). All three must agree.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.adapters.store import CALENDAR_DIR, Store
from planner.app.service import PlannerService
from planner.core.model import Block, Kind, Recurrence, Source
from planner.core.recurrence import occurrences

BASE = date(2025, 3, 3)
ZONES = ["Europe/Berlin", "America/New_York", "Pacific/Apia", "UTC"]
NOW = datetime(2025, 3, 3, 7, 0, tzinfo=UTC)


@st.composite
def a_block(draw: st.DrawFn, n: int) -> list[Block]:
    """One block (a series may come with an override); ids are unique by ``n``."""
    calendar = draw(st.sampled_from(["Work", "Work", "Team"]))
    uid = f"uid-{n}"
    source = Source(calendar, uid, content_hash=str(n))
    day = BASE + timedelta(days=draw(st.integers(-400, 400)))
    kind = draw(st.sampled_from(["timed", "timed", "floating", "allday", "long", "series",
                                 "flexible"]))
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    start_local = datetime.combine(day, time(draw(st.integers(0, 23)),
                                             draw(st.sampled_from([0, 15, 30, 45]))))
    length = timedelta(minutes=draw(st.sampled_from([15, 60, 90, 600, 1500, 4000])))
    common = {"id": f"b{n}", "title": f"block {n}", "sphere": "work", "source": source}
    if kind == "flexible":
        # Done, so the planner leaves its placement be: an open block's placement is the
        # planner's to move (it rolls forward, or leaves hours it may not use).
        planned_at = start_local.replace(tzinfo=zone).astimezone(UTC)
        return [Block(kind=Kind.FLEXIBLE, duration=timedelta(minutes=30), day=day, done=True,
                      planned=((planned_at, planned_at + timedelta(minutes=30)),), **common)]
    if kind == "allday":
        return [Block(start=day, end=day + timedelta(days=draw(st.integers(1, 9))), **common)]
    if kind == "long":
        return [Block(start=day, end=day + timedelta(days=draw(st.integers(46, 200))),
                      **common)]
    if kind == "floating":
        return [Block(start=start_local, end=start_local + length, **common)]
    start = start_local.replace(tzinfo=zone).astimezone(UTC)
    if kind == "timed":
        return [Block(start=start, end=start + length, tzid=zone.key, **common)]
    rule = draw(st.sampled_from(["FREQ=WEEKLY", "FREQ=DAILY;BYDAY=MO,WE,FR",
                                 "FREQ=WEEKLY;COUNT=5", "FREQ=DAILY;UNTIL=20250320T000000Z",
                                 "FREQ=MONTHLY;BYDAY=2TU"]))
    master = Block(start=start, end=start + timedelta(minutes=45), tzid=zone.key,
                   recurrence=Recurrence(rrule=rule), **common)
    blocks = [master]
    if draw(st.booleans()):
        slot = start + timedelta(days=7 if "WEEKLY" in rule else 2)
        moved = slot + timedelta(hours=draw(st.integers(-30, 30)))
        blocks.append(Block(id=f"b{n}o", title=f"block {n} moved", sphere="work",
                            start=moved, end=moved + timedelta(minutes=45), tzid=zone.key,
                            source=Source(calendar, uid, recurrence_id=slot.strftime(
                                "%Y%m%dT%H%M%SZ"), content_hash="o")))
    return blocks


@st.composite
def a_store(draw: st.DrawFn) -> list[Block]:
    count = draw(st.integers(1, 30))
    blocks: list[Block] = []
    for n in range(count):
        blocks.extend(draw(a_block(n)))
    return blocks


def _key(occ: object) -> tuple[object, ...]:
    return (occ.block.id, occ.start, occ.end, occ.chunk)  # type: ignore[attr-defined]


def _brute_force(blocks: list[Block], first: date, days: int, zone: ZoneInfo
                 ) -> list[tuple[object, ...]]:
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(first + timedelta(days=days), time(0), tzinfo=zone)
    found = [_key(o) for o in occurrences(blocks, start, end, zone)]
    for block in blocks:
        for s, e in block.planned:
            if s < end and e > start:
                found.append((block.id, s, e, None))
    return sorted(found, key=repr)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(blocks=a_store(), asked=st.lists(st.tuples(st.integers(0, 10**6), st.integers(-4, 4),
                                                  st.integers(1, 9)), min_size=1, max_size=8),
       zone_name=st.sampled_from(ZONES))
def test_the_day_index_answers_like_the_plain_path_and_brute_force(
        tmp_path_factory: object, blocks: list[Block], asked: list[tuple[int, int, int]],
        zone_name: str) -> None:
    home = Path(tmp_path_factory.mktemp("home"))  # type: ignore[attr-defined]
    store = Store(home)
    with store.transaction():
        for calendar in {b.source.calendar for b in blocks if b.source}:
            store.write_calendar(calendar, upsert=[b for b in blocks if b.source
                                                   and b.source.calendar == calendar],
                                 meta={"sphere": "work"})
    days_files = sorted((home / CALENDAR_DIR).glob("*.days"))
    assert days_files, "the commit writes a day index beside each calendar"

    fast = PlannerService(home, tz=zone_name, clock=lambda: NOW)
    docs, sources = fast.session.store.day_sources()
    assert len(sources) == len(days_files) and not [d for d in docs if "source" in d]
    kept = {p: p.read_bytes() for p in days_files}
    for path in days_files:
        path.unlink()
    plain = PlannerService(home, tz=zone_name, clock=lambda: NOW)
    _, plain_sources = plain.session.store.day_sources()
    assert plain_sources == []
    zone = ZoneInfo(zone_name)
    for pick, offset, days in asked:
        # Near some block's start (or placement), so most days asked hold something.
        block = blocks[pick % len(blocks)]
        moment = block.planned[0][0] if block.planned else block.start
        anchor = moment.date() if isinstance(moment, datetime) else moment or BASE
        first = anchor + timedelta(days=offset)
        expected = _brute_force(blocks, first, days, zone)
        assert sorted(map(_key, fast.agenda(first, days)), key=repr) == expected
        assert sorted(map(_key, plain.agenda(first, days)), key=repr) == expected
    # The plain read rebuilt the day index for the next command, the same bytes.
    assert {p: p.read_bytes()[:200] for p in days_files}.keys() == kept.keys()
    shutil.rmtree(home)


def test_edits_in_an_open_session_shadow_the_day_index(tmp_path: Path) -> None:
    """Moving or deleting an imported event in the app shows at once, and on disk."""
    start = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)
    blocks = [Block(id=f"w{n}", title=f"meeting {n}", sphere="work", start=start
                    + timedelta(hours=n), end=start + timedelta(hours=n, minutes=30),
                    tzid="UTC", source=Source("Work", f"u{n}", content_hash=str(n)))
              for n in range(3)]
    store = Store(tmp_path)
    with store.transaction():
        store.write_calendar("Work", upsert=blocks, meta={"sphere": "work"})
    service = PlannerService(tmp_path, tz="UTC", clock=lambda: NOW)
    day = date(2025, 3, 12)
    assert [o.block.id for o in service.agenda(day)] == ["w0", "w1", "w2"]
    assert service.session.store.day_sources()[1], "read through the day index"
    service.move("w0", timedelta(days=1))
    service.remove("w1")
    assert [o.block.id for o in service.agenda(day)] == ["w2"]
    assert [o.block.id for o in service.agenda(day + timedelta(days=1))] == ["w0"]
    again = PlannerService(tmp_path, tz="UTC", clock=lambda: NOW)
    assert again.session.store.day_sources()[1], "the edit rewrote the day index"
    assert [o.block.id for o in again.agenda(day)] == ["w2"]
    assert [o.block.id for o in again.agenda(day + timedelta(days=1))] == ["w0"]
