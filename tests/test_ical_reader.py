"""Reading real-world-shaped iCalendar files (tests/fixtures/ics/) into blocks.

Expected times are worked out by hand from the files and written down literally.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.adapters.ical.reader import CalendarError, ReadResult, block_id_for, read_calendar
from planner.adapters.ical.zones import custom_zone, iana_name
from planner.core.model import Block, Energy, Kind, PartOfDay
from planner.core.recurrence import occurrences

FIXTURES = Path(__file__).parent / "fixtures" / "ics"
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
APIA = ZoneInfo("Pacific/Apia")
BOGOTA = ZoneInfo("America/Bogota")


def read(name: str, **kwargs: str) -> ReadResult:
    return read_calendar((FIXTURES / name).read_bytes(), calendar="cal", origin=name, **kwargs)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)


def shown(blocks: list[Block], start: datetime, end: datetime, zone: ZoneInfo) -> list[str]:
    out = []
    for occ in occurrences(blocks, start, end, zone):
        if isinstance(occ.start, datetime):
            out.append(f"{occ.start.astimezone(zone):%Y-%m-%d %H:%M} {occ.title}")
        else:
            out.append(f"{occ.start.isoformat()}..{occ.end.isoformat()} {occ.title}")
    return out


def only(result: ReadResult) -> Block:
    assert len(result.blocks) == 1, result
    return result.blocks[0]


# --- zones ---------------------------------------------------------------------------


def test_weekly_new_york_series() -> None:
    result = read("weekly_rrule_new_york.ics")
    series = only(result)
    assert series.start == utc(2026, 3, 2, 14) and series.end == utc(2026, 3, 2, 15)
    assert series.tzid == "America/New_York"
    assert series.recurrence is not None
    assert series.recurrence.rrule == "FREQ=WEEKLY;BYDAY=MO;COUNT=6"
    assert series.location == "Room 5, 3rd floor"
    assert series.notes == "Agenda:\n1. numbers\n2. plans"
    assert series.sphere == "work" and series.kind is Kind.FIXED
    assert series.source is not None and series.source.sequence == 2
    assert series.id == block_id_for("cal", "9F2C1A3E-weekly-ny@example.com", None)
    assert shown(result.blocks, utc(2026, 3, 1), utc(2026, 5, 1), BERLIN) == [
        "2026-03-02 15:00 Team sync NY",
        "2026-03-09 14:00 Team sync NY",
        "2026-03-16 14:00 Team sync NY",
        "2026-03-23 14:00 Team sync NY",
        "2026-03-30 15:00 Team sync NY",
        "2026-04-06 15:00 Team sync NY",
    ]


def test_windows_zone_name_from_outlook_becomes_iana() -> None:
    result = read("windows_tzid_outlook.ics")
    review = only(result)
    assert review.tzid == "Europe/Berlin"
    assert review.start == utc(2026, 3, 25, 9)
    assert shown(result.blocks, utc(2026, 3, 20), utc(2026, 4, 10), BERLIN) == [
        "2026-03-25 10:00 Budget review",
        "2026-04-01 10:00 Budget review",
    ]


def test_custom_vtimezone_maps_to_an_equivalent_iana_zone() -> None:
    result = read("custom_vtimezone.ics")
    call, rover = result.blocks
    assert call.tzid == "America/New_York"
    assert call.start == utc(2026, 11, 2, 14)
    assert shown([call], utc(2026, 11, 1), utc(2026, 11, 10), NEW_YORK) == [
        "2026-11-02 09:00 Client call",
        "2026-11-03 09:00 Client call",
        "2026-11-04 09:00 Client call",
    ]
    # No IANA zone is +03:17: the block keeps the file's own zone.
    assert rover.tzid is not None and rover.tzid.startswith("BEGIN:VTIMEZONE")
    assert "TZID:Mars Base Time" in rover.tzid
    assert rover.start == utc(2026, 6, 1, 8, 43)


def test_google_utc_series_keeps_its_local_hour_across_dst() -> None:
    result = read("google_x_wr_timezone_utc.ics")
    assert result.name == "Work (Google)"
    planning = only(result)
    assert planning.tzid == "Europe/Berlin"
    assert shown(result.blocks, utc(2026, 3, 15), utc(2026, 4, 1), BERLIN) == [
        "2026-03-16 09:00 Weekly planning",
        "2026-03-23 09:00 Weekly planning",
        "2026-03-30 09:00 Weekly planning",  # 07:00Z, not 08:00Z
    ]


def test_floating_event_is_naive_and_follows_the_viewer() -> None:
    result = read("floating.ics")
    run = only(result)
    assert run.start == datetime(2026, 3, 10, 7, 30) and run.floating
    assert run.tags == ("health", "outdoors")
    for zone in (BERLIN, APIA, BOGOTA):
        assert shown(result.blocks, utc(2026, 3, 9), utc(2026, 3, 12), zone) == [
            "2026-03-10 07:30 Morning run"
        ]


# --- shapes of events ---------------------------------------------------------------


def test_all_day_events_have_exclusive_date_ends() -> None:
    conference, day_off = read("allday_multiday.ics").blocks
    assert (conference.start, conference.end) == (date(2026, 4, 1), date(2026, 4, 4))
    assert (day_off.start, day_off.end) == (date(2026, 4, 10), date(2026, 4, 11))
    assert conference.all_day and conference.tzid is None


def test_duration_instead_of_dtend() -> None:
    late, hackathon = read("duration_not_dtend.ics").blocks
    assert (late.start, late.end) == (utc(2026, 3, 28, 22), utc(2026, 3, 29, 0))
    # P1D is a calendar day: 12:00 CET to 12:00 CEST, 23 real hours.
    assert hackathon.end == local(BERLIN, 2026, 3, 29, 12)
    assert hackathon.length == timedelta(hours=23)


def test_crossing_midnight_shows_on_both_days() -> None:
    result = read("crosses_midnight.ics")
    for day in (14, 15):
        assert shown(result.blocks, local(BERLIN, 2026, 3, day), local(BERLIN, 2026, 3, day + 1),
                     BERLIN) == ["2026-03-14 23:00 Night shift"]


def test_dst_crossing_gap_and_ambiguous_times() -> None:
    across, gap, ambiguous = read("dst_crossing_event.ics").blocks
    # 01:30 CET to 03:30 CEST is one real hour.
    assert (across.start, across.end) == (utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30))
    assert shown([gap], utc(2026, 3, 20), utc(2026, 4, 1), BERLIN) == [
        "2026-03-22 02:30 Weekly 02:30 (gap on the second)",
        "2026-03-29 03:30 Weekly 02:30 (gap on the second)",
    ]
    # 01:30 on 2026-11-01 happens twice in New York: the first, EDT, is meant.
    assert ambiguous.start == utc(2026, 11, 1, 5, 30)


def test_last_weekday_of_the_month() -> None:
    result = read("byday_bysetpos_monthly.ics")
    assert shown(result.blocks, utc(2026, 2, 1), utc(2026, 6, 1), BERLIN) == [
        "2026-02-27 17:00 Month-end wrap-up",
        "2026-03-31 17:00 Month-end wrap-up",
        "2026-04-30 17:00 Month-end wrap-up",
        "2026-05-29 17:00 Month-end wrap-up",
    ]


def test_transparent_holiday() -> None:
    result = read("transparent.ics")
    holiday = only(result)
    assert holiday.transparent and holiday.all_day
    assert result.name == "Holidays in Germany"


def test_two_vcalendars_in_one_file_are_both_read() -> None:
    result = read("two_vcalendars.ics")
    assert [b.title for b in result.blocks] == ["From the first calendar",
                                                "From the second calendar"]
    assert result.name == "First"


# --- series: overrides, EXDATE, RDATE, cancellations -------------------------------------


def test_moved_override_replaces_its_instance() -> None:
    result = read("override_moved.ics")
    master, moved = result.blocks
    assert moved.source is not None and moved.source.recurrence_id == "2026-03-10T09:00:00Z"
    assert moved.recurrence is None
    assert moved.id == block_id_for("cal", "standup-series@example.com", "2026-03-10T09:00:00Z")
    assert moved.id != master.id
    assert shown(result.blocks, utc(2026, 3, 1), utc(2026, 4, 1), BERLIN) == [
        "2026-03-03 10:00 Standup",
        "2026-03-12 15:00 Standup (moved)",
        "2026-03-17 10:00 Standup",
        "2026-03-24 10:00 Standup",
    ]


def test_override_without_master_from_exchange() -> None:
    result = read("override_without_master_exchange.ics")
    moved = only(result)
    assert moved.source is not None and moved.source.recurrence_id == "2026-03-17T09:00:00Z"
    assert moved.source.sequence == 3
    assert shown(result.blocks, utc(2026, 3, 16), utc(2026, 3, 19), BERLIN) == [
        "2026-03-17 14:00 Steering committee (moved)"
    ]


def test_exdate_lists() -> None:
    result = read("exdate_list.ics")
    series = only(result)
    assert series.recurrence is not None
    assert series.recurrence.exdates == (utc(2026, 3, 24, 8), utc(2026, 3, 26, 8),
                                         utc(2026, 3, 29, 7))
    assert shown(result.blocks, utc(2026, 3, 20), utc(2026, 4, 5), BERLIN) == [
        "2026-03-23 09:00 Check-in",
        "2026-03-25 09:00 Check-in",
        "2026-03-27 09:00 Check-in",
        "2026-03-28 09:00 Check-in",
    ]


def test_rdate_adds_an_instance() -> None:
    result = read("rdate.ics")
    assert shown(result.blocks, utc(2026, 1, 1), utc(2026, 3, 1), BOGOTA) == [
        "2026-01-05 08:00 Review",
        "2026-01-20 08:00 Review",
        "2026-02-05 08:00 Review",
    ]


def test_cancellations() -> None:
    result = read("cancelled.ics")
    # The cancelled single event, the cancelled series (with its override) and the
    # orphan cancelled instance are gone; the cancelled Thursday becomes an EXDATE.
    review = only(result)
    assert review.title == "Thursday review"
    assert review.recurrence is not None
    assert review.recurrence.exdates == (utc(2026, 3, 12, 15),)
    assert shown(result.blocks, utc(2026, 3, 1), utc(2026, 4, 1), BERLIN) == [
        "2026-03-05 16:00 Thursday review",
        "2026-03-19 16:00 Thursday review",
    ]


# --- tasks and the planner's own export --------------------------------------------------


def test_vtodo_becomes_flexible() -> None:
    report, plants, flights = read("vtodo.ics", sphere="personal").blocks
    assert report.kind is Kind.FLEXIBLE and report.sphere == "personal"
    assert report.duration == timedelta(hours=1, minutes=30)
    assert report.earliest == utc(2026, 3, 16, 8)
    assert report.deadline == utc(2026, 3, 20, 16)
    assert report.priority == 2 and not report.done
    assert plants.duration == timedelta(minutes=30)  # the default
    assert plants.deadline == datetime(2026, 3, 22)  # end of the due day, floating
    assert plants.priority == 1
    assert flights.done and flights.priority == 0
    assert flights.duration == timedelta(minutes=45)


PLANNER_EXPORT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//planner//planner 0.1//EN
X-WR-CALNAME:planner
BEGIN:VEVENT
UID:deep-work-1@planner.local
DTSTAMP:20260301T000000Z
DTSTART:20260316T080000Z
DTEND:20260316T090000Z
SUMMARY:Deep work
CATEGORIES:Work
CATEGORIES:writing
X-PLANNER-SPHERE:work
X-PLANNER-KIND:flexible
X-PLANNER-ID:b-deep
X-PLANNER-CHUNK:1
X-PLANNER-DURATION:PT2H
X-PLANNER-MIN-CHUNK:PT1H
X-PLANNER-DEADLINE:20260320T170000Z
X-PLANNER-EARLIEST:20260316T070000Z
X-PLANNER-PART:morning
X-PLANNER-PRIORITY:3
X-PLANNER-DONE:FALSE
X-PLANNER-DAY:20260316
X-PLANNER-ENERGY:draining
END:VEVENT
BEGIN:VEVENT
UID:deep-work-2@planner.local
DTSTAMP:20260301T000000Z
DTSTART:20260316T130000Z
DTEND:20260316T140000Z
SUMMARY:Deep work
CATEGORIES:Work
X-PLANNER-SPHERE:work
X-PLANNER-KIND:flexible
X-PLANNER-ID:b-deep
X-PLANNER-CHUNK:2
X-PLANNER-DURATION:PT2H
X-PLANNER-MIN-CHUNK:PT1H
X-PLANNER-DONE:FALSE
END:VEVENT
BEGIN:VEVENT
UID:pickup@planner.local
DTSTAMP:20260301T000000Z
DTSTART;TZID=Europe/Berlin:20260316T170000
DTEND;TZID=Europe/Berlin:20260316T173000
SUMMARY:Daycare pickup
CATEGORIES:Personal
X-PLANNER-SPHERE:personal
X-PLANNER-KIND:fixed
X-PLANNER-ID:b-pickup
X-PLANNER-TRAVEL:PT15M
X-PLANNER-ENERGY:neutral
X-PLANNER-PINNED:not-a-date
END:VEVENT
END:VCALENDAR
"""


