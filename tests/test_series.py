"""Series edits (core.series): this one, this and following, all — checked by expanding.

Every case compares what the series expands to after the edit with what a person
expects: the untouched occurrences exactly as before, the touched ones changed.
Zones: Europe/Berlin (DST ends 2026-10-25), America/New_York (floating checks in Berlin).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from planner.core.errors import PlannerError
from planner.core.model import Block, Kind, Recurrence, Source
from planner.core.recurrence import occurrences, recurrence_id_text
from planner.core.series import OccurrenceEdit, Scope, Series, tail_uid_for

BERLIN = ZoneInfo("Europe/Berlin")
_ids = itertools.count(1)


def new_id() -> str:
    return f"n{next(_ids)}"


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def weekly(rule: str = "FREQ=WEEKLY;BYDAY=MO,WE", *, start: datetime | None = None,
           source: Source | None = None, exdates: tuple = ()) -> Block:
    start = start or berlin(2026, 10, 5, 9, 30)
    return Block(id="m", title="Standup", sphere="work", kind=Kind.FIXED,
                 start=start.astimezone(UTC), end=(start + timedelta(minutes=15)).astimezone(UTC),
                 tzid="Europe/Berlin", recurrence=Recurrence(rrule=rule, exdates=exdates),
                 source=source)


def apply(blocks: list[Block], change) -> list[Block]:  # type: ignore[no-untyped-def]
    gone = {b.id for b in change.deleted}
    saved = {b.id: b for b in change.saved}
    result = [saved.pop(b.id, b) for b in blocks if b.id not in gone]
    return result + list(saved.values())


def times(blocks: list[Block], first: date, last: date) -> list[tuple[str, str, str]]:
    start = datetime.combine(first, datetime.min.time(), tzinfo=BERLIN)
    end = datetime.combine(last, datetime.min.time(), tzinfo=BERLIN)
    return [(o.title, o.start.isoformat(), o.end.isoformat())  # type: ignore[union-attr]
            for o in occurrences(blocks, start, end, BERLIN)]


def slot(*args: int) -> datetime:
    return berlin(*args).astimezone(UTC)


def test_this_occurrence_moved_is_an_override_and_nothing_else_moves() -> None:
    master = weekly()
    before = times([master], date(2026, 10, 1), date(2026, 11, 1))
    change = Series(master).edit(slot(2026, 10, 14, 9, 30), Scope.THIS,
                                 OccurrenceEdit(start=berlin(2026, 10, 14, 11, 0)), BERLIN,
                                 new_id=new_id)
    (override,) = change.saved
    assert override.recurrence is None and override.source is not None
    assert override.source.identity == ("", "m", "2026-10-14T07:30:00Z")
    after = times([master, override], date(2026, 10, 1), date(2026, 11, 1))
    moved = ("Standup", "2026-10-14T11:00:00+02:00", "2026-10-14T11:15:00+02:00")
    assert after == sorted([t for t in before if not t[1].startswith("2026-10-14")] + [moved],
                           key=lambda t: t[1])


def test_this_occurrence_deleted_is_an_exdate_and_drops_its_override() -> None:
    master = weekly()
    edited = Series(master).edit(slot(2026, 10, 14, 9, 30), Scope.THIS,
                                 OccurrenceEdit(title="Standup (moved)"), BERLIN, new_id=new_id)
    blocks = apply([master], edited)
    series = Series(blocks[0], blocks[1:])
    change = series.remove(slot(2026, 10, 14, 9, 30), Scope.THIS)
    assert [b.id for b in change.deleted] == [blocks[1].id]
    (changed,) = change.saved
    assert changed.recurrence is not None
    assert [recurrence_id_text(m) for m in changed.recurrence.exdates] == [
        "2026-10-14T07:30:00Z"]
    days = [t[1][:10] for t in times([changed], date(2026, 10, 12), date(2026, 10, 17))]
    assert days == ["2026-10-12"]


def test_this_and_following_splits_and_keeps_the_count() -> None:
    master = weekly("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10")
    before = times([master], date(2026, 10, 1), date(2027, 1, 1))
    assert len(before) == 10
    change = Series(master).edit(slot(2026, 10, 19, 9, 30), Scope.FOLLOWING,
                                 OccurrenceEdit(start=berlin(2026, 10, 19, 10, 0),
                                                title="Standup v2"),
                                 BERLIN, new_id=new_id)
    head, tail = change.saved
    assert head.id == "m" and tail.id != "m"
    assert head.recurrence is not None and "COUNT" not in (head.recurrence.rrule or "")
    assert "UNTIL=20261019T072959Z" in (head.recurrence.rrule or "")
    assert tail.recurrence is not None and "COUNT=6" in (tail.recurrence.rrule or "")
    after = times([head, tail], date(2026, 10, 1), date(2027, 1, 1))
    assert after[:4] == before[:4]
    assert len(after) == 10
    # After the split: same days, new title, 10:00 wall time across the DST change.
    assert [t[1][:10] for t in after[4:]] == [t[1][:10] for t in before[4:]]
    assert {t[0] for t in after[4:]} == {"Standup v2"}
    assert {t[1][11:16] for t in after[4:]} == {"10:00"}


def test_this_and_following_takes_later_overrides_and_exdates_along() -> None:
    master = weekly(exdates=(slot(2026, 10, 28, 9, 30),))
    edited = Series(master).edit(slot(2026, 10, 26, 9, 30), Scope.THIS,
                                 OccurrenceEdit(title="Planning"), BERLIN, new_id=new_id)
    blocks = apply([master], edited)
    change = Series(blocks[0], blocks[1:]).edit(
        slot(2026, 10, 19, 9, 30), Scope.FOLLOWING,
        OccurrenceEdit(start=berlin(2026, 10, 19, 10, 0)), BERLIN, new_id=new_id,
        tail_uid=None)
    after = apply(blocks, change)
    got = times(after, date(2026, 10, 19), date(2026, 11, 3))
    assert got == [
        ("Standup", "2026-10-19T10:00:00+02:00", "2026-10-19T10:15:00+02:00"),
        ("Standup", "2026-10-21T10:00:00+02:00", "2026-10-21T10:15:00+02:00"),
        ("Planning", "2026-10-26T10:00:00+01:00", "2026-10-26T10:15:00+01:00"),
        ("Standup", "2026-11-02T10:00:00+01:00", "2026-11-02T10:15:00+01:00"),
    ]
    tail = next(b for b in after if b.recurrence is not None and b.id != "m")
    moved = next(b for b in after if b.title == "Planning")
    assert moved.source is not None and moved.source.uid == tail.id


def test_this_and_following_delete_ends_the_series() -> None:
    master = weekly()
    change = Series(master).remove(slot(2026, 10, 21, 9, 30), Scope.FOLLOWING)
    (head,) = change.saved
    days = [t[1][:10] for t in times([head], date(2026, 10, 1), date(2027, 1, 1))]
    assert days == ["2026-10-05", "2026-10-07", "2026-10-12", "2026-10-14", "2026-10-19"]


def test_following_from_the_first_occurrence_is_all() -> None:
    master = weekly()
    change = Series(master).remove(slot(2026, 10, 5, 9, 30), Scope.FOLLOWING)
    assert [b.id for b in change.deleted] == ["m"] and not change.saved


def test_all_moves_every_slot_exdate_and_override_by_wall_time() -> None:
    master = weekly(exdates=(slot(2026, 10, 21, 9, 30),))
    edited = Series(master).edit(slot(2026, 11, 2, 9, 30), Scope.THIS,
                                 OccurrenceEdit(title="Retro"), BERLIN, new_id=new_id)
    blocks = apply([master], edited)
    change = Series(blocks[0], blocks[1:]).edit(
        slot(2026, 10, 26, 9, 30), Scope.ALL, OccurrenceEdit(start=berlin(2026, 10, 26, 8, 0)),
        BERLIN, new_id=new_id)
    after = apply(blocks, change)
    got = times(after, date(2026, 10, 19), date(2026, 11, 5))
    assert got == [
        ("Standup", "2026-10-19T08:00:00+02:00", "2026-10-19T08:15:00+02:00"),
        ("Standup", "2026-10-26T08:00:00+01:00", "2026-10-26T08:15:00+01:00"),
        ("Standup", "2026-10-28T08:00:00+01:00", "2026-10-28T08:15:00+01:00"),
        ("Retro", "2026-11-02T08:00:00+01:00", "2026-11-02T08:15:00+01:00"),
        ("Standup", "2026-11-04T08:00:00+01:00", "2026-11-04T08:15:00+01:00"),
    ]


def test_all_moved_a_day_later_moves_the_weekdays_too() -> None:
    master = weekly()
    change = Series(master).edit(slot(2026, 10, 5, 9, 30), Scope.ALL,
                                 OccurrenceEdit(start=berlin(2026, 10, 6, 9, 30)), BERLIN,
                                 new_id=new_id)
    (moved,) = change.saved
    assert moved.recurrence is not None and "BYDAY=TU,TH" in (moved.recurrence.rrule or "")
    days = [t[1][:10] for t in times([moved], date(2026, 10, 5), date(2026, 10, 12))]
    assert days == ["2026-10-06", "2026-10-08"]


def test_all_day_series() -> None:
    master = Block(id="m", title="Bins", start=date(2026, 10, 5), end=date(2026, 10, 6),
                   recurrence=Recurrence(rrule="FREQ=WEEKLY"))
    series = Series(master)
    change = series.edit(date(2026, 10, 19), Scope.THIS,
                         OccurrenceEdit(start=date(2026, 10, 20)), BERLIN, new_id=new_id)
    (override,) = change.saved
    assert override.start == date(2026, 10, 20) and override.end == date(2026, 10, 21)
    assert override.source is not None and override.source.recurrence_id == "2026-10-19"
    head = series.remove(date(2026, 10, 26), Scope.FOLLOWING).saved[0]
    assert head.recurrence is not None and "UNTIL=20261025" in (head.recurrence.rrule or "")
    days = [t[1] for t in times([head], date(2026, 10, 1), date(2026, 12, 1))]
    assert days == ["2026-10-05", "2026-10-12", "2026-10-19"]


def test_floating_series_keeps_floating_times() -> None:
    start = datetime(2026, 10, 5, 7, 0)
    master = Block(id="m", title="Run", start=start, end=start + timedelta(hours=1),
                   recurrence=Recurrence(rrule="FREQ=DAILY"))
    change = Series(master).remove(datetime(2026, 10, 8, 7, 0), Scope.FOLLOWING)
    head = change.saved[0]
    assert head.recurrence is not None and "UNTIL=20261008T065959" in head.recurrence.rrule
    assert len(times([head], date(2026, 10, 1), date(2026, 11, 1))) == 3


def test_an_imported_series_keeps_its_calendar_and_uid() -> None:
    source = Source("Work", "abc@example.com", content_hash="h1")
    master = weekly(source=source)
    change = Series(master).edit(slot(2026, 10, 7, 9, 30), Scope.THIS,
                                 OccurrenceEdit(title="Moved"), BERLIN, new_id=new_id)
    (override,) = change.saved
    assert override.source is not None
    assert override.source.identity == ("Work", "abc@example.com", "2026-10-07T07:30:00Z")
    assert override.source.content_hash == ""  # made here, not read from the file
    uid = tail_uid_for("abc@example.com", slot(2026, 10, 19, 9, 30))
    split = Series(master).edit(slot(2026, 10, 19, 9, 30), Scope.FOLLOWING,
                                OccurrenceEdit(title="New"), BERLIN, new_id=new_id, tail_uid=uid)
    tail = split.saved[1]
    assert tail.source is not None and tail.source.uid == "abc@example.com_R20261019T073000Z"


def test_bad_requests_are_one_sentence() -> None:
    master = weekly()
    with pytest.raises(PlannerError, match="no occurrence"):
        Series(master).edit(slot(2026, 10, 6, 9, 30), Scope.THIS, OccurrenceEdit(title="x"),
                            BERLIN, new_id=new_id)
    with pytest.raises(PlannerError, match="Nothing to change"):
        Series(master).edit(slot(2026, 10, 5, 9, 30), Scope.THIS, OccurrenceEdit(), BERLIN,
                            new_id=new_id)
    with pytest.raises(PlannerError, match="does not repeat"):
        Series(Block(id="x", title="Once", start=date(2026, 1, 1), end=date(2026, 1, 2)))


def test_editing_a_moved_occurrence_for_all_or_following_takes_the_new_time() -> None:
    master = weekly()
    moved = Series(master).edit(slot(2026, 10, 14, 9, 30), Scope.THIS,
                                OccurrenceEdit(start=berlin(2026, 10, 14, 9, 45)), BERLIN,
                                new_id=new_id)
    blocks = apply([master], moved)
    series = Series(blocks[0], blocks[1:])
    for scope in (Scope.ALL, Scope.FOLLOWING):
        change = series.edit(slot(2026, 10, 14, 9, 30), scope,
                             OccurrenceEdit(start=berlin(2026, 10, 14, 12, 0)), BERLIN,
                             new_id=new_id)
        got = times(apply(blocks, change), date(2026, 10, 12), date(2026, 10, 20))
        assert [t[1][8:16] for t in got] == (
            ["12T12:00", "14T12:00", "19T12:00"] if scope is Scope.ALL
            else ["12T09:30", "14T12:00", "19T12:00"]), scope
