"""The command line: argparse in, one service call, text or JSON out.

Every failure a user can cause ends as one sentence on stderr and a non-zero exit:
1 for bad input or data, 3 when some flexible blocks could not be placed, 75 when
another planner holds the store.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import textwrap
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from planner import __version__
from planner.cli.output import printable, safe_output
from planner.core.errors import Busy, PlannerError, UsageError
from planner.core.moments import (
    clock_span,
    day_label,
    happens_twice,
    iso_day,
    plus_exact,
    wall_clock,
)
from planner.core.wording import counted, noun

if TYPE_CHECKING:
    from planner.app.calendars import CalendarInfo
    from planner.app.service import PlannerService
    from planner.core.model import Block, Occurrence

EXIT_ERROR = 1
EXIT_UNPLACED = 3
EXIT_BUSY = 75

MARK_FIXED = "■"
MARK_FLEXIBLE = "○"
MARK_PINNED = "◆"
MARK_DONE = "✓"
PRIVATE_NOTE = " (private)"  # CLASS:PRIVATE: shared exports show only "Busy"
MARK_CONFLICT = "!"  # overlaps another fixed block: a double booking to resolve


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One sentence, not argparse's usage block, and the conventional exit 2.
        message = _one_line(message)
        sys.stderr.write(f"planner: {message[0].upper()}{message[1:]}. "
                         "See `planner --help`.\n")
        raise SystemExit(2)


class _TryAgain(Exception):
    """The parser built for one command could not read the arguments: use the full one."""


class _AttemptParser(_Parser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _TryAgain(message)


class _Ignored:
    """Stands in for the parser of a command that is not being run (see ``build_parser``)."""

    def add_argument(self, *args: Any, **kwargs: Any) -> None:
        pass

    def add_mutually_exclusive_group(self, *args: Any, **kwargs: Any) -> _Ignored:
        return self


class _OneCommand:
    """Registers only the command being run: adding every command's arguments is most
    of the parser's cost, and a script runs one command."""

    def __init__(self, sub: Any, only: str) -> None:
        self.sub, self.only = sub, only

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser | _Ignored:
        return self.sub.add_parser(name, **kwargs) if name == self.only else _Ignored()


