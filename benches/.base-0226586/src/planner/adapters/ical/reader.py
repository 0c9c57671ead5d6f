"""Reading iCalendar files into blocks.

Splitting into lines and components is done here (fast, and it keeps line numbers
for messages). The file is read as a stream: decoded a piece at a time, unfolded as it
goes, and each event or task becomes its block when its END arrives, so memory holds
the blocks made, not every line of the file. Single content lines and values are
parsed with icalendar's own parsers, VTIMEZONEs with icalendar's timezone support
(see ``zones``). Recurrence is kept as text and never expanded here (see
``planner.core.recurrence``).

Google's X-WR-TIMEZONE is applied the way ``x_wr_timezone.to_standard`` does it (UTC
date-times are meant in that zone), directly on the parsed values: building the
icalendar tree that ``to_standard`` needs costs ~0.35 ms per event.
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import icalendar
from icalendar.parser import Contentline, split_on_unescaped_comma
from icalendar.prop import vDuration

from planner.adapters.ical.zones import ResolvedZone, UnknownZoneError, iana_name, resolve_zone
from planner.core.model import (
    Block,
    Energy,
    Kind,
    Moment,
    PartOfDay,
    Recurrence,
    Source,
)
from planner.core.recurrence import RecurrenceError, recurrence_id_text, validate_rule

DEFAULT_TODO_DURATION = timedelta(minutes=30)
_HASH_IGNORED = frozenset({"DTSTAMP", "LAST-MODIFIED"})
_D_OR_L = frozenset("DdLl")  # first letters of _HASH_IGNORED
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_CONTENT_LINE = re.compile(r"[A-Za-z0-9-]+[;:]")
_DATE_TIME = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?", re.ASCII)
# Components that only ever sit directly in a VCALENDAR (or are one).
_TOP_LEVEL = frozenset({"VCALENDAR", "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE"})
_LAZY = frozenset({"VEVENT", "VTODO"})
_NEWLINE = re.compile(r"\r\n|\r|\n")
_B_OR_E = frozenset("BbEe")
_CHUNK = 1 << 20  # characters decoded and split at a time
_MAX_DEPTH = 20
_NO_PARAMS: dict[str, str] = {}  # shared, never written to
_TEXT_LIMIT = 200  # characters of a title quoted in messages


class CalendarError(Exception):
    """The whole file cannot be read; the message is one sentence naming it."""


@dataclass(frozen=True)
class Skipped:
    component: str  # e.g. "VEVENT 'Budget review' (UID abc@x, line 120)"
    reason: str


@dataclass(frozen=True)
class ReadResult:
    blocks: list[Block]
    skipped: list[Skipped]
    name: str | None  # X-WR-CALNAME


def block_id_for(calendar: str, uid: str, recurrence_id: str | None) -> str:
    """A stable block id for an imported component."""
    key = "\x1f".join((calendar, uid, recurrence_id or ""))
    return "c" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


# --- text, lines, components ---------------------------------------------------------


def _text_chunks(data: bytes, origin: str) -> Iterator[str]:
    """The decoded text in pieces of about ``_CHUNK`` that each end at a line break.

    Decoding piece by piece keeps a second full copy of a big file out of memory.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _decoded_pieces(data, 3, "utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _str_pieces(data.decode("utf-16", errors="replace"))
    head = data[:200]
    if head and head.count(b"\x00") * 3 >= len(head):  # UTF-16 without a BOM
        codec = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        return _str_pieces(data.decode(codec, errors="replace"))
    if b"\x00" in data:
        raise CalendarError(f"{origin} is a binary file, not an iCalendar file.")
    if data.isascii():
        return _decoded_pieces(data, 0, "ascii", "strict")
    try:  # the whole file is UTF-8 or the whole file is Latin-1: check before reading
        for start, end in _cuts(data, 0, b"\n", b"\r"):
            data[start:end].decode("utf-8")
    except UnicodeDecodeError:
        return _decoded_pieces(data, 0, "latin-1", "strict")
    return _decoded_pieces(data, 0, "utf-8", "strict")


def _decoded_pieces(data: bytes, start: int, codec: str, errors: str) -> Iterator[str]:
    # Cutting after a CR or LF byte never splits a UTF-8 or Latin-1 character.
    for begin, end in _cuts(data, start, b"\n", b"\r"):
        yield data[begin:end].decode(codec, errors)


def _str_pieces(text: str) -> Iterator[str]:
    for begin, end in _cuts(text, 0, "\n", "\r"):
        yield text[begin:end]


def _cuts(buffer: Any, start: int, lf: Any, cr: Any) -> Iterator[tuple[int, int]]:
    """(begin, end) pieces of ``buffer`` of about _CHUNK that end after a line break."""
    size = len(buffer)
    while start < size:
        target = start + _CHUNK
        if target >= size:
            yield start, size
            return
        at = buffer.find(lf, target)
        bare_cr = buffer.find(cr, target, size if at < 0 else at)
        if bare_cr >= 0:
            at = bare_cr + 1 if buffer[bare_cr + 1 : bare_cr + 2] == lf else bare_cr
        end = size if at < 0 else at + 1
        yield start, end
        start = end


def _unfold(pieces: Iterator[str]) -> Iterator[tuple[int, str]]:
    """Logical content lines, each with the physical line number it starts on."""
    content_line = _CONTENT_LINE.match
    parts: list[str] = []
    first = number = 0
    for piece in pieces:
        for physical in _split_piece(piece):
            number += 1
            if physical[:1] in (" ", "\t") and parts:
                parts.append(physical[1:])
                continue
            if not physical.strip():
                continue
            if parts and content_line(physical) is None:
                # Broken folding (continuation without the leading space): keep the text.
                parts.append(physical)
                continue
            if parts:
                yield first, parts[0] if len(parts) == 1 else "".join(parts)
            parts = [physical]
            first = number
    if parts:
        yield first, "".join(parts)


def _split_piece(piece: str) -> list[str]:
    if "\r" not in piece:
        lines = piece.split("\n")
    elif piece.count("\r") == piece.count("\n") == piece.count("\r\n"):
        lines = piece.split("\r\n")
    else:
        lines = _NEWLINE.split(piece)
    if piece[-1:] in ("\n", "\r"):
        # The piece ends at a line break: the empty last item is no line of its own.
        lines.pop()
    return lines


def _looks_like_content_line(line: str) -> bool:
    return _CONTENT_LINE.match(line) is not None


@dataclass(slots=True)
class _Prop:
    name: str
    params: dict[str, str]
    value: str
    line: int


@dataclass(slots=True)
class _Raw:
    """One component as read: its own properties and its sub-components.

    An event or task keeps its logical lines (from BEGIN to END, for its content hash)
    only until its END arrives; then it is turned into an entry and they are dropped.
    """

    name: str
    line: int
    props: list[_Prop] = field(default_factory=list)
    children: list[_Raw] = field(default_factory=list)
    problem: str | None = None
    first_by_name: dict[str, _Prop] | None = None
    lines: list[str] | None = None
    depth: int = 0  # BEGINs minus ENDs seen inside an event: its own lines are at 0
    calendar: _Calendar | None = None  # the VCALENDAR an event or task belongs to

    def add(self, prop: _Prop) -> None:
        self.props.append(prop)
        self.first_by_name = None

    def get(self, name: str) -> _Prop | None:
        if self.first_by_name is None:
            self.first_by_name = {}
            for prop in reversed(self.props):
                self.first_by_name[prop.name] = prop
        return self.first_by_name.get(name)

    def all(self, name: str) -> Iterator[_Prop]:
        return (prop for prop in self.props if prop.name == name)

    def text(self, name: str) -> str | None:
        prop = self.get(name)
        return None if prop is None else _unescape(prop.value)


@dataclass(slots=True)
class _Calendar:
    """One VCALENDAR while it is read: what its events need and what they gave."""

    raw: _Raw
    index: int  # its position among the file's VCALENDARs
    zone_inputs: int = 0  # bumped by each VTIMEZONE and X-WR-TIMEZONE seen
    ctx: _Context | None = None
    ctx_inputs: int = -1  # zone_inputs when ctx was made
    zone_skipped: list[Skipped] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # its events and tasks


def _split_line(line: str, number: int) -> _Prop:
    colon = line.find(":")
    if colon < 0:
        raise ValueError(f"line {number} is not a content line")
    head = line[:colon]
    if '"' in head:  # quoted parameter values may hold ':' or ';'
        name, params, value = Contentline(line).parts()
        return _Prop(name.upper(), {k.upper(): str(v) for k, v in params.items()}, value, number)
    if ";" not in head:
        return _Prop(head.upper(), _NO_PARAMS, line[colon + 1 :], number)
    name, *raw_params = head.split(";")
    params = {}
    for raw in raw_params:
        key, _, val = raw.partition("=")
        params[key.upper()] = val
    return _Prop(name.upper(), params, line[colon + 1 :], number)


# --- values --------------------------------------------------------------------------


def _unescape(value: str) -> str:
    """RFC 5545 TEXT unescaping (one pass, so an escaped backslash stays one)."""
    if "\\" not in value:
        return value
    return _ESCAPE.sub(lambda m: "\n" if m[1] in "nN" else m[1], value)


def _split_list(value: str) -> list[str]:
    return split_on_unescaped_comma(value)


@dataclass(frozen=True)
class _Context:
    calendar: str
    sphere: str
    origin: str
    vtimezones: dict[str, icalendar.Timezone]
    wr_zone: ResolvedZone | None  # Google's X-WR-TIMEZONE
    zone_cache: dict[str, ResolvedZone]

    def zone(self, tzid: str) -> ResolvedZone:
        found = self.zone_cache.get(tzid)
        if found is None:
            found = resolve_zone(tzid, self.vtimezones)
            self.zone_cache[tzid] = found
        return found


@dataclass(frozen=True)
class _When:
    """A parsed DATE / DATE-TIME: instant (UTC) or floating/date, plus its zone."""

    value: Moment  # aware UTC, naive (floating) or date
    zone: ResolvedZone | None  # None for floating, dates and UTC


def _parse_when(text: str, params: dict[str, str], ctx: _Context, prop: str) -> _When:
    text = text.strip()
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"has an unreadable date {text[:40]!r} in {prop}")
    try:
        year, month, day = int(match[1]), int(match[2]), int(match[3])
        if match[4] is None or params.get("VALUE", "").upper() == "DATE":
            return _When(date(year, month, day), None)
        utc = match[7] is not None
        naive = datetime(year, month, day, int(match[4]), int(match[5]), int(match[6]))
    except ValueError:
        raise ValueError(f"has an impossible date {text[:40]!r} in {prop}") from None
    if utc:
        return _When(naive.replace(tzinfo=UTC), ctx.wr_zone)
    tzid = params.get("TZID")
    if not tzid:
        return _When(naive, None)
    try:
        zone = ctx.zone(tzid)
    except UnknownZoneError as exc:
        raise ValueError(f"uses {exc} in {prop}") from None
    instant = datetime.fromtimestamp(naive.replace(tzinfo=zone.tz).timestamp(), UTC)
    return _When(instant, None if zone.is_utc else zone)


