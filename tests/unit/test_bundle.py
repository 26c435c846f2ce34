"""The OLM bundle: committed and current, what OperatorHub needs, and valid for the Operator Framework's validator."""

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from odh_operator import install, release
from odh_operator.api.crd import crd
from odh_operator.api.resource import parse
from odh_operator.cli import _watched, parser
from odh_operator.components import REGISTRY
from odh_operator.components.base import Instance
from odh_operator.inventory import everything_enabled, widest_render
from odh_operator.olm import bundle
from odh_operator.olm.csv import PACKAGE, WATCH_NAMESPACE_ENV
from odh_operator.render import order, render_all
from testbed.build import bin_dir, ensure_built
from tests.conftest import EXAMPLES, ROOT

BUNDLE = ROOT / "bundle"
CSV_FILE = BUNDLE / "manifests" / f"{PACKAGE}.clusterserviceversion.yaml"
Object = dict[str, Any]


@pytest.fixture(scope="module")
def csv() -> Object:
    document: Object = yaml.safe_load(CSV_FILE.read_text())
    return document


def committed_files() -> dict[str, str]:
    return {str(p.relative_to(BUNDLE)): p.read_text() for p in sorted(BUNDLE.rglob("*")) if p.is_file()}


def test_committed_bundle_is_generated_from_the_code() -> None:
    fresh = bundle.files(release.release_version(), ["alpha"], bundle.load_examples(EXAMPLES))
    assert committed_files() == fresh, "bundle/ is stale: run `odh-operator bundle --channel alpha -o bundle`"


def test_bundle_command_writes_the_same_files(tmp_path: Path) -> None:
    stale = tmp_path / "manifests" / "old.clusterserviceversion.yaml"
    stale.parent.mkdir()
    stale.write_text("left over")
    args = parser().parse_args(["bundle", "--channel", "alpha", "--examples", str(EXAMPLES), "-o", str(tmp_path)])
    assert args.handler(args) == 0
    written = {str(p.relative_to(tmp_path)): p.read_text() for p in sorted(tmp_path.rglob("*")) if p.is_file()}
    assert written == committed_files(), "a previous generation's files are removed"


def test_version_channels_and_image_follow_the_arguments() -> None:
    files = bundle.files("1.2.3", ["fast", "stable"], [], replaces="odh-operator.v1.2.2")
    csv = yaml.safe_load(files[f"manifests/{PACKAGE}.clusterserviceversion.yaml"])
    assert csv["metadata"]["name"] == "odh-operator.v1.2.3" and csv["spec"]["version"] == "1.2.3"
    assert csv["spec"]["replaces"] == "odh-operator.v1.2.2"
    assert csv["metadata"]["annotations"]["containerImage"] == "quay.io/opendatahub/odh-operator:v1.2.3"
    notes = yaml.safe_load(files["metadata/annotations.yaml"])["annotations"]
    assert notes["operators.operatorframework.io.bundle.channels.v1"] == "fast,stable"
    assert notes["operators.operatorframework.io.bundle.channel.default.v1"] == "fast"


def test_annotations_and_bundle_image_labels_agree() -> None:
    notes = yaml.safe_load((BUNDLE / "metadata" / "annotations.yaml").read_text())["annotations"]
    labels = dict(re.findall(r"^LABEL (\S+)=(\S+)$", (BUNDLE / "bundle.Dockerfile").read_text(), flags=re.M))
    assert labels == notes
    assert notes["operators.operatorframework.io.bundle.package.v1"] == PACKAGE


def test_bundle_holds_the_crds_the_csv_owns(csv: Object) -> None:
    manifests = [yaml.safe_load(p.read_text()) for p in (BUNDLE / "manifests").glob("*.yaml") if p != CSV_FILE]
    crds = [m for m in manifests if m["kind"] == "CustomResourceDefinition"]
    assert crd() in crds
    # Besides the CRDs only the operator's metrics Service (OLM places it in the install namespace).
    assert [m for m in manifests if m not in crds] == [
        {**install.metrics_service("x"), "metadata": {"name": "odh-operator-metrics",
                                                       "labels": install.metrics_service("x")["metadata"]["labels"]}}]
    owned = {(o["name"], o["kind"], o["version"]) for o in csv["spec"]["customresourcedefinitions"]["owned"]}
    assert owned == {(c["metadata"]["name"], c["spec"]["names"]["kind"], c["spec"]["versions"][0]["name"])
                     for c in crds}


