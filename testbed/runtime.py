"""An environment holding the operator and its runtime dependencies only, as its image does.

The test environment also holds the test tools (a schema validator, an async Kubernetes client for
KubeSpawner, ...), which kopf and the kubernetes client import when they find them: measuring the
operator's memory there would charge it for the test suite. Benchmarks run it from here instead.
"""

import hashlib
import subprocess
import sys
from pathlib import Path

from testbed.build import cache_root

ROOT = Path(__file__).resolve().parent.parent


def runtime_python() -> str:
    """The interpreter of a venv with this checkout installed (editable, no extras), made once per checkout
    and pyproject."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + str(ROOT).encode()).hexdigest()[:12]
    venv = cache_root().parent / f"runtime-{digest}"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating the operator's runtime environment in {venv}", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", str(ROOT)], check=True)
    return str(python)