def test_planner_export_round_trip_properties() -> None:
    result = read_calendar(PLANNER_EXPORT.encode(), calendar="backup", sphere="work")
    deep, pickup = result.blocks
    # X-PLANNER-ID only joins the chunks of one task: it never becomes a storage key.
    assert deep.id not in ("b-deep", "b-pickup") and deep.kind is Kind.FLEXIBLE
    assert deep.planned == ((utc(2026, 3, 16, 8), utc(2026, 3, 16, 9)),
                            (utc(2026, 3, 16, 13), utc(2026, 3, 16, 14)))
    assert deep.duration == timedelta(hours=2) and deep.min_chunk == timedelta(hours=1)
    assert deep.deadline == utc(2026, 3, 20, 17) and deep.earliest == utc(2026, 3, 16, 7)
    assert deep.part_of_day is PartOfDay.MORNING and deep.priority == 3
    assert deep.day == date(2026, 3, 16) and deep.energy is Energy.DRAINING
    assert deep.tags == ("writing",)  # the sphere's category is not a tag
    assert deep.start is None
    assert pickup.id != "b-pickup" and pickup.sphere == "personal"
    assert pickup.travel == timedelta(minutes=15) and pickup.energy is Energy.NEUTRAL
    assert pickup.tzid == "Europe/Berlin" and pickup.start == utc(2026, 3, 16, 16)


