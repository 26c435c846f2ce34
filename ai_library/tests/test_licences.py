"""The AI Library's wheel and image carry the Apache-2.0 text and the third-party notices (VADER's MIT licence,
the sources of the training texts), the notices also beside the model files."""

import subprocess
import sys
import zipfile
from pathlib import Path

AI_LIBRARY = Path(__file__).resolve().parents[1]
ROOT = AI_LIBRARY.parent


def test_licence_is_the_apache_2_text_and_the_same_as_the_repository_s() -> None:
    text = (AI_LIBRARY / "LICENSE").read_text()
    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text and "END OF TERMS AND CONDITIONS" in text
    assert text == (ROOT / "LICENSE").read_text()


def test_notices_name_vader_s_mit_licence_and_every_text_source() -> None:
    notices = (AI_LIBRARY / "THIRD_PARTY_NOTICES").read_text()
    vader = (AI_LIBRARY / "data" / "sentiment" / "LICENSE.txt").read_text()
    assert " ".join(vader.split()).rstrip('"') in " ".join(notices.split())  # the MIT text, word for word
    for source in ("Pang", "Hu and B. Liu", "New York Times", "tweets", "CC BY 4.0", "GitBugs", "MIT"):
        assert source in notices, source


def test_wheel_carries_licence_and_notices_also_beside_the_model_files(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path),
                    str(AI_LIBRARY)], check=True, timeout=300, capture_output=True)
    (wheel,) = tmp_path.glob("odh_ai_library-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (licence,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        (notices,) = [n for n in names if n.endswith(".dist-info/licenses/THIRD_PARTY_NOTICES")]
        assert archive.read(licence) == (AI_LIBRARY / "LICENSE").read_bytes()
        assert archive.read(notices) == (AI_LIBRARY / "THIRD_PARTY_NOTICES").read_bytes()
        assert archive.read("odh_ai_library/models/THIRD_PARTY_NOTICES") == archive.read(notices)
        assert not [n for n in names if "hadoop" in n or "seamonkey" in n], "GitBugs is test data only"


def test_image_builds_the_wheel_with_them_and_keeps_a_copy_in_licenses() -> None:
    text = (AI_LIBRARY / "Dockerfile").read_text()
    assert "COPY pyproject.toml README.md LICENSE THIRD_PARTY_NOTICES ./" in text
    assert "COPY LICENSE THIRD_PARTY_NOTICES /licenses/" in text.split("\nFROM ")[-1]
