"""Two-way sync of linked calendars with CalDAV servers (`planner sync`, the app's sync).

A linked calendar is a calendar file (see the store) whose meta holds the link (URL,
username, password command, sphere, read-only), the sync state (sync-token or ctag,
last result) and, per server resource, its UID, href, etag and SEQUENCE. Local changes
to its blocks are queued by the store in the same file as the data, so a crash leaves
both consistent.

One sync: pull (what changed on the server since the last sync; each changed resource is
read with the iCalendar reader, so fidelity equals import) and apply it in one local
commit together with the new sync-token; then push each queued change with If-Match /
If-None-Match (bytes from the iCalendar writer, so fidelity equals export) and commit
what went through. A change that meets another one is settled by ``core.syncing``:
nothing anyone made is lost. A sync killed between a push and its commit is finished by
the next one: the pull finds the server holding exactly our content and only records it.
No network I/O happens inside a store transaction.
"""

from __future__ import annotations

import hashlib
import secrets
import shlex
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC
from typing import Any

from planner.adapters.caldav import (
    CalDAVError,
    Connection,
    NotACalendar,
    PreconditionFailed,
    Refused,
    Resource,
    href_key,
    resource_href,
)
from planner.adapters.ical.patch import as_new_task, holds_todo, patch_checked
from planner.adapters.ical.reader import CalendarError, block_id_for, read_calendar
from planner.adapters.ical.writer import UID_DOMAIN, ExportOptions, write_calendar
from planner.app import history, planning
from planner.app.calendar_names import check_calendar_name
from planner.app.editing import new_block_id
from planner.app.links import link_of, links
from planner.app.session import Session
from planner.app.warming import keep_weeks_around_today
from planner.core.errors import PlannerError
from planner.core.model import Block
from planner.core.reconcile import looks_like_a_wipe, wipe_words
from planner.core.syncing import Outcome, Resolution, resolve, same_content
from planner.core.wording import counted

Progress = Callable[[str], None] | None
PASSWORD_TIMEOUT = 60  # seconds a password command may take (a GUI prompt, a keyring)


@dataclass
class SyncReport:
    calendar: str
    pulled_new: int = 0
    pulled_updated: int = 0
    pulled_removed: int = 0
    pushed_new: int = 0
    pushed_updated: int = 0
    pushed_deleted: int = 0
    conflicts: list[str] = field(default_factory=list)  # titles of conflicted events
    notes: list[str] = field(default_factory=list)  # one sentence each
    skipped: list[str] = field(default_factory=list)  # server components not read
    waiting: int = 0  # queued changes not pushed yet (unplaced flexible blocks)
    requests: int = 0  # HTTP requests this sync made (the benchmark prints it)
    failed: str | None = None
    held: int = 0  # events a suspect pull would have removed (then ``failed`` says so)
    kind: str | None = None  # what sort of failure (see SyncFailed), with ``failed``
    recovered: bool = False  # it worked, and the calendar's last sync had failed

    @property
    def changed(self) -> bool:
        return bool(self.pulled_new or self.pulled_updated or self.pulled_removed)

    def summary(self) -> str:
        if self.failed:
            return self.failed
        text = (f"{self.calendar}: pulled {self.pulled_new} new, {self.pulled_updated} "
                f"updated, {self.pulled_removed} removed; pushed {self.pushed_new} new, "
                f"{self.pushed_updated} updated, {self.pushed_deleted} deleted")
        if self.conflicts:
            count = len(self.conflicts)
            text += (f"; {counted(count, 'conflict')}: "
                     + ", ".join(repr(t) for t in self.conflicts)
                     + " (both versions kept)")
        if self.waiting:
            text += f"; {self.waiting} waiting for a planned time"
        if self.skipped:
            text += f"; {len(self.skipped)} skipped"
        return text

    def pulled(self) -> str:
        """What the pull changed here, in an import's words."""
        return (f"{self.pulled_new} new, {self.pulled_updated} updated, "
                f"{self.pulled_removed} removed")

    def undo_label(self) -> str:
        """The undo step's name: what the pull changed, and the conflicts settled."""
        if not self.conflicts:
            return self.pulled()
        return f"{self.pulled()}, {counted(len(self.conflicts), 'conflict')}"


