"""Would a namespace enforcing the Kubernetes Pod Security Standard ``restricted`` admit our pods?

The controls of the standard (kubernetes.io/docs/concepts/security/pod-security-standards, "Baseline" and
"Restricted", as Kubernetes 1.36's PodSecurity admission checks them) over rendered pod templates; plain
functions, no cluster.
"""

from typing import Any

from odh_operator.scc_check import containers, pod_templates, volume_type

Object = dict[str, Any]
BASELINE_CAPABILITIES = frozenset({"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                                   "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"})
RESTRICTED_VOLUMES = frozenset({"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
                                "persistentVolumeClaim", "projected", "secret"})
SECCOMP_ALLOWED = ("RuntimeDefault", "Localhost")


def _baseline(spec: Object) -> list[str]:
    problems = [f"{field} true" for field in ("hostNetwork", "hostPID", "hostIPC") if spec.get(field)]
    problems += [f"volume {v['name']}: hostPath" for v in spec.get("volumes") or [] if "hostPath" in v]
    pod_seccomp = ((spec.get("securityContext") or {}).get("seccompProfile") or {}).get("type")
    if pod_seccomp == "Unconfined":
        problems.append("pod seccomp profile Unconfined")
    for container in containers(spec):
        name, context = container["name"], container.get("securityContext") or {}
        if context.get("privileged"):
            problems.append(f"container {name}: privileged")
        added = set((context.get("capabilities") or {}).get("add") or []) - BASELINE_CAPABILITIES
        problems += [f"container {name}: capability {c} added" for c in sorted(added)]
        if any(port.get("hostPort") for port in container.get("ports") or []):
            problems.append(f"container {name}: host port")
        if (context.get("seccompProfile") or {}).get("type") == "Unconfined":
            problems.append(f"container {name}: seccomp profile Unconfined")
    return problems


def _restricted(spec: Object) -> list[str]:
    pod = spec.get("securityContext") or {}
    problems = [f"volume {v['name']}: {volume_type(v)} volumes not allowed"
                for v in spec.get("volumes") or [] if volume_type(v) not in RESTRICTED_VOLUMES | {"hostPath"}]
    if pod.get("runAsUser") == 0:
        problems.append("pod runAsUser 0")
    pod_seccomp = (pod.get("seccompProfile") or {}).get("type")
    for container in containers(spec):
        name, context = container["name"], container.get("securityContext") or {}
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"container {name}: allowPrivilegeEscalation not false")
        non_root = context.get("runAsNonRoot", pod.get("runAsNonRoot"))
        if non_root is not True:
            problems.append(f"container {name}: runAsNonRoot not true")
        if context.get("runAsUser") == 0:
            problems.append(f"container {name}: runAsUser 0")
        seccomp = (context.get("seccompProfile") or {}).get("type") or pod_seccomp
        if seccomp not in SECCOMP_ALLOWED:
            problems.append(f"container {name}: seccomp profile {seccomp or 'unset'}")
        capabilities = context.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            problems.append(f"container {name}: capabilities not dropping ALL")
        problems += [f"container {name}: capability {c} added (only NET_BIND_SERVICE may be)"
                     for c in capabilities.get("add") or [] if c != "NET_BIND_SERVICE"]
    return problems


def violations(spec: Object) -> list[str]:
    """Why the ``restricted`` standard refuses a pod with this spec; empty when it admits it."""
    return _baseline(spec) + _restricted(spec)


def refused_pods(objects: list[Object]) -> dict[str, list[str]]:
    """The rendered pods the ``restricted`` standard refuses, with its reasons."""
    found = {pod.source: violations(pod.spec) for pod in pod_templates(objects)}
    return {source: problems for source, problems in found.items() if problems}
