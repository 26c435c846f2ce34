"""Real MLServer 1.7.1 processes serving the three models from the files the operator renders.

The operator's ai-library component is rendered with its own renderer; each model's ConfigMap
(``settings.json``, ``model-settings.json``) is written to a folder exactly as the pod mounts it, except the
three ports (three servers share this host). Then: V2 and Seldon calls, bad inputs, concurrent calls, metrics.
"""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from odh_ai_library.local_server import PORT_KEYS, LocalServer, model_folder
from odh_operator.api.spec import ALL_MODELS, OpenDataHubSpec
from odh_operator.components.ai_library import COMPONENT
from odh_operator.components.base import Instance
from odh_operator.render import render_component

Json = dict[str, Any]


def rendered_config_maps() -> dict[str, Json]:
    spec = OpenDataHubSpec.model_validate({"aiLibrary": {"enabled": True}})
    objects = render_component(COMPONENT, spec, Instance(name="odh", namespace="opendatahub"))
    return {o["metadata"]["name"]: o["data"] for o in objects if o["kind"] == "ConfigMap"}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LocalServer]]:
    root = tmp_path_factory.mktemp("models")
    started = {}
    for name, data in rendered_config_maps().items():
        settings, model_settings = json.loads(data["settings.json"]), json.loads(data["model-settings.json"])
        folder, ports = model_folder(root, settings, model_settings)
        written = json.loads((folder / "settings.json").read_text())
        assert {k: v for k, v in written.items() if k not in (*PORT_KEYS, "host")} == {
            k: v for k, v in settings.items() if k not in (*PORT_KEYS, "host")}
        assert json.loads((folder / "model-settings.json").read_text()) == model_settings
        started[model_settings["name"]] = LocalServer(folder, ports).start()
    try:
        for server in started.values():
            server.wait_ready(timeout=180)
        yield started
    finally:
        for server in started.values():
            server.stop()


def call(url: str, body: Any = None, raw: bytes | None = None, method: str = "POST") -> tuple[int, Any]:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method if data is not None else "GET",
                                     headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, text


def infer(server: LocalServer, *inputs: Json) -> tuple[int, Any]:
    return call(f"{server.url}/v2/models/{server.model}/infer", {"inputs": list(inputs)})


def seldon(server: LocalServer, body: Any) -> tuple[int, Any]:
    return call(f"{server.url}/api/v0.1/predictions", body)


def text(name: str, *values: str) -> Json:
    return {"name": name, "datatype": "BYTES", "shape": [len(values)], "data": list(values)}


def outputs(answer: Json) -> dict[str, list[Any]]:
    return {o["name"]: o["data"] for o in answer["outputs"]}


def test_rendered_settings_name_the_real_classes_and_no_worker_pool() -> None:
    for data in rendered_config_maps().values():
        assert json.loads(data["settings.json"])["parallel_workers"] == 0
        module, _, name = json.loads(data["model-settings.json"])["implementation"].rpartition(".")
        assert getattr(__import__(module, fromlist=[name]), name).__name__ == name


def test_health_readiness_and_metadata(servers: dict[str, LocalServer]) -> None:
    assert set(servers) == set(ALL_MODELS)
    for model, server in servers.items():
        assert call(f"{server.url}/v2/health/live")[0] == 200
        assert call(f"{server.url}/v2/health/ready")[0] == 200
        assert call(f"{server.url}/v2/models/{model}/ready")[0] == 200
        status, metadata = call(f"{server.url}/v2/models/{model}")
        assert status == 200 and metadata["name"] == model and metadata["platform"] == ""


# What a client discovers from GET /v2/models/<name>: each input and output, its datatype and shape (-1: batch or k).
METADATA = {
    "sentiment-analysis": ({"text": ("BYTES", [-1])}, {"label": ("BYTES", [-1]), "score": ("FP64", [-1])}),
    "flake-analysis": ({"log": ("BYTES", [-1])}, {"flake_probability": ("FP64", [-1]), "cluster": ("INT64", [-1]),
                                                  "nearest_failure": ("BYTES", [-1]), "similarity": ("FP64", [-1])}),
    "duplicate-bug-detection": (
        {"title": ("BYTES", [-1]), "description": ("BYTES", [-1]), "k": ("INT64", [-1])},
        {"ids": ("BYTES", [-1, -1]), "titles": ("BYTES", [-1, -1]), "scores": ("FP64", [-1, -1])}),
}
REQUESTS = {"sentiment-analysis": [text("text", "Fine.", "Awful.")], "flake-analysis": [text("log", "a", "b")],
            "duplicate-bug-detection": [text("title", "a crash", "a hang"), {"name": "k", "datatype": "INT64",
                                                                          "shape": [1], "data": [3]}]}


