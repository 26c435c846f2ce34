"""The monitoring component: Prometheus and Grafana."""

import json
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components.monitoring import COMPONENT, DASHBOARDS_DIR
from odh_operator.render import render_component
from tests.unit.component_helpers import INSTANCE, find, full_spec, spec_with

Object = dict[str, Any]
ROOT = Path(__file__).resolve().parents[2]
DATA = "opendatahub.io/data"


def spec_of(monitoring: dict[str, Any], **top: Any) -> OpenDataHubSpec:
    return spec_with("monitoring", monitoring, **top)


def render(spec: OpenDataHubSpec) -> list[Object]:
    return render_component(COMPONENT, spec, INSTANCE)


def container(objects: list[Object], name: str) -> Object:
    containers: list[Object] = find(objects, "Deployment", name)["spec"]["template"]["spec"]["containers"]
    return containers[0]


def prometheus_yml(objects: list[Object]) -> Object:
    config: Object = yaml.safe_load(find(objects, "ConfigMap", "prometheus-config")["data"]["prometheus.yml"])
    return config


def test_full_example_renders_prometheus_and_grafana() -> None:
    objects = render(full_spec())
    names = {(o["kind"], o["metadata"]["name"]) for o in objects}
    assert names == {
        ("ServiceAccount", "prometheus"),
        ("ServiceAccount", "grafana"),
        ("Role", "prometheus"),
        ("RoleBinding", "prometheus"),
        ("ConfigMap", "prometheus-config"),
        ("ConfigMap", "prometheus-rules"),
        ("PersistentVolumeClaim", "prometheus-data"),
        ("Secret", "grafana-admin"),
        ("ConfigMap", "grafana-datasources"),
        ("ConfigMap", "grafana-dashboard-providers"),
        ("ConfigMap", "grafana-dashboard-odh-overview"),
        ("ConfigMap", "grafana-dashboard-odh-ceph"),
        ("ConfigMap", "grafana-dashboard-odh-spark"),
        ("ConfigMap", "grafana-dashboard-odh-jupyterhub"),
        ("ConfigMap", "grafana-dashboard-odh-models"),
        ("ConfigMap", "grafana-dashboard-odh-operator"),
        ("PersistentVolumeClaim", "grafana-data"),
        ("Service", "prometheus"),
        ("Service", "grafana"),
        ("Deployment", "prometheus"),
        ("Deployment", "grafana"),
    }
    assert all(o["metadata"]["namespace"] == "opendatahub" for o in objects if not o["kind"].startswith("Cluster"))


def test_disabled_renders_nothing() -> None:
    assert render(OpenDataHubSpec()) == []


@pytest.mark.parametrize("spec", [
    full_spec(),
    spec_of({"prometheus": {"storage": {"storageClassName": "fast"}, "operatorNamespace": "odh-operator-system"}}),
])
def test_every_object_passes_strict_schema_validation(spec: OpenDataHubSpec) -> None:
    for obj in render(spec):
        kubernetes_validate.validate(obj, "1.36.0", strict=True)


def test_images_pinned_overridable_and_mirrored() -> None:
    objects = render(full_spec())
    assert container(objects, "prometheus")["image"] == "quay.io/prometheus/prometheus:v3.12.0"
    assert container(objects, "grafana")["image"] == "docker.io/grafana/grafana:13.0.2"

    overridden = render(
        spec_of({"prometheus": {"image": "example.com/prom:1"}, "grafana": {"image": "example.com/gf:2"}})
    )
    assert container(overridden, "prometheus")["image"] == "example.com/prom:1"
    assert container(overridden, "grafana")["image"] == "example.com/gf:2"

    mirrored = render(spec_of({}, imageRegistry="mirror.local:5000/odh"))
    assert container(mirrored, "prometheus")["image"] == "mirror.local:5000/odh/prometheus/prometheus:v3.12.0"
    assert container(mirrored, "grafana")["image"] == "mirror.local:5000/odh/grafana/grafana:13.0.2"


def test_retention_lands_in_args_without_lifecycle_api() -> None:
    args = container(render(spec_of({"prometheus": {"retention": "30d"}})), "prometheus")["args"]
    assert "--storage.tsdb.retention.time=30d" in args
    assert "--config.file=/etc/prometheus/prometheus.yml" in args
    assert "--storage.tsdb.path=/prometheus" in args
    assert not any(a.startswith("--web.enable-lifecycle") for a in args)


