"""The jupyterhub component: hub and proxy, the hub's KubeSpawner configuration and its cross-component wiring."""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from odh_operator import kinds
from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components.jupyterhub import COMPONENT, memory_bytes, quantity
from odh_operator.components.rook_ceph import s3_endpoint, s3_secret_name
from odh_operator.render import render_component
from tests.unit.component_helpers import INSTANCE, find, full_spec, spec_with

Object = dict[str, Any]
ROOT = Path(__file__).resolve().parents[2]
DATA = "opendatahub.io/data"
K8S_SCHEMA_VERSION = "1.36.0"
HUB_IMAGE = "quay.io/jupyterhub/k8s-hub:4.4.0"
PROXY_IMAGE = "quay.io/jupyterhub/configurable-http-proxy:5.2.0"
NOTEBOOK_IMAGE = "quay.io/jupyter/pyspark-notebook:2025-12-15"
S3_SECRET = "rook-ceph-object-user-odh-datalake-odh"
SECRET_ENV = {
    "CONFIGPROXY_AUTH_TOKEN": "proxy-token",
    "JUPYTERHUB_COOKIE_SECRET_SEED": "not-hex-at-all",
    "JUPYTERHUB_USER_PASSWORD": "a-long-shared-password",
}


def spec_of(hub: dict[str, Any], **top: Any) -> OpenDataHubSpec:
    return spec_with("jupyterHub", hub, **top)


def render(spec: OpenDataHubSpec) -> list[Object]:
    return render_component(COMPONENT, spec, INSTANCE)


def pod_spec(objects: list[Object], name: str) -> Object:
    pod: Object = find(objects, "Deployment", name)["spec"]["template"]["spec"]
    return pod


def container(objects: list[Object], name: str) -> Object:
    first: Object = pod_spec(objects, name)["containers"][0]
    return first


def settings(objects: list[Object]) -> dict[str, Object]:
    """settings.json of the hub: the traitlets sections computed from the spec."""
    data: dict[str, Object] = json.loads(find(objects, "ConfigMap", "jupyterhub-hub-config")["data"]["settings.json"])
    return data


def spawner(objects: list[Object]) -> Object:
    return settings(objects)["KubeSpawner"]


