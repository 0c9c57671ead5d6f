"""Calendar addresses: telling one from a file path, checking it, showing it redacted.

Kept apart from ``fetch`` (which loads http.client, ssl and urllib.request, ~12 ms) so
that importing a file never loads the network. Calendar URLs often carry a secret
(Google's ``private-<token>``, tokens in query strings, ``user:password@``), so every
message shows a URL through ``redact_url``.
"""

from __future__ import annotations

import re
import urllib.parse

from planner.core.errors import PlannerError

_MASK = "••••"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
# A long run of URL-safe characters with a digit in it looks like a secret token.
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{16,}")


class FetchError(PlannerError):
    """A calendar URL could not be fetched; the message is one sentence, URL redacted."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.url = url  # already redacted
        self.status = status


UNREADABLE = "(an unreadable address)"
_USERINFO = re.compile(r"//[^/?#]*@")


def is_url(text: str) -> bool:
    """Whether ``text`` is meant as an address rather than a file path."""
    return bool(_SCHEME.match(text.strip()))


def normalize_url(url: str) -> str:
    """``webcal(s)://`` becomes ``https://``; anything but http/https is refused."""
    text = url.strip()
    try:
        parts = urllib.parse.urlsplit(text)
        _ = parts.hostname, parts.port  # each may raise on a malformed address
    except ValueError as exc:  # "http://[::1", a port of 99999, "[zz]"
        shown = redact_url(text)
        if shown == UNREADABLE:
            shown = _USERINFO.sub("//…@", text.split("?", 1)[0])
        raise FetchError(f"Cannot fetch {shown!r}: it is not a valid address ({exc}).",
                         url=shown) from exc
    scheme = parts.scheme.lower()
    if scheme in ("webcal", "webcals"):
        parts = parts._replace(scheme="https")
    elif scheme not in ("http", "https"):
        raise FetchError(
            f"Cannot fetch {redact_url(text)}: only http, https and webcal addresses "
            "are supported.",
            url=redact_url(text),
        )
    else:
        parts = parts._replace(scheme=scheme)
    if not parts.hostname:
        raise FetchError(
            f"Cannot fetch {redact_url(text)}: the address has no host name.",
            url=redact_url(text),
        )
    return urllib.parse.urlunsplit(parts)


def redact_url(url: str) -> str:
    """``scheme://host/…/last-segment`` with credentials, query and tokens hidden."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return UNREADABLE
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    netloc = f"{host}:{port}" if port is not None else host
    segments = [s for s in parts.path.split("/") if s]
    # Keep the private-<token> segment (masked) when there is one: it tells the user
    # which of their calendar's addresses this was without giving the token away.
    private = [i for i, s in enumerate(segments) if s.lower().startswith("private-")]
    first_kept = private[-1] if private else max(len(segments) - 1, 0)
    kept = [_mask_segment(s) for s in segments[first_kept:]]
    path = "/".join((["…"] if first_kept > 0 else []) + kept)
    text = f"{parts.scheme}://{netloc}/{path}" if parts.scheme else f"{netloc}/{path}"
    if parts.query:
        text += "?…"
    return text


def _mask_segment(segment: str) -> str:
    if segment.lower().startswith("private-"):
        return segment[: len("private-")] + _MASK
    return _TOKEN.sub(lambda m: _MASK if _looks_secret(m.group()) else m.group(), segment)


def _looks_secret(run: str) -> bool:
    return len(run) >= 32 or any(c.isdigit() for c in run)
