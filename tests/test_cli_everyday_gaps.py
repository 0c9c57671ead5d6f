"""Everyday gaps a real user hits, run as the installed `planner` (pinned clock, Berlin):
reminder texts in exports, two reminders at one minute."""

from __future__ import annotations

import json
from pathlib import Path

from icalendar import Calendar


def _added_id(out: str) -> str:
    return out.strip().split("(")[-1].rstrip(")")


def _events(path: Path) -> list:  # type: ignore[type-arg]
    return [c for c in Calendar.from_ical(path.read_bytes()).walk("VEVENT")]


def test_remind_exports_the_block_title_as_the_alarm_text(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bid = _added_id(cli("add", "Dentist", "--at", "tue 9:00", "--remind", "30m",
                        check=True).stdout)
    out = tmp_path / "all.ics"
    cli("export", str(out), check=True)
    (event,) = _events(out)
    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert str(alarm["DESCRIPTION"]) == "Dentist"
    # Written when exported: renaming the block renames what its reminder shows.
    cli("edit", bid, "--title", "Dentist (Dr Weber)", check=True)
    cli("export", str(out), check=True)
    (event,) = _events(out)
    assert str(event.walk("VALARM")[0]["DESCRIPTION"]) == "Dentist (Dr Weber)"
    cli("import", str(out), "--calendar", "copy", check=True)
    got = json.loads(cli("remind", "--within", "2d", "--json", check=True).stdout)
    assert sorted(r["title"] for r in got) == ["Dentist (Dr Weber)", "Dentist (Dr Weber)"]
    # A shared (busy) export carries no alarm and no title at all.
    busy = tmp_path / "busy.ics"
    cli("export", str(busy), "--busy-only", "personal", check=True)
    text = busy.read_text()
    assert "VALARM" not in text and "Dentist" not in text


SOUND_AND_MESSAGE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
    "UID:dentist@example.com\r\nDTSTAMP:20261101T000000Z\r\n"
    "DTSTART:20261123T090000Z\r\nDTEND:20261123T100000Z\r\nSUMMARY:Dentist\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Leave now\r\nTRIGGER:-PT15M\r\n"
    "END:VALARM\r\n"
    "BEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Soon\r\n"
    "TRIGGER;VALUE=DATE-TIME:20261123T084500Z\r\nEND:VALARM\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Early\r\nTRIGGER:-PT1H\r\n"
    "END:VALARM\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n")


def test_alarms_going_off_in_one_minute_are_one_line_that_counts_them(  # type: ignore[no-untyped-def]
        cli, tmp_path: Path) -> None:
    ics = tmp_path / "health.ics"
    ics.write_text(SOUND_AND_MESSAGE)
    cli("import", str(ics), "--sphere", "personal", check=True)
    lines = cli("remind", "--within", "2h", check=True).stdout.splitlines()
    # 09:00 Berlin: an hour before. 09:45: a message, a sound and one at a set time.
    assert [line.split()[0] for line in lines] == ["09:00", "09:45"]
    assert "Dentist at 10:00 (1 h before, personal)" in lines[0]
    assert "Dentist at 10:00 (15 min before; at a set time; 3 reminders, personal)" \
        in lines[1]
    due = json.loads(cli("remind", "--within", "2h", "--json", check=True).stdout)
    assert [(d["remind_at"][11:16], d["reminders"]) for d in due] == [("09:00", 1),
                                                                     ("09:45", 3)]


