"""Two-way sync decisions, pure: what a server's version of one event does to ours.

A linked calendar holds, per server resource (one UID: a series master and its
overrides), the blocks read from it. When the server's version and a queued local
change meet, these functions decide without I/O: adopt the server's, keep ours, or keep
both (a conflict copy under a new UID). Nothing here ever drops a version someone made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from planner.core.model import Block, Source

CONFLICT_MARK = "(conflict copy)"


class Outcome(StrEnum):
    ADOPTED = "adopted"  # the server's version replaced ours (ours had not changed)
    SAME = "same"  # both sides hold the same content: nothing to push
    CONFLICT = "conflict"  # both changed: server's kept under its UID, ours as a copy
    KEPT_SERVER = "kept_server"  # deleted here, changed there: the change wins
    KEPT_LOCAL = "kept_local"  # deleted there, changed here: ours is pushed again
    DELETED = "deleted"  # gone on the server and not changed here


@dataclass
class Resolution:
    """What to write locally for one resource, and what to queue."""

    outcome: Outcome
    upsert: list[Block] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)  # block ids
    queue: list[str] = field(default_factory=list)  # UIDs to push
    clear: bool = False  # the resource's own queued change is settled
    titles: list[str] = field(default_factory=list)  # for the report


def content_key(block: Block) -> tuple[object, ...]:
    """Everything a person would call "the event": not ids, revisions or file hashes."""
    rule = block.recurrence
    recurrence = None if rule is None else (
        tuple(sorted((rule.rrule or "").upper().split(";"))),
        tuple(sorted(map(str, rule.rdates))), tuple(sorted(map(str, rule.exdates))))
    return (block.title, block.sphere, block.kind, block.notes, block.location,
            tuple(block.tags), block.energy, block.start, block.end,
            block.tzid if block.start is not None else None, recurrence, block.transparent,
            block.travel, block.duration, block.day, block.earliest, block.deadline,
            block.part_of_day, block.priority, block.min_chunk, block.pinned_start,
            block.done, tuple(block.planned))


def _by_occurrence(blocks: Sequence[Block]) -> dict[str | None, Block]:
    return {(b.source.recurrence_id if b.source else None): b for b in blocks}


def same_content(ours: Sequence[Block], theirs: Sequence[Block]) -> bool:
    mine, other = _by_occurrence(ours), _by_occurrence(theirs)
    return mine.keys() == other.keys() and all(
        content_key(mine[k]) == content_key(other[k]) for k in mine)


def adopt(ours: Sequence[Block], theirs: Sequence[Block]) -> tuple[list[Block], list[str]]:
    """The server's blocks under our ids (revision bumped); ours it no longer has go."""
    mine = _by_occurrence(ours)
    upsert = []
    for block in theirs:
        rid = block.source.recurrence_id if block.source else None
        old = mine.pop(rid, None)
        if old is not None:
            block = replace(block, id=old.id, revision=max(old.revision, block.revision) + 1)
            if old.is_flexible and block.is_flexible and not block.planned:
                block = replace(block, planned=old.planned)
        upsert.append(block)
    return upsert, [b.id for b in mine.values()]


def conflict_copy(ours: Sequence[Block], new_uid: str, new_id: Callable[[], str]
                  ) -> list[Block]:
    """Our version as a new event: new UID and ids, titles marked as a conflict copy."""
    copies = []
    for block in ours:
        assert block.source is not None
        title = block.title if block.title.endswith(CONFLICT_MARK) else \
            f"{block.title} {CONFLICT_MARK}"
        source = Source(block.source.calendar, new_uid, block.source.recurrence_id)
        copies.append(replace(block, id=new_id(), title=title, source=source, revision=0))
    return copies


def resolve(ours: Sequence[Block], theirs: Sequence[Block] | None, *, queued: bool,
            new_uid: Callable[[], str], new_id: Callable[[], str]) -> Resolution:
    """The server changed (``theirs``) or deleted (None) a resource; ``ours`` is what we
    hold for its UID now (empty: deleted here) and ``queued`` whether we changed it."""
    titles = sorted({b.title for b in (*ours, *(theirs or ()))})
    if theirs is None:
        if queued and ours:
            return Resolution(Outcome.KEPT_LOCAL, titles=titles)
        return Resolution(Outcome.DELETED, remove=[b.id for b in ours], clear=queued,
                          titles=titles)
    upsert, remove = adopt(ours, theirs)
    if not queued:
        return Resolution(Outcome.ADOPTED, upsert, remove, titles=titles)
    if not ours:
        return Resolution(Outcome.KEPT_SERVER, upsert, remove, clear=True, titles=titles)
    if same_content(ours, theirs):
        return Resolution(Outcome.SAME, upsert, remove, clear=True, titles=titles)
    uid = new_uid()
    copies = conflict_copy(ours, uid, new_id)
    return Resolution(Outcome.CONFLICT, [*upsert, *copies], remove, queue=[uid], clear=True,
                      titles=sorted({b.title for b in ours}))
