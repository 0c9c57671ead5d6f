"""Export use case: choose the blocks of a range and write them atomically.

Who the file is for decides what it holds (an :class:`Audience`): spheres named with
``--busy-only`` (and every sphere under them) and, with ``--private-as-busy``, every
personal-parent sphere plus every block marked CLASS:PRIVATE/CONFIDENTIAL, go out as
"Busy" with nothing but their times. :func:`preview` shows, before anything is
written, exactly what a reader of the file sees for one sample event.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from planner.adapters.ical.writer import ExportOptions, is_busy, write_calendar
from planner.adapters.secret import home_secret
from planner.core.model import PERSONAL, Block

if TYPE_CHECKING:
    from collections.abc import Sequence

    from planner.app.service import ExportReport, PlannerService

_EARLIEST = date(1900, 1, 1)
_LATEST = date(9000, 1, 1)


@dataclass(frozen=True)
class Audience:
    """Who the file is for: which blocks are written as Busy."""

    busy_only: tuple[str, ...] = ()  # these spheres and every sphere under them
    private_as_busy: bool = False  # personal-parent spheres and CLASS:PRIVATE/CONFIDENTIAL


@dataclass(frozen=True)
class ExportPreview:
    """One sample event as the file will hold it."""

    title: str  # the sample block's own title (for the user's eyes only)
    busy: bool  # written as Busy for this audience
    text: str  # the VEVENT exactly as written (lines unfolded)


def window(service: PlannerService, first: date | None, last: date | None
           ) -> tuple[datetime, datetime]:
    start = service.day_start(first or _EARLIEST)
    end = service.day_start(last + timedelta(days=1)) if last else service.day_start(_LATEST)
    return start, end


def blocks_in_range(service: PlannerService, first: date | None, last: date | None
                    ) -> list[Block]:
    """Blocks with something in [first, last]: every series with an occurrence or an
    override there is taken whole (master and all overrides), recurrence kept as RRULE."""
    blocks = list(service.store.all_blocks())
    if first is None and last is None:
        return blocks
    start, end = window(service, first, last)
    wanted = {o.block.series_key for o in service.fixed_between(start, end)}
    chosen = []
    for block in blocks:
        if block.is_flexible:
            if any(s < end and e > start for s, e in block.planned):
                chosen.append(block)
            elif not block.planned and not block.done:
                chosen.append(block)  # counted as "left out" by the writer
        elif block.series_key in wanted:
            chosen.append(block)
    return chosen


def options_for(service: PlannerService, blocks: Sequence[Block], audience: Audience, *,
                spheres: Sequence[str] | None = None,
                bound_to: tuple[datetime, datetime] | None = None) -> ExportOptions:
    """The writer's options: sphere names resolved against the blocks actually written."""
    from planner.app.service import PlannerError

    roots = set(audience.busy_only)
    if audience.private_as_busy:
        roots.add(PERSONAL)
    settings = service.settings
    names = {b.sphere for b in blocks} | set(settings.spheres)
    busy = frozenset(n for n in names if any(settings.is_within(n, r) for r in roots))
    key = b""
    if busy or audience.private_as_busy:
        try:
            key = home_secret(service.paths.data)
        except OSError as exc:
            raise PlannerError(f"Cannot read or create the export key in "
                               f"{service.paths.data}: {exc.strerror or exc}.") from exc
    return ExportOptions(busy_only=busy, private_as_busy=audience.private_as_busy,
                         uid_key=key, spheres=frozenset(spheres) if spheres else None,
                         sphere_labels={n: n.capitalize() for n in settings.spheres},
                         bound_to=bound_to)


def export(service: PlannerService, out: str, *, first: date | None, last: date | None,
           busy_only: Sequence[str] = (), spheres: Sequence[str] | None = None,
           private_as_busy: bool = False, whole_series: bool = False) -> ExportReport:
    from planner.app.service import ExportReport, PlannerError

    _check(service, first, last, [*busy_only, *(spheres or ())])
    blocks = blocks_in_range(service, first, last)
    options = options_for(service, blocks, Audience(tuple(busy_only), private_as_busy),
                          spheres=spheres, bound_to=_bound(service, first, last, whole_series))
    try:
        result = write_calendar(blocks, options, now=service.now())
    except ValueError as exc:
        raise PlannerError(f"Cannot export: {exc}") from exc
    if out == "-":
        sys.stdout.buffer.write(result.data)
        sys.stdout.buffer.flush()
    else:
        _write_atomically(Path(out).expanduser(), result.data)
    return ExportReport(out, result.events, result.unplaced_left_out)


def preview(service: PlannerService, *, first: date | None, last: date | None,
            audience: Audience, spheres: Sequence[str] | None = None,
            whole_series: bool = False) -> ExportPreview | None:
    """What a reader sees for one sample event of the range; None if the range is empty.

    The sample is the first block with something to hide (a personal-parent sphere or
    marked private), else the first one, so switching audiences shows the difference.
    """
    from planner.app.service import PlannerError

    _check(service, first, last, [*audience.busy_only, *(spheres or ())])
    blocks = [b for b in blocks_in_range(service, first, last)
              if not spheres or b.sphere in spheres]
    sample = _sample(service, blocks, first, last)
    if sample is None:
        return None
    series = [b for b in blocks if b.series_key == sample.series_key]
    options = options_for(service, blocks, audience, spheres=spheres,
                          bound_to=_bound(service, first, last, whole_series))
    try:
        data = write_calendar(series, options, now=service.now()).data
    except ValueError as exc:
        raise PlannerError(f"Cannot export: {exc}") from exc
    text = data.decode("utf-8").replace("\r\n ", "").replace("\r\n", "\n")
    begin = text.index("BEGIN:VEVENT")
    event = text[begin:text.index("END:VEVENT", begin) + len("END:VEVENT")]
    return ExportPreview(sample.title, is_busy(sample, options) or any(
        is_busy(b, options) for b in series), event)


def _bound(service: PlannerService, first: date | None, last: date | None,
           whole_series: bool) -> tuple[datetime, datetime] | None:
    """Where series stop: at the end of the range asked for, unless kept whole."""
    return None if whole_series or last is None else window(service, first, last)


def _sample(service: PlannerService, blocks: list[Block], first: date | None,
            last: date | None) -> Block | None:
    # An open range is sampled from its first fortnight (or today's), not whole.
    first = first or (last - timedelta(days=13) if last else service.today())
    start, end = window(service, first, last or first + timedelta(days=13))
    ids = {b.id for b in blocks}
    timed = [o.block for o in service.fixed_between(start, end) + service.placed_between(
        start, end) if o.block.id in ids]
    timed.sort(key=lambda b: _sort_start(service, b))
    if not timed:
        return None
    settings = service.settings
    for block in timed:
        if block.is_private or settings.is_within(block.sphere, PERSONAL):
            return block
    return timed[0]


def _sort_start(service: PlannerService, block: Block) -> datetime:
    moment = block.planned[0][0] if block.planned else block.start
    if isinstance(moment, datetime):
        return service.local(moment)
    if isinstance(moment, date):
        return service.day_start(moment)
    return service.day_start(_LATEST)


def _check(service: PlannerService, first: date | None, last: date | None,
           spheres: Sequence[str]) -> None:
    from planner.app.service import PlannerError

    if first and last and last < first:
        raise PlannerError(f"--to {last} is before --from {first}; nothing exported.")
    for sphere in spheres:
        service.check_sphere(sphere)


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
