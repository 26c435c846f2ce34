"""Would OpenShift admit our pods? Rendered pod templates checked against SecurityContextConstraints.

Plain functions, no cluster. A Python port of OpenShift's SCC admission as openshift/apiserver-library-go
implements it (``pkg/securitycontextconstraints``: ``sccadmission``, ``sccmatching`` and the strategies
``seccomp``, ``capabilities``, ``user``, ``group``, ``selinux``, ``sysctl``, the defaults of ``sccdefaults`` and
the ordering of ``util/sort``). Admission of one pod, as there:

1. the SCCs its ServiceAccount (or the creating user, here any authenticated controller) may use, sorted by
   priority, then most restrictive first (point value), then name;
2. each SCC's strategies resolved against the namespace (UID range, MCS level, supplemental groups);
3. for each SCC in that order: a copy of the pod is mutated (unset UID, fsGroup, supplemental groups, SELinux
   level, seccomp profile, capabilities, escalation and read-only root defaulted from the SCC) and the result
   validated; the first SCC under which the whole pod validates admits it, else every SCC's errors refuse it.

Here the SCCs are ``restricted-v2`` as OpenShift ships it (every authenticated user may use it) and the SCCs we
render, for the ServiceAccounts our rendered RBAC grants ``use`` of them. AppArmor has no SCC strategy in that
library, and ``runAsGroup`` no strategy there either: neither is checked. Error texts follow upstream's
``field.Error`` strings, so a refusal reads like ``oc``'s.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Object = dict[str, Any]

SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"
REQUIRED_SCC_ANNOTATION = "openshift.io/required-scc"
UID_RANGE_ANNOTATION = "openshift.io/sa.scc.uid-range"
SUPPLEMENTAL_GROUPS_ANNOTATION = "openshift.io/sa.scc.supplemental-groups"
MCS_ANNOTATION = "openshift.io/sa.scc.mcs"

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


class SCCError(ValueError):
    """An SCC whose strategy options cannot build a strategy (upstream's NewSimpleProvider error)."""


# --- field errors, as k8s.io/apimachinery's field.Error prints them ----------------------------------------

def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(_show(v) if not isinstance(v, str) else v for v in value) + "]"
    return str(value)


def invalid(path: str, value: Any, detail: str) -> str:
    """``path: Invalid value: value: detail``."""
    return f"{path}: Invalid value: {_show(value)}: {detail}"


def required(path: str, detail: str = "") -> str:
    """``path: Required value[: detail]``."""
    return f"{path}: Required value" + (f": {detail}" if detail else "")


def forbidden(path: str, detail: str) -> str:
    """``path: Forbidden: detail``."""
    return f"{path}: Forbidden: {detail}"


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


# --- the namespace's allocation ------------------------------------------------------------------------------

def parse_block(text: str) -> tuple[int, int]:
    """An OpenShift UID/GID block, ``start/size`` or ``start-end``, as (first, last)."""
    if "/" in text:
        start, size = (int(part) for part in text.split("/", 1))
        return start, start + size - 1
    start, end = (int(part) for part in text.split("-", 1))
    return start, end


def group_blocks(annotations: Mapping[str, str]) -> list[tuple[int, int]]:
    """A namespace's supplemental-groups blocks, falling back to its UID range only when that annotation is
    absent (getSupplementalGroupsAnnotation, parseSupplementalGroupAnnotation)."""
    groups = annotations.get(SUPPLEMENTAL_GROUPS_ANNOTATION)
    if groups is None:
        groups = annotations.get(UID_RANGE_ANNOTATION)
    if not groups:
        raise ValueError("unable to find supplemental group or uid annotation")
    return [parse_block(segment) for segment in groups.split(",")]


@dataclass(frozen=True)
class NamespaceRanges:
    """What OpenShift annotates a namespace with: openshift.io/sa.scc.uid-range, .supplemental-groups, .mcs."""

    uid_start: int = 1000680000
    uid_size: int = 10000
    group_start: int = 1000680000
    group_size: int = 10000
    mcs: str = "s0:c26,c5"
    more_groups: tuple[tuple[int, int], ...] = ()  # further supplemental-groups blocks, (first, last)

    @classmethod
    def from_annotations(cls, annotations: Mapping[str, str]) -> NamespaceRanges:
        """Read a namespace's annotations (KeyError or ValueError when one is missing or malformed)."""
        uid_first, uid_last = parse_block(annotations[UID_RANGE_ANNOTATION])
        (group_first, group_last), *rest = group_blocks(annotations)
        return cls(uid_first, uid_last - uid_first + 1, group_first, group_last - group_first + 1,
                   annotations[MCS_ANNOTATION], tuple(rest))

    def uid_allowed(self, uid: int) -> bool:
        """True when ``uid`` lies in the namespace's UID range."""
        return self.uid_start <= uid < self.uid_start + self.uid_size

    def group_allowed(self, gid: int) -> bool:
        """True when ``gid`` lies in the namespace's first supplemental-groups block."""
        return self.group_start <= gid < self.group_start + self.group_size

    @property
    def supplemental_ranges(self) -> list[tuple[int, int]]:
        """Every supplemental-groups block (getPreallocatedSupplementalGroups)."""
        return [(self.group_start, self.group_start + self.group_size - 1), *self.more_groups]

    @property
    def fs_group_ranges(self) -> list[tuple[int, int]]:
        """Only the first group of the first block (getPreallocatedFSGroup)."""
        return [(self.group_start, self.group_start)]


# --- run-as-user strategies (user/) --------------------------------------------------------------------------

class RunAsAnyUser:
    """RunAsAny: generates nothing, accepts anything."""

    def generate(self) -> int | None:
        return None

    def validate(self, path: str, run_as_non_root: bool | None, run_as_user: int | None) -> list[str]:
        return []


class MustRunAsUser:
    """MustRunAs: exactly the SCC's ``uid``."""

    def __init__(self, options: Object | None) -> None:
        if not options or options.get("uid") is None:
            raise SCCError("MustRunAs requires a UID")
        self.uid: int = options["uid"]

    def generate(self) -> int | None:
        return self.uid

    def validate(self, path: str, run_as_non_root: bool | None, run_as_user: int | None) -> list[str]:
        if run_as_user is None:
            return [required(_child(path, "runAsUser"))]
        if run_as_user != self.uid:
            return [invalid(_child(path, "runAsUser"), run_as_user, f"must be: {self.uid}")]
        return []


class MustRunAsRangeUser:
    """MustRunAsRange: a UID in [uidRangeMin, uidRangeMax] (the namespace's range when neither is set)."""

    def __init__(self, options: Object | None) -> None:
        options = options or {}
        if options.get("uidRangeMin") is None:
            raise SCCError("MustRunAsRange requires a UIDRangeMin")
        if options.get("uidRangeMax") is None:
            raise SCCError("MustRunAsRange requires a UIDRangeMax")
        self.low: int = options["uidRangeMin"]
        self.high: int = options["uidRangeMax"]

    def generate(self) -> int | None:
        return self.low

    def validate(self, path: str, run_as_non_root: bool | None, run_as_user: int | None) -> list[str]:
        if run_as_user is None:
            return [required(_child(path, "runAsUser"))]
        if not self.low <= run_as_user <= self.high:
            return [invalid(_child(path, "runAsUser"), run_as_user,
                            f"must be in the ranges: [{self.low}, {self.high}]")]
        return []


class MustRunAsNonRootUser:
    """MustRunAsNonRoot: any UID but 0; with none set, runAsNonRoot must say so (the kubelet checks the image)."""

    def generate(self) -> int | None:
        return None

    def validate(self, path: str, run_as_non_root: bool | None, run_as_user: int | None) -> list[str]:
        if run_as_non_root is None and run_as_user is None:
            return [required(_child(path, "runAsNonRoot"), "must be true")]
        if run_as_non_root is False:
            return [invalid(_child(path, "runAsNonRoot"), False, "must be true")]
        if run_as_user == 0:
            return [invalid(_child(path, "runAsUser"), 0, "running with the root UID is forbidden")]
        return []


UserStrategy = RunAsAnyUser | MustRunAsUser | MustRunAsRangeUser | MustRunAsNonRootUser


def user_strategy(options: Object) -> UserStrategy:
    """The runAsUser strategy an SCC names (createUserStrategy)."""
    kind = options.get("type")
    if kind == "MustRunAs":
        return MustRunAsUser(options)
    if kind == "MustRunAsRange":
        return MustRunAsRangeUser(options)
    if kind == "MustRunAsNonRoot":
        return MustRunAsNonRootUser()
    if kind == "RunAsAny":
        return RunAsAnyUser()
    raise SCCError(f"Unrecognized RunAsUser strategy type {kind}")


# --- fsGroup and supplementalGroups strategies (group/) ------------------------------------------------------

class RunAsAnyGroup:
    """RunAsAny: generates nothing, accepts any group."""

    def generate(self) -> list[int] | None:
        return None

    def generate_single(self) -> int | None:
        return None

    def validate(self, path: str, groups: Sequence[int]) -> list[str]:
        return []


class MustRunAsGroup:
    """MustRunAs: every group inside one of the ranges; generates the first range's minimum."""

    def __init__(self, ranges: Sequence[tuple[int, int]], field: str) -> None:
        if not ranges:
            raise SCCError("ranges must be supplied for MustRunAs")
        self.ranges = list(ranges)
        self.field = field

    def generate(self) -> list[int] | None:
        return [self.ranges[0][0]]

    def generate_single(self) -> int | None:
        return self.ranges[0][0]

    def validate(self, path: str, groups: Sequence[int]) -> list[str]:
        where = _child(path, self.field)
        errors = []
        if not groups:
            errors.append(invalid(where, list(groups), "unable to validate empty groups against required ranges"))
        errors += [invalid(where, list(groups), f"{group} is not an allowed group") for group in groups
                   if not any(low <= group <= high for low, high in self.ranges)]
        return errors


GroupStrategy = RunAsAnyGroup | MustRunAsGroup


def _ranges(options: Object) -> list[tuple[int, int]]:
    return [(r["min"], r["max"]) for r in options.get("ranges") or []]


def group_strategy(options: Object, field: str) -> GroupStrategy:
    """The fsGroup or supplementalGroups strategy an SCC names."""
    kind = options.get("type")
    if kind == "RunAsAny":
        return RunAsAnyGroup()
    if kind == "MustRunAs":
        return MustRunAsGroup(_ranges(options), field)
    name = "FSGroup" if field == "fsGroup" else "SupplementalGroups"
    raise SCCError(f"Unrecognized {name} strategy type {kind}")


# --- SELinux strategies (selinux/) ---------------------------------------------------------------------------

def _same_level(expected: str, actual: str) -> bool:
    """SELinux levels equal, categories in any order (``s0:c6,c0`` is ``s0:c0,c6``)."""
    if expected == actual:
        return True
    want, have = expected.split(":", 1), actual.split(":", 1)
    if len(want) != 2 or len(have) != 2 or want[0] != have[0]:
        return False
    return sorted(want[1].split(",")) == sorted(have[1].split(","))


class RunAsAnySELinux:
    """RunAsAny: generates nothing, accepts any context."""

    def generate(self) -> Object | None:
        return None

    def validate(self, path: str, options: Object | None) -> list[str]:
        return []


class MustRunAsSELinux:
    """MustRunAs: exactly the SCC's user, role, type and level (the namespace's MCS level when unset)."""

    def __init__(self, options: Object | None) -> None:
        if not options or options.get("seLinuxOptions") is None:
            raise SCCError("MustRunAs requires SELinuxOptions")
        self.options: Object = options["seLinuxOptions"]

    def generate(self) -> Object | None:
        return dict(self.options)

    def validate(self, path: str, options: Object | None) -> list[str]:
        if options is None:
            return [required(path)]
        errors = []
        if not _same_level(self.options.get("level", ""), options.get("level", "")):
            errors.append(invalid(_child(path, "level"), options.get("level", ""),
                                  f"must be {self.options.get('level', '')}"))
        for key in ("role", "type", "user"):
            if options.get(key, "") != self.options.get(key, ""):
                errors.append(invalid(_child(path, key), options.get(key, ""),
                                      f"must be {self.options.get(key, '')}"))
        return errors


SELinuxStrategy = RunAsAnySELinux | MustRunAsSELinux


def selinux_strategy(options: Object) -> SELinuxStrategy:
    """The seLinuxContext strategy an SCC names."""
    kind = options.get("type")
    if kind == "MustRunAs":
        return MustRunAsSELinux(options)
    if kind == "RunAsAny":
        return RunAsAnySELinux()
    raise SCCError(f"Unrecognized SELinuxContext strategy type {kind}")


# --- capabilities (capabilities/) ----------------------------------------------------------------------------

class Capabilities:
    """defaultAddCapabilities are added, requiredDropCapabilities dropped; adds must be default or allowed."""

    def __init__(self, default_add: Sequence[str] | None, required_drop: Sequence[str] | None,
                 allowed: Sequence[str] | None) -> None:
        self.default_add = list(default_add or [])
        self.required_drop = list(required_drop or [])
        self.allowed = list(allowed or [])

    def generate(self, container: Object) -> Object | None:
        """The container's capabilities with the SCC's defaults merged in (the original when nothing changes)."""
        own = (container.get("securityContext") or {}).get("capabilities")
        add = set((own or {}).get("add") or [])
        drop = set((own or {}).get("drop") or [])
        combined_add = (set(self.default_add) - drop) | add
        combined_drop = set(self.required_drop) | drop
        if len(combined_add) == len(add) and len(combined_drop) == len(drop):
            return own
        result: Object = {}
        if combined_add:
            result["add"] = sorted(combined_add)
        if combined_drop:
            result["drop"] = sorted(combined_drop)
        return result

    def validate(self, path: str, capabilities: Object | None) -> list[str]:
        if capabilities is None:
            if not self.default_add and not self.required_drop:
                return []
            return [invalid(_child(path, "capabilities"), None, "required capabilities are not set on the "
                            "securityContext")]
        if "*" in self.allowed:
            return []
        errors = [invalid(_child(path, "capabilities.add"), cap, "capability may not be added")
                  for cap in capabilities.get("add") or []
                  if cap not in self.default_add and cap not in self.allowed]
        drops = set(capabilities.get("drop") or [])
        errors += [invalid(_child(path, "capabilities.drop"), capabilities.get("drop") or [],
                           f"{cap} is required to be dropped but was not found")
                   for cap in self.required_drop if cap not in drops]
        return errors


# --- seccomp (seccomp/) --------------------------------------------------------------------------------------

def seccomp_annotation(profile: Object | None) -> str:
    """The annotation value of a ``seccompProfile`` field: runtime/default, unconfined, localhost/NAME or ''."""
    if not profile:
        return ""
    kind = profile.get("type")
    if kind == "Unconfined":
        return "unconfined"
    if kind == "RuntimeDefault":
        return "runtime/default"
    if kind == "Localhost" and profile.get("localhostProfile") is not None:
        return f"localhost/{profile['localhostProfile']}"
    return ""


def seccomp_field(annotation: str) -> Object | None:
    """The ``seccompProfile`` field for an annotation value (docker/default is RuntimeDefault)."""
    if annotation == "unconfined":
        return {"type": "Unconfined"}
    if annotation in ("runtime/default", "docker/default"):
        return {"type": "RuntimeDefault"}
    if annotation.startswith("localhost/") and annotation != "localhost/":
        return {"type": "Localhost", "localhostProfile": annotation.removeprefix("localhost/")}
    return None


def _annotations(pod: Object) -> Object:
    return (pod.get("metadata") or {}).get("annotations") or {}


class Seccomp:
    """seccompProfiles: none listed allows no profile at all, ``*`` any, else exactly those listed
    (``runtime/default`` and ``docker/default`` each allowing the other); the first listed is the default."""

    def __init__(self, allowed: Sequence[str] | None) -> None:
        self.allow_any = "*" in (allowed or [])
        self.allowed_profiles = [p for p in allowed or [] if p != "*"]
        self.runtime_default_allowed = any(p in ("runtime/default", "docker/default") for p in self.allowed_profiles)

    def generate(self, annotations: Mapping[str, str] | None, pod: Object) -> str:
        """The pod's profile as it stands, else the SCC's first listed profile, else ''."""
        if (annotations or {}).get(SECCOMP_POD_ANNOTATION):
            return (annotations or {})[SECCOMP_POD_ANNOTATION]
        profile = ((pod.get("spec") or {}).get("securityContext") or {}).get("seccompProfile")
        if profile is not None:
            return seccomp_annotation(profile)
        return self.allowed_profiles[0] if self.allowed_profiles else ""

    def validate_pod(self, pod: Object) -> list[str]:
        profile = _annotations(pod).get(SECCOMP_POD_ANNOTATION, "")
        field = ((pod.get("spec") or {}).get("securityContext") or {}).get("seccompProfile")
        if not profile and field is not None:
            profile = seccomp_annotation(field)
        return self._validate(f"pod.metadata.annotations[{SECCOMP_POD_ANNOTATION}]", profile)

    def validate_container(self, pod: Object, container: Object) -> list[str]:
        name = container.get("name", "")
        return self._validate(f"pod.metadata.annotations[{SECCOMP_CONTAINER_ANNOTATION_PREFIX}{name}]",
                              profile_for_container(pod, container))

    def _validate(self, path: str, profile: str) -> list[str]:
        if not self.allow_any and not self.allowed_profiles and profile:
            return [forbidden(path, "seccomp may not be set")]
        if not self.allowed_profiles and not profile:
            return []
        if self.allow_any or profile in self.allowed_profiles:
            return []
        if self.runtime_default_allowed and profile in ("runtime/default", "docker/default"):
            return []
        return [forbidden(path, f"{profile} is not an allowed seccomp profile. Valid values are "
                                f"[{' '.join(self.allowed_profiles)}]")]


def profile_for_container(pod: Object, container: Object) -> str:
    """A container's profile: its field, its annotation, the pod's field, the pod's annotation."""
    own = (container.get("securityContext") or {}).get("seccompProfile")
    if own is not None:
        return seccomp_annotation(own)
    annotations = _annotations(pod)
    key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + container.get("name", "")
    if key in annotations:
        return str(annotations[key])
    pod_field = ((pod.get("spec") or {}).get("securityContext") or {}).get("seccompProfile")
    if pod_field is not None:
        return seccomp_annotation(pod_field)
    return str(annotations.get(SECCOMP_POD_ANNOTATION, ""))


# --- sysctls (sysctl/) ---------------------------------------------------------------------------------------

# SafeSysctlAllowlist on a kernel of 4.15 or later (RHCOS's is): the legacy list, then those gated on the kernel.
SAFE_SYSCTLS = ("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
                "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_keepalive_time",
                "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
                "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem")


def _matches(name: str, patterns: Sequence[str]) -> bool:
    return any(name.startswith(p[:-1]) if p.endswith("*") else name == p for p in patterns)


class Sysctls:
    """forbiddenSysctls refuse, then the safe list and allowedUnsafeSysctls admit; nothing else is admitted."""

    def __init__(self, safe: Sequence[str], allowed_unsafe: Sequence[str] | None,
                 forbidden_sysctls: Sequence[str] | None) -> None:
        self.safe = list(safe)
        self.allowed_unsafe = list(allowed_unsafe or [])
        self.forbidden = list(forbidden_sysctls or [])

    def validate(self, pod: Object) -> list[str]:
        sysctls = ((pod.get("spec") or {}).get("securityContext") or {}).get("sysctls") or []
        errors = []
        for index, sysctl in enumerate(sysctls):
            name, path = sysctl["name"], f"pod.spec.securityContext.sysctls[{index}]"
            if _matches(name, self.forbidden):
                errors.append(forbidden(path, f'sysctl "{name}" is not allowed'))
            elif name not in self.safe and not _matches(name, self.allowed_unsafe):
                errors.append(forbidden(path, f'unsafe sysctl "{name}" is not allowed'))
        return errors


# --- volumes (util/) -----------------------------------------------------------------------------------------

# A pod volume's source key -> the SCC's FSType name (GetVolumeFSType), in upstream's order.
FS_TYPES: dict[str, str] = {
    "hostPath": "hostPath", "emptyDir": "emptyDir", "gcePersistentDisk": "gcePersistentDisk",
    "awsElasticBlockStore": "awsElasticBlockStore", "gitRepo": "gitRepo", "secret": "secret", "nfs": "nfs",
    "iscsi": "iscsi", "glusterfs": "glusterfs", "persistentVolumeClaim": "persistentVolumeClaim", "rbd": "rbd",
    "flexVolume": "flexVolume", "cinder": "cinder", "cephfs": "cephFS", "flocker": "flocker",
    "downwardAPI": "downwardAPI", "fc": "fc", "azureFile": "azureFile", "configMap": "configMap",
    "vsphereVolume": "vsphere", "quobyte": "quobyte", "azureDisk": "azureDisk",
    "photonPersistentDisk": "photonPersistentDisk", "projected": "projected", "portworxVolume": "portworxVolume",
    "scaleIO": "scaleIO", "storageos": "storageOS", "csi": "csi", "ephemeral": "ephemeral", "image": "image",
}


def volume_type(volume: Object) -> str:
    """The source key of a pod volume (configMap, hostPath, ...): its one key besides ``name``."""
    return next((key for key in volume if key != "name"), "")


def fs_type(volume: Object) -> str | None:
    """The SCC volume name (FSType) of a pod volume, None for an unknown source."""
    return next((FS_TYPES[key] for key in FS_TYPES if volume.get(key) is not None), None)


def only_service_account_token_sources(projected: Object) -> bool:
    """A projected volume exactly as ServiceAccount admission injects it (token, kube-root-ca, service-ca,
    namespace): what an SCC allowing ``secret`` also allows (IsOnlyServiceAccountTokenSources)."""
    expected_cms = {"kube-root-ca.crt": ("ca.crt", "ca.crt"), "openshift-service-ca.crt": ("service-ca.crt",
                                                                                          "service-ca.crt")}
    for source in projected.get("sources") or []:
        token, config_map, downward = (source.get("serviceAccountToken"), source.get("configMap"),
                                       source.get("downwardAPI"))
        if token is None and config_map is None and downward is None:
            return False
        if token is not None and (token.get("path") != "token" or token.get("audience")):
            return False
        if config_map is not None:
            items = config_map.get("items") or []
            want = expected_cms.get(config_map.get("name", ""))
            if want is None or len(items) != 1 or (items[0].get("key"), items[0].get("path")) != want:
                return False
        if downward is not None:
            for item in downward.get("items") or []:
                ref = item.get("fieldRef") or {}
                if item.get("path") != "namespace" or ref.get("apiVersion") != "v1" \
                        or ref.get("fieldPath") != "metadata.namespace":
                    return False
    return True


def service_account_token_volume() -> Object:
    """The volume OpenShift's ServiceAccount admission adds before SCC admission when a token is mounted."""
    return {"name": "kube-api-access", "projected": {"sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace",
                                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
        {"configMap": {"name": "openshift-service-ca.crt",
                       "items": [{"key": "service-ca.crt", "path": "service-ca.crt"}]}},
    ]}}


