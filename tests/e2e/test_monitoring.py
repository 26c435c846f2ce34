"""The real Prometheus (v3.12.0, built by testbed) discovers the platform with the rendered config and RBAC.

Prometheus runs as a local process, with the rendered prometheus.yml and rules, talking to the API server
as the rendered ``prometheus`` ServiceAccount (its token, the rendered Role/ClusterRole bound to it). The
namespace holds pods made from the pod templates the other components render (kwok runs them), a Service
like Rook's mgr metrics Service, the operator's pod in its own namespace, and decoys. Every job must find
exactly its own targets, and the audit log must show Prometheus reading only what its RBAC grants.
"""

import copy
import json
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from odh_operator import install
from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components import ai_library, jupyterhub, monitoring, spark_operator
from odh_operator.components.base import Instance
from odh_operator.render import render_component
from testbed.build import ensure_built
from testbed.control_plane import Cluster
from tests.conftest import load_example
from tests.e2e.harness import AuditLog, free_port, wait_for

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


def bare_pod(name: str, namespace: str, labels: dict[str, str], annotations: dict[str, str], port: int) -> Object:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels, "annotations": annotations},
        "spec": {"automountServiceAccountToken": False, "containers": [
            {"name": "main", "image": "example.com/app:1", "ports": [{"name": "web", "containerPort": port}]}
        ]},
    }


def rook_mgr(namespace: str) -> list[Object]:
    """What Rook v1.20.6 creates for the mgr: an annotated pod and the metrics Service selecting the active one."""
    labels = {"app": "rook-ceph-mgr", "rook_cluster": namespace, "mgr_role": "active"}
    return [
        bare_pod("rook-ceph-mgr-a", namespace, labels, {"prometheus.io/scrape": "true", "prometheus.io/port": "9283"},
                 9283),
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": "rook-ceph-mgr", "namespace": namespace, "labels": {"app": "rook-ceph-mgr"}},
         "spec": {"selector": labels, "ports": [{"name": "http-metrics", "port": 9283, "protocol": "TCP"}]}},
    ]


def apply(cluster: Cluster, objects: list[Object]) -> None:
    cluster.kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump_all(objects))


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.fixture
def operator_namespace(cluster: Cluster) -> Iterator[str]:
    name = f"e2e-op-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", name)
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


