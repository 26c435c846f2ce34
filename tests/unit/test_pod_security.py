"""Pod security per platform: what OpenShift's restricted-v2 and our own SCCs admit, what Kubernetes' restricted
Pod Security Standard admits, checked on every pod we render and on the notebook pod KubeSpawner builds."""

import copy
from pathlib import Path
from typing import Any

import pytest

from odh_operator import install, pod_security, pss_check, scc_check
from odh_operator.api.resource import parse
from odh_operator.components.base import Instance
from odh_operator.components.jupyterhub import COMPONENT as JUPYTERHUB
from odh_operator.olm.csv import cluster_service_version
from odh_operator.platform import KUBERNETES, OPENSHIFT, Platform
from odh_operator.render import render, render_component
from tests.conftest import EXAMPLES
from tests.unit.component_helpers import full_spec

Object = dict[str, Any]
RANGES = scc_check.NamespaceRanges()
IN_RANGE = RANGES.uid_start + 5


def good_pod() -> Object:
    """A pod restricted-v2 and the restricted standard both admit."""
    return {
        "serviceAccountName": "app",
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "app", "image": "x",
            "ports": [{"containerPort": 8080}],
            "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                "capabilities": {"drop": ["ALL"]}},
            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
        }],
        "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "config", "configMap": {"name": "c"}},
                    {"name": "data", "persistentVolumeClaim": {"claimName": "d"}}],
    }


def changed(path: str, value: Any) -> Object:
    """good_pod() with one field set; ``path`` is dotted, ``containers.0`` the first container."""
    pod = good_pod()
    *parents, last = path.split(".")
    target: Any = pod
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target.setdefault(key, {})
    target[last] = value
    return pod


def test_a_hardened_pod_passes_both() -> None:
    assert scc_check.refusals(scc_check.RESTRICTED_V2, good_pod()) == []
    assert pss_check.violations(good_pod()) == []


@pytest.mark.parametrize(("path", "value", "expected"), [
    ("securityContext.runAsUser", 1000, "runAsUser: Invalid value: 1000: must be in the ranges: [1000680000, "),
    ("containers.0.securityContext.runAsUser", 0, "containers[0].runAsUser: Invalid value: 0: must be in the ranges"),
    ("securityContext.fsGroup", 2016, "fsGroup: Invalid value: [2016]: 2016 is not an allowed group"),
    # fsGroup MustRunAs with the namespace's allocation allows only the first group of its block
    ("securityContext.fsGroup", RANGES.group_start + 1, "is not an allowed group"),
    ("containers.0.securityContext.privileged", True, "privileged: Invalid value: true: Privileged containers are "
                                                      "not allowed"),
    ("containers.0.securityContext.allowPrivilegeEscalation", True, "Allowing privilege escalation for containers "
                                                                    "is not allowed"),
    ("containers.0.securityContext.capabilities", {"drop": ["ALL"], "add": ["SYS_ADMIN"]},
     'capabilities.add: Invalid value: "SYS_ADMIN": capability may not be added'),
    ("volumes", [{"name": "host", "hostPath": {"path": "/var/lib"}}], "hostPath volumes are not allowed to be used"),
    ("securityContext.seccompProfile", {"type": "Unconfined"}, "unconfined is not an allowed seccomp profile. "
                                                               "Valid values are [runtime/default]"),
    ("hostNetwork", True, "Host network is not allowed to be used"),
    ("hostPID", True, "Host PID is not allowed to be used"),
    ("containers.0.ports", [{"containerPort": 8080, "hostPort": 80}], "Host ports are not allowed to be used"),
    ("securityContext.seLinuxOptions", {"level": "s0:c1,c2"}, 'seLinuxOptions.level: Invalid value: "s0:c1,c2": '
                                                              "must be s0:c26,c5"),
    ("securityContext.sysctls", [{"name": "kernel.msgmax", "value": "1"}], 'unsafe sysctl "kernel.msgmax" is not '
                                                                           "allowed"),
])
def test_restricted_v2_refuses(path: str, value: Any, expected: str) -> None:
    problems = scc_check.refusals(scc_check.RESTRICTED_V2, changed(path, value))
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(("path", "value"), [
    ("securityContext.runAsUser", IN_RANGE),  # a UID of the namespace's range
    ("securityContext.fsGroup", RANGES.group_start),
    ("securityContext.supplementalGroups", [100]),  # supplementalGroups RunAsAny
    ("securityContext.seccompProfile", None),  # unset: restricted-v2 defaults it to runtime/default
    ("containers.0.securityContext.capabilities", {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}),
    ("volumes", [{"name": "csi", "csi": {"driver": "x"}}, {"name": "e", "ephemeral": {}}]),
])
def test_restricted_v2_admits(path: str, value: Any) -> None:
    assert scc_check.refusals(scc_check.RESTRICTED_V2, changed(path, value)) == []


