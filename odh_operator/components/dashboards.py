"""The platform's Grafana dashboards, one per component, built from rows of panels.

Metric names are those the pinned releases export: Ceph's mgr ``prometheus`` module (``ceph_health_status``,
``ceph_cluster_*``, per-pool ``ceph_pool_*`` with ``ceph_pool_metadata`` naming the pools, ``ceph_osd_*``;
since Reef the mgr leaves per-daemon perf counters such as ``ceph_osd_op_r`` to ceph-exporter, so client IO
is read from the pool counters, and per OSD from Rook's ceph-exporter pods), the Spark operator 2.5.2
(``spark_application_*``, ``spark_executor_*``), JupyterHub 5 (``jupyterhub_*``), MLServer 1.7.1 (``model_infer_request_*`` per model, V2 only; ``rest_server_*`` from
starlette-exporter, every REST call with its ``path``, the Seldon protocol's included; ``grpc_server_*`` from
py-grpc-prometheus) and the odh-operator (``odh_operator_*``).
"""

from odh_operator.components.grafana import RATE, Json, Panel, dashboard, stat

CEPH_HEALTH = [{
    "type": "value",
    "options": {
        "0": {"text": "HEALTH_OK", "color": "green"},
        "1": {"text": "HEALTH_WARN", "color": "orange"},
        "2": {"text": "HEALTH_ERR", "color": "red"},
    },
}]


SELDON_PATH = "/api/v0.1/predictions"  # the AI Library's Seldon-protocol handler (odh_ai_library.serving)
SELDON_ERROR = ', status_code!~"2.."'
MODEL_APP_PREFIX = "ai-library-"  # a model server's app label: ai-library-<model>


def _rate(metric: str, by: str) -> str:
    return f"sum by ({by}) (rate({metric}[{RATE}]))"


def _quantile(q: float, histogram: str, by: str, selector: str = "") -> str:
    return f"histogram_quantile({q}, sum by ({by}, le) (rate({histogram}_bucket{selector}[{RATE}])))"


def overview() -> Json:
    """Every scrape job's health and the restarts of the platform's processes."""
    return dashboard("odh-overview", "Open Data Hub overview", "Health of every component Prometheus scrapes.", [
        [
            Panel("Targets up per job", "Scrape targets answering (Prometheus' up metric), per job.",
                  [("sum by (job) (up)", "{{job}}")]),
            Panel("Targets down per job", "Scrape targets that do not answer, per job.",
                  [("count by (job) (up == 0)", "{{job}}")]),
        ],
        [
            Panel("Process restarts (1h)",
                  "Restarts per pod in the last hour, seen as changes of process_start_time_seconds "
                  "(the platform runs no kube-state-metrics).",
                  [("sum by (job, pod) (changes(process_start_time_seconds[1h]))", "{{job}} {{pod}}")]),
            Panel("Resident memory", "Memory of each scraped process.",
                  [("sum by (job, pod) (process_resident_memory_bytes)", "{{job}} {{pod}}")], unit="bytes"),
        ],
        [stat("Firing alerts", "Alerts firing now (see Prometheus' Alerts page).",
              'count(ALERTS{alertstate="firing"}) or vector(0)',
              thresholds=[(None, "green"), (1, "red")])],
    ])


