"""The harness keeps a process's port across restarts unless another program took it meanwhile."""

import socket

from testbed.harness import free_port


def test_a_port_still_free_is_kept_and_a_taken_one_replaced() -> None:
    port = free_port()
    assert free_port(port) == port
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        other = free_port(port)
        assert other != port
        with socket.socket() as check:
            check.bind(("127.0.0.1", other))  # and that one is free
