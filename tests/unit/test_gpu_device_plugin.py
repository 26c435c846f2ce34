"""The gpu-device-plugin component: GPU node selection as upstream's chart, runtime class, GPUs in status."""

from dataclasses import replace
from typing import Any

import kubernetes_validate
import pytest

from odh_operator import kinds
from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.cluster_facts import ClusterFacts
from odh_operator.components.gpu_device_plugin import COMPONENT
from odh_operator.render import render_component
from odh_operator.status import ComponentResult, build
from tests.unit.component_helpers import INSTANCE, find, full_spec, spec_with

Object = dict[str, Any]
K8S_SCHEMA_VERSION = "1.36.0"


def spec_of(section: dict[str, Any], **top: Any) -> OpenDataHubSpec:
    return spec_with("gpuDevicePlugin", section, **top)


def pod_spec(spec: OpenDataHubSpec) -> Object:
    daemonset = find(render_component(COMPONENT, spec, INSTANCE), "DaemonSet", "nvidia-device-plugin")
    pod: Object = daemonset["spec"]["template"]["spec"]
    return pod


def node(name: str, labels: dict[str, str], gpus: str | None = None) -> Object:
    allocatable = {"cpu": "8"} | ({"nvidia.com/gpu": gpus} if gpus is not None else {})
    return {"metadata": {"name": name, "labels": labels}, "status": {"allocatable": allocatable}}


def live_daemonset(desired: int, ready: int) -> Object:
    return {"kind": "DaemonSet", "metadata": {"name": "nvidia-device-plugin", "generation": 1},
            "status": {"observedGeneration": 1, "desiredNumberScheduled": desired, "numberReady": ready,
                       "updatedNumberScheduled": ready}}


def matches(affinity: Object, labels: dict[str, str]) -> bool:
    """Whether a node with these labels satisfies the required node affinity (terms ORed, expressions ANDed)."""
    terms = affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    return any(all(labels.get(e["key"]) in e["values"] for e in t["matchExpressions"]) for t in terms)


@pytest.mark.parametrize("spec", [full_spec(), spec_of({"runtimeClassName": "nvidia", "migStrategy": "single"},
                                                      imagePullSecrets=["pull"])])
def test_every_object_passes_strict_schema_validation(spec: OpenDataHubSpec) -> None:
    for obj in render_component(COMPONENT, spec, INSTANCE):
        assert kinds.is_builtin(obj)
        kubernetes_validate.validate(obj, K8S_SCHEMA_VERSION, strict=True)


@pytest.mark.parametrize(
    ("labels", "selected"),
    [
        ({"feature.node.kubernetes.io/pci-10de.present": "true"}, True),  # NFD only
        ({"nvidia.com/gpu.present": "true"}, True),  # labelled by hand
        ({"feature.node.kubernetes.io/cpu-model.vendor_id": "NVIDIA"}, True),  # Tegra, as upstream
        ({"feature.node.kubernetes.io/pci-10de.present": "false"}, False),
        ({"feature.node.kubernetes.io/pci-1002.present": "true"}, False),  # an AMD GPU
        ({}, False),
    ],
)
def test_gpu_nodes_are_found_by_nfd_or_the_manual_label(labels: dict[str, str], selected: bool) -> None:
    pod = pod_spec(spec_of({}))
    assert matches(pod["affinity"], labels) is selected
    assert pod["nodeSelector"] == {}