def test_prometheus_discovers_every_component_with_its_own_rbac(
    cluster: Cluster, audit: AuditLog, namespace: str, operator_namespace: str, tmp_path: Path
) -> None:
    spec = OpenDataHubSpec.model_validate(load_example("opendatahub-full.yaml")["spec"], by_alias=True)
    instance = Instance(name="odh", namespace=namespace)
    rendered = {c.name: render_component(c, spec, instance)
                for c in (monitoring.COMPONENT, spark_operator.COMPONENT, jupyterhub.COMPONENT, ai_library.COMPONENT)}
    monitoring_objects = rendered["monitoring"]
    rbac = [o for o in monitoring_objects
            if o["kind"] in ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")
            or (o["kind"] == "ServiceAccount" and o["metadata"]["name"] == "prometheus")]
    cluster_scoped = [o for o in rbac if o["kind"].startswith("Cluster")]
    operator_pod = pods_of([install.deployment(operator_namespace, "example.com/odh-operator:1")], operator_namespace)
    user_pod = bare_pod("user-app", namespace, {"app": "mine"},
                        {"prometheus.io/scrape": "true", "prometheus.io/port": "9000"}, 9000)
    # A pod named like the operator in the platform's namespace, without a metrics port: not a target.
    lookalike = bare_pod("odh-operator-lookalike", namespace, {"app.kubernetes.io/name": "odh-operator"}, {}, 9100)
    workloads = [p for objects in rendered.values() for p in pods_of(objects, namespace)]
    try:
        apply(cluster, rbac)
        apply(cluster, [*workloads, *rook_mgr(namespace), user_pod, lookalike, *operator_pod])

        token = cluster.kubectl("create", "token", "prometheus", "-n", namespace, "--duration=1h").stdout.strip()
        kubeconfig = yaml.safe_load(cluster.kubeconfig.read_text())
        for user in kubeconfig["users"]:
            user["user"] = {"token": token}
        (tmp_path / "kubeconfig").write_text(yaml.safe_dump(kubeconfig))

        port = free_port()
        config_map = next(o for o in monitoring_objects if o["metadata"]["name"] == "prometheus-config")
        config = yaml.safe_load(config_map["data"]["prometheus.yml"])
        config["global"]["scrape_interval"] = config["global"]["evaluation_interval"] = "2s"
        config["rule_files"] = [str(tmp_path / "rules" / "*.yml")]
        for job in config["scrape_configs"]:
            for sd in job.get("kubernetes_sd_configs", []):
                sd["kubeconfig_file"] = str(tmp_path / "kubeconfig")
            for static in job.get("static_configs", []):
                static["targets"] = [f"127.0.0.1:{port}"]
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
        (tmp_path / "rules").mkdir()
        rules = next(o for o in monitoring_objects if o["metadata"]["name"] == "prometheus-rules")
        for name, text in rules["data"].items():
            (tmp_path / "rules" / name).write_text(text)

        since = audit.mark()
        log = (tmp_path / "prometheus.log").open("w")
        process = subprocess.Popen(
            [str(ensure_built() / "prometheus"), f"--config.file={tmp_path / 'prometheus.yml'}",
             f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}/api/v1"
            expected_jobs = {job["job_name"] for job in config["scrape_configs"]}

            def targets() -> dict[str, list[Object]] | None:
                try:
                    active = get_json(f"{base}/targets?state=active")["data"]["activeTargets"]
                except OSError:
                    return None
                by_job: dict[str, list[Object]] = {}
                for target in active:
                    by_job.setdefault(target["labels"]["job"], []).append(target)
                wanted_pods = 3 + 1 + 1 + 1 + 1  # three models, hub, controller, grafana, operator
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
            assert pods("odh-operator") == {install.NAME}
            assert {t["labels"]["operator_namespace"] for t in found["odh-operator"]} == {operator_namespace}
            assert pods("kubernetes-pods") == {"user-app"}  # not Rook's mgr pod, not the platform's pods
            [ceph] = found["ceph-mgr"]
            assert ceph["labels"]["instance"] == f"rook-ceph-mgr.{namespace}.svc:9283"
            [hub] = found["jupyterhub"]
            assert hub["scrapeUrl"].endswith(f":{jupyterhub.HUB_PORT}/hub/metrics")
            for model in found["ai-library"]:
                assert model["scrapeUrl"].endswith(f":{ai_library.METRICS_PORT}/metrics")

            groups = get_json(f"{base}/rules?type=alert")["data"]["groups"]
            rendered_rules = yaml.safe_load(next(iter(rules["data"].values())))["groups"]
            assert sorted(g["name"] for g in groups) == sorted(g["name"] for g in rendered_rules)
            assert sum(len(g["rules"]) for g in groups) == sum(len(g["rules"]) for g in rendered_rules)
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.close()
        output = (tmp_path / "prometheus.log").read_text()
        assert "forbidden" not in output.lower(), output[-3000:]

        # Least privilege, as the API server saw it: list and watch of pods and services, nothing refused.
        user = f"system:serviceaccount:{namespace}:prometheus"
        time.sleep(1)  # the audit backend writes in batches
        requests = [e for e in audit.events(since) if e.get("user", {}).get("username") == user]
        assert requests
        seen = {(e["verb"], e["objectRef"]["resource"], e["objectRef"].get("namespace", "")) for e in requests}
        assert seen <= {
            ("list", "pods", namespace), ("watch", "pods", namespace), ("list", "services", namespace),
            ("watch", "services", namespace), ("list", "pods", ""), ("watch", "pods", ""),
        }, seen
        assert not [e for e in requests if e.get("responseStatus", {}).get("code", 200) >= 400]
    finally:
        for obj in cluster_scoped:
            cluster.kubectl("delete", obj["kind"].lower(), obj["metadata"]["name"], "--wait=false", check=False)
