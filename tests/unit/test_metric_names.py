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
    return {name for expr in queries() for name in NAME.findall(re.sub(r"\{[^}]*\}", "", expr))}


def queries() -> list[str]:
    """Every PromQL expression of the rendered dashboards and alert rules."""
    objects = render_component(COMPONENT, full_spec(), INSTANCE)
    exprs = [
        target["expr"]
        for o in objects if o["metadata"]["name"].startswith("grafana-dashboard-odh-")
        for panel in json.loads(next(iter(o["data"].values())))["panels"]
        for target in panel["targets"]
    ]
    [rules] = find(objects, "ConfigMap", "prometheus-rules")["data"].values()
    exprs += [r["expr"] for g in yaml.safe_load(rules)["groups"] for r in g["rules"]]
    return exprs


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


def rest_labels() -> set[str]:
    """The labels of starlette-exporter's request counter and duration histogram (MLServer adds none)."""
    source = wheel_text("starlette-exporter", "starlette_exporter/middleware.py")
    found = re.findall(r'_requests_total"\n.*?Counter\(\s*metric_name,\s*"[^"]*",\s*\(([^)]*)\)', source, re.DOTALL)
    return set(re.findall(r'"(\w+)"', found[0])) if found else set()


def target_labels(job: str) -> set[str]:
    """The labels Prometheus puts on every series of a rendered scrape job (its own and the relabelled ones)."""
    objects = render_component(COMPONENT, full_spec(), INSTANCE)
    [config] = [yaml.safe_load(text) for o in objects if o["kind"] == "ConfigMap"
                for name, text in o["data"].items() if name == "prometheus.yml"]
    [scrape] = [c for c in config["scrape_configs"] if c["job_name"] == job]
    return {"job", "instance"} | {r["target_label"] for r in scrape["relabel_configs"]
                                  if "target_label" in r and not r["target_label"].startswith("__")}


def test_seldon_queries_select_labels_mlserver_exports() -> None:
    """The Seldon-protocol panels and alert select MLServer's REST metrics by labels the servers expose (or the
    scrape adds), and by the path the AI Library's Seldon handler is served at."""
    from odh_ai_library.serving import SELDON_PATH

    rest = rest_labels()
    assert {"method", "path", "status_code", "app_name"} <= rest, rest
    allowed = rest | target_labels("ai-library")
    assert "app" in allowed  # the model server's name, ai-library-<model>: the Seldon queries group by it
    selections = [(expr, selector) for expr in queries()
                  for selector in re.findall(r"rest_server_\w+\{([^}]*)\}", expr)]
    seldon = [(expr, selector) for expr, selector in selections if "path=" in selector]
    assert len({expr for expr, _ in seldon}) >= 5, "the models dashboard and alert query the Seldon path"
    for expr, selector in selections:
        labels = set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", selector))
        assert labels <= allowed, f"{expr}: labels {sorted(labels - allowed)} are not exposed"
        assert set(re.findall(r'path="([^"]*)"', selector)) <= {SELDON_PATH}, expr
    for expr, _ in seldon:  # an app label of the form ai-library-<model> is how a query names the model
        for app in re.findall(r'"app", "([^"]*)\(\.\+\)"', expr):
            assert app == "ai-library-", expr


def test_the_label_check_sees_a_wrong_label() -> None:
    allowed = rest_labels() | target_labels("ai-library")
    assert "status_code" in allowed and "status" not in allowed and "model" not in allowed
