"""Import at its edges: what the reader version, the file system and hostile files may
do to an import, and what the user is told (issues #13 and #18).

Each test here failed on the code before the change it guards.
"""

from __future__ import annotations

import io
import os
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from planner.adapters.ical import reader
from planner.app import importing
from planner.app.service import PlannerError, PlannerService
from planner.core.model import Block
from planner.core.reconcile import hash_version, reconcile
from tests.conftest import ZONE, pinned_clock

FIXTURES = Path(__file__).parent / "fixtures" / "ics"

TWO_EVENTS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//EN\r
X-WR-CALNAME:Team\r
BEGIN:VEVENT\r
UID:one@x\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261124T100000Z\r
DTEND:20261124T110000Z\r
SUMMARY:Review\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:two@x\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261125T100000Z\r
DTEND:20261125T110000Z\r
SUMMARY:Planning\r
END:VEVENT\r
END:VCALENDAR\r
"""


def service(home: Path) -> PlannerService:
    return PlannerService(home, tz=ZONE, clock=pinned_clock)


def stored(svc: PlannerService, calendar: str = "team") -> dict[str, Block]:
    # A file is imported under its own name (team.ics -> "team"), not its X-WR-CALNAME.
    return {b.source.uid: b for b in svc.session.store.calendar_blocks(calendar)
            if b.source is not None}


# --- #13.4: the content hash is versioned ---------------------------------------------


def test_a_new_reader_version_does_not_make_a_stored_calendar_look_changed(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "team.ics"
    path.write_bytes(TWO_EVENTS)
    svc = service(home)
    svc.import_calendar(str(path))
    before = stored(svc)
    assert {hash_version(b.source.content_hash) for b in before.values()} == {  # type: ignore[union-attr]
        str(reader.READER_VERSION)}

    monkeypatch.setattr(reader, "READER_VERSION", reader.READER_VERSION + 1)
    monkeypatch.setattr(importing, "READER_VERSION", reader.READER_VERSION)
    report = service(home).import_calendar(str(path))  # same bytes, newer reader
    assert (report.new, report.updated, report.removed, report.unchanged) == (0, 0, 0, 2)
    after = stored(service(home))
    for uid, block in after.items():
        assert block.source is not None
        assert hash_version(block.source.content_hash) == str(reader.READER_VERSION)
        assert block.revision == before[uid].revision and block.id == before[uid].id
    # Saved with the new hashes: the next import takes the byte-identical fast path.
    again = service(home).import_calendar(str(path))
    assert again.unchanged == 2 and again.updated == 0


def test_a_reader_change_that_reads_a_block_differently_updates_it() -> None:
    old = reader.read_calendar(TWO_EVENTS, calendar="Team").blocks
    # As a version-1 reader stored it: unprefixed hash, and a different reading of one.
    legacy = []
    for block in old:
        assert block.source is not None
        digest = block.source.content_hash.split(":", 1)[1]
        title = "Review (read wrongly)" if block.source.uid == "one@x" else block.title
        legacy.append(replace(block, title=title, revision=3,
                              source=replace(block.source, content_hash=digest)))
    result = reconcile(legacy, old, calendar="Team")
    assert [b.title for b in result.updated] == ["Review"]
    assert [b.source.uid for b in result.rehashed] == ["two@x"]  # type: ignore[union-attr]
    assert result.unchanged == [] and not result.new and not result.removed
    assert result.summary("Team") == ("Team: 0 new, 1 updated (0 moved), 0 removed, "
                                      "1 unchanged, 0 skipped")


# --- #13.3: every skipped or repaired component, one line each --------------------------


def test_import_v_names_uid_line_and_reason_of_every_notice(cli, tmp_path: Path) -> None:
    path = tmp_path / "exchange.ics"
    path.write_bytes((FIXTURES / "undefined_tzid_exchange.ics").read_bytes().replace(
        b"END:VCALENDAR", b"BEGIN:VEVENT\r\nUID:broken@x\r\nSUMMARY:No start\r\n"
                          b"END:VEVENT\r\nEND:VCALENDAR"))
    quiet = cli("import", str(path))
    assert quiet.returncode == 0, quiet.stderr
    assert "3 new" in quiet.stdout and "1 skipped, 3 repaired" in quiet.stdout
    assert "(1 skipped, 3 repaired; -v lists them with the reason)" in quiet.stdout
    loud = cli("import", "-v", str(path))
    lines = [line.strip() for line in loud.stdout.splitlines() if line.startswith("  ")]
    assert lines[0] == "skipped VEVENT 'No start' (UID broken@x, line 25): has no DTSTART"
    assert len(lines) == 4
    for line in lines[1:]:
        assert line.startswith("repaired VEVENT '") and ", line " in line and "UID " in line
    # The events the file got right are all there.
    agenda = cli("agenda", "2026-03-10", "--days", "3", "--json")
    assert agenda.returncode == 0
    assert "Steering committee" in agenda.stdout and "Vendor call" in agenda.stdout


def test_calendars_v_lists_what_each_last_import_skipped_and_repaired(
        cli, tmp_path: Path) -> None:
    path = tmp_path / "exchange.ics"
    many = "".join(f"BEGIN:VEVENT\r\nUID:no-start-{n}@x\r\nSUMMARY:No start {n}\r\n"
                   "END:VEVENT\r\n" for n in range(60))
    path.write_bytes((FIXTURES / "undefined_tzid_exchange.ics").read_bytes().replace(
        b"END:VCALENDAR", many.encode() + b"END:VCALENDAR"))
    assert cli("import", str(path)).returncode == 0
    assert cli("import", str(FIXTURES / "rdate.ics")).returncode == 0
    quiet = cli("calendars").stdout
    assert "  (60 skipped, 3 repaired when last read; -v lists them with the reason)" in quiet
    assert quiet.count("when last read") == 1  # rdate.ics had nothing to say
    loud = cli("calendars", "-v").stdout.splitlines()
    skipped = [line for line in loud if line.startswith("  skipped VEVENT 'No start")]
    assert len(skipped) == 50 and skipped[0].endswith("has no DTSTART")  # 50 are kept
    assert sum(line.startswith("  repaired VEVENT '") for line in loud) == 3
    assert "  … and 10 more (`planner import -v` on the file lists them all)" in loud
    # A byte-identical re-import (the fast path) keeps telling the same.
    assert cli("import", str(path)).returncode == 0
    assert cli("calendars", "-v").stdout.splitlines() == loud
    refused = cli("calendars", "-v", "hide", "rdate")
    assert refused.returncode != 0 and "-v goes with" in refused.stderr


# --- #18.3 / #18.4: ids and spheres from a file ------------------------------------------


HIJACK = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Evil//EN\r
BEGIN:VEVENT\r
UID:evil@x\r
DTSTART:20991124T100000Z\r
DTEND:20991124T110000Z\r
SUMMARY:Shadow\r
X-PLANNER-ID:%s\r
X-PLANNER-SPHERE:nonsense\r
X-PLANNER-PRIORITY:99999999999999999999\r
SEQUENCE:9223372036854775808\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_x_planner_id_from_a_file_never_takes_over_another_block(
        home: Path, tmp_path: Path) -> None:
    svc = service(home)
    from datetime import datetime

    start = datetime(2026, 11, 24, 8, tzinfo=svc.zone)
    mine = svc.add(svc.make_fixed("Daycare pickup", start, start.replace(hour=9),
                                  sphere="personal"))
    svc.import_calendar(str(_write(tmp_path / "work.ics", TWO_EVENTS)), calendar="Work")
    work = next(iter(stored(svc, "Work").values()))
    for victim in (mine.id, work.id):
        path = _write(tmp_path / "evil.ics", HIJACK % victim.encode())
        report = service(home).import_calendar(str(path), calendar="Evil")
        assert report.new + report.updated == 1
        fresh = service(home)
        assert fresh.block(mine.id).title == "Daycare pickup"
        assert fresh.block(work.id).title == work.title
        shadow = stored(fresh, "Evil")["evil@x"]
        assert shadow.id not in (mine.id, work.id)
    # An unknown sphere falls back to the calendar's, and each odd number is clamped.
    assert shadow.sphere == "work" and shadow.source is not None
    assert shadow.source.sequence == 2**31 - 1
    notes = " | ".join(report.repaired)
    assert "X-PLANNER-SPHERE 'nonsense'" in notes and "SEQUENCE" in notes
    assert "X-PLANNER-PRIORITY" in notes


def test_ids_of_imported_blocks_cannot_be_predicted_from_the_file(
        home: Path, tmp_path: Path) -> None:
    path = _write(tmp_path / "team.ics", TWO_EVENTS)
    first = {b.id for b in stored_after_import(home / "a", path)}
    second = {b.id for b in stored_after_import(home / "b", path)}
    assert first.isdisjoint(second)
    public = {reader.block_id_for("Team", uid, None) for uid in ("one@x", "two@x")}
    assert first.isdisjoint(public)


def stored_after_import(home: Path, path: Path) -> list[Block]:
    home.mkdir(parents=True, exist_ok=True)
    svc = service(home)
    svc.import_calendar(str(path))
    return list(stored(svc).values())


# --- #18.14: what import reads -------------------------------------------------------------


def test_import_refuses_a_device_in_one_sentence(home: Path) -> None:
    with pytest.raises(PlannerError) as caught:
        service(home).import_calendar("/dev/zero")
    assert str(caught.value) == ("/dev/zero is a device, not a regular file; to read a "
                                 "stream, give `-` and pipe it to standard input.")


def test_import_of_a_fifo_ends_with_a_sentence_not_a_hang(home: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.ics"
    os.mkfifo(fifo)
    result: list[BaseException | None] = []

    def run() -> None:
        try:
            service(home).import_calendar(str(fifo))
        except BaseException as exc:  # reported below
            result.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "import waited on the FIFO"
    (error,) = result
    assert isinstance(error, PlannerError) and "a pipe (FIFO), not a regular file" in str(error)


def test_standard_input_is_read_up_to_the_cap(home: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    report = service(home).import_calendar("-", stdin=io.BytesIO(TWO_EVENTS))
    assert report.calendar == "Team" and report.new == 2
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 1000)

    class Endless(io.RawIOBase):
        read_so_far = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            buffer[:] = b"\0" * len(buffer)
            self.read_so_far += len(buffer)
            return len(buffer)

    endless = Endless()
    with pytest.raises(PlannerError, match="standard input holds more than the 0 MB"):
        service(home).import_calendar("-", stdin=io.BufferedReader(endless))
    assert endless.read_so_far < 2 * 2**20  # stopped at the cap, not at the end


def test_the_cap_counts_bytes_read_not_what_stat_says(home: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 100)
    path = _write(tmp_path / "big.ics", TWO_EVENTS)
    with pytest.raises(PlannerError, match="holds more than"):
        service(home).import_calendar(str(path))


@pytest.mark.parametrize("said", [0, 1, 40, 10**6])
def test_a_file_is_read_whole_whatever_size_it_said(said: int) -> None:
    # A regular file is read in one piece of the size stat gave; one that grew (or
    # shrank) since is read to its end all the same, the cap counted as read.
    data = TWO_EVENTS * 3
    assert importing._read_capped(io.BufferedReader(io.BytesIO(data)), "f", said) == data


def test_cli_import_dash_reads_standard_input(cli) -> None:
    result = cli("import", "-", input=TWO_EVENTS.decode())
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Team: 2 new")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- #18.13: numbers at the edge ------------------------------------------------------------


HUGE_INTERVAL = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//EN\r
BEGIN:VEVENT\r
UID:huge@x\r
DTSTART:20261124T100000Z\r
DTEND:20261124T110000Z\r
RRULE:FREQ=DAILY;INTERVAL=2147483648\r
SUMMARY:Huge interval\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_a_huge_rrule_interval_keeps_the_first_instance_and_says_so(home: Path,
                                                                   tmp_path: Path) -> None:
    path = _write(tmp_path / "huge.ics", HUGE_INTERVAL)
    report = service(home).import_calendar(str(path))
    assert report.new == 1 and report.skipped == []
    assert "INTERVAL of 2147483648" in report.repaired[0]
    from datetime import date

    items = service(home).agenda(date(2026, 11, 23), 7)
    assert [o.title for o in items if o.block.is_fixed] == ["Huge interval"]


@pytest.mark.parametrize("freq", ["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY",
                                  "MONTHLY", "YEARLY"])
def test_a_stored_huge_interval_cannot_break_the_agenda(freq: str) -> None:
    """Stores written before the reader bounded INTERVAL still hold such series."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from planner.core.model import Recurrence
    from planner.core.recurrence import occurrences

    start = datetime(2026, 11, 24, 10, tzinfo=UTC)
    block = Block(id="b", title="Huge", start=start, end=start.replace(hour=11),
                  tzid="Europe/Berlin",
                  recurrence=Recurrence(f"FREQ={freq};INTERVAL={2**31}"))
    found = occurrences([block], datetime(2027, 1, 1, tzinfo=UTC),
                        datetime(2027, 1, 8, tzinfo=UTC), ZoneInfo("Europe/Berlin"))
    assert found == []
    first = occurrences([block], start, start.replace(day=25), ZoneInfo("Europe/Berlin"))
    assert len(first) == 1


