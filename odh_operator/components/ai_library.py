"""The AI Library: each pre-trained model served by its own MLServer Deployment and Service.

Every model in ``spec.aiLibrary.models`` becomes a ConfigMap (MLServer's ``settings.json`` and
``model-settings.json``), a Deployment and a Service, all named ``ai-library-<model>``. A model left out
of the list renders nothing, so the operator's pruning removes its objects.

The server image is the AI Library's own (``ai_library/``: package ``odh_ai_library`` on MLServer 1.7.1),
tagged with that package's version; each ``model-settings.json`` names its runtime class. The trained files
come from the image unless ``spec.aiLibrary.modelFiles`` points the servers at a volume or the data lake.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from odh_operator import release
from odh_operator.api.spec import AiLibraryModelFiles, AiLibrarySpec, ModelName, OpenDataHubSpec
from odh_operator.components.base import Component, Context, Instance
from odh_operator.components.rook_ceph import s3_endpoint, s3_secret_name

HTTP_PORT = 8080
GRPC_PORT = 8081
METRICS_PORT = 8082
METRICS_PATH = "/metrics"
MODELS_DIR = "/mnt/models"
MODEL_FILES_DIR = "/mnt/model-files"  # the volume of spec.aiLibrary.modelFiles (source Volume)
CACHE_DIR = "/tmp/odh-ai-library"  # where files from S3 are copied, on the pod's /tmp emptyDir
IMPLEMENTATIONS: dict[str, str] = {  # the runtime classes of the odh_ai_library package
    "sentiment-analysis": "odh_ai_library.sentiment_analysis.SentimentAnalysis",
    "flake-analysis": "odh_ai_library.flake_analysis.FlakeAnalysis",
    "duplicate-bug-detection": "odh_ai_library.duplicate_bug_detection.DuplicateBugDetection",
}
S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AccessKey", "AWS_SECRET_ACCESS_KEY": "SecretKey"}  # env -> Secret key

Json = dict[str, Any]


@dataclass(frozen=True)
class ModelServer:
    """What the templates need to serve one model."""

    model: str  # the model's name in the V2 API, e.g. sentiment-analysis
    app: str  # name of its ConfigMap, Deployment and Service, and its app label
    settings: Json  # settings.json
    model_settings: Json  # model-settings.json
    checksum: str  # of both files, on the pod template so a change rolls the pods


def ai_library_version() -> str:
    """The odh_ai_library package's version: ai_library/odh_ai_library/VERSION, copied into the operator's wheel."""
    package = Path(__file__).resolve().parents[1]
    for path in (package / "ai_library.VERSION", package.parent / "ai_library" / "odh_ai_library" / "VERSION"):
        if path.is_file():
            return path.read_text().strip()
    raise FileNotFoundError("the AI Library's VERSION file is neither in the package nor in the checkout")


def implementation(model: ModelName) -> str:
    """The MLServer runtime class of a model, in the odh_ai_library package."""
    return IMPLEMENTATIONS[model]


def model_files_uri(files: AiLibraryModelFiles, model: ModelName) -> str | None:
    """``parameters.uri`` of a model: its folder on the volume or in S3; None for the image's own files."""
    if files.source == "Volume":
        return f"{MODEL_FILES_DIR}/{model}"
    if files.source == "S3":
        return f"s3://{files.bucket}/{files.prefix + '/' if files.prefix else ''}{model}"
    return None


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


def model_settings(model: ModelName, files: AiLibraryModelFiles | None = None) -> Json:
    """MLServer's model-settings.json for one model (with the uri of its files when not the image's)."""
    uri = model_files_uri(files, model) if files else None
    return {"name": model, "implementation": implementation(model)} | ({"parameters": {"uri": uri}} if uri else {})


def s3_env(spec: OpenDataHubSpec, namespace: str) -> list[Json]:
    """The data lake's endpoint and the object store user's credentials (secretKeyRefs), for boto3."""
    secret = s3_secret_name(spec)
    return [{"name": "AWS_ENDPOINT_URL", "value": s3_endpoint(spec, namespace)},
            {"name": "ODH_AI_LIBRARY_CACHE", "value": CACHE_DIR}] + [
        {"name": env, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}} for env, key in S3_CREDENTIALS.items()
    ]


def model_server(model: ModelName, files: AiLibraryModelFiles | None = None) -> ModelServer:
    """The serving shape of one model."""
    app = f"ai-library-{model}"
    settings, per_model = server_settings(app), model_settings(model, files)
    digest = hashlib.sha256(json.dumps([settings, per_model], sort_keys=True).encode()).hexdigest()[:16]
    return ModelServer(model=model, app=app, settings=settings, model_settings=per_model, checksum=digest)


class AiLibrary(Component):
    """One MLServer Deployment and Service per served model, scraped by the monitoring component."""

    name = "ai-library"
    spec_key = "ai_library"
    title = "AiLibrary"
    default_images = {"server": release.image("ai-library", ai_library_version())}

    def image_overrides(self, spec: OpenDataHubSpec) -> dict[str, str | None]:
        section: AiLibrarySpec = spec.ai_library
        return {"server": section.image}

    def context(self, spec: OpenDataHubSpec, instance: Instance) -> Context:
        files = spec.ai_library.model_files
        return {
            "model_servers": [model_server(m, files) for m in dict.fromkeys(spec.ai_library.models)],
            "model_files_claim": files.claim_name if files.source == "Volume" else None,
            "model_files_dir": MODEL_FILES_DIR,
            "s3_env": s3_env(spec, instance.namespace) if files.source == "S3" else [],
            "http_port": HTTP_PORT,
            "grpc_port": GRPC_PORT,
            "metrics_port": METRICS_PORT,
            "metrics_path": METRICS_PATH,
            "models_dir": MODELS_DIR,
        }


COMPONENT = AiLibrary()
