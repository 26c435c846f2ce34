"""Figures for one operator and many platforms, on fresh copies of the project's control plane.

Run: python -m bench.platforms [--counts 1,10,50] [--examples minimal,full] [--rest-seconds 60]
It prints, in one run and side by side:
- the full example installed by the operator vs `kubectl apply --server-side` of the same `odh-operator render`
  output (CRDs first, then the rest) plus `kubectl wait` for the same Deployments Available, on twin clusters;
- API requests a minute from the operator while an unchanged platform is Ready (reads and writes, audit log);
- time to heal a deleted Deployment, an edited image and a deleted ClusterRole;
- N platforms created at once: time until all are Ready, operator RSS and CPU seconds, requests a minute at rest.
It measures and asserts nothing; the goals are in the README next to the figures.
"""

import argparse
import copy
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from odh_operator.inventory import owned_kinds
from odh_operator.kube import Kube
from testbed.build import ensure_built
from testbed.control_plane import Cluster
from testbed.harness import (
    WRITE_VERBS,
    AuditLog,
    Operator,
    install_operator_rbac,
    operator_kubeconfig,
    wait_for,
)
from testbed.platform import apply_odh, expected, load_example, missing, simulate_ceph, status_of
from testbed.runtime import runtime_python

Object = dict[str, Any]
EXAMPLES = {"minimal": "opendatahub-minimal.yaml", "full": "opendatahub-full.yaml"}
PERSISTENT_VOLUMES = 220  # the full example claims 3-4 volumes; 50 of them need room
TIMEOUT = 900.0


@dataclass
class Running:
    """A fresh cluster with the operator running as its ServiceAccount."""

    cluster: Cluster
    admin: Kube
    operator: Operator
    audit: AuditLog


@contextmanager
def fresh(work: Path, with_operator: bool = True) -> Iterator[Running]:
    """A new control plane (and operator) for one measurement, removed afterwards."""
    work.mkdir(parents=True)
    with Cluster(workdir=work / "cluster", persistent_volumes=PERSISTENT_VOLUMES) as cluster:
        install_operator_rbac(cluster)
        operator = Operator(operator_kubeconfig(cluster, work / "kubeconfig"), work / "operator.log",
                            python=runtime_python())
        if with_operator:
            operator.start()
        try:
            yield Running(cluster, Kube(cluster.api_client()), operator, AuditLog(cluster.audit_log))
        finally:
            operator.stop()


def document(example: str, namespace: str) -> Object:
    doc = copy.deepcopy(load_example(EXAMPLES[example]))
    doc["metadata"]["namespace"] = namespace
    return doc


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def all_ready(admin: Kube, documents: list[Object], ceph: bool) -> bool:
    for doc in documents:
        if ceph:
            simulate_ceph(admin, doc["metadata"]["namespace"])
        live = admin.get({"apiVersion": doc["apiVersion"], "kind": doc["kind"], "metadata": doc["metadata"]}) or {}
        status = live.get("status") or {}
        if status.get("phase") != "Ready" or status.get("observedGeneration") != live["metadata"].get("generation"):
            return False
    return True


def deployments_available(run: Running, namespace: str) -> None:
    run.cluster.kubectl("wait", "--for=condition=Available", "deployment", "--all", "-n", namespace,
                        f"--timeout={int(TIMEOUT)}s", timeout=TIMEOUT)


def timed(step: Callable[[], Any]) -> float:
    started = time.monotonic()
    step()
    return time.monotonic() - started


def requests_at_rest(run: Running, seconds: float) -> tuple[float, float]:
    """The operator's reads and writes a minute over ``seconds`` of rest (peering heartbeats left out)."""
    mark = run.audit.mark()
    time.sleep(seconds)
    events = run.audit.operator_requests(mark, writes_only=False)
    writes = sum(1 for e in events if e.get("verb") in WRITE_VERBS)
    per_minute = 60.0 / seconds
    return (len(events) - writes) * per_minute, writes * per_minute


def full_example_vs_kubectl(work: Path, rest_seconds: float) -> None:
    print("\n## The full example: operator vs kubectl (twin fresh clusters)")
    doc = document("full", "bench")
    objects = expected(doc)
    deployments = [o for o in objects if o["kind"] == "Deployment"]

    with fresh(work / "kubectl", with_operator=False) as run:
        run.cluster.kubectl("create", "namespace", "bench")
        crds = [o for o in objects if o["kind"] == "CustomResourceDefinition"]
        rest = [o for o in objects if o not in crds]
        started = time.monotonic()
        run.cluster.kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump_all(crds), timeout=TIMEOUT)
        run.cluster.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=120s", timeout=130)
        run.cluster.kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump_all(rest), timeout=TIMEOUT)
        kubectl_applied = time.monotonic() - started
        deployments_available(run, "bench")
        kubectl_available = time.monotonic() - started

    with fresh(work / "operator") as run:
        run.cluster.kubectl("create", "namespace", "bench")
        started = time.monotonic()
        apply_odh(run.cluster, doc)

        def first_pass_done() -> bool:  # asks the operator, not the API server, so polling costs it nothing
            return run.operator.metric("odh_operator_reconcile_total", namespace="bench") >= 1

        wait_for("the first pass", first_pass_done, timeout=TIMEOUT, interval=0.05)
        wait_for("every object", lambda: not missing(run.admin, objects), timeout=TIMEOUT, interval=0.5)
        applied = time.monotonic() - started
        deployments_available(run, "bench")
        available = time.monotonic() - started
        wait_for("Ready", lambda: all_ready(run.admin, [doc], ceph=True), timeout=TIMEOUT, interval=0.2)
        ready = time.monotonic() - started
        print(f"objects: {len(objects)} ({len(deployments)} Deployments)")
        print("| step | kubectl | operator | operator/kubectl |")
        print("|---|---|---|---|")
        print(f"| all objects applied | {kubectl_applied:.1f} s | {applied:.1f} s | {applied / kubectl_applied:.2f}x |")
        print(f"| Deployments Available | {kubectl_available:.1f} s | {available:.1f} s "
              f"| {available / kubectl_available:.2f}x |")
        print(f"| OpenDataHub Ready (Rook's status played) | - | {ready:.1f} s | - |")

        time.sleep(5)
        reads, writes = requests_at_rest(run, rest_seconds)
        print(f"\nat rest, one Ready full platform ({len(owned_kinds())} owned kinds, resync every 60 s): "
              f"{reads:.1f} reads/min, {writes:.1f} writes/min")
        heal(run, doc, objects)


