"""The API server's audit log read while the server appends to it: only whole events, none from before a mark."""

from __future__ import annotations

import json
from pathlib import Path

from testbed.harness import AuditLog


def line(verb: str, name: str) -> bytes:
    event = {"verb": verb, "user": {"username": "someone"}, "objectRef": {"resource": "pods", "name": name}}
    return json.dumps(event).encode() + b"\n"


def test_a_half_written_last_event_is_left_for_a_later_read(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    first, second = line("get", "a"), line("create", "b")
    path.write_bytes(first + second[:25])  # the server is in the middle of writing the second event
    log = AuditLog(path)
    assert [e["objectRef"]["name"] for e in log.events()] == ["a"]
    with path.open("ab") as fh:
        fh.write(second[25:])
    assert [e["objectRef"]["name"] for e in log.events()] == ["a", "b"]


def test_a_mark_inside_an_event_skips_that_event(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    first, second, third = line("get", "a"), line("create", "b"), line("delete", "c")
    path.write_bytes(first + second[:10])
    log = AuditLog(path)
    mark = log.mark()  # the size while the second event was half written
    with path.open("ab") as fh:
        fh.write(second[10:] + third)
    assert [e["objectRef"]["name"] for e in log.events(mark)] == ["c"]


def test_a_mark_at_an_event_boundary_keeps_the_next_event(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    first, second = line("get", "a"), line("create", "b")
    path.write_bytes(first)
    log = AuditLog(path)
    mark = log.mark()
    with path.open("ab") as fh:
        fh.write(second)
    assert [e["objectRef"]["name"] for e in log.events(mark)] == ["b"]
    assert [e["objectRef"]["name"] for e in log.events(0)] == ["a", "b"]
