#!/usr/bin/env bash
# Set up a fresh machine for the operator and its test suite: the system tools the suite needs (installed
# with apt when missing; run as root), then .venv with the operator, its test tools and the AI Library.
set -euo pipefail
cd "$(dirname "$0")/.."

# Go builds the control plane and tools from source through the Go module proxy; the suite lints the shell
# scripts with shellcheck (and actionlint uses it for the workflows' run steps).
# iproute2, util-linux, npm, Java 17, Maven: the journeys run the platform's programs as pods
# (testbed/pod_runner.py) in network and mount namespaces, configurable-http-proxy, spark-submit and its jars.
missing=()
for tool in go:golang-go shellcheck:shellcheck ip:iproute2 unshare:util-linux setpriv:util-linux npm:npm \
    java:openjdk-17-jre-headless mvn:maven; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]'
# The AI Library (MLServer 1.7.1 and the three models) into the same environment: its dependencies do not
# conflict with the operator's. Installed as the image installs it, not editable: the model files come as
# package data.
.venv/bin/pip install -q ./ai_library
