"""Shared by the evaluations: where the data is, deterministic held-out splits, timing."""

import json
import statistics
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

def _source_data() -> Path:
    """ai_library/data: beside the package in a checkout, else under the working directory (repo or ai_library)."""
    candidates = [Path(__file__).resolve().parents[2] / "data", Path.cwd() / "ai_library" / "data", Path.cwd() / "data"]
    return next((c for c in candidates if (c / "sentiment").is_dir()), candidates[0])


SOURCE_DATA = _source_data()


def held_out(key: str, fraction_in_five: int = 1) -> bool:
    """Whether an example (by a stable key) is in the held-out test set: a fixed fifth, by CRC32."""
    return zlib.crc32(key.encode()) % 5 < fraction_in_five


def latency_ms(call: Callable[[Any], Any], inputs: list[Any]) -> dict[str, float]:
    """p50 and p99 of single calls, in milliseconds."""
    times = []
    for item in inputs:
        start = time.perf_counter()
        call(item)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p99_ms": round(times[int(0.99 * (len(times) - 1))], 2)}


def write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n")