class SyncFailed(PlannerError):
    """A sync could not run; ``kind`` says what sort of failure, so an app syncing every
    few minutes tells a failure once: "offline", "auth", "server", "failed" (from the
    CalDAV adapter), "password" (the password command) or "held" (ServerEmptied)."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class ServerEmptied(SyncFailed):
    """A pull would remove all or most of a calendar: held back, nothing applied."""

    def __init__(self, message: str, vanished: int) -> None:
        super().__init__(message, "held")
        self.vanished = vanished


# --------------------------------------------------------------------------- links


def link_calendar(session: Session, name: str, url: str, *, sphere: str,
                  username: str | None = None, password_command: str | None = None,
                  read_only: bool = False, progress: Progress = None) -> SyncReport:
    """Link a server calendar as NAME and run its first sync.

    A server or principal URL is refused with the calendars found there. The link is
    saved only once the server answered as a calendar; the password never is.
    """
    name = check_calendar_name(name)
    if not url.startswith(("http://", "https://")):
        raise PlannerError(f"{url!r} is not a CalDAV URL: it must start with https:// "
                           "(or http:// for a server on this machine).")
    session.check_sphere(sphere)
    if name in session.store.calendar_names():
        raise PlannerError(f"A calendar named {name!r} already exists; pick another name.")
    password = run_password_command(name, password_command)
    _say(progress, f"{name}: checking {url} …")
    try:
        with Connection(name, url, username=username, password=password) as conn:
            conn.check_calendar()
            auth = conn.auth_type
    except NotACalendar as exc:
        raise PlannerError(str(exc)) from exc
    except CalDAVError as exc:
        raise PlannerError(str(exc)) from exc
    link = {"url": conn.url, "username": username, "password_command": password_command,
            "read_only": read_only, "auth": auth, "method": None}
    with session.write():
        session.store.write_calendar(name, meta={"sphere": sphere, "link": link,
                                                 "resources": {}, "sync": {}})
    # Its first pull is no undo step: `planner sync remove` undoes a link.
    return sync_calendar(session, name, progress=progress, password=password, undoable=False)


def run_password_command(name: str, command: str | None) -> str | None:
    """The first line the command prints; run at every sync, never stored."""
    if not command:
        return None
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise PlannerError(f"{name}: the password command cannot be parsed ({exc}).") from exc
    if not argv:
        raise PlannerError(f"{name}: the password command is empty.")
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=PASSWORD_TIMEOUT,
                              stdin=subprocess.DEVNULL, check=False)
    except FileNotFoundError as exc:
        raise PlannerError(f"{name}: the password command {argv[0]!r} was not found.") from exc
    except subprocess.TimeoutExpired as exc:
        raise PlannerError(f"{name}: the password command did not finish within "
                           f"{PASSWORD_TIMEOUT} s.") from exc
    except OSError as exc:
        raise PlannerError(f"{name}: the password command could not run "
                           f"({exc.strerror or exc}).") from exc
    if done.returncode != 0:
        raise PlannerError(f"{name}: the password command failed (exit {done.returncode}).")
    lines = done.stdout.splitlines()
    if not lines or not lines[0]:
        raise PlannerError(f"{name}: the password command printed nothing.")
    return lines[0]


# --------------------------------------------------------------------------- sync


def sync_all(session: Session, names: Sequence[str] = (), progress: Progress = None,
             allow_empty: bool = False) -> list[SyncReport]:
    """Sync the named linked calendars (all when none are named); a failure is reported
    for its calendar and the others still sync. ``allow_empty`` accepts a pull that
    removes all or most of a calendar's events (held back otherwise)."""
    chosen = list(names) or [i.name for i in links(session)]
    for name in chosen:
        link_of(session, name)
    reports = []
    for name in chosen:
        try:
            reports.append(sync_calendar(session, name, progress=progress,
                                         allow_empty=allow_empty))
        except ServerEmptied as exc:
            reports.append(SyncReport(name, failed=str(exc), held=exc.vanished, kind=exc.kind))
        except SyncFailed as exc:
            reports.append(SyncReport(name, failed=str(exc), kind=exc.kind))
        except PlannerError as exc:
            reports.append(SyncReport(name, failed=str(exc), kind="failed"))
    return reports


