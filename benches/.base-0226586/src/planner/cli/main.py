"""The command line: argparse in, one service call, text or JSON out.

Every failure a user can cause ends as one sentence on stderr and a non-zero exit:
1 for bad input or data, 3 when some flexible blocks could not be placed, 75 when
another planner holds the store.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from planner import __version__

if TYPE_CHECKING:
    from planner.app.service import PlannerService
    from planner.core.model import Block, Occurrence

EXIT_ERROR = 1
EXIT_UNPLACED = 3
EXIT_BUSY = 75

MARK_FIXED = "■"
MARK_FLEXIBLE = "○"
MARK_PINNED = "◆"
MARK_DONE = "✓"


class UsageError(Exception):
    """A command-line value makes no sense; the message is one sentence."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One sentence, not argparse's usage block, and the conventional exit 2.
        message = _one_line(message)
        sys.stderr.write(f"planner: {message[0].upper()}{message[1:]}. "
                         "See `planner --help`.\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", metavar="DIR", default=argparse.SUPPRESS,
                        help="folder for data and config (default: $PLANNER_HOME or the "
                             "platform's user folders)")
    common.add_argument("--tz", metavar="ZONE", default=argparse.SUPPRESS,
                        help="IANA time zone that cuts days and prints times")

    parser = _Parser(prog="planner", parents=[common],
                     description="One timeline for work and personal life. With no command, "
                                 "opens the day view.")
    parser.add_argument("--version", action="version", version=f"planner {__version__}")
    parser.add_argument("--date", metavar="DATE", help="open the day view on this date")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
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
    p.add_argument("--repeat", metavar="RRULE", help="repeat a fixed block, e.g. "
                   "'FREQ=WEEKLY;BYDAY=MO,WE'")
    p.add_argument("--travel", metavar="DURATION", help="travel time before a fixed block")
    p.add_argument("--notes", default="")
    p.add_argument("--location", default="")
    p.add_argument("--all-day", action="store_true", help="a date-only block (with --at DATE)")

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

    p = command("done", "mark a flexible block done")
    p.add_argument("id")
    p.add_argument("--undo", action="store_true", help="mark it not done")

    p = command("rm", "delete a block")
    p.add_argument("id")

    p = command("agenda", "print the blended day(s)")
    p.add_argument("date", nargs="?")
    p.add_argument("--days", type=int, default=1)
    p.add_argument("--json", action="store_true")

    p = command("plan", "place flexible blocks and print the day")
    p.add_argument("date", nargs="?")
    p.add_argument("--json", action="store_true")

    p = command("import", "import .ics files or subscribe to calendar URLs")
    p.add_argument("sources", nargs="+", metavar="FILE_OR_URL")
    p.add_argument("--sphere")
    p.add_argument("--calendar", metavar="NAME")
    p.add_argument("-v", "--verbose", action="store_true", help="list what was skipped and why")

    p = command("refresh", "re-fetch every subscribed calendar URL")
    p.add_argument("-v", "--verbose", action="store_true")

    p = command("export", "write the blended schedule as .ics ('-' for stdout)")
    p.add_argument("out", metavar="OUT.ics")
    p.add_argument("--from", dest="first", metavar="DATE")
    p.add_argument("--to", dest="last", metavar="DATE")
    p.add_argument("--busy-only", action="append", default=[], metavar="SPHERE",
                   help="write this sphere as 'Busy' with no details (repeatable)")
    p.add_argument("--private-as-busy", action="store_true",
                   help="same as --busy-only personal")
    p.add_argument("--sphere", action="append", default=None, metavar="SPHERE",
                   help="export only this sphere (repeatable)")

    p = command("insights", "balance, switches and bleed for a day or week")
    p.add_argument("date", nargs="?")
    p.add_argument("--week", action="store_true")
    p.add_argument("--json", action="store_true")

    p = command("review", "weekly review as Markdown")
    p.add_argument("date", nargs="?", help="any day in the week (default: this week)")
    p.add_argument("--week", action="store_true", help="(the default; kept for symmetry)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the Markdown to FILE")

    command("undo", "undo the last change")
    command("redo", "redo the last undone change")
    command("calendars", "list imported calendars and subscriptions")

    p = command("restore", "bring back the last good copy of a damaged data file")
    p.add_argument("--list", action="store_true", help="list the backups kept")

    command("demo", "load the example week into the home (if empty) and open the day view")
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
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"PLANNER_NOW={text!r} is not an ISO 8601 date-time.") from exc
    if moment.tzinfo is None:
        raise UsageError(f"PLANNER_NOW={text!r} needs a UTC offset, e.g. +00:00.")
    return lambda: moment


