"""Generate large, realistic work calendars (.ics) for benchmarks and import tests.

    python benches/gen_calendar.py 10000 -o work-10k.ics [--seed 1] [--start 2024-01-01]

The output looks like what people export from Exchange/Google/Apple after a few years
of office life: ~3 % recurring series (weekly, bi-weekly, daily on weekdays, monthly by
weekday) with EXDATEs and RECURRENCE-ID overrides, the rest single meetings; times in
several zones (IANA names and Outlook's "Pacific Standard Time", each with a VTIMEZONE),
some all-day, DURATION instead of DTEND, TRANSPARENT, CANCELLED, and DESCRIPTION /
LOCATION / ATTENDEE text of realistic size (10,000 events is a few MB).

Text is written directly instead of building icalendar objects, so 50,000 events take
seconds. The same seed gives the same bytes. One RFC 5545 file serves every consumer
(planner, icalendar, vobject, calcurse -i).
"""

from __future__ import annotations

import argparse
import random
import sys
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

# Share of VEVENT components that are series masters; overrides count as components too.
SERIES_SHARE = 0.03

UTC = "UTC"
# Zone -> relative weight. UTC events are written with a trailing Z (no TZID).
ZONES: dict[str, int] = {
    "America/New_York": 30,
    "Europe/London": 15,
    "Europe/Berlin": 25,
    "Asia/Tokyo": 8,
    UTC: 10,
    "Pacific Standard Time": 12,
}

# Static VTIMEZONE definitions with the current DST rules (good for 2007 onwards).
VTIMEZONES: dict[str, str] = {
    "America/New_York": """BEGIN:VTIMEZONE
TZID:America/New_York
X-LIC-LOCATION:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE""",
    "Europe/London": """BEGIN:VTIMEZONE
TZID:Europe/London
X-LIC-LOCATION:Europe/London
BEGIN:DAYLIGHT
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
TZNAME:BST
DTSTART:19700329T010000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
TZNAME:GMT
DTSTART:19701025T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE""",
    "Europe/Berlin": """BEGIN:VTIMEZONE
TZID:Europe/Berlin
X-LIC-LOCATION:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE""",
    "Asia/Tokyo": """BEGIN:VTIMEZONE
TZID:Asia/Tokyo
X-LIC-LOCATION:Asia/Tokyo
BEGIN:STANDARD
TZOFFSETFROM:+0900
TZOFFSETTO:+0900
TZNAME:JST
DTSTART:19700101T000000
END:STANDARD
END:VTIMEZONE""",
    "Pacific Standard Time": """BEGIN:VTIMEZONE
TZID:Pacific Standard Time
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:-0700
TZOFFSETTO:-0800
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:-0800
TZOFFSETTO:-0700
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE""",
}

