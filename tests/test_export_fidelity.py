"""What an export needs kept: CLASS, VALARM, ATTENDEE/ORGANIZER through import, storage
and undo; SEQUENCE rising with every change of time; the per-home key; who is Busy."""

from __future__ import annotations

import itertools
import json
import os
import stat
import subprocess
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from planner.adapters.codec import block_from_doc, block_to_doc
from planner.adapters.ical.reader import read_calendar
from planner.adapters.secret import KEY_BYTES, KEY_FILE, home_secret
from planner.app.service import PlannerService
from planner.core.model import (
    Alarm,
    AlarmAction,
    AlarmRelated,
    Block,
    Classification,
)
from planner.core.settings import Settings, SphereInfo
from tests.conftest import ZONE, pinned_clock, planner_command

Run = Callable[..., subprocess.CompletedProcess[str]]

INVITATION = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:review-1@example.com\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261124T100000Z\r
DTEND:20261124T110000Z\r
SUMMARY:Design review\r
CLASS:x-secret\r
ORGANIZER;CN="Doe, Jane":mailto:jane@example.com\r
ATTENDEE;CN=Bo;PARTSTAT=ACCEPTED:mailto:bo@example.com\r
ATTENDEE;CN=Cy;ROLE=OPT-PARTICIPANT;\r
 RSVP=TRUE:mailto:cy@example.com\r
BEGIN:VALARM\r
ACTION:DISPLAY\r
TRIGGER:-PT10M\r
DESCRIPTION:Review soon\r
ATTENDEE:mailto:not-a-guest@example.com\r
END:VALARM\r
BEGIN:VALARM\r
ACTION:NONE\r
TRIGGER;VALUE=DATE-TIME:19760401T005545Z\r
END:VALARM\r
BEGIN:VALARM\r
ACTION:AUDIO\r
TRIGGER;RELATED=END:PT5M\r
END:VALARM\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:plain@example.com\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261125T100000Z\r
DTEND:20261125T110000Z\r
SUMMARY:Plain\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_the_reader_keeps_class_alarms_organizer_and_attendees() -> None:
    review, plain = read_calendar(INVITATION, calendar="Work").blocks
    assert review.classification is Classification.PRIVATE  # unknown CLASS reads as private
    assert review.is_private
    assert review.organizer == 'ORGANIZER;CN="Doe, Jane":mailto:jane@example.com'
    assert review.attendees == (
        "ATTENDEE;CN=Bo;PARTSTAT=ACCEPTED:mailto:bo@example.com",
        "ATTENDEE;CN=Cy;ROLE=OPT-PARTICIPANT;RSVP=TRUE:mailto:cy@example.com",
    )  # the alarm's ATTENDEE is the alarm's, not a guest (and only EMAIL alarms use one)
    assert review.alarms == (  # ACTION:NONE (Apple's "no alarm") is left out
        Alarm(offset=-timedelta(minutes=10), description="Review soon"),
        Alarm(action=AlarmAction.AUDIO, offset=timedelta(minutes=5),
              related=AlarmRelated.END),
    )
    assert (plain.classification, plain.alarms, plain.organizer, plain.attendees) == (
        None, (), "", ())


def test_alarm_times_for_an_occurrence() -> None:
    start, end = datetime(2026, 11, 24, 10, tzinfo=UTC), datetime(2026, 11, 24, 11, tzinfo=UTC)
    assert Alarm.before_start(timedelta(minutes=15)).fires_at(start, end) == start - timedelta(
        minutes=15)
    after_end = Alarm(offset=timedelta(minutes=5), related=AlarmRelated.END)
    assert after_end.fires_at(start, end) == end + timedelta(minutes=5)
    fixed = Alarm.at_instant(datetime(2026, 11, 1, tzinfo=UTC))
    assert fixed.fires_at(start, end) == datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        Alarm()  # neither an offset nor a time
    with pytest.raises(ValueError):
        Alarm.at_instant(datetime(2026, 11, 1))  # a time without a zone


