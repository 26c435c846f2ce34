"""[prometheus] The real Prometheus, run as the operator's rendered pod, scrapes every component and the operator.

The real operator renders and applies an OpenDataHub with monitoring, the Spark operator, JupyterHub and the AI
Library. The pod runner starts as real programs: Prometheus v3.12.0 (the rendered args, ``prometheus.yml`` and rule
files from their ConfigMaps, its ServiceAccount's token: kubernetes_sd reads pods with the rendered RBAC), the Spark
operator 2.5.2, the JupyterHub hub and proxy, and one MLServer 1.7.1 per model. The operator itself runs as the
suite's process: its pod and metrics Service (the install file's, in the namespace ``prometheus.operatorNamespace``
names) are a kwok pod and a Service whose ClusterIP relays to that process's metrics port. Pods with a network namespace of their own (the Spark
operator's and the model servers', whose ports clash) are reached at their pod IP through a relay, as a real pod
network reaches them.

Through Prometheus' HTTP API: ``up`` has exactly the targets the rendered scrape config selects from the rendered
workloads (the same keep/drop relabelling, computed here), ``up == 1`` for each one that runs a program here, 0 for
Grafana's (not runnable here: it proves a target that does not answer is seen as down); every rendered alert rule
group is loaded from the mounted rule file and evaluates with health ok.
"""

import http.client
import json
import re
import time
import urllib.parse
from pathlib import Path
from typing import Any

import yaml

from odh_operator.api.spec import ALL_MODELS
from odh_operator.components import monitoring
from odh_operator.components.scrape import POD_META, PROMETHEUS_PORT, meta_label
from odh_operator.install import install_objects
from odh_operator.install_names import METRICS_PORT, METRICS_SERVICE
from testbed.control_plane import Cluster
from testbed.harness import Operator, wait_for
from testbed.images import platform_images
from testbed.platform import expected
from testbed.pod_network import Forwarder
from testbed.pod_runner import PodRunner, wait_running
from tests.e2e.notebook_user import PROGRAMS, odh, pod_named, running_platform
from tests.e2e.test_monitoring import get_json, pods_of

Object = dict[str, Any]
Target = tuple[str, str]  # (job, app label)
SCRAPE_INTERVAL = "5s"


def spec(operator_namespace: str) -> Object:
    return {
        "monitoring": {"enabled": True, "prometheus": {"scrapeInterval": SCRAPE_INTERVAL, "scrapeOperator": True,
                                                       "operatorNamespace": operator_namespace}},
        "sparkOperator": {"enabled": True, "webhook": {"failurePolicy": "Ignore", "timeoutSeconds": 2}},
        "jupyterHub": {"enabled": True, "culling": {"enabled": False}},
        "aiLibrary": {"enabled": True},
    }


def _config_map(objects: list[Object], name: str) -> dict[str, str]:
    data: dict[str, str] = next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == name)["data"]
    return data


def discovery_labels(template: Object, namespace: str, port: Object) -> dict[str, str]:
    """The kubernetes_sd meta labels a running pod made from ``template`` gets for one container port."""
    meta = template["metadata"]
    labels = {"__meta_kubernetes_namespace": namespace, f"{POD_META}phase": "Running",
              f"{POD_META}container_port_name": port.get("name", ""),
              f"{POD_META}container_port_number": str(port["containerPort"])}
    for key, value in (meta.get("labels") or {}).items():
        labels[meta_label(key)] = value
        labels[meta_label(key, f"{POD_META}labelpresent_")] = "true"
    for key, value in (meta.get("annotations") or {}).items():
        labels[meta_label(key, f"{POD_META}annotation_")] = value
        labels[meta_label(key, f"{POD_META}annotationpresent_")] = "true"
    return labels


def kept(job: Object, labels: dict[str, str]) -> bool:
    """Whether the job's keep/drop relabel rules keep a target with these discovery labels."""
    for rule in job.get("relabel_configs", []):
        action = rule.get("action", "replace")
        if action not in ("keep", "drop"):
            continue
        value = rule.get("separator", ";").join(labels.get(s, "") for s in rule["source_labels"])
        matched = re.fullmatch(rule.get("regex", "(.*)"), value) is not None
        if matched != (action == "keep"):
            return False
    return True


