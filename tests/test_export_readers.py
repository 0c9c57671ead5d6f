"""Exports checked by the readers a colleague would use (issue: exports you can hand out).

One blended fortnight (an Outlook work calendar imported twice under two names, a Google
family calendar, child spheres, CLASS:PRIVATE events, London and Dublin series, a New
York series over the US change, an event across the UK's DST night, control characters
and tags) is exported in every variant. Each variant must be accepted by the strict
``ical`` library, ``ics`` 0.7, vobject and icalendar + recurring-ical-events, which
must expand exactly the instants ``planner agenda --json`` prints for the fortnight
(``ics`` 0.7 does not expand rules: it must read every event's own DTSTART/DTEND as
icalendar does). The busy variants must not hold a private title, note, location, UID
or sphere name anywhere in their bytes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import planner_command

FIXTURES = Path(__file__).parent / "fixtures" / "export"
VIEW = "Europe/London"
LONDON = ZoneInfo(VIEW)
FIRST, LAST = date(2026, 10, 19), date(2026, 11, 1)  # UK and EU change on 25 Oct, US 1 Nov
NOW = "2026-10-18T08:00:00+00:00"
WINDOW = (datetime(2026, 10, 19, tzinfo=LONDON), datetime(2026, 11, 2, tzinfo=LONDON))
RANGE = ["--from", FIRST.isoformat(), "--to", LAST.isoformat()]

CONFIG = """
[spheres.family]
colour = "#c060a0"
parent = "personal"

[spheres.health]
colour = "#40a060"
parent = "personal"