# --- the SCC as the API server stores it (sccdefaults/) ------------------------------------------------------

ALL_FS_TYPES = frozenset(FS_TYPES.values())


def scc_defaults(scc: Object) -> Object:
    """A copy of ``scc`` defaulted as the API server stores it: group strategies RunAsAny, volumes reconciled
    with allowHostDirVolumePlugin (nil volumes allow all), allowPrivilegeEscalation true when unset."""
    scc = copy.deepcopy(scc)
    for key in ("fsGroup", "supplementalGroups"):
        if not (scc.get(key) or {}).get("type"):
            scc[key] = {**(scc.get(key) or {}), "type": "RunAsAny"}
    scc["users"] = scc.get("users") or []
    scc["groups"] = scc.get("groups") or []
    volumes, host_dir = scc.get("volumes"), bool(scc.get("allowHostDirVolumePlugin"))
    if volumes is None:
        allowed = {"*"}
    elif not volumes:
        allowed = {"hostPath"} if host_dir else {"none"}
    else:
        allowed = set(volumes)
    if host_dir:
        if "*" not in allowed:
            allowed.add("hostPath")
    else:
        wildcard = "*" in allowed
        allowed -= {"*", "hostPath"}
        if wildcard:
            allowed |= ALL_FS_TYPES - {"hostPath"}
    scc["volumes"] = sorted(allowed)
    if scc.get("allowPrivilegeEscalation") is None:
        scc["allowPrivilegeEscalation"] = True
    return scc