def ceph() -> Json:
    """Health, capacity and IO of the data lake, from the active Ceph mgr's Prometheus module."""
    pool_name = "on (pool_id) group_left (name) ceph_pool_metadata"
    return dashboard("odh-ceph", "Data lake (Ceph)", "Health, capacity and IO of the Rook Ceph cluster.", [
        [
            stat("Health", "Ceph's overall health status.", "ceph_health_status", mappings=CEPH_HEALTH,
                 thresholds=[(None, "green"), (1, "orange"), (2, "red")]),
            stat("Raw capacity used", "Raw bytes used over raw capacity (replicas included).",
                 "ceph_cluster_total_used_raw_bytes / ceph_cluster_total_bytes", unit="percentunit",
                 thresholds=[(None, "green"), (0.75, "orange"), (0.85, "red")]),
            stat("Raw capacity", "Raw capacity of all OSDs.", "ceph_cluster_total_bytes", unit="bytes"),
            stat("OSDs up", "OSDs up out of all OSDs.", "sum(ceph_osd_up)"),
            stat("OSDs in", "OSDs in the data placement.", "sum(ceph_osd_in)"),
            stat("Monitors in quorum", "Monitors taking part in the quorum.", "sum(ceph_mon_quorum_status)"),
        ],
        [
            Panel("Capacity", "Raw capacity, raw bytes used, and bytes stored (before replication).", [
                ("ceph_cluster_total_bytes", "capacity"),
                ("ceph_cluster_total_used_raw_bytes", "used (raw)"),
                ("ceph_cluster_total_used_bytes", "used"),
            ], unit="bytes"),
            Panel("Stored per pool", "Bytes stored in each pool, before replication.",
                  [(f"ceph_pool_stored * {pool_name}", "{{name}}")], unit="bytes", stacked=True),
        ],
        [
            Panel("Client operations", "Read and write operations per second over all pools.", [
                (f"sum(rate(ceph_pool_rd[{RATE}]))", "reads"),
                (f"sum(rate(ceph_pool_wr[{RATE}]))", "writes"),
            ], unit="iops"),
            Panel("Client throughput", "Bytes read and written per second over all pools.", [
                (f"sum(rate(ceph_pool_rd_bytes[{RATE}]))", "read"),
                (f"sum(rate(ceph_pool_wr_bytes[{RATE}]))", "written"),
            ], unit="Bps"),
        ],
        [
            Panel("Throughput per pool", "Bytes read plus written per second, per pool.",
                  [(f"(rate(ceph_pool_rd_bytes[{RATE}]) + rate(ceph_pool_wr_bytes[{RATE}])) * {pool_name}",
                    "{{name}}")], unit="Bps"),
            Panel("OSD latency", "Commit and apply latency per OSD.", [
                ("ceph_osd_commit_latency_ms", "commit {{ceph_daemon}}"),
                ("ceph_osd_apply_latency_ms", "apply {{ceph_daemon}}"),
            ], unit="ms"),
        ],
        [
            Panel("OSD operations", "Read and write operations per second per OSD (ceph-exporter).", [
                (f"sum by (ceph_daemon) (rate(ceph_osd_op_r[{RATE}]))", "read {{ceph_daemon}}"),
                (f"sum by (ceph_daemon) (rate(ceph_osd_op_w[{RATE}]))", "write {{ceph_daemon}}"),
            ], unit="iops"),
            Panel("OSD throughput", "Bytes read and written per second per OSD (ceph-exporter).", [
                (f"sum by (ceph_daemon) (rate(ceph_osd_op_r_out_bytes[{RATE}]))", "read {{ceph_daemon}}"),
                (f"sum by (ceph_daemon) (rate(ceph_osd_op_w_in_bytes[{RATE}]))", "write {{ceph_daemon}}"),
            ], unit="Bps"),
        ],
    ])


def spark() -> Json:
    """SparkApplications by state, from the Spark operator's controller."""
    def increase(metric: str) -> str:
        return f"sum(increase({metric}[1h]))"

    return dashboard("odh-spark", "Spark", "SparkApplications run by the Spark operator.", [
        [
            stat("Running applications", "SparkApplications running now.", "sum(spark_application_running_count)"),
            stat("Submitted (1h)", "Applications submitted in the last hour.",
                 increase("spark_application_submit_count")),
            stat("Succeeded (1h)", "Applications completed in the last hour.",
                 increase("spark_application_success_count"), thresholds=[(None, "green")]),
            stat("Failed (1h)", "Applications failed in the last hour.", increase("spark_application_failure_count"),
                 thresholds=[(None, "green"), (1, "red")]),
            stat("Failed submissions (1h)", "Applications spark-submit could not submit in the last hour.",
                 increase("spark_application_failed_submission_count"), thresholds=[(None, "green"), (1, "red")]),
        ],
        [
            Panel("Applications by state", "Running applications, and applications reaching each state.", [
                ("sum(spark_application_running_count)", "running"),
                (f"sum(increase(spark_application_submit_count[{RATE}]))", "submitted"),
                (f"sum(increase(spark_application_success_count[{RATE}]))", "succeeded"),
                (f"sum(increase(spark_application_failure_count[{RATE}]))", "failed"),
                (f"sum(increase(spark_application_failed_submission_count[{RATE}]))", "submission failed"),
            ]),
            Panel("Running executors", "Executor pods running, over all applications.",
                  [("sum(spark_executor_running_count)", "executors")]),
        ],
        [
            Panel("Start latency", "Time from submission to the driver running (p50, p95).", [
                (_quantile(0.5, "spark_application_start_latency_seconds_histogram", "job"), "p50"),
                (_quantile(0.95, "spark_application_start_latency_seconds_histogram", "job"), "p95"),
            ], unit="s"),
            Panel("Execution time", "Mean execution time of the applications that finished, by outcome.", [
                (f"sum(rate(spark_application_success_execution_time_seconds_sum[{RATE}])) / "
                 f"sum(rate(spark_application_success_execution_time_seconds_count[{RATE}]))", "succeeded"),
                (f"sum(rate(spark_application_failure_execution_time_seconds_sum[{RATE}])) / "
                 f"sum(rate(spark_application_failure_execution_time_seconds_count[{RATE}]))", "failed"),
            ], unit="s"),
        ],
    ])