[spheres.clients]
colour = "#4070c0"
parent = "work"
"""

# Words of each kind of private block that must never leave in a busy form.
FAMILY_WORDS = ["School run", "Aoife", "St Brigid", "Grandma", "Spare room", "Swim lessons",
                "Markievicz", "Orthodontist", "Braces", "Birthday present", "bike for Cian",
                "5kq3school", "7grandma", "9swim", "3dentist", "family"]
HEALTH_WORDS = ["Piano lesson", "Byrne", "Run by the canal", "knee", "Grand Canal", "Physio",
                "Dr Nolan", "health"]
PERSONAL_WORDS = ["Bins out"]
PRIVATE_WORK_WORDS = ["recruiter", "leaving", "Cafe Sabotage", "recruiter-lunch-7731"]

Instant = tuple[object, object]  # (start, end): UTC datetimes, or dates for all-day


@dataclass(frozen=True)
class Variant:
    args: tuple[str, ...]
    hidden: tuple[str, ...] = ()  # words that must not appear
    shown: tuple[str, ...] = ("Team stand-up",)  # words that must still be readable


VARIANTS = {
    "full": Variant((), shown=("Team stand-up", "School run", "CLASS:PRIVATE", "recruiter")),
    "range": Variant(tuple(RANGE), shown=("Piano lesson", "Lunch with recruiter")),
    "whole-series": Variant((*RANGE, "--whole-series")),
    "private-as-busy": Variant(
        (*RANGE, "--private-as-busy"),
        hidden=(*FAMILY_WORDS, *HEALTH_WORDS, *PERSONAL_WORDS, *PRIVATE_WORK_WORDS)),
    "busy-only-personal": Variant(
        (*RANGE, "--busy-only", "personal"),
        hidden=(*FAMILY_WORDS, *HEALTH_WORDS, *PERSONAL_WORDS),
        shown=("Team stand-up", "Lunch with recruiter")),
    "busy-only-family": Variant(
        ("--busy-only", "family"), hidden=tuple(FAMILY_WORDS),
        shown=("Team stand-up", "Piano lesson", "Bins out")),
}


@dataclass
class Home:
    path: Path
    run: Callable[..., str]
    agenda: list[dict[str, object]]
    exports: dict[str, bytes]
    own_series: str  # the id of an own series whose only instance in range is moved


def _runner(home: Path) -> Callable[..., str]:
    env = {**os.environ, "PLANNER_HOME": str(home), "PLANNER_NOW": NOW, "TZ": "UTC"}

    def run(*args: str, tz: str = VIEW) -> str:
        result = subprocess.run([*planner_command(), "--tz", tz, *args], env=env,
                                capture_output=True, timeout=60)
        assert result.returncode == 0, result.stderr.decode()
        return result.stdout.decode("utf-8")

    return run


@pytest.fixture(scope="module")
def blended(tmp_path_factory: pytest.TempPathFactory) -> Home:
    path = tmp_path_factory.mktemp("blended")
    (path / "config.toml").write_text(CONFIG)
    run = _runner(path)
    outlook, google = FIXTURES / "outlook_team.ics", FIXTURES / "google_family.ics"
    run("import", str(outlook), "--calendar", "Work", "--sphere", "work")
    run("import", str(outlook), "--calendar", "Work-copy", "--sphere", "work")  # same UIDs
    run("import", str(google), "--calendar", "Family", "--sphere", "family")
    run("add", "Piano lesson", "--at", "2026-10-20 17:00", "--for", "45m", "--repeat",
        "FREQ=WEEKLY", "--sphere", "health", "--location", "Mrs Byrne's")
    run("add", "Run by the canal", "--at", "2026-10-19 07:00", "--for", "40m", "--repeat",
        "FREQ=DAILY;COUNT=10", "--sphere", "health", "--notes", "knee\x0bcheck\x07 ok",
        "--location", "Grand Canal", tz="Europe/Dublin")
    # An own monthly series with no occurrence in the fortnight, one instance moved into
    # it: a range export must still write the master, and both under one UID.
    physio = run("add", "Physio", "--at", "2026-09-05 18:00", "--for", "30m", "--repeat",
                 "monthly", "--sphere", "health", "--location", "Dr Nolan's")
    physio_id = re.search(r"\((\w+)\)\s*$", physio)
    assert physio_id is not None, physio
    run("edit", physio_id[1], "--occurrence", "2026-10-05", "--at", "2026-10-22 18:30")
    run("add", "Bins out", "--at", "2026-10-21", "--all-day", "--repeat", "FREQ=WEEKLY")
    run("add", "Client call", "--at", "2026-10-30 09:00", "--for", "30m", "--repeat",
        "FREQ=DAILY;COUNT=4", "--sphere", "clients", tz="America/New_York")
    run("add", "Write proposal", "--for", "2h", "--on", "2026-10-20", "--sphere", "clients",
        "--notes", "pricing\x0cdraft")
    run("add", "Birthday present", "--for", "45m", "--on", "2026-10-21", "--sphere", "family",
        "--notes", "a bike for Cian")
    agenda = json.loads(run("agenda", FIRST.isoformat(), "--days", "14", "--json"))
    exports = {name: run("export", "-", *variant.args).encode("utf-8")
               for name, variant in VARIANTS.items()}
    return Home(path, run, agenda, exports, physio_id[1])


def _instant(text: str) -> object:
    if len(text) == 10:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text).astimezone(UTC)


def _expected(home: Home) -> Counter[Instant]:
    return Counter((_instant(str(o["start"])), _instant(str(o["end"]))) for o in home.agenda)


def _keep(start: object, end: object) -> Instant | None:
    """(start, end) normalised, if it overlaps the fortnight as the agenda counts it."""
    if isinstance(start, datetime):
        assert isinstance(end, datetime)
        if start.tzinfo is None:  # floating: the viewer's wall time
            start, end = start.replace(tzinfo=LONDON), end.replace(tzinfo=LONDON)
        if start < WINDOW[1] and end > WINDOW[0]:
            return (start.astimezone(UTC), end.astimezone(UTC))
        return None
    assert isinstance(start, date) and isinstance(end, date)
    return (start, end) if start <= LAST and end > FIRST else None


# --- the readers -----------------------------------------------------------------------


def read_with_recurring_ical_events(data: bytes) -> Counter[Instant]:
    import icalendar
    import recurring_ical_events

    calendar = icalendar.Calendar.from_ical(data)
    errors = [(c.name, c.errors) for c in calendar.walk() if c.errors]
    assert not errors, errors
    found: Counter[Instant] = Counter()
    margin = timedelta(days=2)
    for event in recurring_ical_events.of(calendar).between(WINDOW[0] - margin,
                                                            WINDOW[1] + margin):
        kept = _keep(event["DTSTART"].dt, event["DTEND"].dt)
        if kept:
            found[kept] += 1
    return found


def read_with_vobject(data: bytes) -> Counter[Instant]:
    """vobject expands rules but leaves overrides to the caller, as RFC 5545 says."""
    import vobject

    getattr(vobject.icalendar, "__tzidMap").clear()  # its zone cache outlives a calendar
    calendar = vobject.readOne(data.decode("utf-8"))
    events = calendar.contents.get("vevent", [])
    moved: dict[str, set[object]] = {}
    for event in events:
        if "recurrence-id" in event.contents:
            moved.setdefault(event.uid.value, set()).add(_same(event.recurrence_id.value))
    found: Counter[Instant] = Counter()
    for event in events:
        start, end = event.dtstart.value, event.dtend.value
        if "recurrence-id" in event.contents or "rrule" not in event.contents:
            starts = [start]
        else:
            rules = event.getrruleset(addRDate=True)
            starts = [s for s in rules.between(_like(start, WINDOW[0] - timedelta(days=2)),
                                               _like(start, WINDOW[1]), inc=True)
                      if _same(s) not in moved.get(event.uid.value, set())]
        for each in starts:
            if isinstance(start, datetime):
                length = end.astimezone(UTC) - start.astimezone(UTC)  # exact (RFC 5545)
                kept = _keep(each, each + length) if each.tzinfo is None else _keep(
                    each.astimezone(UTC), each.astimezone(UTC) + length)
            else:
                day = each.date() if isinstance(each, datetime) else each
                kept = _keep(day, day + (end - start))
            if kept:
                found[kept] += 1
    return found


def _like(template: object, moment: datetime) -> datetime:
    """A bound for dateutil's between(): naive for floating and all-day rules."""
    if isinstance(template, datetime) and template.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=None)


