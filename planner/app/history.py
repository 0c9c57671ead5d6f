"""Undo and redo, kept in the store so they survive the session.

An entry holds, per block touched, only the step that leads to the *other* side of the
change from what is stored now: before undo, how to go back; after undo, how to go
forward again (computed from the live block at the moment of undoing). An edit stores
only the fields it changed, so editing the title of a block with a 2 MB note costs a few
bytes, and the history as a whole is capped by size (oldest steps go first). Imports
are recorded too (new, changed and removed events), so a bad re-import can be undone.
Undo puts a block back where it lives (its calendar's file for an imported one).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import orjson

from planner.adapters.codec import Doc, block_from_doc, block_to_doc
from planner.adapters.store import Store
from planner.app import planning
from planner.app.session import Session
from planner.core.errors import PlannerError
from planner.core.model import Block

HISTORY_KEPT = 200
HISTORY_BYTES = 8 * 2**20  # the whole undo history; oldest steps are dropped beyond it

Change = tuple[str, Block | None, Block | None]  # (block id, before, after)
Step = dict[str, Any]


def step_between(live: Doc | None, target: Doc | None) -> Step:
    """How to turn the stored ``live`` document into ``target`` (None: no block)."""
    if target is None:
        return {"gone": True}
    if live is None:
        return {"doc": dict(target)}
    return {"set": {k: v for k, v in target.items() if live.get(k) != v},
            "unset": [k for k in live if k not in target]}


def apply_step(live: Doc | None, step: Step) -> Doc | None:
    if step.get("gone"):
        return None
    if "doc" in step:
        return dict(step["doc"])
    if live is None:
        return None  # deleted meanwhile by something not in the history: leave it so
    doc = {k: v for k, v in live.items() if k not in set(step.get("unset", ()))}
    doc.update(step.get("set", {}))
    return doc


def record(session: Session, label: str, changes: Iterable[Change], *,
           calendar: dict[str, Any] | None = None, amend: str | None = None) -> None:
    """Remember one undoable step (inside a write); a new step drops the redo tail.

    ``calendar`` describes a step on a whole calendar (a rename, a removal), replayed
    by ``planner.app.calendars``: too big to keep as block documents. ``amend`` names a
    step made of several commits (a sync's pull, then what its push settled): while the
    latest step carries that name it is replaced, ``changes`` then holding them all.
    """
    store = session.store
    entries = store.history()[:store.history_cursor()]
    if amend is not None and entries and entries[-1].get("amend") == amend:
        entries.pop()
    steps = []
    for block_id, before, after in changes:
        if before is None and after is not None:
            # Undo removes a new block: no document to compare, no home to say (an import
            # of 50,000 events saves 0.3 s here).
            steps.append({"id": block_id, "gone": True})
            continue
        if before is None:
            step: Step = {"gone": True}
        else:
            step = step_between(block_to_doc(after) if after else None, block_to_doc(before))
        if step.get("set") == {} and not step.get("unset"):
            continue  # nothing to undo for this block
        steps.append({"id": block_id, **step, **_home(store, block_id, after)})
    if not steps and calendar is None:
        return
    entry: dict[str, Any] = {"label": label, "changes": steps}
    if calendar is not None:
        entry["calendar"] = calendar
    if amend is not None:
        entry["amend"] = amend
    entries.append(entry)
    entries = entries[-HISTORY_KEPT:]
    entries, cursor = _within_size(entries, len(entries))
    store.set_history(entries, cursor)


def _within_size(entries: list[Doc], cursor: int) -> tuple[list[Doc], int]:
    """Drop the oldest steps (then the redo tail) until the history fits its cap."""
    sizes = [len(orjson.dumps(e)) for e in entries]
    total = sum(sizes)
    while total > HISTORY_BYTES and cursor > 1:
        total -= sizes.pop(0)
        entries = entries[1:]
        cursor -= 1
    while total > HISTORY_BYTES and len(entries) > cursor:
        total -= sizes.pop()
        entries = entries[:-1]
    return entries, cursor


def undo(session: Session) -> str:
    with session.write() as store:
        entries, cursor = store.history(), store.history_cursor()
        if cursor == 0:
            raise PlannerError("Nothing to undo.")
        entry = entries[cursor - 1]
        entries[cursor - 1], linked = _apply(session, entry, "before")
        entries, cursor = _within_size(entries, cursor - 1)
        store.set_history(entries, cursor)
        return f"Undid {entry['label']}{_sent_later(linked)}."


def redo(session: Session) -> str:
    with session.write() as store:
        entries, cursor = store.history(), store.history_cursor()
        if cursor >= len(entries):
            raise PlannerError("Nothing to redo.")
        entry = entries[cursor]
        entries[cursor], linked = _apply(session, entry, "after")
        store.set_history(entries, cursor + 1)
        return f"Redid {entry['label']}{_sent_later(linked)}."


def _sent_later(linked: bool) -> str:
    # A linked calendar's blocks changed here are queued for the server like any edit
    # (the store queues them): say so, an undone sync is then undone there too.
    return "; the next sync sends that to the server" if linked else ""


def _apply(session: Session, entry: Doc, side: str) -> tuple[Doc, bool]:
    """Take the entry's step for every block; return the entry holding the way back,
    and whether a block of a calendar linked to a server changed."""
    if entry.get("calendar"):
        from planner.app import calendars  # it records its steps here

        calendars.replay(session, entry["calendar"], side)
    back = []
    touched: set[str] = set()
    for change in entry["changes"]:
        block_id = change["id"]
        step = _legacy_step(change, side) if "before" in change else change
        current = session.store.get(block_id)
        live = block_to_doc(current) if current else None
        target = apply_step(live, step)
        if target is None:
            if current is not None:
                session.store.delete(block_id)
                session.changed(current, None)
                touched.add(current.source.calendar if current.source else "")
            back.append({"id": block_id, **step_between(target, live),
                         **_home(session.store, block_id, None)})
            continue
        back.append({"id": block_id, **step_between(target, live)})
        block = block_from_doc(target)
        if current is not None:
            # Undoing a change is a change too: SEQUENCE never goes back.
            block = replace(block, revision=max(block.revision, current.revision) + 1)
        session.store.put(block, calendar=change.get("calendar"))
        session.changed(current, block)
        touched.add(block.source.calendar if block.source else "")
    planning.settle(session)
    undone: Doc = {"label": entry["label"], "changes": back}
    if entry.get("calendar"):
        undone["calendar"] = entry["calendar"]
    linked = any(isinstance(session.store.calendar_meta(name).get("link"), dict)
                 for name in touched - {""} if name in session.store.calendar_names())
    return undone, linked


def _home(store: Store, block_id: str, after: Block | None) -> dict[str, str]:
    """Where a deleted block lived, so undo puts it back there (its calendar's file)."""
    if after is not None:
        return {}
    calendar = store.calendar_it_left(block_id)
    return {"calendar": calendar} if calendar else {}


def _legacy_step(change: Doc, side: str) -> Step:
    """Entries written before 0.2 held both documents whole."""
    doc = change[side]
    return {"gone": True} if doc is None else {"doc": doc}
