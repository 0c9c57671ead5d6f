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
from planner.core.scheduler import format_duration, plan_day, plan_days
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


def spans(result: PlanResult, bid: str) -> list[tuple[str, str]]:
    def hm(t: datetime) -> str:
        return t.astimezone(BERLIN).strftime("%H:%M")

    return [(hm(p.start), hm(p.end)) for p in result.for_block(bid)]


def reason(result: PlanResult, bid: str) -> str:
    found = [u.reason for u in result.unplaced if u.block_id == bid]
    assert len(found) == 1, result
    return found[0]


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
    result = plan_day(WED, BERLIN, [meeting], [task], Settings())
    assert spans(result, "t") == [("10:00", "12:00")]
    assert result.unplaced == ()
    assert result.placements[0].start.tzinfo is BERLIN


def test_personal_block_starts_at_waking_time() -> None:
    result = plan_day(WED, BERLIN, [], [flex("p", 30)], Settings())
    assert spans(result, "p") == [("07:00", "07:30")]


def test_deadline_before_earliest_is_explained() -> None:
    task = flex("t", 120, earliest=at(WED, 13), deadline=at(WED, 12))
    result = plan_day(WED, BERLIN, [], [task], Settings())
    assert result.placements == ()
    assert reason(result, "t") == "deadline 12:00 is before it can start (earliest 13:00)"


def test_largest_free_slot_before_deadline_is_reported() -> None:
    meeting = fixed("m", at(WED, 9), at(WED, 10, 45))
    task = flex("t", 120, earliest=at(WED, 8), deadline=at(WED, 12))
    result = plan_day(WED, BERLIN, [meeting], [task], Settings())
    assert reason(result, "t") == "needs 2 h, largest free slot before deadline is 1 h 15 min"


def test_earliest_after_waking_hours() -> None:
    task = flex("t", 30, earliest=at(WED, 23))
    result = plan_day(WED, BERLIN, [], [task], Settings())
    assert reason(result, "t") == "earliest 23:00 is after the day ends (22:00)"


def test_done_blocks_are_skipped_silently() -> None:
    result = plan_day(WED, BERLIN, [], [flex("d", 30, done=True)], Settings())
    assert result == PlanResult()


def test_block_without_duration_is_unplaced() -> None:
    block = Block("x", "x", kind=Kind.FLEXIBLE)
    assert reason(plan_day(WED, BERLIN, [], [block], Settings()), "x") == "has no duration"


def test_starts_snap_to_the_granularity_grid() -> None:
    meeting = fixed("m", at(WED, 7), at(WED, 9, 7), sphere=PERSONAL)
    result = plan_day(WED, BERLIN, [meeting], [flex("p", 30, sphere=WORK)], Settings())
    assert spans(result, "p") == [("09:10", "09:40")]
    coarse = Settings(granularity=timedelta(minutes=30))
    result = plan_day(WED, BERLIN, [meeting], [flex("p", 30, sphere=WORK)], coarse)
    assert spans(result, "p") == [("09:30", "10:00")]


def test_transparent_and_all_day_fixed_do_not_block() -> None:
    holiday = Block("h", "Holiday", kind=Kind.FIXED, start=WED, end=WED + timedelta(days=1))
    marker = fixed("marker", at(WED, 7), at(WED, 12), sphere=PERSONAL, transparent=True)
    occs = [Occurrence(holiday, WED, WED + timedelta(days=1)), marker]
    result = plan_day(WED, BERLIN, occs, [flex("p", 60)], Settings())
    assert spans(result, "p") == [("07:00", "08:00")]


def test_never_placed_over_fixed_or_other_placements() -> None:
    occs = [fixed("a", at(WED, 7), at(WED, 8), sphere=PERSONAL),
            fixed("b", at(WED, 9), at(WED, 10), sphere=PERSONAL)]
    blocks = [flex("x", 60), flex("y", 60), flex("z", 60)]
    result = plan_day(WED, BERLIN, occs, blocks, Settings())
    assert spans(result, "x") == [("08:00", "09:00")]
    assert spans(result, "y") == [("10:00", "11:00")]
    assert spans(result, "z") == [("11:00", "12:00")]


# --- time zones, floating times, DST ----------------------------------------------------