def test_prometheus_deployment_shape() -> None:
    deployment = find(render(full_spec()), "Deployment", "prometheus")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "prometheus"
    assert pod["automountServiceAccountToken"] is True  # kubernetes_sd calls the API
    prometheus = pod["containers"][0]
    assert prometheus["ports"] == [{"name": "http", "containerPort": 9090, "protocol": "TCP"}]
    assert prometheus["readinessProbe"]["httpGet"] == {"path": "/-/ready", "port": "http"}
    assert prometheus["livenessProbe"]["httpGet"] == {"path": "/-/healthy", "port": "http"}
    mounts = {m["mountPath"]: m["name"] for m in prometheus["volumeMounts"]}
    assert mounts == {"/etc/prometheus": "config", "/etc/prometheus-rules": "rules", "/prometheus": "data"}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == "prometheus-data"
    assert volumes["config"]["configMap"]["name"] == "prometheus-config"
    assert volumes["rules"]["configMap"]["name"] == "prometheus-rules"


def jobs_of(objects: list[Object]) -> dict[str, Object]:
    return {job["job_name"]: job for job in prometheus_yml(objects)["scrape_configs"]}


def keeps(job: Object) -> dict[str, str]:
    """A job's keep rules as {meta label: regex}."""
    return {r["source_labels"][0]: r["regex"] for r in job["relabel_configs"] if r.get("action") == "keep"}


def test_one_scrape_job_per_component_with_its_own_targets() -> None:
    jobs = jobs_of(render(full_spec()))
    assert list(jobs) == [
        "prometheus", "grafana", "ceph-mgr", "ceph-exporter", "spark-operator", "jupyterhub", "ai-library",
        "odh-operator", "kubernetes-pods",
    ]
    assert jobs["prometheus"]["static_configs"][0]["targets"] == ["localhost:9090"]
    name = "__meta_kubernetes_pod_label_app_kubernetes_io_name"
    port = "__meta_kubernetes_pod_container_port_name"
    # Rook v1.20.6's mgr metrics Service; it selects the active mgr only.
    assert jobs["ceph-mgr"]["kubernetes_sd_configs"] == [{"role": "service", "namespaces": {"names": ["opendatahub"]}}]
    assert keeps(jobs["ceph-mgr"]) == {
        "__meta_kubernetes_service_name": "rook-ceph-mgr", "__meta_kubernetes_service_port_name": "http-metrics"
    }
    # Rook's per-node ceph-exporter pods (OSD perf counters), by their app label and named port.
    assert keeps(jobs["ceph-exporter"]) == {
        "__meta_kubernetes_pod_label_app": "rook-ceph-exporter", port: "http-metrics"
    }
    assert keeps(jobs["spark-operator"]) == {name: "spark-operator-controller", port: "metrics"}
    assert keeps(jobs["jupyterhub"]) == {name: "jupyterhub-hub", port: "http"}
    assert jobs["jupyterhub"]["metrics_path"] == "/hub/metrics"
    assert keeps(jobs["ai-library"]) == {"__meta_kubernetes_pod_label_app_kubernetes_io_component": "ai-library",
                                         port: "metrics"}
    assert keeps(jobs["grafana"]) == {name: "grafana", port: "http"}
    for job in ("grafana", "ceph-exporter", "spark-operator", "jupyterhub", "ai-library"):
        [sd] = jobs[job]["kubernetes_sd_configs"]
        assert sd["role"] == "pod" and sd["namespaces"] == {"names": ["opendatahub"]}
    # The operator: its install's metrics Service by name (no pod discovery, so no pod reads beyond this
    # namespace); its own namespace label left to its metrics.
    assert jobs["odh-operator"] == {"job_name": "odh-operator", "static_configs": [{
        "targets": ["odh-operator-metrics.odh-operator-system.svc:8383"],
        "labels": {"app": "odh-operator", "operator_namespace": "odh-operator-system"}}]}


def test_component_ports_and_labels_match_the_rendered_components() -> None:
    """Each pod job's label and port name exist on the pods the other components render."""
    from odh_operator.components import ai_library, jupyterhub, spark_operator

    spec = full_spec()
    jobs = jobs_of(render(spec))
    for component, job in ((spark_operator, "spark-operator"), (jupyterhub, "jupyterhub"), (ai_library, "ai-library")):
        pods = [o["spec"]["template"] for o in render_component(component.COMPONENT, spec, INSTANCE)
                if o["kind"] == "Deployment"]
        wanted = keeps(jobs[job])
        matching = [
            p for p in pods
            if all(p["metadata"]["labels"].get(label) == wanted[meta]
                   for meta, label in (("__meta_kubernetes_pod_label_app_kubernetes_io_name", "app.kubernetes.io/name"),
                                       ("__meta_kubernetes_pod_label_app_kubernetes_io_component",
                                        "app.kubernetes.io/component"))
                   if meta in wanted)
        ]
        assert matching, job
        for pod in matching:
            ports = {p.get("name"): p["containerPort"] for c in pod["spec"]["containers"] for p in c.get("ports", [])}
            assert wanted["__meta_kubernetes_pod_container_port_name"] in ports, job
    ports = {p["name"]: p["containerPort"] for p in container(render(spec), "grafana")["ports"]}
    assert ports == {"http": 3000}


