"""Would OpenShift admit our pods? Rendered pod templates checked against SecurityContextConstraints.

Plain functions, no cluster: ``restricted-v2`` as OpenShift ships it (every authenticated user may use it), and
the SCCs we render ourselves, available to the ServiceAccounts our rendered RBAC grants ``use`` of them. A pod
is admitted when one SCC available to its ServiceAccount accepts it (OpenShift tries them all). The rules
follow SCC admission (openshift/apiserver-library-go's sccmatching and its strategies): an unset UID or
fsGroup is assigned from the namespace's range, a set one must lie in it; added capabilities must be allowed;
escalation, privilege, host namespaces, host ports, volume types and seccomp profiles as the SCC says.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Object = dict[str, Any]

# restricted-v2 as shipped by openshift/cluster-kube-apiserver-operator (commit c813e820,
# bindata/bootkube/scc-manifests/0000_20_kube-apiserver-operator_00_scc-restricted-v2.yaml), bound to the group
# system:authenticated by its ClusterRoleBinding system:openshift:scc:restricted-v2 (same folder).
RESTRICTED_V2: Object = {
    "apiVersion": "security.openshift.io/v1",
    "kind": "SecurityContextConstraints",
    "metadata": {"name": "restricted-v2"},
    "allowHostDirVolumePlugin": False,
    "allowHostIPC": False,
    "allowHostNetwork": False,
    "allowHostPID": False,
    "allowHostPorts": False,
    "allowPrivilegeEscalation": False,
    "allowPrivilegedContainer": False,
    "allowedCapabilities": ["NET_BIND_SERVICE"],
    "defaultAddCapabilities": None,
    "fsGroup": {"type": "MustRunAs"},
    "priority": None,
    "readOnlyRootFilesystem": False,
    "requiredDropCapabilities": ["ALL"],
    "runAsUser": {"type": "MustRunAsRange"},
    "seLinuxContext": {"type": "MustRunAs"},
    "seccompProfiles": ["runtime/default"],
    "supplementalGroups": {"type": "RunAsAny"},
    "volumes": ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim",
                "projected", "secret"],
}
WORKLOAD_KINDS = ("Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job")


@dataclass(frozen=True)
class NamespaceRanges:
    """What OpenShift annotates a namespace with (openshift.io/sa.scc.uid-range, .supplemental-groups)."""

    uid_start: int = 1000680000
    uid_size: int = 10000
    group_start: int = 1000680000
    group_size: int = 10000

    def uid_allowed(self, uid: int) -> bool:
        return self.uid_start <= uid < self.uid_start + self.uid_size

    def group_allowed(self, gid: int) -> bool:
        return self.group_start <= gid < self.group_start + self.group_size


@dataclass(frozen=True)
class PodTemplate:
    """One rendered pod: where it comes from, its ServiceAccount and its spec."""

    source: str  # Kind/namespace/name
    namespace: str
    service_account: str
    spec: Object


def pod_templates(objects: list[Object]) -> list[PodTemplate]:
    """Every pod template among the rendered objects (workloads, CronJobs' jobs, bare Pods)."""
    found: list[PodTemplate] = []
    for obj in objects:
        kind, meta = obj.get("kind"), obj.get("metadata", {})
        if kind in WORKLOAD_KINDS:
            spec = obj["spec"]["template"]["spec"]
        elif kind == "CronJob":
            spec = obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        elif kind == "Pod":
            spec = obj["spec"]
        else:
            continue
        namespace = meta.get("namespace", "")
        found.append(PodTemplate(f"{kind}/{namespace}/{meta['name']}", namespace,
                                 spec.get("serviceAccountName") or "default", spec))
    return found


def containers(spec: Object) -> Iterator[Object]:
    """Init, regular and ephemeral containers of a pod spec."""
    for key in ("initContainers", "containers", "ephemeralContainers"):
        yield from spec.get(key) or []


def _effective(spec: Object, container: Object, field: str) -> Any:
    """A container's securityContext field, or the pod's where the container leaves it unset."""
    own = (container.get("securityContext") or {}).get(field)
    return own if own is not None else (spec.get("securityContext") or {}).get(field)


def volume_type(volume: Object) -> str:
    """The SCC volume name of a pod volume (its one source key: configMap, hostPath, ...)."""
    return next((key for key in volume if key != "name"), "")


def _seccomp_name(profile: Object | None) -> str | None:
    if not profile:
        return None
    kind = profile.get("type")
    if kind == "RuntimeDefault":
        return "runtime/default"
    if kind == "Localhost":
        return f"localhost/{profile.get('localhostProfile', '')}"
    return "unconfined" if kind == "Unconfined" else str(kind)


def _strategy(scc: Object, field: str) -> str:
    return str((scc.get(field) or {}).get("type") or "RunAsAny")


def _uid_problems(scc: Object, spec: Object, ranges: NamespaceRanges) -> list[str]:
    strategy = _strategy(scc, "runAsUser")
    problems: list[str] = []
    for container in containers(spec):
        uid = _effective(spec, container, "runAsUser")
        name = container["name"]
        if strategy == "MustRunAsRange" and uid is not None and not ranges.uid_allowed(uid):
            problems.append(f"container {name}: runAsUser {uid} is outside the namespace's UID range")
        elif strategy == "MustRunAs":
            wanted = (scc.get("runAsUser") or {}).get("uid")
            if uid is not None and uid != wanted:
                problems.append(f"container {name}: runAsUser {uid} is not {wanted}")
        elif strategy == "MustRunAsNonRoot" and uid == 0:
            problems.append(f"container {name}: runAsUser 0 (root)")
    return problems


def _group_problems(scc: Object, spec: Object, ranges: NamespaceRanges) -> list[str]:
    pod = spec.get("securityContext") or {}
    problems: list[str] = []
    fs_group = pod.get("fsGroup")
    if _strategy(scc, "fsGroup") == "MustRunAs" and fs_group is not None and not ranges.group_allowed(fs_group):
        problems.append(f"fsGroup {fs_group} is outside the namespace's group range")
    if _strategy(scc, "supplementalGroups") == "MustRunAs":
        problems += [f"supplemental group {g} is outside the namespace's group range"
                     for g in pod.get("supplementalGroups") or [] if not ranges.group_allowed(g)]
    if _strategy(scc, "seLinuxContext") == "MustRunAs" and pod.get("seLinuxOptions"):
        problems.append("seLinuxOptions set: MustRunAs assigns the namespace's own")
    return problems


def _container_problems(scc: Object, spec: Object, container: Object) -> list[str]:
    name = container["name"]
    context = container.get("securityContext") or {}
    problems: list[str] = []
    if context.get("privileged") and not scc.get("allowPrivilegedContainer"):
        problems.append(f"container {name}: privileged")
    if context.get("allowPrivilegeEscalation") is True and scc.get("allowPrivilegeEscalation") is False:
        problems.append(f"container {name}: allowPrivilegeEscalation true")
    allowed = set(scc.get("allowedCapabilities") or []) | set(scc.get("defaultAddCapabilities") or [])
    for capability in (context.get("capabilities") or {}).get("add") or []:
        if "*" not in allowed and capability not in allowed:
            problems.append(f"container {name}: capability {capability} added")
    if scc.get("readOnlyRootFilesystem") and context.get("readOnlyRootFilesystem") is False:
        problems.append(f"container {name}: writable root filesystem")
    if any(port.get("hostPort") for port in container.get("ports") or []) and not scc.get("allowHostPorts"):
        problems.append(f"container {name}: host port")
    profiles = scc.get("seccompProfiles")
    profile = _seccomp_name(_effective(spec, container, "seccompProfile"))
    if profiles and "*" not in profiles and profile is not None and profile not in profiles:
        problems.append(f"container {name}: seccomp profile {profile}")
    return problems


def _pod_problems(scc: Object, spec: Object) -> list[str]:
    host = (("hostNetwork", "allowHostNetwork"), ("hostPID", "allowHostPID"), ("hostIPC", "allowHostIPC"))
    problems = [f"{field} true" for field, allowed in host if spec.get(field) and not scc.get(allowed)]
    allowed = set(scc.get("volumes") or [])
    for volume in spec.get("volumes") or []:
        kind = volume_type(volume)
        if "*" not in allowed and kind not in allowed:
            problems.append(f"volume {volume['name']}: {kind} volumes not allowed")
        elif kind == "hostPath" and not scc.get("allowHostDirVolumePlugin"):
            problems.append(f"volume {volume['name']}: host paths not allowed")
    return problems


def refusals(scc: Object, spec: Object, ranges: NamespaceRanges = NamespaceRanges()) -> list[str]:
    """Why ``scc`` would refuse a pod with this spec; empty when it admits it."""
    problems = _pod_problems(scc, spec) + _uid_problems(scc, spec, ranges) + _group_problems(scc, spec, ranges)
    for container in containers(spec):
        problems += _container_problems(scc, spec, container)
    return problems


def scc_uses(objects: list[Object]) -> dict[tuple[str, str], list[str]]:
    """(namespace, ServiceAccount) -> names of the SCCs the rendered RBAC lets it use."""
    roles: dict[tuple[str, str, str], list[str]] = {}  # (kind, namespace, name) -> SCC names
    for obj in objects:
        if obj["kind"] not in ("Role", "ClusterRole"):
            continue
        names = [n for rule in obj.get("rules") or [] if "use" in rule.get("verbs", [])
                 and "securitycontextconstraints" in rule.get("resources", [])
                 and "security.openshift.io" in rule.get("apiGroups", []) for n in rule.get("resourceNames") or []]
        namespace = obj["metadata"].get("namespace", "") if obj["kind"] == "Role" else ""
        roles[(obj["kind"], namespace, obj["metadata"]["name"])] = names
    uses: dict[tuple[str, str], list[str]] = {}
    for obj in objects:
        if obj["kind"] not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        ref = obj["roleRef"]
        binding_ns = obj["metadata"].get("namespace", "")
        names = roles.get((ref["kind"], binding_ns if ref["kind"] == "Role" else "", ref["name"]), [])
        for subject in obj.get("subjects") or []:
            if subject.get("kind") == "ServiceAccount" and names:
                # A RoleBinding grants only in its own namespace, where SCC admission asks.
                if obj["kind"] == "RoleBinding" and subject.get("namespace", binding_ns) != binding_ns:
                    continue
                key = (subject.get("namespace", binding_ns), subject["name"])
                uses.setdefault(key, []).extend(n for n in names if n not in uses.get(key, []))
    return uses


def admission(objects: list[Object], ranges: NamespaceRanges = NamespaceRanges()) -> dict[str, Object]:
    """For every rendered pod: the SCC that admits it (``admitted_by``) or each available SCC's refusals."""
    sccs = {o["metadata"]["name"]: o for o in objects if o["kind"] == "SecurityContextConstraints"}
    uses = scc_uses(objects)
    results: dict[str, Object] = {}
    for pod in pod_templates(objects):
        available = [RESTRICTED_V2] + [sccs[n] for n in uses.get((pod.namespace, pod.service_account), [])
                                       if n in sccs]
        refused: dict[str, list[str]] = {}
        admitted_by = None
        for scc in available:
            problems = refusals(scc, pod.spec, ranges)
            if not problems:
                admitted_by = scc["metadata"]["name"]
                break
            refused[scc["metadata"]["name"]] = problems
        results[pod.source] = {"admitted_by": admitted_by, "refused": refused}
    return results


def refused_pods(objects: list[Object], ranges: NamespaceRanges = NamespaceRanges()) -> dict[str, dict[str, list[str]]]:
    """The rendered pods no available SCC admits, with every SCC's reasons."""
    return {source: result["refused"] for source, result in admission(objects, ranges).items()
            if result["admitted_by"] is None}
