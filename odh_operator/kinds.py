"""Facts about Kubernetes kinds that rendering and applying need without a cluster."""

from typing import Any

CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "PersistentVolume",
        "PriorityClass",
        "RuntimeClass",
        "SecurityContextConstraints",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
    }
)

_APPLY_STAGES: tuple[frozenset[str], ...] = (
    frozenset({"CustomResourceDefinition", "Namespace"}),
    frozenset(
        {
            "ServiceAccount", "Secret", "ConfigMap", "ClusterRole", "Role",
            "PriorityClass", "StorageClass", "PersistentVolumeClaim", "NetworkPolicy", "ResourceQuota", "LimitRange",
            # OpenShift: before the pods that need them, like their roles.
            "SecurityContextConstraints",
            # Admission policies before their bindings, both before the workloads whose requests they police.
            "ValidatingAdmissionPolicy",
        }
    ),
    # After their roles: the API server lets the operator bind only a role that exists and whose rules it
    # holds, and objects of one stage are applied at once.
    frozenset({"ClusterRoleBinding", "RoleBinding", "ValidatingAdmissionPolicyBinding"}),
    frozenset(
        {
            "Service", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "PodDisruptionBudget",
            "Ingress", "HorizontalPodAutoscaler", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
        }
    ),
)
CUSTOM_RESOURCE_STAGE = len(_APPLY_STAGES)
BUILTIN_GROUPS = frozenset(
    {"", "apps", "batch", "rbac.authorization.k8s.io", "policy", "networking.k8s.io", "storage.k8s.io",
     "scheduling.k8s.io", "apiextensions.k8s.io", "autoscaling", "admissionregistration.k8s.io",
     # OpenShift's SCCs: served by the platform, not by a CRD we install, and finalized by no operator.
     "security.openshift.io"}
)


def group_of(obj: dict[str, Any]) -> str:
    """The API group of an object ('' for the core group)."""
    api_version: str = obj["apiVersion"]
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


def apply_stage(obj: dict[str, Any]) -> int:
    """0 CRDs and namespaces, 1 roles, config and admission policies, 2 role and policy bindings, 3 workloads,
    4 custom resources of CRDs."""
    if group_of(obj) in BUILTIN_GROUPS:
        for stage, kinds in enumerate(_APPLY_STAGES):
            if obj["kind"] in kinds:
                return stage
    return CUSTOM_RESOURCE_STAGE


def is_builtin(obj: dict[str, Any]) -> bool:
    """Whether the object's kind is served by Kubernetes itself rather than a CRD."""
    return group_of(obj) in BUILTIN_GROUPS


def is_cluster_scoped(obj: dict[str, Any], extra_cluster_kinds: frozenset[tuple[str, str]] = frozenset()) -> bool:
    """Whether the object has no namespace; ``extra_cluster_kinds`` holds (group, kind) of cluster-scoped CRDs."""
    if is_builtin(obj):
        return obj["kind"] in CLUSTER_SCOPED_KINDS
    return (group_of(obj), obj["kind"]) in extra_cluster_kinds
