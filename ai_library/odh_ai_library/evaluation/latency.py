"""Latency and memory of real MLServer processes: one request at a time, the server pinned to one CPU.

The settings are the operator's (``odh_operator.components.ai_library``) when it is installed, else the
same values written here; only the ports differ (see ``local_server``).
"""

import http.client
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from odh_ai_library.evaluation import bug_reports, ci_logs
from odh_ai_library.evaluation.common import SOURCE_DATA
from odh_ai_library.local_server import LocalServer, model_folder

IMPLEMENTATIONS = {
    "sentiment-analysis": "odh_ai_library.sentiment_analysis.SentimentAnalysis",
    "flake-analysis": "odh_ai_library.flake_analysis.FlakeAnalysis",
    "duplicate-bug-detection": "odh_ai_library.duplicate_bug_detection.DuplicateBugDetection",
}


def settings_for(model: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        from odh_operator.components.ai_library import model_server
    except ImportError:
        return ({"parallel_workers": 0, "debug": False, "metrics_endpoint": "/metrics", "load_models_at_startup": True},
                {"name": model, "implementation": IMPLEMENTATIONS[model]})
    served = model_server(model)  # type: ignore[arg-type]
    return served.settings, served.model_settings


def requests_for(model: str, count: int) -> list[dict[str, Any]]:
    """V2 request bodies of held-out inputs."""
    if model == "sentiment-analysis":
        from odh_ai_library.evaluation.sentiment import load

        corpus = load(SOURCE_DATA) if (SOURCE_DATA / "sentiment").is_dir() else None
        texts = [t for t, test in zip(corpus.texts, corpus.test) if test][:: 7] if corpus else ["Not bad at all!"]
        inputs = [{"name": "text", "datatype": "BYTES", "shape": [1], "data": [t]} for t in texts]
    elif model == "flake-analysis":
        inputs = [{"name": "log", "datatype": "BYTES", "shape": [1], "data": [str(log["log"])]}
                  for log in ci_logs.generate(ci_logs.HELD_OUT, min(count, 200), "bench")]
    else:
        _, queries = bug_reports.corpus(10_000, 500)
        bodies = [{"inputs": [{"name": "title", "datatype": "BYTES", "shape": [1], "data": [q["title"]]},
                              {"name": "description", "datatype": "BYTES", "shape": [1], "data": [q["description"]]}]}
                  for q in queries]
        return (bodies * (count // len(bodies) + 1))[:count]
    return ([{"inputs": [i]} for i in inputs] * (count // max(len(inputs), 1) + 1))[:count]


def seldon_body(v2: dict[str, Any]) -> dict[str, Any]:
    """The same request in the Seldon protocol."""
    return {"jsonData": {i["name"]: i["data"][0] for i in v2["inputs"]}}


def measure(server: LocalServer, bodies: list[dict[str, Any]], path: str) -> dict[str, float]:
    connection = http.client.HTTPConnection("127.0.0.1", server.ports["http_port"], timeout=30)
    times = []
    for index, body in enumerate(bodies):
        payload = json.dumps(body)
        start = time.perf_counter()
        connection.request("POST", path, payload, {"content-type": "application/json"})
        response = connection.getresponse()
        response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise RuntimeError(f"{server.model}: {response.status}")
        if index >= 20:  # warm-up
            times.append(elapsed)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p99_ms": round(times[int(0.99 * (len(times) - 1))], 2),
            "requests": len(times)}


def bench(models: list[str], count: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as root:
        for model in models:
            settings, model_settings = settings_for(model)
            folder, ports = model_folder(Path(root), settings, model_settings)
            server = LocalServer(folder, ports, cpus="0").start()
            try:
                started = time.monotonic()
                server.wait_ready()
                ready = time.monotonic() - started
                bodies = requests_for(model, count + 20)
                results[model] = {"v2": measure(server, bodies, f"/v2/models/{model}/infer"),
                                  "seldon": measure(server, [seldon_body(b) for b in bodies], "/api/v0.1/predictions"),
                                  "rss_mib": round(server.rss_mib(), 1), "ready_after_s": round(ready, 1)}
            finally:
                server.stop()
    return results