def load_hub_config(objects: list[Object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Load the rendered jupyterhub_config.py the way JupyterHub does (traitlets), with the Secret's env."""
    from traitlets.config import loader  # a test dependency: JupyterHub's own config loader
    for key, value in find(objects, "ConfigMap", "jupyterhub-hub-config")["data"].items():
        (tmp_path / key).write_text(value)
    for name, value in SECRET_ENV.items():
        monkeypatch.setenv(name, value)
    return loader.PyFileConfigLoader("jupyterhub_config.py", path=str(tmp_path)).load_config()


def test_full_example_renders_hub_proxy_and_their_objects() -> None:
    objects = render(full_spec())
    names = {(o["kind"], o["metadata"]["name"]) for o in objects}
    assert names == {
        ("ServiceAccount", "jupyterhub-hub"),
        ("ServiceAccount", "jupyterhub-proxy"),
        ("ServiceAccount", "jupyterhub-notebook"),
        ("Role", "jupyterhub-hub"),
        ("RoleBinding", "jupyterhub-hub"),
        ("Role", "jupyterhub-notebook"),
        ("RoleBinding", "jupyterhub-notebook"),
        ("ConfigMap", "jupyterhub-hub-config"),
        ("ConfigMap", "jupyterhub-spark-conf"),
        ("Secret", "jupyterhub"),
        ("PersistentVolumeClaim", "jupyterhub-hub-db"),
        ("Service", "jupyterhub-hub"),
        ("Service", "jupyterhub-proxy-api"),
        ("Service", "jupyterhub-proxy-public"),
        ("Deployment", "jupyterhub-hub"),
        ("Deployment", "jupyterhub-proxy"),
    }
    assert all(o["metadata"]["namespace"] == "opendatahub" for o in objects)


def test_disabled_renders_nothing() -> None:
    assert render(OpenDataHubSpec()) == []


@pytest.mark.parametrize(
    "spec",
    [
        full_spec(),
        spec_of({"notebook": {"gpus": 2}, "hubStorage": {"size": "5Gi", "storageClassName": "fast"},
                 "proxyServiceType": "LoadBalancer", "culling": {"enabled": False}},
                imagePullSecrets=["pull"]),
    ],
)
def test_every_object_passes_strict_schema_validation(spec: OpenDataHubSpec) -> None:
    for obj in render(spec):
        assert kinds.is_builtin(obj)
        kubernetes_validate.validate(obj, K8S_SCHEMA_VERSION, strict=True)


def test_images_are_pinned_and_overridable() -> None:
    objects = render(full_spec())
    assert container(objects, "jupyterhub-hub")["image"] == HUB_IMAGE
    assert container(objects, "jupyterhub-proxy")["image"] == PROXY_IMAGE
    assert spawner(objects)["image"] == NOTEBOOK_IMAGE
    overridden = render(spec_of({"hubImage": "r.local/hub:1", "proxyImage": "r.local/chp:2",
                                 "notebook": {"image": "r.local/notebook:3"}}))
    assert container(overridden, "jupyterhub-hub")["image"] == "r.local/hub:1"
    assert container(overridden, "jupyterhub-proxy")["image"] == "r.local/chp:2"
    assert spawner(overridden)["image"] == "r.local/notebook:3"


def test_mirror_registry_moves_every_image_including_notebooks() -> None:
    objects = render(spec_of({}, imageRegistry="mirror.example.com/odh"))
    assert container(objects, "jupyterhub-hub")["image"] == "mirror.example.com/odh/jupyterhub/k8s-hub:4.4.0"
    assert container(objects, "jupyterhub-proxy")["image"] == (
        "mirror.example.com/odh/jupyterhub/configurable-http-proxy:5.2.0"
    )
    assert spawner(objects)["image"] == "mirror.example.com/odh/jupyter/pyspark-notebook:2025-12-15"
    profiles = {p["slug"]: p["kubespawner_override"]["image"] for p in spawner(objects)["profile_list"]}
    assert profiles == {
        "pyspark": "mirror.example.com/odh/jupyter/pyspark-notebook:2025-12-15",
        "datascience": "mirror.example.com/odh/jupyter/datascience-notebook:2025-12-15",
        "minimal": "mirror.example.com/odh/jupyter/minimal-notebook:2025-12-15",
    }


def test_rendered_config_loads_into_traitlets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_hub_config(render(full_spec()), tmp_path, monkeypatch)
    assert config.JupyterHub.spawner_class == "kubespawner.KubeSpawner"
    assert config.JupyterHub.hub_bind_url == "http://:8081"
    assert config.JupyterHub.hub_connect_url == "http://jupyterhub-hub.opendatahub.svc:8081"
    assert config.ConfigurableHTTPProxy.api_url == "http://jupyterhub-proxy-api.opendatahub.svc:8001"
    assert config.ConfigurableHTTPProxy.should_start is False
    assert config.ConfigurableHTTPProxy.auth_token == "proxy-token"
    # Whatever the generated seed looks like, the cookie secret is the 32 bytes JupyterHub expects.
    assert isinstance(config.JupyterHub.cookie_secret, bytes) and len(config.JupyterHub.cookie_secret) == 32
    assert config.JupyterHub.authenticator_class == "shared-password"
    assert config.SharedPasswordAuthenticator.user_password == "a-long-shared-password"
    assert config.JupyterHub.db_url == "sqlite:////srv/jupyterhub/jupyterhub.sqlite"
    assert config.KubeSpawner.namespace == "opendatahub"
    assert config.KubeSpawner.image == NOTEBOOK_IMAGE


def test_config_has_no_secrets_and_needs_no_service_env_vars() -> None:
    objects = render(full_spec())
    data = find(objects, "ConfigMap", "jupyterhub-hub-config")["data"]
    text = json.dumps(data) + json.dumps([container(objects, n) for n in ("jupyterhub-hub", "jupyterhub-proxy")])
    assert "SERVICE_PORT" not in text and "SERVICE_HOST" not in text
    for name in SECRET_ENV:
        assert name not in data["settings.json"]
    for deployment in ("jupyterhub-hub", "jupyterhub-proxy"):
        assert pod_spec(objects, deployment)["enableServiceLinks"] is False


def test_notebook_resources_image_and_storage_come_from_the_spec() -> None:
    config = spawner(render(full_spec()))
    assert config["cpu_guarantee"] == 0.5
    assert "cpu_limit" not in config
    assert config["mem_guarantee"] == 2**30
    assert config["mem_limit"] == 4 * 2**30
    assert config["storage_pvc_ensure"] is True
    assert config["storage_capacity"] == "10Gi"
    assert "storage_class" not in config
    assert config["storage_extra_labels"] == {DATA: "true"}
    assert config["volumes"] == [{"name": "home", "persistentVolumeClaim": {"claimName": "{pvc_name}"}},
                                 {"name": "spark-conf", "configMap": {"name": "jupyterhub-spark-conf"}}]
    assert config["volume_mounts"] == [{"name": "home", "mountPath": "/home/jovyan"},
                                       {"name": "spark-conf", "mountPath": "/etc/spark/conf", "readOnly": True}]
    alone = spawner(render(spec_of({})))
    assert alone["volumes"] == [{"name": "home", "persistentVolumeClaim": {"claimName": "{pvc_name}"}}]
    classed = spawner(render(spec_of({"notebook": {"storage": {"size": "50Gi", "storageClassName": "fast"}}})))
    assert (classed["storage_capacity"], classed["storage_class"]) == ("50Gi", "fast")


def test_notebooks_run_non_root_as_their_own_account() -> None:
    config = spawner(render(full_spec()))
    assert (config["uid"], config["fs_gid"], config["allow_privilege_escalation"]) == (1000, 100, False)
    assert config["pod_security_context"]["runAsNonRoot"] is True
    assert config["container_security_context"]["capabilities"] == {"drop": ["ALL"]}
    assert config["container_security_context"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert config["service_account"] == "jupyterhub-notebook"
    assert config["automount_service_account_token"] is True  # Spark is on: the token is for its Role
    assert "opendatahub.io/owner" not in config["common_labels"]
    without_spark = spawner(render(spec_of({})))
    assert (without_spark["service_account"], without_spark["automount_service_account_token"]) == (
        "jupyterhub-notebook", False)


def test_gpu_limit_and_toleration_only_when_gpus_are_requested() -> None:
    without = spawner(render(full_spec()))
    assert "extra_resource_limits" not in without
    assert without["tolerations"] == []
    with_gpus = spawner(render(spec_of({"notebook": {"gpus": 2}})))
    assert with_gpus["extra_resource_limits"] == {"nvidia.com/gpu": "2"}
    assert with_gpus["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


def test_notebook_placement_is_separate_from_the_hub_placement() -> None:
    spec = spec_of({
        "placement": {"nodeSelector": {"role": "infra"}},
        "notebook": {"gpus": 1, "placement": {
            "nodeSelector": {"pool": "notebooks"},
            "tolerations": [{"key": "notebooks", "operator": "Exists", "effect": "NoSchedule"}],
        }},
    })
    objects = render(spec)
    config = spawner(objects)
    assert config["node_selector"] == {"pool": "notebooks"}
    assert config["tolerations"] == [
        {"key": "notebooks", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
    ]
    assert pod_spec(objects, "jupyterhub-hub")["nodeSelector"] == {"role": "infra"}
    assert pod_spec(objects, "jupyterhub-proxy")["nodeSelector"] == {"role": "infra"}


def test_s3_credentials_and_endpoint_only_when_rook_is_enabled() -> None:
    spec = full_spec()
    env = spawner(render(spec))["environment"]
    secret = s3_secret_name(spec)
    assert secret == "rook-ceph-object-user-odh-datalake-odh"
    # Optional: a notebook starts before Rook has created the Secret (a kubelet would refuse it otherwise).
    assert env["AWS_ACCESS_KEY_ID"]["valueFrom"] == {
        "secretKeyRef": {"name": secret, "key": "AccessKey", "optional": True}}
    assert env["AWS_SECRET_ACCESS_KEY"]["valueFrom"] == {
        "secretKeyRef": {"name": secret, "key": "SecretKey", "optional": True}}
    assert env["S3_ENDPOINT_URL"] == s3_endpoint(spec, "opendatahub")
    assert env["S3_ENDPOINT_URL"] == "http://rook-ceph-rgw-odh-datalake.opendatahub.svc:80"
    spec.rook_ceph.enabled = False
    env = spawner(render(spec))["environment"]
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
                "SPARK_CONF_DIR", "SPARK_S3_CONF"} & set(env)


def test_s3_env_reaches_kubespawner_as_env_var_objects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_hub_config(render(full_spec()), tmp_path, monkeypatch)
    key = config.KubeSpawner.environment["AWS_ACCESS_KEY_ID"]
    secret_ref = {"name": "rook-ceph-object-user-odh-datalake-odh", "key": "AccessKey", "optional": True}
    assert key == {"name": "AWS_ACCESS_KEY_ID", "valueFrom": {"secretKeyRef": secret_ref}}


def test_spark_env_only_when_the_spark_operator_is_enabled() -> None:
    env = spawner(render(full_spec()))["environment"]
    assert (env["SPARK_NAMESPACE"], env["SPARK_SERVICE_ACCOUNT"]) == ("opendatahub", "spark")
    other = spawner(render(spec_of({}, sparkOperator={"enabled": True, "jobNamespaces": ["spark-jobs"]})))
    assert other["environment"]["SPARK_NAMESPACE"] == "spark-jobs"
    alone = spawner(render(spec_of({})))
    assert alone["environment"] == {}


def test_culler_runs_as_a_hub_service_with_the_timeout() -> None:
    hub = settings(render(spec_of({"culling": {"enabled": True, "timeoutSeconds": 1800}})))["JupyterHub"]
    [service] = hub["services"]
    assert service["name"] == "jupyterhub-idle-culler"
    assert service["command"][:3] == ["python3", "-m", "jupyterhub_idle_culler"]
    assert "--timeout=1800" in service["command"]
    assert "--cull-every=600" in service["command"]
    assert "--url=http://localhost:8081/hub/api" in service["command"]
    [role] = hub["load_roles"]
    assert role == {"name": "jupyterhub-idle-culler", "services": ["jupyterhub-idle-culler"],
                    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]}
    short = settings(render(spec_of({"culling": {"timeoutSeconds": 300}})))["JupyterHub"]["services"][0]
    assert "--cull-every=150" in short["command"]


def test_culling_disabled_removes_the_service_and_role() -> None:
    hub = settings(render(spec_of({"culling": {"enabled": False}})))["JupyterHub"]
    assert hub["services"] == [] and hub["load_roles"] == []


def test_secret_is_generated_by_the_operator_and_shared_by_hub_and_proxy() -> None:
    objects = render(full_spec())
    secret = find(objects, "Secret", "jupyterhub")
    assert "data" not in secret and "stringData" not in secret
    assert secret["metadata"]["annotations"]["opendatahub.io/generate-keys"] == (
        "proxy-auth-token,cookie-secret,user-password"
    )
    hub_env = {e["name"]: e for e in container(objects, "jupyterhub-hub")["env"]}
    proxy_env = {e["name"]: e for e in container(objects, "jupyterhub-proxy")["env"]}
    token = {"secretKeyRef": {"name": "jupyterhub", "key": "proxy-auth-token"}}
    assert hub_env["CONFIGPROXY_AUTH_TOKEN"]["valueFrom"] == token
    assert proxy_env["CONFIGPROXY_AUTH_TOKEN"]["valueFrom"] == token
    assert hub_env["JUPYTERHUB_COOKIE_SECRET_SEED"]["valueFrom"]["secretKeyRef"]["key"] == "cookie-secret"
    assert hub_env["JUPYTERHUB_USER_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "user-password"


def test_hub_database_volume_keeps_user_data() -> None:
    objects = render(spec_of({"hubStorage": {"size": "5Gi", "storageClassName": "fast"}}))
    pvc = find(objects, "PersistentVolumeClaim", "jupyterhub-hub-db")
    assert pvc["metadata"]["labels"][DATA] == "true"
    assert pvc["spec"]["resources"]["requests"]["storage"] == "5Gi"
    assert pvc["spec"]["storageClassName"] == "fast"
    assert "storageClassName" not in find(render(full_spec()), "PersistentVolumeClaim", "jupyterhub-hub-db")["spec"]
    for deployment in ("jupyterhub-hub", "jupyterhub-proxy"):
        assert DATA not in find(objects, "Deployment", deployment)["spec"]["template"]["metadata"]["labels"]
    volumes = {v["name"]: v for v in pod_spec(objects, "jupyterhub-hub")["volumes"]}
    assert volumes["db"]["persistentVolumeClaim"] == {"claimName": "jupyterhub-hub-db"}


def test_services_expose_hub_proxy_api_and_public_ports() -> None:
    objects = render(full_spec())
    hub = find(objects, "Service", "jupyterhub-hub")
    assert hub["spec"]["ports"] == [{"name": "http", "port": 8081, "targetPort": "http"}]
    assert hub["spec"]["selector"] == {"app.kubernetes.io/name": "jupyterhub-hub", "app.kubernetes.io/instance": "odh"}
    api = find(objects, "Service", "jupyterhub-proxy-api")
    assert api["spec"]["ports"] == [{"name": "api", "port": 8001, "targetPort": "api"}]
    public = find(objects, "Service", "jupyterhub-proxy-public")
    assert public["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http"}]
    assert public["spec"]["type"] == "ClusterIP"
    ports = {p["name"]: p["containerPort"] for p in container(objects, "jupyterhub-proxy")["ports"]}
    assert ports == {"http": 8000, "api": 8001}
    balanced = render(spec_of({"proxyServiceType": "LoadBalancer"}))
    assert find(balanced, "Service", "jupyterhub-proxy-public")["spec"]["type"] == "LoadBalancer"


def test_hub_deployment_is_a_single_recreated_non_root_pod() -> None:
    objects = render(full_spec())
    deployment = find(objects, "Deployment", "jupyterhub-hub")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    pod = pod_spec(objects, "jupyterhub-hub")
    assert pod["serviceAccountName"] == "jupyterhub-hub"
    assert pod["securityContext"] == {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000,
                                      "seccompProfile": {"type": "RuntimeDefault"}}
    hub = container(objects, "jupyterhub-hub")
    assert hub["args"] == ["jupyterhub", "--config", "/usr/local/etc/jupyterhub/jupyterhub_config.py", "--upgrade-db"]
    assert hub["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                      "capabilities": {"drop": ["ALL"]}}
    for probe in ("livenessProbe", "readinessProbe"):
        assert hub[probe]["httpGet"] == {"path": "/hub/health", "port": "http"}
    assert hub["resources"] == {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}}
    mounts = {m["name"]: m["mountPath"] for m in hub["volumeMounts"]}
    assert mounts == {"config": "/usr/local/etc/jupyterhub", "db": "/srv/jupyterhub", "tmp": "/tmp"}


def test_proxy_runs_as_nobody_and_targets_the_hub_by_url() -> None:
    objects = render(full_spec())
    pod = pod_spec(objects, "jupyterhub-proxy")
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsUser"] == 65534 and pod["securityContext"]["runAsNonRoot"] is True
    chp = container(objects, "jupyterhub-proxy")
    assert "--default-target=http://jupyterhub-hub.opendatahub.svc:8081" in chp["command"]
    assert "--error-target=http://jupyterhub-hub.opendatahub.svc:8081/hub/error" in chp["command"]
    assert "--api-port=8001" in chp["command"] and "--port=8000" in chp["command"]
    for probe in ("livenessProbe", "readinessProbe"):
        assert chp[probe]["httpGet"] == {"path": "/_chp_healthz", "port": "http"}
    assert chp["securityContext"]["readOnlyRootFilesystem"] is True
    assert chp["resources"] == {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}}


def test_config_change_rolls_the_hub() -> None:
    def checksum(spec: OpenDataHubSpec) -> str:
        annotations = find(render(spec), "Deployment", "jupyterhub-hub")["spec"]["template"]["metadata"]["annotations"]
        value: str = annotations["opendatahub.io/config-checksum"]
        return value

    assert checksum(spec_of({})) == checksum(spec_of({}))
    assert checksum(spec_of({})) != checksum(spec_of({"culling": {"timeoutSeconds": 7200}}))


def test_hub_rbac_is_least_privilege() -> None:
    role = find(render(full_spec()), "Role", "jupyterhub-hub")
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["pods", "persistentvolumeclaims"],
         "verbs": ["get", "watch", "list", "create", "delete"]},
        {"apiGroups": [""], "resources": ["events"], "verbs": ["get", "watch", "list"]},
    ]
    binding = find(render(full_spec()), "RoleBinding", "jupyterhub-hub")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "jupyterhub-hub", "namespace": "opendatahub"}]


