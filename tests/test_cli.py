"""The installed `planner` command, end to end, with a pinned clock and zone."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _agenda(cli, *args: str) -> list[dict]:
    result = cli("agenda", *args, "--json", check=True)
    return json.loads(result.stdout)


def test_version_and_help(cli) -> None:
    assert cli("--version").stdout.startswith("planner ")
    help_text = cli("--help").stdout
    for command in ("add", "agenda", "plan", "import", "export", "insights", "restore"):
        assert command in help_text


def test_flexible_block_fits_around_fixed_work(cli) -> None:
    cli("add", "Team sync", "--at", "2026-11-23 09:00", "--for", "1h", "--sphere", "work",
        check=True)
    added = cli("add", "Bike repair", "--for", "2h", "--after", "2026-11-23 08:00",
                "--by", "2026-11-23 12:00", "--sphere", "personal")
    assert added.returncode == 0, added.stderr
    items = _agenda(cli, "2026-11-23")
    assert [(i["title"], i["start"], i["end"], i["kind"], i["sphere"]) for i in items] == [
        ("Team sync", "2026-11-23T09:00:00+01:00", "2026-11-23T10:00:00+01:00", "fixed", "work"),
        ("Bike repair", "2026-11-23T10:00:00+01:00", "2026-11-23T12:00:00+01:00", "flexible",
         "personal"),
    ]
    assert all(i["source"] is None and i["all_day"] is False for i in items)


def test_impossible_task_is_reported_with_reason_and_exit_status(cli) -> None:
    cli("add", "Workshop", "--at", "2026-11-23 09:00", "--for", "1h30", "--sphere", "work",
        check=True)
    added = cli("add", "Write report", "--for", "2h", "--after", "2026-11-23 09:00",
                "--by", "2026-11-23 11:00", "--sphere", "work")
    assert added.returncode == 3
    assert "not placed" in added.stdout
    plan = cli("plan", "2026-11-23")
    assert plan.returncode == 3
    assert "Not placed" in plan.stdout and "Write report" in plan.stdout
    reason = " ".join(plan.stdout.split())  # long reasons wrap at 80 columns
    assert "needs 2 h, the largest free slot before the deadline is 30 min" in reason
    assert all(len(line) <= 80 for line in plan.stdout.splitlines())
    assert [i["title"] for i in _agenda(cli, "2026-11-23")] == ["Workshop"]


def test_words_people_type(cli) -> None:
    cli("add", "Dentist", "--at", "tomorrow 14:00", "--for", "45m", check=True)
    cli("add", "Call plumber", "--at", "fri 9:30", "--for", "1h30", check=True)
    tuesday = _agenda(cli, "tomorrow")
    assert [(i["title"], i["start"]) for i in tuesday] == [
        ("Dentist", "2026-11-24T14:00:00+01:00")]
    friday = _agenda(cli, "2026-11-27")
    assert [(i["title"], i["start"], i["end"]) for i in friday] == [
        ("Call plumber", "2026-11-27T09:30:00+01:00", "2026-11-27T11:00:00+01:00")]
    added = cli("add", "Read paper", "--for", "1h", "--part", "afternoon", "--on", "fri",
                "--sphere", "work", check=True)
    assert "Fri 27 Nov 13:00" in added.stdout or "Fri 27 Nov 1" in added.stdout


def test_edit_done_rm_undo_redo(cli) -> None:
    out = cli("add", "Gym", "--at", "2026-11-23 18:00", "--for", "1h", check=True).stdout
    block_id = out.strip().split("(")[-1].rstrip(")")
    cli("edit", block_id, "--title", "Gym class", "--at", "2026-11-23 19:00", check=True)
    assert [(i["title"], i["start"]) for i in _agenda(cli, "2026-11-23")] == [
        ("Gym class", "2026-11-23T19:00:00+01:00")]
    cli("rm", block_id, check=True)
    assert _agenda(cli, "2026-11-23") == []
    assert "Undid" in cli("undo", check=True).stdout
    assert [i["title"] for i in _agenda(cli, "2026-11-23")] == ["Gym class"]
    cli("undo", check=True)
    assert [i["start"] for i in _agenda(cli, "2026-11-23")] == ["2026-11-23T18:00:00+01:00"]
    cli("redo", check=True)
    assert [i["start"] for i in _agenda(cli, "2026-11-23")] == ["2026-11-23T19:00:00+01:00"]


def test_done_flexible_leaves_plan(cli) -> None:
    out = cli("add", "Groceries", "--for", "30m", "--on", "2026-11-23", check=True).stdout
    block_id = out.strip().split("(")[-1].rstrip(")")
    cli("done", block_id, check=True)
    items = _agenda(cli, "2026-11-23")
    assert items and items[0]["done"] is True


def test_text_agenda_fits_80_columns(cli) -> None:
    cli("add", "A very long title that goes on and on about quarterly planning matters",
        "--at", "2026-11-23 09:00", "--sphere", "work", check=True)
    cli("add", "Walk", "--for", "30m", "--on", "2026-11-23", check=True)
    lines = cli("agenda", "2026-11-23", check=True).stdout.splitlines()
    assert lines[0].startswith("Mon 23 Nov 2026")
    assert all(len(line) <= 80 for line in lines), lines
    assert any("■" in line and "work" in line for line in lines)
    assert any("○" in line and "personal" in line for line in lines)


def test_import_examples_then_export_and_reimport(cli, tmp_path: Path) -> None:
    work = ROOT / "examples" / "work.ics"
    first = cli("import", str(work), "--sphere", "work", "--calendar", "work", check=True)
    assert first.stdout.startswith("work: ") and " new" in first.stdout
    again = cli("import", str(work), "--sphere", "work", "--calendar", "work", check=True)
    assert "0 new, 0 updated (0 moved), 0 removed" in again.stdout
    items = _agenda(cli, "2026-11-23")
    standup = [i for i in items if "stand-up" in i["title"].lower()]
    assert standup and standup[0]["start"] == "2026-11-23T15:30:00+01:00"
    assert standup[0]["source"]["calendar"] == "work"
    out = tmp_path / "out.ics"
    exported = cli("export", str(out), "--from", "2026-11-23", "--to", "2026-11-29", check=True)
    assert "Exported" in exported.stdout
    assert out.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")


def test_insights_json_shape(cli) -> None:
    cli("add", "Meeting", "--at", "2026-11-23 16:00", "--for", "3h", "--sphere", "work",
        check=True)
    cli("add", "Dinner", "--at", "2026-11-23 19:00", "--for", "1h", check=True)
    data = json.loads(cli("insights", "2026-11-23", "--json", check=True).stdout)
    day = data[0]
    assert day["date"] == "2026-11-23"
    assert day["minutes_by_sphere"] == {"work": 180, "personal": 60}
    assert day["switches"] == 1
    assert day["bleed_minutes"] == 90  # 17:30-19:00 is protected time by default
    week = json.loads(cli("insights", "2026-11-23", "--week", "--json", check=True).stdout)
    assert len(week) == 7


def test_bad_input_is_one_sentence_and_changes_nothing(cli, home: Path) -> None:
    cli("add", "Anchor", "--at", "2026-11-23 09:00", check=True)
    before = (home / "planner.json").read_bytes()
    cases = [
        ("add", "X", "--at", "fryday 9:00"),
        ("add", "X", "--for=-1h"),
        ("add", "X", "--at", "9:00", "--sphere", "hobby"),
        ("agenda", "31 feb"),
        ("rm", "nope"),
    ]
    for args in cases:
        result = cli(*args)
        assert result.returncode == 1, (args, result)
        assert result.stderr.startswith("planner: ")
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert (home / "planner.json").read_bytes() == before


def test_bad_config_names_the_key(cli, home: Path) -> None:
    (home / "config.toml").write_text('[day]\nstart = "7am"\n')
    result = cli("agenda")
    assert result.returncode == 1
    assert "day.start" in result.stderr and "config.toml" in result.stderr
