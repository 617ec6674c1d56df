"""A package index that cannot be reached, as uv's and pip's output says it: which URL, and why, for one error line.

uv prints a cause chain (``error: Request failed after 3 retries``, ``cause: Failed to fetch: URL``, ..., ``cause:
Connection refused (os error 111)``); pip warns at each of its retries (``WARNING: Retrying (...) after connection
broken by 'NewConnectionError("HTTPConnection(host='H', port=P): Failed to establish a new connection: [Errno 111]
Connection refused")': /simple/NAME/``) and then says only that no version was found. Either way the requirements are
not at fault, and the other installer would fail the same way. Only a failure to connect counts (refused, no route,
no such host, timed out): an index that answers, even with an error status, was reached. Pure: text in, finding out.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Iterable

_CONNECTION_FAILURES = re.compile(
    r"Connection refused|tcp connect error|client error \(Connect\)|dns error|Name or service not known|"
    r"nodename nor servname|Temporary failure in name resolution|Could not resolve host|No route to host|"
    r"Network is unreachable|(?:operation|connect(?:ion)?) timed out|ConnectTimeoutError|NewConnectionError|"
    r"NameResolutionError|Failed to resolve", re.IGNORECASE)
_UV_FETCH = re.compile(r"Failed to fetch:?\s*[`'\"]?(?P<url>[a-z][a-z0-9+.-]*://[^\s`'\"]+)")
_UV_CAUSE = re.compile(r"^\s*(?:cause:|[├╰]─▶)\s*(?P<text>.+?)\s*$")
_PIP_RETRY = re.compile(r"after connection broken by '(?P<error>.*)': (?P<path>/\S*)\s*$")
_PIP_HOST = re.compile(r"(?P<https>HTTPS)?Connection(?:Pool)?\(host='(?P<host>[^']+)', port=(?P<port>\d+)\)")
_PIP_INDEXES = re.compile(r"^\s*Looking in indexes: (?P<urls>.+)$")
_QUOTE_CLOSED = re.compile(r"[\"']\)*$")  # the end of the exception's repr around pip's message
_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")


class UnreachableIndex(NamedTuple):
    url: str  # what could not be fetched, credentials removed
    cause: str  # the innermost reason, as the installer words it

    def sentence(self, installer: str) -> str:
        """The error line's text: what failed and the fix."""
        return (f"{installer} cannot reach the package index: {self.url} ({self.cause}): check the index URL (PIP_INDEX_URL, "
                "UV_INDEX_URL, pip.conf or uv.toml) and the network, or install offline with PIP_NO_INDEX=1 and "
                "PIP_FIND_LINKS=DIR")


def _without_credentials(url: str) -> str:
    return _CREDENTIALS.sub("", url)


def unreachable_index(lines: Iterable[str]) -> UnreachableIndex | None:
    """The index that uv's or pip's ``lines`` say could not be reached, or None when they say no such thing."""
    lines = [line.rstrip("\n") for line in lines]
    return _from_uv(lines) or _from_pip(lines)


def _from_uv(lines: list[str]) -> UnreachableIndex | None:
    for at, line in enumerate(lines):
        fetch = _UV_FETCH.search(line)
        if not fetch:
            continue
        chain = []
        for following in lines[at + 1:]:
            cause = _UV_CAUSE.match(following)
            if not cause:
                break
            chain.append(cause["text"])
        if any(_CONNECTION_FAILURES.search(text) for text in chain):
            return UnreachableIndex(_without_credentials(fetch["url"].rstrip(".,:")), chain[-1])
    return None


def _from_pip(lines: list[str]) -> UnreachableIndex | None:
    indexes = next((match["urls"].split(", ") for match in map(_PIP_INDEXES.match, lines) if match), [])
    for line in reversed(lines):
        retry = _PIP_RETRY.search(line)
        if not retry or not _CONNECTION_FAILURES.search(retry["error"]):
            continue
        cause = _QUOTE_CLOSED.sub("", retry["error"].rsplit(": ", 1)[-1])
        host = _PIP_HOST.search(retry["error"])
        if host:
            scheme = "https" if host["https"] else "http"
            return UnreachableIndex(f"{scheme}://{host['host']}:{host['port']}{retry['path']}", cause)
        remote = [url for url in indexes if not url.startswith("file:")]
        where = remote[0] if len(remote) == 1 else f"one of {', '.join(remote)}" if remote else "the index"
        return UnreachableIndex(f"{_without_credentials(where)} ({retry['path']})", cause)
    return None
