"""[spark] The Spark admission policies on the real API server: the operator installs them for an OpenDataHub,
then server-side dry runs, made with the notebook's own token and with the Spark drivers' token, show what
they refuse (each with the policy's message naming the field) and what they admit.

The Spark operator's webhook is off here: the policies are the API server's own, nothing else answers."""

import copy
import json
import time
from pathlib import Path
from typing import Any

from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components.spark_s3 import application_conf
from odh_operator.kube import Kube
from testbed.control_plane import Cluster
from testbed.harness import Operator, wait_for
from testbed.platform import apply_odh, expected, wait_all_exist
from tests.e2e.accounts import account_token, as_account, token_kubeconfig

Object = dict[str, Any]
SPEC = {"sparkOperator": {"enabled": True, "webhook": {"enabled": False}},
        "jupyterHub": {"enabled": True, "culling": {"enabled": False}}}
NOTEBOOK = "jupyterhub-notebook"
SPARK = "spark"
HOST_ROOT = {"name": "host", "hostPath": {"path": "/"}}
# SparkPi as the journey submits it, with safe extras: a pod template, volumes of the safe list, the data
# lake's sparkConf, a non-root security context.
BENIGN: Object = {
    "type": "Scala", "mode": "cluster", "sparkVersion": "4.0.1", "image": "docker.io/library/spark:4.0.1",
    "mainClass": "org.apache.spark.examples.SparkPi",
    "mainApplicationFile": "local:///opt/spark/examples/jars/spark-examples.jar",
    "volumes": [{"name": "scratch", "emptyDir": {}}, {"name": "conf", "configMap": {"name": "spark-s3"}}],
    "driver": {"cores": 1, "memory": "512m", "serviceAccount": SPARK,
               "securityContext": {"runAsUser": 185, "allowPrivilegeEscalation": False,
                                   "capabilities": {"drop": ["ALL"]}},
               "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}]},
    "executor": {"instances": 1, "cores": 1, "memory": "512m",
                 "template": {"spec": {"tolerations": [{"key": "spark", "operator": "Exists"}],
                                       "containers": [{"name": "spark-kubernetes-executor"}]}}},
}
# (what, a change to BENIGN's spec, the message the policy answers with): each one alone makes it hostile.
HOSTILE: list[tuple[str, Object, str]] = [
    ("foreign driver account", {"driver": {"serviceAccount": "spark-operator"}},
     'spec.driver.serviceAccount must be absent or "spark"'),
    ("foreign executor account", {"executor": {"serviceAccount": "default"}},
     'spec.executor.serviceAccount must be absent or "spark"'),
    ("hostPath volume", {"volumes": [HOST_ROOT], "driver": {"volumeMounts": [{"name": "host", "mountPath": "/h"}]}},
     "spec.volumes must not hold a hostPath volume"),
    ("nfs volume", {"volumes": [{"name": "share", "nfs": {"server": "nfs.example", "path": "/"}}]},
     "spec.volumes may hold only configMap, secret, emptyDir, persistentVolumeClaim, projected, downwardAPI, "
     "ephemeral volumes"),
    ("privileged driver", {"driver": {"securityContext": {"privileged": True}}},
     "spec.driver.securityContext.privileged must not be true"),
    ("root executor", {"executor": {"securityContext": {"runAsUser": 0}}},
     "spec.executor.securityContext.runAsUser must not be 0 (root)"),
    ("root driver pod", {"driver": {"podSecurityContext": {"runAsUser": 0}}},
     "spec.driver.podSecurityContext.runAsUser must not be 0 (root)"),
    ("sidecar with SYS_ADMIN", {"driver": {"sidecars": [{"name": "s", "image": "busybox",
                                                         "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}]}},
     "spec.driver.sidecars[].securityContext.capabilities.add must be empty"),
    ("escalating init container", {"executor": {"initContainers": [
        {"name": "i", "image": "busybox", "securityContext": {"allowPrivilegeEscalation": True}}]}},
     "spec.executor.initContainers[].securityContext.allowPrivilegeEscalation must not be true"),
    ("host network", {"driver": {"hostNetwork": True}}, "spec.driver.hostNetwork must not be true"),
    ("hostPath through sparkConf", {"sparkConf": {"spark.kubernetes.driver.volumes.hostPath.host.mount.path": "/h",
                                                  "spark.kubernetes.driver.volumes.hostPath.host.options.path": "/"}},
     "spec.sparkConf must not set spark.kubernetes.driver.volumes.hostPath.host."),
    ("account through sparkConf",
     {"driver": {"serviceAccount": None},
      "sparkConf": {"spark.kubernetes.authenticate.driver.serviceAccountName": "spark-operator"}},
     "spec.sparkConf must not set spark.kubernetes.authenticate.driver.serviceAccountName"),
    ("namespace through sparkConf", {"sparkConf": {"spark.kubernetes.namespace": "kube-system"}},
     "spec.sparkConf must not set spark.kubernetes.namespace"),
    ("operator's token through sparkConf",
     {"sparkConf": {"spark.kubernetes.kerberos.krb5.path": "/var/run/secrets/kubernetes.io/serviceaccount/token"}},
     "spec.sparkConf must not set spark.kubernetes.kerberos.krb5.path"),
    ("pod template with hostPath", {"executor": {"template": {"spec": {
        "volumes": [HOST_ROOT], "containers": [{"name": "spark-kubernetes-executor"}]}}}},
     "spec.executor.template.spec.volumes must not hold a hostPath volume"),
    ("pod template with host PID", {"driver": {"template": {"spec": {"hostPID": True}}}},
     "spec.driver.template.spec.hostPID must not be true"),
    ("pod template with another account", {"driver": {"template": {"spec": {"serviceAccountName": "default"}}}},
     'spec.driver.template.spec.serviceAccountName must be absent or "spark"'),
    ("privileged container in a pod template", {"driver": {"template": {"spec": {"containers": [
        {"name": "spark-kubernetes-driver", "securityContext": {"privileged": True}}]}}}},
     "spec.driver.template.spec.containers[].securityContext.privileged must not be true"),
]
BENIGN_POD: Object = {
    "serviceAccountName": SPARK,
    "securityContext": {"runAsUser": 185, "runAsNonRoot": True},
    "containers": [{"name": "spark-kubernetes-executor", "image": "docker.io/library/spark:4.0.1",
                    "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                    "volumeMounts": [{"name": "spark-local-dir-1", "mountPath": "/var/data/spark"}]}],
    "volumes": [{"name": "spark-local-dir-1", "emptyDir": {}},
                {"name": "spark-conf-volume-exec", "configMap": {"name": "spark-exec-conf"}}],
}
ROOT_POD: Object = {
    "serviceAccountName": SPARK, "hostPID": True, "securityContext": {"runAsUser": 0},
    "containers": [{"name": "root", "image": "busybox", "securityContext": {"privileged": True},
                    "volumeMounts": [{"name": "host", "mountPath": "/host"}]}],
    "volumes": [HOST_ROOT],
}


def merged(base: Object, change: Object) -> Object:
    """``base`` with ``change`` merged in (maps recursively, None removes a key)."""
    result = copy.deepcopy(base)
    for key, value in change.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def application(namespace: str, name: str, spec: Object, kind: str = "SparkApplication") -> Object:
    return {"apiVersion": "sparkoperator.k8s.io/v1beta2", "kind": kind,
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def pod(namespace: str, name: str, spec: Object) -> Object:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def test_policies_refuse_hostile_spark_jobs_and_driver_pods_and_admit_benign_ones(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str, operator_namespace: str, tmp_path: Path
) -> None:
    document = {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
                "metadata": {"name": "odh", "namespace": namespace}, "spec": SPEC}
    apply_odh(cluster, document)
    policies = [o for o in expected(document, "spark-operator") if "AdmissionPolicy" in o["kind"]]
    notebook_rbac = [o for o in expected(document, "jupyterhub")
                     if o["kind"] in ("ServiceAccount", "Role", "RoleBinding") and o["metadata"]["name"] == NOTEBOOK]
    assert len(policies) == 4 and len(notebook_rbac) == 3
    wait_all_exist(admin, policies + notebook_rbac, timeout=120)
    names = {o["kind"]: o["metadata"]["name"] for o in policies if o["metadata"]["name"].endswith("applications")}

    def dry_run(kubeconfig: Path | None, obj: Object) -> tuple[bool, str]:
        """Server-side dry-run create: (admitted, error text)."""
        args = ("create", "--dry-run=server", "-o", "name", "-f", "-")
        if kubeconfig is None:
            result = cluster.kubectl(*args, input=json.dumps(obj), check=False)
        else:
            result = as_account(cluster, kubeconfig, *args, input=json.dumps(obj))
        return result.returncode == 0, result.stderr

    notebook = token_kubeconfig(cluster, account_token(cluster, NOTEBOOK, namespace), tmp_path / "notebook")
    spark = token_kubeconfig(cluster, account_token(cluster, SPARK, namespace), tmp_path / "spark")

    # The API server loads new policies within a second or so: wait until the first refusal.
    foreign = application(namespace, "foreign", merged(BENIGN, HOSTILE[0][1]))
    wait_for("the applications policy to be in force", lambda: not dry_run(notebook, foreign)[0], timeout=30)

    started = time.monotonic()
    admitted, error = dry_run(notebook, application(namespace, "benign", BENIGN))
    assert admitted, error
    # The data lake's settings for jobs (the data lake itself is not needed for a dry run).
    lake = OpenDataHubSpec.model_validate({"rookCeph": {"enabled": True}, "sparkOperator": {"enabled": True}})
    s3 = merged(BENIGN, {"sparkConf": application_conf(lake, namespace, namespace)})
    admitted, error = dry_run(notebook, application(namespace, "with-s3", s3))
    assert admitted, error

    for what, change, message in HOSTILE:
        admitted, error = dry_run(notebook, application(namespace, "hostile", merged(BENIGN, change)))
        assert not admitted, f"{what}: admitted"
        assert f"ValidatingAdmissionPolicy '{names['ValidatingAdmissionPolicy']}'" in error, (what, error)
        assert message in error, (what, error)
    print(f"{len(HOSTILE)} hostile applications refused in {time.monotonic() - started:.1f} s")

    # A ScheduledSparkApplication's template is held to the same rules, its messages naming spec.template.
    scheduled = {"schedule": "@every 1h", "template": merged(BENIGN, {"driver": {"serviceAccount": "default"}})}
    admitted, error = dry_run(None, application(namespace, "nightly", scheduled, "ScheduledSparkApplication"))
    assert not admitted and 'spec.template.driver.serviceAccount must be absent or "spark"' in error, error
    scheduled["template"] = BENIGN
    admitted, error = dry_run(None, application(namespace, "nightly", scheduled, "ScheduledSparkApplication"))
    assert admitted, error

    # Updates too, whoever makes them (even a cluster admin), and only in the job namespaces.
    cluster.kubectl("create", "-f", "-", input=json.dumps(application(namespace, "kept", BENIGN)))
    patch = json.dumps({"spec": {"volumes": [HOST_ROOT]}})
    result = cluster.kubectl("patch", "sparkapplication", "kept", "-n", namespace, "--type", "merge", "-p", patch,
                             "--dry-run=server", check=False)
    assert result.returncode != 0 and "spec.volumes must not hold a hostPath volume" in result.stderr, result.stderr
    cluster.kubectl("delete", "sparkapplication", "kept", "-n", namespace)
    elsewhere = application(operator_namespace, "elsewhere", merged(BENIGN, HOSTILE[2][1]))
    admitted, error = dry_run(None, elsewhere)
    assert admitted, error

    # Pods the drivers' account creates: executors as Spark makes them pass, the rest is refused.
    pods_policy = names["ValidatingAdmissionPolicy"].replace("spark-applications", "spark-driver-pods")
    admitted, error = dry_run(spark, pod(namespace, "exec-1", BENIGN_POD))
    assert admitted, error
    started = time.monotonic()
    hostile_pods = [
        ("another account", merged(BENIGN_POD, {"serviceAccountName": "spark-operator"}),
         'spec.serviceAccountName must be "spark"'),
        ("the default account", merged(BENIGN_POD, {"serviceAccountName": None}),
         'spec.serviceAccountName must be "spark"'),
        ("root, host PID, privileged, hostPath /", ROOT_POD, "spec.hostPID must not be true"),
        ("hostPath /", merged(BENIGN_POD, {"volumes": [*BENIGN_POD["volumes"], HOST_ROOT]}), "spec.volumes must not hold a hostPath volume"),
        ("privileged", merged(BENIGN_POD, {"containers": [{"name": "c", "image": "busybox",
                                                           "securityContext": {"privileged": True}}]}),
         "spec.containers[].securityContext.privileged must not be true"),
        ("UID 0", merged(BENIGN_POD, {"securityContext": {"runAsUser": 0}}),
         "spec.securityContext.runAsUser must not be 0 (root)"),
        ("host network", merged(BENIGN_POD, {"hostNetwork": True}), "spec.hostNetwork must not be true"),
    ]
    for what, spec, message in hostile_pods:
        admitted, error = dry_run(spark, pod(namespace, "hostile", spec))
        assert not admitted, f"{what}: admitted"
        assert f"ValidatingAdmissionPolicy '{pods_policy}'" in error and message in error, (what, error)
    print(f"{len(hostile_pods)} hostile driver pods refused in {time.monotonic() - started:.1f} s")
    # Only the drivers' account is policed: the same root pod from an admin is the namespace's own business.
    admitted, error = dry_run(None, pod(namespace, "admin-root", ROOT_POD))
    assert admitted, error

    # What the drivers' account may do: pods, but no exec, attach or ephemeral containers, and no applications.
    # (`can-i create pods/exec` reads "exec" as a pod's name; --subresource asks about the subresource.)
    def can_i(verb: str, resource: str) -> str:
        kind, _, sub = resource.partition("/")
        result = cluster.kubectl("auth", "can-i", verb, kind, *([f"--subresource={sub}"] if sub else []),
                                 "-n", namespace, "--as", f"system:serviceaccount:{namespace}:{SPARK}", check=False)
        return result.stdout.strip()

    answers = {f"{verb} {resource}": can_i(verb, resource) for verb, resource in (
        ("create", "pods"), ("create", "pods/exec"), ("get", "pods/exec"), ("create", "pods/attach"),
        ("patch", "pods/ephemeralcontainers"), ("get", "pods/log"), ("create", "sparkapplications"),
        ("get", "secrets"))}
    print(answers)
    assert answers == {"create pods": "yes", "create pods/exec": "no", "get pods/exec": "no",
                       "create pods/attach": "no", "patch pods/ephemeralcontainers": "no", "get pods/log": "no",
                       "create sparkapplications": "no", "get secrets": "no"}

