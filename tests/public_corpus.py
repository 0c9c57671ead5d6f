"""The public test calendars of the differential test: pinned sdists, fetched once.

Each source in tests/corpus/sources.toml is downloaded (only when a test asks for it)
into a cache outside git, ``$PLANNER_CORPUS_CACHE`` or the user's cache folder, checked
against its pinned sha256, and read straight from the archive. Offline, the caller
gets ``CorpusUnavailable`` with one line saying why, and skips.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import tempfile
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
_TIMEOUT = 30  # seconds for one download


class CorpusUnavailable(Exception):
    """The corpus could not be fetched (offline, say); the message is one line."""


@dataclass(frozen=True)
class Source:
    name: str
    version: str
    url: str
    sha256: str
    prefixes: tuple[str, ...]
    fast: tuple[str, ...]


def sources() -> list[Source]:
    data = tomllib.loads((CORPUS / "sources.toml").read_text())
    return [Source(s["name"], s["version"], s["url"], s["sha256"], tuple(s["prefixes"]),
                   tuple(s["fast"])) for s in data["source"]]


def cache_dir() -> Path:
    if os.environ.get("PLANNER_CORPUS_CACHE"):
        return Path(os.environ["PLANNER_CORPUS_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "planner-test-corpus"


def archive(source: Source) -> bytes:
    """The source's sdist, from the cache or downloaded into it; sha256 checked."""
    path = cache_dir() / Path(source.url).name
    if path.exists():
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() == source.sha256:
            return data
    try:
        with urllib.request.urlopen(source.url, timeout=_TIMEOUT) as response:
            data = response.read()
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CorpusUnavailable(f"public test calendars not downloaded ({source.name} "
                                f"{source.version}: {reason}); offline?") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != source.sha256:
        raise AssertionError(f"{source.url} has sha256 {digest}, not the pinned "
                             f"{source.sha256}: refusing it")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as temp:
        temp.write(data)
    os.replace(temp.name, path)
    return data


def calendars(source: Source) -> dict[str, bytes]:
    """Every .ics file under the source's prefixes, by id "<name>/<path>"."""
    found: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(archive(source)), mode="r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.endswith(".ics"):
                continue
            inside = member.name.split("/", 1)[1] if "/" in member.name else member.name
            for prefix in source.prefixes:
                if inside.startswith(prefix):
                    handle = tar.extractfile(member)
                    assert handle is not None
                    found[f"{source.name}/{inside[len(prefix):]}"] = handle.read()
                    break
    return found
