"""Weeks of expanded series kept on disk (``adapters/weekcache.py``) answer exactly what
expanding answers, and are never read for data they were not made from.

Each store is read three ways: a first session (expands, writes the weeks), a second
session that may not expand at all (it must find every week on disk), and brute force
over every block. Saves, edits in the session, another zone and a torn file must each
give what brute force gives.
"""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.adapters.index import OccurrenceIndex
from planner.adapters.store import CALENDAR_DIR, Store
from planner.adapters.weekcache import FOLDER
from planner.app.service import PlannerService
from planner.app.session import Session
from planner.core.model import Block, Recurrence, Source
from planner.core.recurrence import occurrences
from tests.test_day_index_differential import ZONES, a_store

NOW = datetime(2025, 3, 3, 7, 0, tzinfo=UTC)


def rows(found: list) -> list[tuple[object, ...]]:  # type: ignore[type-arg]
    return sorted(((o.block.id, o.start, o.end, o.recurrence_id, o.chunk) for o in found),
                  key=repr)


def brute_force(blocks: list[Block], first: date, days: int, zone: ZoneInfo
                ) -> list[tuple[object, ...]]:
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(first + timedelta(days=days), time(0), tzinfo=zone)
    found = [(o.block.id, o.start, o.end, o.recurrence_id, o.chunk)
             for o in occurrences(blocks, start, end, zone)]
    for block in blocks:
        for n, (s, e) in enumerate(block.planned):
            if s < end and e > start:
                found.append((block.id, s, e, None, n if len(block.planned) > 1 else None))
    return sorted(found, key=repr)


def save(home: Path, blocks: list[Block]) -> None:
    store = Store(home)
    with store.transaction():
        for calendar in sorted({b.source.calendar for b in blocks if b.source}):
            store.write_calendar(calendar, upsert=[b for b in blocks if b.source
                                                   and b.source.calendar == calendar],
                                 meta={"sphere": "work"})


def weeks_on_disk(home: Path) -> list[Path]:
    return sorted(p for p in (home / CALENDAR_DIR / FOLDER).rglob("*") if p.is_file())


