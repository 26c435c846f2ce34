"""The operator's own install: namespace, RBAC generated from what it renders, and a hardened Deployment.

The ClusterRole is derived from the rendered objects, so it cannot drift from them: full management
of every kind the operator installs (no wildcards), plus every rule the rendered Roles and ClusterRoles
grant, since Kubernetes only lets the operator grant permissions it holds itself.
"""

from collections import defaultdict
from typing import Any

from odh_operator import __version__, kinds, release
from odh_operator.api.crd import crd
from odh_operator.api.resource import GROUP, PLURAL
from odh_operator.cluster_facts import OPERATOR_NAMESPACE_ENV
from odh_operator.install_names import DEFAULT_NAMESPACE, METRICS_PORT, METRICS_SERVICE, NAME
from odh_operator.inventory import widest_render

Object = dict[str, Any]
DEFAULT_IMAGE = release.operator_image()
ALL_NAMESPACES_ARGS = ["--all-namespaces"]
HEALTH_PORT = 8080
MANAGE = ["create", "delete", "get", "list", "patch", "update", "watch"]
READ = ["get", "list", "watch"]
_IRREGULAR_PLURALS = {"Endpoints": "endpoints", "SecurityContextConstraints": "securitycontextconstraints"}


def plural_of(kind: str) -> str:
    """The resource name of a built-in kind (Deployment -> deployments, NetworkPolicy -> networkpolicies)."""
    if kind in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[kind]
    lower = kind.lower()
    if lower.endswith("y") and lower[-2:] not in ("ay", "ey", "oy"):
        return lower[:-1] + "ies"
    if lower.endswith(("s", "x", "ch", "sh")):
        return lower + "es"
    return lower + "s"


def _managed_resources(objects: list[Object]) -> dict[str, set[str]]:
    custom_plurals = {
        (o["spec"]["group"], o["spec"]["names"]["kind"]): o["spec"]["names"]["plural"]
        for o in objects
        if o["kind"] == "CustomResourceDefinition"
    }
    resources: dict[str, set[str]] = defaultdict(set)
    for obj in objects:
        group = kinds.group_of(obj)
        plural = custom_plurals.get((group, obj["kind"])) or plural_of(obj["kind"])
        resources[group].add(plural)
    return resources


def _granted_rules(objects: list[Object]) -> list[Object]:
    granted: list[Object] = []
    for obj in objects:
        if obj["kind"] in ("Role", "ClusterRole"):
            granted += [r for r in obj.get("rules", []) if r not in granted]
    return granted