def test_round_trip_through_the_exporter() -> None:
    writer = pytest.importorskip("planner.adapters.ical.writer")
    original = read("override_moved.ics").blocks
    exported = writer.write_calendar(original, writer.ExportOptions(), now=utc(2026, 3, 1))
    again = read_calendar(exported.data, calendar="other").blocks
    assert {b.source.identity[1:] for b in again if b.source} == \
        {b.source.identity[1:] for b in original if b.source}
    window = (utc(2026, 3, 1), utc(2026, 4, 1), BERLIN)
    assert shown(again, *window) == shown(original, *window)


# --- identity and hashing --------------------------------------------------------------


def test_content_hash_ignores_dtstamp_but_not_content() -> None:
    data = (FIXTURES / "floating.ics").read_bytes()
    first = only(read_calendar(data, calendar="c")).source
    restamped = only(read_calendar(data.replace(b"DTSTAMP:20260301", b"DTSTAMP:20270101"),
                                   calendar="c")).source
    edited = only(read_calendar(data.replace(b"Morning run", b"Evening run"),
                                calendar="c")).source
    assert first is not None and restamped is not None and edited is not None
    assert first.content_hash == restamped.content_hash != edited.content_hash
    assert block_id_for("c", "u", None) == block_id_for("c", "u", None) != block_id_for(
        "d", "u", None)
    assert len(block_id_for("c", "u", None)) == 13