def test_an_own_block_can_be_private_like_an_imported_one(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    added = cli("add", "Interview at Initech (second round, on site)", "--at", "tue 9:00",
                "--sphere", "work", "--private", check=True).stdout
    assert "· work · private · Tue 24 Nov 09:00–10:00" in added
    bid = _added_id(added)
    cli("add", "Standup", "--at", "tue 10:00", "--for", "15m", "--sphere", "work", check=True)
    lines = cli("agenda", "tue", check=True).stdout.splitlines()
    # The mark stays in sight however long the title, and the columns stay where they were.
    assert lines[1].startswith("  09:00–10:00 ■ Interview at Initech (second… (private)  work ")
    assert lines[2].startswith("  10:00–10:15 ■ Standup                                  work ")
    got = json.loads(cli("agenda", "tue", "--json", check=True).stdout)
    assert [(i["title"][:9], i["private"]) for i in got] == [("Interview", True),
                                                             ("Standup", False)]
    # Shared: Busy with no details, exactly as an imported CLASS:PRIVATE event; the preview
    # samples it first.
    preview = cli("export", "--preview", "--private-as-busy", "--from", "tue", "--to", "tue",
                  check=True).stdout
    assert preview.startswith("A reader sees 'Interview at Initech") and "as Busy" in preview
    assert "SUMMARY:Busy" in preview and "Initech" not in preview.split("\n", 1)[1]
    shared = tmp_path / "shared.ics"
    cli("export", str(shared), "--private-as-busy", check=True)
    events = sorted(str(e["SUMMARY"]) for e in _events(shared))
    assert events == ["Busy", "Standup"]
    full = tmp_path / "full.ics"
    cli("export", str(full), check=True)
    classes = {str(e["SUMMARY"])[:9]: str(e.get("CLASS", "")) for e in _events(full)}
    assert classes == {"Interview": "PRIVATE", "Standup": ""}
    # Public again, and --private on what is already private changes nothing.
    assert " · private" not in cli("edit", bid, "--public", check=True).stdout
    assert not json.loads(cli("agenda", "tue", "--json", check=True).stdout)[0]["private"]
    assert " · private · " in cli("edit", bid, "--private", check=True).stdout
    assert " · private · " in cli("edit", bid, "--private", check=True).stdout
    cli("undo", check=True)
    assert json.loads(cli("agenda", "tue", "--json", check=True).stdout)[0]["private"] is False


def test_private_and_public_mistakes_are_one_sentence(cli) -> None:  # type: ignore[no-untyped-def]
    sid = _added_id(cli("add", "Therapy", "--at", "tue 17:00", "--repeat", "every tue",
                        check=True).stdout)
    both = cli("add", "x", "--at", "tue 9:00", "--private", "--public")
    assert both.returncode == 2 and "not allowed with argument --private" in both.stderr
    one = cli("edit", sid, "--occurrence", "tue", "--private")
    assert one.returncode in (1, 2)
    assert "--private changes the whole series" in one.stderr
    cli("edit", sid, "--private", check=True)
    got = json.loads(cli("agenda", "2026-11-24", "--days", "14", "--json", check=True).stdout)
    assert [i["private"] for i in got] == [True, True]


def _spheres(cli) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    found: dict[str, set[str]] = {}
    for item in json.loads(cli("agenda", "mon", "--days", "7", "--json", check=True).stdout):
        found.setdefault(item["source"]["calendar"], set()).add(item["sphere"])
    return found


def test_a_personal_calendar_imported_as_work_gets_one_hint_line(  # type: ignore[no-untyped-def]
        cli, tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parent.parent / "examples"
    work = cli("import", str(examples / "work.ics"), check=True).stdout
    assert work.splitlines() == [
        "work: 15 new, 0 updated (0 moved), 0 removed, 0 unchanged, 0 skipped"]
    # Named for nothing in particular, but its events are evenings, weekends, school runs
    # (a New York meeting at 10:00 there is work time: it counts in its own zone).
    mine = tmp_path / "mine.ics"
    mine.write_bytes((examples / "personal.ics").read_bytes().replace(
        b"X-WR-CALNAME:Home", b"X-WR-CALNAME:Calendar"))
    out = cli("import", str(mine), check=True).stdout
    assert out.splitlines()[1:] == [
        "  Imported as work, though 5 of its 7 timed events are outside work hours. If",
        "    this is your personal calendar: planner calendars sphere mine personal"]
    # Its name says so (the file's, or the X-WR-CALNAME inside).
    family = tmp_path / "Family stuff.ics"
    family.write_text(SOUND_AND_MESSAGE)
    said = cli("import", str(family), check=True).stdout
    assert "though its name says 'family'" in said
    assert "planner calendars sphere 'Family stuff' personal" in said.replace("\n    ", " ")
    # Said once: not on a re-import, not when --sphere was given.
    assert "Imported as work" not in cli("import", str(mine), check=True).stdout
    cli("calendars", "remove", "mine", check=True)
    assert "Imported as work" not in cli("import", str(mine), "--sphere", "work",
                                         check=True).stdout
    # The command it names moves the calendar and its events; undo moves them back.
    assert _spheres(cli)["mine"] == {"work"}
    moved = cli("calendars", "sphere", "mine", "personal", check=True).stdout
    assert moved.startswith("mine is in personal now, with its events.")
    assert _spheres(cli) == {"mine": {"personal"}, "work": {"work"},
                             "Family stuff": {"work"}}
    assert "personal" in cli("calendars", check=True).stdout.split("mine", 1)[1].split()[0]
    # A later import of the file keeps the calendar where it was put.
    mine.write_bytes(mine.read_bytes().replace(b"SUMMARY:Gym", b"SUMMARY:Gym (new)"))
    cli("import", str(mine), check=True)
    assert _spheres(cli)["mine"] == {"personal"}
    cli("undo", check=True)  # the re-import
    cli("undo", check=True)  # the move
    assert _spheres(cli)["mine"] == {"work"}
    cli("redo", check=True)
    assert _spheres(cli)["mine"] == {"personal"}


def test_calendar_sphere_mistakes_are_one_sentence(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ics = tmp_path / "health.ics"
    ics.write_text(SOUND_AND_MESSAGE)
    cli("import", str(ics), check=True)
    for args, message in [
        (("calendars", "sphere", "health", "leisure"), "Unknown sphere 'leisure'"),
        (("calendars", "sphere", "nope", "personal"), "No calendar named 'nope'"),
        (("calendars", "sphere", "health"), "sphere NAME SPHERE"),
        (("import", str(ics), "--calendar", "sphere", "--replace"), "is a command word"),
    ]:
        result = cli(*args)
        assert result.returncode in (1, 2), args
        assert message in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert "health is in work already." in cli("calendars", "sphere", "health", "work",
                                               check=True).stdout


def test_the_demo_calendars_say_where_they_came_from(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo")  # loads the week, then wants a terminal for the day view
    listed = cli("calendars", check=True).stdout
    assert "examples/work.ics (planner demo)" in listed
    assert "examples/personal.ics (planner demo)" in listed
    assert "/tmp" not in listed  # not the copy it was read from, gone by now
