"""The operator's own install manifests: RBAC derived from what it renders, a hardened Deployment."""

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from odh_operator import __version__, kinds, release
from odh_operator.install import deployment, held_by_name, install_objects, operator_rules, plural_of
from odh_operator.inventory import everything_enabled
from odh_operator.components.base import Instance
from odh_operator.components.ai_library import COMPONENT as AI_LIBRARY
from odh_operator.render import order, render_all
from tests.conftest import ROOT


def granted(rules: list[dict[str, Any]], group: str, resource: str, verb: str) -> bool:
    return any(group in r.get("apiGroups", []) and resource in r.get("resources", []) and verb in r["verbs"]
               for r in rules)


def test_plurals_of_built_in_kinds() -> None:
    assert [plural_of(k) for k in ("Deployment", "NetworkPolicy", "Ingress", "StorageClass", "Endpoints")] == [
        "deployments", "networkpolicies", "ingresses", "storageclasses", "endpoints"]


def test_the_operator_may_manage_every_kind_it_renders_and_nothing_by_wildcard() -> None:
    rules = operator_rules()
    rendered = order(render_all(everything_enabled(), Instance("x", "y")))
    plurals = {(o["spec"]["group"], o["spec"]["names"]["kind"]): o["spec"]["names"]["plural"]
               for o in rendered if o["kind"] == "CustomResourceDefinition"}
    for obj in rendered:
        group = kinds.group_of(obj)
        resource = plurals.get((group, obj["kind"])) or plural_of(obj["kind"])
        for verb in ("get", "list", "watch", "patch", "delete"):
            assert granted(rules, group, resource, verb), f"{verb} {group}/{resource}"
    for rule in rules:
        assert "*" not in rule["verbs"] and "*" not in rule.get("resources", []) and "*" not in rule["apiGroups"]


def test_rules_granted_to_components_are_held_by_the_operator() -> None:
    rules = operator_rules()
    rendered = order(render_all(everything_enabled(), Instance("x", "y")))
    for role in (o for o in rendered if o["kind"] in ("Role", "ClusterRole")):
        for rule in role.get("rules", []):
            assert rule in rules or held_by_name(rule, rules), f"{role['metadata']['name']}: {rule}"


def test_operator_status_finalizers_and_peering_are_covered() -> None:
    rules = operator_rules()
    assert granted(rules, "opendatahub.io", "opendatahubs/status", "patch")
    assert granted(rules, "opendatahub.io", "opendatahubs/finalizers", "update")
    assert granted(rules, "kopf.dev", "clusterkopfpeerings", "patch")
    assert granted(rules, "", "events", "create")