def test_sphere_from_argument_and_from_x_planner_sphere() -> None:
    assert only(read("floating.ics", sphere="personal")).sphere == "personal"
    data = (FIXTURES / "floating.ics").read_bytes().replace(
        b"SUMMARY:", b"X-PLANNER-SPHERE:health\r\nSUMMARY:")
    assert only(read_calendar(data, calendar="c", sphere="work")).sphere == "health"


# --- zone names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tzid", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("Eastern Standard Time", "America/New_York"),
        ("SA Pacific Standard Time", "America/Bogota"),
        ("Samoa Standard Time", "Pacific/Apia"),
        ("/mozilla.org/20050126_1/America/New_York", "America/New_York"),
        ("/citadel.org/20190103_1/Pacific/Apia", "Pacific/Apia"),
        ("Etc/UTC", "UTC"),
        ("GMT", "UTC"),
        ("Mars/Olympus_Mons", None),
        ("Customized Time Zone", None),
    ],
)
def test_zone_names(tzid: str, expected: str | None) -> None:
    assert iana_name(tzid) == expected


def test_custom_vtimezone_is_matched_by_its_offsets_and_name_hint() -> None:
    text = (FIXTURES / "windows_tzid_outlook.ics").read_text()
    vtimezone = text[text.index("BEGIN:VTIMEZONE"): text.index("END:VTIMEZONE") + 13]
    renamed = vtimezone.replace("W. Europe Standard Time",
                                "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna")
    assert custom_zone(renamed, 2026).name == "Europe/Berlin"
    plain = vtimezone.replace("W. Europe Standard Time", "Company zone")
    assert custom_zone(plain, 2026).name == "Europe/Berlin"
    # Its rules are the EU's since 1601: before 1996 Berlin differs, so they stay its own.
    assert custom_zone(plain, 1990).name.startswith("BEGIN:VTIMEZONE")