def test_the_codec_round_trips_the_new_fields_and_reads_old_documents() -> None:
    review = read_calendar(INVITATION, calendar="Work").blocks[0]
    assert block_from_doc(block_to_doc(review)) == review
    absolute = Block(id="a", title="a", alarms=(
        Alarm.at_instant(datetime(2026, 11, 1, 8, tzinfo=UTC), "x"),
        Alarm(action=AlarmAction.EMAIL, offset=-timedelta(days=1), summary="s",
              attendees=("mailto:me@example.com",))))
    assert block_from_doc(block_to_doc(absolute)) == absolute
    old = {"id": "b1", "title": "Before alarms existed", "sphere": "work", "kind": "fixed",
           "start": "2026-11-24T10:00:00Z", "end": "2026-11-24T11:00:00Z"}
    block = block_from_doc(old)
    assert (block.classification, block.alarms, block.organizer, block.attendees) == (
        None, (), "", ())
    assert block_to_doc(block) == old  # nothing new written for blocks without them


def test_spheres_within_a_parent() -> None:
    spheres = {"work": SphereInfo("work", "", "work"),
               "personal": SphereInfo("personal", "", "personal"),
               "family": SphereInfo("family", "", "personal"),
               "clients": SphereInfo("clients", "", "work")}
    settings = Settings(spheres=spheres)
    assert settings.is_within("family", "personal")
    assert settings.is_within("personal", "personal")
    assert not settings.is_within("clients", "personal")
    assert settings.is_within("clients", "work")
    assert not settings.is_within("personal", "family")
    assert settings.is_within("gone-from-config", "personal")  # counts as personal


# --- the per-home key ------------------------------------------------------------------


