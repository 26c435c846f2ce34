"""The operator's own install manifests: RBAC derived from what it renders, a hardened Deployment."""

from typing import Any

import kubernetes_validate

from odh_operator import kinds
from odh_operator.install import deployment, install_objects, operator_rules, plural_of
from odh_operator.inventory import everything_enabled
from odh_operator.components.base import Instance
from odh_operator.render import order, render_all


def granted(rules: list[dict[str, Any]], group: str, resource: str, verb: str) -> bool:
    return any(group in r.get("apiGroups", []) and resource in r.get("resources", []) and verb in r["verbs"]
               for r in rules)


def test_plurals_of_built_in_kinds() -> None:
    assert [plural_of(k) for k in ("Deployment", "NetworkPolicy", "Ingress", "StorageClass", "Endpoints")] == [
        "deployments", "networkpolicies", "ingresses", "storageclasses", "endpoints"]


def test_the_operator_may_manage_every_kind_it_renders_and_nothing_by_wildcard() -> None:
    rules = operator_rules()
    rendered = order(render_all(everything_enabled(), Instance("x", "y")))
    plurals = {(o["spec"]["group"], o["spec"]["names"]["kind"]): o["spec"]["names"]["plural"]
               for o in rendered if o["kind"] == "CustomResourceDefinition"}
    for obj in rendered:
        group = kinds.group_of(obj)
        resource = plurals.get((group, obj["kind"])) or plural_of(obj["kind"])
        for verb in ("get", "list", "watch", "patch", "delete"):
            assert granted(rules, group, resource, verb), f"{verb} {group}/{resource}"
    for rule in rules:
        assert "*" not in rule["verbs"] and "*" not in rule.get("resources", []) and "*" not in rule["apiGroups"]


def test_rules_granted_to_components_are_held_by_the_operator() -> None:
    rules = operator_rules()
    rendered = order(render_all(everything_enabled(), Instance("x", "y")))
    for role in (o for o in rendered if o["kind"] in ("Role", "ClusterRole")):
        for rule in role.get("rules", []):
            assert rule in rules, f"{role['metadata']['name']}: {rule}"


def test_operator_status_finalizers_and_peering_are_covered() -> None:
    rules = operator_rules()
    assert granted(rules, "opendatahub.io", "opendatahubs/status", "patch")
    assert granted(rules, "opendatahub.io", "opendatahubs/finalizers", "update")
    assert granted(rules, "kopf.dev", "clusterkopfpeerings", "patch")
    assert granted(rules, "", "events", "create")


def test_deployment_is_hardened_and_valid() -> None:
    dep = deployment("odh-operator-system", "example.com/odh-operator:v1")
    kubernetes_validate.validate(dep, "1.36.0", strict=True)
    pod = dep["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                            "capabilities": {"drop": ["ALL"]}}
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["resources"]["limits"]["memory"]


def test_install_objects_validate_and_crds_come_first() -> None:
    objects = install_objects()
    stages = [kinds.apply_stage(o) for o in objects if kinds.is_builtin(o)]
    assert stages == sorted(stages)
    for obj in objects:
        if kinds.is_builtin(obj):
            kubernetes_validate.validate(obj, "1.36.0", strict=True)


def test_peering_objects_cluster_wide_or_per_namespace() -> None:
    from odh_operator.peering import peering_objects

    assert [o["kind"] for o in peering_objects("p", None)] == ["ClusterKopfPeering"]
    namespaced = peering_objects("p", ["a", "b"])
    assert [(o["kind"], o["metadata"]["namespace"]) for o in namespaced] == [("KopfPeering", "a"), ("KopfPeering", "b")]
    assert granted(operator_rules(), "kopf.dev", "kopfpeerings", "create")
