"""planner.adapters.ical.writer, checked by parsing its output with vobject (an independent parser).

Expected occurrences are written out by hand in UTC, so a wrong VTIMEZONE or a
wrong wall time around a DST change shows up as a different instant.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from planner.adapters.ical.vtimezone import build_vtimezone
from planner.adapters.ical.writer import (
    ExportOptions,
    ExportResult,
    write_calendar,
)
from planner.core.model import Block, Energy, Kind, PartOfDay, Recurrence, Source
from planner.core.recurrence import recurrence_id_text

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def local(zone: ZoneInfo, y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """A wall time in ``zone`` as the UTC instant the model stores."""
    return datetime(y, mo, d, h, mi, tzinfo=zone).astimezone(UTC)


def write(blocks: list[Block], options: ExportOptions | None = None) -> ExportResult:
    return write_calendar(blocks, options or ExportOptions(), now=NOW)


def parse(data: bytes) -> vobject.base.Component:
    # vobject keeps the first VTIMEZONE it ever saw per TZID in a module global;
    # forget it so each calendar is read with its own VTIMEZONE.
    getattr(vobject.icalendar, "__tzidMap").clear()
    return vobject.readOne(data.decode("utf-8"))


def events(data: bytes) -> list[vobject.base.Component]:
    return list(parse(data).contents.get("vevent", []))


def by_uid(data: bytes) -> dict[str, vobject.base.Component]:
    return {ev.uid.value: ev for ev in events(data)}


def xprop(event: vobject.base.Component, name: str) -> str | None:
    found = event.contents.get(f"x-planner-{name}".lower())
    return found[0].value if found else None


def physical_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


# --- blocks used across tests ---------------------------------------------------------

STANDUP = Block(
    id="standup",
    title="Stand-up",
    sphere="work",
    start=local(BERLIN, 2026, 3, 16, 9),
    end=local(BERLIN, 2026, 3, 16, 9, 15),
    tzid="Europe/Berlin",
    recurrence=Recurrence(
        rrule="FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260408T235959Z",
        rdates=(local(BERLIN, 2026, 4, 3, 9),),
        exdates=(utc(2026, 3, 25, 8),),  # Wednesday 25 March, 09:00 CET
    ),
)

SCHOOL_RUN = Block(
    id="school-run",
    title="School run",
    sphere="personal",
    start=local(NEW_YORK, 2026, 3, 5, 9),
    end=local(NEW_YORK, 2026, 3, 5, 9, 30),
    tzid="America/New_York",
    recurrence=Recurrence(rrule="FREQ=DAILY;COUNT=7"),
)

SPLIT_TASK = Block(
    id="report",
    title="Write quarterly report",
    sphere="work",
    kind=Kind.FLEXIBLE,
    duration=timedelta(hours=2),
    min_chunk=timedelta(minutes=45),
    earliest=utc(2026, 3, 23, 7),
    deadline=local(BERLIN, 2026, 3, 27, 17),
    part_of_day=PartOfDay.MORNING,
    priority=3,
    day=date(2026, 3, 24),
    energy=Energy.DRAINING,
    planned=(
        (utc(2026, 3, 24, 8), utc(2026, 3, 24, 9)),
        (utc(2026, 3, 24, 10), utc(2026, 3, 24, 11)),
    ),
)


# --- the calendar as a whole ----------------------------------------------------------


def test_calendar_header_and_crlf_line_endings() -> None:
    data = write([STANDUP, SCHOOL_RUN]).data
    cal = parse(data)
    assert cal.version.value == "2.0"
    assert cal.prodid.value == "-//planner//planner 0.1//EN"
    assert cal.calscale.value == "GREGORIAN"
    assert cal.contents["x-wr-calname"][0].value == "planner"
    assert data.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")
    assert data.count(b"BEGIN:VCALENDAR") == 1


def test_custom_prodid() -> None:
    data = write([STANDUP], ExportOptions(prodid="-//acme//x//EN")).data
    assert parse(data).prodid.value == "-//acme//x//EN"


def test_vtimezone_for_every_tzid_used_and_none_for_utc() -> None:
    utc_only = Block(id="u", title="u", start=utc(2026, 3, 2, 9), end=utc(2026, 3, 2, 10))
    data = write([STANDUP, SCHOOL_RUN, utc_only]).data
    cal = parse(data)
    declared = {tz.tzid.value for tz in cal.contents["vtimezone"]}
    unfolded = data.replace(b"\r\n ", b"")
    used = {m.decode() for m in re.findall(rb";TZID=([^:;]+)", unfolded)}
    assert used == {"Europe/Berlin", "America/New_York"}
    assert declared == used
    assert b"BEGIN:VTIMEZONE" not in write([utc_only]).data


def test_event_count_and_dtstamp_is_now_in_utc() -> None:
    now_berlin = datetime(2026, 3, 1, 13, 0, tzinfo=BERLIN)
    result = write_calendar([STANDUP, SCHOOL_RUN], ExportOptions(), now=now_berlin)
    assert result.events == 2
    assert result.unplaced_left_out == 0
    for ev in events(result.data):
        assert ev.dtstamp.value == utc(2026, 3, 1, 12)
    assert b"DTSTAMP:20260301T120000Z\r\n" in result.data


# --- times ------------------------------------------------------------------------------


def test_zoned_block_written_in_its_wall_time_with_tzid() -> None:
    data = write([STANDUP]).data
    assert b"DTSTART;TZID=Europe/Berlin:20260316T090000\r\n" in data
    assert b"DTEND;TZID=Europe/Berlin:20260316T091500\r\n" in data
    ev = events(data)[0]
    assert ev.dtstart.value.astimezone(UTC) == utc(2026, 3, 16, 8)


def test_utc_floating_and_all_day_blocks() -> None:
    in_utc = Block(id="u", title="u", start=utc(2026, 3, 2, 9), end=utc(2026, 3, 2, 10))
    floating = Block(
        id="f", title="f", start=datetime(2026, 3, 2, 7, 30), end=datetime(2026, 3, 2, 8)
    )
    all_day = Block(id="a", title="a", start=date(2026, 3, 2), end=date(2026, 3, 4))
    evs = by_uid(write([in_utc, floating, all_day]).data)

    assert evs["u@planner"].dtstart.value == utc(2026, 3, 2, 9)
    assert evs["u@planner"].dtend.value == utc(2026, 3, 2, 10)
    assert evs["f@planner"].dtstart.value == datetime(2026, 3, 2, 7, 30)
    assert evs["f@planner"].dtstart.value.tzinfo is None
    assert evs["a@planner"].dtstart.value == date(2026, 3, 2)
    assert evs["a@planner"].dtend.value == date(2026, 3, 4)  # exclusive end kept
    assert evs["a@planner"].dtstart.params["VALUE"] == ["DATE"]


def test_unknown_tzid_falls_back_to_exact_utc() -> None:
    block = Block(
        id="x", title="x", start=utc(2026, 3, 2, 9), end=utc(2026, 3, 2, 10), tzid="Mars/Olympus"
    )
    data = write([block]).data
    assert b"Mars" not in data
    assert events(data)[0].dtstart.value == utc(2026, 3, 2, 9)


# --- recurrence -------------------------------------------------------------------------


def test_weekly_berlin_series_over_dst_change_expands_to_hand_written_instants() -> None:
    ev = events(write([STANDUP]).data)[0]
    assert ev.rrule.value == "FREQ=WEEKLY;UNTIL=20260408T235959Z;BYDAY=MO,WE"
    got = [d.astimezone(UTC) for d in ev.getrruleset(addRDate=True)]
    assert got == [
        utc(2026, 3, 16, 8),  # CET: 09:00 = 08:00Z
        utc(2026, 3, 18, 8),
        utc(2026, 3, 23, 8),
        # 25 March excluded by EXDATE
        utc(2026, 3, 30, 7),  # CEST from 29 March: 09:00 = 07:00Z
        utc(2026, 4, 1, 7),
        utc(2026, 4, 3, 7),  # the RDATE (a Friday)
        utc(2026, 4, 6, 7),
        utc(2026, 4, 8, 7),
    ]


def test_exdate_and_rdate_written_in_the_series_zone() -> None:
    data = write([STANDUP]).data
    assert b"EXDATE;TZID=Europe/Berlin:20260325T090000\r\n" in data
    assert b"RDATE;TZID=Europe/Berlin:20260403T090000\r\n" in data


def test_daily_new_york_series_over_dst_change_expands_to_hand_written_instants() -> None:
    ev = events(write([SCHOOL_RUN]).data)[0]
    got = list(ev.getrruleset(addRDate=True))
    assert [d.astimezone(UTC) for d in got] == [
        utc(2026, 3, 5, 14),  # EST: 09:00 = 14:00Z
        utc(2026, 3, 6, 14),
        utc(2026, 3, 7, 14),
        utc(2026, 3, 8, 13),  # EDT from 8 March: 09:00 = 13:00Z
        utc(2026, 3, 9, 13),
        utc(2026, 3, 10, 13),
        utc(2026, 3, 11, 13),
    ]
    assert {(d.hour, d.minute) for d in got} == {(9, 0)}


def test_open_ended_series_vtimezone_reaches_years_ahead() -> None:
    weekly = Block(
        id="gym",
        title="Gym",
        start=local(BERLIN, 2026, 3, 2, 18),
        end=local(BERLIN, 2026, 3, 2, 19),
        tzid="Europe/Berlin",
        recurrence=Recurrence(rrule="FREQ=WEEKLY"),
    )
    ev = events(write([weekly]).data)[0]
    rules = ev.getrruleset()
    # First Monday after the 2029 spring change and one before it: offsets must differ.
    summer = rules.after(datetime(2029, 4, 1, tzinfo=UTC))
    winter = rules.after(datetime(2029, 1, 1, tzinfo=UTC))
    assert summer.astimezone(UTC) == utc(2029, 4, 2, 16)
    assert winter.astimezone(UTC) == utc(2029, 1, 1, 17)


@pytest.mark.parametrize(
    "tzid",
    [
        "Europe/Berlin",
        "America/New_York",
        "Australia/Sydney",  # DST across New Year
        "Australia/Lord_Howe",  # half-hour DST shift
        "Pacific/Apia",  # Samoa: +14, DST abolished in 2021
        "America/Bogota",  # no DST at all
        "Asia/Kolkata",  # half-hour offset
        "Europe/Dublin",  # "negative DST" in tzdata
        "America/Santiago",
    ],
)
def test_vtimezone_read_by_vobject_agrees_with_zoneinfo(tzid: str) -> None:
    cal = Calendar()
    cal.add("VERSION", "2.0")
    cal.add("PRODID", "-//test//EN")
    cal.add_component(build_vtimezone(tzid, 2019, 2031))
    theirs = parse(cal.to_ical()).vtimezone.gettzinfo()
    ours = ZoneInfo(tzid)
    moment = datetime(2019, 1, 1)
    while moment < datetime(2032, 1, 1):  # 29 h steps visit every hour of the day
        assert theirs.utcoffset(moment) == moment.replace(tzinfo=ours).utcoffset(), moment
        moment += timedelta(hours=29)


def test_vtimezone_uses_yearly_rules_where_the_zone_has_one() -> None:
    berlin = build_vtimezone("Europe/Berlin", 2026, 2030).to_ical()
    # Onset in the old offset's wall time: 02:00 CET, 03:00 CEST.
    assert b"DTSTART:20260329T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n" in berlin
    assert b"DTSTART:20261025T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n" in berlin
    assert b"RDATE" not in berlin
    new_york = build_vtimezone("America/New_York", 2026, 2026).to_ical()
    assert b"RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\n" not in new_york  # one year: no rule
    apia = build_vtimezone("Pacific/Apia", 2019, 2025).to_ical()
    # Its changes stop in 2021, so no rule may run on: each one ends (UNTIL).
    rules = [line for line in apia.split(b"\r\n") if line.startswith(b"RRULE")]
    assert rules and all(b"UNTIL=2021" in rule for rule in rules)


def test_bad_rrule_raises_naming_the_block() -> None:
    bad = Block(
        id="broken",
        title="b",
        start=utc(2026, 3, 2, 9),
        end=utc(2026, 3, 2, 10),
        recurrence=Recurrence(rrule="FREQ=SOMETIMES"),
    )
    with pytest.raises(ValueError, match="broken"):
        write([bad])
    # The export use case leaves that block out and says so; the rest is written.
    from planner.app.exporting import writable

    good = Block(id="fine", title="f", start=utc(2026, 3, 2, 11), end=utc(2026, 3, 2, 12))
    kept, said = writable([bad, good])
    assert kept == [good]
    assert said == ("Left out 'b' (block broken): unreadable RRULE 'FREQ=SOMETIMES', "
                    "which no calendar file can hold.",)
    write(kept)


def _imported_series() -> tuple[Block, Block]:
    master = Block(
        id="m1",
        title="Team sync",
        sphere="work",
        start=local(BERLIN, 2026, 3, 23, 10),
        end=local(BERLIN, 2026, 3, 23, 11),
        tzid="Europe/Berlin",
        recurrence=Recurrence(rrule="FREQ=WEEKLY;COUNT=4"),
        source=Source("Work", "sync-123@example.com", sequence=2),
        revision=1,
    )
    # The 30 March slot (10:00 CEST = 08:00Z) moved to 14:00; override given first.
    override = Block(
        id="m1-o",
        title="Team sync (moved)",
        sphere="work",
        start=local(BERLIN, 2026, 3, 30, 14),
        end=local(BERLIN, 2026, 3, 30, 15),
        tzid="Europe/Berlin",
        source=Source("Work", "sync-123@example.com", "2026-03-30T08:00:00Z", sequence=3),
        revision=5,
    )
    return master, override


def test_override_keeps_uid_and_recurrence_id_in_master_zone() -> None:
    master, override = _imported_series()
    data = write([override, master]).data
    evs = events(data)
    assert [ev.uid.value for ev in evs] == ["sync-123@example.com"] * 2
    assert "recurrence_id" not in evs[0].contents  # master written before its override
    rid = evs[1].recurrence_id
    assert rid.value.astimezone(UTC) == utc(2026, 3, 30, 8)
    assert b"RECURRENCE-ID;TZID=Europe/Berlin:20260330T100000\r\n" in data
    # The slot it replaces is one the master really produces.
    assert rid.value in list(evs[0].getrruleset())
    assert evs[1].dtstart.value.astimezone(UTC) == utc(2026, 3, 30, 12)


def test_override_of_utc_master_uses_utc_recurrence_id() -> None:
    master, override = _imported_series()
    master = Block(**{**_fields(master), "tzid": None})
    override = Block(**{**_fields(override), "tzid": "Europe/Berlin"})
    data = write([master, override]).data
    assert b"RECURRENCE-ID:20260330T080000Z\r\n" in data


def test_override_of_all_day_and_floating_series() -> None:
    src = Source("Home", "bins@x")
    bins = Block(
        id="bins",
        title="Bins out",
        start=date(2026, 3, 2),
        end=date(2026, 3, 3),
        recurrence=Recurrence(rrule="FREQ=WEEKLY"),
        source=src,
    )
    moved = Block(
        id="bins-o",
        title="Bins out",
        start=date(2026, 3, 10),
        end=date(2026, 3, 11),
        source=Source("Home", "bins@x", "2026-03-09"),
    )
    wake = Block(
        id="wake",
        title="Wake",
        start=datetime(2026, 3, 2, 6),
        end=datetime(2026, 3, 2, 6, 30),
        recurrence=Recurrence(rrule="FREQ=DAILY"),
        source=Source("Home", "wake@x"),
    )
    late = Block(
        id="wake-o",
        title="Wake",
        start=datetime(2026, 3, 7, 8),
        end=datetime(2026, 3, 7, 8, 30),
        source=Source("Home", "wake@x", "2026-03-07T06:00:00"),
    )
    data = write([bins, moved, wake, late]).data
    assert b"RECURRENCE-ID;VALUE=DATE:20260309\r\n" in data
    assert b"RECURRENCE-ID:20260307T060000\r\n" in data


def _fields(block: Block) -> dict[str, object]:
    return {name: getattr(block, name) for name in Block.__dataclass_fields__}


# --- identity ---------------------------------------------------------------------------


def test_uids_and_sequence() -> None:
    master, override = _imported_series()
    own = Block(id="b42", title="Lunch", start=utc(2026, 3, 2, 11), end=utc(2026, 3, 2, 12),
                revision=7)
    evs = events(write([master, override, own]).data)
    assert [ev.uid.value for ev in evs] == [
        "sync-123@example.com",
        "sync-123@example.com",
        "b42@planner",
    ]
    # SEQUENCE is the larger of our revision and the imported sequence.
    assert [int(ev.sequence.value) for ev in evs] == [2, 5, 7]
    assert [xprop(ev, "id") for ev in evs] == ["m1", "m1-o", "b42"]


def test_same_imported_uid_from_two_calendars_gets_distinct_uids() -> None:
    a = Block(id="a", title="x", start=utc(2026, 3, 2, 9), end=utc(2026, 3, 2, 10),
              source=Source("Work", "dup@x"))
    b = Block(id="b", title="x", start=utc(2026, 3, 2, 9), end=utc(2026, 3, 2, 10),
              source=Source("Shared", "dup@x"))
    assert [ev.uid.value for ev in events(write([a, b]).data)] == ["dup@x", "b@planner"]


def test_two_writes_give_the_same_uids_and_only_dtstamp_differs() -> None:
    master, override = _imported_series()
    blocks = [STANDUP, SCHOOL_RUN, SPLIT_TASK, master, override]
    first = write_calendar(blocks, ExportOptions(), now=NOW).data
    second = write_calendar(blocks, ExportOptions(), now=NOW + timedelta(days=3)).data
    assert [e.uid.value for e in events(first)] == [e.uid.value for e in events(second)]

    def without_dtstamp(data: bytes) -> list[bytes]:
        return [line for line in physical_lines(data) if not line.startswith(b"DTSTAMP")]

    assert without_dtstamp(first) == without_dtstamp(second)
    assert first != second


# --- planner properties -----------------------------------------------------------------


def test_spheres_categories_and_kind() -> None:
    labels = {"work": "Job"}
    data = write([STANDUP, SCHOOL_RUN], ExportOptions(sphere_labels=labels)).data
    evs = by_uid(data)
    work, home = evs["standup@planner"], evs["school-run@planner"]
    assert work.categories.value == ["Job"]
    assert home.categories.value == ["Personal"]  # default: capitalised sphere
    assert (xprop(work, "sphere"), xprop(work, "kind")) == ("work", "fixed")
    assert (xprop(home, "sphere"), xprop(home, "kind")) == ("personal", "fixed")


def test_sphere_filter() -> None:
    custom = Block(id="c", title="Choir", sphere="music", start=utc(2026, 3, 2, 18),
                   end=utc(2026, 3, 2, 20))
    only_work = write([STANDUP, SCHOOL_RUN, custom, SPLIT_TASK],
                      ExportOptions(spheres=frozenset({"work"}))).data
    assert {xprop(ev, "sphere") for ev in events(only_work)} == {"work"}
    assert b"School run" not in only_work and b"Choir" not in only_work
    # Zones only used by filtered-out blocks get no VTIMEZONE.
    assert b"America/New_York" not in only_work
    music = write([STANDUP, custom], ExportOptions(spheres=frozenset({"music"}))).data
    assert [xprop(ev, "sphere") for ev in events(music)] == ["music"]


def test_transparent_energy_travel_notes_location_and_tags() -> None:
    holiday = Block(id="h", title="Holiday", start=date(2026, 4, 3), end=date(2026, 4, 4),
                    transparent=True)
    dentist = Block(
        id="d",
        title="Dentist",
        start=utc(2026, 3, 3, 14),
        end=utc(2026, 3, 3, 15),
        notes="Bring card\nfloor 2",
        location="Main St. 4, Berlin",
        tags=("health", "care"),
        energy=Energy.DRAINING,
        travel=timedelta(minutes=25),
    )
    evs = by_uid(write([holiday, dentist]).data)
    assert evs["h@planner"].transp.value == "TRANSPARENT"
    assert "transp" not in evs["d@planner"].contents  # default OPAQUE
    ev = evs["d@planner"]
    assert ev.description.value == "Bring card\nfloor 2"
    assert ev.location.value == "Main St. 4, Berlin"
    # One CATEGORIES property (ics 0.7 refuses two): the sphere first, then the tags.
    assert [c.value for c in ev.contents["categories"]] == [["Personal", "health", "care"]]
    assert xprop(ev, "energy") == "draining"
    assert xprop(ev, "travel") == "PT25M"


def test_split_flexible_block_one_event_per_chunk() -> None:
    result = write([SPLIT_TASK])
    assert result.events == 2
    evs = events(result.data)
    assert [ev.uid.value for ev in evs] == ["report-1@planner", "report-2@planner"]
    assert [xprop(ev, "chunk") for ev in evs] == ["1", "2"]
    assert [(ev.dtstart.value, ev.dtend.value) for ev in evs] == list(SPLIT_TASK.planned)
    for ev in evs:
        assert ev.summary.value == "Write quarterly report"
        assert (xprop(ev, "kind"), xprop(ev, "id")) == ("flexible", "report")
        assert xprop(ev, "duration") == "PT2H"
        assert xprop(ev, "min-chunk") == "PT45M"
        assert xprop(ev, "earliest") == "20260323T070000Z"
        assert xprop(ev, "deadline") == "20260327T160000Z"  # 17:00 CET in UTC
        assert xprop(ev, "part") == "morning"
        assert xprop(ev, "priority") == "3"
        assert xprop(ev, "done") == "FALSE"
        assert xprop(ev, "day") == "20260324"
        assert xprop(ev, "energy") == "draining"
        assert xprop(ev, "pinned") is None


def test_single_chunk_flexible_and_unplaced_ones() -> None:
    gym = Block(
        id="gym",
        title="Gym",
        kind=Kind.FLEXIBLE,
        duration=timedelta(hours=1),
        pinned_start=local(NEW_YORK, 2026, 3, 9, 18),
        done=True,
        tzid="America/New_York",
        planned=((local(NEW_YORK, 2026, 3, 9, 18), local(NEW_YORK, 2026, 3, 9, 19)),),
    )
    unplaced = [
        Block(id=f"u{i}", title=f"Someday {i}", kind=Kind.FLEXIBLE, duration=timedelta(hours=1))
        for i in range(3)
    ]
    result = write([*unplaced, gym])
    assert (result.events, result.unplaced_left_out) == (1, 3)
    assert b"Someday" not in result.data
    ev = events(result.data)[0]
    assert ev.uid.value == "gym@planner"
    assert xprop(ev, "chunk") is None
    assert xprop(ev, "pinned") == "20260309T220000Z"
    assert xprop(ev, "done") == "TRUE"
    assert b"DTSTART;TZID=America/New_York:20260309T180000\r\n" in result.data


def test_filtered_out_unplaced_blocks_are_not_counted() -> None:
    task = Block(id="t", title="t", sphere="personal", kind=Kind.FLEXIBLE)
    result = write([task], ExportOptions(spheres=frozenset({"work"})))
    assert (result.events, result.unplaced_left_out) == (0, 0)


# --- busy-only --------------------------------------------------------------------------

SECRETS = ("Therapy", "dr-mueller", "Couch talk", "Kantstr", "wellbeing", "private-note")


def _private_blocks() -> list[Block]:
    therapy = Block(
        id="dr-mueller-therapy",
        title="Therapy with Dr Müller",
        sphere="personal",
        start=local(BERLIN, 2026, 3, 26, 17),
        end=local(BERLIN, 2026, 3, 26, 18),
        tzid="Europe/Berlin",
        notes="Couch talk, private-note",
        location="Kantstr. 5",
        tags=("wellbeing",),
        energy=Energy.DRAINING,
        travel=timedelta(minutes=20),
        recurrence=Recurrence(rrule="FREQ=WEEKLY;COUNT=3"),
        source=Source("Private", "Therapy-dr-mueller@private"),
    )
    moved = Block(
        id="dr-mueller-therapy-2",
        title="Therapy with Dr Müller (moved)",
        sphere="personal",
        start=local(BERLIN, 2026, 4, 2, 18),
        end=local(BERLIN, 2026, 4, 2, 19),
        tzid="Europe/Berlin",
        notes="private-note",
        source=Source("Private", "Therapy-dr-mueller@private", "2026-04-02T15:00:00Z"),
    )
    journaling = Block(
        id="Therapy-homework",
        title="Therapy homework",
        sphere="personal",
        kind=Kind.FLEXIBLE,
        duration=timedelta(minutes=30),
        notes="private-note",
        planned=((utc(2026, 3, 27, 19), utc(2026, 3, 27, 19, 30)),),
    )
    return [therapy, moved, journaling]


KEY = b"k" * 32
BUSY = ExportOptions(busy_only=frozenset({"personal"}), uid_key=KEY)
# What a busy event may hold: its times, recurrence, TRANSP and identity, nothing else.
BUSY_PROPERTIES = {"UID", "DTSTAMP", "SEQUENCE", "SUMMARY", "DTSTART", "DTEND", "RRULE",
                   "RDATE", "EXDATE", "RECURRENCE-ID", "TRANSP"}


def _property_names(event: vobject.base.Component) -> set[str]:
    return {name.upper() for name in event.contents}


def test_busy_only_leaks_no_title_notes_location_tags_or_id() -> None:
    data = write([*_private_blocks(), STANDUP], BUSY).data
    lowered = data.lower()
    for secret in SECRETS:
        assert secret.lower().encode() not in lowered, secret
    assert "müller".encode() not in lowered
    busy = [ev for ev in events(data) if ev.summary.value == "Busy"]
    assert len(busy) == 3
    for ev in busy:
        assert _property_names(ev) <= BUSY_PROPERTIES, _property_names(ev)
    # Work blocks keep their details.
    assert b"SUMMARY:Stand-up\r\n" in data


def test_busy_uids_are_keyed_hashes_not_plain_hashes_of_the_uid() -> None:
    import hashlib
    import hmac

    data = write(_private_blocks(), BUSY).data
    uid = "Therapy-dr-mueller@private"
    plain = hashlib.sha256(uid.encode()).hexdigest()
    assert plain[:16].encode() not in data
    keyed = hmac.new(KEY, uid.encode(), hashlib.sha256).hexdigest()[:32]
    assert f"UID:{keyed}@planner".encode() in data
    other_key = ExportOptions(busy_only=frozenset({"personal"}), uid_key=b"x" * 32)
    assert keyed.encode() not in write(_private_blocks(), other_key).data
    # No key given: a random one, so nothing can be linked across exports either.
    unkeyed = ExportOptions(busy_only=frozenset({"personal"}))
    first, second = (write(_private_blocks(), unkeyed).data for _ in range(2))
    assert by_uid(first).keys().isdisjoint(by_uid(second).keys())


def test_busy_only_keeps_exact_times_recurrence_and_series_identity() -> None:
    evs = events(write(_private_blocks(), BUSY).data)
    master, moved, homework = evs
    assert master.uid.value == moved.uid.value != homework.uid.value
    assert [d.astimezone(UTC) for d in master.getrruleset()] == [
        utc(2026, 3, 26, 16),  # 17:00 CET
        utc(2026, 4, 2, 15),  # 17:00 CEST
        utc(2026, 4, 9, 15),
    ]
    assert moved.recurrence_id.value.astimezone(UTC) == utc(2026, 4, 2, 15)
    assert moved.dtstart.value.astimezone(UTC) == utc(2026, 4, 2, 16)
    assert homework.dtstart.value == utc(2026, 3, 27, 19)
    # Stable across writes with the same key, so a subscription updates in place.
    again = events(write(_private_blocks(), BUSY).data)
    assert [e.uid.value for e in again] == [e.uid.value for e in evs]


def test_a_busy_flexible_block_reads_back_as_a_fixed_event() -> None:
    read = _round_trip(_private_blocks(), BUSY)
    homework = [b for b in read.values() if b.start == utc(2026, 3, 27, 19)]
    assert len(homework) == 1
    assert homework[0].is_fixed and homework[0].title == "Busy"


def test_private_as_busy_covers_class_private_and_whole_series() -> None:
    from planner.core.model import Classification

    master, override = _imported_series()  # work, public
    secret_override = replace(override, classification=Classification.CONFIDENTIAL)
    lunch = Block(id="lunch", title="Lunch with recruiter", sphere="work",
                  start=utc(2026, 3, 24, 11), end=utc(2026, 3, 24, 12),
                  classification=Classification.PRIVATE)
    options = ExportOptions(private_as_busy=True, uid_key=KEY)
    data = write([master, secret_override, lunch, STANDUP], options).data
    assert b"recruiter" not in data and b"Team sync" not in data
    assert b"sync-123" not in data
    evs = events(data)
    assert [ev.summary.value for ev in evs] == ["Busy", "Busy", "Busy", "Stand-up"]
    assert evs[0].uid.value == evs[1].uid.value  # the override still finds its series
    # A full export keeps CLASS.
    full = write([lunch, secret_override]).data
    assert b"CLASS:PRIVATE\r\n" in full and b"CLASS:CONFIDENTIAL\r\n" in full


# --- text encoding ----------------------------------------------------------------------


def test_text_escaping_round_trips() -> None:
    title = 'Plan; review, then \\ decide\nnext "steps"'
    block = Block(id="e", title=title, notes="a,b;c\\d\n\ne", start=utc(2026, 3, 2, 9),
                  end=utc(2026, 3, 2, 10))
    data = write([block]).data
    assert b"SUMMARY:Plan\\; review\\, then \\\\ decide\\nnext \"steps\"\r\n" in data
    ev = events(data)[0]
    assert ev.summary.value == title
    assert ev.description.value == "a,b;c\\d\n\ne"


def test_long_utf8_title_folds_at_75_octets_without_splitting_characters() -> None:
    title = "Überstunden-Abbau 🗓️ mit Ærøskøbing-Team — 会议室预订 " * 6
    block = Block(id="long", title=title, notes="ä" * 200, start=utc(2026, 3, 2, 9),
                  end=utc(2026, 3, 2, 10))
    data = write([block]).data
    lines = physical_lines(data)
    assert any(line.startswith(b" ") for line in lines)  # really folded
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # no multi-byte sequence cut in half
    ev = events(data)[0]
    assert ev.summary.value == title
    assert ev.description.value == "ä" * 200


_text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029")
    | st.sampled_from(["\n", ";", ",", "\\", ":", '"', "é", "🙂"]),
    max_size=120,
)


@settings(max_examples=40, deadline=None)
@given(title=_text, notes=_text)
def test_any_text_round_trips_and_folds(title: str, notes: str) -> None:
    block = Block(id="p", title=title, notes=notes, location=notes, start=utc(2026, 3, 2, 9),
                  end=utc(2026, 3, 2, 10))
    data = write([block]).data
    for line in physical_lines(data):
        assert len(line) <= 75
        line.decode("utf-8")
    ev = events(data)[0]
    assert ev.summary.value == title
    if notes:
        assert ev.description.value == notes
        assert ev.location.value == notes


# --- round trip with the reader -----------------------------------------------------------


def _round_trip(blocks: list[Block], options: ExportOptions | None = None) -> dict[str, Block]:
    from planner.adapters.ical.reader import read_calendar

    data = write(blocks, options).data
    result = read_calendar(data, calendar="export", origin="t.ics")
    assert not result.skipped
    # X-PLANNER-ID is not a storage key on re-import (a file must not choose ids):
    # find each block again by the UID the exporter wrote next to its X-PLANNER-ID.
    exported_id = {}
    for event in Calendar.from_ical(data).walk("VEVENT"):
        rid = event.get("RECURRENCE-ID")
        key = (str(event["UID"]), rid.dt if rid is not None else None)
        # A busy export carries no X-PLANNER-ID: such blocks are found by their UID.
        exported_id[key] = str(event.get("X-PLANNER-ID", event["UID"]))
    found = {}
    for block in result.blocks:
        assert block.source is not None
        rid = block.source.recurrence_id
        matches = [planner_id for (uid, when), planner_id in exported_id.items()
                   if uid == block.source.uid and (when is None) == (rid is None)
                   and (rid is None or recurrence_id_text(when) == rid)]
        found[matches[0]] = block
    return found


def test_round_trip_through_reader_fixed_series_and_override() -> None:
    master, override = _imported_series()
    all_day = Block(id="a", title="Trip", start=date(2026, 3, 2), end=date(2026, 3, 4),
                    transparent=True)
    floating = Block(id="f", title="Wake", start=datetime(2026, 3, 2, 7),
                     end=datetime(2026, 3, 2, 7, 30))
    blocks = [STANDUP, SCHOOL_RUN, master, override, all_day, floating]
    read = _round_trip(blocks)
    assert set(read) == {b.id for b in blocks}
    for block in blocks:
        got = read[block.id]
        assert (got.title, got.sphere, got.kind) == (block.title, block.sphere, block.kind)
        assert (got.start, got.end, got.tzid) == (block.start, block.end, block.tzid)
        assert got.transparent == block.transparent
    assert read["standup"].recurrence is not None
    assert read["standup"].recurrence.exdates == STANDUP.recurrence.exdates  # type: ignore[union-attr]
    assert read["standup"].recurrence.rdates == STANDUP.recurrence.rdates  # type: ignore[union-attr]
    assert read["m1-o"].source is not None
    assert read["m1-o"].source.recurrence_id == "2026-03-30T08:00:00Z"


def test_round_trip_through_reader_flexible_blocks() -> None:
    read = _round_trip([SPLIT_TASK])
    got = read["report"]
    for name in ("kind", "title", "sphere", "duration", "min_chunk", "earliest", "deadline",
                 "part_of_day", "priority", "day", "energy", "done", "planned"):
        assert getattr(got, name) == getattr(SPLIT_TASK, name), name


# --- what strict readers need (exports you can hand out) ----------------------------------


def test_control_characters_become_line_breaks_or_spaces() -> None:
    from planner.adapters.ical.text import clean_text

    assert clean_text("a\x0bb\x0cc\x07d\te\r\nf\rg\u2028h\x00i") == "a\nb\nc d\te\nf\ng\nh i"
    assert clean_text("plain, text; é 🙂") == "plain, text; é 🙂"
    block = Block(id="w", title="Q3\x07 numbers", notes="one\x0btwo", location="R\x1b1",
                  tags=("x\x0cy",), start=utc(2026, 3, 2, 9), end=utc(2026, 3, 2, 10))
    data = write([block]).data
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", data)
    ev = events(data)[0]
    assert (ev.summary.value, ev.description.value, ev.location.value) == (
        "Q3  numbers", "one\ntwo", "R 1")


def test_london_is_not_read_as_utc_and_dublin_summer_is_daylight() -> None:
    """vobject compares a zone with UTC over 2000-2020; the rules must reach back."""
    weekly = Block(id="p", title="Piano", start=local(ZoneInfo("Europe/London"), 2026, 6, 2, 17),
                   end=local(ZoneInfo("Europe/London"), 2026, 6, 2, 18),
                   tzid="Europe/London", recurrence=Recurrence(rrule="FREQ=WEEKLY;COUNT=2"))
    ev = events(write([weekly]).data)[0]
    assert [d.astimezone(UTC) for d in ev.getrruleset()] == [utc(2026, 6, 2, 16),
                                                             utc(2026, 6, 9, 16)]
    dublin = build_vtimezone("Europe/Dublin", 2026, 2027).to_ical().decode()
    observances = re.findall(r"BEGIN:(STANDARD|DAYLIGHT)\r\n(?:.*\r\n)*?TZNAME:(\w+)", dublin)
    assert set(observances) == {("STANDARD", "GMT"), ("DAYLIGHT", "IST")}


def test_alarms_attendees_organizer_and_class_round_trip() -> None:
    from planner.core.model import Alarm, AlarmAction, AlarmRelated, Classification

    alarms = (
        Alarm.before_start(timedelta(minutes=15), "Stand-up soon"),
        Alarm(action=AlarmAction.AUDIO, offset=timedelta(0), related=AlarmRelated.END),
        Alarm.at_instant(utc(2026, 3, 1, 18), "The evening before"),
        Alarm(action=AlarmAction.EMAIL, offset=-timedelta(days=1), description="Tomorrow",
              summary="Heads-up", attendees=("mailto:me@example.com",)),
    )
    block = Block(id="meet", title="Review", sphere="work", start=utc(2026, 3, 2, 9),
                  end=utc(2026, 3, 2, 10), classification=Classification.CONFIDENTIAL,
                  alarms=alarms, organizer='ORGANIZER;CN="Doe, Jane":mailto:jane@example.com',
                  attendees=("ATTENDEE;CN=Bo;PARTSTAT=ACCEPTED:mailto:bo@example.com",
                             "ATTENDEE;RSVP=TRUE:mailto:cy@example.com"))
    got = _round_trip([block])["meet"]
    assert got.classification is Classification.CONFIDENTIAL
    assert got.alarms == alarms
    assert got.organizer == 'ORGANIZER;CN="Doe, Jane":mailto:jane@example.com'
    assert got.attendees == block.attendees
    # An EMAIL alarm nobody would get is written as a DISPLAY one (RFC 5545 needs both).
    lonely = replace(block, alarms=(Alarm(action=AlarmAction.EMAIL, offset=timedelta(0)),))
    (alarm,) = _round_trip([lonely])["meet"].alarms
    # With no text of its own it shows the event's title (RFC 5545 needs a DESCRIPTION).
    assert alarm.action is AlarmAction.DISPLAY and alarm.description == "Review"


def test_same_series_from_two_calendars_keeps_uid_and_recurrence_id_unique() -> None:
    master, override = _imported_series()
    copy_master = replace(master, id="m2", source=replace(master.source, calendar="Copy"))
    copy_override = replace(override, id="m2-o",
                            source=replace(override.source, calendar="Copy"))
    evs = events(write([master, override, copy_master, copy_override]).data)
    identities = [(ev.uid.value, "recurrence-id" in ev.contents) for ev in evs]
    assert identities == [("sync-123@example.com", False), ("sync-123@example.com", True),
                          ("m2@planner", False), ("m2@planner", True)]


def _weekly(rule: str, **extra: object) -> Block:
    return Block(id="w", title="Weekly", start=local(BERLIN, 2026, 3, 2, 9),
                 end=local(BERLIN, 2026, 3, 2, 10), tzid="Europe/Berlin",
                 recurrence=Recurrence(rrule=rule, **extra),  # type: ignore[arg-type]
                 source=Source("Cal", "w@x"))


MARCH = (datetime(2026, 3, 2, tzinfo=BERLIN), datetime(2026, 3, 16, tzinfo=BERLIN))


def _rules(blocks: list[Block], bound: tuple[datetime, datetime] | None = MARCH) -> list[str]:
    return [ev.rrule.value for ev in events(write(blocks, ExportOptions(bound_to=bound)).data)]


def test_a_range_bounds_open_and_later_ending_series_only() -> None:
    assert _rules([_weekly("FREQ=WEEKLY")]) == ["FREQ=WEEKLY;UNTIL=20260315T225959Z"]
    assert _rules([_weekly("FREQ=WEEKLY")], None) == ["FREQ=WEEKLY"]
    assert _rules([_weekly("FREQ=WEEKLY;UNTIL=20261231T000000Z")]) == [
        "FREQ=WEEKLY;UNTIL=20260315T225959Z"]
    assert _rules([_weekly("FREQ=WEEKLY;UNTIL=20260310T000000Z")]) == [
        "FREQ=WEEKLY;UNTIL=20260310T000000Z"]
    assert _rules([_weekly("FREQ=WEEKLY;COUNT=50")]) == ["FREQ=WEEKLY;COUNT=50"]
    floating = Block(id="f", title="f", start=datetime(2026, 3, 2, 7),
                     end=datetime(2026, 3, 2, 8), recurrence=Recurrence(rrule="FREQ=DAILY"))
    assert _rules([floating]) == ["FREQ=DAILY;UNTIL=20260315T235959"]


def test_a_bounded_series_drops_later_slots_but_keeps_an_override_moved_into_the_range(
        ) -> None:
    late_rdate = _weekly("FREQ=WEEKLY", rdates=(local(BERLIN, 2026, 3, 4, 9),
                                                local(BERLIN, 2026, 5, 1, 9)))
    later = Block(id="o1", title="later", start=local(BERLIN, 2026, 4, 6, 12),
                  end=local(BERLIN, 2026, 4, 6, 13), tzid="Europe/Berlin",
                  source=Source("Cal", "w@x", "2026-04-06T07:00:00Z"))
    pulled_in = Block(id="o2", title="pulled in", start=local(BERLIN, 2026, 3, 12, 12),
                      end=local(BERLIN, 2026, 3, 12, 13), tzid="Europe/Berlin",
                      source=Source("Cal", "w@x", "2026-03-23T08:00:00Z"))
    data = write([late_rdate, later, pulled_in], ExportOptions(bound_to=MARCH)).data
    evs = events(data)
    assert [ev.summary.value for ev in evs] == ["Weekly", "pulled in"]
    assert evs[0].rrule.value == "FREQ=WEEKLY;UNTIL=20260323T080000Z"  # reaches its slot
    assert b"RDATE;TZID=Europe/Berlin:20260304T090000\r\n" in data
    assert b"20260501" not in data


def test_an_own_series_and_its_override_share_one_uid() -> None:
    master = Block(id="b1", title="Piano", start=utc(2026, 3, 2, 17), end=utc(2026, 3, 2, 18),
                   recurrence=Recurrence(rrule="FREQ=WEEKLY;COUNT=3"))
    moved = Block(id="b2", title="Piano (moved)", start=utc(2026, 3, 10, 17),
                  end=utc(2026, 3, 10, 18), source=Source("", "b1", "2026-03-09T17:00:00Z"))
    for blocks in ([master, moved], [moved]):  # with its master, or orphaned
        assert {ev.uid.value for ev in events(write(blocks).data)} == {"b1@planner"}


def test_a_busy_own_override_is_keyed_like_its_master_with_or_without_it() -> None:
    master = Block(id="b1", title="Piano", start=utc(2026, 3, 2, 17), end=utc(2026, 3, 2, 18),
                   recurrence=Recurrence(rrule="FREQ=WEEKLY;COUNT=3"))
    moved = Block(id="b2", title="Piano (moved)", start=utc(2026, 3, 10, 17),
                  end=utc(2026, 3, 10, 18), source=Source("", "b1", "2026-03-09T17:00:00Z"))
    private = ExportOptions(busy_only=frozenset({"personal"}), uid_key=KEY)
    keyed = hmac.new(KEY, b"b1@planner", hashlib.sha256).hexdigest()[:32] + "@planner"
    for blocks in ([master, moved], [moved]):  # with its master, or orphaned
        data = write(blocks, private).data
        assert {ev.uid.value for ev in events(data)} == {keyed}
        assert b"b1@planner" not in data and b"Piano" not in data
        assert b"X-PLANNER" not in data