# --- ordering (util/sort/) -----------------------------------------------------------------------------------

_STRATEGY_POINTS = {"RunAsAny": 40_000, "MustRunAsNonRoot": 30_000, "MustRunAsRange": 20_000, "MustRunAs": 10_000}
_TRIVIAL_VOLUMES = {"secret", "configMap", "emptyDir", "downwardAPI", "projected", "none"}


def volume_points(scc: Object) -> int:
    """200,000 for host paths (or ``*``), 100,000 for any other non-trivial volume, else 0."""
    volumes = scc.get("volumes") or []
    if any(v in ("hostPath", "*") for v in volumes):
        return 200_000
    return 100_000 if any(v not in _TRIVIAL_VOLUMES for v in volumes) else 0


def capability_points(scc: Object) -> int:
    """5000, +300 per default add, +4000 for allowing all or +10 per allowed, -3000 for dropping ALL or -50 per
    required drop; clamped to 0..9999."""
    def has(cap: str, caps: Sequence[str] | None) -> bool:
        return any(c.upper() == cap for c in caps or [])

    points = 5000 + 300 * len(scc.get("defaultAddCapabilities") or [])
    allowed = scc.get("allowedCapabilities") or []
    points += 4000 if has("*", allowed) or has("ALL", allowed) else 10 * len(allowed)
    drops = scc.get("requiredDropCapabilities") or []
    points += -3000 if has("ALL", drops) else -50 * len(drops)
    return max(0, min(9999, points))


