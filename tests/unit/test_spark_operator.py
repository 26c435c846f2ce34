"""The spark-operator component: CRDs, namespaced RBAC, the controller Deployment and its readiness."""

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from odh_operator import kinds
from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components.spark_operator import COMPONENT, job_namespaces
from odh_operator.render import render_component
from tests.unit.component_helpers import INSTANCE, full_spec, spec_with

Object = dict[str, Any]
ROOT = Path(__file__).resolve().parents[2]
DATA = "opendatahub.io/data"
IMAGE = "ghcr.io/kubeflow/spark-operator/controller:2.5.2"
K8S_SCHEMA_VERSION = "1.36.0"


def spec_of(spark: dict[str, Any], **top: Any) -> OpenDataHubSpec:
    return spec_with("sparkOperator", spark, **top)


def render(spec: OpenDataHubSpec) -> list[Object]:
    return render_component(COMPONENT, spec, INSTANCE)


def find(objects: list[Object], kind: str, name: str, namespace: str = "opendatahub") -> Object:
    matches = [
        o for o in objects
        if (o["kind"], o["metadata"]["name"], o["metadata"].get("namespace", namespace)) == (kind, name, namespace)
    ]
    assert len(matches) == 1, f"{kind}/{name} in {namespace}: {len(matches)} found"
    return matches[0]


def deployment(objects: list[Object]) -> Object:
    return find(objects, "Deployment", "spark-operator-controller")


def controller(objects: list[Object]) -> Object:
    container: Object = deployment(objects)["spec"]["template"]["spec"]["containers"][0]
    return container


def args(objects: list[Object]) -> list[str]:
    values: list[str] = controller(objects)["args"]
    return values


def test_full_example_renders_crds_rbac_and_controller() -> None:
    objects = render(full_spec())
    names = {(o["kind"], o["metadata"]["name"]) for o in objects}
    assert names == {
        ("CustomResourceDefinition", "sparkapplications.sparkoperator.k8s.io"),
        ("CustomResourceDefinition", "scheduledsparkapplications.sparkoperator.k8s.io"),
        ("CustomResourceDefinition", "sparkconnects.sparkoperator.k8s.io"),
        ("ServiceAccount", "spark-operator"),
        ("ServiceAccount", "spark"),
        ("Role", "spark-operator-controller"),
        ("RoleBinding", "spark-operator-controller"),
        ("Role", "spark-driver"),
        ("RoleBinding", "spark-driver"),
        ("Deployment", "spark-operator-controller"),
    }
    for obj in objects:
        if obj["kind"] != "CustomResourceDefinition":
            assert obj["metadata"]["namespace"] == "opendatahub"


def test_disabled_renders_nothing() -> None:
    assert render(OpenDataHubSpec()) == []


@pytest.mark.parametrize(
    "spec",
    [
        full_spec(),
        spec_of({"replicas": 3, "jobNamespaces": ["spark-jobs", "opendatahub"]}),
        spec_of({"placement": {"nodeSelector": {"role": "infra"},
                               "tolerations": [{"key": "infra", "operator": "Exists", "effect": "NoSchedule"}]}},
                imagePullSecrets=["pull"]),
    ],
)
def test_every_object_passes_strict_schema_validation(spec: OpenDataHubSpec) -> None:
    for obj in render(spec):
        assert kinds.is_builtin(obj)
        kubernetes_validate.validate(obj, K8S_SCHEMA_VERSION, strict=True)


