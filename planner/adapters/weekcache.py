"""A week's expanded series, kept on disk for the next session (derived data).

Expanding every series live in a week is most of a large calendar's first day: ~600
series at 50,000 events. The occurrence index caches each week it expands, per viewing
zone, as ``calendars/.weeks/<code>/<monday>.<zone>``, where ``<code>`` stamps the files
of the code and the time zone data that expand series. Each file is keyed by exactly
what that week's expansion reads: the digests of the series documents live that week
(``doc_digest`` of their stored bytes, kept in the day index; planner.json's are taken
when the session opens). A save that changes no series live in a week (a new single
event, a sync that touched other weeks, an edit years ago) leaves the week valid; one
that does changes its key, so a week written for other data is never read.

Best effort like the day index: written without the lock and without fsync (a torn file
fails to parse and the week is expanded again), and a read-only home simply goes without.
Rows hold block ids, not blocks: a day decodes only the series it shows.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from planner.adapters.commit import private_folders
from planner.adapters.files import read_regular
from planner.core.model import Moment
from planner.core.recurrence import parse_recurrence_id, recurrence_id_text

FOLDER = ".weeks"
MAX_WEEKS = 160  # files per code stamp (~15 MB at 50,000 events); further weeks are expanded
# (a day answered alone, ``window_*``, is kept the same way, in a file of its own)
# Modules whose code decides what a week's expansion holds: a changed planner (or
# zone data) must not read weeks an older one wrote.
_EXPANDING = ("planner.core.recurrence", "planner.core.simple_rules", "planner.core.zonerules",
              "planner.core.model", "planner.adapters.codec", "planner.adapters.index",
              "planner.adapters.weekcache")

Row = tuple[str, Moment, Moment, Moment | None]  # block id, start, end, recurrence id
Doc = Mapping[str, Any]


def doc_digest(data: bytes) -> str:
    """A stored document's fingerprint (of its JSON bytes): equal digests, equal documents."""
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def memory_doc_digest(doc: Doc) -> str:
    """``doc_digest`` of a document held in memory (planner.json's series)."""
    return doc_digest(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS, default=str))


class Week:
    """A week's rows and what the expansion's bounds left out (``recurrence.Occurrences``)."""

    def __init__(self, rows: list[Row], hidden_days: dict[date, int], at_least: bool) -> None:
        self.rows, self.hidden_days, self.at_least = rows, hidden_days, at_least


def _digest_of(head: str, live: Sequence[tuple[str, str]]) -> str:
    digest = hashlib.sha1(head.encode())
    for block_id, doc_hash in live:
        digest.update(f"\n{block_id}\t{doc_hash}".encode())
    return digest.hexdigest()


