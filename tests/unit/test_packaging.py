"""The wheel carries the templates and the CRD, and renders from an install, not from a checkout."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
    )
    (found,) = out.glob("odh_operator-*.whl")
    return found


def test_wheel_contains_manifests_and_crd(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "odh_operator/crds/opendatahub.io_opendatahubs.yaml" in names
    templates = {n.split("/")[2] for n in names if n.startswith("odh_operator/manifests/") and n.endswith(".yaml.j2")}
    assert {"rook-ceph", "spark-operator", "jupyterhub", "monitoring", "gpu-device-plugin", "ai-library"} <= templates


def test_installed_wheel_renders_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-m", "odh_operator", "render", "-f", str(EXAMPLES / "opendatahub-full.yaml"), "-o", "json"],
        cwd=tmp_path, env=env, text=True, capture_output=True,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)
    located = subprocess.run(
        [sys.executable, "-c", "import odh_operator.resources as r; print(r.manifests_dir())"],
        cwd=tmp_path, env=env, text=True, capture_output=True, check=True,
    )
    assert located.stdout.strip().startswith(str(site))
