"""The operator and the test harness type-check under mypy --strict (pyproject's [tool.mypy])."""

import subprocess
import sys

from tests.conftest import ROOT


def test_mypy_strict_passes() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, text=True, capture_output=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