def _when(raw: _Raw, name: str, ctx: _Context) -> _When | None:
    prop = raw.get(name)
    return None if prop is None else _parse_when(prop.value, prop.params, ctx, name)


def _when_list(raw: _Raw, name: str, ctx: _Context) -> list[Moment]:
    found: list[Moment] = []
    for prop in raw.all(name):
        for item in prop.value.split(","):
            if item.strip():
                start = item.split("/", 1)[0]  # PERIOD values: their start
                found.append(_parse_when(start, prop.params, ctx, name).value)
    return found


def _duration(text: str) -> timedelta:
    value = vDuration.from_ical(text.strip())
    if not isinstance(value, timedelta):
        raise ValueError(f"{text!r} is not a duration")
    return value


# --- components -> blocks ------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    block: Block
    uid: str
    rid: str | None
    rid_moment: Moment | None
    cancelled: bool
    sequence: int
    chunk: int | None


def _describe(raw: _Raw) -> str:
    summary = raw.text("SUMMARY")
    uid = raw.text("UID")
    title = f" {summary[:_TEXT_LIMIT]!r}" if summary else ""
    where = f"UID {uid[:_TEXT_LIMIT]}, line {raw.line}" if uid else f"line {raw.line}"
    return f"{raw.name}{title} ({where})"


