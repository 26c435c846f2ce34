"""The AI Library component: one MLServer Deployment, Service and ConfigMap per model."""

import importlib
import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from pydantic import ValidationError

from odh_operator.api.spec import ALL_MODELS, OpenDataHubSpec
from odh_operator.components.ai_library import COMPONENT, ai_library_version, implementation
from odh_operator.render import render_component
from tests.unit.component_helpers import INSTANCE, full_spec, spec_with

Object = dict[str, Any]
ROOT = Path(__file__).resolve().parents[2]


def spec_of(ai_library: dict[str, Any], **top: Any) -> OpenDataHubSpec:
    return spec_with("aiLibrary", ai_library, **top)


def render(spec: OpenDataHubSpec) -> list[Object]:
    return render_component(COMPONENT, spec, INSTANCE)


def of_kind(objects: list[Object], kind: str) -> dict[str, Object]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def pod_spec(objects: list[Object], model: str) -> Object:
    spec: Object = of_kind(objects, "Deployment")[f"ai-library-{model}"]["spec"]["template"]["spec"]
    return spec


def test_full_example_serves_every_model() -> None:
    objects = render(full_spec())
    apps = {f"ai-library-{m}" for m in ALL_MODELS}
    assert set(of_kind(objects, "Deployment")) == apps
    assert set(of_kind(objects, "Service")) == apps
    assert set(of_kind(objects, "ConfigMap")) == apps
    assert set(of_kind(objects, "ServiceAccount")) == {"ai-library"}
    assert len(objects) == 1 + 3 * len(ALL_MODELS)
    assert all(o["metadata"]["namespace"] == "opendatahub" for o in objects)


def test_disabled_renders_nothing() -> None:
    assert render(OpenDataHubSpec()) == []


@pytest.mark.parametrize("models", [list(ALL_MODELS), ["flake-analysis"], []])
def test_every_object_passes_strict_schema_validation(models: list[str]) -> None:
    for obj in render(spec_of({"models": models, "replicas": 2})):
        kubernetes_validate.validate(obj, "1.36.0", strict=True)


@pytest.mark.parametrize("files", [{"source": "Volume", "claimName": "ai-models"},
                                   {"source": "S3", "bucket": "models", "prefix": ""}])
def test_model_file_sources_pass_strict_schema_validation(files: dict[str, Any]) -> None:
    for obj in render(spec_of({"modelFiles": files})):
        kubernetes_validate.validate(obj, "1.36.0", strict=True)


def test_removing_a_model_drops_its_objects() -> None:
    before = {(o["kind"], o["metadata"]["name"]) for o in render(spec_of({"models": list(ALL_MODELS)}))}
    kept = spec_of({"models": ["sentiment-analysis", "flake-analysis"]})
    after = {(o["kind"], o["metadata"]["name"]) for o in render(kept)}
    dropped = {(kind, "ai-library-duplicate-bug-detection") for kind in ("ConfigMap", "Service", "Deployment")}
    assert before - after == dropped
    assert after < before


def test_no_models_leaves_only_the_service_account() -> None:
    assert [(o["kind"], o["metadata"]["name"]) for o in render(spec_of({"models": []}))] == [
        ("ServiceAccount", "ai-library")
    ]


def test_duplicate_models_render_once() -> None:
    objects = render(spec_of({"models": ["flake-analysis", "flake-analysis"]}))
    assert list(of_kind(objects, "Deployment")) == ["ai-library-flake-analysis"]
    assert len(objects) == 4


@pytest.mark.parametrize("replicas", [0, 1, 3])
def test_replicas_from_spec(replicas: int) -> None:
    for deployment in of_kind(render(spec_of({"replicas": replicas})), "Deployment").values():
        assert deployment["spec"]["replicas"] == replicas


def test_images_pinned_overridable_and_mirrored() -> None:
    def images(spec: OpenDataHubSpec) -> set[str]:
        return {pod_spec(render(spec), m)["containers"][0]["image"] for m in ALL_MODELS}

    version = (ROOT / "ai_library" / "odh_ai_library" / "VERSION").read_text().strip()
    assert ai_library_version() == version
    assert images(full_spec()) == {f"quay.io/opendatahub/odh-ai-library:v{version}"}
    assert images(spec_of({"image": "quay.io/odh/ai-library:0.1"})) == {"quay.io/odh/ai-library:0.1"}
    assert images(spec_of({}, imageRegistry="mirror.local/odh")) == {f"mirror.local/odh/opendatahub/odh-ai-library:v{version}"}


