"""OpenShift's SCC matching, checked with the cases of its own tests.

Every table below transcribes, as data, the inputs and the expected allow/deny (and, where upstream checks it,
the message or the generated value) of one test function in openshift/apiserver-library-go
(commit a8019f39f, ``pkg/securitycontextconstraints/``). Each table names its file and test; each row keeps
upstream's case name as its pytest id. Go's ``nil`` is ``None`` here, a pod is ``{"metadata", "spec"}``.
"""

import copy
from typing import Any

import pytest

from odh_operator import scc_check
from odh_operator.scc_check import (Capabilities, MustRunAsGroup, MustRunAsNonRootUser, MustRunAsRangeUser,
                                    MustRunAsSELinux, MustRunAsUser, NamespaceRanges, PodTemplate, Provider,
                                    RunAsAnyGroup, RunAsAnySELinux, RunAsAnyUser, SCCError, Seccomp, Sysctls)

Object = dict[str, Any]
POD_ANNOTATION = scc_check.SECCOMP_POD_ANNOTATION
CONTAINER_ANNOTATION = scc_check.SECCOMP_CONTAINER_ANNOTATION_PREFIX


def ids(table: dict[str, Any]) -> Any:
    return pytest.mark.parametrize("case", list(table.values()), ids=list(table))


# === seccomp/strategy_test.go =================================================================================

# TestNewStrategy: allowed profiles -> (allow any, the non-wildcard profiles)
NEW_STRATEGY = {
    "no seccomp": (None, False, []),
    "allow any, no default": (["*"], True, []),
    "allow any, default": (["*", "foo"], True, ["foo"]),
    "allow any and specific, default": (["foo", "*", "bar"], True, ["foo", "bar"]),
    "allow specific only": (["bar", "foo"], False, ["bar", "foo"]),
}


@ids(NEW_STRATEGY)
def test_seccomp_new_strategy(case: Any) -> None:
    allowed, allow_any, profiles = case
    strategy = Seccomp(allowed)
    assert (strategy.allow_any, strategy.allowed_profiles) == (allow_any, profiles)


RUNTIME_DEFAULT = {"type": "RuntimeDefault"}
UNCONFINED = {"type": "Unconfined"}


def localhost(name: str) -> Object:
    return {"type": "Localhost", "localhostProfile": name}


# TestGenerate: (pod annotations, pod field, allowed profiles, expected profile)
GENERATE = {
    "empty allowed profiles": (None, None, [], ""),
    "nil allowed profiles": (None, None, None, ""),
    "allow wildcard only": (None, None, ["*"], ""),
    "allow values": (None, None, ["foo", "bar"], "foo"),
    "allow wildcard and values": (None, None, ["*", "foo", "bar"], "foo"),
    "pod profile already set - field": (None, RUNTIME_DEFAULT, ["foo", "bar"], "runtime/default"),
    "pod profile already set - annotation": ({POD_ANNOTATION: "baz"}, None, ["foo", "bar"], "baz"),
    "pod profile already set - both set": ({POD_ANNOTATION: "baz"}, RUNTIME_DEFAULT, ["foo", "bar"], "baz"),
}


@ids(GENERATE)
def test_seccomp_generate(case: Any) -> None:
    annotations, field, allowed, expected = case
    pod = {"spec": {"securityContext": {"seccompProfile": field} if field else {}}}
    assert Seccomp(allowed).generate(annotations, pod) == expected


def seccomp_pod(annotation: str, field: Object | None) -> Object:
    pod: Object = {"metadata": {}, "spec": {}}
    if annotation:
        pod["metadata"]["annotations"] = {POD_ANNOTATION: annotation}
    if field is not None:
        pod["spec"]["securityContext"] = {"seccompProfile": field}
    return pod


# TestValidatePod: (allowed profiles, pod annotation, pod field, expected message or "" to pass)
VALIDATE_POD = {
    "empty allowed profiles, no pod profile": (None, "", None, ""),
    "empty allowed profiles, pod profile": (None, "foo", None, "seccomp may not be set"),
    "good pod profile": (["foo"], "foo", None, ""),
    "bad pod profile": (["foo"], "bar", None, "Forbidden: bar is not an allowed seccomp profile. Valid values are "
                                              "[foo]"),
    "wildcard allows pod profile": (["*"], "foo", None, ""),
    "wildcard allows no profile": (["*"], "", None, ""),
    "valid profile in both the pod annotations and field": (["localhost/foo"], "localhost/foo", localhost("foo"), ""),
    "invalid pod field and no annotation": (["foo"], "", localhost("foo"), "Forbidden: localhost/foo is not an "
                                                                          "allowed seccomp profile. Valid values are "
                                                                          "[foo]"),
    "valid pod field and no annotation": (["localhost/foo"], "", localhost("foo"), ""),
    "docker/default policy allows runtime/default in pod annotation": (["docker/default"], "runtime/default", None,
                                                                       ""),
    "docker/default policy allows runtime/default in pod field": (["docker/default"], "", RUNTIME_DEFAULT, ""),
    "runtime/default policy allows docker/default in pod annotation": (["runtime/default"], "docker/default", None,
                                                                       ""),
    "specific profile does not allow any other profiles": (["runtime/default"], "", UNCONFINED,
                                                           "unconfined is not an allowed seccomp profile. Valid "
                                                           "values are [runtime/default]"),
}


def exactly(errors: list[str], expected: str) -> None:
    """Upstream's check: no error when none is expected, else exactly one that contains the message."""
    if not expected:
        assert errors == []
    else:
        assert len(errors) == 1 and expected in errors[0], errors


@ids(VALIDATE_POD)
def test_seccomp_validate_pod(case: Any) -> None:
    allowed, annotation, field, expected = case
    exactly(Seccomp(allowed).validate_pod(seccomp_pod(annotation, field)), expected)


def seccomp_container_pod(annotation: str, field: Object | None) -> Object:
    container: Object = {"name": "test"}
    if field is not None:
        container["securityContext"] = {"seccompProfile": field}
    pod: Object = {"metadata": {}, "spec": {"containers": [container]}}
    if annotation:
        pod["metadata"]["annotations"] = {CONTAINER_ANNOTATION + "test": annotation}
    return pod


# TestValidateContainer: (allowed profiles, container annotation, container field, expected message)
VALIDATE_CONTAINER = {
    "empty allowed profiles, no container profile": (None, "", None, ""),
    "empty allowed profiles, container profile": (None, "foo", None, "seccomp may not be set"),
    "good container profile": (["foo"], "foo", None, ""),
    "bad container profile": (["foo"], "bar", None, "Forbidden: bar is not an allowed seccomp profile. Valid values "
                                                    "are [foo]"),
    "wildcard allows container profile": (["*"], "foo", None, ""),
    "wildcard allows no profile": (["*"], "", None, ""),
    "valid container field and no annotation": (["localhost/foo"], "", localhost("foo"), ""),
    "invalid container field and no annotation": (["localhost/foo"], "", localhost("bar"),
                                                  "Forbidden: localhost/bar is not an allowed seccomp profile. Valid "
                                                  "values are [localhost/foo]"),
    "runtime/default allows the profile of that type": (["runtime/default"], "", RUNTIME_DEFAULT, ""),
    "specific profile does not allow any other profiles": (["runtime/default"], "", UNCONFINED,
                                                           "unconfined is not an allowed seccomp profile. Valid "
                                                           "values are [runtime/default]"),
}


@ids(VALIDATE_CONTAINER)
def test_seccomp_validate_container(case: Any) -> None:
    allowed, annotation, field, expected = case
    pod = seccomp_container_pod(annotation, field)
    exactly(Seccomp(allowed).validate_container(pod, pod["spec"]["containers"][0]), expected)


# === capabilities/mustrunas_test.go ============================================================================

# TestGenerateAdds and TestGenerateDrops: (defaultAdd, requiredDrop, container caps, expected caps)
GENERATE_ADDS = {
    "no required, no container requests": (None, None, None, None),
    "no required, no container requests, non-nil": (None, None, {}, {}),
    "required, no container requests": (["foo"], None, None, {"add": ["foo"]}),
    "required, container requests add required": (["foo"], None, {"add": ["foo"]}, {"add": ["foo"]}),
    "multiple required, container requests add required": (["foo", "bar", "baz"], None, {"add": ["foo"]},
                                                            {"add": ["bar", "baz", "foo"]}),
    "required, container requests add non-required": (["foo"], None, {"add": ["bar"]}, {"add": ["bar", "foo"]}),
    "generation does not mutate unnecessarily": (["foo", "bar"], None, {"add": ["foo", "foo", "bar", "baz"]},
                                                 {"add": ["foo", "foo", "bar", "baz"]}),
    "generation dedupes": (["foo", "bar"], None, {"add": ["foo", "baz"]}, {"add": ["bar", "baz", "foo"]}),
    "generation is case sensitive - will not dedupe": (["foo"], None, {"add": ["FOO"]}, {"add": ["FOO", "foo"]}),
}
GENERATE_DROPS = {
    "no required, no container requests": (None, None, None, None),
    "no required, no container requests, non-nil": (None, None, {}, {}),
    "required drops are defaulted": (None, ["foo"], None, {"drop": ["foo"]}),
    "required drops are defaulted when making container requests": (None, ["baz"], {"drop": ["foo", "bar"]},
                                                                     {"drop": ["bar", "baz", "foo"]}),
    "required drops do not mutate unnecessarily": (None, ["baz"], {"drop": ["foo", "bar", "baz"]},
                                                   {"drop": ["foo", "bar", "baz"]}),
    "can drop a required add": (["foo"], None, {"drop": ["foo"]}, {"drop": ["foo"]}),
    "can drop non-required add": (["foo"], None, {"drop": ["bar"]}, {"add": ["foo"], "drop": ["bar"]}),
    "defaulting adds and drops, dropping a required add": (["foo", "bar", "baz"], ["abc"], {"drop": ["foo"]},
                                                           {"add": ["bar", "baz"], "drop": ["abc", "foo"]}),
    "generation dedupes": (None, ["baz", "foo"], {"drop": ["bar", "foo"]}, {"drop": ["bar", "baz", "foo"]}),
    "generation is case sensitive - will not dedupe": (None, ["bar"], {"drop": ["BAR"]}, {"drop": ["BAR", "bar"]}),
}


