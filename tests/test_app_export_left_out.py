"""The app's export dialog names what the export leaves out, as `planner export` does.

A block stored by an older home with a rule no calendar file can hold
(``BYSETPOS=99999999999999999999``) is left out of the file and named in one sentence:
under the dialog's preview before anything is written, and in the notification after.
The rest is written. Berlin, Mon 23 Nov 2026 08:30; the machine's zone must not matter.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from icalendar import Calendar
from textual.widgets import Input, Static

from planner.app.service import PlannerService
from planner.ui.screens.transfer import ExportScreen
from tests.appdriver import Said, app_test, press, quiet_app, running, settle, wait_until
from tests.conftest import ZONE, pinned_clock

HUGE = 99999999999999999999


def _event(uid: str) -> str:
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
            "DTSTART:20261123T090000Z\r\nDTEND:20261123T100000Z\r\n"
            f"SUMMARY:{uid}\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n")


@pytest.fixture(autouse=True)
def _machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")


def home_with_a_rule_no_file_can_hold(tmp_path: Path) -> PlannerService:
    """'setpos' (a rule as an older home stored it) and 'weekly', in calendar 'Old'."""
    home = tmp_path / "home"
    source = tmp_path / "old.ics"
    source.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//old//EN\r\n"
                      + _event("setpos") + _event("weekly") + "END:VCALENDAR\r\n",
                      newline="")
    PlannerService(home, tz=ZONE, clock=pinned_clock).import_calendar(
        str(source), calendar="Old")
    (stored,) = (home / "calendars").glob("*.json")
    data = json.loads(stored.read_text())
    for table in data.values():
        for doc in table.values() if isinstance(table, dict) else ():
            if isinstance(doc, dict) and doc.get("title") == "setpos":
                doc["recurrence"]["rrule"] = f"FREQ=DAILY;BYSETPOS={HUGE}"
    stored.write_text(json.dumps(data))
    for derived in (home / "calendars").glob("*.days"):
        derived.unlink()  # an older home had no day index
    return PlannerService(home, tz=ZONE, clock=pinned_clock)


@app_test
async def test_the_export_dialog_says_what_it_leaves_out(tmp_path: Path) -> None:
    service = home_with_a_rule_no_file_can_hold(tmp_path)
    out = tmp_path / "week.ics"
    said = Said()
    async with running(quiet_app(service), (80, 24), said) as pilot:
        await press(pilot, "e")
        dialog = pilot.app.screen
        assert isinstance(dialog, ExportScreen)
        preview = dialog.query_one("#audience-preview", Static)
        await wait_until(pilot, lambda: "BEGIN:VEVENT" in str(preview.render()),
                         "the sample event")
        shown = " ".join(str(preview.render()).split())
        # Before anything is written, under the sample: which block, and why.
        assert "Left out 'setpos' (block " in shown and "no calendar file can hold" in shown
        assert str(HUGE) in shown
        dialog.query_one("#path", Input).value = str(out)
        await pilot.click("#ok")
        await settle(pilot)
        await wait_until(pilot, lambda: said.any("Exported"), "the export's report")
    (report,) = [m for m in said.messages if m.startswith("Exported")]
    assert report.startswith(f"Exported 1 event to {out}.")
    assert "Left out 'setpos' (block " in report and "no calendar file can hold" in report
    written = Calendar.from_ical(out.read_bytes())
    assert [str(e["SUMMARY"]) for e in written.walk("VEVENT")] == ["weekly"]