def heal(run: Running, doc: Object, objects: list[Object]) -> None:
    print("\n## Time to heal")
    namespace = doc["metadata"]["namespace"]
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    name = deployment["metadata"]["name"]

    def restored(obj: Object) -> Callable[[], bool]:
        return lambda: not missing(run.admin, [obj])

    started = time.monotonic()
    run.cluster.kubectl("delete", "deployment", name, "-n", namespace, "--wait=false")
    time.sleep(0.05)
    wait_for("the Deployment back", restored(deployment), timeout=60, interval=0.02)
    print(f"deleted Deployment {name}: {time.monotonic() - started:.2f} s")

    container = deployment["spec"]["template"]["spec"]["containers"][0]
    want = container["image"]

    def image_back() -> bool:
        live = run.admin.get(deployment) or {}
        return bool(live) and live["spec"]["template"]["spec"]["containers"][0]["image"] == want

    started = time.monotonic()
    run.cluster.kubectl("set", "image", f"deployment/{name}", f"{container['name']}=example.com/not-ours:1", "-n",
                        namespace)
    time.sleep(0.05)
    wait_for("the image back", image_back, timeout=60, interval=0.02)
    print(f"edited image of {name}: {time.monotonic() - started:.2f} s")

    role = next(o for o in objects if o["kind"] == "ClusterRole")
    started = time.monotonic()
    run.cluster.kubectl("delete", "clusterrole", role["metadata"]["name"], "--wait=false")
    time.sleep(0.05)
    wait_for("the ClusterRole back", restored(role), timeout=60, interval=0.02)
    print(f"deleted ClusterRole {role['metadata']['name']}: {time.monotonic() - started:.2f} s")


def many(work: Path, example: str, count: int, rest_seconds: float) -> str:
    """One row: N platforms of one example created at once."""
    with fresh(work / f"{example}-{count}") as run:
        docs = [document(example, f"team-{i}") for i in range(count)]
        for doc in docs:
            run.cluster.kubectl("create", "namespace", doc["metadata"]["namespace"])
        assert run.operator.process is not None
        pid = run.operator.process.pid
        cpu_before = cpu_seconds(pid)
        started = time.monotonic()
        run.cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(docs), timeout=TIMEOUT)
        try:
            wait_for(f"{count} platforms Ready", lambda: all_ready(run.admin, docs, ceph=example == "full"),
                     timeout=TIMEOUT, interval=1.0)
            ready = f"{time.monotonic() - started:.1f} s"
        except AssertionError:
            phases = [status_of(run.admin, d).get("phase") for d in docs]
            ready = f"not all Ready in {TIMEOUT:.0f} s ({phases.count('Ready')}/{count})"
        cpu = cpu_seconds(pid) - cpu_before
        time.sleep(5)
        reads, writes = requests_at_rest(run, rest_seconds)
        errors = sum("Traceback" in line for line in run.operator.log.read_text(errors="replace").splitlines())
        return (f"| {example} | {count} | {ready} | {rss_mib(pid):.0f} MiB | {cpu:.1f} s | "
                f"{reads:.1f} / {writes:.1f} | {errors} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.platforms", description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="1,10,50", help="numbers of platforms, comma-separated")
    parser.add_argument("--examples", default="minimal,full", help="examples to multiply: minimal, full")
    parser.add_argument("--rest-seconds", type=float, default=60.0, help="how long to count requests at rest")
    parser.add_argument("--skip-kubectl", action="store_true", help="only the N-platforms table")
    args = parser.parse_args(argv)
    ensure_built()
    work = Path(tempfile.mkdtemp(prefix="odh-bench-"))
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    if not args.skip_kubectl:
        full_example_vs_kubectl(work, args.rest_seconds)
    print("\n## N platforms created at once")
    print("| example | N | all Ready after | operator RSS | operator CPU | reads / writes a minute at rest "
          "| tracebacks in log |")
    print("|---|---|---|---|---|---|---|")
    for example in args.examples.split(","):
        for count in (int(c) for c in args.counts.split(",")):
            print(many(work, example, count, args.rest_seconds), flush=True)
    subprocess.run(["rm", "-rf", str(work)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