@pytest.mark.parametrize("model", sorted(METADATA))
def test_metadata_lists_inputs_and_outputs_as_answers_carry_them(servers: dict[str, LocalServer], model: str) -> None:
    server = servers[model]
    status, metadata = call(f"{server.url}/v2/models/{model}")
    assert status == 200, metadata
    inputs, outputs = METADATA[model]
    assert {t["name"]: (t["datatype"], t["shape"]) for t in metadata["inputs"]} == inputs
    assert {t["name"]: (t["datatype"], t["shape"]) for t in metadata["outputs"]} == outputs
    assert all(t["parameters"]["content_type"] == "str" for t in metadata["inputs"] if t["datatype"] == "BYTES")
    status, answer = infer(server, *REQUESTS[model])  # a batch of two: the answer has the declared tensors
    assert status == 200, answer
    assert [o["name"] for o in answer["outputs"]] == list(outputs)
    for tensor in answer["outputs"]:
        datatype, shape = outputs[tensor["name"]]
        assert tensor["datatype"] == datatype and len(tensor["shape"]) == len(shape) and tensor["shape"][0] == 2


def test_sentiment_v2_and_seldon(servers: dict[str, LocalServer]) -> None:
    server = servers["sentiment-analysis"]
    status, answer = infer(server, text("text", "I love this, it is wonderful!", "This is awful. I hate it."))
    assert status == 200, answer
    found = outputs(answer)
    assert found["label"] == ["positive", "negative"]
    assert found["score"][0] > 0.5 and found["score"][1] < -0.5
    status, answer = seldon(server, {"strData": "What a great, funny and moving film."})
    assert status == 200 and answer["jsonData"]["label"] == "positive", answer
    status, answer = seldon(server, {"jsonData": {"text": "The service was terrible and slow."}})
    assert status == 200 and answer["jsonData"]["label"] == "negative" and -1 <= answer["jsonData"]["score"] < 0


def test_flake_analysis_v2_and_seldon(servers: dict[str, LocalServer]) -> None:
    server = servers["flake-analysis"]
    log = "--- FAIL: test_gateway (3.10s)\ndial tcp 10.0.3.7:443: connect: connection refused\nERROR: job e2e failed"
    status, answer = infer(server, text("log", log))
    assert status == 200, answer
    found = outputs(answer)
    assert found["flake_probability"][0] > 0.8 and found["nearest_failure"][0].startswith("known-")
    bug = "+ job unit #4321\n--- FAIL: test_quota (1.00s)\nNameError: name 'quota_cache' is not defined\nERROR: job unit failed"
    status, answer = seldon(server, {"strData": bug})
    assert status == 200 and answer["jsonData"]["flake_probability"] < 0.3, answer


def test_duplicate_bug_detection_v2_and_seldon(servers: dict[str, LocalServer]) -> None:
    server = servers["duplicate-bug-detection"]
    status, answer = infer(server, text("title", "Login page crashes when saving a large file"),
                           text("description", "Seen on Fedora 39."), {"name": "k", "datatype": "INT32", "shape": [1], "data": [3]})
    assert status == 200, answer
    found = {o["name"]: o for o in answer["outputs"]}
    assert found["ids"]["shape"] == [1, 3] and all(i.startswith("BUG-") for i in found["ids"]["data"])
    assert found["scores"]["data"] == sorted(found["scores"]["data"], reverse=True)
    status, answer = seldon(server, {"jsonData": {"title": "Dashboard hangs", "description": "when sorting", "k": 2}})
    assert status == 200 and len(answer["jsonData"]["ids"]) == 2, answer
    status, answer = seldon(server, {"strData": "Dashboard hangs\nwhen sorting a huge table"})
    assert status == 200 and len(answer["jsonData"]["ids"]) == 5


@pytest.mark.parametrize(("model", "body", "status", "message"), [
    ("sentiment-analysis", {"strData": ""}, 400, "field 'text' is empty"),
    ("sentiment-analysis", {"jsonData": {"text": 42}}, 400, "field 'text' must be a string"),
    ("sentiment-analysis", {"strData": 42}, 400, "strData must be a string"),
    ("sentiment-analysis", {"strData": "x" * 20_001}, 413, "more than 20000"),
    ("sentiment-analysis", {"data": {"ndarray": [1]}}, 400, 'expected {"strData"'),
    ("flake-analysis", {"jsonData": {"log": "x", "extra": 1}}, 400, "unknown field(s) ['extra']"),
    ("duplicate-bug-detection", {"jsonData": {"title": "x", "k": 500}}, 400, "field 'k' must be between 1 and 50"),
])
def test_seldon_bad_input_is_named(servers: dict[str, LocalServer], model: str, body: Json, status: int,
                                   message: str) -> None:
    got, answer = seldon(servers[model], body)
    assert got == status and message in answer["status"]["info"], answer
    assert answer["status"]["status"] == "FAILURE"


def test_seldon_malformed_and_oversize_bodies(servers: dict[str, LocalServer]) -> None:
    server = servers["sentiment-analysis"]
    status, answer = call(f"{server.url}/api/v0.1/predictions", raw=b'{"strData": "unterminated')
    assert status == 400 and "not valid JSON" in answer["status"]["info"]
    status, answer = call(f"{server.url}/api/v0.1/predictions", raw=b'{"strData": "' + b"a" * 2_000_000 + b'"}')
    assert status == 413 and "larger than" in answer["status"]["info"]


