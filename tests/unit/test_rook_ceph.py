"""The rook-ceph component: Rook operator, Ceph cluster on PVCs, S3 object store and user, readiness."""

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from odh_operator import kinds
from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components.base import Instance
from odh_operator.components.rook_ceph import COMPONENT, s3_endpoint, s3_secret_name
from odh_operator.render import render_component

ROOT = Path(__file__).resolve().parents[2]
INSTANCE = Instance(name="odh", namespace="datalake")
Object = dict[str, Any]


def full_spec() -> OpenDataHubSpec:
    document = yaml.safe_load((ROOT / "examples/opendatahub-full.yaml").read_text())
    return OpenDataHubSpec.model_validate(document["spec"], by_alias=True)


def spec_with(**rook: Any) -> OpenDataHubSpec:
    return OpenDataHubSpec.model_validate({"rookCeph": {"enabled": True, **rook}}, by_alias=True)


def render(spec: OpenDataHubSpec, instance: Instance = INSTANCE) -> list[Object]:
    return render_component(COMPONENT, spec, instance)


def one(objects: list[Object], kind: str, name: str | None = None) -> Object:
    found = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def operator_container(objects: list[Object]) -> Object:
    container: Object = one(objects, "Deployment", "rook-ceph-operator")["spec"]["template"]["spec"]["containers"][0]
    return container


def env(container: Object) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


@pytest.fixture(scope="module")
def objects() -> list[Object]:
    return render(full_spec())


# --- rendering basics -------------------------------------------------------------------------------------


def test_disabled_renders_nothing() -> None:
    assert render(OpenDataHubSpec()) == []


def test_builtin_objects_pass_strict_schema_validation(objects: list[Object]) -> None:
    builtin = [o for o in objects if kinds.is_builtin(o)]
    assert builtin
    for obj in builtin:
        kubernetes_validate.validate(obj, "1.36.0", strict=True)


def test_variant_objects_pass_strict_schema_validation() -> None:
    spec = spec_with(
        placement={
            "nodeSelector": {"storage": "ceph"},
            "tolerations": [{"key": "storage", "operator": "Exists", "effect": "NoSchedule"}],
        },
        storage={"storageClassName": "fast"},
    )
    spec = spec.model_copy(update={"image_pull_secrets": ["regcred"]})
    for obj in render(spec):
        if kinds.is_builtin(obj):
            kubernetes_validate.validate(obj, "1.36.0", strict=True)


def test_namespaced_objects_in_the_instance_namespace(objects: list[Object]) -> None:
    for obj in objects:
        if kinds.is_cluster_scoped(obj):
            assert "namespace" not in obj["metadata"]
        else:
            assert obj["metadata"]["namespace"] == "datalake", obj["metadata"]["name"]


def test_no_namespace_objects_rendered(objects: list[Object]) -> None:
    assert not [o for o in objects if o["kind"] == "Namespace"]


# --- CRDs -------------------------------------------------------------------------------------------------


def crd(objects: list[Object], name: str) -> Object:
    return one(objects, "CustomResourceDefinition", name)


@pytest.mark.parametrize(
    ("name", "kind", "short_names"),
    [
        ("cephclusters.ceph.rook.io", "CephCluster", ["ceph"]),
        ("cephobjectstores.ceph.rook.io", "CephObjectStore", ["cephos"]),
        ("cephobjectstoreusers.ceph.rook.io", "CephObjectStoreUser", ["rcou", "objectuser", "cephosu"]),
    ],
)
def test_main_crds_match_upstream_names(objects: list[Object], name: str, kind: str, short_names: list[str]) -> None:
    spec = crd(objects, name)["spec"]
    assert spec["group"] == "ceph.rook.io"
    assert spec["scope"] == "Namespaced"
    assert spec["names"]["kind"] == kind
    assert spec["names"]["plural"] == name.split(".")[0]
    assert spec["names"]["listKind"] == f"{kind}List"
    assert spec["names"]["shortNames"] == short_names
    (version,) = spec["versions"]
    assert version["name"] == "v1" and version["served"] and version["storage"]
    assert "status" in version["subresources"]
    spec_schema = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
    assert spec_schema["type"] == "object" and spec_schema["properties"], "the real upstream schema, not an open one"
    assert not spec_schema.get("x-kubernetes-preserve-unknown-fields")


