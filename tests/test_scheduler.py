"""Hand-worked days for the planner (planner.core.scheduler)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from planner.core.model import (
    PERSONAL,
    WORK,
    Block,
    Energy,
    Kind,
    Occurrence,
    PartOfDay,
    PlanResult,
)
from planner.core.scheduler import Plan, day_bridges, format_duration, plan_horizon
from planner.core.settings import Settings

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WED = date(2026, 3, 4)  # a Wednesday in CET (+01:00)
SAT = date(2026, 3, 7)


def at(day: date, hh: int, mm: int = 0, zone: ZoneInfo | None = BERLIN) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=zone)


def fixed(bid: str, start: datetime, end: datetime, sphere: str = WORK,
          **kw: object) -> Occurrence:
    block = Block(bid, bid, sphere=sphere, kind=Kind.FIXED, start=start, end=end, **kw)  # type: ignore[arg-type]
    return Occurrence(block, start, end)


def flex(bid: str, minutes: int, sphere: str = PERSONAL, **kw: object) -> Block:
    return Block(bid, bid, sphere=sphere, kind=Kind.FLEXIBLE,  # type: ignore[arg-type]
                 duration=timedelta(minutes=minutes), **kw)


def plan_one(day: date, occs: list[Occurrence], blocks: list[Block],
             settings: Settings, *, now: datetime | None = None) -> Plan:
    """Plan ``day`` alone, as seen from its midnight (or ``now``)."""
    return plan_horizon(blocks, zone=BERLIN, settings=settings, now=now or at(day, 0),
                        fixed_on=lambda d: occs if d == day else [], horizon=1)


def plan_week(first: date, occs: dict[date, list[Occurrence]], blocks: list[Block],
              settings: Settings | None = None, *, now: datetime | None = None,
              horizon: int = 56) -> Plan:
    return plan_horizon(blocks, zone=BERLIN, settings=settings or Settings(),
                        now=now or at(first, 0), fixed_on=lambda d: occs.get(d, []),
                        horizon=horizon)


def spans(result: Plan, bid: str) -> list[tuple[str, str]]:
    def hm(t: datetime) -> str:
        return t.astimezone(BERLIN).strftime("%H:%M")

    return [(hm(p.start), hm(p.end)) for p in result.placements.get(bid, ())]


def where(result: Plan, bid: str) -> list[str]:
    """``Wed 10:00-12:00`` per chunk."""
    return [f"{p.start.astimezone(BERLIN):%a %H:%M}-{p.end.astimezone(BERLIN):%H:%M}"
            for p in result.placements.get(bid, ())]


def reason(result: Plan, bid: str) -> str:
    assert bid not in result.placements, result
    return result.unplaced[bid]


def eod(day: date) -> datetime:
    """A date-only deadline: the end of ``day`` (the next midnight)."""
    return at(day + timedelta(days=1), 0)


def placed(block: Block, result: Plan) -> Block:
    """``block`` with the placement ``result`` gave it saved, as the app saves it."""
    from dataclasses import replace

    return replace(block, planned=tuple((p.start, p.end) for p in result.placements[block.id]))


# --- format_duration -----------------------------------------------------------------


@pytest.mark.parametrize(("td", "text"), [
    (timedelta(hours=2), "2 h"),
    (timedelta(hours=1, minutes=15), "1 h 15 min"),
    (timedelta(minutes=45), "45 min"),
    (timedelta(0), "0 min"),
    (timedelta(hours=25), "25 h"),
    (timedelta(minutes=-30), "-30 min"),
])
def test_format_duration(td: timedelta, text: str) -> None:
    assert format_duration(td) == text


# --- basics --------------------------------------------------------------------------


def test_example_from_brief_places_after_the_meeting() -> None:
    meeting = fixed("m", at(WED, 9), at(WED, 10))
    task = flex("t", 120, earliest=at(WED, 8), deadline=at(WED, 12))
    result = plan_one(WED, [meeting], [task], Settings())
    assert spans(result, "t") == [("10:00", "12:00")]
    assert result.unplaced == {}
    assert result.placements["t"][0].start.tzinfo is BERLIN


def test_personal_block_starts_at_waking_time() -> None:
    result = plan_one(WED, [], [flex("p", 30)], Settings())
    assert spans(result, "p") == [("07:00", "07:30")]


def test_deadline_before_earliest_is_explained() -> None:
    task = flex("t", 120, earliest=at(WED, 13), deadline=at(WED, 12))
    result = plan_one(WED, [], [task], Settings())
    assert result.placements == {}
    assert reason(result, "t") == "it may start only today 13:00, after its deadline (today 12:00)"


def test_largest_free_slot_before_deadline_is_reported() -> None:
    meeting = fixed("m", at(WED, 9), at(WED, 10, 45))
    task = flex("t", 120, earliest=at(WED, 8), deadline=at(WED, 12))
    result = plan_one(WED, [meeting], [task], Settings())
    assert reason(result, "t") == ("Today's waking hours are full; needs 2 h, the largest free "
                                   "slot before the deadline is 1 h 15 min")


def test_earliest_after_waking_hours_rolls_to_the_next_day() -> None:
    task = flex("t", 30, earliest=at(WED, 23))
    assert where(plan_week(WED, {}, [task]), "t") == ["Thu 07:00-07:30"]
    assert reason(plan_one(WED, [], [task], Settings()), "t") == (
        "there are no waking hours today")


def test_done_blocks_are_skipped_silently() -> None:
    assert plan_one(WED, [], [flex("d", 30, done=True)], Settings()) == Plan()


def test_block_without_duration_is_unplaced() -> None:
    block = Block("x", "x", kind=Kind.FLEXIBLE)
    assert reason(plan_one(WED, [], [block], Settings()), "x") == "it has no duration"


def test_starts_snap_to_the_granularity_grid() -> None:
    meeting = fixed("m", at(WED, 7), at(WED, 9, 7), sphere=PERSONAL)
    result = plan_one(WED, [meeting], [flex("p", 30, sphere=WORK)], Settings())
    assert spans(result, "p") == [("09:10", "09:40")]
    coarse = Settings(granularity=timedelta(minutes=30))
    result = plan_one(WED, [meeting], [flex("p", 30, sphere=WORK)], coarse)
    assert spans(result, "p") == [("09:30", "10:00")]


def test_now_is_rounded_up_to_the_grid() -> None:
    result = plan_one(WED, [], [flex("p", 30)], Settings(), now=at(WED, 10, 2))
    assert spans(result, "p") == [("10:05", "10:35")]


def test_transparent_and_all_day_fixed_do_not_block() -> None:
    holiday = Block("h", "Holiday", kind=Kind.FIXED, start=WED, end=WED + timedelta(days=1))
    marker = fixed("marker", at(WED, 7), at(WED, 12), sphere=PERSONAL, transparent=True)
    occs = [Occurrence(holiday, WED, WED + timedelta(days=1)), marker]
    result = plan_one(WED, occs, [flex("p", 60)], Settings())
    assert spans(result, "p") == [("07:00", "08:00")]


def test_never_placed_over_fixed_or_other_placements() -> None:
    occs = [fixed("a", at(WED, 7), at(WED, 8), sphere=PERSONAL),
            fixed("b", at(WED, 9), at(WED, 10), sphere=PERSONAL)]
    blocks = [flex("x", 60), flex("y", 60), flex("z", 60)]
    result = plan_one(WED, occs, blocks, Settings())
    assert spans(result, "x") == [("08:00", "09:00")]
    assert spans(result, "y") == [("10:00", "11:00")]
    assert spans(result, "z") == [("11:00", "12:00")]


def test_an_event_of_the_night_before_blocks_the_early_morning() -> None:
    settings = Settings(day_start=time(0, 0))
    night = fixed("n", at(WED - timedelta(days=1), 23), at(WED, 2), sphere=PERSONAL)
    result = plan_horizon([flex("p", 60)], zone=BERLIN, settings=settings, now=at(WED, 0),
                          fixed_on=lambda d: [night] if d in (WED, WED - timedelta(days=1))
                          else [], horizon=1)
    assert spans(result, "p") == [("02:00", "03:00")]


# --- time zones, floating times, DST ----------------------------------------------------


def test_floating_fixed_is_wall_time_in_the_zone() -> None:
    meeting = fixed("m", at(WED, 7, zone=None), at(WED, 9, zone=None), sphere=PERSONAL)
    result = plan_one(WED, [meeting], [flex("p", 30)], Settings())
    assert spans(result, "p") == [("09:00", "09:30")]


def test_fixed_in_another_zone_is_converted() -> None:
    # 01:00-03:00 in New York (EST, -05:00) is 07:00-09:00 in Berlin (CET, +01:00).
    meeting = fixed("m", at(WED, 1, zone=NEW_YORK), at(WED, 3, zone=NEW_YORK), sphere=PERSONAL)
    result = plan_one(WED, [meeting], [flex("p", 30)], Settings())
    assert spans(result, "p") == [("09:00", "09:30")]


def _whole_day() -> Settings:
    return Settings(day_start=time(0, 0), day_end=time(0, 0))


@pytest.mark.parametrize(("day", "hours"), [
    (date(2026, 3, 28), 24), (date(2026, 3, 29), 23),  # spring forward
    (date(2026, 10, 24), 24), (date(2026, 10, 25), 25),  # fall back
])
def test_waking_hours_follow_dst(day: date, hours: int) -> None:
    fits = plan_one(day, [], [flex("p", hours * 60, deadline=eod(day))], _whole_day())
    assert len(fits.placements["p"]) == 1 and fits.unplaced == {}
    p = fits.placements["p"][0]
    assert p.end.timestamp() - p.start.timestamp() == hours * 3600
    too_long = plan_one(day, [], [flex("p", hours * 60 + 5, deadline=eod(day))], _whole_day())
    assert reason(too_long, "p") == (f"Today's waking hours are only {hours} h long before the "
                                     f"deadline; it needs {hours} h 5 min")


def test_spring_forward_placement_spans_the_gap() -> None:
    day = date(2026, 3, 29)
    settings = Settings(day_start=time(1, 0))
    nap = fixed("n", at(day, 1, zone=None), at(day, 1, 30, zone=None), sphere=PERSONAL)
    result = plan_one(day, [nap], [flex("p", 60)], settings)
    (p,) = result.placements["p"]
    assert p.start == at(day, 1, 30)
    assert p.end == at(day, 3, 30)  # 01:30 CET + 1 h = 03:30 CEST
    assert p.end.timestamp() - p.start.timestamp() == 3600


def test_fall_back_placement_in_the_repeated_hour() -> None:
    day = date(2026, 10, 25)
    settings = Settings(day_start=time(1, 0))
    early = fixed("e", at(day, 1), at(day, 2), sphere=PERSONAL)  # 01:00-02:00 CEST
    result = plan_one(day, [early], [flex("p", 120)], settings)
    (p,) = result.placements["p"]
    # 02:00 CEST, then the clock goes back: two real hours end at 03:00 CET.
    assert p.start.timestamp() == datetime(2026, 10, 25, 0, 0, tzinfo=ZoneInfo("UTC")).timestamp()
    assert p.end.astimezone(BERLIN).strftime("%H:%M %z") == "03:00 +0100"


# --- sphere hours, protected time, part of day -----------------------------------------


def test_work_waits_for_working_hours() -> None:
    result = plan_one(WED, [], [flex("w", 60, sphere=WORK), flex("p", 60)], Settings())
    assert spans(result, "w") == [("09:00", "10:00")]
    assert spans(result, "p") == [("07:00", "08:00")]


def test_no_work_hours_on_saturday() -> None:
    work = flex("w", 60, sphere=WORK, deadline=eod(SAT))
    result = plan_one(SAT, [], [work, flex("p", 60)], Settings())
    assert reason(result, "w") == ("there are no work hours between now and the deadline "
                                   "(end of today)")
    assert spans(result, "p") == [("07:00", "08:00")]
    # Without a deadline it waits for Monday's work hours.
    assert where(plan_week(SAT, {}, [flex("w", 60, sphere=WORK)]), "w") == ["Mon 09:00-10:00"]


def test_custom_sphere_uses_parent_hours_or_its_own() -> None:
    from planner.core.settings import SphereInfo

    spheres = {WORK: SphereInfo(WORK, "#fff", WORK),
               PERSONAL: SphereInfo(PERSONAL, "#000", PERSONAL),
               "client": SphereInfo("client", "#0f0", WORK),
               "health": SphereInfo("health", "#f00", PERSONAL)}
    hours = {WORK: {2: ((time(9), time(17)),)}, "health": {2: ((time(18), time(20)),)}}
    settings = Settings(spheres=spheres, working_hours=hours)
    blocks = [flex("c", 60, sphere="client"), flex("h", 60, sphere="health")]
    result = plan_one(WED, [], blocks, settings)
    assert spans(result, "c") == [("09:00", "10:00")]
    assert spans(result, "h") == [("18:00", "19:00")]
    assert reason(plan_one(SAT, [], blocks, settings), "h") == "there are no health hours today"


def test_work_never_goes_into_protected_time() -> None:
    hours = {WORK: {d: ((time(7), time(22)),) for d in range(7)}}
    protected = {2: ((time(18), time(22)),)}
    settings = Settings(working_hours=hours, protected=protected, shutdown={})
    busy = fixed("busy", at(WED, 7), at(WED, 18))
    blocks = [flex("w", 60, sphere=WORK, deadline=eod(WED)), flex("p", 60)]
    result = plan_one(WED, [busy], blocks, settings)
    assert reason(result, "w") == ("Today's work hours are full; needs 1 h and nothing is free "
                                   "before the deadline")
    assert spans(result, "p") == [("18:00", "19:00")]


def test_work_stops_at_shutdown() -> None:
    settings = Settings(shutdown={2: time(16, 0)})
    busy = fixed("busy", at(WED, 9), at(WED, 15, 30))
    result = plan_one(WED, [busy], [flex("long", 60, sphere=WORK, deadline=eod(WED)),
                                    flex("short", 30, sphere=WORK)], settings)
    assert spans(result, "short") == [("15:30", "16:00")]
    # "long" goes first (earlier deadline) and sees only the half hour before shutdown.
    assert reason(result, "long") == ("Today's work hours are full; needs 1 h, the largest free "
                                      "slot before the deadline is 30 min")


def test_part_of_day() -> None:
    result = plan_one(WED, [], [flex("a", 60, part_of_day=PartOfDay.AFTERNOON),
                                flex("e", 60, part_of_day=PartOfDay.EVENING)], Settings())
    assert spans(result, "a") == [("12:00", "13:00")]
    assert spans(result, "e") == [("17:00", "18:00")]
    busy = fixed("busy", at(WED, 12), at(WED, 17), sphere=PERSONAL)
    result = plan_one(WED, [busy], [flex("a", 60, part_of_day=PartOfDay.AFTERNOON,
                                         deadline=eod(WED))], Settings())
    assert reason(result, "a") == ("Today's afternoon is full; needs 1 h and nothing is free "
                                   "before the deadline")


def test_a_part_of_day_that_is_over_says_so() -> None:
    task = flex("a", 60, part_of_day=PartOfDay.AFTERNOON, deadline=at(WED, 20))
    result = plan_one(WED, [], [task], Settings(), now=at(WED, 18))
    assert reason(result, "a") == "today's afternoon is over, and it is due today 20:00"
    # Without a deadline it simply goes to tomorrow afternoon.
    rolling = flex("b", 60, part_of_day=PartOfDay.AFTERNOON)
    assert where(plan_week(WED, {}, [rolling], now=at(WED, 18)), "b") == ["Thu 12:00-13:00"]


# --- order, pins, splitting --------------------------------------------------------------


def test_priority_then_deadline_then_duration_then_title() -> None:
    busy = fixed("busy", at(WED, 8), at(WED, 22), sphere=PERSONAL)  # one free hour 07-08
    today = {"deadline": eod(WED)}
    one_hour = [flex("low", 60, **today), flex("high", 60, priority=2, **today)]
    first_hour = [("07:00", "08:00")]
    assert spans(plan_one(WED, [busy], one_hour, Settings()), "high") == first_hour
    deadlines = [flex("late", 60, deadline=at(WED, 9)), flex("soon", 60, deadline=at(WED, 8)),
                 flex("none", 60)]
    result = plan_one(WED, [busy], deadlines, Settings())
    assert spans(result, "soon") == [("07:00", "08:00")]
    assert set(result.unplaced) == {"late", "none"}
    by_length = [flex("short", 30, **today), flex("long", 60, **today)]
    assert spans(plan_one(WED, [busy], by_length, Settings()), "long") == first_hour
    by_title = [flex("b", 60, **today), flex("a", 60, **today)]
    assert spans(plan_one(WED, [busy], by_title, Settings()), "a") == first_hour


def test_the_plan_does_not_depend_on_ids() -> None:
    busy = fixed("busy", at(WED, 8), at(WED, 22), sphere=PERSONAL)
    one = Block("zzz", "Email", kind=Kind.FLEXIBLE, duration=timedelta(hours=1))
    two = Block("aaa", "Taxes", kind=Kind.FLEXIBLE, duration=timedelta(hours=1))
    first = plan_week(WED, {WED: [busy]}, [one, two])
    swapped = plan_week(WED, {WED: [busy]}, [Block("aaa", "Email", kind=Kind.FLEXIBLE,
                                                   duration=timedelta(hours=1)),
                                             Block("zzz", "Taxes", kind=Kind.FLEXIBLE,
                                                   duration=timedelta(hours=1))])
    assert where(first, "zzz") == where(swapped, "aaa") == ["Wed 07:00-08:00"]
    assert where(first, "aaa") == where(swapped, "zzz") == ["Thu 07:00-08:00"]


def test_pins_are_kept_even_over_fixed() -> None:
    meeting = fixed("m", at(WED, 9), at(WED, 10))
    pinned = flex("pin", 60, pinned_start=at(WED, 9, 30), priority=-5)
    other = flex("o", 60, earliest=at(WED, 9))
    result = plan_one(WED, [meeting], [other, pinned], Settings())
    assert spans(result, "pin") == [("09:30", "10:30")]
    assert spans(result, "o") == [("10:30", "11:30")]


def test_a_pin_on_another_day_is_placed_there() -> None:
    pinned = flex("pin", 60, pinned_start=at(WED + timedelta(days=1), 9))
    result = plan_one(WED, [], [pinned], Settings())
    assert result.on_day(WED, BERLIN) == PlanResult()
    assert where(result, "pin") == ["Thu 09:00-10:00"]


def test_floating_pin_is_wall_time() -> None:
    pinned = flex("pin", 60, pinned_start=at(WED, 13, zone=None))
    assert spans(plan_one(WED, [], [pinned], Settings()), "pin") == [("13:00", "14:00")]


def test_splitting_into_chunks() -> None:
    occs = [fixed("a", at(WED, 9), at(WED, 10), sphere=PERSONAL),
            fixed("b", at(WED, 11), at(WED, 12), sphere=PERSONAL)]
    window = {"earliest": at(WED, 8), "deadline": at(WED, 12)}
    whole = plan_one(WED, occs, [flex("t", 120, **window)], Settings())
    assert reason(whole, "t") == ("Today's waking hours are full; needs 2 h, the largest free "
                                  "slot before the deadline is 1 h")
    split = plan_one(WED, occs, [flex("t", 120, min_chunk=timedelta(minutes=30), **window)],
                     Settings())
    assert spans(split, "t") == [("08:00", "09:00"), ("10:00", "11:00")]
    too_big = plan_one(WED, occs, [flex("t", 150, min_chunk=timedelta(minutes=30), **window)],
                       Settings())
    assert reason(too_big, "t") == (
        "Today's waking hours are full; needs 2 h 30 min in pieces of at least 30 min, and at "
        "most 2 h is free on one day before the deadline")


def test_split_keeps_the_last_chunk_big_enough() -> None:
    # Free: 07:00-08:30 (90 min) and 09:30-10:30 (60 min); 2 h in chunks >= 45 min.
    occs = [fixed("a", at(WED, 8, 30), at(WED, 9, 30), sphere=PERSONAL),
            fixed("b", at(WED, 10, 30), at(WED, 22), sphere=PERSONAL)]
    block = flex("t", 120, min_chunk=timedelta(minutes=45))
    result = plan_one(WED, occs, [block], Settings())
    assert spans(result, "t") == [("07:00", "08:15"), ("09:30", "10:15")]


# --- grouping, energy, travel, bridges --------------------------------------------------


def test_grouping_within_a_gap() -> None:
    breakfast = fixed("b", at(WED, 8), at(WED, 8, 30), sphere=PERSONAL)
    busy = fixed("busy", at(WED, 8, 30), at(WED, 22), sphere=WORK)
    result = plan_one(WED, [breakfast, busy], [flex("p", 30)], Settings())
    assert spans(result, "p") == [("07:30", "08:00")]  # touches breakfast
    standup = fixed("s", at(WED, 8), at(WED, 8, 30), sphere=WORK)
    result = plan_one(WED, [standup, busy], [flex("p", 30)], Settings())
    assert spans(result, "p") == [("07:00", "07:30")]  # nothing to group with: earliest


def test_grouping_never_moves_to_a_later_gap() -> None:
    busy = fixed("busy", at(WED, 8), at(WED, 20), sphere=WORK)
    gym = fixed("gym", at(WED, 20), at(WED, 21), sphere=PERSONAL)
    result = plan_one(WED, [busy, gym], [flex("p", 30)], Settings())
    assert spans(result, "p") == [("07:00", "07:30")]


def test_draining_blocks_are_not_stacked_when_avoidable() -> None:
    hard = fixed("h", at(WED, 9), at(WED, 11), energy=Energy.DRAINING)
    block = flex("d", 60, sphere=WORK, energy=Energy.DRAINING, earliest=at(WED, 11))
    result = plan_one(WED, [hard], [block], Settings())
    assert spans(result, "d") == [("11:05", "12:05")]
    tight = flex("d", 60, sphere=WORK, energy=Energy.DRAINING, earliest=at(WED, 11),
                 deadline=at(WED, 12))
    assert spans(plan_one(WED, [hard], [tight], Settings()), "d") == [("11:00", "12:00")]
    calm = flex("c", 60, sphere=WORK, earliest=at(WED, 11))
    assert spans(plan_one(WED, [hard], [calm], Settings()), "c") == [("11:00", "12:00")]


def test_travel_blocks_the_lead_in() -> None:
    pickup = fixed("pickup", at(WED, 18), at(WED, 18, 30), sphere=PERSONAL,
                   travel=timedelta(minutes=30))
    block = flex("p", 60, earliest=at(WED, 17), deadline=at(WED, 18))
    result = plan_one(WED, [pickup], [block], Settings())
    assert reason(result, "p") == ("Today's waking hours are full; needs 1 h, the largest free "
                                   "slot before the deadline is 30 min")
    block = flex("p", 60, earliest=at(WED, 16, 30))
    result = plan_one(WED, [pickup], [block], Settings())
    assert spans(result, "p") == [("16:30", "17:30")]


def _occurrences(result: Plan, blocks: list[Block]) -> list[Occurrence]:
    by_id = {b.id: b for b in blocks}
    return [Occurrence(by_id[bid], p.start, p.end)
            for bid, chunks in result.placements.items() for p in chunks]


def test_bridge_between_work_and_personal() -> None:
    settings = Settings(bridge=timedelta(minutes=15))
    occs = [fixed("w", at(WED, 9), at(WED, 12)), fixed("lunch", at(WED, 12, 30), at(WED, 13),
                                                      sphere=PERSONAL),
            fixed("w2", at(WED, 13), at(WED, 17)), fixed("kids", at(WED, 17, 10), at(WED, 18),
                                                        sphere=PERSONAL)]
    bridges = day_bridges(WED, BERLIN, occs, [], settings)
    assert [(b.block_id, b.start, b.end) for b in bridges] == [
        ("bridge:2026-03-04:1", at(WED, 12), at(WED, 12, 15))]  # no room before 17:10
    assert day_bridges(WED, BERLIN, occs, [], Settings()) == []


def test_bridge_only_in_waking_hours() -> None:
    settings = Settings(bridge=timedelta(minutes=15))
    occs = [fixed("early", at(WED, 5), at(WED, 6)),
            fixed("run", at(WED, 8), at(WED, 9), sphere=PERSONAL)]
    assert day_bridges(WED, BERLIN, occs, [], settings) == []


def test_bridge_after_placed_work_and_not_over_placements() -> None:
    settings = Settings(bridge=timedelta(minutes=15))
    occs = [fixed("dinner", at(WED, 18), at(WED, 19), sphere=PERSONAL)]
    blocks = [flex("w", 60, sphere=WORK, earliest=at(WED, 16, 30))]
    result = plan_one(WED, occs, blocks, settings)
    assert spans(result, "w") == [("16:30", "17:30")]
    bridges = day_bridges(WED, BERLIN, occs, _occurrences(result, blocks), settings)
    assert [(b.start, b.end) for b in bridges] == [(at(WED, 17, 30), at(WED, 17, 45))]


# --- the horizon: every day of the window, as early as fits ------------------------------

MON = date(2026, 11, 30)  # the issue's Monday; Friday is 4 December
FRI = date(2026, 12, 4)


def test_a_date_only_deadline_is_the_end_of_that_day_and_every_day_counts() -> None:
    task = flex("deep", 120, sphere=WORK, deadline=eod(FRI))
    assert where(plan_week(MON, {}, [task], now=at(MON, 8)), "deep") == ["Mon 09:00-11:00"]


def test_with_the_week_full_it_goes_on_the_last_day_with_room() -> None:
    full = {MON + timedelta(days=n): [fixed(f"f{n}", at(MON + timedelta(days=n), 9),
                                            at(MON + timedelta(days=n), 17, 30))]
            for n in range(4)}
    task = flex("deep", 120, sphere=WORK, deadline=eod(FRI))
    assert where(plan_week(MON, full, [task], now=at(MON, 8)), "deep") == ["Fri 09:00-11:00"]


def test_an_unrelated_block_does_not_change_where_a_task_goes() -> None:
    task = flex("report", 120, sphere=WORK, deadline=at(FRI, 17))
    alone = plan_week(MON, {}, [task], now=at(MON, 8))
    groceries = flex("groceries", 45)
    together = plan_week(MON, {}, [task, groceries], now=at(MON, 8))
    assert where(alone, "report") == where(together, "report") == ["Mon 09:00-11:00"]


def test_without_deadline_it_rolls_forward_to_the_first_day_it_fits() -> None:
    days = {MON + timedelta(days=n): [fixed(f"f{n}", at(MON + timedelta(days=n), 7),
                                            at(MON + timedelta(days=n), 22), sphere=PERSONAL)]
            for n in range(2)}
    result = plan_week(MON, days, [flex("x", 60)], now=at(MON, 8))
    assert where(result, "x") == ["Wed 07:00-08:00"]


def test_the_window_rolls_until_the_deadline_and_then_says_why() -> None:
    days = [MON + timedelta(days=i) for i in range(3)]
    full = {MON: [fixed("full", at(MON, 7), at(MON, 22), sphere=PERSONAL)]}
    rolling = flex("r", 60, deadline=at(days[1], 23))
    hopeless = flex("h", 16 * 60, deadline=at(days[1], 23))
    busy = flex("b", 14 * 60 + 30, deadline=at(days[1], 23), priority=1)
    result = plan_week(MON, full, [rolling, hopeless], now=at(MON, 0))
    assert where(result, "r") == ["Tue 07:00-08:00"]
    assert reason(result, "h") == ("Waking hours until tomorrow are at most 15 h long; it "
                                   "needs 16 h")
    result = plan_week(MON, full, [rolling, busy], now=at(MON, 0))
    assert where(result, "b") == ["Tue 07:00-21:30"]
    assert reason(result, "r") == ("Waking hours until tomorrow are full; needs 1 h, the largest "
                                   "free slot before the deadline is 30 min")


def test_day_earliest_and_pins_across_days() -> None:
    days = [WED + timedelta(days=i) for i in range(4)]
    blocks = [flex("on_fri", 60, day=days[2]),
              flex("after", 60, earliest=at(days[1], 12)),
              flex("pin", 30, pinned_start=at(days[3], 8)),
              flex("elsewhere", 30, pinned_start=at(date(2026, 4, 1), 8)),
              flex("later", 30, day=date(2026, 4, 1))]
    result = plan_week(WED, {}, blocks)
    assert where(result, "after") == ["Thu 12:00-13:00"]
    assert where(result, "on_fri") == ["Fri 07:00-08:00"]
    assert where(result, "pin") == ["Sat 08:00-08:30"]
    assert [p.start for p in result.placements["elsewhere"]] == [at(date(2026, 4, 1), 8)]
    assert where(result, "later") == ["Wed 07:30-08:00"]  # next to the other pin
    assert result.placements["later"][0].start.date() == date(2026, 4, 1)
    assert result.unplaced == {}


def test_a_passed_deadline_is_named() -> None:
    late = flex("late", 60, deadline=eod(MON))
    result = plan_week(MON, {}, [late], now=at(MON + timedelta(days=1), 9))
    assert reason(result, "late") == "the deadline (end of yesterday) has passed"


def test_the_issue_example_reason_names_the_real_obstacle() -> None:
    wed = FRI - timedelta(days=2)
    friday = [fixed("a", at(FRI, 9), at(FRI, 12)), fixed("b", at(FRI, 13, 15), at(FRI, 17, 30))]
    task = flex("deep", 120, sphere=WORK, earliest=at(FRI, 0), deadline=eod(FRI))
    result = plan_week(wed, {FRI: friday}, [task], now=at(wed, 8))
    assert reason(result, "deep") == ("Friday's work hours are full; needs 2 h, the largest "
                                      "free slot before the deadline is 1 h 15 min")


# --- stability: what still holds stays ----------------------------------------------------


def test_a_placement_that_still_holds_is_kept_even_when_an_earlier_slot_opens() -> None:
    meeting = fixed("m", at(MON, 9), at(MON, 11))
    task = flex("t", 60, sphere=WORK, deadline=eod(FRI))
    first = plan_week(MON, {MON: [meeting]}, [task], now=at(MON, 8))
    assert where(first, "t") == ["Mon 11:00-12:00"]
    again = plan_week(MON, {}, [placed(task, first)], now=at(MON, 8))  # meeting cancelled
    assert where(again, "t") == ["Mon 11:00-12:00"] and again.displaced == frozenset()


def test_a_placement_that_no_longer_holds_moves_and_only_that_one() -> None:
    a, b = flex("a", 60, sphere=WORK), flex("b", 60, sphere=WORK)
    first = plan_week(MON, {}, [a, b], now=at(MON, 8))
    assert where(first, "a") == ["Mon 09:00-10:00"] and where(first, "b") == ["Mon 10:00-11:00"]
    clash = fixed("call", at(MON, 9, 30), at(MON, 10))
    again = plan_week(MON, {MON: [clash]}, [placed(a, first), placed(b, first)], now=at(MON, 8))
    assert where(again, "b") == ["Mon 10:00-11:00"]
    assert where(again, "a") == ["Mon 11:00-12:00"]


def test_earlier_today_stays_an_earlier_day_rolls_forward() -> None:
    a = flex("a", 60)
    first = plan_week(MON, {}, [a], now=at(MON, 7))
    assert where(first, "a") == ["Mon 07:00-08:00"]
    later_today = plan_week(MON, {}, [placed(a, first)], now=at(MON, 15))
    assert where(later_today, "a") == ["Mon 07:00-08:00"]
    next_day = plan_week(MON, {}, [placed(a, first)], now=at(MON + timedelta(days=1), 9))
    assert where(next_day, "a") == ["Tue 09:00-10:00"]


def test_adding_a_block_moves_nothing_when_there_is_room() -> None:
    blocks = [flex("a", 60, sphere=WORK), flex("b", 90), flex("c", 30, priority=2)]
    first = plan_week(MON, {}, blocks, now=at(MON, 8))
    saved = [placed(b, first) for b in blocks]
    urgent = flex("new", 60, priority=2, sphere=WORK)
    second = plan_week(MON, {}, [*saved, urgent], now=at(MON, 8))
    for block in blocks:
        assert second.placements[block.id] == first.placements[block.id]
    assert second.displaced == frozenset()


def test_a_block_that_fits_nowhere_else_moves_the_fewest_others() -> None:
    busy = fixed("busy", at(MON, 10), at(MON, 22))  # work: nothing personal to group with
    week = {MON: [busy]}
    later = flex("later", 60)  # no deadline: could be any day
    first = plan_week(MON, week, [later], now=at(MON, 8))
    assert where(first, "later") == ["Mon 08:00-09:00"]
    due = flex("due", 120, deadline=at(MON, 10))  # only 08:00-10:00 will do
    second = plan_week(MON, week, [placed(later, first), due], now=at(MON, 8))
    assert where(second, "due") == ["Mon 08:00-10:00"]
    assert where(second, "later") == ["Tue 07:00-08:00"]
    assert second.displaced == frozenset({"later"})


def test_a_higher_priority_block_is_not_moved_for_a_lower_one() -> None:
    busy = fixed("busy", at(MON, 10), at(MON, 22))
    important = flex("important", 60, priority=2)
    first = plan_week(MON, {MON: [busy]}, [important], now=at(MON, 8))
    due = flex("due", 120, deadline=at(MON, 10))
    second = plan_week(MON, {MON: [busy]}, [placed(important, first), due], now=at(MON, 8))
    assert second.placements["important"] == first.placements["important"]
    assert "due" in second.unplaced
