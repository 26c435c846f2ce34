"""Notebooks on the real control plane: a pod built by KubeSpawner from the rendered hub config, its
optional S3 references, and its own ServiceAccount token against the Spark job namespace's Role."""

import json
from pathlib import Path
from typing import Any

import yaml

from odh_operator.components.rook_ceph import s3_secret_name
from odh_operator.api.resource import parse
from odh_operator.kube import Kube
from testbed.control_plane import Cluster
from testbed.platform import apply_odh, expected, find, wait_all_exist
from testbed.harness import Operator, wait_for
from tests.e2e.accounts import account_token, as_account, token_kubeconfig
from tests.notebook_spawn import load_hub_config, notebook_pod

Object = dict[str, Any]
NOTEBOOK_ACCOUNT = "jupyterhub-notebook"


def platform(namespace: str) -> Object:
    """Notebooks with the data lake and Spark; the webhook may be unreachable here (kwok runs no container)."""
    return {
        "apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
        "metadata": {"name": "odh", "namespace": namespace},
        "spec": {
            "rookCeph": {"enabled": True, "monCount": 1, "objectStore": {"replicas": 1}},
            "sparkOperator": {"enabled": True, "webhook": {"failurePolicy": "Ignore", "timeoutSeconds": 2}},
            "jupyterHub": {"enabled": True},
        },
    }


def spark_application(name: str) -> Object:
    """A SparkApplication a notebook user would submit (Spark's own example), with the data lake's settings."""
    return {
        "apiVersion": "sparkoperator.k8s.io/v1beta2", "kind": "SparkApplication",
        "metadata": {"name": name},
        "spec": {
            "type": "Scala", "mode": "cluster", "sparkVersion": "4.0.1",
            "image": "docker.io/library/spark:4.0.1",
            "mainClass": "org.apache.spark.examples.SparkPi",
            "mainApplicationFile": "local:///opt/spark/examples/jars/spark-examples.jar",
            "driver": {"cores": 1, "memory": "512m", "serviceAccount": "spark"},
            "executor": {"instances": 1, "cores": 1, "memory": "512m"},
        },
    }


def test_notebook_pod_starts_without_the_data_lake_secret_and_submits_spark_jobs_with_its_own_token(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str, tmp_path: Path
) -> None:
    document = platform(namespace)
    apply_odh(cluster, document)
    hub = expected(document, "jupyterhub")
    wait_all_exist(admin, hub + expected(document, "spark-operator"), timeout=120)

    # The pod exactly as the hub would create it for a user picking the PySpark image, size Small.
    config = load_hub_config(hub, tmp_path)
    pod = notebook_pod(config, tmp_path, {"profile": "pyspark", "size": "small"}, user="alice")
    pod["metadata"]["namespace"] = namespace
    refs = [e["valueFrom"]["secretKeyRef"] for c in pod["spec"]["containers"] for e in c.get("env", [])
            if "secretKeyRef" in e.get("valueFrom", {})]
    secret = s3_secret_name(parse(document).spec)
    assert refs and {r["name"] for r in refs} == {secret}
    assert find(admin, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": secret, "namespace": namespace}}) \
        is None, "the data lake's Secret must not exist yet for this test to mean anything"
    required = [r for r in refs if not r.get("optional")]
    assert not required, f"a kubelet would hold the notebook in CreateContainerConfigError: {required}"

    # The API server admits it (the ServiceAccount admission checks the account exists) and mounts the token.
    created = json.loads(cluster.kubectl("create", "-o", "json", "-f", "-", input=json.dumps(pod)).stdout)
    assert created["spec"]["serviceAccountName"] == NOTEBOOK_ACCOUNT
    projected = [v for v in created["spec"]["volumes"] if v.get("projected") and any(
        "serviceAccountToken" in s for s in v["projected"]["sources"])]
    assert projected, "the notebook's token is mounted"

    # The token the kubelet would mount: a TokenRequest for the account, bound to this pod.
    token = account_token(cluster, NOTEBOOK_ACCOUNT, namespace, pod=created["metadata"]["name"])
    notebook = token_kubeconfig(cluster, token, tmp_path / "notebook-kubeconfig")

    def can_submit() -> bool:
        app = spark_application("pi-from-notebook")
        result = as_account(cluster, notebook, "create", "-n", namespace, "-f", "-", input=json.dumps(app))
        return result.returncode == 0 or "AlreadyExists" in result.stderr

    wait_for("the notebook to create a SparkApplication with its own token", can_submit, timeout=60)
    listed = as_account(cluster, notebook, "get", "sparkapplications", "-n", namespace, "-o", "name")
    assert listed.returncode == 0 and "pi-from-notebook" in listed.stdout
    assert as_account(cluster, notebook, "get", "pods", "-n", namespace).returncode == 0  # driver pods

    # Nothing outside its Role: not the platform's Deployments, not Secrets, not other namespaces.
    denied = [
        ("delete", "deployment", "jupyterhub-hub", "-n", namespace),
        ("get", "secrets", "-n", namespace),
        ("create", "configmap", "x", "-n", namespace),
        ("patch", "sparkapplication", "pi-from-notebook", "-n", namespace, "--type=merge", "-p", '{"spec":{}}'),
        ("get", "sparkapplications", "-n", "default"),
    ]
    for command in denied:
        result = as_account(cluster, notebook, *command)
        assert result.returncode != 0 and "forbidden" in result.stderr.lower(), (command, result.stderr)
    deleted = as_account(cluster, notebook, "delete", "sparkapplication", "pi-from-notebook", "-n", namespace)
    assert deleted.returncode == 0, deleted.stderr


def test_the_api_server_rejects_bad_notebook_profiles(cluster: Cluster, namespace: str) -> None:
    bad = [
        ({"images": [{"name": "custom"}]}, "image is required"),
        ({"images": [{"name": "minimal", "default": True}, {"name": "pyspark", "default": True}]},
         "at most one image may be the default"),
        ({"images": [{"name": "minimal"}, {"name": "minimal"}]}, "Duplicate value"),
        ({"sizes": [{"name": "s", "resources": {}, "default": True}, {"name": "m", "resources": {},
                                                                       "default": True}]},
         "at most one size may be the default"),
    ]
    for notebook, message in bad:
        document = {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
                    "metadata": {"name": "bad", "namespace": namespace},
                    "spec": {"jupyterHub": {"notebook": notebook}}}
        result = cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump(document), check=False)
        assert result.returncode != 0 and message in result.stderr, (notebook, result.stderr)
