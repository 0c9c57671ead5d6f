"""Driving the real app in Pilot tests: build it quiet, let its jobs finish, read what it said.

Every Pilot test goes through here so nondeterminism is pinned in one place: no
animations (set on the instance, where Textual keeps it), the machine's zone set to one
that must not matter, and notifications recorded from the messages the app really
handled (``run_test(message_hook=...)``), not from Textual's private lists.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot

from planner.app.service import PlannerService
from planner.ui.app import PlannerApp

SETTLE_TIMEOUT = 30.0  # seconds; generous, only a hung job ever waits this long


def app_test(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test without an async pytest plugin."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return run


def quiet_app(service: PlannerService, **kwargs: Any) -> PlannerApp:
    """The app as tests drive it: every frame follows from the input."""
    app = PlannerApp(service, user_themes=False, **kwargs)
    app.animation_level = "none"  # Textual sets it per instance in App.__init__
    return app


class Said:
    """What the app told the person: every notification it showed, in order."""

    def __init__(self) -> None:
        self.notifications: list[Notify] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.notifications.append(message)

    @property
    def messages(self) -> list[str]:
        return [n.notification.message for n in self.notifications]

    def severities(self) -> list[str]:
        return [n.notification.severity for n in self.notifications]

    def any(self, text: str) -> bool:
        return any(text in m for m in self.messages)


@asynccontextmanager
async def running(app: PlannerApp, size: tuple[int, int] = (80, 24), said: Said | None = None
                  ) -> AsyncIterator[Pilot[None]]:
    """``app.run_test``, notifications recorded in ``said``; settled on entry."""
    async with app.run_test(size=size, message_hook=said) as pilot:
        await settle(pilot)
        yield pilot


def _jobs_running(app: PlannerApp) -> bool:
    return any(worker.is_running for worker in app.workers)


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until every job the app started has finished and its messages were handled.

    A job's message can start another job (a save asks for the day to be read again),
    so this loops until a pass starts nothing new.
    """
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_TIMEOUT
    while True:
        await pilot.pause()
        if not _jobs_running(app):
            await pilot.pause()
            if not _jobs_running(app):
                return
        if loop.time() > deadline:
            raise AssertionError(f"jobs still running after {SETTLE_TIMEOUT}s: "
                                 f"{[w.name for w in app.workers if w.is_running]}")
        await app.workers.wait_for_complete()


async def press(pilot: Pilot[Any], *keys: str) -> None:
    """Press keys, then let whatever they started finish."""
    await pilot.press(*keys)
    await settle(pilot)


async def wait_until(pilot: Pilot[Any], condition: Callable[[], object],
                     what: str = "the condition", timeout: float = SETTLE_TIMEOUT) -> None:
    """Let the app run until ``condition()`` holds (for states a job keeps open)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout}s")
        await pilot.pause(0.02)
