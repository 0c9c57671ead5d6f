"""Text output that is safe for a terminal, whatever the data holds.

Every command that prints for people writes through ``SafeStream``: control characters,
escape sequences and bidi overrides in titles, calendar names, URLs or error messages
come out as visible escapes (``core.safetext.printable``) instead of acting on the
terminal. Row output (agenda, plan, lists) also makes each field one line first, so a
newline in a title cannot fake a row. ``--json`` and `export -` write the exact data.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from planner.core.safetext import printable


class SafeStream:
    """Wraps a text stream; ``write`` shows unsafe characters visibly, newlines stay."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text, lines=True))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, buffer, encoding...
        return getattr(self._stream, name)


@contextlib.contextmanager
def safe_output() -> Iterator[None]:
    """Route stdout and stderr through ``SafeStream`` for the duration."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(out), SafeStream(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


__all__ = ["SafeStream", "printable", "safe_output"]