# --- encodings and hostile files --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("utf16.ics", "Café with Zoë ☕"),
        ("latin1.ics", "Réunion à Genève"),
        ("mixed_line_endings.ics", "Mixed line endings"),
    ],
)
def test_encodings_and_line_endings(name: str, title: str) -> None:
    assert only(read(name)).title == title


def test_utf8_bom_is_accepted() -> None:
    data = b"\xef\xbb\xbf" + (FIXTURES / "floating.ics").read_bytes()
    assert only(read_calendar(data, calendar="c")).title == "Morning run"


def test_broken_folding_keeps_the_text() -> None:
    event = only(read("broken_folding.ics"))
    assert "forgot" in event.notes and "folded correctly" in event.notes
    assert event.start == utc(2026, 3, 2, 8)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("not_ical.txt", "not an iCalendar file"),
        ("truncated.ics", "truncated"),
        ("binary.ics", "binary"),
        ("empty.ics", "empty"),
    ],
)
def test_unreadable_files_raise_one_clear_sentence(name: str, words: str) -> None:
    with pytest.raises(CalendarError) as caught:
        read(name)
    message = str(caught.value)
    assert name in message and words in message
    assert message.endswith(".") and "\n" not in message


def test_impossible_date_skips_only_that_event() -> None:
    result = read("impossible_date.ics")
    assert [b.title for b in result.blocks] == ["Fine event"]
    (skipped,) = result.skipped
    assert skipped.component == "VEVENT 'Thirteenth month' (UID impossible@example.com, line 5)"
    assert "20231345T250000" in skipped.reason


def test_unknown_tzid_is_read_as_floating_time_and_said() -> None:
    result = read("unknown_tzid.ics")
    by_title = {b.title: b for b in result.blocks}
    assert set(by_title) == {"Meeting on Mars", "Meeting on Earth"}
    assert by_title["Meeting on Mars"].floating
    assert result.skipped == []
    (note,) = result.repaired
    assert "Meeting on Mars" in note.component and "line" in note.component
    assert "Mars/Olympus_Mons" in note.reason and "floating" in note.reason


