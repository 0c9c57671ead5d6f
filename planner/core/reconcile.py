"""Idempotent re-import: what changed between a calendar's stored blocks and its file.

Pure: takes the blocks stored for one calendar and the blocks just read from that
calendar's file, and says which are new, updated, removed or unchanged. The caller
(the service) writes the answer in one batch. Identity is ``Source.identity``:
(calendar, UID, RECURRENCE-ID).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from planner.core.model import Block
from planner.core.wording import counted

Identity = tuple[str, str, str | None]


@dataclass(frozen=True)
class ReconcileResult:
    """The outcome of one reconcile; every list is sorted by identity."""

    new: list[Block] = field(default_factory=list)
    updated: list[Block] = field(default_factory=list)
    removed: list[Block] = field(default_factory=list)
    unchanged: list[Block] = field(default_factory=list)
    # Unchanged blocks whose stored hash came from another reader version: written
    # again with the new hash, but not a change (see ``hash_version``).
    rehashed: list[Block] = field(default_factory=list)
    moved: int = 0  # how many of ``updated`` changed time
    # Blocks left alone because they belong to no calendar or another one.
    ignored: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated or self.removed)

    @property
    def kept(self) -> list[Block]:
        """The calendar's blocks after the import: unchanged, updated and new."""
        return sorted([*self.unchanged, *self.rehashed, *self.updated, *self.new],
                      key=_sort_key)

    def summary(self, label: str, skipped: int = 0) -> str:
        return (
            f"{label}: {len(self.new)} new, {len(self.updated)} updated "
            f"({self.moved} moved), {len(self.removed)} removed, "
            f"{len(self.unchanged) + len(self.rehashed)} unchanged, {skipped} skipped"
        )


def reconcile(
    existing: Sequence[Block],
    incoming: Sequence[Block],
    *,
    calendar: str | None = None,
) -> ReconcileResult:
    """Compare the stored blocks of one calendar with the blocks read from its file.

    ``calendar`` names the calendar; when omitted it is taken from the first incoming
    block (else the first stored one). Blocks without a source or from another
    calendar are counted in ``ignored`` and never touched. Duplicate identities in
    ``incoming`` keep the last; duplicates in ``existing`` keep the first and the rest
    are removed, so a damaged store heals on the next import.
    """
    name = calendar if calendar is not None else _first_calendar(incoming, existing)
    ignored = 0

    stored: dict[Identity, Block] = {}
    removed: list[Block] = []
    for block in existing:
        if block.source is None or block.source.calendar != name:
            ignored += 1
            continue
        ident = block.source.identity
        if ident in stored:
            removed.append(block)
        else:
            stored[ident] = block

    fresh: dict[Identity, Block] = {}
    for block in incoming:
        if block.source is None or block.source.calendar != name:
            ignored += 1
            continue
        fresh[block.source.identity] = block  # later duplicates win

    new: list[Block] = []
    updated: list[Block] = []
    unchanged: list[Block] = []
    rehashed: list[Block] = []
    moved = 0
    for ident, incoming_block in fresh.items():
        old = stored.pop(ident, None)
        if old is None:
            new.append(incoming_block)
            continue
        old_source = old.source
        new_source = incoming_block.source
        assert old_source is not None and new_source is not None
        if old_source.content_hash == new_source.content_hash:
            unchanged.append(old)
            continue
        merged = _merge(old, incoming_block)
        if hash_version(old_source.content_hash) != hash_version(new_source.content_hash) \
                and replace(merged, revision=old.revision, source=old_source) == old:
            # Read by another reader version, and the blocks agree: not a change.
            rehashed.append(replace(old, source=replace(
                old_source, content_hash=new_source.content_hash)))
        elif new_source.sequence < old_source.sequence:
            unchanged.append(old)  # an older copy of the file: keep what we have
        else:
            updated.append(merged)
            if _timing(old) != _timing(merged):
                moved += 1
    removed.extend(stored.values())

    return ReconcileResult(
        new=sorted(new, key=_sort_key),
        updated=sorted(updated, key=_sort_key),
        removed=sorted(removed, key=_sort_key),
        unchanged=sorted(unchanged, key=_sort_key),
        rehashed=sorted(rehashed, key=_sort_key),
        moved=moved,
        ignored=ignored,
    )


def hash_version(content_hash: str) -> str:
    """The reader version a content hash was made by: ``"2:ab12..."`` is version 2;
    hashes from before versioning have no prefix and are version 1."""
    version, colon, _ = content_hash.partition(":")
    return version if colon else "1"


def _merge(old: Block, incoming: Block) -> Block:
    """The incoming block under the stored block's id, keeping the user's planning."""
    changes: dict[str, object] = {"id": old.id, "revision": old.next_revision}
    if old.is_flexible and incoming.is_flexible:
        # The file says nothing about where we planned a task or whether the user
        # pinned it; a value the file does carry wins.
        if incoming.pinned_start is None:
            changes["pinned_start"] = old.pinned_start
        if not incoming.done:
            changes["done"] = old.done
        # A stale placement would show the task at the wrong length or past its new
        # window, so keep it only while the constraints it was planned for hold.
        if not incoming.planned and _constraints(old) == _constraints(incoming):
            changes["planned"] = old.planned
    return replace(incoming, **changes)  # type: ignore[arg-type]


def _timing(block: Block) -> tuple[object, ...]:
    """Everything that decides when a block happens."""
    return (
        block.start,
        block.end,
        block.tzid,
        block.recurrence,
        block.duration,
        block.day,
        block.earliest,
        block.deadline,
    )


def _constraints(block: Block) -> tuple[object, ...]:
    """What a flexible block's placement was computed from."""
    return (
        block.duration,
        block.day,
        block.earliest,
        block.deadline,
        block.part_of_day,
        block.min_chunk,
    )


def _first_calendar(*groups: Sequence[Block]) -> str | None:
    for group in groups:
        for block in group:
            if block.source is not None:
                return block.source.calendar
    return None


def _sort_key(block: Block) -> tuple[str, str, bool, str, str]:
    # None sorts before any RECURRENCE-ID (a master before its overrides); the id
    # breaks ties between duplicates so the order never depends on input order.
    source = block.source
    if source is None:
        return ("", "", False, "", block.id)
    rid = source.recurrence_id
    return (source.calendar, source.uid, rid is not None, rid or "", block.id)


# --------------------------------------------------------------------------- wipes

WIPE_MIN = 10  # a calendar this big that loses over half its events in one go is suspect


def looks_like_a_wipe(had: int, left: int, removed: int) -> bool:
    """Whether a refresh (import, refresh or sync) that removes ``removed`` of a
    calendar's ``had`` events, leaving ``left`` at the source, is more likely a broken
    or emptied source than a wish to delete: it empties the source, or takes over half
    of a calendar of at least ``WIPE_MIN`` events."""
    return removed > 0 and (left == 0 or (had >= WIPE_MIN and removed * 2 > had))


def wipe_words(left: int, removed: int) -> tuple[str, str]:
    """How a refused wipe is said: what the source holds now, and what would go."""
    held = "no events" if left == 0 else f"only {counted(left, 'event')}"
    gone = "that event" if removed == 1 else f"those {removed} events"
    return held, gone
