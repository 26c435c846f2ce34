"""Fake kwok nodes, a default StorageClass and pre-made PersistentVolumes for the test cluster."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kubernetes import client
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

KWOK_ANNOTATION = "kwok.x-k8s.io/node"
KWOK_SELECTOR = f"{KWOK_ANNOTATION}=fake"
STORAGE_CLASS = "standard"
NODE_NET = "172.31.255"  # fake InternalIPs; nothing listens there
BASE_CAPACITY = {"cpu": "16", "memory": "64Gi", "pods": "110"}
GPU_LABELS = {
    "nvidia.com/gpu.present": "true",
    "feature.node.kubernetes.io/pci-10de.present": "true",
}


@dataclass(frozen=True)
class NodeSpec:
    """One fake node: its name, extra labels and extra capacity (e.g. GPUs)."""

    name: str
    labels: dict[str, str] = field(default_factory=dict)
    capacity: dict[str, str] = field(default_factory=dict)


def default_nodes() -> list[NodeSpec]:
    """Two plain workers and one untainted GPU node with four ``nvidia.com/gpu``."""
    return [
        NodeSpec("kwok-worker-1"),
        NodeSpec("kwok-worker-2"),
        NodeSpec("kwok-gpu-1", labels=GPU_LABELS, capacity={"nvidia.com/gpu": "4"}),
    ]


def node_manifest(spec: NodeSpec, ip: str) -> dict[str, object]:
    """The Node object kwok will adopt (selected by annotation) and keep Ready."""
    capacity = {**BASE_CAPACITY, **spec.capacity}
    labels = {
        "kubernetes.io/hostname": spec.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "type": "kwok",
        **spec.labels,
    }
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": spec.name,
            "annotations": {KWOK_ANNOTATION: "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": labels,
        },
        "status": {
            "capacity": capacity,
            "allocatable": dict(capacity),
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "Hostname", "address": spec.name},
            ],
        },
    }


def storage_class_manifest() -> dict[str, object]:
    """The default StorageClass: static PVs only, bound immediately."""
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": STORAGE_CLASS,
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        },
        "provisioner": "kubernetes.io/no-provisioner",
        "volumeBindingMode": "Immediate",
        "reclaimPolicy": "Retain",
    }


def pv_manifest(index: int, root: Path, size: str = "100Gi") -> dict[str, object]:
    """A hostPath PersistentVolume ``pv-<index>`` of the default StorageClass."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": f"pv-{index}", "labels": {"type": "kwok"}},
        "spec": {
            "capacity": {"storage": size},
            "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": STORAGE_CLASS,
            "hostPath": {"path": str(root / f"pv-{index}"), "type": "DirectoryOrCreate"},
        },
    }


def _create(call: Callable[..., object], body: dict[str, object]) -> None:
    """Create an object, tolerating one that already exists."""
    try:
        call(body=body)
    except ApiException as exc:
        if exc.status != 409:
            raise


def create_nodes(api: ApiClient, specs: Iterable[NodeSpec]) -> list[str]:
    """Create the fake nodes and return their names."""
    core = client.CoreV1Api(api)
    names = []
    for index, spec in enumerate(specs, start=2):
        _create(core.create_node, node_manifest(spec, f"{NODE_NET}.{index}"))
        names.append(spec.name)
    return names


def create_storage(api: ApiClient, root: Path, count: int = 20) -> None:
    """Create the default StorageClass and ``count`` PersistentVolumes under ``root``."""
    _create(client.StorageV1Api(api).create_storage_class, storage_class_manifest())
    core = client.CoreV1Api(api)
    for index in range(1, count + 1):
        (root / f"pv-{index}").mkdir(parents=True, exist_ok=True)
        _create(core.create_persistent_volume, pv_manifest(index, root))


def nodes_ready(api: ApiClient, names: Sequence[str]) -> bool:
    """Whether every named node reports the ``Ready`` condition as ``True``."""
    ready = set()
    for node in client.CoreV1Api(api).list_node(label_selector="type=kwok").items:
        conditions = (node.status.conditions if node.status else None) or []
        if node.metadata and any(c.type == "Ready" and c.status == "True" for c in conditions):
            ready.add(node.metadata.name)
    return set(names) <= ready
