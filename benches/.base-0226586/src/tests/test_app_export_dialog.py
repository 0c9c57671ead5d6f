"""The export dialog at 80x24: every field visible, and "personal as Busy" really applies."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Button, Checkbox, Input

from planner.app.demo import load_demo
from planner.app.service import PlannerService
from planner.ui.app import PlannerApp
from tests.conftest import ZONE, pinned_clock


def test_personal_as_busy_checkbox_is_shown_and_exports_busy(tmp_path: Path) -> None:
    service = PlannerService(tmp_path / "home", tz=ZONE, clock=pinned_clock)
    load_demo(service)
    out = tmp_path / "shared.ics"
    app = PlannerApp(service, user_themes=False)

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("e")
            await pilot.pause()
            box = app.screen.query_one("#busy-only", Checkbox)
            ok = app.screen.query_one("#ok", Button)
            # Regression: the checkbox once shared an id with the day view's progress bar,
            # took its one-row height and docked below the buttons with no label.
            assert box.size.height == 1 and box.region.y < ok.region.y
            app.screen.query_one("#path", Input).value = str(out)
            box.value = True
            await pilot.click("#ok")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()

    asyncio.run(run())
    text = out.read_text(encoding="utf-8")
    assert "SUMMARY:Busy" in text
    assert "Family dinner" not in text and "School run" not in text
    assert "Daily stand-up" in text