def test_image_pull_secrets_reach_notebooks() -> None:
    assert spawner(render(spec_of({}, imagePullSecrets=["pull"])))["image_pull_secrets"] == ["pull"]
    assert "image_pull_secrets" not in spawner(render(spec_of({})))


def test_quantities_convert_to_kubespawner_units() -> None:
    assert quantity("500m") == Decimal("0.5")
    assert quantity("2") == 2
    assert memory_bytes("1Gi") == 1073741824
    assert memory_bytes("1.5G") == 1500000000
    assert memory_bytes(None) is None
    with pytest.raises(ValueError):
        quantity("lots")


# Readiness on live objects.

def live_deployment(name: str, available: int) -> Object:
    return {
        "kind": "Deployment",
        "metadata": {"name": name, "generation": 1},
        "spec": {"replicas": 1},
        "status": {"observedGeneration": 1, "availableReplicas": available, "updatedReplicas": available},
    }


def live_pvc(phase: str) -> Object:
    return {"kind": "PersistentVolumeClaim", "metadata": {"name": "jupyterhub-hub-db"}, "status": {"phase": phase}}


def test_ready_when_hub_and_proxy_are_available() -> None:
    observed = [live_pvc("Bound"), live_deployment("jupyterhub-hub", 1), live_deployment("jupyterhub-proxy", 1)]
    assert COMPONENT.readiness(observed).state == "Ready"


