"""Where planner keeps things, and the TOML config file that fills ``Settings``.

``--home DIR`` / ``PLANNER_HOME`` put data and config in one folder (tests use a
temporary one); otherwise the platform's user data and config folders are used.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from planner.adapters.files import read_regular, write_atomically
from planner.core.errors import PlannerError
from planner.core.model import PERSONAL, WORK
from planner.core.settings import WEEKDAYS, Settings, SphereInfo, TimeRange, WeeklyHours

APP_NAME = "planner"
CONFIG_FILE = "config.toml"


class ConfigError(PlannerError, ValueError):
    """The config file is unreadable or has a bad value; the message names the key."""


@dataclass(frozen=True, slots=True)
class Paths:
    data: Path  # the store lives here
    config: Path  # config.toml and user themes live here

    @property
    def config_file(self) -> Path:
        return self.config / CONFIG_FILE

    @property
    def themes(self) -> Path:
        return self.config / "themes"


def resolve_paths(home: str | os.PathLike[str] | None = None) -> Paths:
    chosen = home if home is not None else os.environ.get("PLANNER_HOME")
    if chosen:
        root = Path(chosen).expanduser()
        return Paths(data=root, config=root)
    from platformdirs import user_config_dir, user_data_dir  # only without a home given

    return Paths(data=Path(user_data_dir(APP_NAME)), config=Path(user_config_dir(APP_NAME)))


_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$")
_ALL_DAY = ("all day", "all-day", "allday")


def _parse_time(text: str, key: str) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match:
        raise ConfigError(f"{key}: {text!r} is not a time like '09:00'.")
    hour, minute = int(match[1]), int(match[2])
    if hour == 24 and minute == 0:
        return time(23, 59, 59)
    if hour > 23 or minute > 59:
        raise ConfigError(f"{key}: {text!r} is not a time of day.")
    return time(hour, minute)


def _parse_range(text: Any, key: str) -> tuple[TimeRange, ...]:
    if not isinstance(text, str):
        raise ConfigError(f"{key}: expected text like '09:00-17:30', got {text!r}.")
    if text.strip().lower() in _ALL_DAY:
        return ((time(0, 0), time(23, 59, 59)),)
    if text.strip().lower() in ("", "off", "none"):
        return ()
    ranges = []
    for part in text.split(","):
        pieces = part.split("-")
        if len(pieces) != 2:
            raise ConfigError(f"{key}: {part.strip()!r} is not a time range like '09:00-17:30'.")
        start, end = _parse_time(pieces[0], key), _parse_time(pieces[1], key)
        if end <= start:
            raise ConfigError(f"{key}: {part.strip()!r} ends before it starts.")
        ranges.append((start, end))
    return tuple(ranges)


MAX_DURATION_MINUTES = 24 * 60  # a granularity or a bridge longer than a day means nothing
MAX_SYNC_MINUTES = 7 * 24 * 60


def _parse_duration(value: Any, key: str) -> timedelta:
    minutes: int | None = None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        minutes = value
    elif isinstance(value, str):
        match = _DURATION.match(value)
        if match and (match[1] or match[2]):
            minutes = int(match[1] or 0) * 60 + int(match[2] or 0)
    if minutes is None:
        raise ConfigError(f"{key}: {value!r} is not a duration like '10m' or '1h30m'.")
    if minutes > MAX_DURATION_MINUTES:  # huge numbers overflowed date arithmetic later
        raise ConfigError(f"{key}: {value!r} is longer than a day; give a duration like "
                          "'10m' or '1h30m'.")
    return timedelta(minutes=minutes)


def _parse_weekly(table: Any, key: str) -> WeeklyHours:
    """Accepts {mon = "..", ...}, plus shorthands 'weekdays', 'weekend', 'daily'."""
    if not isinstance(table, dict):
        raise ConfigError(f"{key}: expected a table of weekdays, e.g. weekdays = '09:00-17:30'.")
    groups = {"weekdays": range(5), "weekend": range(5, 7), "daily": range(7)}
    hours: WeeklyHours = {}
    # Shorthands first so a named weekday can override them.
    for name in sorted(table, key=lambda n: (n not in groups, n)):
        value = table[name]
        days: Iterable[int] | None = groups.get(name)
        if days is None:
            if name not in WEEKDAYS:
                raise ConfigError(f"{key}.{name}: unknown weekday; use mon..sun, weekdays, "
                                  "weekend or daily.")
            days = (WEEKDAYS.index(name),)
        for day in days:
            hours[day] = _parse_range(value, f"{key}.{name}")
    return hours


def _parse_shutdown(value: Any, key: str) -> dict[int, time]:
    if isinstance(value, str):
        at = _parse_time(value, key)
        return {d: at for d in range(5)}
    if isinstance(value, dict):
        result: dict[int, time] = {}
        weekly = {"weekdays": range(5), "weekend": range(5, 7), "daily": range(7)}
        for name, text in value.items():
            days = weekly.get(name) or ((WEEKDAYS.index(name),) if name in WEEKDAYS else None)
            if days is None:
                raise ConfigError(f"{key}.{name}: unknown weekday.")
            for day in days:
                result[day] = _parse_time(str(text), f"{key}.{name}")
        return result
    raise ConfigError(f"{key}: expected a time like '17:30' or a table of weekdays.")


def _expect_table(doc: dict[str, Any], name: str) -> dict[str, Any]:
    value = doc.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{name}: expected a table ([{name}]).")
    return value


_KNOWN_TOP = {"timezone", "theme", "nudges", "day", "working_hours", "boundaries", "spheres",
              "sync", "reminders"}


def settings_from_toml(doc: dict[str, Any]) -> Settings:
    unknown = sorted(set(doc) - _KNOWN_TOP)
    if unknown:
        raise ConfigError(f"{unknown[0]}: unknown setting; known ones are "
                          f"{', '.join(sorted(_KNOWN_TOP))}.")
    settings = Settings()
    changes: dict[str, Any] = {}
    if "timezone" in doc:
        zone = doc["timezone"]
        if not isinstance(zone, str) or not _zone_exists(zone):
            raise ConfigError(f"timezone: {zone!r} is not an IANA time zone like 'Europe/Berlin'.")
        changes["timezone"] = zone
    if "theme" in doc:
        if not isinstance(doc["theme"], str):
            raise ConfigError("theme: expected a theme name.")
        changes["theme"] = doc["theme"]
    if "nudges" in doc:
        if not isinstance(doc["nudges"], bool):
            raise ConfigError("nudges: expected true or false.")
        changes["nudges"] = doc["nudges"]

    day = _expect_table(doc, "day")
    if "start" in day:
        changes["day_start"] = _parse_time(str(day["start"]), "day.start")
    if "end" in day:
        changes["day_end"] = _parse_time(str(day["end"]), "day.end")
    if "granularity" in day:
        changes["granularity"] = _parse_duration(day["granularity"], "day.granularity")
        if changes["granularity"] <= timedelta(0):
            raise ConfigError("day.granularity: must be at least one minute.")
    if changes.get("day_start", settings.day_start) >= changes.get("day_end", settings.day_end):
        raise ConfigError("day.end: the day must end after it starts.")

    spheres = dict(settings.spheres)
    for name, table in _expect_table(doc, "spheres").items():
        key = f"spheres.{name}"
        if not isinstance(table, dict):
            raise ConfigError(f"{key}: expected a table with colour and parent.")
        default_parent = name if name in (WORK, PERSONAL) else PERSONAL
        parent = table.get("parent", default_parent)
        if parent not in (WORK, PERSONAL):
            raise ConfigError(f"{key}.parent: must be 'work' or 'personal', not {parent!r}.")
        colour = table.get("colour", table.get("color", spheres.get(name, SphereInfo(
            name, "#9a9a9a", parent)).colour))
        if not isinstance(colour, str) or not colour:
            raise ConfigError(f"{key}.colour: expected a colour like '#4f8fd8'.")
        spheres[name] = SphereInfo(name, colour, parent)
    changes["spheres"] = spheres

    hours = _expect_table(doc, "working_hours")
    if hours:
        working = dict(settings.working_hours)
        for sphere, table in hours.items():
            if sphere not in spheres:
                raise ConfigError(f"working_hours.{sphere}: unknown sphere; known ones are "
                                  f"{', '.join(spheres)}.")
            working[sphere] = _parse_weekly(table, f"working_hours.{sphere}")
        changes["working_hours"] = working

    bounds = _expect_table(doc, "boundaries")
    if "protected" in bounds:
        changes["protected"] = _parse_weekly(bounds["protected"], "boundaries.protected")
    if "shutdown" in bounds:
        changes["shutdown"] = _parse_shutdown(bounds["shutdown"], "boundaries.shutdown")
    if "bridge" in bounds:
        changes["bridge"] = _parse_duration(bounds["bridge"], "boundaries.bridge")
    if "bridge_title" in bounds:
        changes["bridge_title"] = str(bounds["bridge_title"])

    sync = _expect_table(doc, "sync")
    unknown_sync = sorted(set(sync) - {"on_start", "every"})
    if unknown_sync:
        raise ConfigError(f"sync.{unknown_sync[0]}: unknown setting; known ones are "
                          "on_start and every.")
    if "on_start" in sync:
        if not isinstance(sync["on_start"], bool):
            raise ConfigError("sync.on_start: expected true or false.")
        changes["sync_on_start"] = sync["on_start"]
    if "every" in sync:
        every = sync["every"]
        if isinstance(every, bool) or not isinstance(every, int) or \
                not 1 <= every <= MAX_SYNC_MINUTES:
            raise ConfigError(f"sync.every: expected a number of minutes from 1 to "
                              f"{MAX_SYNC_MINUTES} (a week), not {every!r}.")
        changes["sync_every"] = timedelta(minutes=every)

    reminders = _expect_table(doc, "reminders")
    unknown_reminders = sorted(set(reminders) - {"show", "desktop"})
    if unknown_reminders:
        raise ConfigError(f"reminders.{unknown_reminders[0]}: unknown setting; known ones are "
                          "show and desktop.")
    for key, field_name in (("show", "reminders"), ("desktop", "reminders_desktop")):
        if key in reminders:
            if not isinstance(reminders[key], bool):
                raise ConfigError(f"reminders.{key}: expected true or false.")
            changes[field_name] = reminders[key]
    return replace(settings, **changes)


def _zone_exists(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _config_text(path: Path) -> str | None:
    """The config file's text, None when there is none; a file that cannot be read (a
    folder, a named pipe, a device, not UTF-8) is one sentence naming it."""
    try:
        raw, _ = read_regular(path)
        return raw.decode("utf-8")
    except (FileNotFoundError, NotADirectoryError):  # a home that is a file: the store says so
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({(exc.strerror or str(exc)).lower()})."
                          ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot be read (not UTF-8: {exc.reason} at byte "
                          f"{exc.start}).") from exc


def load_settings(paths: Paths) -> Settings:
    path = paths.config_file
    text = _config_text(path)
    if text is None:
        return Settings()
    import tomllib  # only when there is a config file

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}).") from exc
    try:
        return settings_from_toml(doc)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def save_top_level_setting(paths: Paths, key: str, value: str) -> None:
    """Set a top-level string key (e.g. the theme) keeping the rest of the file as written.

    The line is written by a TOML writer, and the new file must read back as the old one
    with only that key changed; otherwise (a file planner cannot read, a multi-line value
    in the way) nothing is written and the error says what to do.
    """
    path = paths.config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    text = _config_text(path) or ""
    import tomllib

    import tomli_w  # only when saving: start-up never pays for it

    try:
        before = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); {key} was not saved.") from exc
    line = tomli_w.dumps({key: value}).strip()  # escaped by a TOML writer, never by hand
    pattern = re.compile(rf"^{re.escape(key)}\s*=.*$", re.MULTILINE)
    first_table = re.search(r"^\[", text, re.MULTILINE)
    head_end = first_table.start() if first_table else len(text)
    if pattern.search(text[:head_end]):
        text = pattern.sub(lambda _: line, text, count=1)
    else:
        text = f"{line}\n{text}"
    try:
        after = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        after = None
    if after != {**before, key: value}:  # never write what would read back differently
        raise ConfigError(f"{path}: planner could not change {key} without touching the "
                          f"rest of the file; set {line} there by hand.")
    write_atomically(path, text.encode("utf-8"))


SAMPLE_CONFIG = """\
# planner configuration. Every key is optional; these are the defaults.
# timezone = "Europe/Berlin"      # IANA zone; default: the system zone
# theme = "planner-dark"
# nudges = true

[day]
start = "07:00"                   # waking hours: nothing flexible is placed outside them
end = "22:00"
granularity = "5m"

[working_hours.work]              # flexible work goes only inside these hours
weekdays = "09:00-17:30"

[boundaries]
protected = { weekdays = "17:30-21:00", weekend = "all day" }
shutdown = "17:30"                # work after this is counted as bleed
bridge = "0m"                     # e.g. "10m" inserts a transition walk between work and home

# [spheres.family]                # extra spheres: a colour and a parent (work or personal)
# colour = "#c678dd"
# parent = "personal"

# [sync]                          # linked CalDAV calendars (`planner sync add`), in the app
# on_start = true                 # sync when the app opens
# every = 15                      # and every 15 minutes while it is open

# [reminders]                     # --remind 15m on a block; `planner remind` lists them
# show = true                     # the open app shows a reminder when it is due
# desktop = true                  # and hands it to notify-send where there is one
"""