def build_parser(only: str | None = None,
                 parser_class: type[_Parser] = _Parser) -> argparse.ArgumentParser:
    """The command line's parser; with ``only``, just that command's (see ``parse``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", metavar="DIR", default=argparse.SUPPRESS,
                        help="folder for data and config (default: $PLANNER_HOME or the "
                             "platform's user folders)")
    common.add_argument("--tz", metavar="ZONE", default=argparse.SUPPRESS,
                        help="IANA time zone that cuts days and prints times")

    parser = parser_class(prog="planner", parents=[common],
                     description="One timeline for work and personal life. With no command, "
                                 "opens the day view.")
    parser.add_argument("--version", action="version", version=f"planner {__version__}")
    parser.add_argument("--date", metavar="DATE", help="open the day view on this date")
    sub: Any = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     parser_class=parser_class)
    if only is not None:
        sub = _OneCommand(sub, only)

    def command(name: str, help_text: str) -> Any:
        return sub.add_parser(name, parents=[common], help=help_text, description=help_text)

    p = command("add", "add a fixed or flexible block")
    p.add_argument("title")
    p.add_argument("--at", metavar="WHEN", help="start time: '9:30', 'tomorrow 9:30', 'fri 14:00'")
    p.add_argument("--for", dest="duration", metavar="DURATION",
                   help="how long: '45m', '1h30', '2h' (default 1h fixed, 30m flexible)")
    p.add_argument("--flexible", action="store_true",
                   help="let the planner place it (default when no --at is given)")
    p.add_argument("--fixed", action="store_true", help="a set time (default with --at)")
    p.add_argument("--on", dest="day", metavar="DATE", help="the day a flexible block is for")
    p.add_argument("--after", metavar="WHEN", help="earliest start of a flexible block")
    p.add_argument("--by", metavar="WHEN", help="deadline of a flexible block: 'fri', 'fri 12:00'")
    p.add_argument("--part", choices=("morning", "afternoon", "evening"))
    p.add_argument("--sphere", default=None, help="work, personal or one from config")
    p.add_argument("--priority", type=int, default=0, help="0 normal, 1 high, 2 urgent")
    p.add_argument("--split", metavar="MIN_CHUNK", help="may split into chunks this long")
    p.add_argument("--energy", choices=("energizing", "neutral", "draining"))
    p.add_argument("--repeat", metavar="WORDS",
                   help="repeat a fixed block: 'every weekday', 'every mon, wed', 'daily', "
                        "'every 2 weeks', 'monthly until 2027-06-30', 'weekly 10 times' "
                        "or an RRULE such as 'FREQ=WEEKLY;BYDAY=MO,WE'")
    p.add_argument("--travel", metavar="DURATION", help="travel time before a fixed block")
    p.add_argument("--notes", default="")
    p.add_argument("--location", default="")
    p.add_argument("--all-day", action="store_true", help="a date-only block (with --at DATE)")
    p.add_argument("--calendar", metavar="NAME",
                   help="put it in this linked calendar (`planner sync` sends it)")
    privacy = p.add_mutually_exclusive_group()
    privacy.add_argument("--private", action="store_true",
                         help="shared exports (--private-as-busy) show it only as Busy")
    privacy.add_argument("--public", action="store_true", help="not private (the default)")
    p.add_argument("--remind", action="append", metavar="BEFORE",
                   help="a reminder this long before it starts: '15m', '1h', '0' (repeatable)")

    p = command("edit", "change a block by id")
    p.add_argument("id")
    p.add_argument("--title")
    p.add_argument("--at", metavar="WHEN")
    p.add_argument("--for", dest="duration", metavar="DURATION")
    p.add_argument("--on", dest="day", metavar="DATE")
    p.add_argument("--after", metavar="WHEN")
    p.add_argument("--by", metavar="WHEN")
    p.add_argument("--part", choices=("morning", "afternoon", "evening", "any"))
    p.add_argument("--sphere")
    p.add_argument("--priority", type=int)
    p.add_argument("--split", metavar="MIN_CHUNK")
    p.add_argument("--energy", choices=("energizing", "neutral", "draining", "none"))
    p.add_argument("--notes")
    p.add_argument("--location")
    p.add_argument("--pin", metavar="WHEN", help="pin a flexible block at this time")
    p.add_argument("--unpin", action="store_true")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--fixed", action="store_true")
    kind.add_argument("--flexible", action="store_true")

    p.add_argument("--repeat", metavar="WORDS",
                   help="make a fixed block repeat ('every weekday', 'every 2 weeks', an "
                        "RRULE) or 'never' to stop")
    privacy = p.add_mutually_exclusive_group()
    privacy.add_argument("--private", action="store_true",
                         help="shared exports (--private-as-busy) show it only as Busy")
    privacy.add_argument("--public", action="store_true", help="no longer private")
    p.add_argument("--remind", action="append", metavar="BEFORE",
                   help="its reminders, replacing the ones it has: '15m' (repeatable), "
                        "'none' for none")
    p.add_argument("--occurrence", metavar="DATE",
                   help="change only the occurrence of a repeating block on DATE "
                        "('tue', '2026-11-24', '2026-11-24 09:30')")
    p.add_argument("--and-following", action="store_true",
                   help="with --occurrence: that occurrence and every later one")

    p = command("done", "mark a flexible block done")
    p.add_argument("id")
    p.add_argument("--undo", action="store_true", help="mark it not done")

    p = command("rm", "delete a block")
    p.add_argument("id")
    p.add_argument("--occurrence", metavar="DATE",
                   help="delete only the occurrence of a repeating block on DATE")
    p.add_argument("--and-following", action="store_true",
                   help="with --occurrence: that occurrence and every later one")

    p = command("agenda", "print the blended day(s)")
    p.add_argument("date", nargs="?")
    p.add_argument("--days", type=int, default=1)
    p.add_argument("--json", action="store_true")

    p = command("plan", "place flexible blocks and print the day")
    p.add_argument("date", nargs="?")
    p.add_argument("--json", action="store_true")

    p = command("import", "import .ics files or subscribe to calendar URLs")
    p.add_argument("sources", nargs="+", metavar="FILE_OR_URL",
                   help="an .ics file, a calendar URL, or - for standard input")
    p.add_argument("--sphere")
    p.add_argument("--calendar", metavar="NAME",
                   help="the calendar's name (default: the file's name, or the URL's last part, "
                        "or the calendar here that already holds the file's events); a "
                        "new name keeps a second copy of such a calendar")
    p.add_argument("--replace", action="store_true",
                   help="replace the calendar of that name even if it came from elsewhere")
    p.add_argument("-v", "--verbose", action="store_true", help="list what was skipped and why")
    p.add_argument("--allow-empty", action="store_true",
                   help="accept a file that removes all or most of a calendar's events")

    p = command("refresh", "re-fetch every subscribed calendar URL")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--allow-empty", action="store_true",
                   help="accept a feed that removes all or most of a calendar's events")

    p = command("export", "write the blended schedule as .ics ('-' for stdout)")
    p.add_argument("out", metavar="OUT.ics", nargs="?")
    p.add_argument("--from", dest="first", metavar="DATE")
    p.add_argument("--to", dest="last", metavar="DATE")
    p.add_argument("--busy-only", action="append", default=[], metavar="SPHERE",
                   help="write this sphere and every sphere under it as 'Busy' with no "
                   "details (repeatable)")
    p.add_argument("--private-as-busy", action="store_true",
                   help="write every personal sphere and every event marked private as 'Busy'")
    p.add_argument("--sphere", action="append", default=None, metavar="SPHERE",
                   help="export only this sphere (repeatable)")
    p.add_argument("--whole-series", action="store_true",
                   help="with a range, keep repeating series open instead of ending them "
                   "at --to")
    p.add_argument("--preview", action="store_true",
                   help="print what a reader of the file sees for one sample event; "
                   "write nothing")

    p = command("search", "find blocks by title, location or notes, any case, by date")
    p.add_argument("text", nargs="+", metavar="TEXT")
    p.add_argument("--from", dest="first", metavar="DATE",
                   help="first day to search (default: a year ago)")
    p.add_argument("--to", dest="last", metavar="DATE",
                   help="last day to search (default: a year from now)")
    p.add_argument("--json", action="store_true")

    p = command("tasks", "every open flexible block by deadline, with its time or reason")
    p.add_argument("--json", action="store_true")

    p = command("remind", "reminders due from now within a window (for cron or a status bar)")
    p.add_argument("--within", metavar="DURATION", default="60m",
                   help="how far ahead to look: '60m' (the default), '2h', '1d'")
    p.add_argument("--json", action="store_true")

    p = command("insights", "balance, switches and bleed for a day or week")
    p.add_argument("date", nargs="?")
    p.add_argument("--week", action="store_true")
    p.add_argument("--json", action="store_true")

    p = command("review", "weekly review as Markdown")
    p.add_argument("date", nargs="?", help="any day in the week (default: this week)")
    p.add_argument("--week", action="store_true", help="(the default; kept for symmetry)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the Markdown to FILE")

    p = sub.add_parser(
        "sync", parents=[common], help="two-way sync with CalDAV calendars",
        usage=("planner sync [NAME ...] [--allow-empty]\n"
               "       planner sync add NAME URL --sphere S [--username U] "
               "[--password-command CMD] [--read-only]\n"
               "       planner sync list\n"
               "       planner sync remove NAME"),
        description="Two-way sync with CalDAV calendars. `sync` alone syncs every linked "
                    "calendar and prints what was pulled and pushed.")
    p.add_argument("words", nargs="*", metavar="NAME",
                   help="calendars to sync, or add / list / remove")
    p.add_argument("--sphere", help="sphere of the linked calendar's events (sync add)")
    p.add_argument("--username", help="account name on the server (sync add)")
    p.add_argument("--password-command", metavar="CMD",
                   help="command printing the password on its first line, run at each "
                        "sync; the password is never stored (sync add)")
    p.add_argument("--read-only", action="store_true",
                   help="pull only; local edits to its events are refused (sync add)")
    p.add_argument("--allow-empty", action="store_true",
                   help="accept a pull that removes all or most of a calendar's events")

    command("undo", "undo the last change")
    command("redo", "redo the last undone change")
    p = sub.add_parser(
        "calendars", parents=[common], help="list, rename, remove, hide or show calendars",
        usage=("planner calendars [-v]\n"
               "       planner calendars rename OLD NEW\n"
               "       planner calendars remove NAME\n"
               "       planner calendars hide NAME [--busy]\n"
               "       planner calendars show NAME\n"
               "       planner calendars sphere NAME SPHERE"),
        description="The imported, subscribed and linked calendars. Alone: list them with "
                    "their last refresh. A removed calendar comes back with `planner undo`; "
                    "a hidden one is not shown and takes no time from planning unless "
                    "--busy. `sphere` moves a calendar and its events to another sphere.")
    p.add_argument("words", nargs="*", metavar="ARG",
                   help="rename/remove/hide/show/sphere and names")
    p.add_argument("--busy", action="store_true",
                   help="with hide: its events stay out of sight but still count as busy")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="list what each calendar's last import skipped or repaired, and why")

    p = command("restore", "bring back the last good copy of a damaged data file")
    p.add_argument("--list", action="store_true", help="list the backups kept")

    command("demo", "load the example week into an empty home (or one holding the demo) and "
            "open the day view")
    command("config", "print the config file's path and a commented sample")
    return parser


# --------------------------------------------------------------------------- helpers


def _service(args: argparse.Namespace) -> PlannerService:
    from planner.app.service import PlannerService, system_clock

    return PlannerService(getattr(args, "home", None), tz=getattr(args, "tz", None),
                          clock=_pinned_clock() or system_clock)


def _pinned_clock() -> Any:
    """PLANNER_NOW (ISO 8601 with offset) freezes "now": for tests, demos and screenshots."""
    text = os.environ.get("PLANNER_NOW")
    if not text:
        return None
    shown = printable(text)  # a byte that is not UTF-8 shows as \xff, not as \udcff
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"PLANNER_NOW='{shown}' is not an ISO 8601 date-time.") from exc
    if moment.tzinfo is None:
        raise UsageError(f"PLANNER_NOW='{shown}' needs a UTC offset, e.g. +00:00.")
    if moment.year not in SAFE_YEARS:  # "today" at the calendar's edge overflows day sums
        raise UsageError(f"PLANNER_NOW='{shown}' is outside the years {SAFE_YEARS.start}–"
                         f"{SAFE_YEARS.stop - 1} that planner handles.")
    return lambda: moment


# Day arithmetic (a day's end, a week, a time zone shift) overflows at the calendar's
# edges, so dates there are refused up front instead of crashing deep inside.
SAFE_YEARS = range(2, 9998)


def _in_range(value: date, text: str) -> None:
    if value.year not in SAFE_YEARS:
        raise UsageError(f"{text!r} is outside the years {SAFE_YEARS.start}–"
                         f"{SAFE_YEARS.stop - 1} that planner handles.")


def _date_arg(service: PlannerService, text: str | None) -> date:
    if not text:
        return service.today()
    day = iso_day(text)
    if day is None:
        from planner.core.when import parse_date  # the words ('fri', '4 jan'...)

        day = parse_date(text, today=service.today())
    _in_range(day, text)
    return day


def _when(service: PlannerService, text: str, default_time: time | None = None) -> datetime:
    """The moment ``text`` names; a wall time in the spring-forward gap moves forward and
    the command says so."""
    from planner.core.when import parse_when_noted

    try:
        moment, note = parse_when_noted(text, now=service.now(), default_time=default_time)
    except OverflowError as exc:  # e.g. 0001-01-01 00:30 in Berlin is before year 1 in UTC
        raise UsageError(f"{text!r} is outside the years {SAFE_YEARS.start}–"
                         f"{SAFE_YEARS.stop - 1} that planner handles.") from exc
    _in_range(moment, text)
    if note:
        print(textwrap.fill(f"Note: {note}", width=80, subsequent_indent="  "))
    return moment


def _deadline(service: PlannerService, text: str) -> datetime:
    """'fri' means by the end of Friday; 'fri 12:00' means by noon."""
    from planner.core.when import WhenError, parse_date

    try:
        day = parse_date(text, today=service.today())
    except WhenError:
        return _when(service, text)
    _in_range(day, text)
    return service.at(day + timedelta(days=1), time(0))


def _duration(text: str | None, default: timedelta) -> timedelta:
    from planner.core.when import parse_duration

    return default if text is None else parse_duration(text)


def _fmt_time(service: PlannerService, moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        return service.local(moment).strftime("%H:%M")
    return "all day"


def _mark(block: Block) -> str:
    if block.is_fixed:
        return MARK_FIXED
    if block.done:
        return MARK_DONE
    return MARK_PINNED if block.pinned_start else MARK_FLEXIBLE


def _line(service: PlannerService, occ: Occurrence, day: date, conflict: bool = False) -> str:
    block = occ.block
    if occ.all_day:
        when = "all day"
    else:
        start, end = service.local(occ.start), service.local(occ.end)  # type: ignore[arg-type]
        # The night the clocks go back, 02:30 happens twice: both ends then name the zone.
        named = any(m.date() == day and happens_twice(m) for m in (start, end))
        s = wall_clock(start, zone_name=named) if start.date() == day else "  ←  "
        e = wall_clock(end, zone_name=named) if end.date() == day else (
            "24:00" if end.time() == time(0) and end.date() == day + timedelta(days=1)
            else "  →  ")
        when = f"{s}–{e}"
    title = printable(block.title)
    if occ.chunk is not None:
        title += f" (part {occ.chunk + 1})"
    # What is said about the block stays in sight however long its title is.
    marks = (" (free)" if block.transparent else "") + (PRIVATE_NOTE if block.is_private
                                                        else "")
    # 2 + 11 + 1 + 1 + 1 + 40 + 1 + 9 + 1 + 13 = 80 columns with a 13-character id; a
    # time with its zone's name takes its room from the title.
    width = 40 - max(0, len(when) - 11)
    if len(title) + len(marks) > width:
        title = title[: width - len(marks) - 1].rstrip() + "…"
    title += marks
    sphere = printable(block.sphere)[:9]
    lead = f" {MARK_CONFLICT}" if conflict else "  "
    return f"{lead}{when:<11} {_mark(block)} {title:<{width}} {sphere:<9} {printable(block.id)}"


def _print_day(service: PlannerService, day: date, occurrences: Sequence[Occurrence],
               unplaced: Sequence[tuple[Block, str]] = ()) -> None:
    print(day_label(day, year=True).ljust(50) + f"{service.zone.key:>30}")
    if not occurrences:
        print("  (nothing planned)")
    clashes = service.double_booked(day, 1, list(occurrences))
    for occ in occurrences:
        print(_line(service, occ, day, (occ.block.id, occ.start) in clashes))
    note = _hidden_note(occurrences)
    if note:
        print(f"  … {note}")
    if occurrences:
        print(f"  {MARK_FIXED} fixed  {MARK_FLEXIBLE} flexible  {MARK_PINNED} pinned  "
              f"{MARK_DONE} done" + (f"  {MARK_CONFLICT} double-booked" if clashes else ""))
    if unplaced:
        from planner.core.when import format_duration

        print("  Not placed:")
        for block, reason in unplaced:
            length = format_duration(block.duration or timedelta())
            text = (f"{MARK_FLEXIBLE} {printable(block.title)} ({length}, "
                    f"{printable(block.sphere)}): {printable(reason)}  {printable(block.id)}")
            print(textwrap.fill(text, width=80, initial_indent="    ",
                                subsequent_indent="      ", break_on_hyphens=False))


def _hidden_note(occurrences: Sequence[Occurrence]) -> str:
    """'N more hidden' when a series repeats more often than planner shows."""
    from planner.app.queries import hidden_count
    from planner.core.recurrence import DAY_LIMIT, SERIES_DAY_LIMIT

    hidden, more = hidden_count(occurrences)
    if not hidden:
        return ""
    return (f"{hidden:,}{'+' if more else ''} more hidden: a series repeats more often than "
            f"planner shows (at most {SERIES_DAY_LIMIT} a day of one series, {DAY_LIMIT} "
            "of all such series)")


def _iso(service: PlannerService, moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        return service.local(moment).isoformat(timespec="seconds")
    return moment.isoformat()


def _source_json(block: Block) -> dict[str, Any] | None:
    if block.source is None or not block.source.calendar:
        return None  # own blocks (an own series' override keys its master, not a calendar)
    return {"calendar": block.source.calendar, "uid": block.source.uid,
            "recurrence_id": block.source.recurrence_id}


def _occurrence_json(service: PlannerService, occ: Occurrence,
                     clashes: set[tuple[str, Any]] | None = None) -> dict[str, Any]:
    block = occ.block
    source = None
    if block.source is not None and block.source.calendar:  # not an own series' override
        source = {"calendar": block.source.calendar, "uid": block.source.uid,
                  "recurrence_id": block.source.recurrence_id or (
                      _iso(service, occ.recurrence_id) if occ.recurrence_id is not None
                      and block.is_recurring else None)}
    found = {
        "id": block.id,
        "title": block.title,
        "start": _iso(service, occ.start),
        "end": _iso(service, occ.end),
        "all_day": occ.all_day,
        "sphere": block.sphere,
        "kind": block.kind.value,
        "source": source,
        "transparent": block.transparent,
        "private": block.is_private,
        "location": block.location,
        "notes": block.notes,
        "recurring": block.is_recurring,
        "pinned": block.pinned_start is not None,
        "done": block.done,
        "chunk": occ.chunk,
    }
    if clashes is not None:  # agenda and plan say which ones are double-booked
        found["conflict"] = (block.id, occ.start) in clashes
    return found


# --------------------------------------------------------------------------- commands


def cmd_add(args: argparse.Namespace) -> int:
    service = _service(args)
    sphere = args.sphere or "personal"
    if args.fixed and args.flexible:
        raise UsageError("A block is either --fixed or --flexible, not both.")
    flexible = args.flexible or (args.at is None and not args.fixed)
    if args.fixed and args.at is None:
        raise UsageError("A fixed block needs a start time: add --at, e.g. --at 'fri 14:00'.")
    extra: dict[str, Any] = {"notes": args.notes, "location": args.location}
    if args.private:
        from planner.core.model import Classification

        extra["classification"] = Classification.PRIVATE
    if args.remind:
        extra["alarms"] = _alarms_arg(args.remind)
    if args.travel:
        extra["travel"] = _duration(args.travel, timedelta(0))
    if flexible:
        if args.repeat:
            raise UsageError("Only fixed blocks repeat; give --at to make it fixed.")
        duration = _duration(args.duration, timedelta(minutes=30))
        pin = _when(service, args.at) if args.at else None
        day = _date_arg(service, args.day) if args.day else None
        earliest = _when(service, args.after) if args.after else None
        deadline = _deadline(service, args.by) if args.by else None
        block = service.make_flexible(
            args.title, duration, sphere=sphere, day=day, earliest=earliest, deadline=deadline,
            part=args.part, priority=args.priority,
            min_chunk=_duration(args.split, timedelta()) if args.split else None,
            energy=args.energy, pinned_start=pin.astimezone(UTC) if pin else None, **extra)
        if pin is not None and block.day is None:
            block = block.evolve(day=pin.date(), revision=0)
    else:
        for flag in ("after", "by", "part", "split"):
            if getattr(args, flag):
                raise UsageError(f"--{flag} is for flexible blocks; drop --at or add --flexible.")
        from planner.core.when import first_repeat_start

        rule = _repeat_arg(service, args.repeat, all_day=args.all_day)
        if args.all_day:
            day = _date_arg(service, args.at)
            if rule:
                day = first_repeat_start(rule, day)
            days = _duration(args.duration, timedelta(days=1)).days or 1
            block = service.make_all_day(args.title, day, days, sphere=sphere,
                                         rrule=rule, **extra)
        else:
            start = _when(service, args.at, default_time=time(9, 0))
            if rule:
                start = first_repeat_start(rule, start)
            end = plus_exact(start, _duration(args.duration, timedelta(hours=1)))
            if args.energy:
                from planner.core.model import Energy

                extra["energy"] = Energy(args.energy)
            block = service.make_fixed(args.title, start, end, sphere=sphere,
                                       rrule=rule, **extra)
    if args.calendar:
        block = service.in_linked_calendar(block, args.calendar,
                                           keep_sphere=args.sphere is not None)
    saved = service.add(block)
    return _report_saved(service, saved, "Added")


def _print_moves(service: PlannerService) -> None:
    """What the change moved besides the block it was about."""
    _print_lines(service.plan_notices())


def _print_lines(lines: list[str]) -> None:
    """Sentences such as what a change moved: indented, wrapped at 80 columns."""
    for line in lines:
        print(textwrap.fill(printable(line), width=80, initial_indent="  ",
                            subsequent_indent="    ", break_on_hyphens=False))


def _report_saved(service: PlannerService, block: Block, verb: str) -> int:
    status = _report_block(service, block, verb)
    _print_moves(service)
    _print_lines(service.double_bookings_of(block))
    return status


def _new_recurrence(service: PlannerService, block: Block, text: str) -> Any:
    """`edit --repeat`: the block's new rule (its skipped days kept), or None for 'never'."""
    from dataclasses import replace

    from planner.core.model import Recurrence

    if text.strip().lower() in ("never", "none", "no", "off"):
        if block.is_recurring and service.has_changed_occurrences(block.id):
            raise UsageError(f"{block.title!r} has occurrences changed on their own; delete "
                             "the series or those first.")
        return None
    rule = _repeat_arg(service, text, all_day=block.all_day)
    current = block.recurrence or Recurrence()
    return replace(current, rrule=rule)


