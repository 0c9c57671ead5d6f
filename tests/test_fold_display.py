"""Times the clocks show twice read as what they are (the autumn fold).

The night the clocks go back (Europe/Berlin, last Sunday of October, 03:00 CEST -> 02:00
CET) every time from 02:00 to 02:59 happens twice. A half-hour block from the first 02:30
printed "02:30–02:00", ending before it began. Such a time now carries the zone's own
abbreviation, on both ends of its span: "02:30 CEST–02:00 CET" (khal and GNOME Calendar
print the bare clock times; an offset such as +02:00 is exact but harder to read). Every
other time is printed as before. Tested in `agenda` (and the sentences about double
bookings) and in the day view.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len

from planner.app.service import PlannerService
from planner.core.moments import clock_span, happens_twice, wall_clock
from planner.ui.screens.day import DayScreen
from planner.ui.widgets.timeline import Timeline
from tests.appdriver import app_test, press, quiet_app, running, settle

BERLIN = ZoneInfo("Europe/Berlin")
FOLD_DAY = date(2026, 10, 25)
FIRST_0230 = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST; 01:30 UTC is 02:30 CET


def local(instant: datetime, zone: ZoneInfo = BERLIN) -> datetime:
    return instant.astimezone(zone)


def test_only_a_time_shown_twice_names_its_zone() -> None:
    first, second = local(FIRST_0230), local(FIRST_0230 + timedelta(hours=1))
    assert (wall_clock(first), wall_clock(second)) == ("02:30 CEST", "02:30 CET")
    assert happens_twice(first) and happens_twice(second)
    half_hour = local(FIRST_0230 + timedelta(minutes=30))
    assert clock_span(first, half_hour) == "02:30 CEST–02:00 CET"
    # One end in the fold is enough to name both: two hours from 01:30 (CEST).
    assert clock_span(local(FIRST_0230 - timedelta(hours=1)),
                       local(FIRST_0230 + timedelta(hours=1))) == "01:30 CEST–02:30 CET"
    # New York's fold is 01:00–01:59 on the first Sunday of November.
    york = ZoneInfo("America/New_York")
    start = datetime(2026, 11, 1, 1, 30, tzinfo=york)
    assert clock_span(start, local(start.astimezone(UTC) + timedelta(minutes=30), york)) \
        == "01:30 EDT–01:00 EST"
    # Everything else as before: an ordinary night, the spring gap's edges, floating time.
    assert clock_span(local(FIRST_0230 + timedelta(hours=3)),
                      local(FIRST_0230 + timedelta(hours=4))) == "04:30–05:30"
    spring = datetime(2027, 3, 28, 1, 30, tzinfo=BERLIN)
    assert clock_span(spring, local(spring.astimezone(UTC) + timedelta(hours=1))) \
        == "01:30–03:30"
    assert not happens_twice(datetime(2027, 3, 28, 2, 30, tzinfo=BERLIN))  # never shown
    assert clock_span(datetime(2026, 10, 25, 2, 30), datetime(2026, 10, 25, 3)) \
        == "02:30–03:00"


def test_agenda_prints_the_fold_readably(cli: Callable[..., Any]) -> None:
    cli("add", "Fold", "--at", "2026-10-25 02:30", "--for", "30m", check=True)
    added = cli("add", "Across the change", "--at", "2026-10-25 01:30", "--for", "2h",
                check=True).stdout
    assert "Sun 25 Oct 01:30 CEST–02:30 CET" in added
    assert "Double-booked with 'Fold' 02:30 CEST–02:00 CET on Sun 25 Oct" in \
        " ".join(added.split())
    cli("add", "Breakfast", "--at", "2026-10-25 09:00", "--for", "1h", check=True)
    lines = cli("agenda", "2026-10-25", check=True).stdout.splitlines()
    rows = [line[:-len(line.split()[-1])].rstrip() for line in lines[1:4]]  # ids vary
    assert rows == [
        " !01:30 CEST–02:30 CET ■ Across the change               personal",
        " !02:30 CEST–02:00 CET ■ Fold                            personal",
        "  09:00–10:00 ■ Breakfast                                personal",
    ]
    assert all(cell_len(line) <= 80 for line in lines)
    # The day after: ordinary times, as before.
    cli("add", "Run", "--at", "2026-10-26 07:00", "--for", "30m", check=True)
    assert "  07:00–07:30 ■ Run " in cli("agenda", "2026-10-26", check=True).stdout


@pytest.fixture(autouse=True)
def _machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Australia/Lord_Howe")  # a half-hour DST of its own


def _timeline_text(timeline: Timeline) -> str:
    return "\n".join(timeline.render_line(y).text for y in range(timeline.size.height))


@app_test
async def test_the_day_view_names_the_zone_in_the_fold(tmp_path: Path) -> None:
    now = datetime(2026, 10, 20, 6, 30, tzinfo=UTC)
    service = PlannerService(tmp_path / "home", tz="Europe/Berlin", clock=lambda: now)
    start = local(FIRST_0230)
    service.add(service.make_fixed("Fold", start, local(FIRST_0230 + timedelta(minutes=30)),
                                   sphere="personal"))
    async with running(quiet_app(service, start_day=FOLD_DAY), (100, 30)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, DayScreen) and screen.day == FOLD_DAY
        timeline = screen.query_one(Timeline)
        assert timeline.scroll_offset.y <= 2 * 4  # opened on its 02:30 block
        text = _timeline_text(timeline)
        assert "■P 02:30 CEST Fold" in text
        assert "02:30 CEST–02:00 CET · 30m · personal" in text
        assert "02:30–02:00" not in text
        await press(pilot, "j")
        side = str(screen.query_one("#side-details").render())
        assert "Sun 25 Oct 02:30 CEST–02:00 CET" in side
