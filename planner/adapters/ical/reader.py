"""Reading iCalendar files into blocks.

Splitting into lines and components is done here (fast, and it keeps line numbers
for messages). The file is read as a stream: decoded a piece at a time, unfolded as it
goes, and each event or task becomes its block when its END arrives, so memory holds
the blocks made, not every line of the file. Single content lines and values are
parsed with icalendar's own parsers, VTIMEZONEs with icalendar's timezone support
(see ``zones``). Recurrence is kept as text and never expanded here (see
``planner.core.recurrence``).

Google's X-WR-TIMEZONE is applied the way ``x_wr_timezone.to_standard`` does it (UTC
and floating date-times are meant in that zone), directly on the parsed values:
building the icalendar tree that ``to_standard`` needs costs ~0.35 ms per event.

Lenient with sloppy producers: a file without a VCALENDAR wrapper, a misspelt last
END line, the old Mozilla layout, an undefined TZID, a junk RRULE token or one bad
UTF-8 byte are repaired, and every repair is reported (``ReadResult.repaired``) next to
what was skipped (``ReadResult.skipped``), each naming the component, UID and line.
"""

from __future__ import annotations

import codecs
import functools
import gc
import hashlib
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import chain
from typing import Any, NamedTuple

from icalendar.parser import Contentline, split_on_unescaped_comma
from icalendar.prop import vDuration

from planner.adapters.ical.alarms import MAX_ALARMS, read_alarms
from planner.adapters.ical.participants import read_participants
from planner.adapters.ical.series import Entry, merge
from planner.adapters.ical.zones import (
    UTC_ZONE,
    ResolvedZone,
    UnknownZoneError,
    guess_zone,
    iana_name,
    resolve_zone,
)
from planner.core.errors import PlannerError
from planner.core.model import (
    MAX_ICAL_INTEGER,
    MAX_TRAVEL,
    Block,
    Classification,
    Energy,
    Kind,
    Moment,
    PartOfDay,
    Recurrence,
    Source,
)
from planner.core.recurrence import RecurrenceError, recurrence_id_text, validate_rule
from planner.core.zonerules import readable

# Bumped whenever the reader reads the same bytes into different blocks: stored
# content hashes carry it, so a re-import after such a change compares the blocks
# themselves instead of trusting a hash of the text (see ``planner.core.reconcile``).
READER_VERSION = 5
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
# An event or task begun or ended by these exact lines, in a VCALENDAR (nearly every
# one), skips the general bookkeeping of _begin_end; False reads all by _begin_end.
_FAST_EVENTS = True
_FAST_BEGIN = {"BEGIN:VEVENT": "VEVENT", "BEGIN:VTODO": "VTODO"}
_FAST_END = {"END:VEVENT": "VEVENT", "END:VTODO": "VTODO"}
_CHUNK = 1 << 20  # characters decoded and split at a time
_MAX_DEPTH = 20
_NO_PARAMS: dict[str, str] = {}  # shared, never written to
_TEXT_LIMIT = 200  # characters of a title quoted in messages
_MAX_COUNT = MAX_ICAL_INTEGER  # RRULE COUNT: RFC 5545 INTEGER, as icalendar enforces on writing
_MAX_SEQUENCE = MAX_ICAL_INTEGER  # SEQUENCE is an integer in RFC 5545 (a C int elsewhere)
_MAX_PRIORITY = 9  # the range of iCalendar PRIORITY; planner uses 0 normal, 1 high, 2 urgent
_MAX_INTERVAL = 1_000_000  # an RRULE INTERVAL beyond this has no second instance in use
_MAX_ZONE_LINES = 2000  # rule lines and RDATE values per VTIMEZONE (work per zone)
_BARE_NAME = re.compile(r"[A-Za-z0-9-]+")
_ISO_UNTIL = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:?\d{2}:?\d{2}Z?)?", re.ASCII)
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                            rb"|[\xf0-\xf4][\x80-\xbf]{3}")


class CalendarError(PlannerError):
    """The whole file cannot be read; the message is one sentence naming it."""


@dataclass(frozen=True)
class Notice:
    """One component skipped or repaired, and why."""

    component: str  # e.g. "VEVENT 'Budget review' (UID abc@x, line 120)"
    reason: str


Skipped = Notice


@dataclass(frozen=True)
class ReadResult:
    blocks: list[Block]
    skipped: list[Notice]
    name: str | None  # X-WR-CALNAME
    repaired: list[Notice] = field(default_factory=list)


def block_id_for(calendar: str, uid: str, recurrence_id: str | None, key: bytes = b"") -> str:
    """The block id for an imported component: the same within one read for the same
    key. With a secret ``key`` (the importer draws one per read) ids cannot be
    predicted from a file's public UIDs; re-imports keep the ids already stored."""
    text = "\x1f".join((calendar, uid, recurrence_id or "")).encode("utf-8", "replace")
    if key:
        digest = _keyed_blake2b(key[:64]).copy()  # keying costs a whole block: done once
        digest.update(text)
        return "c" + digest.hexdigest()
    return "c" + hashlib.sha1(text).hexdigest()[:12]


@functools.lru_cache(maxsize=8)
def _keyed_blake2b(key: bytes) -> Any:
    return hashlib.blake2b(key=key, digest_size=6)


# --- text, lines, components ---------------------------------------------------------


