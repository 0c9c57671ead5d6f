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