@pytest.mark.parametrize(("path", "value", "expected"), [
    ("securityContext.runAsNonRoot", None, "runAsNonRoot not true"),
    ("securityContext.seccompProfile", None, "seccomp profile unset"),
    ("containers.0.securityContext.allowPrivilegeEscalation", None, "allowPrivilegeEscalation not false"),
    ("containers.0.securityContext.capabilities", {}, "capabilities not dropping ALL"),
    ("containers.0.securityContext.capabilities", {"drop": ["ALL"], "add": ["CHOWN"]}, "capability CHOWN added"),
    ("containers.0.securityContext.privileged", True, "privileged"),
    ("containers.0.securityContext.runAsUser", 0, "runAsUser 0"),
    ("volumes", [{"name": "host", "hostPath": {"path": "/"}}], "volume host: hostPath"),
    ("hostIPC", True, "hostIPC true"),
])
def test_the_restricted_standard_refuses(path: str, value: Any, expected: str) -> None:
    pod = changed(path, value)
    problems = pss_check.violations(pod)
    assert any(expected in p for p in problems), problems


def test_an_scc_of_our_own_admits_what_restricted_v2_refuses_only_where_it_allows() -> None:
    scc = {**scc_check.RESTRICTED_V2, "metadata": {"name": "host"}, "allowHostDirVolumePlugin": True,
           "volumes": ["hostPath"], "runAsUser": {"type": "RunAsAny"}}
    host = changed("volumes", [{"name": "host", "hostPath": {"path": "/var/lib"}}])
    host["securityContext"]["runAsUser"] = 0
    assert scc_check.refusals(scc, host) == []
    assert scc_check.refusals(scc, changed("containers.0.securityContext.privileged", True)) != []


def rendered(platform: Platform, example: str = "opendatahub-full.yaml") -> list[Object]:
    import yaml
    return render(parse(yaml.safe_load((EXAMPLES / example).read_text())), platform=platform)


def test_openshift_admits_every_pod_of_the_full_example() -> None:
    objects = rendered(OPENSHIFT)
    result = scc_check.admission(objects)
    assert len(result) >= 10
    assert scc_check.refused_pods(objects) == {}
    namespace = objects[0]["metadata"].get("namespace") or "default"
    by = {source.split("/")[-1]: r["admitted_by"] for source, r in result.items()}
    # Only Rook's operator (its image's UID 2016, as upstream runs it there) and the device plugin (privileged,
    # host path) need more than restricted-v2; every other pod runs with the namespace's UID.
    assert {name for name, scc in by.items() if scc != "restricted-v2"} == {"rook-ceph-operator", "nvidia-device-plugin"}
    assert by["rook-ceph-operator"].endswith("-rook-ceph") and by["nvidia-device-plugin"].endswith("-nvidia-device-plugin")
    assert namespace


def test_an_scc_listing_no_seccomp_profile_refuses_a_pod_that_sets_one() -> None:
    """OpenShift reads an SCC without seccompProfiles as "no profile allowed", RuntimeDefault included."""
    scc = {**scc_check.RESTRICTED_V2, "metadata": {"name": "none"}, "seccompProfiles": None}
    problems = scc_check.refusals(scc, good_pod())
    assert any("seccomp may not be set" in p for p in problems), problems
    unset = changed("securityContext.seccompProfile", None)
    assert scc_check.refusals(scc, unset) == []  # and sets none itself
    assert scc_check.refusals({**scc, "seccompProfiles": ["*"]}, good_pod()) == []
    assert scc_check.refusals({**scc, "seccompProfiles": ["docker/default"]}, good_pod()) == []


