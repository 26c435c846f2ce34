"""The real Prometheus (v3.12.0, built by testbed) discovers the platform with the rendered config and RBAC.

Prometheus runs as a local process, with the rendered prometheus.yml and rules, talking to the API server
as the rendered ``prometheus`` ServiceAccount (its token, the rendered Role/ClusterRole bound to it). The
namespace holds pods made from the pod templates the other components render (kwok runs them), a Service
like Rook's mgr metrics Service, the operator's pod in its own namespace, and decoys. Every job must find
exactly its own targets, and the audit log must show Prometheus reading only what its RBAC grants.
"""

import contextlib
import copy
import json
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from odh_operator import install
from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components import ai_library, jupyterhub, monitoring, spark_operator
from odh_operator.components.base import Instance
from odh_operator.install_names import metrics_address
from odh_operator.kube import Kube
from odh_operator.render import render_component
from testbed.build import ensure_built
from testbed.control_plane import Cluster
from testbed.harness import AuditLog, Operator, answers, free_port, wait_for
from testbed.platform import apply_odh, load_example, wait_phase
from tests.e2e.test_lifecycle import light

Object = dict[str, Any]


def pods_of(objects: list[Object], namespace: str) -> list[Object]:
    """A bare pod per rendered Deployment, from its template: same labels, annotations and ports."""
    pods = []
    for deployment in (o for o in objects if o["kind"] == "Deployment"):
        template = copy.deepcopy(deployment["spec"]["template"])
        spec = template["spec"]
        # Only what discovery reads matters; no ServiceAccount, claim or ConfigMap is needed to run under kwok.
        spec["serviceAccountName"] = "default"
        spec["automountServiceAccountToken"] = False
        spec["volumes"] = [{"name": v["name"], "emptyDir": {}} for v in spec.get("volumes", [])]
        pods.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": deployment["metadata"]["name"], "namespace": namespace, **{
                k: v for k, v in template["metadata"].items() if k in ("labels", "annotations")}},
            "spec": spec,
        })
    return pods


def bare_pod(name: str, namespace: str, labels: dict[str, str], annotations: dict[str, str], port: int,
             port_name: str = "web") -> Object:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels, "annotations": annotations},
        "spec": {"automountServiceAccountToken": False, "containers": [
            {"name": "main", "image": "example.com/app:1", "ports": [{"name": port_name, "containerPort": port}]}
        ]},
    }


def rook_mgr(namespace: str) -> list[Object]:
    """What Rook v1.20.6 creates for metrics: annotated mgr and ceph-exporter pods, the mgr metrics Service."""
    labels = {"app": "rook-ceph-mgr", "rook_cluster": namespace, "mgr_role": "active"}
    return [
        bare_pod("rook-ceph-mgr-a", namespace, labels, {"prometheus.io/scrape": "true", "prometheus.io/port": "9283"},
                 9283, "http-metrics"),
        bare_pod("rook-ceph-exporter-node1", namespace, {"app": "rook-ceph-exporter", "rook_cluster": namespace},
                 {"prometheus.io/scrape": "true", "prometheus.io/port": "9926"}, 9926, "http-metrics"),
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": "rook-ceph-mgr", "namespace": namespace, "labels": {"app": "rook-ceph-mgr"}},
         "spec": {"selector": labels, "ports": [{"name": "http-metrics", "port": 9283, "protocol": "TCP"}]}},
    ]