def expected_targets(config: Object, workloads: list[tuple[str, Object]]) -> set[Target]:
    """(job, app) of every target the rendered scrape config keeps among the rendered workloads' pods."""
    targets: set[Target] = set()
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            targets |= {(job["job_name"], static["labels"]["app"]) for _ in static["targets"]}
        for sd in job.get("kubernetes_sd_configs", []):
            assert sd["role"] == "pod", sd  # no service jobs without Rook
            names = sd["namespaces"]["names"] if "namespaces" in sd else None  # None: every namespace
            for namespace, deployment in workloads:
                if names is not None and namespace not in names:
                    continue
                template = deployment["spec"]["template"]
                for container in template["spec"]["containers"]:
                    for port in container.get("ports", []):
                        if kept(job, discovery_labels(template, namespace, port)):
                            targets.add((job["job_name"], template["metadata"]["labels"]["app.kubernetes.io/name"]))
    return targets


def relay_isolated(runner: PodRunner, namespace: str, pod_name: str, port_names: set[str]) -> None:
    """Reach a pod running in a network namespace of its own at its pod IP from the shared one, on the ports
    Prometheus scrapes (relays stop with the shared network)."""
    started = runner.started(namespace, pod_name)
    assert started is not None
    if started.network is None:
        return
    pod = runner.api.request("GET", f"/api/v1/namespaces/{namespace}/pods/{pod_name}")
    assert pod is not None
    ip = pod["status"]["podIP"]
    for container in pod["spec"]["containers"]:
        for port in container.get("ports", []):
            if port.get("name") in port_names:
                forwarder = Forwarder((ip, port["containerPort"]), (ip, port["containerPort"]),
                                      listen_ns=runner.network.path, target_ns=started.network.path).start()
                runner.network.forwarders.append(forwarder)