def test_mlserver_settings() -> None:
    config_maps = of_kind(render(full_spec()), "ConfigMap")
    for model in ALL_MODELS:
        data = config_maps[f"ai-library-{model}"]["data"]
        settings = json.loads(data["settings.json"])
        assert settings["parallel_workers"] == 0
        assert (settings["http_port"], settings["grpc_port"], settings["metrics_port"]) == (8080, 8081, 8082)
        assert settings["metrics_endpoint"] == "/metrics"
        assert settings["debug"] is False
        model_settings = json.loads(data["model-settings.json"])
        assert model_settings == {"name": model, "implementation": implementation(model)}
    assert implementation("sentiment-analysis") == "odh_ai_library.sentiment_analysis.SentimentAnalysis"
    assert implementation("flake-analysis") == "odh_ai_library.flake_analysis.FlakeAnalysis"
    assert implementation("duplicate-bug-detection") == "odh_ai_library.duplicate_bug_detection.DuplicateBugDetection"


def test_implementations_are_the_ai_library_s_runtime_classes() -> None:
    from mlserver import MLModel

    for model in ALL_MODELS:
        module, _, name = implementation(model).rpartition(".")
        runtime = getattr(importlib.import_module(module), name)
        assert issubclass(runtime, MLModel) and runtime.artifact == model


def test_model_files_from_a_volume() -> None:
    objects = render(spec_of({"modelFiles": {"source": "Volume", "claimName": "ai-models"}}))
    for model in ALL_MODELS:
        settings = json.loads(of_kind(objects, "ConfigMap")[f"ai-library-{model}"]["data"]["model-settings.json"])
        assert settings["parameters"] == {"uri": f"/mnt/model-files/{model}"}
        pod = pod_spec(objects, model)
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["model-files"]["persistentVolumeClaim"] == {"claimName": "ai-models", "readOnly": True}
        mounts = {m["name"]: m for m in pod["containers"][0]["volumeMounts"]}
        assert mounts["model-files"] == {"name": "model-files", "mountPath": "/mnt/model-files", "readOnly": True}


def test_model_files_from_the_data_lake() -> None:
    objects = render(spec_of({"modelFiles": {"source": "S3", "bucket": "models", "prefix": "odh/ai"}}))
    for model in ALL_MODELS:
        settings = json.loads(of_kind(objects, "ConfigMap")[f"ai-library-{model}"]["data"]["model-settings.json"])
        assert settings["parameters"] == {"uri": f"s3://models/odh/ai/{model}"}
        env = {e["name"]: e for e in pod_spec(objects, model)["containers"][0]["env"]}
        assert env["AWS_ENDPOINT_URL"]["value"] == "http://rook-ceph-rgw-odh-datalake.opendatahub.svc:80"
        assert env["AWS_ACCESS_KEY_ID"]["valueFrom"]["secretKeyRef"]["key"] == "AccessKey"
        assert env["AWS_SECRET_ACCESS_KEY"]["valueFrom"]["secretKeyRef"]["key"] == "SecretKey"
        assert env["ODH_AI_LIBRARY_CACHE"]["value"].startswith("/tmp/")  # the writable emptyDir
        assert "model-files" not in {v["name"] for v in pod_spec(objects, model)["volumes"]}


