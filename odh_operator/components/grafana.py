"""Small builders for Grafana: provisioning files, panels and dashboards laid out in rows.

A dashboard is written as rows of panels; ids and grid positions are computed, and every panel and
query points at the provisioned Prometheus datasource by its uid.
"""

from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]

DATASOURCE_UID = "prometheus"
DATASOURCE = {"type": "prometheus", "uid": DATASOURCE_UID}
DASHBOARDS_DIR = "/etc/grafana/dashboards"
GRID_WIDTH = 24
RATE = "$__rate_interval"  # Grafana's rate window: at least four scrape intervals


@dataclass(frozen=True)
class Panel:
    """One panel: ``targets`` are (PromQL, legend) pairs; ``kind`` is a Grafana panel type."""

    title: str
    description: str
    targets: list[tuple[str, str]]
    unit: str = "short"
    kind: str = "timeseries"
    mappings: list[Json] = field(default_factory=list)
    thresholds: list[tuple[float | None, str]] = field(default_factory=list)  # (from, colour); first from None
    stacked: bool = False

    def build(self, panel_id: int, x: int, y: int, width: int, height: int) -> Json:
        """The panel's JSON at a grid position."""
        defaults: Json = {"unit": self.unit, "mappings": self.mappings}
        if self.thresholds:
            defaults["thresholds"] = {
                "mode": "absolute", "steps": [{"value": value, "color": colour} for value, colour in self.thresholds]
            }
        if self.stacked:
            defaults["custom"] = {"stacking": {"mode": "normal", "group": "A"}, "fillOpacity": 30}
        options: Json = {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}}
        if self.kind in ("stat", "gauge", "bargauge"):
            options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}
        return {
            "id": panel_id,
            "type": self.kind,
            "title": self.title,
            "description": self.description,
            "datasource": DATASOURCE,
            "gridPos": {"x": x, "y": y, "w": width, "h": height},
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": options,
            "targets": [
                {"refId": chr(ord("A") + i), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
                for i, (expr, legend) in enumerate(self.targets)
            ],
        }


def stat(title: str, description: str, expr: str, unit: str = "short", **extra: Any) -> Panel:
    """A single-value panel."""
    return Panel(title, description, [(expr, title)], unit=unit, kind="stat", **extra)


def dashboard(uid: str, title: str, description: str, rows: list[list[Panel]], row_height: int = 8) -> Json:
    """A dashboard whose panels fill each row in equal widths, rows stacked top to bottom."""
    panels: list[Json] = []
    y = 0
    for row in rows:
        width = GRID_WIDTH // len(row)
        # Rows of graphs are full height, rows of single values half.
        height = row_height if any(p.kind == "timeseries" for p in row) else row_height // 2
        for column, panel in enumerate(row):
            panels.append(panel.build(len(panels) + 1, column * width, y, width, height))
        y += height
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["opendatahub"],
        "editable": False,
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "1m",
        "timezone": "browser",
        "templating": {"list": []},
        "annotations": {"list": []},
        "panels": panels,
    }


def datasources(prometheus_url: str, scrape_interval: str) -> Json:
    """Datasource provisioning: the Prometheus Service as the default, read-only datasource."""
    return {
        "apiVersion": 1,
        "datasources": [{
            "name": "Prometheus",
            "uid": DATASOURCE_UID,
            "type": "prometheus",
            "access": "proxy",
            "url": prometheus_url,
            "orgId": 1,
            "isDefault": True,
            "editable": False,
            "jsonData": {"timeInterval": scrape_interval},
        }],
    }


def dashboard_providers() -> Json:
    """Dashboard provisioning: every dashboard ConfigMap mounted under DASHBOARDS_DIR, in one folder."""
    return {
        "apiVersion": 1,
        "providers": [{
            "name": "opendatahub",
            "orgId": 1,
            "folder": "Open Data Hub",
            "type": "file",
            "disableDeletion": True,
            "allowUiUpdates": False,
            "updateIntervalSeconds": 30,
            "options": {"path": DASHBOARDS_DIR, "foldersFromFilesStructure": False},
        }],
    }
