"""The imported and linked calendars: list, rename, remove (undoable), hide and show,
and which sphere they belong to (undoable).

A removed calendar is not deleted at once: its file is kept under a hidden name so
`planner undo` can bring it back, and dropped once no undo step names it any more. A
hidden calendar's events are not shown and take no time from planning, unless it is
marked busy (then its time still counts, the events just stay out of sight).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import Any

from planner.adapters.ical.addresses import redact_url
from planner.adapters.store import TRASH_MARK
from planner.app import history, planning
from planner.app.calendar_names import check_calendar_name
from planner.app.session import Session
from planner.core.errors import PlannerError
from planner.core.wording import counted


@dataclass(frozen=True)
class CalendarInfo:
    name: str
    sphere: str
    events: int
    origin: str  # the file it was imported from, or the URL with secrets masked
    imported_at: str | None  # ISO 8601 (UTC) of the last successful import or refresh
    hidden: bool = False
    busy: bool = False  # hidden, but its time still counts for planning
    linked: bool = False  # synced both ways with a CalDAV server
    subscribed: bool = False  # a URL, refreshed by `planner refresh`
    checked_at: str | None = None  # ISO 8601 (UTC) of the last import, refresh or sync
    last_result: str | None = None  # what it said, one line
    ok: bool | None = None  # whether that went well
    # What its last import skipped or repaired, one "component: reason" line each (the
    # first 50 of each are kept), and how many there were in all.
    skipped: tuple[str, ...] = ()
    repaired: tuple[str, ...] = ()
    skipped_count: int = 0
    repaired_count: int = 0


def list_calendars(session: Session) -> list[CalendarInfo]:
    store = session.store
    found = []
    for name in store.calendar_names():
        meta = store.calendar_meta(name)
        link = meta.get("link")
        origin = redact_url(meta["url"]) if meta.get("url") else meta.get("path", "")
        if isinstance(link, dict):
            origin = redact_url(str(link.get("url", "")))
        checked = meta.get("checked") or {}
        sync = meta.get("sync") or {}
        if isinstance(link, dict) and sync.get("at"):
            checked = {"at": sync.get("at"), "result": sync.get("result"),
                       "ok": sync.get("ok")}
        found.append(CalendarInfo(
            name=name, sphere=meta.get("sphere", "work"), events=store.calendar_size(name),
            origin=origin, imported_at=meta.get("imported_at"),
            hidden=bool(meta.get("hidden")), busy=bool(meta.get("busy")),
            linked=isinstance(link, dict), subscribed=bool(meta.get("url")),
            checked_at=checked.get("at") or meta.get("imported_at"),
            last_result=checked.get("result"), ok=checked.get("ok"),
            **_notes(meta)))
    return found


def _notes(meta: dict[str, Any]) -> dict[str, Any]:
    skipped = tuple(str(line) for line in meta.get("skipped_reasons") or ())
    repaired = tuple(str(line) for line in meta.get("repaired_reasons") or ())
    return {"skipped": skipped, "repaired": repaired,
            "skipped_count": _count(meta.get("skipped"), len(skipped)),
            "repaired_count": _count(meta.get("repaired"), len(repaired))}


def _count(value: object, at_least: int) -> int:
    return max(value, at_least) if isinstance(value, int) else at_least


def hidden_calendars(session: Session) -> dict[str, bool]:
    """Hidden calendar name -> whether its time still counts (marked busy)."""
    found = {}
    for name in session.store.calendar_names():
        meta = session.store.calendar_meta(name)
        if meta.get("hidden"):
            found[name] = bool(meta.get("busy"))
    return found


# --------------------------------------------------------------------------- changing


def rename(session: Session, old: str, new: str) -> str:
    new = check_calendar_name(new)
    with session.write():
        _known(session, old)
        _check_new_name(session, new)
        _rename(session, old, new)
        history.record(session, f"rename calendar {old} to {new}", [],
                       calendar={"op": "rename", "old": old, "new": new})
        session.invalidate()
    return f"Renamed {old} to {new}."


def remove(session: Session, name: str) -> str:
    """Remove a calendar and the changes made here to its events; undo brings all back."""
    with session.write() as store:
        meta = _known(session, name)
        if isinstance(meta.get("link"), dict):
            raise PlannerError(f"{name!r} is linked to a CalDAV server; `planner sync remove "
                               f"{name}` unlinks it.")
        trash = f"{TRASH_MARK}removed{TRASH_MARK}{name}{TRASH_MARK}{secrets.token_hex(6)}"
        size = store.calendar_size(name)
        local = [b for b in store.user_blocks()
                 if b.source is not None and b.source.calendar == name]
        for block in local:
            store.delete(block.id)
        store.rename_calendar(name, trash, retag=False)
        history.record(session, f"remove calendar {name}", [(b.id, b, None) for b in local],
                       calendar={"op": "remove", "name": name, "trash": trash})
        _purge(session)
        session.invalidate()
        session.plan_notices = planning.notices(session, planning.replan(session), touched=())
    return f"Removed {name} ({counted(size, 'event')})."


def set_hidden(session: Session, name: str, hidden: bool, *, busy: bool = False) -> str:
    with session.write() as store:
        _known(session, name)
        store.write_calendar(name, meta={"hidden": hidden, "busy": busy and hidden})
        session.invalidate()
        # Shown again, its events take their time back: what moves is said.
        session.plan_notices = planning.notices(session, planning.replan(session), touched=())
    if not hidden:
        return f"{name} is shown again."
    return (f"{name} is hidden; its time still counts as busy." if busy else
            f"{name} is hidden and takes no time from planning.")


def set_sphere(session: Session, name: str, sphere: str) -> str:
    """Put a calendar, its events and the changes made here to them in ``sphere``; later
    imports and syncs of it keep it there. Events a file gave a sphere of their own
    (planner's X-PLANNER-SPHERE) keep theirs."""
    session.check_sphere(sphere)
    with session.write() as store:
        meta = _known(session, name)
        old = str(meta.get("sphere") or "work")
        if old == sphere:
            return f"{name} is in {sphere} already."
        kept = _relabel(session, name, old, sphere)
        local = [b for b in store.user_blocks() if b.source is not None
                 and b.source.calendar == name and b.sphere == old]
        for block in local:
            store.put(replace(block, sphere=sphere))
        history.record(session, f"move calendar {name} to {sphere}",
                       [(b.id, b, replace(b, sphere=sphere)) for b in local],
                       calendar={"op": "sphere", "name": name, "old": old, "new": sphere,
                                 "kept": kept})
        session.invalidate()
        # Working hours are per sphere: flexible blocks may find other room now.
        session.plan_notices = planning.notices(session, planning.replan(session), touched=())
    return f"{name} is in {sphere} now, with its events."


def _relabel(session: Session, name: str, old: str, new: str,
             keep: frozenset[str] = frozenset()) -> list[str]:
    """The calendar's events in sphere ``old`` (but those in ``keep``) moved to ``new``;
    returns the ids of those that were in ``new`` already (an undo leaves them there)."""
    store = session.store
    blocks = store.calendar_blocks(name)
    moved = [replace(b, sphere=new) for b in blocks if b.sphere == old and b.id not in keep]
    store.write_calendar(name, upsert=moved, meta={"sphere": new})
    return sorted(b.id for b in blocks if b.sphere == new)


def replay(session: Session, op: dict[str, Any], side: str) -> None:
    """Undo ("before") or redo ("after") a calendar step recorded by this module."""
    store = session.store
    if op.get("op") == "sphere":
        name = str(op["name"])
        if name not in store.calendar_names():
            raise PlannerError(f"The calendar {name!r} is gone; its sphere cannot change.")
        if side == "before":
            _relabel(session, name, op["new"], op["old"], frozenset(op.get("kept") or ()))
        else:
            _relabel(session, name, op["old"], op["new"])
    elif op.get("op") == "rename":
        old, new = (op["new"], op["old"]) if side == "before" else (op["old"], op["new"])
        if new in store.calendar_names():
            raise PlannerError(f"A calendar named {new!r} exists again; rename it first.")
        _rename(session, old, new)
    elif op.get("op") == "remove":
        name, trash = op["name"], op["trash"]
        if side == "before":
            if name in store.calendar_names():
                raise PlannerError(f"A calendar named {name!r} exists again; rename it "
                                   "first to bring the removed one back.")
            if trash not in store.removed_calendar_names():
                raise PlannerError(f"The removed calendar {name!r} is no longer kept.")
            store.rename_calendar(trash, name, retag=False)
        else:
            store.rename_calendar(name, trash, retag=False)
    session.invalidate()


# --------------------------------------------------------------------------- pieces


def _known(session: Session, name: str) -> dict[str, Any]:
    if name not in session.store.calendar_names():
        names = session.store.calendar_names()
        known = f"calendars: {', '.join(names)}" if names else "no calendars yet"
        raise PlannerError(f"No calendar named {name!r}; {known}.")
    return session.store.calendar_meta(name)


def _check_new_name(session: Session, name: str) -> None:
    check_calendar_name(name)
    if name in session.store.calendar_names():
        raise PlannerError(f"A calendar named {name!r} already exists; pick another name.")


def _rename(session: Session, old: str, new: str) -> None:
    """The calendar, its events and the blocks made here for it all take the new name."""
    store = session.store
    store.rename_calendar(old, new)
    for block in store.user_blocks():
        if block.source is not None and block.source.calendar == old:
            store.put(replace(block, source=replace(block.source, calendar=new)))


def _purge(session: Session) -> None:
    """Drop removed calendars no undo step can bring back any more."""
    wanted = {str((e.get("calendar") or {}).get("trash")) for e in session.store.history()}
    for trash in session.store.removed_calendar_names():
        if trash not in wanted:
            session.store.remove_calendar(trash)
