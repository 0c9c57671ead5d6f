"""Import and refresh use cases: read a file or URL, reconcile, save, re-plan.

Kept apart from ``service.py`` so the CLI's fast paths (agenda) never import
icalendar. A failed import changes nothing on disk: everything is read, parsed and
reconciled before the store transaction starts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable
from datetime import UTC, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.adapters.ical.fetch import FetchError, fetch, is_url, normalize_url, redact_url
from planner.adapters.ical.reader import CalendarError, read_calendar
from planner.core.model import Block
from planner.core.reconcile import ReconcileResult, reconcile

if TYPE_CHECKING:
    from planner.app.service import ImportReport, PlannerService

Progress = Callable[[str], None] | None
MAX_FILE_BYTES = 200 * 2**20
SAFE_YEARS = range(2, 9998)
MAX_TASK = timedelta(hours=24)
_CALNAME = re.compile(rb"^X-WR-CALNAME(?:;[^:\r\n]*)?:([^\r\n]*)", re.MULTILINE)


def import_calendar(service: PlannerService, location: str, *, sphere: str | None = None,
                    calendar: str | None = None, progress: Progress = None) -> ImportReport:
    from planner.app.service import PlannerError

    try:
        url = normalize_url(location) if is_url(location) else None
    except FetchError as exc:
        raise PlannerError(str(exc)) from exc
    name = calendar or (_calendar_for_url(service, url) if url else None)
    meta = service.store.calendar_meta(name) if name else {}
    if url:
        shown = redact_url(url)
        _say(progress, f"Fetching {shown} …")
        try:
            fetched = fetch(url, etag=meta.get("etag") if meta.get("url") == url else None,
                            last_modified=meta.get("last_modified")
                            if meta.get("url") == url else None)
        except FetchError as exc:
            raise PlannerError(str(exc)) from exc
        if fetched.not_modified and name:
            return _not_modified_report(service, name)
        data, origin = fetched.data, shown
        extra_meta: dict[str, Any] = {"url": url, "etag": fetched.etag,
                                      "last_modified": fetched.last_modified}
    else:
        path = Path(location).expanduser()
        data = _read_file(path)
        origin = str(path)
        extra_meta = {"path": str(path.resolve())}
    return _import_bytes(service, data, origin=origin, name=name, sphere=sphere,
                         default_name=None if url else Path(location).stem,
                         extra_meta=extra_meta, progress=progress)


def _read_file(path: Path) -> bytes:
    from planner.app.service import PlannerError

    try:
        if path.is_dir():
            raise PlannerError(f"{path} is a folder, not an .ics file.")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PlannerError(f"{path} is {size // 2**20} MB, more than the "
                               f"{MAX_FILE_BYTES // 2**20} MB planner reads; nothing imported.")
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise PlannerError(f"{path} does not exist.") from exc
    except PermissionError as exc:
        raise PlannerError(f"{path} cannot be read (permission denied).") from exc
    except OSError as exc:
        raise PlannerError(f"{path} cannot be read ({exc.strerror or exc}).") from exc


def _calendar_for_url(service: PlannerService, url: str | None) -> str | None:
    for name in service.store.calendar_names():
        if service.store.calendar_meta(name).get("url") == url:
            return name
    return None


def _import_bytes(service: PlannerService, data: bytes, *, origin: str, name: str | None,
                  sphere: str | None, default_name: str | None, extra_meta: dict[str, Any],
                  progress: Progress) -> ImportReport:
    from planner.app.service import ImportReport, PlannerError

    file_hash = hashlib.sha1(data).hexdigest()
    _say(progress, f"Reading {origin} ({_size(len(data))}) …")
    chosen_sphere = sphere
    try:
        # The sphere is validated before parsing so a typo costs nothing.
        if chosen_sphere is not None:
            service.check_sphere(chosen_sphere)
        known_meta = service.store.calendar_meta(name) if name else {}
        if name and known_meta.get("file_hash") == file_hash and (
                chosen_sphere in (None, known_meta.get("sphere"))):
            # Fast path: byte-identical to the last import, nothing can have changed.
            count = service.store.calendar_size(name)
            summary = f"{name}: 0 new, 0 updated (0 moved), 0 removed, {count} unchanged, " \
                      f"{known_meta.get('skipped', 0)} skipped"
            return ImportReport(name, summary, list(known_meta.get("skipped_reasons", [])),
                                unchanged=count)
        final_name = name or _calendar_name_in(data) or default_name or "calendar"
        if name is None:
            known_meta = service.store.calendar_meta(final_name)
        chosen_sphere = chosen_sphere or known_meta.get("sphere") or "work"
        result = read_calendar(data, calendar=final_name, sphere=chosen_sphere, origin=origin)
    except CalendarError as exc:
        raise PlannerError(str(exc)) from exc
    skipped = [f"{s.component}: {s.reason}" for s in result.skipped]
    blocks = []
    for block in result.blocks:
        if _outside_safe_years(block):
            skipped.append(f"{_describe(block)}: has a date outside the years "
                           f"{SAFE_YEARS.start}–{SAFE_YEARS.stop - 1}")
        elif block.is_flexible and not timedelta(0) < (block.duration or timedelta(0)) <= MAX_TASK:
            # The same rule as a task added by hand; a DURATION of 9,999,999 weeks
            # crashed the planner's day arithmetic.
            skipped.append(f"{_describe(block)}: needs a positive duration of at most 24 h, "
                           f"not {block.duration}")
        else:
            blocks.append(block)
    existing = service.store.calendar_blocks(final_name)
    changes = _apply_sphere_change(reconcile(existing, blocks, calendar=final_name), blocks)
    _say(progress, f"Saving {len(blocks)} events …")
    meta = {**extra_meta, "sphere": chosen_sphere, "file_hash": file_hash,
            "skipped": len(skipped), "skipped_reasons": skipped[:50],
            "imported_at": service.now().astimezone(UTC).isoformat()}
    with service._writing():
        service.store.write_calendar(
            final_name, upsert=[*changes.new, *changes.updated],
            remove=[b.id for b in changes.removed], meta=meta)
        service._invalidate()
        if changes.changed:
            service._replan_from(service.today())
    return ImportReport(final_name, changes.summary(final_name, len(skipped)), skipped,
                        new=len(changes.new), updated=len(changes.updated),
                        moved=changes.moved, removed=len(changes.removed),
                        unchanged=len(changes.unchanged))


def _outside_safe_years(block: Block) -> bool:
    """Dates at the very edge of the calendar overflow day arithmetic (a day after
    9999-12-31 does not exist), so such blocks are skipped, not saved to break every view."""
    moments = [block.start, block.end, block.earliest, block.deadline, block.pinned_start]
    if block.recurrence is not None:
        moments += [*block.recurrence.rdates, *block.recurrence.exdates]
    return any(m is not None and m.year not in SAFE_YEARS for m in moments)


def _describe(block: Block) -> str:
    kind = "VTODO" if block.is_flexible else "VEVENT"
    uid = f" (UID {block.source.uid[:200]})" if block.source else ""
    return f"{kind} {block.title[:200]!r}{uid}"


def _apply_sphere_change(changes: ReconcileResult, incoming: list[Block]) -> ReconcileResult:
    """`--sphere` on a re-import re-labels the calendar's unchanged events too."""
    wanted = {b.source.identity: b.sphere for b in incoming if b.source is not None}
    relabelled, unchanged = [], []
    for block in changes.unchanged:
        sphere = wanted.get(block.source.identity) if block.source else None
        if sphere is not None and sphere != block.sphere:
            relabelled.append(block.evolve(sphere=sphere))
        else:
            unchanged.append(block)
    if not relabelled:
        return changes
    return dataclasses.replace(changes, unchanged=unchanged,
                               updated=[*changes.updated, *relabelled])


