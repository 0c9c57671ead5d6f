"""Write a local edit into the server's own copy of an event, changing only what changed.

A server resource often holds what planner does not model: other apps' properties
(X-MOZ-*, X-APPLE-*, URL, ATTACH, CONFERENCE, COLOR …), parameters planner does not
keep, a VTODO where planner sees a flexible block. Writing the event afresh from blocks
would drop all that on the server for every client. So a push takes the server's text
and, per component, replaces only the property groups whose value planner would write
differently now than for the server's version (``ours`` against ``base``, both written
by the iCalendar writer); everything else is left as the server had it.

A VTODO stays a VTODO: its time is its own (DTSTART/DUE), planner's placement travels
in X-PLANNER-PLANNED, and "done" is STATUS:COMPLETED with COMPLETED, as other task apps
write it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from icalendar import Calendar, Component, Todo

from planner.core.model import Block
from planner.core.recurrence import recurrence_id_text
from planner.core.syncing import same_content

PLANNER_PREFIX = "X-PLANNER-"
PLACEMENT = "X-PLANNER-PLANNED"
# Property groups replaced as a whole when planner's value for them changed.
GROUPS: tuple[frozenset[str], ...] = tuple(frozenset(g) for g in (
    {"SUMMARY"}, {"DESCRIPTION"}, {"LOCATION"}, {"CLASS"}, {"TRANSP"}, {"CATEGORIES"},
    {"ORGANIZER", "ATTENDEE"}, {"RRULE", "RDATE", "EXDATE", "EXRULE"},
    {"DTSTART", "DTEND", "DURATION"}))
TIMING = GROUPS[-1]
ALWAYS = ("SEQUENCE", "DTSTAMP")  # every push is a new revision of the event
_ITEMS = ("VEVENT", "VTODO")


@dataclass(frozen=True)
class TodoState:
    """What planner owns of a task kept as a VTODO on the server."""

    done: bool
    earliest: datetime | None
    deadline: datetime | None
    planned: tuple[tuple[datetime, datetime], ...]

    @classmethod
    def of(cls, block: Block) -> TodoState:
        return cls(block.done, block.earliest, block.deadline, tuple(block.planned))


def holds_todo(data: str, uid: str) -> bool:
    """Whether the resource keeps ``uid`` as a VTODO (a task in other apps)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            calendar = Calendar.from_ical(data)
    except ValueError:
        return False
    return any(c.name == "VTODO" and str(c.get("UID", "")) == uid
               for c in calendar.subcomponents)


def patch_checked(original: str, *, uid: str, ours: list[Block], theirs: list[Block],
                  fresh: str, serialize: Callable[[list[Block]], bytes],
                  read: Callable[[str], Mapping[str, list[Block]]], now: datetime
                  ) -> str | None:
    """``original`` with the edit from ``theirs`` to ``ours`` patched in, or None when
    that cannot be done faithfully.

    Checked by reading it back: planner must see in it exactly its own blocks (``ours``)
    or what it sees in the event written afresh (``fresh``; the writer may spell a zone
    its own way), and the resource's other events unchanged. icalendar
    takes some odd texts apart differently from planner's reader (a broken fold, a
    sloppy RRULE), and a patch must never change what the user did not.
    """
    try:
        patched = patch_calendar(
            original, serialize(ours), serialize(theirs), uid=uid,
            todo_ours={_rid(b): TodoState.of(b) for b in ours if b.is_flexible},
            todo_base={_rid(b): TodoState.of(b) for b in theirs if b.is_flexible},
            now=now).decode("utf-8")
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None  # icalendar could not take the server's text apart
    before, after = read(original), read(patched)
    mine = after.get(uid, [])
    if not (same_content(mine, ours) or same_content(mine, read(fresh).get(uid) or ours)):
        return None
    if any(not same_content(before.get(u, []), after.get(u, []))
           for u in before.keys() | after.keys() if u != uid):
        return None
    return patched


