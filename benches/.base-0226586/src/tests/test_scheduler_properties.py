"""Property tests for the planner: invariants that hold for any day and any blocks."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.model import (
    PART_OF_DAY_HOURS,
    PERSONAL,
    WORK,
    Block,
    Energy,
    Kind,
    Occurrence,
    PartOfDay,
    Placement,
    PlanResult,
)
from planner.core.scheduler import plan_day, plan_days
from planner.core.settings import Settings, SphereInfo

ZONES = [ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]
DST_DAYS = [date(2026, 3, 29), date(2026, 10, 25), date(2026, 3, 8), date(2026, 11, 1)]
SPHERES = {WORK: SphereInfo(WORK, "#00f", WORK), PERSONAL: SphereInfo(PERSONAL, "#f80", PERSONAL),
           "client": SphereInfo("client", "#0f0", WORK),
           "health": SphereInfo("health", "#f00", PERSONAL)}
SPHERE_NAMES = sorted(SPHERES)
PROPS = settings(max_examples=60, deadline=None)

days_st = st.one_of(st.sampled_from(DST_DAYS),
                    st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)))


def _wall(day: date, minute: int, zone: ZoneInfo | None) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone) + timedelta(minutes=minute)


@st.composite
def fixed_st(draw: st.DrawFn, day: date, zone: ZoneInfo) -> Occurrence:
    start = draw(st.integers(0, 24 * 60 - 5))
    length = draw(st.integers(5, 300))
    floating = draw(st.booleans())
    # Wall time arithmetic here, then the zone decides the instant (DST included).
    s = _wall(day, start, None if floating else zone)
    e = _wall(day, start + length, None if floating else zone)
    block = Block(f"f{start}-{length}", "fixed", sphere=draw(st.sampled_from(SPHERE_NAMES)),
                  kind=Kind.FIXED, start=s, end=e,
                  transparent=draw(st.booleans()) and draw(st.booleans()),
                  travel=draw(st.sampled_from([None, None, timedelta(minutes=20)])),
                  energy=draw(st.sampled_from([None, Energy.DRAINING, Energy.NEUTRAL])))
    return Occurrence(block, s, e)


@st.composite
def flexible_st(draw: st.DrawFn, idx: int, day: date, zone: ZoneInfo) -> Block:
    duration = timedelta(minutes=draw(st.integers(5, 240)))
    earliest = deadline = pinned = None
    if draw(st.booleans()):
        earliest = _wall(day, draw(st.integers(0, 23 * 60)), zone)
    if draw(st.booleans()):
        deadline = _wall(day, draw(st.integers(60, 24 * 60)), zone)
    if draw(st.integers(0, 9)) == 0:
        pinned = _wall(day, draw(st.integers(6 * 60, 20 * 60)), zone)
    return Block(
        f"b{idx:03d}", "flex", sphere=draw(st.sampled_from(SPHERE_NAMES)), kind=Kind.FLEXIBLE,
        duration=duration, earliest=earliest, deadline=deadline, pinned_start=pinned,
        part_of_day=draw(st.sampled_from([None, None, *PartOfDay])),
        priority=draw(st.integers(-1, 2)),
        min_chunk=draw(st.sampled_from([None, None, timedelta(minutes=15), timedelta(minutes=45)])),
        done=draw(st.integers(0, 9)) == 0,
        energy=draw(st.sampled_from([None, Energy.DRAINING, Energy.ENERGIZING])),
    )


@st.composite
def settings_st(draw: st.DrawFn) -> Settings:
    hours = {WORK: {d: ((time(9), time(17, 30)),) for d in range(5)},
             "health": {d: ((time(6), time(9)), (time(18), time(21))) for d in range(7)}}
    return Settings(
        day_start=draw(st.sampled_from([time(7), time(0), time(5, 30)])),
        day_end=draw(st.sampled_from([time(22), time(0), time(23, 30)])),
        working_hours=hours, spheres=SPHERES,
        bridge=draw(st.sampled_from([timedelta(0), timedelta(minutes=15)])),
        granularity=draw(st.sampled_from([timedelta(minutes=5), timedelta(minutes=15)])),
    )


@st.composite
def case_st(draw: st.DrawFn) -> tuple[date, ZoneInfo, list[Occurrence], list[Block], Settings]:
    day = draw(days_st)
    zone = draw(st.sampled_from(ZONES))
    fixed = draw(st.lists(fixed_st(day, zone), max_size=8))
    n = draw(st.integers(0, 12))
    flexible = [draw(flexible_st(i, day, zone)) for i in range(n)]
    return day, zone, fixed, flexible, draw(settings_st())


def _ts(moment: datetime, zone: ZoneInfo) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).timestamp()


def _waking(day: date, zone: ZoneInfo, s: Settings) -> tuple[float, float]:
    lo = datetime.combine(day, s.day_start, tzinfo=zone).timestamp()
    end_day = day + timedelta(days=1) if s.day_end <= s.day_start else day
    return lo, datetime.combine(end_day, s.day_end, tzinfo=zone).timestamp()


def _busy(fixed: list[Occurrence], zone: ZoneInfo) -> list[tuple[float, float]]:
    out = []
    for occ in fixed:
        if occ.blocks_time:
            assert isinstance(occ.start, datetime) and isinstance(occ.end, datetime)
            lead = occ.block.travel.total_seconds() if occ.block.travel else 0
            out.append((_ts(occ.start, zone) - lead, _ts(occ.end, zone)))
    return out


def _overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _span(p: Placement) -> tuple[float, float]:
    return p.start.timestamp(), p.end.timestamp()


def _in_ranges(minute_of_day: float, ranges: tuple[tuple[time, time], ...]) -> bool:
    for a, b in ranges:
        lo = a.hour * 60 + a.minute
        hi = 24 * 60 if b <= a or b >= time(23, 59, 59) else b.hour * 60 + b.minute
        if lo <= minute_of_day <= hi:
            return True
    return False


def _check_minutewise(block: Block, p: Placement, zone: ZoneInfo, s: Settings) -> None:
    """An oracle independent of the scheduler's interval code: walk the minutes."""
    t = p.start.timestamp()
    end = p.end.timestamp()
    key = block.sphere if block.sphere in s.working_hours else s.parent_of(block.sphere)
    while t <= end:
        local = datetime.fromtimestamp(t, zone)
        # Times at the very end are midnight of the next day: count them as 24:00.
        minute = local.hour * 60 + local.minute + local.second / 60
        if local.date() != p.start.astimezone(zone).date() and minute == 0:
            minute = 24 * 60
        weekday = p.start.astimezone(zone).weekday()
        if block.part_of_day is not None:
            h1, h2 = PART_OF_DAY_HOURS[block.part_of_day]
            assert h1 * 60 <= minute <= h2 * 60, (block, p)
        if key in s.working_hours:
            assert _in_ranges(minute, s.working_hours[key].get(weekday, ())), (block, p)
        if s.is_work(block.sphere):
            inner = t not in (p.start.timestamp(), end)  # touching a boundary is fine
            if inner:
                assert not _in_ranges(minute, s.protected.get(weekday, ())), (block, p)
            if weekday in s.shutdown:
                sd = s.shutdown[weekday]
                assert minute <= sd.hour * 60 + sd.minute, (block, p)
        t = min(t + 60, end) if t < end else end + 1