# Day arithmetic (a day's end, a week, a time zone shift) overflows at the calendar's
# edges, so dates there are refused up front instead of crashing deep inside.
SAFE_YEARS = range(2, 9998)


def _in_range(value: date, text: str) -> None:
    if value.year not in SAFE_YEARS:
        raise UsageError(f"{text!r} is outside the years {SAFE_YEARS.start}–"
                         f"{SAFE_YEARS.stop - 1} that planner handles.")


def _date_arg(service: PlannerService, text: str | None) -> date:
    from planner.core.when import parse_date

    if not text:
        return service.today()
    day = parse_date(text, today=service.today())
    _in_range(day, text)
    return day


def _when(service: PlannerService, text: str, default_time: time | None = None) -> datetime:
    from planner.core.when import parse_when

    try:
        moment = parse_when(text, now=service.now(), default_time=default_time)
    except OverflowError as exc:  # e.g. 0001-01-01 00:30 in Berlin is before year 1 in UTC
        raise UsageError(f"{text!r} is outside the years {SAFE_YEARS.start}–"
                         f"{SAFE_YEARS.stop - 1} that planner handles.") from exc
    _in_range(moment, text)
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


def _line(service: PlannerService, occ: Occurrence, day: date) -> str:
    block = occ.block
    if occ.all_day:
        when = "all day"
    else:
        start, end = service.local(occ.start), service.local(occ.end)  # type: ignore[arg-type]
        s = start.strftime("%H:%M") if start.date() == day else "  ←  "
        e = end.strftime("%H:%M") if end.date() == day else ("24:00" if end.time() == time(0)
                                                             and end.date() == day
                                                             + timedelta(days=1) else "  →  ")
        when = f"{s}–{e}"
    title = block.title
    if occ.chunk is not None:
        title += f" (part {occ.chunk + 1})"
    if block.transparent:
        title += " (free)"
    # 2 + 11 + 1 + 1 + 1 + 40 + 1 + 9 + 1 + 13 = 80 columns with a 13-character id.
    width = 40
    if len(title) > width:
        title = title[: width - 1] + "…"
    return f"  {when:<11} {_mark(block)} {title:<{width}} {block.sphere[:9]:<9} {block.id}"


def _print_day(service: PlannerService, day: date, occurrences: Sequence[Occurrence],
               unplaced: Sequence[tuple[Block, str]] = ()) -> None:
    from planner.core.when import format_duration

    print(f"{day:%a %d %b %Y}".ljust(50) + f"{service.zone.key:>30}")
    if not occurrences:
        print("  (nothing planned)")
    for occ in occurrences:
        print(_line(service, occ, day))
    if occurrences:
        print(f"  {MARK_FIXED} fixed  {MARK_FLEXIBLE} flexible  {MARK_PINNED} pinned  "
              f"{MARK_DONE} done")
    if unplaced:
        print("  Not placed:")
        for block, reason in unplaced:
            length = format_duration(block.duration or timedelta())
            text = f"{MARK_FLEXIBLE} {block.title} ({length}, {block.sphere}): {reason}  {block.id}"
            print(textwrap.fill(text, width=80, initial_indent="    ",
                                subsequent_indent="      ", break_on_hyphens=False))