def test_deployment_is_hardened_and_valid() -> None:
    dep = deployment("odh-operator-system", "example.com/odh-operator:v1")
    kubernetes_validate.validate(dep, "1.36.0", strict=True)
    pod = dep["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                            "capabilities": {"drop": ["ALL"]}}
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["resources"]["limits"]["memory"]


def test_install_objects_validate_and_crds_come_first() -> None:
    objects = install_objects()
    stages = [kinds.apply_stage(o) for o in objects if kinds.is_builtin(o)]
    assert stages == sorted(stages)
    for obj in objects:
        if kinds.is_builtin(obj):
            kubernetes_validate.validate(obj, "1.36.0", strict=True)


def test_peering_objects_cluster_wide_or_per_namespace() -> None:
    from odh_operator.peering import peering_objects

    assert [o["kind"] for o in peering_objects("p", None)] == ["ClusterKopfPeering"]
    namespaced = peering_objects("p", ["a", "b"])
    assert [(o["kind"], o["metadata"]["namespace"]) for o in namespaced] == [("KopfPeering", "a"), ("KopfPeering", "b")]
    assert granted(operator_rules(), "kopf.dev", "kopfpeerings", "create")


def test_committed_install_file_is_generated_from_the_code() -> None:
    from odh_operator.cli import dump_yaml

    out = io.StringIO()
    dump_yaml(install_objects(), out)
    committed = (ROOT / "deploy" / "install.yaml").read_text()
    assert committed == out.getvalue(), "deploy/install.yaml is stale: run `odh-operator install > deploy/install.yaml`"


def test_install_runs_the_release_image_built_from_the_dockerfile() -> None:
    (dep,) = [o for o in install_objects() if o["kind"] == "Deployment"]
    (container,) = dep["spec"]["template"]["spec"]["containers"]
    assert container["image"] == release.operator_image() == f"quay.io/opendatahub/odh-operator:v{release.release_version()}"
    dockerfile = (ROOT / "Dockerfile").read_text()
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    entrypoint = json.loads(re.search(r"^ENTRYPOINT (.+)$", final_stage, flags=re.M).group(1))  # type: ignore[union-attr]
    assert entrypoint[-1] == "run" and entrypoint[0].endswith("/odh-operator"), entrypoint
    assert container["args"][0] != "run", "the image's entry point already says run"
    assert re.search(r"^USER 65532(:65532)?$", final_stage, flags=re.M), "numeric non-root user, as runAsNonRoot needs"
    assert "RUN " not in final_stage, "nothing is installed in the final stage: no pip, no compilers, no shell"
    assert f'org.opencontainers.image.source="{release.SOURCE_URL}"' in final_stage
    for label in ("title", "description", "version", "revision", "licenses"):
        assert f"org.opencontainers.image.{label}=" in final_stage, label
    assert dep["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True
    assert "PYTHONDONTWRITEBYTECODE=1" in final_stage


def test_image_command_prints_the_release_images(capsys: pytest.CaptureFixture[str]) -> None:
    from odh_operator.cli import main

    for name in ("operator", "bundle"):
        assert main(["image", name]) == 0
        assert capsys.readouterr().out.strip() == release.image(name)
    assert main(["image", "ai-library"]) == 0
    assert capsys.readouterr().out.strip() == AI_LIBRARY.default_images["server"], "what the component runs"
    assert main(["image", "operator", "--version", "2.0.0"]) == 0
    assert capsys.readouterr().out.strip() == "quay.io/opendatahub/odh-operator:v2.0.0"


def test_the_operator_namespace_is_restricted_and_the_crds_come_with_the_install() -> None:
    objects = install_objects()
    (namespace,) = [o for o in objects if o["kind"] == "Namespace"]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    crd_names = {o["metadata"]["name"] for o in objects if o["kind"] == "CustomResourceDefinition"}
    assert crd_names == {"opendatahubs.opendatahub.io", "clusterkopfpeerings.kopf.dev", "kopfpeerings.kopf.dev"}


def test_install_file_applies_in_one_go() -> None:
    """Only built-in kinds: kubectl cannot map a custom resource whose CRD the same apply creates."""
    assert all(kinds.is_builtin(o) for o in install_objects())


def test_dockerfile_build_steps_make_a_working_entry_point(tmp_path: Path) -> None:
    """The build stage's RUN, run here without an engine: offline (--no-deps, no build isolation), paths in tmp."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    build_stage = dockerfile.split("\nFROM ")[1]
    (command,) = [line for line in re.sub(r"\\\n\s*", "", build_stage).splitlines() if line.startswith("RUN ")]
    pip = f"{sys.executable} -m pip"
    command = (command[4:].replace("/opt/odh-operator", str(tmp_path / "opt")).replace("/dist", str(tmp_path / "dist"))
               .replace("pip wheel ", f"{pip} wheel --no-build-isolation -q ")
               .replace("pip install ", f"{pip} install --no-deps -q ")
               .replace("python -m compileall", f"{sys.executable} -m compileall"))
    subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=ROOT, check=True, timeout=300)
    program = tmp_path / "opt" / "bin" / "odh-operator"
    assert program.read_text().splitlines()[0] == "#!/usr/bin/python3", "the runtime image's Python"
    assert not (tmp_path / "opt" / "lib" / "bin").exists()
    deps = [p for p in sys.path if p.endswith("site-packages")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "opt" / "lib"), *deps])}
    result = subprocess.run([sys.executable, str(program), "--version"], cwd=tmp_path, env=env, text=True,
                            capture_output=True, timeout=60)
    assert result.stdout.strip() == f"odh-operator {__version__}", result.stderr
    assert list((tmp_path / "opt" / "lib" / "odh_operator" / "manifests").glob("*/*.yaml.j2")), "templates shipped"


def test_dockerignore_lets_in_exactly_what_the_build_copies() -> None:
    allowed = {line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.startswith("!")}
    copied = set()
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            copied |= {source.rstrip("/") for source in line.split()[1:-1]}
    assert copied == allowed
    assert "*" in (ROOT / ".dockerignore").read_text().splitlines(), "everything else stays out"