@pytest.mark.parametrize("case", [*GENERATE_ADDS.values(), *GENERATE_DROPS.values()],
                         ids=[f"adds:{k}" for k in GENERATE_ADDS] + [f"drops:{k}" for k in GENERATE_DROPS])
def test_capabilities_generate(case: Any) -> None:
    default_add, required_drop, caps, expected = case
    container = {"securityContext": {"capabilities": caps}}
    assert Capabilities(default_add, required_drop, None).generate(container) == expected


# TestValidateAdds and TestValidateDrops: (defaultAdd, requiredDrop, allowed, container caps, should pass)
VALIDATE_ADDS = {
    "no required, no allowed, no container requests": (None, None, None, None, True),
    "no required, allowed, no container requests": (None, None, ["foo"], None, True),
    "required, no allowed, no container requests": (["foo"], None, None, None, False),
    "required, no allowed, container requests valid": (["foo"], None, None, {"add": ["foo"]}, True),
    "required, no allowed, container requests invalid": (["foo"], None, None, {"add": ["bar"]}, False),
    "no required, allowed, container requests valid": (None, None, ["foo"], {"add": ["foo"]}, True),
    "no required, all allowed, container requests valid": (None, None, ["*"], {"add": ["foo"]}, True),
    "no required, allowed, container requests invalid": (None, None, ["foo"], {"add": ["bar"]}, False),
    "required, allowed, container requests valid required": (["foo"], None, ["bar"], {"add": ["foo"]}, True),
    "required, allowed, container requests valid allowed": (["foo"], None, ["bar"], {"add": ["bar"]}, True),
    "required, allowed, container requests invalid": (["foo"], None, ["bar"], {"add": ["baz"]}, False),
    "validation is case sensitive": (["foo"], None, None, {"add": ["FOO"]}, False),
}
VALIDATE_DROPS = {
    "no required, no container requests": (None, None, None, None, True),
    "required, no container requests": (None, ["foo"], None, None, False),
    "required, container requests valid": (None, ["foo"], None, {"drop": ["foo"]}, True),
    "required, container requests invalid": (None, ["foo"], None, {"drop": ["bar"]}, False),
    "validation is case sensitive": (None, ["foo"], None, {"drop": ["FOO"]}, False),
}


@pytest.mark.parametrize("case", [*VALIDATE_ADDS.values(), *VALIDATE_DROPS.values()],
                         ids=[f"adds:{k}" for k in VALIDATE_ADDS] + [f"drops:{k}" for k in VALIDATE_DROPS])
def test_capabilities_validate(case: Any) -> None:
    default_add, required_drop, allowed, caps, should_pass = case
    errors = Capabilities(default_add, required_drop, allowed).validate("", caps)
    assert (errors == []) == should_pass, errors


# === user/*_test.go ============================================================================================

def test_user_must_run_as() -> None:
    """user/mustrunas_test.go: TestMustRunAsOptions, TestMustRunAsGenerate, TestMustRunAsValidate."""
    with pytest.raises(SCCError):
        MustRunAsUser({})  # "invalid opts"
    strategy = MustRunAsUser({"uid": 1})  # "valid opts"
    assert strategy.generate() == 1
    assert "runAsUser: Required value" in strategy.validate("", None, None)[0]
    assert "runAsUser: Invalid value: 2: must be: 1" in strategy.validate("", None, 2)[0]
    assert strategy.validate("", None, 1) == []


@pytest.mark.parametrize(("options", "passes"), [({}, False), ({"uidRangeMin": 1}, False),
                                                 ({"uidRangeMax": 1}, False),
                                                 ({"uidRangeMin": 1, "uidRangeMax": 1}, True)],
                         ids=["invalid opts, required min and max", "invalid opts, required max",
                              "invalid opts, required min", "valid opts"])
def test_user_must_run_as_range_options(options: Object, passes: bool) -> None:
    """user/mustrunasrange_test.go: TestMustRunAsRangeOptions."""
    if passes:
        MustRunAsRangeUser(options)
    else:
        with pytest.raises(SCCError):
            MustRunAsRangeUser(options)


def test_user_must_run_as_range() -> None:
    """user/mustrunasrange_test.go: TestMustRunAsRangeGenerate, TestMustRunAsRangeValidate."""
    strategy = MustRunAsRangeUser({"uidRangeMin": 1, "uidRangeMax": 10})
    assert strategy.generate() == 1
    assert "runAsUser: Required value" in strategy.validate("", None, None)[0]
    assert "runAsUser: Invalid value: 0: must be in the ranges: [1, 10]" in strategy.validate("", None, 0)[0]
    assert "runAsUser: Invalid value: 11: must be in the ranges: [1, 10]" in strategy.validate("", None, 11)[0]
    assert strategy.validate("", None, 5) == []


def test_user_non_root() -> None:
    """user/nonroot_test.go: TestNonRootGenerate, TestNonRootValidate."""
    strategy = MustRunAsNonRootUser()
    assert strategy.generate() is None
    assert "runAsUser: Invalid value: 0: running with the root UID is forbidden" in strategy.validate("", None, 0)[0]
    assert "runAsNonRoot: Required value: must be true" in strategy.validate("", None, None)[0]
    assert "runAsNonRoot: Invalid value: false: must be true" in strategy.validate("", False, None)[0]
    assert strategy.validate("", None, 1) == []
    assert strategy.validate("", True, None) == []


def test_user_run_as_any() -> None:
    """user/runasany_test.go: TestRunAsAnyGenerate, TestRunAsAnyValidate."""
    assert RunAsAnyUser().generate() is None
    assert RunAsAnyUser().validate("", None, None) == []


# === group/*_test.go ===========================================================================================

def test_group_must_run_as_options() -> None:
    """group/mustrunas_test.go: TestMustRunAsOptions ("empty" fails, "ranges" passes)."""
    with pytest.raises(SCCError):
        MustRunAsGroup([], "")
    MustRunAsGroup([(1, 1)], "")


@pytest.mark.parametrize("ranges", [[(1, 2)], [(1, 1)], [(1, 1), (2, 500)]],
                         ids=["multi value", "single value", "multi range"])
def test_group_must_run_as_generate(ranges: list[tuple[int, int]]) -> None:
    """group/mustrunas_test.go: TestGenerate (always the first range's minimum)."""
    strategy = MustRunAsGroup(ranges, "")
    assert strategy.generate() == [1] and strategy.generate_single() == 1


# TestValidate: (ranges, groups, should pass)
GROUP_VALIDATE = {
    "nil security context": ([(1, 3)], [], False),
    "empty groups": ([(1, 3)], [], False),
    "not in range": ([(1, 3), (4, 4)], [5], False),
    "in range 1": ([(1, 3)], [2], True),
    "in range boundry min": ([(1, 3)], [1], True),
    "in range boundry max": ([(1, 3)], [3], True),
    "singular range": ([(4, 4)], [4], True),
}


@ids(GROUP_VALIDATE)
def test_group_must_run_as_validate(case: Any) -> None:
    """group/mustrunas_test.go: TestValidate."""
    ranges, groups, should_pass = case
    assert (MustRunAsGroup(ranges, "").validate("", groups) == []) == should_pass


def test_group_run_as_any() -> None:
    """group/runasany_test.go: TestRunAsAnyGenerate, TestRunAsAnyGenerateSingle, TestRunAsAnyValidte."""
    assert RunAsAnyGroup().generate() is None and RunAsAnyGroup().generate_single() is None
    assert RunAsAnyGroup().validate("", []) == []


# === selinux/*_test.go =========================================================================================

def test_selinux_must_run_as_options_and_generate() -> None:
    """selinux/mustrunas_test.go: TestMustRunAsOptions, TestMustRunAsGenerate."""
    with pytest.raises(SCCError):
        MustRunAsSELinux({})
    MustRunAsSELinux({"seLinuxOptions": {}})
    options = {"user": "user", "role": "role", "type": "type", "level": "level"}
    assert MustRunAsSELinux({"seLinuxOptions": options}).generate() == options