def sync_calendar(session: Session, name: str, *, progress: Progress = None,
                  password: str | None = None, allow_empty: bool = False,
                  undoable: bool = True) -> SyncReport:
    """Pull then push one linked calendar; SyncFailed (one sentence) when it fails,
    with local data untouched and local changes still queued. A pull that would remove
    all or most of the calendar is held back (``ServerEmptied``, nothing pulled or
    pushed) unless ``allow_empty``. What the sync changes here is one undo step."""
    link = link_of(session, name)
    if password is None:
        try:
            password = run_password_command(name, link.get("password_command"))
        except PlannerError as exc:
            _record_result(session, name, str(exc), kind="password")
            raise SyncFailed(str(exc), "password") from exc
    report = SyncReport(name)
    try:
        with Connection(name, link["url"], username=link.get("username"),
                        password=password, auth_type=link.get("auth")) as conn:
            try:
                _Sync(session, name, conn, report, progress, allow_empty=allow_empty,
                      undoable=undoable and not link.get("read_only")).run()
            finally:
                report.requests = conn.requests
    except ServerEmptied as exc:
        _record_result(session, name, str(exc), kind=exc.kind)
        raise
    except CalDAVError as exc:
        _record_result(session, name, str(exc), kind=exc.kind)
        raise SyncFailed(str(exc), exc.kind) from exc
    report.recovered = _record_result(session, name, report.summary())
    if report.changed:
        keep_weeks_around_today(session)
    return report


def _record_result(session: Session, name: str, text: str, *, kind: str | None = None
                   ) -> bool:
    """Save how this sync went (failed when ``kind`` is given); True if the calendar's
    last sync had failed. A failure like the last one keeps its ``since``, so the app's
    header says since when the calendar has not synced ("offline since 08:30")."""
    state = dict(session.store.calendar_meta(name).get("sync") or {})
    was_failing = state.get("ok") is False
    now = session.now().astimezone(UTC).isoformat(timespec="seconds")
    if kind is None:
        state.pop("since", None)
        state.pop("kind", None)
    elif not (was_failing and state.get("kind") == kind and state.get("since")):
        state.update(since=now, kind=kind)
    state.update(at=now, result=text, ok=kind is None)
    with session.write():
        session.store.write_calendar(name, meta={"sync": state})
    return was_failing