def test_crds_rook_refuses_to_start_without(objects: list[Object]) -> None:
    names = {o["metadata"]["name"] for o in objects if o["kind"] == "CustomResourceDefinition"}
    watched = {
        "cephblockpools", "cephblockpoolradosnamespaces", "cephbuckettopics", "cephclients", "cephcosidrivers",
        "cephfilesystems", "cephfilesystemmirrors", "cephfilesystemsubvolumegroups", "cephnfses",
        "cephnvmeofgateways", "cephobjectrealms", "cephobjectstoreaccounts", "cephobjectzones",
        "cephobjectzonegroups", "cephrbdmirrors", "cephclusters", "cephobjectstores", "cephobjectstoreusers",
        "cephbucketnotifications",  # listed before a CephCluster is deleted (cluster/dependents.go)
    }
    assert {f"{p}.ceph.rook.io" for p in watched} <= names
    assert {"cephconnections.csi.ceph.io", "clientprofiles.csi.ceph.io"} <= names
    # No ObjectBucketClaim provisioner, no CSI operator: none of their CRDs.
    assert not [n for n in names if n.endswith("objectbucket.io")]
    assert "drivers.csi.ceph.io" not in names


def test_crds_carry_no_instance_labels(objects: list[Object]) -> None:
    for obj in objects:
        if obj["kind"] == "CustomResourceDefinition":
            assert "opendatahub.io/owner" not in obj["metadata"]["labels"]
            assert "app.kubernetes.io/instance" not in obj["metadata"]["labels"]


# --- images -----------------------------------------------------------------------------------------------


def test_images_pinned(objects: list[Object]) -> None:
    assert operator_container(objects)["image"] == "docker.io/rook/ceph:v1.20.6"
    assert one(objects, "CephCluster")["spec"]["cephVersion"]["image"] == "quay.io/ceph/ceph:v20.2.4"


def test_images_overridable() -> None:
    objects = render(spec_with(operatorImage="example.com/rook/ceph:v9", cephImage="example.com/ceph/ceph:v99"))
    assert operator_container(objects)["image"] == "example.com/rook/ceph:v9"
    assert one(objects, "CephCluster")["spec"]["cephVersion"]["image"] == "example.com/ceph/ceph:v99"


def test_mirror_registry_applied() -> None:
    spec = spec_with().model_copy(update={"image_registry": "mirror.local:5000/odh"})
    objects = render(spec)
    assert operator_container(objects)["image"] == "mirror.local:5000/odh/rook/ceph:v1.20.6"
    assert one(objects, "CephCluster")["spec"]["cephVersion"]["image"] == "mirror.local:5000/odh/ceph/ceph:v20.2.4"


def test_image_pull_secrets_on_operator_and_daemon_accounts() -> None:
    spec = spec_with().model_copy(update={"image_pull_secrets": ["regcred"]})
    objects = render(spec)
    pod = one(objects, "Deployment", "rook-ceph-operator")["spec"]["template"]["spec"]
    assert pod["imagePullSecrets"] == [{"name": "regcred"}]
    accounts = [o for o in objects if o["kind"] == "ServiceAccount"]
    assert {a["metadata"]["name"] for a in accounts} >= {
        "rook-ceph-system", "rook-ceph-osd", "rook-ceph-mgr", "rook-ceph-rgw", "rook-ceph-cmd-reporter",
        "rook-ceph-default",
    }
    for account in accounts:
        assert account["imagePullSecrets"] == [{"name": "regcred"}]


# --- operator ---------------------------------------------------------------------------------------------


def test_operator_watches_only_its_namespace(objects: list[Object]) -> None:
    assert env(operator_container(objects))["ROOK_CURRENT_NAMESPACE_ONLY"] == "true"
    config = one(objects, "ConfigMap", "rook-ceph-operator-config")
    assert config["data"]["ROOK_CURRENT_NAMESPACE_ONLY"] == "true"


