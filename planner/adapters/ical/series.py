"""Putting a file's components together: one block per series master, override and task.

The reader turns each VEVENT/VTODO into an ``Entry`` on its own; this module applies
what components say about each other: newer copies (SEQUENCE) replace older ones,
cancelled and deleted instances disappear, a RECURRENCE-ID is matched to its master
even when the producer wrote it in another form (a date-time for an all-day series),
RANGE=THISANDFUTURE splits a series in two, an RDATE PERIOD keeps its own length,
and the chunks of one exported task become one flexible block again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from planner.core.model import Block, Kind, Moment, Recurrence
from planner.core.recurrence import (
    expand_block,
    parse_recurrence_id,
    recurrence_id_text,
    rule_makes_its_start,
)
from planner.core.zonerules import zone_of

_COUNT = re.compile(r"(?:^|;)COUNT=(\d+)", re.IGNORECASE)
_UNTIL = re.compile(r"(?:^|;)UNTIL=[^;]*", re.IGNORECASE)
_BYDAY = re.compile(r"(?:^|;)BYDAY=([^;]*)", re.IGNORECASE)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_SHIFT_SENSITIVE = ("BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS", "BYHOUR", "BYMINUTE",
                    "BYSECOND")


@dataclass(slots=True)
class Entry:
    """One component as read, with what merging needs to know about it."""

    block: Block
    uid: str
    rid: str | None
    rid_moment: Moment | None
    cancelled: bool
    sequence: int
    chunk: int | None
    this_and_future: bool = False  # RECURRENCE-ID;RANGE=THISANDFUTURE
    periods: list[tuple[Moment, Moment]] | None = None  # RDATE PERIODs
    described: str = ""  # how messages name it (overrides only: the rest need not)
    rid_date: date | None = None  # the RECURRENCE-ID's date in its own zone


@dataclass
class Merged:
    blocks: list[Block]
    notes: list[tuple[str, str]]  # (component, what was done)


IdFor = Callable[[str, str | None], str]  # (uid, recurrence id) -> block id
Key = tuple[str, str | None, bool]  # (UID, RECURRENCE-ID or chunk, is a task)


def merge(entries: list[Entry], block_id: IdFor) -> Merged:
    """The blocks the entries make together; ``block_id(uid, rid)`` names new blocks."""
    notes: list[tuple[str, str]] = []
    masters: dict[str, Entry] = {}
    if any(entry.rid is not None for entry in entries):  # most files have no overrides
        for entry in entries:
            if entry.rid is None and entry.block.kind is Kind.FIXED:
                known = masters.get(entry.uid)
                if known is None or entry.sequence >= known.sequence:
                    masters[entry.uid] = entry
    latest: dict[Key, Entry] = {}
    for entry in entries:
        if entry.rid is not None:
            _align_recurrence_id(entry, masters.get(entry.uid), block_id)
        # A VEVENT and a VTODO may share a UID; a newer copy replaces its own kind only.
        task = entry.block.kind is Kind.FLEXIBLE
        key = (entry.uid, entry.rid, task)
        if task and entry.chunk is not None:
            key = (entry.uid, f"chunk:{entry.chunk}", True)
        known = latest.get(key)
        if known is None or entry.sequence >= known.sequence:
            latest[key] = entry
    _separate_shared_uids(latest, block_id)
    if masters or any(entry.periods for entry in entries):
        masters = _masters(latest)
        for step in (_drop_deleted_modifications, _drop_stale_overrides,
                     _split_this_and_future, _add_period_instances):
            try:
                step(latest, masters, notes, block_id)
            except (TypeError, ValueError, OverflowError, AssertionError) as exc:
                # Mangled files can defeat these refinements; the components stay.
                notes.append(("VCALENDAR", f"could not apply {step.__name__.strip('_')} "
                                           f"({type(exc).__name__})"))
        masters = _masters(latest)
    cancelled_slots: dict[str, list[Moment]] = {}
    for entry in latest.values():
        if entry.rid is not None and entry.cancelled and entry.rid_moment is not None:
            cancelled_slots.setdefault(entry.uid, []).append(entry.rid_moment)
    blocks: list[Block] = []
    chunks: dict[str, int] = {}
    for entry in latest.values():
        if entry.cancelled:
            continue
        block = entry.block
        if entry.rid is None:
            slots = cancelled_slots.get(entry.uid)
            if slots and block.recurrence is not None:
                exdates = block.recurrence.exdates + tuple(slots)
                block = replace(block, recurrence=replace(block.recurrence, exdates=exdates))
                block = _fold_into_hash(block, ",".join(sorted(str(m) for m in slots)))
        else:
            master = masters.get(entry.uid)
            if master is not None and master.cancelled:
                continue  # the whole series was cancelled
        if block.kind is Kind.FLEXIBLE and block.id in chunks:
            index = chunks[block.id]
            merged = tuple(sorted(blocks[index].planned + block.planned))
            blocks[index] = replace(blocks[index], planned=merged)
            continue
        if block.kind is Kind.FLEXIBLE:
            chunks[block.id] = len(blocks)
        blocks.append(block)
    return Merged(blocks, notes)


def _masters(latest: dict[Key, Entry]) -> dict[str, Entry]:
    fixed = Kind.FIXED
    return {e.uid: e for e in latest.values() if e.rid is None and e.block.kind is fixed}


def _overrides(latest: dict[Key, Entry]) -> list[tuple[Key, Entry]]:
    """The entries that name an instance of a series (a few among many), by key."""
    return [(key, entry) for key, entry in latest.items() if entry.rid is not None]


def _separate_shared_uids(latest: dict[Key, Entry], block_id: IdFor) -> None:
    """A task whose UID an event also uses gets an identity of its own ("UID#VTODO"),
    so neither replaces the other in the store."""
    for key, entry in latest.items():
        if not key[2] or (entry.uid, entry.rid, False) not in latest:
            continue
        uid = entry.uid + "#VTODO"
        block = entry.block
        if block.source is not None:
            block = replace(block, id=block_id(uid, entry.rid),
                            source=replace(block.source, uid=uid))
        entry.uid, entry.block = uid, block


def _fold_into_hash(block: Block, extra: str) -> Block:
    """What other components changed about a block must change its hash, or re-import
    would call it unchanged."""
    if block.source is None:
        return block
    folded = hashlib.sha1((block.source.content_hash + "|" + extra).encode()).hexdigest()
    if ":" in block.source.content_hash:  # keep the reader version prefix
        folded = block.source.content_hash.split(":", 1)[0] + ":" + folded
    return replace(block, source=replace(block.source, content_hash=folded))


# --- RECURRENCE-ID in another form than the master's DTSTART -----------------------


def _align_recurrence_id(entry: Entry, master: Entry | None, block_id: IdFor) -> None:
    """Write the RECURRENCE-ID the way the master's instances are keyed: a date for an
    all-day series, an instant in the master's zone for a zoned one."""
    if master is None or entry.rid_moment is None:
        return
    moment, start = entry.rid_moment, master.block.start
    aligned: Moment | None = None
    if isinstance(start, date) and not isinstance(start, datetime):
        if isinstance(moment, datetime):
            aligned = entry.rid_date or moment.date()
    elif isinstance(start, datetime):
        if not isinstance(moment, datetime):
            wall = _wall(start, master.block.tzid)
            aligned = _from_wall(datetime.combine(moment, wall.time()), start, master.block.tzid)
        elif moment.tzinfo is None and start.tzinfo is not None:
            aligned = _from_wall(moment, start, master.block.tzid)
    if aligned is None:
        return
    rid = recurrence_id_text(aligned)
    entry.rid_moment, entry.rid = aligned, rid
    block = entry.block
    if block.source is not None:
        block = replace(block, id=block_id(entry.uid, rid),
                        source=replace(block.source, recurrence_id=rid))
    entry.block = block