def test_not_ready_while_the_hub_starts() -> None:
    observed = [live_pvc("Pending"), live_deployment("jupyterhub-hub", 0), live_deployment("jupyterhub-proxy", 1)]
    result = COMPONENT.readiness(observed)
    assert (result.state, result.reason) == ("NotReady", "WorkloadsNotReady")
    assert "jupyterhub-hub" in result.message


def test_error_when_the_hub_database_volume_is_lost() -> None:
    observed = [live_pvc("Lost"), live_deployment("jupyterhub-hub", 0), live_deployment("jupyterhub-proxy", 1)]
    result = COMPONENT.readiness(observed)
    assert (result.state, result.reason) == ("Error", "HubVolumeLost")


# Notebooks with and without the data lake, their Spark access, profiles and metrics.

def spawned(spec: OpenDataHubSpec, tmp_path: Path, **options: str) -> Object:
    """The pod KubeSpawner builds from the rendered config for these form choices."""
    from tests.notebook_spawn import load_hub_config as load, notebook_pod
    return notebook_pod(load(render(spec), tmp_path), tmp_path, options)


def test_spawned_pod_has_no_required_reference_to_a_secret(tmp_path: Path) -> None:
    pod = spawned(full_spec(), tmp_path)
    refs = [e["valueFrom"]["secretKeyRef"] for c in pod["spec"]["containers"] for e in c["env"]
            if "secretKeyRef" in e.get("valueFrom", {})]
    assert {r["name"] for r in refs} == {S3_SECRET}
    assert all(r["optional"] is True for r in refs)
    assert not [v for v in pod["spec"]["volumes"] if "secret" in v]


