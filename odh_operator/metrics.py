"""The operator's own Prometheus metrics: what it reconciles, how fast, what it asks of the API server."""

from collections import Counter as Tally

from prometheus_client import Counter, Gauge, Histogram, start_http_server

RECONCILES = Counter(
    "odh_operator_reconcile", "Reconcile passes by OpenDataHub and result (ok or error).", ["namespace", "name", "result"]
)
RECONCILE_SECONDS = Histogram(
    "odh_operator_reconcile_duration_seconds",
    "Duration of one reconcile pass.",
    ["namespace", "name"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
API_REQUESTS = Counter("odh_operator_api_requests", "Requests made to the Kubernetes API server, by verb.", ["verb"])
ERRORS = Counter("odh_operator_errors", "Errors met while reconciling, by reason.", ["reason"])
APPLIED = Counter("odh_operator_objects_applied", "Objects written by server-side apply, by component.", ["component"])
PRUNED = Counter("odh_operator_objects_pruned", "Objects deleted because the spec no longer renders them.", ["component"])
PLATFORMS = Gauge("odh_operator_platforms", "OpenDataHub resources reconciled by this process, by phase.", ["phase"])
PHASES = ("Pending", "Progressing", "Ready", "Degraded")


_serving: set[tuple[str, int]] = set()


def serve(port: int, host: str = "0.0.0.0") -> None:
    """Serve ``/metrics`` on ``port`` (0: not at all), once per process (the operator may start kopf again)."""
    if port and (host, port) not in _serving:
        start_http_server(port, addr=host)
        _serving.add((host, port))


def set_phases(phases: dict[tuple[str, str], str]) -> None:
    """The platforms gauge from every reconciled OpenDataHub's current phase."""
    counts = Tally(phases.values())
    for phase in PHASES:
        PLATFORMS.labels(phase=phase).set(counts.get(phase, 0))