def selinux(level: str = "s0:c0,c6", **changes: str) -> Object:
    return {"user": "user", "role": "role", "level": level, "type": "type", **changes}


# TestMustRunAsValidate: (pod options, SCC options, expected message)
SELINUX_VALIDATE = {
    "invalid role": (selinux(role="invalid"), selinux(), "role: Invalid value"),
    "invalid user": (selinux(user="invalid"), selinux(), "user: Invalid value"),
    "levels are not equal": (selinux("s0"), selinux("s0:c1,c2"), "level: Invalid value"),
    "levels differ by sensitivity": (selinux("s0:c6"), selinux("s1:c6"), "level: Invalid value"),
    "levels differ by categories": (selinux("s0:c0,c8"), selinux("s0:c1,c7"), "level: Invalid value"),
    "valid": (selinux(), selinux(), ""),
    "valid with different order of categories": (selinux("s0:c6,c0"), selinux(), ""),
}


@ids(SELINUX_VALIDATE)
def test_selinux_must_run_as_validate(case: Any) -> None:
    """selinux/mustrunas_test.go: TestMustRunAsValidate."""
    pod_options, scc_options, expected = case
    exactly(MustRunAsSELinux({"seLinuxOptions": scc_options}).validate("", pod_options), expected)


def test_selinux_run_as_any() -> None:
    """selinux/runasany_test.go: TestRunAsAnyGenerate, TestRunAsAnyValidate."""
    assert RunAsAnySELinux().generate() is None
    assert RunAsAnySELinux().validate("", None) == []


# === sysctl/mustmatchpatterns_test.go ==========================================================================

# TestValidate: (safe allowlist, forbidden, allowed unsafe, allowed, disallowed)
SYSCTLS = {
    "with allow all": (["foo"], None, None, ["foo"], []),
    "empty": (["foo"], ["*"], None, [], ["foo"]),
    "without wildcard": (["a", "a.b"], None, None, ["a", "a.b"], ["b"]),
    "with catch-all wildcard and non-wildcard": ([], None, ["a.b.c", "*"], ["a", "a.b", "a.b.c", "b"], []),
    "without catch-all wildcard": ([], None, ["a.*", "b.*", "c.d.e", "d.e.f.*"],
                                   ["a.b", "b.c", "c.d.e", "d.e.f.g.h"], ["a", "b", "c", "c.d", "d.e", "d.e.f"]),
}


@ids(SYSCTLS)
def test_sysctls_validate(case: Any) -> None:
    safe, forbidden_list, unsafe, allowed, disallowed = case
    strategy = Sysctls(safe, unsafe, forbidden_list)
    assert strategy.validate({"spec": {}}) == []
    pod = {"spec": {"securityContext": {"sysctls": [{"name": s, "value": "dummy"} for s in allowed]}}}
    assert strategy.validate(pod) == []
    for name in disallowed:
        assert strategy.validate({"spec": {"securityContext": {"sysctls": [{"name": name, "value": "x"}]}}})