def _calendar_name_in(data: bytes) -> str | None:
    """X-WR-CALNAME without a full parse: the name decides block ids, so it comes first."""
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 (Outlook exports): same name as the UTF-8 copy of the file.
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    match = _CALNAME.search(head)
    if not match:
        return None
    try:
        name = match.group(1).decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    return name.replace("\\,", ",").replace("\\;", ";")[:80] or None


def _not_modified_report(service: PlannerService, name: str) -> ImportReport:
    from planner.app.service import ImportReport

    count = service.store.calendar_size(name)
    return ImportReport(name, f"{name}: not modified since the last fetch, {count} unchanged",
                        [], unchanged=count, not_modified=True)


def refresh_all(service: PlannerService, progress: Progress = None) -> list[ImportReport]:
    """Re-fetch every subscription; a failed one keeps its last good data."""
    from planner.app.service import ImportReport, PlannerError

    reports = []
    for name in service.store.calendar_names():
        url = service.store.calendar_meta(name).get("url")
        if not url:
            continue
        try:
            reports.append(import_calendar(service, url, calendar=name, progress=progress))
        except PlannerError as exc:
            reports.append(ImportReport(name, f"{name}: kept the last good copy — {exc}", [],
                                        failed=str(exc)))
    return reports


def _say(progress: Progress, text: str) -> None:
    if progress is not None:
        progress(text)


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{max(1, n // 1024)} KB"
