"""An in-memory stand-in for ``odh_operator.kube.Kube``, for reconcile-level unit tests only.

It keeps objects by identity, merges applies the way the fields we send are merged (maps deep, lists
replaced), bumps resourceVersion on every write, keeps objects with finalizers until those are removed,
and records every write. The proof that the operator works against a real API server is the e2e suite.
"""

import copy
from typing import Any

from odh_operator import diff

Object = dict[str, Any]
CRD = "CustomResourceDefinition"


def _merge(into: Any, patch: Any) -> Any:
    if isinstance(into, dict) and isinstance(patch, dict):
        merged = dict(into)
        for key, value in patch.items():
            merged[key] = _merge(into.get(key), value)
        return merged
    return copy.deepcopy(patch)


def _matches(obj: Object, selector: str) -> bool:
    if not selector:
        return True
    labels = obj["metadata"].get("labels") or {}
    return all(labels.get(k) == v for k, v in (term.split("=", 1) for term in selector.split(",")))


class FakeKube:
    """Objects in a dict; ``writes`` lists (verb, Kind/namespace/name) of every write."""

    def __init__(self) -> None:
        self.objects: dict[diff.Key, Object] = {}
        self.writes: list[tuple[str, str]] = []
        self._version = 0

    def _bump(self, obj: Object) -> Object:
        self._version += 1
        obj["metadata"]["resourceVersion"] = str(self._version)
        return obj

    def get(self, obj: Object) -> Object | None:
        found = self.objects.get(diff.key_of(obj))
        return copy.deepcopy(found) if found is not None else None

    def list(self, api_version: str, kind: str, selector: str, namespace: str | None = None) -> list[Object]:
        return [
            copy.deepcopy(o) for o in self.objects.values()
            if o["apiVersion"] == api_version and o["kind"] == kind and _matches(o, selector)
            and (namespace is None or o["metadata"].get("namespace") == namespace)
        ]

    def apply(self, obj: Object, field_manager: str = "odh-operator", force: bool = True) -> Object:
        key = diff.key_of(obj)
        self.writes.append(("apply", diff.describe(key)))
        live = self.objects.get(key) or {"metadata": {"uid": f"uid-{len(self.objects)}"}}
        merged = _merge(live, obj)
        if merged["kind"] == CRD:
            merged["status"] = {"conditions": [{"type": "Established", "status": "True"}]}
        self.objects[key] = self._bump(merged)
        return copy.deepcopy(merged)

    def delete(self, obj: Object, propagation: str = "Background") -> bool:
        key = diff.key_of(obj)
        live = self.objects.get(key)
        if live is None:
            return False
        self.writes.append(("delete", diff.describe(key)))
        if live["metadata"].get("finalizers"):
            live["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
            self._bump(live)
        else:
            del self.objects[key]
        return True

    def patch_status(self, obj: Object, status: Object) -> Object:
        key = diff.key_of(obj)
        self.writes.append(("patch-status", diff.describe(key)))
        live = self.objects.setdefault(key, copy.deepcopy(obj))
        live["status"] = _merge(live.get("status") or {}, status)
        return copy.deepcopy(self._bump(live))

    def wait_established(self, crd_name: str, timeout: float = 30.0) -> Object | None:
        return next((copy.deepcopy(o) for o in self.objects.values()
                     if o["kind"] == CRD and o["metadata"]["name"] == crd_name), None)

    def finish_deletion(self, kind: str) -> None:
        """Play the part of another controller: drop finalizers of every terminating object of ``kind``."""
        for key in [k for k, o in self.objects.items() if o["kind"] == kind and o["metadata"].get("deletionTimestamp")]:
            del self.objects[key]