def _content_hash(raw: _Raw) -> str:
    assert raw.lines is not None
    lines = [line for line in raw.lines
             if line[:1] not in _D_OR_L or _hash_name(line) not in _HASH_IGNORED]
    return hashlib.sha1("\n".join(lines).encode("utf-8", errors="replace")).hexdigest()


def _hash_name(line: str) -> str:
    # Exactly what hashes were always made with (stored hashes must keep matching).
    return line[:13].upper().split(";", 1)[0].split(":", 1)[0]


# The X-PLANNER-* values the exporter writes: (Block field, how to read it).
_PLANNER_READERS: dict[str, Any] = {
    "X-PLANNER-DURATION": ("duration", _duration),
    "X-PLANNER-MIN-CHUNK": ("min_chunk", _duration),
    "X-PLANNER-TRAVEL": ("travel", _duration),
    "X-PLANNER-PRIORITY": ("priority", int),
    "X-PLANNER-PART": ("part_of_day", lambda v: PartOfDay(v.strip().lower())),
    "X-PLANNER-ENERGY": ("energy", lambda v: Energy(v.strip().lower())),
    "X-PLANNER-DONE": ("done", lambda v: v.strip().upper() == "TRUE"),
    "X-PLANNER-DAY": ("day", lambda v: datetime.strptime(v.strip()[:8], "%Y%m%d").date()),
    "X-PLANNER-ID": ("id", lambda v: _unescape(v).strip() or None),
    "X-PLANNER-SPHERE": ("sphere", lambda v: _unescape(v).strip().lower() or None),
    "X-PLANNER-KIND": ("kind", lambda v: Kind(v.strip().lower())),
    "X-PLANNER-CHUNK": ("chunk", int),
}