def test_the_rook_scc_must_list_runtime_default_for_rooks_operator() -> None:
    """Upstream's Rook SCC lists no seccomp profile; ours must, since our operator pod sets RuntimeDefault."""
    objects = rendered(OPENSHIFT)
    [scc] = [o for o in objects if o["kind"] == "SecurityContextConstraints" and o["metadata"]["name"].endswith(
        "-rook-ceph")]
    assert scc["seccompProfiles"] == ["runtime/default"]
    del scc["seccompProfiles"]
    [(source, refused)] = scc_check.refused_pods(objects).items()
    assert source.endswith("/rook-ceph-operator")
    assert any("seccomp may not be set" in p for p in refused[scc["metadata"]["name"]]), refused
    assert any("runAsUser: Invalid value: 2016: must be in the ranges" in p for p in refused["restricted-v2"])


def test_what_the_sccs_assign_to_rooks_operator_and_the_device_plugin() -> None:
    """Admission mutates the pod: the SCCs' MustRunAs fsGroup and SELinux level come from the namespace."""
    objects = rendered(OPENSHIFT)
    rook = next(p for p in scc_check.pod_templates(objects) if p.source.endswith("/rook-ceph-operator"))
    sccs = [scc_check.scc_defaults(o) for o in objects if o["kind"] == "SecurityContextConstraints"]
    result = scc_check.admit(rook, sccs, lambda scc: True, RANGES, scc_check.as_admitted(rook.spec))
    assert result["admitted_by"].endswith("-rook-ceph")
    context = result["pod"]["spec"]["securityContext"]
    assert context["fsGroup"] == RANGES.group_start and context["seLinuxOptions"] == {"level": RANGES.mcs}
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert result["pod"]["spec"]["containers"][0]["securityContext"]["runAsUser"] == 2016


def test_a_mounted_token_counts_as_a_volume() -> None:
    """ServiceAccount admission adds the token's projected volume before SCC admission: the device plugin's SCC,
    allowing host paths only, admits the plugin because it mounts no token."""
    objects = rendered(OPENSHIFT)
    [plugin] = [o for o in objects if o["kind"] == "DaemonSet"]
    assert plugin["spec"]["template"]["spec"]["automountServiceAccountToken"] is False
    plugin["spec"]["template"]["spec"]["automountServiceAccountToken"] = True
    refused = scc_check.refused_pods(objects)
    [(source, reasons)] = refused.items()
    assert source.endswith("/nvidia-device-plugin")
    assert any("projected volumes are not allowed to be used" in p for scc, ps in reasons.items()
               if scc.endswith("-nvidia-device-plugin") for p in ps), reasons


def test_the_kubernetes_render_is_what_restricted_v2_would_refuse() -> None:
    """The check bites: Kubernetes' fixed UIDs lie outside any OpenShift range."""
    refused = scc_check.refused_pods(rendered(KUBERNETES))
    assert "Deployment/default/prometheus" in refused or any(s.endswith("/prometheus") for s in refused)
    assert len(refused) >= 10


def test_kubernetes_restricted_admits_every_pod_but_the_device_plugin() -> None:
    """The device plugin writes the kubelet's root-owned host path: its namespace must be privileged."""
    refused = pss_check.refused_pods(rendered(KUBERNETES))
    assert [s.split("/")[0] + "/" + s.split("/")[-1] for s in refused] == ["DaemonSet/nvidia-device-plugin"]
    assert set(pod_security.PRIVILEGED_COMPONENTS) == {"rook-ceph", "gpu-device-plugin"}


def test_sccs_and_their_use_are_rendered_on_openshift_only() -> None:
    assert not [o for o in rendered(KUBERNETES) if o["kind"] == "SecurityContextConstraints"
                or "securitycontextconstraints" in str(o.get("rules", ""))]
    objects = rendered(OPENSHIFT)
    sccs = sorted(o["metadata"]["name"] for o in objects if o["kind"] == "SecurityContextConstraints")
    assert sccs == ["odh-default-odh-nvidia-device-plugin", "odh-default-odh-rook-ceph"]
    for scc in (o for o in objects if o["kind"] == "SecurityContextConstraints"):
        assert scc["users"] == [] and scc["groups"] == []  # granted through RBAC only
        assert scc["allowHostNetwork"] is False and scc["allowHostPID"] is False and scc["allowHostPorts"] is False


