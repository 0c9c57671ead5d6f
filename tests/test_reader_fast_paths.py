"""The reader's fast paths, switched off: every file must read into the same result.

``_participants`` finds ORGANIZER/ATTENDEE lines by the parsed properties instead of
scanning the lines again (``read_participants``); ``readable`` checks a VTIMEZONE by a
bound on its onsets instead of building it (``zone_of``). With both replaced by the
slow originals, the committed, hostile, producer and example files and a generated work
calendar (attendees, several zones) must give equal blocks, notices and names.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from planner.adapters.ical import reader
from planner.adapters.ical.participants import read_participants
from planner.core.zonerules import zone_of

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(
    [*(ROOT / "tests" / "fixtures" / "ics").rglob("*.ics"),
     *(ROOT / "tests" / "hostile").glob("*.ics"),
     *(ROOT / "examples").glob("*.ics")])


def _read(data: bytes) -> object:
    try:
        result = reader.read_calendar(data, calendar="c", origin="f")
    except reader.CalendarError as exc:
        return str(exc)
    return result.blocks, result.skipped, result.repaired, result.name


def _slow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "_participants", lambda raw: read_participants(raw.lines))
    monkeypatch.setattr(reader, "readable", lambda text: zone_of.__wrapped__(text) is not None)


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
