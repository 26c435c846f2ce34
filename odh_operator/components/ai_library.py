"""The AI Library: each pre-trained model served by its own MLServer Deployment and Service.

Every model in ``spec.aiLibrary.models`` becomes a ConfigMap (MLServer's ``settings.json`` and
``model-settings.json``), a Deployment and a Service, all named ``ai-library-<model>``. A model left out
of the list renders nothing, so the operator's pruning removes its objects.

The model code is not part of the server image yet: each ``model-settings.json`` names the runtime class
``odh_ai_library.<model_module>.<ClassName>`` (e.g. ``odh_ai_library.sentiment_analysis.SentimentAnalysis``),
the placeholder the AI Library package must provide. Until an image with that package is configured
(``spec.aiLibrary.image``), MLServer fails to load the model and its pods do not become ready.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from odh_operator.api.spec import AiLibrarySpec, ModelName, OpenDataHubSpec
from odh_operator.components.base import Component, Context, Instance

HTTP_PORT = 8080
GRPC_PORT = 8081
METRICS_PORT = 8082
METRICS_PATH = "/metrics"
MODELS_DIR = "/mnt/models"
RUNTIME_PACKAGE = "odh_ai_library"

Json = dict[str, Any]


@dataclass(frozen=True)
class ModelServer:
    """What the templates need to serve one model."""

    model: str  # the model's name in the V2 API, e.g. sentiment-analysis
    app: str  # name of its ConfigMap, Deployment and Service, and its app label
    settings: Json  # settings.json
    model_settings: Json  # model-settings.json
    checksum: str  # of both files, on the pod template so a change rolls the pods


def implementation(model: ModelName) -> str:
    """The MLServer runtime class of a model: ``odh_ai_library.<model_module>.<ClassName>`` (placeholder)."""
    module = model.replace("-", "_")
    class_name = "".join(part.capitalize() for part in model.split("-"))
    return f"{RUNTIME_PACKAGE}.{module}.{class_name}"


def server_settings(app: str) -> Json:
    """MLServer's settings.json. parallel_workers must be 0 on these machines: inference runs in-process."""
    return {
        "debug": False,
        "server_name": app,
        "host": "0.0.0.0",
        "http_port": HTTP_PORT,
        "grpc_port": GRPC_PORT,
        "metrics_port": METRICS_PORT,
        "metrics_endpoint": METRICS_PATH,
        "parallel_workers": 0,
        "load_models_at_startup": True,
    }


def model_settings(model: ModelName) -> Json:
    """MLServer's model-settings.json for one model."""
    return {"name": model, "implementation": implementation(model)}


def model_server(model: ModelName) -> ModelServer:
    """The serving shape of one model."""
    app = f"ai-library-{model}"
    settings, per_model = server_settings(app), model_settings(model)
    digest = hashlib.sha256(json.dumps([settings, per_model], sort_keys=True).encode()).hexdigest()[:16]
    return ModelServer(model=model, app=app, settings=settings, model_settings=per_model, checksum=digest)


class AiLibrary(Component):
    """One MLServer Deployment and Service per served model, scraped by the monitoring component."""

    name = "ai-library"
    spec_key = "ai_library"
    title = "AiLibrary"
    default_images = {"server": "docker.io/seldonio/mlserver:1.7.1"}

    def image_overrides(self, spec: OpenDataHubSpec) -> dict[str, str | None]:
        section: AiLibrarySpec = spec.ai_library
        return {"server": section.image}

    def context(self, spec: OpenDataHubSpec, instance: Instance) -> Context:
        return {
            "model_servers": [model_server(m) for m in dict.fromkeys(spec.ai_library.models)],
            "http_port": HTTP_PORT,
            "grpc_port": GRPC_PORT,
            "metrics_port": METRICS_PORT,
            "metrics_path": METRICS_PATH,
            "models_dir": MODELS_DIR,
        }


COMPONENT = AiLibrary()