def test_one_calendar_failing_unexpectedly_does_not_stop_refresh_of_the_others(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    svc = service(home)
    calls = []

    def fake_import(session, url, *, calendar, **options):  # type: ignore[no-untyped-def]
        calls.append(calendar)
        if calendar == "Broken":
            raise OverflowError("int too large to convert")
        return importing.ImportReport(calendar, f"{calendar}: fine", [])

    names = ["Broken", "Fine"]
    monkeypatch.setattr(svc.session.store, "calendar_names", lambda: names)
    monkeypatch.setattr(svc.session.store, "calendar_meta",
                        lambda name: {"url": f"https://example.invalid/{name}.ics"})
    monkeypatch.setattr(importing, "import_calendar", fake_import)
    reports = importing.refresh_all(svc.session)
    assert calls == ["Broken", "Fine"]
    broken, fine = reports
    assert broken.failed and "kept the last good copy" in broken.summary
    assert "OverflowError" in broken.summary and "\n" not in broken.summary
    assert fine.summary == "Fine: fine" and not fine.failed


# --- #18.16: bounded work per window and per VTIMEZONE -------------------------------------


def _secondly_calendar(count: int) -> bytes:
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:s{n}@x\r\nDTSTART;TZID=Europe/Berlin:20261101T000000\r\n"
        f"DURATION:PT1S\r\nRRULE:FREQ=SECONDLY\r\nSUMMARY:Tick {n}\r\nEND:VEVENT\r\n"
        for n in range(count))
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Hostile//EN\r\n"
            f"X-WR-CALNAME:Ticks\r\n{events}END:VCALENDAR\r\n").encode()


