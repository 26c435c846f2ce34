"""The pod runner's kubelet rules: environment, command line, user, volume files and their ``..data`` layout."""

import base64
import os
from pathlib import Path

import pytest

from testbed.pod_env import (
    Image,
    PodRefused,
    command_line,
    container_env,
    expand,
    identity,
    passwd_with,
    volume_files,
    write_atomic,
)

SECRET = {"kind": "Secret", "metadata": {"name": "creds", "namespace": "ns"},
          "data": {"key": base64.b64encode(b"s3cr3t").decode()}}
CONFIG = {"kind": "ConfigMap", "metadata": {"name": "conf", "namespace": "ns"},
          "data": {"a": "1", "b.txt": "two"}}
OBJECTS = {("Secret", "creds"): SECRET, ("ConfigMap", "conf"): CONFIG}


def lookup(kind: str, name: str) -> dict | None:
    return OBJECTS.get((kind, name))


def pod(**spec: object) -> dict:
    return {"metadata": {"name": "p", "namespace": "ns", "uid": "u-1", "labels": {"app": "x"},
                         "annotations": {"note": "hi"}},
            "spec": {"serviceAccountName": "sa", "nodeName": "n1", "containers": [], **spec},
            "status": {"podIP": "10.244.0.7", "hostIP": "10.0.0.1"}}


def env_of(container: dict, p: dict | None = None, services: list | None = None) -> dict[str, str]:
    return container_env(p or pod(), container, lookup, services or [], "10.96.0.1")


def test_expansion_follows_kubernetes_rules() -> None:
    env = {"A": "x", "B": "y"}
    assert expand("$(A)-$(B)", env) == "x-y"
    assert expand("$(MISSING)", env) == "$(MISSING)"
    assert expand("$$(A)", env) == "$(A)"
    assert expand("cost $5", env) == "cost $5"


def test_env_resolves_references_in_order() -> None:
    container = {"env": [
        {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "key"}}},
        {"name": "A", "valueFrom": {"configMapKeyRef": {"name": "conf", "key": "a"}}},
        {"name": "URL", "value": "http://$(A):$(PORT)"},
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "NOTE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.annotations['note']"}}},
        {"name": "SA", "valueFrom": {"fieldRef": {"fieldPath": "spec.serviceAccountName"}}},
    ]}
    env = env_of(container)
    assert env["PASSWORD"] == "s3cr3t"
    assert env["URL"] == "http://1:$(PORT)"
    assert (env["POD_IP"], env["NOTE"], env["SA"]) == ("10.244.0.7", "hi", "sa")
    assert (env["KUBERNETES_SERVICE_HOST"], env["KUBERNETES_SERVICE_PORT"]) == ("10.96.0.1", "443")


def test_env_from_with_prefix_and_the_env_list_winning() -> None:
    container = {"envFrom": [{"configMapRef": {"name": "conf"}, "prefix": "C_"}],
                 "env": [{"name": "C_a", "value": "override"}]}
    env = env_of(container)
    assert env["C_a"] == "override"
    assert env["C_b.txt"] == "two"


@pytest.mark.parametrize(("ref", "message"), [
    ({"secretKeyRef": {"name": "absent", "key": "k"}}, 'secret "absent" not found'),
    ({"secretKeyRef": {"name": "creds", "key": "nope"}}, "couldn't find key nope in Secret ns/creds"),
    ({"configMapKeyRef": {"name": "absent", "key": "k"}}, 'configmap "absent" not found'),
    ({"configMapKeyRef": {"name": "conf", "key": "nope"}}, "couldn't find key nope in ConfigMap ns/conf"),
])
def test_a_missing_required_reference_is_refused(ref: dict, message: str) -> None:
    with pytest.raises(PodRefused, match=message):
        env_of({"env": [{"name": "X", "valueFrom": ref}]})


def test_a_missing_optional_reference_leaves_the_variable_out() -> None:
    env = env_of({"env": [
        {"name": "X", "valueFrom": {"secretKeyRef": {"name": "absent", "key": "k", "optional": True}}},
        {"name": "Y", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "nope", "optional": True}}},
    ]})
    assert "X" not in env and "Y" not in env