def _wall(moment: datetime, tzid: str | None) -> datetime:
    tz = zone_of(tzid) if tzid else None
    if moment.tzinfo is None or tz is None:
        return moment.replace(tzinfo=None)
    return moment.astimezone(tz).replace(tzinfo=None)


def _from_wall(wall: datetime, like: datetime, tzid: str | None) -> datetime:
    if like.tzinfo is None:
        return wall
    tz = (zone_of(tzid) if tzid else None) or UTC
    return datetime.fromtimestamp(wall.replace(tzinfo=tz).timestamp(), UTC)


# --- deleted modifications ------------------------------------------------------------


def _drop_deleted_modifications(
    latest: dict[Key, Entry], masters: dict[str, Entry],
    notes: list[tuple[str, str]], block_id: IdFor,
) -> None:
    """An instance that was moved and then deleted: the master EXDATEs its slot, and the
    moved copy is left over in the file. The EXDATE wins (as in the reference readers)."""
    for key, entry in _overrides(latest):
        master = masters.get(entry.uid)
        if master is None or master.block.recurrence is None:
            continue
        excluded = {recurrence_id_text(m) for m in master.block.recurrence.exdates}
        if entry.rid in excluded:
            del latest[key]
            notes.append((entry.described, "is an instance its series deletes (EXDATE): "
                                           "left it out"))