def test_the_home_key_is_made_once_private_and_shared_by_racing_writers(tmp_path: Path
                                                                        ) -> None:
    folder = tmp_path / "data"
    keys: list[bytes] = []
    threads = [threading.Thread(target=lambda: keys.append(home_secret(folder)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and len(keys[0]) == KEY_BYTES
    path = folder / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == [KEY_FILE]  # no temporary file left
    assert home_secret(folder) == keys[0]
    path.write_bytes(b"short")  # damaged from outside: replaced by a good key
    fresh = home_secret(folder)
    assert len(fresh) == KEY_BYTES and path.read_bytes() == fresh


# --- SEQUENCE ------------------------------------------------------------------------


def test_sequence_rises_with_every_change_of_time_undo_included(tmp_path: Path) -> None:
    import icalendar

    service = PlannerService(tmp_path / "home", tz=ZONE, clock=pinned_clock)
    today = service.today()
    task = service.add(service.make_flexible("Write report", timedelta(hours=1),
                                             sphere="work", day=today))
    assert task.planned

    def exported() -> tuple[int, datetime]:
        out = tmp_path / "out.ics"
        service.export(str(out), first=today, last=today + timedelta(days=6))
        (event,) = [e for e in icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")
                    if e["SUMMARY"] == "Write report"]
        return int(event["SEQUENCE"]), event["DTSTART"].dt

    seen = [exported()]
    # A meeting takes the task's slot: planning moves the task, an edit to its time.
    service.add(service.make_fixed("Sudden meeting", *task.planned[0], sphere="work"))
    seen.append(exported())
    service.move(task.id, timedelta(hours=1))
    seen.append(exported())
    service.undo()
    seen.append(exported())
    service.redo()
    seen.append(exported())
    times = [when for _, when in seen]
    assert all(a != b for a, b in itertools.pairwise(times)), times  # moved each time
    sequences = [number for number, _ in seen]
    assert sequences == sorted(set(sequences)), sequences  # and SEQUENCE rose each time


# --- the command line -------------------------------------------------------------------


def test_an_all_day_block_keeps_its_repeat_rule(cli: Run) -> None:
    added = cli("add", "Bins out", "--at", "2026-11-25", "--all-day", "--repeat", "FREQ=WEEKLY",
                check=True)
    assert "Bins out" in added.stdout
    agenda = cli("agenda", "2026-11-25", "--days", "15", check=True).stdout
    assert agenda.count("Bins out") == 3  # 25 Nov, 2 and 9 Dec
    bad = cli("add", "Bins", "--at", "2026-11-25", "--all-day", "--repeat", "weekly-ish")
    assert bad.returncode == 1 and "RRULE" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.fixture
def family_home(home: Path, cli: Run) -> Path:
    (home / "config.toml").write_text('[spheres.family]\ncolour = "#c060a0"\n'
                                      'parent = "personal"\n')
    cli("add", "Parents evening", "--at", "2026-11-24 18:00", "--sphere", "family",
        "--notes", "ask about maths", "--location", "Room 12", check=True)
    cli("add", "Sprint review", "--at", "2026-11-24 10:00", "--sphere", "work", check=True)
    return home


@pytest.mark.parametrize("flags", [["--private-as-busy"], ["--busy-only", "personal"],
                                   ["--busy-only", "family"]])
def test_busy_covers_child_spheres(cli: Run, family_home: Path, flags: list[str]) -> None:
    out = cli("export", "-", "--from", "2026-11-23", "--to", "2026-11-29", *flags, check=True)
    text = out.stdout.replace("\r\n ", "")
    for word in ("Parents evening", "maths", "Room 12", "family"):
        assert word not in text, word
    assert "SUMMARY:Busy" in text and "SUMMARY:Sprint review" in text
    assert stat.S_IMODE((family_home / KEY_FILE).stat().st_mode) == 0o600


def test_preview_shows_the_sample_as_a_reader_will_see_it(cli: Run, family_home: Path) -> None:
    full = cli("export", "--preview", "--from", "2026-11-23", "--to", "2026-11-29", check=True)
    assert "A reader sees 'Parents evening' in full:" in full.stdout
    assert "SUMMARY:Parents evening" in full.stdout and "LOCATION:Room 12" in full.stdout
    busy = cli("export", "--preview", "--from", "2026-11-23", "--to", "2026-11-29",
               "--private-as-busy", check=True)
    assert "A reader sees 'Parents evening' as Busy:" in busy.stdout
    event = busy.stdout.split(":\n", 1)[1]
    assert event.startswith("BEGIN:VEVENT") and "SUMMARY:Busy" in event
    assert "Room 12" not in event and "maths" not in event
    exported = cli("export", "-", "--from", "2026-11-23", "--to", "2026-11-29",
                   "--private-as-busy", check=True).stdout.replace("\r\n", "\n")
    without_stamp = [line for line in event.strip().splitlines() if "DTSTAMP" not in line]
    assert all(line in exported for line in without_stamp)  # exactly what is written
    nothing = cli("export", "--preview", "--from", "2027-03-01", "--to", "2027-03-02",
                  check=True)
    assert "Nothing in that range" in nothing.stdout
    missing = cli("export")
    assert missing.returncode == 1 and "--preview" in missing.stderr


def test_an_event_across_the_viewers_dst_change_keeps_its_length() -> None:
    """00:30 BST to 03:30 GMT on 25 Oct 2026 is four hours, seen from London or Berlin."""
    from zoneinfo import ZoneInfo

    from planner.core.recurrence import occurrences

    london = ZoneInfo("Europe/London")
    start = datetime(2026, 10, 25, 0, 30, tzinfo=london)
    end = datetime(2026, 10, 25, 3, 30, tzinfo=london)
    zoned = Block(id="z", title="Night deploy", start=start.astimezone(UTC),
                  end=end.astimezone(UTC), tzid="Europe/London")
    floating = Block(id="f", title="Floating", start=datetime(2026, 10, 25, 0, 30),
                     end=datetime(2026, 10, 25, 3, 30))
    window = (datetime(2026, 10, 24, tzinfo=london), datetime(2026, 10, 26, tzinfo=london))
    for viewer in ("Europe/London", "Europe/Berlin"):
        got = {o.block.id: o for o in occurrences([zoned, floating], *window, ZoneInfo(viewer))}
        occurrence = got["z"]
        assert occurrence.end.astimezone(UTC) - occurrence.start.astimezone(UTC) == timedelta(
            hours=4)
        assert got["z"].end.astimezone(UTC) == end.astimezone(UTC)
        # Floating times are wall times wherever they are seen: 03:30 on the viewer's clock.
        assert (got["f"].end.hour, got["f"].end.minute) == (3, 30)


# --- repeating alarms (VALARM REPEAT/DURATION) ------------------------------------------

NAGGING = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:dentist@example.com\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261124T100000Z\r
DTEND:20261124T110000Z\r
SUMMARY:Dentist\r
BEGIN:VALARM\r
ACTION:DISPLAY\r
DESCRIPTION:Leave now\r
TRIGGER:-PT30M\r
REPEAT:2\r
DURATION:PT10M\r
END:VALARM\r
BEGIN:VALARM\r
ACTION:AUDIO\r
TRIGGER;VALUE=DATE-TIME:20261124T080000Z\r
REPEAT:99999999999999999999\r
DURATION:PT1H\r
END:VALARM\r
BEGIN:VALARM\r
ACTION:DISPLAY\r
DESCRIPTION:REPEAT without DURATION\r
TRIGGER:-PT1H\r
REPEAT:3\r
END:VALARM\r
BEGIN:VALARM\r
ACTION:DISPLAY\r
DESCRIPTION:a negative interval\r
TRIGGER:-PT2H\r
REPEAT:3\r
DURATION:-PT5M\r
END:VALARM\r
BEGIN:VALARM\r
ACTION:DISPLAY\r
DESCRIPTION:no repeats\r
TRIGGER:-PT3H\r
REPEAT:0\r
DURATION:PT5M\r
END:VALARM\r
END:VEVENT\r
END:VCALENDAR\r
"""
NAG = Alarm(offset=-timedelta(minutes=30), description="Leave now", repeat=2,
            repeat_every=timedelta(minutes=10))


def test_repeats_are_read_as_the_pair_rfc_5545_asks_for() -> None:
    (dentist,) = read_calendar(NAGGING, calendar="Work").blocks
    from planner.adapters.ical.alarms import MAX_REPEAT

    assert dentist.alarms == (
        NAG,
        Alarm(action=AlarmAction.AUDIO, at=datetime(2026, 11, 24, 8, tzinfo=UTC),
              repeat=MAX_REPEAT, repeat_every=timedelta(hours=1)),  # a huge count, capped
        # half a pair, or a pair that makes no sense: the alarm fires once
        Alarm(offset=-timedelta(hours=1), description="REPEAT without DURATION"),
        Alarm(offset=-timedelta(hours=2), description="a negative interval"),
        Alarm(offset=-timedelta(hours=3), description="no repeats"),
    )
    assert block_from_doc(block_to_doc(dentist)) == dentist


def test_a_repeating_alarm_goes_off_again_at_each_repeat() -> None:
    start, end = datetime(2026, 11, 24, 10, tzinfo=UTC), datetime(2026, 11, 24, 11, tzinfo=UTC)
    at = [datetime(2026, 11, 24, 9, m, tzinfo=UTC) for m in (30, 40, 50)]
    whole_day = (start - timedelta(days=1), end + timedelta(days=1))
    assert NAG.firings_between(start, end, *whole_day) == list(enumerate(at))
    assert NAG.firings_between(start, end, at[0] + timedelta(seconds=1), at[2]) == [(1, at[1])]
    assert NAG.firings_between(start, end, at[2] + timedelta(seconds=1), end) == []
    once = Alarm.before_start(timedelta(minutes=30))
    assert once.firings_between(start, end, *whole_day) == [(0, at[0])]
    endless = Alarm(offset=timedelta(0), repeat=10**12, repeat_every=timedelta(seconds=1))
    assert len(endless.firings_between(start, end, start, start + timedelta(days=365))) == 1000
    with pytest.raises(ValueError):
        Alarm(offset=timedelta(0), repeat=2)  # REPEAT without DURATION
    with pytest.raises(ValueError):
        Alarm(offset=timedelta(0), repeat=2, repeat_every=timedelta(0))


def test_remind_lists_each_repeat_and_an_export_writes_them_back(home: Path,
                                                                 tmp_path: Path) -> None:
    def run(*args: str) -> str:
        env = {**os.environ, "PLANNER_HOME": str(home), "TZ": "UTC",
               "PLANNER_NOW": "2026-11-24T08:45:00+00:00"}
        done = subprocess.run([*planner_command(), "--tz", "UTC", *args], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    ics = tmp_path / "dentist.ics"
    ics.write_bytes(NAGGING)
    run("import", str(ics), "--calendar", "Health")
    lines = run("remind", "--within", "2h").splitlines()
    # One line per firing time: at 09:00 the hourly sound (repeat 1) and the hour-before
    # reminder coincide, and that line names both.
    assert [line.split()[0] for line in lines] == ["09:00", "09:30", "09:40", "09:50", "10:00"]
    assert "(at a set time, repeat 1 of 10000; 1 h before; 2 reminders, " in lines[0]
    assert "(30 min before, " in lines[1]
    assert "(20 min before, repeat 1 of 2, " in lines[2]
    assert "(10 min before, repeat 2 of 2, " in lines[3]
    assert "(at a set time, repeat 2 of 10000, " in lines[4]
    due = json.loads(run("remind", "--within", "2h", "--json"))
    assert [d["remind_at"][11:16] for d in due] == [line.split()[0] for line in lines]
    assert [d["reminders"] for d in due] == [2, 1, 1, 1, 1]
    (back,) = read_calendar(run("export", "-").encode(), calendar="Again").blocks
    (dentist,) = read_calendar(NAGGING, calendar="Work").blocks
    assert back.alarms == dentist.alarms


def _upstream(start: str) -> bytes:
    return (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            b"UID:review-9@example.com\r\nDTSTAMP:20261101T000000Z\r\nSEQUENCE:4\r\n"
            b"DTSTART:" + start.encode() + b"\r\nDURATION:PT1H\r\nSUMMARY:Review\r\n"
            b"END:VEVENT\r\nEND:VCALENDAR\r\n")


def test_sequence_rises_above_an_imported_events_own(cli: Run, tmp_path: Path) -> None:
    """An invitation at SEQUENCE:4, moved here, must go out at 5 (at 4 a calendar app
    that has the invitation keeps the old time); a new version of the file that moves
    it again without raising its SEQUENCE still raises ours."""
    import icalendar

    ics = tmp_path / "invites.ics"
    ics.write_bytes(_upstream("20261124T100000Z"))
    cli("import", str(ics), "--calendar", "Invites", check=True)

    def exported() -> tuple[int, datetime]:
        data = cli("export", "-", check=True).stdout.encode()
        (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
        return int(event["SEQUENCE"]), event["DTSTART"].dt.astimezone(UTC)

    assert exported() == (4, datetime(2026, 11, 24, 10, tzinfo=UTC))
    (item,) = json.loads(cli("agenda", "2026-11-24", "--json", check=True).stdout)
    cli("edit", str(item["id"]), "--at", "2026-11-24 12:00", check=True)
    assert exported() == (5, datetime(2026, 11, 24, 11, tzinfo=UTC))  # 12:00 in Berlin
    ics.write_bytes(_upstream("20261124T140000Z"))  # the source moves it, still at 4
    cli("import", str(ics), "--calendar", "Invites", check=True)
    sequence, start = exported()
    assert sequence > 5 and start == datetime(2026, 11, 24, 14, tzinfo=UTC)