def _text_chunks(data: bytes, origin: str, repairs: list[tuple[int, str]]) -> Iterator[str]:
    """The decoded text in pieces of about ``_CHUNK`` that each end at a line break.

    Decoding piece by piece keeps a second full copy of a big file out of memory.
    UTF-8 with a few bytes that are not (a Latin-1 "é" pasted into a UTF-8 file) keeps
    its UTF-8 and reads just those bytes as Windows-1252, noting (line, text) of each
    in ``repairs``; only a file with no UTF-8 sequence at all is read as Latin-1.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        if not _utf8(data, 3):
            data = _rejoin_split_characters(data)
        return _repaired_pieces(data, 3, repairs)
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
    # The whole file is UTF-8 (nearly always): check before reading.
    if not _utf8(data, 0):
        data = _rejoin_split_characters(data)
        if not _utf8(data, 0):
            if _UTF8_SEQUENCE.search(data) is None:
                return _decoded_pieces(data, 0, "latin-1", "strict")
            return _repaired_pieces(data, 0, repairs)
    return _decoded_pieces(data, 0, "utf-8", "strict")


def _utf8(data: bytes, start: int) -> bool:
    try:
        for begin, end in _cuts(data, start, b"\n", b"\r"):
            data[begin:end].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# A line folded inside a UTF-8 character: the character's first bytes end one line,
# the rest follow the fold's space on the next (RFC 5545 3.1 asks readers to restore it).
_SPLIT_CHARACTER = re.compile(
    rb"([\xc2-\xf4][\x80-\xbf]{0,2})(\r\n|\r|\n)([ \t])([\x80-\xbf]{1,3})")


def _rejoin_split_characters(data: bytes) -> bytes:
    """``data`` with each character split by a fold moved whole onto the folded line,
    so line numbers stay and unfolding gives the text the producer meant."""
    def rejoin(match: re.Match[bytes]) -> bytes:
        head, tail = match[1], match[4]
        length = 2 if head[0] < 0xE0 else 3 if head[0] < 0xF0 else 4
        missing = length - len(head)
        try:
            (head + tail[:missing]).decode("utf-8")
        except UnicodeDecodeError:
            return match[0]  # not a split character: bytes to repair as they are
        return match[2] + match[3] + head + tail

    return _SPLIT_CHARACTER.sub(rejoin, data)


def _repaired_pieces(data: bytes, start: int, repairs: list[tuple[int, str]]) -> Iterator[str]:
    """UTF-8 pieces where each byte that is not UTF-8 is read as Windows-1252."""
    lines_before = 0
    for begin, end in _cuts(data, start, b"\n", b"\r"):
        piece = data[begin:end]
        try:
            text = piece.decode("utf-8")
        except UnicodeDecodeError:
            text = piece.decode("utf-8", "surrogateescape")
            fixed = []
            for number, line in enumerate(_split_piece(text), lines_before + 1):
                if any("\udc80" <= ch <= "\udcff" for ch in line):
                    line = _from_windows_1252(line)
                    repairs.append((number, line))
                fixed.append(line)
            text = "\n".join(fixed) + ("\n" if text[-1:] in ("\n", "\r") else "")
        lines_before += len(_split_piece(text))
        yield text


def _from_windows_1252(line: str) -> str:
    raw = line.encode("utf-8", "surrogateescape")
    return raw.decode("utf-8", "planner-windows-1252")


def _windows_1252_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start:error.end]
    return bad.decode("cp1252", errors="replace").replace("\ufffd", "") or \
        bad.decode("latin-1"), error.end


codecs.register_error("planner-windows-1252", _windows_1252_fallback)


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


def _unfold(pieces: Iterator[str], fast: bool = True) -> Iterator[tuple[int, str]]:
    """Logical content lines, each with the physical line number it starts on.

    A piece whose every line is a content line or a fold (nearly every file) takes a
    shorter loop (``_unfold_clean``); any other piece the full one (``_unfold_piece``).
    Both give the same lines, kept in step across pieces by ``_Unfolding``.
    ``fast=False`` reads every piece by the full loop (the differential tests').
    """
    return chain.from_iterable(_unfolded_pieces(pieces, _Unfolding([]), fast))


@dataclass(slots=True)
class _Unfolding:
    """Where unfolding stands between two pieces."""

    parts: list[str]  # the logical line so far (it may go on in the next piece)
    first: int = 0  # the physical line it starts on
    number: int = 0  # physical lines seen
    # A line that is only a name ("SUMMARY"): the old Mozilla layout if the next line
    # folds on ":value" or ";param", else the tail of a badly folded line.
    pending: str | None = None
    pending_line: int = 0


def _unfolded_pieces(pieces: Iterator[str], state: _Unfolding, fast: bool
                     ) -> Iterator[list[tuple[int, str]]]:
    for piece in pieces:
        physicals = _clean_lines(piece, state) if fast else None
        if physicals is None:
            yield _unfold_piece(piece, state)
            continue
        # A few hundred lines at a time: memory holds the piece, not its lines twice.
        for at in range(0, len(physicals), _BATCH):
            yield _unfold_clean(physicals[at : at + _BATCH], state)
    parts = state.parts
    if state.pending is not None:
        parts.append(state.pending)
    if parts:
        yield [(state.first, "".join(parts))]


def _unfold_piece(piece: str, state: _Unfolding) -> list[tuple[int, str]]:
    """The logical lines that end in ``piece``, whatever its lines look like."""
    content_line = _CONTENT_LINE.match
    bare_name = _BARE_NAME.fullmatch
    found: list[tuple[int, str]] = []
    parts, first, number = state.parts, state.first, state.number
    pending, pending_line = state.pending, state.pending_line
    for physical in _split_piece(piece):
        number += 1
        if pending is not None:
            if not physical.strip():
                continue
            if physical[:1] in (" ", "\t") and physical[1:2] in (":", ";"):
                if parts:
                    found.append((first, "".join(parts)))
                parts, first = [pending, physical[1:]], pending_line
                pending = None
                continue
            parts.append(pending)
            pending = None
        if physical[:1] in (" ", "\t") and parts:
            parts.append(physical[1:])
            continue
        if not physical.strip():
            continue
        if parts and content_line(physical) is None:
            if bare_name(physical):
                pending, pending_line = physical, number
                continue
            # Broken folding (continuation without the leading space): keep the text.
            parts.append(physical)
            continue
        if parts:
            found.append((first, parts[0] if len(parts) == 1 else "".join(parts)))
        parts = [physical]
        first = number
    state.parts, state.first, state.number = parts, first, number
    state.pending, state.pending_line = pending, pending_line
    return found


# After a line break: a line that is neither a fold nor the start of a content line
# (an empty line included). A piece without one is "clean".
_NOT_CLEAN = re.compile(r"\n(?![ \t]|[A-Za-z0-9-]+[;:])")
_BATCH = 256


def _clean_lines(piece: str, state: _Unfolding) -> list[str] | None:
    """The physical lines of a piece of only content lines and folds, or None.

    There every line that does not fold is a content line, so neither the empty-line
    nor the content-line test of the full loop (``_unfold_piece``) can change anything,
    and nothing is pending (a pending name line is never a content line): such lines
    are unfolded by the shorter loop of ``_unfold_clean``.
    """
    if state.pending is not None:
        return None
    newline = "\r\n" if "\r" in piece else "\n"  # checked below: CRLF on every line
    # The piece ends at a line break (but the file's last one may not): no line after it.
    end = len(piece) - 1 if piece[-1:] == "\n" else len(piece)
    if not end or _NOT_CLEAN.search(piece, 0, end) is not None:
        return None
    if (not state.parts) if piece[0] in " \t" else _CONTENT_LINE.match(piece) is None:
        return None  # a fold with nothing to go on, or a first line of another kind
    physicals = piece.split(newline)
    # As _split_piece asks, every CR and LF in CRLF pairs (each split made one line
    # more; counting single characters is twice as fast as counting the pairs).
    if newline == "\r\n" and not piece.count("\r") == piece.count("\n") == len(physicals) - 1:
        return None
    if end < len(piece):
        physicals.pop()
    return physicals


def _unfold_clean(physicals: list[str], state: _Unfolding) -> list[tuple[int, str]]:
    """``_unfold_piece`` for lines that ``_clean_lines`` found clean."""
    parts = state.parts
    found: list[tuple[int, str]] = []
    append = found.append
    number, first = state.number, state.first
    # The logical line so far: ``current``, and its folded parts once it has any.
    current = parts[0] if len(parts) == 1 else "".join(parts) if parts else None
    folded: list[str] | None = None
    for physical in physicals:
        number += 1
        if physical[:1] in (" ", "\t"):
            if folded is None:
                folded = [current]  # type: ignore[list-item]  # a clean piece starts a line
            folded.append(physical[1:])
            continue
        if current is not None:
            append((first, current if folded is None else "".join(folded)))
        current, folded, first = physical, None, number
    state.parts = [current if folded is None else "".join(folded)]  # type: ignore[list-item]
    state.number, state.first = number, first
    return found


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
    nested: bool = False  # an event or task holding sub-components (VALARMs)
    calendar: _Calendar | None = None  # the VCALENDAR an event or task belongs to
    end_line: int = 0  # the line of its END (or where it was closed without one)
    notes: list[str] | None = None  # what was repaired while reading it

    def note(self, text: str) -> None:
        if self.notes is None:
            self.notes = []
        if text not in self.notes:
            self.notes.append(text)

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
    implicit: bool = False  # components without a BEGIN:VCALENDAR around them
    zone_inputs: int = 0  # bumped by each VTIMEZONE and X-WR-TIMEZONE seen
    ctx: _Context | None = None
    ctx_inputs: int = -1  # zone_inputs when ctx was made
    zone_skipped: list[Notice] = field(default_factory=list)
    skipped: list[Notice] = field(default_factory=list)  # its events and tasks
    repaired: list[Notice] = field(default_factory=list)


def _split_line(line: str, number: int) -> _Prop:
    colon = line.find(":")
    if colon < 0:
        raise ValueError(f"line {number} is not a content line")
    head = line[:colon]
    # A file repeats a few heads ("DTSTART;TZID=Europe/Berlin") on every event.
    known = _HEADS.get(head)
    if known is not None:
        return _Prop(known[0], known[1], line[colon + 1 :], number)
    if '"' in head:  # quoted parameter values may hold ':' or ';'
        name, quoted, value = Contentline(line).parts()
        return _Prop(name.upper(), {k.upper(): str(v) for k, v in quoted.items()}, value, number)
    known = _split_head(head)
    if len(_HEADS) >= _MAX_HEADS:
        _HEADS.clear()
    _HEADS[head] = known
    return _Prop(known[0], known[1], line[colon + 1 :], number)


def _split_head(head: str) -> tuple[str, dict[str, str]]:
    """A content line's name and parameters, from what precedes its first colon (with
    no quote in it)."""
    if ";" not in head:
        return head.upper(), _NO_PARAMS
    name, *raw_params = head.split(";")
    params = {}
    for raw in raw_params:
        key, _, val = raw.partition("=")
        params[key.upper()] = val
    return name.upper(), params


# Heads already split (``_split_line``), their parameters shared by every property
# with that head: like ``_NO_PARAMS``, never written to.
_HEADS: dict[str, tuple[str, dict[str, str]]] = {}
_MAX_HEADS = 4096


# --- values --------------------------------------------------------------------------


def _unescape(value: str) -> str:
    """RFC 5545 TEXT unescaping (one pass, so an escaped backslash stays one)."""
    if "\\" not in value:
        return value
    return _ESCAPE.sub(lambda m: "\n" if m[1] in "nN" else m[1], value)


def _split_list(value: str) -> list[str]:
    return split_on_unescaped_comma(value)


@dataclass(frozen=True)
class _Options:
    """What the caller decides: which spheres exist, the id key, a last check per block."""

    spheres: Collection[str] | None = None
    id_key: bytes = b""
    check: Callable[[Block], str | None] | None = None
    planner_ids: bool = False


@dataclass(frozen=True)
class _Context:
    calendar: str
    sphere: str
    origin: str
    vtimezones: dict[str, str]  # TZID -> that VTIMEZONE's text (see core.zonerules)
    wr_zone: ResolvedZone | None  # Google's X-WR-TIMEZONE (UTC included)
    zone_cache: dict[tuple[str, int], ResolvedZone]
    options: _Options = field(default_factory=_Options)

    def zone(self, tzid: str, year: int) -> ResolvedZone:
        """The zone a TZID names for a wall time in ``year``; UnknownZoneError if none."""
        key = (tzid, year)
        found = self.zone_cache.get(key)
        if found is None:
            found = resolve_zone(tzid, self.vtimezones, year)
            self.zone_cache[key] = found
        return found


class _When(NamedTuple):
    """A parsed DATE / DATE-TIME: instant (UTC) or floating/date, plus its zone."""

    value: Moment  # aware UTC, naive (floating) or date
    zone: ResolvedZone | None  # None for floating, dates and UTC


def _date_of(match: re.Match[str]) -> date:
    """The date of a ``_DATE_TIME`` match (ValueError if there is no such day)."""
    # fromisoformat reads the 8 digits as the constructor does, several times faster.
    return date.fromisoformat(match[0][:8])


def _date_time_of(match: re.Match[str]) -> datetime:
    """The wall time of a ``_DATE_TIME`` match with a time (ValueError if impossible)."""
    if match[4] == "24":  # newer Pythons' fromisoformat read T24 as the next midnight
        return _date_time_by_parts(match)
    return datetime.fromisoformat(match[0][:15])


def _date_time_by_parts(match: re.Match[str]) -> datetime:
    return datetime(int(match[1]), int(match[2]), int(match[3]), int(match[4]),
                    int(match[5]), int(match[6]))


def _date_by_parts(match: re.Match[str]) -> date:
    return date(int(match[1]), int(match[2]), int(match[3]))


def _instant(wall: datetime, tz: Any) -> datetime:
    # fold=0: an ambiguous wall time is its first instant, a gap time moves forward.
    if 1 < wall.year < 9999:
        # The same instant (both subtract utcoffset()), in half the time; only at the
        # calendar's very ends do the two fail with different messages.
        return wall.replace(tzinfo=tz).astimezone(UTC)
    return _instant_by_timestamp(wall, tz)


def _instant_by_timestamp(wall: datetime, tz: Any) -> datetime:
    return datetime.fromtimestamp(wall.replace(tzinfo=tz).timestamp(), UTC)


def _parse_when(
    text: str, params: dict[str, str], ctx: _Context, prop: str, raw: _Raw | None = None
) -> _When:
    text = text.strip()
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"has an unreadable date {text[:40]!r} in {prop}")
    try:
        if match[4] is None or params.get("VALUE", "").upper() == "DATE":
            return _When(_date_of(match), None)
        utc = match[7] is not None
        naive = _date_time_of(match)
    except ValueError:
        raise ValueError(f"has an impossible date {text[:40]!r} in {prop}") from None
    year = naive.year
    tzid = params.get("TZID")
    if utc:
        if tzid and raw is not None and tzid.strip().upper() not in ("UTC", "Z", "GMT"):
            # RFC 5545 forbids a TZID on a UTC time; the Z is the plainer of the two.
            raw.note(f"has a UTC time with TZID {tzid[:40]!r} in {prop}: read it as UTC")
        return _When(naive.replace(tzinfo=UTC), ctx.wr_zone)
    zone = None
    if tzid:
        try:
            zone = ctx.zone(tzid, year)
        except UnknownZoneError as exc:
            zone = _undefined_zone(tzid, str(exc), ctx, prop, raw)
    if zone is None:
        zone = ctx.wr_zone  # floating: Google means the calendar's zone
        if zone is None:
            return _When(naive, None)
    return _When(_instant(naive, zone.tz), None if zone.is_utc else zone)


def _undefined_zone(
    tzid: str, problem: str, ctx: _Context, prop: str, raw: _Raw | None
) -> ResolvedZone | None:
    """A zone for a TZID no VTIMEZONE defines: guessed from its words, or None (floating)."""
    guess = guess_zone(tzid)
    if guess is not None:
        found = resolve_zone(guess, {})
        if raw is not None:
            raw.note(f"uses {problem}: read it as {guess}")
        return found
    if raw is not None:
        where = (f"in the calendar's zone {ctx.wr_zone.name}" if ctx.wr_zone is not None
                 else "as floating time")
        raw.note(f"uses {problem}: read it {where}")
    return None


def _when(raw: _Raw, name: str, ctx: _Context) -> _When | None:
    prop = raw.get(name)
    return None if prop is None else _parse_when(prop.value, prop.params, ctx, name, raw)


def _when_list(raw: _Raw, name: str, ctx: _Context) -> list[Moment]:
    """Every value of a list property (RDATE, EXDATE); a PERIOD counts by its start."""
    return [start.value for start, _, _ in _when_items(raw, name, ctx)]


def _when_items(
    raw: _Raw, name: str, ctx: _Context
) -> list[tuple[_When, str | None, dict[str, str]]]:
    """(start, the end or duration text of a PERIOD value or None, the parameters)."""
    found: list[tuple[_When, str | None, dict[str, str]]] = []
    for prop in raw.all(name):
        for item in prop.value.split(","):
            if not item.strip():
                continue
            start, _, period_end = item.partition("/")
            found.append((_parse_when(start, prop.params, ctx, name, raw),
                          period_end.strip() or None, prop.params))
    return found


def _duration(text: str) -> timedelta:
    value = vDuration.from_ical(text.strip())
    if not isinstance(value, timedelta):
        raise ValueError(f"{text!r} is not a duration")
    return value


# --- components -> blocks ------------------------------------------------------------


def _describe(raw: _Raw) -> str:
    summary = raw.text("TZID") if raw.name == "VTIMEZONE" else raw.text("SUMMARY")
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
    # Only groups a flexible block's chunks within this file: never a storage key.
    "X-PLANNER-ID": ("file_id", lambda v: _unescape(v).strip() or None),
    "X-PLANNER-SPHERE": ("sphere", lambda v: _unescape(v).strip().lower() or None),
    "X-PLANNER-KIND": ("kind", lambda v: Kind(v.strip().lower())),
    "X-PLANNER-CHUNK": ("chunk", int),
    "X-PLANNER-PLANNED": ("planned", lambda v: planned_periods(_unescape(v))),
}


def planned_periods(text: str) -> tuple[tuple[datetime, datetime], ...] | None:
    """X-PLANNER-PLANNED: every chunk of a split flexible block as UTC periods
    (``20261124T080000Z/20261124T090000Z 20261124T110000Z/...``, space-separated: some
    servers rewrite an escaped comma); the event's own DTSTART/DTEND is the first chunk,
    for apps that know nothing of planner."""
    chunks = []
    for period in text.replace(",", " ").split():
        start_text, _, end_text = period.strip().partition("/")
        start = datetime.strptime(start_text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        end = datetime.strptime(end_text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if end <= start:
            raise ValueError(f"period {period!r} ends before it starts")
        chunks.append((start, end))
    return tuple(sorted(chunks)) or None


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
    _check_planner_values(found, raw, ctx)
    return found


def _check_planner_values(found: dict[str, Any], raw: _Raw, ctx: _Context) -> None:
    """Values from a file are checked like values typed in: unknown spheres and
    priorities out of range are repaired, with a note."""
    if not found:  # no X-PLANNER-* value: most files
        return
    sphere = found.get("sphere")
    spheres = ctx.options.spheres
    if sphere is not None and spheres is not None and sphere not in spheres:
        raw.note(f"has X-PLANNER-SPHERE {sphere[:_TEXT_LIMIT]!r}, not a sphere here: "
                 f"put it in {ctx.sphere!r}")
        del found["sphere"]
    priority = found.get("priority")
    if priority is not None and not 0 <= priority <= _MAX_PRIORITY:
        clamped = min(max(priority, 0), _MAX_PRIORITY)
        raw.note(f"has X-PLANNER-PRIORITY {str(priority)[:20]}: read it as {clamped}")
        found["priority"] = clamped
    travel = found.get("travel")
    if travel is not None and not timedelta(0) <= travel <= MAX_TRAVEL:
        raw.note(f"has X-PLANNER-TRAVEL {str(travel)[:40]}: left out (travel is 0 to 24 h)")
        del found["travel"]


def _common(raw: _Raw, ctx: _Context, extra: dict[str, Any]) -> dict[str, Any]:
    """Fields every block kind reads the same way."""
    sphere = extra.get("sphere") or ctx.sphere
    tags: list[str] = []
    for prop in raw.all("CATEGORIES") if raw.get("CATEGORIES") is not None else ():
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
        **_kept_for_export(raw),
    }


def _kept_for_export(raw: _Raw) -> dict[str, Any]:
    """CLASS, VALARMs, ORGANIZER and ATTENDEEs: what a full export must hand back."""
    kept: dict[str, Any] = {}
    klass = raw.text("CLASS")
    if klass is not None and klass.strip():
        kept["classification"] = Classification.from_text(klass)
    if raw.lines is not None:
        if raw.nested:
            kept["alarms"], more = read_alarms(raw.lines)
            if more:
                raw.note(f"has more than {MAX_ALARMS} alarms: kept the first {MAX_ALARMS}, "
                         f"left out {more:,}")
        if raw.get("ORGANIZER") is not None or raw.get("ATTENDEE") is not None:
            kept["organizer"], kept["attendees"] = _participants(raw)
    return kept


def _participants(raw: _Raw) -> tuple[str, tuple[str, ...]]:
    """``read_participants`` of the component's lines, found by its parsed properties.

    An event without sub-components holds one line per property between its BEGIN
    and END, in order: the lines to keep are those of its ORGANIZER and ATTENDEE
    properties, without looking at every line again. Any other shape is read by
    ``read_participants`` itself.
    """
    lines, props = raw.lines, raw.props
    assert lines is not None
    if raw.nested or len(lines) != len(props) + 2:
        return read_participants(lines)
    organizer = ""
    attendees = []
    for i, prop in enumerate(props, 1):
        name = prop.name
        if name == "ATTENDEE":
            attendees.append(lines[i])
        elif name == "ORGANIZER" and not organizer:
            organizer = lines[i]
    return organizer, tuple(attendees)


def _sequence(raw: _Raw) -> int:
    text = (raw.text("SEQUENCE") or "0").strip()
    try:
        value = int(text[:30])
    except ValueError:
        raw.note(f"has an unreadable SEQUENCE {text[:20]!r}: read it as 0")
        return 0
    if not 0 <= value <= _MAX_SEQUENCE:
        clamped = min(max(value, 0), _MAX_SEQUENCE)
        raw.note(f"has SEQUENCE {text[:20]}…: read it as {clamped}" if len(text) > 20
                 else f"has SEQUENCE {text}: read it as {clamped}")
        return clamped
    return value


def _read_component(raw: _Raw, ctx: _Context) -> Entry:
    if raw.problem:
        raise ValueError(raw.problem)
    digest = _content_hash(raw)
    uid = (raw.text("UID") or "").strip() or f"nouid-{digest[:16]}"
    content_hash = f"{READER_VERSION}:{digest}"
    rid_prop = raw.get("RECURRENCE-ID")
    rid_when = _when(raw, "RECURRENCE-ID", ctx)
    rid_moment = None if rid_when is None else rid_when.value
    rid = None if rid_moment is None else recurrence_id_text(rid_moment)
    rid_date = None if rid_when is None else _wall_date(rid_when)
    extra = _planner_props(raw, ctx)
    sequence = _sequence(raw)
    source = Source(ctx.calendar, uid, rid, content_hash, sequence)
    key = ctx.options.id_key
    file_id = extra.get("file_id")
    if file_id and ctx.options.planner_ids:
        block_id = file_id
    elif file_id and extra.get("kind") is Kind.FLEXIBLE:
        # Chunks of one exported task share X-PLANNER-ID: one block, scoped to this calendar.
        block_id = block_id_for(ctx.calendar, "X-PLANNER-ID\x1f" + file_id, None, key)
    else:
        block_id = block_id_for(ctx.calendar, uid, rid, key)
    fields = _common(raw, ctx, extra)
    status = (raw.text("STATUS") or "").strip().upper()
    periods: list[tuple[Moment, Moment]] = []
    if raw.name == "VTODO":
        block = _todo(raw, ctx, extra, block_id, fields, source)
    else:
        block = _event(raw, ctx, extra, block_id, fields, source, rid is not None, periods)
    future = rid_prop is not None and \
        rid_prop.params.get("RANGE", "").strip().upper() == "THISANDFUTURE"
    return Entry(block, uid, rid, rid_moment, status == "CANCELLED", sequence,
                  extra.get("chunk"), future, periods or None,
                  _describe(raw) if rid is not None else "", rid_date)


def _wall_date(when: _When) -> date:
    """The date a DATE or DATE-TIME names in its own zone."""
    value = when.value
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is not None and when.zone is not None:
        return value.astimezone(when.zone.tz).date()
    return value.date()


def _event(
    raw: _Raw,
    ctx: _Context,
    extra: dict[str, Any],
    block_id: str,
    fields: dict[str, Any],
    source: Source,
    is_override: bool,
    periods: list[tuple[Moment, Moment]],
) -> Block:
    start_when = _when(raw, "DTSTART", ctx)
    if start_when is None:
        raise ValueError("has no DTSTART")
    end = _event_end(raw, ctx, start_when)
    if isinstance(end, _When):
        if (isinstance(end.value, datetime) and isinstance(start_when.value, datetime)
                and (end.value.tzinfo is None) != (start_when.value.tzinfo is None)):
            # DTEND floating where DTSTART is not, or the reverse
            start_when, end = _both_floating(start_when, end, raw)
        else:  # DTEND before DTSTART: the other way round
            start_when, end = end, start_when.value
    start = start_when.value
    zone = start_when.zone
    tzid = zone.name if zone is not None and not zone.is_utc else None
    recurrence = None if is_override else _recurrence(raw, ctx, start_when, end, periods)
    if extra.get("kind") is Kind.FLEXIBLE and isinstance(start, datetime):
        assert isinstance(end, datetime)
        return _flexible(block_id, fields, extra, source,
                         duration=extra.get("duration") or end - start,
                         planned=extra.get("planned") or ((start, end),))
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


def _both_floating(start: _When, end: _When, raw: _Raw) -> tuple[_When, Moment]:
    """One of DTSTART and DTEND is floating, the other not: read both as the wall
    times they show (what the reference readers do), floating."""
    raw.note("mixes floating and zoned times in DTSTART and DTEND: read both as floating")

    def wall(when: _When) -> datetime:
        value = when.value
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value
        return value.astimezone(when.zone.tz if when.zone else UTC).replace(tzinfo=None)

    first, last = wall(start), wall(end)
    return _When(first, None), (last if last > first else first)


def _event_end(raw: _Raw, ctx: _Context, start_when: _When) -> Moment | _When:
    """DTEND, or DTSTART plus DURATION; the DTEND itself when it mixes floating and
    zoned time with DTSTART (see ``_both_floating``)."""
    start = start_when.value
    end_when = _when(raw, "DTEND", ctx)
    all_day = not isinstance(start, datetime)
    if end_when is not None:
        end = end_when.value
        if all_day and isinstance(end, datetime):
            end = end.date()
        elif not all_day and not isinstance(end, datetime):
            raise ValueError("mixes a date-time DTSTART with a date DTEND")
        elif not all_day and (end.tzinfo is None) != (start.tzinfo is None):  # type: ignore[attr-defined]
            return end_when
        if end < start:
            # Swapped by the producer (the reference readers read it so too).
            raw.note("has DTEND before DTSTART: read them the other way round")
            return _When(end, end_when.zone)
        if end == start:
            return start + timedelta(days=1) if all_day else start
        return end
    duration_prop = raw.get("DURATION")
    if duration_prop is not None:
        try:
            length = _duration(duration_prop.value)
        except ValueError:
            raise ValueError(f"has an unreadable DURATION {duration_prop.value[:40]!r}") from None
        if length < timedelta(0) and not all_day:
            # Like a DTEND before DTSTART (the reference readers read it so too).
            raw.note(f"has a negative DURATION {duration_prop.value.strip()[:20]}: read it as "
                     "ending at DTSTART")
            assert isinstance(start, datetime)
            return _When(start + length, start_when.zone)
        return _plus_duration(start_when, length)
    return start + timedelta(days=1) if all_day else start


def _plus_duration(start_when: _When, length: timedelta) -> Moment:
    start = start_when.value
    if not isinstance(start, datetime):
        return start + timedelta(days=max(length.days, 1))
    zone = start_when.zone
    if zone is not None and not zone.is_utc and length.days:
        # Days in a DURATION are nominal: same wall time N days later (RFC 5545).
        wall = start.astimezone(zone.tz).replace(tzinfo=None) + length
        return _instant(wall, zone.tz)
    return start + max(length, timedelta(0))


_RULE_PARTS = frozenset({
    "FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY",
    "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST",
})


def _recurrence(
    raw: _Raw, ctx: _Context, start_when: _When, end: Moment,
    periods: list[tuple[Moment, Moment]],
) -> Recurrence | None:
    if raw.get("RRULE") is None and raw.get("RDATE") is None and raw.get("EXDATE") is None:
        return None  # most events: nothing below would find a line to read
    start = start_when.value
    rdates: list[Moment] = []
    for when, period_end, params in _when_items(raw, "RDATE", ctx):
        rdates.append(when.value)
        if period_end is not None:
            last = _period_end(when, period_end, params, raw, ctx)
            if last is not None:
                periods.append((when.value, last))
    exdates = _when_list(raw, "EXDATE", ctx)
    rules = [rule for prop in raw.all("RRULE") if (rule := _rule(prop.value, start, raw))]
    if not rules and not rdates:
        return None
    # RFC 2445 allowed several RRULEs (their union); kept one per line.
    return Recurrence("\n".join(dict.fromkeys(rules)) or None, tuple(rdates), tuple(exdates))


def _period_end(
    start: _When, text: str, params: dict[str, str], raw: _Raw, ctx: _Context
) -> Moment | None:
    """The end of an RDATE PERIOD (``start/end`` or ``start/duration``)."""
    try:
        if text.lstrip("+-")[:1].upper() == "P":
            return _plus_duration(start, _duration(text))
        end = _parse_when(text, params, ctx, "RDATE", raw).value
    except (ValueError, OverflowError):
        raw.note(f"has an RDATE period with an unreadable end {text[:40]!r}: "
                 "gave it the event's length")
        return None
    if type(end) is not type(start.value) or end <= start.value:
        return None
    return end


def _rule(text: str, start: Moment, raw: _Raw) -> str | None:
    """One RRULE value without the parts planner cannot read, or None (noted) if the
    rule as a whole cannot be read: the event then keeps its first instance."""
    kept: list[str] = []
    for piece in text.strip().split(";"):
        name, equals, value = piece.partition("=")
        name, value = name.strip().upper(), "".join(value.split())  # "MO, TU" is "MO,TU"
        if not piece.strip():
            continue
        if name == "RSCALE":  # RFC 7529: only the Gregorian calendar is expanded here
            if value.upper() == "GREGORIAN":
                continue
            raw.note(f"has an RRULE in the {value[:20]} calendar (RFC 7529), which planner "
                     "cannot expand: kept only its first instance")
            return None
        if name == "COUNT" and value.isdigit() and int(value) == 0:
            # No repeats, as the reference reads it (ignoring it would mean no end).
            raw.note("has an RRULE with COUNT=0: kept only its first instance")
            return None
        if name == "COUNT" and value.isdigit() and int(value) > _MAX_COUNT:
            # No file can hold more (RFC 5545 INTEGER); to the year 9999 it is the same
            # series unless it repeats by the minute or second.
            raw.note(f"has an RRULE COUNT of {value[:24]}: kept it as COUNT={_MAX_COUNT}, "
                     "the largest a calendar file holds")
            value = str(_MAX_COUNT)
        if name == "COUNT" and not value.isdigit():
            # COUNT=-1 is Confluence's "no count" beside an UNTIL (the reference agrees).
            raw.note(f"has an RRULE part {piece.strip()[:40]!r} that means nothing: ignored it")
            continue
        if not equals or name not in _RULE_PARTS or not value:
            raw.note(f"has an RRULE part {piece.strip()[:40]!r} that means nothing: ignored it")
            continue
        if "," in value and "" in value.split(","):  # "MO,,TU" (an empty list item)
            value = ",".join(item for item in value.split(",") if item)
            raw.note(f"has an empty item in RRULE {name}: read it as {name}={value[:40]}")
        if name == "UNTIL" and _ISO_UNTIL.fullmatch(value):  # 2026-03-31 or 2026-03-31T09:00:00
            value = value.replace("-", "").replace(":", "")
            raw.note(f"has RRULE UNTIL written with dashes: read it as UNTIL={value}")
        if name == "INTERVAL" and value.isdigit() and int(value) > _MAX_INTERVAL:
            raw.note(f"has an RRULE INTERVAL of {value[:20]}: kept only its first instance")
            return None
        kept.append(f"{name}={value}")
    rule = ";".join(kept)
    try:
        validate_rule(rule, start)
    except RecurrenceError as exc:
        raw.note(f"has an RRULE that cannot be read ({exc}): kept the instances it names "
                 "otherwise")
        return None
    return rule


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
        planned=extra.get("planned") or (),  # where planner on another device placed it
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
    data: bytes,
    *,
    calendar: str,
    sphere: str = "work",
    origin: str = "<input>",
    spheres: Collection[str] | None = None,
    id_key: bytes = b"",
    check: Callable[[Block], str | None] | None = None,
    planner_ids: bool = False,
) -> ReadResult:
    """Read every VCALENDAR in ``data`` into blocks; unreadable components are skipped.

    ``spheres`` are the spheres that exist (an unknown X-PLANNER-SPHERE falls back to
    ``sphere``); ``id_key`` makes block ids unpredictable (see ``block_id_for``);
    ``check`` may refuse a block with a reason, which skips it like a reading error.
    ``planner_ids`` takes X-PLANNER-ID as the block id (for sync between one user's
    own devices, which checks the id is free); an import never does: a file must not
    choose the storage keys of its blocks.
    Raises CalendarError when the file as a whole is not a readable iCalendar file.
    """
    if not data.strip():
        raise CalendarError(f"{origin} is empty.")
    options = _Options(spheres, id_key, check, planner_ids)
    # The blocks made are many small objects that all stay alive until the end;
    # the cyclic GC would rescan them again and again for nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _read(data, calendar, sphere, origin, options)
    finally:
        if was_enabled:
            gc.enable()


def _read(data: bytes, calendar: str, sphere: str, origin: str, options: _Options
          ) -> ReadResult:
    stream = _Stream(calendar, sphere, origin, options, None)
    stream.run(data)
    if stream.stale:
        # A VTIMEZONE or X-WR-TIMEZONE came after events that were already read:
        # read again, now knowing every calendar's zones from the start.
        stream = _Stream(calendar, sphere, origin, options, stream.contexts)
        stream.run(data)
    name = stream.name
    merged = merge(stream.entries,
                   lambda uid, rid: block_id_for(calendar, uid, rid, options.id_key))
    repaired = stream.repaired + [Notice(component, note) for component, note in merged.notes]
    return ReadResult(merged.blocks, stream.skipped, name.strip() if name else None, repaired)


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
        options: _Options,
        presets: list[tuple[_Context, list[Notice]]] | None,
    ) -> None:
        self.calendar, self.sphere, self.origin = calendar, sphere, origin
        self.options = options
        self.presets = presets
        self.stack: list[_Raw] = []
        self.current: _Calendar | None = None
        self.calendars = 0
        self.event: _Raw | None = None  # the open event or task whose lines are kept
        self.lazy = False  # inside an event or task: its lines are parsed at its END
        self.entries: list[Entry] = []
        self.skipped: list[Notice] = []
        self.repaired: list[Notice] = []
        self.name: str | None = None  # X-WR-CALNAME
        self.contexts: list[tuple[_Context, list[Notice]]] = []  # final, per calendar
        self.stale = False
        self.bytes_repaired: list[tuple[int, str]] = []  # (line, text) decoded as cp1252
        self.strays: list[tuple[int, str]] = []  # ENDs closing nothing in the open VCALENDAR

    def run(self, data: bytes) -> None:
        self._run(_unfold(_text_chunks(data, self.origin, self.bytes_repaired)))
        # Bytes repaired outside any event or task: said once, for the file.
        for number, text in self.bytes_repaired:
            self.repaired.append(Notice(f"line {number}", _byte_repair(text, number)))

    def _run(self, lines: Iterator[tuple[int, str]]) -> None:
        last = 0
        stack = self.stack
        event: _Raw | None = None  # the open event or task, whose lines are kept
        kept: list[str] = []
        props: list[_Prop] | None = None  # where its own lines (not a VALARM's) go
        lazy = False
        fast = _FAST_EVENTS
        heads = _HEADS
        for number, line in lines:
            last = number
            # The first letter is a cheap filter: most lines are neither BEGIN nor END.
            if line[:1] in _B_OR_E and line[:6].upper().startswith(("BEGIN:", "END:")):
                if event is not None:
                    kept.append(line)
                    if fast and props is not None and _FAST_END.get(line) == event.name \
                            and len(stack) == 2 and stack[1] is event:
                        self._end_event(event, number)
                    else:
                        self._begin_end(line, number)
                elif fast and line in _FAST_BEGIN and len(stack) == 1 and \
                        stack[0].name == "VCALENDAR":
                    self._begin_event(_FAST_BEGIN[line], line, number)
                else:
                    self._begin_end(line, number)
                lazy, event = self.lazy, self.event
                props = None
                if event is not None:
                    kept = event.lines  # type: ignore[assignment]
                    if event.depth == 0:
                        props = event.props
                continue
            if event is not None:
                kept.append(line)
                if props is not None:  # not a line of one of its VALARMs
                    # _split_line's first step, here: a head split before (nearly all).
                    colon = line.find(":")
                    known = heads.get(line[:colon]) if colon >= 0 else None
                    if known is not None:
                        props.append(_Prop(known[0], known[1], line[colon + 1 :], number))
                        continue
                    try:
                        props.append(_split_line(line, number))
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
        self._end_of_file(last)

    def _end_of_file(self, last: int) -> None:
        """Close what the file left open, where nothing it got right is lost by it."""
        stack = self.stack
        if not stack:
            return
        calendar = self.current
        if len(stack) > 1 or calendar is None:
            raise CalendarError(f"{self.origin} ends early (no END:VCALENDAR after line "
                                f"{last}): the file looks truncated.")
        if not calendar.implicit:
            if self.strays and self.strays[-1][0] == last:
                note = (f"ends with {self.strays.pop()[1][:40]!r} on line {last}: read it as "
                        "END:VCALENDAR")
            else:
                note = f"has no END:VCALENDAR (the file ends on line {last}): closed it there"
            self.repaired.append(Notice(_describe(calendar.raw), note))
        self._closed(stack.pop(), last)

    def _begin_event(self, name: str, line: str, number: int) -> None:
        """``_begin_end`` for an event or task that begins right in a VCALENDAR."""
        raw = _Raw(name, number)
        raw.calendar = self.current
        raw.lines = [line]
        self.stack.append(raw)
        self.lazy, self.event = True, raw

    def _end_event(self, event: _Raw, number: int) -> None:
        """``_begin_end`` for the END of an open event or task right in a VCALENDAR,
        outside its VALARMs."""
        event.depth -= 1
        self.stack.pop()
        self._closed(event, number)
        self.lazy, self.event = False, None

    def _begin_end(self, line: str, number: int) -> None:
        keyword, _, value = line.partition(":")
        name = value.strip().upper()
        stack = self.stack
        begin = keyword.upper() == "BEGIN"
        stray = not begin and name not in [raw.name for raw in stack]
        if self.event is not None and not stray:
            # Counted like this (not by the stack) since events were first read so.
            self.event.depth += 1 if begin else -1
            self.event.nested = self.event.nested or begin
        if begin:
            self._begin(name, line, number)
        elif stray:
            self._stray_end(line, number)
        else:
            while stack[-1].name != name:
                unclosed = stack.pop()
                unclosed.problem = f"has no END:{unclosed.name}"
                self._closed(unclosed, number)
            self._closed(stack.pop(), number)
        # An event or task is never nested deeper than in a VCALENDAR (or in junk).
        self.lazy, self.event = False, None
        for raw in stack[:2]:
            if raw.name in _LAZY:
                self.lazy = True
                self.event = raw if raw.lines is not None else None

    def _stray_end(self, line: str, number: int) -> None:
        """An END that closes nothing is ignored: what is around it is still read."""
        if self.event is not None:
            self.event.note(f"has a stray {line[:40]!r} on line {number}: ignored it")
        elif self.stack:
            # Said when its calendar ends, unless it is the file's last line: then it is
            # a misspelt END:VCALENDAR (see _end_of_file).
            self.strays.append((number, line))

    def _begin(self, name: str, line: str, number: int) -> None:
        stack = self.stack
        if name in _TOP_LEVEL:
            # These never nest: an open one here lost its END line.
            keep = 0 if name == "VCALENDAR" else 1
            if name != "VCALENDAR" and self.current is not None and self.current.implicit:
                keep = 1
            while len(stack) > keep:
                unclosed = stack.pop()
                unclosed.problem = f"has no END:{unclosed.name}"
                self._closed(unclosed, number)
        if not stack and name in _TOP_LEVEL and name != "VCALENDAR":
            # A component without a VCALENDAR around it (cut from a mail, a vdir item):
            # read as if the wrapper were there.
            wrapper = _Raw("VCALENDAR", number)
            self.current = _Calendar(wrapper, self.calendars, implicit=True)
            self.calendars += 1
            stack.append(wrapper)
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

    def _closed(self, raw: _Raw, number: int) -> None:
        """A component was popped off the stack, by its END or because it has none."""
        raw.end_line = number
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
        for number, text in self._bytes_repaired_in(raw):
            raw.note(_byte_repair(text, number))
        try:
            entry = _read_component(raw, ctx)
            reason = self.options.check(entry.block) if self.options.check else None
            if reason:
                raise ValueError(reason)
        except (ValueError, TypeError, OverflowError, AssertionError) as exc:
            calendar.skipped.append(Notice(_describe(raw), _reason(exc)))
            return
        self.entries.append(entry)
        for note in raw.notes or ():
            calendar.repaired.append(Notice(_describe(raw), note))

    def _bytes_repaired_in(self, raw: _Raw) -> list[tuple[int, str]]:
        """The repaired bytes on the lines of ``raw``, taken off the file-wide list."""
        if not self.bytes_repaired:
            return []
        mine = [r for r in self.bytes_repaired if raw.line <= r[0] <= raw.end_line]
        if mine:
            self.bytes_repaired = [r for r in self.bytes_repaired if r not in mine]
        return mine

    def _context(self, calendar: _Calendar) -> _Context | None:
        """The zones for this calendar's events, or None once a second pass is due."""
        if self.presets is not None:
            return self.presets[calendar.index][0]
        if self.stale:
            return None
        if calendar.ctx is None:
            calendar.ctx = _context(calendar.raw, self.calendar, self.sphere, self.origin,
                                    calendar.zone_skipped, self.options)
            calendar.ctx_inputs = calendar.zone_inputs
        elif calendar.ctx_inputs != calendar.zone_inputs:
            self.stale = True
            self.entries.clear()
            return None
        return calendar.ctx

    def _finish_calendar(self, calendar: _Calendar) -> None:
        vcalendar = calendar.raw
        if vcalendar.problem and not calendar.implicit:
            self.skipped.append(Notice(_describe(vcalendar), vcalendar.problem))
        if self.strays:
            number, line = self.strays[0]
            more = len(self.strays) - 1
            note = (f"has a stray {line[:40]!r} on line {number}: ignored it" if not more else
                    f"has {more + 1:,} END lines that close nothing (the first "
                    f"{line[:40]!r} on line {number}): ignored them")
            calendar.repaired.append(Notice(_describe(vcalendar), note))
            self.strays = []
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
            ctx = _context(vcalendar, self.calendar, self.sphere, self.origin, zone_skipped,
                           self.options)
        self.contexts.append((ctx, zone_skipped))
        self.skipped += zone_skipped
        self.skipped += calendar.skipped
        self.repaired += calendar.repaired