def _same(moment: object) -> object:
    if isinstance(moment, datetime):
        return moment.astimezone(UTC) if moment.tzinfo else moment
    return datetime(moment.year, moment.month, moment.day)  # type: ignore[attr-defined]


def read_with_ical(data: bytes) -> Counter[Instant]:
    from ical.calendar_stream import IcsCalendarStream

    calendar = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    found: Counter[Instant] = Counter()
    for event in calendar.timeline_tz(LONDON).overlapping(*WINDOW):
        kept = _keep(event.start, event.end)
        if kept:
            found[kept] += 1
    return found


def read_with_ics(data: bytes) -> Counter[Instant]:
    """ics 0.7 does not expand rules: each event's own times must match icalendar's."""
    import icalendar
    import ics

    calendar = ics.Calendar(data.decode("utf-8"))
    theirs = Counter((e.uid, e.begin.datetime.astimezone(UTC), e.end.datetime.astimezone(UTC))
                     for e in calendar.events if not e.all_day)
    ours = Counter((str(e["UID"]), e["DTSTART"].dt.astimezone(UTC),
                    e["DTEND"].dt.astimezone(UTC))
                   for e in icalendar.Calendar.from_ical(data).walk("VEVENT")
                   if isinstance(e["DTSTART"].dt, datetime))
    assert theirs == ours
    assert len(calendar.events) == data.count(b"BEGIN:VEVENT")
    return Counter()


READERS: dict[str, Callable[[bytes], Counter[Instant]]] = {
    "recurring-ical-events": read_with_recurring_ical_events,
    "vobject": read_with_vobject,
    "ical": read_with_ical,
}


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_every_reader_expands_the_agenda_instants(blended: Home, variant: str, reader: str
                                                  ) -> None:
    got = READERS[reader](blended.exports[variant])
    expected = _expected(blended)
    assert sum(expected.values()) > 40  # the fortnight really is full
    assert got - expected == Counter(), "read but not in the agenda"
    assert expected - got == Counter(), "in the agenda but not read"


@pytest.mark.parametrize("variant", VARIANTS)
def test_ics_07_accepts_every_variant(blended: Home, variant: str) -> None:
    read_with_ics(blended.exports[variant])


# --- what the bytes hold --------------------------------------------------------------


def _unfolded(data: bytes) -> str:
    return data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")


def _events(data: bytes) -> Iterator[str]:
    yield from re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT", _unfolded(data), re.DOTALL)