def test_operator_env(objects: list[Object]) -> None:
    values = env(operator_container(objects))
    assert values["ROOK_DISABLE_OBJECT_BUCKET_CLAIM"] == "true"
    assert values["POD_NAMESPACE"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    assert values["POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert values["NODE_NAME"] == {"fieldRef": {"fieldPath": "spec.nodeName"}}


def test_operator_deployment_shape(objects: list[Object]) -> None:
    deployment = one(objects, "Deployment", "rook-ceph-operator")
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert deployment["spec"]["replicas"] == 1
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector == {"app.kubernetes.io/name": "rook-ceph-operator", "app.kubernetes.io/instance": "odh"}
    template_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= template_labels.items()
    assert "app.kubernetes.io/version" not in template_labels
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "rook-ceph-system"
    container = pod["containers"][0]
    assert container["name"] == "rook-ceph-operator"
    assert container["args"] == ["ceph", "operator"]


def test_operator_security_context(objects: list[Object]) -> None:
    pod = one(objects, "Deployment", "rook-ceph-operator")["spec"]["template"]["spec"]
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 2016,
        "runAsGroup": 2016,
        "fsGroup": 2016,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    context = pod["containers"][0]["securityContext"]
    assert context["allowPrivilegeEscalation"] is False
    assert context["readOnlyRootFilesystem"] is True
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["runAsNonRoot"] is True and context["runAsUser"] == 2016
    mounts = {m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    assert mounts == {"/var/lib/rook", "/etc/ceph", "/tmp"}
    assert all("emptyDir" in v for v in pod["volumes"])


def test_operator_resources_from_spec() -> None:
    objects = render(spec_with(operatorResources={"requests": {"cpu": "300m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}}))
    assert operator_container(objects)["resources"] == {
        "requests": {"cpu": "300m", "memory": "256Mi"},
        "limits": {"memory": "1Gi"},
    }


def test_default_operator_resources(objects: list[Object]) -> None:
    assert operator_container(objects)["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"memory": "512Mi"},
    }


PLACEMENT = {
    "nodeSelector": {"storage": "ceph"},
    "tolerations": [{"key": "storage", "operator": "Exists", "effect": "NoSchedule"}],
}


def test_placement_on_operator() -> None:
    pod = one(render(spec_with(placement=PLACEMENT)), "Deployment", "rook-ceph-operator")["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"storage": "ceph"}
    assert {"key": "storage", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]
    assert {
        "key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5
    } in pod["tolerations"]


def test_placement_on_ceph_daemons() -> None:
    objects = render(spec_with(placement=PLACEMENT))
    expected = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{"key": "storage", "operator": "In", "values": ["ceph"]}]}]
            }
        },
        "tolerations": [{"key": "storage", "operator": "Exists", "effect": "NoSchedule"}],
    }
    assert one(objects, "CephCluster")["spec"]["placement"] == {"all": expected}
    assert one(objects, "CephObjectStore")["spec"]["gateway"]["placement"] == expected


def test_no_placement_by_default(objects: list[Object]) -> None:
    assert "placement" not in one(objects, "CephCluster")["spec"]
    assert "placement" not in one(objects, "CephObjectStore")["spec"]["gateway"]


# --- RBAC -------------------------------------------------------------------------------------------------


def rbac_rules(objects: list[Object]) -> list[Object]:
    return [r for o in objects if o["kind"] in ("Role", "ClusterRole") for r in o["rules"]]


def test_no_wildcard_rbac(objects: list[Object]) -> None:
    for rule in rbac_rules(objects):
        for field in ("apiGroups", "resources", "verbs"):
            assert "*" not in rule.get(field, []), rule


def test_cluster_roles_are_read_only_and_minimal(objects: list[Object]) -> None:
    roles = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ClusterRole"}
    assert set(roles) == {"odh-datalake-odh-rook-ceph-operator", "odh-datalake-odh-rook-ceph-osd"}
    for role in roles.values():
        for rule in role["rules"]:
            assert rule["apiGroups"] == [""]
            assert set(rule["resources"]) <= {"nodes", "persistentvolumes"}
            assert set(rule["verbs"]) <= {"get", "list", "watch"}


def test_cluster_role_bindings_name_the_instance(objects: list[Object]) -> None:
    for binding in (o for o in objects if o["kind"] == "ClusterRoleBinding"):
        assert binding["metadata"]["name"].startswith("odh-datalake-odh-")
        assert binding["roleRef"]["name"] == binding["metadata"]["name"]
        for subject in binding["subjects"]:
            assert subject["namespace"] == "datalake"


def test_role_bindings_point_at_rendered_roles_and_accounts(objects: list[Object]) -> None:
    roles = {o["metadata"]["name"] for o in objects if o["kind"] == "Role"}
    accounts = {o["metadata"]["name"] for o in objects if o["kind"] == "ServiceAccount"}
    for binding in (o for o in objects if o["kind"] == "RoleBinding"):
        assert binding["roleRef"]["kind"] == "Role" and binding["roleRef"]["name"] in roles
        for subject in binding["subjects"]:
            assert subject["name"] in accounts and subject["namespace"] == "datalake"


def test_operator_may_reconcile_the_data_lake_kinds(objects: list[Object]) -> None:
    role = one(objects, "Role", "rook-ceph-system")
    granted = {
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }
    for kind in ("cephclusters", "cephobjectstores", "cephobjectstoreusers"):
        assert ("ceph.rook.io", kind, "watch") in granted
        assert ("ceph.rook.io", f"{kind}/status", "update") in granted
    assert ("", "secrets", "create") in granted
    assert ("", "persistentvolumeclaims", "create") in granted
    assert ("csi.ceph.io", "cephconnections", "create") in granted


# --- Ceph cluster, object store, user ---------------------------------------------------------------------


def test_ceph_cluster(objects: list[Object]) -> None:
    cluster = one(objects, "CephCluster")
    spec = cluster["spec"]
    assert spec["dataDirHostPath"] == "/var/lib/rook"
    assert spec["mon"]["count"] == 3
    assert spec["mgr"]["count"] == 2
    assert "cleanupPolicy" not in spec
    (device_set,) = spec["storage"]["storageClassDeviceSets"]
    assert device_set["count"] == 3
    (claim,) = device_set["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"
    assert claim["spec"]["volumeMode"] == "Block"
    assert "storageClassName" not in claim["spec"]


def test_ceph_cluster_parameters() -> None:
    objects = render(
        spec_with(monCount=5, mgrCount=1, storage={"osdCount": 6, "osdSize": "100Gi", "storageClassName": "fast-ssd"})
    )
    spec = one(objects, "CephCluster")["spec"]
    assert spec["mon"]["count"] == 5
    assert spec["mgr"]["count"] == 1
    (device_set,) = spec["storage"]["storageClassDeviceSets"]
    assert device_set["count"] == 6
    (claim,) = device_set["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "100Gi"
    assert claim["spec"]["storageClassName"] == "fast-ssd"


def test_data_label_on_ceph_resources_only(objects: list[Object]) -> None:
    for kind in ("CephCluster", "CephObjectStore", "CephObjectStoreUser"):
        assert one(objects, kind)["metadata"]["labels"]["opendatahub.io/data"] == "true"
    claim = one(objects, "CephCluster")["spec"]["storage"]["storageClassDeviceSets"][0]["volumeClaimTemplates"][0]
    assert "labels" not in claim["metadata"]
    for obj in objects:
        if obj["kind"] == "CustomResourceDefinition":  # deleting a CRD deletes every resource of its kind
            assert obj["metadata"]["labels"]["opendatahub.io/data"] == "true"
        elif obj["kind"] not in ("CephCluster", "CephObjectStore", "CephObjectStoreUser"):
            assert "opendatahub.io/data" not in obj["metadata"].get("labels", {}), obj["metadata"]["name"]


def test_object_store(objects: list[Object]) -> None:
    store = one(objects, "CephObjectStore", "odh-datalake")
    spec = store["spec"]
    assert spec["gateway"] == {"port": 80, "instances": 1}
    for pool in ("metadataPool", "dataPool"):
        assert spec[pool]["replicated"] == {"size": 3, "requireSafeReplicaSize": True}
    assert spec["preservePoolsOnDelete"] is True, "deletionPolicy Retain keeps the objects"


def test_object_store_parameters() -> None:
    objects = render(spec_with(objectStore={"name": "lake", "user": "alice", "gatewayInstances": 2, "replicas": 1}))
    spec = one(objects, "CephObjectStore", "lake")["spec"]
    assert spec["gateway"]["instances"] == 2
    assert spec["dataPool"]["replicated"] == {"size": 1, "requireSafeReplicaSize": False}
    user = one(objects, "CephObjectStoreUser", "alice")
    assert user["spec"]["store"] == "lake"


def test_object_store_user(objects: list[Object]) -> None:
    user = one(objects, "CephObjectStoreUser", "odh")
    assert user["spec"]["store"] == "odh-datalake"


def test_s3_wiring_helpers() -> None:
    spec = full_spec()
    assert s3_secret_name(spec) == "rook-ceph-object-user-odh-datalake-odh"
    assert s3_endpoint(spec, "datalake") == "http://rook-ceph-rgw-odh-datalake.datalake.svc:80"
    other = spec_with(objectStore={"name": "lake", "user": "bob"})
    assert s3_secret_name(other) == "rook-ceph-object-user-lake-bob"
    assert s3_endpoint(other, "ns1") == "http://rook-ceph-rgw-lake.ns1.svc:80"


def test_two_instances_do_not_collide() -> None:
    spec = spec_with()
    first = render(spec, Instance(name="odh", namespace="team-a"))
    second = render(spec, Instance(name="odh", namespace="team-b"))
    cluster_scoped = {"ClusterRole", "ClusterRoleBinding"}
    names_a = {o["metadata"]["name"] for o in first if o["kind"] in cluster_scoped}
    names_b = {o["metadata"]["name"] for o in second if o["kind"] in cluster_scoped}
    assert names_a and not names_a & names_b


# --- readiness --------------------------------------------------------------------------------------------


def ready_deployment() -> Object:
    return {
        "kind": "Deployment",
        "metadata": {"name": "rook-ceph-operator", "generation": 1},
        "spec": {"replicas": 1},
        "status": {"observedGeneration": 1, "availableReplicas": 1, "updatedReplicas": 1},
    }


def cluster(status: Object | None) -> Object:
    obj: Object = {"kind": "CephCluster", "metadata": {"name": "rook-ceph"}, "spec": {}}
    if status is not None:
        obj["status"] = status
    return obj


def store(status: Object | None) -> Object:
    obj: Object = {"kind": "CephObjectStore", "metadata": {"name": "odh-datalake"}, "spec": {}}
    if status is not None:
        obj["status"] = status
    return obj


READY_CLUSTER = {"phase": "Ready", "message": "Cluster created successfully", "ceph": {"health": "HEALTH_OK"}}
READY_STORE = {"phase": "Ready"}


def test_ready_when_everything_is() -> None:
    result = COMPONENT.readiness([ready_deployment(), cluster(READY_CLUSTER), store(READY_STORE)])
    assert result.state == "Ready"


def test_health_warn_is_ready() -> None:
    warn = {**READY_CLUSTER, "ceph": {"health": "HEALTH_WARN"}}
    assert COMPONENT.readiness([ready_deployment(), cluster(warn), store(READY_STORE)]).state == "Ready"


def test_absent_cluster_status_is_not_ready() -> None:
    result = COMPONENT.readiness([ready_deployment(), cluster(None), store(READY_STORE)])
    assert (result.state, result.reason) == ("NotReady", "CephClusterNotReady")
    assert "CephCluster/rook-ceph" in result.message and "Ready" in result.message


def test_missing_cluster_is_not_ready() -> None:
    result = COMPONENT.readiness([ready_deployment(), store(READY_STORE)])
    assert (result.state, result.reason) == ("NotReady", "CephClusterNotReady")


def test_progressing_cluster_is_not_ready() -> None:
    progressing = {"phase": "Progressing", "message": "Configuring Ceph Mons"}
    result = COMPONENT.readiness([ready_deployment(), cluster(progressing), store(READY_STORE)])
    assert (result.state, result.reason) == ("NotReady", "CephClusterNotReady")
    assert "Progressing" in result.message and "Configuring Ceph Mons" in result.message


def test_ready_phase_without_health_is_not_ready() -> None:
    result = COMPONENT.readiness([ready_deployment(), cluster({"phase": "Ready"}), store(READY_STORE)])
    assert (result.state, result.reason) == ("NotReady", "CephClusterNotReady")


@pytest.mark.parametrize(
    "status",
    [
        {"phase": "Failure", "message": "failed to start ceph monitors"},
        {"phase": "Error", "message": "failed to start ceph monitors"},
        {"phase": "Ready", "message": "failed to start ceph monitors", "ceph": {"health": "HEALTH_ERR"}},
    ],
)
def test_failed_cluster_is_an_error(status: Object) -> None:
    result = COMPONENT.readiness([ready_deployment(), cluster(status), store(READY_STORE)])
    assert (result.state, result.reason) == ("Error", "CephClusterFailed")
    assert "failed to start ceph monitors" in result.message


def test_cluster_error_without_message_names_the_state() -> None:
    result = COMPONENT.readiness([ready_deployment(), cluster({"phase": "Failure"}), store(READY_STORE)])
    assert result.state == "Error" and "Failure" in result.message


def test_object_store_not_ready() -> None:
    for status in (None, {"phase": "Progressing"}):
        result = COMPONENT.readiness([ready_deployment(), cluster(READY_CLUSTER), store(status)])
        assert (result.state, result.reason) == ("NotReady", "CephObjectStoreNotReady")
        assert "CephObjectStore/odh-datalake" in result.message


def test_missing_object_store_is_not_ready() -> None:
    result = COMPONENT.readiness([ready_deployment(), cluster(READY_CLUSTER)])
    assert (result.state, result.reason) == ("NotReady", "CephObjectStoreNotReady")


def test_failed_object_store_is_an_error() -> None:
    failed = {"phase": "Failure", "message": "failed to create pools"}
    result = COMPONENT.readiness([ready_deployment(), cluster(READY_CLUSTER), store(failed)])
    assert (result.state, result.reason) == ("Error", "CephObjectStoreFailed")
    assert "failed to create pools" in result.message


def test_operator_deployment_gates_readiness() -> None:
    rolling = ready_deployment()
    rolling["status"] = {"observedGeneration": 1, "availableReplicas": 0, "updatedReplicas": 1}
    result = COMPONENT.readiness([rolling, cluster(READY_CLUSTER), store(READY_STORE)])
    assert (result.state, result.reason) == ("NotReady", "WorkloadsNotReady")


def test_error_wins_over_not_ready() -> None:
    rolling = ready_deployment()
    rolling["status"] = {}
    failed = {"phase": "Failure", "message": "boom"}
    result = COMPONENT.readiness([rolling, cluster(failed), store(None)])
    assert result.state == "Error"


def test_readiness_on_rendered_objects_without_status(objects: list[Object]) -> None:
    assert COMPONENT.readiness(objects).state == "NotReady"


# --- storage modes ----------------------------------------------------------------------------------------


def storage_of(**storage: Any) -> Object:
    spec = spec_with(monCount=1, mgrCount=1, objectStore={"replicas": 1}, storage=storage)
    result: Object = one(render(spec), "CephCluster")["spec"]["storage"]
    return result


def loop_config(**storage: Any) -> str:
    spec = spec_with(storage=storage)
    value: str = one(render(spec), "ConfigMap", "rook-ceph-operator-config")["data"]["ROOK_CEPH_ALLOW_LOOP_DEVICES"]
    return value


def test_devices_mode_all_devices_of_all_allowed_nodes() -> None:
    assert storage_of(mode="devices", useAllDevices=True) == {"useAllNodes": True, "useAllDevices": True}


def test_devices_mode_filter_and_loop_devices_as_rook_ci_does() -> None:
    storage = storage_of(mode="devices", deviceFilter="^loop0$", allowLoopDevices=True)
    assert storage == {"useAllNodes": True, "useAllDevices": False, "deviceFilter": "^loop0$"}
    assert loop_config(mode="devices", deviceFilter="^loop0$", allowLoopDevices=True) == "true"
    assert loop_config(mode="devices", deviceFilter="^loop0$") == "false"
    assert loop_config() == "false"


def test_devices_mode_node_by_node() -> None:
    nodes = [{"name": "kind-worker", "devices": ["loop0"]}, {"name": "w2", "devices": ["sdb", "/dev/disk/by-id/x"]}]
    assert storage_of(mode="devices", nodes=nodes) == {
        "useAllNodes": False,
        "useAllDevices": False,
        "nodes": [
            {"name": "kind-worker", "devices": [{"name": "loop0"}]},
            {"name": "w2", "devices": [{"name": "sdb"}, {"name": "/dev/disk/by-id/x"}]},
        ],
    }


@pytest.mark.parametrize(
    ("storage", "message"),
    [
        ({"mode": "devices"}, "needs one of useAllDevices"),
        ({"useAllDevices": True}, "apply only to mode: devices"),
        ({"allowLoopDevices": True}, "apply only to mode: devices"),
        ({"mode": "devices", "useAllDevices": True, "deviceFilter": "^sd"}, "alternatives"),
        ({"mode": "devices", "deviceFilter": "^sd", "nodes": [{"name": "a", "devices": ["sdb"]}]}, "alternatives"),
        ({"mode": "devices", "useAllDevices": True, "storageClassName": "x"}, "storageClassName applies only"),
        ({"mode": "devices", "nodes": [{"name": "a", "devices": ["sdb"]}, {"name": "a", "devices": ["sdc"]}]},
         "listed once"),
        ({"mode": "devices", "nodes": [{"name": "a", "devices": ["sd b"]}]}, "pattern"),
        ({"mode": "devices", "nodes": [{"name": "a", "devices": []}]}, "at least 1"),
    ],
)
def test_contradictory_storage_settings_are_refused(storage: Object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        spec_with(storage=storage)


def test_more_copies_than_osds_is_refused() -> None:
    with pytest.raises(ValueError, match="objectStore.replicas must not exceed storage.osdCount"):
        spec_with(storage={"osdCount": 1}, objectStore={"replicas": 2})
    spec_with(storage={"mode": "devices", "useAllDevices": True}, objectStore={"replicas": 3})  # nodes decide


def test_crd_carries_the_storage_rules_for_the_api_server() -> None:
    from odh_operator.api.crd import crd as odh_crd

    schema = odh_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    rook = schema["rookCeph"]
    messages = [r["message"] for r in rook["properties"]["storage"]["x-kubernetes-validations"]]
    assert len(messages) == 4 and any("alternatives" in m for m in messages)
    assert "osdCount" in rook["x-kubernetes-validations"][0]["rule"]


# --- RBAC fixes and upstream-derived grants ---------------------------------------------------------------


def grants(objects: list[Object], role: str) -> set[tuple[str, str, str]]:
    return {
        (group, resource, verb)
        for rule in one(objects, "Role", role)["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def test_mgr_may_create_and_delete_its_services(objects: list[Object]) -> None:
    granted = grants(objects, "rook-ceph-mgr")
    for verb in ("get", "create", "update", "delete"):  # watch-active: metrics Service, dashboard Service removal
        assert ("", "services", verb) in granted
    assert ("", "pods", "update") in granted and ("", "pods", "delete") not in granted


def test_operator_grants_follow_the_installed_crds(objects: list[Object]) -> None:
    granted = grants(objects, "rook-ceph-system")
    crds = [o for o in objects if o["kind"] == "CustomResourceDefinition" and o["spec"]["group"] == "ceph.rook.io"]
    for crd_obj in crds:
        plural = crd_obj["spec"]["names"]["plural"]
        assert ("ceph.rook.io", plural, "watch") in granted and ("ceph.rook.io", plural, "update") in granted
        has_status = "status" in (crd_obj["spec"]["versions"][0].get("subresources") or {})
        assert (("ceph.rook.io", f"{plural}/status", "update") in granted) == has_status
    assert ("ceph.rook.io", "cephbucketnotifications/status", "update") in granted


def test_delete_policy_lets_rook_delete_the_store_pools() -> None:
    spec = spec_with().model_copy(update={"deletion_policy": "Delete"})
    assert one(render(spec), "CephObjectStore")["spec"]["preservePoolsOnDelete"] is False


def test_names_that_look_like_numbers_stay_strings() -> None:
    objects = render(spec_with(objectStore={"name": "0", "user": "1e3"}), Instance(name="odh", namespace="007"))
    store = one(objects, "CephObjectStore", "0")
    assert store["metadata"]["namespace"] == "007"
    assert one(objects, "CephObjectStoreUser", "1e3")["spec"]["store"] == "0"
    assert all(isinstance(o["metadata"].get("namespace", ""), str) for o in objects)