def _alarms_arg(values: Sequence[str]) -> tuple[Any, ...]:
    """--remind 15m (repeatable): DISPLAY alarms that long before each start; 'none'."""
    from planner.core.model import Alarm
    from planner.core.when import WhenError, parse_duration

    if [v.strip().lower() for v in values] in (["none"], ["off"], ["never"]):
        return ()
    alarms = []
    for value in values:
        text = value.strip().lower()
        if text in ("0", "0m", "at start", "start"):
            lead = timedelta(0)
        else:
            try:
                lead = parse_duration(text)
            except WhenError as exc:
                raise UsageError(f"--remind {value!r}: give how long before, e.g. '15m', "
                                 "'1h' or '0' for at the start.") from exc
        if lead > timedelta(days=28):
            raise UsageError(f"--remind {value!r}: at most 4 weeks before.")
        alarm = Alarm.before_start(lead)
        if alarm not in alarms:
            alarms.append(alarm)
    return tuple(sorted(alarms, key=lambda a: a.offset or timedelta(0)))


def _repeat_arg(service: PlannerService, text: str | None, *, all_day: bool) -> str | None:
    """--repeat in words ('every weekday', 'monthly until 2027-06-30') or as an RRULE."""
    from planner.core.when import parse_repeat

    if not text:
        return None
    return parse_repeat(text, today=service.today(), zone=service.zone, all_day=all_day)