def point_value(scc: Object) -> int:
    """How lax an SCC is (lower is more restrictive): privileged, host ports, host network, volumes,
    capabilities, then the SELinux and runAsUser strategies."""
    points = 1_600_000 if scc.get("allowPrivilegedContainer") else 0
    points += volume_points(scc)
    points += 400_000 if scc.get("allowHostNetwork") else 0
    points += 800_000 if scc.get("allowHostPorts") else 0
    points += capability_points(scc)
    points += _STRATEGY_POINTS.get((scc.get("seLinuxContext") or {}).get("type", ""), 0)
    points += _STRATEGY_POINTS.get((scc.get("runAsUser") or {}).get("type", ""), 0)
    return points


def by_priority(sccs: Sequence[Object]) -> list[Object]:
    """Highest priority first (unset is 0), then most restrictive, then by name."""
    return sorted(sccs, key=lambda s: (-(s.get("priority") or 0), point_value(s), s["metadata"]["name"]))


# --- the provider (sccmatching/provider.go) ------------------------------------------------------------------

def _visit(spec: Object) -> Iterator[tuple[str, Object]]:
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for index, container in enumerate(spec.get(key) or []):
            yield f"spec.{key}[{index}]", container


def containers(spec: Object) -> Iterator[Object]:
    """Init, regular and ephemeral containers of a pod spec."""
    for _, container in _visit(spec):
        yield container