@pytest.mark.parametrize(
    ("name", "kind", "version", "short"),
    [
        ("sparkapplications", "SparkApplication", "v1beta2", "sparkapp"),
        ("scheduledsparkapplications", "ScheduledSparkApplication", "v1beta2", "scheduledsparkapp"),
        ("sparkconnects", "SparkConnect", "v1alpha1", "sparkconn"),
    ],
)
def test_crds_carry_the_upstream_names_and_keep_any_spec(name: str, kind: str, version: str, short: str) -> None:
    crd = find(render(full_spec()), "CustomResourceDefinition", f"{name}.sparkoperator.k8s.io")
    spec = crd["spec"]
    assert spec["group"] == "sparkoperator.k8s.io"
    assert spec["scope"] == "Namespaced"
    assert spec["names"] == {"kind": kind, "listKind": f"{kind}List", "plural": name,
                             "singular": kind.lower(), "shortNames": [short]}
    [served] = spec["versions"]
    assert (served["name"], served["served"], served["storage"]) == (version, True, True)
    assert served["subresources"] == {"status": {}}
    properties = served["schema"]["openAPIV3Schema"]["properties"]
    for part in ("spec", "status"):
        assert properties[part] == {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    assert crd["metadata"]["labels"][DATA] == "true"
    assert "app.kubernetes.io/instance" not in crd["metadata"]["labels"]
    assert "namespace" not in crd["metadata"]


def test_sparkapplication_printer_columns_show_the_state() -> None:
    crd = find(render(full_spec()), "CustomResourceDefinition", "sparkapplications.sparkoperator.k8s.io")
    columns = {c["name"]: c["jsonPath"] for c in crd["spec"]["versions"][0]["additionalPrinterColumns"]}
    assert columns["Status"] == ".status.applicationState.state"


def test_image_is_pinned_and_overridable() -> None:
    assert controller(render(full_spec()))["image"] == IMAGE
    assert controller(render(spec_of({"image": "registry.local/spark/controller:custom"})))["image"] == (
        "registry.local/spark/controller:custom"
    )
    mirrored = render(spec_of({}, imageRegistry="mirror.example.com/odh"))
    assert controller(mirrored)["image"] == "mirror.example.com/odh/kubeflow/spark-operator/controller:2.5.2"


def test_job_namespaces_default_to_the_opendatahub_namespace() -> None:
    objects = render(full_spec())
    assert "--namespaces=opendatahub" in args(objects)
    find(objects, "ServiceAccount", "spark")
    driver_binding = find(objects, "RoleBinding", "spark-driver")
    assert driver_binding["subjects"] == [{"kind": "ServiceAccount", "name": "spark", "namespace": "opendatahub"}]


def test_each_job_namespace_gets_controller_rbac_and_a_driver_account() -> None:
    objects = render(spec_of({"jobNamespaces": ["team-a", "team-b", "team-a"]}))
    assert "--namespaces=team-a,team-b" in args(objects)
    for namespace in ("team-a", "team-b"):
        find(objects, "ServiceAccount", "spark", namespace)
        find(objects, "Role", "spark-operator-controller", namespace)
        find(objects, "Role", "spark-driver", namespace)
        binding = find(objects, "RoleBinding", "spark-operator-controller", namespace)
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "spark-operator", "namespace": "opendatahub"}]
        assert binding["roleRef"]["kind"] == "Role"
        driver = find(objects, "RoleBinding", "spark-driver", namespace)
        assert driver["subjects"] == [{"kind": "ServiceAccount", "name": "spark", "namespace": namespace}]
    # The controller's own account stays in the OpenDataHub's namespace; no job RBAC lands there.
    find(objects, "ServiceAccount", "spark-operator")
    assert not [o for o in objects if o["kind"] == "Role" and o["metadata"]["namespace"] == "opendatahub"]


def test_job_namespaces_helper_deduplicates_in_order() -> None:
    assert job_namespaces(spec_of({"jobNamespaces": ["b", "a", "b"]}), "odh") == ["b", "a"]
    assert job_namespaces(spec_of({}), "odh") == ["odh"]


def test_rbac_is_namespaced_least_privilege() -> None:
    objects = render(spec_of({"replicas": 2}))
    assert not [o for o in objects if o["kind"] in ("ClusterRole", "ClusterRoleBinding")]
    for obj in objects:
        for rule in obj.get("rules", []):
            for key in ("verbs", "resources", "apiGroups"):
                assert "*" not in rule.get(key, []), rule
    controller_role = find(objects, "Role", "spark-operator-controller")
    groups = {g for rule in controller_role["rules"] for g in rule["apiGroups"]}
    assert groups == {"", "networking.k8s.io", "sparkoperator.k8s.io"}
    pods = next(r for r in controller_role["rules"] if r["resources"] == ["pods"])
    assert set(pods["verbs"]) == {"get", "list", "watch", "create", "update", "delete"}
    driver_role = find(objects, "Role", "spark-driver")
    assert driver_role["rules"] == [{
        "apiGroups": [""],
        "resources": ["pods", "configmaps", "persistentvolumeclaims", "services"],
        "verbs": ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"],
    }]


def test_single_replica_runs_without_leader_election_and_recreates() -> None:
    objects = render(full_spec())
    assert "--leader-election=false" in args(objects)
    assert deployment(objects)["spec"]["strategy"] == {"type": "Recreate"}
    assert not [o for o in objects if o["metadata"]["name"] == "spark-operator-leader-election"]


def test_several_replicas_elect_a_leader_with_a_lease_role() -> None:
    objects = render(spec_of({"replicas": 3}))
    assert deployment(objects)["spec"]["replicas"] == 3
    assert deployment(objects)["spec"]["strategy"] == {"type": "RollingUpdate"}
    controller_args = args(objects)
    for arg in ("--leader-election=true", "--leader-election-lock-name=spark-operator-controller-lock",
                "--leader-election-lock-namespace=opendatahub"):
        assert arg in controller_args
    role = find(objects, "Role", "spark-operator-leader-election")
    named = [r for r in role["rules"] if r.get("resourceNames")]
    assert named == [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                      "resourceNames": ["spark-operator-controller-lock"], "verbs": ["get", "update"]}]
    binding = find(objects, "RoleBinding", "spark-operator-leader-election")
    assert binding["subjects"][0]["name"] == "spark-operator"


