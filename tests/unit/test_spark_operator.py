"""The spark-operator component: CRDs, namespaced RBAC, the controller Deployment and its readiness."""

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from odh_operator import kinds, static_manifests
from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components.spark_operator import COMPONENT, job_namespaces
from odh_operator.components.spark_policy import SAFE_VOLUME_SOURCES
from odh_operator.components.spark_s3 import application_conf
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


def test_full_example_renders_crds_rbac_controller_webhook_and_s3_settings() -> None:
    objects = render(full_spec())
    names = {(o["kind"], o["metadata"]["name"]) for o in objects}
    webhook_name = "odh-opendatahub-odh-spark-operator-webhook"
    assert names == {
        ("CustomResourceDefinition", "sparkapplications.sparkoperator.k8s.io"),
        ("CustomResourceDefinition", "scheduledsparkapplications.sparkoperator.k8s.io"),
        ("CustomResourceDefinition", "sparkconnects.sparkoperator.k8s.io"),
        ("ServiceAccount", "spark-operator"),
        ("ServiceAccount", "spark-operator-webhook"),
        ("ServiceAccount", "spark"),
        ("Role", "spark-operator-controller"),
        ("RoleBinding", "spark-operator-controller"),
        ("Role", "spark-driver"),
        ("RoleBinding", "spark-driver"),
        ("ClusterRole", webhook_name),
        ("ClusterRoleBinding", webhook_name),
        ("Role", "spark-operator-webhook"),
        ("RoleBinding", "spark-operator-webhook"),
        ("Role", "spark-operator-webhook-jobs"),
        ("RoleBinding", "spark-operator-webhook-jobs"),
        ("ConfigMap", "spark-s3"),
        ("Secret", "spark-operator-webhook-certs"),
        ("Service", "spark-operator-webhook"),
        ("Deployment", "spark-operator-controller"),
        ("Deployment", "spark-operator-webhook"),
        ("MutatingWebhookConfiguration", webhook_name),
        ("ValidatingWebhookConfiguration", webhook_name),
        ("ValidatingAdmissionPolicy", "odh-opendatahub-odh-spark-applications"),
        ("ValidatingAdmissionPolicyBinding", "odh-opendatahub-odh-spark-applications"),
        ("ValidatingAdmissionPolicy", "odh-opendatahub-odh-spark-driver-pods"),
        ("ValidatingAdmissionPolicyBinding", "odh-opendatahub-odh-spark-driver-pods"),
    }
    for obj in objects:
        if not kinds.is_cluster_scoped(obj):
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
def test_crds_carry_the_upstream_names(name: str, kind: str, version: str, short: str) -> None:
    crd = find(render(full_spec()), "CustomResourceDefinition", f"{name}.sparkoperator.k8s.io")
    spec = crd["spec"]
    assert spec["group"] == "sparkoperator.k8s.io"
    assert spec["scope"] == "Namespaced"
    assert spec["names"] == {"kind": kind, "listKind": f"{kind}List", "plural": name,
                             "singular": kind.lower(), "shortNames": [short]}
    served = {v["name"]: v for v in spec["versions"] if v["storage"]}
    assert served[version]["served"] is True
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
        webhook = find(objects, "RoleBinding", "spark-operator-webhook-jobs", namespace)
        assert webhook["subjects"] == [{"kind": "ServiceAccount", "name": "spark-operator-webhook",
                                        "namespace": "opendatahub"}]
    # The controller's own account stays in the OpenDataHub's namespace; no job RBAC lands there.
    find(objects, "ServiceAccount", "spark-operator")
    roles = {o["metadata"]["name"] for o in objects if o["kind"] == "Role" and o["metadata"]["namespace"] == "opendatahub"}
    assert roles == {"spark-operator-webhook"}  # its certificate Secret only


def test_job_namespaces_helper_deduplicates_in_order() -> None:
    assert job_namespaces(spec_of({"jobNamespaces": ["b", "a", "b"]}), "odh") == ["b", "a"]
    assert job_namespaces(spec_of({}), "odh") == ["odh"]