def operator_rules() -> list[Object]:
    """Every rule the operator's ClusterRole needs, derived from the rendered objects."""
    objects = widest_render()
    managed = _managed_resources(objects)
    managed["apiextensions.k8s.io"].add("customresourcedefinitions")
    rules: list[Object] = [
        {"apiGroups": [group], "resources": sorted(plurals), "verbs": MANAGE}
        for group, plurals in sorted(managed.items())
    ]
    rules += [
        {"apiGroups": [GROUP], "resources": [PLURAL], "verbs": ["get", "list", "patch", "update", "watch"]},
        {"apiGroups": [GROUP], "resources": [f"{PLURAL}/status"], "verbs": ["get", "patch", "update"]},
        {"apiGroups": [GROUP], "resources": [f"{PLURAL}/finalizers"], "verbs": ["update"]},
        {"apiGroups": ["", "events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch"]},
        {"apiGroups": ["kopf.dev"], "resources": ["clusterkopfpeerings", "kopfpeerings"],
         "verbs": ["create", "get", "list", "patch", "watch"]},
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": READ},
        {"apiGroups": [""], "resources": ["nodes"], "verbs": READ},  # cluster facts: GPUs, schedulable nodes
        {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"], "verbs": READ},  # block-capable classes
        # OpenShift: the roles it binds grant `use` of the SCCs it creates, whose names (odh-<namespace>-<name>-...)
        # it cannot list in advance; the API server lets it grant only what it holds. No `bind` or `escalate`.
        {"apiGroups": ["security.openshift.io"], "resources": ["securitycontextconstraints"], "verbs": ["use"]},
    ]
    if "routes" in managed.get("route.openshift.io", set()):  # OpenShift asks this of a Route that sets spec.host
        rules.append({"apiGroups": ["route.openshift.io"], "resources": ["routes/custom-host"],
                      "verbs": ["create", "update"]})
    for rule in _granted_rules(objects):
        if rule not in rules and not held_by_name(rule, rules):
            rules.append(rule)
    return rules


def held_by_name(rule: Object, rules: list[Object]) -> bool:
    """Whether a rule narrowed to resourceNames (which may name one instance's objects) is granted in full."""
    return bool(rule.get("resourceNames")) and all(
        any(group in r.get("apiGroups", []) and resource in r.get("resources", []) and verb in r["verbs"]
            and not r.get("resourceNames") for r in rules)
        for group in rule.get("apiGroups", []) for resource in rule.get("resources", []) for verb in rule["verbs"]
    )


def peering_crds() -> list[Object]:
    """kopf's peering CRDs, so that two operator replicas never reconcile at once."""
    def peering(kind: str, plural: str, scope: str) -> Object:
        return {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.kopf.dev"},
            "spec": {
                "group": "kopf.dev",
                "names": {"kind": kind, "plural": plural, "singular": kind.lower()},
                "scope": scope,
                "versions": [{
                    "name": "v1", "served": True, "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}},
                }],
            },
        }
    return [peering("ClusterKopfPeering", "clusterkopfpeerings", "Cluster"),
            peering("KopfPeering", "kopfpeerings", "Namespaced")]


def _labels() -> dict[str, str]:
    return {"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "opendatahub",
            "app.kubernetes.io/version": __version__.replace("+", "-")}


def deployment(namespace: str, image: str, scope_args: list[str] | None = None,
               env: list[Object] | None = None) -> Object:
    """The operator Deployment: non-root, read-only, no capabilities, probed, one active replica via peering.

    The image's entry point is `odh-operator run`; ``scope_args`` choose what it watches (every namespace by
    default) and ``env`` adds variables (OLM passes the target namespaces through one) to ``POD_NAMESPACE``.
    """
    args = ALL_NAMESPACES_ARGS if scope_args is None else scope_args
    selector = {"app.kubernetes.io/name": NAME}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": NAME, "namespace": namespace, "labels": _labels()},
        "spec": {
            "replicas": 1,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": {**selector, "app.kubernetes.io/part-of": "opendatahub"}},
                "spec": {
                    "serviceAccountName": NAME,
                    # The image runs as user 65532 (numeric, so runAsNonRoot can check it); no runAsUser here,
                    # so OpenShift's restricted SCC may assign the namespace's own range instead.
                    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{
                        "name": "operator",
                        "image": image,
                        "args": [*args, "--health-port", str(HEALTH_PORT), "--metrics-port", str(METRICS_PORT)],
                        # Its own namespace, which no OpenDataHub may write to (odh_operator.tenancy).
                        "env": [{"name": OPERATOR_NAMESPACE_ENV,
                                 "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}, *(env or [])],
                        "ports": [{"name": "health", "containerPort": HEALTH_PORT},
                                  {"name": "metrics", "containerPort": METRICS_PORT}],
                        "livenessProbe": {"httpGet": {"path": "/healthz", "port": "health"}, "periodSeconds": 20},
                        "readinessProbe": {"httpGet": {"path": "/healthz", "port": "health"}, "periodSeconds": 10},
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
                        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                            "capabilities": {"drop": ["ALL"]}},
                        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                    }],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }


def metrics_service(namespace: str) -> Object:
    """The Service in front of the operator's /metrics: a platform's Prometheus scrapes it by name, needing no
    right to read the operator's pods."""
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": METRICS_SERVICE, "namespace": namespace, "labels": _labels()},
        "spec": {"selector": {"app.kubernetes.io/name": NAME},
                 "ports": [{"name": "metrics", "port": METRICS_PORT, "targetPort": "metrics"}]},
    }


def install_objects(namespace: str = DEFAULT_NAMESPACE, image: str = DEFAULT_IMAGE) -> list[Object]:
    """Everything `kubectl apply --server-side` needs to run the operator, in one go.

    Only built-in kinds: a custom resource next to its own CRD would fail the first apply.
    """
    rbac = "rbac.authorization.k8s.io/v1"
    return [
        crd(),
        *peering_crds(),  # the operator creates its peering object itself, once the CRD is served
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": {
            **_labels(), "pod-security.kubernetes.io/enforce": "restricted"}}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": NAME, "namespace": namespace,
                                                                    "labels": _labels()}},
        {"apiVersion": rbac, "kind": "ClusterRole", "metadata": {"name": NAME, "labels": _labels()},
         "rules": operator_rules()},
        {"apiVersion": rbac, "kind": "ClusterRoleBinding", "metadata": {"name": NAME, "labels": _labels()},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": NAME},
         "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": namespace}]},
        deployment(namespace, image),
        metrics_service(namespace),
    ]
