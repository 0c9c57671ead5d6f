"""The reader's fast paths, switched off: every file must read into the same result.

``_participants`` finds ORGANIZER/ATTENDEE lines by the parsed properties instead of
scanning the lines again (``read_participants``); ``readable`` checks a VTIMEZONE by a
bound on its onsets instead of building it (``zone_of``). With both replaced by the
slow originals, the committed, hostile, producer and example files and a generated work
calendar (attendees, several zones) must give equal blocks, notices and names.
``_instant`` converts a wall time by ``astimezone`` where it used ``timestamp``: the same
instant for every wall time, gap and fold, zoneinfo or a calendar's own rules.
``_unfold_clean`` unfolds a piece of only content lines and folds (``_clean_lines``)
without the full per-line loop (``_unfold_piece``): the same logical lines and line
numbers, wherever the file is cut into pieces. ``_split_line`` keeps the heads it split
(``_HEADS``); ``_date_of`` and ``_date_time_of`` read digits by ``fromisoformat``
instead of the constructors. ``_run`` begins and ends an event right in a VCALENDAR
without ``_begin_end`` (``_FAST_EVENTS``).
"""

from __future__ import annotations

import hashlib
import sys
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.adapters.codec import moment_to_text
from planner.adapters.ical import reader
from planner.adapters.ical.participants import read_participants
from planner.core.zonerules import RuleZone, zone_of

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(
    [*(ROOT / "tests" / "fixtures" / "ics").rglob("*.ics"),
     *(ROOT / "tests" / "hostile").glob("*.ics"),
     *(ROOT / "examples").glob("*.ics")])


# Europe/Berlin's rules as a calendar's own VTIMEZONE (a RuleZone, not zoneinfo).
CUSTOM = RuleZone.from_text("\n".join([
    "BEGIN:VTIMEZONE", "TZID:Custom Berlin",
    "BEGIN:STANDARD", "DTSTART:19701025T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
    "BEGIN:DAYLIGHT", "DTSTART:19700329T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT", "END:VTIMEZONE"]))


def _read(data: bytes) -> object:
    try:
        result = reader.read_calendar(data, calendar="c", origin="f")
    except reader.CalendarError as exc:
        return str(exc)
    return result.blocks, result.skipped, result.repaired, result.name


def _slow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "_participants", lambda raw: read_participants(raw.lines))
    monkeypatch.setattr(reader, "_clean_lines", lambda piece, state: None)
    monkeypatch.setattr(reader, "_HEADS", _NeverKept())
    monkeypatch.setattr(reader, "_FAST_EVENTS", False)
    monkeypatch.setattr(reader, "_date_of", reader._date_by_parts)
    monkeypatch.setattr(reader, "_date_time_of", reader._date_time_by_parts)
    monkeypatch.setattr(reader, "readable", lambda text: zone_of.__wrapped__(text) is not None)


class _NeverKept(dict[str, tuple[str, dict[str, str]]]):
    def __setitem__(self, key: str, value: tuple[str, dict[str, str]]) -> None:
        pass


def test_there_are_files_to_compare() -> None:
    assert len(FILES) > 40


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_file_reads_the_same_without_the_fast_paths(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = path.read_bytes()
    fast = _read(data)
    _slow(monkeypatch)
    assert _read(data) == fast


def test_a_generated_work_calendar_reads_the_same_without_the_fast_paths(
        monkeypatch: pytest.MonkeyPatch) -> None:
    sys.path.insert(0, str(ROOT / "benches"))
    try:
        from gen_calendar import generate
    finally:
        sys.path.remove(str(ROOT / "benches"))
    data = generate(600, seed=3)
    fast = _read(data)
    assert isinstance(fast, tuple)
    assert any(block.attendees for block in fast[0])  # the fast path was taken
    assert any(block.organizer for block in fast[0])
    _slow(monkeypatch)
    assert _read(data) == fast


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
       st.sampled_from(("Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                        "custom")))
def test_an_instant_is_the_same_either_way(wall: datetime, zone: str) -> None:
    tz = CUSTOM if zone == "custom" else ZoneInfo(zone)
    wall = wall.replace(microsecond=0)
    try:
        slow: object = reader._instant_by_timestamp(wall, tz)
    except (ValueError, OverflowError) as exc:
        slow = str(exc)
    try:
        fast: object = reader._instant(wall, tz)
    except (ValueError, OverflowError) as exc:
        fast = str(exc)
    assert fast == slow


def test_an_instant_in_a_gap_or_a_fold_is_the_same_either_way() -> None:
    for tz in (ZoneInfo("Europe/Berlin"), CUSTOM):
        for wall in (datetime(2025, 3, 30, 2, 30), datetime(2025, 10, 26, 2, 30),
                     datetime(2025, 10, 26, 2, 30, fold=1)):
            assert reader._instant(wall, tz) == reader._instant_by_timestamp(wall, tz)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),
       st.sampled_from((UTC, ZoneInfo("Europe/Berlin"), timezone(timedelta(hours=-5)))))
def test_a_stored_instant_reads_as_before(wall: datetime, tz: tzinfo) -> None:
    # codec.moment_to_text writes a UTC datetime without converting it first.
    moment = wall.replace(tzinfo=tz)
    expected = moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    assert moment_to_text(moment) == expected + "Z"


@settings(max_examples=100, deadline=None)
@given(st.text(), st.text(), st.none() | st.text(), st.binary(min_size=1, max_size=80))
def test_a_keyed_block_id_is_the_keyed_blake2b_of_its_identity(
        calendar: str, uid: str, rid: str | None, key: bytes) -> None:
    text = "\x1f".join((calendar, uid, rid or "")).encode("utf-8", "replace")
    expected = hashlib.blake2b(text, key=key[:64], digest_size=6).hexdigest()
    assert reader.block_id_for(calendar, uid, rid, key) == "c" + expected
    assert reader.block_id_for(calendar, uid, rid, key) == "c" + expected  # cached key


def _logical_lines(data: bytes, fast: bool) -> object:
    try:
        return list(reader._unfold(reader._text_chunks(data, "f", []), fast=fast))
    except reader.CalendarError as exc:
        return str(exc)


@pytest.mark.parametrize("chunk", [5, 64, 1000, 1 << 20])
def test_lines_unfold_the_same_without_the_fast_path(
        chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "_CHUNK", chunk)  # pieces cut anywhere, folds included
    taken = 0
    for path in FILES:
        data = path.read_bytes()
        fast = _logical_lines(data, True)
        assert fast == _logical_lines(data, False), path
        if isinstance(fast, list):
            state = reader._Unfolding([])
            taken += sum(reader._clean_lines(piece, state) is not None
                         for piece in reader._text_chunks(data, "f", []))
    assert taken  # the fast path was taken


# Lines of every kind the full loop tells apart: content lines, folds by space and tab,
# empty and blank lines, a bare name (the Mozilla layout), text without a name.
_PIECES = ("BEGIN:VEVENT", "SUMMARY:a", "DTSTART;TZID=X:20260101T090000", " fold", "\tfold",
           " :value", " ;X=1:v", "SUMMARY", "", " ", "\x0c", "no name here", "é:x", "END:VEVENT")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30),
       st.lists(st.sampled_from(("\r\n", "\n", "\r")), min_size=1, max_size=3),
       st.sampled_from((3, 16, 1 << 20)), st.booleans())