def test_the_hub_serves_its_metrics_without_a_token() -> None:
    """The jupyterhub job sends no credentials: the hub's config must not require them for /hub/metrics."""
    from odh_operator.components import jupyterhub

    objects = render_component(jupyterhub.COMPONENT, full_spec(), INSTANCE)
    settings = json.loads(find(objects, "ConfigMap", f"{jupyterhub.HUB}-config")["data"]["settings.json"])
    assert settings["JupyterHub"]["authenticate_prometheus"] is False
    assert jobs_of(render(full_spec()))["jupyterhub"]["metrics_path"] == "/hub/metrics"


def test_disabled_components_are_not_scraped_and_the_operator_is_left_out_by_default() -> None:
    """The operator's metrics name every OpenDataHub it runs: a platform's Prometheus scrapes them only when asked."""
    objects = render(spec_of({}))
    assert list(jobs_of(objects)) == ["prometheus", "grafana", "kubernetes-pods"]
    assert not [o for o in objects if o["kind"].startswith("Cluster")]
    assert find(objects, "Role", "prometheus")["rules"] == [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["list", "watch"]}
    ]
    dashboards = {o["metadata"]["name"] for o in objects if o["metadata"]["name"].startswith("grafana-dashboard-")}
    assert dashboards == {"grafana-dashboard-providers", "grafana-dashboard-odh-overview"}


def test_scraping_the_operator_reads_nothing_and_writes_nothing_beyond_the_namespace() -> None:
    """The operator's namespace is never written by a platform (odh_operator.tenancy): no Role there, no
    ClusterRole, only the name of its install's metrics Service."""
    objects = render(spec_of({"prometheus": {"scrapeOperator": True, "operatorNamespace": "ops"}}))
    assert {o["metadata"]["namespace"] for o in objects} == {"opendatahub"}
    assert not [o for o in objects if o["kind"].startswith("Cluster")]
    assert [(o["kind"], o["metadata"]["name"]) for o in objects if o["kind"] in ("Role", "RoleBinding")] == [
        ("Role", "prometheus"), ("RoleBinding", "prometheus")]
    assert jobs_of(objects)["odh-operator"]["static_configs"][0]["targets"] == ["odh-operator-metrics.ops.svc:8383"]
    assert "grafana-dashboard-odh-operator" in {o["metadata"]["name"] for o in objects}


def test_annotated_pods_job_skips_pods_with_their_own_job() -> None:
    pods = jobs_of(render(full_spec()))["kubernetes-pods"]
    assert pods["kubernetes_sd_configs"] == [{"role": "pod", "namespaces": {"names": ["opendatahub"]}}]
    rules = pods["relabel_configs"]
    assert rules[0] == {
        "source_labels": ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"], "action": "keep", "regex": "true"
    }
    drops = {r["source_labels"][0]: r["regex"] for r in rules if r.get("action") == "drop"}
    assert drops["__meta_kubernetes_pod_label_app_kubernetes_io_managed_by"] == "odh-operator"
    assert drops["__meta_kubernetes_pod_label_app"] == "rook-ceph-mgr|rook-ceph-exporter"
    path_rule = next(r for r in rules if r.get("target_label") == "__metrics_path__")
    assert path_rule["source_labels"] == ["__meta_kubernetes_pod_annotation_prometheus_io_path"]
    assert {r.get("target_label") for r in rules} >= {"namespace", "pod", "component", "app"}


@pytest.mark.parametrize(
    ("port", "ip", "address"),
    [("8082", "10.1.2.3", "10.1.2.3:8082"), ("3000", "fd00::1:2", "[fd00::1:2]:3000")],
)
def test_address_relabelling_uses_the_port_annotation(port: str, ip: str, address: str) -> None:
    """Prometheus anchors relabel regexes; apply the rules the same way to a pod's meta labels."""
    rules = [r for r in jobs_of(render(full_spec()))["kubernetes-pods"]["relabel_configs"]
             if r.get("target_label") == "__address__"]
    results = []
    for rule in rules:
        match = re.fullmatch(rule["regex"], f"{port};{ip}")
        if match:
            results.append(re.sub(r"\$(\d)", lambda m: match.group(int(m.group(1))), rule["replacement"]))
    assert results == [address]


