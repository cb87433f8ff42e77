"""Which ``Host`` headers the explorer answers (a page elsewhere must not reach it by DNS rebinding)."""
from __future__ import annotations

from collections.abc import Sequence

#: Host names the explorer always answers to (besides the address it is bound to).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def allowed_hosts(host: str, extra: Sequence[str] = ()) -> list[str]:
    """Host names the explorer bound to ``host`` answers to: loopback names, ``host`` itself unless it
    is a wildcard address, and ``extra`` (``kgmine serve --allow-host``); lower case, no brackets."""
    names = [*LOOPBACK_HOSTS, *([] if host in ("0.0.0.0", "::", "") else [host]), *extra]
    return list(dict.fromkeys(n.strip().strip("[]").lower() for n in names if n.strip()))


def host_name(header: str) -> str:
    """The host name of a ``Host`` header, lower case, without port or IPv6 brackets."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


__all__ = ["LOOPBACK_HOSTS", "allowed_hosts", "host_name"]