def _check_result(case: tuple[date, ZoneInfo, list[Occurrence], list[Block], Settings],
                  result: PlanResult) -> None:
    day, zone, fixed, flexible, s = case
    by_id = {b.id: b for b in flexible}
    busy = _busy(fixed, zone)
    waking = _waking(day, zone, s)
    pinned_ids = {b.id for b in flexible if b.pinned_start is not None}
    free_placements = [p for p in result.placements if p.block_id not in pinned_ids]
    pins = [p for p in result.placements if p.block_id in pinned_ids]

    for i, p in enumerate(free_placements):
        span = _span(p)
        block = by_id[p.block_id]
        assert span[0] < span[1]
        assert waking[0] <= span[0] and span[1] <= waking[1], (p, waking)
        assert not any(_overlaps(span, b) for b in busy), p
        assert not any(_overlaps(span, _span(q)) for q in pins), p
        assert not any(_overlaps(span, _span(q)) for q in free_placements[i + 1:]), p
        if block.earliest:
            assert span[0] >= _ts(block.earliest, zone)
        if block.deadline:
            assert span[1] <= _ts(block.deadline, zone)
        local = p.start.astimezone(zone)
        grid = int(s.granularity.total_seconds()) // 60
        assert local.second == 0 and local.minute % grid == 0, p
        _check_minutewise(block, p, zone, s)

    for bridge in result.bridges:
        span = _span(bridge)
        assert bridge.block_id.startswith(f"bridge:{day.isoformat()}:")
        assert span[1] - span[0] == s.bridge.total_seconds()
        assert waking[0] <= span[0] and span[1] <= waking[1]
        assert not any(_overlaps(span, b) for b in busy)
        assert not any(_overlaps(span, _span(q)) for q in result.placements)
        assert not any(_overlaps(span, _span(q)) for q in result.bridges if q != bridge)

    placed_ids = {p.block_id for p in result.placements}
    unplaced_ids = [u.block_id for u in result.unplaced]
    assert len(unplaced_ids) == len(set(unplaced_ids))
    assert not placed_ids & set(unplaced_ids)
    for block in flexible:
        chunks = result.for_block(block.id)
        if block.done:
            assert not chunks and block.id not in unplaced_ids
            continue
        if chunks:
            total = sum((c.end.timestamp() - c.start.timestamp() for c in chunks), 0.0)
            assert total == block.length.total_seconds(), (block, chunks)
            if len(chunks) > 1:
                assert block.min_chunk is not None
                assert all(c.end - c.start >= block.min_chunk for c in chunks)
        if block.pinned_start is not None:
            on_day = _ts(block.pinned_start, zone)
            if datetime.fromtimestamp(on_day, zone).date() == day:
                assert [c.start.timestamp() for c in chunks] == [on_day]
            else:
                assert not chunks and block.id not in unplaced_ids
        else:
            assert bool(chunks) != (block.id in unplaced_ids), block


