"""promtool (Prometheus v3.12.0, built from source by testbed) checks what the monitoring component renders.

- ``promtool check config`` on the rendered prometheus.yml, with the rendered rule files where it says;
- ``promtool check rules`` on the alert rules;
- ``promtool test rules``: a few alerts fire, and only when they should, on synthetic series;
- every PromQL query of every dashboard parses (as a throwaway recording rule), with Grafana's
  ``$__rate_interval`` replaced by a duration.
"""

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from odh_operator.components.monitoring import COMPONENT, RULES_DIR
from odh_operator.render import render_component
from testbed import build
from tests.unit.component_helpers import INSTANCE, find, full_spec

Object = dict[str, Any]
OBJECTS = render_component(COMPONENT, full_spec(), INSTANCE)


@pytest.fixture(scope="module")
def promtool() -> Path:
    """The promtool binary; built (once, cached) when missing, never skipped."""
    path = build.ensure_built() / "promtool"
    assert path.is_file()
    return path


def run(promtool: Path, *args: str, cwd: Path) -> str:
    proc = subprocess.run([str(promtool), *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    return output


def rule_files() -> dict[str, str]:
    files: dict[str, str] = find(OBJECTS, "ConfigMap", "prometheus-rules")["data"]
    return files


def write_rules(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in rule_files().items():
        (directory / name).write_text(text)
        paths.append(directory / name)
    return paths


def test_promtool_accepts_the_rendered_config_with_its_rules(promtool: Path, tmp_path: Path) -> None:
    text = find(OBJECTS, "ConfigMap", "prometheus-config")["data"]["prometheus.yml"]
    config = yaml.safe_load(text)
    assert config["rule_files"] == [f"{RULES_DIR}/*.yml"]
    # The rules where the pod mounts them, moved under the temporary directory.
    rules_dir = tmp_path / RULES_DIR.lstrip("/")
    [rules] = write_rules(rules_dir)
    config["rule_files"] = [str(rules_dir / "*.yml")]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    output = run(promtool, "check", "config", "prometheus.yml", cwd=tmp_path)
    assert "SUCCESS" in output and str(rules) in output


def test_promtool_rejects_a_broken_rule(promtool: Path, tmp_path: Path) -> None:
    """The check can fail: a typo in an expression is refused."""
    broken = {"groups": [{"name": "x", "rules": [{"alert": "Broken", "expr": "sum by (job (up)"}]}]}
    (tmp_path / "broken.yml").write_text(yaml.safe_dump(broken))
    proc = subprocess.run([str(promtool), "check", "rules", "broken.yml"], cwd=tmp_path, capture_output=True)
    assert proc.returncode != 0


def test_promtool_accepts_the_alert_rules(promtool: Path, tmp_path: Path) -> None:
    [rules] = write_rules(tmp_path)
    output = run(promtool, "check", "rules", "--lint=all", "--lint-fatal", rules.name, cwd=tmp_path)
    count = sum(len(g["rules"]) for g in yaml.safe_load(rules.read_text())["groups"])
    assert f"SUCCESS: {count} rules found" in output


def test_every_dashboard_query_parses(promtool: Path, tmp_path: Path) -> None:
    records = []
    for config_map in (o for o in OBJECTS if o["metadata"]["name"].startswith("grafana-dashboard-odh-")):
        [text] = config_map["data"].values()
        dashboard = json.loads(text)
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                expr = target["expr"].replace("$__rate_interval", "2m")
                assert "$" not in expr, expr
                name = re.sub(r"\W", "_", f"dashboard:{dashboard['uid']}:panel{panel['id']}_{target['refId']}")
                records.append({"record": name.replace("dashboard_", "dashboard:", 1), "expr": expr})
    assert len(records) > 40
    (tmp_path / "dashboards.yml").write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": records}]}))
    output = run(promtool, "check", "rules", "dashboards.yml", cwd=tmp_path)
    assert f"SUCCESS: {len(records)} rules found" in output


def rendered_rules() -> list[Object]:
    [text] = rule_files().values()
    return [rule for group in yaml.safe_load(text)["groups"] for rule in group["rules"]]


def expected(name: str, labels: dict[str, str], value: str = "") -> dict[str, Any]:
    """The labels and annotations a rendered alert should carry, its templates expanded by hand."""
    def own_labels(rule: Object) -> dict[str, str]:
        return {k: v for k, v in rule["labels"].items() if k != "severity"}

    [rule] = [r for r in rendered_rules() if r["alert"] == name and own_labels(r).items() <= labels.items()]

    def expand(text: str) -> str:
        text = re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels.get(m.group(1), ""), text)
        return text.replace("{{ $value | humanizePercentage }}", value).replace("{{ $value }}", value)

    return {
        "exp_labels": {**labels, **rule["labels"]},
        "exp_annotations": {k: expand(v) for k, v in rule["annotations"].items()},
    }


def series(selector: str, values: str) -> dict[str, str]:
    """An input series of a rule unit test (promtool's expanding notation: ``0+1x30``)."""
    return {"series": selector, "values": values}


def absent_jobs() -> list[str]:
    """The jobs whose absence is alerted on."""
    return [r["labels"]["job"] for r in rendered_rules() if r["alert"] == "OdhComponentAbsent"]


def test_alerts_fire_when_they_should(promtool: Path, tmp_path: Path) -> None:
    [rules] = write_rules(tmp_path)
    down = {"job": "spark-operator", "namespace": "opendatahub"}
    tests = [
        {   # A component whose only target stops answering: down after 5 minutes, not at 4.
            "interval": "1m",
            "input_series": [
                series('up{job="spark-operator",namespace="opendatahub",instance="a:8080",pod="p"}', "1 0x20"),
            ],
            "alert_rule_test": [
                {"eval_time": "5m", "alertname": "OdhComponentDown", "exp_alerts": []},
                {"eval_time": "7m", "alertname": "OdhComponentDown",
                 "exp_alerts": [expected("OdhComponentDown", down)]},
                {"eval_time": "20m", "alertname": "OdhTargetDown", "exp_alerts": []},  # the component alert says it
                {"eval_time": "7m", "alertname": "OdhComponentAbsent", "exp_alerts": []},
            ],
        },
        {   # One model server of two stops answering: that target is down, the component is not.
            "interval": "1m",
            "input_series": [
                series('up{job="ai-library",namespace="opendatahub",instance="10.0.0.1:8082",pod="a"}', "1 0x30"),
                series('up{job="ai-library",namespace="opendatahub",instance="10.0.0.2:8082",pod="b"}', "1x30"),
            ],
            "alert_rule_test": [
                {"eval_time": "15m", "alertname": "OdhTargetDown", "exp_alerts": []},
                {"eval_time": "17m", "alertname": "OdhTargetDown", "exp_alerts": [expected("OdhTargetDown", {
                    "job": "ai-library", "namespace": "opendatahub", "instance": "10.0.0.1:8082", "pod": "a"})]},
                {"eval_time": "17m", "alertname": "OdhComponentDown", "exp_alerts": []},
            ],
        },
        {   # A job with no target at all.
            "interval": "1m",
            "input_series": [series('up{job="grafana",namespace="opendatahub",instance="g:3000"}', "1x20")],
            "alert_rule_test": [
                {"eval_time": "9m", "alertname": "OdhComponentAbsent", "exp_alerts": []},
                {"eval_time": "11m", "alertname": "OdhComponentAbsent", "exp_alerts": [
                    expected("OdhComponentAbsent", {"job": job}) for job in absent_jobs() if job != "grafana"]},
            ],
        },
        {   # Ceph: HEALTH_ERR, and raw usage at 80% (nearly full, not yet critical).
            "interval": "1m",
            "input_series": [
                series('ceph_health_status{job="ceph-mgr"}', "0 2x20"),
                series('ceph_cluster_total_bytes{job="ceph-mgr"}', "100x20"),
                series('ceph_cluster_total_used_raw_bytes{job="ceph-mgr"}', "80x20"),
            ],
            "alert_rule_test": [
                {"eval_time": "7m", "alertname": "CephHealthError",
                 "exp_alerts": [expected("CephHealthError", {"job": "ceph-mgr"})]},
                {"eval_time": "7m", "alertname": "CephHealthWarning", "exp_alerts": []},
                {"eval_time": "12m", "alertname": "CephCapacityNearlyFull",
                 "exp_alerts": [expected("CephCapacityNearlyFull", {"job": "ceph-mgr"}, "80%")]},
                {"eval_time": "12m", "alertname": "CephCapacityCriticallyFull", "exp_alerts": []},
            ],
        },
        {   # A model failing one request in ten, and a healthy one.
            "interval": "1m",
            "input_series": [
                series('model_infer_request_failure_total{model="flaky",namespace="opendatahub"}', "0+1x30"),
                series('model_infer_request_success_total{model="flaky",namespace="opendatahub"}', "0+9x30"),
                series('model_infer_request_failure_total{model="fine",namespace="opendatahub"}', "0x30"),
                series('model_infer_request_success_total{model="fine",namespace="opendatahub"}', "0+9x30"),
            ],
            "alert_rule_test": [
                {"eval_time": "20m", "alertname": "ModelErrorRatioHigh", "exp_alerts": [
                    expected("ModelErrorRatioHigh", {"model": "flaky", "namespace": "opendatahub"}, "10%")]},
            ],
        },
        {   # Seldon-protocol traffic (MLServer's REST counter, no model label): one server of two pods answers
            # one request in five with a 400 or 500; another only with 200s.
            "interval": "1m",
            "input_series": [
                series(f'rest_server_requests_total{{app="ai-library-{model}",namespace="opendatahub",pod="{pod}",'
                       f'path="/api/v0.1/predictions",method="POST",status_code="{code}"}}', values)
                for model, pod, code, values in [
                    ("flaky", "a", "200", "0+4x30"), ("flaky", "a", "400", "0+1x30"),
                    ("flaky", "b", "200", "0+4x30"), ("flaky", "b", "500", "0+1x30"),
                    ("fine", "c", "200", "0+9x30"),
                ]
            ] + [series('rest_server_requests_total{app="ai-library-fine",namespace="opendatahub",pod="c",'
                        'path="/v2/health/live",method="GET",status_code="500"}', "0+9x30")],
            "alert_rule_test": [
                {"eval_time": "20m", "alertname": "ModelErrorRatioHigh", "exp_alerts": [
                    expected("ModelErrorRatioHigh", {"model": "flaky", "namespace": "opendatahub"}, "20%")]},
            ],
        },
        {   # The operator: a platform whose reconciles keep failing.
            "interval": "1m",
            "input_series": [
                series('odh_operator_reconcile_total{namespace="team",name="odh",result="error"}', "0+1x40"),
                series('odh_operator_reconcile_total{namespace="ok",name="odh",result="error"}', "3x40"),
            ],
            "alert_rule_test": [
                {"eval_time": "10m", "alertname": "OdhOperatorReconcileErrors", "exp_alerts": []},
                {"eval_time": "31m", "alertname": "OdhOperatorReconcileErrors",
                 "exp_alerts": [expected("OdhOperatorReconcileErrors", {"namespace": "team", "name": "odh"})]},
            ],
        },
    ]
    (tmp_path / "tests.yml").write_text(yaml.safe_dump(
        {"rule_files": [rules.name], "evaluation_interval": "1m", "tests": tests}, sort_keys=False
    ))
    output = run(promtool, "test", "rules", "tests.yml", cwd=tmp_path)
    assert "SUCCESS" in output
