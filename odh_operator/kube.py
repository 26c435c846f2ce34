"""The one wrapper around Kubernetes API calls: discovery, get, list, server-side apply, delete.

Reconcile passes of several OpenDataHubs run in threads at once: the dynamic client's discovery cache is
not thread-safe, so discovery happens under one lock, and each kind is resolved once and remembered.
"""

import threading
import time
from typing import Any

from kubernetes import client, config
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import NotFoundError, ResourceNotFoundError
from kubernetes.dynamic.resource import Resource

from odh_operator.metrics import API_REQUESTS

Object = dict[str, Any]
FIELD_MANAGER = "odh-operator"
GROUPS_TTL = 60.0  # seconds a reading of the served API groups is reused


class UnknownKind(RuntimeError):
    """The API server does not serve this kind (its CRD is missing or not established yet)."""


def established(crd: Object | None) -> bool:
    """Whether a CustomResourceDefinition's kind is being served."""
    conditions = ((crd or {}).get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)


def api_client() -> client.ApiClient:
    """A client from the in-cluster service account, else the current kubeconfig."""
    try:
        config.load_incluster_config()
    except config.ConfigException:
        config.load_kube_config()
    return client.ApiClient()


class Kube:
    """Typed, dict-in dict-out access to any kind, resolved through discovery."""

    def __init__(self, api: client.ApiClient | None = None) -> None:
        self.api = api or api_client()
        self._discovery = threading.Lock()
        with self._discovery:
            self.dynamic = DynamicClient(self.api)
        self._resources: dict[tuple[str, str], Resource] = {}
        self._refreshed_at = 0.0  # when discovery was last refreshed
        self._groups: tuple[float, frozenset[str]] | None = None  # (when read, group versions)

    def resource(self, api_version: str, kind: str) -> Resource:
        """The API resource serving a kind, refreshing discovery if it is not known yet (new CRDs).

        Threads that miss together (the kinds of a batch of new CRDs) share one refresh; a refresh is
        costly, since the client re-reads every group and rewrites its cache file.
        """
        known = self._resources.get((api_version, kind))
        if known is not None:
            return known
        asked = time.monotonic()
        with self._discovery:
            for attempt in range(2):
                try:
                    found: Resource = self.dynamic.resources.get(api_version=api_version, kind=kind)
                    self._resources[(api_version, kind)] = found
                    return found
                except ResourceNotFoundError:
                    if attempt == 0 and self._refreshed_at < asked:  # else another caller just refreshed
                        self.dynamic.resources.invalidate_cache()
                        self._refreshed_at = time.monotonic()
        raise UnknownKind(f"the API server does not serve {kind} in {api_version}")

    def served_group_versions(self) -> frozenset[str]:
        """Every ``group/version`` the API server serves (``v1`` for the core group), re-read once a minute.

        One aggregated-discovery request: OpenShift's groups come from an aggregated API server, not CRDs, so
        the operator's CRD watch cannot tell.
        """
        now = time.monotonic()
        cached = self._groups
        if cached is not None and now - cached[0] < GROUPS_TTL:
            return cached[1]
        API_REQUESTS.labels(verb="get").inc()
        groups = client.ApisApi(self.api).get_api_versions().groups or []
        found = frozenset({"v1"} | {v.group_version for g in groups for v in g.versions or []})
        self._groups = (now, found)
        return found

    def get(self, obj: Object) -> Object | None:
        """The live object with the same identity, or None."""
        meta = obj["metadata"]
        resource = self.resource(obj["apiVersion"], obj["kind"])
        API_REQUESTS.labels(verb="get").inc()
        try:
            live = resource.get(name=meta["name"], namespace=meta.get("namespace"))
        except NotFoundError:
            return None
        result: Object = live.to_dict()
        return result

    def list(self, api_version: str, kind: str, selector: str, namespace: str | None = None) -> list[Object]:
        """Objects of a kind matching a label selector (in one namespace, or everywhere)."""
        resource = self.resource(api_version, kind)
        API_REQUESTS.labels(verb="list").inc()
        try:
            items = resource.get(namespace=namespace, label_selector=selector).to_dict().get("items", [])
        except NotFoundError as error:  # a list is never 404 unless the kind went (its CRD was deleted)
            self._resources.pop((api_version, kind), None)
            raise UnknownKind(f"the API server no longer serves {kind} in {api_version}") from error
        for item in items:  # list items come without apiVersion and kind
            item.setdefault("apiVersion", api_version)
            item.setdefault("kind", kind)
        return list(items)

    def apply(self, obj: Object, field_manager: str = FIELD_MANAGER, force: bool = True) -> Object:
        """Server-side apply of the object's full intent; fields it no longer names are released."""
        resource = self.resource(obj["apiVersion"], obj["kind"])
        API_REQUESTS.labels(verb="apply").inc()
        applied = self.dynamic.server_side_apply(
            resource,
            body=obj,
            namespace=obj["metadata"].get("namespace"),
            field_manager=field_manager,
            force_conflicts=force,
        )
        result: Object = applied.to_dict()
        return result

    def delete(self, obj: Object, propagation: str = "Background") -> bool:
        """Delete an object; False when it was already gone."""
        meta = obj["metadata"]
        resource = self.resource(obj["apiVersion"], obj["kind"])
        API_REQUESTS.labels(verb="delete").inc()
        try:
            resource.delete(
                name=meta["name"],
                namespace=meta.get("namespace"),
                body={"propagationPolicy": propagation},
            )
        except NotFoundError:
            return False
        return True

    def patch_status(self, obj: Object, status: Object) -> Object:
        """Merge-patch the status subresource of an object."""
        meta = obj["metadata"]
        resource = self.resource(obj["apiVersion"], obj["kind"])
        API_REQUESTS.labels(verb="patch").inc()
        patched = resource.status.patch(
            name=meta["name"],
            namespace=meta.get("namespace"),
            body={"status": status},
            content_type="application/merge-patch+json",
        )
        result: Object = patched.to_dict()
        return result

    def wait_established(self, crd_name: str, timeout: float = 30.0) -> Object | None:
        """The CRD once it is Established (its kind then resolves on first use, see ``resource``); None
        when it is not within ``timeout`` seconds."""
        resource = self.resource("apiextensions.k8s.io/v1", "CustomResourceDefinition")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            API_REQUESTS.labels(verb="get").inc()
            try:
                crd: Object | None = resource.get(name=crd_name).to_dict()
            except NotFoundError:
                crd = None
            if established(crd):
                return crd
            time.sleep(0.1)
        return None
