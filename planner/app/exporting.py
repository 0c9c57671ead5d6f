"""Export use case: choose the blocks of a range and write them atomically."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from planner.adapters.files import write_atomically
from planner.adapters.ical.writer import ExportOptions, write_calendar
from planner.app import queries
from planner.app.session import Session
from planner.core.errors import PlannerError
from planner.core.model import Block


@dataclass(frozen=True)
class ExportReport:
    path: str
    events: int
    unplaced_left_out: int



def blocks_in_range(session: Session, first: date | None, last: date | None
                    ) -> list[Block]:
    """Blocks with something in [first, last]: whole series are kept as RRULE."""
    blocks = list(session.store.all_blocks())
    if first is None and last is None:
        return blocks
    start = session.day_start(first) if first else session.day_start(date(1900, 1, 1))
    end = session.day_start(last + timedelta(days=1)) if last else session.day_start(
        date(9000, 1, 1))
    wanted = {o.block.id for o in queries.fixed_between(session, start, end)}
    series_uids = {(b.source.calendar if b.source else "", b.source.uid if b.source else b.id)
                   for b in blocks if b.id in wanted and b.is_recurring}
    chosen = []
    for block in blocks:
        if block.is_flexible:
            if any(s < end and e > start for s, e in block.planned):
                chosen.append(block)
            elif not block.planned and not block.done:
                chosen.append(block)  # counted as "left out" by the writer
            continue
        key = (block.source.calendar if block.source else "",
               block.source.uid if block.source else block.id)
        if block.id in wanted or key in series_uids:
            chosen.append(block)
    return chosen


def export(session: Session, out: str, *, first: date | None, last: date | None,
           busy_only: Sequence[str] = (), spheres: Sequence[str] | None = None
           ) -> ExportReport:
    if first and last and last < first:
        raise PlannerError(f"--to {last} is before --from {first}; nothing exported.")
    for sphere in [*busy_only, *(spheres or ())]:
        session.check_sphere(sphere)
    options = ExportOptions(busy_only=frozenset(busy_only),
                            spheres=frozenset(spheres) if spheres else None,
                            sphere_labels={n: n.capitalize() for n in session.settings.spheres})
    try:
        result = write_calendar(blocks_in_range(session, first, last), options,
                                now=session.now())
    except ValueError as exc:
        raise PlannerError(f"Cannot export: {exc}") from exc
    if out == "-":
        sys.stdout.buffer.write(result.data)
        sys.stdout.buffer.flush()
    else:
        write_file(Path(out).expanduser(), result.data)
    return ExportReport(out, result.events, result.unplaced_left_out)


def write_file(path: Path, data: bytes) -> None:
    """Write an export (or a review) atomically; errors become one sentence."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise PlannerError(f"{path} is a folder; give a file name such as {path / 'plan.ics'}.")
    if not folder.is_dir():
        raise PlannerError(f"Cannot write {path}: the folder {folder} does not exist.")
    try:
        write_atomically(path, data)
    except OSError as exc:
        raise PlannerError(f"Cannot write {path}: {exc.strerror or exc}.") from exc


def export_review(session: Session, day: date, out: str) -> date:
    """Write the weekly review of the week containing ``day`` as Markdown; its Monday."""
    write_file(Path(out).expanduser(), queries.weekly_review(session, day).encode("utf-8"))
    return day - timedelta(days=day.weekday())