def test_any_lines_unfold_the_same_without_the_fast_path(
        lines: list[str], breaks: list[str], chunk: int, last_break: bool) -> None:
    text = "".join(line + breaks[i % len(breaks)] for i, line in enumerate(lines))
    if not last_break and text:
        text = text.rstrip("\r\n")
    data = ("BEGIN:VCALENDAR\r\n" + text).encode()
    old_chunk = reader._CHUNK
    reader._CHUNK = chunk  # (a monkeypatch fixture would not reset between examples)
    try:
        assert _logical_lines(data, True) == _logical_lines(data, False)
    finally:
        reader._CHUNK = old_chunk


_DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=2)


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 10000), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99),
       st.integers(0, 99), st.integers(0, 99), st.sampled_from(("", "Z")))
def test_dates_and_times_read_the_same_either_way(
        year: int, month: int, day: int, hour: int, minute: int, second: int, z: str) -> None:
    day_text = f"{year:04d}{month:02d}{day:02d}"[-8:]
    for text, fast, slow in (
            (day_text, reader._date_of, reader._date_by_parts),
            (f"{day_text}T{hour:02d}{minute:02d}{second:02d}{z}", reader._date_time_of,
             reader._date_time_by_parts)):
        match = reader._DATE_TIME.fullmatch(text)
        assert match is not None
        outcomes = []
        for read in (fast, slow):
            try:
                outcomes.append(read(match))
            except ValueError:
                outcomes.append("impossible")
        assert outcomes[0] == outcomes[1], text


def test_the_edges_of_dates_and_times_read_the_same_either_way() -> None:
    for text in ("20261024T240000", "20261024T235960", "00000101T000000", "00010101",
                 "99991231T235959Z", "20240229", "20250229T120000", "20251301", "20250100"):
        match = reader._DATE_TIME.fullmatch(text)
        assert match is not None
        read = reader._date_of if match[4] is None else reader._date_time_of
        by_parts = reader._date_by_parts if match[4] is None else reader._date_time_by_parts
        outcomes = []
        for how in (read, by_parts):
            try:
                outcomes.append(how(match))
            except ValueError:
                outcomes.append("impossible")
        assert outcomes[0] == outcomes[1], text


_HEAD_TEXT = st.text(alphabet="AXTZIDCNabx-;=,:/\"é ", max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_HEAD_TEXT, _HEAD_TEXT), min_size=1, max_size=8))
def test_a_kept_head_splits_like_a_new_one(lines: list[tuple[str, str]]) -> None:
    texts = [f"{head}:{value}" for head, value in lines]
    reader._HEADS.clear()
    first = [_split_or_reason(text) for text in texts]  # the heads kept on the way
    assert [_split_or_reason(text) for text in texts] == first  # from the kept heads
    for text, found in zip(texts, first, strict=True):
        reader._HEADS.clear()
        assert _split_or_reason(text) == found  # each alone, nothing kept


def _split_or_reason(line: str) -> object:
    try:
        return reader._split_line(line, 1)
    except ValueError as exc:
        return str(exc)


def test_kept_heads_stay_few() -> None:
    reader._HEADS.clear()
    for i in range(reader._MAX_HEADS * 2 + 5):
        reader._split_line(f"X-{i};A=1:v", 1)
    assert 0 < len(reader._HEADS) <= reader._MAX_HEADS