def test_floating_fixed_is_wall_time_in_the_zone() -> None:
    meeting = fixed("m", at(WED, 7, zone=None), at(WED, 9, zone=None), sphere=PERSONAL)
    result = plan_day(WED, BERLIN, [meeting], [flex("p", 30)], Settings())
    assert spans(result, "p") == [("09:00", "09:30")]


def test_fixed_in_another_zone_is_converted() -> None:
    # 01:00-03:00 in New York (EST, -05:00) is 07:00-09:00 in Berlin (CET, +01:00).
    meeting = fixed("m", at(WED, 1, zone=NEW_YORK), at(WED, 3, zone=NEW_YORK), sphere=PERSONAL)
    result = plan_day(WED, BERLIN, [meeting], [flex("p", 30)], Settings())
    assert spans(result, "p") == [("09:00", "09:30")]


def _whole_day() -> Settings:
    return Settings(day_start=time(0, 0), day_end=time(0, 0))


@pytest.mark.parametrize(("day", "hours"), [
    (date(2026, 3, 28), 24), (date(2026, 3, 29), 23),  # spring forward
    (date(2026, 10, 24), 24), (date(2026, 10, 25), 25),  # fall back
])
def test_waking_hours_follow_dst(day: date, hours: int) -> None:
    fits = plan_day(day, BERLIN, [], [flex("p", hours * 60)], _whole_day())
    assert len(fits.placements) == 1 and fits.unplaced == ()
    p = fits.placements[0]
    assert p.end.timestamp() - p.start.timestamp() == hours * 3600
    too_long = plan_day(day, BERLIN, [], [flex("p", hours * 60 + 5)], _whole_day())
    assert reason(too_long, "p") == (f"needs {hours} h 5 min, largest free slot is {hours} h")


def test_spring_forward_placement_spans_the_gap() -> None:
    day = date(2026, 3, 29)
    settings = Settings(day_start=time(1, 0))
    nap = fixed("n", at(day, 1, zone=None), at(day, 1, 30, zone=None), sphere=PERSONAL)
    result = plan_day(day, BERLIN, [nap], [flex("p", 60)], settings)
    (p,) = result.placements
    assert p.start == at(day, 1, 30)
    assert p.end == at(day, 3, 30)  # 01:30 CET + 1 h = 03:30 CEST
    assert p.end.timestamp() - p.start.timestamp() == 3600


def test_fall_back_placement_in_the_repeated_hour() -> None:
    day = date(2026, 10, 25)
    settings = Settings(day_start=time(1, 0))
    early = fixed("e", at(day, 1), at(day, 2), sphere=PERSONAL)  # 01:00-02:00 CEST
    result = plan_day(day, BERLIN, [early], [flex("p", 120)], settings)
    (p,) = result.placements
    # 02:00 CEST, then the clock goes back: two real hours end at 03:00 CET.
    assert p.start.timestamp() == datetime(2026, 10, 25, 0, 0, tzinfo=ZoneInfo("UTC")).timestamp()
    assert p.end.astimezone(BERLIN).strftime("%H:%M %z") == "03:00 +0100"


# --- sphere hours, protected time, part of day -----------------------------------------


def test_work_waits_for_working_hours() -> None:
    result = plan_day(WED, BERLIN, [], [flex("w", 60, sphere=WORK), flex("p", 60)], Settings())
    assert spans(result, "w") == [("09:00", "10:00")]
    assert spans(result, "p") == [("07:00", "08:00")]


def test_no_work_hours_on_saturday() -> None:
    result = plan_day(SAT, BERLIN, [], [flex("w", 60, sphere=WORK), flex("p", 60)], Settings())
    assert reason(result, "w") == "no work hours on Saturday"
    assert spans(result, "p") == [("07:00", "08:00")]


def test_custom_sphere_uses_parent_hours_or_its_own() -> None:
    from planner.core.settings import SphereInfo

    spheres = {WORK: SphereInfo(WORK, "#fff", WORK),
               PERSONAL: SphereInfo(PERSONAL, "#000", PERSONAL),
               "client": SphereInfo("client", "#0f0", WORK),
               "health": SphereInfo("health", "#f00", PERSONAL)}
    hours = {WORK: {2: ((time(9), time(17)),)}, "health": {2: ((time(18), time(20)),)}}
    settings = Settings(spheres=spheres, working_hours=hours)
    blocks = [flex("c", 60, sphere="client"), flex("h", 60, sphere="health")]
    result = plan_day(WED, BERLIN, [], blocks, settings)
    assert spans(result, "c") == [("09:00", "10:00")]
    assert spans(result, "h") == [("18:00", "19:00")]
    assert reason(plan_day(SAT, BERLIN, [], blocks, settings), "h") == "no health hours on Saturday"