def test_safe_sysctls_are_upstreams_for_a_current_kernel() -> None:
    """sysctl/mustmatchpatterns_test.go: TestGetSafeSysctlAllowlist, case "kernelVersion is 5.15.0"."""
    assert scc_check.SAFE_SYSCTLS == (
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem")


# === sccmatching/provider_test.go ==============================================================================

def default_scc(**changes: Any) -> Object:
    """provider_test.go's defaultSCC: every strategy RunAsAny, nothing else set (not defaulted)."""
    return {"metadata": {"name": "scc-sa"}, "runAsUser": {"type": "RunAsAny"},
            "seLinuxContext": {"type": "RunAsAny"}, "fsGroup": {"type": "RunAsAny"},
            "supplementalGroups": {"type": "RunAsAny"}, **changes}


def default_pod() -> Object:
    """provider_test.go's defaultPod: empty contexts, one unnamed container with privileged false."""
    return {"metadata": {"annotations": {}},
            "spec": {"securityContext": {}, "containers": [{"name": "", "securityContext": {"privileged": False}}]}}


def pod_with(*changes: tuple[str, Any]) -> Object:
    """default_pod() with dotted paths set (``spec.containers.0.securityContext.runAsUser``)."""
    pod = default_pod()
    for path, value in changes:
        *parents, last = path.split(".")
        target: Any = pod
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target.setdefault(key, {})
        target[last] = value
    return pod


def flex_scc(allow_all_flex: bool, allow_all_volumes: bool) -> Object:
    """provider_test.go's allowFlexVolumesSCC."""
    drivers = [] if allow_all_flex else [{"driver": "example/foo"}, {"driver": "example/bar"}]
    return default_scc(allowedFlexVolumes=drivers, volumes=["*" if allow_all_volumes else "flexVolume"])


SC = "spec.securityContext"
C0 = "spec.containers.0.securityContext"
MUST_RUN_AS_ONE = {"type": "MustRunAs", "ranges": [{"min": 1, "max": 1}]}
SELINUX_FOO = {"type": "MustRunAs", "seLinuxOptions": {"level": "foo"}}
FLEX_UNKNOWN = ("spec.volumes", [{"name": "flex-volume", "flexVolume": {"driver": "example/unknown"}}])
FLEX_BAR = ("spec.volumes", [{"name": "flex-volume", "flexVolume": {"driver": "example/bar"}}])

# TestValidatePodSecurityContextFailures: (pod, SCC, message of the first error)
POD_FAILURES = {
    "failHostNetworkSCC": (pod_with(("spec.hostNetwork", True)), default_scc(), "Host network is not allowed to be used"),
    "failHostPIDSCC": (pod_with(("spec.hostPID", True)), default_scc(), "Host PID is not allowed to be used"),
    "failHostIPCSCC": (pod_with(("spec.hostIPC", True)), default_scc(), "Host IPC is not allowed to be used"),
    "failSupplementalGroupOutOfRange": (pod_with((f"{SC}.supplementalGroups", [999])),
                                        default_scc(supplementalGroups=MUST_RUN_AS_ONE), "999 is not an allowed group"),
    "failSupplementalGroupEmpty": (default_pod(), default_scc(supplementalGroups=MUST_RUN_AS_ONE),
                                   "unable to validate empty groups against required ranges"),
    "failFSGroupOutOfRange": (pod_with((f"{SC}.fsGroup", 999)), default_scc(fsGroup=MUST_RUN_AS_ONE),
                              "999 is not an allowed group"),
    "failFSGroupEmpty": (default_pod(), default_scc(fsGroup=MUST_RUN_AS_ONE),
                         "unable to validate empty groups against required ranges"),
    "failNilSELinux": (default_pod(), default_scc(seLinuxContext=SELINUX_FOO), "seLinuxOptions: Required"),
    "failInvalidSELinux": (pod_with((f"{SC}.seLinuxOptions", {"level": "bar"})), default_scc(seLinuxContext=SELINUX_FOO),
                           "seLinuxOptions.level: Invalid value"),
    "failNoSeccomp": (pod_with(("metadata.annotations", {POD_ANNOTATION: "bar"})), default_scc(),
                      "seccomp may not be set"),
    "failInvalidSeccompPod": (pod_with(("metadata.annotations", {POD_ANNOTATION: "bar"})),
                              default_scc(seccompProfiles=["foo"]),
                              "Forbidden: bar is not an allowed seccomp profile. Valid values are [foo]"),
    "failHostDirSCC": (pod_with(("spec.volumes", [{"name": "bad volume", "hostPath": {}}])), default_scc(),
                       "hostPath volumes are not allowed to be used"),
    "fail pod with disallowed flexVolume when flex volumes are allowed": (pod_with(FLEX_UNKNOWN), flex_scc(False, False),
                                                                          "Flexvolume driver is not allowed to be used"),
    "fail pod with disallowed flexVolume when all volumes are allowed": (pod_with(FLEX_UNKNOWN), flex_scc(False, True),
                                                                         "Flexvolume driver is not allowed to be used"),
    "failSafeSysctlKernelPod with failNoSafeSysctlAllowedSCC": (
        pod_with((f"{SC}.sysctls", [{"name": "kernel.shm_rmid_forced", "value": "1"}])),
        default_scc(forbiddenSysctls=["*"]), 'sysctl "kernel.shm_rmid_forced" is not allowed'),
    "failSafeSysctlKernelPod with failSysctlDisallowedSCC": (
        pod_with((f"{SC}.sysctls", [{"name": "kernel.shm_rmid_forced", "value": "1"}])),
        default_scc(forbiddenSysctls=["kernel.shm_rmid_forced"]), 'sysctl "kernel.shm_rmid_forced" is not allowed'),
    "failUnsafeSysctlPod with failAllUnsafeSysctlsSCC": (
        pod_with((f"{SC}.sysctls", [{"name": "kernel.sem", "value": "32000"}])), default_scc(allowedUnsafeSysctls=[]),
        'unsafe sysctl "kernel.sem" is not allowed'),
    "failInvalidSeccomp": (pod_with(("metadata.annotations", {POD_ANNOTATION: "foo"})), default_scc(),
                           "Forbidden: seccomp may not be set"),
    "failRequireHostUser": (pod_with(("spec.hostUsers", True)), default_scc(userNamespaceLevel="RequirePodLevel"),
                            "spec.hostUsers: Invalid value: true: Host Users must be set to false"),
    "failUnsetRequireHostUser": (default_pod(), default_scc(userNamespaceLevel="RequirePodLevel"),
                                 "spec.hostUsers: Invalid value: null: Host Users must be set to false"),
}


@ids(POD_FAILURES)
def test_validate_pod_security_context_failures(case: Any) -> None:
    pod, scc, expected = case
    errors = Provider(scc).validate_pod_security_context(pod)
    assert errors and expected in errors[0], errors


# TestValidateContainerSecurityContextFailures: (pod, SCC, message of the first error)
CONTAINER_FAILURES = {
    "failUserSCC": (pod_with((f"{C0}.runAsUser", 1)), default_scc(runAsUser={"type": "MustRunAs", "uid": 999}),
                    "runAsUser: Invalid value"),
    "failSELinuxSCC": (pod_with((f"{C0}.seLinuxOptions", {"level": "bar"})), default_scc(seLinuxContext=SELINUX_FOO),
                       "seLinuxOptions.level: Invalid value"),
    "failPrivSCC": (pod_with((f"{C0}.privileged", True)), default_scc(), "Privileged containers are not allowed"),
    "failCapsSCC": (pod_with((f"{C0}.capabilities", {"add": ["foo"]})), default_scc(), "capability may not be added"),
    "failHostPortSCC": (pod_with(("spec.containers.0.ports", [{"hostPort": 1}])), default_scc(),
                        "Host ports are not allowed to be used"),
    "failReadOnlyRootFS - nil": (default_pod(), default_scc(readOnlyRootFilesystem=True),
                                 "ReadOnlyRootFilesystem may not be nil and must be set to true"),
    "failReadOnlyRootFS - false": (pod_with((f"{C0}.readOnlyRootFilesystem", False)),
                                   default_scc(readOnlyRootFilesystem=True), "ReadOnlyRootFilesystem must be set to true"),
    "failNoSeccompAllowed": (pod_with(("metadata.annotations", {CONTAINER_ANNOTATION: "bar"})),
                             default_scc(seccompProfiles=None), "seccomp may not be set"),
    "failInvalidSeccompPod": (pod_with(("metadata.annotations", {CONTAINER_ANNOTATION: "bar"})),
                              default_scc(seccompProfiles=["foo"]),
                              "Forbidden: bar is not an allowed seccomp profile. Valid values are [foo]"),
    "failSeccompContainerAnnotation": (pod_with(("metadata.annotations", {CONTAINER_ANNOTATION: "foo"})),
                                       default_scc(), "Forbidden: seccomp may not be set"),
    "failSeccompContainerPodAnnotation": (pod_with(("metadata.annotations", {POD_ANNOTATION: "foo"})), default_scc(),
                                          "Forbidden: seccomp may not be set"),
}


@ids(CONTAINER_FAILURES)
def test_validate_container_security_context_failures(case: Any) -> None:
    pod, scc, expected = case
    errors = Provider(scc).validate_container_security_context(pod, pod["spec"]["containers"][0], "")
    assert errors and expected in errors[0], errors


SELINUX_FULL = {"user": "user", "role": "role", "type": "type", "level": "level"}
SYSCTL_ALL = default_scc(forbiddenSysctls=[], allowedUnsafeSysctls=["*"])

# TestValidatePodSecurityContextSuccess: (pod, SCC)
POD_SUCCESSES = {
    "pass hostNetwork validating SCC": (pod_with(("spec.hostNetwork", True)), default_scc(allowHostNetwork=True)),
    "pass hostPID validating SCC": (pod_with(("spec.hostPID", True)), default_scc(allowHostPID=True)),
    "pass hostIPC validating SCC": (pod_with(("spec.hostIPC", True)), default_scc(allowHostIPC=True)),
    "pass supplemental group validating SCC": (
        pod_with((f"{SC}.supplementalGroups", [3])),
        default_scc(supplementalGroups={"type": "MustRunAs", "ranges": [{"min": 1, "max": 5}]})),
    "pass fs group validating SCC": (pod_with((f"{SC}.fsGroup", 3)),
                                     default_scc(fsGroup={"type": "MustRunAs", "ranges": [{"min": 1, "max": 5}]})),
    "pass selinux validating SCC": (pod_with((f"{SC}.seLinuxOptions", SELINUX_FULL)),
                                    default_scc(seLinuxContext={"type": "MustRunAs", "seLinuxOptions": SELINUX_FULL})),
    "pass seccomp nil with no profiles": (default_pod(), default_scc(seccompProfiles=None)),
    "pass seccomp empty with no profiles": (pod_with(("metadata.annotations", {POD_ANNOTATION: ""})),
                                            default_scc(seccompProfiles=None)),
    "pass seccomp wild card": (pod_with(("metadata.annotations", {POD_ANNOTATION: "foo"})),
                               default_scc(seccompProfiles=["*"])),
    "pass seccomp specific profile": (pod_with(("metadata.annotations", {POD_ANNOTATION: "foo"})),
                                      default_scc(seccompProfiles=["foo"])),
    "flex volume driver in a whitelist (all volumes are allowed)": (pod_with(FLEX_BAR), flex_scc(False, True)),
    "flex volume driver with empty whitelist (all volumes are allowed)": (pod_with(FLEX_BAR), flex_scc(True, True)),
    "flex volume driver in a whitelist (only flex volumes are allowed)": (pod_with(FLEX_BAR), flex_scc(False, False)),
    "flex volume driver with empty whitelist (only flex volumes volumes are allowed)": (pod_with(FLEX_BAR),
                                                                                      flex_scc(True, False)),
    "pass sysctl specific profile with safe kernel sysctl": (
        pod_with((f"{SC}.sysctls", [{"name": "kernel.shm_rmid_forced", "value": "1"}])), SYSCTL_ALL),
    "pass sysctl specific profile with unsafe kernel sysctl": (
        pod_with((f"{SC}.sysctls", [{"name": "kernel.sem", "value": "32000"}])), SYSCTL_ALL),
    "pass seccomp validating SCC": (pod_with(("metadata.annotations", {POD_ANNOTATION: "foo"})),
                                    default_scc(seccompProfiles=["foo"])),
    "pass user namespace on validating SCC": (pod_with(("spec.hostUsers", False)),
                                              default_scc(userNamespaceLevel="RequirePodLevel")),
    "pass user namespace off validating SCC": (pod_with(("spec.hostUsers", True)),
                                               default_scc(userNamespaceLevel="AllowHostLevel")),
}


@ids(POD_SUCCESSES)
def test_validate_pod_security_context_success(case: Any) -> None:
    pod, scc = case
    assert Provider(scc).validate_pod_security_context(pod) == []


# TestValidateContainerSecurityContextSuccess: (pod, SCC)
CONTAINER_SUCCESSES = {
    "pass user must run as SCC": (pod_with((f"{C0}.runAsUser", 999)),
                                  default_scc(runAsUser={"type": "MustRunAs", "uid": 999})),
    "pass seLinux must run as SCC": (pod_with((f"{C0}.seLinuxOptions", {"level": "foo"})),
                                     default_scc(seLinuxContext=SELINUX_FOO)),
    "pass priv validating SCC": (pod_with((f"{C0}.privileged", True)), default_scc(allowPrivilegedContainer=True)),
    "pass allowed caps validating SCC": (pod_with((f"{C0}.capabilities", {"add": ["foo"]})),
                                         default_scc(allowedCapabilities=["foo"])),
    "pass required caps validating SCC": (pod_with((f"{C0}.capabilities", {"add": ["foo"]})),
                                          default_scc(defaultAddCapabilities=["foo"])),
    "pass hostDir validating SCC": (pod_with(("spec.volumes", [{"name": "bad volume", "hostPath": {}}])),
                                    default_scc(volumes=["hostPath"])),
    "pass hostPort validating SCC": (pod_with(("spec.containers.0.ports", [{"hostPort": 1}])),
                                     default_scc(allowHostPorts=True)),
    "pass read only root fs - nil": (default_pod(), default_scc()),
    "pass read only root fs - false": (pod_with((f"{C0}.readOnlyRootFilesystem", False)), default_scc()),
    "pass read only root fs - true": (pod_with((f"{C0}.readOnlyRootFilesystem", True)), default_scc()),
    "pass seccomp nil with no profiles": (default_pod(), default_scc(seccompProfiles=None)),
    "pass seccomp empty with no profiles": (pod_with(("metadata.annotations", {CONTAINER_ANNOTATION: ""})),
                                            default_scc(seccompProfiles=None)),
    "pass seccomp wild card": (pod_with(("metadata.annotations", {CONTAINER_ANNOTATION: "foo"})),
                               default_scc(seccompProfiles=["*"])),
    "pass seccomp specific profile": (pod_with(("metadata.annotations", {CONTAINER_ANNOTATION: "foo"})),
                                      default_scc(seccompProfiles=["foo"])),
}


@ids(CONTAINER_SUCCESSES)
def test_validate_container_security_context_success(case: Any) -> None:
    pod, scc = case
    assert Provider(scc).validate_container_security_context(pod, pod["spec"]["containers"][0], "") == []


def test_create_security_contexts_do_not_mutate_pod_or_scc() -> None:
    """provider_test.go: TestCreatePodSecurityContextNonmutating, TestCreateContainerSecurityContextNonmutating."""
    for scc in (default_scc(seccompProfiles=["foo"], userNamespaceLevel="AllowHostLevel"),
                default_scc(userNamespaceLevel="AllowHostLevel")):
        pod: Object = {"spec": {"securityContext": {}, "containers": [{"securityContext": {}}]}}
        before, scc_before = copy.deepcopy(pod), copy.deepcopy(scc)
        provider = Provider(scc)
        provider.create_pod_security_context(pod)
        provider.create_container_security_context(pod, pod["spec"]["containers"][0])
        assert pod == before and scc == scc_before


# TestGenerateContainerSecurityContextReadOnlyRootFS: (SCC readOnlyRootFilesystem, container's, expected)
READ_ONLY_ROOT = {
    "false scc, nil sc": (False, None, None),
    "false scc, false sc": (False, False, False),
    "false scc, true sc": (False, True, True),
    "true scc, nil sc": (True, None, True),
    "true scc, false sc": (True, False, False),
    "true scc, true sc": (True, True, True),
}


@ids(READ_ONLY_ROOT)
def test_generate_container_security_context_read_only_root_fs(case: Any) -> None:
    scc_value, pod_value, expected = case
    pod = default_pod() if pod_value is None else pod_with((f"{C0}.readOnlyRootFilesystem", pod_value))
    context = Provider(default_scc(readOnlyRootFilesystem=scc_value)).create_container_security_context(
        pod, pod["spec"]["containers"][0])
    assert (context or {}).get("readOnlyRootFilesystem") == expected


RANGE_100_900 = {"type": "MustRunAsRange", "uidRangeMin": 100, "uidRangeMax": 900}
RANGE_0_900 = {"type": "MustRunAsRange", "uidRangeMin": 0, "uidRangeMax": 900}
NON_ROOT = {"type": "MustRunAsNonRoot"}

# TestGenerateNonRootSecurityContextOnNonZeroRunAsUser: (pod changes, runAsUser options, expected container context)
NON_ROOT_GENERATION = {
    "generate non-zero user": ((), RANGE_100_900, {"runAsUser": 100, "runAsNonRoot": True, "privileged": False}),
    "generate zero user": ((), RANGE_0_900, {"runAsUser": 0, "privileged": False}),
    "nonzero user set on pod level": (((f"{SC}.runAsUser", 500),), RANGE_100_900,
                                      {"runAsNonRoot": True, "privileged": False}),
    "nonzero user set on container level": (((f"{C0}.runAsUser", 500),), RANGE_100_900,
                                            {"runAsUser": 500, "runAsNonRoot": True, "privileged": False}),
    "zero user set on pod level": (((f"{SC}.runAsUser", 0),), RANGE_0_900, {"privileged": False}),
    "zero user set on container level": (((f"{C0}.runAsUser", 0),), RANGE_0_900, {"runAsUser": 0, "privileged": False}),
    "no user set, nonroot SCC": ((), NON_ROOT, {"runAsNonRoot": True, "privileged": False}),
    "zero user set on pod level, nonroot SCC": (((f"{SC}.runAsUser", 0),), NON_ROOT, {"privileged": False}),
    "zero user set on container level, nonroot SCC": (((f"{C0}.runAsUser", 0),), NON_ROOT,
                                                      {"runAsUser": 0, "privileged": False}),
}


@ids(NON_ROOT_GENERATION)
def test_generate_non_root_security_context(case: Any) -> None:
    changes, user, expected = case
    pod = pod_with(*changes)
    context = Provider(default_scc(runAsUser=user)).create_container_security_context(pod, pod["spec"]["containers"][0])
    assert context == expected


@pytest.mark.parametrize("source", list(scc_check.FS_TYPES))
def test_validate_allowed_volumes(source: str) -> None:
    """provider_test.go: TestValidateAllowedVolumes: every volume source is refused by an SCC allowing no volume,
    admitted once its FSType is listed, and under ``*``."""
    pod = pod_with(("spec.volumes", [{"name": "v", source: {}}]))
    kind = scc_check.FS_TYPES[source]
    errors = Provider(default_scc()).validate_pod_security_context(pod)
    assert len(errors) == 1 and f"{kind} volumes are not allowed to be used" in errors[0]
    assert Provider(default_scc(volumes=[kind])).validate_pod_security_context(pod) == []
    assert Provider(default_scc(volumes=["*"])).validate_pod_security_context(pod) == []


def token_sources(**replace: Object) -> list[Object]:
    """provider_test.go's projectedVolumeCreator: FullValid() with some sources replaced or added by key."""
    sources = {
        "sa": {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}},
        "kube-root-ca": {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        "openshift-service-ca": {"configMap": {"name": "openshift-service-ca.crt",
                                               "items": [{"key": "service-ca.crt", "path": "service-ca.crt"}]}},
        "downward-api": {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
            "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
    }
    return list({**sources, **replace}.values())


# TestValidateProjectedVolume: (allowed volumes, projected sources, allowed?)
PROJECTED = {
    "deny if secret is not allowed": (["emptyDir"], token_sources(), False),
    "deny if the projected volume has volume source other than the ones in projected volume injected by service "
    "account token admission plugin": (["secret"], [{"configMap": {"name": "foo-ca.crt",
                                                                    "items": [{"key": "ca.crt", "path": "ca.crt"}]}}],
                                       False),
    "allow if secret is allowed and the projected volume sources equals to the ones injected by service account "
    "admission plugin": (["secret"], token_sources(), True),
    "deny if the SA has a slightly different path": (["secret"], token_sources(sa={"serviceAccountToken": {
        "path": "notAToken", "expirationSeconds": 3607}}), False),
    "deny if there's an unknown CM": (["secret"], token_sources(**{"random-key": {"configMap": {
        "name": "unknown-local-reference", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}}), False),
    "deny if the kube-root-ca has wrong paths": (["secret"], token_sources(**{"kube-root-ca": {"configMap": {
        "name": "openshift-service-ca.crt", "items": [{"key": "allow-all.crt", "path": "ca.crt"}]}}}), False),
    "deny if the openshift-ca has wrong paths": (["secret"], token_sources(**{"openshift-service-ca": {"configMap": {
        "name": "openshift-service-ca.crt", "items": [{"key": "malicious.crt", "path": "service-ca.crt"}]}}}), False),
    "deny if the downward API sets an unknown fieldPath": (["secret"], token_sources(**{"downward-api": {
        "downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1",
                                                                      "fieldPath": "spec.serviceAccount"}}]}}}), False),
}


