"""Blocks to and from plain JSON-ready dicts (the on-disk document shape).

Pure functions, no I/O. Instants are written as UTC ISO text ending in ``Z``, floating
times as naive ISO text, dates as ``YYYY-MM-DD``, durations as whole seconds. Empty or
default fields are left out so documents stay small when a calendar has 50,000 events.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from planner.core.errors import PlannerError
from planner.core.model import (
    Alarm,
    AlarmAction,
    AlarmRelated,
    Block,
    Classification,
    Energy,
    Kind,
    Moment,
    PartOfDay,
    Recurrence,
    Source,
)

Doc = dict[str, Any]


class CodecError(PlannerError, ValueError):
    """A stored document is not a valid block."""


def moment_to_text(value: Moment) -> str:
    # Not strftime: "%Y" writes year 900 as "900", which does not read back. The
    # fields formatted at once are what isoformat(timespec="seconds") writes, in half
    # the time (an import writes two per event): see moment_to_text_by_isoformat.
    if isinstance(value, datetime):
        zone = value.tzinfo
        if zone is not None and zone is not UTC:  # what the reader makes is UTC already
            value = value.astimezone(UTC)
        text = _SECONDS % (value.year, value.month, value.day, value.hour, value.minute,
                           value.second)
        return text if zone is None else text + "Z"
    return value.isoformat()


_SECONDS = "%04d-%02d-%02dT%02d:%02d:%02d"


def moment_to_text_by_isoformat(value: Moment) -> str:
    """``moment_to_text`` as isoformat writes it (the differential tests' reference)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.isoformat(timespec="seconds")
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        return value.isoformat(timespec="seconds")[:-6] + "Z"  # "+00:00" -> "Z"
    return value.isoformat()


_SHORT_YEAR = re.compile(r"^(\d{1,3})-")


def moment_from_text(text: str) -> Moment:
    if _SHORT_YEAR.match(text):
        # Written by planners before 0.2 for years before 1000 ("900-05-05T…").
        year, rest = text.split("-", 1)
        text = f"{int(year):04d}-{rest}"
    if len(text) == 10:
        return date.fromisoformat(text)
    if text.endswith("Z"):
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    value = datetime.fromisoformat(text)
    return value.astimezone(UTC) if value.tzinfo else value


def _instant_from_text(text: str) -> datetime:
    value = moment_from_text(text)
    if not isinstance(value, datetime):
        raise CodecError(f"expected a date-time, got {text!r}")
    return value


_KIND_TEXT = {kind: kind.value for kind in Kind}  # an enum's .value is a slow property


def block_to_doc(block: Block) -> Doc:
    doc: Doc = {"id": block.id, "title": block.title, "sphere": block.sphere,
                "kind": _KIND_TEXT[block.kind]}
    if block.notes:
        doc["notes"] = block.notes
    if block.location:
        doc["location"] = block.location
    if block.tags:
        doc["tags"] = list(block.tags)
    if block.energy:
        doc["energy"] = block.energy.value
    if block.classification is not None:
        doc["class"] = block.classification.value
    if block.alarms:
        doc["alarms"] = [alarm_to_doc(a) for a in block.alarms]
    if block.organizer:
        doc["organizer"] = block.organizer
    if block.attendees:
        doc["attendees"] = list(block.attendees)
    if block.start is not None:
        doc["start"] = moment_to_text(block.start)
    if block.end is not None:
        doc["end"] = moment_to_text(block.end)
    if block.tzid:
        doc["tzid"] = block.tzid
    if block.recurrence is not None:
        rec = block.recurrence
        doc["recurrence"] = {
            "rrule": rec.rrule,
            "rdates": [moment_to_text(m) for m in rec.rdates],
            "exdates": [moment_to_text(m) for m in rec.exdates],
        }
    if block.transparent:
        doc["transparent"] = True
    if block.travel:
        doc["travel"] = int(block.travel.total_seconds())
    if block.duration is not None:
        doc["duration"] = int(block.duration.total_seconds())
    if block.day is not None:
        doc["day"] = block.day.isoformat()
    if block.earliest is not None:
        doc["earliest"] = moment_to_text(block.earliest)
    if block.deadline is not None:
        doc["deadline"] = moment_to_text(block.deadline)
    if block.part_of_day:
        doc["part_of_day"] = block.part_of_day.value
    if block.priority:
        doc["priority"] = block.priority
    if block.min_chunk:
        doc["min_chunk"] = int(block.min_chunk.total_seconds())
    if block.pinned_start is not None:
        doc["pinned_start"] = moment_to_text(block.pinned_start)
    if block.done:
        doc["done"] = True
    if block.planned:
        doc["planned"] = [[moment_to_text(s), moment_to_text(e)] for s, e in block.planned]
    if block.plan_note:
        doc["plan_note"] = block.plan_note
    if block.source is not None:
        src = block.source
        doc["source"] = {"calendar": src.calendar, "uid": src.uid,
                         "recurrence_id": src.recurrence_id, "hash": src.content_hash,
                         "sequence": src.sequence}
        if src.edited_from:
            doc["source"]["edited_from"] = src.edited_from
    if block.revision:
        doc["revision"] = block.revision
    return doc


def alarm_to_doc(alarm: Alarm) -> Doc:
    doc: Doc = {"action": alarm.action.value}
    if alarm.offset is not None:
        doc["offset"] = int(alarm.offset.total_seconds())
        if alarm.related is not AlarmRelated.START:
            doc["related"] = alarm.related.value
    if alarm.at is not None:
        doc["at"] = moment_to_text(alarm.at)
    if alarm.description:
        doc["description"] = alarm.description
    if alarm.summary:
        doc["summary"] = alarm.summary
    if alarm.attendees:
        doc["attendees"] = list(alarm.attendees)
    if alarm.repeat_every is not None:
        doc["repeat"] = alarm.repeat
        doc["repeat_every"] = int(alarm.repeat_every.total_seconds())
    return doc


def alarm_from_doc(doc: Doc) -> Alarm:
    return Alarm(
        action=AlarmAction(doc.get("action", "DISPLAY")),
        offset=_seconds(doc, "offset"),
        related=AlarmRelated(doc.get("related", "START")),
        at=_opt_instant(doc, "at"),
        description=str(doc.get("description", "")),
        summary=str(doc.get("summary", "")),
        attendees=tuple(str(a) for a in doc.get("attendees", ())),
        repeat=int(doc.get("repeat", 0)),
        repeat_every=_seconds(doc, "repeat_every"),
    )


def _seconds(doc: Doc, key: str) -> timedelta | None:
    value = doc.get(key)
    return None if value is None else timedelta(seconds=int(value))


def _opt_instant(doc: Doc, key: str) -> datetime | None:
    value = doc.get(key)
    return None if value is None else _instant_from_text(value)


def block_from_doc(doc: Doc) -> Block:
    try:
        rec_doc = doc.get("recurrence")
        recurrence = None
        if rec_doc is not None:
            recurrence = Recurrence(
                rrule=rec_doc.get("rrule"),
                rdates=tuple(moment_from_text(t) for t in rec_doc.get("rdates", ())),
                exdates=tuple(moment_from_text(t) for t in rec_doc.get("exdates", ())),
            )
        src_doc = doc.get("source")
        source = None
        if src_doc is not None:
            source = Source(calendar=src_doc["calendar"], uid=src_doc["uid"],
                            recurrence_id=src_doc.get("recurrence_id"),
                            content_hash=src_doc.get("hash", ""),
                            sequence=int(src_doc.get("sequence", 0)),
                            edited_from=str(src_doc.get("edited_from", "")))
        energy = doc.get("energy")
        part = doc.get("part_of_day")
        day = doc.get("day")
        return Block(
            id=str(doc["id"]),
            title=str(doc.get("title", "")),
            sphere=str(doc.get("sphere", "personal")),
            kind=Kind(doc.get("kind", "fixed")),
            notes=doc.get("notes", ""),
            location=doc.get("location", ""),
            tags=tuple(doc.get("tags", ())),
            energy=Energy(energy) if energy else None,
            classification=Classification(doc["class"]) if "class" in doc else None,
            alarms=tuple(alarm_from_doc(a) for a in doc.get("alarms", ())),
            organizer=str(doc.get("organizer", "")),
            attendees=tuple(str(a) for a in doc.get("attendees", ())),
            start=moment_from_text(doc["start"]) if "start" in doc else None,
            end=moment_from_text(doc["end"]) if "end" in doc else None,
            tzid=doc.get("tzid"),
            recurrence=recurrence,
            transparent=bool(doc.get("transparent", False)),
            travel=_seconds(doc, "travel"),
            duration=_seconds(doc, "duration"),
            day=date.fromisoformat(day) if day else None,
            earliest=_opt_instant(doc, "earliest"),
            deadline=_opt_instant(doc, "deadline"),
            part_of_day=PartOfDay(part) if part else None,
            priority=int(doc.get("priority", 0)),
            min_chunk=_seconds(doc, "min_chunk"),
            pinned_start=_opt_instant(doc, "pinned_start"),
            done=bool(doc.get("done", False)),
            planned=tuple((_instant_from_text(s), _instant_from_text(e))
                          for s, e in doc.get("planned", ())),
            plan_note=str(doc.get("plan_note", "")),
            source=source,
            revision=int(doc.get("revision", 0)),
        )
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        # OverflowError: a number of seconds no timedelta holds (no planner wrote it).
        raise CodecError(f"block {doc.get('id', '?')!r} is malformed: {exc}") from exc
