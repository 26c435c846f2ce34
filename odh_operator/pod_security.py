"""What a pod asks for about its user and groups, per platform.

On Kubernetes every workload runs as its upstream image's user (a fixed UID/GID, and an fsGroup so volumes are
writable). On OpenShift the ``restricted-v2`` SCC assigns the UID and the fsGroup from the namespace's range
and refuses any other: the pod asks for none, and runs as that UID with GID 0, which the images we run
support (see the README, "OpenShift: pod security").
"""

from typing import Any

from odh_operator.cluster_facts import ClusterFacts
from odh_operator.platform import OPENSHIFT, Platform
from odh_operator.readiness import READY, Readiness

Object = dict[str, Any]
RUNTIME_DEFAULT = {"type": "RuntimeDefault"}
ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
PRIVILEGED = "privileged"
LABEL_MISSING = "PodSecurityLabelMissing"


def pod_security_context(platform: Platform, uid: int | None, gid: int | None = None, fs_group: int | None = None,
                         **extra: Any) -> Object:
    """A pod's securityContext: non-root and seccomp RuntimeDefault everywhere; the fixed IDs on Kubernetes only.

    ``extra`` adds fields as they are (e.g. ``fsGroupChangePolicy``, ``supplementalGroups``).
    """
    ids: Object = {} if platform == OPENSHIFT else {"runAsUser": uid, "runAsGroup": gid, "fsGroup": fs_group}
    return {
        "runAsNonRoot": True,
        **{key: value for key, value in ids.items() if value is not None},
        "seccompProfile": dict(RUNTIME_DEFAULT),
        **extra,
    }


def for_platform(platform: Platform) -> Any:
    """The template function ``pod_security(uid, gid, fs_group, **extra)`` bound to one platform."""
    def pod_security(uid: int | None = None, gid: int | None = None, fs_group: int | None = None,
                     **extra: Any) -> Object:
        return pod_security_context(platform, uid, gid, fs_group, **extra)
    return pod_security


# Components whose pods a namespace must admit at the Pod Security Standard's "privileged" level: what their
# pods need, for the status message.
PRIVILEGED_COMPONENTS = {
    "rook-ceph": "Rook's Ceph daemons (host paths for mons and OSDs, privileged containers)",
    "gpu-device-plugin": "the NVIDIA device plugin (root, the kubelet's device-plugins host path)",
}


def namespace_readiness(component: str, observed: list[Object], facts: ClusterFacts) -> Readiness:
    """An error naming the label to set when the component's namespace enforces a Pod Security level below
    "privileged" (its pods would be refused); Ready otherwise, or when the namespace is not known.

    The operator never changes a namespace's labels itself: lowering its protection is the user's decision.
    Without the label the cluster's default level applies (privileged unless configured otherwise; on OpenShift
    the label synchroniser raises it to what the SCCs the namespace's accounts may use allow).
    """
    namespace = next((o["metadata"]["namespace"] for o in observed if o.get("metadata", {}).get("namespace")), None)
    found = facts.namespace(namespace) if namespace else None
    level = ((found or {}).get("metadata", {}).get("labels") or {}).get(ENFORCE_LABEL)
    if found is None or level in (None, PRIVILEGED):
        return READY
    return Readiness("Error", LABEL_MISSING, (
        f"namespace {namespace} enforces pod security level {level!r} ({ENFORCE_LABEL}), which refuses "
        f"{PRIVILEGED_COMPONENTS[component]}: set the label {ENFORCE_LABEL}={PRIVILEGED} on namespace {namespace}"))