def test_permissions_and_deployment_are_those_of_the_install_file(csv: Object) -> None:
    strategy = csv["spec"]["install"]["spec"]
    (permissions,) = strategy["clusterPermissions"]
    assert permissions["rules"] == install.operator_rules()
    assert "permissions" not in strategy, "everything the operator needs is cluster-wide"
    (deployment,) = strategy["deployments"]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == permissions["serviceAccountName"] == install.NAME
    plain = install.deployment(install.DEFAULT_NAMESPACE, release.operator_image())["spec"]
    (olm_container,), (plain_container,) = pod["containers"], plain["template"]["spec"]["containers"]
    assert {k: v for k, v in olm_container.items() if k not in ("args", "env")} == \
        {k: v for k, v in plain_container.items() if k not in ("args", "env")}
    assert olm_container["image"] == csv["metadata"]["annotations"]["containerImage"] == release.operator_image()
    assert "--all-namespaces" not in olm_container["args"]
    own, watched = olm_container["env"]
    assert [own] == plain_container["env"]  # POD_NAMESPACE: the operator's own, which no platform may write to
    assert watched == {"name": WATCH_NAMESPACE_ENV,
                       "valueFrom": {"fieldRef": {"fieldPath": "metadata.annotations['olm.targetNamespaces']"}}}


def test_install_modes_are_those_the_operator_supports(csv: Object) -> None:
    modes = {m["type"]: m["supported"] for m in csv["spec"]["installModes"]}
    assert modes == {"OwnNamespace": True, "SingleNamespace": False, "MultiNamespace": False, "AllNamespaces": True}


