"""TEXT values every reader accepts.

RFC 5545 TEXT may not hold control characters other than tab (3.3.11), and strict
readers (the ``ical`` library, ``ics``) refuse a whole file over one stray U+000B
pasted from Word. Line breaks of every kind become ``\\n`` (written as ``\\n``);
any other control character becomes a space.
"""

from __future__ import annotations

import re

# Word's vertical tab is its manual line break; form feed, the file/group/record
# separators, NEL and the Unicode line/paragraph separators all split lines for
# Python's str.splitlines, which some readers unfold with.
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """``text`` with line breaks as ``\\n``, tabs kept and other control characters as spaces."""
    if text.isprintable():
        return text
    return _CONTROLS.sub(" ", _LINE_BREAKS.sub("\n", text))
