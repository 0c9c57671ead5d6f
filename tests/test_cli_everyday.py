"""The everyday commands of issue #17, run as the installed `planner` (pinned clock, Berlin)."""

from __future__ import annotations

import json

import pytest


def _agenda(cli, *args: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return json.loads(cli("agenda", *args, "--json", check=True).stdout)


def _added_id(out: str) -> str:
    return out.strip().split("(")[-1].rstrip(")")


def _times(cli, first: str, days: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(i["title"], i["start"][5:16]) for i in _agenda(cli, first, "--days", str(days))]


def test_series_edits_from_the_command_line(cli) -> None:  # type: ignore[no-untyped-def]
    out = cli("add", "Standup", "--at", "mon 9:30", "--for", "15m", "--repeat",
              "FREQ=WEEKLY;BYDAY=MO,WE,FR", "--sphere", "work", check=True).stdout
    sid = _added_id(out)
    moved = cli("edit", sid, "--occurrence", "wed", "--at", "10:00", check=True)
    assert "the one on Wed 25 Nov" in moved.stdout
    gone = cli("rm", sid, "--occurrence", "2026-11-27", check=True)
    assert gone.stdout.startswith("Deleted Standup on Fri 27 Nov.")
    assert _times(cli, "2026-11-23", 7) == [("Standup", "11-23T09:30"),
                                            ("Standup", "11-25T10:00")]
    split = cli("edit", sid, "--occurrence", "2026-12-02", "--and-following", "--at", "11:00",
                "--title", "Standup v2", check=True)
    assert "from Wed 2 Dec on, as a new series" in split.stdout
    assert _times(cli, "2026-11-30", 5) == [("Standup", "11-30T09:30"),
                                            ("Standup v2", "12-02T11:00"),
                                            ("Standup v2", "12-04T11:00")]
    cli("rm", sid, "--occurrence", "2026-11-30", "--and-following", check=True)
    assert _times(cli, "2026-11-30", 5) == [("Standup v2", "12-02T11:00"),
                                            ("Standup v2", "12-04T11:00")]
    for _ in range(2):
        cli("undo", check=True)
    assert _times(cli, "2026-11-30", 5) == [("Standup", "11-30T09:30"),
                                            ("Standup", "12-02T09:30"),
                                            ("Standup", "12-04T09:30")]
    # The whole series, by time: every occurrence moves; the one moved on its own to
    # 10:00 keeps the time it was given.
    cli("edit", sid, "--at", "mon 8:00", check=True)
    assert _times(cli, "2026-11-23", 5) == [("Standup", "11-23T08:00"),
                                            ("Standup", "11-25T10:00")]
    assert _times(cli, "2026-11-30", 1) == [("Standup", "11-30T08:00")]
    everything = cli("rm", sid, check=True)
    assert everything.stdout.startswith("Deleted every Standup")
    assert _agenda(cli, "2026-11-23", "--days", "7") == []


def test_series_edit_mistakes_are_one_sentence(cli) -> None:  # type: ignore[no-untyped-def]
    sid = _added_id(cli("add", "Gym", "--at", "mon 18:00", "--repeat", "FREQ=WEEKLY",
                        check=True).stdout)
    once = _added_id(cli("add", "Dentist", "--at", "tue 9:00", check=True).stdout)
    cases = [
        (("rm", once, "--occurrence", "tue"), "does not repeat"),
        (("rm", sid, "--occurrence", "tue"), "no occurrence on Tue 24 Nov"),
        (("rm", sid, "--and-following"), "--and-following goes with --occurrence"),
        (("edit", sid, "--occurrence", "mon"), "Nothing to change"),
        (("edit", sid, "--occurrence", "mon", "--notes", "x"), "--notes changes the whole"),
        (("edit", sid, "--occurrence", "someday", "--title", "x"), ""),
    ]
    for args, message in cases:
        result = cli(*args)
        assert result.returncode in (1, 2), args
        assert message in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_repeat_in_words_on_add_and_edit(cli) -> None:  # type: ignore[no-untyped-def]
    added = cli("add", "Yoga", "--at", "18:00", "--repeat", "every tue, thu until 2026-12-03",
                check=True)
    assert "Tue 24 Nov 18:00–19:00 · every Tue and Thu until Thu 3 Dec 2026" in added.stdout
    days = [i["start"][:10] for i in _agenda(cli, "2026-11-23", "--days", "21")]
    assert days == ["2026-11-24", "2026-11-26", "2026-12-01", "2026-12-03"]
    lunch = _added_id(cli("add", "Lunch", "--at", "12:00", check=True).stdout)
    edited = cli("edit", lunch, "--repeat", "every weekday", check=True)
    assert "every weekday" in edited.stdout
    assert len([i for i in _agenda(cli, "2026-11-23", "--days", "7")
                if i["title"] == "Lunch"]) == 5
    cli("edit", lunch, "--repeat", "never", check=True)
    assert len([i for i in _agenda(cli, "2026-11-23", "--days", "7")
                if i["title"] == "Lunch"]) == 1
    bad = cli("add", "X", "--at", "9:00", "--repeat", "every blue moon")
    assert bad.returncode == 1 and "Don't understand 'blue'" in bad.stderr


def test_calendars_commands(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nX-WR-CALNAME:Calendar\r\n"
            "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n"
            "DTSTART:20261123T{h}0000Z\r\nDTEND:20261123T{h}3000Z\r\nSUMMARY:{t}\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "outlook.ics").write_text(body.format(uid="a1", h="10", t="Board"))
    (tmp_path / "b" / "outlook.ics").write_text(body.format(uid="b1", h="12", t="Client"))
    first = cli("import", str(tmp_path / "a" / "outlook.ics"), check=True)
    assert first.stdout.startswith("outlook: 1 new")
    refused = cli("import", str(tmp_path / "b" / "outlook.ics"))
    assert refused.returncode == 1 and "already comes from" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    cli("import", str(tmp_path / "b" / "outlook.ics"), "--calendar", "client", check=True)
    listing = cli("calendars", check=True).stdout
    assert "outlook" in listing and "client" in listing and "last refresh" in listing
    assert cli("calendars", "rename", "outlook", "Board", check=True).stdout == \
        "Renamed outlook to Board.\n"
    assert {i["source"]["calendar"] for i in _agenda(cli, "2026-11-23")} == {"Board", "client"}
    assert "hidden and takes no time" in cli("calendars", "hide", "client", check=True).stdout
    assert [i["title"] for i in _agenda(cli, "2026-11-23")] == ["Board"]
    assert "(hidden)" in cli("calendars", check=True).stdout
    cli("calendars", "show", "client", check=True)
    gone = cli("calendars", "remove", "Board", check=True)
    assert gone.stdout == "Removed Board (1 event). `planner undo` brings it back.\n"
    assert [i["title"] for i in _agenda(cli, "2026-11-23")] == ["Client"]
    cli("undo", check=True)
    assert [i["title"] for i in _agenda(cli, "2026-11-23")] == ["Board", "Client"]
    bad = cli("calendars", "remove")
    assert bad.returncode == 1 and "Usage: planner calendars" in bad.stderr


def test_remind_search_and_tasks_in_text_and_json(cli) -> None:  # type: ignore[no-untyped-def]
    cli("add", "Standup", "--at", "9:30", "--for", "15m", "--repeat", "every weekday",
        "--remind", "15m", "--remind", "1h", "--sphere", "work", check=True)
    cli("add", "Dentist", "--at", "tomorrow 8:45", "--remind", "30m", "--location",
        "Hauptstraße 5", check=True)
    text = cli("remind", check=True).stdout.splitlines()
    assert [line.split()[0] for line in text] == ["08:30", "09:15"]
    assert "Standup at 09:30 (1 h before, work)" in text[0]
    rows = json.loads(cli("remind", "--within", "1d", "--json", check=True).stdout)
    assert [(r["title"], r["remind_at"]) for r in rows] == [
        ("Standup", "2026-11-23T08:30:00+01:00"), ("Standup", "2026-11-23T09:15:00+01:00"),
        ("Dentist", "2026-11-24T08:15:00+01:00")]
    for key in ("id", "title", "start", "end", "all_day", "sphere", "kind", "source"):
        assert key in rows[0]
    dentist = next(i["id"] for i in _agenda(cli, "2026-11-24") if i["title"] == "Dentist")
    cli("edit", dentist, "--remind", "none", check=True)
    assert "Dentist" not in cli("remind", "--within", "1d", check=True).stdout
    cli("edit", rows[0]["id"], "--remind", "none", check=True)
    assert cli("remind", check=True).stdout == "No reminders in the next 1 h.\n"
    assert json.loads(cli("remind", "--json", check=True).stdout) == []

    found = cli("search", "HAUPTSTRASSE", check=True).stdout
    assert found.splitlines() == ["Tue 24 Nov 2026", found.splitlines()[1]]
    assert "Dentist" in found
    rows = json.loads(cli("search", "standup", "--from", "2026-11-23", "--to", "2026-11-25",
                          "--json", check=True).stdout)
    assert [r["start"][:10] for r in rows] == ["2026-11-23", "2026-11-24", "2026-11-25"]
    assert "Nothing found for 'xyzzy'." in cli("search", "xyzzy", check=True).stdout

    cli("add", "Write report", "--for", "2h", "--on", "today", "--by", "fri", "--sphere", "work",
        check=True)
    cli("add", "Call Anna", "--for", "20m", check=True)
    listing = cli("tasks", check=True).stdout
    assert listing.splitlines()[0] == "Due Fri 27 Nov"
    assert "No deadline" in listing and "Call Anna" in listing
    rows = json.loads(cli("tasks", "--json", check=True).stdout)
    assert [r["title"] for r in rows] == ["Write report", "Call Anna"]
    assert rows[0]["deadline"] == "2026-11-28T00:00:00+01:00" and rows[0]["reason"] is None
    for key in ("id", "title", "start", "end", "all_day", "sphere", "kind", "source",
                "deadline", "reason"):
        assert key in rows[0]


@pytest.mark.timeout(120)  # a hang guard, not a speed check
def test_a_ten_thousand_character_title_with_a_repeat_in_words(cli) -> None:  # type: ignore[no-untyped-def]
    title = ("every day weekly " * 700)[:10_000].strip()  # repeat words in the title itself
    out = cli("add", title, "--at", "mon 9:00", "--for", "15m", "--repeat", "every weekday",
              check=True).stdout
    (item,) = [i for i in _agenda(cli, "2026-11-23") if i["id"] == _added_id(out)]
    assert item["title"] == title and item["recurring"]
    bad = cli("add", "x", "--at", "mon 9:00", "--repeat", ("every mon " * 1100)[:10_000])
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
