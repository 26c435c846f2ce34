"""Pinned versions of the control-plane binaries the test harness builds."""

KUBERNETES = "v1.36.3"
ETCD = "v3.6.16"
KWOK = "v0.8.0"
