"""Rendering: order, labels, determinism, mirrors, and validity of every built-in object."""

import copy
import re
from typing import Any

import kubernetes_validate
import pytest

from odh_operator import kinds, labels
from odh_operator.api.resource import parse
from odh_operator.components import NAMES, REGISTRY
from odh_operator.render import render
from odh_operator.resources import manifests_dir

K8S_SCHEMA_VERSION = "1.36.0"


def images_of(objects: list[dict[str, Any]]) -> list[str]:
    found = []
    for obj in objects:
        pod = obj.get("spec", {}).get("template", {}).get("spec", {})
        for container in pod.get("containers", []) + pod.get("initContainers", []):
            found.append(container["image"])
        image = obj.get("spec", {}).get("cephVersion", {}).get("image")
        if image:
            found.append(image)
    return found


def test_every_component_renders_in_the_full_example(full_example: dict[str, Any]) -> None:
    objects = render(parse(full_example))
    assert {o["metadata"]["labels"][labels.COMPONENT] for o in objects} == set(NAMES)


def test_order_is_crds_then_config_then_workloads_then_custom_resources(full_example: dict[str, Any]) -> None:
    stages = [kinds.apply_stage(o) for o in render(parse(full_example))]
    assert stages == sorted(stages)


def test_rendering_is_deterministic(full_example: dict[str, Any]) -> None:
    assert render(parse(full_example)) == render(parse(copy.deepcopy(full_example)))


def test_disabled_components_render_nothing(full_example: dict[str, Any]) -> None:
    for section in full_example["spec"].values():
        if isinstance(section, dict) and "enabled" in section:
            section["enabled"] = False
    assert render(parse(full_example)) == []


def test_only_narrows_to_named_components(full_example: dict[str, Any]) -> None:
    objects = render(parse(full_example), only=["gpu-device-plugin"])
    assert objects and {o["metadata"]["labels"][labels.COMPONENT] for o in objects} == {"gpu-device-plugin"}


def test_common_labels_on_every_object(full_example: dict[str, Any]) -> None:
    for obj in render(parse(full_example)):
        meta = obj["metadata"]
        assert meta["labels"][labels.PART_OF_KEY] == "opendatahub"
        assert meta["labels"][labels.MANAGED_BY_KEY] == "odh-operator"
        assert meta["labels"][labels.NAME]
        assert all(labels.is_valid_value(v) for v in meta["labels"].values()), meta["labels"]
        if obj["kind"] == "CustomResourceDefinition":
            assert labels.OWNER not in meta["labels"], "CRDs are shared by every instance"
        else:
            assert meta["labels"][labels.OWNER] == "odh-test.odh"
            assert meta["labels"][labels.INSTANCE] == "odh"


def test_namespaced_objects_go_to_the_instance_namespace(full_example: dict[str, Any]) -> None:
    objects = render(parse(full_example))
    for obj in objects:
        if kinds.is_builtin(obj) and kinds.is_cluster_scoped(obj):
            assert "namespace" not in obj["metadata"], obj["metadata"]["name"]
        elif kinds.is_builtin(obj):
            assert obj["metadata"].get("namespace"), f"{obj['kind']}/{obj['metadata']['name']} has no namespace"


def test_cluster_scoped_names_are_unique_per_instance(full_example: dict[str, Any]) -> None:
    other = copy.deepcopy(full_example)
    other["metadata"]["namespace"] = "odh-other"

    def cluster_names(doc: dict[str, Any]) -> set[str]:
        return {
            o["metadata"]["name"]
            for o in render(parse(doc))
            if kinds.is_cluster_scoped(o) and o["kind"] != "CustomResourceDefinition"
        }

    assert not cluster_names(full_example) & cluster_names(other)


def test_every_image_is_pinned_to_a_release(full_example: dict[str, Any]) -> None:
    found = images_of(render(parse(full_example)))
    assert found
    for image in found:
        tag = image.rsplit(":", 1)[-1]
        assert ":" in image and tag not in ("latest", "main", "master"), image


def test_mirror_registry_moves_every_image(full_example: dict[str, Any]) -> None:
    full_example["spec"]["imageRegistry"] = "mirror.example.com:5000/odh"
    found = images_of(render(parse(full_example)))
    assert found and all(i.startswith("mirror.example.com:5000/odh/") for i in found), found


