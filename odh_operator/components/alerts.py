"""Prometheus alert rules for the platform: components down, Ceph health and capacity, model errors, the operator.

Volume fullness is watched through Ceph's own capacity (``ceph_cluster_total_used_raw_bytes`` over
``ceph_cluster_total_bytes`` from the mgr's Prometheus module): the platform does not scrape kubelets
(that would need cluster-wide ``nodes/metrics`` rights), so per-PVC ``kubelet_volume_stats_*`` are absent.
Thresholds sit below Ceph's own ``mon_osd_nearfull_ratio`` (0.85) and ``mon_osd_full_ratio`` (0.95).
"""

from dataclasses import dataclass, field
from typing import Any

from odh_operator.components.dashboards import MODEL_APP_PREFIX, SELDON_ERROR, SELDON_PATH

Json = dict[str, Any]

CEPH_NEARLY_FULL = 0.75
CEPH_CRITICALLY_FULL = 0.85
MODEL_ERROR_RATIO = 0.05
RULES_FILE = "odh-alerts.yml"


@dataclass(frozen=True)
class Alert:
    """One alerting rule; ``summary`` and ``description`` may use Prometheus' ``{{ $labels.x }}`` templating."""

    name: str
    expr: str
    duration: str
    severity: str
    summary: str
    description: str
    labels: dict[str, str] = field(default_factory=dict)

    def rule(self) -> Json:
        """The rule as Prometheus reads it."""
        return {
            "alert": self.name,
            "expr": self.expr,
            "for": self.duration,
            "labels": {"severity": self.severity, **self.labels},
            "annotations": {"summary": self.summary, "description": self.description},
        }


def availability(jobs: list[str]) -> list[Alert]:
    """Every target of a job down; one target down while others answer; a job with no target at all."""
    alerts = [
        Alert(
            "OdhComponentDown", "max by (job, namespace) (up) == 0", "5m", "critical",
            "{{ $labels.job }} is down",
            "No target of scrape job {{ $labels.job }} has answered for 5 minutes.",
        ),
        Alert(
            # Only while the job has targets that answer: a whole job down is OdhComponentDown's.
            "OdhTargetDown", "up == 0 and on (job, namespace) (max by (job, namespace) (up) == 1)", "15m", "warning",
            "{{ $labels.job }} target {{ $labels.instance }} is down",
            "{{ $labels.instance }} ({{ $labels.pod }}) of job {{ $labels.job }} has not answered for 15 minutes.",
        ),
    ]
    for job in jobs:
        alerts.append(Alert(
            "OdhComponentAbsent", f'absent(up{{job="{job}"}})', "10m", "critical",
            f"{job} has no scrape target",
            f"Prometheus has found nothing to scrape for {job} for 10 minutes: its pods or Service are missing.",
            labels={"job": job},
        ))
    return alerts


def ceph() -> list[Alert]:
    """Ceph health (0 OK, 1 WARN, 2 ERR) and raw capacity, from the mgr's Prometheus module."""
    used = "ceph_cluster_total_used_raw_bytes / ceph_cluster_total_bytes"
    return [
        Alert("CephHealthWarning", "ceph_health_status == 1", "15m", "warning",
              "Ceph health is HEALTH_WARN", "The Ceph cluster has reported HEALTH_WARN for 15 minutes."),
        Alert("CephHealthError", "ceph_health_status == 2", "5m", "critical",
              "Ceph health is HEALTH_ERR", "The Ceph cluster has reported HEALTH_ERR for 5 minutes."),
        Alert("CephCapacityNearlyFull", f"{used} > {CEPH_NEARLY_FULL}", "10m", "warning",
              "The data lake is nearly full",
              "Ceph uses {{ $value | humanizePercentage }} of its raw capacity: add OSDs or delete data."),
        Alert("CephCapacityCriticallyFull", f"{used} > {CEPH_CRITICALLY_FULL}", "5m", "critical",
              "The data lake is critically full",
              "Ceph uses {{ $value | humanizePercentage }} of its raw capacity; at 95% it stops accepting writes."),
    ]


def seldon(selector: str = "") -> str:
    """Seldon-protocol requests per second per model: MLServer's REST counter on the Seldon path, whose model is
    the server's app label (``ai-library-<model>``) without its prefix."""
    rate = f'rate(rest_server_requests_total{{path="{SELDON_PATH}"{selector}}}[5m])'
    return f'sum by (namespace, model) (label_replace({rate}, "model", "$1", "app", "{MODEL_APP_PREFIX}(.+)"))'


def models() -> list[Alert]:
    """The share of failed requests per model, on either protocol: V2 (MLServer's model_infer_request_* counters,
    every exception counted, bad input included) or Seldon (responses other than 2xx, bad input included)."""
    failures = "sum by (namespace, model) (rate(model_infer_request_failure_total[5m]))"
    successes = "sum by (namespace, model) (rate(model_infer_request_success_total[5m]))"
    v2 = f"{failures} / ({failures} + {successes}) > {MODEL_ERROR_RATIO}"
    seldon_ratio = f'{seldon(SELDON_ERROR)} / {seldon()} > {MODEL_ERROR_RATIO}'
    return [Alert(
        "ModelErrorRatioHigh", f"({v2}) or ({seldon_ratio})", "10m", "warning",
        "Model {{ $labels.model }} fails requests",
        "{{ $value | humanizePercentage }} of the V2 or Seldon requests to {{ $labels.model }} failed "
        "over the last 5 minutes.",
    )]


def jupyterhub() -> list[Alert]:
    """Notebook servers that fail to spawn."""
    return [Alert(
        "JupyterHubSpawnFailures",
        'sum by (namespace) (increase(jupyterhub_server_spawn_duration_seconds_count{status="failure"}[30m])) > 0',
        "0m", "warning", "Notebook servers fail to start",
        "{{ $value }} notebook server spawns failed in the last 30 minutes.",
    )]


def spark() -> list[Alert]:
    """SparkApplications that spark-submit could not submit."""
    return [Alert(
        "SparkSubmissionFailures",
        "sum by (namespace) (increase(spark_application_failed_submission_count[30m])) > 0",
        "0m", "warning", "Spark applications fail to submit",
        "{{ $value }} SparkApplications failed to submit in the last 30 minutes.",
    )]


def operator() -> list[Alert]:
    """Reconcile passes that keep failing, and platforms left Degraded."""
    return [
        Alert(
            "OdhOperatorReconcileErrors",
            'sum by (namespace, name) (increase(odh_operator_reconcile_total{result="error"}[15m])) > 0',
            "15m", "warning", "OpenDataHub {{ $labels.namespace }}/{{ $labels.name }} fails to reconcile",
            "Reconcile passes of {{ $labels.namespace }}/{{ $labels.name }} have kept failing for 15 minutes; "
            "see its status conditions and the operator's events.",
        ),
        Alert(
            "OdhPlatformDegraded", 'sum(odh_operator_platforms{phase="Degraded"}) > 0', "15m", "critical",
            "An OpenDataHub is Degraded",
            "{{ $value }} OpenDataHub resources have been in phase Degraded for 15 minutes.",
        ),
    ]


def rules_file(groups: dict[str, list[Alert]]) -> Json:
    """The rules file: one group per concern, empty groups left out."""
    return {"groups": [{"name": name, "rules": [a.rule() for a in rules]} for name, rules in groups.items() if rules]}