class _Sync:
    """One sync of one calendar: the state it reads, pulls, settles and pushes."""

    def __init__(self, session: Session, name: str, conn: Connection,
                 report: SyncReport, progress: Progress, *, allow_empty: bool = False,
                 undoable: bool = True) -> None:
        self.session, self.store, self.name = session, session.store, name
        self.conn, self.report, self.progress = conn, report, progress
        # A read-only link refuses local edits, so an undone pull could not be kept.
        self.allow_empty, self.undoable = allow_empty, undoable
        meta = self.store.calendar_meta(name)
        self.sphere = str(meta.get("sphere") or "work")
        # UID -> [href, etag, sequence]: what the server held when we last looked.
        self.resources: dict[str, list[Any]] = {
            uid: list(entry) for uid, entry in (meta.get("resources") or {}).items()}
        # The server's text of resources about to be updated, by href: a push patches
        # it rather than writing the event afresh (see adapters/ical/patch.py).
        self.originals: dict[str, Resource | None] = {}
        # Block id -> its state before this sync, for every block the sync changed here:
        # the pull and the conflicts its push settles are one undo step, not two.
        self.before: dict[str, Block | None] = {}
        self.step = secrets.token_hex(8)

    # -- the two halves ---------------------------------------------------------------

    def run(self) -> None:
        self.pull()
        self.push()

    def pull(self) -> None:
        meta = self.store.calendar_meta(self.name)
        link, state = meta["link"], meta.get("sync") or {}
        known = {href_key(e[0]): e[1] for e in self.resources.values()}
        _say(self.progress, f"{self.name}: asking the server what changed …")
        pulled = self.conn.pull(method=link.get("method"), token=state.get("token"),
                                ctag=state.get("ctag"), known=known)
        if pulled.changed:
            changed = counted(len(pulled.changed), "changed event")
            _say(self.progress, f"{self.name}: reading {changed} …")
        theirs = self._read(pulled.changed)
        by_href: dict[str, set[str]] = {}
        for uid, entry in self.resources.items():
            by_href.setdefault(href_key(entry[0]), set()).add(uid)
        # A UID that moved to another href (a calendar restored by another app) arrives
        # there: its old href being gone is not a deletion.
        arrived = {uid for per_uid in theirs.values() for uid in per_uid}
        with self.session.write():
            queued = self.store.pending_changes(self.name)
            ours = self._local_by_uid()
            before = {b.id: b for b in self.store.calendar_blocks(self.name)}
            writes = _Writes()
            for resource in pulled.changed:
                incoming = theirs.get(resource.href, {})
                for uid in by_href.get(resource.href, set()) - arrived:
                    self._settle(uid, ours.get(uid, []), None, queued, writes)
                for uid, blocks in incoming.items():
                    was_known = uid in self.resources
                    outcome = self._settle(uid, ours.get(uid, []), blocks, queued, writes)
                    self.resources[uid] = _entry(resource, blocks)
                    if outcome in (Outcome.ADOPTED, Outcome.KEPT_SERVER, Outcome.CONFLICT):
                        if was_known or ours.get(uid):
                            self.report.pulled_updated += 1
                        else:
                            self.report.pulled_new += 1
            for href in pulled.deleted:
                for uid in sorted(by_href.get(href, set()) - arrived):
                    outcome = self._settle(uid, ours.get(uid, []), None, queued, writes)
                    if outcome is Outcome.DELETED and ours.get(uid):
                        self.report.pulled_removed += 1
            gone = set(writes.remove) - {b.id for b in writes.upsert}
            self._hold_a_wipe(before, gone, writes)
            self._remember_before(writes)
            state = {**state, "token": pulled.token, "ctag": pulled.ctag}
            self.store.write_calendar(
                self.name, upsert=writes.upsert, remove=writes.remove, queue=writes.queue,
                done=writes.done, meta={"resources": self.resources, "sync": state,
                                        "link": {**link, "method": pulled.method,
                                                 "auth": self.conn.auth_type or link.get("auth")}})
            self.session.invalidate()
            if writes.upsert or writes.remove:
                # New fixed events may push flexible blocks elsewhere: re-plan, and the
                # moves are queued (as edits) for the push that follows.
                # Placements made on another device stay: moving them here would move
                # them back there on its next sync, and so on.
                placed_there = {b.id for b in writes.upsert if b.is_flexible and b.planned}
                moves = planning.replan(self.session, keep=placed_there)
                fetched = {b.id for b in writes.upsert} | set(writes.remove)
                self.report.notes.extend(planning.notices(self.session, moves, touched=fetched))
                for block_id, was, _ in planning.side_effects(moves, fetched):
                    self.before.setdefault(block_id, was)
                self._record_step()

    def _hold_a_wipe(self, before: dict[str, Block], gone: set[str], writes: _Writes
                     ) -> None:
        """Refuse (raise, so nothing of this pull is saved) a pull that would remove all
        or most of the calendar, by the rule an import uses: an emptied, re-created or
        broken server collection is likelier than a wish to delete it all."""
        removed = len(gone & before.keys())
        if self.allow_empty or not removed:
            return
        after = {i: b for i, b in before.items() if i not in gone}
        after.update((b.id, b) for b in writes.upsert)
        left = sum(1 for b in after.values()  # on the server (a local copy not sent is not)
                   if b.source is not None and b.source.uid in self.resources)
        if not looks_like_a_wipe(len(before), left, removed):
            return
        held, vanished = wipe_words(left, removed)
        raise ServerEmptied(
            f"{self.name}: the server now holds {held} where {self.name!r} has "
            f"{len(before)}; the calendar was kept as it is and nothing was sent. If "
            f"{vanished} really went away, run "
            f"`planner sync {shlex.quote(self.name)} --allow-empty`.", removed)

    def _remember_before(self, writes: _Writes) -> None:
        """Before ``writes`` are saved: the blocks they change, as they were before this
        sync (a block changed twice keeps its first state)."""
        for block_id in [*(b.id for b in writes.upsert), *writes.remove]:
            if block_id not in self.before:
                self.before[block_id] = self.store.get(block_id)

    def _record_step(self) -> None:
        """One undo step for all this sync changed here so far, as an import records one
        (replacing the step it recorded earlier: the pull's, before a conflict settled).

        Undo is a local change like any other: the next sync sends the restored state
        with If-Match, so the server takes it only where nobody changed it since."""
        if not self.undoable:
            return
        changes = [(i, was, self.store.get(i)) for i, was in self.before.items()]
        history.record(self.session, f"sync {self.name}: {self.report.undo_label()}",
                       changes, amend=self.step)

    def push(self) -> None:
        link = self.store.calendar_meta(self.name)["link"]
        if link.get("read_only"):
            return
        done: dict[str, int] = {}
        tried: set[str] = set()  # each queued change is sent at most once per sync
        try:
            while True:
                queued = self.store.pending_changes(self.name)
                todo = sorted(uid for uid in queued if uid not in tried)
                if not todo:
                    break
                ours = self._local_by_uid()
                self._fetch_originals(uid for uid in todo if ours.get(uid))
                for n, uid in enumerate(todo, 1):
                    tried.add(uid)
                    _say(self.progress, f"{self.name}: sending change {n} of {len(todo)} …")
                    outcome = self._push_one(uid, ours.get(uid, []))
                    if outcome == "pushed":
                        done[uid] = queued[uid]
                    elif outcome == "settled":
                        break  # a conflict was settled: the queue changed, read it again
        finally:
            self._commit_pushes(done)

    # -- pieces -----------------------------------------------------------------------

    def _push_one(self, uid: str, blocks: list[Block]) -> str:
        """Send one queued change: "pushed", "waiting" (stays queued) or "settled" (the
        server had changed it too, and that was settled locally instead)."""
        entry = self.resources.get(uid)
        original = self.originals.get(href_key(entry[0])) if entry and blocks else None
        task = original is not None and holds_todo(original.data, uid)
        unplaced = any(b.is_flexible and not b.planned and not b.done for b in blocks)
        if not task and unplaced and not (entry is None and len(blocks) == 1):
            # An event the server has keeps its last time until this one has a new one.
            self.report.waiting += 1
            return "waiting"
        try:
            if not blocks:
                if entry is not None:
                    self.conn.delete(entry[0], entry[1])
                    self.report.pushed_deleted += 1
                    del self.resources[uid]
                return "pushed"
            timing = _timing(blocks)
            sequence = _sequence_for(entry, blocks, timing)
            if entry is None and len(blocks) == 1 and blocks[0].is_flexible \
                    and not blocks[0].planned:
                # New and not placed yet: it goes as a task (VTODO), which needs no time;
                # once placed, its placement travels as a task's does.
                task_text = self._new_task(uid, blocks[0], sequence)
                if task_text is None:
                    self.report.waiting += 1
                    return "waiting"
                data = task_text
            else:
                data = self._serialize(blocks, sequence)
            if entry is None:
                href = resource_href(self.conn.url, uid)
                etag = self.conn.create(href, data)
                self.report.pushed_new += 1
            else:
                href = entry[0]
                if original is None or not _same_etag(original.etag, entry[1]):
                    # Gone or changed on the server since our pull: settle it first.
                    raise PreconditionFailed(f"{self.name}: {href} changed on the server.")
                patched = self._patched(uid, blocks, original, sequence, data)
                if patched is None and task:
                    # Written afresh, a task would become an event (or nothing, if not
                    # placed): keep the change here rather than damage it there.
                    self.report.notes.append(
                        f"not sent {_titles(blocks)}: its task on the server could not be "
                        "updated in place. It stays queued here.")
                    return "refused"
                if patched is None:
                    self.report.notes.append(
                        f"{_titles(blocks)}: its copy on the server could not be updated in "
                        "place, so it was written afresh (what other apps added to it is "
                        "gone).")
                data = patched or data
                etag = self.conn.update(href, data, entry[1] or original.etag)
                self.report.pushed_updated += 1
            self.resources[uid] = [href, etag, sequence, timing]
            return "pushed"
        except PreconditionFailed:
            href = entry[0] if entry is not None else resource_href(self.conn.url, uid)
            self._settle_after_refusal(uid, href)
            return "settled"
        except Refused as exc:
            # The server will not take this one event: the others still go, and it
            # stays queued here (kept, never dropped) for a later sync.
            self.report.notes.append(f"not sent {_titles(blocks) or uid}: {exc} "
                                     "It stays queued here.")
            return "refused"

    def _new_task(self, uid: str, block: Block, sequence: int) -> str | None:
        """The text of a new VTODO for a flexible block with no time yet, read back with
        planner's reader first: None (it waits for a time) unless it reads as the block."""
        text = as_new_task(self._serialize([block], sequence, stand_in=True), uid, block,
                           self.session.now())
        back = self._blocks_in(text, "").get(uid, [])
        return text if same_content([block], back) else None

    def _fetch_originals(self, uids: Iterable[str]) -> None:
        """Download, in one request per batch, the server's copy of each resource we
        are about to update; one that is gone is remembered as None."""
        hrefs = [self.resources[uid][0] for uid in uids if uid in self.resources]
        wanted = [h for h in hrefs if href_key(h) not in self.originals]
        if not wanted:
            return
        found = {href_key(r.href): r for r in self.conn.fetch(wanted)}
        for href in wanted:
            self.originals[href_key(href)] = found.get(href_key(href))

    def _patched(self, uid: str, blocks: list[Block], original: Resource, sequence: int,
                 fresh: str) -> str | None:
        """The server's text with our edit applied, keeping what planner does not model
        (other apps' properties, a VTODO); None if that cannot be done faithfully."""
        theirs = self._blocks_in(original.data, original.href).get(uid, [])
        return patch_checked(
            original.data, uid=uid, ours=blocks, theirs=theirs, fresh=fresh,
            serialize=lambda b: self._serialize(b, sequence, stand_in=True).encode(),
            read=lambda text: self._blocks_in(text, original.href), now=self.session.now())

    def _blocks_in(self, text: str, href: str) -> dict[str, list[Block]]:
        """The blocks an iCalendar text holds, by UID (ids and notes of no interest here)."""
        try:
            result = read_calendar(text.encode("utf-8"), calendar=self.name,
                                   sphere=self.sphere, origin=href)
        except CalendarError:
            return {}
        found: dict[str, list[Block]] = {}
        for block in result.blocks:
            if block.source is not None:
                found.setdefault(block.source.uid, []).append(block)
        return found

    def _settle_after_refusal(self, uid: str, href: str) -> None:
        """Someone changed the resource between our pull and our push: settle it now."""
        remote = self.conn.get(href)
        self.originals[href_key(href)] = remote
        theirs = self._read([remote]).get(href_key(href), {}) if remote else {}
        with self.session.write():
            queued = self.store.pending_changes(self.name)
            ours = self._local_by_uid()
            writes = _Writes()
            self._settle(uid, ours.get(uid, []), theirs.get(uid), queued, writes)
            if remote is not None and uid in theirs:
                self.resources[uid] = _entry(remote, theirs[uid])
            else:
                self.resources.pop(uid, None)
            self._remember_before(writes)
            self.store.write_calendar(self.name, upsert=writes.upsert, remove=writes.remove,
                                      queue=writes.queue, done=writes.done,
                                      meta={"resources": self.resources})
            self.session.invalidate()
            if writes.upsert or writes.remove:
                self._record_step()

    def _commit_pushes(self, done: dict[str, int]) -> None:
        with self.session.write():
            self.store.write_calendar(self.name, done=done, meta={"resources": self.resources})

    def _settle(self, uid: str, ours: list[Block], theirs: list[Block] | None,
                queued: dict[str, int], writes: _Writes) -> Outcome:
        resolution = resolve(ours, theirs, queued=uid in queued, new_uid=self._new_uid,
                             new_id=_new_block_id)
        if resolution.outcome is Outcome.ADOPTED and _unchanged(ours, resolution):
            # The same text again (listed afresh, or under a new href): nothing to save,
            # report, undo or push.
            resolution = Resolution(Outcome.SAME, titles=resolution.titles)
        writes.add(resolution, uid, queued)
        if resolution.outcome is Outcome.CONFLICT:
            self.report.conflicts += resolution.titles
        elif resolution.outcome is Outcome.KEPT_SERVER:
            self.report.notes.append(f"kept {', '.join(map(repr, resolution.titles))}: "
                                     "changed on the server after it was deleted here")
        elif resolution.outcome is Outcome.KEPT_LOCAL:
            self.report.notes.append(f"kept {', '.join(map(repr, resolution.titles))}: "
                                     "deleted on the server after it was changed here")
        if theirs is None and resolution.outcome is not Outcome.KEPT_LOCAL:
            self.resources.pop(uid, None)
        elif theirs is None:
            self.resources.pop(uid, None)  # gone there: the push creates it again
        return resolution.outcome

    def _read(self, resources: Iterable[Resource]) -> dict[str, dict[str, list[Block]]]:
        """Each resource's blocks by UID, read exactly as an import reads a file."""
        found: dict[str, dict[str, list[Block]]] = {}
        for resource in resources:
            try:
                result = read_calendar(resource.data.encode("utf-8"), calendar=self.name,
                                       sphere=self.sphere, origin=f"{self.name} {resource.href}",
                                       planner_ids=True)
            except CalendarError as exc:
                self.report.skipped.append(str(exc))
                continue
            self.report.skipped += [f"{s.component}: {s.reason}" for s in result.skipped]
            per_uid = found.setdefault(resource.href, {})
            for block in result.blocks:
                owned = self._own_id(block)
                assert owned.source is not None  # the reader gives every block its source
                per_uid.setdefault(owned.source.uid, []).append(owned)
        return found

    def _own_id(self, block: Block) -> Block:
        """X-PLANNER-ID keeps ids equal across devices, unless that id is taken here."""
        assert block.source is not None
        holder = self.store.get(block.id)
        if holder is None or (holder.source is not None and
                              holder.source.calendar == self.name and
                              holder.source.uid == block.source.uid and
                              holder.source.recurrence_id == block.source.recurrence_id):
            return block
        return replace(block, id=block_id_for(self.name, block.source.uid,
                                              block.source.recurrence_id))

    def _local_by_uid(self) -> dict[str, list[Block]]:
        by_uid: dict[str, list[Block]] = {}
        for block in self.store.calendar_blocks(self.name):
            if block.source is not None:
                by_uid.setdefault(block.source.uid, []).append(block)
        return by_uid

    def _serialize(self, blocks: list[Block], sequence: int, *, stand_in: bool = False
                   ) -> str:
        stamped = [replace(b, source=replace(b.source, sequence=sequence))
                   if b.source is not None else b for b in blocks]
        if stand_in:
            # A task not placed yet still needs an event for its other properties to
            # be compared and patched; its time is not written (a VTODO keeps its own).
            stamped = [replace(b, planned=((b.earliest or self.session.now(),) * 2,))
                       if b.is_flexible and not b.planned else b for b in stamped]
        # A resource holds one UID: a split flexible block goes as one event at its first
        # chunk, with every chunk in X-PLANNER-PLANNED for planner on other devices.
        split = {b.id: b.planned for b in stamped if b.is_flexible and len(b.planned) > 1}
        stamped = [replace(b, planned=b.planned[:1]) if b.id in split else b
                   for b in stamped]
        labels = {n: n.capitalize() for n in self.session.settings.spheres}
        data = write_calendar(stamped, ExportOptions(sphere_labels=labels),
                              now=self.session.now()).data
        if split:
            data = _with_chunks(data, split)
        return data.decode("utf-8")

    def _new_uid(self) -> str:
        return f"{_new_block_id()}{UID_DOMAIN}"