def test_work_never_goes_into_protected_time() -> None:
    hours = {WORK: {d: ((time(7), time(22)),) for d in range(7)}}
    protected = {2: ((time(18), time(22)),)}
    settings = Settings(working_hours=hours, protected=protected, shutdown={})
    busy = fixed("busy", at(WED, 7), at(WED, 18))
    result = plan_day(WED, BERLIN, [busy], [flex("w", 60, sphere=WORK), flex("p", 60)], settings)
    assert reason(result, "w") == "no free time in work hours"
    assert spans(result, "p") == [("18:00", "19:00")]


def test_work_stops_at_shutdown() -> None:
    settings = Settings(shutdown={2: time(16, 0)})
    busy = fixed("busy", at(WED, 9), at(WED, 15, 30))
    result = plan_day(WED, BERLIN, [busy], [flex("long", 60, sphere=WORK),
                                            flex("short", 30, sphere=WORK)], settings)
    assert spans(result, "short") == [("15:30", "16:00")]
    # "long" goes first (longer) and sees only the half hour before shutdown.
    assert reason(result, "long") == "needs 1 h, largest free slot in work hours is 30 min"


def test_part_of_day() -> None:
    result = plan_day(WED, BERLIN, [], [flex("a", 60, part_of_day=PartOfDay.AFTERNOON),
                                        flex("e", 60, part_of_day=PartOfDay.EVENING)], Settings())
    assert spans(result, "a") == [("12:00", "13:00")]
    assert spans(result, "e") == [("17:00", "18:00")]
    busy = fixed("busy", at(WED, 12), at(WED, 17), sphere=PERSONAL)
    result = plan_day(WED, BERLIN, [busy], [flex("a", 60, part_of_day=PartOfDay.AFTERNOON)],
                      Settings())
    assert reason(result, "a") == "no free time in the afternoon"


# --- order, pins, splitting --------------------------------------------------------------


def test_priority_then_deadline_then_duration_then_id() -> None:
    busy = fixed("busy", at(WED, 8), at(WED, 22), sphere=PERSONAL)  # one free hour 07-08
    one_hour = [flex("low", 60), flex("high", 60, priority=2)]
    first_hour = [("07:00", "08:00")]
    assert spans(plan_day(WED, BERLIN, [busy], one_hour, Settings()), "high") == first_hour
    deadlines = [flex("late", 60, deadline=at(WED, 9)), flex("soon", 60, deadline=at(WED, 8)),
                 flex("none", 60)]
    result = plan_day(WED, BERLIN, [busy], deadlines, Settings())
    assert spans(result, "soon") == [("07:00", "08:00")]
    assert {u.block_id for u in result.unplaced} == {"late", "none"}
    by_length = [flex("short", 30), flex("long", 60)]
    assert spans(plan_day(WED, BERLIN, [busy], by_length, Settings()), "long") == first_hour
    by_id = [flex("b", 60), flex("a", 60)]
    assert spans(plan_day(WED, BERLIN, [busy], by_id, Settings()), "a") == first_hour


def test_pins_are_kept_even_over_fixed() -> None:
    meeting = fixed("m", at(WED, 9), at(WED, 10))
    pinned = flex("pin", 60, pinned_start=at(WED, 9, 30), priority=-5)
    other = flex("o", 60, earliest=at(WED, 9))
    result = plan_day(WED, BERLIN, [meeting], [other, pinned], Settings())
    assert spans(result, "pin") == [("09:30", "10:30")]
    assert spans(result, "o") == [("10:30", "11:30")]


def test_pin_on_another_day_is_not_placed_here() -> None:
    pinned = flex("pin", 60, pinned_start=at(WED + timedelta(days=1), 9))
    assert plan_day(WED, BERLIN, [], [pinned], Settings()) == PlanResult()


def test_floating_pin_is_wall_time() -> None:
    pinned = flex("pin", 60, pinned_start=at(WED, 13, zone=None))
    assert spans(plan_day(WED, BERLIN, [], [pinned], Settings()), "pin") == [("13:00", "14:00")]


