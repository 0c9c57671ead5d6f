"""Import and refresh use cases: read a file or URL, reconcile, save, re-plan.

Kept apart from ``session.py`` so the CLI's fast paths (agenda) never import
icalendar. A failed import changes nothing on disk: everything is read, parsed and
reconciled before the store transaction starts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import os
import re
import secrets
import shlex
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

from planner.adapters.ical.addresses import FetchError, is_url, normalize_url, redact_url
from planner.adapters.ical.reader import READER_VERSION, CalendarError, read_calendar
from planner.app import history, planning
from planner.app.calendar_names import check_calendar_name, tidy_calendar_name
from planner.app.session import Session
from planner.app.warming import keep_weeks_around_today
from planner.core.errors import PlannerError
from planner.core.local_edits import keep_local_edits, local_blocks_of
from planner.core.model import Block, Moment
from planner.core.moments import day_label
from planner.core.reconcile import (
    ReconcileResult,
    looks_like_a_wipe,
    reconcile,
    wipe_words,
)
from planner.core.recurrence import never_repeats
from planner.core.same_calendar import SHARED_SHARE, Match, Overlap, calendar_holding
from planner.core.sphere_hint import personal_reason
from planner.core.wording import counted

Progress = Callable[[str], None] | None
MAX_FILE_BYTES = 200 * 2**20
STDIN = "-"
_READ_CHUNK = 1 << 20
SAFE_YEARS = range(2, 9998)
MAX_TASK = timedelta(hours=24)


@dataclass(frozen=True)
class ImportReport:
    calendar: str
    summary: str
    skipped: list[str]
    new: int = 0
    updated: int = 0
    moved: int = 0
    removed: int = 0
    unchanged: int = 0
    not_modified: bool = False
    failed: str | None = None
    # Where the source changed an event edited here and its version won (one sentence each).
    notices: list[str] = dataclasses.field(default_factory=list)
    repaired: list[str] = field(default_factory=list)  # what was read after a repair
    # Flexible blocks the import moved to make room, or that no longer fit (one each).
    replanned: list[str] = field(default_factory=list)
    # A new calendar imported as work by default that looks personal: why, in words.
    looks_personal: str = ""
    # The file held a calendar that is here already, which was refreshed instead of
    # adding a second copy: one sentence saying so (the front end adds how to force one).
    copy_of: str = ""
    # Series that arrived (or changed) with a rule that never repeats: one sentence each.
    shows_once: list[str] = field(default_factory=list)


_CALNAME = re.compile(rb"^X-WR-CALNAME(?:;[^:\r\n]*)?:([^\r\n]*)", re.MULTILINE)


def import_calendar(session: Session, location: str, *, sphere: str | None = None,
                    calendar: str | None = None, replace: bool = False,
                    progress: Progress = None, stdin: BinaryIO | None = None,
                    allow_empty: bool = False) -> ImportReport:
    """Import a file, a URL, or standard input when ``location`` is ``-``.

    Without ``calendar`` the calendar is named after the file (or the URL's last
    meaningful part), never after the X-WR-CALNAME inside, which is often a generic
    "Calendar"; a source already imported keeps its calendar. A different source under
    a name in use is refused unless ``replace``.

    A file that would make a new calendar though its events (all or nearly all, by UID)
    are in one already refreshes that one instead; only a ``calendar`` named on purpose
    makes a second copy (see ``core.same_calendar``)."""
    if calendar is not None:
        calendar = check_calendar_name(calendar)
    if location == STDIN:
        data = _read_capped(stdin or sys.stdin.buffer, "standard input")
        name = calendar or _calendar_name_in(data) or "stdin"
        return _import_bytes(session, data, origin="standard input", name=name,
                             sphere=sphere, extra_meta={}, progress=progress,
                             allow_empty=allow_empty,
                             look_for_copy=_makes_a_new_calendar(session, calendar, name))
    try:
        url = normalize_url(location) if is_url(location) else None
    except FetchError as exc:
        raise PlannerError(str(exc)) from exc
    path = None if url else Path(location).expanduser()
    where = ("url", url) if url else ("path", str(path.resolve()) if path else "")
    name = calendar or _calendar_from(session, where) or tidy_calendar_name(
        name_for_url(url) if url else Path(location).stem, "calendar")
    meta = session.store.calendar_meta(name) if name in session.store.calendar_names() else {}
    if isinstance(meta.get("link"), dict):
        raise PlannerError(f"{name!r} is linked to a CalDAV server; `planner sync {name}` "
                           "updates it, an import would replace its events.")
    if url:
        _check_same_source(name, meta, where, replace)
        shown = redact_url(url)
        _say(progress, f"Fetching {shown} …")
        from planner.adapters.ical.fetch import fetch  # the network: only for a URL

        try:
            fetched = fetch(url, etag=meta.get("etag") if meta.get("url") == url else None,
                            last_modified=meta.get("last_modified")
                            if meta.get("url") == url else None)
        except FetchError as exc:
            raise PlannerError(str(exc)) from exc
        if fetched.not_modified and meta:
            return _not_modified_report(session, name)
        data, origin = fetched.data, shown
        extra_meta: dict[str, Any] = {"url": url, "path": None, "etag": fetched.etag,
                                      "last_modified": fetched.last_modified}
    else:
        assert path is not None
        data = _read_file(path)
        _check_same_source(name, meta, where, replace)
        origin = str(path)
        extra_meta = {"path": where[1], "url": None, "etag": None, "last_modified": None}
    return _import_bytes(session, data, origin=origin, name=name, sphere=sphere,
                         extra_meta=extra_meta, progress=progress, allow_empty=allow_empty,
                         look_for_copy=_makes_a_new_calendar(session, calendar, name))


def _makes_a_new_calendar(session: Session, chosen: str | None, name: str) -> bool:
    """Whether this import would make a calendar under a name planner chose (the file's
    name): only then may it be a copy of one already here."""
    return chosen is None and name not in session.store.calendar_names()


def _check_same_source(name: str, meta: dict[str, Any], where: tuple[str, str | None],
                       replace: bool) -> None:
    """A name in use by another file or URL is refused, unless the person says replace."""
    if meta and meta.get(where[0]) != where[1] and (meta.get("url") or meta.get("path")) \
            and not replace:
        came = redact_url(meta["url"]) if meta.get("url") else meta.get("path")
        raise PlannerError(f"A calendar named {name!r} already comes from {came}; import "
                           "this one with --calendar OTHER_NAME, or add --replace to "
                           "replace it.")


# Last parts of calendar URLs that name nothing (Google's .../basic.ics, feeds, exports).
_GENERIC_URL_PARTS = frozenset({
    "basic", "full", "calendar", "calendars", "cal", "ical", "ics", "webcal", "feed",
    "feeds", "export", "events", "event", "public", "private", "default", "index", "download",
})


def name_for_url(url: str) -> str:
    """A calendar name from a URL: its last path part without the extension, or the
    host when that part names nothing (Google's ``basic.ics``) or looks like a secret.
    Earlier parts are never used: they may hold an e-mail address or a token."""
    parts = urlsplit(url)
    pieces = [p for p in parts.path.split("/") if p]
    stem = unquote(pieces[-1]).strip() if pieces else ""
    if "." in stem and stem.rsplit(".", 1)[1].lower() in ("ics", "ical", "ifb", "vcs"):
        stem = stem.rsplit(".", 1)[0].strip()
    if stem and stem.lower() not in _GENERIC_URL_PARTS and not _looks_secret(stem) \
            and "@" not in stem:
        return stem[:80]
    return parts.hostname or "calendar"


def _looks_secret(text: str) -> bool:
    token = text.lower()
    return token.startswith("private-") or (len(token) >= 20 and token.isalnum()
                                            and any(c.isdigit() for c in token))


def _calendar_from(session: Session, where: tuple[str, str | None]) -> str | None:
    """The calendar a file or URL was imported into before, if any."""
    key, value = where
    for name in session.store.calendar_names():
        if value and session.store.calendar_meta(name).get(key) == value:
            return name
    return None


def _read_file(path: Path) -> bytes:
    """A regular file's bytes, up to the cap counted as read (not as ``stat`` says):
    a device such as /dev/zero or a FIFO is refused before anything is read."""
    try:
        if path.is_dir():
            raise PlannerError(f"{path} is a folder, not an .ics file.")
        # O_NONBLOCK: opening a FIFO must not wait for a writer; checked right after.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as stream:
            mode = os.fstat(stream.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise PlannerError(f"{path} is {_file_kind(mode)}, not a regular file; "
                                   "to read a stream, give `-` and pipe it to standard input.")
            return _read_capped(stream, str(path), os.fstat(stream.fileno()).st_size)
    except FileNotFoundError as exc:
        raise PlannerError(f"{path} does not exist.") from exc
    except PermissionError as exc:
        raise PlannerError(f"{path} cannot be read (permission denied).") from exc
    except OSError as exc:
        raise PlannerError(f"{path} cannot be read ({exc.strerror or exc}).") from exc


def _read_capped(stream: BinaryIO, shown: str, expected: int = 0) -> bytes:
    """Everything ``stream`` holds, or a clear error once it passes the cap.

    ``expected``: the size a regular file says it has, read in one piece (no copy to
    join them); a file that grew meanwhile is read on, the cap counted as read."""
    chunks: list[bytes] = []
    total = 0
    size = max(_READ_CHUNK, expected + 1)
    while True:
        chunk = stream.read(min(size, MAX_FILE_BYTES + 1 - total))
        size = _READ_CHUNK
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > MAX_FILE_BYTES:
            raise PlannerError(f"{shown} holds more than the {MAX_FILE_BYTES // 2**20} MB "
                               "planner reads; nothing imported.")
    return b"".join(chunks)


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while an import reads, reconciles and saves.

    Everything an import makes (blocks, their documents, the day index's rows) stays
    alive until it is saved, and holds no cycles to free; with the collector on, each
    of its full passes walked all of them again (~6 % of a 10,000-event import).
    Refcounting still frees what is dropped; what is left is collected once, after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import_bytes(session: Session, data: bytes, *, origin: str, name: str,
                  sphere: str | None, extra_meta: dict[str, Any],
                  progress: Progress, allow_empty: bool = False,
                  look_for_copy: bool = False) -> ImportReport:
    with _collector_paused():
        return _import_read_bytes(session, data, origin=origin, name=name, sphere=sphere,
                                  extra_meta=extra_meta, progress=progress,
                                  allow_empty=allow_empty, look_for_copy=look_for_copy)


def _import_read_bytes(session: Session, data: bytes, *, origin: str, name: str,
                       sphere: str | None, extra_meta: dict[str, Any],
                       progress: Progress, allow_empty: bool = False,
                       look_for_copy: bool = False) -> ImportReport:
    file_hash = hashlib.sha1(data).hexdigest()
    _say(progress, f"Reading {origin} ({_size(len(data))}) …")
    chosen_sphere = sphere
    try:
        # The sphere is validated before parsing so a typo costs nothing.
        if chosen_sphere is not None:
            session.check_sphere(chosen_sphere)
        known_meta = session.store.calendar_meta(name)
        if known_meta.get("file_hash") == file_hash and \
                known_meta.get("reader_version") == READER_VERSION and all(
                known_meta.get(k) == v for k, v in extra_meta.items()
                if k in ("url", "path")) and (
                chosen_sphere in (None, known_meta.get("sphere"))) and (
                known_meta.get("events") in (None, session.store.calendar_size(name))):
            # Fast path: byte-identical to the last import, nothing can have changed.
            count = session.store.calendar_size(name)
            summary = f"{name}: 0 new, 0 updated (0 moved), 0 removed, {count} unchanged, " \
                      f"{known_meta.get('skipped', 0)} skipped"
            return ImportReport(name, summary, list(known_meta.get("skipped_reasons", [])),
                                unchanged=count,
                                repaired=list(known_meta.get("repaired_reasons", [])))
        final_name = name
        chosen_sphere = chosen_sphere or known_meta.get("sphere") or "work"
        # A fresh secret per read: ids of new blocks cannot be guessed from the file's
        # UIDs; blocks already stored keep theirs (reconcile matches by identity).
        result = read_calendar(data, calendar=final_name, sphere=chosen_sphere, origin=origin,
                               spheres=session.settings.spheres,
                               id_key=secrets.token_bytes(16), check=_block_problem)
    except CalendarError as exc:
        raise PlannerError(str(exc)) from exc
    match = _calendar_already_here(session, result.blocks, name) if look_for_copy else None
    if match is not None:
        _check_refresh_instead(session, match, origin)
        report = _import_read_bytes(session, data, origin=origin, name=match.calendar,
                                    sphere=sphere, extra_meta=extra_meta, progress=progress,
                                    allow_empty=allow_empty)
        return dataclasses.replace(report, copy_of=(
            f"{origin} is already imported as {match.calendar!r} ({_shared_words(match)}, "
            f"by UID), so {match.calendar!r} was refreshed instead of adding a second copy."))
    skipped = [f"{s.component}: {s.reason}" for s in result.skipped]
    repaired = [f"{s.component}: {s.reason}" for s in result.repaired]
    blocks = result.blocks
    _say(progress, f"Saving {counted(len(blocks), 'event')} …")
    now = session.now().astimezone(UTC).isoformat()
    meta = {**extra_meta, "sphere": chosen_sphere, "file_hash": file_hash,
            "reader_version": READER_VERSION,
            "skipped": len(skipped), "skipped_reasons": skipped[:50],
            "repaired": len(repaired), "repaired_reasons": repaired[:50], "imported_at": now}
    with session.write() as store:
        # Reconciled under the lock against what is saved now: another import of the
        # same calendar that finished meanwhile is built on, never undone in part.
        existing = store.calendar_blocks(final_name)
        local = local_blocks_of(store.user_blocks(), final_name)
        local_before = {b.id: b for b in local}
        kept = keep_local_edits(reconcile(existing, blocks, calendar=final_name), existing,
                                local, session.zone, final_name)
        changes = _apply_sphere_change(kept.result, blocks)
        if not allow_empty:
            _refuse_a_wipe(final_name, origin, len(existing), len(blocks), changes)
        summary = changes.summary(final_name, len(skipped))
        if repaired:
            summary += f", {len(repaired)} repaired"
        meta["checked"] = {"at": now, "result": summary, "ok": True}
        # Rehashed blocks are unchanged, saved again with this reader's hashes.
        store.write_calendar(final_name,
                             upsert=[*changes.new, *changes.updated, *changes.rehashed],
                             remove=[b.id for b in changes.removed],
                             meta={**meta, "events": len(existing) + len(changes.new)
                                   - len(changes.removed)})
        for block in kept.drop_local:
            store.delete(block.id)
        for block in kept.refresh_local:
            store.put(block)
        session.invalidate()
        replanned: list[str] = []
        if changes.changed:
            # New events may take the time of placed flexible blocks: those move (or stop
            # fitting), the report says where, and undoing the import puts them back.
            imported = {b.id for b in (*changes.new, *changes.updated, *changes.removed)}
            moves = planning.replan(session)
            replanned = planning.notices(session, moves, touched=imported)
            before = {b.id: b for b in existing}
            history.record(session, f"import {final_name}", [
                *((b.id, None, b) for b in changes.new),
                *((b.id, before.get(b.id), b) for b in changes.updated),
                *((b.id, b, None) for b in changes.removed),
                *((b.id, b, None) for b in kept.drop_local),
                *((b.id, local_before.get(b.id), b) for b in kept.refresh_local),
                *planning.side_effects(moves, imported)])
    if changes.changed:
        keep_weeks_around_today(session)
    looks_personal = ""
    if sphere is None and not known_meta and session.settings.is_work(chosen_sphere):
        looks_personal = personal_reason(
            [final_name, _calendar_name_in(data) or ""],
            blocks, session.settings.working_hours.get(chosen_sphere, {}), session.zone) or ""
    shows_once = [said for b in (*changes.new, *changes.updated)  # series only: ~2 % of them
                  if b.recurrence is not None and (said := _shows_once(session, b))]
    return ImportReport(final_name, summary, skipped, looks_personal=looks_personal,
                        shows_once=shows_once,
                        new=len(changes.new), updated=len(changes.updated),
                        moved=changes.moved, removed=len(changes.removed),
                        unchanged=len(changes.unchanged) + len(changes.rehashed),
                        repaired=repaired, notices=kept.notices, replanned=replanned)


def _calendar_already_here(session: Session, blocks: list[Block], name: str
                           ) -> Match | None:
    """The calendar here that holds all or nearly all of the file's events, if any."""
    uids = {b.source.uid for b in blocks if b.source is not None}
    # A calendar with fewer events than that many UIDs cannot hold them: not even read.
    least = SHARED_SHARE * len(uids)
    candidates = {other: session.store.calendar_uids(other)
                  for other in session.store.calendar_names()
                  if other != name and session.store.calendar_size(other) >= least}
    return calendar_holding(uids, candidates)


def _check_refresh_instead(session: Session, match: Match, origin: str) -> None:
    """Refuse, in one sentence, a copy that could not be refreshed from this file without
    losing something: a linked or subscribed calendar, or one holding many more events."""
    name = match.calendar
    meta = session.store.calendar_meta(name)
    second_copy = ("to keep a second copy anyway, give it a calendar name of its own "
                   "(--calendar NAME).")
    if match.in_file == 1:
        held = f"The only event of {origin} is already in {name!r}"
    elif match.shared == match.in_file:
        held = f"All {match.in_file} events of {origin} are already in {name!r}"
    else:
        held = f"{match.shared} of the {match.in_file} events of {origin} are already in " \
               f"{name!r}"
    if isinstance(meta.get("link"), dict):
        raise PlannerError(f"{held}, which syncs with a CalDAV server; nothing imported; "
                           + second_copy)
    if meta.get("url"):
        raise PlannerError(f"{held}, subscribed from {redact_url(meta['url'])} "
                           f"(`planner refresh` updates it); nothing imported; " + second_copy)
    if match.kind is Overlap.PART:
        lacks = match.in_calendar - match.shared
        raise PlannerError(
            f"{held}, which holds {counted(match.in_calendar, 'event')}; nothing imported. "
            f"To make {name!r} follow this file (its {counted(lacks, 'other event')} "
            f"would go), import with --calendar {shlex.quote(name)} --replace; " + second_copy)


def _shared_words(match: Match) -> str:
    if match.in_file == 1:
        return "its only event"
    if match.shared == match.in_file:
        return f"all {match.in_file} of its events"
    return f"{match.shared} of its {match.in_file} events"


def _shows_once(session: Session, block: Block) -> str:
    """One sentence when ``block`` is a series whose rule never repeats, else ""."""
    why = never_repeats(block) if block.is_fixed else None
    if why is None or block.start is None:
        return ""
    once = f"so it shows only once, on {_day_words(session, block.start)}."
    if why.until is not None:
        return (f"{block.title!r} repeats until {_day_words(session, why.until)}, before it "
                f"begins, {once}")
    return f"{block.title!r} repeats on no day that exists (RRULE {why.rule}), {once}"


def _day_words(session: Session, moment: Moment) -> str:
    day = (session.local(moment) if moment.tzinfo is not None else moment).date() \
        if isinstance(moment, datetime) else moment
    return day_label(day, year=True)


def _block_problem(block: Block) -> str | None:
    """Why a block read from a file cannot be kept, checked like one added by hand."""
    if _outside_safe_years(block):
        return f"has a date outside the years {SAFE_YEARS.start}–{SAFE_YEARS.stop - 1}"
    if block.is_flexible and not timedelta(0) < (block.duration or timedelta(0)) <= MAX_TASK:
        # A DURATION of 9,999,999 weeks crashed the planner's day arithmetic.
        return f"needs a positive duration of at most 24 h, not {block.duration}"
    return None


def _refuse_a_wipe(name: str, origin: str, had: int, incoming: int,
                   changes: ReconcileResult) -> None:
    """A source that suddenly holds nothing (or lost most of its events) is more often a
    broken export or feed than a wish to delete: keep the calendar and say so."""
    removed = len(changes.removed)
    if looks_like_a_wipe(had, incoming, removed):
        held, gone = wipe_words(incoming, removed)
        raise PlannerError(f"{origin} now holds {held} where {name!r} has {had}; the "
                           f"calendar was kept as it is. If {gone} really went "
                           "away, import again with --allow-empty.")


def _outside_safe_years(block: Block) -> bool:
    """Dates at the very edge of the calendar overflow day arithmetic (a day after
    9999-12-31 does not exist), so such blocks are skipped, not saved to break every view."""
    for moment in (block.start, block.end, block.earliest, block.deadline, block.pinned_start):
        if moment is not None and moment.year not in SAFE_YEARS:
            return True
    rec = block.recurrence
    return rec is not None and any(m.year not in SAFE_YEARS for m in (*rec.rdates,
                                                                       *rec.exdates))


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


# X-WR-CALNAMEs that say nothing: Outlook, Apple and Google all write one of these.
_GENERIC_NAMES = frozenset({"calendar", "calendars", "kalender", "calendrier", "calendario",
                            "agenda", "default", "ical", "export"})


def _calendar_name_in(data: bytes) -> str | None:
    """The X-WR-CALNAME of data with no file name (standard input), unless generic."""
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
    name = name.replace("\\,", ",").replace("\\;", ";")[:80]
    return name if name and name.isprintable() and name.lower() not in _GENERIC_NAMES \
        else None


def _not_modified_report(session: Session, name: str) -> ImportReport:
    count = session.store.calendar_size(name)
    return ImportReport(name, f"{name}: not modified since the last fetch, {count} unchanged",
                        [], unchanged=count, not_modified=True)


def refresh_all(session: Session, progress: Progress = None, allow_empty: bool = False
                ) -> list[ImportReport]:
    """Re-fetch every subscription; a failed one keeps its last good data."""
    reports = []
    for name in session.store.calendar_names():
        url = session.store.calendar_meta(name).get("url")
        if not url:
            continue
        try:
            reports.append(import_calendar(session, url, calendar=name, progress=progress,
                                           allow_empty=allow_empty))
        except PlannerError as exc:
            reports.append(ImportReport(name, f"{name}: kept the last good copy — {exc}", [],
                                        failed=str(exc)))
            _note_failure(session, name, str(exc))
        except (ValueError, TypeError, OverflowError, RecursionError, MemoryError,
                UnicodeError) as exc:
            # One calendar's unforeseen trouble must not stop the others' refresh.
            problem = f"it could not be read ({type(exc).__name__}: {str(exc)[:120]})"
            reports.append(ImportReport(name, f"{name}: kept the last good copy — {problem}",
                                        [], failed=problem))
            _note_failure(session, name, problem)
    return reports


def _note_failure(session: Session, name: str, reason: str) -> None:
    """Remember a failed refresh for the calendar list (only when the news is new: a
    calendar file is rewritten to say it)."""
    checked = session.store.calendar_meta(name).get("checked") or {}
    if checked.get("ok") is False and checked.get("result") == reason:
        return
    with session.write() as store:
        store.write_calendar(name, meta={"checked": {
            "at": session.now().astimezone(UTC).isoformat(), "result": reason, "ok": False}})


def _say(progress: Progress, text: str) -> None:
    if progress is not None:
        progress(text)


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{max(1, n // 1024)} KB"
