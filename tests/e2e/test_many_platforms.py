"""One operator, many platforms: ten OpenDataHubs created at once converge together and then cost nothing."""

import copy
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from odh_operator.kube import Kube
from testbed.control_plane import Cluster
from testbed.harness import WRITE_VERBS, AuditLog, Operator, describe_request, wait_for
from testbed.platform import apply_odh, load_example, odh_ref

PLATFORMS = 10
BUGS = re.compile(r"Traceback|KeyError|RuntimeError|reconcile failed")  # whoever they are about


@pytest.fixture
def namespaces(cluster: Cluster) -> Iterator[list[str]]:
    names = [f"team-{uuid.uuid4().hex[:6]}-{i}" for i in range(PLATFORMS)]
    for name in names:
        cluster.kubectl("create", "namespace", name)
    yield names
    for name in names:
        cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


def test_ten_platforms_at_once_are_ready_quickly_and_cost_nothing_at_rest(
    cluster: Cluster, admin: Kube, operator: Operator, audit: AuditLog, namespaces: list[str]
) -> None:
    log_start = len(operator.log.read_text(errors="replace"))
    documents: list[dict[str, Any]] = []
    for namespace in namespaces:
        document = copy.deepcopy(load_example("opendatahub-minimal.yaml"))
        document["metadata"]["namespace"] = namespace
        documents.append(document)
    started = time.monotonic()
    for document in documents:
        apply_odh(cluster, document)

    def all_ready() -> bool:
        for document in documents:
            live = admin.get(odh_ref(document)) or {}
            status = live.get("status") or {}
            if status.get("phase") != "Ready" or status.get("observedGeneration") != live["metadata"]["generation"]:
                return False
        return True

    wait_for(f"{PLATFORMS} platforms Ready", all_ready, timeout=120, interval=1)
    elapsed = time.monotonic() - started
    print(f"{PLATFORMS} platforms Ready in {elapsed:.1f}s")

    time.sleep(3)  # the last status writes and events land
    mark = audit.mark()
    window = 65.0  # longer than one resync period: every platform's loop runs at least once
    time.sleep(window)
    ours = set(namespaces)
    requests = [e for e in audit.operator_requests(mark, writes_only=False)
                if e.get("objectRef", {}).get("namespace") in ours]
    writes = [describe_request(e) for e in requests if e.get("verb") in WRITE_VERBS]
    assert writes == [], f"writes at rest: {writes}"
    assert len(requests) <= 3, f"requests at rest in {window:.0f}s: {[describe_request(e) for e in requests]}"

    log = operator.log.read_text(errors="replace")[log_start:]
    # Other tests' platforms may still be tearing down meanwhile: only lines about ours, and any traceback.
    problems = [line for line in log.splitlines()
                if BUGS.search(line) or ("ERROR" in line and any(namespace in line for namespace in namespaces))]
    assert problems == [], "errors in the operator's log:\n" + "\n".join(problems[:20])
