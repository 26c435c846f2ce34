"""[s3] A notebook writes and reads an object in the data lake with the credentials the platform injects.

Ceph cannot run here, so the object store stands in: an S3-compatible server (moto's server mode) runs as the
gateway pod behind the Service Rook would create (``rook-ceph-rgw-<store>``, port 80 to the pod's 8080), and the
S3 user Secret is created as Rook creates it (AccessKey, SecretKey, Endpoint). Everything on the notebook's side
is the operator's: the rendered hub config puts the Secret's keys and the endpoint into the notebook's env."""

import secrets
from pathlib import Path

import yaml

from odh_operator.api.resource import parse_spec
from odh_operator.components.rook_ceph import GATEWAY_PORT, s3_endpoint, s3_secret_name
from testbed.control_plane import Cluster
from testbed.harness import Operator, wait_for
from testbed.images import S3_STANDIN_IMAGE, S3_STANDIN_PORT
from testbed.pod_runner import wait_running
from tests.e2e.notebook_user import (
    login,

    open_server,
    run_in_kernel,
    running_platform,
    secret_value,
    spawn,
    user_pod,
)

SPEC = {"rookCeph": {"enabled": True, "monCount": 1, "objectStore": {"replicas": 1}},
        "jupyterHub": {"enabled": True, "culling": {"enabled": False}}}
CODE = """
import boto3, os
s3 = boto3.client("s3")  # endpoint (AWS_ENDPOINT_URL_S3) and keys from the environment the platform injects
s3.create_bucket(Bucket="data-lake")
s3.put_object(Bucket="data-lake", Key="results/run-1.csv", Body=b"accuracy,0.93\\n")
body = s3.get_object(Bucket="data-lake", Key="results/run-1.csv")["Body"].read().decode()
print(os.environ["AWS_ENDPOINT_URL_S3"], os.environ["AWS_ACCESS_KEY_ID"], body.strip())
"""


def object_store_as_rook_would(cluster: Cluster, namespace: str, access_key: str, secret_key: str) -> None:
    """The gateway Service and user Secret Rook would create, and the stand-in gateway pod."""
    spec = parse_spec(SPEC)
    store = spec.rook_ceph.object_store.name
    endpoint = s3_endpoint(spec, namespace)
    labels = {"app": "rook-ceph-rgw", "rook_cluster": namespace, "rook_object_store": store}
    objects = [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"rook-ceph-rgw-{store}", "namespace": namespace,
                                                              "labels": labels},
         "spec": {"selector": labels, "ports": [{"name": "http", "port": GATEWAY_PORT, "targetPort": S3_STANDIN_PORT}]}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": s3_secret_name(spec), "namespace": namespace},
         "stringData": {"AccessKey": access_key, "SecretKey": secret_key, "Endpoint": endpoint}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"rook-ceph-rgw-{store}-a", "namespace": namespace,
                                                          "labels": labels},
         "spec": {"securityContext": {"runAsNonRoot": True},
                  "containers": [{"name": "rgw", "image": S3_STANDIN_IMAGE,
                                  # moto reads the first label of an unknown host name as a bucket (virtual-host
                                  # style); the gateway's own names are endpoints, as they are to Ceph's RGW.
                                  "env": [{"name": "MOTO_S3_CUSTOM_ENDPOINTS", "value": ",".join(
                                      [endpoint, endpoint.removesuffix(f":{GATEWAY_PORT}")])}],
                                  "ports": [{"name": "http", "containerPort": S3_STANDIN_PORT}]}]}},
    ]
    cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(objects))


def test_s3_notebook_writes_and_reads_the_data_lake_with_injected_credentials(
    cluster: Cluster, operator: Operator, namespace: str, tmp_path: Path
) -> None:
    access_key, secret_key = secrets.token_hex(10).upper(), secrets.token_hex(20)
    with running_platform(cluster, namespace, SPEC, tmp_path) as platform:
        object_store_as_rook_would(cluster, namespace, access_key, secret_key)
        wait_running(platform.runner, namespace, "rook-ceph-rgw-" + parse_spec(SPEC).rook_ceph
                     .object_store.name + "-a", timeout=60)
        session = login(platform.base, secret_value(cluster, namespace, "jupyterhub", "user-password"))
        spawn(session, platform.base, "minimal")
        pod = wait_for("the user's pod", lambda: user_pod(cluster, namespace), timeout=120)
        wait_running(platform.runner, namespace, pod["metadata"]["name"], timeout=60)
        open_server(session, platform.base)

        out = run_in_kernel(session, platform.base, CODE)
        endpoint = s3_endpoint(parse_spec(SPEC), namespace)
        assert out.split() == [endpoint, access_key, "accuracy,0.93"]
        gateway_log = next(platform.runner.workdir.glob("*rook-ceph-rgw*/rgw.log")).read_text()
        assert "PUT /data-lake/results/run-1.csv" in gateway_log