def test_broken_components_are_skipped_with_their_name() -> None:
    data = b"\r\n".join([
        b"BEGIN:VCALENDAR", b"VERSION:2.0",
        b"BEGIN:VEVENT", b"UID:no-start", b"SUMMARY:No start", b"END:VEVENT",
        b"BEGIN:VEVENT", b"UID:bad-rule", b"SUMMARY:Bad rule", b"DTSTART:20260302T080000Z",
        b"RRULE:FREQ=SOMETIMES", b"END:VEVENT",
        b"BEGIN:VEVENT", b"UID:unclosed", b"SUMMARY:Unclosed", b"DTSTART:20260302T080000Z",
        b"BEGIN:VEVENT", b"UID:good", b"SUMMARY:Good", b"DTSTART:20260302T080000Z",
        b"END:VEVENT",
        b"END:VCALENDAR", b"",
    ])
    result = read_calendar(data, calendar="c", origin="mixed.ics")
    reasons = {s.component: s.reason for s in result.skipped}
    assert reasons["VEVENT 'No start' (UID no-start, line 3)"] == "has no DTSTART"
    # An unreadable rule keeps the event (its DTSTART is always an instance), said so.
    repairs = {s.component: s.reason for s in result.repaired}
    assert "RRULE" in repairs["VEVENT 'Bad rule' (UID bad-rule, line 7)"]
    # An event cannot hold another: "Unclosed" lost its END line, "Good" is fine.
    assert reasons["VEVENT 'Unclosed' (UID unclosed, line 13)"] == "has no END:VEVENT"
    assert [b.title for b in result.blocks] == ["Bad rule", "Good"]
    assert result.blocks[0].recurrence is None


def test_count_billion_and_secondly_are_stored_not_expanded() -> None:
    daily, weekdays = read("count_billion.ics").blocks
    (tick,) = read("secondly_no_end.ics").blocks
    assert daily.recurrence is not None
    assert daily.recurrence.rrule == "FREQ=DAILY;COUNT=1000000000"
    assert shown([daily, weekdays], local(BERLIN, 2026, 3, 27), local(BERLIN, 2026, 3, 30),
                 BERLIN) == [
        "2026-03-27 07:30 Every day forever-ish",
        "2026-03-27 12:00 Lunch walk",
        "2026-03-28 07:30 Every day forever-ish",
        "2026-03-29 07:30 Every day forever-ish",
    ]
    found = occurrences([tick], utc(2026, 3, 29), utc(2026, 3, 29, 0, 10), BERLIN)
    assert len(found) == 96 and found.hidden == 600 - 96  # the rest counted as hidden


@pytest.mark.parametrize("name", sorted(str(p.relative_to(FIXTURES))
                                        for p in FIXTURES.rglob("*") if p.is_file()))
def test_every_fixture_reads_or_fails_cleanly(name: str) -> None:
    with contextlib.suppress(CalendarError):
        read(name)


def test_ten_megabyte_line_is_read_in_bounded_time() -> None:
    huge = b"DESCRIPTION:" + b"x" * 10_000_000
    data = b"\r\n".join([b"BEGIN:VCALENDAR", b"BEGIN:VEVENT", b"UID:big",
                         b"DTSTART:20260302T080000Z", huge, b"END:VEVENT", b"END:VCALENDAR"])
    result = read_calendar(data, calendar="c")
    assert len(only(result).notes) == 10_000_000


