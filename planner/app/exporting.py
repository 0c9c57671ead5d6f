"""Export use case: choose the blocks of a range and write them atomically.

Who the file is for decides what it holds (an :class:`Audience`): spheres named with
``--busy-only`` (and every sphere under them) and, with ``--private-as-busy``, every
personal-parent sphere plus every block marked CLASS:PRIVATE/CONFIDENTIAL, go out as
"Busy" with nothing but their times. :func:`preview` shows, before anything is
written, exactly what a reader of the file sees for one sample event.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from planner.adapters.files import write_atomically
from planner.adapters.ical.writer import ExportOptions, is_busy, unwritable, write_calendar
from planner.adapters.secret import home_secret
from planner.app import queries
from planner.app.session import Session
from planner.core.errors import PlannerError
from planner.core.model import PERSONAL, Block
from planner.core.recurrence import occurs_between

_EARLIEST = date(1900, 1, 1)
_LATEST = date(9000, 1, 1)


@dataclass(frozen=True)
class ExportReport:
    path: str
    events: int
    unplaced_left_out: int
    left_out: tuple[str, ...] = ()  # one sentence per block no calendar file can hold


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
    left_out: tuple[str, ...] = ()  # what the export will leave out, and why


def window(session: Session, first: date | None, last: date | None
           ) -> tuple[datetime, datetime]:
    start = session.day_start(first or _EARLIEST)
    end = session.day_start(last + timedelta(days=1)) if last else session.day_start(_LATEST)
    return start, end


def writable(blocks: Sequence[Block]) -> tuple[list[Block], tuple[str, ...]]:
    """The blocks a calendar file can hold, and one sentence per block that it cannot
    (a stored rule from an older planner): its whole series is left out, the rest of
    the file stays valid and complete."""
    bad: dict[tuple[str, str], str] = {}
    for block in blocks:
        reason = unwritable(block)
        if reason is not None and block.series_key not in bad:
            bad[block.series_key] = (f"Left out {block.title!r} (block {block.id}): {reason}, "
                                     "which no calendar file can hold.")
    return [b for b in blocks if b.series_key not in bad], tuple(bad.values())


def blocks_in_range(session: Session, first: date | None, last: date | None
                    ) -> list[Block]:
    """Blocks with something in [first, last]: every series with an occurrence or an
    override there is taken whole (master and all overrides), recurrence kept as RRULE."""
    blocks = list(session.store.all_blocks())
    if first is None and last is None:
        return blocks
    start, end = window(session, first, last)
    wanted = _series_in_range(session, blocks, start, end)
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


def _series_in_range(session: Session, blocks: Sequence[Block], start: datetime,
                     end: datetime) -> set[tuple[str, str]]:
    """The series (and single events) with an occurrence in [start, end), hidden
    calendars left out as the views leave them out.

    Each series is asked for its first occurrence from ``start`` on, never expanded
    over the window, so exporting the years 2..9997 costs what the blocks cost.
    """
    hidden = session.hidden_calendars()
    series: dict[tuple[str, str], list[Block]] = {}
    for block in blocks:
        if block.is_fixed and (block.source is None or block.source.calendar not in hidden):
            series.setdefault(block.series_key, []).append(block)
    return {key for key, members in series.items()
            if occurs_between(members, start, end, session.zone)}


def options_for(session: Session, blocks: Sequence[Block], audience: Audience, *,
                spheres: Sequence[str] | None = None,
                bound_to: tuple[datetime, datetime] | None = None) -> ExportOptions:
    """The writer's options: sphere names resolved against the blocks actually written."""
    roots = set(audience.busy_only)
    if audience.private_as_busy:
        roots.add(PERSONAL)
    settings = session.settings
    names = {b.sphere for b in blocks} | set(settings.spheres)
    busy = frozenset(n for n in names if any(settings.is_within(n, r) for r in roots))
    key = b""
    if busy or audience.private_as_busy:
        try:
            key = home_secret(session.paths.data)
        except OSError as exc:
            raise PlannerError(f"Cannot read or create the export key in "
                               f"{session.paths.data}: {exc.strerror or exc}.") from exc
    return ExportOptions(busy_only=busy, private_as_busy=audience.private_as_busy,
                         uid_key=key, spheres=frozenset(spheres) if spheres else None,
                         sphere_labels={n: n.capitalize() for n in settings.spheres},
                         bound_to=bound_to)