def _with_chunks(data: bytes, split: dict[str, Any]) -> bytes:
    """Add X-PLANNER-PLANNED (all chunks as UTC periods) to split flexible events."""
    import icalendar

    calendar = icalendar.Calendar.from_ical(data)
    for event in calendar.walk("VEVENT"):
        chunks = split.get(str(event.get("X-PLANNER-ID", "")))
        if chunks:
            event.add("X-PLANNER-PLANNED", " ".join(
                f"{s.astimezone(UTC):%Y%m%dT%H%M%SZ}/{e.astimezone(UTC):%Y%m%dT%H%M%SZ}"
                for s, e in chunks))
    return calendar.to_ical()


def _unchanged(ours: list[Block], resolution: Resolution) -> bool:
    """Whether adopting the server's version would change nothing but revisions."""
    mine = {b.id: b for b in ours}
    return bool(ours) and not resolution.remove and len(resolution.upsert) == len(mine) \
        and all(b.id in mine and replace(b, revision=mine[b.id].revision) == mine[b.id]
                for b in resolution.upsert)


def _titles(blocks: list[Block]) -> str:
    return ", ".join(sorted({repr(b.title) for b in blocks}))


def _same_etag(seen: str, known: str) -> bool:
    """Whether a fetched etag names the version we know (either may be weak or absent)."""
    if not seen or not known:
        return True  # a server that gives no etags: If-Match decides
    return seen.removeprefix("W/") == known.removeprefix("W/")


