"""Prometheus and Grafana: scraping every annotated pod of the platform, with an overview dashboard.

Prometheus discovers the pods of the OpenDataHub's namespace that carry ``prometheus.io/scrape: "true"``
(honouring ``prometheus.io/port`` and ``prometheus.io/path``) and scrapes itself. Grafana gets Prometheus
as its default datasource and the "Open Data Hub overview" dashboard, both provisioned from ConfigMaps.
"""

import hashlib
import json
from typing import Any

from odh_operator.api.spec import MonitoringSpec, OpenDataHubSpec
from odh_operator.components.base import Component, Context, Instance

PROMETHEUS_PORT = 9090
GRAFANA_PORT = 3000
DATASOURCE_UID = "prometheus"
DASHBOARDS_DIR = "/etc/grafana/dashboards"
POD_JOB = "kubernetes-pods"

Json = dict[str, Any]


def checksum(*values: Any) -> str:
    """A stable digest of configuration, put on pod templates so a change rolls the pods."""
    text = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _pod_relabel_configs() -> list[Json]:
    """Keep running pods annotated for scraping; take address and path from their annotations."""
    annotation = "__meta_kubernetes_pod_annotation_prometheus_io_"
    port_and_ip = [f"{annotation}port", "__meta_kubernetes_pod_ip"]
    return [
        {"source_labels": [f"{annotation}scrape"], "action": "keep", "regex": "true"},
        {"source_labels": ["__meta_kubernetes_pod_phase"], "action": "drop", "regex": "Pending|Succeeded|Failed"},
        {"source_labels": [f"{annotation}path"], "action": "replace", "regex": "(.+)",
         "target_label": "__metrics_path__"},
        # The annotated port on the pod IP (IPv4, then IPv6 in brackets); unannotated pods keep the
        # address of each declared container port.
        {"source_labels": port_and_ip, "action": "replace", "regex": r"(\d+);([0-9.]+)",
         "replacement": "$2:$1", "target_label": "__address__"},
        {"source_labels": port_and_ip, "action": "replace", "regex": r"(\d+);([0-9A-Fa-f]*:[0-9A-Fa-f:.]*)",
         "replacement": "[$2]:$1", "target_label": "__address__"},
        {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
        {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
        {"source_labels": ["__meta_kubernetes_pod_label_app_kubernetes_io_component"], "target_label": "component"},
        {"source_labels": ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], "target_label": "app"},
    ]


def prometheus_config(namespace: str, scrape_interval: str) -> Json:
    """prometheus.yml: Prometheus itself plus the annotated pods of the namespace."""
    return {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
        "scrape_configs": [
            {
                "job_name": "prometheus",
                "static_configs": [
                    {
                        "targets": [f"localhost:{PROMETHEUS_PORT}"],
                        "labels": {"component": "monitoring", "app": "prometheus", "namespace": namespace},
                    }
                ],
            },
            {
                "job_name": POD_JOB,
                "kubernetes_sd_configs": [{"role": "pod", "namespaces": {"names": [namespace]}}],
                "relabel_configs": _pod_relabel_configs(),
            },
        ],
    }


def grafana_datasources(namespace: str, scrape_interval: str) -> Json:
    """Datasource provisioning: the Prometheus Service as the default, read-only datasource."""
    return {
        "apiVersion": 1,
        "datasources": [
            {
                "name": "Prometheus",
                "uid": DATASOURCE_UID,
                "type": "prometheus",
                "access": "proxy",
                "url": f"http://prometheus.{namespace}.svc:{PROMETHEUS_PORT}",
                "orgId": 1,
                "isDefault": True,
                "editable": False,
                "jsonData": {"timeInterval": scrape_interval},
            }
        ],
    }


def grafana_dashboard_providers() -> Json:
    """Dashboard provisioning: every dashboard ConfigMap mounted under DASHBOARDS_DIR, in one folder."""
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": "opendatahub",
                "orgId": 1,
                "folder": "Open Data Hub",
                "type": "file",
                "disableDeletion": True,
                "allowUiUpdates": False,
                "updateIntervalSeconds": 30,
                "options": {"path": DASHBOARDS_DIR, "foldersFromFilesStructure": False},
            }
        ],
    }


