"""The app's sync: a key and a palette entry run it as a worker with progress, the header
says how the last sync went, and `sync.on_start` syncs when the app opens."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import caldav
from textual.widgets import Static

from planner.app.service import PlannerService
from planner.ui.app import PlannerApp
from planner.ui.screens.day import DayScreen
from planner.ui.widgets.timeline import Timeline
from tests.appdriver import Said, app_test, press, quiet_app, running, settle, wait_until
from tests.radicale_server import PASSWORD, USER

NOW = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)  # Tuesday 08:30 in Berlin

EVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//third//EN\r\nBEGIN:VEVENT\r\n"
         "UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261124T{hour}0000Z\r\n"
         "DTEND:20261124T{hour}3000Z\r\nSUMMARY:{title}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def linked_home(home: Path, url: str) -> PlannerService:
    service = PlannerService(home, tz="Europe/Berlin", clock=lambda: NOW)
    service.sync_link("Team", url, sphere="work", username=USER,
                      password_command=f"echo {PASSWORD}")
    return service


def add_on_server(url: str, uid: str, title: str, hour: int) -> None:
    client = caldav.DAVClient(url, username=USER, password=PASSWORD, enable_rfc6764=False)
    caldav.Calendar(client=client, url=url).save_event(
        EVENT.format(uid=uid, title=title, hour=f"{hour:02d}"))


def header(app: PlannerApp) -> str:
    return str(app.screen.query_one("#day-header", Static).render())


def titles(app: PlannerApp) -> set[str]:
    return {i.title for i in app.screen.query_one(Timeline).data.items}


@app_test
async def test_sync_key_runs_a_job_and_the_header_shows_the_result(own_radicale, tmp_path
                                                                   ) -> None:
    radicale = own_radicale
    url = radicale.make_calendar()
    service = linked_home(tmp_path / "home", url)
    add_on_server(url, "retro", "Retro", 13)
    app = quiet_app(service)
    said = Said()
    async with running(app, (100, 30), said) as pilot:
        assert "⟳ synced 08:30" in header(app)
        assert "Retro" not in titles(app)
        await press(pilot, "S")
        assert isinstance(app.screen, DayScreen)
        assert "Retro" in titles(app)
        assert said.any("Team: pulled 1 new")
        assert "⟳ synced 08:30" in header(app)

        radicale.stop()
        try:
            await press(pilot, "S")
            assert "⟳ offline since 08:30: Team" in header(app)  # no answer: offline
            assert said.any("cannot reach the server")
            assert "Retro" in titles(app)  # local data untouched
        finally:
            radicale.start()


@app_test
async def test_palette_offers_sync_and_on_start_syncs_when_the_app_opens(radicale, tmp_path
                                                                         ) -> None:
    url = radicale.make_calendar()
    home = tmp_path / "home"
    service = linked_home(home, url)
    (home / "config.toml").write_text("[sync]\non_start = true\nevery = 30\n")
    add_on_server(url, "plan", "Planning", 14)
    service = PlannerService(home, tz="Europe/Berlin", clock=lambda: NOW)
    assert service.settings.sync_on_start

    app = quiet_app(service)
    async with running(app, (100, 30)) as pilot:
        assert "Planning" in titles(app)
        add_on_server(url, "later", "Later", 15)
        await press(pilot, "ctrl+p")
        await press(pilot, *"sync linked")
        await press(pilot, "enter")
        assert "Later" in titles(app)


@app_test
async def test_sync_without_links_says_how_to_link_one(tmp_path) -> None:
    service = PlannerService(tmp_path / "home", tz="Europe/Berlin", clock=lambda: NOW)
    app = quiet_app(service)
    said = Said()
    async with running(app, (100, 30), said) as pilot:
        await press(pilot, "S")
        assert said.any("planner sync add")
        assert "⟳" not in header(app)


@app_test
async def test_quick_add_into_a_linked_calendar_and_sync_it(radicale, tmp_path) -> None:
    """The app's add with a calendar chosen: "@Team" puts the new block in the linked
    calendar Team (any case; a sphere of that name would stay a sphere), S sends it."""
    url = radicale.make_calendar()
    service = linked_home(tmp_path / "home", url)
    app = quiet_app(service)
    said = Said()
    async with running(app, (100, 30), said) as pilot:
        await press(pilot, "a", *"Retro prep 14:00 30m fixed @team")
        preview = app.screen.query_one("#quick-preview", Static)
        await wait_until(pilot, lambda: "· into Team" in str(preview.render()),
                         "the preview naming the calendar")
        assert '"Retro prep"' in str(preview.render())
        await press(pilot, "enter")
        await pilot.pause()
        assert said.any("Added 'Retro prep' to Team")
        block = next(b for b in service.session.store.calendar_blocks("Team"))
        assert (block.title, block.sphere) == ("Retro prep", "work")
        assert service.session.store.pending_changes("Team")
        await press(pilot, "S")
        assert said.any("Team: pulled 0 new, 0 updated, 0 removed; pushed 1 new")
    client = caldav.DAVClient(url, username=USER, password=PASSWORD, enable_rfc6764=False)
    events = caldav.Calendar(client=client, url=url).events()
    assert [str(e.icalendar_component["SUMMARY"]) for e in events] == ["Retro prep"]


@app_test
async def test_sync_every_keeps_syncing_while_the_app_is_open(radicale, tmp_path) -> None:
    """`sync.every`: the app syncs by itself again and again; what another device adds
    shows up without a key. (Minutes in config; a short period set here so the test
    waits for the condition, not for a minute. Syncs may then follow each other with no
    pause, so the app is not settled until the timer is stopped.)"""
    from dataclasses import replace
    from datetime import timedelta

    from textual.css.query import NoMatches

    url = radicale.make_calendar()
    service = linked_home(tmp_path / "home", url)
    session = service.session
    session.settings = replace(session.settings, sync_every=timedelta(seconds=0.2))
    app = quiet_app(service)

    def shown() -> set[str]:
        try:
            return titles(app)
        except NoMatches:  # the day view is not up yet
            return set()

    async with app.run_test(size=(100, 30)) as pilot:
        add_on_server(url, "first", "First from the phone", 13)
        await wait_until(pilot, lambda: "First from the phone" in shown(),
                         "the first background sync", timeout=120)
        add_on_server(url, "second", "Second from the phone", 14)
        await wait_until(pilot, lambda: "Second from the phone" in shown(),
                         "a later background sync", timeout=120)
        screen = app.screen
        assert isinstance(screen, DayScreen) and screen.sync_timer is not None
        screen.sync_timer.stop()
        await settle(pilot)


@app_test
async def test_a_server_come_back_empty_never_wipes_the_day_and_is_told_once(
        radicale, tmp_path) -> None:
    """Background sync (`sync.every`) meets a server whose calendar was emptied: the day
    keeps its events, and the notice (naming the calendar, the count and the way to
    accept it) shows once however many syncs follow; S asks again and is told again."""
    from dataclasses import replace
    from datetime import timedelta

    from textual.css.query import NoMatches

    url = radicale.make_calendar()
    for n in range(12):
        add_on_server(url, f"m{n}", f"Meeting {n:02d}", 8 + n % 9)
    service = linked_home(tmp_path / "home", url)
    client = caldav.DAVClient(url, username=USER, password=PASSWORD, enable_rfc6764=False)
    for event in caldav.Calendar(client=client, url=url).events():
        event.delete()
    syncs = []
    sync = service.sync

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        syncs.append(1)
        return sync(*args, **kwargs)

    service.sync = counted  # type: ignore[method-assign]
    service.session.settings = replace(service.session.settings,
                                       sync_every=timedelta(seconds=0.2))
    app = quiet_app(service)
    said = Said()

    def shown() -> set[str]:
        try:
            return titles(app)
        except NoMatches:  # the day view is not up yet
            return set()

    async with app.run_test(size=(100, 30), message_hook=said) as pilot:
        await wait_until(pilot, lambda: len(syncs) >= 4, "four background syncs",
                         timeout=120)
        screen = app.screen
        assert isinstance(screen, DayScreen) and screen.sync_timer is not None
        screen.sync_timer.stop()
        await settle(pilot)
        assert len([t for t in shown() if t.startswith("Meeting")]) == 12
        held = [m for m in said.messages if "holds no events" in m]
        assert held == ["Team: the server now holds no events where 'Team' has 12; the "
                        "calendar was kept as it is and nothing was sent. If those 12 events "
                        "really went away, run `planner sync Team --allow-empty`."]
        await press(pilot, "S")
        assert len([m for m in said.messages if "holds no events" in m]) == 2
    assert len(service.session.store.calendar_blocks("Team")) == 12


@app_test
async def test_background_sync_failures_are_told_once_shown_in_the_header_and_recovery_said(
        own_radicale, tmp_path) -> None:
    """`sync.every` on a train: the server is away for many intervals. The failure is
    told once (not at every interval), the header keeps saying since when the calendar
    is offline, S still reports it, and when the server is back the app says once that
    the calendar synced again. (Each sync moves the clock on five minutes.)"""
    from dataclasses import replace
    from datetime import timedelta

    radicale = own_radicale
    url = radicale.make_calendar()
    clock = [NOW]
    service = PlannerService(tmp_path / "home", tz="Europe/Berlin", clock=lambda: clock[0])
    service.sync_link("Team", url, sphere="work", username=USER,
                      password_command=f"echo {PASSWORD}")
    finished: list[bool] = []  # per sync: did it fail?
    sync = service.sync

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        clock[0] += timedelta(minutes=5)
        reports = sync(*args, **kwargs)
        finished.append(any(r.failed for r in reports))
        return reports

    service.sync = timed  # type: ignore[method-assign]
    service.session.settings = replace(service.session.settings,
                                       sync_every=timedelta(seconds=0.2))
    app = quiet_app(service)
    said = Said()

    def offline_told() -> int:
        return len([m for m in said.messages if "cannot reach the server" in m])

    def shown_header() -> str:
        try:
            return header(app)
        except Exception:  # the day view is not up yet
            return ""

    async with app.run_test(size=(110, 30), message_hook=said) as pilot:
        await wait_until(pilot, lambda: len(finished) >= 1, "a first background sync",
                         timeout=120)
        assert finished == [False]
        radicale.stop()
        try:
            await wait_until(pilot, lambda: finished.count(True) >= 5,
                             "five failed background syncs", timeout=120)
            first_failure = finished.index(True) + 1  # its clock: NOW + 5 min each
            since = (NOW + timedelta(minutes=5 * first_failure)).astimezone(service.zone)
            await wait_until(pilot, lambda: f"⟳ offline since {since:%H:%M}: Team"
                             in shown_header(), "the header saying since when", timeout=60)
            assert offline_told() == 1, said.messages
            screen = app.screen
            assert isinstance(screen, DayScreen) and screen.sync_timer is not None
            screen.sync_timer.pause()
            await settle(pilot)
            assert offline_told() == 1, said.messages
            await press(pilot, "S")  # asked for: always told
            assert offline_told() == 2
            assert f"⟳ offline since {since:%H:%M}: Team" in header(app)
        finally:
            radicale.start()
        assert screen.sync_timer is not None
        screen.sync_timer.resume()
        await wait_until(pilot, lambda: said.any("Team: synced again"), "the recovery told",
                         timeout=120)
        failures = finished.count(True)
        await wait_until(pilot, lambda: finished[failures:].count(False) >= 3,
                         "three good background syncs", timeout=120)
        screen.sync_timer.stop()
        await settle(pilot)
        assert len([m for m in said.messages if "synced again" in m]) == 1, said.messages
        assert offline_told() == 2
        assert "⟳ synced" in header(app) and "offline" not in header(app)
