"""Tests for planner.core.when: every accepted format, the errors, DST, and quick-add lines.

"Now" is always Monday 2026-11-23 10:00 in Berlin unless a test says otherwise.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.model import Kind, PartOfDay
from planner.core.when import (
    QuickAdd,
    WhenError,
    format_duration,
    parse_date,
    parse_duration,
    parse_quick_add,
    parse_time,
    parse_time_range,
    parse_when,
    wall_time,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN)  # a Monday
TODAY = NOW.date()


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45m", 45),
        ("45 min", 45),
        ("45 mins", 45),
        ("45 minutes", 45),
        ("1h", 60),
        ("1 hr", 60),
        ("1h30", 90),
        ("1h30m", 90),
        ("1h 30m", 90),
        ("1 h 15 min", 75),
        ("1 hour and 30 minutes", 90),
        ("1.5h", 90),
        ("1,5h", 90),  # decimal comma
        ("0.25 h", 15),
        ("90", 90),  # a bare number is minutes
        ("2 hours", 120),
        ("1:30", 90),
        ("  2H  ", 120),
        ("+20m", 20),
    ],
)
def test_parse_duration_formats(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["0", "0m", "0h", "0:00", "-1h", "-45", "- 5 min", "0.001h"])
def test_parse_duration_must_be_positive(text: str) -> None:
    with pytest.raises(WhenError, match=r"^Duration must be positive: '.*'\.$"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["", "abc", "h", "1x", "1:75", "1h30x", "one hour", "1..5h"])
def test_parse_duration_garbage(text: str) -> None:
    with pytest.raises(WhenError, match=r"^Don't understand the duration '.*': try '45m'"):
        parse_duration(text)


def test_parse_duration_too_long_is_a_when_error_not_an_overflow() -> None:
    with pytest.raises(WhenError, match="too long"):
        parse_duration("9" * 20)


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (120, "2 h"),
        (75, "1 h 15 min"),
        (45, "45 min"),
        (0, "0 min"),
        (1500, "25 h"),
        (-90, "-1 h 30 min"),
    ],
)
def test_format_duration(minutes: int, text: str) -> None:
    assert format_duration(timedelta(minutes=minutes)) == text


def test_format_duration_rounds_to_minutes() -> None:
    assert format_duration(timedelta(minutes=44, seconds=40)) == "45 min"


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=100_000))
def test_duration_round_trips(minutes: int) -> None:
    td = timedelta(minutes=minutes)
    assert parse_duration(format_duration(td)) == td
    hours, rest = divmod(minutes, 60)
    for typed in (str(minutes), f"{minutes}m", f"{hours}:{rest:02d}", f"{hours}h{rest}"):
        if typed == "0h0":
            continue
        assert format_duration(parse_duration(typed)) == format_duration(td), typed


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", date(2026, 11, 23)),
        ("Tomorrow", date(2026, 11, 24)),
        ("tmrw", date(2026, 11, 24)),
        ("yesterday", date(2026, 11, 22)),
        # a weekday is on or after today: today's own weekday means today
        ("mon", date(2026, 11, 23)),
        ("monday", date(2026, 11, 23)),
        ("tue", date(2026, 11, 24)),
        ("wednesday", date(2026, 11, 25)),
        ("thurs", date(2026, 11, 26)),
        ("fri", date(2026, 11, 27)),
        ("this fri", date(2026, 11, 27)),
        ("sat", date(2026, 11, 28)),
        ("sun", date(2026, 11, 29)),
        # "next" is the one in next week
        ("next mon", date(2026, 11, 30)),
        ("next fri", date(2026, 12, 4)),
        ("last fri", date(2026, 11, 20)),
        ("last mon", date(2026, 11, 16)),
        ("next week", date(2026, 11, 30)),
        ("last week", date(2026, 11, 16)),
        ("2027-01-04", date(2027, 1, 4)),
        ("2027-1-4", date(2027, 1, 4)),
        # a day and month without a year: the next one on or after today
        ("4 jan", date(2027, 1, 4)),
        ("jan 4", date(2027, 1, 4)),
        ("4th January", date(2027, 1, 4)),
        ("January 4th", date(2027, 1, 4)),
        ("23 nov", date(2026, 11, 23)),
        ("22 nov", date(2027, 11, 22)),
        ("22 nov 2026", date(2026, 11, 22)),
        ("jan 4, 2030", date(2030, 1, 4)),
        ("29 feb", date(2028, 2, 29)),
        ("+3", date(2026, 11, 26)),
        ("+3d", date(2026, 11, 26)),
        ("+1w", date(2026, 11, 30)),
        ("-2", date(2026, 11, 21)),
        ("in 2 days", date(2026, 11, 25)),
        ("in a week", date(2026, 11, 30)),
        ("3 days ago", date(2026, 11, 20)),
    ],
)
def test_parse_date_formats(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


def test_weekday_on_a_sunday_wraps_into_next_week() -> None:
    sunday = date(2026, 11, 29)
    assert parse_date("mon", today=sunday) == date(2026, 11, 30)
    assert parse_date("sun", today=sunday) == sunday
    assert parse_date("next sun", today=sunday) == date(2026, 12, 6)
    assert parse_date("next mon", today=sunday) == date(2026, 11, 30)


def test_month_day_near_new_year_looks_forward() -> None:
    assert parse_date("2 jan", today=date(2026, 12, 31)) == date(2027, 1, 2)
    assert parse_date("31 dec", today=date(2026, 12, 31)) == date(2026, 12, 31)


@pytest.mark.parametrize("text", ["fryday", "", "4/1", "someday", "next", "in days", "jan", "+"])
def test_parse_date_garbage(text: str) -> None:
    with pytest.raises(WhenError, match=r"^Don't understand the date '.*': try 'fri'"):
        parse_date(text, today=TODAY)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31 feb", "'31 feb' is not a real date: February has no day 31."),
        ("feb 30", "'feb 30' is not a real date: February has no day 30."),
        ("31 apr 2027", "'31 apr 2027' is not a real date: April 2027 has no day 31."),
        ("2027-02-29", "'2027-02-29' is not a real date: February 2027 has no day 29."),
        ("2027-13-01", "'2027-13-01' is not a real date: there is no month 13."),
        ("0000-01-01", "'0000-01-01' is not a real date: there is no year 0."),
    ],
)
def test_parse_date_impossible(text: str, message: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_date(text, today=TODAY)
    assert str(caught.value) == message


def test_huge_offset_is_a_when_error() -> None:
    with pytest.raises(WhenError, match="too far away"):
        parse_date("+99999999999", today=TODAY)


# --------------------------------------------------------------------------- times


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:30", time(9, 30)),
        ("09:30", time(9, 30)),
        ("14:00", time(14)),
        ("14:00:30", time(14, 0, 30)),
        ("14", time(14)),
        ("0", time(0)),
        ("2pm", time(14)),
        ("2 PM", time(14)),
        ("2:30pm", time(14, 30)),
        ("2 p.m.", time(14)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("11am", time(11)),
        ("noon", time(12)),
        ("midnight", time(0)),
        ("eod", time(17)),
        ("tonight", time(19)),
        ("this afternoon", time(13)),
        ("morning", time(9)),
    ],
)
def test_parse_time_formats(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("25:00", "hour goes from 0 to 23"), ("24", "hour goes from 0 to 23"),
     ("9:75", "minutes go from 0 to 59"), ("13pm", "from 1 to 12"), ("0am", "from 1 to 12")],
)  # fmt: skip
def test_parse_time_impossible(text: str, fragment: str) -> None:
    with pytest.raises(WhenError, match=fragment):
        parse_time(text)


@pytest.mark.parametrize("text", ["", "soon", "9.30", "930", "14h"])
def test_parse_time_garbage(text: str) -> None:
    with pytest.raises(WhenError, match=r"^Don't understand the time"):
        parse_time(text)


# --------------------------------------------------------------------------- parse_when


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow 9:30", berlin(2026, 11, 24, 9, 30)),
        ("tomorrow at 9:30", berlin(2026, 11, 24, 9, 30)),
        ("9:30 tomorrow", berlin(2026, 11, 24, 9, 30)),
        ("fri 14:00", berlin(2026, 11, 27, 14)),
        ("2pm fri", berlin(2026, 11, 27, 14)),
        ("on fri at 2 pm", berlin(2026, 11, 27, 14)),
        ("9:30", berlin(2026, 11, 23, 9, 30)),  # already past: still today
        ("14", berlin(2026, 11, 23, 14)),
        ("2pm", berlin(2026, 11, 23, 14)),
        ("2027-01-04 14:00", berlin(2027, 1, 4, 14)),
        ("2027-01-04T14:00", berlin(2027, 1, 4, 14)),
        ("4 jan 2027 14:00", berlin(2027, 1, 4, 14)),
        ("jan 4 14", berlin(2027, 1, 4, 14)),
        ("next fri 8am", berlin(2026, 12, 4, 8)),
        ("noon", berlin(2026, 11, 23, 12)),
        ("tonight", berlin(2026, 11, 23, 19)),
        ("this afternoon", berlin(2026, 11, 23, 13)),
        ("tomorrow morning", berlin(2026, 11, 24, 9)),
        ("eod", berlin(2026, 11, 23, 17)),
        ("fri eod", berlin(2026, 11, 27, 17)),
        ("fri", berlin(2026, 11, 27, 0)),  # date only, no default time: midnight
        ("now", NOW),
        ("2027-01-04T14:00Z", berlin(2027, 1, 4, 15)),
        ("2027-01-04T14:00+00:00", berlin(2027, 1, 4, 15)),
    ],
)
def test_parse_when_formats(text: str, expected: datetime) -> None:
    got = parse_when(text, now=NOW)
    assert got == expected
    assert got.tzinfo is BERLIN
    assert got.utcoffset() == expected.utcoffset()


def test_parse_when_date_only_takes_default_time() -> None:
    assert parse_when("tomorrow", now=NOW, default_time=time(9)) == berlin(2026, 11, 24, 9)
    assert parse_when("tomorrow 8:00", now=NOW, default_time=time(9)) == berlin(2026, 11, 24, 8)


def test_parse_when_uses_nows_day_in_nows_zone() -> None:
    # 23:30 in New York is already the next day in UTC; "today" must stay New York's day.
    late = datetime(2026, 11, 23, 23, 30, tzinfo=NEW_YORK)
    got = parse_when("9:00", now=late)
    assert got == datetime(2026, 11, 23, 9, tzinfo=NEW_YORK)
    assert got.tzinfo is NEW_YORK


def test_nonexistent_time_shifts_forward() -> None:
    got = parse_when("2026-03-29 02:30", now=NOW)
    assert (got.hour, got.minute) == (3, 30)
    assert got.utcoffset() == timedelta(hours=2)
    assert got.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_ambiguous_time_is_the_first_one() -> None:
    got = parse_when("2026-10-25 02:30", now=NOW)
    assert got.utcoffset() == timedelta(hours=2)  # still summer time
    assert got.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_dst_offsets_follow_the_date_not_now() -> None:
    summer = parse_when("2027-07-01 12:00", now=NOW)  # now is in winter time
    assert summer.utcoffset() == timedelta(hours=2)


def test_wall_time_naive_zone_gives_floating_time() -> None:
    assert wall_time(date(2026, 3, 29), time(2, 30), None) == datetime(2026, 3, 29, 2, 30)
    naive_now = NOW.replace(tzinfo=None)
    assert parse_when("tomorrow 9:30", now=naive_now) == datetime(2026, 11, 24, 9, 30)


@pytest.mark.parametrize("text", ["fryday", "tomorrow 9:30 blah", "sometime", "9.30", "at"])
def test_parse_when_garbage(text: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text, now=NOW)
    assert str(caught.value) == (
        f"Don't understand the date '{text}': try 'fri', 'tomorrow 9:30' or '2027-01-04 14:00'."
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("31 feb", "February has no day 31"), ("31 feb 9:00", "February has no day 31"),
     ("2027-02-29T10:00", "February 2027 has no day 29"), ("tomorrow 25:00", "hour goes"),
     ("2027-02-29T10:00Z", "February 2027 has no day 29"),
     ("2027-01-04T25:00+01:00", "Don't understand the date"),
     ("", "No date or time given")],
)  # fmt: skip
def test_parse_when_impossible_says_why(text: str, fragment: str) -> None:
    with pytest.raises(WhenError, match=fragment):
        parse_when(text, now=NOW)


# --------------------------------------------------------------------------- quick add


def quick(text: str) -> QuickAdd:
    return parse_quick_add(text, now=NOW)


def test_quick_gym_this_afternoon() -> None:
    q = quick("gym 1h this afternoon personal")
    assert (q.title, q.duration, q.kind, q.sphere) == (
        "gym",
        timedelta(hours=1),
        "flexible",
        "personal",
    )
    assert (q.part_of_day, q.day, q.start) == ("afternoon", date(2026, 11, 23), None)
    assert q.describe() == '"gym" · Flexible personal · 1 h · this afternoon (Mon 23 Nov)'


def test_quick_standup_fixed_even_if_past() -> None:
    q = quick("standup 9:30 15m work fixed")
    assert (q.title, q.kind, q.sphere) == ("standup", "fixed", "work")
    assert q.start == berlin(2026, 11, 23, 9, 30)
    assert q.duration == timedelta(minutes=15)
    assert q.day == date(2026, 11, 23)
    assert q.describe() == '"standup" · Fixed work · 15 min · today at 09:30 (Mon 23 Nov)'
    assert q.kind is Kind.FIXED  # the model's enum, ready for a Block


def test_quick_leading_duration_and_deadline() -> None:
    q = quick("2h deep work by fri")
    assert (q.title, q.duration, q.kind, q.sphere) == (
        "deep work",
        timedelta(hours=2),
        "flexible",
        None,
    )
    # end of Friday, exclusive: Saturday's midnight
    assert q.deadline == berlin(2026, 11, 28, 0, 0)
    assert q.day is None and q.start is None
    assert q.describe() == '"deep work" · Flexible · 2 h · by Fri 27 Nov'


def test_quick_a_time_makes_it_fixed() -> None:
    q = quick("dentist tomorrow 14:00 45m")
    assert (q.title, q.kind, q.start) == ("dentist", "fixed", berlin(2026, 11, 24, 14))
    assert q.duration == timedelta(minutes=45)
    assert q.describe() == '"dentist" · Fixed · 45 min · tomorrow at 14:00 (Tue 24 Nov)'


def test_quick_flex_keeps_a_time_as_a_wish() -> None:
    q = quick("dentist tomorrow 14:00 45m flex")
    assert (q.kind, q.start) == ("flexible", berlin(2026, 11, 24, 14))


def test_quick_part_of_day_without_duration() -> None:
    q = quick("call mum evening")
    assert (q.title, q.kind, q.part_of_day, q.duration, q.day) == (
        "call mum", "flexible", "evening", None, None)  # fmt: skip
    assert q.describe() == '"call mum" · Flexible · any evening'
    assert q.part_of_day is PartOfDay.EVENING


def test_quick_after_and_priority() -> None:
    q = quick("review PRs 45m after 14:00 work !")
    assert (q.title, q.kind, q.sphere, q.priority) == ("review PRs", "flexible", "work", 1)
    assert q.earliest == berlin(2026, 11, 23, 14)
    assert q.duration == timedelta(minutes=45)
    assert q.describe() == '"review PRs" · Flexible work · 45 min · after 14:00 today · priority 1'


@pytest.mark.parametrize("tag", ["#work", "@work", "#Work"])
def test_quick_sphere_tags(tag: str) -> None:
    assert quick(f"email boss {tag}").sphere == "work"
    assert quick(f"email {tag} boss").title == "email boss"  # tags count anywhere


def test_quick_sphere_words_only_from_the_given_spheres() -> None:
    q = parse_quick_add("run 30m health", now=NOW, spheres=("work", "personal", "Health"))
    assert (q.title, q.sphere) == ("run", "Health")  # spelled as configured
    q = quick("run 30m health")
    assert (q.title, q.sphere) == ("run 30m health", None)  # 'health' ends the tail
    assert q.unclear == ("'30m' looks like a duration but is in the title (put it at the end)",)
    assert quick("run #health").title == "run #health"
    assert quick("run #health").unclear == ("'#health' is not a sphere (known: work, personal)",)


def test_quick_bare_sphere_word_right_after_title_stays_in_title() -> None:
    assert (quick("deep work").title, quick("deep work").sphere) == ("deep work", None)
    assert quick("deep work 2h").title == "deep work"
    assert quick("get bike fixed").title == "get bike fixed"
    assert quick("deep work #work").sphere == "work"


def test_quick_markers_anywhere() -> None:
    q = quick("lunch at noon with anna")
    assert (q.title, q.kind, q.start) == ("lunch with anna", "fixed", berlin(2026, 11, 23, 12))
    q = quick("report by fri 15:00 for the board !!")
    assert q.title == "report for the board"
    assert (q.deadline, q.priority) == (berlin(2026, 11, 27, 15), 2)
    q = quick("meet at 9 with bob")  # a bare hour is fine after a marker
    assert q.start == berlin(2026, 11, 23, 9)


def test_quick_marker_without_a_date_stays_in_title() -> None:
    assert quick("stand by me").title == "stand by me"
    assert quick("coffee at cafe central").title == "coffee at cafe central"


def test_quick_times_in_markers_take_the_lines_day() -> None:
    q = quick("gym tomorrow after 17:00")
    assert q.day == date(2026, 11, 24)
    assert q.earliest == berlin(2026, 11, 24, 17)
    q = quick("slides fri by 15:00")
    assert q.deadline == berlin(2026, 11, 27, 15)


def test_quick_bare_numbers_are_title_words() -> None:
    q = quick("read chapter 14")
    assert (q.title, q.start, q.duration) == ("read chapter 14", None, None)


def test_quick_dates_and_parts() -> None:
    q = quick("gym tomorrow afternoon")
    assert (q.title, q.day, q.part_of_day, q.start) == (
        "gym",
        date(2026, 11, 24),
        "afternoon",
        None,
    )
    assert q.describe() == '"gym" · Flexible · tomorrow afternoon (Tue 24 Nov)'
    q = quick("party 4 jan 2027 evening")
    assert (q.title, q.day, q.part_of_day) == ("party", date(2027, 1, 4), "evening")
    assert q.describe() == '"party" · Flexible · Mon 4 Jan evening'
    q = quick("movie tonight")
    assert (q.day, q.part_of_day) == (date(2026, 11, 23), "evening")
    q = quick("taxes in 2 days")
    assert (q.title, q.day) == ("taxes", date(2026, 11, 25))


def test_quick_eod_is_a_deadline() -> None:
    q = quick("send invoice eod")
    assert (q.title, q.deadline, q.kind) == ("send invoice", berlin(2026, 11, 23, 17), "flexible")
    assert q.describe() == '"send invoice" · Flexible · by 17:00 today'


def test_quick_iso_datetime_and_multiword_duration() -> None:
    q = quick("1 h 15 min call 2027-01-04T14:00")
    assert (q.title, q.duration, q.start) == ("call", timedelta(minutes=75), berlin(2027, 1, 4, 14))


def test_quick_first_word_is_always_title() -> None:
    assert quick("friday").title == "friday"
    assert quick("2h").title == "2h"
    q = quick("tomorrow 9:00")
    assert (q.title, q.start) == ("tomorrow", berlin(2026, 11, 23, 9))


def test_quick_repeated_attribute_stays_in_the_title_and_is_said() -> None:
    q = quick("yoga 30m 1h")
    assert (q.title, q.duration) == ("yoga 30m", timedelta(hours=1))
    assert q.unclear == ("'30m' gives the duration a second time",)


def test_quick_fixed_needs_a_time() -> None:
    with pytest.raises(WhenError, match="A fixed block needs a time"):
        quick("offsite 2h fixed")


def test_quick_impossible_date_is_reported() -> None:
    with pytest.raises(WhenError, match="February has no day 31"):
        quick("report by 31 feb")


def test_quick_empty_line() -> None:
    with pytest.raises(WhenError, match="title"):
        quick("   ")


def test_quick_dst_gap_start_moves_forward() -> None:
    q = quick("early call 2026-03-29 02:30")
    assert q.start is not None and (q.start.hour, q.start.minute) == (3, 30)


def test_quick_deadline_end_of_day_across_dst() -> None:
    q = parse_quick_add("taxes by 2027-03-27", now=NOW)  # the night the clocks go forward
    assert q.deadline == berlin(2027, 3, 28, 0, 0)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcxyz019:!#@ hmfritonwkp+-.–\"", max_size=40))
def test_quick_add_never_crashes_and_keeps_a_title(text: str) -> None:
    try:
        q = parse_quick_add(text, now=NOW)
    except WhenError:
        return
    assert q.title or not text.split()
    assert q.kind in ("fixed", "flexible")
    assert isinstance(q.describe(), str)


def test_when_is_pure_core() -> None:
    code = (
        "import sys, planner.core.when; "
        "bad = {'textual', 'tinydb', 'icalendar'} & set(sys.modules); "
        "sys.exit(', '.join(sorted(bad)) or None)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------- time ranges


@pytest.mark.parametrize("text", ["10-11", "10:00-11:00", "10:00–11:00", "10am-11am",
                                  "10:00 to 11:00", "10 - 11", "from 10 to 11", "10-11am",
                                  "10:00—11:00"])
def test_time_ranges_in_every_common_form(text: str) -> None:
    assert parse_time_range(text) == (time(10), timedelta(hours=1))
    q = quick(f"Team meeting {text} work")
    assert (q.title, q.kind, q.sphere) == ("Team meeting", "fixed", "work")
    assert (q.start, q.duration) == (berlin(2026, 11, 23, 10), timedelta(hours=1))


@pytest.mark.parametrize(("text", "start", "minutes"), [
    ("12:30-13:30", time(12, 30), 60), ("9-5", time(9), 8 * 60), ("11-1pm", time(11), 120),
    ("10am-2pm", time(10), 240), ("23:00-01:00", time(23), 120), ("9:30-10", time(9, 30), 30),
])
def test_time_range_readings(text: str, start: time, minutes: int) -> None:
    assert parse_time_range(text) == (start, timedelta(minutes=minutes))


@pytest.mark.parametrize("text", ["2026-01-04", "10", "ten-eleven", "10-10", "-2", "10-"])
def test_not_a_time_range(text: str) -> None:
    assert parse_time_range(text) is None


def test_ranges_with_a_day_and_after_at() -> None:
    assert quick("planning fri 10-11").start == berlin(2026, 11, 27, 10)
    assert quick("planning 10-11 tomorrow").start == berlin(2026, 11, 24, 10)
    q = quick("gym at 18-19:30 personal")
    assert (q.title, q.start, q.duration) == ("gym", berlin(2026, 11, 23, 18),
                                              timedelta(minutes=90))


# --------------------------------------------------------------------------- not understood


@pytest.mark.parametrize(("text", "title", "note"), [
    ("Team meeting 10:00-11:00 wrok", "Team meeting wrok", "'wrok' (did you mean 'work'?)"),
    ("call mum tomorow", "call mum tomorow", "'tomorow' (did you mean 'tomorrow'?)"),
    ("email #wrok", "email #wrok", "'#wrok' is not a sphere (known: work, personal)"),
    ("book 10:7", "book 10:7", "'10:7' is not a time, range or duration I can read"),
    ("report 2hurs", "report 2hurs", "'2hurs' is not a time, range or duration I can read"),
    ("call 14h-15h", "call 14h-15h", "'14h-15h' is not a time, range or duration I can read"),
    ("call re 3pm budget", "call re 3pm budget",
     "'3pm' looks like a time but is in the title (put it at the end)"),
])
def test_what_is_not_understood_is_shown_as_such(text: str, title: str, note: str) -> None:
    q = quick(text)
    assert q.title == title
    assert q.unclear == (note,)
    assert q.describe().endswith(f"not understood: {note}")


@pytest.mark.parametrize("text", ["2h deep work by fri #work", "deep work 2h #work",
                                  "deep work #work 2h"])
def test_a_sphere_or_kind_word_in_the_title_is_title_when_the_attribute_is_given(
        text: str) -> None:
    q = quick(text)
    assert (q.title, q.sphere, q.unclear) == ("deep work", "work", ())


def test_the_tail_is_read_past_a_typo() -> None:
    q = quick("Team meeting 10:00-11:00 wrok")
    assert (q.kind, q.start, q.duration) == ("fixed", berlin(2026, 11, 23, 10), timedelta(hours=1))


def test_plain_titles_say_nothing_is_unclear() -> None:
    for text in ("Prepare Q4", "read chapter 14", "walk in the park", "deep work by fri",
                 "gym 1h this afternoon personal", "standup 9:30 15m work fixed"):
        assert quick(text).unclear == (), text


def test_a_quoted_title_is_taken_as_typed() -> None:
    q = quick('"Read chapters 10-11" 1h work')
    assert (q.title, q.duration, q.sphere, q.start) == ("Read chapters 10-11",
                                                         timedelta(hours=1), "work", None)
    assert quick('"deep work" work').sphere == "work"


# ------------------------------------------------------------------ today vs the day viewed


def test_relative_words_count_from_today_a_time_alone_is_on_the_day_viewed() -> None:
    saturday = date(2026, 11, 28)
    q = parse_quick_add("call tomorrow 10:00", now=NOW, day=saturday)  # NOW is a Monday
    assert q.start == berlin(2026, 11, 24, 10)  # Tuesday: tomorrow from today
    q = parse_quick_add("call 10:00", now=NOW, day=saturday)
    assert q.start == berlin(2026, 11, 28, 10)  # no day named: the day being viewed
    q = parse_quick_add("report by 15:00", now=NOW, day=saturday)
    assert q.deadline == berlin(2026, 11, 28, 15)
    assert parse_quick_add("gym fri", now=NOW, day=saturday).day == date(2026, 11, 27)


def test_a_past_deadline_is_refused_in_one_sentence() -> None:
    with pytest.raises(WhenError) as found:
        quick("taxes by yesterday")
    assert str(found.value) == ("The deadline (end of Sun 22 Nov 2026) has already passed; "
                                "give one that is still to come.")
    with pytest.raises(WhenError, match="already passed"):
        quick("call by 08:00")  # NOW is 10:00
