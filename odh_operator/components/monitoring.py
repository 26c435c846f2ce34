"""Prometheus and Grafana: every component of the platform scraped, dashboards per component, alert rules.

Prometheus discovers its targets through the Kubernetes API (``scrape.py``): one job per enabled component
plus the odh-operator's own pods, loads the alert rules of ``alerts.py`` from a ConfigMap, and Grafana gets
Prometheus as its provisioned datasource and the dashboards of ``dashboards.py``.
"""

import hashlib
import json
from typing import Any

from odh_operator import install_names
from odh_operator.api.spec import MonitoringSpec, OpenDataHubSpec
from odh_operator.components import alerts, dashboards, grafana, scrape
from odh_operator.components.ai_library import COMPONENT as AI_LIBRARY
from odh_operator.components.base import Component, Context, Instance
from odh_operator.components.jupyterhub import HUB
from odh_operator.components.spark_operator import CONTROLLER as SPARK_CONTROLLER
from odh_operator.components.scrape import PROMETHEUS_PORT, PodJob, ServiceJob

GRAFANA_PORT = 3000
DATASOURCE_UID = grafana.DATASOURCE_UID
DASHBOARDS_DIR = grafana.DASHBOARDS_DIR
CONFIG_DIR = "/etc/prometheus"
# Beside, not inside, the config mount: a ConfigMap volume cannot hold another volume's mount point.
RULES_DIR = "/etc/prometheus-rules"
POD_JOB = "kubernetes-pods"
OPERATOR_JOB = "odh-operator"

# Rook v1.20.6: the mgr metrics Service and its port name (pkg/operator/ceph/cluster/mgr).
CEPH_JOB = ServiceJob("ceph-mgr", service=scrape.ROOK_MGR, port="http-metrics", component="rook-ceph")
CEPH_EXPORTER_JOB = PodJob("ceph-exporter", {"app": scrape.ROOK_EXPORTER}, port="http-metrics")
SPARK_JOB = PodJob("spark-operator", {scrape.NAME_LABEL: SPARK_CONTROLLER}, port="metrics")
HUB_JOB = PodJob("jupyterhub", {scrape.NAME_LABEL: HUB}, port="http", path="/hub/metrics")
MODELS_JOB = PodJob("ai-library", {scrape.COMPONENT_LABEL: AI_LIBRARY.name}, port="metrics")
GRAFANA_JOB = PodJob("grafana", {scrape.NAME_LABEL: "grafana"}, port="http")

Json = dict[str, Any]


def checksum(*values: Any) -> str:
    """A stable digest of configuration, put on pod templates so a change rolls the pods."""
    text = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def operator_job(spec: OpenDataHubSpec) -> Json:
    """The operator, through the metrics Service of its install in the namespace the spec names."""
    where = spec.monitoring.prometheus.operator_namespace
    return scrape.static_job(OPERATOR_JOB, install_names.metrics_address(where),
                             {"app": install_names.NAME, "operator_namespace": where})


def scrape_configs(spec: OpenDataHubSpec, namespace: str) -> list[Json]:
    """Prometheus itself, Grafana, each enabled component, the operator, and other annotated pods."""
    jobs = [scrape.self_job(namespace), scrape.pod_job(GRAFANA_JOB, namespace)]
    if spec.rook_ceph.enabled:
        jobs += [scrape.service_job(CEPH_JOB, namespace), scrape.pod_job(CEPH_EXPORTER_JOB, namespace)]
    jobs += [scrape.pod_job(job, namespace) for enabled, job in (
        (spec.spark_operator.enabled, SPARK_JOB),
        (spec.jupyter_hub.enabled, HUB_JOB),
        (spec.ai_library.enabled, MODELS_JOB),
    ) if enabled]
    if spec.monitoring.prometheus.scrape_operator:
        jobs.append(operator_job(spec))
    return [*jobs, scrape.annotated_pods_job(namespace, POD_JOB)]


def prometheus_config(spec: OpenDataHubSpec, namespace: str) -> Json:
    """prometheus.yml: global intervals, the alert rule files, the scrape jobs."""
    interval = spec.monitoring.prometheus.scrape_interval
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [f"{RULES_DIR}/*.yml"],
        "scrape_configs": scrape_configs(spec, namespace),
    }


def alert_rules(spec: OpenDataHubSpec, config: Json) -> Json:
    """The rules file: availability of every component job, plus each enabled component's own alerts."""
    component_jobs = [job["job_name"] for job in config["scrape_configs"] if job["job_name"] != POD_JOB]
    groups: dict[str, list[alerts.Alert]] = {"odh-availability": alerts.availability(component_jobs)}
    for enabled, name, group in (
        (spec.rook_ceph.enabled, "odh-ceph", alerts.ceph),
        (spec.spark_operator.enabled, "odh-spark", alerts.spark),
        (spec.jupyter_hub.enabled, "odh-jupyterhub", alerts.jupyterhub),
        (spec.ai_library.enabled, "odh-models", alerts.models),
        (spec.monitoring.prometheus.scrape_operator, "odh-operator", alerts.operator),
    ):
        if enabled:
            groups[name] = group()
    return alerts.rules_file(groups)


def platform_dashboards(spec: OpenDataHubSpec) -> dict[str, Json]:
    """The overview plus one dashboard per enabled component, keyed by uid (also the ConfigMap suffix)."""
    built = [dashboards.overview()]
    for enabled, build in (
        (spec.rook_ceph.enabled, dashboards.ceph),
        (spec.spark_operator.enabled, dashboards.spark),
        (spec.jupyter_hub.enabled, dashboards.jupyterhub),
        (spec.ai_library.enabled, dashboards.models),
        (spec.monitoring.prometheus.scrape_operator, dashboards.operator),
    ):
        if enabled:
            built.append(build())
    return {d["uid"]: d for d in built}


class Monitoring(Component):
    """Prometheus (Kubernetes service discovery, alert rules) and Grafana (datasource, dashboards)."""

    name = "monitoring"
    spec_key = "monitoring"
    title = "Monitoring"
    default_images = {
        "prometheus": "quay.io/prometheus/prometheus:v3.12.0",
        "grafana": "docker.io/grafana/grafana:13.0.2",
    }

    def image_overrides(self, spec: OpenDataHubSpec) -> dict[str, str | None]:
        section: MonitoringSpec = spec.monitoring
        return {"prometheus": section.prometheus.image, "grafana": section.grafana.image}

    def context(self, spec: OpenDataHubSpec, instance: Instance) -> Context:
        interval = spec.monitoring.prometheus.scrape_interval
        config = prometheus_config(spec, instance.namespace)
        rules = alert_rules(spec, config)
        datasources = grafana.datasources(f"http://prometheus.{instance.namespace}.svc:{PROMETHEUS_PORT}", interval)
        providers = grafana.dashboard_providers()
        return {
            "prometheus_port": PROMETHEUS_PORT,
            "grafana_port": GRAFANA_PORT,
            "config_dir": CONFIG_DIR,
            "rules_dir": RULES_DIR,
            "prometheus_config": config,
            "alert_rules": {alerts.RULES_FILE: rules},
            "prometheus_checksum": checksum(config, rules),
            # Ceph's mgr Service is discovered by the service role, in this namespace only.
            "discovers_services": spec.rook_ceph.enabled,
            "grafana_datasources": datasources,
            "grafana_dashboard_providers": providers,
            "grafana_checksum": checksum(datasources, providers),
            "dashboards_dir": DASHBOARDS_DIR,
            "dashboards": platform_dashboards(spec),
        }


COMPONENT = Monitoring()
