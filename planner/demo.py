"""`planner demo`: load the example week into a home so there is something to see."""

from __future__ import annotations

import tomllib
from datetime import date, time, timedelta
from typing import TYPE_CHECKING, Any

from planner.resources import examples_dir

if TYPE_CHECKING:
    from planner.service import PlannerService

DEMO_CALENDARS = (("work.ics", "Acme (New York)", "work"), ("personal.ics", "home", "personal"))
_DEMO_TAG = "demo"


def load_demo(service: PlannerService) -> list[str]:
    """Import the example calendars and add the example tasks, once per home."""
    folder = examples_dir()
    lines = []
    known = set(service.store.calendar_names())
    for file_name, calendar, sphere in DEMO_CALENDARS:
        if calendar in known:
            continue
        report = service.import_calendar(str(folder / file_name), sphere=sphere,
                                         calendar=calendar)
        lines.append(report.summary)
    if not any(_DEMO_TAG in b.tags for b in service.store.user_blocks()):
        tasks = tomllib.loads((folder / "tasks.toml").read_text(encoding="utf-8"))["task"]
        today = service.today()
        for task in tasks:
            service.add(_task_block(service, task, today))
        lines.append(f"tasks: {len(tasks)} flexible blocks added around {today:%a %d %b}")
    return lines


def _task_block(service: PlannerService, task: dict[str, Any], today: date) -> Any:
    from planner.when import parse_duration

    day = today + timedelta(days=int(task["day_offset"]))
    earliest = (service.at(day, time.fromisoformat(task["earliest"]))
                if "earliest" in task else None)
    deadline = None
    if "deadline_offset_days" in task:
        deadline = service.at(today + timedelta(days=int(task["deadline_offset_days"])),
                              time.fromisoformat(task.get("deadline_time", "23:59")))
    return service.make_flexible(
        task["title"], parse_duration(task["duration"]), sphere=task["sphere"], day=day,
        earliest=earliest, deadline=deadline, part=task.get("part"),
        priority=int(task.get("priority", 0)),
        min_chunk=parse_duration(task["min_chunk"]) if "min_chunk" in task else None,
        energy=task.get("energy"), tags=(_DEMO_TAG,))