@pytest.mark.timeout(60)
def test_fifty_secondly_series_give_a_bounded_day_that_says_what_it_hid(
        home: Path, tmp_path: Path, cli) -> None:
    from datetime import date

    from planner.app.queries import hidden_count
    from planner.core.recurrence import DAY_LIMIT, SERIES_DAY_LIMIT

    path = _write(tmp_path / "ticks.ics", _secondly_calendar(50))
    svc = service(home)
    svc.import_calendar(str(path))
    day = svc.agenda(date(2026, 11, 24))
    assert 0 < len(day) <= 50 * SERIES_DAY_LIMIT
    hidden, more = hidden_count(day)
    # 86,400 ticks a day per series, DAY_LIMIT shown in all: the rest counted exactly
    # (none from the slack before the day, kept for DST jumps).
    assert len(day) == DAY_LIMIT and hidden == 50 * 86_400 - DAY_LIMIT and not more
    week = svc.agenda(date(2026, 11, 23), 7)
    assert len(week) == 7 * DAY_LIMIT and hidden_count(week) == (7 * hidden, False)
    assert svc.agenda(date(2026, 11, 23)).hidden_days == {date(2026, 11, 23): hidden}
    assert svc.day_plan(date(2026, 11, 24)).hidden[0] == hidden
    shown = cli("--home", str(home), "agenda", "2026-11-24")
    assert shown.returncode == 0 and "more hidden: a series repeats more often" in shown.stdout