def test_prometheus_scrapes_every_component_and_the_operator_and_loads_the_alert_rules(
    cluster: Cluster, operator: Operator, namespace: str, operator_namespace: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    document = odh(namespace, spec(operator_namespace))
    rendered = expected(document)
    config = yaml.safe_load(_config_map(rendered, "prometheus-config")["prometheus.yml"])
    [rules_text] = _config_map(rendered, "prometheus-rules").values()
    rendered_groups = {g["name"]: [r["alert"] for r in g["rules"]] for g in yaml.safe_load(rules_text)["groups"]}

    # The operator's pod and metrics Service as the install file deploys them, in the namespace the spec names;
    # the suite's operator process answers at the Service's address.
    installed = install_objects(namespace=operator_namespace)
    [operator_deployment] = [o for o in installed if o["kind"] == "Deployment"]
    [operator_service] = [o for o in installed if o["kind"] == "Service"]
    operator_pod = yaml.safe_dump_all([*pods_of([operator_deployment], operator_namespace), operator_service])
    wait_for("the operator's pod (once the namespace's default ServiceAccount exists)", lambda: cluster.kubectl(
        "apply", "--server-side", "-f", "-", input=operator_pod, check=False).returncode == 0, timeout=60)
    workloads = [(namespace, o) for o in rendered if o["kind"] == "Deployment"]
    workloads.append((operator_namespace, operator_deployment))
    targets = expected_targets(config, workloads)
    runnable = set(platform_images())
    answering = {app for ns, d in workloads if ns == operator_namespace or all(
        c["image"] in runnable for c in d["spec"]["template"]["spec"]["containers"])
        for app in [d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]]}
    jobs = {job for job, _ in targets}
    # What the journey is about: each of these is scraped, and the choice of targets is not empty by accident.
    assert {"spark-operator", "jupyterhub", "ai-library", "odh-operator", "prometheus"} <= jobs, targets
    assert {app for job, app in targets if job == "ai-library"} == {f"ai-library-{m}" for m in ALL_MODELS}

    programs = (*PROGRAMS, "spark-operator", "ai-library", "prometheus")
    with running_platform(cluster, namespace, document["spec"], tmp_path, programs_needed=programs,
                          extra_namespaces=(operator_namespace,)) as platform:
        runner = platform.runner
        port_names = {r["regex"] for j in config["scrape_configs"] for r in j.get("relabel_configs", [])
                      if r.get("action") == "keep" and r["source_labels"] == [f"{POD_META}container_port_name"]}
        for _, deployment in workloads:
            app = deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]
            if deployment["metadata"]["namespace"] != namespace or app not in answering:
                continue
            pod = wait_for(f"the {app} pod", lambda: pod_named(cluster, namespace, app), timeout=180)
            wait_running(runner, namespace, pod, timeout=180)
            relay_isolated(runner, namespace, pod, port_names)
        service_ip = cluster.kubectl("get", "service", METRICS_SERVICE, "-n", operator_namespace, "-o",
                                     "jsonpath={.spec.clusterIP}").stdout
        platform.network.forward_in((service_ip, METRICS_PORT), ("127.0.0.1", operator.metrics_port))

        prometheus_pod = pod_named(cluster, namespace, "prometheus")
        prometheus_ip = cluster.kubectl("get", "pod", prometheus_pod, "-n", namespace, "-o",
                                        "jsonpath={.status.podIP}").stdout
        host, port = platform.network.expose((prometheus_ip, PROMETHEUS_PORT))
        api = f"http://{host}:{port}/api/v1"

        def query(expr: str) -> list[Object]:
            answer = get_json(f"{api}/query?" + urllib.parse.urlencode({"query": expr}))
            assert answer["status"] == "success", answer
            result: list[Object] = answer["data"]["result"]
            return result

        want = {t: 1.0 if t[1] in answering else 0.0 for t in targets}
        seen: list[dict[Target, float]] = []

        def up() -> dict[Target, float] | None:
            try:
                seen.append({(r["metric"]["job"], r["metric"]["app"]): float(r["value"][1]) for r in query("up")})
            except (OSError, http.client.HTTPException, ValueError):  # not up yet, or a reply cut by the relay
                return None
            return seen[-1] if seen[-1] == want else None

        try:
            values = wait_for("up == 1 for every target that runs a program", up, timeout=240, interval=2)
        except AssertionError:
            print(json.dumps(get_json(f"{api}/targets?state=active")["data"]["activeTargets"], indent=1)[:20000])
            raise AssertionError(f"up: wanted {want}, last {seen[-1:]}") from None
        scraped = time.monotonic() - started
        assert {t for t, v in values.items() if v == 0} == {t for t in targets if t[1] not in answering}
        answered = {r["metric"]["job"] for r in query("up == 1")}
        assert {"spark-operator", "jupyterhub", "ai-library", "odh-operator", "prometheus"} <= answered
        # The operator's series come from the process behind its pod, labelled with the pod's namespace.
        [operator_up] = query('up{job="odh-operator"}')
        assert operator_up["metric"]["operator_namespace"] == operator_namespace
        assert query(f'odh_operator_reconcile_total{{job="odh-operator",namespace="{namespace}"}}')

        def rules_ok() -> list[Object] | None:
            groups: list[Object] = get_json(f"{api}/rules?type=alert")["data"]["groups"]
            healthy = all(r["health"] == "ok" for g in groups for r in g["rules"])
            return groups if groups and healthy else None

        groups = wait_for("every alert rule evaluated with health ok", rules_ok, timeout=60, interval=2)
        assert {g["name"]: [r["name"] for r in g["rules"]] for g in groups} == rendered_groups
        assert {Path(g["file"]).parent for g in groups} == {Path(monitoring.RULES_DIR)}
        assert not [r for g in groups for r in g["rules"] if r.get("lastError")]

        prometheus_log = next(runner.workdir.glob("*_prometheus-*/prometheus.log")).read_text()
        assert "forbidden" not in prometheus_log.lower(), prometheus_log[-3000:]
        assert not runner.refusals(), runner.refusals()
        print(f"prometheus journey: every target up after {scraped:.0f}s, rules ok after "
              f"{time.monotonic() - started:.0f}s; targets {sorted(values)}")