def test_v2_bad_input_is_named(servers: dict[str, LocalServer]) -> None:
    server = servers["sentiment-analysis"]
    status, answer = infer(server, text("text", ""))
    assert status == 400 and "field 'text' is empty" in answer["error"]
    status, answer = infer(server, {"name": "text", "datatype": "INT32", "shape": [1], "data": [3]})
    assert status == 400 and "must have datatype BYTES, got INT32" in answer["error"]
    status, answer = infer(server, text("txt", "hello"))
    assert status == 400 and "unknown input 'txt'" in answer["error"]
    status, answer = infer(server, text("text", "y" * 20_001))
    assert status == 413 and "more than 20000" in answer["error"]
    status, answer = call(f"{server.url}/v2/models/sentiment-analysis/infer", raw=b'{"inputs": [')
    assert status == 422  # MLServer's own answer to malformed JSON
    # ... and the server keeps serving.
    assert infer(server, text("text", "Still here and happy."))[0] == 200


def test_concurrent_calls_get_their_own_answers(servers: dict[str, LocalServer]) -> None:
    sentences = [("I adore this wonderful place", "positive"), ("This is the worst, I hate it", "negative")] * 20

    def one(item: tuple[str, str]) -> tuple[str, str, int]:
        model = servers["sentiment-analysis"]
        status, answer = seldon(model, {"strData": item[0]})
        return item[1], answer["jsonData"]["label"] if status == 200 else "", status

    def duplicate(index: int) -> int:
        return seldon(servers["duplicate-bug-detection"], {"jsonData": {"title": f"Scheduler hangs {index}"}})[0]

    with ThreadPoolExecutor(8) as pool:
        labels = list(pool.map(one, sentences))
        others = list(pool.map(duplicate, range(20)))
    assert all(status == 200 and want == got for want, got, status in labels), labels
    assert others == [200] * 20


def test_metrics_count_requests_per_model(servers: dict[str, LocalServer]) -> None:
    for model, server in servers.items():
        assert infer(server, text("log" if model == "flake-analysis" else "title" if "bug" in model else "text",
                                  "a failure"))[0] == 200
        with urllib.request.urlopen(server.metrics_url, timeout=10) as response:
            metrics = response.read().decode()
        for name in ("model_infer_request_success_total", "model_infer_request_failure_total",
                     "model_infer_request_duration_count", "rest_server_requests_total",
                     "rest_server_request_duration_seconds_bucket"):
            assert f'{name}{{' in metrics, name
        assert f'model_infer_request_success_total{{model="{model}"' in metrics


def test_seldon_calls_are_in_the_series_the_dashboard_and_alert_select(servers: dict[str, LocalServer]) -> None:
    """The Seldon path's requests, by status code, and its latency histogram, with the labels and path value the
    models dashboard and ModelErrorRatioHigh select (``path``, ``status_code``)."""
    from prometheus_client.parser import text_string_to_metric_families

    from odh_operator.components.dashboards import SELDON_PATH

    server = servers["sentiment-analysis"]
    assert seldon(server, {"strData": "A fine day."})[0] == 200
    assert seldon(server, {"strData": ""})[0] == 400
    with urllib.request.urlopen(server.metrics_url, timeout=10) as response:
        families = {f.name: f for f in text_string_to_metric_families(response.read().decode())}
    requests = {s.labels["status_code"]: s.value for s in families["rest_server_requests"].samples
                if s.name == "rest_server_requests_total" and s.labels.get("path") == SELDON_PATH}
    assert requests.get("200", 0) >= 1 and requests.get("400", 0) >= 1, requests
    buckets = [s for s in families["rest_server_request_duration_seconds"].samples
               if s.name == "rest_server_request_duration_seconds_bucket" and s.labels.get("path") == SELDON_PATH]
    assert {s.labels["status_code"] for s in buckets} >= {"200", "400"} and all("le" in s.labels for s in buckets)


def test_model_files_from_a_mounted_folder(tmp_path: Path) -> None:
    """spec.aiLibrary.modelFiles Volume: parameters.uri names the folder; missing files fail the load."""
    spec = OpenDataHubSpec.model_validate(
        {"aiLibrary": {"enabled": True, "models": ["sentiment-analysis"],
                       "modelFiles": {"source": "Volume", "claimName": "models"}}})
    (data,) = [o["data"] for o in render_component(COMPONENT, spec, Instance("odh", "opendatahub"))
               if o["kind"] == "ConfigMap"]
    model_settings = json.loads(data["model-settings.json"])
    assert model_settings["parameters"]["uri"] == "/mnt/model-files/sentiment-analysis"
    model_settings["parameters"]["uri"] = str(tmp_path / "empty")  # a volume without the files
    (tmp_path / "empty").mkdir()
    folder, ports = model_folder(tmp_path, json.loads(data["settings.json"]), model_settings)
    server = LocalServer(folder, ports).start()
    try:
        with pytest.raises(RuntimeError, match="no weights.npz in"):
            server.wait_ready(timeout=120)
    finally:
        server.stop()
