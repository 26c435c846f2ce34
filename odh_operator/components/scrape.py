"""Prometheus' scrape jobs: one per platform component, found through Kubernetes service discovery.

Each job keeps exactly its own targets (by pod label and named container port, or by Service name and port
name), so ``up`` per job says whether a component answers. Facts at the pinned releases:

- Rook v1.20.6 creates the Service ``rook-ceph-mgr`` (port ``http-metrics``, 9283) in the cluster's
  namespace; it selects the active mgr only (``mgr_role: active``), so scraping the Service scrapes the
  mgr whose Prometheus module holds the data (``pkg/operator/ceph/cluster/mgr/spec.go``). Per-daemon
  perf counters (``ceph_osd_op_*``), which the mgr module leaves out since Reef, come from Rook's
  ceph-exporter pods (``app: rook-ceph-exporter``, container port ``http-metrics``, 9926), one per node
  running Ceph daemons (``pkg/operator/ceph/cluster/nodedaemon/exporter.go``).
- The Spark operator 2.5.2 serves controller-runtime's registry, with its ``spark_application_*`` metrics,
  on ``--metrics-bind-address`` at ``--metrics-endpoint`` (our container port ``metrics``, ``/metrics``).
- JupyterHub serves ``/hub/metrics`` on the hub's port 8081 (unauthenticated with
  ``c.JupyterHub.authenticate_prometheus = False``).
- MLServer 1.7.1 serves its metrics on ``metrics_port`` (8082, container port ``metrics``) at ``/metrics``.
- The odh-operator serves ``/metrics`` on its container port ``metrics``, behind the ``odh-operator-metrics``
  Service of its install file, scraped by name (no right to read the operator's pods is needed). Its metrics
  carry a ``namespace`` label of their own (the OpenDataHub's), so its namespace goes into
  ``operator_namespace`` instead.
"""

from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]

PROMETHEUS_PORT = 9090
NAME_LABEL = "app.kubernetes.io/name"
COMPONENT_LABEL = "app.kubernetes.io/component"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
POD_META = "__meta_kubernetes_pod_"
NOT_RUNNING = "Pending|Succeeded|Failed|Unknown"
ROOK_MGR = "rook-ceph-mgr"  # Rook's app label of the mgr pods, and the name of its metrics Service
ROOK_EXPORTER = "rook-ceph-exporter"  # Rook's app label of the ceph-exporter pods


def meta_label(label: str, prefix: str = f"{POD_META}label_") -> str:
    """The discovery meta label of a Kubernetes label (``app.kubernetes.io/name`` -> ``..._app_kubernetes_io_name``)."""
    return prefix + "".join(c if c.isalnum() else "_" for c in label)


@dataclass(frozen=True)
class PodJob:
    """Scrape the pods carrying ``labels`` on their container port ``port``."""

    job: str
    labels: dict[str, str]
    port: str
    path: str = "/metrics"


@dataclass(frozen=True)
class ServiceJob:
    """Scrape a Service (its cluster DNS name and the port named ``port``)."""

    job: str
    service: str
    port: str
    component: str
    path: str = "/metrics"


def _keep(source: str, value: str) -> Json:
    return {"source_labels": [source], "action": "keep", "regex": value}


def _copy(source: str, target: str) -> Json:
    return {"source_labels": [source], "target_label": target}


def pod_job(spec: PodJob, namespace: str) -> Json:
    """A kubernetes_sd pod job keeping one named port of the labelled, running pods."""
    selector = ",".join(f"{k}={v}" for k, v in spec.labels.items())
    sd: Json = {"role": "pod", "namespaces": {"names": [namespace]}, "selectors": [{"role": "pod", "label": selector}]}
    relabel = [_keep(meta_label(k), v) for k, v in spec.labels.items()]
    relabel += [
        _keep(f"{POD_META}container_port_name", spec.port),
        {"source_labels": [f"{POD_META}phase"], "action": "drop", "regex": NOT_RUNNING},
        _copy("__meta_kubernetes_namespace", "namespace"),
        _copy(f"{POD_META}name", "pod"),
        _copy(meta_label(COMPONENT_LABEL), "component"),
        _copy(meta_label(NAME_LABEL), "app"),
    ]
    return {
        "job_name": spec.job,
        "metrics_path": spec.path,
        "kubernetes_sd_configs": [sd],
        "relabel_configs": relabel,
    }