def test_rbac_is_namespaced_least_privilege() -> None:
    objects = render(spec_of({"replicas": 2}))
    # The one cluster-wide grant: the webhook may get and update its own two webhook configurations.
    [cluster_role] = [o for o in objects if o["kind"] == "ClusterRole"]
    named = [r for r in cluster_role["rules"] if "resourceNames" in r]
    assert named == [{"apiGroups": ["admissionregistration.k8s.io"],
                      "resources": ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"],
                      "resourceNames": ["odh-opendatahub-odh-spark-operator-webhook"], "verbs": ["get", "update"]}]
    assert {v for r in cluster_role["rules"] if "resourceNames" not in r for v in r["verbs"]} == {"list", "watch"}
    assert not [o for o in render(spec_of({"webhook": {"enabled": False}})) if o["kind"].startswith("Cluster")]
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


def test_controller_serves_metrics_and_health() -> None:
    objects = render(full_spec())
    container = controller(objects)
    controller_args = args(objects)
    assert controller_args[:2] == ["controller", "start"]
    for arg in ("--enable-metrics=true", "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081"):
        assert arg in controller_args
    assert not [a for a in controller_args if "webhook" in a]  # the webhook is its own Deployment
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


# The admission webhook.

WEBHOOK_NAME = "odh-opendatahub-odh-spark-operator-webhook"


def webhook_container(objects: list[Object]) -> Object:
    container: Object = find(objects, "Deployment", "spark-operator-webhook")["spec"]["template"]["spec"]["containers"][0]
    return container


def test_webhook_runs_as_upstream_with_its_certificate_secret_and_service() -> None:
    objects = render(spec_of({"jobNamespaces": ["team-a", "team-b"]}))
    container = webhook_container(objects)
    assert container["image"] == IMAGE  # one upstream image, two commands
    webhook_args = container["args"]
    assert webhook_args[:2] == ["webhook", "start"]
    for arg in ("--namespaces=team-a,team-b", "--webhook-secret-name=spark-operator-webhook-certs",
                "--webhook-secret-namespace=opendatahub", "--webhook-svc-name=spark-operator-webhook",
                "--webhook-svc-namespace=opendatahub", "--webhook-port=9443",
                "--webhook-cert-dir=/etc/k8s-webhook-server/serving-certs",
                f"--mutating-webhook-name={WEBHOOK_NAME}", f"--validating-webhook-name={WEBHOOK_NAME}",
                "--leader-election=false"):
        assert arg in webhook_args
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"webhook": 9443, "metrics": 8080,
                                                                           "health": 8081}
    assert container["volumeMounts"] == [{"name": "serving-certs", "mountPath": "/etc/k8s-webhook-server/serving-certs"},
                                         {"name": "tmp", "mountPath": "/tmp"}]  # the entrypoint's nss_wrapper files
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    service = find(objects, "Service", "spark-operator-webhook")
    assert service["spec"]["ports"] == [{"name": "webhook", "port": 9443, "targetPort": "webhook"}]
    assert service["spec"]["selector"] == {"app.kubernetes.io/name": "spark-operator-webhook",
                                           "app.kubernetes.io/instance": "odh"}
    secret = find(objects, "Secret", "spark-operator-webhook-certs")
    assert "data" not in secret and "annotations" not in secret["metadata"]  # the webhook fills it