def test_each_scc_is_usable_by_exactly_its_components_accounts() -> None:
    objects = rendered(OPENSHIFT)
    uses = scc_check.scc_uses(objects)
    rook = {"rook-ceph-system", "rook-ceph-default", "rook-ceph-mgr", "rook-ceph-osd", "rook-ceph-rgw"}
    namespace = next(ns for ns, _ in uses)
    assert {sa for (ns, sa), sccs in uses.items() if "odh-default-odh-rook-ceph" in sccs} == rook
    assert {sa for (ns, sa), sccs in uses.items() if "odh-default-odh-nvidia-device-plugin" in sccs} == {
        "nvidia-device-plugin"}
    assert all(ns == namespace and len(sccs) == 1 for (ns, _), sccs in uses.items())
    roles = [o for o in objects if o["kind"] == "ClusterRole" and "securitycontextconstraints" in str(o["rules"])]
    for role in roles:  # `use` of one SCC by name, nothing else
        assert [(r["verbs"], len(r["resourceNames"])) for r in role["rules"]] == [(["use"], 1)]
    bindings = [o for o in objects if o["kind"] == "RoleBinding" and o["roleRef"]["name"] in
                {r["metadata"]["name"] for r in roles}]
    assert len(bindings) == 2 and all(b["metadata"]["namespace"] == namespace for b in bindings)


def test_a_binding_elsewhere_grants_nothing_here() -> None:
    objects = rendered(OPENSHIFT)
    moved = copy.deepcopy(objects)
    for obj in moved:
        if obj["kind"] == "RoleBinding" and obj["metadata"]["name"] == "rook-ceph-scc":
            obj["metadata"]["namespace"] = "elsewhere"
    refused = scc_check.refused_pods(moved)
    assert [s.split("/")[-1] for s in refused] == ["rook-ceph-operator"]


def test_two_platforms_get_their_own_sccs() -> None:
    spec = full_spec()
    names = [
        {o["metadata"]["name"] for c in ("rook-ceph", "gpu-device-plugin")
         for o in render_component(_component(c), spec, Instance(name, namespace, OPENSHIFT))
         if o["kind"] in ("SecurityContextConstraints", "ClusterRole")}
        for name, namespace in (("odh", "team-a"), ("odh", "team-b"))
    ]
    assert names[0] and not names[0] & names[1]


def _component(name: str) -> Any:
    from odh_operator.components import by_name
    return by_name(name)


def test_openshift_renders_no_fixed_ids_but_rooks_own() -> None:
    for pod in scc_check.pod_templates(rendered(OPENSHIFT)):
        context = pod.spec.get("securityContext") or {}
        assert not {"runAsUser", "runAsGroup", "fsGroup"} & set(context), pod.source
        users = {(c.get("securityContext") or {}).get("runAsUser") for c in scc_check.containers(pod.spec)}
        assert users == ({2016} if pod.source.endswith("/rook-ceph-operator") else {None}), pod.source


def test_openshift_switches_rook_and_the_device_plugin_to_upstreams_openshift_settings() -> None:
    def env(objects: list[Object]) -> dict[str, str]:
        [operator] = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "rook-ceph-operator"]
        return {e["name"]: e.get("value", "") for e in operator["spec"]["template"]["spec"]["containers"][0]["env"]}

    assert env(rendered(OPENSHIFT))["ROOK_HOSTPATH_REQUIRES_PRIVILEGED"] == "true"
    assert env(rendered(KUBERNETES))["ROOK_HOSTPATH_REQUIRES_PRIVILEGED"] == "false"
    plugins = {p: [o for o in rendered(p) if o["kind"] == "DaemonSet"][0] for p in (OPENSHIFT, KUBERNETES)}
    contexts = {p: d["spec"]["template"]["spec"]["containers"][0]["securityContext"] for p, d in plugins.items()}
    assert contexts[OPENSHIFT].get("privileged") is True
    assert contexts[KUBERNETES] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                    "capabilities": {"drop": ["ALL"]}}


