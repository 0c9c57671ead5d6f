"""Families of real-world files planner once misread (issue #13), one small test each.

Each fixture in tests/fixtures/ics/ is named by the feature it shows. Where the
reference readers (icalendar + x_wr_timezone + recurring_ical_events) agree with what
planner should do, the test compares with them through planner's real import path;
where planner deliberately differs, the expected rows are written out and the reason
is in tests/corpus/differences.toml.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.adapters.ical.reader import ReadResult, read_calendar
from planner.core.model import Block
from planner.core.recurrence import occurrences
from tests.differential import Window, planner_rows, reference_rows

FIXTURES = Path(__file__).parent / "fixtures" / "ics"
BERLIN = ZoneInfo("Europe/Berlin")
MARCH = Window(date(2026, 3, 1), 31)


def read(name: str) -> ReadResult:
    return read_calendar((FIXTURES / name).read_bytes(), calendar="cal", origin=name)


def rows(name: str, window: Window, tmp_path: Path) -> list[tuple[str, str, str]]:
    found, _ = planner_rows((FIXTURES / name).read_bytes(), window, tmp_path)
    return found


def as_reference(name: str, window: Window, tmp_path: Path) -> list[tuple[str, str, str]]:
    """Planner's agenda rows, asserted equal to the reference readers' rows."""
    data = (FIXTURES / name).read_bytes()
    mine, _ = planner_rows(data, window, tmp_path)
    assert mine == reference_rows(data, window)
    return mine


def starts(blocks: list[Block], first: datetime, last: datetime, zone: ZoneInfo = BERLIN
           ) -> list[str]:
    out = []
    for occ in occurrences(blocks, first, last, zone):
        if isinstance(occ.start, datetime):
            out.append(f"{occ.start.astimezone(UTC):%m-%d %H:%M}Z {occ.title}")
        else:
            out.append(f"{occ.start:%m-%d} {occ.title}")
    return out


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- whole files refused that others read ---------------------------------------------


def test_components_without_a_vcalendar_wrapper_are_read(tmp_path: Path) -> None:
    result = read("no_vcalendar_wrapper.ics")
    assert [b.title for b in result.blocks] == ["Dentist (cut from a mail)", "Conference day"]
    assert result.skipped == [] and result.repaired == []
    assert result.blocks[0].tzid == "Europe/Berlin"
    assert as_reference("no_vcalendar_wrapper.ics", MARCH, tmp_path) == [
        ("2026-03-10T13:00:00+00:00", "2026-03-10T14:00:00+00:00", "Dentist (cut from a mail)"),
        ("2026-03-12", "2026-03-13", "Conference day"),
    ]


def test_several_vcalendars_in_one_file_keep_their_own_zones(tmp_path: Path) -> None:
    result = read("several_vcalendars.ics")
    assert result.skipped == [] and result.repaired == []
    found = as_reference("several_vcalendars.ics", MARCH, tmp_path)
    assert [r[2] for r in found] == ["Team sync (Google)", "Call with Paris (iCloud)",
                                     "Day off (Thunderbird)", "Team sync (Google)",
                                     "Team sync (Google)"]
    # Google's X-WR-TIMEZONE applies to its own VCALENDAR only.
    by_title = {b.title: b for b in result.blocks}
    assert by_title["Team sync (Google)"].tzid == "America/New_York"
    assert by_title["Call with Paris (iCloud)"].tzid == "Europe/Paris"


def test_a_typo_in_the_last_end_line_is_repaired_and_said(tmp_path: Path) -> None:
    result = read("typo_in_last_end.ics")
    assert [b.title for b in result.blocks] == ["Budget review (Zimbra)", "Planning"]
    (note,) = result.repaired
    assert "END:VCALENDARD" in note.reason and "line 18" in note.reason
    assert result.skipped == []  # repaired, and nothing was left out
    assert rows("typo_in_last_end.ics", MARCH, tmp_path)[0][2] == "Budget review (Zimbra)"


def test_an_end_line_that_closes_nothing_is_ignored_where_it_stands() -> None:
    data = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VTIMEZONE\r\n"
            b"BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260310T080000Z\r\nEND:VALARM\r\n"
            b"SUMMARY:Kept\r\nEND:VEVENT\r\n"
            b"BEGIN:VEVENT\r\nUID:b\r\nDTSTART:20260311T080000Z\r\nSUMMARY:Second\r\n"
            b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    result = read_calendar(data, calendar="cal", origin="stray.ics")
    assert [(b.title, b.start) for b in result.blocks] == [
        ("Kept", utc(2026, 3, 10, 8)), ("Second", utc(2026, 3, 11, 8))]
    assert result.skipped == []
    assert sorted(n.reason for n in result.repaired) == [
        "has a stray 'END:VALARM' on line 7: ignored it",
        "has a stray 'END:VTIMEZONE' on line 3: ignored it"]


def test_the_old_mozilla_layout_with_names_on_their_own_line(tmp_path: Path) -> None:
    result = read("mozilla_old_folded_layout.ics")
    christmas, lunch = result.blocks
    assert (christmas.title, christmas.start, christmas.end) == (
        "Christmas Day", date(2026, 12, 25), date(2026, 12, 26))
    assert christmas.recurrence is not None
    assert christmas.recurrence.rrule == "FREQ=YEARLY;INTERVAL=1;BYMONTH=12"
    assert lunch.tzid == "Europe/Berlin" and lunch.start == utc(2026, 12, 22, 11)
    assert as_reference("mozilla_old_folded_layout.ics", Window(date(2026, 12, 20), 10),
                        tmp_path)[0][2] == "Team lunch"


# --- events dropped that others show ---------------------------------------------------


def test_an_undefined_tzid_is_floating_or_named_by_its_words() -> None:
    result = read("undefined_tzid_exchange.ics")
    steering, vendor, council = result.blocks
    assert result.skipped == []
    # No words to go by: floating time, shown at 09:00 wherever the user is.
    assert steering.floating and steering.start == datetime(2026, 3, 10, 9)
    # A display name and a Lotus Notes name say which zone they mean.
    assert vendor.tzid == "Europe/Amsterdam" and vendor.start == utc(2026, 3, 11, 8)
    assert council.tzid == "Europe/Berlin" and council.start == utc(2026, 3, 12, 8)
    notes = [(n.component, n.reason) for n in result.repaired]
    assert len(notes) == 3
    assert "Customized Time Zone" in notes[0][1] and "floating" in notes[0][1]
    assert "line 4" in notes[0][0] and "UID 0400" in notes[0][0]
    assert "read it as Europe/Amsterdam" in notes[1][1]
    assert "read it as Europe/Berlin" in notes[2][1]


def test_an_rrule_junk_token_is_ignored_not_the_event() -> None:
    result = read("rrule_junk_token.ics")
    weekly, release = result.blocks
    assert weekly.recurrence is not None and weekly.recurrence.rrule == "FREQ=WEEKLY;COUNT=3"
    assert release.recurrence is not None and release.recurrence.rrule == "FREQ=DAILY;COUNT=2"
    assert starts(result.blocks, utc(2026, 3, 1), utc(2026, 3, 31)) == [
        "03-02 08:00Z Weekly check-in", "03-03 10:00Z Release window",
        "03-04 10:00Z Release window", "03-09 08:00Z Weekly check-in",
        "03-16 08:00Z Weekly check-in"]
    reasons = " | ".join(n.reason for n in result.repaired)
    assert "X-EM-ORIGINAL=20260302" in reasons and "'WKST'" in reasons


def test_sloppy_rule_parts_are_read_as_meant_and_said(tmp_path: Path) -> None:
    found = rows("rrule_sloppy_parts.ics", MARCH, tmp_path)
    by_title: dict[str, list[str]] = {}
    for start, _, title in found:
        by_title.setdefault(title.split(" (")[0], []).append(start[5:16].rstrip("T"))
    assert by_title == {
        "Once": ["03-02T08:00"],  # COUNT=0: no repeats (never endless)
        "Mondays and Wednesdays": ["03-02T09:00", "03-04T09:00", "03-09T09:00",
                                   "03-11T09:00"],
        "Tuesdays until the 17th": ["03-03T11:00", "03-10T11:00", "03-17T11:00"],
        "Every other Thursday": ["03-05", "03-19"],
    }
    reasons = [n.reason for n in read("rrule_sloppy_parts.ics").repaired]
    assert len(reasons) == 4 and "BYDAY=MO,WE" in reasons[1] and "UNTIL=20260317" in reasons[2]


def test_a_second_rrule_line_adds_its_instances(tmp_path: Path) -> None:
    result = read("rrule_second_line.ics")
    (review,) = result.blocks
    assert review.recurrence is not None
    assert review.recurrence.rrule == "FREQ=WEEKLY;COUNT=3\nFREQ=MONTHLY;COUNT=2;BYMONTHDAY=20"
    assert [r[0][5:16] for r in as_reference("rrule_second_line.ics",
                                             Window(date(2026, 3, 1), 61), tmp_path)] == [
        "03-02T09:00", "03-09T09:00", "03-16T09:00", "03-20T09:00", "04-20T09:00"]


def test_a_rule_that_never_matches_keeps_its_first_instance(tmp_path: Path) -> None:
    # RFC 5545: DTSTART is always the first instance (the reference shows nothing).
    assert rows("rrule_never_matches.ics", MARCH, tmp_path) == [
        ("2026-03-10T09:00:00+00:00", "2026-03-10T10:00:00+00:00", "Kick-off"),
        ("2026-03-11", "2026-03-12", "Imaginary anniversary"),
    ]


# --- wrong times -------------------------------------------------------------------------


def test_an_end_before_the_start_is_read_the_other_way_round(tmp_path: Path) -> None:
    # A DTEND before DTSTART and a negative DURATION both mean the same swapped span;
    # the reference readers read them so too.
    data = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
            b"BEGIN:VEVENT\r\nUID:swapped@x\r\nDTSTART:20260302T090000Z\r\n"
            b"DTEND:20260302T080000Z\r\nSUMMARY:Swapped\r\nEND:VEVENT\r\n"
            b"BEGIN:VEVENT\r\nUID:negative@x\r\nDTSTART:20260303T090000Z\r\n"
            b"DURATION:-PT1H30M\r\nSUMMARY:Negative\r\nEND:VEVENT\r\n"
            b"END:VCALENDAR\r\n")
    mine, _ = planner_rows(data, MARCH, tmp_path)
    assert mine == reference_rows(data, MARCH) == [
        ("2026-03-02T08:00:00+00:00", "2026-03-02T09:00:00+00:00", "Swapped"),
        ("2026-03-03T07:30:00+00:00", "2026-03-03T09:00:00+00:00", "Negative")]
    reasons = [n.reason for n in read_calendar(data, calendar="cal").repaired]
    assert reasons == ["has DTEND before DTSTART: read them the other way round",
                       "has a negative DURATION -PT1H30M: read it as ending at DTSTART"]


def test_a_custom_vtimezone_with_old_us_rules_does_not_drift(tmp_path: Path) -> None:
    result = read("custom_vtimezone_old_us_rules.ics")
    (standup,) = result.blocks
    assert standup.tzid is not None and "Eastern Time (US & Canada)_old" in standup.tzid
    found = as_reference("custom_vtimezone_old_us_rules.ics", Window(date(2026, 3, 1), 50),
                         tmp_path)
    # 09:00 at -05:00 until the first Sunday of April (old rules), then at -04:00.
    assert [r[0][5:16] for r in found] == ["03-02T14:00", "03-09T14:00", "03-16T14:00",
                                           "03-23T14:00", "03-30T14:00", "04-06T13:00",
                                           "04-13T13:00"]


def test_dtend_in_another_custom_zone_is_read_in_that_zone(tmp_path: Path) -> None:
    (flight,) = read("dtend_in_other_custom_zone.ics").blocks
    # 08:00 in Lisbon (+01:00 in summer) to 15:00 at +03:17.
    assert (flight.start, flight.end) == (utc(2026, 6, 1, 7), utc(2026, 6, 1, 11, 43))
    as_reference("dtend_in_other_custom_zone.ics", Window(date(2026, 5, 31), 3), tmp_path)


def test_floating_times_take_the_x_wr_timezone(tmp_path: Path) -> None:
    result = read("floating_with_x_wr_timezone.ics")
    swim = result.blocks[0]
    assert swim.tzid == "America/New_York" and swim.start == utc(2026, 3, 6, 22)
    # Across New York's DST change (8 March) the class stays at 17:00 there.
    assert [r[0] for r in as_reference("floating_with_x_wr_timezone.ics", MARCH,
                                       tmp_path)] == [
        "2026-03-06T22:00:00+00:00", "2026-03-10", "2026-03-13T21:00:00+00:00",
        "2026-03-20T21:00:00+00:00"]


def test_an_rdate_period_keeps_its_own_length(tmp_path: Path) -> None:
    assert as_reference("rdate_period.ics", MARCH, tmp_path) == [
        ("2026-03-02T09:00:00+00:00", "2026-03-02T10:00:00+00:00", "Workshop"),
        ("2026-03-05T09:00:00+00:00", "2026-03-05T12:00:00+00:00", "Workshop"),
        ("2026-03-06T09:00:00+00:00", "2026-03-06T09:30:00+00:00", "Workshop"),
    ]


def test_rdate_date_lists_keep_every_date(tmp_path: Path) -> None:
    found = as_reference("rdate_date_list.ics", MARCH, tmp_path)
    assert [r[0] for r in found] == ["2026-03-02", "2026-03-05", "2026-03-10", "2026-03-12"]


def test_an_all_day_instance_moved_with_a_date_time_recurrence_id(tmp_path: Path) -> None:
    assert as_reference("allday_override_datetime_recurrence_id.ics", MARCH, tmp_path) == [
        ("2026-03-02", "2026-03-03", "Bins out"),
        ("2026-03-10", "2026-03-11", "Bins out (moved)"),
        ("2026-03-16", "2026-03-17", "Bins out"),
    ]


def test_range_thisandfuture_changes_the_rest_of_the_series(tmp_path: Path) -> None:
    found = as_reference("recurrence_id_thisandfuture.ics", MARCH, tmp_path)
    assert [(r[0][5:16], r[2]) for r in found] == [
        ("03-02T08:00", "Standup"), ("03-03T08:00", "Standup"),
        ("03-04T09:00", "Standup (later, shorter)"), ("03-05T09:00", "Standup (later, shorter)"),
        ("03-06T09:00", "Standup (later, shorter)"), ("03-07T09:00", "Standup (later, shorter)"),
    ]
    assert all(r[1][11:16] == f"{int(r[0][11:13]):02d}:30" for r in found[2:])


def test_a_deleted_modification_stays_deleted(tmp_path: Path) -> None:
    found = as_reference("deleted_modification.ics", MARCH, tmp_path)
    assert [r[0][5:10] for r in found] == ["03-02", "03-03", "03-05", "03-06"]
    assert "deletes" in read("deleted_modification.ics").repaired[0].reason


def test_a_fold_inside_a_utf8_character_restores_the_character(tmp_path: Path) -> None:
    # RFC 5545 3.1: simple producers fold inside a character; readers restore it.
    result = read("fold_inside_a_character.ics")
    (event,) = result.blocks
    assert (event.title, event.location) == ("会議の準備と日本語のタイトル", "Café Zürich")
    assert result.repaired == [] and result.skipped == []
    assert rows("fold_inside_a_character.ics", MARCH, tmp_path)[0][2] == event.title


def test_one_bad_utf8_byte_is_repaired_on_its_line_only() -> None:
    result = read("one_bad_utf8_byte.ics")
    assert [b.title for b in result.blocks] == ["会議 定例", "Café with the team"]
    (note,) = result.repaired
    assert "UID caf-2@example.com" in note.component
    assert "line 16" in note.reason and "Windows-1252" in note.reason


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.ics")))
def test_every_fixture_reports_each_notice_on_one_line(name: str) -> None:
    try:
        result = read(name)
    except Exception:  # files that cannot be read at all are tested elsewhere
        return
    for notice in [*result.skipped, *result.repaired]:
        assert "\n" not in notice.component + notice.reason


def test_a_custom_zone_series_exports_with_its_own_rules(tmp_path: Path) -> None:
    from planner.adapters.ical.writer import ExportOptions, write_calendar

    blocks = read("custom_vtimezone_old_us_rules.ics").blocks
    blocks += read("rrule_second_line.ics").blocks
    exported = write_calendar(blocks, ExportOptions(), now=utc(2026, 3, 1)).data
    window = Window(date(2026, 3, 1), 61)
    again = reference_rows(exported, window)
    original, _ = planner_rows(b"".join((FIXTURES / n).read_bytes() for n in (
        "custom_vtimezone_old_us_rules.ics", "rrule_second_line.ics")), window, tmp_path)
    assert again == original
    assert b"Eastern Time (US & Canada)_old" in exported


@settings(max_examples=150, deadline=None)
@given(title=st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
                     min_size=1, max_size=30).filter(lambda t: t.strip() == t and t),
       cut=st.integers(min_value=9, max_value=200))
def test_a_title_folded_at_any_byte_reads_back_whole(title: str, cut: int) -> None:
    line = ("SUMMARY:" + title.replace("\\", "\\\\").replace(";", "\\;")
            .replace(",", "\\,")).encode()
    cut = min(cut, len(line) - 1)
    folded = line[:cut] + b"\r\n " + line[cut:] if cut > 8 else line
    data = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:f@x\r\n"
            b"DTSTART:20260310T090000Z\r\n" + folded + b"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    (event,) = read_calendar(data, calendar="cal").blocks
    assert event.title == title