class WeekCache:
    def __init__(self, folder: Path) -> None:
        """``folder``: the calendars folder; weeks go to its ``.weeks/<code stamp>/``."""
        self.root = folder / FOLDER
        self.folder = self.root / hashlib.sha1(b"weeks 2" + _code_stamp()).hexdigest()[:20]

    @staticmethod
    def week_key(monday: date, zone: ZoneInfo, live: Sequence[tuple[str, str]]) -> str:
        """What a week's expansion reads: the week, the zone and each live series' id and
        digest (sorted by id)."""
        return _digest_of(f"{monday}|{zone.key}", live)

    @staticmethod
    def window_key(start: datetime, end: datetime, zone: ZoneInfo,
                   live: Sequence[tuple[str, str]]) -> str:
        """``week_key`` for a shorter window (a day answered alone, ``index``): the
        window, the zone and each series live in its weeks."""
        return _digest_of(f"{start.isoformat()}|{end.isoformat()}|{zone.key}", live)

    def _path(self, monday: date, zone: ZoneInfo) -> Path:
        return self.folder / f"{monday.isoformat()}.{zone.key.replace('/', '~')}"

    def _window_path(self, start: datetime, end: datetime, zone: ZoneInfo) -> Path:
        first = start.astimezone(UTC).strftime("%Y-%m-%dT%H%M%S")
        seconds = int((end - start).total_seconds())
        return self.folder / f"{first}+{seconds}.{zone.key.replace('/', '~')}"

    def load(self, monday: date, zone: ZoneInfo, key: str) -> Week | None:
        return self._load(self._path(monday, zone), zone, key)

    def load_window(self, start: datetime, end: datetime, zone: ZoneInfo, key: str
                    ) -> Week | None:
        return self._load(self._window_path(start, end, zone), zone, key)

    def save(self, monday: date, zone: ZoneInfo, key: str, week: Week) -> None:
        self._save(self._path(monday, zone), key, week)

    def save_window(self, start: datetime, end: datetime, zone: ZoneInfo, key: str,
                    week: Week) -> None:
        self._save(self._window_path(start, end, zone), key, week)

    @staticmethod
    def _load(path: Path, zone: ZoneInfo, key: str) -> Week | None:
        try:
            doc = orjson.loads(read_regular(path)[0])
            if doc["key"] != key or len(doc["rows"]) != doc["count"]:
                return None
            rows = [_row_from(item, zone) for item in doc["rows"]]
            hidden = {date.fromisoformat(k): int(v) for k, v in doc["hidden"].items()}
            return Week(rows, hidden, bool(doc["at_least"]))
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None  # not there, torn, foreign or for other data: expand the week

    def _save(self, path: Path, key: str, week: Week) -> None:
        doc = {"key": key, "count": len(week.rows),
               "rows": [_row_to(row) for row in week.rows],
               "hidden": {k.isoformat(): v for k, v in week.hidden_days.items()},
               "at_least": week.at_least}
        tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
        try:
            if not path.parent.is_dir():
                self._forget_other_code()
                private_folders(path.parent)
            else:
                names = os.listdir(path.parent)
                for name in names:  # a writer killed mid-write left it; never read
                    if name.endswith(".tmp"):
                        with contextlib.suppress(OSError):
                            os.unlink(path.parent / name)
                if len(names) >= MAX_WEEKS and path.name not in names:
                    return
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(orjson.dumps(doc))
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def _forget_other_code(self) -> None:
        """Weeks an older planner (or older zone data) wrote: never read again."""
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.root):
                if entry.name != self.folder.name and entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)


def _row_to(row: Row) -> list[Any]:
    block_id, start, end, rid = row
    return [block_id, _moment_to(start), _moment_to(end),
            recurrence_id_text(rid) if rid is not None else None]


def _row_from(item: list[Any], zone: ZoneInfo) -> Row:
    block_id, start, end, rid = item
    return (str(block_id), _moment_from(start, zone), _moment_from(end, zone),
            parse_recurrence_id(rid) if rid is not None else None)


def _moment_to(moment: Moment) -> str:
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).isoformat()  # occurrences are aware, in the zone
    return moment.isoformat()


def _moment_from(text: str, zone: ZoneInfo) -> Moment:
    if len(text) == 10:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text).astimezone(zone)


def _code_stamp() -> bytes:
    parts = []
    for name in _EXPANDING:
        module = sys.modules.get(name)
        parts.append(_file_stamp(getattr(module, "__file__", None)))
    parts.append(_file_stamp(_tzdata_file()))
    return "|".join(parts).encode()


def _file_stamp(path: str | None) -> str:
    if not path:
        return "-"
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return f"{st.st_size}:{st.st_mtime_ns}"


def _tzdata_file() -> str | None:
    """The zone database the viewer's zones come from (its version changes the offsets)."""
    import zoneinfo

    for folder in zoneinfo.TZPATH:
        candidate = os.path.join(folder, "tzdata.zi")
        if os.path.exists(candidate):
            return candidate
    import importlib.util

    spec = importlib.util.find_spec("tzdata")  # the PyPI copy, where the system has none
    return spec.origin if spec is not None else None