def _timing(blocks: list[Block]) -> str:
    """A fingerprint of when a resource's blocks happen (to know when SEQUENCE rises)."""
    parts = sorted(repr((b.source.recurrence_id if b.source else None, b.start, b.end,
                         b.recurrence, b.planned)) for b in blocks)
    return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:16]


def _entry(resource: Resource, blocks: list[Block]) -> list[Any]:
    """What we remember of a server resource: href, etag, SEQUENCE and timing."""
    sequence = max((b.source.sequence for b in blocks if b.source), default=0)
    return [resource.href, resource.etag, sequence, _timing(blocks)]


def _sequence_for(entry: list[Any] | None, blocks: list[Block], timing: str) -> int:
    """SEQUENCE for a push: raised when the time changed (a move, a re-plan), so other
    calendar apps take the new time; never lower than any version seen."""
    if entry is None:
        return max((b.source.sequence for b in blocks if b.source), default=0)
    last = max([int(entry[2]) if len(entry) > 2 else 0,
                *(b.source.sequence for b in blocks if b.source)])
    moved = len(entry) < 4 or entry[3] != timing
    return last + 1 if moved else last


@dataclass
class _Writes:
    upsert: list[Block] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    queue: list[str] = field(default_factory=list)
    done: dict[str, int] = field(default_factory=dict)

    def add(self, resolution: Resolution, uid: str, queued: dict[str, int]) -> None:
        self.upsert += resolution.upsert
        self.remove += resolution.remove
        self.queue += resolution.queue
        if resolution.clear and uid in queued:
            self.done[uid] = queued[uid]


def _new_block_id() -> str:
    return new_block_id()


def _say(progress: Progress, text: str) -> None:
    if progress is not None:
        progress(text)