def test_webhook_configurations_match_upstream_and_the_job_namespaces() -> None:
    objects = render(spec_of({"jobNamespaces": ["team-a"], "webhook": {"failurePolicy": "Ignore", "timeoutSeconds": 5}}))
    mutating = find(objects, "MutatingWebhookConfiguration", WEBHOOK_NAME)["webhooks"]
    validating = find(objects, "ValidatingWebhookConfiguration", WEBHOOK_NAME)["webhooks"]
    assert [w["name"] for w in mutating] == [
        "mutate--v1-pod.sparkoperator.k8s.io",
        "mutate-sparkoperator-k8s-io-v1beta2-sparkapplication.sparkoperator.k8s.io",
        "mutate-sparkoperator-k8s-io-v1beta2-scheduledsparkapplication.sparkoperator.k8s.io",
        "mutate-sparkoperator-k8s-io-v1alpha1-sparkconnect.sparkoperator.k8s.io",
    ]
    assert [w["name"] for w in validating] == [
        "validate-sparkoperator-k8s-io-v1beta2-sparkapplication.sparkoperator.k8s.io",
        "validate-sparkoperator-k8s-io-v1beta2-scheduledsparkapplication.sparkoperator.k8s.io",
        "validate-sparkoperator-k8s-io-v1alpha1-sparkconnect.sparkoperator.k8s.io",
    ]
    for entry in mutating + validating:
        service = entry["clientConfig"]["service"]
        assert (service["name"], service["namespace"], service["port"]) == ("spark-operator-webhook", "opendatahub", 9443)
        assert service["path"] == "/" + entry["name"].removesuffix(".sparkoperator.k8s.io")
        assert "caBundle" not in entry["clientConfig"]  # the webhook writes it; we never own it
        assert (entry["failurePolicy"], entry["timeoutSeconds"], entry["sideEffects"]) == ("Ignore", 5, "None")
        assert entry["namespaceSelector"] == {"matchExpressions": [
            {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["team-a"]}]}
    pods = mutating[0]
    assert pods["objectSelector"] == {"matchLabels": {"sparkoperator.k8s.io/launched-by-spark-operator": "true"}}
    assert pods["rules"][0]["operations"] == ["CREATE"]
    assert mutating[1]["rules"] == [{"apiGroups": ["sparkoperator.k8s.io"], "apiVersions": ["v1beta2"],
                                     "resources": ["sparkapplications"], "operations": ["CREATE", "UPDATE"]}]
    defaults = find(render(full_spec()), "ValidatingWebhookConfiguration", WEBHOOK_NAME)["webhooks"][0]
    assert (defaults["failurePolicy"], defaults["timeoutSeconds"]) == ("Fail", 10)  # upstream's defaults


def test_webhook_rbac_is_exactly_its_secret_configurations_and_job_reads() -> None:
    objects = render(full_spec())
    role = find(objects, "Role", "spark-operator-webhook")
    assert role["rules"] == [{"apiGroups": [""], "resources": ["secrets"],
                              "resourceNames": ["spark-operator-webhook-certs"], "verbs": ["get", "update"]}]
    jobs = find(objects, "Role", "spark-operator-webhook-jobs")
    assert jobs["rules"] == [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["list", "watch"]},
        {"apiGroups": ["sparkoperator.k8s.io"], "resources": ["sparkapplications", "scheduledsparkapplications"],
         "verbs": ["get", "list", "watch"]},
    ]
    binding = find(objects, "ClusterRoleBinding", WEBHOOK_NAME)
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "spark-operator-webhook",
                                    "namespace": "opendatahub"}]


def test_several_webhook_replicas_elect_a_leader() -> None:
    objects = render(spec_of({"webhook": {"replicas": 2}}))
    assert find(objects, "Deployment", "spark-operator-webhook")["spec"]["replicas"] == 2
    webhook_args = webhook_container(objects)["args"]
    assert "--leader-election=true" in webhook_args
    assert "--leader-election-lock-name=spark-operator-webhook-lock" in webhook_args
    rules = find(objects, "Role", "spark-operator-webhook")["rules"]
    assert {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
            "resourceNames": ["spark-operator-webhook-lock"], "verbs": ["get", "update"]} in rules


def test_webhook_disabled_renders_none_of_its_objects() -> None:
    objects = render(spec_of({"webhook": {"enabled": False}}))
    assert not [o for o in objects if "webhook" in o["metadata"]["name"]]


# The data lake's S3 settings for Spark jobs.

def test_s3_settings_in_every_job_namespace_when_the_data_lake_is_on() -> None:
    spec = spec_of({"jobNamespaces": ["opendatahub", "team-a"]}, rookCeph={"enabled": True})
    objects = render(spec)
    home = find(objects, "ConfigMap", "spark-s3")["data"]
    other = find(objects, "ConfigMap", "spark-s3", "team-a")["data"]
    endpoint = "http://rook-ceph-rgw-odh-datalake.opendatahub.svc:80"
    for data in (home, other):
        assert f"<name>fs.s3a.endpoint</name>\n    <value>{endpoint}</value>" in data["core-site.xml"]
        assert "<name>fs.s3a.path.style.access</name>\n    <value>true</value>" in data["core-site.xml"]
        assert f"spark.hadoop.fs.s3a.endpoint {endpoint}\n" in data["spark-defaults.conf"]
        assert "spark.hadoop.fs.s3a.path.style.access true\n" in data["spark-defaults.conf"]
    secret = "rook-ceph-object-user-odh-datalake-odh"
    assert f"spark.kubernetes.executor.secretKeyRef.AWS_ACCESS_KEY_ID {secret}:AccessKey\n" in home["spark-defaults.conf"]
    # The Secret exists only in the data lake's namespace: no reference elsewhere that would block pods.
    assert "secretKeyRef" not in other["spark-defaults.conf"]
    assert not [o for o in render(spec_of({})) if o["kind"] == "ConfigMap"]