def jupyterhub() -> Json:
    """Users, running notebook servers and spawn times, from the hub's /hub/metrics."""
    spawn = "jupyterhub_server_spawn_duration_seconds"
    return dashboard("odh-jupyterhub", "JupyterHub", "Notebook users and servers.", [
        [
            stat("Users", "Users known to the hub.", "sum(jupyterhub_total_users)"),
            stat("Active users (24h)", "Users active in the last 24 hours.",
                 'sum(jupyterhub_active_users{period="24h"})'),
            stat("Running servers", "Notebook servers running now.", "sum(jupyterhub_running_servers)"),
            stat("Failed spawns (1h)", "Notebook servers that failed to start in the last hour.",
                 f'sum(increase({spawn}_count{{status="failure"}}[1h]))', thresholds=[(None, "green"), (1, "red")]),
        ],
        [
            Panel("Running servers and active users", "Servers running, users active per period.", [
                ("sum(jupyterhub_running_servers)", "running servers"),
                ("sum by (period) (jupyterhub_active_users)", "active users ({{period}})"),
            ]),
            Panel("Spawn time", "Time to start a notebook server that started (p50, p95).", [
                (_quantile(0.5, spawn, "job", '{status="success"}'), "p50"),
                (_quantile(0.95, spawn, "job", '{status="success"}'), "p95"),
            ], unit="s"),
        ],
        [
            Panel("Spawns by outcome", "Spawn attempts per second, by outcome.",
                  [(_rate(f"{spawn}_count", "status"), "{{status}}")], unit="reqps"),
            Panel("Hub requests", "HTTP requests the hub serves per second, by status code.",
                  [(_rate("jupyterhub_request_duration_seconds_count", "code"), "{{code}}")], unit="reqps"),
        ],
    ])


def seldon_rate(metric: str, by: str, selector: str = "") -> str:
    """``sum by (app, ...)`` of a rate of MLServer's REST ``metric`` on the Seldon path.

    The REST metrics have no model label (``app_name``, ``method``, ``path``, ``status_code``), but each server
    serves one model: its ``app`` label is ``ai-library-<model>``. (A ``label_replace`` to a ``model`` label, as
    the alert does, would put ``$1`` in the query, which Grafana reads as a variable.)
    """
    return f'sum by ({by}) (rate({metric}{{path="{SELDON_PATH}"{selector}}}[{RATE}]))'


