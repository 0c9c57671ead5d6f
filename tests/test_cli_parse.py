"""The command line builds only the command it runs: it must read argv exactly as the
full parser does (same namespace, same error), whatever the order and abbreviations."""

from __future__ import annotations

import argparse
import contextlib
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.cli.main import COMMANDS, build_parser, command_word, parse

TOKENS = [*COMMANDS, "--home", "--ho", "--h", "--tz", "--t", "--date", "--d", "--da",
          "--home=x", "--tz=UTC", "--version", "-h", "--help", "--", "--days", "3", "x",
          "2026-11-23", "--json", "--at", "9:30", "--flexible", "-v", "--sphere", "work",
          "list", "add", "--busy", "-o", "out.md", "--bogus", ""]


def outcome(read: object, argv: list[str]) -> tuple[str, object]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            result: object = vars(read(argv))  # type: ignore[operator]
        except SystemExit as exc:
            result = ("exit", exc.code)
    return err.getvalue() + out.getvalue(), result


def full(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(argv)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=7))
def test_reading_one_command_equals_the_full_parser(argv: list[str]) -> None:
    assert outcome(parse, argv) == outcome(full, argv)


def test_the_command_is_found_past_top_level_options() -> None:
    assert command_word(["--home", "agenda", "add"]) == "add"
    assert command_word(["--ho", "agenda", "agenda"]) == "agenda"  # --ho is --home
    assert command_word(["--tz=UTC", "agenda"]) == "agenda"
    assert command_word(["--version", "agenda"]) == "agenda"
    assert command_word(["--", "agenda"]) is None
    assert command_word(["nonsense"]) is None


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z") | st.text(max_size=12))
def test_iso_days_are_read_as_the_date_parser_reads_them(text: str) -> None:
    from datetime import date

    from planner.core.moments import iso_day
    from planner.core.when import WhenError, parse_date

    found = iso_day(text)
    if found is None:
        return  # the date parser has the word (and the error message)
    try:
        expected: object = parse_date(text, today=date(2026, 11, 23))
    except WhenError as exc:
        expected = exc
    assert found == expected
