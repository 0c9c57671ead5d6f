"""Expansion of fixed blocks per window: expected times worked out by hand.

Zones: Europe/Berlin (DST 2026-03-29 and 2026-10-25), America/New_York (DST
2026-03-08 and 2026-11-01), Pacific/Apia (UTC+13 all year, across the date line),
America/Bogota (UTC-5, no DST).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as du
from hypothesis import example, given, settings
from hypothesis import strategies as st

from planner.core.model import Block, Kind, Occurrence, Recurrence, Source
from planner.core.recurrence import (
    SERIES_DAY_LIMIT,
    expand_block,
    occurrences,
    parse_recurrence_id,
    recurrence_id_text,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
APIA = ZoneInfo("Pacific/Apia")
BOGOTA = ZoneInfo("America/Bogota")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)


def block(
    start: datetime | date,
    end: datetime | date,
    rule: str | None = None,
    tzid: str | None = None,
    *,
    id: str = "b1",
    rdates: tuple = (),
    exdates: tuple = (),
    uid: str = "series@x",
    rid: str | None = None,
    title: str = "",
) -> Block:
    recurrence = Recurrence(rule, rdates, exdates) if rule or rdates or exdates else None
    return Block(
        id=id,
        title=title or id,
        start=start,
        end=end,
        tzid=tzid,
        recurrence=recurrence,
        source=Source("cal", uid, rid),
    )


def shown(found: list[Occurrence], zone: ZoneInfo) -> list[str]:
    """Occurrence starts as 'YYYY-MM-DD HH:MM +HH:MM' in ``zone`` (dates as is)."""
    out = []
    for occ in found:
        if isinstance(occ.start, datetime):
            out.append(occ.start.astimezone(zone).strftime("%Y-%m-%d %H:%M %z"))
        else:
            out.append(occ.start.isoformat())
    return out


# --- zones and DST -----------------------------------------------------------------

NY_WEEKLY = block(utc(2026, 3, 2, 14), utc(2026, 3, 2, 15), "FREQ=WEEKLY;BYDAY=MO",
                  "America/New_York")


def test_new_york_weekly_keeps_nine_oclock_in_new_york_across_its_dst() -> None:
    found = occurrences([NY_WEEKLY], utc(2026, 3, 1), utc(2026, 4, 1), NEW_YORK)
    assert shown(found, NEW_YORK) == [
        "2026-03-02 09:00 -0500",
        "2026-03-09 09:00 -0400",
        "2026-03-16 09:00 -0400",
        "2026-03-23 09:00 -0400",
        "2026-03-30 09:00 -0400",
    ]


def test_new_york_weekly_seen_from_berlin_moves_with_both_dst_changes() -> None:
    found = occurrences([NY_WEEKLY], utc(2026, 3, 1), utc(2026, 4, 1), BERLIN)
    assert shown(found, BERLIN) == [
        "2026-03-02 15:00 +0100",
        "2026-03-09 14:00 +0100",
        "2026-03-16 14:00 +0100",
        "2026-03-23 14:00 +0100",
        "2026-03-30 15:00 +0200",
    ]
    # Occurrences come back in the viewing zone, one hour long.
    assert found[0].start.tzinfo is BERLIN  # type: ignore[union-attr]
    assert all(o.length == timedelta(hours=1) for o in found)


def test_monday_in_new_york_is_tuesday_in_samoa() -> None:
    # 2026-03-09 09:00 New York = 13:00Z = 2026-03-10 02:00 in Apia (+13).
    tuesday = occurrences([NY_WEEKLY], local(APIA, 2026, 3, 10), local(APIA, 2026, 3, 11), APIA)
    monday = occurrences([NY_WEEKLY], local(APIA, 2026, 3, 9), local(APIA, 2026, 3, 10), APIA)
    assert shown(tuesday, APIA) == ["2026-03-10 02:00 +1300"]
    assert monday == []


def test_bogota_daily_without_dst_shifts_in_berlin_on_its_dst_day() -> None:
    daily = block(utc(2026, 3, 27, 13), utc(2026, 3, 27, 14), "FREQ=DAILY", "America/Bogota")
    found = occurrences([daily], utc(2026, 3, 28), utc(2026, 3, 30), BERLIN)
    assert shown(found, BOGOTA) == ["2026-03-28 08:00 -0500", "2026-03-29 08:00 -0500"]
    assert shown(found, BERLIN) == ["2026-03-28 14:00 +0100", "2026-03-29 15:00 +0200"]


def test_floating_times_are_wall_time_in_the_viewing_zone() -> None:
    run = block(datetime(2026, 3, 7, 7, 30), datetime(2026, 3, 7, 8, 30), "FREQ=DAILY;COUNT=3")
    in_ny = occurrences([run], utc(2026, 3, 1), utc(2026, 4, 1), NEW_YORK)
    assert shown(in_ny, NEW_YORK) == [
        "2026-03-07 07:30 -0500",
        "2026-03-08 07:30 -0400",
        "2026-03-09 07:30 -0400",
    ]
    in_apia = occurrences([run], utc(2026, 3, 1), utc(2026, 4, 1), APIA)
    assert shown(in_apia, APIA) == [
        "2026-03-07 07:30 +1300",
        "2026-03-08 07:30 +1300",
        "2026-03-09 07:30 +1300",
    ]


def test_nonexistent_wall_time_shifts_forward_by_the_gap() -> None:
    # 02:30 on 2026-03-29 does not exist in Berlin: RFC 5545 makes it 03:30 CEST.
    weekly = block(utc(2026, 3, 22, 1, 30), utc(2026, 3, 22, 2), "FREQ=WEEKLY;COUNT=2",
                   "Europe/Berlin")
    found = occurrences([weekly], utc(2026, 3, 20), utc(2026, 4, 1), BERLIN)
    assert shown(found, BERLIN) == ["2026-03-22 02:30 +0100", "2026-03-29 03:30 +0200"]
    assert found[1].end == local(BERLIN, 2026, 3, 29, 4)


def test_ambiguous_wall_time_takes_the_first_occurrence() -> None:
    # 01:30 on 2026-11-01 happens twice in New York: the first is EDT (05:30Z).
    daily = block(utc(2026, 10, 31, 5, 30), utc(2026, 10, 31, 6), "FREQ=DAILY;COUNT=3",
                  "America/New_York")
    found = occurrences([daily], utc(2026, 10, 30), utc(2026, 11, 5), UTC)
    assert shown(found, UTC) == [
        "2026-10-31 05:30 +0000",
        "2026-11-01 05:30 +0000",
        "2026-11-02 06:30 +0000",
    ]


def test_all_day_overlap_is_judged_by_the_dates_of_the_viewing_zone() -> None:
    friday = block(date(2026, 4, 3), date(2026, 4, 4), "FREQ=WEEKLY;COUNT=2")
    # 2026-04-09 12:00-13:00Z is 2026-04-10 01:00-02:00 in Apia but still the 9th in Bogota.
    assert shown(occurrences([friday], utc(2026, 4, 9, 12), utc(2026, 4, 9, 13), APIA),
                 APIA) == ["2026-04-10"]
    assert occurrences([friday], utc(2026, 4, 9, 12), utc(2026, 4, 9, 13), BOGOTA) == []
    found = occurrences([friday], utc(2026, 4, 1), utc(2026, 5, 1), BERLIN)
    assert [(o.start, o.end) for o in found] == [
        (date(2026, 4, 3), date(2026, 4, 4)),
        (date(2026, 4, 10), date(2026, 4, 11)),
    ]


def test_multi_day_all_day_block_shows_on_each_of_its_days() -> None:
    conference = block(date(2026, 4, 1), date(2026, 4, 4))
    day = lambda d: occurrences([conference], local(BERLIN, 2026, 4, d),  # noqa: E731
                                local(BERLIN, 2026, 4, d + 1), BERLIN)
    assert [len(day(d)) for d in (1, 2, 3, 4)] == [1, 1, 1, 0]


def test_block_crossing_midnight_belongs_to_both_days() -> None:
    shift = block(local(BERLIN, 2026, 3, 14, 23).astimezone(UTC),
                  local(BERLIN, 2026, 3, 15, 1, 30).astimezone(UTC), tzid="Europe/Berlin")
    for day in (14, 15):
        found = occurrences([shift], local(BERLIN, 2026, 3, day), local(BERLIN, 2026, 3, day + 1),
                            BERLIN)
        assert shown(found, BERLIN) == ["2026-03-14 23:00 +0100"]
    assert occurrences([shift], local(BERLIN, 2026, 3, 16), local(BERLIN, 2026, 3, 17),
                       BERLIN) == []


# --- EXDATE, RDATE, UNTIL, overrides ----------------------------------------------------


def test_exdates_and_rdates() -> None:
    checkin = block(utc(2026, 3, 23, 8), utc(2026, 3, 23, 8, 15), "FREQ=DAILY;COUNT=7",
                    "Europe/Berlin", exdates=(utc(2026, 3, 24, 8), utc(2026, 3, 29, 7)))
    found = occurrences([checkin], utc(2026, 3, 20), utc(2026, 4, 5), BERLIN)
    assert shown(found, BERLIN) == [
        "2026-03-23 09:00 +0100",
        "2026-03-25 09:00 +0100",
        "2026-03-26 09:00 +0100",
        "2026-03-27 09:00 +0100",
        "2026-03-28 09:00 +0100",
    ]
    review = block(utc(2026, 1, 5, 13), utc(2026, 1, 5, 14), "FREQ=MONTHLY;COUNT=2",
                   "America/Bogota", rdates=(utc(2026, 1, 20, 13),))
    found = occurrences([review], utc(2026, 1, 1), utc(2026, 3, 1), BOGOTA)
    assert shown(found, BOGOTA) == [
        "2026-01-05 08:00 -0500",
        "2026-01-20 08:00 -0500",
        "2026-02-05 08:00 -0500",
    ]


def test_utc_until_includes_the_last_instance() -> None:
    # UNTIL=2026-03-30 07:00Z is exactly the 09:00 CEST instance of that Monday.
    weekly = block(utc(2026, 3, 2, 8), utc(2026, 3, 2, 9),
                   "FREQ=WEEKLY;BYDAY=MO;UNTIL=20260330T070000Z", "Europe/Berlin")
    found = occurrences([weekly], utc(2026, 3, 1), utc(2026, 5, 1), BERLIN)
    assert shown(found, BERLIN)[-1] == "2026-03-30 09:00 +0200"
    assert len(found) == 5


def test_override_moves_an_instance_without_duplicating_it() -> None:
    master = block(utc(2026, 3, 3, 9), utc(2026, 3, 3, 9, 15), "FREQ=WEEKLY;COUNT=4",
                   "Europe/Berlin", id="master")
    moved = block(utc(2026, 3, 12, 14), utc(2026, 3, 12, 14, 15), tzid="Europe/Berlin",
                  id="moved", rid="2026-03-10T09:00:00Z")
    found = occurrences([master, moved], utc(2026, 3, 1), utc(2026, 4, 1), BERLIN)
    assert [(s, o.block.id) for s, o in zip(shown(found, BERLIN), found, strict=True)] == [
        ("2026-03-03 10:00 +0100", "master"),
        ("2026-03-12 15:00 +0100", "moved"),
        ("2026-03-17 10:00 +0100", "master"),
        ("2026-03-24 10:00 +0100", "master"),
    ]
    assert found[1].recurrence_id == utc(2026, 3, 10, 9)
    # The week of the original slot: the moved instance shows once, on Thursday.
    week = occurrences([master, moved], local(BERLIN, 2026, 3, 9), local(BERLIN, 2026, 3, 16),
                       BERLIN)
    assert shown(week, BERLIN) == ["2026-03-12 15:00 +0100"]
    # Moved out of the window: the original slot stays empty.
    day = occurrences([master, moved], local(BERLIN, 2026, 3, 10), local(BERLIN, 2026, 3, 11),
                      BERLIN)
    assert day == []


def test_override_without_master_still_shows() -> None:
    orphan = block(utc(2026, 3, 17, 13), utc(2026, 3, 17, 14), tzid="Europe/Berlin",
                   rid="2026-03-17T09:00:00Z", uid="exchange")
    found = occurrences([orphan], utc(2026, 3, 17), utc(2026, 3, 18), BERLIN)
    assert shown(found, BERLIN) == ["2026-03-17 14:00 +0100"]


def test_overrides_of_other_calendars_do_not_hide_instances() -> None:
    master = block(utc(2026, 3, 3, 9), utc(2026, 3, 3, 10), "FREQ=DAILY;COUNT=2", "UTC")
    other = Block(id="o", title="o", start=utc(2026, 3, 5, 9), end=utc(2026, 3, 5, 10),
                  source=Source("another", "series@x", "2026-03-04T09:00:00Z"))
    found = occurrences([master, other], utc(2026, 3, 1), utc(2026, 3, 10), UTC)
    assert shown(found, UTC) == [
        "2026-03-03 09:00 +0000", "2026-03-04 09:00 +0000", "2026-03-05 09:00 +0000",
    ]


def test_flexible_blocks_are_ignored_and_sorting_breaks_ties_by_id() -> None:
    a = block(utc(2026, 3, 3, 9), utc(2026, 3, 3, 10), id="b")
    b = block(utc(2026, 3, 3, 9), utc(2026, 3, 3, 10), id="a", uid="other")
    flexible = Block(id="f", title="f", kind=Kind.FLEXIBLE, duration=timedelta(hours=1))
    found = occurrences([a, flexible, b], utc(2026, 3, 3), utc(2026, 3, 4), UTC)
    assert [o.block.id for o in found] == ["a", "b"]
    assert expand_block(flexible, utc(2026, 3, 3), utc(2026, 3, 4), UTC) == []


def test_recurrence_id_text_round_trips() -> None:
    assert recurrence_id_text(local(BERLIN, 2026, 3, 10, 10)) == "2026-03-10T09:00:00Z"
    assert recurrence_id_text(date(2026, 3, 10)) == "2026-03-10"
    assert recurrence_id_text(datetime(2026, 3, 10, 7, 30)) == "2026-03-10T07:30:00"
    for text in ("2026-03-10T09:00:00Z", "2026-03-10", "2026-03-10T07:30:00"):
        assert recurrence_id_text(parse_recurrence_id(text)) == text


# --- skipping ahead: exact, and bounded -------------------------------------------------


def test_count_is_honoured_after_skipping_ahead() -> None:
    ten_days = block(utc(2026, 3, 1, 8), utc(2026, 3, 1, 9), "FREQ=DAILY;COUNT=10", "UTC")
    found = occurrences([ten_days], utc(2026, 3, 9), utc(2026, 3, 20), UTC)
    assert shown(found, UTC) == ["2026-03-09 08:00 +0000", "2026-03-10 08:00 +0000"]


def test_count_with_several_days_a_week_after_skipping_ahead() -> None:
    # From Monday 2026-03-02, ten instances: Mar 2, 4, 6, 9, 11, 13, 16, 18, 20, 23.
    ten = block(utc(2026, 3, 2, 8), utc(2026, 3, 2, 9), "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=10",
                "UTC")
    found = occurrences([ten], utc(2026, 3, 18), utc(2026, 4, 1), UTC)
    assert shown(found, UTC) == [
        "2026-03-18 08:00 +0000", "2026-03-20 08:00 +0000", "2026-03-23 08:00 +0000",
    ]
    # From Wednesday 2026-03-04, four instances: Mar 4, 6, 9, 11.
    four = block(utc(2026, 3, 4, 8), utc(2026, 3, 4, 9), "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=4",
                 "UTC")
    assert shown(occurrences([four], utc(2026, 3, 10), utc(2026, 4, 1), UTC), UTC) == [
        "2026-03-11 08:00 +0000"
    ]


def test_monthly_on_the_31st_skips_short_months() -> None:
    month_end = block(utc(2026, 1, 31, 9), utc(2026, 1, 31, 10), "FREQ=MONTHLY", "UTC")
    found = occurrences([month_end], utc(2026, 4, 1), utc(2026, 6, 1), UTC)
    assert shown(found, UTC) == ["2026-05-31 09:00 +0000"]


def test_yearly_leap_day_and_biweekly_phase() -> None:
    leap = block(date(2024, 2, 29), date(2024, 3, 1), "FREQ=YEARLY")
    assert [o.start for o in occurrences([leap], utc(2027, 1, 1), utc(2030, 1, 1), UTC)] == [
        date(2028, 2, 29)
    ]
    # Every other Monday from 2026-01-05: Jan 5, 19, Feb 2, 16, Mar 2, 16, 30.
    fortnight = block(utc(2026, 1, 5, 9), utc(2026, 1, 5, 10), "FREQ=WEEKLY;INTERVAL=2", "UTC")
    found = occurrences([fortnight], utc(2026, 3, 1), utc(2026, 4, 1), UTC)
    assert shown(found, UTC) == [
        "2026-03-02 09:00 +0000", "2026-03-16 09:00 +0000", "2026-03-30 09:00 +0000",
    ]
    # Every 5 hours from 2026-01-01 00:00Z: 1,416 hours to March 1st, so 04:00 and 09:00.
    hourly = block(utc(2026, 1, 1), utc(2026, 1, 1, 0, 10), "FREQ=HOURLY;INTERVAL=5", "UTC")
    found = occurrences([hourly], utc(2026, 3, 1), utc(2026, 3, 1, 12), UTC)
    assert shown(found, UTC) == ["2026-03-01 04:00 +0000", "2026-03-01 09:00 +0000"]


def test_last_weekday_of_month_with_bysetpos_years_later() -> None:
    wrap_up = block(local(BERLIN, 2026, 1, 30, 17).astimezone(UTC),
                    local(BERLIN, 2026, 1, 30, 17, 30).astimezone(UTC),
                    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "Europe/Berlin")
    found = occurrences([wrap_up], utc(2026, 2, 1), utc(2026, 6, 1), BERLIN)
    assert shown(found, BERLIN) == [
        "2026-02-27 17:00 +0100",
        "2026-03-31 17:00 +0200",
        "2026-04-30 17:00 +0200",
        "2026-05-29 17:00 +0200",
    ]
    # 2030-12-31 is a Tuesday.
    later = occurrences([wrap_up], utc(2030, 12, 1), utc(2031, 1, 1), BERLIN)
    assert shown(later, BERLIN) == ["2030-12-31 17:00 +0100"]


def test_secondly_without_end_from_decades_ago_is_bounded() -> None:
    tick = block(utc(2000, 1, 1), utc(2000, 1, 1, 0, 0, 1), "FREQ=SECONDLY")
    found = occurrences([tick], utc(2026, 3, 29, 0), utc(2026, 3, 29, 1), BERLIN)
    # At most SERIES_DAY_LIMIT a day are made; the rest of the hour is counted as hidden.
    assert len(found) == SERIES_DAY_LIMIT
    assert found.hidden == 3600 - SERIES_DAY_LIMIT and not found.at_least
    assert shown(found[:1], UTC) == ["2026-03-29 00:00 +0000"]
    capped = occurrences([tick], utc(2026, 3, 1), utc(2026, 4, 1), BERLIN, limit=500)
    assert len(capped) == 500


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;BYYEARDAY=366;BYMONTH=1",
        "FREQ=WEEKLY;BYWEEKNO=1;BYMONTH=6",
        "FREQ=DAILY;BYMONTHDAY=-31;BYMONTH=4",
    ],
)
def test_rules_that_name_no_real_day_give_up_at_once(rule: str) -> None:
    never = block(utc(1970, 1, 1, 8), utc(1970, 1, 1, 9), rule, "Europe/Berlin")
    assert occurrences([never], utc(2026, 3, 1), utc(2026, 3, 8), BERLIN) == []


def test_sparse_rule_still_finds_its_day() -> None:
    # February 29th on a Monday: 2016, then 2044.
    rare = block(utc(2016, 2, 29, 8), utc(2016, 2, 29, 9),
                 "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", "UTC")
    found = occurrences([rare], utc(2017, 1, 1), utc(2045, 1, 1), UTC)
    assert shown(found, UTC) == ["2044-02-29 08:00 +0000"]


def test_unreadable_rule_leaves_the_first_instance() -> None:
    bad = block(utc(2026, 3, 2, 8), utc(2026, 3, 2, 9), "FREQ=DAILY;INTERVAL=0", "UTC")
    found = occurrences([bad], utc(2026, 3, 1), utc(2026, 3, 10), UTC)
    assert shown(found, UTC) == ["2026-03-02 08:00 +0000"]


def test_count_of_a_billion_skips_ahead() -> None:
    daily = block(local(BERLIN, 1990, 1, 1, 7, 30).astimezone(UTC),
                  local(BERLIN, 1990, 1, 1, 8).astimezone(UTC),
                  "FREQ=DAILY;COUNT=1000000000", "Europe/Berlin")
    weekdays = block(local(BERLIN, 1990, 1, 1, 12).astimezone(UTC),
                     local(BERLIN, 1990, 1, 1, 12, 30).astimezone(UTC),
                     "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=1000000000", "Europe/Berlin", id="w",
                     uid="w")
    found = occurrences([daily, weekdays], local(BERLIN, 2026, 3, 27),
                        local(BERLIN, 2026, 3, 31), BERLIN)
    # 2026-03-27 is a Friday and 2026-03-30 a Monday.
    assert shown(found, BERLIN) == [
        "2026-03-27 07:30 +0100",
        "2026-03-27 12:00 +0100",
        "2026-03-28 07:30 +0100",
        "2026-03-29 07:30 +0200",
        "2026-03-30 07:30 +0200",
        "2026-03-30 12:00 +0200",
    ]


RULES = st.fixed_dictionaries(
    {
        "FREQ": st.sampled_from(["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY"]),
        "INTERVAL": st.integers(1, 4),
    },
    optional={
        "COUNT": st.integers(1, 60),
        "BYDAY": st.sampled_from(["MO", "MO,TH", "SA,SU", "1MO", "-1FR"]),
        "BYMONTHDAY": st.sampled_from(["1", "15", "31", "-1"]),
        "BYSETPOS": st.sampled_from(["1", "-1"]),
        "BYHOUR": st.sampled_from(["9", "9,17"]),
    },
)


@settings(max_examples=150, deadline=None)
# Found by Hypothesis: BYHOUR under FREQ=HOURLY filters hours, it does not pick one per
# hour, so skipping ahead must not count every skipped hour against COUNT.
@example(rule={"FREQ": "HOURLY", "INTERVAL": 1, "COUNT": 2, "BYHOUR": "9"}, start_days=0,
         start_hour=0, window_days=1, window_length=1)
@given(
    rule=RULES,
    start_days=st.integers(0, 900),
    start_hour=st.integers(0, 23),
    window_days=st.integers(0, 1500),
    window_length=st.integers(1, 40),
)
def test_skipping_ahead_matches_plain_dateutil_expansion(
    rule: dict[str, object], start_days: int, start_hour: int, window_days: int,
    window_length: int,
) -> None:
    """Floating series in UTC (no DST) against dateutil walking from DTSTART."""
    if rule["FREQ"] in ("WEEKLY", "DAILY", "HOURLY") and "BYDAY" in rule:
        rule["BYDAY"] = str(rule["BYDAY"]).lstrip("1-")
    if rule["FREQ"] == "HOURLY":
        rule.pop("BYSETPOS", None)
    text = ";".join(f"{k}={v}" for k, v in rule.items())
    dtstart = datetime(2020, 1, 1, start_hour) + timedelta(days=start_days)
    series = block(dtstart, dtstart + timedelta(minutes=30), text)
    low = datetime(2020, 1, 1) + timedelta(days=window_days)
    high = low + timedelta(days=window_length)
    try:
        reference = du.rrulestr(text, dtstart=dtstart)
    except ValueError:  # dateutil rejects it (e.g. BYHOUR that an INTERVAL never hits)
        return
    expected = {dtstart} if low - timedelta(minutes=30) < dtstart < high else set()
    expected |= {
        d for d in reference.between(low - timedelta(minutes=30), high, inc=False)
        if d + timedelta(minutes=30) > low
    }
    found = occurrences([series], low.replace(tzinfo=UTC), high.replace(tzinfo=UTC), UTC)
    assert [o.start.replace(tzinfo=None) for o in found] == sorted(expected)  # type: ignore[union-attr]


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK, APIA, BOGOTA])
def test_every_occurrence_overlaps_the_window(zone: ZoneInfo) -> None:
    found = occurrences([NY_WEEKLY], local(zone, 2026, 3, 9), local(zone, 2026, 3, 10), zone)
    for occ in found:
        assert occ.start < local(zone, 2026, 3, 10) and occ.end > local(zone, 2026, 3, 9)  # type: ignore[operator]


@settings(max_examples=300, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                           timezones=st.sampled_from([UTC, ZoneInfo("Europe/Berlin"),
                                                      ZoneInfo("Pacific/Apia")])))
def test_an_instants_identity_text_is_strftimes(moment: datetime) -> None:
    """``recurrence_id_text`` writes UTC instants by isoformat (faster); the text must
    stay what strftime wrote, years before 1000 included (their %Y has no leading 0s)."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        return
    assert recurrence_id_text(moment) == utc.strftime("%Y-%m-%dT%H:%M:%SZ")
