"""The pinned training stack (``ai_library/training.lock``, the same pins as ``pyproject.toml``): under it,
``train`` rewrites the stored files byte for byte; other versions of numpy, scipy or scikit-learn may change the
fitted weights."""

import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from odh_ai_library.evaluation.common import SOURCE_DATA

LOCK = SOURCE_DATA.parent / "training.lock"


def pinned(lock: Path = LOCK) -> dict[str, str]:
    """package -> version, and ``python`` -> major.minor, as the lock file pins them."""
    pins = {}
    for line in lock.read_text().splitlines():
        if line.startswith("# python "):
            pins["python"] = line.split()[2]
        elif line.strip() and not line.startswith("#"):
            name, _, wanted = line.partition("==")
            pins[name.strip()] = wanted.strip()
    return pins


def mismatches(lock: Path = LOCK) -> list[str]:
    """What differs between the running environment and the lock (empty: the stored files will be reproduced)."""
    found = []
    for name, wanted in pinned(lock).items():
        try:
            have = f"{sys.version_info.major}.{sys.version_info.minor}" if name == "python" else version(name)
        except PackageNotFoundError:
            have = "missing"
        if have != wanted:
            found.append(f"{name} {have} (locked: {wanted})")
    return found