@ids(PROJECTED)
def test_validate_projected_volume(case: Any) -> None:
    volumes, sources, allowed = case
    pod = pod_with(("spec.volumes", [{"name": "", "projected": {"sources": sources}}]))
    errors = Provider(default_scc(volumes=volumes)).validate_pod_security_context(pod)
    if allowed:
        assert errors == []
    else:
        assert any("projected volumes are not allowed to be used" in e for e in errors), errors


def test_validate_allow_privilege_escalation() -> None:
    """provider_test.go: TestValidateAllowPrivilegeEscalation (its four steps)."""
    message = "Allowing privilege escalation for containers is not allowed"
    pod = pod_with((f"{C0}.allowPrivilegeEscalation", True))
    container = pod["spec"]["containers"][0]
    errors = Provider(default_scc(allowPrivilegeEscalation=False)).validate_container_security_context(pod, container, "")
    assert len(errors) == 1 and message in errors[0]
    assert Provider(default_scc(allowPrivilegeEscalation=True)).validate_container_security_context(
        pod, container, "") == []
    del container["securityContext"]["allowPrivilegeEscalation"]
    errors = Provider(default_scc(allowPrivilegeEscalation=False)).validate_container_security_context(pod, container, "")
    assert len(errors) == 1 and message in errors[0]
    assert Provider(default_scc(allowPrivilegeEscalation=True)).validate_container_security_context(
        pod, container, "") == []


NO_SECCOMP, WILDCARD, GENERATES = default_scc(), default_scc(seccompProfiles=["*"]), \
    default_scc(seccompProfiles=["runtime/default"])
UNCONFINED_POD_ANNOTATION = {POD_ANNOTATION: "unconfined"}
UNCONFINED_CONTAINER_ANNOTATION = {CONTAINER_ANNOTATION: "unconfined"}
RUNTIME_DEFAULT_ANNOTATION = {POD_ANNOTATION: "runtime/default"}
SOMELOCAL = localhost("somelocal")

