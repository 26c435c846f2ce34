"""Reproducible model files: the training stack is pinned (``ai_library/training.lock``), ``train`` refuses any
other, and under it retraining writes the stored files byte for byte (flake analysis and duplicate detection are
retrained here, about two minutes; sentiment analysis takes ten and was checked by hand)."""

from pathlib import Path

import pytest

from odh_ai_library.cli import main
from odh_ai_library.evaluation import duplicates, flakes
from odh_ai_library.evaluation.lock import LOCK, mismatches, pinned
from odh_ai_library.serving import packaged_models_dir

AI_LIBRARY = Path(__file__).resolve().parents[1]


def test_lock_pins_the_libraries_that_fit_the_models() -> None:
    assert LOCK == AI_LIBRARY / "training.lock"
    assert {"python", "numpy", "scipy", "scikit-learn", "vaderSentiment"} <= set(pinned())


def test_the_package_depends_on_exactly_the_locked_versions() -> None:
    """So that every install of the package (the image, the suite's environment) has the training stack."""
    import tomllib

    dependencies = tomllib.loads((AI_LIBRARY / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = {name.lower(): wanted for name, wanted in pinned().items() if name != "python"}
    assert {d.split("==")[0].lower(): d.split("==")[1] for d in dependencies if d.split("==")[0].lower() in pins} == pins


def test_this_environment_is_the_locked_one() -> None:
    """The suite's environment must be the lock's, or the stored files cannot be reproduced here."""
    assert mismatches() == []


def test_train_refuses_another_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    lock = tmp_path / "training.lock"
    lock.write_text("# python 3.11\nscikit-learn==0.1\n")
    assert mismatches(lock) == [f"scikit-learn {pinned()['scikit-learn']} (locked: 0.1)"]
    monkeypatch.setattr("odh_ai_library.cli.mismatches", lambda: mismatches(lock))
    assert main(["train", "--models", str(tmp_path / "models")]) == 2
    assert "not the locked training stack" in capsys.readouterr().err
    assert not (tmp_path / "models").exists()


@pytest.mark.parametrize("model", ["flake-analysis", "duplicate-bug-detection"])
def test_retraining_writes_the_stored_files_byte_for_byte(tmp_path: Path, model: str) -> None:
    out = tmp_path / model
    {"flake-analysis": flakes.train, "duplicate-bug-detection": duplicates.train}[model](out)
    stored = packaged_models_dir() / model
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(p.name for p in stored.iterdir() if p.is_file())
    for name in written:
        assert (out / name).read_bytes() == (stored / name).read_bytes(), name