def test_many_events_are_all_read() -> None:
    events = []
    for i in range(2000):
        events += [
            "BEGIN:VEVENT", f"UID:e{i}@x", "DTSTAMP:20260101T000000Z",
            f"DTSTART;TZID=Europe/Berlin:2026{1 + i % 12:02d}{1 + i % 28:02d}T090000",
            f"DTEND;TZID=Europe/Berlin:2026{1 + i % 12:02d}{1 + i % 28:02d}T100000",
            f"SUMMARY:Event {i}", "END:VEVENT",
        ]
    data = "\r\n".join(["BEGIN:VCALENDAR", *events, "END:VCALENDAR"]).encode()
    result = read_calendar(data, calendar="c")
    assert len(result.blocks) == 2000 and len({b.id for b in result.blocks}) == 2000


FUZZ_SOURCES = sorted(p.name for p in FIXTURES.glob("*.ics") if p.stat().st_size > 0)


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(FUZZ_SOURCES),
    cuts=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 40),
                            st.sampled_from(["", ":", ";", "\r\n", " ", "T", "Z", "9", "=",
                                             "BEGIN:VEVENT", "END:VEVENT", "\\", "\"",
                                             "TZID=Nowhere", "RRULE:FREQ=DAILY;COUNT=x"])),
                  max_size=4),
)
def test_mangled_files_import_or_fail_with_calendar_error(
    name: str, cuts: list[tuple[int, int, str]]
) -> None:
    text = (FIXTURES / name).read_bytes().decode("utf-8", errors="replace")
    for at, length, insert in cuts:
        at %= len(text) + 1
        text = text[:at] + insert + text[at + length:]
    try:
        result = read_calendar(text.encode(), calendar="c", origin=name)
    except CalendarError as exc:
        assert str(exc).endswith(".") and "\n" not in str(exc)
        return
    window = (utc(2026, 1, 1), utc(2027, 1, 1), BERLIN)
    occurrences(result.blocks, *window)  # whatever was read can be shown


# --- content hashes are stored: they must never change --------------------------------

PINNED_HASH_FILE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Pinned\r\n"
    "BEGIN:VEVENT\r\nUID:plain@x\r\nDTSTAMP:20260101T000000Z\r\n"
    "LAST-MODIFIED:20260102T000000Z\r\nDTSTART:20260302T080000Z\r\n"
    "DTEND:20260302T090000Z\r\nSUMMARY:Plain\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:folded@x\r\nDTSTART;TZID=Europe/Berlin:20260303T100000\r\n"
    "DURATION:PT1H\r\nSUMMARY:A long title that is\r\n  folded over two lines\r\n"
    "DESCRIPTION:Caf\u00e9 \\, notes\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n"
    "DTSTAMP:20260101T000000Z\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nSUMMARY:No uid\r\nDTSTART;VALUE=DATE:20260304\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:series@x\r\nDTSTART:20260305T070000Z\r\n"
    "DTEND:20260305T073000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY:Series\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:series@x\r\nRECURRENCE-ID:20260306T070000Z\r\n"
    "STATUS:CANCELLED\r\nDTSTART:20260306T070000Z\r\nEND:VEVENT\r\n"
    "BEGIN:VTODO\r\nUID:todo@x\r\nSUMMARY:Task\r\nDURATION:PT45M\r\nEND:VTODO\r\n"
    "END:VCALENDAR\r\n"
)

# Stored hashes decide "unchanged" on re-import. The digests of the text are the ones
# the reader always made; the prefix names the reader version (READER_VERSION), so a
# reader that reads the same text differently is noticed (see test_reconcile).
PINNED_HASHES = {
    "plain@x": "4:af3b68cfe896f10a9c6a1bbc0c54777a10d20ffc",
    "folded@x": "4:7c615a50dc30a5e1b6510919a7200464d96ef00b",
    "nouid-3ce2faf0e4627a54": "4:3ce2faf0e4627a548dbcea4397bd1ce7f6db7f42",
    "series@x": "4:fdac3fd712aac07e8d7cd254f96b3948d6b33d60",  # + the cancelled slot's hash
    "todo@x": "4:4467b460dba4b7759f034df4b181f30b903451b4",
}


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_content_hashes_are_pinned(newline: str) -> None:
    data = PINNED_HASH_FILE.replace("\r\n", newline).encode()
    result = read_calendar(data, calendar="cal")
    found = {b.source.uid: b.source.content_hash for b in result.blocks if b.source}
    assert found == PINNED_HASHES


