"""The egress guard: nothing reaches another host, loopback and Unix sockets still work."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from assistant.system.egress import EgressBlocked, EgressGuard, install, is_local


def test_local_hosts_are_told_apart_from_remote_ones() -> None:
    for host in ("localhost", "127.0.0.1", "127.8.9.10", "::1", b"localhost", None, ""):
        assert is_local(host), host
    for host in ("example.com", "8.8.8.8", "192.168.1.10", "::ffff:8.8.8.8", "10.0.0.1"):
        assert not is_local(host), host


def test_connections_lookups_and_datagrams_to_other_hosts_raise(no_network: list[str]) -> None:
    with socket.socket() as tcp, pytest.raises(EgressBlocked):
        tcp.connect(("192.0.2.1", 80))
    with socket.socket() as tcp, pytest.raises(EgressBlocked):
        tcp.connect_ex(("2001:db8::1", 443, 0, 0))
    with pytest.raises(EgressBlocked):
        socket.getaddrinfo("example.com", 443)
    with pytest.raises(EgressBlocked):
        socket.gethostbyname("example.org")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, pytest.raises(EgressBlocked):
        udp.sendto(b"x", ("8.8.8.8", 53))
    with pytest.raises(urllib.error.URLError):  # what a library sees: its usual error
        urllib.request.urlopen("http://example.com/", timeout=2)
    assert no_network == ["192.0.2.1:80", "2001:db8::1:443", "DNS lookup of example.com",
                          "DNS lookup of example.org", "8.8.8.8:53",
                          "DNS lookup of example.com"]


def test_loopback_and_unix_sockets_still_work(tmp_path: Path, no_network: list[str]) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        threading.Thread(target=lambda: server.accept()[0].sendall(b"hi"), daemon=True).start()
        with socket.create_connection(server.getsockname(), timeout=5) as client:
            assert client.recv(2) == b"hi"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "s"))
        server.listen(1)
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(str(tmp_path / "s"))
    assert no_network == []


def test_installing_twice_keeps_one_guard() -> None:
    assert install() is install()


def test_a_configured_server_is_let_through_and_nothing_else(
        _offline: EgressGuard, no_network: list[str]) -> None:
    _offline.allow("192.0.2.7", 8080)  # a documentation address: nothing answers there
    try:
        with socket.socket() as tcp:
            tcp.settimeout(0.3)
            with pytest.raises(OSError) as caught:
                tcp.connect(("192.0.2.7", 8080))
            assert not isinstance(caught.value, EgressBlocked)  # the guard let it try
        for address in (("192.0.2.7", 8081), ("192.0.2.8", 8080)):
            with socket.socket() as tcp, pytest.raises(EgressBlocked):
                tcp.connect(address)
        with pytest.raises(EgressBlocked):
            socket.getaddrinfo("models.example", 8080)
        assert no_network == ["192.0.2.7:8081", "192.0.2.8:8080",
                              "DNS lookup of models.example"]
        _offline.allow("models.example", 8080)
        with pytest.raises(OSError) as caught:  # looked up for real: no such name offline
            socket.getaddrinfo("models.example", 8080)
        assert not isinstance(caught.value, EgressBlocked)
    finally:
        _offline.allowed.clear()
