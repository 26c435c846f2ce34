"""The pod network's hosts file: readers in the namespace never find it without a name it held."""

from __future__ import annotations

import threading
from pathlib import Path

from testbed.pod_network import update_hosts

BASE = ["127.0.0.1\tlocalhost", "10.96.0.1\tkubernetes.default.svc.cluster.local kubernetes.default"]


def test_unchanged_lines_are_not_written(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    written = update_hosts(hosts, [], BASE)
    before = hosts.stat().st_mtime_ns, hosts.stat().st_ino
    hosts.write_text("touched by someone else\n")
    assert update_hosts(hosts, written, list(BASE)) == BASE
    assert hosts.read_text() == "touched by someone else\n"  # not rewritten
    assert hosts.stat().st_ino == before[1]


def test_new_lines_are_appended_and_a_changed_line_rewrites_in_place(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    written = update_hosts(hosts, [], BASE)
    inode = hosts.stat().st_ino
    written = update_hosts(hosts, written, [*BASE, "10.96.0.10\ta.ns.svc.cluster.local"])
    assert hosts.read_text().splitlines() == [*BASE, "10.96.0.10\ta.ns.svc.cluster.local"]
    written = update_hosts(hosts, written, [*BASE, "10.96.0.11\ta.ns.svc.cluster.local"])
    assert hosts.read_text().splitlines() == [*BASE, "10.96.0.11\ta.ns.svc.cluster.local"]
    update_hosts(hosts, written, BASE)  # shorter: cut to length
    assert hosts.read_text().splitlines() == BASE
    assert hosts.stat().st_ino == inode  # the bind mounts of running processes follow the same inode


def test_a_reader_never_sees_a_name_disappear_while_names_are_added(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    written = update_hosts(hosts, [], BASE)
    stop = threading.Event()
    missing: list[str] = []

    def read() -> None:
        while not stop.is_set():
            text = hosts.read_text()
            if "kubernetes.default" not in text:
                missing.append(text)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        lines = list(BASE)
        for i in range(3000):  # a pod runner's sync pass: the same Services again, now and then a new one
            if i % 10 == 0:
                lines = [*lines, f"10.96.{i // 250}.{i % 250}\tsvc-{i}.ns.svc.cluster.local"]
            written = update_hosts(hosts, written, lines)
    finally:
        stop.set()
        reader.join()
    assert missing == []
    assert hosts.read_text().splitlines() == lines
