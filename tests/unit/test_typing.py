"""mypy --strict passes on the operator and the test harness (the root pyproject's [tool.mypy]) and the AI Library
(ai_library/pyproject.toml's, where MLServer, scikit-learn, SciPy, VADER and boto3 have no stubs)."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHECKS = {
    "odh_operator": ("pyproject.toml", "odh_operator", "testbed"),
    "odh_ai_library": ("ai_library/pyproject.toml", "ai_library/odh_ai_library"),
}


def mypy(config: str, *paths: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", config, *paths], cwd=ROOT, text=True,
                          capture_output=True, timeout=600)


@pytest.mark.parametrize("package", sorted(CHECKS))
def test_mypy_strict_is_clean(package: str) -> None:
    config, *paths = CHECKS[package]
    result = mypy(config, *paths)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_mypy_sees_an_untyped_mlserver_subclass_and_a_wrong_return(tmp_path: Path) -> None:
    bad = tmp_path / "bad_runtime.py"
    bad.write_text("from mlserver import MLModel\n\n\nclass Model(MLModel):\n"
                   "    def load(self) -> bool:\n        return 'yes'\n")
    result = mypy("ai_library/pyproject.toml", str(bad))
    assert result.returncode != 0
    assert "[misc]" in result.stdout and "[return-value]" in result.stdout, result.stdout
