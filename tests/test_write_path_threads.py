"""One write path: a second thread waits for the first, it never joins its transaction.

The day screen runs planning, imports and exports in background threads while keys stay
live. A write made on another thread while a background transaction was open used to
join that transaction without the lock; when the background job then failed, the store
reloaded from disk and the other thread's write was gone although ``add`` had returned.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from planner.app.service import PlannerService

NOW = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
WAIT = 30.0  # generous: a condition is awaited, never a time


def wait_until(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


class Boom(Exception):
    pass


def make(home: Path) -> PlannerService:
    return PlannerService(home, tz="Europe/Berlin", clock=lambda: NOW)


def test_a_write_on_another_thread_survives_a_failed_background_transaction(
        tmp_path: Path) -> None:
    service = make(tmp_path)
    inside = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def background_job() -> None:
        try:
            with service.session.store.transaction():
                inside.set()
                assert release.wait(WAIT)
                raise Boom("the background job failed")
        except Boom:
            pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    worker = threading.Thread(target=background_job)
    worker.start()
    assert inside.wait(WAIT)

    added: list[str] = []

    def quick_add() -> None:
        start = datetime(2026, 11, 24, 9, tzinfo=UTC)
        block = service.make_fixed("Dentist", start, start + timedelta(hours=1),
                                   sphere="personal")
        added.append(service.add(block).id)

    adder = threading.Thread(target=quick_add)
    adder.start()
    # Wait until the adder is either done (the old bug: it wrote inside the open
    # transaction) or queued behind it (the fix).
    assert wait_until(lambda: not adder.is_alive()
                      or getattr(service.session.store, "writers_waiting", 0) > 0)
    release.set()
    worker.join(WAIT)
    adder.join(WAIT)
    assert not worker.is_alive() and not adder.is_alive()
    assert not errors
    assert added, "add did not return"
    fresh = make(tmp_path)
    assert fresh.session.store.get(added[0]) is not None, "the acknowledged write was lost"


def test_writes_outside_a_transaction_are_refused(tmp_path: Path) -> None:
    service = make(tmp_path)
    start = datetime(2026, 11, 24, 9, tzinfo=UTC)
    block = service.make_fixed("x", start, start + timedelta(hours=1), sphere="work")
    inside = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with service.session.store.transaction():
            inside.set()
            release.wait(WAIT)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert inside.wait(WAIT)
        # Another thread's open transaction is not ours: a bare put must not slip into it.
        with pytest.raises(RuntimeError):
            service.session.store.put(block)
    finally:
        release.set()
        thread.join(WAIT)


def test_what_a_change_moved_is_not_cleared_by_a_write_on_another_thread(
        tmp_path: Path) -> None:
    # The app reads a change's "Moved ..." notices right after its write; a sync or a
    # catch-up write on another thread in between used to clear them first.
    from datetime import date
    from datetime import time as clock_time

    eight = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin
    service = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: eight)
    monday = date(2026, 11, 23)
    service.add(service.make_fixed("Busy", service.at(monday, clock_time(10)),
                                   service.at(monday, clock_time(22)), sphere="work"))
    service.add(service.make_flexible("Tidy up", timedelta(hours=1), sphere="personal"))
    service.add(service.make_flexible(
        "Prepare talk", timedelta(hours=2), sphere="personal",
        deadline=service.at(monday, clock_time(10))))
    moved = service.plan_notices()
    assert any(line.startswith("Moved 'Tidy up'") for line in moved), moved

    other = threading.Thread(target=lambda: service.add(service.make_fixed(
        "Dentist", service.at(monday + timedelta(days=4), clock_time(9)),
        service.at(monday + timedelta(days=4), clock_time(10)), sphere="personal")))
    other.start()
    other.join(WAIT)
    assert not other.is_alive()
    assert service.plan_notices() == moved