def _byte_repair(text: str, number: int) -> str:
    return (f"has bytes that are not UTF-8 on line {number}: read them as Windows-1252 "
            f"({text.strip()[:60]!r})")


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    if text.startswith(("has ", "uses ", "mixes ", "is ", "needs ")):
        return text
    return f"cannot be read: {text}"


def _context(
    vcalendar: _Raw, calendar: str, sphere: str, origin: str, skipped: list[Notice],
    options: _Options,
) -> _Context:
    vtimezones: dict[str, str] = {}
    for raw in vcalendar.children:
        if raw.name != "VTIMEZONE" or raw.problem:
            continue
        tzid = raw.text("TZID")
        if not tzid:
            continue
        text, problem = _vtimezone_text(raw)
        if problem is None and not readable(text):
            problem = "cannot be read as a time zone"
        if problem is not None:
            # A broken VTIMEZONE only matters to events that use it (they say so).
            skipped.append(Notice(_describe(raw), problem))
            continue
        vtimezones[tzid] = text
    wr_zone = None
    wr_name = vcalendar.text("X-WR-TIMEZONE")
    if wr_name:
        found = iana_name(wr_name.strip())
        if found is not None:
            wr_zone = UTC_ZONE if found == "UTC" else resolve_zone(found, {})
    return _Context(calendar, sphere, origin, vtimezones, wr_zone, {}, options)