def test_controller_serves_metrics_and_health_without_the_webhook() -> None:
    objects = render(full_spec())
    container = controller(objects)
    controller_args = args(objects)
    assert controller_args[:2] == ["controller", "start"]
    for arg in ("--enable-metrics=true", "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081"):
        assert arg in controller_args
    assert not [a for a in controller_args if "webhook" in a]
    assert not [o for o in objects if "Webhook" in o["kind"]]
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"metrics": 8080, "health": 8081}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
    annotations = deployment(objects)["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {
        "prometheus.io/scrape": "true", "prometheus.io/port": "8080", "prometheus.io/path": "/metrics",
    }


def test_controller_runs_non_root_and_read_only_with_a_writable_tmp() -> None:
    objects = render(full_spec())
    pod = deployment(objects)["spec"]["template"]["spec"]
    assert pod["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 185, "runAsGroup": 185, "fsGroup": 185,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    security = controller(objects)["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert controller(objects)["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
    assert pod["volumes"] == [{"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}]
    assert pod["serviceAccountName"] == "spark-operator"


def test_resources_and_placement_come_from_the_spec() -> None:
    spec = spec_of(
        {
            "resources": {"requests": {"cpu": "200m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
            "placement": {"nodeSelector": {"role": "infra"},
                          "tolerations": [{"key": "infra", "operator": "Exists", "effect": "NoSchedule"}]},
        },
        imagePullSecrets=["pull"],
    )
    objects = render(spec)
    pod = deployment(objects)["spec"]["template"]["spec"]
    assert controller(objects)["resources"] == {"requests": {"cpu": "200m", "memory": "256Mi"},
                                                "limits": {"memory": "1Gi"}}
    assert pod["nodeSelector"] == {"role": "infra"}
    assert pod["tolerations"] == [{"key": "infra", "operator": "Exists", "effect": "NoSchedule"}]
    assert pod["imagePullSecrets"] == [{"name": "pull"}]


def test_selector_labels_are_stable() -> None:
    dep = deployment(render(full_spec()))
    selector = dep["spec"]["selector"]["matchLabels"]
    assert selector == {"app.kubernetes.io/name": "spark-operator-controller", "app.kubernetes.io/instance": "odh"}
    assert "app.kubernetes.io/version" not in dep["spec"]["template"]["metadata"]["labels"]


# Readiness on live objects.

def crd(name: str, established: str = "True", names_accepted: str = "True", message: str = "") -> Object:
    return {
        "kind": "CustomResourceDefinition",
        "metadata": {"name": name},
        "status": {"conditions": [
            {"type": "NamesAccepted", "status": names_accepted, "message": message},
            {"type": "Established", "status": established},
        ]},
    }


def live_deployment(available: int, replicas: int = 1) -> Object:
    return {
        "kind": "Deployment",
        "metadata": {"name": "spark-operator-controller", "generation": 2},
        "spec": {"replicas": replicas},
        "status": {"observedGeneration": 2, "availableReplicas": available, "updatedReplicas": available},
    }


CRD_NAMES = [f"{p}.sparkoperator.k8s.io" for p in ("sparkapplications", "scheduledsparkapplications", "sparkconnects")]


def test_ready_when_crds_are_established_and_the_controller_is_available() -> None:
    observed = [crd(n) for n in CRD_NAMES] + [live_deployment(1)]
    assert COMPONENT.readiness(observed).state == "Ready"


def test_not_ready_while_the_controller_starts() -> None:
    result = COMPONENT.readiness([crd(n) for n in CRD_NAMES] + [live_deployment(0)])
    assert (result.state, result.reason) == ("NotReady", "WorkloadsNotReady")


def test_not_ready_until_crds_are_established() -> None:
    fresh = {"kind": "CustomResourceDefinition", "metadata": {"name": CRD_NAMES[0]}}
    result = COMPONENT.readiness([fresh, crd(CRD_NAMES[1], established="False"), live_deployment(1)])
    assert (result.state, result.reason) == ("NotReady", "CrdsNotEstablished")
    assert CRD_NAMES[0] in result.message and CRD_NAMES[1] in result.message


def test_error_when_crd_names_clash() -> None:
    clash = crd(CRD_NAMES[0], established="False", names_accepted="False", message='"sparkapp" is already in use')
    result = COMPONENT.readiness([clash, live_deployment(0)])
    assert (result.state, result.reason) == ("Error", "CrdNamesNotAccepted")
    assert "already in use" in result.message
