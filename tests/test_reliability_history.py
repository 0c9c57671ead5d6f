"""Imports never wipe silently, every import is undoable, undo puts a block back where it
lives, concurrent imports build on each other, and the history stays small."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import orjson

from planner.adapters.store import CALENDAR_DIR, MAIN_FILE
from planner.app.service import PlannerService
from tests.conftest import ZONE, pinned_clock


def ics(*uids: str) -> str:
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:202611{24 + n % 5:02d}T{8 + n % 9:02d}0000Z\r\n"
        f"DURATION:PT30M\r\nSUMMARY:Meeting {uid}\r\nEND:VEVENT\r\n"
        for n, uid in enumerate(uids))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{events}END:VCALENDAR\r\n"


def titles(cli: Callable[..., object], day: str = "tue", days: str = "7") -> list[str]:
    result = cli("agenda", day, "--days", days, "--json", check=True)
    return sorted(item["title"] for item in orjson.loads(result.stdout))  # type: ignore[attr-defined]


def stored_ids(path: Path, table: str) -> set[str]:
    if not path.exists():
        return set()
    return {d["id"] for d in orjson.loads(path.read_bytes()).get(table, {}).values()}


def test_an_emptied_source_keeps_the_calendar_until_allowed_and_undo_brings_it_back(
        cli: Callable[..., object], tmp_path: Path) -> None:
    source = tmp_path / "work.ics"
    uids = [f"u{n}" for n in range(12)]
    source.write_text(ics(*uids))
    cli("import", str(source), check=True)
    full = titles(cli)
    assert len(full) == 12

    source.write_text(ics())  # the export came out empty
    refused = cli("import", str(source))
    assert refused.returncode == 1  # type: ignore[attr-defined]
    assert "kept" in refused.stderr and "--allow-empty" in refused.stderr  # type: ignore[attr-defined]
    assert titles(cli) == full

    source.write_text(ics(*uids[:3]))  # most of it gone at once: also suspect
    assert cli("import", str(source)).returncode == 1  # type: ignore[attr-defined]
    assert titles(cli) == full

    cli("import", str(source), "--allow-empty", check=True)
    assert len(titles(cli)) == 3
    assert "Undid import" in cli("undo", check=True).stdout  # type: ignore[attr-defined]
    assert titles(cli) == full
    cli("redo", check=True)
    assert len(titles(cli)) == 3


def test_undo_after_a_reimport_removed_an_event_puts_it_back_in_its_calendar(
        cli: Callable[..., object], home: Path, tmp_path: Path) -> None:
    source = tmp_path / "team.ics"
    source.write_text(ics("a", "b", "c"))
    cli("import", str(source), check=True)
    source.write_text(ics("a", "b"))
    cli("import", str(source), check=True)
    assert len(titles(cli)) == 2
    cli("undo", check=True)
    assert len(titles(cli)) == 3
    calendar = home / CALENDAR_DIR / "team.json"
    assert len(stored_ids(calendar, "events")) == 3
    assert stored_ids(home / MAIN_FILE, "blocks") == set()  # never copied into planner.json
    back = next(i for i in orjson.loads(cli("agenda", "tue", "--days", "7", "--json",
                                            check=True).stdout)  # type: ignore[attr-defined]
                if i["source"]["uid"] == "c")
    cli("rm", back["id"], check=True)
    assert len(titles(cli)) == 2  # one copy, so one rm removes it


def test_a_second_import_reconciles_against_the_first_one_saved_meanwhile(
        home: Path, tmp_path: Path) -> None:
    source = tmp_path / "cal.ics"
    source.write_text(ics("keep", "old"))
    first = PlannerService(home, tz=ZONE, clock=pinned_clock)
    first.import_calendar(str(source), calendar="cal")
    late = PlannerService(home, tz=ZONE, clock=pinned_clock)
    assert len(late.session.store.calendar_blocks("cal")) == 2  # its view, soon stale

    source.write_text(ics("keep", "new"))  # version 2: "old" went, "new" came
    first.import_calendar(str(source), calendar="cal")
    source.write_text(ics("keep", "third"))  # version 3, imported by the stale session
    late.import_calendar(str(source), calendar="cal")

    fresh = PlannerService(home, tz=ZONE, clock=pinned_clock)
    uids = sorted(b.source.uid for b in fresh.session.store.calendar_blocks("cal")
                  if b.source)
    assert uids == ["keep", "third"]  # exactly version 3: nothing of version 2 is left
    fresh.import_calendar(str(source), calendar="cal")  # the unchanged-file fast path
    assert sorted(b.source.uid for b in PlannerService(home, tz=ZONE, clock=pinned_clock)
                  .session.store.calendar_blocks("cal") if b.source) == ["keep", "third"]


def _home_size(home: Path) -> int:
    return sum(p.stat().st_size for p in home.rglob("*") if p.is_file())


def test_a_big_note_edited_thirty_times_keeps_the_home_small(home: Path) -> None:
    service = PlannerService(home, tz=ZONE, clock=pinned_clock)
    start = service.now().replace(hour=10, minute=0)
    block = service.add(service.make_fixed("Notes", start, start.replace(hour=11),
                                           sphere="personal", notes="n" * 2_000_000))
    for n in range(15):
        block = service.update(block.id, title=f"Notes {n}")  # the note stays
    for n in range(15):
        block = service.update(block.id, notes=chr(97 + n) * 2_000_000)  # the note changes
    size = _home_size(home)
    assert size < 40 * 2**20, f"home is {size / 2**20:.0f} MB"
    service.undo()  # the newest steps are kept whole
    assert service.block(block.id).notes == chr(97 + 13) * 2_000_000
    service.undo()
    assert service.block(block.id).notes == chr(97 + 12) * 2_000_000
    assert os.path.getsize(home / "history.json") < 10 * 2**20  # capped by size