def test_spawned_pod_runs_as_the_notebook_account_with_its_token(tmp_path: Path) -> None:
    pod = spawned(full_spec(), tmp_path)
    assert pod["spec"]["serviceAccountName"] == "jupyterhub-notebook"
    assert pod["spec"]["automountServiceAccountToken"] is True
    env = {e["name"]: e.get("value") for e in pod["spec"]["containers"][0]["env"]}
    conf = json.loads(env["SPARK_S3_CONF"])  # survives KubeSpawner's {template} expansion intact
    assert conf["spark.kubernetes.hadoop.configMapName"] == "spark-s3"
    assert conf["spark.kubernetes.driver.secretKeyRef.AWS_ACCESS_KEY_ID"] == f"{S3_SECRET}:AccessKey"
    assert (env["SPARK_NAMESPACE"], env["SPARK_CONF_DIR"]) == ("opendatahub", "/etc/spark/conf")
    mounts = {m["name"]: m["mountPath"] for m in pod["spec"]["containers"][0]["volumeMounts"]}
    assert mounts["spark-conf"] == "/etc/spark/conf"


def test_notebook_role_in_each_job_namespace_is_least_privilege() -> None:
    objects = render(spec_of({}, sparkOperator={"enabled": True, "jobNamespaces": ["team-a", "team-b"]}))
    for namespace in ("team-a", "team-b"):
        [role] = [o for o in objects if o["kind"] == "Role" and o["metadata"]["name"] == "jupyterhub-notebook"
                  and o["metadata"]["namespace"] == namespace]
        assert role["rules"] == [
            {"apiGroups": ["sparkoperator.k8s.io"], "resources": ["sparkapplications"],
             "verbs": ["create", "get", "list", "watch", "delete"]},
            {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
            {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
        ]
        [binding] = [o for o in objects if o["kind"] == "RoleBinding" and o["metadata"]["namespace"] == namespace]
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "jupyterhub-notebook",
                                        "namespace": "opendatahub"}]
    assert not [o for o in render(spec_of({})) if o["metadata"]["name"] == "jupyterhub-notebook"
                and o["kind"] != "ServiceAccount"]