FIRST_NAMES = (
    "Alex", "Priya", "Marcus", "Sofia", "Jonah", "Dana", "Kenji", "Amara", "Lukas", "Zoë",
    "Mateo", "Hannah", "Wei", "Fatima", "Oliver", "Ingrid", "Ravi", "Chloé", "Tomás", "Yuki",
    "Noah", "Leila", "Björn", "Grace", "Samuel", "Aisha", "Pieter", "Mei", "Elena", "Omar",
)
LAST_NAMES = (
    "Brandt", "Raman", "Bell", "Alvarez", "Kim", "Whitfield", "Tanaka", "Okafor", "Müller",
    "Nguyen", "Rossi", "Schmidt", "Chen", "Haddad", "Walsh", "Larsen", "Iyer", "Dubois",
    "García", "Sato", "Cohen", "Novak", "Andersson", "O'Brien", "Kowalski", "Fischer",
)
TEAMS = (
    "Platform", "Payments", "Search", "Mobile", "Data", "Growth", "Infra", "Security",
    "Design", "Billing", "Identity", "Support tooling",
)
PROJECTS = (
    "event pipeline v2", "checkout redesign", "SSO migration", "data warehouse", "mobile 5.0",
    "pricing page", "search ranking", "on-call rotation", "GDPR export", "API gateway",
)
COMPANIES = (
    "Contoso", "Fabrikam", "Tailspin Toys", "Wide World Importers", "Adventure Works",
    "Litware", "Proseware", "Northwind Traders", "Woodgrove Bank", "Alpine Ski House",
)
ROLES = (
    "Senior Backend Engineer", "Product Designer", "Data Scientist", "Engineering Manager",
    "Site Reliability Engineer", "Frontend Engineer", "Technical Writer",
)
ROOMS = (
    "Conference Room Hudson (HQ 9F)", "Room Spree 2.04", "Thames meeting room",
    "Shibuya 東京 3F", "Auditorium", "Phone booth 4", "Kitchen (HQ 10F)",
    "Cafe Einstein, Unter den Linden 42, Berlin", "WeWork 115 W 18th St, New York",
)
ONLINE = (
    "Microsoft Teams Meeting", "https://zoom.us/j/9{0:09d}", "https://meet.google.com/{1}",
)
SENTENCES = (
    "Please review the doc before the meeting.",
    "Agenda: status, risks, decisions needed.",
    "We'll go over last quarter's numbers and agree on next steps.",
    "Bring your laptop; we will pair on the open issues.",
    "Notes from last time are linked in the channel.",
    "If you can't make it, add your update to the doc, thanks!",
    "Decision needed on scope; see the options in section 3.",
    "Recording will be shared afterwards for other time zones.",
    "Dial-in for the room: +1 646-555-0{0:03d}, conference ID 8{0:05d}#.",
    "Follow-up from the incident review; action items are in the tracker.",
    "Lunch is provided, reply by Tuesday with dietary needs.",
    "Short one, 10 minutes of slides then Q&A.",
)
TEAMS_FOOTER = (
    "\n\n________________________________________________________________________________"
    "\nMicrosoft Teams meeting\nJoin on your computer, mobile app or room device"
    "\nClick here to join the meeting\nMeeting ID: {0} {1} {2}\nPasscode: {3}"
    "\n________________________________________________________________________________"
)
ALL_DAY_TITLES = (
    "Out of office", "Company holiday", "Conference: {project} summit", "Offsite", "Vacation",
    "Parental leave", "Public holiday", "Hackathon",
)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _name(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    # Mail addresses stay ASCII even when the display name is not.
    local = unicodedata.normalize("NFKD", f"{first}.{last}".lower().replace("'", ""))
    local = local.encode("ascii", "ignore").decode()
    return f"{first} {last}", f"{local}@corp.example"


def _title(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.18:
        return f"{rng.choice(TEAMS)} sync"
    if r < 0.32:
        return f"1:1 {rng.choice(FIRST_NAMES)} / {rng.choice(FIRST_NAMES)}"
    if r < 0.42:
        return f"Interview: {rng.choice(ROLES)}"
    if r < 0.56:
        return f"Design review: {rng.choice(PROJECTS)}"
    if r < 0.66:
        return f"Customer call: {rng.choice(COMPANIES)}"
    if r < 0.74:
        return f"Lunch with {rng.choice(FIRST_NAMES)}"
    if r < 0.84:
        return f"{rng.choice(PROJECTS).capitalize()}: planning, estimates; next steps"
    if r < 0.92:
        return f"Focus time ({rng.choice(PROJECTS)})"
    return f"{rng.choice(TEAMS)} retro"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    )


def _description(rng: random.Random) -> str:
    n = rng.choice((1, 1, 2, 2, 3, 4))
    body = " ".join(rng.choice(SENTENCES).format(rng.randrange(1000)) for _ in range(n))
    if rng.random() < 0.35:
        body += TEAMS_FOOTER.format(
            rng.randrange(100, 999), rng.randrange(100, 999), rng.randrange(100, 999),
            f"{rng.getrandbits(32):08x}"[:6],
        )
    return body


def _location(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(ROOMS)
    return rng.choice(ONLINE).format(rng.randrange(10**9), f"{rng.getrandbits(40):010x}")


def _uid(rng: random.Random) -> str:
    bits = f"{rng.getrandbits(128):032x}"
    style = rng.random()
    if style < 0.4:  # Exchange's long hex GlobalObjectId
        return "040000008200E00074C5B7101A82E00800000000" + bits.upper()
    if style < 0.7:
        return f"{bits[:26]}@google.com"
    return f"{bits[:8]}-{bits[8:12]}-{bits[12:16]}-{bits[16:20]}-{bits[20:]}".upper()


def _fold(line: str) -> str:
    """Fold one content line to 75 octets per physical line, never splitting a character."""
    if len(line) <= 75 and line.isascii():
        return line + "\r\n"
    if line.isascii():
        parts = [line[:75]]
        parts += [" " + line[i : i + 74] for i in range(75, len(line), 74)]
        return "\r\n".join(parts) + "\r\n"
    out: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            out.append("".join(current))
            current, size, limit = [" "], 1, 75
        current.append(ch)
        size += width
    out.append("".join(current))
    return "\r\n".join(out) + "\r\n"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _when(prop: str, zone: str, moment: datetime) -> str:
    if zone == UTC:
        return f"{prop}:{_stamp(moment)}Z"
    return f"{prop};TZID={zone}:{_stamp(moment)}"


def _duration(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{mins}M" if mins else "")


class _Writer:
    """Collects content lines for one component, then folds them in one pass."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        self.lines.append(line)

    def text(self) -> str:
        return "".join(_fold(line) for line in self.lines)


def _common(w: _Writer, rng: random.Random, dtstamp: str, *, details: bool) -> None:
    w.add(f"DTSTAMP:{dtstamp}")
    if not details:
        return
    if rng.random() < 0.35:
        w.add("DESCRIPTION:" + _escape(_description(rng)))
    if rng.random() < 0.5:
        w.add("LOCATION:" + _escape(_location(rng)))
    if rng.random() < 0.5:
        organizer, email = _name(rng)
        w.add(f"ORGANIZER;CN={organizer}:mailto:{email}")
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 5, 8))):
            cn, mail = _name(rng)
            stat = rng.choice(("ACCEPTED", "ACCEPTED", "TENTATIVE", "NEEDS-ACTION", "DECLINED"))
            w.add(
                f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT={stat};RSVP=TRUE;CN={cn}:mailto:{mail}"
            )


def _pick_zone(rng: random.Random, zones: list[str], weights: list[int]) -> str:
    return rng.choices(zones, weights)[0]


def _work_start(rng: random.Random, day: date) -> datetime:
    # 07:00-18:45 wall time never falls in a DST gap or overlap for these zones.
    minutes = rng.randrange(7 * 4, 19 * 4) * 15
    return datetime(day.year, day.month, day.day, minutes // 60, minutes % 60)


def _length(rng: random.Random) -> int:
    return rng.choices((15, 25, 30, 45, 60, 90, 120, 180), (8, 6, 30, 12, 28, 8, 6, 2))[0]


def _single(
    rng: random.Random, uid: str, day: date, zone: str, dtstamp: str
) -> str:
    w = _Writer()
    w.add("BEGIN:VEVENT")
    w.add(f"UID:{uid}")
    if rng.random() < 0.04:  # all-day: holidays, OOO, conferences
        w.add("SUMMARY:" + _escape(rng.choice(ALL_DAY_TITLES).format(project=rng.choice(PROJECTS))))
        w.add(f"DTSTART;VALUE=DATE:{day:%Y%m%d}")
        w.add(f"DTEND;VALUE=DATE:{day + timedelta(days=rng.choice((1, 1, 1, 2, 3, 5))):%Y%m%d}")
        w.add("TRANSP:TRANSPARENT" if rng.random() < 0.7 else "TRANSP:OPAQUE")
        _common(w, rng, dtstamp, details=False)
    else:
        start = _work_start(rng, day)
        w.add("SUMMARY:" + _escape(_title(rng)))
        w.add(_when("DTSTART", zone, start))
        minutes = _length(rng)
        if rng.random() < 0.1:
            w.add(f"DURATION:{_duration(minutes)}")
        else:
            w.add(_when("DTEND", zone, start + timedelta(minutes=minutes)))
        if rng.random() < 0.05:
            w.add("TRANSP:TRANSPARENT")
        if rng.random() < 0.03:
            w.add("STATUS:CANCELLED")
        elif rng.random() < 0.1:
            w.add("STATUS:TENTATIVE")
        _common(w, rng, dtstamp, details=True)
    w.add("END:VEVENT")
    return w.text()


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The nth (1..4, or -1 = last) given weekday of a month."""
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    nxt = date(year + month // 12, month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _series(
    rng: random.Random, uid: str, day: date, zone: str, dtstamp: str, n_overrides: int
) -> str:
    """A series master plus ``n_overrides`` RECURRENCE-ID components."""
    kind = rng.choices(("weekly", "biweekly", "daily", "monthly"), (45, 20, 20, 15))[0]
    first = day - timedelta(days=day.weekday()) + timedelta(days=rng.randrange(5))
    # occurrence(k): the k-th occurrence's date, valid for k below the end chosen below.
    occurrence: Callable[[int], date]
    if kind == "monthly":
        nth = rng.choice((1, 1, 2, 3, 4, -1))
        weekday = rng.randrange(5)
        first = _nth_weekday(day.year, day.month, weekday, nth)

        def occurrence(k: int) -> date:
            month = first.month - 1 + k
            return _nth_weekday(first.year + month // 12, month % 12 + 1, weekday, nth)

        rule = f"FREQ=MONTHLY;BYDAY={nth}{WEEKDAYS[weekday]}"
    elif kind == "daily":
        rule = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR" if rng.random() < 0.5 else (
            "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"
        )

        def occurrence(k: int) -> date:
            weeks, extra = divmod(first.weekday() + k, 5)
            monday = first - timedelta(days=first.weekday())
            return monday + timedelta(weeks=weeks, days=extra)
    else:
        interval = 2 if kind == "biweekly" else 1
        days = {first.weekday()}
        if rng.random() < 0.25:
            days.add(rng.randrange(5))
        byday = ",".join(WEEKDAYS[d] for d in sorted(days))
        rule = f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={byday}" if interval > 1 else (
            f"FREQ=WEEKLY;BYDAY={byday}"
        )

        def occurrence(k: int) -> date:
            return first + timedelta(weeks=interval * k)

    start = _work_start(rng, first)
    minutes = rng.choice((15, 30, 30, 45, 60, 60, 90))
    # Touched occurrences sit at k in 1..12, i.e. within the first ~60 instances, so an
    # end of COUNT >= 80 or UNTIL >= one year later keeps them all inside the series.
    end = rng.random()
    if end < 0.2:
        rule += f";COUNT={rng.randrange(80, 200)}"
    elif end < 0.5:
        until = start + timedelta(days=rng.randrange(400, 1100))
        rule += f";UNTIL={_stamp(until)}Z"
    title = _escape(_title(rng))

    w = _Writer()
    w.add("BEGIN:VEVENT")
    w.add(f"UID:{uid}")
    w.add(f"SUMMARY:{title}")
    w.add(_when("DTSTART", zone, start))
    w.add(_when("DTEND", zone, start + timedelta(minutes=minutes)))
    w.add(f"RRULE:{rule}")
    picks = rng.sample(range(1, 13), k=min(12, n_overrides + rng.choice((0, 0, 1, 2, 4))))
    moved, skipped = picks[:n_overrides], picks[n_overrides:]
    if skipped:
        stamps = ",".join(
            _stamp(datetime.combine(occurrence(k), start.time())) for k in sorted(skipped)
        )
        w.add(f"EXDATE:{stamps}Z" if zone == UTC else f"EXDATE;TZID={zone}:{stamps}")
    _common(w, rng, dtstamp, details=True)
    w.add("END:VEVENT")

    for k in sorted(moved):
        original = datetime.combine(occurrence(k), start.time())
        # A daily series moved by a day would just collide with the next instance.
        shifts = (-2, -1, 1, 2) if kind == "daily" else (-2, -1, 1, 2, 24, 48)
        new_start = original + timedelta(hours=rng.choice(shifts))
        w.add("BEGIN:VEVENT")
        w.add(f"UID:{uid}")
        w.add(_when("RECURRENCE-ID", zone, original))
        w.add(f"SUMMARY:{title}")
        w.add(_when("DTSTART", zone, new_start))
        w.add(_when("DTEND", zone, new_start + timedelta(minutes=minutes)))
        w.add("SEQUENCE:1")
        if rng.random() < 0.25:
            w.add("STATUS:CANCELLED")
        _common(w, rng, dtstamp, details=False)
        w.add("END:VEVENT")
    return w.text()


def generate(
    n_events: int, *, seed: int = 1, start: date = date(2024, 1, 1), years: int = 3
) -> bytes:
    """An iCalendar file with exactly ``n_events`` VEVENT components.

    A series master and each of its RECURRENCE-ID overrides are one component each;
    about 3 % of components are series masters. Deterministic for ``seed``.
    """
    if n_events < 0:
        raise ValueError("n_events must be >= 0")
    rng = random.Random(seed)
    zones, weights = list(ZONES), list(ZONES.values())
    span = max(1, 365 * years)
    dtstamp = f"{start:%Y%m%d}T080000Z"

    masters = round(n_events * SERIES_SHARE)
    # Every third series gets one or two overrides; trim so the total is exact.
    overrides = [rng.choice((1, 1, 2)) if rng.random() < 0.33 else 0 for _ in range(masters)]
    while masters + sum(overrides) > n_events:
        overrides[overrides.index(max(overrides))] -= 1
    singles = n_events - masters - sum(overrides)

    kinds = [True] * masters + [False] * singles
    rng.shuffle(kinds)
    series_index = 0
    body: list[str] = []
    used: set[str] = set()
    for is_series in kinds:
        day = start + timedelta(days=rng.randrange(span))
        if not is_series and day.weekday() >= 5 and rng.random() < 0.85:
            day -= timedelta(days=day.weekday() - 4)  # few work meetings on weekends
        zone = _pick_zone(rng, zones, weights)
        used.add(zone)
        uid = _uid(rng)
        if is_series:
            body.append(_series(rng, uid, day, zone, dtstamp, overrides[series_index]))
            series_index += 1
        else:
            body.append(_single(rng, uid, day, zone, dtstamp))

    head = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//planner//gen_calendar//EN",
        "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:Work ({n_events} events)",
    ]
    text = "".join(_fold(line) for line in head)
    zone_blocks = [VTIMEZONES[z] for z in zones if z in used and z != UTC]
    text += "".join(block.replace("\n", "\r\n") + "\r\n" for block in zone_blocks)
    text += "".join(body) + "END:VCALENDAR\r\n"
    return text.encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n_events", type=int, help="number of VEVENT components")
    parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2024, 1, 1))
    parser.add_argument("--years", type=int, default=3)
    args = parser.parse_args(argv)
    data = generate(args.n_events, seed=args.seed, start=args.start, years=args.years)
    if args.output is None:
        sys.stdout.buffer.write(data)
    else:
        args.output.write_bytes(data)
        print(f"{args.output}: {args.n_events} events, {len(data) / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
