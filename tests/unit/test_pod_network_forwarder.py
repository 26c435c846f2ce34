"""The testbed's TCP relay on the host's loopback: it relays, follows a new target, and frees its port when stopped."""

import socket
import threading
from collections.abc import Iterator

import pytest

from testbed.pod_network import Forwarder


@pytest.fixture
def echo() -> Iterator[tuple[str, int]]:
    """A server that answers each connection with what it received, upper-cased."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.sendall(conn.recv(1024).upper())

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()
    server.close()


def ask(address: tuple[str, int], text: bytes) -> bytes:
    with socket.create_connection(address, timeout=5) as conn:
        conn.sendall(text)
        conn.shutdown(socket.SHUT_WR)
        return conn.recv(1024)


def test_relays_and_follows_a_new_target(echo: tuple[str, int]) -> None:
    relay = Forwarder(("127.0.0.1", 0), ("127.0.0.1", 1)).start()
    try:
        try:  # nothing listens at the first target: the relay closes the connection
            answer = ask(relay.listen, b"x")
        except OSError:  # reset, or closed before our half-close
            answer = b""
        assert answer == b""
        relay.target = echo  # read for each connection
        assert ask(relay.listen, b"hello") == b"HELLO"
    finally:
        relay.stop()


def test_a_stopped_relay_frees_its_port_at_once(echo: tuple[str, int]) -> None:
    relay = Forwarder(("127.0.0.1", 0), echo).start()
    port = relay.listen[1]
    assert ask(relay.listen, b"a") == b"A"
    relay.stop()  # its accept thread is blocked in accept(): the port must be free anyway
    again = Forwarder(("127.0.0.1", port), echo).start()
    try:
        assert ask(again.listen, b"b") == b"B"
    finally:
        again.stop()