def test_config_or_rules_change_rolls_prometheus() -> None:
    def checksum(spec: OpenDataHubSpec) -> str:
        deployment = find(render(spec), "Deployment", "prometheus")
        value: str = deployment["spec"]["template"]["metadata"]["annotations"]["opendatahub.io/config-checksum"]
        return value

    assert checksum(spec_of({"prometheus": {"scrapeInterval": "30s"}})) == checksum(spec_of({}))
    assert checksum(spec_of({"prometheus": {"scrapeInterval": "1m"}})) != checksum(spec_of({}))
    # Enabling a component adds its job and its alerts.
    assert checksum(spec_with("monitoring", {}, aiLibrary={"enabled": True})) != checksum(spec_of({}))


def test_rbac_is_list_and_watch_of_what_discovery_reads() -> None:
    objects = render(full_spec())
    role = find(objects, "Role", "prometheus")
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["list", "watch"]},
        {"apiGroups": [""], "resources": ["services"], "verbs": ["list", "watch"]},
    ]
    binding = find(objects, "RoleBinding", "prometheus")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "prometheus"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "prometheus", "namespace": "opendatahub"}]
    # The full example scrapes the operator, through its metrics Service: no pod reads anywhere else.
    assert not [o for o in objects if o["kind"].startswith("Cluster")]
    # Without the data lake there is no Service to discover.
    without_ceph = render(spec_with("monitoring", {}))
    assert find(without_ceph, "Role", "prometheus")["rules"] == role["rules"][:1]
    roles = [o for o in objects if o["kind"] in ("Role", "ClusterRole")]
    for rule in (r for o in roles for r in o["rules"]):
        assert "*" not in rule["verbs"] and "*" not in rule["resources"] and "*" not in rule["apiGroups"]


@pytest.mark.parametrize(("name", "uid"), [("prometheus", 65534), ("grafana", 472)])
def test_pods_run_restricted(name: str, uid: int) -> None:
    pod = find(render(full_spec()), "Deployment", name)["spec"]["template"]["spec"]
    assert pod["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": uid, "runAsGroup": uid, "fsGroup": uid,
        "fsGroupChangePolicy": "OnRootMismatch", "seccompProfile": {"type": "RuntimeDefault"},
    }
    for c in pod["containers"]:
        assert c["securityContext"] == {
            "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}
        }


def test_resources_and_placement_from_spec() -> None:
    spec = spec_of({
        "placement": {"nodeSelector": {"role": "infra"}, "tolerations": [{"key": "infra", "operator": "Exists"}]},
        "prometheus": {"resources": {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"memory": "8Gi"}}},
        "grafana": {"resources": {"requests": {"cpu": "50m"}}},
    })
    objects = render(spec)
    assert container(objects, "prometheus")["resources"] == {
        "requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"memory": "8Gi"}
    }
    assert container(objects, "grafana")["resources"] == {"requests": {"cpu": "50m"}, "limits": {}}
    for name in ("prometheus", "grafana"):
        pod = find(objects, "Deployment", name)["spec"]["template"]["spec"]
        assert pod["nodeSelector"] == {"role": "infra"}
        assert pod["tolerations"] == [{"key": "infra", "operator": "Exists"}]