def test_image_files_by_default() -> None:
    objects = render(full_spec())
    for model in ALL_MODELS:
        settings = json.loads(of_kind(objects, "ConfigMap")[f"ai-library-{model}"]["data"]["model-settings.json"])
        assert "parameters" not in settings
        env = {e["name"] for e in pod_spec(objects, model)["containers"][0]["env"]}
        assert not env & {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID"}


@pytest.mark.parametrize(("files", "message"), [
    ({"source": "Volume"}, "claimName is required when source is Volume"),
    ({"source": "S3"}, "bucket is required when source is S3"),
    ({"source": "S3", "bucket": "Bad_Bucket"}, "String should match pattern"),
    ({"source": "Git"}, "Input should be 'Image', 'Volume' or 'S3'"),
])
def test_invalid_model_files_are_rejected(files: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        spec_of({"modelFiles": files})


def test_crd_carries_the_model_files_rules() -> None:
    crd = (ROOT / "crds" / "opendatahub.io_opendatahubs.yaml").read_text()
    assert "self.source != 'Volume' || has(self.claimName)" in crd
    assert "self.source != 'S3' || has(self.bucket)" in crd


def test_settings_are_mounted_as_the_model_folder() -> None:
    objects = render(full_spec())
    for model in ALL_MODELS:
        pod = pod_spec(objects, model)
        server = pod["containers"][0]
        env = {e["name"]: e["value"] for e in server["env"]}
        mounts = {m["name"]: m for m in server["volumeMounts"]}
        assert mounts["model-settings"]["mountPath"] == env["MLSERVER_MODELS_DIR"] == "/mnt/models"
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["model-settings"]["configMap"]["name"] == f"ai-library-{model}"
        assert {"tmp", "cache"} <= set(volumes)


def test_ports_probes_and_service() -> None:
    objects = render(full_spec())
    services = of_kind(objects, "Service")
    for model in ALL_MODELS:
        server = pod_spec(objects, model)["containers"][0]
        assert {p["name"]: p["containerPort"] for p in server["ports"]} == {"http": 8080, "grpc": 8081, "metrics": 8082}
        assert server["livenessProbe"]["httpGet"] == {"path": "/v2/health/live", "port": "http"}
        assert server["readinessProbe"]["httpGet"] == {"path": f"/v2/models/{model}/ready", "port": "http"}
        assert server["startupProbe"]["httpGet"]["path"] == "/v2/health/live"
        service = services[f"ai-library-{model}"]
        labels = of_kind(objects, "Deployment")[f"ai-library-{model}"]["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items()
        assert {p["name"]: (p["port"], p["targetPort"]) for p in service["spec"]["ports"]} == {
            "http": (8080, "http"), "grpc": (8081, "grpc")
        }


def test_selectors_are_distinct_per_model() -> None:
    selectors = [d["spec"]["selector"]["matchLabels"] for d in of_kind(render(full_spec()), "Deployment").values()]
    assert len({json.dumps(s, sort_keys=True) for s in selectors}) == len(ALL_MODELS)


def test_pods_are_annotated_for_scraping() -> None:
    for deployment in of_kind(render(full_spec()), "Deployment").values():
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/port"] == "8082"
        assert annotations["prometheus.io/path"] == "/metrics"


def test_pods_run_restricted() -> None:
    objects = render(full_spec())
    for model in ALL_MODELS:
        pod = pod_spec(objects, model)
        assert pod["automountServiceAccountToken"] is False
        assert pod["serviceAccountName"] == "ai-library"
        assert pod["securityContext"] == {
            "runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000,
            "seccompProfile": {"type": "RuntimeDefault"},
        }
        assert pod["containers"][0]["securityContext"] == {
            "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}
        }
    assert of_kind(objects, "ServiceAccount")["ai-library"]["automountServiceAccountToken"] is False
    assert not [o for o in objects if o["kind"] in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")]


def test_resources_placement_and_pull_secrets_from_spec() -> None:
    spec = spec_of(
        {
            "resources": {"requests": {"cpu": "2", "memory": "4Gi"}, "limits": {"memory": "8Gi"}},
            "placement": {"nodeSelector": {"gpu": "yes"}, "tolerations": [{"key": "gpu", "operator": "Exists"}]},
        },
        imagePullSecrets=["pull"],
    )
    objects = render(spec)
    for model in ALL_MODELS:
        pod = pod_spec(objects, model)
        assert pod["containers"][0]["resources"] == {
            "requests": {"cpu": "2", "memory": "4Gi"}, "limits": {"memory": "8Gi"}
        }
        assert pod["nodeSelector"] == {"gpu": "yes"}
        assert pod["tolerations"] == [{"key": "gpu", "operator": "Exists"}]
        assert pod["imagePullSecrets"] == [{"name": "pull"}]


def test_no_object_carries_the_data_label() -> None:
    for obj in render(full_spec()):
        assert "opendatahub.io/data" not in obj["metadata"]["labels"]


def _deployment(name: str, replicas: int, available: int) -> Object:
    return {
        "kind": "Deployment",
        "metadata": {"name": name, "generation": 1},
        "spec": {"replicas": replicas},
        "status": {"observedGeneration": 1, "availableReplicas": available, "updatedReplicas": available},
    }


def test_readiness_follows_the_model_servers() -> None:
    ready = [_deployment(f"ai-library-{m}", 1, 1) for m in ALL_MODELS]
    assert COMPONENT.readiness(ready).state == "Ready"
    assert COMPONENT.readiness([_deployment("ai-library-flake-analysis", 0, 0)]).state == "Ready"
    not_ready = COMPONENT.readiness([*ready[:2], _deployment("ai-library-duplicate-bug-detection", 2, 1)])
    assert (not_ready.state, not_ready.reason) == ("NotReady", "WorkloadsNotReady")
    assert "ai-library-duplicate-bug-detection" in not_ready.message