def test_pod_security_context_per_platform() -> None:
    kube = pod_security.pod_security_context(KUBERNETES, 472, 472, 472, fsGroupChangePolicy="OnRootMismatch")
    assert kube == {"runAsNonRoot": True, "runAsUser": 472, "runAsGroup": 472, "fsGroup": 472,
                    "seccompProfile": {"type": "RuntimeDefault"}, "fsGroupChangePolicy": "OnRootMismatch"}
    shift = pod_security.pod_security_context(OPENSHIFT, 472, 472, 472)
    assert shift == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    assert "runAsGroup" not in pod_security.pod_security_context(KUBERNETES, 65534)


def notebook(platform: Platform, tmp_path: Path) -> Object:
    from tests.notebook_spawn import load_hub_config, notebook_pod
    objects = render_component(JUPYTERHUB, full_spec(), Instance("odh", "opendatahub", platform))
    pod: Object = notebook_pod(load_hub_config(objects, tmp_path), tmp_path)
    return pod


def test_the_notebook_pod_kubespawner_builds_passes_restricted_v2_on_openshift(tmp_path: Path) -> None:
    pod = notebook(OPENSHIFT, tmp_path)["spec"]
    assert scc_check.refusals(scc_check.RESTRICTED_V2, pod) == []
    context = pod["securityContext"]
    assert not {"runAsUser", "runAsGroup", "fsGroup"} & (set(context) | set(pod["containers"][0]["securityContext"]))
    assert context["supplementalGroups"] == [100]  # docker-stacks' users group owns /opt/conda
    assert pss_check.violations(pod) == []


def test_the_notebook_pod_on_kubernetes_runs_as_jovyan_and_passes_the_restricted_standard(tmp_path: Path) -> None:
    pod = notebook(KUBERNETES, tmp_path)["spec"]
    assert (pod["containers"][0]["securityContext"]["runAsUser"], pod["securityContext"]["fsGroup"]) == (1000, 100)
    assert pss_check.violations(pod) == []
    assert scc_check.refusals(scc_check.RESTRICTED_V2, pod)  # a fixed UID: OpenShift would refuse it


def test_the_operator_may_create_sccs_and_grant_their_use_without_wildcards() -> None:
    rules = install.operator_rules()
    scc_rules = [r for r in rules if "security.openshift.io" in r["apiGroups"]]
    assert {v for r in scc_rules for v in r["verbs"]} == {"create", "delete", "get", "list", "patch", "update",
                                                          "watch", "use"}
    assert all(r["resources"] == ["securitycontextconstraints"] for r in scc_rules)
    assert not [r for r in rules if "*" in r["verbs"] or "*" in r["resources"] or "*" in r["apiGroups"]]
    assert not [r for r in rules if {"bind", "escalate"} & set(r["verbs"])]
    csv = cluster_service_version("0.0.1", [])
    assert all(r in csv["spec"]["install"]["spec"]["clusterPermissions"][0]["rules"] for r in scc_rules)


def namespace(name: str, level: str | None) -> Object:
    return {"metadata": {"name": name, "labels": {pod_security.ENFORCE_LABEL: level} if level else {}}}


@pytest.mark.parametrize("component", ["rook-ceph", "gpu-device-plugin"])
def test_status_names_the_missing_privileged_label(component: str) -> None:
    from odh_operator.cluster_facts import ClusterFacts
    from odh_operator.components import by_name
    observed = [{"kind": "ServiceAccount", "metadata": {"name": "x", "namespace": "odh"}}]
    for level in (None, "privileged"):
        facts = ClusterFacts(namespaces=(namespace("odh", level), namespace("other", "restricted")))
        assert pod_security.namespace_readiness(component, observed, facts).ready
    facts = ClusterFacts(namespaces=(namespace("odh", "restricted"),))
    result = by_name(component).readiness(observed, facts)
    assert (result.state, result.reason) == ("Error", "PodSecurityLabelMissing")
    assert "namespace odh enforces pod security level 'restricted'" in result.message
    assert "set the label pod-security.kubernetes.io/enforce=privileged on namespace odh" in result.message