# What a VTIMEZONE's rules consist of (see planner.core.zonerules); the rest is dropped.
_ZONE_PROPS = frozenset({"DTSTART", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME", "RRULE", "RDATE",
                         "EXDATE"})


def _vtimezone_text(raw: _Raw) -> tuple[str, str | None]:
    """A VTIMEZONE as the text a custom zone is stored as, or a reason it is refused."""
    tzid = (raw.text("TZID") or "").strip()
    out = ["BEGIN:VTIMEZONE", f"TZID:{tzid}"]
    size = 0
    for part in raw.children:
        if part.name not in ("STANDARD", "DAYLIGHT") or part.problem:
            continue
        out.append(f"BEGIN:{part.name}")
        for prop in part.props:
            if prop.name not in _ZONE_PROPS:
                continue
            size += 1 + prop.value.count(",")
            params = "".join(f";{k}={v}" for k, v in prop.params.items()
                             if k in ("VALUE", "TZID"))
            out.append(f"{prop.name}{params}:{prop.value.strip()}")
        out.append(f"END:{part.name}")
        size += 1
    if size > _MAX_ZONE_LINES:
        return "", f"has more than {_MAX_ZONE_LINES} time-zone rules and changes: not read"
    out.append("END:VTIMEZONE")
    return "\n".join(out), None