def export(session: Session, out: str, *, first: date | None, last: date | None,
           busy_only: Sequence[str] = (), spheres: Sequence[str] | None = None,
           private_as_busy: bool = False, whole_series: bool = False) -> ExportReport:
    _check(session, first, last, [*busy_only, *(spheres or ())])
    blocks, left_out = writable(blocks_in_range(session, first, last))
    options = options_for(session, blocks, Audience(tuple(busy_only), private_as_busy),
                          spheres=spheres, bound_to=_bound(session, first, last, whole_series))
    try:
        result = write_calendar(blocks, options, now=session.now())
    except ValueError as exc:
        raise PlannerError(f"Cannot export: {exc}") from exc
    if out == "-":
        sys.stdout.buffer.write(result.data)
        sys.stdout.buffer.flush()
    else:
        write_file(Path(out).expanduser(), result.data)
    return ExportReport(out, result.events, result.unplaced_left_out, left_out)


def preview(session: Session, *, first: date | None, last: date | None,
            audience: Audience, spheres: Sequence[str] | None = None,
            whole_series: bool = False) -> ExportPreview | None:
    """What a reader sees for one sample event of the range; None if the range is empty.

    The sample is the first block with something to hide (a personal-parent sphere or
    marked private), else the first one, so switching audiences shows the difference.
    """
    _check(session, first, last, [*audience.busy_only, *(spheres or ())])
    blocks, left_out = writable([b for b in blocks_in_range(session, first, last)
                                 if not spheres or b.sphere in spheres])
    sample = _sample(session, blocks, first, last)
    if sample is None:
        return None
    series = [b for b in blocks if b.series_key == sample.series_key]
    options = options_for(session, blocks, audience, spheres=spheres,
                          bound_to=_bound(session, first, last, whole_series))
    try:
        data = write_calendar(series, options, now=session.now()).data
    except ValueError as exc:
        raise PlannerError(f"Cannot export: {exc}") from exc
    text = data.decode("utf-8").replace("\r\n ", "").replace("\r\n", "\n")
    begin = text.index("BEGIN:VEVENT")
    event = text[begin:text.index("END:VEVENT", begin) + len("END:VEVENT")]
    return ExportPreview(sample.title, is_busy(sample, options) or any(
        is_busy(b, options) for b in series), event, left_out)


def _bound(session: Session, first: date | None, last: date | None,
           whole_series: bool) -> tuple[datetime, datetime] | None:
    """Where series stop: at the end of the range asked for, unless kept whole."""
    return None if whole_series or last is None else window(session, first, last)


def _sample(session: Session, blocks: list[Block], first: date | None,
            last: date | None) -> Block | None:
    # An open range is sampled from its first fortnight (or today's), not whole.
    first = first or (last - timedelta(days=13) if last else session.today())
    start, end = window(session, first, last or first + timedelta(days=13))
    ids = {b.id for b in blocks}
    found = queries.fixed_between(session, start, end) + queries.placed_between(
        session, start, end)
    timed = [o.block for o in found if o.block.id in ids]
    timed.sort(key=lambda b: _sort_start(session, b))
    if not timed:
        return None
    settings = session.settings
    for block in timed:
        if block.is_private or settings.is_within(block.sphere, PERSONAL):
            return block
    return timed[0]


def _sort_start(session: Session, block: Block) -> datetime:
    moment = block.planned[0][0] if block.planned else block.start
    if isinstance(moment, datetime):
        return session.local(moment)
    if isinstance(moment, date):
        return session.day_start(moment)
    return session.day_start(_LATEST)


def _check(session: Session, first: date | None, last: date | None,
           spheres: Sequence[str]) -> None:
    if first and last and last < first:
        raise PlannerError(f"--to {last} is before --from {first}; nothing exported.")
    for sphere in spheres:
        session.check_sphere(sphere)


def write_file(path: Path, data: bytes) -> None:
    """Write an export (or a review) atomically; errors become one sentence."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise PlannerError(f"{path} is a folder; give a file name such as {path / 'plan.ics'}.")
    if not folder.is_dir():
        if folder.exists():  # a file where the folder should be
            raise PlannerError(f"Cannot write {path}: {folder} is a file, not a folder.")
        raise PlannerError(f"Cannot write {path}: the folder {folder} does not exist.")
    try:
        write_atomically(path, data)
    except OSError as exc:
        raise PlannerError(f"Cannot write {path}: {exc.strerror or exc}.") from exc


def export_review(session: Session, day: date, out: str) -> date:
    """Write the weekly review of the week containing ``day`` as Markdown; its Monday."""
    write_file(Path(out).expanduser(), queries.weekly_review(session, day).encode("utf-8"))
    return day - timedelta(days=day.weekday())
