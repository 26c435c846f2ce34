"""Convergence checks: what counts as 'nothing to apply'."""

import copy
from typing import Any

from odh_operator.diff import APPLIED_HASH, contains, converged, describe, intent_hash, key_of, with_intent_hash

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "hub", "namespace": "ns", "labels": {"a": "b"}},
    "spec": {
        "replicas": 1,
        "template": {"spec": {"containers": [{"name": "c", "image": "x:1", "resources": {"limits": {"cpu": "0.5"}}}],
                              "tolerations": []}},
    },
}


def live_of(desired: dict[str, Any]) -> dict[str, Any]:
    """What the API server would hand back: defaults added, quantities canonical, empty lists dropped."""
    live = copy.deepcopy(desired)
    live["metadata"].update(uid="u", resourceVersion="7", managedFields=[{"manager": "odh-operator"}])
    pod = live["spec"]["template"]["spec"]
    pod.pop("tolerations")
    pod["restartPolicy"] = "Always"
    container = pod["containers"][0]
    container["terminationMessagePath"] = "/dev/termination-log"
    container["resources"]["limits"]["cpu"] = "500m"
    live["status"] = {"replicas": 1}
    return live


def test_server_defaults_and_canonical_quantities_still_count_as_converged() -> None:
    desired = with_intent_hash(DEPLOYMENT)
    assert converged(desired, live_of(desired))


def test_missing_object_is_not_converged() -> None:
    assert not converged(with_intent_hash(DEPLOYMENT), None)


def test_edited_field_is_drift() -> None:
    desired = with_intent_hash(DEPLOYMENT)
    live = live_of(desired)
    live["spec"]["template"]["spec"]["containers"][0]["image"] = "evil:latest"
    assert not converged(desired, live)


def test_extra_list_element_is_drift() -> None:
    desired = with_intent_hash(DEPLOYMENT)
    live = live_of(desired)
    live["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "y:1"})
    assert not converged(desired, live)


def test_a_field_we_stop_sending_changes_the_intent_hash() -> None:
    before = with_intent_hash(DEPLOYMENT)
    after_intent = copy.deepcopy(DEPLOYMENT)
    del after_intent["metadata"]["labels"]
    after = with_intent_hash(after_intent)
    assert contains(live_of(before), after_intent), "the live object still holds every field we want..."
    assert not converged(after, live_of(before)), "...but a dropped field must still be applied away"


def test_intent_hash_ignores_its_own_annotation_and_status() -> None:
    stamped = with_intent_hash(DEPLOYMENT)
    assert stamped["metadata"]["annotations"][APPLIED_HASH] == intent_hash(DEPLOYMENT) == intent_hash(stamped)
    assert intent_hash({**DEPLOYMENT, "status": {"x": 1}}) == intent_hash(DEPLOYMENT)
    assert "annotations" not in DEPLOYMENT["metadata"], "stamping must not change its input"


def test_quantities_compare_by_value_only_where_they_are_quantities() -> None:
    assert contains({"memory": "1Gi"}, {"memory": "1024Mi"})
    assert not contains({"memory": "1Gi"}, {"memory": "1G"})
    assert not contains({"value": "500m"}, {"value": "0.5"})


def test_key_and_description() -> None:
    assert key_of(DEPLOYMENT) == ("apps", "Deployment", "ns", "hub")
    assert describe(key_of(DEPLOYMENT)) == "Deployment/ns/hub"
    crole = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"}}
    assert key_of(crole) == ("rbac.authorization.k8s.io", "ClusterRole", "", "r")