@pytest.mark.parametrize("variant", VARIANTS)
def test_busy_variants_hold_no_private_word_and_keep_the_rest(blended: Home, variant: str
                                                              ) -> None:
    text = _unfolded(blended.exports[variant]).lower()
    raw = blended.exports[variant].lower()
    spec = VARIANTS[variant]
    leaked = [w for w in spec.hidden if w.lower() in text or w.lower().encode() in raw]
    assert not leaked, leaked
    missing = [w for w in spec.shown if w.lower() not in text]
    assert not missing, missing
    busy_ids = [str(o["id"]) for o in blended.agenda if any(
        w.lower() in str(o["title"]).lower() for w in spec.hidden)]
    assert not [i for i in busy_ids if i.lower() in text]  # not even planner's own ids


@pytest.mark.parametrize("variant", VARIANTS)
def test_text_is_clean_with_one_categories_and_unique_instances(blended: Home, variant: str
                                                                ) -> None:
    data = blended.exports[variant]
    assert not re.search(rb"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]", data)
    assert not re.search(rb"[^\r]\n|\r[^\n]", data)  # only CRLF line ends
    identities = []
    for event in _events(data):
        assert len(re.findall(r"^CATEGORIES[;:]", event, re.M)) <= 1, event
        uid = re.search(r"^UID:(.*)$", event, re.M)
        rid = re.search(r"^RECURRENCE-ID[;:](.*)$", event, re.M)
        assert uid is not None
        identities.append((uid[1].strip(), rid[1].strip() if rid else None))
    assert len(identities) == len(set(identities)) > 0
    if variant == "full":  # control characters became line breaks and spaces
        assert "Agenda\\, pasted from Word:\\none\\ntwo three" in _unfolded(data)
        assert "knee\\ncheck  ok" in _unfolded(data)


def test_a_range_bounds_open_series_unless_whole_series_is_asked(blended: Home) -> None:
    def rules(variant: str) -> dict[str, str]:
        found = {}
        for event in _events(blended.exports[variant]):
            summary = re.search(r"^SUMMARY:(.*)$", event, re.M)
            rule = re.search(r"^RRULE:(.*)$", event, re.M)
            if summary and rule:
                found[summary[1].strip()] = rule[1].strip()
        return found

    bounded, whole = rules("range"), rules("whole-series")
    assert bounded["Piano lesson"] == "FREQ=WEEKLY;UNTIL=20261101T235959Z"
    assert whole["Piano lesson"] == "FREQ=WEEKLY"
    assert "UNTIL" not in whole["Team stand-up"]
    assert "COUNT=10" in bounded["Run by the canal"]  # finite already: kept whole
    assert bounded["Bins out"] == "FREQ=WEEKLY;UNTIL=20261101"  # all-day: a date
    # A series with no regular occurrence in the range, but an override moved into it,
    # is written with its master (both calendars' copies).
    steering = [e for e in _events(blended.exports["range"]) if "Steering committee" in e]
    assert len(steering) == 4
    assert sum("RECURRENCE-ID" in e for e in steering) == 2


@pytest.mark.parametrize("variant", VARIANTS)
def test_an_own_series_moved_into_the_range_keeps_one_uid_with_its_master(
        blended: Home, variant: str) -> None:
    """The moved instance goes out under its master's UID, in the planner's domain, or
    under the keyed hash of that UID when Busy: never under a bare block id."""
    assert [o["start"] for o in blended.agenda if o["title"] == "Physio"] == [
        "2026-10-22T18:30:00+01:00"]
    moved = [e for e in _events(blended.exports[variant])
             if "DTSTART;TZID=Europe/London:20261022T183000" in e]
    masters = [e for e in _events(blended.exports[variant])
               if "DTSTART;TZID=Europe/London:20260905T180000" in e]
    assert len(moved) == len(masters) == 1
    assert "RECURRENCE-ID;TZID=Europe/London:20261005T180000" in moved[0]
    assert "RRULE:FREQ=MONTHLY" in masters[0]
    uids = {re.search(r"^UID:(.*)$", e, re.M)[1].strip()  # type: ignore[index]
            for e in (*moved, *masters)}
    assert len(uids) == 1
    (uid,) = uids
    if VARIANTS[variant].hidden and "Physio" in VARIANTS[variant].hidden:
        assert re.fullmatch(r"[0-9a-f]{32}@planner", uid), uid
    else:
        assert uid == f"{blended.own_series}@planner"


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_override_goes_out_with_its_master(blended: Home, variant: str) -> None:
    masters, overrides = set(), set()
    for event in _events(blended.exports[variant]):
        uid = re.search(r"^UID:(.*)$", event, re.M)
        assert uid is not None
        is_override = re.search(r"^RECURRENCE-ID[;:]", event, re.M) is not None
        (overrides if is_override else masters).add(uid[1].strip())
    assert overrides and overrides <= masters, overrides - masters


