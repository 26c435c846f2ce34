"""The upstream CRDs: committed files match the pinned releases, and rendering parses them once."""

from pathlib import Path

from odh_operator import labels, static_manifests, upstream_crds
from odh_operator.components import rook_ceph, spark_operator
from odh_operator.components.base import Instance
from odh_operator.render import render_component
from odh_operator.api.spec import OpenDataHubSpec

INSTANCE = Instance(name="odh", namespace="ns")


def test_committed_crds_match_the_pinned_upstream_releases(tmp_path: Path) -> None:
    """Runs the extraction against the Go module proxy (or its local cache) and compares."""
    assert upstream_crds.stale() == [], "run `python -m odh_operator.upstream_crds` and commit the result"
    for component in upstream_crds.SOURCES:
        (tmp_path / component).mkdir(exist_ok=True)
    assert upstream_crds.main(["--root", str(tmp_path), "--testbed", str(tmp_path)]) == 0
    assert upstream_crds.main(["--check", "--root", str(tmp_path), "--testbed", str(tmp_path)]) == 0
    edited = tmp_path / "spark-operator" / upstream_crds.OUTPUT_NAME
    edited.write_text(edited.read_text().replace("type: integer", "type: string", 1))
    assert upstream_crds.stale(tmp_path, tmp_path) == ["spark-operator"]


def test_openshift_crds_for_the_testbed_are_the_default_feature_set_unlabelled() -> None:
    """The test control plane's OpenShift kinds: unchanged upstream, none marked as the operator's data."""
    from testbed import openshift

    found = {c["spec"]["names"]["kind"]: c for c in openshift.crds()}
    assert set(found) == {"SecurityContextConstraints", "Route", "ClusterVersion"}
    assert {c["spec"]["group"] for c in found.values()} == {"security.openshift.io", "route.openshift.io",
                                                             "config.openshift.io"}
    assert found["ClusterVersion"]["metadata"]["annotations"]["release.openshift.io/feature-set"] == "Default"
    assert all(labels.DATA not in (c["metadata"].get("labels") or {}) for c in found.values())


def test_pinned_modules_are_the_released_images() -> None:
    """Bumping an image without regenerating the CRDs (or the reverse) fails here."""
    rook_tag = rook_ceph.COMPONENT.default_images["operator"].rsplit(":", 1)[1]
    spark_tag = spark_operator.COMPONENT.default_images["controller"].rsplit(":", 1)[1]
    assert upstream_crds.ROOK_MODULE[1] == rook_tag
    assert upstream_crds.SPARK_MODULE[1] == f"v{spark_tag}"


def test_every_ceph_kind_and_the_csi_kinds_rook_writes() -> None:
    crds = static_manifests.documents(rook_ceph.CRD_FILE)
    groups = {c["spec"]["group"] for c in crds}
    assert groups == {"ceph.rook.io", "csi.ceph.io"}
    kinds = {c["spec"]["names"]["kind"] for c in crds}
    assert {"CephCluster", "CephObjectStore", "CephObjectStoreUser", "CephBucketNotification", "CephBucketTopic",
            "CephConnection", "ClientProfile"} <= kinds
    assert len([c for c in crds if c["spec"]["group"] == "ceph.rook.io"]) == 19


def test_spark_crds_keep_the_upstream_approval_annotation() -> None:
    for crd in static_manifests.documents("spark-operator/0050_crds.yaml"):
        assert crd["spec"]["group"] == "sparkoperator.k8s.io"
        assert crd["metadata"]["annotations"]["api-approved.kubernetes.io"].startswith("https://github.com/kubeflow/")


def test_static_files_are_parsed_once_and_shared_by_every_render() -> None:
    spec = OpenDataHubSpec.model_validate({"sparkOperator": {"enabled": True}}, by_alias=True)
    first = render_component(spark_operator.COMPONENT, spec, INSTANCE)
    parsed = static_manifests.shared.cache_info()
    second = render_component(spark_operator.COMPONENT, spec, INSTANCE)
    assert static_manifests.shared.cache_info().hits > parsed.hits
    assert static_manifests.shared.cache_info().misses == parsed.misses, "parsed again"
    crd = next(o for o in first if o["kind"] == "CustomResourceDefinition")
    again = next(o for o in second if o["metadata"]["name"] == crd["metadata"]["name"])
    assert again["spec"] is crd["spec"], "one copy of the schema for every platform and pass"
    assert again["metadata"] is not crd["metadata"], "labels are stamped on a copy of the metadata"
    (source,) = [d for d in static_manifests.shared("spark-operator/0050_crds.yaml")
                 if d["metadata"]["name"] == crd["metadata"]["name"]]
    assert crd["metadata"]["labels"][labels.MANAGED_BY_KEY] == labels.MANAGED_BY
    assert labels.MANAGED_BY_KEY not in (source["metadata"].get("labels") or {}), "the shared document was changed"


def test_static_crds_are_stamped_with_the_shared_labels() -> None:
    spec = OpenDataHubSpec.model_validate({"rookCeph": {"enabled": True}}, by_alias=True)
    crds = [o for o in render_component(rook_ceph.COMPONENT, spec, INSTANCE) if o["kind"] == "CustomResourceDefinition"]
    assert len(crds) == 21
    for crd in crds:
        found = crd["metadata"]["labels"]
        assert found["app.kubernetes.io/component"] == "rook-ceph"
        assert found["app.kubernetes.io/managed-by"] == "odh-operator"
        assert found["opendatahub.io/data"] == "true"
        assert "opendatahub.io/owner" not in found
