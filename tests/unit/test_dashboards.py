"""Grafana as the monitoring component provisions it: dashboards parse, point at the datasource, are mounted."""

import json
import re
from typing import Any

import pytest
import yaml

from odh_operator.components.grafana import GRID_WIDTH
from odh_operator.components.monitoring import COMPONENT
from odh_operator.render import render_component
from tests.unit.component_helpers import INSTANCE, find, full_spec

Object = dict[str, Any]
OBJECTS = render_component(COMPONENT, full_spec(), INSTANCE)
DASHBOARD_MAPS = [o for o in OBJECTS if o["metadata"]["name"].startswith("grafana-dashboard-odh-")]
EXPECTED = {"odh-overview", "odh-ceph", "odh-spark", "odh-jupyterhub", "odh-models", "odh-operator"}


def dashboards() -> dict[str, Object]:
    """Every provisioned dashboard, parsed from its ConfigMap (one JSON file each)."""
    parsed = {}
    for config_map in DASHBOARD_MAPS:
        [(file_name, text)] = config_map["data"].items()
        dashboard = json.loads(text)
        assert file_name == f"{dashboard['uid']}.json"
        assert config_map["metadata"]["name"] == f"grafana-dashboard-{dashboard['uid']}"
        parsed[dashboard["uid"]] = dashboard
    return parsed


def datasource_uid() -> str:
    datasources = yaml.safe_load(find(OBJECTS, "ConfigMap", "grafana-datasources")["data"]["datasources.yaml"])
    [datasource] = datasources["datasources"]
    assert datasource["type"] == "prometheus"
    uid: str = datasource["uid"]
    return uid


def test_every_component_has_a_dashboard() -> None:
    assert set(dashboards()) == EXPECTED
    titles = [d["title"] for d in dashboards().values()]
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("uid", sorted(EXPECTED))
def test_every_panel_and_query_uses_the_provisioned_datasource(uid: str) -> None:
    expected = datasource_uid()
    dashboard = dashboards()[uid]
    assert dashboard["panels"]
    for panel in dashboard["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": expected}, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == {"type": "prometheus", "uid": expected}, panel["title"]
            assert target["expr"].strip(), panel["title"]


@pytest.mark.parametrize("uid", sorted(EXPECTED))
def test_panels_have_unique_ids_and_do_not_overlap(uid: str) -> None:
    panels = dashboards()[uid]["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["w"] > 0 and grid["x"] + grid["w"] <= GRID_WIDTH, panel["title"]
        xs, ys = range(grid["x"], grid["x"] + grid["w"]), range(grid["y"], grid["y"] + grid["h"])
        area = {(x, y) for x in xs for y in ys}
        assert not cells & area, f"{panel['title']} overlaps another panel"
        cells |= area
        assert panel["title"] and panel["description"]
        assert [t["refId"] for t in panel["targets"]] == [chr(ord("A") + i) for i in range(len(panel["targets"]))]


@pytest.mark.parametrize("uid", sorted(EXPECTED))
def test_legend_labels_come_from_the_query(uid: str) -> None:
    """A legend ``{{label}}`` names a label the query keeps (in a ``by (...)`` clause or a raw series)."""
    for panel in dashboards()[uid]["panels"]:
        for target in panel["targets"]:
            for label in re.findall(r"\{\{(\w+)\}\}", target["legendFormat"]):
                grouped = re.findall(r"by \(([^)]*)\)", target["expr"])
                kept = {name.strip() for clause in grouped for name in clause.split(",")}
                aggregated = bool(re.search(r"\b(sum|count|max|min|avg)\b", target["expr"]))
                assert label in kept or not aggregated or "group_left" in target["expr"], (
                    f"{uid} / {panel['title']}: legend label {label} not kept by {target['expr']}"
                )


def test_every_provisioned_file_is_mounted_where_grafana_reads_it() -> None:
    deployment = find(OBJECTS, "Deployment", "grafana")
    pod = deployment["spec"]["template"]["spec"]
    [grafana] = pod["containers"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in grafana["volumeMounts"]}
    config_maps = {o["metadata"]["name"] for o in OBJECTS if o["kind"] == "ConfigMap"}

    def mounted_config_map(path: str) -> str:
        mount = mounts[path]
        assert mount["readOnly"] is True
        name: str = volumes[mount["name"]]["configMap"]["name"]
        assert name in config_maps
        return name

    # Grafana reads provisioning files from /etc/grafana/provisioning/<kind>/ (its default paths.provisioning).
    assert mounted_config_map("/etc/grafana/provisioning/datasources") == "grafana-datasources"
    assert mounted_config_map("/etc/grafana/provisioning/dashboards") == "grafana-dashboard-providers"
    providers = yaml.safe_load(find(OBJECTS, "ConfigMap", "grafana-dashboard-providers")["data"]["dashboards.yaml"])
    [provider] = providers["providers"]
    root = provider["options"]["path"]
    under_root = {mounted_config_map(path) for path in mounts if path.startswith(root + "/")}
    assert under_root == {m["metadata"]["name"] for m in DASHBOARD_MAPS}
    # Every ConfigMap volume of the pod exists among the rendered objects.
    for volume in volumes.values():
        if "configMap" in volume:
            assert volume["configMap"]["name"] in config_maps


def test_ceph_health_panel_maps_ceph_values() -> None:
    health = next(p for p in dashboards()["odh-ceph"]["panels"] if p["title"] == "Health")
    assert health["targets"][0]["expr"] == "ceph_health_status"
    [mapping] = health["fieldConfig"]["defaults"]["mappings"]
    assert {k: v["text"] for k, v in mapping["options"].items()} == {
        "0": "HEALTH_OK", "1": "HEALTH_WARN", "2": "HEALTH_ERR"
    }


def test_seldon_panels_find_each_model_server_by_its_app_label() -> None:
    """MLServer's REST metrics carry no model: the Seldon panels and alert know a model by its server's ``app``
    label (the pods' app.kubernetes.io/name, copied by the scrape job), ai-library-<model>."""
    from odh_operator.api.spec import ALL_MODELS, OpenDataHubSpec
    from odh_operator.components.ai_library import COMPONENT as AI_LIBRARY
    from odh_operator.components.dashboards import MODEL_APP_PREFIX

    spec = OpenDataHubSpec.model_validate({"aiLibrary": {"enabled": True}})
    deployments = [o for o in render_component(AI_LIBRARY, spec, INSTANCE) if o["kind"] == "Deployment"]
    names = {d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] for d in deployments}
    assert names == {MODEL_APP_PREFIX + model for model in ALL_MODELS}
    seldon = [t["expr"] for p in dashboards()["odh-models"]["panels"] if p["title"].startswith("Seldon")
              for t in p["targets"]]
    assert len(seldon) == 4 and all('path="/api/v0.1/predictions"' in e and "by (app" in e for e in seldon), seldon