def _moment_label(moment: datetime) -> str:
    """``Tue 1 Dec 09:00``: the words the app and the plan's notices use (never the
    process locale's strftime), so one output never spells a day two ways."""
    return f"{day_label(moment.date())} {moment:%H:%M}"


def _span_label(start: datetime, end: datetime) -> str:
    """``Tue 1 Dec 09:00–10:00``; the night the clocks go back, with the zone's names
    (``Sun 25 Oct 02:30 CEST–02:00 CET``)."""
    return f"{day_label(start.date())} {clock_span(start, end)}"


def _date_label(moment: datetime | date) -> str:
    return day_label(moment.date() if isinstance(moment, datetime) else moment)


def _report_block(service: PlannerService, block: Block, verb: str) -> int:
    from planner.core.when import describe_rule, format_duration

    title, sphere, ident = printable(block.title), printable(block.sphere), printable(block.id)
    private = " · private" if block.is_private else ""
    if block.is_fixed:
        if isinstance(block.start, datetime) and isinstance(block.end, datetime):
            start, end = service.local(block.start), service.local(block.end)
            when = _span_label(start, end)  # the exact end, in this zone
        else:
            when = f"{_date_label(block.start) if block.start else ''}, all day"
        repeat = ""
        if block.recurrence is not None and block.recurrence.rrule:
            repeat = " · " + describe_rule(block.recurrence.rrule, start=(
                service.local(block.start) if isinstance(block.start, datetime)
                else block.start), zone=service.zone)
        print(f"{verb} {MARK_FIXED} {title} · {sphere}{private} · {when}{repeat}  ({ident})")
        return 0
    duration = format_duration(block.duration or timedelta())
    if block.done:
        print(f"{verb} {MARK_DONE} {title} · done  ({ident})")
        return 0
    if block.planned:
        chunks = ", ".join(_span_label(service.local(s), service.local(e))
                           for s, e in block.planned)
        print(f"{verb} {_mark(block)} {title} · {sphere}{private} · {duration} · "
              f"planned {chunks}  ({ident})")
        return 0
    print(textwrap.fill(f"{verb} {MARK_FLEXIBLE} {title} · {sphere}{private} · {duration} · "
                        f"not placed: {printable(block.plan_note or 'no free time')}  ({ident})",
                        width=80, subsequent_indent="  ", break_on_hyphens=False))
    return EXIT_UNPLACED


def _occurrence_arg(service: PlannerService, text: str) -> date | datetime:
    """--occurrence: a day ('tue', '2026-11-24') or a day and time ('2026-11-24 09:30')."""
    from planner.core.when import WhenError, parse_date

    try:
        day = parse_date(text, today=service.today())
    except WhenError:
        return _when(service, text)
    _in_range(day, text)
    return day


def _slot_day(service: PlannerService, slot: date | datetime) -> str:
    from planner.core.moments import day_label

    if isinstance(slot, datetime):
        return day_label(service.local(slot).date()) if slot.tzinfo else day_label(slot.date())
    return day_label(slot)


def _time_on_slot_day(service: PlannerService, text: str, slot: date | datetime) -> datetime:
    """--at '10:00' moves the occurrence within its own day; a date moves it there."""
    from planner.core.when import WhenError, parse_time

    try:
        clock = parse_time(text)
    except WhenError:
        return _when(service, text)
    day = service.local(slot).date() if isinstance(slot, datetime) and slot.tzinfo else (
        slot.date() if isinstance(slot, datetime) else slot)
    return service.at(day, clock)


