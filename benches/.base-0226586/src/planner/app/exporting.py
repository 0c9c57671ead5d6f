"""Export use case: choose the blocks of a range and write them atomically."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from planner.adapters.ical.writer import ExportOptions, write_calendar
from planner.core.model import Block

if TYPE_CHECKING:
    from collections.abc import Sequence

    from planner.app.service import ExportReport, PlannerService


def blocks_in_range(service: PlannerService, first: date | None, last: date | None
                    ) -> list[Block]:
    """Blocks with something in [first, last]: whole series are kept as RRULE."""
    blocks = list(service.store.all_blocks())
    if first is None and last is None:
        return blocks
    start = service.day_start(first) if first else service.day_start(date(1900, 1, 1))
    end = service.day_start(last + timedelta(days=1)) if last else service.day_start(
        date(9000, 1, 1))
    wanted = {o.block.id for o in service.fixed_between(start, end)}
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


def export(service: PlannerService, out: str, *, first: date | None, last: date | None,
           busy_only: Sequence[str] = (), spheres: Sequence[str] | None = None
           ) -> ExportReport:
    from planner.app.service import ExportReport, PlannerError

    if first and last and last < first:
        raise PlannerError(f"--to {last} is before --from {first}; nothing exported.")
    for sphere in [*busy_only, *(spheres or ())]:
        service.check_sphere(sphere)
    options = ExportOptions(busy_only=frozenset(busy_only),
                            spheres=frozenset(spheres) if spheres else None,
                            sphere_labels={n: n.capitalize() for n in service.settings.spheres})
    try:
        result = write_calendar(blocks_in_range(service, first, last), options,
                                now=service.now())
    except ValueError as exc:
        raise PlannerError(f"Cannot export: {exc}") from exc
    if out == "-":
        sys.stdout.buffer.write(result.data)
        sys.stdout.buffer.flush()
    else:
        _write_atomically(Path(out).expanduser(), result.data)
    return ExportReport(out, result.events, result.unplaced_left_out)


def _write_atomically(path: Path, data: bytes) -> None:
    from planner.app.service import PlannerError

    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise PlannerError(f"{path} is a folder; give a file name such as {path / 'plan.ics'}.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except FileNotFoundError as exc:
        raise PlannerError(f"Cannot write {path}: the folder {folder} does not exist.") from exc
    except OSError as exc:
        raise PlannerError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise PlannerError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