@pytest.mark.timeout(60)
def test_a_vtimezone_with_100k_transitions_costs_a_bounded_import(home: Path,
                                                                   tmp_path: Path) -> None:
    onsets = ",".join(f"{1900 + n // 400:04d}{1 + n % 12:02d}01T020000" for n in range(100_000))
    data = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Hostile//EN\r\n"
        "BEGIN:VTIMEZONE\r\nTZID:Busy zone\r\nBEGIN:STANDARD\r\nDTSTART:19000101T020000\r\n"
        f"TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nRDATE:{onsets}\r\nEND:STANDARD\r\n"
        "END:VTIMEZONE\r\n"
        "BEGIN:VEVENT\r\nUID:z@x\r\nDTSTART;TZID=Busy zone:20261124T090000\r\n"
        "DTEND;TZID=Busy zone:20261124T100000\r\nSUMMARY:In the busy zone\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n").encode()
    report = service(home).import_calendar(str(_write(tmp_path / "zone.ics", data)))
    assert report.new == 1
    assert any("VTIMEZONE 'Busy zone'" in s and "more than" in s for s in report.skipped)
    assert any("'Busy zone'" in r and "floating" in r for r in report.repaired)


# --- what an imported event's alarms can do --------------------------------------------


def test_thousands_of_alarms_on_an_event_are_bounded_and_said(home: Path,
                                                               tmp_path: Path) -> None:
    from datetime import timedelta

    from planner.adapters.ical.alarms import MAX_ALARMS

    alarms = "".join(f"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:A{n}\r\n"
                     f"TRIGGER:-PT{n}M\r\nEND:VALARM\r\n" for n in range(5000))
    twice = "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Soon\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n"
    data = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Hostile//EN\r\n"
            "BEGIN:VEVENT\r\nUID:loud@x\r\nDTSTART:20261201T100000Z\r\nDURATION:PT1H\r\n"
            f"SUMMARY:Loud\r\n{alarms}END:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:twice@x\r\nDTSTART:20261201T120000Z\r\nDURATION:PT1H\r\n"
            f"SUMMARY:Twice\r\n{twice}{twice}END:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    svc = service(home)
    report = svc.import_calendar(str(_write(tmp_path / "loud.ics", data)))
    (note,) = report.repaired
    assert "VEVENT 'Loud' (UID loud@x" in note and \
        f"kept the first {MAX_ALARMS}, left out {5000 - MAX_ALARMS:,}" in note
    blocks = stored(svc, "loud")
    assert len(blocks["loud@x"].alarms) == MAX_ALARMS
    assert len(blocks["twice@x"].alarms) == 1  # the same alarm twice goes off once
    reminders = svc.reminders(timedelta(days=30))
    assert len([r for r in reminders if r.occurrence.title == "Loud"]) == MAX_ALARMS


def test_an_alarm_before_year_one_never_fires_and_breaks_no_reminder(cli, tmp_path: Path
                                                                     ) -> None:
    """TRIGGER:-P9999999W is a valid duration, but its moment lies before year 1: `remind`
    ended as "unexpected error" (exit 70) every time after such an import."""
    far = ("BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:far\r\nTRIGGER:{}\r\n"
           "END:VALARM\r\n")
    data = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Hostile//EN\r\n"
            "BEGIN:VEVENT\r\nUID:far@x\r\nDTSTART:20261124T090000Z\r\nDURATION:PT1H\r\n"
            "SUMMARY:Far\r\n" + far.format("-P9999999W") + far.format("P9999999W")
            + "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:soon\r\nTRIGGER:-PT15M\r\n"
              "END:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    cli("import", str(_write(tmp_path / "far.ics", data.encode())), check=True)
    for within in ("2d", "30d"):
        due = cli("remind", "--within", within)
        assert due.returncode == 0, due.stderr
        assert due.stdout.count("Far") == 1 and "15 min before" in due.stdout, due.stdout