def _series_edit(service: PlannerService, args: argparse.Namespace, block: Block) -> int:
    """`edit ID --occurrence DATE [--and-following]`, or --at/--for on a whole series."""
    from planner.app.series import OccurrenceEdit, Scope

    other = [f for f in ("day", "after", "by", "part", "sphere", "priority", "split", "energy",
                         "notes", "location", "pin", "repeat", "remind")
             if getattr(args, f) is not None]
    if args.unpin or args.fixed or args.flexible or args.private or args.public:
        other.append("unpin" if args.unpin else "fixed" if args.fixed else "flexible"
                     if args.flexible else "private" if args.private else "public")
    if args.occurrence and other:
        flag = "--" + other[0].replace("_", "-")
        raise UsageError(f"{flag} changes the whole series; with --occurrence give --at, "
                         "--title or --for.")
    if args.title is None and args.at is None and args.duration is None:
        raise UsageError("Nothing to change: give --at, --title or --for.")
    master = block
    if args.occurrence:
        slot = service.occurrence_slot(block.id, _occurrence_arg(service, args.occurrence))
        scope = Scope.FOLLOWING if args.and_following else Scope.THIS
    else:
        assert master.start is not None
        slot, scope = master.start, Scope.ALL
    start: date | datetime | None = None
    if args.at is not None:
        start = _date_arg(service, args.at) if block.all_day else \
            _time_on_slot_day(service, args.at, slot)
    length = _duration(args.duration, timedelta()) if args.duration is not None else None
    if length is not None and length <= timedelta(0):
        raise UsageError("--for must be a positive duration.")
    edit = OccurrenceEdit(title=args.title, start=start, length=length)
    saved = service.edit_occurrence(block.id, slot, scope, edit)
    day = _slot_day(service, slot)
    what = {Scope.THIS: f"the one on {day}",
            Scope.FOLLOWING: f"from {day} on, as a new series",
            Scope.ALL: "every occurrence"}[scope]
    print(f"Saved {MARK_FIXED} {printable(saved.title)} · {what}  ({printable(saved.id)})")
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    from planner.core.model import Energy, PartOfDay

    service = _service(args)
    block = service.block(args.id)
    if args.and_following and not args.occurrence:
        raise UsageError("--and-following goes with --occurrence DATE.")
    if args.occurrence or (block.is_recurring and (args.at is not None
                                                   or args.duration is not None)):
        if not args.occurrence and (any(getattr(args, f) is not None for f in
                                        ("notes", "location", "sphere", "priority", "energy",
                                         "remind", "repeat")) or args.private or args.public):
            raise UsageError("Change the time of a series on its own (--at/--for), then "
                             "its other details.")
        return _series_edit(service, args, block)
    changes: dict[str, Any] = {}
    if args.title is not None:
        changes["title"] = args.title
    if args.sphere is not None:
        changes["sphere"] = args.sphere
    if args.notes is not None:
        changes["notes"] = args.notes
    if args.location is not None:
        changes["location"] = args.location
    if args.priority is not None:
        changes["priority"] = args.priority
    if args.energy is not None:
        changes["energy"] = None if args.energy == "none" else Energy(args.energy)
    if args.remind is not None:
        changes["alarms"] = _alarms_arg(args.remind)
    if args.private and not block.is_private:
        from planner.core.model import Classification

        changes["classification"] = Classification.PRIVATE
    elif args.public and block.classification is not None:
        changes["classification"] = None  # public: CLASS left unsaid, as for new blocks
    if (args.fixed and block.is_flexible) or (args.flexible and block.is_fixed):
        block = service.toggle_kind(block.id)
    if block.is_fixed:
        for flag in ("day", "after", "by", "part", "split", "pin"):
            if getattr(args, flag):
                raise UsageError(f"--{flag} is for flexible blocks; {block.title!r} is fixed.")
        if args.repeat is not None:
            changes["recurrence"] = _new_recurrence(service, block, args.repeat)
        if args.at is not None or args.duration is not None:
            if block.is_recurring or not isinstance(block.start, datetime):
                raise UsageError(f"{block.title!r} repeats or lasts all day; change it in "
                                 "its calendar.")
            start = _when(service, args.at) if args.at else service.local(block.start)
            length = _duration(args.duration, block.length)
            changes.update(start=start.astimezone(UTC),
                           end=plus_exact(start, length).astimezone(UTC))
    else:
        if args.duration is not None:
            changes["duration"] = _duration(args.duration, timedelta())
        if args.day is not None:
            changes["day"] = _date_arg(service, args.day)
        if args.after is not None:
            changes["earliest"] = _when(service, args.after).astimezone(UTC)
        if args.by is not None:
            changes["deadline"] = _deadline(service, args.by).astimezone(UTC)
        if args.part is not None:
            changes["part_of_day"] = None if args.part == "any" else PartOfDay(args.part)
        if args.split is not None:
            changes["min_chunk"] = _duration(args.split, timedelta())
        if args.at is not None or args.pin is not None:
            changes["pinned_start"] = _when(service, args.pin or args.at).astimezone(UTC)
        if args.unpin:
            changes["pinned_start"] = None
    if changes:
        block = service.update(block.id, **changes)
    elif not (args.fixed or args.flexible or args.private or args.public):
        raise UsageError("Nothing to change: give at least one option, e.g. --title or --at.")
    return _report_saved(service, block, "Saved")


def cmd_done(args: argparse.Namespace) -> int:
    service = _service(args)
    block = service.set_done(args.id, not args.undo)
    print(f"{'Not done' if args.undo else 'Done'}: {printable(block.title)}")
    return 0


def cmd_rm(args: argparse.Namespace) -> int:
    service = _service(args)
    if args.occurrence:
        from planner.app.series import Scope

        title = printable(service.block(args.id).title)
        on = _occurrence_arg(service, args.occurrence)
        slot = service.occurrence_slot(args.id, on)
        scope = Scope.FOLLOWING if args.and_following else Scope.THIS
        service.remove_occurrence(args.id, slot, scope)
        day = _slot_day(service, slot)
        done = f"{title} on {day}" if scope is Scope.THIS else \
            f"{title} from {day} on (earlier ones stay)"
        print(f"Deleted {done}. `planner undo` brings it back.")
        return 0
    if args.and_following:
        raise UsageError("--and-following goes with --occurrence DATE.")
    block = service.remove(args.id)
    if block.is_recurring:
        print(f"Deleted every {printable(block.title)} ({printable(block.id)}). "
              "`planner undo` brings it back.")
        return 0
    print(f"Deleted {printable(block.title)} ({printable(block.id)}). "
          "`planner undo` brings it back.")
    _print_moves(service)
    return 0