def _panel(
    panel_id: int, title: str, description: str, targets: list[tuple[str, str]], grid: tuple[int, int, int, int],
    unit: str = "short", kind: str = "timeseries",
) -> Json:
    """One Grafana panel on the Prometheus datasource; targets are (expr, legendFormat)."""
    datasource = {"type": "prometheus", "uid": DATASOURCE_UID}
    x, y, w, h = grid
    return {
        "id": panel_id,
        "type": kind,
        "title": title,
        "description": description,
        "datasource": datasource,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}},
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": datasource, "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(targets)
        ],
    }


def overview_dashboard() -> Json:
    """The "Open Data Hub overview" dashboard: targets up per component, restarts, model serving traffic."""
    up = f'up{{job="{POD_JOB}"}}'
    rate = "[$__rate_interval]"
    panels = [
        _panel(1, "Scrape targets up per component",
               "Targets answering their scrape (Prometheus' up metric), summed per component.",
               [("sum by (component) (up)", "{{component}}")], (0, 0, 16, 8)),
        _panel(2, "Targets down", "Scrape targets that do not answer.",
               [("count(up == 0) or vector(0)", "down")], (16, 0, 8, 8), kind="stat"),
        _panel(3, "Pod restarts (1h)",
               "Process restarts per pod in the last hour, seen as changes of process_start_time_seconds "
               "(the platform runs no kube-state-metrics).",
               [(f"sum by (component, pod) (changes(process_start_time_seconds{{job=\"{POD_JOB}\"}}[1h]))",
                 "{{component}} {{pod}}")], (0, 8, 12, 8)),
        _panel(4, "Pods scraped per app", "Annotated pods Prometheus discovered, per app.",
               [(f"count by (app) ({up})", "{{app}}")], (12, 8, 12, 8)),
        _panel(5, "Model inference requests", "Successful inference requests per second, per model (MLServer).",
               [(f"sum by (model) (rate(model_infer_request_success_total{rate}))", "{{model}}")],
               (0, 16, 12, 8), unit="reqps"),
        _panel(6, "Model inference failures", "Failed inference requests per second, per model (MLServer).",
               [(f"sum by (model) (rate(model_infer_request_failure_total{rate}))", "{{model}}")],
               (12, 16, 12, 8), unit="reqps"),
        _panel(7, "Model inference latency", "Mean inference duration per model (MLServer).",
               [(f"sum by (model) (rate(model_infer_request_duration_sum{rate}))"
                 f" / sum by (model) (rate(model_infer_request_duration_count{rate}))", "{{model}}")],
               (0, 24, 12, 8), unit="s"),
        _panel(8, "Model server REST requests", "REST requests per second per model server and status code.",
               [(f"sum by (app, status_code) (rate(rest_server_requests_total{rate}))", "{{app}} {{status_code}}")],
               (12, 24, 12, 8), unit="reqps"),
    ]
    return {
        "uid": "odh-overview",
        "title": "Open Data Hub overview",
        "description": "Health of the Open Data Hub components and traffic of the served models.",
        "tags": ["opendatahub"],
        "editable": False,
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "1m",
        "timezone": "browser",
        "templating": {"list": []},
        "annotations": {"list": []},
        "panels": panels,
    }


class Monitoring(Component):
    """Prometheus (namespaced service discovery) and Grafana with provisioned datasource and dashboards."""

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
        config = prometheus_config(instance.namespace, interval)
        datasources = grafana_datasources(instance.namespace, interval)
        providers = grafana_dashboard_providers()
        return {
            "prometheus_port": PROMETHEUS_PORT,
            "grafana_port": GRAFANA_PORT,
            "prometheus_config": config,
            "prometheus_checksum": checksum(config),
            "grafana_datasources": datasources,
            "grafana_dashboard_providers": providers,
            "grafana_checksum": checksum(datasources, providers),
            "dashboards_dir": DASHBOARDS_DIR,
            "dashboards": {"odh-overview": overview_dashboard()},
        }


COMPONENT = Monitoring()
