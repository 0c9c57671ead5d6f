"""Insights on hand-made days whose right answers are written next to them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from planner.core.insights import (
    BleedEvent,
    DayInsights,
    day_insights,
    insights_json,
    nudges,
    week_insights,
    week_json,
)
from planner.core.model import Block, Energy, Kind, Occurrence
from planner.core.settings import Settings, SphereInfo

BER = ZoneInfo("Europe/Berlin")
NYC = ZoneInfo("America/New_York")
MON = date(2026, 11, 23)  # a Monday
THU = date(2026, 11, 26)
FRI = date(2026, 11, 27)
SAT = date(2026, 11, 28)
SPRING = date(2026, 3, 29)  # Berlin: 23 h long
AUTUMN = date(2026, 10, 25)  # Berlin: 25 h long

DEFAULT = Settings()
FAMILY = Settings(spheres={
    **Settings().spheres,
    "family": SphereInfo("family", "#0f0", "personal"),
    "meetings": SphereInfo("meetings", "#00f", "work"),
})


def at(day: date, hh: int, mm: int = 0, zone: ZoneInfo = BER) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=zone)


def occ(block_id: str, start: datetime | date, end: datetime | date, sphere: str = "work",
        title: str | None = None, **fields: object) -> Occurrence:
    block = Block(id=block_id, title=title or block_id, sphere=sphere, **fields)  # type: ignore[arg-type]
    return Occurrence(block, start, end)


def work(day: date, h1: int, m1: int, h2: int, m2: int, block_id: str = "w",
         **fields: object) -> Occurrence:
    return occ(block_id, at(day, h1, m1), at(day, h2, m2), "work", **fields)


def home(day: date, h1: int, m1: int, h2: int, m2: int, block_id: str = "p",
         **fields: object) -> Occurrence:
    return occ(block_id, at(day, h1, m1), at(day, h2, m2), "personal", **fields)


# ------------------------------------------------------------------ minutes


def test_minutes_per_sphere_parent_and_kind_ignore_all_day_and_transparent() -> None:
    day = [
        work(MON, 9, 0, 12, 0, "standup"),  # 180 fixed
        occ("lunch", at(MON, 12), at(MON, 13), "family"),  # 60
        work(MON, 13, 0, 15, 0, "report", kind=Kind.FLEXIBLE),  # 120 flexible
        home(MON, 15, 0, 15, 30, "holiday-marker", transparent=True),  # ignored
        occ("trip", MON, MON + timedelta(days=1), "personal", title="Holiday"),  # all-day
        occ("conf", MON - timedelta(days=1), MON + timedelta(days=2), "work", title="Conf"),
    ]
    got = day_insights(MON, day, BER, FAMILY)
    assert got.minutes_by_sphere == {"family": 60, "work": 300}
    assert got.minutes_by_parent == {"work": 300, "personal": 60}
    assert (got.fixed_minutes, got.flexible_minutes) == (240, 120)
    assert got.all_day == ["Holiday", "Conf"]
    assert got.switches == 2


def test_all_day_block_of_another_day_is_not_listed() -> None:
    yesterday = occ("x", MON - timedelta(days=1), MON, "personal", title="Yesterday")
    assert day_insights(MON, [yesterday], BER, DEFAULT).all_day == []


def test_overlapping_blocks_count_their_time_once_and_are_a_conflict() -> None:
    got = day_insights(MON, [work(MON, 9, 0, 10, 0, "a"), work(MON, 9, 30, 10, 30, "b")],
                       BER, DEFAULT)
    assert got.minutes_by_sphere == {"work": 90}
    assert got.minutes_by_parent == {"work": 90, "personal": 0}
    assert got.fixed_minutes == 90
    [clash] = got.conflicts
    assert (clash.start, clash.end, clash.minutes) == (at(MON, 9, 30), at(MON, 10), 30)
    assert clash.block_ids == ("a", "b")
    assert nudges(got, DEFAULT)[0] == "a and b overlap 09:30–10:00 on Monday: which one gives way?"
    assert insights_json(got)["conflicts"] == [{
        "start": "2026-11-23T09:30:00+01:00", "end": "2026-11-23T10:00:00+01:00",
        "minutes": 30, "block_ids": ["a", "b"], "titles": ["a", "b"]}]


def test_chained_overlaps_are_one_conflict_and_flexible_or_free_time_is_none() -> None:
    day = [work(MON, 9, 0, 10, 0, "a"), work(MON, 9, 45, 11, 0, "b"),
           home(MON, 10, 0, 10, 45, "c"), home(MON, 11, 30, 12, 0, "g"),
           work(MON, 11, 45, 12, 30, "h"),
           work(MON, 13, 0, 14, 0, "d"), work(MON, 13, 0, 14, 0, "flex", kind=Kind.FLEXIBLE),
           home(MON, 15, 0, 16, 0, "e"), home(MON, 15, 0, 16, 0, "free", transparent=True)]
    got = day_insights(MON, day, BER, DEFAULT)
    assert [(c.start, c.end, c.block_ids) for c in got.conflicts] == [
        (at(MON, 9, 45), at(MON, 10, 45), ("a", "b", "c")),
        (at(MON, 11, 45), at(MON, 12), ("g", "h"))]
    assert got.minutes_by_sphere == {"personal": 135, "work": 225}
    assert (got.fixed_minutes, got.flexible_minutes) == (300, 60)


def test_a_block_pinned_over_a_meeting_is_a_conflict_a_placed_one_never_is() -> None:
    day = [work(MON, 9, 0, 10, 0, "meeting"),
           work(MON, 9, 30, 10, 30, "pinned", kind=Kind.FLEXIBLE,
                pinned_start=at(MON, 9, 30)),
           work(MON, 9, 0, 9, 30, "placed", kind=Kind.FLEXIBLE)]
    got = day_insights(MON, day, BER, DEFAULT)
    [clash] = got.conflicts
    assert (clash.start, clash.end, clash.block_ids) == (at(MON, 9, 30), at(MON, 10),
                                                         ("meeting", "pinned"))


def test_event_across_midnight_gives_each_day_its_part() -> None:
    late = occ("film", at(MON, 23), at(MON + timedelta(days=1), 1), "personal")
    assert day_insights(MON, [late], BER, DEFAULT).minutes_by_sphere == {"personal": 60}
    assert day_insights(MON + timedelta(days=1), [late], BER, DEFAULT).minutes_by_sphere == {
        "personal": 60}


def test_occurrence_missing_the_day_is_ignored() -> None:
    got = day_insights(MON, [work(THU, 9, 0, 10, 0)], BER, DEFAULT)
    assert got.minutes_by_sphere == {} and got.switches == 0


def test_spring_forward_day_uses_real_elapsed_minutes() -> None:
    # 01:00-04:00 wall clock on 2026-03-29 is two real hours (02:00 does not exist).
    early = occ("e", at(SPRING, 1), at(SPRING, 4), "personal")
    whole = occ("w", at(SPRING - timedelta(days=1), 12), at(SPRING + timedelta(days=1), 12),
                "personal")
    assert day_insights(SPRING, [early], BER, DEFAULT).minutes_by_sphere == {"personal": 120}
    assert day_insights(SPRING, [whole], BER, DEFAULT).minutes_by_sphere == {"personal": 23 * 60}


def test_fall_back_day_uses_real_elapsed_minutes() -> None:
    early = occ("e", at(AUTUMN, 1), at(AUTUMN, 4), "personal")
    whole = occ("w", at(AUTUMN - timedelta(days=1), 12), at(AUTUMN + timedelta(days=1), 12),
                "personal")
    assert day_insights(AUTUMN, [early], BER, DEFAULT).minutes_by_sphere == {"personal": 240}
    assert day_insights(AUTUMN, [whole], BER, DEFAULT).minutes_by_sphere == {"personal": 25 * 60}


def test_floating_and_utc_times_are_read_in_the_zone() -> None:
    floating = occ("f", datetime(2026, 11, 23, 9), datetime(2026, 11, 23, 10))
    utc = occ("u", datetime(2026, 11, 23, 23, 30, tzinfo=UTC),
              datetime(2026, 11, 24, 0, 30, tzinfo=UTC))
    assert day_insights(MON, [floating], NYC, DEFAULT).minutes_by_sphere == {"work": 60}
    # 23:30-00:30 UTC is 18:30-19:30 in New York but 00:30-01:30 the next day in Berlin.
    assert day_insights(MON, [utc], NYC, DEFAULT).minutes_by_sphere == {"work": 60}
    assert day_insights(MON, [utc], BER, DEFAULT).minutes_by_sphere == {}
    assert day_insights(MON + timedelta(days=1), [utc], BER, DEFAULT).minutes_by_sphere == {
        "work": 60}


@hsettings(max_examples=60, deadline=None)
@given(start=st.integers(0, 4 * 24 * 60), length=st.integers(1, 3 * 24 * 60))
def test_clipping_keeps_every_minute_across_dst(start: int, length: int) -> None:
    begin = datetime(2026, 10, 23, tzinfo=UTC) + timedelta(minutes=start)
    block = occ("x", begin, begin + timedelta(minutes=length), "personal")
    # Up to 4 + 3 days from 23 Oct, plus a day either side for the zone: 22 Oct-31 Oct.
    days = [date(2026, 10, 22) + timedelta(days=i) for i in range(10)]
    total = sum(day_insights(d, [block], BER, DEFAULT).minutes_by_sphere.get("personal", 0)
                for d in days)
    assert total == length


# ----------------------------------------------------------------- switches


def test_switches_count_parent_changes_in_start_order() -> None:
    day = [  # given out of order on purpose
        home(MON, 12, 0, 13, 0, "lunch"),
        work(MON, 9, 0, 10, 0, "a"),
        occ("b", at(MON, 10), at(MON, 11), "meetings"),  # work parent: no switch
        work(MON, 13, 0, 14, 0, "c"),
        occ("kid", at(MON, 14), at(MON, 15), "family"),
        home(MON, 15, 0, 16, 0, "marker", transparent=True),  # ignored
        work(MON, 16, 0, 17, 0, "d"),
    ]
    # work work | personal | work | personal | work -> 4 changes
    assert day_insights(MON, day, BER, FAMILY).switches == 4


def test_no_switch_for_a_single_sphere_day() -> None:
    day = [work(MON, 9, 0, 10, 0, "a"), work(MON, 11, 0, 12, 0, "b")]
    assert day_insights(MON, day, BER, DEFAULT).switches == 0


# -------------------------------------------------------------------- focus


def test_longest_focus_bridges_short_gaps_and_breaks_on_personal() -> None:
    day = [
        work(MON, 9, 0, 10, 0, "a"),
        work(MON, 10, 5, 11, 0, "b"),  # 5 min gap: same stretch -> 9:00-11:00 = 120
        work(MON, 11, 20, 12, 0, "c"),  # 20 min gap: new stretch (40)
        work(MON, 13, 0, 14, 0, "d"),
        home(MON, 14, 0, 14, 10, "call-school"),  # breaks the stretch
        work(MON, 14, 10, 15, 0, "e"),
    ]
    assert day_insights(MON, day, BER, DEFAULT).longest_focus_minutes == 120


def test_longest_focus_with_overlap_is_wall_time() -> None:
    day = [work(MON, 9, 0, 10, 0, "a"), work(MON, 9, 30, 10, 30, "b")]
    assert day_insights(MON, day, BER, DEFAULT).longest_focus_minutes == 90


# -------------------------------------------------------------------- bleed


def test_protected_and_after_shutdown_counted_once() -> None:
    # Default Monday: protected 17:30-21:00, shutdown 17:30.
    got = day_insights(MON, [work(MON, 17, 0, 22, 0, "late")], BER, DEFAULT)
    assert got.bleed_minutes == 270
    assert (got.protected_bleed_minutes, got.shutdown_bleed_minutes) == (210, 60)
    assert got.after_shutdown_minutes == 270
    assert got.bleed == [
        BleedEvent("late", "late", "work", 210, "work-into-protected"),
        BleedEvent("late", "late", "work", 60, "work-after-shutdown"),
    ]


def test_overlapping_work_bleeds_clock_minutes_once() -> None:
    day = [work(MON, 17, 0, 22, 0, "a"), work(MON, 21, 30, 22, 30, "b")]
    got = day_insights(MON, day, BER, DEFAULT)
    assert got.bleed_minutes == 210 + 90  # 17:30-21:00 protected, 21:00-22:30 after shutdown
    assert [e.minutes for e in got.bleed] == [210, 60, 60]


def test_personal_blocks_never_bleed() -> None:
    day = [home(MON, 10, 0, 11, 0, "dentist"), home(MON, 18, 0, 20, 0, "dinner")]
    got = day_insights(MON, day, BER, DEFAULT)
    assert got.bleed_minutes == 0 and got.bleed == []


def test_weekend_work_bleeds_to_midnight_and_across_it() -> None:
    late = occ("deploy", at(FRI, 23), at(SAT, 1), "work")
    friday = day_insights(FRI, [late], BER, DEFAULT)
    to_midnight = occ("x", at(SAT, 23), at(SAT + timedelta(days=1), 0), "work")
    saturday = day_insights(SAT, [late, to_midnight], BER, DEFAULT)
    assert (friday.protected_bleed_minutes, friday.shutdown_bleed_minutes) == (0, 60)
    # Saturday is protected 00:00-23:59:59, which means the whole day.
    assert saturday.bleed_minutes == 60 + 60
    assert saturday.shutdown_bleed_minutes == 0


def test_sunday_protected_on_the_spring_forward_day() -> None:
    got = day_insights(SPRING, [work(SPRING, 1, 0, 4, 0), work(SPRING, 23, 0, 0, 0, "z")],
                       BER, DEFAULT)
    # The second block ends at 00:00 of the same day: empty, ignored.
    assert got.bleed_minutes == 120


def test_protected_range_wrapping_past_midnight() -> None:
    night = Settings(protected={0: ((time(22), time(6)),)}, shutdown={})
    tue = MON + timedelta(days=1)
    assert day_insights(MON, [work(MON, 21, 0, 23, 0)], BER, night).bleed_minutes == 60
    # Monday's 22:00-06:00 reaches into Tuesday; Tuesday itself protects nothing.
    assert day_insights(tue, [work(tue, 5, 0, 7, 0)], BER, night).bleed_minutes == 60
    assert day_insights(tue, [work(tue, 22, 0, 23, 0)], BER, night).bleed_minutes == 0


def test_bleed_events_merge_chunks_of_one_block() -> None:
    day = [work(MON, 18, 0, 18, 30, "essay", kind=Kind.FLEXIBLE),
           work(MON, 19, 0, 19, 15, "essay", kind=Kind.FLEXIBLE)]
    got = day_insights(MON, day, BER, DEFAULT)
    assert got.bleed == [BleedEvent("essay", "essay", "work", 45, "work-into-protected")]


# --------------------------------------------------------------- sleep, rest


def test_sleep_window_edges() -> None:
    assert day_insights(MON, [home(MON, 7, 0, 22, 0)], BER, DEFAULT).sleep_window_kept
    early = day_insights(MON, [home(MON, 6, 30, 7, 0)], BER, DEFAULT)
    assert not early.sleep_window_kept and early.sleep_window_minutes == 30
    ignored = [home(MON, 23, 0, 23, 30, transparent=True),
               occ("h", MON, MON + timedelta(days=1), "personal")]
    assert day_insights(MON, ignored, BER, DEFAULT).sleep_window_kept


def test_sleep_window_for_a_night_owl_wraps() -> None:
    owl = Settings(day_start=time(10), day_end=time(2))
    assert day_insights(MON, [home(MON, 0, 30, 1, 30), home(MON, 23, 0, 23, 59)],
                        BER, owl).sleep_window_kept
    assert not day_insights(MON, [home(MON, 3, 0, 4, 0)], BER, owl).sleep_window_kept


def test_exercise_or_hobby_words() -> None:
    def has(*occurrences: Occurrence, settings: Settings = DEFAULT) -> bool:
        return day_insights(MON, occurrences, BER, settings).has_exercise_or_hobby

    assert has(home(MON, 7, 0, 8, 0, title="Morning run"))
    assert has(home(MON, 7, 0, 8, 0, title="Running club"))
    assert has(home(MON, 7, 0, 8, 0, title="Tuesday thing", tags=("Gym",)))
    assert has(occ("t", MON, MON + timedelta(days=1), "personal", title="Hiking trip"))
    assert has(occ("t", at(MON, 18), at(MON, 19), "hobby", title="Evening"),
               settings=Settings(spheres={"hobby": SphereInfo("hobby", "#fff", "personal")}))
    assert not has(work(MON, 9, 0, 10, 0, title="Run the numbers"))  # work, not exercise
    assert not has(home(MON, 9, 0, 10, 0, title="Walkthrough with plumber"))  # whole words
    assert not has(home(MON, 17, 30, 17, 45, title="Transition walk"))  # the bridge
    assert not has(home(MON, 17, 30, 17, 45, title="Walk", tags=("bridge",)))
    assert not has(home(MON, 18, 0, 19, 0, title="Dinner"))


def test_energy_and_unplaced_work() -> None:
    day = [home(MON, 7, 0, 8, 0, "run", energy=Energy.ENERGIZING),
           work(MON, 9, 0, 11, 0, "review", energy=Energy.DRAINING),
           work(MON, 11, 0, 11, 30, "sync", energy=Energy.NEUTRAL)]
    unplaced = [Block("u1", "Essay", "work", Kind.FLEXIBLE),
                Block("u2", "Taxes", "meetings", Kind.FLEXIBLE),
                Block("u3", "Call mum", "personal", Kind.FLEXIBLE)]
    got = day_insights(MON, day, BER, FAMILY, unplaced)
    assert (got.energizing_minutes, got.draining_minutes) == (60, 120)
    assert got.unplaced_work == 2


# --------------------------------------------------------------------- week


def test_week_totals_sum_the_days() -> None:
    days = [MON + timedelta(days=i) for i in range(7)]
    by_day = {
        MON: [work(MON, 9, 0, 12, 0), home(MON, 12, 0, 13, 0), work(MON, 13, 0, 18, 0, "l")],
        THU: [work(THU, 9, 0, 10, 0), home(THU, 18, 0, 19, 0, title="Yoga")],
        SAT: [work(SAT, 10, 0, 11, 0)],
    }
    carried = Block("essay", "Essay", "work", Kind.FLEXIBLE)
    week = week_insights(days, by_day, BER, DEFAULT,
                         {MON: [carried], THU: [carried], FRI: [Block("x", "x", "personal")]})
    assert [d.date for d in week.days] == days
    assert week.minutes_by_sphere == {"personal": 120, "work": 600}
    assert week.minutes_by_parent == {"work": 600, "personal": 120}
    assert week.switches == 2 + 1
    assert week.bleed_minutes == 30 + 60  # Monday 17:30-18:00, Saturday 10-11
    assert (week.protected_bleed_minutes, week.shutdown_bleed_minutes) == (90, 0)
    assert week.longest_focus_minutes == 300
    assert week.exercise_or_hobby_days == 1 and week.has_exercise_or_hobby
    assert week.sleep_window_days_kept == 7
    assert week.unplaced_work == 1  # the same essay carried over counts once


# ------------------------------------------------------------------- nudges


def test_day_nudge_wording_for_bleed() -> None:
    got = day_insights(THU, [work(THU, 9, 0, 12, 0), work(THU, 17, 30, 18, 10, "late")],
                       BER, DEFAULT)
    assert nudges(got, DEFAULT) == [
        "Work runs 40 min into personal time on Thursday.",
        "No exercise or hobby block on Thursday.",
    ]
    assert nudges(got, DEFAULT, max_lines=1) == ["Work runs 40 min into personal time on Thursday."]
    assert nudges(got, DEFAULT, max_lines=0) == []


def test_day_nudges_praise_a_held_shutdown() -> None:
    got = day_insights(THU, [work(THU, 9, 0, 17, 0), home(THU, 18, 0, 19, 0, title="Swim")],
                       BER, DEFAULT)
    assert nudges(got, DEFAULT) == ["No work after 17:30 — the shutdown line held."]


def test_day_nudges_for_switching_sleep_and_carry_over() -> None:
    day = [work(THU, 8, 0, 8, 30, "a"), home(THU, 8, 30, 9, 0, "b"),
           work(THU, 9, 0, 9, 30, "c"), home(THU, 9, 30, 10, 0, "d"),
           work(THU, 10, 0, 10, 30, "e"), home(THU, 10, 30, 11, 0, "f"),
           work(THU, 11, 0, 11, 30, "g"), home(THU, 22, 0, 23, 0, "late film")]
    got = day_insights(THU, day, BER, DEFAULT, [Block("u", "Essay", "work", Kind.FLEXIBLE)])
    assert nudges(got, DEFAULT, max_lines=5) == [
        "1 h planned in sleep hours (22:00–07:00) on Thursday.",
        "7 switches between work and personal on Thursday — could some be grouped?",
        "1 work task has no place in the plan: something has to give.",
        "No exercise or hobby block on Thursday.",
        "No work after 17:30 — the shutdown line held.",
    ]


def test_focus_and_draining_nudges() -> None:
    chopped = [work(THU, h, 0, h, 45, f"m{h}", energy=Energy.DRAINING) for h in range(9, 15)]
    chopped += [home(THU, h, 45, h + 1, 0, f"p{h}") for h in range(9, 15)]
    got = day_insights(THU, chopped, BER, DEFAULT)
    lines = nudges(got, DEFAULT, max_lines=10)
    assert "No work stretch longer than 45 min on Thursday — room for one focus block?" in lines
    assert ("4 h 30 min draining and 0 min energizing on Thursday — something restoring "
            "would help.") in lines


def test_week_nudges() -> None:
    days = [MON + timedelta(days=i) for i in range(5)]
    by_day = {MON: [work(MON, 9, 0, 17, 0)], THU: [work(THU, 9, 0, 18, 10)],
              FRI: [work(FRI, 9, 0, 17, 45)]}
    week = week_insights(days, by_day, BER, DEFAULT)
    assert nudges(week, DEFAULT) == [
        "Work runs 40 min into personal time on Thursday (and 1 other day).",
        "No exercise or hobby block this week.",
    ]
    assert nudges(week, DEFAULT) == nudges(week, DEFAULT)


def test_week_nudges_praise_when_shutdown_held() -> None:
    days = [MON + timedelta(days=i) for i in range(7)]
    by_day = {MON: [work(MON, 9, 0, 17, 0), home(MON, 18, 0, 19, 0, title="Bike ride")]}
    week = week_insights(days, by_day, BER, DEFAULT)
    assert nudges(week, DEFAULT) == ["No work after 17:30 all week — the shutdown line held."]


def test_nudges_off() -> None:
    off = Settings(nudges=False)
    got = day_insights(THU, [work(THU, 17, 0, 23, 0)], BER, off)
    assert got.bleed_minutes > 0
    assert nudges(got, off) == []
    assert nudges(week_insights([THU], {THU: [work(THU, 17, 0, 23, 0)]}, BER, off), off) == []


# --------------------------------------------------------------------- JSON


def test_insights_json_is_json_ready_and_complete() -> None:
    got = day_insights(MON, [work(MON, 17, 0, 18, 0, "late"),
                             occ("h", MON, MON + timedelta(days=1), "personal", title="Hol")],
                       BER, DEFAULT)
    data = insights_json(got)
    assert json.loads(json.dumps(data)) == data
    assert data["date"] == "2026-11-23"
    assert data["minutes_by_sphere"] == {"work": 60}
    assert data["switches"] == 0 and data["bleed_minutes"] == 30
    assert data["bleed"] == [{"block_id": "late", "title": "late", "sphere": "work",
                              "minutes": 30, "kind": "work-into-protected"}]
    assert data["all_day"] == ["Hol"]
    assert set(DayInsights.__dataclass_fields__) <= set(data)
    week = week_json(week_insights([MON], {MON: [work(MON, 9, 0, 10, 0)]}, BER, DEFAULT))
    assert json.loads(json.dumps(week)) == week and week["days"][0]["date"] == "2026-11-23"  # type: ignore[index]


def test_insights_and_review_import_no_io_or_ui_library() -> None:
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, planner.core.insights, planner.core.review; "
            "print(sorted(m for m in ('textual', 'tinydb', 'icalendar') if m in sys.modules))")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=root, env={"PYTHONPATH": str(root)})
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------- travel lead-in (lead)


def test_meeting_running_into_travel_lead_in_is_flagged() -> None:
    from datetime import UTC, date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from planner.core.insights import day_insights, nudges
    from planner.core.model import Block, Kind, Occurrence
    from planner.core.settings import Settings

    zone = ZoneInfo("Europe/Berlin")
    day = date(2026, 11, 24)

    def at(h: int, m: int = 0) -> datetime:
        return datetime(2026, 11, 24, h, m, tzinfo=zone).astimezone(UTC)

    pickup = Block(id="p", title="Daycare pickup", sphere="personal", kind=Kind.FIXED,
                   start=at(17), end=at(17, 30), travel=timedelta(minutes=20))
    meeting = Block(id="m", title="Roadmap review", sphere="work", kind=Kind.FIXED,
                    start=at(16), end=at(16, 50))
    occs = [Occurrence(meeting, meeting.start, meeting.end),  # type: ignore[arg-type]
            Occurrence(pickup, pickup.start, pickup.end)]  # type: ignore[arg-type]
    result = day_insights(day, occs, zone, Settings())
    (conflict,) = result.travel_conflicts
    # Leave by 16:40; the review ends 16:50: ten minutes into the lead-in.
    assert (conflict.title, conflict.leave_by, conflict.minutes) == ("Roadmap review",
                                                                     "16:40", 10)
    assert nudges(result, Settings())[0] == (
        "Roadmap review runs 10 min into the time to leave for Daycare pickup (16:40) "
        "on Tuesday.")


# ----------------------------------------------------- time counted once (property)

_SPHERE_NAMES = ("work", "personal", "family", "meetings")


@st.composite
def _timed_day(draw: st.DrawFn) -> list[Occurrence]:
    found = []
    for n in range(draw(st.integers(0, 10))):
        start = draw(st.integers(-120, 24 * 60))
        length = draw(st.integers(1, 300))
        found.append(occ(f"o{n}", at(MON, 0) + timedelta(minutes=start),
                         at(MON, 0) + timedelta(minutes=start + length),
                         draw(st.sampled_from(_SPHERE_NAMES)),
                         kind=draw(st.sampled_from([Kind.FIXED, Kind.FLEXIBLE])),
                         energy=draw(st.sampled_from([None, Energy.DRAINING]))))
    return found


def _measure(spans: list[tuple[datetime, datetime]]) -> int:
    """Minutes covered, counted minute by minute (independent of the interval code)."""
    lo, hi = at(MON, 0), at(MON + timedelta(days=1), 0)
    covered = set()
    for a, b in spans:
        t = max(a, lo)
        while t < min(b, hi):
            covered.add(t)
            t += timedelta(minutes=1)
    return len(covered)


@hsettings(max_examples=150, deadline=None)
@given(_timed_day())
def test_insights_minutes_equal_the_measure_of_the_union(day: list[Occurrence]) -> None:
    got = day_insights(MON, day, BER, FAMILY)
    spans = {s: [(o.start, o.end) for o in day if o.sphere == s] for s in _SPHERE_NAMES}
    assert got.minutes_by_sphere == {s: _measure(v) for s, v in spans.items() if _measure(v)}
    for parent in ("work", "personal"):
        mine = [(o.start, o.end) for o in day if FAMILY.parent_of(o.sphere) == parent]
        assert got.minutes_by_parent[parent] == _measure(mine)
    assert got.fixed_minutes == _measure([(o.start, o.end) for o in day if o.kind is Kind.FIXED])
    assert got.draining_minutes == _measure([(o.start, o.end) for o in day
                                             if o.block.energy is Energy.DRAINING])
    # Conflicts: exactly where two fixed blocks run at once.
    fixed = [(o.start, o.end) for o in day if o.kind is Kind.FIXED]
    twice = set()
    t = at(MON, 0)
    while t < at(MON + timedelta(days=1), 0):
        if sum(1 for a, b in fixed if a <= t < b) >= 2:
            twice.add(t)
        t += timedelta(minutes=1)
    assert sum(c.minutes for c in got.conflicts) == len(twice)