@PROPS
@given(case_st(), st.randoms(use_true_random=False))
def test_plan_day_invariants_and_determinism(
        case: tuple[date, ZoneInfo, list[Occurrence], list[Block], Settings],
        rnd: random.Random) -> None:
    day, zone, fixed, flexible, s = case
    result = plan_day(day, zone, fixed, flexible, s)
    _check_result(case, result)
    assert plan_day(day, zone, fixed, flexible, s) == result
    shuffled_fixed, shuffled_flex = list(fixed), list(flexible)
    rnd.shuffle(shuffled_fixed)
    rnd.shuffle(shuffled_flex)
    assert plan_day(day, zone, shuffled_fixed, shuffled_flex, s) == result


@PROPS
@given(case_st(), st.integers(1, 3), st.randoms(use_true_random=False))
def test_plan_days_places_each_block_once_within_its_days(
        case: tuple[date, ZoneInfo, list[Occurrence], list[Block], Settings], extra: int,
        rnd: random.Random) -> None:
    day, zone, fixed, flexible, s = case
    days = [day + timedelta(days=i) for i in range(extra + 1)]
    plans = plan_days(days, zone, {day: fixed}, flexible, s)
    assert sorted(plans) == days
    seen: dict[str, date] = {}
    for d, result in plans.items():
        for block_id in {p.block_id for p in result.placements} | {
                u.block_id for u in result.unplaced}:
            assert block_id not in seen, (block_id, seen[block_id], d)
            seen[block_id] = d
        for p in result.placements:
            block = next(b for b in flexible if b.id == p.block_id)
            if block.pinned_start is not None:
                continue  # the user's choice, constraints aside
            if block.deadline:
                assert p.end.timestamp() <= _ts(block.deadline, zone)
            if block.earliest:
                assert p.start.timestamp() >= _ts(block.earliest, zone)
    shuffled = list(flexible)
    rnd.shuffle(shuffled)
    assert plan_days(list(reversed(days)), zone, {day: fixed}, shuffled, s) == plans
    # One day alone is planned exactly as plan_day plans it.
    assert plan_days([day], zone, {day: fixed}, flexible, s)[day] == plan_day(
        day, zone, fixed, flexible, s)
