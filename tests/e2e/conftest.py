"""Fixtures of the end-to-end suite: one real control plane and one operator process per session."""

import copy
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from odh_operator.kube import Kube
from testbed.build import ensure_built
from testbed.control_plane import Cluster
from testbed.harness import AuditLog, Operator, install_operator_rbac, operator_kubeconfig
from testbed.openshift import install_crds as install_openshift_crds
from testbed.platform import load_example

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e is marked e2e, so `-m "not e2e"` runs the fast suite alone."""
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def running_cluster(workdir: Path, persistent_volumes: int = Cluster.persistent_volumes,
                    prepare: Callable[[Cluster], object] = lambda _: None) -> Iterator[Cluster]:
    """A real control plane, built on first use, ``prepare``d, with the operator's CRDs and RBAC installed; a
    build or start failure fails the tests loudly."""
    ensure_built()
    with Cluster(workdir=workdir, persistent_volumes=persistent_volumes, remove_workdir=False) as running:
        prepare(running)
        install_operator_rbac(running)
        yield running


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The session's control plane."""
    # Retained claims keep their volumes (Retain policy): the suite used up 40 before its last tests.
    yield from running_cluster(tmp_path_factory.mktemp("cluster"), persistent_volumes=160)


@pytest.fixture(scope="session")
def admin(cluster: Cluster) -> Kube:
    """API access as cluster admin, for the tests' own reads and simulated statuses."""
    return Kube(cluster.api_client())


@pytest.fixture(scope="session")
def audit(cluster: Cluster) -> AuditLog:
    """The API server's audit log."""
    return AuditLog(cluster.audit_log)


def running_operator(cluster: Cluster, workdir: Path) -> Iterator[Operator]:
    """An operator process against ``cluster``, as its own ServiceAccount with the generated least-privilege
    ClusterRole; stopped afterwards."""
    process = Operator(operator_kubeconfig(cluster, workdir / "kubeconfig"), workdir / "operator.log")
    process.start()
    yield process
    process.stop()


def fresh_namespace(cluster: Cluster, prefix: str = "e2e") -> Iterator[str]:
    """A new namespace on ``cluster`` for one test, deleted (without waiting) afterwards."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", name)
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


@pytest.fixture(scope="session")
def operator(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operator]:
    """The session's operator process."""
    yield from running_operator(cluster, tmp_path_factory.mktemp("operator"))


@pytest.fixture
def alone(operator: Operator) -> Iterator[None]:
    """Pause the session's operator, so that only the process under test reconciles; restart it afterwards."""
    operator.stop()
    try:
        yield
    finally:
        operator.start()


@pytest.fixture(scope="session")
def openshift_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A second control plane that looks like OpenShift: its SCC, Route and ClusterVersion CRDs, Established.

    Its own, never the session cluster's: every other test expects spec.platform Auto to find Kubernetes."""
    yield from running_cluster(tmp_path_factory.mktemp("openshift-cluster"), prepare=install_openshift_crds)


@pytest.fixture(scope="session")
def openshift_admin(openshift_cluster: Cluster) -> Kube:
    """API access to the OpenShift-like control plane as cluster admin."""
    return Kube(openshift_cluster.api_client())


@pytest.fixture(scope="session")
def openshift_operator(openshift_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operator]:
    """The operator against the OpenShift-like control plane."""
    yield from running_operator(openshift_cluster, tmp_path_factory.mktemp("openshift-operator"))


@pytest.fixture
def openshift_namespace(openshift_cluster: Cluster) -> Iterator[str]:
    """A fresh namespace on the OpenShift-like control plane, removed afterwards."""
    yield from fresh_namespace(openshift_cluster)


@pytest.fixture
def namespace(cluster: Cluster) -> Iterator[str]:
    """A fresh namespace for one test, removed afterwards."""
    yield from fresh_namespace(cluster)


@pytest.fixture
def operator_namespace(cluster: Cluster) -> Iterator[str]:
    """A second fresh namespace, standing for the operator's own (where monitoring looks for its pods)."""
    yield from fresh_namespace(cluster, "e2e-op")


@pytest.fixture
def full_odh(namespace: str) -> dict[str, Any]:
    """examples/opendatahub-full.yaml in the test's namespace."""
    document = copy.deepcopy(load_example("opendatahub-full.yaml"))
    document["metadata"]["namespace"] = namespace
    return document


def write_log_on_failure(path: Path, operator: Operator) -> None:
    """Keep the operator's log next to the test's temp files."""
    path.write_text(operator.tail(400))