# --- overrides of instances the series no longer has -------------------------------


def _drop_stale_overrides(
    latest: dict[Key, Entry], masters: dict[str, Entry],
    notes: list[tuple[str, str]], block_id: IdFor,
) -> None:
    """An override older (SEQUENCE) than its master, for an instance the master no
    longer makes (the series was cut short after the change): left over, left out."""
    for key, entry in _overrides(latest):
        master = masters.get(entry.uid)
        if master is None or entry.rid is None or entry.this_and_future or \
                entry.sequence >= master.sequence or entry.rid_moment is None:
            continue
        if not _has_instance(master.block, entry.rid):
            del latest[key]
            notes.append((entry.described, "changes an instance its newer series no longer "
                                           "has: left it out"))


def _has_instance(series: Block, rid: str) -> bool:
    if series.recurrence is None or series.start is None:
        return recurrence_id_text(series.start) == rid if series.start else False
    slot = _as_utc(parse_recurrence_id(rid))
    found = expand_block(replace(series, source=None), slot - timedelta(days=2),
                         slot + timedelta(days=2), ZoneInfo("UTC"))
    return any(occ.recurrence_id is not None and recurrence_id_text(occ.recurrence_id) == rid
               for occ in found)


# --- RANGE=THISANDFUTURE ----------------------------------------------------------------


def _split_this_and_future(
    latest: dict[Key, Entry], masters: dict[str, Entry],
    notes: list[tuple[str, str]], block_id: IdFor,
) -> None:
    """An override with RANGE=THISANDFUTURE changes its instance and every later one:
    the series so far ends before it and the override becomes a series of its own,
    shifted by how far the instance moved. Several such overrides cut the series in
    turn; single overrides after a cut are moved with their segment."""
    by_uid: dict[str, list[Entry]] = {}
    for entry in latest.values():
        if entry.this_and_future and entry.rid_moment is not None and entry.uid in masters:
            by_uid.setdefault(entry.uid, []).append(entry)
    for uid, cuts in by_uid.items():
        master = masters[uid]
        if master.block.recurrence is None or master.block.start is None:
            continue
        cuts.sort(key=lambda e: _as_utc(e.rid_moment))  # type: ignore[arg-type]
        segment, offset = master, timedelta(0)  # offset: how far the segment moved
        bounds: list[tuple[datetime, timedelta]] = []
        for cut in cuts:
            assert cut.rid_moment is not None and cut.block.start is not None
            if not _comparable(cut.rid_moment, cut.block.start, master.block.start):
                notes.append((cut.described, "has RANGE=THISANDFUTURE with a RECURRENCE-ID "
                                             "unlike its DTSTART: changed only its instance"))
                continue
            rid = _shift(cut.rid_moment, offset)  # the slot where the segment has it
            shift = _as_datetime(cut.block.start) - _as_datetime(rid)
            late = _cut(segment, cut, rid, shift, notes)
            if late is None:
                continue
            segment, offset = cut, offset + shift if late else offset
            bounds.append((_as_utc(cut.rid_moment), offset))
        if bounds:
            _move_single_overrides(latest, uid, bounds)