def test_service_links_only_when_enabled() -> None:
    svc = {"metadata": {"name": "my-svc", "namespace": "ns"},
           "spec": {"clusterIP": "10.96.3.4", "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}}
    env = env_of({}, services=[svc])
    assert env["MY_SVC_SERVICE_HOST"] == "10.96.3.4"
    assert env["MY_SVC_SERVICE_PORT_HTTP"] == "80"
    assert env["MY_SVC_PORT_80_TCP_ADDR"] == "10.96.3.4"
    assert "MY_SVC_SERVICE_HOST" not in env_of({}, pod(enableServiceLinks=False), [svc])


def test_resource_field_ref_rounds_up_by_divisor() -> None:
    container = {"resources": {"limits": {"memory": "1536Mi", "cpu": "500m"}},
                 "env": [{"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory",
                                                                            "divisor": "1Gi"}}},
                         {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}}]}
    env = env_of(container)
    assert (env["MEM"], env["CPU"]) == ("2", "1")


def test_command_line_rules() -> None:
    image = Image(entrypoint=["tini", "--"], cmd=["start.sh"])
    env = {"PORT": "8888"}
    assert command_line({}, image, env) == ["tini", "--", "start.sh"]
    assert command_line({"args": ["run", "--port=$(PORT)"]}, image, env) == ["tini", "--", "run", "--port=8888"]
    assert command_line({"command": ["prog"]}, image, env) == ["prog"]
    with pytest.raises(PodRefused):
        command_line({}, Image(), env)


def test_identity_container_over_pod_over_image_and_run_as_non_root() -> None:
    image = Image(user=1000, group=100)
    p = pod(securityContext={"runAsUser": 1001, "fsGroup": 2000, "supplementalGroups": [5]})
    who = identity(p, {"securityContext": {"runAsUser": 1002}}, image)
    assert (who.uid, who.gid, who.groups) == (1002, 100, (100, 5, 2000))
    assert identity(pod(), {}, image).uid == 1000
    with pytest.raises(PodRefused, match="runAsNonRoot and image will run as root"):
        identity(pod(securityContext={"runAsNonRoot": True}), {}, Image())


def test_volume_files_for_secret_config_map_and_projection() -> None:
    p = pod()
    assert volume_files(p, {"name": "v", "secret": {"secretName": "creds", "defaultMode": 0o400}}, lookup,
                        str) == {"key": (b"s3cr3t", 0o400)}
    items = {"name": "v", "configMap": {"name": "conf", "items": [{"key": "a", "path": "sub/a.conf"}]}}
    assert volume_files(p, items, lookup, str) == {"sub/a.conf": (b"1", 0o644)}
    projected = {"name": "v", "projected": {"sources": [
        {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}},
        {"configMap": {"name": "conf", "items": [{"key": "a", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"fieldPath": "metadata.namespace"}}]}},
    ]}}
    files = volume_files(p, projected, lookup, lambda projection: "tok-" + str(projection["expirationSeconds"]))
    assert files == {"token": (b"tok-3607", 0o644), "ca.crt": (b"1", 0o644), "namespace": (b"ns", 0o644)}
    assert volume_files(p, {"name": "v", "emptyDir": {}}, lookup, str) is None


def test_a_missing_volume_source_is_refused_unless_optional() -> None:
    p = pod()
    with pytest.raises(PodRefused, match='configmap "absent" not found'):
        volume_files(p, {"name": "v", "configMap": {"name": "absent"}}, lookup, str)
    with pytest.raises(PodRefused, match="non-existent config key: zz"):
        volume_files(p, {"name": "v", "configMap": {"name": "conf", "items": [{"key": "zz", "path": "z"}]}},
                     lookup, str)
    assert volume_files(p, {"name": "v", "secret": {"secretName": "absent", "optional": True}}, lookup, str) == {}


def test_atomic_layout_and_update(tmp_path: Path) -> None:
    target = tmp_path / "vol"
    write_atomic(target, {"a": (b"1", 0o644), "dir/b": (b"2", 0o600)}, "first")
    assert os.readlink(target / "..data") == "..first"
    assert os.readlink(target / "a") == "..data/a"
    assert os.readlink(target / "dir") == "..data/dir"
    assert (target / "dir/b").read_bytes() == b"2"
    assert (target / "..first/dir/b").stat().st_mode & 0o777 == 0o600
    write_atomic(target, {"a": (b"changed", 0o644), "dir/b": (b"2", 0o600)}, "second")
    assert (target / "a").read_bytes() == b"changed"
    assert not (target / "..first").exists()


def test_passwd_gets_the_image_user_only_when_the_host_lacks_it() -> None:
    host = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    image = Image(user=185, group=185, user_name="spark", env={"HOME": "/home/spark"})
    assert passwd_with(host, image, 185, 185) == host + "spark:x:185:185::/home/spark:/bin/sh\n"
    assert passwd_with(host, image, 65534, 65534) is None
