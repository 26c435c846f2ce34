"""The models dashboard and alert against a real MLServer 1.7.1, scraped by the real Prometheus.

MLServer runs locally (the AI Library image's environment from the testbed) with the ``settings.json`` the AI Library component renders
(ports moved to free ones) and a small model that fails on request, over V2 and over the Seldon path (a custom
handler, as the AI Library's). After successful and failed calls of both, every query of the models dashboard and
the ``ModelErrorRatioHigh`` expression answer with the model's series: names and labels are what MLServer really
exports.
"""

import json
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import yaml
from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components import ai_library
from testbed import programs
from testbed.harness import answers, free_port, wait_for
from tests.e2e.test_monitoring import get_json, prometheus, rendered_monitoring

MODEL = '''
from mlserver import MLModel
from mlserver.codecs import StringCodec
from mlserver.handlers import custom_handler
from mlserver.types import InferenceRequest, InferenceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse


class Echo(MLModel):
    async def load(self) -> bool:
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        text = StringCodec.decode_input(payload.inputs[0])
        if text == ["fail"]:
            raise ValueError("asked to fail")
        return InferenceResponse(model_name=self.name, outputs=[StringCodec.encode_output("echo", text)])

    @custom_handler(rest_path="/api/v0.1/predictions", rest_method="POST")
    async def seldon(self, request: Request) -> JSONResponse:
        text = (await request.json()).get("strData")
        if text == "fail":
            return JSONResponse({"status": {"code": 400, "info": "asked to fail"}}, status_code=400)
        return JSONResponse({"strData": text})
'''


def mlserver_venv() -> Path:
    """The AI Library image's environment (MLServer 1.7.1) from the testbed's programs."""
    programs.ensure_installed("ai-library environment")
    return programs.ai_library_env()


def infer(port: int, text: str) -> int:
    """A V2 inference call; its HTTP status."""
    return post(f"http://127.0.0.1:{port}/v2/models/echo/infer",
                {"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": [text]}]})


def seldon(port: int, text: str) -> int:
    """A Seldon-protocol call; its HTTP status."""
    return post(f"http://127.0.0.1:{port}/api/v0.1/predictions", {"strData": text})


def post(url: str, body: Any) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_models_dashboard_and_alert_query_a_real_mlserver(tmp_path: Path) -> None:
    venv = mlserver_venv()
    models = tmp_path / "models"
    (models / "echo").mkdir(parents=True)
    (models / "echo" / "model.py").write_text(MODEL)
    (models / "echo" / "model-settings.json").write_text(json.dumps({"name": "echo", "implementation": "model.Echo"}))
    http, grpc, metrics = free_port(), free_port(), free_port()
    settings: dict[str, Any] = {**ai_library.server_settings("ai-library-echo"), "host": "127.0.0.1",
                                "http_port": http, "grpc_port": grpc, "metrics_port": metrics}
    (models / "settings.json").write_text(json.dumps(settings))

    log_path = tmp_path / "mlserver.log"
    with log_path.open("w") as log:
        server = subprocess.Popen([str(venv / "bin" / "mlserver"), "start", str(models)], cwd=models,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for("MLServer to load the model",
                     lambda: answers(f"http://127.0.0.1:{http}/v2/models/echo/ready", server, log_path), timeout=120)
            spec = OpenDataHubSpec.model_validate({"monitoring": {"enabled": True}, "aiLibrary": {"enabled": True}},
                                                  by_alias=True)
            config, rule_files, dashboards = rendered_monitoring(spec, "opendatahub")
            [job] = [j for j in config["scrape_configs"] if j["job_name"] == "ai-library"]
            job.pop("kubernetes_sd_configs")
            job["relabel_configs"] = []
            # The labels the job's relabelling gives a model server pod.
            job["static_configs"] = [{"targets": [f"127.0.0.1:{metrics}"],
                                      "labels": {"app": "ai-library-echo", "namespace": "opendatahub"}}]
            config["scrape_configs"] = [job]
            config["global"]["scrape_interval"] = config["global"]["evaluation_interval"] = "1s"
            [board] = [d for d in dashboards if d["uid"] == "odh-models"]
            queries = {f"{panel['title']} / {target['refId']}": target["expr"].replace("$__rate_interval", "20s")
                       for panel in board["panels"] for target in panel["targets"]}
            rules = [r for text in rule_files.values() for g in yaml.safe_load(text)["groups"] for r in g["rules"]]
            [error_ratio] = [r["expr"] for r in rules if r["alert"] == "ModelErrorRatioHigh"]

            with prometheus(config, rule_files, tmp_path / "prometheus") as base:
                def query(expr: str) -> list[Any]:
                    result = get_json(f"{base}/query?" + urllib.parse.urlencode({"query": expr}))
                    assert result["status"] == "success", (expr, result)
                    data: list[Any] = result["data"]["result"]
                    return data

                wait_for("Prometheus to scrape MLServer", lambda: query('up{job="ai-library"} == 1') or None)
                statuses = []
                for _ in range(8):  # traffic across several scrapes, one in five requests failing, both protocols
                    statuses += [infer(http, "hello") for _ in range(4)] + [infer(http, "fail")]
                    statuses += [seldon(http, "hello") for _ in range(4)] + [seldon(http, "fail")]
                    time.sleep(1)
                assert statuses.count(200) == 64 and statuses.count(400) + statuses.count(500) == 16, statuses

                def answered() -> dict[str, list[Any]] | None:
                    results = {title: query(expr) for title, expr in queries.items()}
                    return results if results["Errors per model / A"] else None

                results = wait_for("the models dashboard to show the traffic", answered, timeout=30)
                empty = {title for title, series in results.items() if not series}
                assert empty <= {"gRPC calls per server / A"}, empty  # no gRPC call was made
                assert {s["metric"].get("model") for s in results["Requests per model / A"]} == {"echo"}
                servers = {s["metric"].get("app") for s in results["REST responses per server / A"]}
                assert servers == {"ai-library-echo"}
                [ratio] = results["Error ratio per model / A"]
                assert 0.1 < float(ratio["value"][1]) < 0.35, ratio
                [seldon_ratio] = results["Seldon error ratio per model server / A"]
                assert seldon_ratio["metric"].get("app") == "ai-library-echo"
                assert 0.1 < float(seldon_ratio["value"][1]) < 0.35, seldon_ratio
                [firing] = query(error_ratio)  # 20% of requests fail: above the alert's threshold
                assert firing["metric"] == {"model": "echo", "namespace": "opendatahub"}
        finally:
            server.terminate()
            server.wait(timeout=30)
