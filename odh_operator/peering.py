"""The kopf peering object through which operator replicas agree that only one of them is active."""

from typing import Any

PEERING_NAME = "odh-operator"


def peering_objects(name: str, namespaces: list[str] | None) -> list[dict[str, Any]]:
    """The ClusterKopfPeering (cluster-wide operation), or one KopfPeering per watched namespace."""
    if namespaces is None:
        return [{"apiVersion": "kopf.dev/v1", "kind": "ClusterKopfPeering", "metadata": {"name": name}}]
    return [
        {"apiVersion": "kopf.dev/v1", "kind": "KopfPeering", "metadata": {"name": name, "namespace": namespace}}
        for namespace in namespaces
    ]