def _effective(spec: Object, container: Object, key: str) -> Any:
    """A field the container inherits from the pod when unset (runAsUser, runAsNonRoot, seLinuxOptions)."""
    own = (container.get("securityContext") or {}).get(key)
    return own if own is not None else (spec.get("securityContext") or {}).get(key)


class Provider:
    """One SCC with its strategies built (NewSimpleProvider): creates and validates security contexts."""

    def __init__(self, scc: Object) -> None:
        self.scc = scc
        self.name: str = (scc.get("metadata") or {}).get("name", "")
        self.user = user_strategy(scc.get("runAsUser") or {})
        self.selinux = selinux_strategy(scc.get("seLinuxContext") or {})
        self.fs_group = group_strategy(scc.get("fsGroup") or {}, "fsGroup")
        self.supplemental_groups = group_strategy(scc.get("supplementalGroups") or {}, "supplementalGroups")
        self.capabilities = Capabilities(scc.get("defaultAddCapabilities"), scc.get("requiredDropCapabilities"),
                                         scc.get("allowedCapabilities"))
        self.seccomp = Seccomp(scc.get("seccompProfiles"))
        self.sysctls = Sysctls(SAFE_SYSCTLS, scc.get("allowedUnsafeSysctls"), scc.get("forbiddenSysctls"))

    def create_pod_security_context(self, pod: Object) -> tuple[Object, Object | None]:
        """The pod's securityContext and annotations with what the SCC generates for unset fields."""
        context = copy.deepcopy((pod.get("spec") or {}).get("securityContext") or {})
        annotations = copy.deepcopy((pod.get("metadata") or {}).get("annotations"))
        if context.get("supplementalGroups") is None:
            groups = self.supplemental_groups.generate()
            if groups is not None:
                context["supplementalGroups"] = groups
        if context.get("fsGroup") is None:
            fs_group = self.fs_group.generate_single()
            if fs_group is not None:
                context["fsGroup"] = fs_group
        if context.get("seLinuxOptions") is None:
            options = self.selinux.generate()
            if options is not None:
                context["seLinuxOptions"] = options
        profile = self.seccomp.generate(annotations, pod)
        if profile:
            annotations = {**(annotations or {}), SECCOMP_POD_ANNOTATION: profile}
            field = seccomp_field(profile)
            if field is None:
                context.pop("seccompProfile", None)
            else:
                context["seccompProfile"] = field
        return context, annotations

    def create_container_security_context(self, pod: Object, container: Object) -> Object | None:
        """The container's securityContext with what the SCC generates for unset fields (None if still empty)."""
        spec = pod.get("spec") or {}
        original = container.get("securityContext")
        context: Object = copy.deepcopy(original) if original is not None else {}

        def effective(key: str) -> Any:
            return context.get(key) if context.get(key) is not None \
                else (spec.get("securityContext") or {}).get(key)

        def set_effective(key: str, value: Any) -> None:
            if effective(key) != value:
                context[key] = value

        if effective("runAsUser") is None:
            uid = self.user.generate()
            if uid is not None:
                set_effective("runAsUser", uid)
        if effective("seLinuxOptions") is None:
            options = self.selinux.generate()
            if options is not None:
                set_effective("seLinuxOptions", options)
        if effective("runAsNonRoot") is None:
            uid = effective("runAsUser")
            if (uid is None and (self.scc.get("runAsUser") or {}).get("type") == "MustRunAsNonRoot") \
                    or (uid is not None and uid > 0):
                set_effective("runAsNonRoot", True)
        capabilities = self.capabilities.generate({"securityContext": context})
        if capabilities is None:
            context.pop("capabilities", None)
        else:
            context["capabilities"] = capabilities
        if self.scc.get("readOnlyRootFilesystem") and context.get("readOnlyRootFilesystem") is None:
            context["readOnlyRootFilesystem"] = True
        privileged = bool(context.get("privileged"))
        sys_admin = "CAP_SYS_ADMIN" in ((capabilities or {}).get("add") or [])
        annotation = _annotations(pod).get(SECCOMP_CONTAINER_ANNOTATION_PREFIX + container.get("name", ""))
        if annotation is not None:
            field = seccomp_field(annotation)
            if field != context.get("seccompProfile"):
                if field is None:
                    context.pop("seccompProfile", None)
                else:
                    context["seccompProfile"] = field
        default_escalation = self.scc.get("defaultAllowPrivilegeEscalation")
        if default_escalation is not None and context.get("allowPrivilegeEscalation") is None \
                and not privileged and not sys_admin:
            context["allowPrivilegeEscalation"] = default_escalation
        if self.scc.get("allowPrivilegeEscalation") is False and context.get("allowPrivilegeEscalation") is None:
            context["allowPrivilegeEscalation"] = False
        if original is None and not context:
            return None
        return context

    def validate_pod_security_context(self, pod: Object, path: str = "spec.securityContext") -> list[str]:
        """Errors of the pod-level fields under this SCC."""
        spec = pod.get("spec") or {}
        context = spec.get("securityContext") or {}
        fs_group = context.get("fsGroup")
        errors = self.fs_group.validate(path, [] if fs_group is None else [fs_group])
        errors += self.supplemental_groups.validate(path, context.get("supplementalGroups") or [])
        errors += self.seccomp.validate_pod(pod)
        errors += self.selinux.validate(_child(path, "seLinuxOptions"), context.get("seLinuxOptions"))
        for key, allow, what in (("hostNetwork", "allowHostNetwork", "network"), ("hostPID", "allowHostPID", "PID"),
                                 ("hostIPC", "allowHostIPC", "IPC")):
            if spec.get(key) and not self.scc.get(allow):
                errors.append(invalid(_child(path, key), True, f"Host {what} is not allowed to be used"))
        if self.scc.get("userNamespaceLevel") == "RequirePodLevel" and spec.get("hostUsers") in (None, True):
            errors.append(invalid("spec.hostUsers", spec.get("hostUsers"), "Host Users must be set to false"))
        errors += self.sysctls.validate(pod)
        errors += self._volume_errors(spec, path)
        return errors

    def _volume_errors(self, spec: Object, path: str) -> list[str]:
        volumes = spec.get("volumes") or []
        allowed = set(self.scc.get("volumes") or [])
        errors = []
        if volumes and "*" not in allowed:
            for index, volume in enumerate(volumes):
                kind = fs_type(volume)
                where = f"spec.volumes[{index}]"
                if kind is None:
                    errors.append(invalid(where, "", f"unknown volume type for volume: {volume.get('name', '')}"))
                elif kind not in allowed and not (kind == "projected" and "secret" in allowed
                                                  and only_service_account_token_sources(volume["projected"])):
                    errors.append(invalid(where, kind, f"{kind} volumes are not allowed to be used"))
        drivers = [d.get("driver") for d in self.scc.get("allowedFlexVolumes") or []]
        if volumes and drivers and ("flexVolume" in allowed or "*" in allowed):
            for index, volume in enumerate(volumes):
                if volume.get("flexVolume") is None:
                    continue
                driver = volume["flexVolume"].get("driver")
                if driver not in drivers:
                    errors.append(invalid(f"{path}.volumes[{index}].driver", driver,
                                          "Flexvolume driver is not allowed to be used"))
        return errors

    def validate_container_security_context(self, pod: Object, container: Object, path: str) -> list[str]:
        """Errors of one container's effective security context under this SCC."""
        spec = pod.get("spec") or {}
        context = container.get("securityContext") or {}
        errors = self.user.validate(path, _effective(spec, container, "runAsNonRoot"),
                                    _effective(spec, container, "runAsUser"))
        errors += self.selinux.validate(_child(path, "seLinuxOptions"),
                                        _effective(spec, container, "seLinuxOptions"))
        errors += self.seccomp.validate_container(pod, container)
        if context.get("privileged") and not self.scc.get("allowPrivilegedContainer"):
            errors.append(invalid(_child(path, "privileged"), True, "Privileged containers are not allowed"))
        errors += self.capabilities.validate(path, context.get("capabilities"))
        if spec.get("hostNetwork") and not self.scc.get("allowHostNetwork"):
            errors.append(invalid(_child(path, "hostNetwork"), True, "Host network is not allowed to be used"))
        if not self.scc.get("allowHostPorts"):
            for other_path, other in _visit(spec):
                errors += [invalid(_child(other_path, "hostPort"), port["hostPort"],
                                   "Host ports are not allowed to be used")
                           for port in other.get("ports") or [] if (port.get("hostPort") or 0) > 0]
        if spec.get("hostPID") and not self.scc.get("allowHostPID"):
            errors.append(invalid(_child(path, "hostPID"), True, "Host PID is not allowed to be used"))
        if spec.get("hostIPC") and not self.scc.get("allowHostIPC"):
            errors.append(invalid(_child(path, "hostIPC"), True, "Host IPC is not allowed to be used"))
        if self.scc.get("readOnlyRootFilesystem"):
            read_only = context.get("readOnlyRootFilesystem")
            if read_only is None:
                errors.append(invalid(_child(path, "readOnlyRootFilesystem"), None,
                                      "ReadOnlyRootFilesystem may not be nil and must be set to true"))
            elif not read_only:
                errors.append(invalid(_child(path, "readOnlyRootFilesystem"), False,
                                      "ReadOnlyRootFilesystem must be set to true"))
        if self.scc.get("allowPrivilegeEscalation") is False and context.get("allowPrivilegeEscalation") is not False:
            errors.append(invalid(_child(path, "allowPrivilegeEscalation"), context.get("allowPrivilegeEscalation"),
                                  "Allowing privilege escalation for containers is not allowed"))
        return errors