def test_core_site_is_well_formed_xml() -> None:
    import xml.etree.ElementTree as ET
    data = find(render(spec_of({}, rookCeph={"enabled": True})), "ConfigMap", "spark-s3")["data"]
    root = ET.fromstring(data["core-site.xml"])
    properties = {p.findtext("name"): p.findtext("value") for p in root.iter("property")}
    assert properties == {"fs.s3a.endpoint": "http://rook-ceph-rgw-odh-datalake.opendatahub.svc:80",
                          "fs.s3a.endpoint.region": "us-east-1", "fs.s3a.path.style.access": "true",
                          "fs.s3a.connection.ssl.enabled": "false"}


def test_application_conf_uses_native_spark_settings() -> None:
    from odh_operator.components.spark_s3 import application_conf
    spec = spec_of({}, rookCeph={"enabled": True})
    conf = application_conf(spec, "opendatahub", "opendatahub")
    assert conf["spark.kubernetes.hadoop.configMapName"] == "spark-s3"
    assert conf["spark.kubernetes.driver.secretKeyRef.AWS_SECRET_ACCESS_KEY"] == (
        "rook-ceph-object-user-odh-datalake-odh:SecretKey")
    assert application_conf(spec, "opendatahub", "team-a") == {"spark.kubernetes.hadoop.configMapName": "spark-s3"}


def test_numeric_looking_namespaces_render_as_strings() -> None:
    objects = render(spec_of({"jobNamespaces": ["123", "1e3"]}, rookCeph={"enabled": True}))
    namespaces = {o["metadata"].get("namespace") for o in objects} - {None}
    assert namespaces == {"opendatahub", "123", "1e3"}
    assert "--namespaces=123,1e3" in args(objects)


# The admission policies (the API server runs them: tests/e2e/test_spark_policy.py).

APPLICATIONS = "odh-opendatahub-odh-spark-applications"
DRIVER_PODS = "odh-opendatahub-odh-spark-driver-pods"
SCHEMAS = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"v{K8S_SCHEMA_VERSION}-local-strict"
# A path read in CEL, from a root that always exists; a trailing method call (.all, .matches) is cut off below.
CEL_PATH = re.compile(r"(?<![\w.])(variables\.app|object\.spec|c|v)((?:\.[A-Za-z]\w*)+)(\()?")


def policies(spec: OpenDataHubSpec | None = None) -> tuple[Object, Object]:
    objects = render(spec or full_spec())
    return (find(objects, "ValidatingAdmissionPolicy", APPLICATIONS)["spec"],
            find(objects, "ValidatingAdmissionPolicy", DRIVER_PODS)["spec"])


@cache
def k8s_definitions() -> Object:
    definitions: Object = json.loads((SCHEMAS / "_definitions.json").read_text())["$defs"]
    return definitions


def crd_spec_schema(kind: str) -> Object:
    for crd in static_manifests.shared("spark-operator/0050_crds.yaml"):
        if crd["spec"]["names"]["kind"] == kind:
            schema: Object = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
            return schema
    raise AssertionError(kind)


