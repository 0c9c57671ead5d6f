"""In-process measurements for benches/run; prints one JSON object on stdout.

    python benches/inproc.py agenda --home H --tz Europe/Berlin --date 2025-03-12
    python benches/inproc.py edits  --home H ...   (works on a copy of H)
    python benches/inproc.py plan   --home H ...   (works on a copy of H)
    python benches/inproc.py app    --home H ...   (prints when it painted: benches/run
                                                   subtracts when it spawned the process)
    python benches/inproc.py touch  --home H ...   (one save elsewhere in time, in H)

Each mode runs in a fresh process so one measurement's caches don't help the next.
Times are seconds. The service gets a fixed clock (08:00 on --date) so "today" lies in
the generated range and edits re-plan the same days on every run.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import random
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter, process_time
from time import time as wall_clock
from typing import Any
from zoneinfo import ZoneInfo


def stats(samples: list[float], cpu: list[float] | None = None) -> dict[str, Any]:
    """Median, min, max of wall-clock samples; with ``cpu``, the median CPU time of the
    same operations (process_time: what other work on the machine moves least)."""
    found = {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
             "n": len(samples)}
    if cpu:
        found["cpu"] = statistics.median(cpu)
    return found


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = perf_counter()
    result = fn()
    return perf_counter() - t, result


def timed_cpu(fn: Callable[[], Any], cpu: list[float]) -> tuple[float, Any]:
    """``timed``, appending the CPU time the call took to ``cpu``."""
    c = process_time()
    t = perf_counter()
    result = fn()
    wall = perf_counter() - t
    cpu.append(process_time() - c)
    return wall, result


def make_service(home: Path, tz: str, day: date) -> Any:
    from planner.app.service import PlannerService

    moment = datetime.combine(day, time(8), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    return PlannerService(home, tz=tz, clock=lambda: moment)


def mode_agenda(args: argparse.Namespace) -> dict[str, Any]:
    day = date.fromisoformat(args.date)
    if args.cold:  # as after a save: no week of expanded series kept from before
        for folder in Path(args.home).glob("calendars/.weeks"):
            shutil.rmtree(folder)
    load, service = timed(lambda: make_service(args.home, args.tz, day))
    cpu = process_time()
    first, items = timed(lambda: service.agenda(day))
    first_cpu = process_time() - cpu
    second, _ = timed(lambda: service.agenda(day))
    for _ in range(20):  # warm-up
        service.agenda(day)
    same = [timed(lambda: service.agenda(day))[0] for _ in range(args.iters)]
    # Each day of two months once: the month cache of series is cold for the first day of
    # every month, so this shows the cost a user pays when paging through days.
    spread = [timed(lambda d=day + timedelta(days=k): service.agenda(d))[0]
              for k in range(1, 61)]
    week = [timed(lambda: service.agenda(day, 7))[0] for _ in range(args.iters // 4 or 1)]
    return {"load": load, "first": first, "first_cpu": first_cpu, "second": second,
            "same_day": stats(same), "other_days": stats(spread), "week": stats(week),
            "items": len(items)}


def mode_touch(args: argparse.Namespace) -> dict[str, Any]:
    """A save elsewhere in time, as a sync or an edit makes: one imported single event,
    ~200 days before --date, moved 5 minutes later (and back on the next call, so the
    store does not drift). Rewrites the calendar's file and day index; the weeks of
    expanded series around --date stay valid (their series did not change)."""
    day = date.fromisoformat(args.date)
    service = make_service(args.home, args.tz, day)
    far = day - timedelta(days=200)
    for occ in service.agenda(far, 7):
        block = occ.block
        if block.source is not None and not block.is_recurring and \
                block.source.recurrence_id is None and isinstance(block.start, datetime):
            sign = -1 if block.start.minute % 10 == 5 else 1
            t, _ = timed(lambda b=block, k=sign: service.move(b.id, timedelta(minutes=5 * k)))
            return {"moved": block.id, "save": t}
    return {"error": "no imported single event near that day"}


def _copy_home(home: Path, tz: str, day: date) -> Path:
    """A copy of ``home`` to change, as its owner would have it: the day indexes are
    stamped with their files' inodes, so a copy's are stale until one session has
    rebuilt them (it does so when it first reads a day)."""
    target = Path(tempfile.mkdtemp(prefix="planner-bench-")) / "home"
    shutil.copytree(home, target, ignore=shutil.ignore_patterns(".lock"))
    make_service(target, tz, day).agenda(day)
    return target


def mode_edits(args: argparse.Namespace) -> dict[str, Any]:
    day = date.fromisoformat(args.date)
    home = _copy_home(args.home, args.tz, day)
    try:
        service = make_service(home, args.tz, day)
        service.agenda(day)  # the app has the index built before the first edit
        add, move, delete, after = [], [], [], []
        cpu: dict[str, list[float]] = {"add": [], "move": [], "delete": []}
        for n in range(args.iters):
            start = service.at(day, time(6, 0)) + timedelta(minutes=5 * n)
            block = service.make_fixed(f"Bench edit {n}", start, start + timedelta(minutes=30),
                                       sphere="personal")
            t, block = timed_cpu(lambda b=block: service.add(b), cpu["add"])
            add.append(t)
            after.append(timed(lambda: service.agenda(day))[0])
            t, block = timed_cpu(lambda b=block: service.move(b.id, timedelta(minutes=30)),
                                 cpu["move"])
            move.append(t)
            after.append(timed(lambda: service.agenda(day))[0])
            delete.append(timed_cpu(lambda b=block: service.remove(b.id), cpu["delete"])[0])
            after.append(timed(lambda: service.agenda(day))[0])
        return {"add": stats(add, cpu["add"]), "move": stats(move, cpu["move"]),
                "delete": stats(delete, cpu["delete"]), "agenda_after_edit": stats(after)}
    finally:
        shutil.rmtree(home.parent, ignore_errors=True)


def _flexible_week(service: Any, days: list[date], count: int) -> list[Any]:
    rng = random.Random(7)
    parts = [None, None, "morning", "afternoon", "evening"]
    blocks = []
    for n in range(count):
        d = days[n % len(days)]
        deadline = (service.day_start(d + timedelta(days=rng.randint(0, 3)))
                    if rng.random() < 0.3 else None)
        blocks.append(service.make_flexible(
            f"Task {n}", timedelta(minutes=rng.choice((15, 15, 30, 30, 45, 60, 90))),
            sphere=rng.choice(("work", "work", "personal")), day=d, deadline=deadline,
            part=rng.choice(parts), priority=rng.choice((0, 0, 0, 1, 2))))
    return blocks


def mode_plan(args: argparse.Namespace) -> dict[str, Any]:
    from planner.core.scheduler import plan_horizon

    day = date.fromisoformat(args.date)
    monday = day - timedelta(days=day.weekday())
    days = [monday + timedelta(days=k) for k in range(7)]
    home = _copy_home(args.home, args.tz, day)
    try:
        service = make_service(home, args.tz, monday)
        # Every day a block may roll to is read once up front, as the week's were before:
        # the figure is the planner's own work, not the index's.
        fixed: dict[date, Any] = {}

        def fixed_on(d: date) -> Any:
            if d not in fixed:
                fixed[d] = service.fixed_between(*service.day_bounds(d))
            return fixed[d]

        flexible = _flexible_week(service, days, args.flexible)
        now = service.now()
        plan_horizon(flexible, zone=service.zone, settings=service.settings, now=now,
                     fixed_on=fixed_on)  # fills the day cache
        direct = []
        for _ in range(args.iters):
            t, result = timed(lambda: plan_horizon(flexible, zone=service.zone,
                                                   settings=service.settings, now=now,
                                                   fixed_on=fixed_on))
            direct.append(t)
        placed = len(result.placements)
        in_week = len({bid for bid, chunks in result.placements.items()
                       if chunks[0].start.date() <= days[-1]})
        fixed_by_day = {d: fixed_on(d) for d in days}
        session = getattr(service, "session", None)
        # The baseline planner (benches/run --baseline) had no Session yet.
        with (session.write() if session else service.store.transaction()) as store:
            for block in flexible:
                store.put(block)
        if session:
            session.invalidate()
        else:
            service._invalidate()
        via = [timed(lambda: service.plan(monday))[0] for _ in range(max(3, args.iters // 2))]
        return {"direct": stats(direct), "service": stats(via), "placed": placed,
                "placed_in_week": in_week, "days_read": len(fixed),
                "flexible": len(flexible),
                "fixed_in_week": sum(len(v) for v in fixed_by_day.values())}
    finally:
        shutil.rmtree(home.parent, ignore_errors=True)


async def _app_run(args: argparse.Namespace) -> dict[str, Any]:
    day = date.fromisoformat(args.date)
    from planner.ui.app import PlannerApp

    t0 = perf_counter()
    service = make_service(args.home, args.tz, day)
    kwargs = {}
    if "start_day" in inspect.signature(PlannerApp).parameters:
        kwargs["start_day"] = day
    app = PlannerApp(service, **kwargs)
    # Key to the first frame the app actually draws: Pilot's pause() also waits for the
    # worker that warms the next day, which a person never waits for.
    frames: list[float] = []
    # The first frame drawn with the day's items on the timeline: what a person sees
    # first (the read of the neighbouring days goes on after it).
    day_drawn: list[tuple[float, float, float]] = []  # perf counter, wall clock, CPU
    display = getattr(app, "_display", None)
    if display is not None:
        def record(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is not None:
                frames.append(perf_counter())
                if not day_drawn and _timeline_items(app):
                    day_drawn.append((perf_counter(), wall_clock(), process_time()))
        app._display = record  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        while any(w.is_running for w in app.workers):  # the day is read by a job
            await app.workers.wait_for_complete()
            await pilot.pause()
        first_paint = perf_counter() - t0
        painted_at = wall_clock()
        if day_drawn:
            first_paint = day_drawn[0][0] - t0
            painted_at = day_drawn[0][1]
        changes, to_frame = [], []
        for _ in range(args.iters):
            frames.clear()
            t = perf_counter()
            await pilot.press("right")
            await pilot.pause()
            changes.append(perf_counter() - t)
            if frames:
                to_frame.append(frames[0] - t)
    result = {"first_paint": first_paint, "painted_at": painted_at,
              "cpu_at_paint": day_drawn[0][2] if day_drawn else None,
              "day_change": stats(changes), "day_change_samples": changes}
    if to_frame:
        result["key_to_frame"] = stats(to_frame)
        result["key_to_frame_samples"] = to_frame
    return result


def _timeline_items(app: Any) -> int:
    from planner.ui.widgets.timeline import Timeline

    try:
        return len(app.screen.query_one(Timeline).data.items)
    except Exception:  # no day screen (yet)
        return 0


def mode_app(args: argparse.Namespace) -> dict[str, Any]:
    t = perf_counter()
    try:
        import planner.ui.app  # noqa: F401
    except Exception as exc:  # the app is being written; the report says "pending"
        return {"pending": f"{type(exc).__name__}: {exc}"}
    imported = perf_counter() - t
    try:
        return {**asyncio.run(_app_run(args)), "import_app": imported}
    except Exception as exc:
        return {"pending": f"app failed under Pilot: {type(exc).__name__}: {exc}"}


MODES = {"agenda": mode_agenda, "edits": mode_edits, "plan": mode_plan, "app": mode_app,
         "touch": mode_touch}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--tz", default="Europe/Berlin")
    parser.add_argument("--date", required=True)
    parser.add_argument("--iters", type=int, default=100)
    parser.add_argument("--flexible", type=int, default=500)
    parser.add_argument("--cold", action="store_true",
                        help="agenda: drop the weeks of expanded series kept on disk first")
    args = parser.parse_args()
    json.dump(MODES[args.mode](args), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
