"""Which platform an OpenDataHub renders for: the spec's choice, or what Auto finds the API server serves."""

import subprocess
import sys

import pytest

from odh_operator.cluster_facts import ClusterFacts
from odh_operator.live_state import ApiState
from odh_operator.platform import OPENSHIFT_GROUP_VERSIONS, detect, effective, unserved
from odh_operator.reconcile import ClusterAccess, reconcile, review
from tests.conftest import EXAMPLES, ROOT
from tests.unit.fake_kube import FakeKube
from tests.unit.test_reconcile_pass import platform as opendatahub

KUBERNETES_GROUPS = frozenset({"v1", "apps/v1", "rbac.authorization.k8s.io/v1"})
OPENSHIFT_GROUPS = KUBERNETES_GROUPS | set(OPENSHIFT_GROUP_VERSIONS) | {"config.openshift.io/v1"}


def test_openshift_is_detected_only_when_both_of_its_groups_are_served() -> None:
    assert detect(OPENSHIFT_GROUPS) == "OpenShift"
    assert detect(KUBERNETES_GROUPS) == "Kubernetes"
    assert detect(KUBERNETES_GROUPS | {"route.openshift.io/v1"}) == "Kubernetes"  # Routes alone: not OpenShift
    assert detect(KUBERNETES_GROUPS | {"security.openshift.io/v1"}) == "Kubernetes"


@pytest.mark.parametrize(("asked", "groups", "expected"), [
    ("Auto", OPENSHIFT_GROUPS, "OpenShift"),
    ("Auto", KUBERNETES_GROUPS, "Kubernetes"),
    ("Kubernetes", OPENSHIFT_GROUPS, "Kubernetes"),
    ("OpenShift", KUBERNETES_GROUPS, "OpenShift"),
])
def test_the_spec_decides_and_auto_asks_the_api_server(asked: str, groups: frozenset[str], expected: str) -> None:
    assert effective(asked, groups) == expected


def access(kube: FakeKube, groups: frozenset[str]) -> ClusterAccess:
    return ClusterAccess(kube=kube, state=ApiState(kube), facts=ClusterFacts(group_versions=groups))  # type: ignore[arg-type]


@pytest.mark.parametrize(("asked", "groups", "expected"), [
    (None, OPENSHIFT_GROUPS, "OpenShift"),
    (None, KUBERNETES_GROUPS, "Kubernetes"),
    ("Kubernetes", OPENSHIFT_GROUPS, "Kubernetes"),
])
def test_the_effective_platform_is_in_status(asked: str | None, groups: frozenset[str], expected: str) -> None:
    spec = {"jupyterHub": {"enabled": True}, **({"platform": asked} if asked else {})}
    outcome = reconcile(access(FakeKube(), groups), opendatahub(spec))
    assert outcome.platform == expected and outcome.status["platform"] == expected


def test_a_platform_change_under_auto_needs_a_full_pass() -> None:
    kube = FakeKube()
    odh = opendatahub({"jupyterHub": {"enabled": True}})
    last = reconcile(access(kube, KUBERNETES_GROUPS), odh)
    assert review(access(kube, KUBERNETES_GROUPS), odh, last) is not None
    assert review(access(kube, OPENSHIFT_GROUPS), odh, last) is None


def render_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odh_operator", "render", "-f", str(EXAMPLES / "opendatahub-full.yaml"),
                           *args], text=True, capture_output=True, cwd=ROOT)


def test_render_takes_a_platform_and_refuses_an_unknown_one() -> None:
    assert render_cli("--platform", "openshift").returncode == 0
    refused = render_cli("--platform", "mesos")
    assert refused.returncode == 2 and "invalid choice: 'mesos'" in refused.stderr


def test_openshift_asked_of_a_kubernetes_api_server_is_refused_and_changes_nothing() -> None:
    kube = FakeKube()
    outcome = reconcile(access(kube, KUBERNETES_GROUPS), opendatahub({"platform": "OpenShift", "jupyterHub": {"enabled": True}}))
    assert outcome.failed and kube.writes == []
    [ready] = outcome.status["conditions"]
    assert ready["reason"] == "InvalidSpec" and ready["message"].startswith("spec.platform: OpenShift, but the API server")
    assert "route.openshift.io/v1" in ready["message"] and "security.openshift.io/v1" in ready["message"]


def test_openshift_asked_with_nothing_known_of_the_server_renders_for_openshift() -> None:
    assert unserved("OpenShift", ()) == [] and unserved("OpenShift", OPENSHIFT_GROUPS) == []
    assert unserved("Auto", KUBERNETES_GROUPS) == [] and unserved("Kubernetes", KUBERNETES_GROUPS) == []
