"""The differential test: planner's agenda against the reference readers, file by file.

For every calendar in the committed fixtures (tests/fixtures/ics, producer-style files
included) and in the public test calendars shipped with icalendar, recurring-ical-events
and khal (tests/corpus/sources.toml, downloaded at test time, pinned by sha256),
planner's real import + agenda must show the same occurrences, at the same instants,
with the same titles as icalendar + x_wr_timezone + recurring_ical_events, over a
window around the file's events. Each deliberate difference is written down in
tests/corpus/differences.toml (shown in tests/corpus/DIFFERENCES.md).

The default run compares the committed files and a fast subset of the public ones;
`pytest -m slow` compares them all. Offline, the public part skips with one line.
"""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import pytest

from tests.differential import compare
from tests.public_corpus import CORPUS, CorpusUnavailable, calendars, sources

FIXTURES = Path(__file__).parent / "fixtures" / "ics"
TABLE = tomllib.loads((CORPUS / "differences.toml").read_text())
DIFFERENCES = {entry["file"]: entry for entry in TABLE["difference"]}
NOT_COMPARED = {entry["file"]: entry["reason"] for entry in TABLE["not_compared"]}


def _reference_versions() -> str:
    names = ("icalendar", "recurring-ical-events", "x-wr-timezone")
    return ", ".join(f"{n} {importlib.metadata.version(n)}" for n in names)


# A listed difference that went away is only reported against the reference versions
# the table was written with: a newer reference may read a file differently.
STRICT = _reference_versions() == TABLE["reference"]


def committed() -> dict[str, bytes]:
    return {f"fixtures/{p.relative_to(FIXTURES)}": p.read_bytes()
            for p in sorted(FIXTURES.rglob("*.ics"))}


def problems_in(files: dict[str, bytes], tmp_path: Path) -> list[str]:
    """One line for each file where planner and the reference disagree unexpectedly."""
    found = []
    for number, (file_id, data) in enumerate(sorted(files.items())):
        if file_id in NOT_COMPARED:
            continue
        home = tmp_path / str(number)
        home.mkdir()
        outcome = compare(data, home)
        listed = file_id in DIFFERENCES
        if outcome.status in ("same", "no-events"):
            if listed and STRICT:
                found.append(f"{file_id}: planner now reads it like the reference; "
                             "remove its entry from tests/corpus/differences.toml")
        elif not listed:
            found.append(f"{file_id}: {outcome.status}: {outcome.detail}")
    return found


def public(fast_only: bool) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for source in sources():
        try:
            every = calendars(source)
        except CorpusUnavailable as exc:
            pytest.skip(str(exc))
        wanted = {f"{source.name}/{name}" for name in source.fast}
        missing = wanted - set(every)
        assert not missing, f"fast files not in {source.name} {source.version}: {missing}"
        files.update({k: v for k, v in every.items() if not fast_only or k in wanted})
    return files


def test_committed_calendars_read_like_the_reference(tmp_path: Path) -> None:
    problems = problems_in(committed(), tmp_path)
    assert not problems, "\n".join(problems)


def test_public_test_calendars_read_like_the_reference(tmp_path: Path) -> None:
    problems = problems_in(public(fast_only=True), tmp_path)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_every_public_test_calendar_reads_like_the_reference(tmp_path: Path) -> None:
    problems = problems_in(public(fast_only=False), tmp_path)
    assert not problems, "\n".join(problems)


def test_every_difference_is_written_down_with_its_reason() -> None:
    for entry in TABLE["difference"]:
        assert set(entry) == {"file", "reason", "planner"}, entry
        assert entry["reason"].strip() and entry["planner"].strip(), entry
    names = {s.name for s in sources()} | {"fixtures"}
    for file_id in [*DIFFERENCES, *NOT_COMPARED]:
        assert file_id.split("/", 1)[0] in names, file_id
        if file_id.startswith("fixtures/"):
            assert (FIXTURES / file_id.split("/", 1)[1]).exists(), file_id
    assert (CORPUS / "DIFFERENCES.md").read_text() == differences_markdown(), (
        "tests/corpus/DIFFERENCES.md is out of date: write differences_markdown() to it")


def differences_markdown() -> str:
    """DIFFERENCES.md, made from differences.toml (the test keeps them equal)."""
    lines = [
        "# Where planner reads differently from the reference readers",
        "",
        "Written from `differences.toml` (the test data); "
        "`tests/test_corpus_differential.py` fails when the two disagree, when a file",
        "reads differently without being listed here, and when a listed difference "
        "went away.",
        f"Reference: {TABLE['reference']}.",
        "",
        "| file | reason | what planner does |",
        "|---|---|---|",
    ]
    for entry in TABLE["difference"]:
        lines.append(f"| `{entry['file']}` | {entry['reason']} | {entry['planner']} |")
    lines += ["", "## Not compared", "", "| file | why |", "|---|---|"]
    for file_id, reason in NOT_COMPARED.items():
        lines.append(f"| `{file_id}` | {reason} |")
    return "\n".join(lines) + "\n"
