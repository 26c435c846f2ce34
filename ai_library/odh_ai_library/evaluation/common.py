"""Shared by the evaluations: where the data is, deterministic held-out splits."""

import zlib
from pathlib import Path


def _source_data() -> Path:
    """ai_library/data: beside the package in a checkout, else under the working directory (repo or ai_library)."""
    candidates = [Path(__file__).resolve().parents[2] / "data", Path.cwd() / "ai_library" / "data", Path.cwd() / "data"]
    return next((c for c in candidates if (c / "sentiment").is_dir()), candidates[0])


SOURCE_DATA = _source_data()


def held_out(key: str, fraction_in_five: int = 1) -> bool:
    """Whether an example (by a stable key) is in the held-out test set: a fixed fifth, by CRC32."""
    return zlib.crc32(key.encode()) % 5 < fraction_in_five
