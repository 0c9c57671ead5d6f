"""A calendar's day index on disk (``calendars/<slug>.days``): what one day needs, fast.

Derived from the calendar's TinyDB file (the store of record), written in the same
commit, and stamped with that file's inode, size and modification time. A reader that
finds the stamp different (the file was restored, hand-edited or written by an older
planner) ignores the day index and reads the calendar itself; the next save rebuilds it.

Layout: one magic line, one JSON header line, then the body. The header holds the
calendar's meta, its size and byte ranges into the body: one chunk of raw documents
per UTC week (single events touching that week), one for long events, one for
flexible blocks, and one row per series (id, first and last date it can touch, where
its document is, and a digest of it: the key of the weeks of expanded series kept on
disk, ``weekcache``). A day therefore reads the header, one or two week chunks and the
series live that week: the same few kilobytes whatever the years of history.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

from planner.adapters.codec import CodecError, block_from_doc
from planner.adapters.commit import StoreError, broken_message
from planner.adapters.index import LONG, SERIES, SKIP, doc_days, doc_slot, week_start
from planner.adapters.weekcache import doc_digest
from planner.core.model import Block

MAGIC = b"PLANNER-DAYS 1\n"
SUFFIX = ".days"
Doc = Mapping[str, Any]
Stamp = tuple[int, int, int]
_WEEK = timedelta(days=7)
SeriesRow = tuple[str, date, date | None, tuple[int, int], str | None]


def file_stamp(st: os.stat_result) -> Stamp:
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def build(docs: Iterable[Doc], meta: Mapping[str, Any], stamp: Stamp) -> list[bytes]:
    """The day index of ``docs`` (one calendar's events) for a data file with ``stamp``,
    as pieces to write in order: the body is never joined into one buffer (at 50,000
    events that copy was ~40 MB of the import's peak memory)."""
    body: list[bytes] = []
    size = 0

    def put(value: Any, data: bytes | None = None) -> list[int]:
        nonlocal size
        data = orjson.dumps(value) if data is None else data
        span = [size, len(data)]
        body.append(data)
        size += len(data)
        return span

    weeks: dict[date, list[Doc]] = defaultdict(list)
    long: list[Doc] = []
    flexible: list[Doc] = []
    series: list[list[Any]] = []
    count = 0
    monday_of: dict[date, date] = {}  # many events share a day: its week is found once
    for doc in docs:
        count += 1
        slot = doc_slot(doc)
        if type(slot) is tuple:  # most documents: single events of a few days
            first, last = slot
            week = monday_of.get(first)
            if week is None:
                week = monday_of[first] = week_start(first)
            while week <= last:
                weeks[week].append(doc)
                week += _WEEK
        elif slot == SKIP:
            if doc.get("kind", "fixed") == "flexible":
                flexible.append(doc)
        elif slot == LONG:
            long.append(doc)
        else:
            assert slot == SERIES
            since, until = doc_days(doc)
            data = orjson.dumps(doc)
            series.append([doc["id"], since.isoformat(), until.isoformat() if until else None,
                           *put(doc, data), doc_digest(data)])
    header = {
        "source": list(stamp),
        "meta": dict(meta),
        "count": count,
        "weeks": {week.isoformat(): put(chunk) for week, chunk in sorted(weeks.items())},
        "long": put(long),
        "flexible": put(flexible),
        "series": put(series),
    }
    return [MAGIC, orjson.dumps(header) + b"\n", *body]


class DayFile:
    """An open, fresh day index. Reads are positional, so threads may share one."""

    def __init__(self, fd: int, header: dict[str, Any], body_at: int, data_path: Path) -> None:
        self._fd = fd
        self.data_path = data_path
        self._header = header
        self._body_at = body_at
        self._weeks: dict[str, list[Doc]] = {}

    @classmethod
    def open(cls, path: Path, data_path: Path, data_stamp: Stamp | None) -> DayFile | None:
        """The day index at ``path`` if it was built from the data file as it is now."""
        if data_stamp is None:
            return None
        try:
            # Without blocking: a named pipe in the index's place must not hang planner.
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ValueError("not a regular file")  # derived: rebuilt in its place
            with os.fdopen(os.dup(fd), "rb") as handle:
                if handle.readline() != MAGIC:
                    raise ValueError("not a day index")
                line = handle.readline()
                header = orjson.loads(line)
            if tuple(header.get("source", ())) != tuple(data_stamp):
                raise ValueError("stale")
        except (OSError, ValueError, TypeError):
            os.close(fd)
            return None
        return cls(fd, header, len(MAGIC) + len(line), data_path)

    def __del__(self) -> None:
        # Closed only when nothing refers to it any more: an occurrence index built on
        # it keeps reading the snapshot it was built from.
        with contextlib.suppress(OSError, AttributeError):
            os.close(self._fd)

    def _chunk(self, span: list[int]) -> Any:
        offset, length = span
        data = os.pread(self._fd, length, self._body_at + offset)
        if len(data) != length:
            raise ValueError("the day index is shorter than its header says")
        return orjson.loads(data)

    # -- what the store and the occurrence index ask ---------------------------------

    @property
    def meta(self) -> dict[str, Any]:
        return dict(self._header["meta"])

    @property
    def source_stamp(self) -> list[int]:
        """The stamp of the data file this index was built from (and matches)."""
        return list(self._header["source"])

    @property
    def count(self) -> int:
        return int(self._header["count"])

    def week(self, monday: date) -> list[Doc]:
        key = monday.isoformat()
        found = self._weeks.get(key)
        if found is None:
            span = self._header["weeks"].get(key)
            found = self._chunk(span) if span else []
            self._weeks[key] = found
        return found

    def long_docs(self) -> list[Doc]:
        return self._chunk(self._header["long"])

    def flexible_docs(self) -> list[Doc]:
        return self._chunk(self._header["flexible"])

    def series(self) -> list[SeriesRow]:
        """(id, first date, last date or None, where the document is, its digest or None
        in a day index written before digests were kept)."""
        return [(row[0], date.fromisoformat(row[1]),
                 date.fromisoformat(row[2]) if row[2] else None, (row[3], row[4]),
                 row[5] if len(row) > 5 else None)
                for row in self._chunk(self._header["series"])]

    def series_doc(self, ref: tuple[int, int]) -> Doc:
        return self._chunk(list(ref))

    def block(self, doc: Doc) -> Block:
        try:
            return block_from_doc(dict(doc))
        except CodecError as exc:
            raise StoreError(broken_message(self.data_path, f"a stored {exc}")) from exc
