"""Which namespaces an OpenDataHub may write to: its own, and others only with their owner's consent.

An OpenDataHub is created by whoever may edit its namespace; the operator acts for it with rights far wider
than theirs. So a spec that names another namespace (Spark job namespaces, for example) must not reach
further than its author could: the other namespace's owner opts in by labelling it with the OpenDataHub it
accepts (``opendatahub.io/accepts: <namespace>.<name>``, the same value as the inventory label). System
namespaces and the operator's own are never accepted, whatever their labels say.
"""

from collections.abc import Iterable
from typing import Any

from odh_operator import labels
from odh_operator.cluster_facts import ClusterFacts

Object = dict[str, Any]
ACCEPTS = "opendatahub.io/accepts"
SYSTEM_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease", "openshift"})
SYSTEM_PREFIXES = ("kube-", "openshift-")


def is_system(namespace: str) -> bool:
    """Kubernetes' and OpenShift's own namespaces (``kube-*``, ``openshift``, ``openshift-*``, ``default``)."""
    return namespace in SYSTEM_NAMESPACES or namespace.startswith(SYSTEM_PREFIXES)


def consent_label(odh_namespace: str, odh_name: str) -> str:
    """The label (``key=value``) a namespace carries to accept objects of the OpenDataHub ``odh_namespace/odh_name``."""
    return f"{ACCEPTS}={labels.owner_value(odh_namespace, odh_name)}"


def refusal(namespace: str, odh_namespace: str, odh_name: str, facts: ClusterFacts) -> str | None:
    """Why the OpenDataHub may not write to ``namespace``, or None when it may."""
    if namespace == odh_namespace:
        return None
    if is_system(namespace):
        return f"namespace {namespace} is a system namespace: no OpenDataHub writes there"
    if namespace == facts.operator_namespace:
        return f"namespace {namespace} is the operator's own: no OpenDataHub writes there"
    wanted = labels.owner_value(odh_namespace, odh_name)
    found = facts.namespace(namespace)
    if found is None:
        return f"namespace {namespace} does not exist: create it and label it {consent_label(odh_namespace, odh_name)}"
    accepted = (found["metadata"].get("labels") or {}).get(ACCEPTS)
    if accepted == wanted:
        return None
    if accepted:
        return (f"namespace {namespace} accepts OpenDataHub {accepted}, not this one: its owner must label it "
                f"{consent_label(odh_namespace, odh_name)}")
    return (f"namespace {namespace} has not accepted this OpenDataHub: its owner must label it "
            f"{consent_label(odh_namespace, odh_name)}")


def foreign_namespaces(objects: Iterable[Object], odh_namespace: str) -> list[str]:
    """The namespaces other than the OpenDataHub's own that objects go to, sorted."""
    return sorted({ns for o in objects if (ns := o["metadata"].get("namespace")) and ns != odh_namespace})


def refusals(objects: Iterable[Object], odh_namespace: str, odh_name: str, facts: ClusterFacts) -> list[str]:
    """One message per namespace the objects go to that the OpenDataHub may not write to."""
    return [why for ns in foreign_namespaces(objects, odh_namespace)
            if (why := refusal(ns, odh_namespace, odh_name, facts)) is not None]
