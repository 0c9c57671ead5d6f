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
