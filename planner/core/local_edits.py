"""Keeping a person's edits of an imported calendar across re-imports.

An imported calendar is read-only at its source, so what the person changes here lives
beside it: events changed in place carry ``Source.edited``; occurrences changed on their
own (overrides) and series split off ("this and following") are blocks of their own
whose ``content_hash`` is empty (made here). After ``reconcile`` has compared the stored
events with the file, :func:`keep_local_edits` decides, per edit, what a person expects:

* the source left that event (or that occurrence) alone: the edit stays;
* the source changed it: the source's version wins and a notice says so;
* a series the source changed elsewhere keeps the EXDATEs and the end (UNTIL) added
  here while the occurrences they touch are unchanged.

Pure: blocks in, blocks and sentences out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from planner.core.errors import PlannerError
from planner.core.model import Block, Moment, Recurrence
from planner.core.moments import day_label
from planner.core.reconcile import ReconcileResult
from planner.core.recurrence import parse_recurrence_id, recurrence_id_text
from planner.core.series import TAIL_MARK, Series


@dataclass(frozen=True)
class KeptEdits:
    result: ReconcileResult  # what to write to the calendar's own file
    drop_local: list[Block] = field(default_factory=list)  # edits made here that lost
    refresh_local: list[Block] = field(default_factory=list)  # kept, with new details
    notices: list[str] = field(default_factory=list)


def fingerprint(block: Block) -> str:
    """What a person would call the event as a whole: its details and times, but not
    where its series ends or which occurrences it skips (those are edited one by one)."""
    rule = block.recurrence
    series = None if rule is None else (
        tuple(sorted(_without_end(_parts(rule.rrule)).items())),
        tuple(sorted(recurrence_id_text(m) for m in rule.rdates)))
    details = (block.title, block.location, block.notes, block.transparent, block.sphere,
               block.kind, block.start, block.end, block.tzid, series, block.duration,
               block.earliest, block.deadline, block.part_of_day, block.priority)
    return hashlib.sha1(repr(details).encode("utf-8")).hexdigest()[:16]


def changed_as_a_whole(block: Block) -> bool:
    """Whether the event itself (not just some occurrences) was changed here."""
    return block.source is not None and bool(block.source.edited_from) and \
        fingerprint(block) != block.source.edited_from


def keep_local_edits(result: ReconcileResult, stored: Sequence[Block],
                     local: Sequence[Block], zone: ZoneInfo, calendar: str) -> KeptEdits:
    """Adjust a re-import's ``result`` for the edits made here.

    ``stored``: the calendar's events before the import; ``local``: blocks made here
    for it (overrides and split-off series, kept outside the calendar's file).
    """
    before = {b.id: b for b in stored}
    notices: list[str] = []
    updated: list[Block] = []
    truncation_kept: dict[str, bool] = {}  # master UID -> its local UNTIL survived
    for block in result.updated:
        old = before.get(block.id)
        if old is None or old.source is None or not old.source.edited_from:
            updated.append(block)
            continue
        lost = ["your change"] if changed_as_a_whole(old) else []
        if old.is_recurring and block.is_recurring and old.source.recurrence_id is None:
            block, kept_end, lost_here = _reapply_series_edits(old, block, zone)
            truncation_kept[old.source.uid] = kept_end
            lost += lost_here
        updated.append(block)
        if lost:
            notices.append(f"{block.title!r}{_when(block)} changed in {calendar}; its new "
                           f"version replaces {_words(lost)}.")
    for block in result.removed:
        if block.source is not None and block.source.edited_from:
            notices.append(f"{block.title!r}{_when(block)} was removed from {calendar}, "
                           "with your change to it.")

    old_masters = {b.source.uid: b for b in stored
                   if b.source is not None and b.source.recurrence_id is None}
    drop: list[Block] = []
    refresh: list[Block] = []
    if local:  # else (most imports) none of what follows has anything to look at
        drop, refresh = _local_blocks_kept(local, [*result.unchanged, *result.rehashed,
                                                   *updated, *result.new],
                                           old_masters, truncation_kept, notices, zone,
                                           calendar)
    new = [b for b in result.new if not _deleted_here(b, old_masters)] \
        if any(b.source is not None and b.source.edited_from for b in old_masters.values()) \
        else list(result.new)  # nothing was deleted here from a series
    adjusted = replace(result, updated=sorted(updated, key=_key), new=new)
    return KeptEdits(adjusted, drop, refresh, notices)


def _local_blocks_kept(local: Sequence[Block], kept: list[Block],
                       old_masters: dict[str, Block], truncation_kept: dict[str, bool],
                       notices: list[str], zone: ZoneInfo, calendar: str
                       ) -> tuple[list[Block], list[Block]]:
    """The local blocks to drop and those to refresh, given the calendar's blocks
    after the import (``kept``); notices are added to ``notices``."""
    masters = {b.source.uid: b for b in kept
               if b.source is not None and b.source.recurrence_id is None}
    upstream_slots = {(b.source.uid, b.source.recurrence_id) for b in kept
                      if b.source is not None and b.source.recurrence_id is not None}
    local_masters = {b.source.uid: b for b in local
                     if b.source is not None and b.source.recurrence_id is None}

    drop: list[Block] = []
    refresh: list[Block] = []
    for block in local:
        assert block.source is not None
        uid, rid = block.source.uid, block.source.recurrence_id
        if rid is None:
            base = _tail_base(uid)
            if base is not None and (base not in masters or
                                     not truncation_kept.get(base, True)):
                drop.append(block)
            continue
        if uid in local_masters:
            continue  # an override of a split-off series: it goes where that goes
        new_master, old_master = masters.get(uid), old_masters.get(uid)
        if new_master is None:
            drop.append(block)
            notices.append(f"{block.title!r}{_when(block)}: its series was removed from "
                           f"{calendar}, with your change to it.")
        elif (uid, rid) in upstream_slots or not _same_occurrence(
                old_master, new_master, rid, zone):
            drop.append(block)
            notices.append(f"{block.title!r}{_when(block)} changed in {calendar}; its new "
                           "version replaces your change.")
        elif old_master is not None and _details(old_master) != _details(new_master):
            refresh.append(_with_new_details(block, old_master, new_master))
    drop += [b for b in local if b.source is not None and b.source.recurrence_id is not None
             and local_masters.get(b.source.uid) in drop]
    return drop, refresh


# --------------------------------------------------------------------------- pieces


def _reapply_series_edits(old: Block, new: Block, zone: ZoneInfo
                          ) -> tuple[Block, bool, list[str]]:
    """The source's new master with the EXDATEs and UNTIL added here put back where the
    occurrences they touch did not change. Returns it, whether the end was kept, and
    what could not be kept (in words)."""
    assert old.recurrence is not None and new.recurrence is not None
    known = {recurrence_id_text(m) for m in new.recurrence.exdates}
    extra = [m for m in old.recurrence.exdates if recurrence_id_text(m) not in known]
    old_open = replace(old, recurrence=replace(old.recurrence, exdates=new.recurrence.exdates))
    kept_ex: list[Moment] = []
    lost: list[str] = []
    for moment in extra:
        slot = parse_recurrence_id(recurrence_id_text(moment))
        if _same_occurrence(old_open, new, recurrence_id_text(slot), zone):
            kept_ex.append(moment)
        else:
            lost.append(f"your deletion of {day_label(_day(slot))}")
    rule = new.recurrence.rrule
    kept_end = True
    old_parts, new_parts = _parts(old.recurrence.rrule), _parts(new.recurrence.rrule)
    if "UNTIL" in old_parts and old_parts.get("UNTIL") != new_parts.get("UNTIL"):
        same_series = (_without_end(old_parts) == _without_end(new_parts) and
                       (old.start, old.end, old.tzid) == (new.start, new.end, new.tzid))
        if same_series:
            new_parts.pop("COUNT", None)
            new_parts["UNTIL"] = old_parts["UNTIL"]
            rule = ";".join(f"{k}={v}" for k, v in new_parts.items())
        else:
            kept_end = False
            lost.append("your this-and-following change")
    merged = replace(new, recurrence=Recurrence(
        rrule=rule, rdates=new.recurrence.rdates,
        exdates=new.recurrence.exdates + tuple(kept_ex)))
    if (kept_ex or rule != new.recurrence.rrule) and merged.source:
        merged = replace(merged, source=replace(merged.source, edited_from=fingerprint(new)))
    return merged, kept_end, lost


def _same_occurrence(old: Block | None, new: Block, rid: str, zone: ZoneInfo) -> bool:
    """Whether both masters make the same occurrence at slot ``rid``."""
    if old is None or not old.is_recurring or not new.is_recurring:
        return False
    slot = parse_recurrence_id(rid)
    try:
        mine = Series(old).generated(slot, zone)
        theirs = Series(new).generated(slot, zone)
    except PlannerError:
        return False
    if mine is None or theirs is None:
        return False
    return (mine.start, mine.end, mine.block.title) == \
        (theirs.start, theirs.end, theirs.block.title)


def _deleted_here(block: Block, old_masters: dict[str, Block]) -> bool:
    """An override the source still sends for a slot deleted here (EXDATE on our copy)."""
    if block.source is None or block.source.recurrence_id is None:
        return False
    master = old_masters.get(block.source.uid)
    if master is None or master.source is None or not master.source.edited_from or \
            master.recurrence is None:
        return False
    return block.source.recurrence_id in {recurrence_id_text(m)
                                          for m in master.recurrence.exdates}


_DETAILS = ("location", "notes", "transparent", "sphere")


def _details(block: Block) -> tuple[object, ...]:
    return tuple(getattr(block, name) for name in _DETAILS)


def _with_new_details(override: Block, old_master: Block, new_master: Block) -> Block:
    """A kept override takes the series' new details it had not changed itself."""
    changes = {name: getattr(new_master, name) for name in _DETAILS
               if getattr(override, name) == getattr(old_master, name)}
    return replace(override, **changes)


def _words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _parts(rule: str | None) -> dict[str, str]:
    parts: dict[str, str] = {}
    for piece in (rule or "").split(";"):
        if "=" in piece:
            key, _, value = piece.partition("=")
            parts[key.strip().upper()] = value.strip()
    return parts


def _without_end(parts: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in parts.items() if k not in ("UNTIL", "COUNT")}


def _tail_base(uid: str) -> str | None:
    base, mark, rest = uid.rpartition(TAIL_MARK)
    return base if mark and rest[:8].isdigit() else None


def _day(moment: Moment) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def _when(block: Block) -> str:
    rid = block.source.recurrence_id if block.source else None
    if rid:
        return f" on {day_label(_day(parse_recurrence_id(rid)))}"
    return ""


def _key(block: Block) -> tuple[str, str, bool, str, str]:
    source = block.source
    if source is None:
        return ("", "", False, "", block.id)
    rid = source.recurrence_id
    return (source.calendar, source.uid, rid is not None, rid or "", block.id)


def local_blocks_of(blocks: Iterable[Block], calendar: str) -> list[Block]:
    """Blocks made here for ``calendar`` (overrides, split-off series), from elsewhere."""
    return [b for b in blocks if b.source is not None and b.source.calendar == calendar]