def apply(cluster: Cluster, objects: list[Object]) -> None:
    done = cluster.kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump_all(objects), check=False)
    assert done.returncode == 0, done.stderr


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@contextlib.contextmanager
def prometheus(config: Object, rules: dict[str, str], workdir: Path) -> Iterator[str]:
    """The built Prometheus on loopback with this config (its rule files written beside it): its API URL."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    config = copy.deepcopy(config)
    config["rule_files"] = [str(workdir / "rules" / "*.yml")]
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            static["targets"] = [t.replace("localhost:9090", f"127.0.0.1:{port}") for t in static["targets"]]
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
    (workdir / "rules").mkdir(exist_ok=True)
    for name, text in rules.items():
        (workdir / "rules" / name).write_text(text)
    log_path = workdir / "prometheus.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(ensure_built() / "prometheus"), f"--config.file={workdir / 'prometheus.yml'}",
             f"--storage.tsdb.path={workdir / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            wait_for("Prometheus to be ready",
                     lambda: answers(f"http://127.0.0.1:{port}/-/ready", process, log_path), timeout=60)
            yield f"http://127.0.0.1:{port}/api/v1"
        finally:
            process.terminate()
            process.wait(timeout=30)
    output = log_path.read_text()
    assert "forbidden" not in output.lower(), output[-3000:]


def rendered_monitoring(spec: OpenDataHubSpec, namespace: str) -> tuple[Object, dict[str, str], list[Object]]:
    """The rendered prometheus.yml, rule files and dashboards."""
    objects = render_component(monitoring.COMPONENT, spec, Instance(name="odh", namespace=namespace))
    by_name = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ConfigMap"}
    dashboards = [json.loads(next(iter(o["data"].values())))
                  for name, o in by_name.items() if name.startswith("grafana-dashboard-odh-")]
    config = yaml.safe_load(by_name["prometheus-config"]["data"]["prometheus.yml"])
    return config, by_name["prometheus-rules"]["data"], dashboards


def test_prometheus_discovers_every_component_with_its_own_rbac(
    cluster: Cluster, audit: AuditLog, namespace: str, operator_namespace: str, tmp_path: Path
) -> None:
    document = load_example("opendatahub-full.yaml")
    document["spec"]["monitoring"]["prometheus"]["operatorNamespace"] = operator_namespace
    spec = OpenDataHubSpec.model_validate(document["spec"], by_alias=True)
    instance = Instance(name="odh", namespace=namespace)
    rendered = {c.name: render_component(c, spec, instance)
                for c in (monitoring.COMPONENT, spark_operator.COMPONENT, jupyterhub.COMPONENT, ai_library.COMPONENT)}
    monitoring_objects = rendered["monitoring"]
    rbac = [o for o in monitoring_objects
            if o["kind"] in ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")
            or (o["kind"] == "ServiceAccount" and o["metadata"]["name"] == "prometheus")]
    cluster_scoped = [o for o in rbac if o["kind"].startswith("Cluster")]
    operator_pod = pods_of([install.deployment(operator_namespace, "example.com/odh-operator:1")], operator_namespace)
    operator_service = install.metrics_service(operator_namespace)
    user_pod = bare_pod("user-app", namespace, {"app": "mine"},
                        {"prometheus.io/scrape": "true", "prometheus.io/port": "9000"}, 9000)
    # A pod named like the operator in the platform's namespace, without a metrics port: not a target.
    lookalike = bare_pod("odh-operator-lookalike", namespace, {"app.kubernetes.io/name": "odh-operator"}, {}, 9100)
    workloads = [p for objects in rendered.values() for p in pods_of(objects, namespace)]
    try:
        apply(cluster, rbac)
        apply(cluster, [*workloads, *rook_mgr(namespace), user_pod, lookalike, *operator_pod, operator_service])

        token = cluster.kubectl("create", "token", "prometheus", "-n", namespace, "--duration=1h").stdout.strip()
        kubeconfig = yaml.safe_load(cluster.kubeconfig.read_text())
        for user in kubeconfig["users"]:
            user["user"] = {"token": token}
        (tmp_path / "kubeconfig").write_text(yaml.safe_dump(kubeconfig))

        config, rule_files, dashboards = rendered_monitoring(spec, namespace)
        config["global"]["scrape_interval"] = config["global"]["evaluation_interval"] = "2s"
        for job in config["scrape_configs"]:
            for sd in job.get("kubernetes_sd_configs", []):
                sd["kubeconfig_file"] = str(tmp_path / "kubeconfig")

        since = audit.mark()
        with prometheus(config, rule_files, tmp_path) as base:
            expected_jobs = {job["job_name"] for job in config["scrape_configs"]}

            def targets() -> dict[str, list[Object]] | None:
                try:
                    active = get_json(f"{base}/targets?state=active")["data"]["activeTargets"]
                except OSError:
                    return None
                by_job: dict[str, list[Object]] = {}
                for target in active:
                    by_job.setdefault(target["labels"]["job"], []).append(target)
                wanted_pods = 3 + 1 + 1 + 1 + 1  # three models, hub, controller, grafana; the operator's Service
                pods = sum(len(by_job.get(j, [])) for j in ("ai-library", "jupyterhub", "spark-operator",
                                                             "grafana", "odh-operator"))
                return by_job if set(by_job) == expected_jobs and pods >= wanted_pods else None

            found = wait_for("Prometheus to discover every job", targets, timeout=90)

            def pods(job: str) -> set[str]:
                return {t["labels"].get("pod", "") for t in found[job]}

            models = {p["metadata"]["name"] for p in pods_of(rendered["ai-library"], namespace)}
            assert pods("ai-library") == models and len(models) == 3
            assert pods("jupyterhub") == {jupyterhub.HUB}
            assert pods("spark-operator") == {spark_operator.CONTROLLER}
            assert pods("grafana") == {"grafana"}
            # The operator by its install's metrics Service, named, not discovered: no pod reads in its namespace.
            [operator_target] = found["odh-operator"]
            assert operator_target["scrapeUrl"] == f"http://{metrics_address(operator_namespace)}/metrics"
            assert operator_target["labels"]["operator_namespace"] == operator_namespace
            assert pods("kubernetes-pods") == {"user-app"}  # not Rook's pods, not the platform's pods
            assert pods("ceph-exporter") == {"rook-ceph-exporter-node1"}
            [ceph] = found["ceph-mgr"]
            assert ceph["labels"]["instance"] == f"rook-ceph-mgr.{namespace}.svc:9283"
            [hub] = found["jupyterhub"]
            assert hub["scrapeUrl"].endswith(f":{jupyterhub.HUB_PORT}/hub/metrics")
            for model in found["ai-library"]:
                assert model["scrapeUrl"].endswith(f":{ai_library.METRICS_PORT}/metrics")

            # Nothing listens on kwok's pod IPs: the overview shows every model server down.
            [overview] = [d for d in dashboards if d["uid"] == "odh-overview"]
            [down] = [p["targets"][0]["expr"] for p in overview["panels"] if p["title"] == "Targets down per job"]

            def models_down() -> dict[str, float] | None:
                result = get_json(f"{base}/query?" + urllib.parse.urlencode({"query": down}))["data"]["result"]
                values = {r["metric"]["job"]: float(r["value"][1]) for r in result}
                return values if values.get("ai-library") == 3 else None

            wait_for("the scrapes of the three model servers to fail", models_down, timeout=30)

            groups = get_json(f"{base}/rules?type=alert")["data"]["groups"]
            rendered_rules = yaml.safe_load(next(iter(rule_files.values())))["groups"]
            assert sorted(g["name"] for g in groups) == sorted(g["name"] for g in rendered_rules)
            assert sum(len(g["rules"]) for g in groups) == sum(len(g["rules"]) for g in rendered_rules)

        # Least privilege, as the API server saw it: list and watch of pods and services, nothing refused.
        user = f"system:serviceaccount:{namespace}:prometheus"
        time.sleep(1)  # the audit backend writes in batches
        requests = [e for e in audit.events(since) if e.get("user", {}).get("username") == user]
        assert requests
        seen = {(e["verb"], e["objectRef"]["resource"], e["objectRef"].get("namespace", "")) for e in requests}
        allowed = {(verb, resource, namespace) for verb in ("list", "watch") for resource in ("pods", "services")}
        assert seen <= allowed, seen
        assert {e for e in seen if e[0] == "watch"} == {e for e in allowed if e[0] == "watch"}, seen
        assert not cluster_scoped
        assert not [e for e in requests if e.get("responseStatus", {}).get("code", 200) >= 400]
    finally:
        for obj in cluster_scoped:
            cluster.kubectl("delete", obj["kind"].lower(), obj["metadata"]["name"], "--wait=false", check=False)


def test_operator_dashboard_and_alerts_query_the_running_operator(
    cluster: Cluster, operator: Operator, namespace: str, tmp_path: Path
) -> None:
    """Real Prometheus scrapes the real operator (after it reconciled a platform) with the odh-operator job's
    relabelling; the operator dashboard's queries and alert expressions return its series."""
    document = light(namespace, monitoring={"enabled": True, "prometheus": {"scrapeOperator": True}})
    apply_odh(cluster, document)
    wait_for("the operator to count a reconcile of the platform",
             lambda: operator.metric("odh_operator_reconcile_total", namespace=namespace) > 0 or None, timeout=120)

    spec = OpenDataHubSpec.model_validate(document["spec"], by_alias=True)
    config, rule_files, dashboards = rendered_monitoring(spec, namespace)
    [job] = [j for j in config["scrape_configs"] if j["job_name"] == "odh-operator"]
    # The same job, its Service's address swapped for the operator process on loopback.
    job["static_configs"][0]["targets"] = [f"127.0.0.1:{operator.metrics_port}"]
    config["scrape_configs"] = [job]
    config["global"]["scrape_interval"] = config["global"]["evaluation_interval"] = "1s"

    [board] = [d for d in dashboards if d["uid"] == "odh-operator"]
    queries = {f"{panel['title']} / {target['refId']}": target["expr"].replace("$__rate_interval", "10s")
               for panel in board["panels"] for target in panel["targets"]}
    with prometheus(config, rule_files, tmp_path) as base:
        def answered() -> dict[str, int] | None:
            counts = {}
            for title, expr in queries.items():
                query = urllib.parse.urlencode({"query": expr})
                result = get_json(f"{base}/query?{query}")
                assert result["status"] == "success", (title, result)
                counts[title] = len(result["data"]["result"])
            up = get_json(f"{base}/query?query=up")["data"]["result"]
            ready = up and up[0]["value"][1] == "1" and counts["Reconciles / A"] > 0
            return counts if ready else None

        time.sleep(3)
        counts = wait_for("the operator's series in Prometheus", answered, timeout=60)
        # Errors and prunes appear only once one happened; everything else answers from the first pass.
        empty = {title for title, count in counts.items() if count == 0}
        assert empty <= {"Errors / A", "Objects applied and pruned / B"}, counts
        platforms = get_json(f"{base}/query?" + urllib.parse.urlencode(
            {"query": "sum by (phase) (odh_operator_platforms)"}))["data"]["result"]
        assert {p["metric"]["phase"] for p in platforms} >= {"Pending", "Progressing", "Ready", "Degraded"}
        # The operator alerts evaluate against these series (healthy: nothing fires).
        alerts = get_json(f"{base}/rules?type=alert")["data"]["groups"]
        operator_group = next(g for g in alerts if g["name"] == "odh-operator")
        assert all(rule["health"] in ("ok", "unknown") for rule in operator_group["rules"]), operator_group


def test_scraping_the_operator_writes_nothing_in_its_namespace(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str, operator_namespace: str
) -> None:
    """Through the operator: a platform that scrapes the operator becomes Ready without writing anything in the
    operator's namespace, and its Prometheus may not read pods there."""
    document = light(namespace, monitoring={"enabled": True, "prometheus": {
        "scrapeOperator": True, "operatorNamespace": operator_namespace}})
    apply_odh(cluster, document)
    wait_phase(admin, document, "Ready", timeout=180)
    written = cluster.kubectl("get", "roles,rolebindings,configmaps,secrets,serviceaccounts", "-n",
                              operator_namespace, "-l", "app.kubernetes.io/managed-by=odh-operator", "-o", "name").stdout
    assert written.strip() == ""
    can = cluster.kubectl("auth", "can-i", "list", "pods", "-n", operator_namespace,
                          f"--as=system:serviceaccount:{namespace}:prometheus", check=False).stdout.strip()
    assert can == "no"