def _iso(service: PlannerService, moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        return service.local(moment).isoformat(timespec="seconds")
    return moment.isoformat()


def _occurrence_json(service: PlannerService, occ: Occurrence) -> dict[str, Any]:
    block = occ.block
    source = None
    if block.source is not None:
        source = {"calendar": block.source.calendar, "uid": block.source.uid,
                  "recurrence_id": block.source.recurrence_id or (
                      _iso(service, occ.recurrence_id) if occ.recurrence_id is not None
                      and block.is_recurring else None)}
    return {
        "id": block.id,
        "title": block.title,
        "start": _iso(service, occ.start),
        "end": _iso(service, occ.end),
        "all_day": occ.all_day,
        "sphere": block.sphere,
        "kind": block.kind.value,
        "source": source,
        "transparent": block.transparent,
        "location": block.location,
        "notes": block.notes,
        "recurring": block.is_recurring,
        "pinned": block.pinned_start is not None,
        "done": block.done,
        "chunk": occ.chunk,
    }


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
        if args.all_day:
            day = _date_arg(service, args.at)
            from planner.app.service import new_block_id
            from planner.core.model import Block, Kind

            days = _duration(args.duration, timedelta(days=1)).days or 1
            block = Block(id=new_block_id(), title=args.title, sphere=sphere, kind=Kind.FIXED,
                          start=day, end=day + timedelta(days=days), **extra)
        else:
            start = _when(service, args.at, default_time=time(9, 0))
            end = start + _duration(args.duration, timedelta(hours=1))
            if args.energy:
                from planner.core.model import Energy

                extra["energy"] = Energy(args.energy)
            block = service.make_fixed(args.title, start, end, sphere=sphere,
                                       rrule=args.repeat, **extra)
            if args.repeat:
                _check_rrule(args.repeat)
    saved = service.add(block)
    return _report_saved(service, saved, "Added")


def _check_rrule(rule: str) -> None:
    from dateutil.rrule import rrulestr

    try:
        rrulestr(f"RRULE:{rule}", dtstart=datetime(2026, 1, 1))
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--repeat {rule!r} is not an RRULE such as "
                         "'FREQ=WEEKLY;BYDAY=MO,WE'.") from exc


def _report_saved(service: PlannerService, block: Block, verb: str) -> int:
    from planner.core.when import format_duration

    if block.is_fixed:
        if isinstance(block.start, datetime):
            when = service.local(block.start).strftime("%a %d %b %H:%M")
        else:
            when = f"{block.start:%a %d %b}, all day"
        print(f"{verb} {MARK_FIXED} {block.title} · {block.sphere} · {when}  ({block.id})")
        return 0
    duration = format_duration(block.duration or timedelta())
    if block.done:
        print(f"{verb} {MARK_DONE} {block.title} · done  ({block.id})")
        return 0
    if block.planned:
        chunks = ", ".join(f"{service.local(s):%a %d %b %H:%M}–{service.local(e):%H:%M}"
                           for s, e in block.planned)
        print(f"{verb} {_mark(block)} {block.title} · {block.sphere} · {duration} · "
              f"planned {chunks}  ({block.id})")
        return 0
    print(f"{verb} {MARK_FLEXIBLE} {block.title} · {block.sphere} · {duration} · not placed: "
          f"{block.plan_note or 'no free time'}  ({block.id})")
    return EXIT_UNPLACED


def cmd_edit(args: argparse.Namespace) -> int:
    from planner.core.model import Energy, PartOfDay

    service = _service(args)
    block = service.block(args.id)
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
    if (args.fixed and block.is_flexible) or (args.flexible and block.is_fixed):
        block = service.toggle_kind(block.id)
    if block.is_fixed:
        for flag in ("day", "after", "by", "part", "split", "pin"):
            if getattr(args, flag):
                raise UsageError(f"--{flag} is for flexible blocks; {block.title!r} is fixed.")
        if args.at is not None or args.duration is not None:
            if block.is_recurring or not isinstance(block.start, datetime):
                raise UsageError(f"{block.title!r} repeats or lasts all day; change it in "
                                 "its calendar.")
            start = _when(service, args.at) if args.at else service.local(block.start)
            length = _duration(args.duration, block.length)
            changes.update(start=start.astimezone(UTC), end=(start + length).astimezone(UTC))
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
    elif not (args.fixed or args.flexible):
        raise UsageError("Nothing to change: give at least one option, e.g. --title or --at.")
    return _report_saved(service, block, "Saved")