def provider_for(scc: Object, ranges: NamespaceRanges = NamespaceRanges()) -> Provider:
    """The provider of ``scc`` in a namespace: unset UID range, MCS level and group ranges taken from the
    namespace's allocation (CreateProviderFromConstraint)."""
    scc = copy.deepcopy(scc)
    user = scc.get("runAsUser") or {}
    if user.get("type") == "MustRunAsRange" and user.get("uidRangeMin") is None and user.get("uidRangeMax") is None:
        scc["runAsUser"] = {**user, "uidRangeMin": ranges.uid_start,
                            "uidRangeMax": ranges.uid_start + ranges.uid_size - 1}
    selinux = scc.get("seLinuxContext") or {}
    if selinux.get("type") == "MustRunAs" and not (selinux.get("seLinuxOptions") or {}).get("level"):
        scc["seLinuxContext"] = {**selinux, "seLinuxOptions": {**(selinux.get("seLinuxOptions") or {}),
                                                               "level": ranges.mcs}}
    for key, allocated in (("fsGroup", ranges.fs_group_ranges), ("supplementalGroups", ranges.supplemental_ranges)):
        options = scc.get(key) or {}
        if options.get("type") == "MustRunAs" and not options.get("ranges"):
            scc[key] = {**options, "ranges": [{"min": low, "max": high} for low, high in allocated]}
    return Provider(scc)