def patch_calendar(original: str, ours: bytes, base: bytes, *, uid: str,
                   todo_ours: Mapping[str | None, TodoState],
                   todo_base: Mapping[str | None, TodoState], now: datetime) -> bytes:
    """``original`` (the server's text) with the edit from ``base`` to ``ours`` applied
    to the components of ``uid``; ValueError when a text cannot be parsed."""
    with warnings.catch_warnings():
        # icalendar warns about what it guesses (a vendor-prefixed TZID …); the reader
        # check in ``patch_checked`` decides, and the user is not shown library noise.
        warnings.simplefilter("ignore")
        return _patch(original, ours, base, uid=uid, todo_ours=todo_ours,
                      todo_base=todo_base, now=now)


def _patch(original: str, ours: bytes, base: bytes, *, uid: str,
           todo_ours: Mapping[str | None, TodoState],
           todo_base: Mapping[str | None, TodoState], now: datetime) -> bytes:
    server = Calendar.from_ical(original)
    mine = _items(Calendar.from_ical(ours), uid)
    before = _items(Calendar.from_ical(base), uid)
    fresh_zones = {str(z.get("TZID")): z for z in Calendar.from_ical(ours).walk("VTIMEZONE")}
    used_zones: set[str] = set()
    kept: list[Component] = []
    seen: set[str | None] = set()
    for component in server.subcomponents:
        if component.name not in _ITEMS or str(component.get("UID", "")) != uid:
            kept.append(component)
            continue
        key = _rid_key(component)
        seen.add(key)
        new, old = mine.get(key), before.get(key)
        if new is None:
            if old is None:
                kept.append(component)  # planner never read it: not planner's to drop
            continue  # an occurrence planner removed (its slot is an EXDATE now)
        todo = component.name == "VTODO"
        used_zones |= _apply(component, new, old, skip=TIMING if todo else frozenset())
        if todo and key in todo_ours:
            _apply_todo(component, todo_ours[key], todo_base.get(key), now)
        if "LAST-MODIFIED" in component:
            component.pop("LAST-MODIFIED")
            component.add("LAST-MODIFIED", now.astimezone(UTC))
        kept.append(component)
    todo_master = any(c.name == "VTODO" and str(c.get("UID", "")) == uid for c in kept)
    for key, new in mine.items():
        if key not in seen:  # an occurrence first edited here: a new override
            kept.append(_as_todo(new) if todo_master else new)
            used_zones |= _tzids(new.property_items(recursive=False))
    have = {str(c.get("TZID")) for c in kept if c.name == "VTIMEZONE"}
    zones = [fresh_zones[t] for t in sorted(used_zones - have) if t in fresh_zones]
    server.subcomponents = [*zones, *kept] if zones else kept
    return server.to_ical()


def _rid(block: Block) -> str | None:
    return block.source.recurrence_id if block.source is not None else None


def _items(calendar: Calendar, uid: str) -> dict[str | None, Component]:
    return {_rid_key(c): c for c in calendar.subcomponents
            if c.name in _ITEMS and str(c.get("UID", "")) == uid}


def _rid_key(component: Component) -> str | None:
    rid = component.get("RECURRENCE-ID")
    return None if rid is None else recurrence_id_text(rid.dt)


def _group_text(component: Component | None, names: Iterable[str]) -> list[str]:
    if component is None:
        return []
    wanted = set(names)
    return sorted(component.content_line(n, v).to_ical().decode("utf-8", "replace")
                  for n, v in component.property_items(recursive=False) if n in wanted)


def _values(component: Component, name: str) -> list[object]:
    value = component.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _replace(target: Component, source: Component, names: Iterable[str]) -> set[str]:
    """Put ``source``'s properties ``names`` in place of ``target``'s; TZIDs used."""
    zones: set[str] = set()
    for name in names:
        target.pop(name, None)
        for value in _values(source, name):
            target.add(name, value)
            zones |= _tzids([(name, value)])
    return zones


