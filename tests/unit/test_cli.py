"""The odh-operator command line, run as a user would: a separate process."""

import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import EXAMPLES, ROOT


def odh_operator(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "odh_operator", *args], input=stdin, text=True, capture_output=True, cwd=ROOT
    )


def test_render_full_example_as_yaml() -> None:
    result = odh_operator("render", "-f", str(EXAMPLES / "opendatahub-full.yaml"))
    assert result.returncode == 0, result.stderr
    objects = list(yaml.safe_load_all(result.stdout))
    assert len(objects) > 10
    assert objects[0]["kind"] == "CustomResourceDefinition"


def test_render_json_narrowed_to_a_component() -> None:
    result = odh_operator("render", "-f", str(EXAMPLES / "opendatahub-full.yaml"), "-o", "json",
                          "--component", "gpu-device-plugin")
    assert result.returncode == 0, result.stderr
    objects = json.loads(result.stdout)
    assert {o["metadata"]["labels"]["app.kubernetes.io/component"] for o in objects} == {"gpu-device-plugin"}


def test_minimal_example_renders_only_jupyterhub() -> None:
    result = odh_operator("render", "-f", str(EXAMPLES / "opendatahub-minimal.yaml"), "-o", "json")
    assert result.returncode == 0, result.stderr
    assert {o["metadata"]["labels"]["app.kubernetes.io/component"] for o in json.loads(result.stdout)} == {
        "jupyterhub"
    }


def test_invalid_resource_exits_2_with_one_line_per_problem() -> None:
    bad = {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub", "metadata": {"name": "x"},
           "spec": {"jupyterHub": {"replicas": 2}, "rookCeph": {"monCount": 4}}}
    result = odh_operator("render", "-f", "-", stdin=yaml.safe_dump(bad))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert any(line.startswith("error: spec.jupyterHub.replicas: unknown field") for line in lines)
    assert any(line.startswith("error: spec.rookCeph.monCount:") for line in lines)


def test_not_yaml_exits_2() -> None:
    result = odh_operator("render", "-f", "-", stdin="spec: [unclosed\n")
    assert (result.returncode, result.stdout) == (2, "")
    assert "not valid YAML" in result.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = odh_operator("render", "-f", str(tmp_path / "absent.yaml"))
    assert (result.returncode, result.stdout) == (2, "")
    assert "absent.yaml" in result.stderr


def test_unknown_component_is_a_usage_error() -> None:
    result = odh_operator("render", "-f", str(EXAMPLES / "opendatahub-full.yaml"), "--component", "kafka")
    assert (result.returncode, result.stdout) == (2, "")


def test_crd_command_prints_the_committed_crd() -> None:
    result = odh_operator("crd")
    assert result.returncode == 0
    committed = (ROOT / "crds" / "opendatahub.io_opendatahubs.yaml").read_text()
    assert yaml.safe_load(result.stdout) == yaml.safe_load(committed)


def test_version() -> None:
    result = odh_operator("--version")
    assert result.returncode == 0 and result.stdout.startswith("odh-operator ")