def models() -> Json:
    """Inference traffic, latency and errors of every AI Library model server, per protocol."""
    success = "model_infer_request_success_total"
    failure = "model_infer_request_failure_total"
    seldon = "rest_server_requests_total"
    seldon_latency = "rest_server_request_duration_seconds_bucket"
    return dashboard("odh-models", "AI Library models", "Inference requests, latency and errors per model.", [
        [
            Panel("Requests per model", "V2 inference requests per second (successful and failed), per model.",
                  [(f"{_rate(success, 'model')} + {_rate(failure, 'model')}", "{{model}}")], unit="reqps"),
            Panel("Errors per model", "Failed V2 inference requests per second (bad input included), per model.",
                  [(_rate(failure, "model"), "{{model}}")], unit="reqps"),
        ],
        [
            Panel("Error ratio per model", "Failed over all V2 inference requests, per model.",
                  [(f"{_rate(failure, 'model')} / ({_rate(failure, 'model')} + {_rate(success, 'model')})",
                    "{{model}}")], unit="percentunit"),
            Panel("Mean inference time per model", "Time spent in the model's predict, per V2 request.",
                  [(f"{_rate('model_infer_request_duration_sum', 'model')} / "
                    f"{_rate('model_infer_request_duration_count', 'model')}", "{{model}}")], unit="s"),
        ],
        [
            Panel("Seldon requests per model server", f"Seldon-protocol requests (POST {SELDON_PATH}) per second, "
                  "per model server (ai-library-<model>) and status code.",
                  [(seldon_rate(seldon, "app, status_code"), "{{app}} {{status_code}}")], unit="reqps"),
            Panel("Seldon error ratio per model server", "Seldon-protocol requests answered with an error (4xx: bad "
                  "input, 5xx: server) over all of them, per model server.",
                  [(f"{seldon_rate(seldon, 'app', SELDON_ERROR)} / {seldon_rate(seldon, 'app')}", "{{app}}")],
                  unit="percentunit"),
            Panel("Seldon latency per model server", "Seldon-protocol request duration, per model server: median and "
                  "95th percentile.", [(f"histogram_quantile({q}, {seldon_rate(seldon_latency, 'app, le')})",
                                        f"{{{{app}}}} p{p}") for q, p in ((0.5, 50), (0.95, 95))], unit="s"),
        ],
        [
            Panel("REST latency per server (p95)", "95th percentile of REST request duration, per model server.",
                  [(_quantile(0.95, "rest_server_request_duration_seconds", "app"), "{{app}}")], unit="s"),
            Panel("REST responses per server", "REST responses per second, per model server and status code.",
                  [(_rate("rest_server_requests_total", "app, status_code"), "{{app}} {{status_code}}")],
                  unit="reqps"),
            Panel("gRPC calls per server", "gRPC calls handled per second, per model server and status code.",
                  [(_rate("grpc_server_handled_total", "app, grpc_code"), "{{app}} {{grpc_code}}")], unit="reqps"),
        ],
    ])


def operator() -> Json:
    """The odh-operator: reconcile passes, their durations, API requests, errors and platforms by phase."""
    reconciles = "odh_operator_reconcile_total"
    return dashboard("odh-operator", "Open Data Hub operator", "What the odh-operator does and how it fares.", [
        [
            stat("Platforms", "OpenDataHub resources the operator reconciles.", "sum(odh_operator_platforms)"),
            stat("Degraded platforms", "OpenDataHub resources in phase Degraded.",
                 'sum(odh_operator_platforms{phase="Degraded"}) or vector(0)',
                 thresholds=[(None, "green"), (1, "red")]),
            stat("Reconcile errors (1h)", "Reconcile passes that failed in the last hour.",
                 f'sum(increase({reconciles}{{result="error"}}[1h])) or vector(0)',
                 thresholds=[(None, "green"), (1, "orange")]),
        ],
        [
            Panel("Platforms by phase", "OpenDataHub resources per phase.",
                  [("sum by (phase) (odh_operator_platforms)", "{{phase}}")], stacked=True),
            Panel("Reconciles", "Reconcile passes per second, per OpenDataHub and result.",
                  [(_rate(reconciles, "namespace, name, result"), "{{namespace}}/{{name}} {{result}}")],
                  unit="ops"),
        ],
        [
            Panel("Reconcile duration", "Reconcile pass duration per OpenDataHub (p50, p95).", [
                (_quantile(0.5, "odh_operator_reconcile_duration_seconds", "namespace, name"),
                 "p50 {{namespace}}/{{name}}"),
                (_quantile(0.95, "odh_operator_reconcile_duration_seconds", "namespace, name"),
                 "p95 {{namespace}}/{{name}}"),
            ], unit="s"),
            Panel("API requests", "Requests to the Kubernetes API server per second, by verb.",
                  [(_rate("odh_operator_api_requests_total", "verb"), "{{verb}}")], unit="reqps", stacked=True),
        ],
        [
            Panel("Errors", "Errors per second, by reason.",
                  [(_rate("odh_operator_errors_total", "reason"), "{{reason}}")], unit="ops"),
            Panel("Objects applied and pruned", "Objects written by server-side apply and pruned, per component.", [
                (_rate("odh_operator_objects_applied_total", "component"), "applied {{component}}"),
                (_rate("odh_operator_objects_pruned_total", "component"), "pruned {{component}}"),
            ], unit="ops"),
        ],
    ])
