"""The weekly review screen shows the same Markdown as `planner review`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import MarkdownViewer

from planner.app.service import PlannerService
from planner.ui.screens.review import ReviewScreen
from tests.appdriver import press, quiet_app, running
from tests.conftest import ZONE, pinned_clock


def test_review_opens_from_the_day_view_and_closes(tmp_path: Path) -> None:
    service = PlannerService(tmp_path, tz=ZONE, clock=pinned_clock)
    service.load_demo()
    app = quiet_app(service)

    async def run() -> None:
        async with running(app, (100, 30)) as pilot:
            await press(pilot, "v")
            assert isinstance(app.screen, ReviewScreen)
            assert "Weekly review — Week of 23 Nov 2026" in app.screen.markdown
            assert app.screen.query_one(MarkdownViewer) is not None
            await press(pilot, "escape")
            assert not isinstance(app.screen, ReviewScreen)

    asyncio.run(run())