def _planner_props(raw: _Raw, ctx: _Context) -> dict[str, Any]:
    """The X-PLANNER-* values the exporter writes; a bad one is ignored, not fatal."""
    found: dict[str, Any] = {}
    for prop in raw.props:
        if not prop.name.startswith("X-PLANNER-"):
            continue
        if prop.name in ("X-PLANNER-EARLIEST", "X-PLANNER-DEADLINE", "X-PLANNER-PINNED"):
            key = {"X-PLANNER-PINNED": "pinned_start"}.get(prop.name, prop.name[10:].lower())
            try:
                moment = _parse_when(prop.value, prop.params, ctx, prop.name).value
            except ValueError:
                continue
            if isinstance(moment, datetime):
                found[key] = moment
            continue
        reader = _PLANNER_READERS.get(prop.name)
        if reader is None:
            continue
        try:
            value = reader[1](prop.value)
        except (ValueError, TypeError):
            continue
        if value is not None:
            found[reader[0]] = value
    return found


def _common(raw: _Raw, ctx: _Context, extra: dict[str, Any]) -> dict[str, Any]:
    """Fields every block kind reads the same way."""
    sphere = extra.get("sphere") or ctx.sphere
    tags: list[str] = []
    for prop in raw.all("CATEGORIES"):
        for tag in _split_list(prop.value):
            tag = tag.strip()
            # The exporter writes the sphere as a category; it is not a tag.
            if tag and tag not in tags and not ("sphere" in extra and tag.lower() == sphere):
                tags.append(tag)
    return {
        "title": (raw.text("SUMMARY") or "").strip() or "(no title)",
        "notes": raw.text("DESCRIPTION") or "",
        "location": raw.text("LOCATION") or "",
        "tags": tuple(tags),
        "sphere": sphere,
        "energy": extra.get("energy"),
    }


def _sequence(raw: _Raw) -> int:
    try:
        return int((raw.text("SEQUENCE") or "0").strip())
    except ValueError:
        return 0


def _read_component(raw: _Raw, ctx: _Context) -> _Entry:
    if raw.problem:
        raise ValueError(raw.problem)
    content_hash = _content_hash(raw)
    uid = (raw.text("UID") or "").strip() or f"nouid-{content_hash[:16]}"
    rid_when = _when(raw, "RECURRENCE-ID", ctx)
    rid_moment = None if rid_when is None else rid_when.value
    rid = None if rid_moment is None else recurrence_id_text(rid_moment)
    extra = _planner_props(raw, ctx)
    sequence = _sequence(raw)
    source = Source(ctx.calendar, uid, rid, content_hash, sequence)
    block_id = extra.get("id") or block_id_for(ctx.calendar, uid, rid)
    fields = _common(raw, ctx, extra)
    status = (raw.text("STATUS") or "").strip().upper()
    if raw.name == "VTODO":
        block = _todo(raw, ctx, extra, block_id, fields, source)
    else:
        block = _event(raw, ctx, extra, block_id, fields, source, rid is not None)
    return _Entry(block, uid, rid, rid_moment, status == "CANCELLED", sequence,
                  extra.get("chunk"))