# TestSeccompAnnotationsFieldsGeneration: (SCC, pod annotations, pod field, container field,
#                                          expected annotations, expected pod field, expected container field)
SECCOMP_GENERATION = {
    "pod - no seccomp, SCC - no seccomp": (NO_SECCOMP, {}, None, None, {}, None, None),
    "pod - no seccomp, SCC - wildcard seccomp": (WILDCARD, {}, None, None, {}, None, None),
    "pod - no seccomp, SCC - generate seccomp": (GENERATES, {}, None, None, RUNTIME_DEFAULT_ANNOTATION,
                                                 RUNTIME_DEFAULT, None),
    "pod - pod annotation, SCC - no seccomp": (NO_SECCOMP, UNCONFINED_POD_ANNOTATION, None, None,
                                               UNCONFINED_POD_ANNOTATION, UNCONFINED, None),
    "pod - pod annotation, SCC - wildcard seccomp": (WILDCARD, UNCONFINED_POD_ANNOTATION, None, None,
                                                     UNCONFINED_POD_ANNOTATION, UNCONFINED, None),
    "pod - pod annotation, SCC - generate seccomp": (GENERATES, UNCONFINED_POD_ANNOTATION, None, None,
                                                     UNCONFINED_POD_ANNOTATION, UNCONFINED, None),
    "pod - pod field, SCC - no seccomp": (NO_SECCOMP, {}, UNCONFINED, None, UNCONFINED_POD_ANNOTATION, UNCONFINED,
                                          None),
    "pod - pod field, SCC - wildcard seccomp": (WILDCARD, {}, UNCONFINED, None, UNCONFINED_POD_ANNOTATION, UNCONFINED,
                                                None),
    "pod - pod field, SCC - generate seccomp": (GENERATES, {}, UNCONFINED, None, UNCONFINED_POD_ANNOTATION,
                                                UNCONFINED, None),
    "pod - container annotation, SCC - no seccomp": (NO_SECCOMP, UNCONFINED_CONTAINER_ANNOTATION, None, None,
                                                     UNCONFINED_CONTAINER_ANNOTATION, None, UNCONFINED),
    "pod - container annotation, SCC - wildcard seccomp": (WILDCARD, UNCONFINED_CONTAINER_ANNOTATION, None, None,
                                                           UNCONFINED_CONTAINER_ANNOTATION, None, UNCONFINED),
    "pod - container annotation, SCC - generate seccomp": (GENERATES, UNCONFINED_CONTAINER_ANNOTATION, None, None,
                                                           {**RUNTIME_DEFAULT_ANNOTATION,
                                                            **UNCONFINED_CONTAINER_ANNOTATION},
                                                           RUNTIME_DEFAULT, UNCONFINED),
    "pod - container field, SCC - no seccomp": (NO_SECCOMP, {}, None, UNCONFINED, {}, None, UNCONFINED),
    "pod - container field, SCC - wildcard seccomp": (WILDCARD, {}, None, UNCONFINED, {}, None, UNCONFINED),
    "pod - container field, SCC - generate seccomp": (GENERATES, {}, None, UNCONFINED, RUNTIME_DEFAULT_ANNOTATION,
                                                      RUNTIME_DEFAULT, UNCONFINED),
    "pod - pod field and annotation different, SCC - generate seccomp": (GENERATES, UNCONFINED_POD_ANNOTATION,
                                                                         SOMELOCAL, None, UNCONFINED_POD_ANNOTATION,
                                                                         UNCONFINED, None),
    "pod - container field and annotation different, SCC - generate seccomp": (
        GENERATES, UNCONFINED_CONTAINER_ANNOTATION, None, SOMELOCAL,
        {**UNCONFINED_CONTAINER_ANNOTATION, **RUNTIME_DEFAULT_ANNOTATION}, RUNTIME_DEFAULT, UNCONFINED),
}


@ids(SECCOMP_GENERATION)
def test_seccomp_annotations_fields_generation(case: Any) -> None:
    scc, annotations, pod_field, container_field, want_annotations, want_pod, want_container = case
    pod = pod_with(("metadata.annotations", dict(annotations)))
    if pod_field:
        pod["spec"]["securityContext"]["seccompProfile"] = pod_field
    if container_field:
        pod["spec"]["containers"][0]["securityContext"]["seccompProfile"] = container_field
    provider = Provider(scc)
    context, generated = provider.create_pod_security_context(pod)
    assert generated == want_annotations and context.get("seccompProfile") == want_pod
    container = provider.create_container_security_context(pod, pod["spec"]["containers"][0])
    assert (container or {}).get("seccompProfile") == want_container


# === sccmatching/matcher_test.go ===============================================================================

def privileged_container(privileged: bool) -> Object:
    return {"name": "", "securityContext": {"privileged": privileged}}


# TestAssignSecurityContext: (containers, init containers, ephemeral containers, should validate)
ASSIGN = {
    "pod and container SC is not changed when invalid": ([True], [], [], False),
    "must validate all containers": ([False, True], [], [], False),
    "pod validates": ([False], [], [], True),
    "init containers are being checked - fail": ([False], [False, True], [], False),
    "init containers are being checked - pass": ([False], [False, False], [], True),
    "ephemeral containers are being checked - fail": ([False], [], [False, True], False),
    "ephemeral containers are being checked - pass": ([False], [], [False, False], True),
}


@ids(ASSIGN)
def test_assign_security_context(case: Any) -> None:
    regular, init, ephemeral, should_validate = case
    scc = {"metadata": {"name": "test scc"}, "seLinuxContext": {"type": "RunAsAny"},
           "runAsUser": {"type": "MustRunAs", "uid": 9999}, "fsGroup": MUST_RUN_AS_ONE,
           "supplementalGroups": {"type": "RunAsAny"}}
    for swap in (False, True):  # upstream runs each case twice, swapping containers and init containers
        first, second = (init, regular) if swap else (regular, init)
        pod = {"spec": {"securityContext": {}, "containers": [privileged_container(p) for p in first],
                        "initContainers": [privileged_container(p) for p in second],
                        "ephemeralContainers": [privileged_container(p) for p in ephemeral]}}
        assert (scc_check.assign_security_context(Provider(scc), pod)[1] == []) == should_validate


# TestParseSupplementalGroupAnnotation: annotation -> blocks (None: fails)
SUPPLEMENTAL_BLOCKS = {
    "single block slash": ("1/5", [(1, 5)]),
    "single block dash": ("1-5", [(1, 5)]),
    "multiple blocks": ("1/5,6/5,11/5", [(1, 5), (6, 10), (11, 15)]),
    "dash format": ("1-5,6-10,11-15", [(1, 5), (6, 10), (11, 15)]),
    "no blocks": ("", None),
}


@ids(SUPPLEMENTAL_BLOCKS)
def test_parse_supplemental_group_annotation(case: Any) -> None:
    text, expected = case
    annotations = {scc_check.SUPPLEMENTAL_GROUPS_ANNOTATION: text}
    if expected is None:
        with pytest.raises(ValueError):
            scc_check.group_blocks(annotations)
    else:
        assert scc_check.group_blocks(annotations) == expected


# TestGetPreallocatedFSGroup and TestGetPreallocatedSupplementalGroups: namespace annotations ->
# (fsGroup ranges, supplemental ranges); None: fails
PREALLOCATED = {
    "fall back to uid if sup group doesn't exist": ({scc_check.UID_RANGE_ANNOTATION: "1/5"}, [(1, 1)], [(1, 5)]),
    "no annotation": ({}, None, None),
    "empty annotation": ({scc_check.SUPPLEMENTAL_GROUPS_ANNOTATION: ""}, None, None),
    "bad block": ({scc_check.SUPPLEMENTAL_GROUPS_ANNOTATION: "foo"}, None, None),
    "good sup group annotation": ({scc_check.SUPPLEMENTAL_GROUPS_ANNOTATION: "1/5"}, [(1, 1)], [(1, 5)]),
}


@ids(PREALLOCATED)
def test_preallocated_groups(case: Any) -> None:
    annotations, fs_groups, supplemental = case
    full = {scc_check.UID_RANGE_ANNOTATION: "100/5", scc_check.MCS_ANNOTATION: "s0:c1,c0", **annotations}
    if fs_groups is None:
        with pytest.raises(ValueError):
            scc_check.group_blocks(annotations)
    else:
        ranges = NamespaceRanges.from_annotations(full)
        assert ranges.fs_group_ranges == fs_groups and ranges.supplemental_ranges == supplemental


# === util/sort/*_test.go =======================================================================================

def prioritized(name: str, priority: int, **changes: Any) -> Object:
    return {"metadata": {"name": name}, "priority": priority, **changes}


