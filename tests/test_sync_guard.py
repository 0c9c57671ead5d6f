"""A server that suddenly comes back empty never wipes a linked calendar, and every sync
that changes local data is one undoable step (issue #18 point 8, the sync half).

All through a real Radicale: the emptied calendar is emptied (or deleted and made again)
on the server itself, and the sync-token the server forgot is one it really forgot.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path

import niquests
import pytest

from planner.adapters.store import CALENDAR_DIR, MAIN_FILE
from planner.app import history, links, sync
from tests.radicale_server import PASSWORD, USER
from tests.test_sync import DAY, Home, Third, run_cli, vevent


@pytest.fixture
def homes(tmp_path: Path) -> tuple[Home, Home]:
    return Home(tmp_path / "laptop"), Home(tmp_path / "phone")


def twelve_on_server(url: str) -> Third:
    third = Third(url)
    for n in range(12):
        third.add(vevent(f"e{n}", f"Meeting {n:02d}", f"202611{23 + n % 5}T{8 + n % 9:02d}0000",
                         f"202611{23 + n % 5}T{8 + n % 9:02d}3000"))
    return third


def history_labels(home) -> list[str]:  # type: ignore[no-untyped-def]
    store = home.service.session.store
    return [e["label"] for e in store.history()[:store.history_cursor()]]


# --------------------------------------------------------------------------- the guard


def test_an_emptied_server_keeps_the_calendar_until_allowed(radicale, homes) -> None:
    url = radicale.make_calendar()
    third = twelve_on_server(url)
    laptop, _ = homes
    laptop.link("Work", url)
    full = laptop.titles()
    assert len(full) == 12
    queued = laptop.add_fixed("Sent later", 16)  # a local change waiting to be pushed

    for uid in third.uids():
        third.delete(uid)
    refused = run_cli(laptop.path, "sync", "Work")
    assert refused.returncode == 1, refused
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("planner: Work: the server now holds no events where "
                                     "'Work' has 13; the calendar was kept as it is")
    assert "those 12 events" in refused.stderr
    assert "`planner sync Work --allow-empty`" in refused.stderr
    assert laptop.titles() == sorted([*full, "Sent later"])
    assert third.titles() == []  # nothing was pushed either way
    assert laptop.service.session.store.pending_changes("Work") == {queued.source.uid: 1}
    listing = run_cli(laptop.path, "sync", "list").stdout
    assert "(failed): Work: the server now holds no events" in listing

    # Once more: still held (the server's news was not taken as read).
    assert run_cli(laptop.path, "sync").returncode == 1
    assert laptop.titles() == sorted([*full, "Sent later"])

    accepted = run_cli(laptop.path, "sync", "Work", "--allow-empty")
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.startswith("Work: pulled 0 new, 0 updated, 12 removed; pushed 1 new")
    assert laptop.titles() == ["Sent later"]
    assert third.titles() == ["Sent later"]
    misused = run_cli(laptop.path, "sync", "list", "--allow-empty")
    assert misused.returncode != 0
    assert misused.stderr == "planner: --allow-empty is for `planner sync [NAME ...]`.\n"


def test_most_of_a_calendar_gone_at_once_is_held_too_and_a_few_are_not(radicale, homes
                                                                      ) -> None:
    url = radicale.make_calendar()
    third = twelve_on_server(url)
    laptop, _ = homes
    laptop.link("Work", url)
    for uid in third.uids()[:7]:  # 7 of 12: over half
        third.delete(uid)
    held = laptop.service.sync(["Work"])[0]
    assert held.failed and held.held == 7
    assert re.search(r"the server now holds only 5 events where 'Work' has 12;.* those 7 "
                     r"events", held.failed)
    assert len(laptop.titles()) == 12
    report = laptop.service.sync(["Work"], allow_empty=True)[0]
    assert (report.failed, report.pulled_removed) == (None, 7)

    third.delete(third.uids()[0])  # 1 of 5: an ordinary deletion
    assert laptop.service.sync(["Work"])[0].pulled_removed == 1


def test_a_calendar_deleted_and_made_again_on_the_server_is_held(radicale, homes) -> None:
    url = radicale.make_calendar()
    twelve_on_server(url)
    laptop, _ = homes
    laptop.link("Work", url)
    gone = niquests.delete(url, auth=(USER, PASSWORD), timeout=30)
    assert gone.status_code in (200, 204)
    slug = url.rstrip("/").rsplit("/", 1)[1]
    assert radicale.make_calendar(slug) == url  # same URL, a new empty collection
    report = laptop.service.sync(["Work"])[0]
    assert report.failed and "holds no events" in report.failed
    assert report.held == 12
    assert len(laptop.titles()) == 12


def test_a_forgotten_sync_token_listing_everything_is_not_emptiness(radicale, homes) -> None:
    """A server that forgot our sync-token lists the whole collection again: same events,
    same etags, so nothing is removed, nothing is downloaded again, nothing is held. The
    same events under other hrefs (a calendar restored by another app) are not removals."""
    url = radicale.make_calendar()
    third = twelve_on_server(url)
    laptop, _ = homes
    laptop.link("Work", url)
    before = {b.id: b for b in laptop.blocks()}
    session = laptop.service.session
    state = dict(session.store.calendar_meta("Work")["sync"])
    with session.write():
        session.store.write_calendar("Work", meta={"sync": {
            **state, "token": "http://radicale.org/ns/sync/0000"}})
    report = laptop.sync()
    assert report.failed is None
    assert (report.pulled_new, report.pulled_updated, report.pulled_removed) == (0, 0, 0)
    assert {b.id: b for b in laptop.blocks()} == before
    assert history_labels(laptop) == []

    # Another app restores the calendar: every event deleted, then put back elsewhere.
    texts = {uid: third.get(uid).data for uid in third.uids()}
    for uid, text in texts.items():
        third.delete(uid)
        put = niquests.put(f"{url}restored-{uid}.ics", data=text.encode(),
                           headers={"Content-Type": "text/calendar"},
                           auth=(USER, PASSWORD), timeout=30)
        assert put.status_code in (200, 201, 204)
    report = laptop.sync()
    assert report.failed is None and report.pulled_removed == 0
    assert sorted(b.id for b in laptop.blocks()) == sorted(before)
    laptop.service.update(laptop.find("Meeting 00").id, title="Meeting 00 (room 2)")
    assert laptop.sync().pushed_updated == 1  # the resource is known at its new href
    assert "Meeting 00 (room 2)" in third.titles() and len(third.titles()) == 12


# --------------------------------------------------------------------------- undo


def test_sync_then_undo_restores_the_local_state_and_redo_takes_it_again(radicale, homes
                                                                         ) -> None:
    url = radicale.make_calendar()
    third = Third(url)
    third.add(vevent("retro", "Retro"))
    third.add(vevent("standup", "Stand-up", "20261124T100000", "20261124T101500"))
    laptop, _ = homes
    laptop.link("Work", url)
    service = laptop.service
    task = service.add(links.in_calendar(service.session, service.make_flexible(
        "Write report", timedelta(hours=1), sphere="work", day=DAY), "Work"))
    pinned = service.update(task.id, pinned_start=task.planned[0][0], notes="draft in docs")
    laptop.sync()
    history_before = history_labels(laptop)

    third.add(vevent("plan", "Planning", "20261124T140000", "20261124T150000"))
    third.edit("retro", summary="Retro (room 2)")
    third.delete(task.source.uid)
    report = laptop.sync()
    assert (report.pulled_new, report.pulled_updated, report.pulled_removed) == (1, 1, 1)
    assert history_labels(laptop) == [*history_before,
                                      "sync Work: 1 new, 1 updated, 1 removed"]
    pulled = {b.id: b for b in laptop.blocks()}

    said = run_cli(laptop.path, "undo")
    assert said.stdout.strip() == ("Undid sync Work: 1 new, 1 updated, 1 removed; the next "
                                   "sync sends that to the server.")
    assert laptop.titles() == ["Retro", "Stand-up", "Write report"]
    back = laptop.find("Write report")
    assert (back.id, back.pinned_start, back.notes) == (
        pinned.id, pinned.pinned_start, "draft in docs")
    calendar_file = laptop.path / CALENDAR_DIR / "work.json"
    assert back.id in calendar_file.read_text()
    main_file = laptop.path / MAIN_FILE
    assert not main_file.exists() or back.id not in main_file.read_text()  # where it lived

    assert "Redid sync Work" in run_cli(laptop.path, "redo").stdout
    assert {b.id: (b.title, b.start, b.end) for b in laptop.blocks()} == {
        i: (b.title, b.start, b.end) for i, b in pulled.items()}
    run_cli(laptop.path, "undo")

    # The restored state is a local change like any other: the next sync sends it with
    # If-Match, so the server's copies are replaced only where nobody changed them since.
    third.edit("plan", summary="Planning (moved by a colleague)")
    report = laptop.sync()
    assert report.conflicts == [] and report.pushed_new == 1 and report.pushed_updated == 1
    assert any("kept 'Planning (moved by a colleague)'" in n for n in report.notes)
    assert third.titles() == ["Planning (moved by a colleague)", "Retro", "Stand-up",
                              "Write report"]
    assert laptop.titles() == third.titles()


def test_a_read_only_link_pull_is_not_an_undo_step(radicale, homes) -> None:
    """Local edits to a read-only link are refused, so undoing its pull could never be
    kept: such a sync records no step, and undo reaches the step before it."""
    url = radicale.make_calendar()
    third = Third(url)
    third.add(vevent("a", "Board meeting"))
    laptop, _ = homes
    laptop.link("Board", url, read_only=True)
    service = laptop.service
    start = service.at(DAY, time(12))
    service.add(service.make_fixed("Lunch", start, start + timedelta(hours=1),
                                   sphere="personal"))
    third.add(vevent("b", "Audit"))
    assert laptop.sync("Board").pulled_new == 1
    assert history.undo(laptop.service.session) == "Undid add 'Lunch'."
    assert laptop.titles("Board") == ["Audit", "Board meeting"]


def test_a_conflict_settled_during_the_push_is_part_of_the_syncs_one_undo_step(
        radicale, homes) -> None:
    """The server changes an event between our pull and our push (another app saves it
    while we send): the push settles the conflict here. The sync, pull and conflict
    copy together, is one undo step, and one undo gives back the state before it."""
    url = radicale.make_calendar()
    third = Third(url)
    third.add(vevent("retro", "Retro"))
    laptop, _ = homes
    laptop.link("Work", url)
    service = laptop.service
    retro = laptop.find("Retro")
    service.update(retro.id, title="Retro (our room)")
    third.add(vevent("plan", "Planning", "20261124T140000", "20261124T150000"))
    before = {b.id: b for b in laptop.blocks()}
    history_before = history_labels(laptop)

    raced: list[str] = []

    def while_sending(text: str) -> None:  # the other app saves just before our PUT
        if "sending change" in text and not raced:
            raced.append(text)
            third.edit("retro", summary="Retro (their room)")

    report = sync.sync_calendar(service.session, "Work", progress=while_sending)
    assert raced and report.pulled_new == 1
    assert report.conflicts == ["Retro (our room)"], report.summary()
    assert laptop.titles() == ["Planning", "Retro (our room) (conflict copy)",
                               "Retro (their room)"]
    assert history_labels(laptop) == [*history_before,
                                      "sync Work: 1 new, 0 updated, 0 removed, 1 conflict"]

    said = run_cli(laptop.path, "undo")
    assert said.stdout.startswith("Undid sync Work: 1 new, 0 updated, 0 removed, 1 conflict")
    assert {b.id: (b.title, b.start, b.end, b.notes) for b in laptop.blocks()} == {
        i: (b.title, b.start, b.end, b.notes) for i, b in before.items()}
    assert history_labels(laptop) == history_before


def test_a_failing_calendar_keeps_since_when_it_fails_until_it_syncs_again(radicale,
                                                                          tmp_path) -> None:
    """The app's header line: the same failure again keeps its first time (offline since
    08:35 while every later try fails too), another kind of failure starts afresh, and a
    good sync clears it and says it recovered."""
    from datetime import UTC, datetime

    from planner.app.service import PlannerService
    from tests.radicale_server import free_port

    url = radicale.make_calendar()
    clock = [datetime(2026, 11, 24, 7, 30, tzinfo=UTC)]  # 08:30 in Berlin
    service = PlannerService(tmp_path / "home", tz="Europe/Berlin", clock=lambda: clock[0])
    service.sync_link("Work", url, sphere="work", username=USER,
                      password_command=f"echo {PASSWORD}")
    session = service.session

    def relink(**changes: str) -> None:
        link = session.store.calendar_meta("Work")["link"]
        with session.write():
            session.store.write_calendar("Work", meta={"link": {**link, **changes}})

    def sync_at(minutes: int) -> sync.SyncReport:
        clock[0] = datetime(2026, 11, 24, 7, 30, tzinfo=UTC) + timedelta(minutes=minutes)
        [report] = service.sync()
        return report

    assert service.sync_status() == "synced 08:30"
    relink(url=f"http://127.0.0.1:{free_port()}/alice/work/")
    for minutes in (5, 10, 15):
        assert sync_at(minutes).kind == "offline"
    assert service.sync_status() == "offline since 08:35: Work"
    relink(url=url, password_command="echo wrong")
    assert sync_at(20).kind == "auth"
    assert sync_at(25).kind == "auth"
    assert service.sync_status() == "sync failed 08:50: Work — S to retry"
    relink(password_command="false")
    assert sync_at(30).kind == "password"
    assert service.sync_status() == "sync failed 09:00: Work — S to retry"
    relink(password_command=f"echo {PASSWORD}")
    report = sync_at(35)
    assert report.failed is None and report.recovered
    assert service.sync_status() == "synced 09:05"
    assert not sync_at(40).recovered