def _event(
    raw: _Raw,
    ctx: _Context,
    extra: dict[str, Any],
    block_id: str,
    fields: dict[str, Any],
    source: Source,
    is_override: bool,
) -> Block:
    start_when = _when(raw, "DTSTART", ctx)
    if start_when is None:
        raise ValueError("has no DTSTART")
    start = start_when.value
    end = _event_end(raw, ctx, start_when)
    zone = start_when.zone
    tzid = zone.name if zone is not None and not zone.is_utc else None
    recurrence = None if is_override else _recurrence(raw, ctx, start)
    if extra.get("kind") is Kind.FLEXIBLE and isinstance(start, datetime):
        assert isinstance(end, datetime)
        return _flexible(block_id, fields, extra, source,
                         duration=extra.get("duration") or end - start, planned=((start, end),))
    return Block(
        id=block_id,
        kind=Kind.FIXED,
        start=start,
        end=end,
        tzid=tzid,
        recurrence=recurrence,
        transparent=(raw.text("TRANSP") or "").strip().upper() == "TRANSPARENT",
        travel=extra.get("travel"),
        source=source,
        **fields,
    )


def _event_end(raw: _Raw, ctx: _Context, start_when: _When) -> Moment:
    start = start_when.value
    end_when = _when(raw, "DTEND", ctx)
    all_day = not isinstance(start, datetime)
    if end_when is not None:
        end = end_when.value
        if all_day and isinstance(end, datetime):
            end = end.date()
        elif not all_day and not isinstance(end, datetime):
            raise ValueError("mixes a date-time DTSTART with a date DTEND")
        elif not all_day and (end.tzinfo is None) != (start.tzinfo is None):  # type: ignore[union-attr]
            raise ValueError("mixes floating and zoned times in DTSTART and DTEND")
        if end <= start:  # type: ignore[operator]
            return start + timedelta(days=1) if all_day else start
        return end
    duration_prop = raw.get("DURATION")
    if duration_prop is not None:
        try:
            length = _duration(duration_prop.value)
        except ValueError:
            raise ValueError(f"has an unreadable DURATION {duration_prop.value[:40]!r}") from None
        if all_day:
            return start + timedelta(days=max(length.days, 1))
        zone = start_when.zone
        if zone is not None and not zone.is_utc and length.days and isinstance(start, datetime):
            # Days in a DURATION are nominal: same wall time N days later (RFC 5545).
            wall = start.astimezone(zone.tz).replace(tzinfo=None) + length
            return datetime.fromtimestamp(wall.replace(tzinfo=zone.tz).timestamp(), UTC)
        return start + max(length, timedelta(0))
    return start + timedelta(days=1) if all_day else start


def _recurrence(raw: _Raw, ctx: _Context, start: Moment) -> Recurrence | None:
    rrule_prop = raw.get("RRULE")
    rdates = _when_list(raw, "RDATE", ctx)
    exdates = _when_list(raw, "EXDATE", ctx)
    if rrule_prop is None and not rdates:
        return None
    rule = rrule_prop.value.strip() if rrule_prop is not None else None
    if rule:
        try:
            validate_rule(rule, start)
        except RecurrenceError as exc:
            raise ValueError(f"has an RRULE that cannot be read ({exc})") from None
    return Recurrence(rule or None, tuple(rdates), tuple(exdates))


def _todo(
    raw: _Raw,
    ctx: _Context,
    extra: dict[str, Any],
    block_id: str,
    fields: dict[str, Any],
    source: Source,
) -> Block:
    duration = extra.get("duration")
    duration_prop = raw.get("DURATION")
    if duration_prop is not None:
        try:
            duration = _duration(duration_prop.value)
        except ValueError:
            raise ValueError(f"has an unreadable DURATION {duration_prop.value[:40]!r}") from None
    earliest = _as_instant(_when(raw, "DTSTART", ctx), end_of_day=False)
    deadline = _as_instant(_when(raw, "DUE", ctx), end_of_day=True)
    done = (raw.text("STATUS") or "").strip().upper() == "COMPLETED" or raw.get("COMPLETED")
    return _flexible(
        block_id,
        fields,
        {"earliest": earliest, "deadline": deadline, "priority": _priority(raw),
         "done": bool(done), **extra},
        source,
        duration=duration if duration and duration > timedelta(0) else DEFAULT_TODO_DURATION,
        planned=(),
    )


