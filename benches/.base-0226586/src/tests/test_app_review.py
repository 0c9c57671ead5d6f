"""The weekly review screen shows the same Markdown as `planner review`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import MarkdownViewer

from planner.app.demo import load_demo
from planner.app.service import PlannerService
from planner.ui.app import PlannerApp
from planner.ui.screens.review import ReviewScreen
from tests.conftest import ZONE, pinned_clock


def test_review_opens_from_the_day_view_and_closes(tmp_path: Path) -> None:
    service = PlannerService(tmp_path, tz=ZONE, clock=pinned_clock)
    load_demo(service)
    app = PlannerApp(service, user_themes=False)

    async def run() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("v")
            await pilot.pause()
            assert isinstance(app.screen, ReviewScreen)
            assert "Weekly review — Week of 23 Nov 2026" in app.screen.markdown
            assert app.screen.query_one(MarkdownViewer) is not None
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, ReviewScreen)

    asyncio.run(run())