def test_notebook_spark_conf_points_s3a_at_the_data_lake() -> None:
    objects = render(full_spec())
    conf = find(objects, "ConfigMap", "jupyterhub-spark-conf")["data"]["spark-defaults.conf"]
    assert "spark.hadoop.fs.s3a.endpoint http://rook-ceph-rgw-odh-datalake.opendatahub.svc:80\n" in conf
    assert "spark.hadoop.fs.s3a.path.style.access true\n" in conf
    assert "AccessKey" in conf and "SecretKey" in conf  # references to the Secret, never its values
    assert not [o for o in render(spec_of({})) if o["metadata"]["name"] == "jupyterhub-spark-conf"]


def test_default_profiles_offer_upstream_images_and_odh_sizes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profiles = load_hub_config(render(full_spec()), tmp_path, monkeypatch).KubeSpawner.profile_list
    assert [(p["slug"], p["kubespawner_override"]["image"], p["default"]) for p in profiles] == [
        ("pyspark", "quay.io/jupyter/pyspark-notebook:2025-12-15", True),
        ("datascience", "quay.io/jupyter/datascience-notebook:2025-12-15", False),
        ("minimal", "quay.io/jupyter/minimal-notebook:2025-12-15", False),
        ("gpu", "quay.io/jupyter/pytorch-notebook:cuda12-2025-12-15", False),
    ]
    sizes = profiles[0]["profile_options"]["size"]["choices"]
    assert list(sizes) == ["small", "medium", "large"]  # the spec's order, as the form lists them
    assert sizes["small"]["default"] is True
    assert sizes["large"]["kubespawner_override"] == {"cpu_guarantee": 4.0, "cpu_limit": 8.0,
                                                      "mem_guarantee": 4 * 2**30, "mem_limit": 8 * 2**30}
    gpu = profiles[3]["kubespawner_override"]
    assert gpu["extra_resource_limits"] == {"nvidia.com/gpu": "1"}
    assert gpu["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


def test_gpu_profile_only_with_the_device_plugin() -> None:
    slugs = [p["slug"] for p in spawner(render(spec_of({})))["profile_list"]]
    assert slugs == ["pyspark", "datascience", "minimal"]


def test_profiles_come_from_the_spec_and_are_applied_by_kubespawner(tmp_path: Path) -> None:
    spec = spec_of({"notebook": {
        "images": [{"name": "minimal"}, {"name": "team", "displayName": "Team image", "image": "r.local/team:7",
                                          "default": True}],
        "sizes": [{"name": "tiny", "resources": {"requests": {"cpu": "250m", "memory": "512Mi"},
                                                  "limits": {"memory": "1Gi"}}},
                  {"name": "huge", "default": True, "resources": {"limits": {"cpu": "16", "memory": "64Gi"}}}],
    }}, imageRegistry="mirror.local")
    chosen = spawned(spec, tmp_path)  # nothing chosen: the defaults
    container = chosen["spec"]["containers"][0]
    assert container["image"] == "r.local/team:7"  # an explicit image is used as given
    assert container["resources"]["limits"] == {"cpu": 16.0, "memory": 64 * 2**30}
    small = spawned(spec, tmp_path, profile="minimal", size="tiny")["spec"]["containers"][0]
    assert small["image"] == "mirror.local/jupyter/minimal-notebook:2025-12-15"
    assert small["resources"] == {"requests": {"cpu": 0.25, "memory": 512 * 2**20}, "limits": {"memory": 2**30}}
    with pytest.raises(ValueError):
        spawned(spec, tmp_path, profile="not-offered")


def test_empty_lists_mean_no_choice_and_the_base_settings() -> None:
    config = spawner(render(spec_of({"notebook": {"images": [], "sizes": []}})))
    assert config["profile_list"] == []
    assert config["image"] == NOTEBOOK_IMAGE
    no_sizes = spawner(render(spec_of({"notebook": {"sizes": []}})))["profile_list"]
    assert all("profile_options" not in p for p in no_sizes)


@pytest.mark.parametrize(
    ("notebook", "problem"),
    [
        ({"images": [{"name": "custom"}]}, "image is required"),
        ({"images": [{"name": "minimal", "default": True}, {"name": "pyspark", "default": True}]}, "at most one"),
        ({"images": [{"name": "minimal"}, {"name": "minimal"}]}, "unique"),
        ({"sizes": [{"name": "a", "resources": {}, "default": True}, {"name": "b", "resources": {}, "default": True}]},
         "at most one"),
        ({"images": [{"name": "Bad Name", "image": "x/y:1"}]}, "pattern"),
        ({"images": [{"name": "x", "image": "x/y:1", "displayName": "<script>"}]}, "pattern"),
    ],
)
def test_bad_profiles_are_rejected(notebook: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        spec_of({"notebook": notebook})


def test_crd_enforces_profile_rules_on_the_server() -> None:
    from odh_operator.api.crd import crd
    schema = crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    notebook = schema["properties"]["jupyterHub"]["properties"]["notebook"]["properties"]
    for key in ("images", "sizes"):
        assert notebook[key]["x-kubernetes-list-type"] == "map"
        assert notebook[key]["x-kubernetes-list-map-keys"] == ["name"]
        assert "size() <= 1" in notebook[key]["x-kubernetes-validations"][0]["rule"]
    item_rules = notebook["images"]["items"]["x-kubernetes-validations"]
    assert "has(self.image)" in item_rules[0]["rule"]


def test_hub_metrics_are_open_to_prometheus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_hub_config(render(full_spec()), tmp_path, monkeypatch)
    assert config.JupyterHub.authenticate_prometheus is False


def test_user_strings_render_as_strings() -> None:
    objects = render(spec_of({"hubStorage": {"storageClassName": "0", "size": "10"}},
                             sparkOperator={"enabled": True, "jobNamespaces": ["007"]}))
    pvc = find(objects, "PersistentVolumeClaim", "jupyterhub-hub-db")["spec"]
    assert (pvc["storageClassName"], pvc["resources"]["requests"]["storage"]) == ("0", "10")
    [role] = [o for o in objects if o["kind"] == "Role" and o["metadata"]["name"] == "jupyterhub-notebook"]
    assert role["metadata"]["namespace"] == "007"


def test_the_spawn_form_lists_images_and_sizes_in_order_and_its_choice_builds_the_pod(tmp_path: Path) -> None:
    from tests.notebook_spawn import form_choices, load_hub_config as load, notebook_pod
    config = load(render(full_spec()), tmp_path)
    form, options = form_choices(config, tmp_path, {"profile": ["gpu"], "profile-option-gpu--size": ["large"]})
    names = ["PySpark", "Data Science", "Minimal", "GPU (PyTorch, CUDA)"]
    assert all(name in form for name in names)
    assert [form.index(n) for n in names] == sorted(form.index(n) for n in names)
    sizes = [form.index(f"{size} (limits") for size in ("Small", "Medium", "Large")]
    assert sizes == sorted(sizes)
    assert options == {"profile": "gpu", "size": "large"}
    container = notebook_pod(config, tmp_path, options)["spec"]["containers"][0]
    assert container["image"] == "quay.io/jupyter/pytorch-notebook:cuda12-2025-12-15"
    assert container["resources"]["limits"] == {"cpu": 8.0, "memory": 8 * 2**30, "nvidia.com/gpu": "1"}
