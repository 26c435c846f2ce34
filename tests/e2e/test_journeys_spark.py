"""[spark] From a notebook, with the notebook's own ServiceAccount token, a user submits a SparkApplication; the
real Spark operator 2.5.2 (the rendered controller args, as its ServiceAccount) runs the real spark-submit (Spark
4.0.2 jars on Java 17), which creates the driver pod; the application reaches RUNNING.

The admission webhook is set to failurePolicy Ignore: the API server runs on the host and cannot reach a
Service inside the pod network, so the webhook's pod is not reachable by it here."""

from pathlib import Path

from testbed.control_plane import Cluster
from testbed.harness import Operator, wait_for
from testbed.pod_runner import wait_running
from tests.e2e.notebook_user import (
    PROGRAMS,
    login,
    open_server,
    pod_named,
    run_in_kernel,
    running_platform,
    secret_value,
    spawn,
    user_pod,
)

SPEC = {"sparkOperator": {"enabled": True, "webhook": {"failurePolicy": "Ignore", "timeoutSeconds": 2}},
        "jupyterHub": {"enabled": True, "culling": {"enabled": False}}}
# What a notebook cell does: the pod's own token and CA, the job namespace from the env the platform sets.
CODE = """
import json, os, ssl, time, urllib.request
SA = "/var/run/secrets/kubernetes.io/serviceaccount"
ns = os.environ["SPARK_NAMESPACE"]
api = f"https://{os.environ['KUBERNETES_SERVICE_HOST']}:{os.environ['KUBERNETES_SERVICE_PORT']}"
url = f"{api}/apis/sparkoperator.k8s.io/v1beta2/namespaces/{ns}/sparkapplications"
ctx = ssl.create_default_context(cafile=SA + "/ca.crt")
def call(method, url, body=None):
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None,
                                 headers={"Authorization": "Bearer " + open(SA + "/token").read(),
                                          "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, context=ctx))
call("POST", url, {
    "apiVersion": "sparkoperator.k8s.io/v1beta2", "kind": "SparkApplication", "metadata": {"name": "pi"},
    "spec": {"type": "Scala", "mode": "cluster", "sparkVersion": "4.0.1", "image": "docker.io/library/spark:4.0.1",
             "mainClass": "org.apache.spark.examples.SparkPi",
             "mainApplicationFile": "local:///opt/spark/examples/jars/spark-examples.jar",
             "driver": {"cores": 1, "memory": "512m", "serviceAccount": os.environ["SPARK_SERVICE_ACCOUNT"]},
             "executor": {"instances": 1, "cores": 1, "memory": "512m"}}})
states = []
for _ in range(150):
    state = (call("GET", url + "/pi").get("status") or {}).get("applicationState", {}).get("state", "")
    if not states or states[-1] != state:
        states.append(state)
    if state in ("RUNNING", "FAILED", "SUBMISSION_FAILED"):
        break
    time.sleep(2)
print(" ".join(s or "-" for s in states))
"""


def test_spark_application_submitted_from_a_notebook_reaches_running(
    cluster: Cluster, operator: Operator, namespace: str, tmp_path: Path
) -> None:
    programs = (*PROGRAMS, "spark-operator", "Spark")
    with running_platform(cluster, namespace, SPEC, tmp_path, programs_needed=programs) as platform:
        controller = wait_for("the Spark operator's pod", lambda: pod_named(cluster, namespace, "spark-operator-controller"),
                              timeout=120)
        wait_running(platform.runner, namespace, controller, timeout=60)
        session = login(platform.base, secret_value(cluster, namespace, "jupyterhub", "user-password"))
        spawn(session, platform.base, "pyspark")
        pod = wait_for("the user's pod", lambda: user_pod(cluster, namespace), timeout=120)
        wait_running(platform.runner, namespace, pod["metadata"]["name"], timeout=60)
        open_server(session, platform.base)

        states = run_in_kernel(session, platform.base, CODE, timeout=400).split()
        assert states[-1] == "RUNNING", states
        controller_log = next(platform.runner.workdir.glob("*spark-operator-controller*/controller.log")).read_text()
        assert "Running spark-submit" in controller_log
        driver = cluster.kubectl("get", "pod", "pi-driver", "-n", namespace, "-o",
                                 "jsonpath={.metadata.labels.spark-role}").stdout
        assert driver == "driver"
