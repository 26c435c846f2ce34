"""The image's Dockerfile passes hadolint and runs what the operator's pods expect."""

import subprocess
import sys
from pathlib import Path

AI_LIBRARY = Path(__file__).resolve().parents[1]


def hadolint() -> str:
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.exists() else "hadolint"


def test_hadolint_passes() -> None:
    result = subprocess.run([hadolint(), str(AI_LIBRARY / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_runs_mlserver_on_the_mounted_settings_as_user_1000() -> None:
    text = (AI_LIBRARY / "Dockerfile").read_text()
    assert "USER 1000:1000" in text and "MLSERVER_MODELS_DIR=/mnt/models" in text
    assert 'mlserver start \\"${MLSERVER_MODELS_DIR}\\"' in text
    assert "COPY odh_ai_library ./odh_ai_library" in text  # the package with its model files
