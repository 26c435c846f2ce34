"""Pinned versions of the control-plane binaries the test harness builds."""

KUBERNETES = "v1.36.3"
ETCD = "v3.6.16"
KWOK = "v0.8.0"

# Tools the suite runs beside the control plane (built the same way, cached in the same folder).
PROMETHEUS_MODULE = "v0.312.0"  # Prometheus v3.12.0, as the monitoring component pins it
OPERATOR_FRAMEWORK_API = "v0.36.0"  # operator-verify: the validators `operator-sdk bundle validate` runs
ACTIONLINT = "v1.7.12"
