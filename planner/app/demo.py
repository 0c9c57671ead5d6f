"""`planner demo`: load the example week into a home so there is something to see."""

from __future__ import annotations

import re
import tempfile
import tomllib
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from planner.adapters.resources import examples_dir
from planner.app import editing, importing
from planner.app.session import Session
from planner.core.errors import PlannerError
from planner.core.model import Block
from planner.core.when import parse_duration
from planner.core.wording import counted

DEMO_CALENDARS = (("work.ics", "Northwind (New York)", "work"),
                  ("personal.ics", "home", "personal"))
# The Monday of the week the example files were written for; one-off events are
# moved by whole weeks so the demo week always lands around the day it is run.
EXAMPLE_WEEK = date(2026, 11, 23)
_ONE_OFF_LINE = re.compile(r"^(DTSTART|DTEND)([;:][^\r\n]*?)(\d{8})", re.MULTILINE)
_DEMO_TAG = "demo"
DEMO_ORIGIN = "examples/{} (planner demo)"


def load_demo(session: Session) -> list[str]:
    """Import the example calendars and add the example tasks, once per home.

    Only into a home that is empty or holds the demo already: the example week must
    never mix with a person's own blocks.
    """
    folder = examples_dir()
    lines = []
    known = set(session.store.calendar_names())
    demo_calendars = {calendar for _, calendar, _ in DEMO_CALENDARS}
    own = [b for b in session.store.user_blocks() if _DEMO_TAG not in b.tags]
    if own or known - demo_calendars:
        raise PlannerError(
            f"This home ({session.paths.data}) already holds your own blocks, so the example "
            "week stays out of it; run it in a home of its own, e.g. "
            "`planner --home /tmp/planner-demo demo`.")
    for file_name, calendar, sphere in DEMO_CALENDARS:
        if calendar in known:
            continue
        shifted = _shift_one_offs((folder / file_name).read_text(encoding="utf-8"),
                                  session.today())
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / file_name
            path.write_text(shifted, encoding="utf-8", newline="")
            report = importing.import_calendar(session, str(path), sphere=sphere,
                                                calendar=calendar)
        with session.write() as store:
            # Read from a copy that is gone now: say where the events really came from.
            store.write_calendar(calendar, meta={"path": DEMO_ORIGIN.format(file_name)})
        lines.append(report.summary)
    if not any(_DEMO_TAG in b.tags for b in session.store.user_blocks()):
        tasks = tomllib.loads((folder / "tasks.toml").read_text(encoding="utf-8"))["task"]
        today = session.today()
        for task in tasks:
            editing.add(session, _task_block(session, task, today))
        added = counted(len(tasks), "flexible block")
        lines.append(f"tasks: {added} added around {today:%a %d %b}")
    return lines


def _shift_one_offs(text: str, today: date) -> str:
    """Move events that don't repeat (and aren't overrides) by whole weeks to ``today``."""
    weeks = ((today - timedelta(days=today.weekday())) - EXAMPLE_WEEK).days // 7
    if weeks == 0:
        return text
    parts = re.split(r"(BEGIN:VEVENT.*?END:VEVENT)", text, flags=re.DOTALL)
    for n, part in enumerate(parts):
        if part.startswith("BEGIN:VEVENT") and "RRULE" not in part and \
                "RECURRENCE-ID" not in part:
            parts[n] = _ONE_OFF_LINE.sub(lambda m: m[1] + m[2] + _plus_weeks(m[3], weeks), part)
    return "".join(parts)


def _plus_weeks(yyyymmdd: str, weeks: int) -> str:
    day = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    return (day + timedelta(weeks=weeks)).strftime("%Y%m%d")


def _task_block(session: Session, task: dict[str, Any], today: date) -> Block:
    day = today + timedelta(days=int(task["day_offset"]))
    earliest = (session.at(day, time.fromisoformat(task["earliest"]))
                if "earliest" in task else None)
    deadline = None
    if "deadline_offset_days" in task:
        deadline = session.at(today + timedelta(days=int(task["deadline_offset_days"])),
                              time.fromisoformat(task.get("deadline_time", "23:59")))
    return editing.make_flexible(
        session, task["title"], parse_duration(task["duration"]), sphere=task["sphere"], day=day,
        earliest=earliest, deadline=deadline, part=task.get("part"),
        priority=int(task.get("priority", 0)),
        min_chunk=parse_duration(task["min_chunk"]) if "min_chunk" in task else None,
        energy=task.get("energy"), tags=(_DEMO_TAG,))