def test_image_pull_secrets() -> None:
    objects = render(spec_of({}, imagePullSecrets=["pull"]))
    for name in ("prometheus", "grafana"):
        assert find(objects, "Deployment", name)["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "pull"}]


def test_pvcs_carry_the_data_label_and_storage_from_spec() -> None:
    objects = render(spec_of({
        "prometheus": {"storage": {"size": "50Gi", "storageClassName": "fast"}},
        "grafana": {"storage": {"size": "2Gi"}},
    }))
    prometheus = find(objects, "PersistentVolumeClaim", "prometheus-data")
    grafana = find(objects, "PersistentVolumeClaim", "grafana-data")
    for pvc in (prometheus, grafana):
        assert pvc["metadata"]["labels"][DATA] == "true"
        assert pvc["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert prometheus["spec"]["resources"]["requests"]["storage"] == "50Gi"
    assert prometheus["spec"]["storageClassName"] == "fast"
    assert grafana["spec"]["resources"]["requests"]["storage"] == "2Gi"
    assert "storageClassName" not in grafana["spec"]
    for obj in objects:
        if obj["kind"] != "PersistentVolumeClaim":
            assert DATA not in obj["metadata"]["labels"]
        if obj["kind"] == "Deployment":
            assert DATA not in obj["spec"]["template"]["metadata"]["labels"]


def test_grafana_admin_secret_is_generated_not_rendered() -> None:
    objects = render(full_spec())
    secret = find(objects, "Secret", "grafana-admin")
    assert "data" not in secret and "stringData" not in secret
    assert secret["metadata"]["annotations"]["opendatahub.io/generate-keys"] == "admin-password"
    env = {e["name"]: e for e in container(objects, "grafana")["env"]}
    assert env["GF_SECURITY_ADMIN_USER"]["value"] == "admin"
    assert env["GF_SECURITY_ADMIN_PASSWORD"]["valueFrom"] == {
        "secretKeyRef": {"name": "grafana-admin", "key": "admin-password"}
    }


def test_grafana_deployment_shape() -> None:
    deployment = find(render(full_spec()), "Deployment", "grafana")
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    template = deployment["spec"]["template"]
    # Scraped by its own job, not through annotations.
    assert not [a for a in template["metadata"]["annotations"] if a.startswith("prometheus.io/")]
    pod = template["spec"]
    assert pod["automountServiceAccountToken"] is False
    grafana = pod["containers"][0]
    assert grafana["ports"] == [{"name": "http", "containerPort": 3000, "protocol": "TCP"}]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert grafana[probe]["httpGet"] == {"path": "/api/health", "port": "http"}
    mounts = {m["mountPath"]: m["name"] for m in grafana["volumeMounts"]}
    assert mounts["/var/lib/grafana"] == "data"
    assert mounts["/tmp"] == "tmp"
    assert mounts["/etc/grafana/provisioning/datasources"] == "datasources"
    assert mounts["/etc/grafana/provisioning/dashboards"] == "dashboard-providers"
    assert mounts[f"{DASHBOARDS_DIR}/odh-overview"] == "dashboard-odh-overview"
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == "grafana-data"
    assert "emptyDir" in volumes["tmp"]
    assert volumes["dashboard-odh-overview"]["configMap"]["name"] == "grafana-dashboard-odh-overview"


def test_grafana_provisioning_points_at_prometheus_and_the_dashboards() -> None:
    objects = render(full_spec())
    datasources = yaml.safe_load(find(objects, "ConfigMap", "grafana-datasources")["data"]["datasources.yaml"])
    [datasource] = datasources["datasources"]
    assert datasource["type"] == "prometheus"
    assert datasource["url"] == "http://prometheus.opendatahub.svc:9090"
    assert datasource["isDefault"] is True
    providers = yaml.safe_load(find(objects, "ConfigMap", "grafana-dashboard-providers")["data"]["dashboards.yaml"])
    [provider] = providers["providers"]
    assert provider["type"] == "file" and provider["options"]["path"] == DASHBOARDS_DIR

    dashboard = json.loads(find(objects, "ConfigMap", "grafana-dashboard-odh-overview")["data"]["odh-overview.json"])
    assert dashboard["title"] == "Open Data Hub overview"
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    for metric in ("up", "process_start_time_seconds"):
        assert metric in exprs


def test_services_select_their_pods() -> None:
    objects = render(full_spec())
    for name, port in (("prometheus", 9090), ("grafana", 3000)):
        service = find(objects, "Service", name)
        pod_labels = find(objects, "Deployment", name)["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= pod_labels.items()
        assert service["spec"]["ports"] == [{"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}]


def test_scrape_interval_is_validated() -> None:
    with pytest.raises(ValueError):
        spec_of({"prometheus": {"scrapeInterval": "0s"}})
    with pytest.raises(ValueError):
        spec_of({"prometheus": {"scrapeInterval": "soon"}})


def _deployment(name: str, available: int, generation: int = 1, observed: int = 1) -> Object:
    return {
        "kind": "Deployment",
        "metadata": {"name": name, "generation": generation},
        "spec": {"replicas": 1},
        "status": {"observedGeneration": observed, "availableReplicas": available, "updatedReplicas": available},
    }


def test_readiness_follows_the_deployments() -> None:
    assert COMPONENT.readiness([_deployment("prometheus", 1), _deployment("grafana", 1)]).state == "Ready"
    not_ready = COMPONENT.readiness([_deployment("prometheus", 1), _deployment("grafana", 0)])
    assert (not_ready.state, not_ready.reason) == ("NotReady", "WorkloadsNotReady")
    assert "Deployment/grafana" in not_ready.message
    stale = COMPONENT.readiness([_deployment("prometheus", 1, generation=2, observed=1)])
    assert stale.state == "NotReady" and "not observed" in stale.message
