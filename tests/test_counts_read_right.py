"""A count and its noun agree everywhere: "1 event", "2 events" (never "1 events")."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from planner.core.wording import counted, noun


def test_counted_and_noun() -> None:
    assert counted(1, "event") == "1 event"
    assert counted(2, "event") == "2 events"
    assert counted(0, "event") == "0 events"
    assert counted(1, "series", "series") == "1 series"
    assert noun(1, "has", "have") == "has" and noun(3, "has", "have") == "have"


def _calendar(events: int) -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//counts//EN\r\n"
            + "".join(f"BEGIN:VEVENT\r\nUID:e{n}@t\r\nDTSTAMP:20261101T000000Z\r\n"
                      f"DTSTART:20261124T{10 + n:02d}0000Z\r\nDTEND:20261124T{10 + n:02d}3000Z"
                      f"\r\nSUMMARY:Event {n}\r\nEND:VEVENT\r\n" for n in range(events))
            + "END:VCALENDAR\r\n")


@pytest.mark.parametrize("events, said", [(1, "1 event"), (2, "2 events")])
def test_export_calendars_and_remove_count_right(cli: Callable[..., Any], tmp_path: Path,
                                                 events: int, said: str) -> None:
    source = tmp_path / "team.ics"
    source.write_text(_calendar(events), newline="")
    cli("import", str(source), "--calendar", "Team", check=True)
    exported = cli("export", str(tmp_path / "out.ics"), check=True)
    assert exported.stdout.startswith(f"Exported {said} to "), exported.stdout
    listed = cli("calendars", check=True).stdout
    assert f" {said} " in listed and ("1 events" not in listed), listed
    removed = cli("calendars", "remove", "Team", check=True)
    assert f"({said})" in removed.stdout, removed.stdout
