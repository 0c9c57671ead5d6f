"""Two-way sync through a real Radicale: two planner homes and a third CalDAV client
(the `caldav` library) edit one calendar in turns and in conflict, and every version of
every change ends up where the rules say (issue #15)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import caldav
import pytest

from planner.app import links, planning, sync
from planner.app.service import PlannerError, PlannerService
from planner.core.model import Kind
from tests.conftest import PINNED_NOW, ZONE, pinned_clock, planner_command
from tests.fake_servers import KillingProxy
from tests.radicale_server import PASSWORD, USER

PASSWORD_COMMAND = f"echo {PASSWORD}"
DAY = date(2026, 11, 24)  # the Tuesday after the pinned "now"


def vevent(uid: str, title: str, start: str = "20261124T090000", end: str = "20261124T093000",
           extra: str = "") -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//third//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n"
            f"DTSTART;TZID=Europe/Berlin:{start}\r\nDTEND;TZID=Europe/Berlin:{end}\r\n"
            f"SUMMARY:{title}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n")


class Third:
    """Another calendar app: the caldav library straight on the server."""

    def __init__(self, url: str) -> None:
        self.client = caldav.DAVClient(url, username=USER, password=PASSWORD,
                                       enable_rfc6764=False)
        self.calendar = caldav.Calendar(client=self.client, url=url)

    def add(self, ical: str) -> None:
        self.calendar.save_event(ical)

    def get(self, uid: str) -> caldav.Event:
        return self.calendar.event_by_uid(uid)

    def edit(self, uid: str, **props: str) -> None:
        found = self.get(uid)
        component = found.icalendar_component
        for key, value in props.items():
            component.pop(key, None)
            component.add(key, value)
        found.save()

    def delete(self, uid: str) -> None:
        self.get(uid).delete()

    def titles(self) -> list[str]:
        return sorted(str(e.icalendar_component.get("summary")) for e in self.calendar.events())

    def uids(self) -> list[str]:
        return sorted(str(e.icalendar_component.get("uid")) for e in self.calendar.events())


@dataclass
class Home:
    path: Path

    @property
    def service(self) -> PlannerService:
        return PlannerService(self.path, tz=ZONE, clock=pinned_clock)

    def link(self, name: str, url: str, **kw: object) -> sync.SyncReport:
        return sync.link_calendar(self.service.session, name, url, sphere=kw.pop("sphere", "work"),
                                  username=USER, password_command=PASSWORD_COMMAND,
                                  **kw)  # type: ignore[arg-type]

    def sync(self, name: str = "Work") -> sync.SyncReport:
        return sync.sync_calendar(self.service.session, name)

    def blocks(self, name: str = "Work") -> list:  # type: ignore[type-arg]
        return sorted(self.service.session.store.calendar_blocks(name), key=lambda b: b.title)

    def titles(self, name: str = "Work") -> list[str]:
        return [b.title for b in self.blocks(name)]

    def find(self, title: str, name: str = "Work"):  # type: ignore[no-untyped-def]
        return next(b for b in self.blocks(name) if b.title == title)

    def add_fixed(self, title: str, hour: int, name: str = "Work"):  # type: ignore[no-untyped-def]
        service = self.service
        start = service.at(DAY, datetime.min.time().replace(hour=hour))
        block = service.make_fixed(title, start, start + timedelta(hours=1), sphere="work")
        return service.add(links.in_calendar(service.session, block, name))


@pytest.fixture
def homes(tmp_path: Path) -> tuple[Home, Home]:
    return Home(tmp_path / "laptop"), Home(tmp_path / "phone")


# --------------------------------------------------------------------------- pull


def test_first_sync_pulls_series_overrides_all_day_and_zones_like_an_import(
        server, homes) -> None:
    url = server.make_calendar()
    third = Third(url)
    series = vevent("series", "Stand-up", "20261123T093000", "20261123T094500",
                    "RRULE:FREQ=DAILY;COUNT=5\r\n")
    override = ("BEGIN:VEVENT\r\nUID:series\r\nDTSTAMP:20261101T000000Z\r\n"
                "RECURRENCE-ID;TZID=Europe/Berlin:20261125T093000\r\n"
                "DTSTART;TZID=Europe/Berlin:20261125T110000\r\n"
                "DTEND;TZID=Europe/Berlin:20261125T111500\r\nSUMMARY:Stand-up (moved)\r\n"
                "END:VEVENT\r\n")
    third.add(series.replace("END:VCALENDAR", override + "END:VCALENDAR"))
    third.add("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//third//EN\r\nBEGIN:VEVENT\r\n"
              "UID:holiday\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;VALUE=DATE:20261124\r\n"
              "DTEND;VALUE=DATE:20261125\r\nSUMMARY:Team day\r\nTRANSP:TRANSPARENT\r\n"
              "END:VEVENT\r\nEND:VCALENDAR\r\n")
    third.add(vevent("ny", "New York sync", extra="").replace(
        "TZID=Europe/Berlin:20261124T090000", "TZID=America/New_York:20261124T090000").replace(
        "TZID=Europe/Berlin:20261124T093000", "TZID=America/New_York:20261124T100000"))
    laptop, _ = homes
    report = laptop.link("Work", url)
    assert (report.pulled_new, report.pushed_new, report.conflicts) == (3, 0, [])
    agenda = {o.block.title: o for o in laptop.service.agenda(DAY)}
    assert agenda["New York sync"].start == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert agenda["Team day"].all_day and agenda["Team day"].block.transparent
    assert agenda["Stand-up"].block.is_recurring
    source = agenda["Stand-up"].block.source
    assert (source.calendar, source.uid) == ("Work", "series")
    week = laptop.service.agenda(date(2026, 11, 23), days=7)
    assert len([o for o in week if o.block.title == "Stand-up"]) == 4
    moved = [o for o in week if o.block.title == "Stand-up (moved)"]
    assert [o.start for o in moved] == [datetime(2026, 11, 25, 10, 0, tzinfo=UTC)]
    assert moved[0].block.source.recurrence_id is not None


def test_changes_on_the_server_arrive_and_an_unchanged_calendar_costs_one_request(
        server, homes) -> None:
    url = server.make_calendar()
    third = Third(url)
    for n in range(4):
        third.add(vevent(f"e{n}", f"Event {n}"))
    laptop, _ = homes
    laptop.link("Work", url)
    quiet = laptop.sync()
    assert (quiet.pulled_new, quiet.pulled_updated, quiet.pulled_removed) == (0, 0, 0)
    assert quiet.requests == 1
    third.edit("e1", summary="Event 1 renamed")
    third.delete("e2")
    third.add(vevent("e9", "Event 9"))
    report = laptop.sync()
    assert (report.pulled_new, report.pulled_updated, report.pulled_removed) == (1, 1, 1)
    assert report.requests == 2  # what changed, then the two changed events in one multiget
    assert laptop.titles() == ["Event 0", "Event 1 renamed", "Event 3", "Event 9"]


# --------------------------------------------------------------------------- push


def test_local_adds_edits_done_and_deletes_reach_the_server(server, homes) -> None:
    url = server.make_calendar()
    third = Third(url)
    laptop, _ = homes
    laptop.link("Work", url)
    meeting = laptop.add_fixed("Planning", 10)
    service = laptop.service
    task = service.add(links.in_calendar(service.session, service.make_flexible(
        "Write report", timedelta(hours=1), sphere="work", day=DAY, priority=2), "Work"))
    assert task.planned
    report = laptop.sync()
    assert report.pushed_new == 2
    assert third.titles() == ["Planning", "Write report"]
    stored = third.get(meeting.source.uid).icalendar_component
    assert stored["X-PLANNER-ID"] == meeting.id

    laptop.service.update(meeting.id, title="Planning (room 2)", notes="bring slides")
    laptop.service.set_done(task.id)
    assert laptop.sync().pushed_updated == 2
    assert third.titles() == ["Planning (room 2)", "Write report"]
    assert str(third.get(meeting.source.uid).icalendar_component["DESCRIPTION"]) == \
        "bring slides"
    assert str(third.get(task.source.uid).icalendar_component["X-PLANNER-DONE"]) == "TRUE"

    laptop.service.remove(meeting.id)
    assert laptop.sync().pushed_deleted == 1
    assert third.titles() == ["Write report"]


def test_a_flexible_block_travels_as_itself_and_a_replan_moves_it_everywhere(
        server, homes) -> None:
    url = server.make_calendar()
    laptop, phone = homes
    laptop.link("Work", url)
    service = laptop.service
    deadline = service.at(DAY + timedelta(days=2), datetime.min.time())
    task = service.add(links.in_calendar(service.session, service.make_flexible(
        "Deep work", timedelta(hours=2), sphere="work", day=DAY, deadline=deadline,
        priority=1, part="morning"), "Work"))
    laptop.sync()
    phone.link("Work", url)
    there = phone.find("Deep work")
    assert there.kind is Kind.FLEXIBLE and there.id == task.id
    assert (there.duration, there.priority, there.deadline, there.part_of_day) == (
        task.duration, task.priority, task.deadline, task.part_of_day)
    assert there.planned == task.planned

    # A new fixed meeting lands on the task's slot: re-planning moves it, and the move
    # is pushed with a higher SEQUENCE so every calendar app takes the new time.
    third = Third(url)
    sequence = int(third.get(task.source.uid).icalendar_component.get("SEQUENCE", 0))
    start = task.planned[0][0].astimezone(UTC)
    third.add(vevent("clash", "All hands", start.strftime("%Y%m%dT%H%M%SZ"),
                     (start + timedelta(hours=2)).strftime("%Y%m%dT%H%M%SZ")).replace(
        ";TZID=Europe/Berlin", ""))
    report = laptop.sync()
    moved = laptop.find("Deep work")
    assert moved.planned and moved.planned != task.planned
    # The report says where it went (the CLI prints it under the summary, the app too).
    assert [n for n in report.notes if n.startswith("Moved 'Deep work' from ")] == [
        f"Moved 'Deep work' from {planning.when_text(service.session, task.planned)} to "
        f"{planning.when_text(service.session, moved.planned)} to make room."]
    assert int(third.get(task.source.uid).icalendar_component["SEQUENCE"]) > sequence
    phone.sync()
    assert phone.find("Deep work").planned == moved.planned


# --------------------------------------------------------------------------- conflicts


def test_two_homes_edit_the_same_event_and_both_versions_are_kept(server, homes) -> None:
    url = server.make_calendar()
    Third(url).add(vevent("shared", "Review"))
    laptop, phone = homes
    laptop.link("Work", url)
    phone.link("Work", url)
    laptop.service.update(laptop.find("Review").id, title="Review with Ana")
    phone.service.update(phone.find("Review").id, title="Review moved to Friday")
    assert laptop.sync().conflicts == []
    report = phone.sync()
    assert report.conflicts == ["Review moved to Friday"]
    assert "1 conflict: 'Review moved to Friday' (both versions kept)" in report.summary()
    expected = ["Review moved to Friday (conflict copy)", "Review with Ana"]
    assert phone.titles() == expected
    assert Third(url).titles() == expected
    laptop.sync()
    assert laptop.titles() == expected
    assert phone.find("Review with Ana").source.uid == "shared"


def test_a_third_client_and_a_home_in_conflict_and_in_turns(server, homes) -> None:
    url = server.make_calendar()
    third = Third(url)
    third.add(vevent("x", "Lunch"))
    laptop, _ = homes
    laptop.link("Work", url)
    laptop.service.update(laptop.find("Lunch").id, title="Lunch at noon")
    third.edit("x", summary="Lunch cancelled?")
    report = laptop.sync()
    assert report.conflicts == ["Lunch at noon"]
    assert laptop.titles() == ["Lunch at noon (conflict copy)", "Lunch cancelled?"]
    assert third.titles() == ["Lunch at noon (conflict copy)", "Lunch cancelled?"]
    third.edit("x", summary="Lunch on")  # in turns: no conflict
    assert laptop.sync().conflicts == []
    assert laptop.titles() == ["Lunch at noon (conflict copy)", "Lunch on"]


def test_deleting_on_one_side_an_event_changed_on_the_other_keeps_the_change(
        server, homes) -> None:
    url = server.make_calendar()
    third = Third(url)
    third.add(vevent("a", "Kept from the server"))
    third.add(vevent("b", "Kept from here"))
    laptop, _ = homes
    laptop.link("Work", url)
    laptop.service.remove(laptop.find("Kept from the server").id)
    third.edit("a", summary="Kept from the server, edited")
    laptop.service.update(laptop.find("Kept from here").id, title="Kept from here, edited")
    third.delete("b")
    report = laptop.sync()
    assert laptop.titles() == ["Kept from here, edited", "Kept from the server, edited"]
    assert third.titles() == ["Kept from here, edited", "Kept from the server, edited"]
    assert len(report.notes) == 2


# --------------------------------------------------------------------------- links


def test_read_only_link_pulls_and_refuses_local_edits(radicale, homes) -> None:
    url = radicale.make_calendar()
    Third(url).add(vevent("a", "Board meeting"))
    laptop, _ = homes
    laptop.link("Board", url, read_only=True)
    block = laptop.find("Board meeting", "Board")
    with pytest.raises(PlannerError, match="linked read-only"):
        links.in_calendar(laptop.service.session, block, "Board")
    from planner.adapters.store import ReadOnlyCalendar

    with pytest.raises(ReadOnlyCalendar, match="'Board meeting' is in 'Board', which is "
                                                "linked read-only"):
        laptop.service.update(block.id, title="Mine now")
    assert laptop.titles("Board") == ["Board meeting"]


def test_sync_remove_drops_local_copies_and_leaves_the_server_alone(radicale, homes) -> None:
    url = radicale.make_calendar()
    Third(url).add(vevent("a", "Stays on the server"))
    laptop, _ = homes
    laptop.link("Work", url)
    laptop.add_fixed("Never sent", 15)
    assert links.unlink(laptop.service.session, "Work") == 1
    assert laptop.service.session.store.calendar_names() == []
    assert Third(url).titles() == ["Stays on the server"]


def test_password_command_failures_are_one_sentence(radicale, homes) -> None:
    url = radicale.make_calendar()
    laptop, _ = homes
    with pytest.raises(PlannerError, match=r"^Work: the password command failed \(exit 1\)"):
        sync.link_calendar(laptop.service.session, "Work", url, sphere="work", username=USER,
                           password_command="false")
    with pytest.raises(PlannerError, match="did not accept the username and password"):
        sync.link_calendar(laptop.service.session, "Work", url, sphere="work", username=USER,
                           password_command="echo wrong")
    assert laptop.service.session.store.calendar_names() == []  # nothing linked, nothing stored


# --------------------------------------------------------------------------- faults


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PLANNER_HOME": str(home), "PLANNER_NOW": PINNED_NOW.isoformat()}
    return subprocess.run([*planner_command(), "--tz", ZONE, *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_server_stopped_in_between_keeps_local_changes_queued_until_it_is_back(
        own_radicale, homes) -> None:
    url = own_radicale.make_calendar()
    third = Third(url)
    third.add(vevent("a", "Existing"))
    laptop, _ = homes
    laptop.link("Work", url)
    laptop.add_fixed("Added offline", 14)
    laptop.service.update(laptop.find("Existing").id, title="Existing, edited offline")
    before = sorted((laptop.path / "calendars").iterdir())
    snapshot = {p.name: p.read_bytes() for p in before}

    own_radicale.stop()
    result = run_cli(laptop.path, "sync")
    assert result.returncode == 1
    assert result.stderr.strip() == ("planner: Work: cannot reach the server at 127.0.0.1 "
                                     "(connection refused or no network).")
    assert result.stdout == ""
    assert laptop.titles() == ["Added offline", "Existing, edited offline"]
    assert len(laptop.service.session.store.pending_changes("Work")) == 2
    listing = run_cli(laptop.path, "sync", "list").stdout
    assert "(failed): Work: cannot reach the server" in listing
    assert "2 local changes waiting to be sent" in listing
    # Only the failure was recorded: the events and the queue are byte for byte the same.
    from planner.adapters.store import Store

    store = Store(laptop.path)
    assert [b.title for b in sorted(store.calendar_blocks("Work"), key=lambda b: b.title)] \
        == ["Added offline", "Existing, edited offline"]
    assert set(snapshot) == {p.name for p in (laptop.path / "calendars").iterdir()}

    own_radicale.start()
    result = run_cli(laptop.path, "sync")
    assert result.returncode == 0, result.stderr
    assert "pushed 1 new, 1 updated, 0 deleted" in result.stdout
    assert Third(url).titles() == ["Added offline", "Existing, edited offline"]
    assert laptop.service.session.store.pending_changes("Work") == {}


@pytest.mark.parametrize("moment", [("REPORT", 1), ("REPORT", 2), ("PUT", 1), ("PUT", 2),
                                    ("DELETE", 1)],
                         ids=lambda m: f"after-{m[0]}-{m[1]}")
def test_a_sync_killed_at_any_moment_is_finished_by_the_next_with_no_duplicates(
        server, homes, moment: tuple[str, int]) -> None:
    url = server.make_calendar()
    third = Third(url)
    for n in range(3):
        third.add(vevent(f"s{n}", f"Server {n}"))
    laptop, phone = homes
    with KillingProxy(server.port) as proxy:
        proxy_url = url.replace(f":{server.port}/", f":{proxy.port}/")
        laptop.link("Work", proxy_url)
        for n in range(3):
            laptop.add_fixed(f"Local {n}", 9 + n)
        laptop.service.update(laptop.find("Server 0").id, title="Server 0, edited")
        laptop.service.remove(laptop.find("Server 1").id)
        third.add(vevent("s9", "Server 9"))
        expected = ["Local 0", "Local 1", "Local 2", "Server 0, edited", "Server 2",
                    "Server 9"]

        proxy.arm(*moment)
        env = {**os.environ, "PLANNER_HOME": str(laptop.path),
               "PLANNER_NOW": PINNED_NOW.isoformat()}
        process = subprocess.Popen([*planner_command(), "--tz", ZONE, "sync"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proxy.aim(process.pid)
        process.communicate(timeout=120)
        assert proxy.killed.is_set() and process.returncode == -signal.SIGKILL

        proxy.arm("NONE", 0)
        report = laptop.sync()
        assert report.conflicts == [], report.summary()
        assert laptop.titles() == expected
        assert third.titles() == expected  # nothing twice, nothing lost
        assert laptop.service.session.store.pending_changes("Work") == {}
        quiet = laptop.sync()
        assert (quiet.pushed_new, quiet.pushed_updated, quiet.pushed_deleted) == (0, 0, 0)
    phone.link("Work", url)
    assert phone.titles() == expected


def test_cli_sync_commands(radicale, homes) -> None:
    url = radicale.make_calendar("cli-team")
    Third(url).add(vevent("a", "Retro"))
    laptop, _ = homes
    principal = url.rsplit("/", 2)[0] + "/"
    result = run_cli(laptop.path, "sync", "add", "Team", principal, "--sphere", "work",
                     "--username", USER, "--password-command", PASSWORD_COMMAND)
    assert result.returncode == 1
    assert "calendars found there: " in result.stderr and url in result.stderr
    assert result.stderr.count("\n") == 1
    result = run_cli(laptop.path, "sync", "add", "Team", url, "--sphere", "work",
                     "--username", USER, "--password-command", PASSWORD_COMMAND)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Linked Team.",
        "Team: pulled 1 new, 0 updated, 0 removed; pushed 0 new, 0 updated, 0 deleted"]
    result = run_cli(laptop.path, "add", "Kick-off", "--at", "tue 11:00", "--calendar", "Team")
    assert result.returncode == 0, result.stderr
    agenda = json.loads(run_cli(laptop.path, "agenda", "tue", "--json").stdout)
    sources = {item["title"]: item["source"] for item in agenda}
    assert sources["Retro"] == {"calendar": "Team", "uid": "a", "recurrence_id": None}
    assert sources["Kick-off"]["calendar"] == "Team"
    assert {item["sphere"] for item in agenda} == {"work"}
    result = run_cli(laptop.path, "sync", "Team")
    assert result.stdout.strip() == ("Team: pulled 0 new, 0 updated, 0 removed; pushed 1 new, "
                                     "0 updated, 0 deleted")
    listing = run_cli(laptop.path, "sync", "list").stdout
    assert listing.startswith("Team ") and "two-way" in listing and "2 events" in listing
    for args, message in [
        (("sync", "Nope"), "No linked calendar named 'Nope'; linked calendars: Team."),
        (("add", "x", "--calendar", "Nope"), "No linked calendar named 'Nope'"),
        (("import", str(Path(__file__).parent / "fixtures"), "--calendar", "Team"),
         "'Team' is linked to a CalDAV server"),
        (("sync", "list", "--sphere", "work"), "--sphere is for `planner sync add NAME URL`."),
    ]:
        result = run_cli(laptop.path, *args)
        assert result.returncode in (1, 2), result
        assert message in result.stderr and result.stderr.count("\n") == 1
    result = run_cli(laptop.path, "sync", "remove", "Team")
    assert result.stdout.strip() == ("Unlinked Team: its local copies are gone, the server is "
                                     "untouched.")
    assert Third(url).titles() == ["Kick-off", "Retro"]


def test_a_split_flexible_block_goes_as_one_event_and_comes_back_in_chunks(
        radicale, homes) -> None:
    url = radicale.make_calendar()
    laptop, phone = homes
    laptop.link("Work", url)
    service = laptop.service
    task = service.add(links.in_calendar(service.session, service.make_flexible(
        "Write spec", timedelta(hours=2), sphere="work", day=DAY,
        min_chunk=timedelta(hours=1)), "Work"))
    start = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    chunks = ((start, start + timedelta(hours=1)),
              (start + timedelta(hours=3), start + timedelta(hours=4)))
    session = laptop.service.session
    with session.write():  # where the planner split it
        session.store.put(replace(session.store.get(task.id), planned=chunks))
    assert laptop.sync().pushed_new == 1
    event = Third(url).get(task.source.uid).icalendar_component
    assert event["DTSTART"].dt == start and event["DTEND"].dt == start + timedelta(hours=1)
    phone.link("Work", url)
    assert phone.find("Write spec").planned == chunks


def test_an_event_the_server_refuses_stays_queued_and_the_rest_goes(radicale, homes) -> None:
    url = radicale.make_calendar()
    laptop, _ = homes
    with KillingProxy(radicale.port) as proxy:
        laptop.link("Work", url.replace(f":{radicale.port}/", f":{proxy.port}/"))
        refused = laptop.add_fixed("Refused", 10)
        laptop.add_fixed("Accepted", 11)
        proxy.refuse = {refused.id}
        report = laptop.sync()
        assert report.pushed_new == 1 and not report.failed
        assert any("not sent 'Refused'" in n and "HTTP 400" in n for n in report.notes)
        assert Third(url).titles() == ["Accepted"]
        assert list(laptop.service.session.store.pending_changes("Work")) == [
            refused.source.uid]
        proxy.refuse = set()
        assert laptop.sync().pushed_new == 1
    assert Third(url).titles() == ["Accepted", "Refused"]


def test_devices_never_move_a_block_back_and_forth(radicale, homes) -> None:
    url = radicale.make_calendar()
    laptop, phone = homes
    laptop.link("Work", url)
    service = laptop.service
    task = service.add(links.in_calendar(service.session, service.make_flexible(
        "Deep work", timedelta(hours=1), sphere="work", day=DAY), "Work"))
    laptop.sync()
    # The phone has something of its own at that very time, which the laptop never sees.
    start = task.planned[0][0]
    phone_service = phone.service
    phone_service.add(phone_service.make_fixed("Dentist", start, start + timedelta(hours=1),
                                               sphere="personal"))
    phone.link("Work", url)
    assert phone.find("Deep work").planned == task.planned  # kept where it was placed
    for home in (phone, laptop, phone, laptop):
        report = home.sync()
        assert (report.pushed_updated, report.pulled_updated) == (0, 0), report.summary()


# --------------------------------------------------------------------------- series edits


def test_series_edits_push_as_override_exdate_and_split(server, homes) -> None:
    """Editing one occurrence writes a RECURRENCE-ID override, deleting one an EXDATE,
    "this and following" an UNTIL plus a new series; another app reads them so, and a
    second home pulls the same days (issue #17 point 1)."""
    from planner.app.series import OccurrenceEdit, Scope

    url = server.make_calendar()
    third = Third(url)
    third.add(vevent("series", "Stand-up", "20261123T093000", "20261123T094500",
                     "RRULE:FREQ=DAILY;COUNT=10\r\n"))
    laptop, phone = homes
    laptop.link("Work", url)
    service = laptop.service
    master = laptop.find("Stand-up")
    tue = service.occurrence_slot(master.id, date(2026, 11, 24))
    service.edit_occurrence(master.id, tue, Scope.THIS,
                            OccurrenceEdit(start=service.at(date(2026, 11, 24),
                                                            datetime.min.time().replace(hour=11))))
    service.remove_occurrence(master.id, service.occurrence_slot(master.id, date(2026, 11, 25)),
                              Scope.THIS)
    fri = service.occurrence_slot(master.id, date(2026, 11, 27))
    service.edit_occurrence(master.id, fri, Scope.FOLLOWING,
                            OccurrenceEdit(title="Stand-up (new time)",
                                           start=service.at(date(2026, 11, 27),
                                                            datetime.min.time().replace(hour=10))))
    report = laptop.sync()
    assert report.pushed_updated == 1 and report.pushed_new == 1, report.summary()

    component = third.get("series").icalendar_component  # the master
    assert "UNTIL=20261127T082959Z" in component["RRULE"].to_ical().decode()
    assert "COUNT" not in component["RRULE"].to_ical().decode()
    exdates = [d.dt for e in (component.get("EXDATE") if isinstance(component.get("EXDATE"),
                                                                   list)
                              else [component.get("EXDATE")]) for d in e.dts]
    assert [d.astimezone(UTC) for d in exdates] == [datetime(2026, 11, 25, 8, 30, tzinfo=UTC)]
    import icalendar

    resource = icalendar.Calendar.from_ical(third.get("series").data)
    overrides = [e for e in resource.walk("VEVENT") if e.get("RECURRENCE-ID") is not None]
    assert [(e["RECURRENCE-ID"].dt.astimezone(UTC), e["DTSTART"].dt.astimezone(UTC))
            for e in overrides] == [(datetime(2026, 11, 24, 8, 30, tzinfo=UTC),
                                     datetime(2026, 11, 24, 10, 0, tzinfo=UTC))]
    tail_uid = next(u for u in third.uids() if u.startswith("series_R"))
    tail = third.get(tail_uid).icalendar_component
    assert str(tail["SUMMARY"]) == "Stand-up (new time)"
    assert "COUNT=6" in tail["RRULE"].to_ical().decode()

    phone.link("Work", url)
    seen = PlannerService(phone.path, tz=ZONE, clock=pinned_clock)
    days = [(o.title, f"{seen.local(o.start):%m-%d %H:%M}")
            for o in seen.agenda(date(2026, 11, 23), 10)]
    assert days == [("Stand-up", "11-23 09:30"), ("Stand-up", "11-24 11:00"),
                    ("Stand-up", "11-26 09:30"), ("Stand-up (new time)", "11-27 10:00"),
                    ("Stand-up (new time)", "11-28 10:00"), ("Stand-up (new time)", "11-29 10:00"),
                    ("Stand-up (new time)", "11-30 10:00"), ("Stand-up (new time)", "12-01 10:00"),
                    ("Stand-up (new time)", "12-02 10:00")]
    # Pulling back what it pushed changes nothing on the laptop.
    again = laptop.sync()
    assert (again.pulled_new, again.pulled_updated, again.pushed_updated) == (0, 0, 0)


def test_a_sync_that_pulls_series_keeps_the_weeks_around_today(
        server, homes, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_week_cache import no_expanding, weeks_on_disk

    url = server.make_calendar()
    Third(url).add(vevent("daily", "Daily", "20261102T091500", "20261102T093000",
                          "RRULE:FREQ=DAILY\r\n"))
    laptop, _ = homes
    assert laptop.link("Work", url).pulled_new == 1
    assert weeks_on_disk(laptop.path), "the sync kept the weeks around today"
    today = PINNED_NOW.date()
    with monkeypatch.context() as patched:
        no_expanding(patched)  # the next session's first days read the kept weeks
        service = laptop.service
        for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
            assert [o.block.title for o in service.agenda(day)] == ["Daily"]


def test_a_flexible_block_with_no_time_yet_goes_as_a_task_and_its_placement_follows(
        server, homes) -> None:
    """A new flexible block that fits nowhere yet has no time to write an event at: it
    goes as a VTODO (a task in other apps) instead of waiting in the queue, a second home
    reads it as the same flexible block, and once placed the placement travels as a
    task's does (X-PLANNER-PLANNED), the task staying a task."""
    url = server.make_calendar()
    laptop, phone = homes
    laptop.link("Work", url)
    service = laptop.service
    earliest = service.at(DAY, datetime.min.time().replace(hour=9))
    task = service.add(links.in_calendar(service.session, service.make_flexible(
        "Write report", timedelta(hours=2), sphere="work", day=DAY, earliest=earliest,
        deadline=earliest + timedelta(hours=1), priority=2), "Work"))
    assert not task.planned  # two hours in a one-hour window: nowhere to go
    report = laptop.sync()
    assert (report.pushed_new, report.waiting) == (1, 0)
    assert laptop.service.session.store.pending_changes("Work") == {}
    on_server = Third(url).calendar.todo_by_uid(task.source.uid).icalendar_component
    assert on_server.name == "VTODO" and str(on_server["SUMMARY"]) == "Write report"
    assert on_server["DUE"].dt == (earliest + timedelta(hours=1)).astimezone(UTC)

    phone.link("Work", url)
    there = phone.find("Write report")
    assert there.kind is Kind.FLEXIBLE and not there.planned
    assert (there.duration, there.earliest, there.deadline, there.priority) == (
        task.duration, task.earliest, task.deadline, task.priority)

    placed = laptop.service.update(task.id, deadline=earliest + timedelta(hours=4))
    assert placed.planned
    assert laptop.sync().pushed_updated == 1
    after = Third(url).calendar.todo_by_uid(task.source.uid).icalendar_component
    assert after.name == "VTODO" and "X-PLANNER-PLANNED" in after
    phone.sync()
    assert phone.find("Write report").planned == placed.planned

    done = laptop.service.add(links.in_calendar(service.session, service.make_flexible(
        "Expenses", timedelta(hours=2), sphere="work", day=DAY, earliest=earliest,
        deadline=earliest + timedelta(hours=1)), "Work"))
    laptop.service.set_done(done.id)  # done before it ever had a time
    assert laptop.sync().pushed_new == 1
    finished = Third(url).calendar.todo_by_uid(done.source.uid).icalendar_component
    assert str(finished["STATUS"]) == "COMPLETED"
