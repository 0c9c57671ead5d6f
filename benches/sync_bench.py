#!/usr/bin/env python3
"""Benchmark two-way CalDAV sync against a real Radicale on 127.0.0.1.

    .venv/bin/python benches/sync_bench.py [--events 1000] [--runs 3]

Puts N events (singles, weekly series, all-day, a few zones) on a fresh Radicale, then
prints medians of:
  - Radicale's own cost to hand them over: one sync-collection REPORT listing every
    href and etag, and the calendar-multiget REPORTs that download them (plain HTTP,
    no parsing): the floor any client pays;
  - planner's first sync of the calendar (`sync add`: check, list, download, read, save);
  - an unchanged re-sync, with how many HTTP requests it made;
  - a re-sync after 10 events changed on the server;
  - a sync pushing 100 local edits, each patched into the server's own copy of the event
    (one multiget of the originals, then one PUT each), beside Radicale's own cost to take
    100 PUTs of those events straight from a client.
Targets (issue #15): first sync under 20 s beyond the server's own cost; an unchanged
re-sync under 2 s and one request.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import niquests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.app.service import PlannerService  # noqa: E402
from tests.radicale_server import PASSWORD, USER, RadicaleServer  # noqa: E402

NOW = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"]
EDITS = 100  # local edits pushed in the push measurement


def event_text(n: int) -> tuple[str, str]:
    uid = f"bench-{n:05d}@example.org"
    start = datetime(2026, 9, 1, 8, 0) + timedelta(days=n % 150, hours=n % 9)
    stamp = start.strftime("%Y%m%dT%H%M%S")
    end = (start + timedelta(minutes=30 + 15 * (n % 4))).strftime("%Y%m%dT%H%M%S")
    zone = ZONES[n % len(ZONES)]
    if n % 25 == 0:
        when = (f"DTSTART;VALUE=DATE:{start:%Y%m%d}\r\n"
                f"DTEND;VALUE=DATE:{start + timedelta(days=1):%Y%m%d}\r\n")
    elif zone == "UTC":
        when = f"DTSTART:{stamp}Z\r\nDTEND:{end}Z\r\n"
    else:
        when = f"DTSTART;TZID={zone}:{stamp}\r\nDTEND;TZID={zone}:{end}\r\n"
    rule = "RRULE:FREQ=WEEKLY;COUNT=20\r\n" if n % 10 == 0 else ""
    return uid, ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
                 f"UID:{uid}\r\nDTSTAMP:20260801T000000Z\r\n{when}{rule}"
                 f"SUMMARY:Meeting {n}\r\nDESCRIPTION:Agenda item {n}\\, notes\r\n"
                 f"LOCATION:Room {n % 12}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def fill(url: str, count: int) -> list[str]:
    session = niquests.Session()
    uids = []
    for n in range(count):
        uid, text = event_text(n)
        response = session.put(f"{url}{uid}.ics", data=text.encode(), auth=(USER, PASSWORD),
                               headers={"Content-Type": "text/calendar; charset=utf-8"})
        response.raise_for_status()
        uids.append(uid)
    return uids


def server_cost(url: str) -> float:
    """Seconds for Radicale to list every member and serve every body (no parsing)."""
    session = niquests.Session()
    auth = (USER, PASSWORD)
    started = time.perf_counter()
    listing = session.request(
        "REPORT", url, auth=auth, headers={"Depth": "1", "Content-Type": "text/xml"},
        data=b'<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:"><D:sync-token/>'
             b"<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop>"
             b"</D:sync-collection>")
    hrefs = [part.split("</", 1)[0] for part in listing.text.split("href>")[1::2]]
    hrefs = [h for h in hrefs if h.endswith(".ics")]
    for start in range(0, len(hrefs), 200):
        body = ('<?xml version="1.0"?><C:calendar-multiget xmlns:D="DAV:" '
                'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/>'
                "<C:calendar-data/></D:prop>"
                + "".join(f"<D:href>{h}</D:href>" for h in hrefs[start:start + 200])
                + "</C:calendar-multiget>")
        session.request("REPORT", url, auth=auth, data=body.encode(),
                        headers={"Content-Type": "text/xml"}).raise_for_status()
    return time.perf_counter() - started


def put_cost(url: str, count: int) -> float:
    """Seconds for Radicale to take ``count`` PUTs over existing events (no client work)."""
    session = niquests.Session()
    started = time.perf_counter()
    for n in range(count):
        uid, text = event_text(n)
        session.put(f"{url}{uid}.ics", data=text.encode(), auth=(USER, PASSWORD),
                    headers={"Content-Type": "text/calendar; charset=utf-8"}
                    ).raise_for_status()
    return time.perf_counter() - started


def service(home: Path) -> PlannerService:
    return PlannerService(home, tz="Europe/Berlin", clock=lambda: NOW)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sync-bench-"))
    server = RadicaleServer(work / "radicale")
    server.start()
    try:
        url = server.make_calendar("bench")
        fill(url, args.events)
        listing = [server_cost(url) for _ in range(args.runs)]
        first, quiet, quiet_requests, changed = [], [], [], []
        for run in range(args.runs):
            home = work / f"home-{run}"
            started = time.perf_counter()
            report = service(home).sync_link("Bench", url, sphere="work", username=USER,
                                             password_command=f"echo {PASSWORD}")
            first.append(time.perf_counter() - started)
            assert report.pulled_new == args.events, report.summary()
            for _ in range(3):
                started = time.perf_counter()
                again = service(home).sync(["Bench"])[0]
                quiet.append(time.perf_counter() - started)
                quiet_requests.append(again.requests)
                assert not again.failed and not again.changed, again.summary()
        session = niquests.Session()
        for n in range(10):
            uid, text = event_text(n)
            session.put(f"{url}{uid}.ics", data=text.replace("Meeting", "Moved").encode(),
                        auth=(USER, PASSWORD),
                        headers={"Content-Type": "text/calendar; charset=utf-8"})
        for run in range(args.runs):
            home = work / f"home-{run}"
            started = time.perf_counter()
            report = service(home).sync(["Bench"])[0]
            changed.append(time.perf_counter() - started)
            assert report.pulled_updated == 10, report.summary()
        puts = [put_cost(url, EDITS) for _ in range(args.runs)]
        pushed, push_requests = [], []
        for run in range(args.runs):
            home = work / f"push-{run}"
            service(home).sync_link("Bench", url, sphere="work", username=USER,
                                    password_command=f"echo {PASSWORD}")
            edits = service(home)
            chosen = sorted(edits.session.store.calendar_blocks("Bench"),
                            key=lambda b: b.source.uid if b.source else "")[:EDITS]
            for block in chosen:
                edits.update(block.id, title=f"{block.title} (edited {run})")
            started = time.perf_counter()
            report = service(home).sync(["Bench"])[0]
            pushed.append(time.perf_counter() - started)
            push_requests.append(report.requests)
            assert report.pushed_updated == EDITS and not report.notes, report.summary()
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    def med(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} s"

    floor = statistics.median(listing)
    print(f"## CalDAV sync, {args.events} events on Radicale (medians of {args.runs} runs)\n")
    print("| | time | note |")
    print("|---|---|---|")
    print(f"| Radicale's own listing + download of all events | {med(listing)} | "
          "the floor any client pays |")
    print(f"| planner first sync (`sync add`) | {med(first)} | "
          f"{statistics.median(first) - floor:.2f} s beyond the server's cost "
          "(target < 20 s) |")
    print(f"| planner unchanged re-sync | {med(quiet)} | "
          f"{int(statistics.median(quiet_requests))} request(s) (target < 2 s, one request) |")
    print(f"| planner re-sync, 10 changed on the server | {med(changed)} | |")
    print(f"| Radicale's own cost of {EDITS} PUTs | {med(puts)} | the floor for any push |")
    print(f"| planner sync pushing {EDITS} local edits | {med(pushed)} | "
          f"{statistics.median(pushed) - statistics.median(puts):.2f} s beyond the server's "
          f"cost; {int(statistics.median(push_requests))} requests (what changed, one "
          "multiget of the originals, a PUT each) |")


if __name__ == "__main__":
    main()