def test_a_full_export_keeps_class_alarms_attendees_and_organizer(blended: Home) -> None:
    import icalendar

    calendar = icalendar.Calendar.from_ical(blended.exports["full"])
    standups = [e for e in calendar.walk("VEVENT") if e["SUMMARY"] == "Team stand-up"]
    assert len(standups) == 2  # Work and Work-copy
    for event in standups:
        assert str(event["ORGANIZER"]) == "mailto:ada@example.com"
        assert event["ORGANIZER"].params["CN"] == "Okafor, Ada"
        attendees = event["ATTENDEE"]
        assert [str(a) for a in attendees] == ["mailto:ada@example.com", "mailto:ben@example.com"]
        assert attendees[1].params["PARTSTAT"] == "NEEDS-ACTION"
        (alarm,) = event.walk("VALARM")
        assert alarm["ACTION"] == "DISPLAY"
        assert alarm["TRIGGER"].dt == timedelta(minutes=-15)
    lunch = [e for e in calendar.walk("VEVENT") if e["SUMMARY"] == "Lunch with recruiter"]
    assert [str(e["CLASS"]) for e in lunch] == ["PRIVATE", "PRIVATE"]
    (dentist,) = [e for e in calendar.walk("VEVENT") if e["SUMMARY"] == "Orthodontist"]
    (reminder,) = dentist.walk("VALARM")
    assert reminder["TRIGGER"].dt == timedelta(days=-1)
    assert (reminder["REPEAT"], reminder["DURATION"].dt) == (2, timedelta(hours=2))


def test_every_reader_reads_a_repeating_alarm(blended: Home) -> None:
    """The Orthodontist's reminder, a day before and twice more two hours apart."""
    import ics
    import vobject
    from ical.calendar_stream import IcsCalendarStream

    data = blended.exports["full"]
    text = data.decode("utf-8")
    (strict,) = [e for e in IcsCalendarStream.calendar_from_ics(text).events
                 if e.summary == "Orthodontist"]
    (alarm,) = strict.alarm
    assert (alarm.trigger, alarm.repeat, alarm.duration) == (
        timedelta(days=-1), 2, timedelta(hours=2))
    getattr(vobject.icalendar, "__tzidMap").clear()
    (event,) = [e for e in vobject.readOne(text).vevent_list
                if e.summary.value == "Orthodontist"]
    assert (event.valarm.trigger.value, int(event.valarm.repeat.value),
            event.valarm.duration.value) == (timedelta(days=-1), 2, timedelta(hours=2))
    (loose,) = [e for e in ics.Calendar(text).events if e.name == "Orthodontist"]
    (display,) = loose.alarms
    assert (display.trigger, display.repeat, display.duration) == (
        timedelta(days=-1), 2, timedelta(hours=2))
    # A Busy event holds no alarm (its text could say what the event is).
    busy = [e for v in ("private-as-busy", "busy-only-family")
            for e in _events(blended.exports[v]) if "\r\nSUMMARY:Busy\r\n" in e]
    assert busy and not [e for e in busy if "VALARM" in e]


def test_a_busy_export_reimported_keeps_every_time_and_places_nothing(
        blended: Home, tmp_path: Path) -> None:
    """Busy flexible blocks come back as fixed events at their times, not re-placed."""
    busy = tmp_path / "busy.ics"
    busy.write_text(blended.run("export", "-", *RANGE, "--private-as-busy", "--busy-only",
                                "work"), newline="")
    other = _runner(tmp_path / "colleague")
    other("import", str(busy), "--calendar", "Ada", "--sphere", "work")
    agenda = json.loads(other("agenda", FIRST.isoformat(), "--days", "14", "--json"))
    assert Counter((_instant(str(o["start"])), _instant(str(o["end"]))) for o in agenda
                   ) == _expected(blended)
    assert {(o["kind"], o["title"]) for o in agenda} == {("fixed", "Busy")}
