"""Reconcile passes against an in-memory API: what is written, refused, pruned and kept."""

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from odh_operator import labels
from odh_operator.apply import GENERATE_KEYS
from odh_operator.cluster_facts import NO_FACTS, ClusterFacts
from odh_operator.finalize import cleanup
from odh_operator.live_state import ApiState
from odh_operator.reconcile import ClusterAccess, Outcome, reconcile, review
from odh_operator.diff import key_of
from odh_operator.render import RenderError
from tests.unit.fake_kube import FakeKube

Object = dict[str, Any]


def platform(spec: Object, name: str = "odh", namespace: str = "team", uid: str = "uid-odh") -> Object:
    return {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
            "metadata": {"name": name, "namespace": namespace, "uid": uid, "generation": 1}, "spec": spec}


class WatchedLikeState(ApiState):
    """Reads as the operator's watches do: only objects carrying its managed-by label are seen."""

    def get(self, desired: Object) -> Object | None:
        live = super().get(desired)
        return live if live and (live["metadata"].get("labels") or {}).get(labels.MANAGED_BY_KEY) else None


def run(kube: FakeKube, odh: Object, facts: ClusterFacts = NO_FACTS) -> Outcome:
    state = WatchedLikeState(kube)  # type: ignore[arg-type]
    return reconcile(ClusterAccess(kube=kube, state=state, facts=facts), odh)  # type: ignore[arg-type]


def condition(outcome: Outcome, type_: str) -> Object:
    (found,) = [c for c in outcome.status["conditions"] if c["type"] == type_]
    return found


def of_component(kube: FakeKube, component: str) -> list[Object]:
    return [o for o in kube.objects.values() if (o["metadata"].get("labels") or {}).get(labels.COMPONENT) == component]


@pytest.fixture
def kube() -> Iterator[FakeKube]:
    yield FakeKube()


NOTEBOOKS = {"jupyterHub": {"enabled": True}}
NOTEBOOKS_AND_MONITORING = {"jupyterHub": {"enabled": True}, "monitoring": {"enabled": True}}


def test_a_converged_pass_writes_nothing(kube: FakeKube) -> None:
    odh = platform(NOTEBOOKS_AND_MONITORING)
    first = run(kube, odh)
    assert not first.failed and len(kube.writes) >= len(first.desired)
    kube.writes.clear()
    second = run(kube, odh)
    assert kube.writes == [] and not second.failed
    assert second.events == []


def test_generated_secret_keys_are_written_once(kube: FakeKube) -> None:
    odh = platform(NOTEBOOKS)
    run(kube, odh)
    generated = [o for o in kube.objects.values()
                 if o["kind"] == "Secret" and GENERATE_KEYS in o["metadata"].get("annotations", {})]
    assert generated and all(o.get("data") for o in generated)
    before = {o["metadata"]["name"]: dict(o["data"]) for o in generated}
    run(kube, odh)
    after = {o["metadata"]["name"]: dict(kube.get(o)["data"]) for o in generated}  # type: ignore[index]
    assert after == before


def test_an_object_of_another_instance_is_refused_and_left_alone(kube: FakeKube) -> None:
    run(kube, platform(NOTEBOOKS))
    snapshot = copy.deepcopy(kube.objects)
    other = run(kube, platform(NOTEBOOKS, name="other", uid="uid-other"))
    found = condition(other, "JupyterHubReady")
    assert found["reason"] == "ConflictingInstallation" and "belongs to OpenDataHub team.odh" in found["message"]
    assert other.failed
    for key, obj in snapshot.items():
        assert kube.objects[key] == obj, f"{key} was changed by another instance"


def test_an_object_nobody_told_us_about_is_left_byte_for_byte_and_the_component_goes_no_further(
    kube: FakeKube,
) -> None:
    """A ConfigMap of the hub's name made by someone else: not overwritten, not adopted, not pruned; the hub's
    workloads (a later stage) are held back and the status names the object and who manages it."""
    [config, *_] = [o for o in run(FakeKube(), platform(NOTEBOOKS)).desired.values() if o["kind"] == "ConfigMap"]
    name = config["metadata"]["name"]
    theirs = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"mine": "yes"},
              "metadata": {"name": name, "namespace": "team", "labels": {"app": "theirs"},
                           "managedFields": [{"manager": "kubectl-create"}]}}
    kube.objects[key_of(theirs)] = copy.deepcopy(theirs)
    outcome = run(kube, platform(NOTEBOOKS))
    assert kube.objects[key_of(theirs)] == theirs
    found = condition(outcome, "JupyterHubReady")
    assert found["reason"] == "ConflictingInstallation" and outcome.failed
    assert found["message"] == (f"ConfigMap/team/{name} exists and was not installed by the odh-operator "
                                "(managed by kubectl-create); left as it is")
    assert not [o for o in kube.objects.values() if o["kind"] in ("Deployment", "Service")], "workloads went ahead"
    _delete_completely(kube, platform(NOTEBOOKS))
    assert kube.objects[key_of(theirs)] == theirs, "teardown deleted an object that was never ours"


