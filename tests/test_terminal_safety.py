"""Text from data never acts on the terminal (issue #18, item 1).

A calendar's titles, locations and name, and the messages that quote them, come from
files nobody here controls. Printed raw, an event set the terminal's title, wrote to the
clipboard (OSC 52), blanked the screen and, with a newline, faked an agenda row. Every
front end shows such characters visibly; ``--json`` keeps the exact text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from planner.core.safetext import printable

Run = Callable[..., CompletedProcess[str]]

ESC, BEL, CSI8 = "\x1b", "\x07", "\x9b"
TITLE = (f"Standup {ESC}]0;pwned{BEL}{ESC}]52;c;cm0gLXJmIH4={BEL}{ESC}[2J"
         f"\u202eevil\u202c {CSI8}31mred")
FAKE_ROW = "Lunch\n  09:00–10:00 ■ Injected row"
CALENDAR = f"Team {ESC}[31mred"
LOCATION = f"Room {ESC}[5m1"
# What must never reach a terminal: C0 controls but the newline, DEL, C1 controls,
# bidi embeddings/overrides/isolates/marks, line and paragraph separators.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def ics_text(summary: str, second: str) -> str:
    def escaped(text: str) -> str:
        return text.replace("\\", "\\\\").replace("\n", "\\n").replace(",", "\\,")

    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hostile//EN\r\n"
            "BEGIN:VEVENT\r\nUID:a@hostile\r\nDTSTAMP:20261101T000000Z\r\n"
            "DTSTART:20261124T080000Z\r\nDTEND:20261124T090000Z\r\n"
            f"SUMMARY:{escaped(summary)}\r\nLOCATION:{escaped(LOCATION)}\r\nEND:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:b@hostile\r\nDTSTAMP:20261101T000000Z\r\n"
            "DTSTART:20261124T110000Z\r\nDTEND:20261124T120000Z\r\n"
            f"SUMMARY:{escaped(second)}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.ics"
    path.write_text(ics_text(TITLE, FAKE_ROW), encoding="utf-8")
    return path


def import_as_an_older_home(cli: Run, home: Path, source: Path, name: str) -> None:
    """Import ``source`` as calendar ``name``, which may hold control characters: planner
    now refuses such a name, but a home from before that rule may hold one."""
    assert cli("import", str(source), "--calendar", "Placeholder").returncode == 0
    for stored in (home / "calendars").glob("*.json"):
        stored.write_text(stored.read_text().replace('"Placeholder"', json.dumps(name)))
    for derived in (home / "calendars").glob("*.days"):
        derived.unlink()


def assert_safe(result: CompletedProcess[str]) -> None:
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        found = UNSAFE.search(text)
        assert found is None, f"{name} holds {found.group()!r}:\n{text}"


def test_printable_shows_every_unsafe_character_visibly() -> None:
    assert printable("plain title, ünïcode, emoji 👩‍👧") == "plain title, ünïcode, emoji 👩‍👧"
    assert printable(f"a{ESC}[2Jb") == "a\\x1b[2Jb"
    assert printable("one\ntwo\rthree\tfour") == "one\\ntwo\\rthree four"
    assert printable("one\ntwo", lines=True) == "one\ntwo"
    assert printable(f"{CSI8}31m \x7f \u202eevil \u2066x\u2069 \u2028") == (
        "\\x9b31m \\x7f \\u202eevil \\u2066x\\u2069 \\u2028")
    assert printable("\ud800 lone surrogate") == "\\ud800 lone surrogate"
    assert UNSAFE.search(printable(TITLE)) is None


def test_agenda_plan_calendars_and_import_show_data_visibly(cli: Run, hostile: Path,
                                                            home: Path) -> None:
    refused = cli("import", str(hostile), "--calendar", CALENDAR)  # no new name holds one
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
    assert_safe(refused)
    assert "Team \\x1b[31mred" in refused.stderr and "printable" in refused.stderr
    import_as_an_older_home(cli, home, hostile, CALENDAR)
    imported = cli("import", str(hostile))  # the file keeps its calendar
    assert imported.returncode == 0, imported.stderr
    assert_safe(imported)
    assert "Team \\x1b[31mred" in imported.stdout

    agenda = cli("agenda", "2026-11-24")
    assert_safe(agenda)
    rows = [line for line in agenda.stdout.splitlines() if line.startswith("  ") and "–" in line]
    assert len(rows) == 2, agenda.stdout  # the newline in a title fakes no row
    assert "\\x1b]0;pwned" in agenda.stdout and "Lunch\\n" in agenda.stdout

    plan = cli("plan", "2026-11-24")
    assert_safe(plan)
    assert "Lunch\\n" in plan.stdout

    listed = cli("calendars")
    assert_safe(listed)
    assert "Team \\x1b[31mred" in listed.stdout

    # A program reading --json gets the exact text.
    items = json.loads(cli("agenda", "2026-11-24", "--json").stdout)
    assert {i["title"] for i in items} == {TITLE, FAKE_ROW}
    assert {i["source"]["calendar"] for i in items} == {CALENDAR}
    assert LOCATION in {i["location"] for i in items}


def test_edits_and_errors_quoting_data_are_shown_visibly(cli: Run, tmp_path: Path) -> None:
    added = cli("add", TITLE, "--at", "2026-11-24 15:00", "--sphere", "work")
    assert added.returncode == 0, added.stderr
    assert_safe(added)
    block_id = json.loads(cli("agenda", "2026-11-24", "--json").stdout)[0]["id"]
    assert_safe(cli("rm", block_id))
    assert_safe(cli("undo"))

    missing = cli("import", str(tmp_path / f"no{ESC}]0;x{BEL}file.ics"))
    assert missing.returncode != 0
    assert_safe(missing)
    assert "\\x1b]0;x\\x07" in missing.stderr

    bad_sphere = cli("add", "x", "--sphere", f"{ESC}[2Jhome\u202e")
    assert bad_sphere.returncode == 1
    assert_safe(bad_sphere)


def test_messages_quoting_a_title_or_calendar_name_stay_on_one_line(
        cli: Run, hostile: Path, home: Path) -> None:
    """Undo, redo and the calendar commands print messages built from stored text: a
    newline in a title or a calendar's name used to split them, faking a second line."""
    name = f"Two\nLines {ESC}[2J"
    import_as_an_older_home(cli, home, hostile, name)
    items = json.loads(cli("agenda", "2026-11-24", "--json").stdout)
    fake = next(i["id"] for i in items if i["title"] == FAKE_ROW)
    shown = printable(name)
    for args, expected in [
            (("rm", fake), "Lunch\\n"), (("undo",), "Undid delete 'Lunch\\n"),
            (("redo",), "Redid delete 'Lunch\\n"), (("undo",), "Undid"),
            (("calendars", "hide", name), shown), (("calendars", "show", name), shown),
            (("calendars", "rename", name, "Team"), shown), (("undo",), shown),
            (("calendars", "remove", name), shown), (("undo",), shown)]:
        result = cli(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert_safe(result)
        assert result.stdout.count("\n") == 1 and expected in result.stdout, (args, result.stdout)
    listed = cli("calendars").stdout.splitlines()
    assert listed[0].startswith(shown) and " 2 events " in listed[0], listed


@pytest.mark.parametrize("name", [CALENDAR, "Two\nLines", "Bidi \u202eevil", " ", "list"])
def test_every_front_door_names_a_calendar_by_one_rule(
        cli: Run, hostile: Path, name: str) -> None:
    """`import --calendar` took control characters that `calendars rename` refused; now
    import, rename and `sync add` refuse the same names with the same sentence."""
    assert cli("import", str(hostile), "--calendar", "Team").returncode == 0
    said = set()
    for args in (("import", str(hostile), "--calendar", name),
                 ("calendars", "rename", "Team", name),
                 ("sync", "add", name, "http://127.0.0.1:9/cal/", "--sphere", "work")):
        result = cli(*args)
        assert result.returncode == 1 and result.stderr.count("\n") == 1, (args, result)
        assert_safe(result)
        said.add(result.stderr)
    assert len(said) == 1, said
    assert cli("calendars").stdout.splitlines()[0].startswith("Team ")


def test_a_name_made_from_a_file_name_drops_what_a_name_may_not_hold(
        cli: Run, hostile: Path) -> None:
    odd = hostile.with_name(f"Team {ESC}[2J\u202e.ics")
    hostile.rename(odd)
    imported = cli("import", str(odd))
    assert imported.returncode == 0, imported.stderr
    listed = cli("calendars").stdout
    assert listed.startswith("Team [2J  "), listed  # (its path shows as escapes)
    items = json.loads(cli("agenda", "2026-11-24", "--json").stdout)
    assert {i["source"]["calendar"] for i in items} == {"Team [2J"}
