"""The Kubeflow Spark operator (v2.5.2): runs SparkApplications and ScheduledSparkApplications.

Only the controller is installed; the admission webhook is not. Without it the operator still submits and
tracks applications, but the pod-level fields the webhook would patch into driver and executor pods
(tolerations, affinity, security contexts, sidecars and init containers, host network, DNS config,
ConfigMap/Secret volumes and their mounts, GPU resources, ...) are ignored unless given through the
``spec.driver.template`` / ``spec.executor.template`` pod templates, and SparkApplications are not validated
on admission. It avoids a webhook certificate and a MutatingWebhookConfiguration with failurePolicy Fail.

The controller watches the job namespaces (the OpenDataHub's namespace by default) with namespaced Roles
only: it needs no ClusterRole (its one cluster-wide rule, reading CRDs, serves the Volcano batch scheduler,
which stays off). Each job namespace gets a ``spark`` ServiceAccount for driver pods.
"""

from typing import Any

from odh_operator.api.spec import OpenDataHubSpec, SparkOperatorSpec
from odh_operator.cluster_facts import NO_FACTS, ClusterFacts
from odh_operator.components.base import Component, Context, Instance, Object
from odh_operator.readiness import Readiness, first_not_ready, workloads_readiness

SPARK_SERVICE_ACCOUNT = "spark"
CONTROLLER = "spark-operator-controller"
LEADER_ELECTION_LOCK = f"{CONTROLLER}-lock"
METRICS_PORT = 8080
HEALTH_PORT = 8081


def job_namespaces(spec: OpenDataHubSpec, namespace: str) -> list[str]:
    """Namespaces whose Spark applications the controller runs: the listed ones, else the OpenDataHub's."""
    return list(dict.fromkeys(spec.spark_operator.job_namespaces)) or [namespace]


def default_job_namespace(spec: OpenDataHubSpec, namespace: str) -> str:
    """The job namespace notebooks should submit to: the OpenDataHub's own when it is one, else the first."""
    namespaces = job_namespaces(spec, namespace)
    return namespace if namespace in namespaces else namespaces[0]


def _condition(obj: Object, kind: str) -> dict[str, Any] | None:
    conditions = (obj.get("status") or {}).get("conditions") or []
    return next((c for c in conditions if c.get("type") == kind), None)


def crd_readiness(observed: list[Object]) -> Readiness:
    """Error when a CRD's names clash with another CRD, NotReady until every CRD is established."""
    waiting: list[str] = []
    for obj in observed:
        if obj.get("kind") != "CustomResourceDefinition":
            continue
        name = obj["metadata"]["name"]
        names = _condition(obj, "NamesAccepted")
        if names is not None and names.get("status") == "False":
            reason = names.get("message") or names.get("reason") or "names not accepted"
            return Readiness("Error", "CrdNamesNotAccepted", f"CustomResourceDefinition/{name}: {reason}")
        established = _condition(obj, "Established")
        if established is None or established.get("status") != "True":
            waiting.append(f"CustomResourceDefinition/{name}: not established yet")
    if waiting:
        return Readiness("NotReady", "CrdsNotEstablished", "; ".join(waiting))
    return Readiness("Ready", "AllReady", "all CRDs are established")


class SparkOperator(Component):
    """The Spark operator controller, its CRDs and RBAC, and the driver ServiceAccount of each job namespace."""

    name = "spark-operator"
    spec_key = "spark_operator"
    title = "SparkOperator"
    default_images = {"controller": "ghcr.io/kubeflow/spark-operator/controller:2.5.2"}

    def image_overrides(self, spec: OpenDataHubSpec) -> dict[str, str | None]:
        section: SparkOperatorSpec = spec.spark_operator
        return {"controller": section.image}

    def context(self, spec: OpenDataHubSpec, instance: Instance) -> Context:
        return {
            "app": CONTROLLER,
            "job_namespaces": job_namespaces(spec, instance.namespace),
            "leader_election": spec.spark_operator.replicas > 1,
            "lock_name": LEADER_ELECTION_LOCK,
            "spark_service_account": SPARK_SERVICE_ACCOUNT,
            "metrics_port": METRICS_PORT,
            "health_port": HEALTH_PORT,
        }

    def readiness(self, observed: list[Object], facts: ClusterFacts = NO_FACTS) -> Readiness:
        return first_not_ready(crd_readiness(observed), workloads_readiness(observed))


COMPONENT = SparkOperator()