def no_expanding(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> object:
        raise AssertionError("a week was expanded although it was on disk")

    monkeypatch.setattr(OccurrenceIndex, "_expand_week", refuse)
    monkeypatch.setattr(OccurrenceIndex, "_expand_window", refuse)


def own_series(day: date) -> Block:
    start = datetime.combine(day, time(9), tzinfo=UTC)
    return Block(id="mine", title="my weekly", sphere="personal", start=start,
                 end=start + timedelta(hours=1), tzid="UTC",
                 recurrence=Recurrence(rrule="FREQ=WEEKLY;BYDAY=MO,TH"))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(blocks=a_store(), asked=st.lists(st.tuples(st.integers(0, 10**6), st.integers(-4, 4),
                                                  st.integers(1, 9)), min_size=1, max_size=6),
       zone_name=st.sampled_from(ZONES))
def test_weeks_read_back_from_disk_answer_like_brute_force(
        tmp_path_factory: object, monkeypatch: pytest.MonkeyPatch, blocks: list[Block],
        asked: list[tuple[int, int, int]], zone_name: str) -> None:
    home = Path(tmp_path_factory.mktemp("home"))  # type: ignore[attr-defined]
    save(home, blocks)
    zone = ZoneInfo(zone_name)
    windows = []
    for pick, offset, days in asked:
        block = blocks[pick % len(blocks)]
        moment = block.planned[0][0] if block.planned else block.start
        anchor = moment.date() if isinstance(moment, datetime) else moment
        windows.append((anchor + timedelta(days=offset), days))
    first = PlannerService(home, tz=zone_name, clock=lambda: NOW)
    for day, days in windows:
        assert rows(first.agenda(day, days)) == brute_force(blocks, day, days, zone)
        # A first day alone is answered without its weeks (``_window_alone``); read
        # around it, as the app's neighbours do, so its weeks are expanded and kept.
        first.agenda(day - timedelta(days=1), days + 2)
    if any(b.is_recurring for b in blocks):
        assert weeks_on_disk(home), "the first session kept its weeks"
    with monkeypatch.context() as patched:
        no_expanding(patched)
        second = PlannerService(home, tz=zone_name, clock=lambda: NOW)
        for day, days in windows:
            assert rows(second.agenda(day, days)) == brute_force(blocks, day, days, zone)
    shutil.rmtree(home)


def series_calendar(day: date, rule: str, title: str = "standup") -> list[Block]:
    start = datetime.combine(day, time(8, 30), tzinfo=UTC)
    return [Block(id="s1", title=title, sphere="work", start=start,
                  end=start + timedelta(minutes=15), tzid="Europe/Berlin",
                  recurrence=Recurrence(rrule=rule),
                  source=Source("Work", "u1", content_hash=rule))]


DAY = date(2025, 3, 10)


def test_a_saved_calendar_never_reads_the_weeks_of_its_old_version(tmp_path: Path) -> None:
    save(tmp_path, series_calendar(DAY, "FREQ=DAILY"))
    assert len(PlannerService(tmp_path, tz="UTC", clock=lambda: NOW).agenda(DAY, 7)) == 7
    before = {p: p.read_bytes() for p in weeks_on_disk(tmp_path)}
    assert before
    save(tmp_path, series_calendar(DAY, "FREQ=WEEKLY;BYDAY=MO"))  # a re-import changed it
    assert len(PlannerService(tmp_path, tz="UTC", clock=lambda: NOW).agenda(DAY, 7)) == 1
    after = {p: p.read_bytes() for p in weeks_on_disk(tmp_path)}
    assert after and all(after[p] != before[p] for p in before if p in after), \
        "the week was expanded again and written for the new version"


def test_a_save_that_leaves_a_weeks_series_alone_keeps_that_week(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Weeks are keyed by the series live in them, not by the whole file: a new single
    event, or a series edited in another week, leaves this week's expansion valid."""
    standup = series_calendar(DAY, "FREQ=DAILY;UNTIL=20250317T000000Z")
    start = datetime.combine(DAY + timedelta(days=70), time(10), tzinfo=UTC)
    later = Block(id="s2", title="retro", sphere="work", start=start,
                  end=start + timedelta(hours=1), tzid="UTC",
                  recurrence=Recurrence(rrule="FREQ=WEEKLY"),
                  source=Source("Work", "u2", content_hash="a"))
    save(tmp_path, [*standup, later])
    utc = ZoneInfo("UTC")
    service = PlannerService(tmp_path, tz="UTC", clock=lambda: NOW)
    assert len(service.agenda(DAY, 7)) == 7
    assert len(service.agenda(DAY + timedelta(days=70), 7)) == 1
    single = Block(id="x1", title="lunch", sphere="work", start=start - timedelta(days=70),
                   end=start - timedelta(days=70, minutes=-30), tzid="UTC",
                   source=Source("Work", "u3", content_hash="b"))
    moved = Block(id="s2", title="retro", sphere="work", start=start + timedelta(hours=1),
                  end=start + timedelta(hours=2), tzid="UTC",
                  recurrence=Recurrence(rrule="FREQ=WEEKLY"),
                  source=Source("Work", "u2", content_hash="c"))
    save(tmp_path, [single, moved])
    now_blocks = [*standup, single, moved]
    with monkeypatch.context() as patched:
        no_expanding(patched)  # the standup's week is on disk, still valid
        again = PlannerService(tmp_path, tz="UTC", clock=lambda: NOW)
        assert rows(again.agenda(DAY, 7)) == brute_force(now_blocks, DAY, 7, utc)
    later_week = DAY + timedelta(days=70)
    assert rows(again.agenda(later_week, 7)) == brute_force(now_blocks, later_week, 7, utc)
    third = PlannerService(tmp_path, tz="UTC", clock=lambda: NOW)
    assert [o.start.hour for o in third.agenda(later_week, 7)] == [11]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(blocks=a_store(), changed=a_store(), removed=st.sets(st.integers(0, 40), max_size=8),
       tweaks=st.lists(st.tuples(st.integers(0, 40), st.integers(-3, 3)), max_size=6),
       asked=st.lists(st.tuples(st.integers(0, 10**6), st.integers(-4, 4), st.integers(1, 9)),
                      min_size=1, max_size=5),
       zone_name=st.sampled_from(ZONES))
def test_weeks_kept_across_a_save_answer_like_brute_force(
        tmp_path_factory: object, blocks: list[Block], changed: list[Block], removed: set[int],
        tweaks: list[tuple[int, int]], asked: list[tuple[int, int, int]], zone_name: str
) -> None:
    """A first session keeps its weeks; a save then changes, adds and removes blocks
    (``changed`` reuses ids of ``blocks``, anywhere in time; ``tweaks`` move a block by
    a few hours or retitle it, so it stays in the weeks it was in); the next session
    answers like brute force over what is stored now, whichever weeks it finds valid."""
    for pick, hours in tweaks:
        old = blocks[pick % len(blocks)]
        if hours and isinstance(old.start, datetime) and old.end is not None:
            shift = timedelta(hours=hours)
            tweaked = dataclasses.replace(old, start=old.start + shift, end=old.end + shift)
        else:
            tweaked = dataclasses.replace(old, title=old.title + " (renamed)")
        changed = [b for b in changed if b.id != old.id] + [tweaked]
        asked = [*asked, (pick % len(blocks), 0, 2)]  # a window where the tweak shows
    home = Path(tmp_path_factory.mktemp("home"))  # type: ignore[attr-defined]
    save(home, blocks)
    zone = ZoneInfo(zone_name)
    windows = []
    for pick, offset, days in asked:
        block = blocks[pick % len(blocks)]
        moment = block.planned[0][0] if block.planned else block.start
        anchor = moment.date() if isinstance(moment, datetime) else moment
        windows.append((anchor + timedelta(days=offset), days))
    first = PlannerService(home, tz=zone_name, clock=lambda: NOW)
    for day, days in windows:
        first.agenda(day, days)
    # A block keeps its calendar: one moved between calendars is another test's matter.
    calendar_of = {b.id: b.source.calendar for b in blocks if b.source}
    changed = [dataclasses.replace(b, source=dataclasses.replace(
        b.source, calendar=calendar_of.get(b.id, b.source.calendar))) if b.source else b
        for b in changed]
    gone = {blocks[n % len(blocks)].id for n in removed} - {b.id for b in changed}
    store = Store(home)
    with store.transaction():
        for calendar in sorted({b.source.calendar for b in blocks + changed if b.source}):
            store.write_calendar(
                calendar, upsert=[b for b in changed if b.source
                                  and b.source.calendar == calendar],
                remove=[b.id for b in blocks if b.id in gone and b.source
                        and b.source.calendar == calendar], meta={"sphere": "work"})
    by_id = {b.id: b for b in blocks if b.id not in gone}
    by_id.update((b.id, b) for b in changed)
    now_blocks = list(by_id.values())
    second = PlannerService(home, tz=zone_name, clock=lambda: NOW)
    for day, days in windows:
        assert rows(second.agenda(day, days)) == brute_force(now_blocks, day, days, zone)
    shutil.rmtree(home)


def test_a_day_index_without_digests_keeps_no_weeks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A day index written before digests were kept cannot key a week: expand, keep none."""
    from planner.adapters.dayfile import DayFile

    save(tmp_path, series_calendar(DAY, "FREQ=DAILY"))
    plain = DayFile.series
    monkeypatch.setattr(DayFile, "series",
                        lambda self: [(*row[:4], None) for row in plain(self)])
    found = PlannerService(tmp_path, tz="UTC", clock=lambda: NOW).agenda(DAY, 7)
    assert rows(found) == brute_force(series_calendar(DAY, "FREQ=DAILY"), DAY, 7,
                                      ZoneInfo("UTC"))
    assert not weeks_on_disk(tmp_path)


def test_a_changed_series_in_planner_json_changes_the_key(tmp_path: Path) -> None:
    imported = series_calendar(DAY, "FREQ=WEEKLY;BYDAY=TU")
    save(tmp_path, imported)
    utc = ZoneInfo("UTC")
    service = PlannerService(tmp_path, tz="UTC", clock=lambda: NOW)
    assert rows(service.agenda(DAY, 7)) == brute_force(imported, DAY, 7, utc)
    service.add(own_series(DAY))
    both = brute_force([*imported, own_series(DAY)], DAY, 7, utc)
    assert rows(service.agenda(DAY, 7)) == both
    again = PlannerService(tmp_path, tz="UTC", clock=lambda: NOW)
    assert rows(again.agenda(DAY, 7)) == both
    again.remove("mine")
    alone = brute_force(imported, DAY, 7, utc)
    assert rows(again.agenda(DAY, 7)) == alone, "an edit in the session is seen at once"
    third = PlannerService(tmp_path, tz="UTC", clock=lambda: NOW)
    assert rows(third.agenda(DAY, 7)) == alone, "the next session does not read old weeks"


def test_an_override_stored_apart_from_its_series_is_honoured(tmp_path: Path) -> None:
    """A moved occurrence of an imported series may live in planner.json: the weeks'
    key covers it, so the master's old slot is not read back from disk."""
    save(tmp_path, series_calendar(DAY, "FREQ=DAILY"))
    service = PlannerService(tmp_path, tz="UTC", clock=lambda: NOW)
    assert len(service.agenda(DAY)) == 1
    slot = datetime.combine(DAY, time(8, 30), tzinfo=UTC)
    moved = Block(id="o1", title="standup (moved)", sphere="work", start=slot + timedelta(
        hours=3), end=slot + timedelta(hours=3, minutes=15), tzid="Europe/Berlin",
        source=Source("Work", "u1", recurrence_id=slot.strftime("%Y-%m-%dT%H:%M:%SZ")))
    with service.session.write() as store:
        store.put(moved)
    service.session.invalidate()
    fresh = PlannerService(tmp_path, tz="UTC", clock=lambda: NOW)
    assert [o.block.title for o in fresh.agenda(DAY)] == ["standup (moved)"]


def test_a_torn_or_foreign_week_file_is_expanded_again(tmp_path: Path) -> None:
    save(tmp_path, series_calendar(DAY, "FREQ=DAILY"))
    expected = rows(PlannerService(tmp_path, tz="UTC", clock=lambda: NOW).agenda(DAY, 3))
    for path in weeks_on_disk(tmp_path):
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    assert rows(PlannerService(tmp_path, tz="UTC", clock=lambda: NOW).agenda(DAY, 3)) == expected


def test_each_zone_has_its_own_weeks(tmp_path: Path) -> None:
    save(tmp_path, series_calendar(DAY, "FREQ=DAILY"))
    for zone in ("Pacific/Apia", "America/New_York", "Pacific/Apia"):
        found = PlannerService(tmp_path, tz=zone, clock=lambda: NOW).agenda(DAY, 2)
        assert rows(found) == brute_force(series_calendar(DAY, "FREQ=DAILY"), DAY, 2,
                                          ZoneInfo(zone))


def test_a_read_only_cache_folder_only_costs_the_expansion(tmp_path: Path) -> None:
    save(tmp_path, series_calendar(DAY, "FREQ=DAILY"))
    (tmp_path / CALENDAR_DIR / FOLDER).write_text("not a folder")
    assert len(PlannerService(tmp_path, tz="UTC", clock=lambda: NOW).agenda(DAY, 7)) == 7


def series_ics(rule: str) -> str:
    events = [("u1", "20250303T083000", rule),
              ("u2", "20250101T140000", "FREQ=WEEKLY;BYDAY=WE,FR"),
              ("u3", "20240610T170000", "FREQ=MONTHLY;BYMONTHDAY=12")]
    body = "".join(f"BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:series {uid}\r\n"
                   f"DTSTART;TZID=Europe/Berlin:{start}\r\nDURATION:PT45M\r\n"
                   f"RRULE:{rrule}\r\nEND:VEVENT\r\n" for uid, start, rrule in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"


IMPORT_NOW = datetime(2025, 3, 12, 7, 0, tzinfo=UTC)  # a Wednesday, 08:00 in Berlin


def test_an_import_keeps_the_weeks_around_today_for_the_next_session(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, ics = tmp_path / "home", tmp_path / "work.ics"
    zone = ZoneInfo("Europe/Berlin")
    today = IMPORT_NOW.astimezone(zone).date()
    for rule in ("FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE"):  # a fresh import, then a changed one
        ics.write_text(series_ics(rule))
        PlannerService(home, tz="Europe/Berlin", clock=lambda: IMPORT_NOW).import_calendar(
            str(ics))
        assert weeks_on_disk(home), "the import kept the weeks around today"
        blocks = list(Store(home).all_blocks())
        with monkeypatch.context() as patched:
            no_expanding(patched)  # the next session's first days read kept weeks only
            session = PlannerService(home, tz="Europe/Berlin", clock=lambda: IMPORT_NOW)
            for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
                found = rows(session.agenda(day))
                assert found == brute_force(blocks, day, 1, zone)
        tomorrow = {o.block.title for o in session.agenda(today + timedelta(days=1))}
        assert ("series u1" in tomorrow) == (rule == "FREQ=DAILY")  # a Thursday


def test_a_changeless_import_does_not_rewrite_the_weeks(tmp_path: Path) -> None:
    home, ics = tmp_path / "home", tmp_path / "work.ics"
    ics.write_text(series_ics("FREQ=DAILY"))
    service = PlannerService(home, tz="Europe/Berlin", clock=lambda: IMPORT_NOW)
    service.import_calendar(str(ics))
    before = {p: p.stat().st_mtime_ns for p in weeks_on_disk(home)}
    service.import_calendar(str(ics))  # byte-identical: nothing saved, nothing expanded
    assert {p: p.stat().st_mtime_ns for p in weeks_on_disk(home)} == before


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(blocks=a_store(), pick=st.integers(0, 10**6), offset=st.integers(-10, 10),
       span=st.integers(2, 16), zone_name=st.sampled_from(ZONES))
def test_weeks_expanded_together_are_the_bytes_of_each_week_expanded_alone(
        tmp_path_factory: object, monkeypatch: pytest.MonkeyPatch, blocks: list[Block],
        pick: int, offset: int, span: int, zone_name: str) -> None:
    """The warm-up expands consecutive weeks in one pass (``_expand_weeks``): the weeks
    it keeps on disk are byte for byte those of each week expanded on its own."""
    together = Path(tmp_path_factory.mktemp("together"))  # type: ignore[attr-defined]
    alone = Path(tmp_path_factory.mktemp("alone"))  # type: ignore[attr-defined]
    save(together, blocks)
    save(alone, blocks)
    zone = ZoneInfo(zone_name)
    block = blocks[pick % len(blocks)]
    moment = block.planned[0][0] if block.planned else block.start
    anchor = (moment.date() if isinstance(moment, datetime) else moment) + \
        timedelta(days=offset)
    start = datetime.combine(anchor, time(0), tzinfo=zone)
    end = datetime.combine(anchor + timedelta(days=span), time(0), tzinfo=zone)
    Session(together, tz=zone_name, clock=lambda: NOW).index.keep_series_weeks(start, end, zone)
    with monkeypatch.context() as patched:  # one week at a time, as a query reads them
        patched.setattr(OccurrenceIndex, "_expand_weeks", lambda *args: None)
        Session(alone, tz=zone_name, clock=lambda: NOW).index.keep_series_weeks(
            start, end, zone)
    assert files_under(together / CALENDAR_DIR / FOLDER) == \
        files_under(alone / CALENDAR_DIR / FOLDER)
    shutil.rmtree(together)
    shutil.rmtree(alone)


def test_the_warm_up_expands_two_weeks_in_one_pass(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save(tmp_path, series_calendar(date(2025, 1, 6), "FREQ=DAILY"))
    zone = ZoneInfo("Europe/Berlin")
    index = Session(tmp_path, tz="Europe/Berlin", clock=lambda: NOW).index
    no_expanding(monkeypatch)  # a week alone is not expanded: both come from one pass
    sunday = datetime(2025, 3, 9, tzinfo=zone)  # yesterday..tomorrow spans two UTC weeks
    index.keep_series_weeks(sunday - timedelta(days=1), sunday + timedelta(days=2), zone)
    assert len(weeks_on_disk(tmp_path)) == 2
    assert [o.start.day for o in index.between(sunday, sunday + timedelta(days=2), zone)] \
        == [9, 10]


def test_a_series_moved_across_weeks_expanded_together_is_each_week_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An override moved into the next week is live there only: its series is expanded
    week by week inside the one pass, and the weeks kept are those of each week alone."""
    slot = datetime.combine(date(2025, 3, 16), time(8, 30), tzinfo=UTC)  # a Sunday
    moved = Block(id="o1", title="standup (moved)", sphere="work",
                  start=slot + timedelta(days=3, hours=3),
                  end=slot + timedelta(days=3, hours=3, minutes=15), tzid="Europe/Berlin",
                  source=Source("Work", "u1", recurrence_id=slot.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                content_hash="o1"))
    late = datetime.combine(date(2025, 3, 19), time(8, 30), tzinfo=UTC)  # next week
    early = Block(id="o3", title="weekly (first one early)", sphere="work",
                  start=late - timedelta(days=8), end=late - timedelta(days=8, minutes=-15),
                  tzid="UTC", source=Source("Work", "u3", content_hash="o3",
                                            recurrence_id=late.strftime("%Y-%m-%dT%H:%M:%SZ")))
    blocks = [*series_calendar(DAY - timedelta(days=30), "FREQ=DAILY"), moved,
              *(dataclasses.replace(b, id="s2", source=Source("Work", "u2", content_hash="2"))
                for b in series_calendar(DAY, "FREQ=WEEKLY;BYDAY=MO,SU")),
              *(dataclasses.replace(b, id="s3", source=Source("Work", "u3", content_hash="3"))
                for b in series_calendar(late.date(), "FREQ=WEEKLY")), early]
    zone = ZoneInfo("UTC")
    start, end = datetime(2025, 3, 11, tzinfo=UTC), datetime(2025, 3, 19, tzinfo=UTC)
    homes = {}
    for way in ("together", "alone"):
        homes[way] = tmp_path / way
        save(homes[way], blocks)
        with monkeypatch.context() as patched:
            if way == "together":
                no_expanding(patched)
            else:
                patched.setattr(OccurrenceIndex, "_expand_weeks", lambda *args: None)
            index = Session(homes[way], tz="UTC", clock=lambda: NOW).index
            index.keep_series_weeks(start, end, zone)
        shown = index.between(start, end, zone)
        assert [(o.block.id, o.start.day) for o in shown if o.start.day >= 15] == [
            ("s1", 15), ("s2", 16), ("s1", 17), ("s2", 17), ("s1", 18)]
        assert ("o3", 11) in [(o.block.id, o.start.day) for o in shown]
    weeks = files_under(homes["together"] / CALENDAR_DIR / FOLDER)
    assert len(weeks) == 2
    assert weeks == files_under(homes["alone"] / CALENDAR_DIR / FOLDER)