# --- streaming: one component at a time ------------------------------------------------


def _many_events(count: int, newline: str = "\r\n") -> bytes:
    lines = ["BEGIN:VCALENDAR", "X-WR-CALNAME:Many"]
    for i in range(count):
        lines += ["BEGIN:VEVENT", f"UID:e{i}@x", "DTSTAMP:20260101T000000Z",
                  f"DTSTART;TZID=Europe/Berlin:2026{1 + i % 12:02d}{1 + i % 28:02d}T090000",
                  "DURATION:PT1H", f"SUMMARY:Event {i} with a title long enough to be",
                  " folded", "DESCRIPTION:" + "words " * 40,
                  "BEGIN:VALARM", "TRIGGER:-PT5M", "END:VALARM", "END:VEVENT"]
    return newline.join([*lines, "END:VCALENDAR", ""]).encode()


def test_reading_holds_one_piece_of_the_file_not_all_its_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tracemalloc

    from planner.adapters.ical import reader

    monkeypatch.setattr(reader, "_CHUNK", 64 * 1024)
    data = _many_events(2000)
    tracemalloc.start()
    try:
        result = read_calendar(data, calendar="c")
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(result.blocks) == 2000
    # Reading all lines up front peaked at ~5x the file's size above what it keeps.
    assert peak - kept < len(data) // 2, (peak, kept, len(data))


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_pieces_cut_anywhere_read_the_same(
    monkeypatch: pytest.MonkeyPatch, newline: str, chunk: int
) -> None:
    from planner.adapters.ical import reader

    data = _many_events(30, newline).replace(b"Event 29", "\u00c9v\u00e9nement 29".encode())
    whole = read_calendar(data, calendar="c")
    monkeypatch.setattr(reader, "_CHUNK", chunk)
    cut = read_calendar(data, calendar="c")
    assert cut == whole
    assert len(cut.blocks) == 30 and cut.name == "Many"
    assert cut.blocks[3].title == "Event 3 with a title long enough to befolded"
    assert cut.blocks[29].title.startswith("\u00c9v\u00e9nement 29")


VTIMEZONE_LAST = (
    "BEGIN:VCALENDAR\r\n"
    "BEGIN:VEVENT\r\nUID:a@x\r\nDTSTART;TZID=Office:20260302T090000\r\n"
    "DTEND;TZID=Office:20260302T100000\r\nSUMMARY:Before the zone\r\nEND:VEVENT\r\n"
    "BEGIN:VTIMEZONE\r\nTZID:Office\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
    "TZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\nUID:b@x\r\nDTSTART:20260302T120000Z\r\nSUMMARY:Utc\r\nEND:VEVENT\r\n"
    "X-WR-TIMEZONE:America/New_York\r\n"
    "END:VCALENDAR\r\n"
)


def test_zones_given_after_the_events_still_apply() -> None:
    blocks = {b.title: b for b in read_calendar(VTIMEZONE_LAST.encode(), calendar="c").blocks}
    assert blocks["Before the zone"].start == utc(2026, 3, 2, 6)  # 09:00 at +03:00
    # Google's X-WR-TIMEZONE makes a UTC time one in that zone (same instant).
    assert blocks["Utc"].start == utc(2026, 3, 2, 12)
    assert blocks["Utc"].tzid == "America/New_York"


def test_unreadable_line_in_an_event_names_its_line_number() -> None:
    data = (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a@x\r\nDTSTART:20260302T090000Z\r\n"
            b"SUMMARY:Broken\r\n  still the title\r\nNO-COLON;X=1\r\nEND:VEVENT\r\n"
            b"END:VCALENDAR\r\n")
    result = read_calendar(data, calendar="c")
    assert result.blocks == []
    assert [(s.component, s.reason) for s in result.skipped] == [
        ("VEVENT 'Broken still the title' (UID a@x, line 2)",
         "has an unreadable line 7 (line 7 is not a content line)")]