@pytest.mark.parametrize(("argv", "env", "watched"), [
    (["run"], "", []),  # AllNamespaces: OLM sets the annotation to ""
    (["run"], "odh-operators", ["odh-operators"]),  # OwnNamespace
    (["run", "-A"], "odh-operators", []),
    (["run", "-n", "a", "-n", "b"], "c", ["a", "b"]),
])
def test_run_watches_what_olm_targets(argv: list[str], env: str, watched: list[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WATCH_NAMESPACE_ENV, env)
    assert _watched(parser().parse_args(argv)) == watched


def test_alm_examples_are_the_examples_and_valid(csv: Object) -> None:
    examples = json.loads(csv["metadata"]["annotations"]["alm-examples"])
    assert examples == bundle.load_examples(EXAMPLES)
    assert len(examples) == len(list(EXAMPLES.glob("*.yaml")))
    for example in examples:
        parse(example)


def images_in(value: Any) -> set[str]:
    """Every container image anywhere in the objects (Deployments, DaemonSets, Jobs, custom resources)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, child in value.items():
            if key in ("containers", "initContainers") and isinstance(child, list):
                found |= {c["image"] for c in child if isinstance(c, dict) and "image" in c}
            found |= images_in(child)
    elif isinstance(value, list):
        for child in value:
            found |= images_in(child)
    return found


def test_related_images_list_every_image_anything_can_run(csv: Object) -> None:
    related = {r["image"] for r in csv["spec"]["relatedImages"]}
    rendered = images_in(order(render_all(everything_enabled(), Instance("x", "y"))))
    assert rendered and rendered <= related
    assert {image for c in REGISTRY for image in c.default_images.values()} <= related
    assert release.operator_image() in related
    names = [r["name"] for r in csv["spec"]["relatedImages"]]
    assert len(names) == len(set(names))


def test_what_operatorhub_shows(csv: Object) -> None:
    spec, notes = csv["spec"], csv["metadata"]["annotations"]
    for key in ("displayName", "description", "keywords", "maintainers", "links", "maturity", "provider",
                "minKubeVersion"):
        assert spec[key], key
    assert notes["capabilities"] and notes["categories"] and notes["description"]
    (icon,) = spec["icon"]
    assert icon["mediatype"] == "image/svg+xml"
    assert base64.b64decode(icon["base64data"]).lstrip().startswith(b"<svg")
    assert "pod-security.kubernetes.io/enforce=privileged" in spec["description"]


def schema_paths(node: Object, prefix: str = "") -> set[str]:
    paths = set()
    for name, child in node.get("properties", {}).items():
        path = f"{prefix}{name}"
        paths.add(path)
        paths |= schema_paths(child, f"{path}.")
    return paths


def test_descriptors_name_real_fields_and_cover_every_component(csv: Object) -> None:
    (owned, *_) = csv["spec"]["customresourcedefinitions"]["owned"]
    schema = crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]
    spec_paths = [d["path"] for d in owned["specDescriptors"]]
    assert set(spec_paths) <= schema_paths(schema["spec"])
    assert len(spec_paths) == len(set(spec_paths))
    for component in REGISTRY:
        key = schema["spec"]["properties"]
        section = next(name for name in key if name.lower() == component.spec_key.replace("_", ""))
        assert f"{section}.enabled" in spec_paths
    status = {d["path"]: d["x-descriptors"] for d in owned["statusDescriptors"]}
    assert status["conditions"] == ["urn:alm:descriptor:io.kubernetes.conditions"]
    assert status["phase"] == ["urn:alm:descriptor:io.kubernetes.phase"]
    for descriptor in owned["specDescriptors"]:
        assert descriptor["displayName"] and descriptor["x-descriptors"]


def test_the_csv_lists_every_kind_an_opendatahub_creates_on_either_platform(csv: Object) -> None:
    (owned, *_) = csv["spec"]["customresourcedefinitions"]["owned"]
    listed = {(r["kind"], r["version"]) for r in owned["resources"]}
    rendered = {(o["kind"], o["apiVersion"].rsplit("/", 1)[-1]) for o in widest_render()
                if o["kind"] != "CustomResourceDefinition"}
    assert listed == rendered
    assert {("Route", "v1"), ("SecurityContextConstraints", "v1"), ("Ingress", "v1")} <= listed


def operator_verify(directory: Path) -> tuple[list[str], list[str]]:
    """(errors, warnings) of `operator-verify manifests DIR --operatorhub_validate --object_validate`."""
    import subprocess

    tool = bin_dir() / "operator-verify"
    if not tool.is_file():
        ensure_built()
    result = subprocess.run([str(tool), "manifests", str(directory), "--operatorhub_validate", "--object_validate"],
                            text=True, capture_output=True, timeout=120)
    lines = (result.stdout + result.stderr).splitlines()
    errors = [line for line in lines if "level=error" in line or "level=fatal" in line]
    warnings = [line for line in lines if "level=warning" in line]
    assert result.returncode == 0 or errors, result.stderr
    return errors, warnings


# The warnings the README lists and explains; a new one fails here until the README says why it stays.
KNOWN_WARNINGS = (
    "this bundle is using APIs which were deprecated and removed in v1.25",
    'The \\"operatorhub\\" validator is deprecated',
    "Kind=ClusterKopfPeering: provided API should have an example annotation",
    "Kind=KopfPeering: provided API should have an example annotation",
)


def test_operator_verify_reports_no_errors_on_the_bundle() -> None:
    errors, warnings = operator_verify(BUNDLE)
    assert errors == []
    unexplained = [w for w in warnings if not any(known in w for known in KNOWN_WARNINGS)]
    assert unexplained == [], "new operator-verify warnings: fix them or explain them in the README"
    gone = [known for known in KNOWN_WARNINGS if not any(known in w for w in warnings)]
    assert gone == [], "warnings the README lists no longer appear: update the README and this list"


def test_operator_verify_catches_a_broken_bundle(tmp_path: Path) -> None:
    files = bundle.files(release.release_version(), ["alpha"], bundle.load_examples(EXAMPLES))
    del files["manifests/opendatahub.io_opendatahubs.yaml"]
    bundle.write(tmp_path, files)
    errors, _ = operator_verify(tmp_path)
    assert any("OpenDataHub" in e and "not found in bundle" in e for e in errors), errors
