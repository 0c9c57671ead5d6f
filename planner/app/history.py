"""Undo and redo, kept in the store so they survive the session.

Each entry is a label and, per block touched, its document before and after. Undo puts
the "before" side back, redo the "after" side; both re-plan from the earliest day
touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from planner.adapters.codec import block_from_doc, block_to_doc
from planner.app import planning
from planner.app.session import Session
from planner.core.errors import PlannerError
from planner.core.model import Block

HISTORY_KEPT = 200

Change = tuple[str, Block | None, Block | None]  # (block id, before, after)


def record(session: Session, label: str, changes: Iterable[Change]) -> None:
    """Remember one undoable step (inside a write); a new step drops the redo tail."""
    store = session.store
    entries = store.history()[:store.history_cursor()]
    entries.append({
        "label": label,
        "changes": [{"id": bid,
                     "before": block_to_doc(b) if b else None,
                     "after": block_to_doc(a) if a else None} for bid, b, a in changes],
    })
    entries = entries[-HISTORY_KEPT:]
    store.set_history(entries, len(entries))


def undo(session: Session) -> str:
    with session.write() as store:
        entries, cursor = store.history(), store.history_cursor()
        if cursor == 0:
            raise PlannerError("Nothing to undo.")
        entry = entries[cursor - 1]
        _apply(session, entry, "before")
        store.set_history(entries, cursor - 1)
        return f"Undid {entry['label']}."


def redo(session: Session) -> str:
    with session.write() as store:
        entries, cursor = store.history(), store.history_cursor()
        if cursor >= len(entries):
            raise PlannerError("Nothing to redo.")
        entry = entries[cursor]
        _apply(session, entry, "after")
        store.set_history(entries, cursor + 1)
        return f"Redid {entry['label']}."


def _apply(session: Session, entry: dict[str, Any], side: str) -> None:
    for change in entry["changes"]:
        doc = change[side]
        current = session.store.get(change["id"])
        if doc is None:
            session.store.delete(change["id"])
            session.changed(current, None)
        else:
            block = block_from_doc(doc)
            if current is not None:
                # Undoing a change is a change too: SEQUENCE never goes back.
                block = replace(block, revision=max(block.revision, current.revision) + 1)
            session.store.put(block)
            session.changed(current, block)
    planning.settle(session)