def test_splitting_into_chunks() -> None:
    occs = [fixed("a", at(WED, 9), at(WED, 10), sphere=PERSONAL),
            fixed("b", at(WED, 11), at(WED, 12), sphere=PERSONAL)]
    window = {"earliest": at(WED, 8), "deadline": at(WED, 12)}
    whole = plan_day(WED, BERLIN, occs, [flex("t", 120, **window)], Settings())
    assert reason(whole, "t") == "needs 2 h, largest free slot before deadline is 1 h"
    split = plan_day(WED, BERLIN, occs, [flex("t", 120, min_chunk=timedelta(minutes=30),
                                              **window)], Settings())
    assert spans(split, "t") == [("08:00", "09:00"), ("10:00", "11:00")]
    too_big = plan_day(WED, BERLIN, occs, [flex("t", 150, min_chunk=timedelta(minutes=30),
                                                **window)], Settings())
    assert reason(too_big, "t") == (
        "needs 2 h 30 min in chunks of at least 30 min, only 2 h free before deadline")


def test_split_keeps_the_last_chunk_big_enough() -> None:
    # Free: 07:00-08:30 (90 min) and 09:30-10:30 (60 min); 2 h in chunks >= 45 min.
    occs = [fixed("a", at(WED, 8, 30), at(WED, 9, 30), sphere=PERSONAL),
            fixed("b", at(WED, 10, 30), at(WED, 22), sphere=PERSONAL)]
    block = flex("t", 120, min_chunk=timedelta(minutes=45))
    result = plan_day(WED, BERLIN, occs, [block], Settings())
    assert spans(result, "t") == [("07:00", "08:15"), ("09:30", "10:15")]


# --- grouping, energy, travel, bridges --------------------------------------------------


def test_grouping_within_a_gap() -> None:
    breakfast = fixed("b", at(WED, 8), at(WED, 8, 30), sphere=PERSONAL)
    busy = fixed("busy", at(WED, 8, 30), at(WED, 22), sphere=WORK)
    result = plan_day(WED, BERLIN, [breakfast, busy], [flex("p", 30)], Settings())
    assert spans(result, "p") == [("07:30", "08:00")]  # touches breakfast
    standup = fixed("s", at(WED, 8), at(WED, 8, 30), sphere=WORK)
    result = plan_day(WED, BERLIN, [standup, busy], [flex("p", 30)], Settings())
    assert spans(result, "p") == [("07:00", "07:30")]  # nothing to group with: earliest


def test_grouping_never_moves_to_a_later_gap() -> None:
    busy = fixed("busy", at(WED, 8), at(WED, 20), sphere=WORK)
    gym = fixed("gym", at(WED, 20), at(WED, 21), sphere=PERSONAL)
    result = plan_day(WED, BERLIN, [busy, gym], [flex("p", 30)], Settings())
    assert spans(result, "p") == [("07:00", "07:30")]


def test_draining_blocks_are_not_stacked_when_avoidable() -> None:
    hard = fixed("h", at(WED, 9), at(WED, 11), energy=Energy.DRAINING)
    block = flex("d", 60, sphere=WORK, energy=Energy.DRAINING, earliest=at(WED, 11))
    result = plan_day(WED, BERLIN, [hard], [block], Settings())
    assert spans(result, "d") == [("11:05", "12:05")]
    tight = flex("d", 60, sphere=WORK, energy=Energy.DRAINING, earliest=at(WED, 11),
                 deadline=at(WED, 12))
    assert spans(plan_day(WED, BERLIN, [hard], [tight], Settings()), "d") == [("11:00", "12:00")]
    calm = flex("c", 60, sphere=WORK, earliest=at(WED, 11))
    assert spans(plan_day(WED, BERLIN, [hard], [calm], Settings()), "c") == [("11:00", "12:00")]


def test_travel_blocks_the_lead_in() -> None:
    pickup = fixed("pickup", at(WED, 18), at(WED, 18, 30), sphere=PERSONAL,
                   travel=timedelta(minutes=30))
    block = flex("p", 60, earliest=at(WED, 17), deadline=at(WED, 18))
    result = plan_day(WED, BERLIN, [pickup], [block], Settings())
    assert reason(result, "p") == "needs 1 h, largest free slot before deadline is 30 min"
    block = flex("p", 60, earliest=at(WED, 16, 30))
    result = plan_day(WED, BERLIN, [pickup], [block], Settings())
    assert spans(result, "p") == [("16:30", "17:30")]


