"""The offline guarantee, enforced in-process: no connection leaves this machine.

:func:`install` replaces the socket calls every Python networking library goes through
(``connect``, ``connect_ex``, ``sendto`` and the DNS lookups), so that any attempt to reach
another host raises :class:`EgressBlocked` and is recorded. Loopback and Unix sockets stay
allowed: they never leave the machine. Native code that opens sockets itself is outside its
reach; the test suite also runs the whole flow in a network namespace with no network.

A server the user configures (a model server, a shared Chroma server) is let through with
:func:`allow`: exactly its host and port, nothing else.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


class EgressBlocked(OSError):
    """A network connection or DNS lookup that would have left the machine."""


def is_local(host: object) -> bool:
    """Whether ``host`` (a name or an address) is this machine."""
    if host is None:
        return True
    text = host.decode() if isinstance(host, bytes) else str(host)
    if text.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(text.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@dataclass
class EgressGuard:
    """What was refused, and how to put the real socket calls back."""

    attempts: list[str] = field(default_factory=list)
    # (host name or address, port) the user configured, and the addresses their names gave
    allowed: set[tuple[str, int]] = field(default_factory=set)
    _restore: list[tuple[Any, str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, host: str, port: int) -> None:
        """Let connections reach ``host:port`` (and DNS look up ``host``), nothing more."""
        with self._lock:
            self.allowed.add((host.lower(), int(port)))

    def allows(self, host: object, port: object = None) -> bool:
        """Whether ``host`` (with ``port``, if given) was allowed."""
        text = (host.decode() if isinstance(host, bytes) else str(host)).lower()
        with self._lock:
            return any(name == text and (port is None or port == allowed)
                       for name, allowed in self.allowed)

    def learn(self, host: object, results: Any) -> None:
        """Allow the addresses an allowed name resolved to, on the name's ports."""
        text = (host.decode() if isinstance(host, bytes) else str(host)).lower()
        with self._lock:
            ports = {port for name, port in self.allowed if name == text}
            for result in results if isinstance(results, list) else []:
                address = result[4][0] if len(result) > 4 and result[4] else None
                if address:
                    self.allowed.update((str(address).lower(), port) for port in ports)

    def refuse(self, what: str) -> None:
        """Record an attempt and raise."""
        with self._lock:
            self.attempts.append(what)
        log.warning("blocked a network access: %s", what)
        raise EgressBlocked(f"Offgrid works offline: network access to {what} was blocked")

    def uninstall(self) -> None:
        """Restore the real socket calls."""
        for owner, name, original in reversed(self._restore):
            setattr(owner, name, original)
        self._restore.clear()


_installed: EgressGuard | None = None


def install() -> EgressGuard:
    """Block every non-local connection and DNS lookup from now on; idempotent."""
    global _installed
    if _installed is not None and _installed._restore:
        return _installed
    guard = EgressGuard()

    def patch(owner: Any, name: str, make: Callable[[Any], Any]) -> None:
        original = getattr(owner, name)
        guard._restore.append((owner, name, original))
        setattr(owner, name, make(original))

    def check_address(address: object) -> None:
        if isinstance(address, tuple) and address and not is_local(address[0]) and not (
                len(address) > 1 and guard.allows(address[0], address[1])):
            guard.refuse(f"{address[0]}:{address[1]}" if len(address) > 1 else str(address))

    def connecting(original: Any) -> Any:
        def connect(self: socket.socket, address: Any, *args: Any) -> Any:
            check_address(address)
            return original(self, address, *args)
        return connect

    def sending(original: Any) -> Any:
        def sendto(self: socket.socket, data: Any, *args: Any) -> Any:
            check_address(args[-1] if args else None)
            return original(self, data, *args)
        return sendto

    def resolving(original: Any) -> Any:
        def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not is_local(host) and not guard.allows(host):
                guard.refuse(f"DNS lookup of {host}")
            results = original(host, *args, **kwargs)
            if not is_local(host):
                guard.learn(host, results)
            return results
        return lookup

    patch(socket.socket, "connect", connecting)
    patch(socket.socket, "connect_ex", connecting)
    patch(socket.socket, "sendto", sending)
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        patch(socket, name, resolving)
    _installed = guard
    return guard


def allow(host: str, port: int) -> None:
    """Let the installed guard (if any) pass connections to exactly ``host:port``."""
    if _installed is not None:
        _installed.allow(host, port)
