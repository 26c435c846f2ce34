"""Reconcile passes against an in-memory API: what is written, refused, pruned and kept."""

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from odh_operator import labels
from odh_operator.apply import GENERATE_KEYS
from odh_operator.cluster_facts import NO_FACTS
from odh_operator.finalize import cleanup
from odh_operator.live_state import ApiState
from odh_operator.reconcile import ClusterAccess, Outcome, reconcile, review
from odh_operator.render import RenderError
from tests.unit.fake_kube import FakeKube

Object = dict[str, Any]


def platform(spec: Object, name: str = "odh", namespace: str = "team", uid: str = "uid-odh") -> Object:
    return {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
            "metadata": {"name": name, "namespace": namespace, "uid": uid, "generation": 1}, "spec": spec}


def run(kube: FakeKube, odh: Object) -> Outcome:
    return reconcile(ClusterAccess(kube=kube, state=ApiState(kube), facts=NO_FACTS), odh)  # type: ignore[arg-type]


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
    (condition,) = [c for c in other.status["conditions"] if c["type"] == "JupyterHubReady"]
    assert condition["reason"] == "ApplyFailed" and "belongs to OpenDataHub team.odh" in condition["message"]
    assert other.failed
    for key, obj in snapshot.items():
        assert kube.objects[key] == obj, f"{key} was changed by another instance"


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