def descend(schema: Object, fields: list[str], definitions: Object, where: str) -> None:
    """Fail unless the dotted fields exist under the schema; a pod template (free-form in the CRD) is checked
    against Kubernetes' own PodTemplateSpec."""
    for index, field in enumerate(fields):
        while "$ref" in schema or schema.get("type") in ("array", ["array", "null"]):
            schema = definitions[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema["items"]
        if schema.get("x-kubernetes-preserve-unknown-fields") and not schema.get("properties"):
            schema = definitions["io.k8s.api.core.v1.PodTemplateSpec"]
            return descend(schema, fields[index:], definitions, where)
        assert field in schema.get("properties", {}), f"{where}: no field {field!r} in {'.'.join(fields)}"
        schema = schema["properties"][field]
    return None


def paths_read(expression: str) -> list[tuple[str, list[str], bool]]:
    """(root, fields, inside has()) of every field path the expression reads."""
    found = []
    for match in CEL_PATH.finditer(expression):
        fields = match.group(2).lstrip(".").split(".")
        if match.group(3):  # a method call: .all(, .matches(, .filter(
            fields = fields[:-1]
        if fields:
            guarded = expression[:match.start()].endswith("has(")
            found.append((match.group(1), fields, guarded))
    return found


def test_policies_are_bound_to_the_job_namespaces_and_deny() -> None:
    objects = render(spec_of({"jobNamespaces": ["team-a", "team-b"]}))
    for name in (APPLICATIONS, DRIVER_PODS):
        policy = find(objects, "ValidatingAdmissionPolicy", name)
        binding = find(objects, "ValidatingAdmissionPolicyBinding", name)
        assert "namespace" not in policy["metadata"] and "namespace" not in binding["metadata"]
        assert policy["spec"]["failurePolicy"] == "Fail"
        assert binding["spec"] == {
            "policyName": name, "validationActions": ["Deny"],
            "matchResources": {"namespaceSelector": {"matchExpressions": [
                {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["team-a", "team-b"]}]}},
        }
    # Policies are applied before their bindings, both before the workloads.
    ordered = [o["kind"] for o in render_all_ordered(full_spec())]
    assert ordered.index("ValidatingAdmissionPolicy") < ordered.index("ValidatingAdmissionPolicyBinding")
    assert ordered.index("ValidatingAdmissionPolicyBinding") < ordered.index("Deployment")
    assert all(kinds.is_cluster_scoped(o) for o in objects if "AdmissionPolicy" in o["kind"])


def render_all_ordered(spec: OpenDataHubSpec) -> list[Object]:
    from odh_operator.render import order
    return order({"spark-operator": render(spec)})


def test_application_policy_covers_both_kinds_on_create_and_update() -> None:
    applications, pods = policies()
    assert applications["matchConstraints"]["resourceRules"] == [{
        "apiGroups": ["sparkoperator.k8s.io"], "apiVersions": ["*"],
        "resources": ["sparkapplications", "scheduledsparkapplications"], "operations": ["CREATE", "UPDATE"]}]
    app = next(v["expression"] for v in applications["variables"] if v["name"] == "app")
    assert app == "object.kind == 'ScheduledSparkApplication' ? object.spec.template : object.spec"
    assert pods["matchConstraints"]["resourceRules"] == [{
        "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"], "operations": ["CREATE"]}]
    assert pods["matchConditions"] == [{
        "name": "created-by-spark-drivers",
        "expression": "request.userInfo.username == 'system:serviceaccount:' + request.namespace + \":spark\""}]


@pytest.mark.parametrize(("message", "needle"), [
    ('spec.driver.serviceAccount must be absent or "spark"', "variables.app.driver.serviceAccount == \"spark\""),
    ('spec.executor.serviceAccount must be absent or "spark"', "variables.app.executor.serviceAccount == \"spark\""),
    ("spec.volumes must not hold a hostPath volume", "!has(v.hostPath)"),
    ("spec.driver.securityContext.privileged must not be true", "driver.securityContext.privileged != true"),
    ("spec.executor.securityContext.capabilities.add must be empty", "size(variables.app.executor.securityContext"),
    ("spec.driver.sidecars[].securityContext.allowPrivilegeEscalation must not be true",
     "variables.app.driver.sidecars.all(c,"),
    ("spec.executor.initContainers[].securityContext.runAsUser must not be 0 (root)",
     "variables.app.executor.initContainers.all(c,"),
    ("spec.driver.podSecurityContext.runAsUser must not be 0 (root)", "driver.podSecurityContext.runAsUser != 0"),
    ("spec.driver.hostNetwork must not be true", "variables.app.driver.hostNetwork != true"),
    ("spec.executor.template.spec.hostPID must not be true", "executor.template.spec.hostPID != true"),
    ("spec.driver.template.spec.volumes must not hold a hostPath volume", "driver.template.spec.volumes.all(v,"),
    ('spec.driver.template.spec.serviceAccountName must be absent or "spark"', 'in ["", "spark"]'),
    ("spec.executor.template.spec.containers[].securityContext.privileged must not be true",
     "variables.app.executor.template.spec.containers.all(c,"),
])
def test_each_application_rule_names_its_field(message: str, needle: str) -> None:
    applications, _ = policies()
    [rule] = [r for r in applications["validations"] if r["message"] == message]
    assert needle in rule["expression"]
    # A ScheduledSparkApplication's message names spec.template.: the prefix comes from variables.at.
    assert rule["messageExpression"] == f"variables.at + {json.dumps(message.removeprefix('spec.'))}"


