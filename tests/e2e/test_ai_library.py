"""The AI Library on the real control plane: Ready with the real image's settings, and those settings serve.

kwok runs no containers, so after the component is Ready the test takes the ConfigMaps from the API server
and starts a real MLServer on them (only the ports changed: see odh_ai_library.local_server).
"""

import json
import urllib.request
from pathlib import Path
from typing import Any

from odh_ai_library.local_server import LocalServer, model_folder
from odh_operator.api.spec import ALL_MODELS
from odh_operator.components.ai_library import IMPLEMENTATIONS, ai_library_version
from odh_operator.kube import Kube
from testbed.control_plane import Cluster
from testbed.harness import Operator
from testbed.platform import apply_odh, conditions, find, wait_phase

Object = dict[str, Any]


def ai_library_only(namespace: str) -> Object:
    return {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
            "metadata": {"name": "odh", "namespace": namespace}, "spec": {"aiLibrary": {"enabled": True}}}


def live(admin: Kube, kind: str, api_version: str, name: str, namespace: str) -> Object:
    found = find(admin, {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": namespace}})
    assert found, f"{kind} {namespace}/{name} not found"
    return found


def test_ai_library_becomes_ready_with_the_image_settings_and_they_serve(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str, tmp_path: Path
) -> None:
    document = ai_library_only(namespace)
    apply_odh(cluster, document)
    wait_phase(admin, document, "Ready", timeout=120)
    condition = conditions(admin, document)["AiLibraryReady"]
    assert condition["status"] == "True", condition

    for model in ALL_MODELS:
        app = f"ai-library-{model}"
        deployment = live(admin, "Deployment", "apps/v1", app, namespace)
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["image"] == f"quay.io/opendatahub/odh-ai-library:v{ai_library_version()}"
        assert container["readinessProbe"]["httpGet"]["path"] == f"/v2/models/{model}/ready"
        assert container["livenessProbe"]["httpGet"]["path"] == "/v2/health/live"
        data = live(admin, "ConfigMap", "v1", app, namespace)["data"]
        assert json.loads(data["settings.json"])["parallel_workers"] == 0
        assert json.loads(data["model-settings.json"]) == {"name": model, "implementation": IMPLEMENTATIONS[model]}

    # The live ConfigMap of one model server, served by a real MLServer.
    data = live(admin, "ConfigMap", "v1", "ai-library-sentiment-analysis", namespace)["data"]
    folder, ports = model_folder(tmp_path, json.loads(data["settings.json"]), json.loads(data["model-settings.json"]))
    server = LocalServer(folder, ports).start()
    try:
        server.wait_ready(timeout=180)
        request = urllib.request.Request(f"{server.url}/api/v0.1/predictions", method="POST",
                                         data=json.dumps({"strData": "A truly great day!"}).encode(),
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read())["jsonData"]["label"] == "positive"
    finally:
        server.stop()