def test_tolerates_the_gpu_taint_and_keeps_extra_placement() -> None:
    pod = pod_spec(spec_of({}))
    assert pod["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    placed = pod_spec(spec_of({"placement": {"nodeSelector": {"pool": "gpu-a100"}}}))
    assert placed["nodeSelector"] == {"pool": "gpu-a100"}
    assert matches(placed["affinity"], {"nvidia.com/gpu.present": "true"})


def test_runtime_class_only_when_set() -> None:
    assert "runtimeClassName" not in pod_spec(spec_of({}))
    assert pod_spec(spec_of({"runtimeClassName": "nvidia"}))["runtimeClassName"] == "nvidia"


def test_runtime_class_must_be_a_dns_subdomain() -> None:
    with pytest.raises(ValueError, match="runtime_class_name|runtimeClassName"):
        spec_of({"runtimeClassName": "Not A Name"})


def test_image_pinned_overridable_and_mirrored() -> None:
    assert pod_spec(spec_of({}))["containers"][0]["image"] == "nvcr.io/nvidia/k8s-device-plugin:v0.20.0"
    assert pod_spec(spec_of({"image": "r.local/dp:1"}))["containers"][0]["image"] == "r.local/dp:1"
    mirrored = pod_spec(spec_of({}, imageRegistry="mirror.local/odh"))["containers"][0]["image"]
    assert mirrored == "mirror.local/odh/nvidia/k8s-device-plugin:v0.20.0"


def test_readiness_reports_the_gpus_nodes_advertise() -> None:
    facts = ClusterFacts(nodes=(
        node("gpu-1", {}, "4"), node("gpu-2", {}, "2"), node("cpu-1", {}), node("broken-gpu", {}, "0"),
    ))
    result = COMPONENT.readiness([live_daemonset(3, 3)], facts)
    assert result.state == "Ready"
    assert result.details == {"gpus": {"allocatable": 6, "nodes": 2}}
    assert "6 GPUs allocatable on 2 nodes" in result.message


def test_ready_with_zero_gpus_says_so() -> None:
    result = COMPONENT.readiness([live_daemonset(1, 1)], ClusterFacts(nodes=(node("gpu-1", {}, "0"),)))
    assert result.state == "Ready"
    assert result.details == {"gpus": {"allocatable": 0, "nodes": 0}}
    assert "0 GPUs" in result.message


def test_not_ready_while_the_plugin_starts_still_counts_gpus() -> None:
    result = COMPONENT.readiness([live_daemonset(2, 1)], ClusterFacts(nodes=(node("gpu-1", {}, "1"),)))
    assert result.state == "NotReady"
    assert "1 GPU allocatable on 1 node" in result.message
    assert result.details["gpus"] == {"allocatable": 1, "nodes": 1}


def test_gpu_count_reaches_the_status_and_its_schema() -> None:
    from odh_operator.api.status import OpenDataHubStatus
    result = COMPONENT.readiness([live_daemonset(1, 1)], ClusterFacts(nodes=(node("gpu-1", {}, "4"),)))
    status = build([ComponentResult(COMPONENT.condition_type, result)], 1, None, "2026-01-01T00:00:00Z")
    assert status["gpus"] == {"allocatable": 4, "nodes": 1}
    OpenDataHubStatus.model_validate(status)  # the structural schema keeps the field (not pruned)


def test_crd_declares_the_gpus_status_field() -> None:
    from odh_operator.api.crd import crd
    status = crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
    gpus = status["properties"]["gpus"]
    assert gpus["type"] == "object"
    assert {k: v["type"] for k, v in gpus["properties"].items()} == {"allocatable": "integer", "nodes": "integer"}


def test_gpu_count_leaves_the_status_when_the_plugin_is_disabled() -> None:
    from odh_operator.status import changed
    result = COMPONENT.readiness([live_daemonset(1, 1)], ClusterFacts(nodes=(node("gpu-1", {}, "4"),)))
    before = build([ComponentResult(COMPONENT.condition_type, result)], 1, None, "2026-01-01T00:00:00Z")
    after = build([], 2, before, "2026-01-01T00:01:00Z")
    assert after["gpus"] is None  # merge patch: null removes the field
    assert changed(before, after)
    stored = {k: v for k, v in after.items() if v is not None}
    assert "gpus" not in build([], 3, stored, "2026-01-01T00:02:00Z")  # nothing left to remove
    # While the component stays enabled, a pass that reports nothing new leaves the field alone.
    same = build([ComponentResult(COMPONENT.condition_type, replace(result, details={}))], 2, before,
                 "2026-01-01T00:01:00Z")
    assert "gpus" not in same