def test_driver_pods_must_run_as_spark_under_the_host_and_privilege_rules() -> None:
    _, pods = policies()
    messages = [r["message"] for r in pods["validations"]]
    assert messages[0] == 'spec.serviceAccountName must be "spark"'
    assert pods["validations"][0]["expression"] == (
        'has(object.spec.serviceAccountName) && object.spec.serviceAccountName == "spark"')
    for expected in ("spec.hostNetwork must not be true", "spec.hostPID must not be true",
                     "spec.hostIPC must not be true", "spec.volumes must not hold a hostPath volume",
                     "spec.securityContext.runAsUser must not be 0 (root)",
                     "spec.containers[].securityContext.privileged must not be true",
                     "spec.initContainers[].securityContext.capabilities.add must be empty",
                     "spec.ephemeralContainers[].securityContext.allowPrivilegeEscalation must not be true"):
        assert expected in messages
    assert all("messageExpression" not in r for r in pods["validations"])


def test_messages_are_distinct_and_name_a_spec_field() -> None:
    for policy in policies():
        messages = [r["message"] for r in policy["validations"]]
        assert len(messages) == len(set(messages))
        assert all(m.startswith("spec.") for m in messages)


def test_every_field_a_rule_reads_exists_in_the_schemas() -> None:
    definitions = k8s_definitions()
    applications, pods = policies()
    pod_spec = definitions["io.k8s.api.core.v1.PodSpec"]
    checked = 0
    for kind, policy, root_schema in (("SparkApplication", applications, crd_spec_schema("SparkApplication")),
                                      ("ScheduledSparkApplication", applications,
                                       crd_spec_schema("ScheduledSparkApplication")["properties"]["template"]),
                                      ("Pod", pods, pod_spec)):
        for rule in policy["validations"]:
            for root, fields, _ in paths_read(rule["expression"]):
                if root in ("variables.app", "object.spec"):
                    descend(root_schema, fields, definitions, f"{kind}: {rule['message']}")
                    checked += 1
    assert checked > 150
    # A misspelt field fails.
    with pytest.raises(AssertionError, match="hostNetwrk"):
        descend(crd_spec_schema("SparkApplication"), ["driver", "hostNetwrk"], definitions, "typo")
    with pytest.raises(AssertionError, match="hostPIDs"):
        descend(crd_spec_schema("SparkApplication"), ["driver", "template", "spec", "hostPIDs"], definitions, "typo")


def test_every_field_read_is_guarded_by_has_down_to_a_root_that_exists() -> None:
    """Admission policies see plain maps: reading an absent field is an error, and an error denies."""
    applications, pods = policies()
    expressions = [r["expression"] for p in (applications, pods) for r in p["validations"]]
    expressions += [v["expression"] for v in applications["variables"]]
    # The one field read without has(): a ScheduledSparkApplication's template, which its schema requires.
    assert "template" in crd_spec_schema("ScheduledSparkApplication")["required"]
    for expression in expressions:
        for root, fields, guarded in paths_read(expression):
            needed = fields[:-1] if guarded else fields
            for depth in range(1, len(needed) + 1):
                prefix = ".".join([root, *needed[:depth]])
                if prefix != "object.spec.template":
                    assert f"has({prefix})" in expression, f"{prefix} read without has() in {expression}"
    unguarded = "variables.app.driver.hostNetwork != true"
    assert any(not g for *_, g in paths_read(unguarded))
    with pytest.raises(AssertionError):
        for root, fields, guarded in paths_read(unguarded):
            assert f"has({root}.{fields[0]})" in unguarded


