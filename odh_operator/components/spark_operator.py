"""The Kubeflow Spark operator (v2.5.2): runs SparkApplications and ScheduledSparkApplications.

Two Deployments from the one upstream image, as upstream's chart installs them:
- the controller (``controller start``): submits applications with spark-submit and tracks them;
- the admission webhook (``webhook start``), on by default: it defaults SparkApplications (an application
  without ``spec.mode`` would otherwise reach spark-submit as ``--deploy-mode ""``), validates them, and
  patches driver and executor pods with what spark-submit cannot express (``sparkConfigMap``,
  ``hadoopConfigMap``, volumes, env, tolerations, affinity, security contexts, ...). It manages its own
  certificate as upstream does: it fills the (pre-created, empty) Secret with a CA and serving certificate
  and writes the CA into the caBundle of the two webhook configurations, hence its ClusterRole to get and
  update exactly those two objects.

Both watch the job namespaces (the OpenDataHub's namespace by default) with namespaced Roles; each job
namespace gets a ``spark`` ServiceAccount for driver pods and, when the data lake is enabled, the
``spark-s3`` ConfigMap with its S3 settings (see ``spark_s3``). Two ValidatingAdmissionPolicies, bound to the
job namespaces, police what applications and the drivers' own pods may ask for (see ``spark_policy``).
"""

from typing import Any

from odh_operator.api.spec import OpenDataHubSpec, SparkOperatorSpec
from odh_operator.cluster_facts import NO_FACTS, ClusterFacts
from odh_operator.components import spark_policy, spark_s3
from odh_operator.components.base import Component, Context, Instance, Object
from odh_operator.readiness import Readiness, first_not_ready, workloads_readiness

SPARK_SERVICE_ACCOUNT = "spark"
CONTROLLER = "spark-operator-controller"
LEADER_ELECTION_LOCK = f"{CONTROLLER}-lock"
WEBHOOK = "spark-operator-webhook"
WEBHOOK_LOCK = f"{WEBHOOK}-lock"
WEBHOOK_SECRET = f"{WEBHOOK}-certs"
WEBHOOK_PORT = 9443
WEBHOOK_CERT_DIR = "/etc/k8s-webhook-server/serving-certs"
METRICS_PORT = 8080
HEALTH_PORT = 8081
# The webhooks of upstream's chart: (path, API group, version, resource) for the mutating and validating kind.
MUTATING_WEBHOOKS = [
    ("/mutate--v1-pod", "", "v1", "pods"),
    ("/mutate-sparkoperator-k8s-io-v1beta2-sparkapplication", "sparkoperator.k8s.io", "v1beta2", "sparkapplications"),
    ("/mutate-sparkoperator-k8s-io-v1beta2-scheduledsparkapplication", "sparkoperator.k8s.io", "v1beta2",
     "scheduledsparkapplications"),
    ("/mutate-sparkoperator-k8s-io-v1alpha1-sparkconnect", "sparkoperator.k8s.io", "v1alpha1", "sparkconnects"),
]
VALIDATING_WEBHOOKS = [
    ("/validate-sparkoperator-k8s-io-v1beta2-sparkapplication", "sparkoperator.k8s.io", "v1beta2",
     "sparkapplications"),
    ("/validate-sparkoperator-k8s-io-v1beta2-scheduledsparkapplication", "sparkoperator.k8s.io", "v1beta2",
     "scheduledsparkapplications"),
    ("/validate-sparkoperator-k8s-io-v1alpha1-sparkconnect", "sparkoperator.k8s.io", "v1alpha1", "sparkconnects"),
]
APPLICATIONS_POLICY = "spark-applications"
DRIVER_PODS_POLICY = "spark-driver-pods"
LAUNCHED_BY_OPERATOR = {"sparkoperator.k8s.io/launched-by-spark-operator": "true"}


def job_namespaces(spec: OpenDataHubSpec, namespace: str) -> list[str]:
    """Namespaces whose Spark applications the controller runs: the listed ones, else the OpenDataHub's."""
    return list(dict.fromkeys(spec.spark_operator.job_namespaces)) or [namespace]