def _cut(segment: Entry, cut: Entry, rid: Moment, shift: timedelta,
         notes: list[tuple[str, str]]) -> bool | None:
    """Split ``segment`` at ``rid``: it keeps what comes before, ``cut`` becomes the
    rest. True if the rest moved by ``shift``, False if it could not be shifted."""
    series = segment.block
    recurrence = series.recurrence
    assert recurrence is not None
    rules = recurrence.rrule.split("\n") if recurrence.rrule else []
    before = [_rule_before(series, rule, rid) for rule in rules]
    counts = [count for count, _ in before]
    late_rules = [_rule_after(rule, count, shift)
                  for rule, count in zip(rules, counts, strict=True)]
    moved = True
    if any(rule is None for rule in late_rules):
        late_rules = [_rule_after(rule, count, timedelta(0))
                      for rule, count in zip(rules, counts, strict=True)]
        notes.append((cut.described, "has RANGE=THISANDFUTURE on a rule planner cannot "
                                     "shift: later instances keep their times"))
        shift, moved = timedelta(0), False
    ends = [_end_rule(rule, last, series) for rule, (_, last) in zip(rules, before,
                                                                      strict=True)]
    early = replace(recurrence, rrule="\n".join(r for r in ends if r) or None,
                    rdates=tuple(m for m in recurrence.rdates if _lt(m, rid)),
                    exdates=tuple(m for m in recurrence.exdates if _lt(m, rid)))
    late = Recurrence(
        "\n".join(r for r in late_rules if r) or None,
        tuple(_shift(m, shift) for m in recurrence.rdates if not _lt(m, rid)),
        tuple(_shift(m, shift) for m in recurrence.exdates if not _lt(m, rid)))
    segment.block = _fold_into_hash(replace(series, recurrence=early), f"until {cut.rid}")
    override = cut.block
    cut.block = replace(override, recurrence=late, tzid=override.tzid or series.tzid)
    return moved


def _move_single_overrides(latest: dict[Key, Entry], uid: str,
                           bounds: list[tuple[datetime, timedelta]]) -> None:
    """A single override after a cut names its instance by the original slot; the
    segment made that slot ``offset`` later, so it now names the moved slot."""
    for key, entry in list(latest.items()):
        if entry.uid != uid or entry.rid_moment is None or entry.this_and_future:
            continue
        slot = _as_utc(entry.rid_moment)
        offset = timedelta(0)
        for start, moved in bounds:
            if slot >= start:
                offset = moved
        if not offset:
            continue
        moment = _shift(entry.rid_moment, offset)
        rid = recurrence_id_text(moment)
        block = entry.block
        if block.source is not None:
            block = replace(block, source=replace(block.source, recurrence_id=rid))
        del latest[key]
        entry.rid, entry.rid_moment, entry.block = rid, moment, block
        latest[(uid, rid, key[2])] = entry


def _comparable(*moments: Moment | None) -> bool:
    """Whether the moments are all dates, all floating or all aware date-times."""
    kinds = {"date" if not isinstance(m, datetime) else
             ("floating" if m.tzinfo is None else "aware") for m in moments}
    return len(kinds) == 1


def _as_datetime(moment: Moment) -> datetime:
    if isinstance(moment, datetime):
        return moment
    return datetime(moment.year, moment.month, moment.day)


def _lt(moment: Moment, limit: Moment) -> bool:
    try:
        return _as_datetime(moment) < _as_datetime(limit)
    except TypeError:  # naive against aware: compare as wall times
        return _as_datetime(moment).replace(tzinfo=None) < _as_datetime(limit).replace(
            tzinfo=None)


def _shift(moment: Moment, shift: timedelta) -> Moment:
    if isinstance(moment, datetime):
        return moment + shift
    return moment + timedelta(days=shift.days)


def _rule_before(series: Block, rule: str, rid: Moment) -> tuple[int, Moment | None]:
    """How many instances ``rule`` (alone, with the series' DTSTART) makes before
    ``rid``, and the start of the last of them."""
    assert series.start is not None
    first, limit = _as_utc(series.start), _as_utc(rid)
    if limit <= first:
        return 0, None
    alone = replace(series, source=None, recurrence=Recurrence(rule))
    # Floating and all-day series read in UTC here: only the order of starts matters.
    found = [occ for occ in expand_block(alone, first - timedelta(days=1), limit,
                                         ZoneInfo("UTC"), limit=10**6)
             if _as_utc(occ.start) < limit]
    if not found:
        return 0, None
    start = series.start
    wall = _wall(start, series.tzid) if isinstance(start, datetime) else \
        datetime(start.year, start.month, start.day)
    # DTSTART is an instance of its own even where the rule does not make it; the
    # rule's COUNT then leaves it out.
    extra = 0 if rule_makes_its_start(rule, wall) else 1
    return len(found) - extra, found[-1].recurrence_id