def test_a_crd_another_manager_installed_is_reported_not_replaced_nor_deleted(kube: FakeKube) -> None:
    """ODF's Rook (or another Spark operator) owns the CRDs: the component reports ConflictingInstallation,
    starts no second operator, and a Delete teardown leaves the foreign CRD alone."""
    spark = {"sparkOperator": {"enabled": True}, "deletionPolicy": "Delete"}
    crd = next(o for o in run(FakeKube(), platform(spark)).desired.values()
               if o["kind"] == "CustomResourceDefinition")
    foreign = copy.deepcopy(crd)
    foreign["metadata"]["labels"] = {"operators.coreos.com/spark.openshift-operators": ""}
    foreign["metadata"]["managedFields"] = [{"manager": "catalog"}]
    kube.objects[key_of(foreign)] = copy.deepcopy(foreign)
    odh = platform(spark)
    outcome = run(kube, odh)
    found = condition(outcome, "SparkOperatorReady")
    assert found["reason"] == "ConflictingInstallation" and crd["metadata"]["name"] in found["message"]
    assert "managed by catalog" in found["message"]
    assert kube.objects[key_of(foreign)] == foreign
    assert not [o for o in kube.objects.values() if o["kind"] in ("Deployment", "RoleBinding")]
    _delete_completely(kube, odh)
    assert kube.objects[key_of(foreign)] == foreign


def namespaces(*found: tuple[str, dict[str, str]]) -> ClusterFacts:
    return ClusterFacts(namespaces=tuple({"metadata": {"name": name, "labels": labels_}} for name, labels_ in found),
                        operator_namespace="odh-operator-system")


@pytest.mark.parametrize("job_namespace, facts, why", [
    ("kube-system", namespaces(("kube-system", {"opendatahub.io/accepts": "team.odh"})),
     "namespace kube-system is a system namespace: no OpenDataHub writes there"),
    ("openshift-monitoring", namespaces(), "namespace openshift-monitoring is a system namespace"),
    ("odh-operator-system", namespaces(("odh-operator-system", {"opendatahub.io/accepts": "team.odh"})),
     "namespace odh-operator-system is the operator's own: no OpenDataHub writes there"),
    ("jobs", namespaces(("jobs", {})),
     "namespace jobs has not accepted this OpenDataHub: its owner must label it opendatahub.io/accepts=team.odh"),
    ("jobs", namespaces(("jobs", {"opendatahub.io/accepts": "other.odh"})),
     "namespace jobs accepts OpenDataHub other.odh, not this one"),
    ("jobs", namespaces(), "namespace jobs does not exist: create it and label it opendatahub.io/accepts=team.odh"),
])
def test_a_namespace_that_did_not_accept_the_platform_gets_nothing(
    kube: FakeKube, job_namespace: str, facts: ClusterFacts, why: str,
) -> None:
    """A namespace editor's spec cannot send the operator's writes into a namespace that did not opt in: the
    component is held back whole (its webhooks would select that namespace) and says which label to set."""
    outcome = run(kube, platform({"jupyterHub": {"enabled": True}, "monitoring": {"enabled": True}, "sparkOperator": {
        "enabled": True, "jobNamespaces": ["team", job_namespace]}}), facts)
    assert of_component(kube, "monitoring")  # a component that stays home goes ahead
    found = condition(outcome, "SparkOperatorReady")
    assert found["reason"] == "NamespaceNotPermitted" and outcome.failed
    assert found["message"].startswith("sparkOperator: ") and why in found["message"]
    assert not of_component(kube, "spark-operator"), "a held-back component wrote something"
    assert not [k for k in kube.objects if k[2] == job_namespace]
    hub = condition(outcome, "JupyterHubReady")  # it gives notebooks their Spark Role in every job namespace
    assert hub["reason"] == "NamespaceNotPermitted" and hub["message"].startswith("jupyterHub: ")
    assert not of_component(kube, "jupyterhub")
    assert outcome.namespaces == frozenset({job_namespace})


def test_a_namespace_that_accepted_the_platform_gets_its_objects(kube: FakeKube) -> None:
    facts = namespaces(("jobs", {"opendatahub.io/accepts": "team.odh"}))
    outcome = run(kube, platform({"sparkOperator": {"enabled": True, "jobNamespaces": ["jobs"]}}), facts)
    assert condition(outcome, "SparkOperatorReady")["reason"] != "NamespaceNotPermitted"
    assert {k[1] for k in kube.objects if k[2] == "jobs"} >= {"ServiceAccount", "Role", "RoleBinding"}


