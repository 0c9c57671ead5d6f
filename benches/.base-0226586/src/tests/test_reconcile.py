"""Re-importing a calendar: identity, sequence, user planning state, determinism."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.model import Block, Kind, Recurrence, Source
from planner.core.reconcile import ReconcileResult, reconcile

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


def event(
    uid: str,
    *,
    calendar: str = "work",
    rid: str | None = None,
    content: str = "v1",
    sequence: int = 0,
    start: datetime = T0,
    title: str = "Standup",
    block_id: str | None = None,
    revision: int = 0,
) -> Block:
    return Block(
        id=block_id or f"imp-{uid}-{rid}",
        title=title,
        sphere="work",
        start=start,
        end=start + timedelta(minutes=30),
        tzid="Europe/Berlin",
        source=Source(calendar, uid, rid, content_hash=content, sequence=sequence),
        revision=revision,
    )


def task(uid: str, *, content: str = "t1", **fields: object) -> Block:
    base = Block(
        id=f"imp-{uid}",
        title="Write report",
        sphere="work",
        kind=Kind.FLEXIBLE,
        duration=timedelta(hours=1),
        source=Source("work", uid, None, content_hash=content),
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def identities(blocks: list[Block]) -> list[tuple[str, str, str | None]]:
    return [b.source.identity for b in blocks if b.source is not None]


def test_first_import_is_all_new() -> None:
    result = reconcile([], [event("b"), event("a")])
    assert identities(result.new) == [("work", "a", None), ("work", "b", None)]
    assert result.updated == result.removed == result.unchanged == []
    assert result.changed


def test_same_file_twice_changes_nothing_and_keeps_stored_blocks() -> None:
    stored = [event("a", block_id="mine-1", revision=3), event("b", block_id="mine-2")]
    incoming = [event("a", block_id="fresh-1"), event("b", block_id="fresh-2")]
    result = reconcile(stored, incoming)
    assert not result.changed
    assert result.unchanged == stored  # the stored objects themselves, ids included
    assert result.summary("work") == (
        "work: 0 new, 0 updated (0 moved), 0 removed, 2 unchanged, 0 skipped"
    )


def test_changed_content_updates_under_the_stored_id_with_bumped_revision() -> None:
    stored = [event("a", block_id="mine-1", revision=2)]
    incoming = [event("a", block_id="fresh", content="v2", title="Standup (new room)")]
    result = reconcile(stored, incoming)
    (block,) = result.updated
    assert block.id == "mine-1"
    assert block.revision == 3
    assert block.title == "Standup (new room)"
    assert block.source is not None and block.source.content_hash == "v2"
    assert result.moved == 0


def test_moved_counts_only_time_changes() -> None:
    stored = [event("a"), event("b"), event("c")]
    incoming = [
        event("a", content="v2", start=T0 + timedelta(hours=1)),  # moved
        event("b", content="v2", title="Renamed"),  # updated, not moved
        replace(
            event("c", content="v2"),
            recurrence=Recurrence(rrule="FREQ=WEEKLY"),  # now a series: moved
        ),
    ]
    result = reconcile(stored, incoming)
    assert len(result.updated) == 3
    assert result.moved == 2


def test_lower_sequence_keeps_the_stored_block() -> None:
    stored = [event("a", content="v3", sequence=3, title="Newest")]
    incoming = [event("a", content="v2", sequence=2, title="Stale")]
    result = reconcile(stored, incoming)
    assert result.unchanged == stored
    assert not result.changed


def test_equal_or_higher_sequence_with_new_content_updates() -> None:
    stored = [event("a", content="v3", sequence=3), event("b", content="v1", sequence=1)]
    incoming = [event("a", content="v3b", sequence=3), event("b", content="v2", sequence=2)]
    result = reconcile(stored, incoming)
    assert identities(result.updated) == [("work", "a", None), ("work", "b", None)]


def test_vanished_blocks_are_removed_in_identity_order() -> None:
    stored = [event("z"), event("a"), event("m", rid="2024-03-04T09:00:00+00:00"), event("m")]
    result = reconcile(stored, [event("a")])
    assert identities(result.removed) == [
        ("work", "m", None),
        ("work", "m", "2024-03-04T09:00:00+00:00"),
        ("work", "z", None),
    ]
    assert result.summary("work", skipped=2) == (
        "work: 0 new, 0 updated (0 moved), 3 removed, 1 unchanged, 2 skipped"
    )


def test_overrides_are_separate_identities() -> None:
    rid = "2024-03-11T09:00:00+00:00"
    stored = [event("s")]
    incoming = [event("s"), event("s", rid=rid, start=T0 + timedelta(days=7, hours=2))]
    result = reconcile(stored, incoming)
    assert identities(result.new) == [("work", "s", rid)]
    assert identities(result.unchanged) == [("work", "s", None)]


def test_blocks_of_other_calendars_and_personal_blocks_are_ignored() -> None:
    personal = Block(id="p1", title="Gym")
    other = event("a", calendar="family")
    stored = [personal, other, event("a")]
    incoming = [event("a"), event("x", calendar="family")]
    result = reconcile(stored, incoming, calendar="work")
    assert result.ignored == 3
    assert not result.changed
    assert all(b.source is not None and b.source.calendar == "work" for b in result.kept)


def test_calendar_is_inferred_from_incoming_then_existing() -> None:
    only_stored = reconcile([event("a", calendar="home")], [])
    assert identities(only_stored.removed) == [("home", "a", None)]
    inferred = reconcile([event("a", calendar="home")], [event("b", calendar="work")])
    assert inferred.ignored == 1
    assert identities(inferred.new) == [("work", "b", None)]
    assert inferred.removed == []


def test_duplicate_incoming_identities_keep_the_last() -> None:
    incoming = [event("a", title="first", content="1"), event("a", title="last", content="2")]
    result = reconcile([], incoming)
    assert [b.title for b in result.new] == ["last"]


def test_duplicate_stored_identities_heal() -> None:
    stored = [event("a", block_id="one"), event("a", block_id="two")]
    result = reconcile(stored, [event("a")])
    assert [b.id for b in result.unchanged] == ["one"]
    assert [b.id for b in result.removed] == ["two"]


def test_task_update_keeps_users_planning_state() -> None:
    slot = ((datetime(2024, 3, 4, 10, tzinfo=UTC), datetime(2024, 3, 4, 11, tzinfo=UTC)),)
    pin = datetime(2024, 3, 4, 10, tzinfo=UTC)
    stored = [task("t", planned=slot, pinned_start=pin, done=True, revision=4)]
    incoming = [task("t", content="t2", title="Write the report")]
    (block,) = reconcile(stored, incoming).updated
    assert block.title == "Write the report"
    assert block.planned == slot
    assert block.pinned_start == pin
    assert block.done is True
    assert block.revision == 5


def test_task_fields_the_file_carries_win() -> None:
    old_pin = datetime(2024, 3, 4, 10, tzinfo=UTC)
    new_pin = datetime(2024, 3, 5, 14, tzinfo=UTC)
    stored = [task("t", pinned_start=old_pin)]
    incoming = [task("t", content="t2", pinned_start=new_pin, done=True)]
    (block,) = reconcile(stored, incoming).updated
    assert block.pinned_start == new_pin
    assert block.done is True


def test_task_placement_dropped_when_its_constraints_change() -> None:
    slot = ((datetime(2024, 3, 4, 10, tzinfo=UTC), datetime(2024, 3, 4, 11, tzinfo=UTC)),)
    stored = [task("t", planned=slot)]
    incoming = [task("t", content="t2", duration=timedelta(hours=3))]
    result = reconcile(stored, incoming)
    (block,) = result.updated
    assert block.planned == ()
    assert result.moved == 1


def test_summary_format_is_exact() -> None:
    result = ReconcileResult(
        new=[event(str(i)) for i in range(12)],
        updated=[event("u1"), event("u2"), event("u3")],
        removed=[event("r")],
        unchanged=[],
        moved=2,
    )
    assert result.summary("work", skipped=2) == (
        "work: 12 new, 3 updated (2 moved), 1 removed, 0 unchanged, 2 skipped"
    )


# --- properties -------------------------------------------------------------------

_versions = st.dictionaries(
    keys=st.sampled_from([f"u{i}" for i in range(8)]),
    values=st.tuples(st.sampled_from(["v1", "v2", "v3"]), st.integers(0, 2)),
    max_size=8,
)


def _file(versions: dict[str, tuple[str, int]], prefix: str) -> list[Block]:
    return [
        event(uid, content=content, sequence=seq, block_id=f"{prefix}-{uid}")
        for uid, (content, seq) in versions.items()
    ]


@settings(max_examples=60, deadline=None)
@given(before=_versions, after=_versions, order=st.randoms(use_true_random=False))
def test_reimport_is_idempotent_and_order_independent(
    before: dict[str, tuple[str, int]],
    after: dict[str, tuple[str, int]],
    order: object,
) -> None:
    stored = reconcile([], _file(before, "s")).kept
    incoming = _file(after, "i")
    first = reconcile(stored, incoming)

    # Every identity in the file is present afterwards, nothing else is.
    assert sorted(identities(first.kept)) == sorted(identities(incoming))
    # Blocks that were already stored keep their ids.
    stored_ids = {b.source.identity: b.id for b in stored if b.source is not None}
    for block in first.kept:
        assert block.source is not None
        if block.source.identity in stored_ids:
            assert block.id == stored_ids[block.source.identity]

    # Importing the same file again changes nothing.
    again = reconcile(first.kept, incoming)
    assert not again.changed
    assert again.unchanged == first.kept

    # Input order does not matter.
    shuffled_stored, shuffled_incoming = list(stored), list(incoming)
    order.shuffle(shuffled_stored)  # type: ignore[attr-defined]
    order.shuffle(shuffled_incoming)  # type: ignore[attr-defined]
    assert reconcile(shuffled_stored, shuffled_incoming) == first


def test_fifty_thousand_unchanged_blocks_are_fast() -> None:
    stored = [
        event(f"uid-{i:05d}", start=T0 + timedelta(minutes=i), block_id=f"b{i}")
        for i in range(50_000)
    ]
    incoming = [replace(b, id=f"fresh{i}") for i, b in enumerate(stored)]
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        result = reconcile(stored, incoming)
        best = min(best, time.perf_counter() - began)
    assert not result.changed
    assert len(result.unchanged) == 50_000
    assert best < 0.5, f"reconcile of 50,000 unchanged blocks took {best:.3f} s"