def _apply(component: Component, new: Component, old: Component | None,
           skip: frozenset[str]) -> set[str]:
    """Replace in ``component`` each group planner changed; X-PLANNER-* and the
    revision always come from ``new``."""
    zones: set[str] = set()
    for group in GROUPS:
        if group & skip:
            continue
        if old is None or _group_text(new, group) != _group_text(old, group):
            zones |= _replace(component, new, group)
    planner_props = {n for n, _ in new.property_items(recursive=False)
                     if n.startswith(PLANNER_PREFIX)}
    planner_props |= {n for n, _ in component.property_items(recursive=False)
                      if n.startswith(PLANNER_PREFIX)}
    _replace(component, new, sorted(planner_props))
    _replace(component, new, ALWAYS)
    alarms = [c for c in new.subcomponents if c.name == "VALARM"]
    if old is None or [a.to_ical() for a in alarms] != [
            a.to_ical() for a in old.subcomponents if a.name == "VALARM"]:
        component.subcomponents = [c for c in component.subcomponents
                                   if c.name != "VALARM"] + alarms
    return zones


def _apply_todo(component: Component, ours: TodoState, base: TodoState | None,
                now: datetime) -> None:
    """A task's own fields, in the VTODO's own terms."""
    if base is None or ours.done != base.done:
        for name in ("STATUS", "COMPLETED", "PERCENT-COMPLETE"):
            component.pop(name, None)
        if ours.done:
            component.add("STATUS", "COMPLETED")
            component.add("COMPLETED", now.astimezone(UTC))
            component.add("PERCENT-COMPLETE", 100)
        else:
            component.add("STATUS", "NEEDS-ACTION")
    for name, mine, theirs in (("DTSTART", ours.earliest, base.earliest if base else None),
                               ("DUE", ours.deadline, base.deadline if base else None)):
        if base is not None and mine == theirs:
            continue
        component.pop(name, None)
        if mine is not None:
            component.add(name, _moment(mine))
            if name == "DUE":
                component.pop("DURATION", None)  # RFC 5545: DUE or DURATION, not both
    component.pop(PLACEMENT, None)
    if ours.planned:
        component.add(PLACEMENT, " ".join(
            f"{_utc_text(s)}/{_utc_text(e)}" for s, e in ours.planned))


def as_new_task(data: str, uid: str, block: Block, now: datetime) -> str:
    """A flexible block with no time yet, written as a new VTODO (a task in other apps):
    the writer's event for it (``data``) without its stand-in time, its window as
    DTSTART/DUE, its other constraints in X-PLANNER-* as on any flexible event."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        calendar = Calendar.from_ical(data)
    items: list[Component] = []
    for component in calendar.subcomponents:
        if component.name == "VEVENT" and str(component.get("UID", "")) == uid:
            todo = _as_todo(component)
            _apply_todo(todo, TodoState.of(block), None, now)
            component = todo
        items.append(component)
    if not any(c.name == "VEVENT" for c in items):
        items = [c for c in items if c.name != "VTIMEZONE"]  # a task's times are in UTC
    calendar.subcomponents = items
    return str(calendar.to_ical().decode("utf-8"))


def _as_todo(event: Component) -> Todo:
    todo = Todo()
    for name, value in event.property_items(recursive=False):
        if name not in ("BEGIN", "END", "DTEND", "DURATION", "DTSTART"):
            todo.add(name, value)
    return todo


def _moment(value: datetime | date) -> datetime | date:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return value


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        return moment.strftime("%Y%m%dT%H%M%S")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _tzids(items: Iterable[tuple[str, object]]) -> set[str]:
    found = set()
    for _, value in items:
        params = getattr(value, "params", None)
        tzid = params.get("TZID") if params is not None else None
        if tzid:
            found.add(str(tzid))
    return found