@pytest.mark.parametrize(("sccs", "expected"), [
    ([prioritized("one", 1), prioritized("two", 2), prioritized("three", 3), prioritized("negative", -1),
      prioritized("super", 100)], ["super", "three", "two", "one", "negative"]),
    ([prioritized("nonprivileged", 1), prioritized("privileged", 1, allowPrivilegedContainer=True),
      prioritized("hostdir", 1, volumes=["hostPath"])], ["nonprivileged", "hostdir", "privileged"]),
    ([prioritized(n, 1) for n in "edacb"], ["a", "b", "c", "d", "e"]),
    ([prioritized("priorityB", 5), prioritized("priorityA", 5), prioritized("super", 100),
      prioritized("privileged", 1, allowPrivilegedContainer=True), prioritized("nonprivileged", 1)],
     ["super", "priorityA", "priorityB", "nonprivileged", "privileged"]),
], ids=["TestByPriority", "TestByPrioritiesScore", "TestByPrioritiesName", "TestByPrioritiesMixedSCCs"])
def test_by_priority(sccs: list[Object], expected: list[str]) -> None:
    """util/sort/bypriority_test.go."""
    assert [s["metadata"]["name"] for s in scc_check.by_priority(sccs)] == expected


@pytest.mark.parametrize("user", ["RunAsAny", "MustRunAsNonRoot", "MustRunAsRange", "MustRunAs"])
@pytest.mark.parametrize("selinux_type", ["RunAsAny", "MustRunAs"])
def test_point_value(user: str, selinux_type: str) -> None:
    """util/sort/byrestrictions_test.go: TestPointValue."""
    points = {"RunAsAny": 40_000, "MustRunAsNonRoot": 30_000, "MustRunAsRange": 20_000, "MustRunAs": 10_000}
    for privileged in (True, False):
        scc = {"allowPrivilegedContainer": privileged, "seLinuxContext": {"type": selinux_type},
               "runAsUser": {"type": user}}
        assert scc_check.point_value(scc) == (1_600_000 if privileged else 0) + points[user] + points[selinux_type] \
            + 5000
    scc = {"seLinuxContext": {"type": "MustRunAs"}, "runAsUser": {"type": "MustRunAs"}, "volumes": ["hostPath"]}
    assert scc_check.point_value(scc) == 10_000 + 10_000 + 200_000 + 5000


# TestVolumePointValue: volumes -> points
VOLUME_POINTS = {
    "all volumes": (["*"], 200_000), "host volume": (["hostPath"], 200_000),
    "host volume and non trivial volumes": (["hostPath", "awsElasticBlockStore"], 200_000),
    "host volume, non trivial, and trivial": (["hostPath", "awsElasticBlockStore", "secret"], 200_000),
    "non trivial": (["awsElasticBlockStore"], 100_000),
    "non trivial and trivial": (["awsElasticBlockStore", "secret"], 100_000), "trivial": (["secret"], 0),
    "trivial - secret": (["secret"], 0), "trivial - configMap": (["configMap"], 0),
    "trivial - emptyDir": (["emptyDir"], 0), "trivial - downwardAPI": (["downwardAPI"], 0),
    "trivial - projected": (["projected"], 0), "trivial - none": (["none"], 0), "no volumes allowed": ([], 0),
    "nil volumes": (None, 0),
}


@ids(VOLUME_POINTS)
def test_volume_point_value(case: Any) -> None:
    volumes, expected = case
    assert scc_check.volume_points({"volumes": volumes}) == expected


# === sccadmission/admission_test.go ============================================================================

TEST_NAMESPACE = NamespaceRanges.from_annotations({scc_check.UID_RANGE_ANNOTATION: "1/3",
                                                   scc_check.MCS_ANNOTATION: "s0:c1,c0",
                                                   scc_check.SUPPLEMENTAL_GROUPS_ANNOTATION: "2/3"})


def lax_scc(name: str = "lax", **changes: Any) -> Object:
    """admission_test.go's laxSCC."""
    return {"metadata": {"name": name}, "allowPrivilegedContainer": True, "allowHostNetwork": True,
            "allowHostPorts": True, "allowHostPID": True, "allowHostIPC": True, "runAsUser": {"type": "RunAsAny"},
            "seLinuxContext": {"type": "RunAsAny"}, "fsGroup": {"type": "RunAsAny"},
            "supplementalGroups": {"type": "RunAsAny"}, "groups": ["system:serviceaccounts"], **changes}


def restrictive_scc(name: str = "restrictive", **changes: Any) -> Object:
    """admission_test.go's restrictiveSCC (saExactSCC is the same with another name)."""
    exact = {"type": "MustRunAs", "ranges": [{"min": 999, "max": 999}]}
    return {"metadata": {"name": name}, "runAsUser": {"type": "MustRunAs", "uid": 999},
            "seLinuxContext": {"type": "MustRunAs", "seLinuxOptions": {"level": "s9:z0,z1"}},
            "fsGroup": exact, "supplementalGroups": exact, "groups": ["system:serviceaccounts"], **changes}


def sa_scc() -> Object:
    """admission_test.go's saSCC: every strategy from the namespace's allocation."""
    return {"metadata": {"name": "scc-sa"}, "runAsUser": {"type": "MustRunAsRange"},
            "seLinuxContext": {"type": "MustRunAs"}, "fsGroup": {"type": "MustRunAs"},
            "supplementalGroups": {"type": "MustRunAs"}, "groups": ["system:serviceaccounts"]}


def good_spec() -> Object:
    """admission_test.go's goodPod: empty contexts, ServiceAccount default."""
    return {"serviceAccountName": "default", "securityContext": {}, "containers": [{"securityContext": {}}]}


def admit(spec: Object, sccs: list[Object], annotations: dict[str, str] | None = None) -> Object:
    """SCC admission on creation in namespace "default" (uid 1/3, mcs s0:c1,c0, groups 2/3) of the test's SCCs."""
    pod = PodTemplate("Pod/default/test", "default", spec.get("serviceAccountName", "default"), spec, annotations)

    def usable(scc: Object) -> bool:
        return scc_check.applies_to(scc, "default", pod.service_account, [])

    return scc_check.admit(pod, sccs, usable, TEST_NAMESPACE)


def with_caps(caps: Object | None, where: int) -> Object:
    spec = good_spec()
    if caps is None:
        return spec
    spec["containers"][0]["securityContext"]["capabilities"] = caps
    if where == 1:  # init containers
        spec["initContainers"], spec["containers"] = spec["containers"], []
    elif where == 2:  # ephemeral containers
        spec["ephemeralContainers"], spec["containers"] = spec["containers"], []
    return spec


FOO_ADD, FOO_DROP = {"add": ["foo"]}, {"drop": ["foo"]}
ALLOWS_FOO = restrictive_scc("allowCapInAllowed", allowedCapabilities=["foo"])
REQUIRES_FOO = restrictive_scc("allowCapInRequired", defaultAddCapabilities=["foo"])
DROPS_FOO = restrictive_scc("requireDrop", requiredDropCapabilities=["foo"])
ALLOWS_ALL = restrictive_scc("allowAllCapsInAllowed", allowedCapabilities=["*"])

# TestAdmitCaps: (requested caps, SCCs, should pass, expected caps after admission)
ADMIT_CAPS = {
    "should reject cap add when not allowed or required": (FOO_ADD, [restrictive_scc()], False, None),
    "should accept cap add when in allowed": (FOO_ADD, [restrictive_scc(), ALLOWS_FOO], True, None),
    "should accept cap add when in required": (FOO_ADD, [restrictive_scc(), REQUIRES_FOO], True, None),
    "should reject cap add when requested cap is required to be dropped": (FOO_ADD, [restrictive_scc(), DROPS_FOO],
                                                                           False, None),
    "should accept cap drop when cap is required to be dropped": (FOO_DROP, [restrictive_scc(), DROPS_FOO], True,
                                                                  None),
    "required add is defaulted": (None, [REQUIRES_FOO], True, FOO_ADD),
    "required drop is defaulted": (None, [DROPS_FOO], True, FOO_DROP),
    "should accept cap add when all caps are allowed": (FOO_ADD, [restrictive_scc(), ALLOWS_ALL], True, None),
}


@ids(ADMIT_CAPS)
@pytest.mark.parametrize("where", [0, 1, 2], ids=["containers", "initContainers", "ephemeralContainers"])
def test_admit_caps(case: Any, where: int) -> None:
    caps, sccs, should_pass, expected = case
    result = admit(with_caps(caps, where), sccs)
    assert (result["admitted_by"] is not None) == should_pass, result["refused"]
    if expected is not None:
        assert [c["securityContext"]["capabilities"] for c in scc_check.containers(result["pod"]["spec"])] == \
            [expected]


def container_context(**fields: Any) -> Object:
    return {"securityContext": {}, "containers": [{"securityContext": fields}]}


# TestAdmitSuccess: (pod change, expected pod securityContext, expected container securityContext)
ADMIT_SUCCESS = {
    "specifyUIDInRange": (("c", "runAsUser", 3), {"fsGroup": 2, "supplementalGroups": [2]},
                          {"runAsUser": 3, "runAsNonRoot": True}),
    "specifyLabels": (("c", "seLinuxOptions", {"level": "s0:c1,c0"}), {"fsGroup": 2, "supplementalGroups": [2]},
                      {"runAsUser": 1, "runAsNonRoot": True, "seLinuxOptions": {"level": "s0:c1,c0"}}),
    "specifyFSGroup": (("p", "fsGroup", 2), {"fsGroup": 2, "supplementalGroups": [2]},
                       {"runAsUser": 1, "runAsNonRoot": True}),
    "specifySupGroup": (("p", "supplementalGroups", [3]), {"fsGroup": 2, "supplementalGroups": [3]},
                        {"runAsUser": 1, "runAsNonRoot": True}),
    "specifyPodLevelSELinuxLevel": (("p", "seLinuxOptions", {"level": "s0:c1,c0"}),
                                    {"fsGroup": 2, "supplementalGroups": [2]}, {"runAsUser": 1, "runAsNonRoot": True}),
}