def test_safe_volume_sources_exist_and_leave_out_host_and_network_storage() -> None:
    definitions = k8s_definitions()
    pod_volume = set(definitions["io.k8s.api.core.v1.Volume"]["properties"])
    crd_volume = set(crd_spec_schema("SparkApplication")["properties"]["volumes"]["items"]["properties"])
    assert set(SAFE_VOLUME_SOURCES) <= pod_volume & crd_volume
    refused = pod_volume - set(SAFE_VOLUME_SOURCES) - {"name"}
    assert {"hostPath", "nfs", "iscsi", "rbd", "cephfs", "csi", "flexVolume", "image"} <= refused


def spark_conf_refused(expression: str, key: str) -> bool:
    """Evaluate the rendered CEL condition on one sparkConf key: `k.matches(RE)` (RE2, unanchored, as
    Python's re.search for these patterns), `!`, `&&`, `||` and parentheses."""
    python = re.sub(r'k\.matches\(("(?:[^"\\]|\\.)*")\)',
                    lambda m: repr(bool(re.search(json.loads(m.group(1)), key))), expression)
    python = python.replace("&&", " and ").replace("||", " or ").replace("!", " not ")
    result: bool = eval(python, {"__builtins__": {}})  # only True/False/and/or/not/parentheses remain
    return result


REFUSED_KEYS = [
    "spark.kubernetes.authenticate.driver.serviceAccountName",
    "spark.kubernetes.authenticate.executor.serviceAccountName",
    "spark.kubernetes.authenticate.driver.oauthTokenFile",
    "spark.kubernetes.authenticate.submission.caCertFile",
    "spark.kubernetes.namespace",
    "SPARK.KUBERNETES.NAMESPACE",
    "spark.kubernetes.driver.volumes.hostPath.root.mount.path",
    "spark.kubernetes.executor.volumes.hostPath.root.options.path",
    "spark.kubernetes.executor.volumes.nfs.share.options.server",
    "spark.kubernetes.driver.volumes.HostPath.root.options.path",
    "spark.kubernetes.driver.podTemplateFile",
    "spark.kubernetes.executor.podTemplateFile",
    "spark.kubernetes.executor.podTemplateContainerName",
    "spark.kubernetes.driver.pod.featureSteps",
    "spark.kubernetes.file.upload.path",
    "spark.kubernetes.kerberos.krb5.path",
    "spark.kerberos.keytab",
    "spark.app.name=x --conf spark.kubernetes.namespace",
    "spark.executor.cores\n",
]
ALLOWED_KEYS = [
    "spark.executor.instances",
    "spark.kubernetes.driver.volumes.persistentVolumeClaim.data.options.claimName",
    "spark.kubernetes.executor.volumes.emptyDir.scratch.mount.path",
    "spark.kubernetes.driver.label.app.kubernetes.io/name",
    "spark.kubernetes.kerberos.krb5.configMapName",
    "spark.kubernetes.namespaces.note",
    "spark.hadoop.fs.s3a.endpoint",
]


def test_spark_conf_keys_that_bypass_the_fields_are_refused() -> None:
    applications, _ = policies()
    variable = next(v["expression"] for v in applications["variables"] if v["name"] == "refusedConf")
    condition = variable.split("variables.app.sparkConf.filter(k, ", 1)[1].removesuffix(")")
    for key in REFUSED_KEYS:
        assert spark_conf_refused(condition, key), key
    for key in ALLOWED_KEYS:
        assert not spark_conf_refused(condition, key), key
    # The platform's own settings for jobs pass its own policy.
    spec = spec_of({}, rookCeph={"enabled": True})
    for key in application_conf(spec, "opendatahub", "opendatahub"):
        assert not spark_conf_refused(condition, key), key
    [rule] = [r for r in applications["validations"] if r["expression"] == "size(variables.refusedConf) == 0"]
    assert "variables.refusedConf.join(', ')" in rule["messageExpression"]


def test_spark_driver_role_is_what_spark_4_drivers_use_and_no_exec() -> None:
    role = find(render(full_spec()), "Role", "spark-driver")
    resources = {r for rule in role["rules"] for r in rule["resources"]}
    assert resources == {"pods", "configmaps", "persistentvolumeclaims", "services"}
    assert not [r for r in resources if "/" in r]  # no pods/exec, pods/attach, pods/ephemeralcontainers