def _as_utc(moment: Moment) -> datetime:
    value = _as_datetime(moment)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _end_rule(rule: str, last: Moment | None, series: Block) -> str | None:
    """``rule`` ending with the instance that starts at ``last`` (None: no instance)."""
    if last is None:
        return None
    if isinstance(last, datetime):
        if isinstance(series.start, datetime) and series.start.tzinfo is not None:
            until = _as_utc(last).strftime("%Y%m%dT%H%M%SZ")
        else:
            until = last.replace(tzinfo=None).strftime("%Y%m%dT%H%M%S")
    else:
        until = last.strftime("%Y%m%d")
    parts = [p for p in rule.split(";") if p and not p.upper().startswith(("UNTIL=", "COUNT="))]
    return ";".join([*parts, f"UNTIL={until}"])


def _rule_after(rule: str, before: int, shift: timedelta) -> str | None:
    """``rule`` for the instances from the split on, moved by ``shift``; None when a
    BY-part pins what the shift moves."""
    count = _COUNT.search(rule)
    if count is not None:
        left = int(count[1]) - before
        if left <= 0:
            return ""
        rule = _COUNT.sub(lambda m: m[0].replace(m[1], str(left)), rule)
    if not shift:
        return rule
    upper = rule.upper()
    if shift % timedelta(days=1) and any(f"{p}=" in upper for p in _SHIFT_SENSITIVE):
        return None
    if shift.days and any(f"{p}=" in upper for p in _SHIFT_SENSITIVE[:4]):
        return None
    byday = _BYDAY.search(rule)
    if byday is not None and shift.days % 7:
        days = []
        for value in byday[1].split(","):
            name = value.strip().upper()[-2:]
            if name not in _WEEKDAYS or value.strip()[:-2]:
                return None  # "1MO" + a day is not a weekday rule any more
            days.append(_WEEKDAYS[(_WEEKDAYS.index(name) + shift.days) % 7])
        rule = rule.replace(byday[0], byday[0].replace(byday[1], ",".join(days)))
    # The instances the rule made up to UNTIL move too: so does UNTIL.
    return _UNTIL_VALUE.sub(lambda m: m[1] + _shifted_until(m[2], shift), rule)


_UNTIL_VALUE = re.compile(r"((?:^|;)UNTIL=)(\d{8}(?:T\d{6}Z?)?)(?=;|$)", re.IGNORECASE)


def _shifted_until(text: str, shift: timedelta) -> str:
    """An UNTIL value later by ``shift``; a date moved by less than whole days becomes
    the last second of that date, moved (the date is inclusive: its day's instances)."""
    if len(text) == 8:
        day = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        if not shift % timedelta(days=1):
            return (day + shift).strftime("%Y%m%d")
        wall = datetime.combine(day, datetime.max.time()).replace(microsecond=0) + shift
        return wall.strftime("%Y%m%dT%H%M%S")
    wall = datetime.strptime(text[:15].upper(), "%Y%m%dT%H%M%S") + shift
    return wall.strftime("%Y%m%dT%H%M%S") + text[15:]


# --- RDATE;VALUE=PERIOD -----------------------------------------------------------------


def _add_period_instances(
    latest: dict[Key, Entry], masters: dict[str, Entry],
    notes: list[tuple[str, str]], block_id: IdFor,
) -> None:
    """An RDATE PERIOD names its own end: that instance becomes an override with the
    period's length (unless the file overrides it anyway)."""
    for uid, master in masters.items():
        series = master.block
        for start, end in master.periods or ():
            if series.length == _as_datetime(end) - _as_datetime(start):
                continue
            rid = recurrence_id_text(start)
            if (uid, rid, False) in latest or series.source is None:
                continue
            source = replace(series.source, recurrence_id=rid)
            block = replace(series, id=block_id(uid, rid), start=start, end=end,
                            recurrence=None, source=source)
            block = _fold_into_hash(block, f"period {rid}")
            latest[(uid, rid, False)] = Entry(block, uid, rid, start, master.cancelled,
                                       master.sequence, None)