def test_bridge_between_work_and_personal() -> None:
    settings = Settings(bridge=timedelta(minutes=15))
    occs = [fixed("w", at(WED, 9), at(WED, 12)), fixed("lunch", at(WED, 12, 30), at(WED, 13),
                                                      sphere=PERSONAL),
            fixed("w2", at(WED, 13), at(WED, 17)), fixed("kids", at(WED, 17, 10), at(WED, 18),
                                                        sphere=PERSONAL)]
    result = plan_day(WED, BERLIN, occs, [], settings)
    assert [(b.block_id, b.start, b.end) for b in result.bridges] == [
        ("bridge:2026-03-04:1", at(WED, 12), at(WED, 12, 15))]  # no room before 17:10
    assert plan_day(WED, BERLIN, occs, [], Settings()).bridges == ()


def test_bridge_only_in_waking_hours() -> None:
    settings = Settings(bridge=timedelta(minutes=15))
    occs = [fixed("early", at(WED, 5), at(WED, 6)),
            fixed("run", at(WED, 8), at(WED, 9), sphere=PERSONAL)]
    assert plan_day(WED, BERLIN, occs, [], settings).bridges == ()


def test_bridge_after_placed_work_and_not_over_placements() -> None:
    settings = Settings(bridge=timedelta(minutes=15))
    occs = [fixed("dinner", at(WED, 18), at(WED, 19), sphere=PERSONAL)]
    blocks = [flex("w", 60, sphere=WORK, earliest=at(WED, 16, 30))]
    result = plan_day(WED, BERLIN, occs, blocks, settings)
    assert spans(result, "w") == [("16:30", "17:30")]
    assert [(b.start, b.end) for b in result.bridges] == [(at(WED, 17, 30), at(WED, 17, 45))]


# --- several days --------------------------------------------------------------------


def test_plan_days_rolls_over_until_the_deadline() -> None:
    days = [WED + timedelta(days=i) for i in range(3)]
    full = {WED: [fixed("full", at(WED, 7), at(WED, 22), sphere=PERSONAL)]}
    rolling = flex("r", 60, deadline=at(days[1], 23))
    hopeless = flex("h", 16 * 60, deadline=at(days[1], 23))
    plans = plan_days(days, BERLIN, full, [rolling, hopeless], Settings())
    assert plans[WED].unplaced == () and plans[WED].placements == ()
    assert [p.start for p in plans[days[1]].placements] == [at(days[1], 7)]
    assert [u.block_id for u in plans[days[1]].unplaced] == ["h"]
    assert plans[days[2]] == PlanResult()


def test_plan_days_without_deadline_tries_only_its_first_day() -> None:
    days = [WED, WED + timedelta(days=1)]
    full = {WED: [fixed("full", at(WED, 7), at(WED, 22), sphere=PERSONAL)]}
    plans = plan_days(days, BERLIN, full, [flex("x", 60)], Settings())
    assert reason(plans[WED], "x") == "no free time"
    assert plans[days[1]] == PlanResult()


def test_plan_days_respects_day_earliest_and_pins() -> None:
    days = [WED + timedelta(days=i) for i in range(4)]
    blocks = [flex("on_fri", 60, day=days[2]),
              flex("after", 60, earliest=at(days[1], 12)),
              flex("pin", 30, pinned_start=at(days[3], 8)),
              flex("elsewhere", 30, pinned_start=at(date(2026, 4, 1), 8)),
              flex("later", 30, day=date(2026, 4, 1))]
    plans = plan_days(days, BERLIN, {}, blocks, Settings())
    placed = {d: [(p.block_id, p.start) for p in r.placements] for d, r in plans.items()}
    assert placed == {WED: [], days[1]: [("after", at(days[1], 12))],
                      days[2]: [("on_fri", at(days[2], 7))], days[3]: [("pin", at(days[3], 8))]}
    assert all(not r.unplaced for r in plans.values())


def test_plan_days_matches_plan_day_for_one_day() -> None:
    occs = [fixed("m", at(WED, 9), at(WED, 10))]
    blocks = [flex("a", 60, sphere=WORK), flex("b", 90), flex("c", 45, priority=1)]
    settings = Settings(bridge=timedelta(minutes=10))
    assert plan_days([WED], BERLIN, {WED: occs}, blocks, settings) == {
        WED: plan_day(WED, BERLIN, occs, blocks, settings)}