@ids(ADMIT_SUCCESS)
@pytest.mark.parametrize("init", [False, True], ids=["containers", "initContainers"])
def test_admit_success(case: Any, init: bool) -> None:
    (level, key, value), pod_context, container = case
    spec = good_spec()
    target = spec["securityContext"] if level == "p" else spec["containers"][0]["securityContext"]
    target[key] = value
    if init:
        spec["initContainers"], spec["containers"] = spec["containers"], []
    result = admit(spec, [restrictive_scc("scc-sa-exact"), sa_scc()])
    assert result["admitted_by"] == "scc-sa", result["refused"]
    admitted = result["pod"]["spec"]
    assert admitted["securityContext"] == {**pod_context, "seLinuxOptions": {"level": "s0:c1,c0"}}
    assert next(scc_check.containers(admitted))["securityContext"] == container


# TestAdmitFailure: (where, field, value): refused by saExactSCC and saSCC, admitted by a lax "scc-admin"
ADMIT_FAILURE = {
    "uidNotInRange": ("c", "runAsUser", 1001),
    "invalidMCSLabels": ("c", "seLinuxOptions", {"level": "s1:q0,q1"}),
    "disallowedPriv": ("c", "privileged", True),
    "requestsHostNetwork": ("s", "hostNetwork", True),
    "requestsHostPorts": ("port", "ports", [{"hostPort": 1}]),
    "requestsHostPID": ("s", "hostPID", True),
    "requestsHostIPC": ("s", "hostIPC", True),
    "requestsSupplementalGroup": ("p", "supplementalGroups", [1]),
    "requestsFSGroup": ("p", "fsGroup", 1),
    "requestsPodLevelMCS": ("p", "seLinuxOptions", {"user": "user", "type": "type", "role": "role",
                                                    "level": "level"}),
}


@ids(ADMIT_FAILURE)
@pytest.mark.parametrize("init", [False, True], ids=["containers", "initContainers"])
def test_admit_failure(case: Any, init: bool) -> None:
    where, key, value = case
    spec = good_spec()
    container = spec["containers"][0]
    {"c": container["securityContext"], "p": spec["securityContext"], "s": spec, "port": container}[where][key] = value
    if init:
        spec["initContainers"], spec["containers"] = spec["containers"], []
    assert admit(spec, [restrictive_scc("scc-sa-exact"), sa_scc()])["admitted_by"] is None
    assert admit(spec, [restrictive_scc("scc-sa-exact"), sa_scc(), lax_scc("scc-admin")])["admitted_by"] == "scc-admin"


def test_admit_with_prioritized_scc() -> None:
    """admission_test.go: TestAdmitWithPrioritizedSCC (the sort, then which SCC admits which pod)."""
    restricted = restrictive_scc(priority=100)
    one = lax_scc("matchingPrioritySCCOne", runAsUser={"type": "MustRunAs", "uid": 5}, priority=5)
    one_no_groups = {**copy.deepcopy(one), "metadata": {"name": "matchingPrioritySCCOneNoAllowedGroups"}, "groups": []}
    two = lax_scc("matchingPrioritySCCTwo", runAsUser={"type": "MustRunAsRange", "uidRangeMin": 5, "uidRangeMax": 5},
                  priority=5)
    score_one = lax_scc("matchingPriorityAndScoreSCCOne", runAsUser={"type": "MustRunAs", "uid": 6}, priority=1)
    score_two = lax_scc("matchingPriorityAndScoreSCCTwo", runAsUser={"type": "MustRunAs", "uid": 6}, priority=1)
    sccs = [score_two, score_one, two, one, restricted, one_no_groups]
    assert [s["metadata"]["name"] for s in scc_check.by_priority(sccs)] == [
        "restrictive", "matchingPrioritySCCOne", "matchingPrioritySCCOneNoAllowedGroups", "matchingPrioritySCCTwo",
        "matchingPriorityAndScoreSCCOne", "matchingPriorityAndScoreSCCTwo"]

    def uid(value: int) -> Object:
        spec = good_spec()
        spec["containers"][0]["securityContext"]["runAsUser"] = value
        return spec

    assert admit(good_spec(), sccs)["admitted_by"] == "restrictive"
    assert admit(uid(5), sccs)["admitted_by"] == "matchingPrioritySCCOne"
    assert admit(uid(6), sccs)["admitted_by"] == "matchingPriorityAndScoreSCCOne"
    required = scc_check.REQUIRED_SCC_ANNOTATION
    assert admit(uid(5), sccs, {required: "matchingPrioritySCCTwo"})["admitted_by"] == "matchingPrioritySCCTwo"
    refused = admit(uid(5), sccs, {required: "matchingPriorityAndScoreSCCOne"})
    assert refused["admitted_by"] is None
    assert "runAsUser: Invalid value: 5: must be: 6" in refused["refused"]["matchingPriorityAndScoreSCCOne"][0]
    missing = admit(uid(5), sccs, {required: "does-not-exist"})
    assert 'failed to retrieve the required SCC "does-not-exist"' in missing["refused"]["does-not-exist"][0]
    unusable = admit(uid(5), sccs, {required: "matchingPrioritySCCOneNoAllowedGroups"})
    assert unusable["refused"] == {"matchingPrioritySCCOneNoAllowedGroups": ["not usable by user or serviceaccount"]}


def seccomp_spec_and_annotations(pod_profile: str, container_profile: str) -> tuple[Object, dict[str, str]]:
    spec = good_spec()
    spec["containers"][0]["name"] = "container"
    annotations = {}
    if pod_profile:
        annotations[POD_ANNOTATION] = pod_profile
    if container_profile:
        annotations[CONTAINER_ANNOTATION + "container"] = container_profile
    return spec, annotations


NO_SECCOMP_SCC = restrictive_scc("noseccomp")
FOO_SECCOMP_SCC = restrictive_scc("seccomp", seccompProfiles=["foo"])
WILDCARD_SECCOMP_SCC = restrictive_scc("wildcard", seccompProfiles=["*"])

# TestAdmitSeccomp: (pod annotation, container annotation, SCC, admitted by (None: refused), pod annotation after)
ADMIT_SECCOMP = {
    "no seccomp, no requests": ("", "", NO_SECCOMP_SCC, "noseccomp", None),
    "no seccomp, bad container requests": ("foo", "bar", NO_SECCOMP_SCC, None, None),
    "seccomp, no requests": ("", "", FOO_SECCOMP_SCC, "seccomp", "foo"),
    "seccomp, valid pod annotation, no container annotation": ("foo", "", FOO_SECCOMP_SCC, "seccomp", "foo"),
    "seccomp, no pod annotation, valid container annotation": ("", "foo", FOO_SECCOMP_SCC, "seccomp", "foo"),
    "seccomp, valid pod annotation, invalid container annotation": ("foo", "bar", FOO_SECCOMP_SCC, None, None),
    "wild card, no requests": ("", "", WILDCARD_SECCOMP_SCC, "wildcard", None),
    "wild card, requests": ("foo", "bar", WILDCARD_SECCOMP_SCC, "wildcard", "foo"),
}


@ids(ADMIT_SECCOMP)
def test_admit_seccomp(case: Any) -> None:
    pod_profile, container_profile, scc, admitted_by, annotation = case
    spec, annotations = seccomp_spec_and_annotations(pod_profile, container_profile)
    result = admit(spec, [scc], annotations)
    assert result["admitted_by"] == admitted_by, result["refused"]
    if annotation:
        assert result["pod"]["metadata"]["annotations"][POD_ANNOTATION] == annotation


# === what the API server stores (sccdefaults/defaults.go, SetDefaults_SCC) =====================================

@pytest.mark.parametrize(("volumes", "host_dir", "expected"), [
    (None, False, sorted(scc_check.ALL_FS_TYPES - {"hostPath"})),  # nil volumes: everything but host paths
    (None, True, ["*"]),
    ([], True, ["hostPath"]),
    ([], False, ["none"]),
    (["*"], False, sorted(scc_check.ALL_FS_TYPES - {"hostPath"})),
    (["configMap", "hostPath"], False, ["configMap"]),  # the boolean wins
    (["configMap"], True, ["configMap", "hostPath"]),
])
def test_scc_defaults_reconcile_volumes_with_host_dir(volumes: list[str] | None, host_dir: bool,
                                                      expected: list[str]) -> None:
    scc = scc_check.scc_defaults({"metadata": {"name": "x"}, "volumes": volumes, "allowHostDirVolumePlugin": host_dir})
    assert scc["volumes"] == expected
    assert scc["allowPrivilegeEscalation"] is True and scc["fsGroup"] == {"type": "RunAsAny"}