def _dedupe(errors: list[str]) -> list[str]:
    return list(dict.fromkeys(errors))


def assign_security_context(provider: Provider, pod: Object) -> tuple[Object, list[str]]:
    """Mutate a copy of ``pod`` as the SCC would and validate it (AssignSecurityContext): (pod, errors)."""
    pod = copy.deepcopy(pod)
    pod.setdefault("metadata", {})
    spec = pod.setdefault("spec", {})
    context, annotations = provider.create_pod_security_context(pod)
    spec["securityContext"] = context
    if annotations is None:
        pod["metadata"].pop("annotations", None)
    else:
        pod["metadata"]["annotations"] = annotations
    errors = provider.validate_pod_security_context(pod)
    for path, container in _visit(spec):
        generated = provider.create_container_security_context(pod, container)
        if generated is None:
            container.pop("securityContext", None)
        else:
            container["securityContext"] = generated
        errors += provider.validate_container_security_context(pod, container, path)
    return pod, _dedupe(errors)


# --- which pod, which SCCs (sccadmission/) -------------------------------------------------------------------

@dataclass(frozen=True)
class PodTemplate:
    """One rendered pod: where it comes from, its ServiceAccount, its template's annotations and its spec."""

    source: str  # Kind/namespace/name
    namespace: str
    service_account: str
    spec: Object
    annotations: Mapping[str, str] | None = None


def pod_templates(objects: list[Object]) -> list[PodTemplate]:
    """Every pod template among the rendered objects (workloads, CronJobs' jobs, bare Pods)."""
    found: list[PodTemplate] = []
    for obj in objects:
        kind, meta = obj.get("kind"), obj.get("metadata", {})
        if kind in WORKLOAD_KINDS:
            template = obj["spec"]["template"]
        elif kind == "CronJob":
            template = obj["spec"]["jobTemplate"]["spec"]["template"]
        elif kind == "Pod":
            template = obj
        else:
            continue
        spec = template["spec"]
        namespace = meta.get("namespace", "")
        found.append(PodTemplate(f"{kind}/{namespace}/{meta['name']}", namespace,
                                 spec.get("serviceAccountName") or "default", spec,
                                 (template.get("metadata") or {}).get("annotations")))
    return found


