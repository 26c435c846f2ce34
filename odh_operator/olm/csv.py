"""The ClusterServiceVersion: what OperatorHub shows about the operator and how OLM installs it.

Permissions and the Deployment come from `odh_operator.install`, the same functions that write
`deploy/install.yaml`, so the two ways of installing cannot disagree.
"""

import json
from typing import Any

from odh_operator import install, install_names, release
from odh_operator.api import resource
from odh_operator.api.crd import crd
from odh_operator.inventory import owned_kinds
from odh_operator.olm.descriptors import spec_descriptors, status_descriptors
from odh_operator.olm.icon import icon
from odh_operator.olm.related_images import related_images

Object = dict[str, Any]
PACKAGE = "odh-operator"
WATCH_NAMESPACE_ENV = "WATCH_NAMESPACE"
MIN_KUBE_VERSION = "1.30.0"
SUGGESTED_NAMESPACE = install_names.DEFAULT_NAMESPACE
DESCRIPTION = """\
The Open Data Hub operator installs and runs a complete AI/ML platform from one `OpenDataHub` resource:

* **Data lake**: Rook and a Ceph cluster with an S3 object store and a user whose credentials the notebooks get.
* **Spark**: the Kubeflow Spark operator, running `SparkApplication`s.
* **Notebooks**: JupyterHub wired to the data lake, Spark and GPUs, with idle culling.
* **Monitoring**: Prometheus and Grafana scraping every component and the served models.
* **GPUs**: NVIDIA's device plugin on GPU nodes.
* **AI Library**: REST model serving of sentiment analysis, flake analysis and duplicate bug detection.

Each component is `enabled` or not in the spec; disabling one removes exactly what it installed, while
its data (PVCs, the Ceph cluster) is kept unless `deletionPolicy: Delete`. The status reports a
`<Component>Ready` condition per component and an overall `Ready` that is only true once the workloads are.
Every image is pinned to an upstream release and can be overridden, or pulled from a mirror with
`spec.imageRegistry` for disconnected clusters.

### Before you create an OpenDataHub
Rook-Ceph and the GPU device plugin run privileged pods (host paths, devices). Create the OpenDataHub in a
namespace of its own labelled `pod-security.kubernetes.io/enforce=privileged`; the operator's own namespace
stays `restricted`.
"""
KEYWORDS = ["open data hub", "ai", "machine learning", "jupyterhub", "notebooks", "spark", "ceph", "s3",
            "data lake", "model serving", "prometheus", "gpu"]
LINKS = [
    {"name": "Source code", "url": release.SOURCE_URL},
    {"name": "Open Data Hub", "url": "https://opendatahub.io"},
]
MAINTAINERS = [{"name": "Open Data Hub maintainers", "email": "opendatahub@redhat.com"}]
PROVIDER = {"name": "Open Data Hub", "url": "https://opendatahub.io"}
INSTALL_MODES = {"OwnNamespace": True, "SingleNamespace": False, "MultiNamespace": False, "AllNamespaces": True}


def csv_name(version: str) -> str:
    """``odh-operator.vX.Y.Z``, the name OLM and the bundle's upgrade graph use."""
    return f"{PACKAGE}.v{version}"


def _owned_crds() -> list[Object]:
    schema = crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]
    resources = [{"kind": kind, "name": "", "version": api_version.rsplit("/", 1)[-1]}  # OpenShift's Routes and SCCs too
                 for api_version, kind in sorted(owned_kinds())]
    peering = [
        {"name": f"{plural}.kopf.dev", "version": "v1", "kind": kind, "displayName": f"{kind} (internal)",
         "description": "How replicas of the operator agree that only one of them is active (kopf peering)."}
        for kind, plural in (("ClusterKopfPeering", "clusterkopfpeerings"), ("KopfPeering", "kopfpeerings"))
    ]
    return [
        {
            "name": f"{resource.PLURAL}.{resource.GROUP}",
            "version": resource.VERSION,
            "kind": resource.KIND,
            "displayName": "Open Data Hub",
            "description": "An Open Data Hub platform: the components to install and their settings.",
            "resources": resources,
            "specDescriptors": spec_descriptors(schema["spec"]),
            "statusDescriptors": status_descriptors(schema["status"]),
        },
        *peering,
    ]


def olm_deployment(image: str) -> Object:
    """The operator Deployment as OLM runs it: watching the OperatorGroup's target namespaces."""
    target = {"name": WATCH_NAMESPACE_ENV,
              "valueFrom": {"fieldRef": {"fieldPath": "metadata.annotations['olm.targetNamespaces']"}}}
    return install.deployment(SUGGESTED_NAMESPACE, image, scope_args=[], env=[target])


def cluster_service_version(version: str, examples: list[Object], image: str | None = None,
                            replaces: str | None = None) -> Object:
    """The CSV of release ``version``; ``examples`` become ``alm-examples``."""
    image = image or release.operator_image(version)
    deployment = olm_deployment(image)
    annotations = {
        "alm-examples": json.dumps(examples, indent=2),
        "capabilities": "Basic Install",
        "categories": "AI/Machine Learning,Big Data",
        "containerImage": image,
        "description": "Installs and runs the Open Data Hub AI/ML platform from one custom resource.",
        "repository": release.SOURCE_URL,
        "support": "Open Data Hub community",
        "operatorframework.io/suggested-namespace": SUGGESTED_NAMESPACE,
        "operators.operatorframework.io/internal-objects": json.dumps(
            ["clusterkopfpeerings.kopf.dev", "kopfpeerings.kopf.dev"]),
        # relatedImages are tags, not digests, so OpenShift's "disconnected" feature cannot be claimed yet
        # (spec.imageRegistry does move every image to a mirror).
        "features.operators.openshift.io/disconnected": "false",
        "features.operators.openshift.io/fips-compliant": "false",
        "features.operators.openshift.io/proxy-aware": "false",
        "features.operators.openshift.io/tls-profiles": "false",
        "features.operators.openshift.io/token-auth-aws": "false",
        "features.operators.openshift.io/token-auth-azure": "false",
        "features.operators.openshift.io/token-auth-gcp": "false",
    }
    spec: Object = {
        "displayName": "Open Data Hub Operator",
        "description": DESCRIPTION,
        "version": version,
        "minKubeVersion": MIN_KUBE_VERSION,
        "maturity": "alpha",
        "provider": PROVIDER,
        "maintainers": MAINTAINERS,
        "links": LINKS,
        "keywords": KEYWORDS,
        "icon": [icon()],
        "installModes": [{"type": mode, "supported": supported} for mode, supported in INSTALL_MODES.items()],
        "install": {
            "strategy": "deployment",
            "spec": {
                "clusterPermissions": [{"serviceAccountName": install_names.NAME, "rules": install.operator_rules()}],
                "deployments": [{"name": install_names.NAME, "label": deployment["metadata"]["labels"],
                                 "spec": deployment["spec"]}],
            },
        },
        "customresourcedefinitions": {"owned": _owned_crds()},
        "relatedImages": related_images(image),
    }
    if replaces:
        spec["replaces"] = replaces
    return {
        "apiVersion": "operators.coreos.com/v1alpha1",
        "kind": "ClusterServiceVersion",
        "metadata": {
            "name": csv_name(version),
            "namespace": "placeholder",
            "annotations": annotations,
            "labels": {"operatorframework.io/arch.amd64": "supported", "operatorframework.io/os.linux": "supported"},
        },
        "spec": spec,
    }