def _as_instant(when: _When | None, *, end_of_day: bool) -> datetime | None:
    """A DTSTART/DUE as a datetime; a date means its start (or end) as floating time."""
    if when is None:
        return None
    if isinstance(when.value, datetime):
        return when.value
    day = when.value + timedelta(days=1) if end_of_day else when.value
    return datetime(day.year, day.month, day.day)


def _priority(raw: _Raw) -> int:
    try:
        value = int((raw.text("PRIORITY") or "0").strip())
    except ValueError:
        return 0
    if 1 <= value <= 4:
        return 2
    return 1 if value == 5 else 0


def _flexible(
    block_id: str,
    fields: dict[str, Any],
    extra: dict[str, Any],
    source: Source,
    *,
    duration: timedelta,
    planned: tuple[tuple[datetime, datetime], ...],
) -> Block:
    keys = ("day", "earliest", "deadline", "part_of_day", "priority", "min_chunk",
            "pinned_start", "done")
    options = {k: extra[k] for k in keys if extra.get(k) is not None}
    return Block(
        id=block_id,
        kind=Kind.FLEXIBLE,
        duration=duration,
        planned=planned,
        source=source,
        **fields,
        **options,
    )


# --- whole file ----------------------------------------------------------------------


def read_calendar(
    data: bytes, *, calendar: str, sphere: str = "work", origin: str = "<input>"
) -> ReadResult:
    """Read every VCALENDAR in ``data`` into blocks; unreadable components are skipped.

    Raises CalendarError when the file as a whole is not a readable iCalendar file.
    """
    if not data.strip():
        raise CalendarError(f"{origin} is empty.")
    # The blocks made are many small objects that all stay alive until the end;
    # the cyclic GC would rescan them again and again for nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _read(data, calendar, sphere, origin)
    finally:
        if was_enabled:
            gc.enable()


def _read(data: bytes, calendar: str, sphere: str, origin: str) -> ReadResult:
    stream = _Stream(calendar, sphere, origin, None)
    stream.run(_unfold(_text_chunks(data, origin)))
    if stream.stale:
        # A VTIMEZONE or X-WR-TIMEZONE came after events that were already read:
        # read again, now knowing every calendar's zones from the start.
        stream = _Stream(calendar, sphere, origin, stream.contexts)
        stream.run(_unfold(_text_chunks(data, origin)))
    name = stream.name
    return ReadResult(_merge(stream.entries), stream.skipped, name.strip() if name else None)