def as_admitted(spec: Object, automount_default: bool | None = None) -> Object:
    """The pod spec as SCC admission sees it after the API server's defaulting and ServiceAccount admission:
    hostPort defaulted to containerPort under hostNetwork, and the token volume added when one is mounted."""
    spec = copy.deepcopy(spec)
    if spec.get("hostNetwork"):
        for _, container in _visit(spec):
            for port in container.get("ports") or []:
                if not port.get("hostPort"):
                    port["hostPort"] = port.get("containerPort")
    automount = spec.get("automountServiceAccountToken")
    if automount is None:
        automount = automount_default
    if automount is not False:
        spec["volumes"] = [*(spec.get("volumes") or []), service_account_token_volume()]
    return spec


def is_windows(spec: Object) -> bool:
    """Windows pods are not subject to SCC admission."""
    return ((spec.get("os") or {}).get("name")) == "windows"


def refusals(scc: Object, spec: Object, ranges: NamespaceRanges = NamespaceRanges(),
             annotations: Mapping[str, str] | None = None) -> list[str]:
    """Why ``scc`` would refuse a pod with this spec (and template annotations); empty when it admits it."""
    if is_windows(spec):
        return []
    try:
        provider = provider_for(scc, ranges)
    except SCCError as error:
        return [f"provider {scc['metadata']['name']}: {error}"]
    pod = {"metadata": {"annotations": dict(annotations)} if annotations else {}, "spec": spec}
    return assign_security_context(provider, pod)[1]


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


def applies_to(scc: Object, namespace: str, service_account: str, granted: Sequence[str]) -> bool:
    """May the pod's ServiceAccount use ``scc``: named in its users, one of its groups in its groups, or granted
    ``use`` by RBAC in the pod's namespace (ConstraintAppliesTo)."""
    user = f"system:serviceaccount:{namespace}:{service_account}"
    groups = {"system:serviceaccounts", f"system:serviceaccounts:{namespace}"}
    return user in (scc.get("users") or []) or bool(groups & set(scc.get("groups") or [])) \
        or scc["metadata"]["name"] in granted


def admit(pod: PodTemplate, sccs: Sequence[Object], usable: Callable[[Object], bool],
          ranges: NamespaceRanges = NamespaceRanges(), spec: Object | None = None) -> Object:
    """Admission of one pod on creation: ``admitted_by`` the first SCC (by priority) it validates under, with
    the pod as mutated (``pod``), else None; ``refused`` maps each SCC tried to its errors."""
    spec = pod.spec if spec is None else spec
    if is_windows(spec):
        return {"admitted_by": None, "refused": {}, "pod": None, "ignored": True}
    required_scc = (pod.annotations or {}).get(REQUIRED_SCC_ANNOTATION)
    candidates = [s for s in sccs if not required_scc or s["metadata"]["name"] == required_scc]
    refused: dict[str, list[str]] = {}
    if required_scc and not candidates:
        return {"admitted_by": None, "pod": None,
                "refused": {required_scc: [f'failed to retrieve the required SCC "{required_scc}"']}}
    providers: list[Provider] = []
    for scc in by_priority(candidates):
        try:
            providers.append(provider_for(scc, ranges))
        except SCCError as error:  # one broken SCC fails every pod's admission
            return {"admitted_by": None, "pod": None, "refused": {scc["metadata"]["name"]: [str(error)]}}
    for provider in providers:
        if not usable(provider.scc):
            refused[provider.name] = ["not usable by user or serviceaccount"]
            continue
        mutated, errors = assign_security_context(provider, {"metadata": {"annotations": dict(pod.annotations or {})},
                                                             "spec": spec})
        if not errors:
            return {"admitted_by": provider.name, "refused": refused, "pod": mutated}
        refused[provider.name] = errors
    return {"admitted_by": None, "refused": refused, "pod": None}


def admission(objects: list[Object], ranges: NamespaceRanges = NamespaceRanges()) -> dict[str, Object]:
    """For every rendered pod: the SCC that admits it (``admitted_by``) or each usable SCC's refusals.

    The SCCs are restricted-v2 (usable by every authenticated creator) and the rendered SCCs as the API server
    stores them; a rendered SCC is usable by the accounts its users/groups name or our RBAC binds to it. The pod
    is first given the ServiceAccount token volume its account's automount setting implies."""
    rendered = [scc_defaults(o) for o in objects if o["kind"] == "SecurityContextConstraints"]
    uses = scc_uses(objects)
    automount = {(o["metadata"].get("namespace", ""), o["metadata"]["name"]): o.get("automountServiceAccountToken")
                 for o in objects if o["kind"] == "ServiceAccount"}
    results: dict[str, Object] = {}
    for pod in pod_templates(objects):
        granted = uses.get((pod.namespace, pod.service_account), [])

        def usable(scc: Object, pod: PodTemplate = pod, granted: list[str] = granted) -> bool:
            return scc is RESTRICTED_V2 or scc["metadata"]["name"] == "restricted-v2" \
                or applies_to(scc, pod.namespace, pod.service_account, granted)

        spec = as_admitted(pod.spec, automount.get((pod.namespace, pod.service_account)))
        sccs = [RESTRICTED_V2, *(s for s in rendered if usable(s))]
        result = admit(pod, sccs, usable, ranges, spec)
        results[pod.source] = {"admitted_by": result["admitted_by"], "refused": result["refused"]}
    return results


def refused_pods(objects: list[Object], ranges: NamespaceRanges = NamespaceRanges()) -> dict[str, dict[str, list[str]]]:
    """The rendered pods no available SCC admits, with every SCC's reasons."""
    return {source: result["refused"] for source, result in admission(objects, ranges).items()
            if result["admitted_by"] is None}