def cmd_done(args: argparse.Namespace) -> int:
    service = _service(args)
    block = service.set_done(args.id, not args.undo)
    print(f"{'Not done' if args.undo else 'Done'}: {block.title}")
    return 0


def cmd_rm(args: argparse.Namespace) -> int:
    service = _service(args)
    block = service.remove(args.id)
    print(f"Deleted {block.title} ({block.id}). `planner undo` brings it back.")
    return 0


def cmd_agenda(args: argparse.Namespace) -> int:
    service = _service(args)
    first = _date_arg(service, args.date)
    if args.days < 1 or args.days > 366:
        raise UsageError("--days must be between 1 and 366.")
    if args.json:
        items = service.agenda(first, args.days)
        json.dump([_occurrence_json(service, o) for o in items], sys.stdout,
                  ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
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
        json.dump({"date": day.isoformat(),
                   "blocks": [_occurrence_json(service, o) for o in plan.occurrences],
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
                                             calendar=args.calendar, progress=progress)
        except _user_errors() as exc:
            print(f"planner: {_one_line(exc)}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        print(report.summary)
        if report.skipped:
            if args.verbose:
                for line in report.skipped:
                    print(f"  skipped {line}")
            else:
                print(f"  ({len(report.skipped)} skipped; -v lists them with the reason)")
    return status


def cmd_refresh(args: argparse.Namespace) -> int:
    service = _service(args)
    reports = service.refresh()
    if not reports:
        print("No subscriptions yet: `planner import https://…` subscribes to a calendar URL.")
    status = 0
    for report in reports:
        print(report.summary, file=sys.stderr if report.failed else sys.stdout)
        if report.failed:
            status = EXIT_ERROR
        if args.verbose:
            for line in report.skipped:
                print(f"  skipped {line}")
    return status


def cmd_export(args: argparse.Namespace) -> int:
    service = _service(args)
    first = _date_arg(service, args.first) if args.first else None
    last = _date_arg(service, args.last) if args.last else None
    busy = list(args.busy_only) + (["personal"] if args.private_as_busy else [])
    report = service.export(args.out, first=first, last=last, busy_only=busy,
                            spheres=args.sphere)
    left = (f", {report.unplaced_left_out} unplaced flexible left out"
            if report.unplaced_left_out else "")
    target = "stdout" if args.out == "-" else args.out
    print(f"Exported {report.events} events to {target}{left}.",
          file=sys.stderr if args.out == "-" else sys.stdout)
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
    spheres = ", ".join(f"{k} {v // 60}h{v % 60:02d}" for k, v in sorted(
        d.minutes_by_sphere.items())) or "nothing timed"
    bleed = f", bleed {d.bleed_minutes} min" if d.bleed_minutes else ""
    print(f"{d.date:%a %d %b}: {spheres}; {d.switches} switches, longest focus "
          f"{d.longest_focus_minutes} min{bleed}")


def cmd_review(args: argparse.Namespace) -> int:
    service = _service(args)
    day = _date_arg(service, args.date)
    text = service.weekly_review(day)
    if args.output:
        from pathlib import Path

        from planner.app.exporting import _write_atomically

        _write_atomically(Path(args.output), text.encode("utf-8"))
        first = day - timedelta(days=day.weekday())
        print(f"Wrote the review of the week of {first:%d %b} to {args.output}.")
    else:
        sys.stdout.write(text)
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    print(_service(args).undo())
    return 0


def cmd_redo(args: argparse.Namespace) -> int:
    print(_service(args).redo())
    return 0


def cmd_calendars(args: argparse.Namespace) -> int:
    from planner.adapters.ical.fetch import redact_url

    service = _service(args)
    names = service.store.calendar_names()
    if not names:
        print("No imported calendars yet: `planner import FILE.ics` adds one.")
    for name in names:
        meta = service.store.calendar_meta(name)
        origin = redact_url(meta["url"]) if meta.get("url") else meta.get("path", "")
        count = len(service.store.calendar_blocks(name))
        print(f"{name:<24} {meta.get('sphere', 'work'):<9} {count:>6} events  {origin}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from planner.adapters.config import resolve_paths
    from planner.adapters.store import (
        CALENDAR_DIR,
        MAIN_FILE,
        StoreError,
        check_data_file,
        list_backups,
        restore_latest_good,
    )

    paths = resolve_paths(getattr(args, "home", None))
    if args.list:
        backups = list_backups(paths.data)
        if not backups:
            print(f"No backups in {paths.data / 'backups'} yet.")
        for name, files in sorted(backups.items()):
            stamps = ", ".join(datetime.fromtimestamp(f.stat().st_mtime).strftime(
                "%d %b %H:%M") for f in files)
            print(f"{name}: {len(files)} kept ({stamps})")
        return 0
    files = [paths.data / MAIN_FILE]
    folder = paths.data / CALENDAR_DIR
    if folder.is_dir():
        files += sorted(folder.glob("*.json"))
    restored = 0
    for path in files:
        try:
            check_data_file(path)
            continue
        except StoreError:
            pass
        used = restore_latest_good(paths.data, path.name)
        print(f"Restored {path} from {used.name}; the damaged file is kept as "
              f"{path.name}.broken.")
        restored += 1
    if not restored:
        print("Nothing to restore: every data file loads.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from planner.app.demo import load_demo

    service = _service(args)
    for line in load_demo(service):
        print(line)
    return _run_app(service, None)


def cmd_config(args: argparse.Namespace) -> int:
    from planner.adapters.config import SAMPLE_CONFIG, resolve_paths

    paths = resolve_paths(getattr(args, "home", None))
    state = "exists" if paths.config_file.exists() else "not created yet"
    print(f"# {paths.config_file} ({state}); data in {paths.data}")
    print(SAMPLE_CONFIG, end="")
    return 0


def _run_app(service: PlannerService, day: date | None) -> int:
    if not sys.stdout.isatty() and not os.environ.get("PLANNER_FORCE_APP"):
        raise UsageError("The day view needs a terminal; use `planner agenda` in scripts.")
    from planner.ui.app import PlannerApp

    PlannerApp(service, start_day=day).run()
    return 0


COMMANDS = {
    "add": cmd_add, "edit": cmd_edit, "done": cmd_done, "rm": cmd_rm, "agenda": cmd_agenda,
    "plan": cmd_plan, "import": cmd_import, "refresh": cmd_refresh, "export": cmd_export,
    "insights": cmd_insights, "review": cmd_review, "undo": cmd_undo, "redo": cmd_redo,
    "calendars": cmd_calendars, "restore": cmd_restore, "demo": cmd_demo, "config": cmd_config,
}


def _one_line(exc: BaseException | str) -> str:
    """The message with control characters escaped: a title or date typed with a stray
    CR, newline or terminal escape must not split the sentence or repaint the screen."""
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in str(exc))


def _user_errors() -> tuple[type[BaseException], ...]:
    from planner.adapters.config import ConfigError
    from planner.adapters.store import StoreError
    from planner.app.service import PlannerError
    from planner.core.when import WhenError

    return (UsageError, PlannerError, StoreError, ConfigError, WhenError)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
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
    except Exception as exc:
        from planner.adapters.store import StoreBusy

        if isinstance(exc, StoreBusy):
            print(f"planner: {_one_line(exc)}", file=sys.stderr)
            return EXIT_BUSY
        if isinstance(exc, _user_errors()):
            print(f"planner: {_one_line(exc)}", file=sys.stderr)
            return EXIT_ERROR
        if os.environ.get("PLANNER_DEBUG"):
            raise
        print(f"planner: unexpected error ({type(exc).__name__}: {exc}); nothing was "
              "changed. Set PLANNER_DEBUG=1 to see details.", file=sys.stderr)
        return 70