def service_job(spec: ServiceJob, namespace: str) -> Json:
    """A kubernetes_sd service job keeping one named port of one Service of the namespace."""
    service_meta = "__meta_kubernetes_service_"
    return {
        "job_name": spec.job,
        "metrics_path": spec.path,
        "kubernetes_sd_configs": [{"role": "service", "namespaces": {"names": [namespace]}}],
        "relabel_configs": [
            _keep(f"{service_meta}name", spec.service),
            _keep(f"{service_meta}port_name", spec.port),
            _copy("__meta_kubernetes_namespace", "namespace"),
            _copy(f"{service_meta}name", "service"),
            {"target_label": "component", "replacement": spec.component},
            {"target_label": "app", "replacement": spec.service},
        ],
    }


def annotated_pods_job(namespace: str, job: str) -> Json:
    """Other pods of the namespace annotated ``prometheus.io/scrape: "true"`` (e.g. Spark drivers).

    Pods the operator manages, and Rook's mgr and ceph-exporter pods (annotated upstream; the ``ceph-mgr``
    job scrapes the active mgr through its Service, ``ceph-exporter`` each exporter), have their own jobs
    and are left out, so nothing is scraped twice.
    """
    annotation = f"{POD_META}annotation_prometheus_io_"
    port_and_ip = [f"{annotation}port", f"{POD_META}ip"]
    return {
        "job_name": job,
        "kubernetes_sd_configs": [{"role": "pod", "namespaces": {"names": [namespace]}}],
        "relabel_configs": [
            _keep(f"{annotation}scrape", "true"),
            {"source_labels": [meta_label(MANAGED_BY_LABEL)], "action": "drop", "regex": "odh-operator"},
            {"source_labels": [meta_label("app")], "action": "drop", "regex": f"{ROOK_MGR}|{ROOK_EXPORTER}"},
            {"source_labels": [f"{POD_META}phase"], "action": "drop", "regex": NOT_RUNNING},
            {"source_labels": [f"{annotation}path"], "action": "replace", "regex": "(.+)",
             "target_label": "__metrics_path__"},
            # The annotated port on the pod IP (IPv4, then IPv6 in brackets); unannotated pods keep the
            # address of each declared container port.
            {"source_labels": port_and_ip, "action": "replace", "regex": r"(\d+);([0-9.]+)",
             "replacement": "$2:$1", "target_label": "__address__"},
            {"source_labels": port_and_ip, "action": "replace", "regex": r"(\d+);([0-9A-Fa-f]*:[0-9A-Fa-f:.]*)",
             "replacement": "[$2]:$1", "target_label": "__address__"},
            _copy("__meta_kubernetes_namespace", "namespace"),
            _copy(f"{POD_META}name", "pod"),
            _copy(meta_label(COMPONENT_LABEL), "component"),
            _copy(meta_label(NAME_LABEL), "app"),
        ],
    }


def static_job(job: str, target: str, labels: dict[str, str]) -> Json:
    """One fixed ``host:port`` target, with the labels the other jobs' relabelling would give it."""
    return {"job_name": job, "static_configs": [{"targets": [target], "labels": labels}]}


def self_job(namespace: str) -> Json:
    """Prometheus scrapes itself on localhost."""
    return static_job("prometheus", f"localhost:{PROMETHEUS_PORT}",
                      {"component": "monitoring", "app": "prometheus", "namespace": namespace})