def cmd_agenda(args: argparse.Namespace) -> int:
    service = _service(args)
    first = _date_arg(service, args.date)
    if args.days < 1 or args.days > 366:
        raise UsageError("--days must be between 1 and 366.")
    if args.json:
        items = service.agenda(first, args.days)
        clashes = service.double_booked(first, args.days, items)
        json.dump([_occurrence_json(service, o, clashes) for o in items], sys.stdout,
                  ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        note = _hidden_note(items)
        if note:  # the JSON stays exactly the occurrences; the note goes to stderr
            print(f"planner: {note}.", file=sys.stderr)
        return 0
    for n in range(args.days):
        day = first + timedelta(days=n)
        if n:
            print()
        _print_day(service, day, service.agenda(day))
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    service = _service(args)
    day = _date_arg(service, args.date)
    service.plan(day)
    plan = service.day_plan(day)
    if args.json:
        clashes = service.double_booked(day, 1, plan.occurrences)
        json.dump({"date": day.isoformat(),
                   "blocks": [_occurrence_json(service, o, clashes) for o in plan.occurrences],
                   "unplaced": [{"id": b.id, "title": b.title, "reason": r}
                                for b, r in plan.unplaced]},
                  sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        _print_day(service, day, plan.occurrences, plan.unplaced)
    return EXIT_UNPLACED if plan.unplaced else 0


def cmd_import(args: argparse.Namespace) -> int:
    service = _service(args)
    if args.calendar and len(args.sources) > 1:
        raise UsageError("--calendar names one calendar; import one file at a time with it.")
    progress = (lambda text: print(text, file=sys.stderr)) if sys.stderr.isatty() else None
    status = 0
    for source in args.sources:
        try:
            report = service.import_calendar(source, sphere=args.sphere,
                                             calendar=args.calendar, replace=args.replace,
                                             progress=progress, allow_empty=args.allow_empty)
        except PlannerError as exc:
            print(f"planner: {_one_line(exc)}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        print(printable(report.summary))
        if report.copy_of:
            _print_lines([f"{report.copy_of} To keep a second copy, import it with "
                          "--calendar NAME."])
        for notice in report.notices:
            print(f"  note: {printable(notice)}")
        _print_lines(_first_few(report.shows_once, "more series show only once"))
        _print_notices(report, args.verbose)
        _print_lines(report.replanned)
        if report.looks_personal:
            _print_lines([f"Imported as work, though {report.looks_personal}. If this is your "
                          "personal calendar: planner calendars sphere "
                          f"{shlex.quote(report.calendar)} personal"])
    return status


def _first_few(sentences: list[str], rest: str, shown: int = 5) -> list[str]:
    """Up to ``shown`` sentences, then how many more there are (``… and 7 more …``)."""
    more = len(sentences) - shown
    return sentences[:shown] + ([f"… and {more} {rest}."] if more > 0 else [])


def _print_notices(report: Any, verbose: bool) -> None:
    """What an import skipped or repaired: each on one line with -v, else a count."""
    if verbose:
        for line in report.skipped:
            print(f"  skipped {_one_line(line)}")
        for line in report.repaired:
            print(f"  repaired {_one_line(line)}")
    elif report.skipped or report.repaired:
        counts = [f"{len(report.skipped)} skipped"] if report.skipped else []
        counts += [f"{len(report.repaired)} repaired"] if report.repaired else []
        print(f"  ({', '.join(counts)}; -v lists them with the reason)")


def cmd_refresh(args: argparse.Namespace) -> int:
    service = _service(args)
    reports = service.refresh(allow_empty=args.allow_empty)
    if not reports:
        print("No subscriptions yet: `planner import https://…` subscribes to a calendar URL.")
    status = 0
    for report in reports:
        print(printable(report.summary), file=sys.stderr if report.failed else sys.stdout)
        for notice in report.notices:
            print(f"  note: {printable(notice)}")
        _print_lines(report.replanned)
        if report.failed:
            status = EXIT_ERROR
        if args.verbose:
            _print_notices(report, True)
    return status


def cmd_export(args: argparse.Namespace) -> int:
    if args.out is None and not args.preview:
        raise UsageError("Give the file to write, e.g. `planner export week.ics` "
                         "('-' for stdout), or --preview.")
    service = _service(args)
    first = _date_arg(service, args.first) if args.first else None
    last = _date_arg(service, args.last) if args.last else None
    if args.preview:
        sample = service.export_preview(first=first, last=last, busy_only=args.busy_only,
                                        private_as_busy=args.private_as_busy,
                                        spheres=args.sphere, whole_series=args.whole_series)
        if sample is None:
            print("Nothing in that range to preview.")
            return 0
        shown = "as Busy" if sample.busy else "in full"
        print(f"A reader sees {sample.title!r} {shown}:")
        print(sample.text)
        for sentence in sample.left_out:
            print(printable(sentence), file=sys.stderr)
        return 0
    report = service.export(args.out, first=first, last=last, busy_only=args.busy_only,
                            spheres=args.sphere, private_as_busy=args.private_as_busy,
                            whole_series=args.whole_series)
    for sentence in report.left_out:  # said the way import says what it skipped
        print(printable(sentence), file=sys.stderr)
    left = (f", {report.unplaced_left_out} unplaced flexible left out"
            if report.unplaced_left_out else "")
    target = "stdout" if args.out == "-" else printable(args.out)
    print(f"Exported {counted(report.events, 'event')} to {target}{left}.",
          file=sys.stderr if args.out == "-" else sys.stdout)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    service = _service(args)
    first = _date_arg(service, args.first) if args.first else None
    last = _date_arg(service, args.last) if args.last else None
    text = " ".join(args.text)
    found = service.search(text, first, last)
    if args.json:
        json.dump([_occurrence_json(service, o) for o in found], sys.stdout,
                  ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if not found:
        print(f"Nothing found for {text!r}.")
    shown: date | None = None
    for occ in found:
        day = service.local(occ.start).date() if isinstance(occ.start, datetime) else occ.start
        if day != shown:
            print(day_label(day, year=True))
            shown = day
        print(_line(service, occ, day))
    return 0


def cmd_tasks(args: argparse.Namespace) -> int:
    from planner.core.moments import day_label
    from planner.core.when import format_duration

    service = _service(args)
    tasks = service.tasks()
    if args.json:
        rows = []
        for task in tasks:
            block = task.block
            start, end = (block.planned[0][0], block.planned[-1][1]) if block.planned \
                else (None, None)
            rows.append({
                "id": block.id, "title": block.title,
                "start": _iso(service, start) if start else None,
                "end": _iso(service, end) if end else None,
                "all_day": False, "sphere": block.sphere, "kind": block.kind.value,
                "source": _source_json(block),
                "deadline": _iso(service, block.deadline) if block.deadline else None,
                "reason": task.reason, "overdue": task.overdue,
                "duration_minutes": int((block.duration or timedelta()).total_seconds() // 60),
                "priority": block.priority, "pinned": block.pinned_start is not None,
                "chunks": [[_iso(service, s), _iso(service, e)] for s, e in block.planned]})
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if not tasks:
        print("No open tasks: `planner add TITLE --for 1h` adds a flexible one.")
    today = service.today()
    heading = None
    for task in tasks:
        if task.overdue:
            title = "Overdue"
        elif task.due is None:
            title = "No deadline"
        else:
            rel = {0: "today", 1: "tomorrow"}.get((task.due - today).days)
            title = f"Due {rel} ({day_label(task.due)})" if rel else \
                f"Due {day_label(task.due, year=task.due.year != today.year)}"
        if title != heading:
            print(title)
            heading = title
        block = task.block
        length = format_duration(block.duration or timedelta())
        if block.planned:
            when = ", ".join(_span_label(service.local(a), service.local(b))
                             for a, b in block.planned)
        else:
            when = f"not placed: {task.reason}"
        text = (f"{_mark(block)} {printable(block.title)} · {length} · "
                f"{printable(block.sphere)} · {printable(when)}  {printable(block.id)}")
        print(textwrap.fill(text, width=80, initial_indent="  ", subsequent_indent="    ",
                            break_on_hyphens=False))
    return 0


def _window_arg(text: str) -> timedelta:
    """--within: a duration ('60m', '2h') or whole days ('1d', '7 days')."""
    import re

    days = re.fullmatch(r"\s*(\d+)\s*(?:d|day|days)\s*", text.lower())
    window = timedelta(days=int(days[1])) if days else _duration(text, timedelta())
    if window <= timedelta(0):
        raise UsageError("--within must be a positive duration, e.g. 60m, 2h or 1d.")
    return window


def cmd_remind(args: argparse.Namespace) -> int:
    from planner.core.reminders import lead_words
    from planner.core.when import format_duration

    service = _service(args)
    within = _window_arg(args.within)
    found = service.reminders(within)
    if args.json:
        json.dump([{**_occurrence_json(service, r.occurrence), "remind_at": _iso(service, r.at),
                    "reminders": r.count} for r in found],
                  sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    if not found:
        print(f"No reminders in the next {format_duration(within)}.")
    now = service.now()
    for reminder in found:
        occ = reminder.occurrence
        when = _fmt_time(service, occ.start)
        if isinstance(occ.start, datetime) and service.local(occ.start).date() != now.date():
            when = f"{day_label(service.local(occ.start).date())} {when}"
        wait = reminder.at - now
        soon = "now" if wait < timedelta(minutes=1) else f"in {format_duration(wait)}"
        at = service.local(reminder.at)
        shown = f"{at:%H:%M}" if at.date() == now.date() else f"{at:%a %H:%M}"
        print(f"{shown:<9} {soon:<15} {printable(occ.title)} at {when} "
              f"({lead_words(reminder)}, {printable(occ.sphere)})  {printable(occ.block.id)}")
    return 0


def cmd_insights(args: argparse.Namespace) -> int:
    from planner.core.insights import insights_json, nudges

    service = _service(args)
    day = _date_arg(service, args.date)
    if args.week:
        first = day - timedelta(days=day.weekday())
        week = service.week_insights(first)
        if args.json:
            json.dump([insights_json(d) for d in week.days], sys.stdout, indent=1)
            sys.stdout.write("\n")
            return 0
        for d in week.days:
            _print_insights(d)
        for line in nudges(week, service.settings):
            print(f"  → {line}")
        return 0
    insight = service.insights(day)
    if args.json:
        json.dump([insights_json(insight)], sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    _print_insights(insight)
    for line in nudges(insight, service.settings):
        print(f"  → {line}")
    return 0


def _print_insights(d: Any) -> None:
    from planner.core.when import format_duration

    spheres = ", ".join(f"{k} {format_duration(timedelta(minutes=v), compact=True)}"
                        for k, v in sorted(
        d.minutes_by_sphere.items())) or "nothing timed"
    bleed = f", bleed {d.bleed_minutes} min" if d.bleed_minutes else ""
    print(f"{day_label(d.date)}: {spheres}; {d.switches} switches, longest focus "
          f"{d.longest_focus_minutes} min{bleed}")


def cmd_review(args: argparse.Namespace) -> int:
    service = _service(args)
    day = _date_arg(service, args.date)
    if args.output:
        first = service.export_review(day, args.output)
        print(f"Wrote the review of the week of {first:%d %b} to {args.output}.")
    else:
        sys.stdout.write(service.weekly_review(day))
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    words = list(args.words)
    verb = words[0] if words else None
    link_options = [f for f in ("sphere", "username", "password_command") if getattr(args, f)]
    if args.read_only:
        link_options.append("read_only")
    if verb != "add" and link_options:
        flag = "--" + link_options[0].replace("_", "-")
        raise UsageError(f"{flag} is for `planner sync add NAME URL`.")
    if verb in ("add", "list", "remove") and args.allow_empty:
        raise UsageError("--allow-empty is for `planner sync [NAME ...]`.")
    service = _service(args)
    progress = (lambda text: print(text, file=sys.stderr)) if sys.stderr.isatty() else None
    if verb == "add":
        if len(words) != 3:
            raise UsageError("Usage: planner sync add NAME URL --sphere S [--username U] "
                             "[--password-command CMD] [--read-only].")
        if not args.sphere:
            raise UsageError("Give the sphere of the calendar's events: --sphere work or "
                             "--sphere personal (or one from config).")
        report = service.sync_link(words[1], words[2], sphere=args.sphere,
                                    username=args.username,
                                    password_command=args.password_command,
                                    read_only=args.read_only, progress=progress)
        print(f"Linked {printable(words[1])}{' (read-only)' if args.read_only else ''}.")
        _print_sync_report(report)
        return 0
    if verb == "list":
        if len(words) != 1:
            raise UsageError("Usage: planner sync list.")
        return _print_links(service)
    if verb == "remove":
        if len(words) != 2:
            raise UsageError("Usage: planner sync remove NAME.")
        dropped = service.sync_unlink(words[1])
        lost = (f"; {counted(dropped, 'local change')} never sent to the "
                "server went with it") if dropped else ""
        print(f"Unlinked {printable(words[1])}: its local copies are gone, the server is untouched"
              f"{lost}.")
        return 0
    if not words and not service.sync_links():
        print("No linked calendars yet: `planner sync add NAME URL --sphere S` links one.")
        return 0
    status = 0
    for report in service.sync(words, progress=progress, allow_empty=args.allow_empty):
        if report.failed:
            print(f"planner: {_one_line(report.failed)}", file=sys.stderr)
            status = EXIT_ERROR
        else:
            _print_sync_report(report)
    return status


def _print_sync_report(report: Any) -> None:
    print(printable(report.summary()))
    for note in report.notes:
        print(f"  {printable(note)}")
    for line in report.skipped[:20]:
        print(f"  skipped {printable(line)}")


def _print_links(service: PlannerService) -> int:
    found = service.sync_links()
    if not found:
        print("No linked calendars yet: `planner sync add NAME URL --sphere S` links one.")
    for info in found:
        mode = "read-only" if info.read_only else "two-way"
        print(f"{printable(info.name):<20} {printable(info.sphere):<9} {mode:<9} "
              f"{info.events:>5} {noun(info.events, 'event'):<6}  "
              f"{printable(info.shown_url)}")
        if info.last_sync:
            when = service.local(datetime.fromisoformat(info.last_sync))
            state = "ok" if info.ok else "failed"
            said = printable(info.last_result or "")
            print(f"  last sync {_moment_label(when)} ({state}): {said}")
        else:
            print("  never synced")
        if info.pending:
            print(f"  {counted(info.pending, 'local change')} "
                  "waiting to be sent")
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    print(_one_line(_service(args).undo()))
    return 0


def cmd_redo(args: argparse.Namespace) -> int:
    print(_one_line(_service(args).redo()))
    return 0


def cmd_calendars(args: argparse.Namespace) -> int:
    words = list(args.words)
    verb = words[0] if words else None
    usage = {"rename": 3, "remove": 2, "hide": 2, "show": 2, "sphere": 3}
    if verb is not None and (verb not in usage or len(words) != usage[verb]):
        raise UsageError("Usage: planner calendars [rename OLD NEW | remove NAME | "
                         "hide NAME [--busy] | show NAME | sphere NAME SPHERE].")
    if args.busy and verb != "hide":
        raise UsageError("--busy goes with `planner calendars hide NAME`.")
    if args.verbose and verb is not None:
        raise UsageError("-v goes with `planner calendars` alone (the list).")
    service = _service(args)
    if verb == "rename":
        print(_one_line(service.rename_calendar(words[1], words[2])))
    elif verb == "remove":
        print(_one_line(service.remove_calendar(words[1])) + " `planner undo` brings it back.")
    elif verb == "hide":
        print(_one_line(service.hide_calendar(words[1], busy=args.busy)))
    elif verb == "show":
        print(_one_line(service.show_calendar(words[1])))
    elif verb == "sphere":
        print(_one_line(service.set_calendar_sphere(words[1], words[2])))
    else:
        _print_calendars(service, args.verbose)
        return 0
    _print_moves(service)  # a calendar gone, hidden or shown again moves flexible blocks
    return 0


def _shown_path(origin: str) -> str:
    """A file under the current folder as a relative path (shorter, and the same on
    every machine); URLs and other paths as they are."""
    if origin.startswith("/"):
        try:
            relative = os.path.relpath(origin)
        except ValueError:
            return origin
        if not relative.startswith(".."):
            return relative
    return origin


def _print_calendars(service: PlannerService, verbose: bool = False) -> None:
    found = service.calendars()
    if not found:
        print("No calendars yet: `planner import FILE.ics` adds one, `planner sync add` "
              "links one.")
    for cal in found:
        kind = "linked" if cal.linked else "subscribed" if cal.subscribed else "file"
        shown = " (hidden, busy)" if cal.busy else " (hidden)" if cal.hidden else ""
        events = f"{noun(cal.events, 'event'):<6}"
        print(f"{printable(cal.name) + shown:<24} {printable(cal.sphere):<9} {cal.events:>6} "
              f"{events}  {kind:<10} {printable(_shown_path(cal.origin))}")
        if cal.checked_at:
            when = service.local(datetime.fromisoformat(cal.checked_at))
            state = "" if cal.ok is None else (" ok" if cal.ok else " failed")
            result = f": {printable(cal.last_result)}" if cal.last_result and not cal.ok else ""
            print(f"  last {'sync' if cal.linked else 'refresh'} {_moment_label(when)}"
                  f"{state}{result}")
        _print_calendar_notes(cal, verbose)


def _print_calendar_notes(cal: CalendarInfo, verbose: bool) -> None:
    """What the calendar's last import skipped or repaired: a count, or with -v each."""
    if verbose:
        _print_notices(cal, True)
        left_out = cal.skipped_count + cal.repaired_count - len(cal.skipped) - \
            len(cal.repaired)
        if left_out > 0:
            print(f"  … and {left_out:,} more (`planner import -v` on the file lists them all)")
    elif cal.skipped_count or cal.repaired_count:
        counts = [f"{cal.skipped_count:,} skipped"] if cal.skipped_count else []
        counts += [f"{cal.repaired_count:,} repaired"] if cal.repaired_count else []
        print(f"  ({', '.join(counts)} when last read; -v lists them with the reason)")


def cmd_restore(args: argparse.Namespace) -> int:
    from planner.app import restore

    home = getattr(args, "home", None)
    if args.list:
        folder, sets = restore.backups(home)
        if not sets:
            print(f"No backups in {printable(str(folder))} yet.")
        for backup in sets:
            stamps = ", ".join(t.strftime("%d %b %H:%M") for t in backup.taken)
            print(f"{printable(backup.file_name)}: {len(backup.taken)} kept ({stamps})")
        return 0
    restored = restore.restore_damaged(home)
    for item in restored:
        print(f"Restored {printable(str(item.path))} from {printable(item.backup_name)}; the "
              f"damaged file is kept as {printable(item.path.name)}.broken.")
    if not restored:
        print("Nothing to restore: every data file loads.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    service = _service(args)
    for line in service.load_demo():
        print(line)
    return _run_app(service, None)


def cmd_config(args: argparse.Namespace) -> int:
    from planner.app.preferences import config_sample

    path, exists, data, sample = config_sample(getattr(args, "home", None))
    print(f"# {printable(path)} ({'exists' if exists else 'not created yet'}); "
          f"data in {printable(data)}")
    print(sample, end="")
    return 0


def _run_app(service: PlannerService, day: date | None) -> int:
    if not sys.stdout.isatty() and not os.environ.get("PLANNER_FORCE_APP"):
        raise UsageError("The day view needs a terminal; use `planner agenda` in scripts.")
    from planner.ui.memory import pause_collector

    pause_collector()  # importing Textual too: on again once the first day is painted
    from planner.ui.app import PlannerApp

    app = PlannerApp(service, start_day=day)
    app.run()
    # A crash inside the app (a bug) has been shown by Textual; the exit status says so.
    return app.return_code or 0


COMMANDS = {
    "add": cmd_add, "edit": cmd_edit, "done": cmd_done, "rm": cmd_rm, "agenda": cmd_agenda,
    "plan": cmd_plan, "import": cmd_import, "refresh": cmd_refresh, "export": cmd_export,
    "insights": cmd_insights, "review": cmd_review, "undo": cmd_undo, "redo": cmd_redo,
    "calendars": cmd_calendars, "restore": cmd_restore, "demo": cmd_demo, "config": cmd_config,
    "sync": cmd_sync, "remind": cmd_remind, "search": cmd_search, "tasks": cmd_tasks,
}


def _one_line(exc: BaseException | str) -> str:
    """The message on one line, control characters shown: a title or date typed with a
    stray CR, newline or terminal escape must not split the sentence or repaint the screen."""
    return printable(str(exc))


def _exact_output(args: argparse.Namespace) -> bool:
    """JSON and an export to stdout carry the data exactly (a program reads them); the
    app draws its own screen."""
    return (args.command in (None, "demo") or bool(getattr(args, "json", False))
            or (args.command == "export" and getattr(args, "out", None) == "-"))


# Top-level options that take a value (argparse also accepts any unique prefix).
_VALUE_OPTIONS = ("--home", "--tz", "--date")


def command_word(argv: Sequence[str]) -> str | None:
    """The command argparse will run, read the way it reads the top-level options."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token == "--":
            return None
        elif token.startswith("--") and "=" not in token:
            matches = [o for o in (*_VALUE_OPTIONS, "--help", "--version") if o.startswith(token)]
            skip = bool(matches) and all(o in _VALUE_OPTIONS for o in matches)
        elif not token.startswith("-"):
            return token if token in COMMANDS else None
    return None


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Arguments as the full parser reads them, building only the command being run when
    that is certain to give the same result; help and every error use the full parser."""
    chosen = command_word(argv)
    if chosen is not None and not {"-h", "--help"} & set(argv):
        try:
            args = build_parser(only=chosen, parser_class=_AttemptParser).parse_args(argv)
        except _TryAgain:
            pass
        else:
            if args.command == chosen:
                return args
    return build_parser().parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else list(argv))
    if _exact_output(args):
        return _main(args)
    with safe_output():
        return _main(args)


# Arguments that are only ever used as paths: the file system takes any bytes there.
PATH_ARGUMENTS = frozenset({"home", "out", "output"})


def _check_text(args: argparse.Namespace) -> None:
    """Text that planner keeps (titles, names, dates, an imported file's path) must be
    UTF-8: a stray Latin-1 byte from the shell would otherwise fail the save."""
    for dest, value in vars(args).items():
        if dest in PATH_ARGUMENTS:
            continue
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and not _is_utf8(text):
                shown = os.fsencode(text).decode("ascii", "backslashreplace")
                name = _POSITIONALS.get(dest) or f"--{dest.replace('_', '-')} value"
                hint = " (rename the file)" if dest == "sources" else ""
                raise UsageError(f"The {name} '{shown}' is not valid UTF-8; planner keeps "
                                 f"text in UTF-8{hint}.")


_POSITIONALS = {"title": "title", "id": "id", "date": "date", "sources": "file or address",
                "text": "search text", "words": "argument"}


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")  # undecodable argv bytes arrive as lone surrogates
    except UnicodeEncodeError:
        return False
    return True


def _main(args: argparse.Namespace) -> int:
    try:
        _check_text(args)
        if args.command is None:
            service = _service(args)
            day = _date_arg(service, args.date) if args.date else None
            return _run_app(service, day)
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("planner: interrupted; nothing half-saved (writes are atomic).", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Busy as exc:
        print(f"planner: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BUSY
    except PlannerError as exc:
        print(f"planner: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        if os.environ.get("PLANNER_DEBUG"):
            raise
        print(f"planner: unexpected error ({type(exc).__name__}: {_one_line(exc)}); saves are "
              "all or nothing. Set PLANNER_DEBUG=1 to see details.", file=sys.stderr)
        return 70
