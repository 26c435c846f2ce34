"""The operator's wheel and image carry the Apache-2.0 text (section 4(a)) and the repository's notices."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_operator_wheel_carries_the_licence_text(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path),
                    str(ROOT)], check=True, timeout=300, capture_output=True)
    (wheel,) = tmp_path.glob("odh_operator-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (licence,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert archive.read(licence) == (ROOT / "LICENSE").read_bytes()
        assert any(n.endswith(".dist-info/licenses/THIRD_PARTY_NOTICES") for n in names)
    text = (ROOT / "LICENSE").read_text()
    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"] and "END OF TERMS AND CONDITIONS" in text


def test_operator_image_copies_the_licence() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY pyproject.toml README.md LICENSE THIRD_PARTY_NOTICES ./" in dockerfile
    assert "COPY LICENSE THIRD_PARTY_NOTICES /licenses/" in dockerfile.split("\nFROM ")[-1]