class _Stream:
    """One pass over the logical lines, building one component at a time.

    Events and tasks become entries as soon as their END arrives, so only the current
    one's lines are held. They are read with their calendar's zones as known so far;
    if those change later, ``stale`` asks for a second pass with ``presets``.
    """

    def __init__(
        self,
        calendar: str,
        sphere: str,
        origin: str,
        presets: list[tuple[_Context, list[Skipped]]] | None,
    ) -> None:
        self.calendar, self.sphere, self.origin = calendar, sphere, origin
        self.presets = presets
        self.stack: list[_Raw] = []
        self.current: _Calendar | None = None
        self.calendars = 0
        self.event: _Raw | None = None  # the open event or task whose lines are kept
        self.lazy = False  # inside an event or task: its lines are parsed at its END
        self.entries: list[_Entry] = []
        self.skipped: list[Skipped] = []
        self.name: str | None = None  # X-WR-CALNAME
        self.contexts: list[tuple[_Context, list[Skipped]]] = []  # final, per calendar
        self.stale = False

    def run(self, lines: Iterator[tuple[int, str]]) -> None:
        last = 0
        stack = self.stack
        event: _Raw | None = None  # the open event or task, whose lines are kept
        kept: list[str] = []
        lazy = False
        for number, line in lines:
            last = number
            # The first letter is a cheap filter: most lines are neither BEGIN nor END.
            if line[:1] in _B_OR_E and line[:6].upper().startswith(("BEGIN:", "END:")):
                if event is not None:
                    kept.append(line)
                self._begin_end(line, number)
                lazy, event = self.lazy, self.event
                if event is not None:
                    kept = event.lines  # type: ignore[assignment]
                continue
            if event is not None:
                kept.append(line)
                if event.depth == 0:  # not a line of one of its VALARMs
                    try:
                        event.props.append(_split_line(line, number))
                    except ValueError as exc:
                        event.problem = event.problem or \
                            f"has an unreadable line {number} ({exc})"
                continue
            if lazy:
                continue
            if not stack:
                if not self.calendars:
                    raise CalendarError(f"{self.origin} is not an iCalendar file "
                                        f"(line {number} is not BEGIN:VCALENDAR).")
                continue  # junk between calendars
            try:
                prop = _split_line(line, number)
            except ValueError as exc:
                stack[-1].problem = f"has an unreadable line {number} ({exc})"
                continue
            stack[-1].add(prop)
            if prop.name == "X-WR-TIMEZONE" and len(stack) == 1 and self.current is not None:
                self.current.zone_inputs += 1
        if not last:
            raise CalendarError(f"{self.origin} is empty.")
        if not self.calendars:
            raise CalendarError(f"{self.origin} is empty: it has no BEGIN:VCALENDAR.")
        if stack:
            raise CalendarError(f"{self.origin} ends early (no END:VCALENDAR after line "
                                f"{last}): the file looks truncated.")

    def _begin_end(self, line: str, number: int) -> None:
        keyword, _, value = line.partition(":")
        name = value.strip().upper()
        stack = self.stack
        begin = keyword.upper() == "BEGIN"
        if self.event is not None:
            # Counted like this (not by the stack) since events were first read so.
            self.event.depth += 1 if begin else -1
        if begin:
            self._begin(name, line, number)
        elif name not in [raw.name for raw in stack]:
            if stack:
                stack[-1].problem = f"has a stray END:{name} on line {number}"
        else:
            while stack[-1].name != name:
                unclosed = stack.pop()
                unclosed.problem = f"has no END:{unclosed.name}"
                self._closed(unclosed)
            self._closed(stack.pop())
        # An event or task is never nested deeper than in a VCALENDAR (or in junk).
        self.lazy, self.event = False, None
        for raw in stack[:2]:
            if raw.name in _LAZY:
                self.lazy = True
                self.event = raw if raw.lines is not None else None

    def _begin(self, name: str, line: str, number: int) -> None:
        stack = self.stack
        if name in _TOP_LEVEL:
            # These never nest: an open one here lost its END line.
            keep = 0 if name == "VCALENDAR" else 1
            while len(stack) > keep:
                unclosed = stack.pop()
                unclosed.problem = f"has no END:{unclosed.name}"
                self._closed(unclosed)
        raw = _Raw(name, number)
        if stack:
            parent = stack[-1]
            if parent.name == "VCALENDAR":  # only ever at the bottom: a real calendar
                raw.calendar = self.current
                if name in _LAZY:
                    raw.lines = [line]
                elif name == "VTIMEZONE":
                    parent.children.append(raw)
                # Other components of a calendar are not read.
            elif parent.name not in _LAZY:
                parent.children.append(raw)  # e.g. a VTIMEZONE's STANDARD
        elif name == "VCALENDAR":
            self.current = _Calendar(raw, self.calendars)
            self.calendars += 1
        elif not self.calendars:
            raise CalendarError(f"{self.origin} is not an iCalendar file (line {number} "
                                f"begins {name}, not VCALENDAR).")
        else:
            raw.problem = "is outside any VCALENDAR"
        stack.append(raw)
        if len(stack) > _MAX_DEPTH:
            raise CalendarError(f"{self.origin} nests components too deeply (line {number}).")

    def _closed(self, raw: _Raw) -> None:
        """A component was popped off the stack, by its END or because it has none."""
        if raw.name == "VCALENDAR":
            if self.current is not None and raw is self.current.raw:
                self._finish_calendar(self.current)
                self.current = None
            return
        calendar = raw.calendar
        if calendar is None:
            return
        if raw.lines is not None:
            self._read_event(raw, calendar)
            raw.lines = None
        elif raw.name == "VTIMEZONE":
            calendar.zone_inputs += 1

    def _read_event(self, raw: _Raw, calendar: _Calendar) -> None:
        ctx = self._context(calendar)
        if ctx is None:
            return
        try:
            self.entries.append(_read_component(raw, ctx))
        except (ValueError, TypeError, OverflowError, AssertionError) as exc:
            calendar.skipped.append(Skipped(_describe(raw), _reason(exc)))

    def _context(self, calendar: _Calendar) -> _Context | None:
        """The zones for this calendar's events, or None once a second pass is due."""
        if self.presets is not None:
            return self.presets[calendar.index][0]
        if self.stale:
            return None
        if calendar.ctx is None:
            calendar.ctx = _context(calendar.raw, self.calendar, self.sphere, self.origin,
                                    calendar.zone_skipped)
            calendar.ctx_inputs = calendar.zone_inputs
        elif calendar.ctx_inputs != calendar.zone_inputs:
            self.stale = True
            self.entries.clear()
            return None
        return calendar.ctx

    def _finish_calendar(self, calendar: _Calendar) -> None:
        vcalendar = calendar.raw
        if vcalendar.problem:
            self.skipped.append(Skipped(_describe(vcalendar), vcalendar.problem))
        self.name = self.name or vcalendar.text("X-WR-CALNAME")
        if self.presets is not None:
            ctx, zone_skipped = self.presets[calendar.index]
        elif calendar.ctx is not None and calendar.ctx_inputs == calendar.zone_inputs:
            ctx, zone_skipped = calendar.ctx, calendar.zone_skipped
        else:
            if calendar.ctx is not None:  # its events were read with zones now outdated
                self.stale = True
                self.entries.clear()
            zone_skipped = []
            ctx = _context(vcalendar, self.calendar, self.sphere, self.origin, zone_skipped)
        self.contexts.append((ctx, zone_skipped))
        self.skipped += zone_skipped
        self.skipped += calendar.skipped