def test_a_render_failure_skips_pruning_of_only_that_component(kube: FakeKube, monkeypatch: pytest.MonkeyPatch) -> None:
    odh = platform(NOTEBOOKS_AND_MONITORING)
    run(kube, odh)
    notebooks = len(of_component(kube, "jupyterhub"))
    assert notebooks and of_component(kube, "monitoring")

    from odh_operator import reconcile as module

    real = module.render_component

    def broken_for_notebooks(component: Any, *args: Any) -> list[Object]:
        if component.name == "jupyterhub":
            raise RenderError("jupyterhub/0300_config.yaml.j2: simulated failure")
        return real(component, *args)

    monkeypatch.setattr(module, "render_component", broken_for_notebooks)
    outcome = run(kube, platform({"jupyterHub": {"enabled": True}, "monitoring": {"enabled": False}}))
    (condition,) = [c for c in outcome.status["conditions"] if c["type"] == "JupyterHubReady"]
    assert condition["reason"] == "RenderFailed"
    assert len(of_component(kube, "jupyterhub")) == notebooks  # nothing of the failed component pruned
    assert [o["kind"] for o in of_component(kube, "monitoring")] == ["PersistentVolumeClaim"] * 2  # data kept


def test_retained_data_survives_pruning_and_finalization(kube: FakeKube) -> None:
    odh = platform(NOTEBOOKS)
    kube.objects[("opendatahub.io", "OpenDataHub", "team", "odh")] = odh
    run(kube, odh)
    claims = [o for o in of_component(kube, "jupyterhub") if o["kind"] == "PersistentVolumeClaim"]
    assert claims
    run(kube, platform({"jupyterHub": {"enabled": False}}))
    assert [o["kind"] for o in of_component(kube, "jupyterhub")] == ["PersistentVolumeClaim"] * len(claims)
    run(kube, odh)
    result = cleanup(kube, odh)  # type: ignore[arg-type]
    assert [o["kind"] for o in of_component(kube, "jupyterhub")] == ["PersistentVolumeClaim"] * len(claims)
    assert result.kept and not result.errors


def _delete_completely(kube: FakeKube, odh: Object) -> None:
    """Call cleanup as the finalizer handler would, playing the custom resources' operators in between."""
    for _ in range(10):
        result = cleanup(kube, odh)  # type: ignore[arg-type]
        assert not result.errors
        if not result.remaining:
            return
        for kind in {o["kind"] for o in kube.objects.values() if o["metadata"].get("deletionTimestamp")}:
            kube.finish_deletion(kind)
    raise AssertionError(f"cleanup never finished: {result.remaining}")


def test_shared_crds_go_only_with_the_last_platform_that_uses_them(kube: FakeKube) -> None:
    spark = {"sparkOperator": {"enabled": True}, "deletionPolicy": "Delete"}
    first, second = platform(spark), platform(spark, namespace="other", uid="uid-2")
    for odh in (first, second):
        kube.objects[("opendatahub.io", "OpenDataHub", odh["metadata"]["namespace"], "odh")] = odh
        run(kube, odh)
    crds = [o["metadata"]["name"] for o in kube.objects.values() if o["kind"] == "CustomResourceDefinition"]
    assert crds

    _delete_completely(kube, first)
    del kube.objects[("opendatahub.io", "OpenDataHub", "team", "odh")]
    still = [o["metadata"]["name"] for o in kube.objects.values() if o["kind"] == "CustomResourceDefinition"]
    assert still == crds, "CRDs another platform uses were deleted"

    _delete_completely(kube, second)
    assert not [o for o in kube.objects.values() if o["kind"] == "CustomResourceDefinition"]


def test_a_review_reads_back_what_was_applied_and_asks_for_a_full_pass_on_drift(kube: FakeKube) -> None:
    odh = platform(NOTEBOOKS)
    first = run(kube, odh)
    kube.writes.clear()
    access = ClusterAccess(kube=kube, state=ApiState(kube), facts=NO_FACTS)  # type: ignore[arg-type]
    reviewed = review(access, odh, first)
    assert reviewed is not None and kube.writes == []
    assert [c["type"] for c in reviewed.status["conditions"]] == [c["type"] for c in first.status["conditions"]]

    deployment = next(o for o in kube.objects.values() if o["kind"] == "Deployment")
    deployment["status"] = {"observedGeneration": 1, "availableReplicas": 1, "updatedReplicas": 1}
    hub = next(c for c in review(access, odh, first).status["conditions"] if c["type"] == "JupyterHubReady")  # type: ignore[union-attr]
    assert deployment["metadata"]["name"] not in hub["message"]  # the new status was read

    deployment["spec"]["replicas"] = 5  # drift: only a full pass mends it
    assert review(access, odh, first) is None
    assert review(access, {**odh, "metadata": {**odh["metadata"], "generation": 2}}, first) is None
