"""Importing a calendar that is here already does not make a second copy of it.

A user ran `planner demo` (which imports examples/personal.ics as 'home'), then the
README's `planner import examples/personal.ics`: a second calendar 'personal' held the
same eight events and the day said "Double-booked with 'Daycare pickup' and 'Daycare
pickup'". Now a file whose events (all or nearly all, by UID) are in one calendar
refreshes that calendar and says so; `--calendar NAME` keeps a copy on purpose; a
subscribed or much larger calendar is not changed from the file but named in one
sentence. Berlin, Mon 23 Nov 2026 08:30 (the example week).
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Input

from planner.app.service import PlannerError, PlannerService
from planner.core.same_calendar import Overlap, calendar_holding
from tests.appdriver import Said, app_test, press, quiet_app, running, settle
from tests.conftest import ROOT, ZONE, pinned_clock

PERSONAL = ROOT / "examples" / "personal.ics"
MONDAY = date(2026, 11, 23)

EVENT = ("BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n"
         "DTSTART;TZID=Europe/Berlin:20261123T{hour:02d}0000\r\n"
         "DTEND;TZID=Europe/Berlin:20261123T{hour:02d}3000\r\nSUMMARY:{title}\r\n"
         "END:VEVENT\r\n")


def calendar_file(path: Path, events: dict[str, str]) -> str:
    """A file of half-hour events at 08:00, 09:00, … (UID -> title)."""
    body = "".join(EVENT.format(uid=uid, hour=8 + n, title=title)
                   for n, (uid, title) in enumerate(events.items()))
    path.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n" + body
                    + "END:VCALENDAR\r\n", encoding="utf-8")
    return str(path)


TEAM = {f"team-{n}": f"Meeting {n}" for n in range(10)}


@pytest.fixture
def service(home: Path) -> PlannerService:
    return PlannerService(home, tz=ZONE, clock=pinned_clock)


def calendars_of(service: PlannerService) -> dict[str, int]:
    store = service.session.store
    return {name: store.calendar_size(name) for name in store.calendar_names()}


# -- the rule, pure ------------------------------------------------------------------


def test_a_file_is_the_calendar_holding_nearly_all_its_uids() -> None:
    file = {f"u{n}" for n in range(10)}
    match = calendar_holding(file, {"other": {"x", "u1"}, "home": file - {"u9"} | {"old"}})
    assert match is not None and (match.calendar, match.kind) == ("home", Overlap.SAME)
    assert (match.shared, match.in_file, match.in_calendar) == (9, 10, 10)
    # Fewer than 8 of 10 shared: another calendar that happens to share some events.
    assert calendar_holding(file, {"team": {f"u{n}" for n in range(7)}}) is None
    # All of the file's, but the calendar holds many more: only a part of it.
    big = calendar_holding(file, {"all": file | {f"v{n}" for n in range(10)}})
    assert big is not None and big.kind is Overlap.PART
    # Of two that hold it, the one sharing the most; then the name, never dict order.
    assert calendar_holding({"a", "b"}, {"z": {"a", "b"}, "y": {"a", "b"}, "x": {"a"}}
                            ) == calendar_holding({"a", "b"}, {"x": {"a"}, "y": {"a", "b"},
                                                               "z": {"a", "b"}})
    assert calendar_holding({"a", "b"}, {"z": {"a", "b"}, "y": {"a", "b"}}
                            ).calendar == "y"  # type: ignore[union-attr]
    assert calendar_holding(set(), {"home": {"a"}}) is None


# -- the use case --------------------------------------------------------------------


def test_the_readme_import_after_the_demo_refreshes_home(service: PlannerService) -> None:
    service.load_demo()
    report = service.import_calendar(str(PERSONAL))
    assert report.calendar == "home"
    assert (report.new, report.updated, report.removed, report.unchanged) == (0, 0, 0, 8)
    assert report.copy_of == (f"{PERSONAL} is already imported as 'home' (all 8 of its "
                              "events, by UID), so 'home' was refreshed instead of adding "
                              "a second copy.")
    assert calendars_of(service) == {"Northwind (New York)": 15, "home": 8}
    # The day holds each routine event once: nothing double-booked with itself.
    pickups = [o for o in service.agenda(MONDAY) if o.title == "Daycare pickup"]
    assert len(pickups) == 1
    assert not any(o.title == "Daycare pickup" for o in service.agenda(MONDAY)
                   if service.double_bookings_of(o.block))
    # 'home' now follows the file it was refreshed from, keeping its sphere.
    meta = service.session.store.calendar_meta("home")
    assert meta["path"] == str(PERSONAL.resolve()) and meta["sphere"] == "personal"
    again = service.import_calendar(str(PERSONAL))  # the same path: quietly its calendar
    assert again.calendar == "home" and again.copy_of == ""


def test_calendar_name_keeps_a_second_copy_on_purpose(service: PlannerService) -> None:
    service.load_demo()
    report = service.import_calendar(str(PERSONAL), calendar="personal copy")
    assert (report.calendar, report.new, report.copy_of) == ("personal copy", 8, "")
    assert calendars_of(service)["personal copy"] == 8


def test_an_updated_export_elsewhere_refreshes_its_calendar_as_one_undo_step(
        service: PlannerService, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    first = service.import_calendar(calendar_file(tmp_path / "a" / "team.ics", TEAM))
    assert (first.calendar, first.new) == ("team", 10)
    newer = {**{k: v for k, v in TEAM.items() if k != "team-9"}, "team-0": "Kick-off",
             "team-10": "Retro"}
    report = service.import_calendar(calendar_file(tmp_path / "Downloads.ics", newer))
    assert report.calendar == "team" and "9 of its 10 events" in report.copy_of
    assert (report.new, report.updated, report.removed) == (1, 1, 1)
    assert list(calendars_of(service)) == ["team"]
    titles = {o.title for o in service.agenda(MONDAY)}
    assert {"Kick-off", "Retro"} <= titles and "Meeting 9" not in titles
    assert service.undo() == "Undid import team."
    titles = {o.title for o in service.agenda(MONDAY)}
    assert {"Meeting 0", "Meeting 9"} <= titles and "Retro" not in titles


def test_a_file_of_part_of_a_larger_calendar_changes_nothing(service: PlannerService,
                                                             tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    service.import_calendar(calendar_file(tmp_path / "a" / "team.ics", TEAM))
    part = {k: TEAM[k] for k in ("team-1", "team-2")}
    with pytest.raises(PlannerError) as refused:
        service.import_calendar(calendar_file(tmp_path / "two.ics", part))
    said = str(refused.value)
    assert said.startswith(f"All 2 events of {tmp_path / 'two.ics'} are already in 'team', "
                           "which holds 10 events; nothing imported.")
    assert "--calendar team --replace" in said and "--calendar NAME" in said
    assert calendars_of(service) == {"team": 10}


class _Feed(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def feed(tmp_path: Path) -> Iterator[str]:
    body = Path(calendar_file(tmp_path / "feed.ics", TEAM)).read_bytes()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            type("Feed", (_Feed,), {"body": body}))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/team/rota.ics"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_subscription_is_not_turned_into_a_file(service: PlannerService, feed: str,
                                                  tmp_path: Path) -> None:
    assert service.import_calendar(feed).calendar == "rota"
    with pytest.raises(PlannerError, match=r"All 10 events of .*saved\.ics are already in "
                       r"'rota', subscribed from http://127\.0\.0\.1:\d+/…/rota\.ics "
                       r"\(`planner refresh` updates it\); nothing imported; to keep a "
                       r"second copy anyway, give it a calendar name of its own "
                       r"\(--calendar NAME\)\."):
        service.import_calendar(calendar_file(tmp_path / "saved.ics", TEAM))
    assert calendars_of(service) == {"rota": 10}
    assert service.session.store.calendar_meta("rota")["url"] == feed


# -- the command line and the app -----------------------------------------------------


def test_cli_says_which_calendar_it_refreshed(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo")  # loads the week, then wants a terminal for the day view
    result = cli("import", str(PERSONAL), check=True)
    assert result.stdout.splitlines()[0] == ("home: 0 new, 0 updated (0 moved), 0 removed, "
                                             "8 unchanged, 0 skipped")
    said = " ".join(result.stdout.split())
    assert f"{PERSONAL} is already imported as 'home' (all 8 of its events, by UID), so " \
           "'home' was refreshed instead of adding a second copy. To keep a second copy, " \
           "import it with --calendar NAME." in said
    listed = cli("calendars", check=True).stdout
    names = [line.split("  ")[0] for line in listed.splitlines() if not line.startswith(" ")]
    assert names == ["Northwind (New York)", "home"]
    agenda = cli("agenda", "2026-11-23", check=True).stdout
    assert agenda.count("Daycare pickup") == 1 and "!" not in agenda.split("■ fixed")[0]


@app_test
async def test_import_dialog_refreshes_the_calendar_and_says_so(tmp_path: Path) -> None:
    service = PlannerService(tmp_path / "home", tz=ZONE, clock=pinned_clock)
    service.load_demo()
    app = quiet_app(service)
    said = Said()
    async with running(app, (100, 30), said) as pilot:
        await press(pilot, "i")
        app.screen.query_one("#location", Input).value = str(PERSONAL)
        await press(pilot, "enter")
        await settle(pilot)
        assert said.any("already imported as 'home'") and said.any(
            "To keep a second copy, import it again and give it a calendar name.")
        assert "personal" not in service.session.store.calendar_names()
        # Given a name, the dialog keeps the copy the person asked for.
        await press(pilot, "i")
        app.screen.query_one("#location", Input).value = str(PERSONAL)
        app.screen.query_one("#calendar", Input).value = "Second"
        await press(pilot, "enter")
        await settle(pilot)
        assert said.any("Second: 8 new")
        assert service.session.store.calendar_names() == ["Northwind (New York)", "Second",
                                                         "home"]