def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    if text.startswith(("has ", "uses ", "mixes ", "is ")):
        return text
    return f"cannot be read: {text}"


def _context(
    vcalendar: _Raw, calendar: str, sphere: str, origin: str, skipped: list[Skipped]
) -> _Context:
    vtimezones: dict[str, icalendar.Timezone] = {}
    for raw in vcalendar.children:
        if raw.name != "VTIMEZONE" or raw.problem:
            continue
        tzid = raw.text("TZID")
        if not tzid:
            continue
        try:
            vtimezones[tzid] = icalendar.Timezone.from_ical(_raw_text(raw))
        except Exception:  # a broken VTIMEZONE only matters to events that use it
            skipped.append(Skipped(_describe(raw), "cannot be read as a time zone"))
    wr_zone = None
    wr_name = vcalendar.text("X-WR-TIMEZONE")
    if wr_name:
        found = iana_name(wr_name.strip())
        if found is not None and found != "UTC":
            wr_zone = resolve_zone(found, {})
    return _Context(calendar, sphere, origin, vtimezones, wr_zone, {})


def _raw_text(raw: _Raw) -> str:
    """Re-serialise a component (used for the rare VTIMEZONE only)."""
    out = [f"BEGIN:{raw.name}"]
    for prop in raw.props:
        params = "".join(f";{k}={v}" for k, v in prop.params.items())
        out.append(f"{prop.name}{params}:{prop.value}")
    out.extend(_raw_text(child) for child in raw.children)
    out.append(f"END:{raw.name}")
    return "\r\n".join(out)


def _merge(entries: list[_Entry]) -> list[Block]:
    """Apply duplicates, cancellations and chunked exports to the parsed entries."""
    latest: dict[tuple[str, str | None], _Entry] = {}
    for entry in entries:
        key = (entry.uid, entry.rid)
        if entry.block.kind is Kind.FLEXIBLE and entry.chunk is not None:
            key = (entry.uid, f"chunk:{entry.chunk}")
        known = latest.get(key)
        if known is None or entry.sequence >= known.sequence:
            latest[key] = entry
    masters = {e.uid: e for e in latest.values() if e.rid is None}
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
                if block.source is not None:
                    # The cancellations live in other components: fold them into the
                    # master's hash, or re-import would call the series unchanged.
                    folded = hashlib.sha1(
                        (block.source.content_hash + "|" + ",".join(sorted(
                            str(m) for m in slots))).encode()).hexdigest()
                    block = replace(block, source=replace(block.source, content_hash=folded))
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
    return blocks
