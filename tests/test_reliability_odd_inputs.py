"""Issue #18, point 19: odd inputs end as one sentence naming the value, exit 1.

Invalid UTF-8 on the command line, huge numbers in config.toml, PLANNER_NOW at the
calendar's edge and a malformed address each used to end as "unexpected error" (exit 70);
a Ctrl+C while an export's temp file was being created left it behind.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from planner.app.service import PlannerService
from tests.conftest import PINNED_NOW, ZONE, pinned_clock, planner_command


def run(home: Path, *args: str | bytes, now: str = PINNED_NOW.isoformat()
        ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PLANNER_HOME": str(home), "PLANNER_NOW": now, "TZ": "UTC"}
    return subprocess.run([*planner_command(), "--tz", ZONE, *args], env=env, text=True,
                          capture_output=True, timeout=60)


def one_sentence(result: subprocess.CompletedProcess[str], *names: str) -> None:
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "unexpected" not in result.stderr and "Traceback" not in result.stderr
    for name in names:
        assert name in result.stderr, result.stderr


@pytest.mark.parametrize("args, shown", [
    ([b"add", b"\xff\xfe title", b"--at", b"tue 10:00"], r"\xff\xfe title"),
    ([b"add", b"Dentist", b"--at", b"tue 10:00", b"--notes", b"caf\xe9"], r"caf\xe9"),
    ([b"agenda", b"\xff"], r"\xff"),
    ([b"import", b"/tmp/caf\xe9.ics"], r"caf\xe9.ics"),
])
def test_invalid_utf8_arguments_are_named_and_nothing_is_saved(
        home: Path, args: list[bytes], shown: str) -> None:
    result = run(home, *args)
    one_sentence(result, shown, "UTF-8")
    assert not (home / "planner.json").exists()


def test_an_export_into_a_file_says_it_is_a_file_not_a_missing_folder(
        home: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine")
    assert run(home, "add", "Dentist", "--at", "tue 10:00").returncode == 0
    for command in (["export", str(blocker / "week.ics")], ["review", "-o", str(blocker / "r.md")]):
        one_sentence(run(home, *command), f"{blocker} is a file, not a folder")
    assert blocker.read_text() == "mine"


def test_a_path_that_is_not_utf8_still_works_where_it_is_only_a_path(
        home: Path, tmp_path: Path) -> None:
    out = os.fsencode(tmp_path) + b"/week-caf\xe9.ics"
    assert run(home, b"add", b"Dentist", b"--at", b"tue 10:00").returncode == 0
    result = run(home, b"export", out)
    assert result.returncode == 0, result.stderr
    assert b"BEGIN:VCALENDAR" in Path(os.fsdecode(out)).read_bytes()


@pytest.mark.parametrize("config, shown", [
    ("[day]\ngranularity = 99999999999999999999\n", "99999999999999999999"),
    ('[boundaries]\nbridge = "99999999999999999999h"\n', "99999999999999999999h"),
    ("[boundaries]\nbridge = 9223372036854775807\n", "9223372036854775807"),
    ("[sync]\nevery = 99999999999999999999\n", "99999999999999999999"),
])
def test_huge_config_numbers_are_named(home: Path, config: str, shown: str) -> None:
    (home / "config.toml").write_text(config)
    for command in (["agenda"], ["plan"], ["add", "Gym", "--for", "1h"]):
        one_sentence(run(home, *command), shown, "config.toml")


@pytest.mark.parametrize("now", ["9999-12-31T23:00:00+00:00", "9999-06-01T12:00:00+02:00",
                                 "0001-01-01T00:00:00+14:00"])
def test_planner_now_at_the_calendars_edge_is_named(home: Path, now: str) -> None:
    for command in (["agenda"], ["add", "Gym", "--for", "1h"], ["insights", "--week"]):
        one_sentence(run(home, *command, now=now), f"PLANNER_NOW='{now}'")


def test_bytes_that_are_not_utf8_in_the_environment_are_shown_as_bytes(
        home: Path, tmp_path: Path) -> None:
    """A surrogate-escaped value used to show as `\\udcff`; the byte is `\\xff`."""
    env = {**os.environ, "PLANNER_HOME": str(home), "TZ": "UTC"}
    now = subprocess.run([*planner_command(), "agenda"], capture_output=True, text=True,
                         env={**env, "PLANNER_NOW": b"2026-11-23\xff"}, timeout=60)
    one_sentence(now, r"PLANNER_NOW='2026-11-23\xff'", "ISO 8601")
    assert "udc" not in now.stderr
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    inside = os.fsencode(blocker) + b"/caf\xe9"
    homed = subprocess.run([*planner_command(), "agenda"], capture_output=True, text=True,
                           env={**env, "PLANNER_HOME": inside,
                                "PLANNER_NOW": PINNED_NOW.isoformat()}, timeout=60)
    one_sentence(homed, "a-file/caf\\xe9")
    assert "udc" not in homed.stderr


@pytest.mark.parametrize("address", ["http://[::1", "webcal://[::1/cal.ics",
                                     "https://[zz]/cal.ics", "http://[::1]:99999/cal.ics"])
def test_a_malformed_address_is_named(home: Path, address: str) -> None:
    one_sentence(run(home, "import", address), f"'{address}'", "not a valid address")


def test_a_malformed_address_never_shows_its_password(home: Path) -> None:
    result = run(home, "import", "https://me:s3cret@[::1/cal.ics")
    one_sentence(result, "not a valid address")
    assert "s3cret" not in result.stderr


def test_ctrl_c_as_the_export_temp_file_is_created_leaves_nothing_behind(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+C right after the syscall that creates the temp file (before its name
    reaches the writer) used to leave a hidden `.week.ics.*.tmp` beside the export."""
    service = PlannerService(home, tz=ZONE, clock=pinned_clock)
    start = service.at(PINNED_NOW.date(), PINNED_NOW.time().replace(hour=10))
    service.add(service.make_fixed("Dentist", start, start.replace(hour=11), sphere="personal"))
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "week.ics").write_text("the previous export")
    real_open = os.open

    def open_then_interrupted(path: object, *args: object, **kwargs: object) -> int:
        fd = real_open(path, *args, **kwargs)  # type: ignore[arg-type]
        if str(path).startswith(str(folder)) and str(path).endswith(".tmp"):
            raise KeyboardInterrupt
        return fd

    monkeypatch.setattr(os, "open", open_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        service.export(str(folder / "week.ics"), first=None, last=None)
    monkeypatch.undo()
    assert sorted(p.name for p in folder.iterdir()) == ["week.ics"]
    assert (folder / "week.ics").read_text() == "the previous export"


@pytest.mark.timeout(60)
def test_a_pipe_among_the_user_themes_is_skipped_by_name(tmp_path: Path) -> None:
    """The app reads every `themes/*.toml` as it opens: a named pipe there hung it."""
    from planner.adapters.resources import themes_dir
    from planner.ui.themes import load_themes

    user = tmp_path / "themes"
    user.mkdir()
    os.mkfifo(user / "stuck.toml")
    themes, messages = load_themes(themes_dir(), user)
    assert themes and messages == ["stuck.toml: cannot be read (not a regular file)."]


@pytest.mark.timeout(60)
def test_a_pipe_in_the_export_keys_place_is_replaced(tmp_path: Path) -> None:
    from planner.adapters.secret import KEY_FILE, home_secret

    os.mkfifo(tmp_path / KEY_FILE)
    key = home_secret(tmp_path)
    assert (tmp_path / KEY_FILE).is_file() and home_secret(tmp_path) == key


@pytest.mark.parametrize("config", [
    'theme = """planner-dark\nday = 1"""\n',  # a multi-line value a line edit would break
    "theme = 'planner-dark' # mine\n[day]\ntheme = 'x'\n",
])
def test_saving_the_theme_never_writes_a_config_that_reads_back_differently(
        home: Path, config: str) -> None:
    """The theme line is replaced by a line edit; where that would change anything but
    the theme, nothing is written and the message says what to set by hand (it used to
    end the app with a TOMLDecodeError)."""
    from planner.adapters.config import ConfigError, resolve_paths, save_top_level_setting

    home.mkdir(exist_ok=True)
    path = home / "config.toml"
    path.write_text(config)
    paths = resolve_paths(str(home))
    if "# mine" in config:  # an ordinary file: saved, the rest kept as written
        save_top_level_setting(paths, "theme", "planner-light")
        assert path.read_text() == config.replace("'planner-dark' # mine", '"planner-light"')
        return
    with pytest.raises(ConfigError, match='set theme = "planner-light" there by hand'):
        save_top_level_setting(paths, "theme", "planner-light")
    assert path.read_text() == config


@pytest.mark.parametrize("args, shown", [
    (["add", "Gym", "--for", "1h", "--priority", "99999999999999999999"], "99999999999999999999"),
    (["add", "Gym", "--for", "1h", "--priority", "-1"], "-1"),
    (["add", "Train", "--at", "tue 10:00", "--travel", "9999999999h"], "more than a day"),
    (["add", "Standup", "--at", "tue 10:00", "--repeat", "FREQ=DAILY;COUNT=99999999999999999999"],
     "COUNT 99999999999999999999 is too large"),
])
def test_numbers_a_block_cannot_hold_are_refused_in_one_sentence(
        home: Path, args: list[str], shown: str) -> None:
    """A 20-digit priority ended as "unexpected error" (orjson holds 64 bits); a travel
    time of a million years was saved and then broke `insights` and `review`; a 20-digit
    COUNT was saved and then made every `export` fail."""
    one_sentence(run(home, *args), shown)
    assert not (home / "planner.json").exists()


TRAVEL_ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
    "BEGIN:VEVENT\r\nUID:far@t\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261124T100000Z\r\n"
    "DTEND:20261124T110000Z\r\nSUMMARY:Far away\r\nX-PLANNER-TRAVEL:P99999999W\r\n"
    "END:VEVENT\r\nBEGIN:VEVENT\r\nUID:near@t\r\nDTSTAMP:20261101T000000Z\r\n"
    "DTSTART:20261124T140000Z\r\nDTEND:20261124T150000Z\r\nSUMMARY:Near\r\n"
    "X-PLANNER-TRAVEL:PT30M\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_an_imported_travel_time_beyond_a_day_is_dropped_with_a_note(
        home: Path, tmp_path: Path) -> None:
    path = tmp_path / "travel.ics"
    path.write_text(TRAVEL_ICS)
    imported = run(home, "import", "-v", str(path))
    assert imported.returncode == 0, imported.stderr
    assert "X-PLANNER-TRAVEL" in imported.stdout and "Far away" in imported.stdout
    for command in (["insights", "--week"], ["review"], ["plan", "2026-11-24"]):
        result = run(home, *command)
        assert result.returncode == 0, (command, result.stderr)
    items = json.loads(run(home, "agenda", "2026-11-24", "--json").stdout)
    assert {i["title"] for i in items} == {"Far away", "Near"}


def test_a_stored_travel_time_beyond_a_day_cannot_break_insights(home: Path) -> None:
    """A home saved before the bound may hold one: every command still works."""
    service = PlannerService(home, tz=ZONE, clock=pinned_clock)
    start = service.at(PINNED_NOW.date(), PINNED_NOW.time().replace(hour=10))
    block = service.make_fixed("Train", start, start.replace(hour=11), sphere="personal")
    service.add(block)
    main = home / "planner.json"
    main.write_bytes(main.read_bytes().replace(
        b'"title":"Train"', b'"title":"Train","travel":359999996400', 1))
    assert b"359999996400" in main.read_bytes()
    for command in (["insights", "--week"], ["review"], ["plan"], ["agenda"]):
        result = run(home, *command)
        assert result.returncode == 0, (command, result.stderr)