@pytest.mark.parametrize("component", REGISTRY, ids=lambda c: c.name)
def test_builtin_objects_validate_strictly_against_kubernetes_schemas(
    component: Any, full_example: dict[str, Any]
) -> None:
    for obj in render(parse(full_example), only=[component.name]):
        if kinds.is_builtin(obj):
            kubernetes_validate.validate(obj, K8S_SCHEMA_VERSION, strict=True)


def test_no_wildcards_in_rbac(full_example: dict[str, Any]) -> None:
    for obj in render(parse(full_example)):
        for rule in obj.get("rules", []) if obj["kind"] in ("Role", "ClusterRole") else []:
            for key in ("verbs", "resources", "apiGroups"):
                assert "*" not in rule.get(key, []), f"{obj['kind']}/{obj['metadata']['name']}: {rule}"


def test_static_yaml_files_render_in_file_order_with_the_templates(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A component folder may mix numbered static .yaml files and templates; both render, in file order."""
    import jinja2

    from odh_operator import render as render_module
    from odh_operator import static_manifests
    from odh_operator.components.base import Component, Instance

    class Demo(Component):
        name = "demo"
        spec_key = "ai_library"
        title = "Demo"

    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "0050_static.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: static\n"
                                             "  labels: {kept: 'yes'}\ndata: {answer: '42'}\n")
    (folder / "0100_template.yaml.j2").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                                  "  name: {{ 'templated' | json }}\n")
    (folder / "0200_notes.txt").write_text("not a manifest")
    monkeypatch.setattr(render_module, "manifests_dir", lambda: tmp_path)
    monkeypatch.setattr(static_manifests, "manifests_dir", lambda: tmp_path)
    monkeypatch.setattr(render_module.environment(), "loader", jinja2.FileSystemLoader(str(tmp_path)))
    static_manifests._blob.cache_clear()
    try:
        spec = parse({"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
                      "metadata": {"name": "odh", "namespace": "ns"}, "spec": {"aiLibrary": {"enabled": True}}}).spec
        assert render_module.template_names(Demo()) == ["demo/0050_static.yaml", "demo/0100_template.yaml.j2"]
        first = render_module.render_component(Demo(), spec, Instance(name="odh", namespace="ns"))
        assert [o["metadata"]["name"] for o in first] == ["static", "templated"]
        assert first[0]["metadata"]["labels"]["kept"] == "yes" and first[0]["metadata"]["labels"][labels.OWNER]
        other = render_module.render_component(Demo(), spec, Instance(name="other", namespace="ns2"))
        # Parsed once and shared (megabyte CRDs are not copied per platform); stamping never changes the shared
        # document, so each instance still gets its own labels.
        assert other[0]["data"] is first[0]["data"]
        assert first[0]["metadata"]["labels"][labels.OWNER] != other[0]["metadata"]["labels"][labels.OWNER]
        (shared,) = static_manifests.shared("demo/0050_static.yaml")
        assert shared["metadata"].get("labels") == {"kept": "yes"}
    finally:
        static_manifests._blob.cache_clear()
        static_manifests.shared.cache_clear()


WHOLE_VALUE = re.compile(r"^\s*(?:- )?(?:[\w./-]+|\"[^\"]+\"): \{\{(?P<expr>[^{}]*)\}\}\s*(?:#.*)?$")


def test_every_whole_value_template_expression_is_quoted_by_the_json_filter() -> None:
    """`name: {{ x }}` turns "0", "true" or "null" into a number, a bool or nothing; `{{ x | json }}` never does."""
    unquoted = [
        f"{path.relative_to(manifests_dir())}:{number}: {line.strip()}"
        for path in sorted(manifests_dir().glob("*/*.j2"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if (match := WHOLE_VALUE.match(line)) and not re.search(r"\|\s*(json|yaml)\b", match["expr"])
    ]
    assert unquoted == []


def test_hostile_namespace_and_names_render_as_strings(full_example: dict[str, Any]) -> None:
    document = copy.deepcopy(full_example)
    document["metadata"]["namespace"] = "null"
    document["metadata"]["name"] = "true"
    objects = render(parse(document))
    assert objects
    for obj in objects:
        assert isinstance(obj["metadata"]["name"], str), obj["metadata"]
        if obj["kind"] != "CustomResourceDefinition" and not kinds.is_cluster_scoped(obj):
            assert obj["metadata"].get("namespace") in ("null", None), obj["metadata"]
