"""The export dialog at 80x24: every field visible, the audience applies, and the sample
event shown before writing is exactly what the file then holds."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Button, Input, Select, Static

from planner.app.service import PlannerService
from planner.ui.app import PlannerApp
from tests.appdriver import press, quiet_app, running, settle
from tests.conftest import ZONE, pinned_clock


def _preview_text(app: PlannerApp) -> str:
    return str(app.screen.query_one("#audience-preview", Static).render())


def test_the_audience_is_previewed_then_applied(tmp_path: Path) -> None:
    service = PlannerService(tmp_path / "home", tz=ZONE, clock=pinned_clock)
    service.load_demo()
    out = tmp_path / "shared.ics"
    app = quiet_app(service)
    previews: dict[str, str] = {}

    async def run() -> None:
        async with running(app, (80, 24)) as pilot:
            await press(pilot, "e")
            audience = app.screen.query_one("#audience", Select)
            ok = app.screen.query_one("#ok", Button)
            assert audience.size.height >= 1 and audience.region.y < ok.region.y
            previews["me"] = _preview_text(app)
            audience.value = "colleagues"
            await settle(pilot)
            previews["colleagues"] = _preview_text(app)
            app.screen.query_one("#path", Input).value = str(out)
            await pilot.click("#ok")
            await settle(pilot)

    asyncio.run(run())
    me, colleagues = previews["me"], previews["colleagues"]
    assert "goes out in full:" in me and "BEGIN:VEVENT" in me
    assert "goes out as Busy:" in colleagues and "SUMMARY:Busy" in colleagues
    sample = me.split("'")[1]  # the sample's own title, shown to the user only
    assert f"SUMMARY:{sample}" in me and sample not in colleagues.split(":\n", 1)[1]
    text = out.read_text(encoding="utf-8")
    assert "SUMMARY:Busy" in text
    assert "Family dinner" not in text and "School run" not in text
    assert "Daily stand-up" in text
    # What the preview showed is what was written (DTSTAMP aside: it is the export time).
    shown = [line for line in colleagues.split(":\n", 1)[1].splitlines()
             if not line.startswith("DTSTAMP")]
    written = text.replace("\r\n ", "").replace("\r\n", "\n")
    assert shown and all(line in written for line in shown)
