"""Text from data made safe to put on a terminal.

Titles, locations, notes, calendar names, URLs and the error messages that quote them come
from files and servers nobody here controls. Written raw, an ESC sequence sets the
terminal's title, writes to its clipboard (OSC 52) or blanks the screen, a newline fakes
an agenda row, and a bidi override makes text read backwards. ``printable`` shows every
such character visibly instead (``\\x1b``, ``\\n``, ``\\u202e``), so what is on the screen
is what is in the data. Front ends call it on every data string they print or draw;
JSON output keeps the exact text.
"""

from __future__ import annotations

import re

# C0 controls, DEL and C1 controls (0x9b is a one-byte CSI to many terminals); lone
# surrogates (they cannot even be encoded; U+DC80-U+DCFF stand for the bytes of an
# argument, variable or path that was not UTF-8, and are shown as those bytes); line and
# paragraph separators (newlines to some terminals); and the bidirectional embeddings,
# overrides, isolates and marks.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029"
                     "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_KEEP_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029"
                                "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": " "}  # a tab in a title is only a gap


def _shown(match: re.Match[str]) -> str:
    ch = match.group()
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (argv, environment, a path)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, lines: bool = False) -> str:
    """``text`` with every control, escape and bidi character shown as a visible escape.

    With ``lines`` (notes, multi-line messages) newlines and tabs stay; otherwise the
    result is one line. Text without such characters comes back unchanged (and fast).
    """
    pattern = _UNSAFE_KEEP_LINES if lines else _UNSAFE
    if pattern.search(text) is None:
        return text
    return pattern.sub(_shown, text)
