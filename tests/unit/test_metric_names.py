"""Every metric the dashboards and alerts query exists upstream, at the pinned releases.

The names are read from the sources: the Spark operator 2.5.2's Go module (``pkg/common/metrics.go``),
the wheels of MLServer 1.7.1 and the exporters it serves REST and gRPC metrics with, JupyterHub 5.5's
``jupyterhub/metrics.py``, and the operator's own ``odh_operator.metrics``. A typo in a query, or a metric
renamed upstream, fails here. (Ceph's mgr module ships in no registry reachable here: its names were
checked by hand against ``src/pybind/mgr/prometheus/module.py``.)
"""

import json
import re
import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from odh_operator import metrics as operator_metrics
from odh_operator.components.monitoring import COMPONENT
from odh_operator.render import render_component
from testbed.build import cache_root
from tests.unit.component_helpers import INSTANCE, find, full_spec

SPARK_MODULE = ("github.com/kubeflow/spark-operator/v2", "v2.5.2")
WHEELS = {
    "mlserver": "1.7.1",
    "starlette-exporter": "0.24.0",  # as pip resolves MLServer 1.7.1's unpinned requirement
    "py-grpc-prometheus": "0.8.0",
    "jupyterhub": "5.5.0",
}
PREFIXES = {
    "spark": "spark_", "models": "model_infer_", "rest": "rest_server_", "grpc": "grpc_server_",
    "jupyterhub": "jupyterhub_", "operator": "odh_operator_",
}
SUFFIXES = ("", "_total", "_bucket", "_sum", "_count")
NAME = re.compile(r"\b([a-z_]+_[a-z0-9_]+)\b")


def queried() -> set[str]:
    """Every metric-like name in the rendered dashboards and alert rules."""
    objects = render_component(COMPONENT, full_spec(), INSTANCE)
    exprs = [
        target["expr"]
        for o in objects if o["metadata"]["name"].startswith("grafana-dashboard-odh-")
        for panel in json.loads(next(iter(o["data"].values())))["panels"]
        for target in panel["targets"]
    ]
    [rules] = find(objects, "ConfigMap", "prometheus-rules")["data"].values()
    exprs += [r["expr"] for g in yaml.safe_load(rules)["groups"] for r in g["rules"]]
    return {name for expr in exprs for name in NAME.findall(re.sub(r"\{[^}]*\}", "", expr))}


def wheel_text(project: str, member: str) -> str:
    """A file of a pinned wheel from PyPI, downloaded once into the cache."""
    directory = cache_root().parent / "wheels"
    directory.mkdir(parents=True, exist_ok=True)
    version = WHEELS[project]
    stem = f"{project.replace('-', '_')}-{version}-"
    wheels = [p for p in directory.glob("*.whl") if p.name.lower().startswith(stem.lower())]
    if not wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(directory),
             f"{project}=={version}"],
            check=True, capture_output=True, timeout=300,
        )
        wheels = [p for p in directory.glob("*.whl") if p.name.lower().startswith(stem.lower())]
    with zipfile.ZipFile(wheels[0]) as wheel:
        return wheel.read(member).decode()


def go_source(path: str) -> str:
    done = subprocess.run(["go", "mod", "download", "-json", "@".join(SPARK_MODULE)],
                          capture_output=True, text=True, check=True, timeout=300)
    return (Path(json.loads(done.stdout)["Dir"]) / path).read_text()


@cache
def upstream() -> dict[str, set[str]]:
    """Base metric names per source, as each source declares them."""
    mlserver_settings = wheel_text("mlserver", "mlserver/settings.py")
    [rest_prefix] = re.findall(r'metrics_rest_server_prefix: str = "(\w+)"', mlserver_settings)
    starlette = wheel_text("starlette-exporter", "starlette_exporter/middleware.py")
    jupyterhub = wheel_text("jupyterhub", "jupyterhub/metrics.py")
    [hub_prefix] = re.findall(r"metrics_prefix = os.getenv\('JUPYTERHUB_METRICS_PREFIX', '(\w+)'\)", jupyterhub)
    return {
        "spark": set(re.findall(r'= "(spark_\w+)"', go_source("pkg/common/metrics.go"))),
        "models": set(re.findall(r'(?:Counter|Summary|Histogram|Gauge)\(\s*"(\w+)"',
                                 wheel_text("mlserver", "mlserver/handlers/dataplane.py"))),
        "rest": {rest_prefix + suffix for suffix in re.findall(r'f"\{self\.prefix\}(_\w+)"', starlette)},
        "grpc": set(re.findall(r'"(grpc_server_\w+)"',
                               wheel_text("py-grpc-prometheus", "py_grpc_prometheus/server_metrics.py"))),
        "jupyterhub": {f"{hub_prefix}_{name}"
                       for name in re.findall(r"(?:Histogram|Gauge|Counter)\(\s*'(\w+)'", jupyterhub)},
        "operator": {m._name for m in vars(operator_metrics).values() if isinstance(m, MetricWrapperBase)},
    }


@pytest.mark.parametrize("source", sorted(PREFIXES))
def test_queried_metrics_exist_upstream(source: str) -> None:
    names = upstream()[source]
    assert names, f"no metric names found in the {source} sources"
    exposed = {base + suffix for base in names for suffix in SUFFIXES}
    used = {n for n in queried() if n.startswith(PREFIXES[source])}
    assert used, f"no {source} metric is queried"
    assert used <= exposed, f"not exposed by {source}: {sorted(used - exposed)}"


def test_the_check_sees_a_typo() -> None:
    exposed = {base + suffix for base in upstream()["models"] for suffix in SUFFIXES}
    assert "model_infer_request_success_total" in exposed
    assert "model_infer_requests_success_total" not in exposed