def default_job_namespace(spec: OpenDataHubSpec, namespace: str) -> str:
    """The job namespace notebooks should submit to: the OpenDataHub's own when it is one, else the first."""
    namespaces = job_namespaces(spec, namespace)
    return namespace if namespace in namespaces else namespaces[0]


def webhook_name(path: str) -> str:
    """Upstream's webhook entry name: the path without its leading slash, in the sparkoperator.k8s.io domain."""
    return f"{path.lstrip('/')}.sparkoperator.k8s.io"


def webhooks(spec: OpenDataHubSpec, namespace: str, mutating: bool) -> list[dict[str, Any]]:
    """The entries of one webhook configuration, limited to the job namespaces (and Spark pods for pods)."""
    settings = spec.spark_operator.webhook
    entries = []
    for path, group, version, resource in MUTATING_WEBHOOKS if mutating else VALIDATING_WEBHOOKS:
        entry: dict[str, Any] = {
            "name": webhook_name(path),
            "admissionReviewVersions": ["v1"],
            "clientConfig": {"service": {"name": WEBHOOK, "namespace": namespace, "port": WEBHOOK_PORT, "path": path}},
            "sideEffects": "None",
            "failurePolicy": settings.failure_policy,
            "timeoutSeconds": settings.timeout_seconds,
            "namespaceSelector": {"matchExpressions": [
                {"key": "kubernetes.io/metadata.name", "operator": "In", "values": job_namespaces(spec, namespace)},
            ]},
            "rules": [{"apiGroups": [group], "apiVersions": [version], "resources": [resource],
                       "operations": ["CREATE"] if resource == "pods" else ["CREATE", "UPDATE"]}],
        }
        if resource == "pods":
            entry["objectSelector"] = {"matchLabels": dict(LAUNCHED_BY_OPERATOR)}
        entries.append(entry)
    return entries


def admission_policies(spec: OpenDataHubSpec, instance: Instance) -> list[dict[str, Any]]:
    """The two admission policies (name, policy spec, binding spec), denied in the job namespaces."""
    namespaces = job_namespaces(spec, instance.namespace)
    specs = [(APPLICATIONS_POLICY, spark_policy.application_policy(SPARK_SERVICE_ACCOUNT)),
             (DRIVER_PODS_POLICY, spark_policy.driver_pod_policy(SPARK_SERVICE_ACCOUNT))]
    return [{"name": instance.cluster_name(suffix), "spec": policy,
             "binding": spark_policy.binding(instance.cluster_name(suffix), namespaces)} for suffix, policy in specs]


def s3_config_maps(spec: OpenDataHubSpec, namespace: str) -> dict[str, dict[str, str]]:
    """Job namespace -> the spark-s3 ConfigMap's data, when the data lake is enabled."""
    if not spec.rook_ceph.enabled:
        return {}
    return {ns: spark_s3.config_map_data(spec, namespace, ns) for ns in job_namespaces(spec, namespace)}


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
        section = spec.spark_operator
        namespace = instance.namespace
        return {
            "app": CONTROLLER,
            "job_namespaces": job_namespaces(spec, namespace),
            "leader_election": section.replicas > 1,
            "lock_name": LEADER_ELECTION_LOCK,
            "spark_service_account": SPARK_SERVICE_ACCOUNT,
            "metrics_port": METRICS_PORT,
            "health_port": HEALTH_PORT,
            "webhook": {
                "enabled": section.webhook.enabled,
                "app": WEBHOOK,
                "name": instance.cluster_name(WEBHOOK),
                "secret": WEBHOOK_SECRET,
                "port": WEBHOOK_PORT,
                "cert_dir": WEBHOOK_CERT_DIR,
                "leader_election": section.webhook.replicas > 1,
                "lock_name": WEBHOOK_LOCK,
                "mutating": webhooks(spec, namespace, mutating=True),
                "validating": webhooks(spec, namespace, mutating=False),
            },
            "admission_policies": admission_policies(spec, instance),
            "s3_config_map": spark_s3.CONFIG_MAP,
            "s3_config_maps": s3_config_maps(spec, namespace),
        }

    def readiness(self, observed: list[Object], facts: ClusterFacts = NO_FACTS) -> Readiness:
        return first_not_ready(crd_readiness(observed), workloads_readiness(observed))


COMPONENT = SparkOperator()
