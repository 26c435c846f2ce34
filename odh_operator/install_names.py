"""The names the install file gives the operator, for whatever must find it (the monitoring component)."""

NAME = "odh-operator"  # its Deployment, ServiceAccount and ClusterRole, and its pods' app.kubernetes.io/name
DEFAULT_NAMESPACE = "odh-operator-system"
METRICS_PORT = 8383  # /metrics (container port "metrics")
METRICS_SERVICE = f"{NAME}-metrics"  # the Service in front of that port: scraped without any RBAC


def metrics_address(namespace: str) -> str:
    """``host:port`` of the operator's metrics Service in ``namespace``."""
    return f"{METRICS_SERVICE}.{namespace}.svc:{METRICS_PORT}"
