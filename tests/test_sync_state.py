"""Sync state in the store and the pure sync decisions, without a server.

A linked calendar's local changes are queued in its own file, in the same atomic write
as the change; a sync clears only the version it pushed; a read-only link refuses edits
but keeps where the planner placed a block; and ``core.syncing`` never drops a version.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest

from planner.adapters.store import ReadOnlyCalendar, Store
from planner.core.model import Block, Kind, Source
from planner.core.syncing import CONFLICT_MARK, Outcome, resolve, same_content

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def event(uid: str, title: str = "Stand-up", *, rid: str | None = None, hours: int = 0,
          calendar: str = "Work", block_id: str | None = None) -> Block:
    start = T0 + timedelta(hours=hours)
    return Block(id=block_id or f"id-{uid}-{rid}", title=title, sphere="work",
                 kind=Kind.FIXED, start=start, end=start + timedelta(minutes=30),
                 tzid="Europe/Berlin", source=Source(calendar, uid, rid))


def linked_store(tmp_path: Path, *, read_only: bool = False) -> Store:
    store = Store(tmp_path)
    with store.transaction():
        store.write_calendar("Work", upsert=[event("a"), event("b")], meta={
            "sphere": "work", "link": {"url": "http://127.0.0.1:1/w/", "read_only": read_only}})
    return store


def test_local_changes_are_queued_in_the_calendar_file_with_the_data(tmp_path: Path) -> None:
    store = linked_store(tmp_path)
    assert store.pending_changes("Work") == {}  # what a sync writes is not queued
    with store.transaction():
        store.put(event("a", "Moved", hours=2))
        store.put(event("new", "Added"))
        store.delete("id-b-None")
    assert store.pending_changes("Work") == {"a": 1, "new": 1, "b": 1}
    again = Store(tmp_path)  # read back from disk: data and queue together
    assert again.pending_changes("Work") == {"a": 1, "new": 1, "b": 1}
    assert {b.title for b in again.calendar_blocks("Work")} == {"Moved", "Added"}
    assert again.user_blocks() == []


def test_a_sync_clears_only_the_version_it_pushed(tmp_path: Path) -> None:
    store = linked_store(tmp_path)
    with store.transaction():
        store.put(event("a", "First"))
        store.put(event("b", "Other"))
    seen = store.pending_changes("Work")
    with store.transaction():
        store.put(event("a", "Second"))  # edited while the sync talked to the server
    with store.transaction():
        store.write_calendar("Work", done=seen)
    assert store.pending_changes("Work") == {"a": 2}


def test_a_failed_transaction_keeps_neither_the_change_nor_its_queue_entry(
        tmp_path: Path) -> None:
    store = linked_store(tmp_path)
    with pytest.raises(RuntimeError), store.transaction():
        store.put(event("a", "Lost"))
        raise RuntimeError("boom")
    assert store.pending_changes("Work") == {}
    assert {b.title for b in store.calendar_blocks("Work")} == {"Stand-up"}


def test_a_new_reason_text_alone_is_not_a_change_to_push(tmp_path: Path) -> None:
    store = Store(tmp_path)
    task = Block(id="t", title="Write", kind=Kind.FLEXIBLE, duration=timedelta(hours=1),
                 source=Source("Work", "t@planner"))
    with store.transaction():
        store.write_calendar("Work", upsert=[task], meta={"link": {"url": "x"}})
    with store.transaction():
        from dataclasses import replace

        store.put(replace(task, plan_note="no free time"))
    assert store.pending_changes("Work") == {}


def test_read_only_link_refuses_edits_in_one_sentence_but_keeps_placements(
        tmp_path: Path) -> None:
    store = linked_store(tmp_path, read_only=True)
    with pytest.raises(ReadOnlyCalendar) as caught, store.transaction():
        store.put(event("a", "Renamed"))
    assert str(caught.value) == ("'Stand-up' is in 'Work', which is linked read-only; change "
                                 "it on the server, or link the calendar again without "
                                 "--read-only.")
    with pytest.raises(ReadOnlyCalendar), store.transaction():
        store.delete("id-a-None")
    task = Block(id="t", title="Task", kind=Kind.FLEXIBLE, duration=timedelta(hours=1),
                 source=Source("Work", "t"))
    with store.transaction():
        store.write_calendar("Work", upsert=[task])
    from dataclasses import replace

    with store.transaction():  # the planner placing it is not an edit
        store.put(replace(task, planned=((T0, T0 + timedelta(hours=1)),)))
    assert store.pending_changes("Work") == {}
    assert {b.title for b in Store(tmp_path).calendar_blocks("Work")} == {"Stand-up", "Task"}


# --------------------------------------------------------------------------- decisions

def ids() -> object:
    n = count()
    return lambda: f"new{next(n)}"


def test_server_change_to_an_untouched_event_is_adopted_under_our_ids() -> None:
    ours = [event("a", block_id="mine")]
    theirs = [event("a", "Renamed", block_id="from-server")]
    result = resolve(ours, theirs, queued=False, new_uid=lambda: "u", new_id=ids())
    assert result.outcome is Outcome.ADOPTED
    assert [(b.id, b.title) for b in result.upsert] == [("mine", "Renamed")]
    assert result.remove == [] and result.queue == []


def test_both_changed_keeps_the_server_version_and_ours_as_a_conflict_copy() -> None:
    ours = [event("a", "Ours", block_id="mine"),
            event("a", "Ours moved", rid="2026-12-08T09:00:00Z", block_id="mine-2")]
    theirs = [event("a", "Theirs")]
    result = resolve(ours, theirs, queued=True, new_uid=lambda: "copy@planner",
                     new_id=ids())
    assert result.outcome is Outcome.CONFLICT
    titles = sorted(b.title for b in result.upsert)
    assert titles == ["Ours (conflict copy)", "Ours moved (conflict copy)", "Theirs"]
    copies = [b for b in result.upsert if CONFLICT_MARK in b.title]
    assert {b.source.uid for b in copies if b.source} == {"copy@planner"}
    assert result.queue == ["copy@planner"] and result.clear
    assert result.remove == ["mine-2"]  # the override the server no longer has
    assert result.titles == ["Ours", "Ours moved"]


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    ours = [event("a", "Same", block_id="mine")]
    theirs = [event("a", "Same", block_id="other")]
    result = resolve(ours, theirs, queued=True, new_uid=lambda: "u", new_id=ids())
    assert result.outcome is Outcome.SAME and result.clear and result.queue == []
    assert same_content(ours, theirs)


def test_delete_against_edit_keeps_the_edit_either_way() -> None:
    theirs = [event("a", "Edited there")]
    kept = resolve([], theirs, queued=True, new_uid=lambda: "u", new_id=ids())
    assert kept.outcome is Outcome.KEPT_SERVER and kept.upsert[0].title == "Edited there"
    ours = [event("a", "Edited here")]
    kept = resolve(ours, None, queued=True, new_uid=lambda: "u", new_id=ids())
    assert kept.outcome is Outcome.KEPT_LOCAL and kept.remove == [] and not kept.clear
    gone = resolve(ours, None, queued=False, new_uid=lambda: "u", new_id=ids())
    assert gone.outcome is Outcome.DELETED and gone.remove == [ours[0].id]
