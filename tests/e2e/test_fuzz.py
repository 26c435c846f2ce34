"""Hostile input: mutate the full example's leaves; whatever the API server stores must reconcile.

Each mutation is first sent to the real API server (a dry-run create, so it is validated by the CRD
schema and its CEL rules exactly as a user's `kubectl apply` would be). What the server refuses is fine.
What it would store must either be refused by the operator with InvalidSpec (naming the field) or
render cleanly: no template or YAML error, names and label values that stay strings. A sample of the
rendered mutations is then dry-run applied, object by object, to show the API server takes them too.
"""

import copy
import json
import random
from collections.abc import Iterator
from typing import Any

from kubernetes.dynamic.exceptions import DynamicApiError

from odh_operator.api.resource import InvalidResource, parse_spec
from odh_operator.components import REGISTRY
from odh_operator.components.base import Instance
from odh_operator.kube import Kube
from odh_operator.render import render_all
from testbed.platform import load_example

Object = dict[str, Any]
Path = tuple[Any, ...]
SEED = 13
MUTATIONS = 600
APPLIED_SAMPLE = 12
HOSTILE_STRINGS = [
    "0", "1e3", "0x1F", "true", "no", "null", "~", "", " ", "-", "- a", "a: b", "{a: 1}", "[1]", "'", '"', "\\",
    "#c", "*x", "&x", "!!int 3", "%TAG", "\t", "a\nb", "é", "😀", "a\u2028b", "\x85", "x" * 300, "{{ x }}",
    "{% if %}", "$(rm -rf /)",
]
HOSTILE_NUMBERS: list[Any] = [0, -1, 2**31, 2**63 - 1, 1.5, "3", True]
EXTRA_KEYS = ["😀", "a b", "x" * 70, "example.com/ok", "0"]
# What the full example leaves out but users set: placement everywhere, so its maps and lists get fuzzed too.
PLACEMENT = {"nodeSelector": {"disktype": "ssd"},
             "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "odh", "effect": "NoSchedule"}]}


def base_document() -> Object:
    document = copy.deepcopy(load_example("opendatahub-full.yaml"))
    for section in document["spec"].values():
        if isinstance(section, dict) and "enabled" in section:
            section["placement"] = copy.deepcopy(PLACEMENT)
    document["spec"]["imageRegistry"] = "mirror.example.com"
    return document


def leaves(node: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every leaf and every map (maps can gain keys) with its path."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaves(value, (*path, index))
    else:
        yield path, node


def mutations(document: Object, rng: random.Random) -> Iterator[tuple[str, Object]]:
    """(description, mutated document) pairs, a seeded sample of every leaf x hostile value."""
    candidates: list[tuple[Path, Any]] = []
    for path, value in leaves(document["spec"], ("spec",)):
        if isinstance(value, dict):
            candidates += [(path, {"__add__": key}) for key in EXTRA_KEYS]
        elif isinstance(value, str):
            candidates += [(path, v) for v in HOSTILE_STRINGS]
        elif isinstance(value, (bool, int, float)):
            candidates += [(path, v) for v in HOSTILE_NUMBERS + ["0"]]
    for path, value in rng.sample(candidates, min(MUTATIONS, len(candidates))):
        mutated = copy.deepcopy(document)
        parent: Any = mutated
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(value, dict) and "__add__" in value:
            target = parent[path[-1]] if path[-1:] else parent
            target[value["__add__"]] = "v"
            yield f"{'.'.join(map(str, path))} += key {value['__add__']!r}", mutated
        else:
            parent[path[-1]] = value
            yield f"{'.'.join(map(str, path))} = {value!r}"[:200], mutated


def stored(admin: Kube, document: Object) -> Object | None:
    """What the API server would store for this OpenDataHub (dry run), or None when it refuses it."""
    resource = admin.resource(document["apiVersion"], document["kind"])
    try:
        result: Object = resource.create(body=document, namespace=document["metadata"]["namespace"],
                                         dry_run="All").to_dict()
    except DynamicApiError as error:
        assert error.status in (400, 422), f"unexpected refusal {error.status}: {error.summary()}"
        return None
    return result


def strings_stay_strings(obj: Object) -> list[str]:
    """Problems with names and label values that did not come out as strings."""
    meta = obj.get("metadata", {})
    problems = [] if isinstance(meta.get("name"), str) else [f"name {meta.get('name')!r}"]
    for key, value in (meta.get("labels") or {}).items():
        if not isinstance(value, str):
            problems.append(f"label {key}={value!r}")
    return problems


def test_everything_the_api_server_stores_reconciles_or_is_refused_as_invalid(admin: Kube, namespace: str) -> None:
    document = base_document()
    document["metadata"]["namespace"] = namespace
    assert stored(admin, document) is not None, "the fuzz base itself must be valid"
    instance = Instance(name=document["metadata"]["name"], namespace=namespace)
    rng = random.Random(SEED)
    counts = {"refused by the API server": 0, "InvalidSpec": 0, "rendered": 0}
    failures: list[str] = []
    renderable: list[tuple[str, Object]] = []
    for description, mutated in mutations(document, rng):
        live = stored(admin, mutated)
        if live is None:
            counts["refused by the API server"] += 1
            continue
        try:
            spec = parse_spec(live.get("spec"))
        except InvalidResource as error:
            counts["InvalidSpec"] += 1
            assert all(p.startswith("spec") for p in error.problems), error.problems
            continue
        try:
            rendered = render_all(spec, instance)
        except Exception as error:  # any failure here is a stored resource that can never reconcile
            failures.append(f"{description}: {type(error).__name__}: {str(error)[:300]}")
            continue
        problems = [p for objects in rendered.values() for o in objects for p in strings_stay_strings(o)]
        if problems:
            failures.append(f"{description}: {problems[:3]}")
            continue
        counts["rendered"] += 1
        renderable.append((description, live))
    print(json.dumps(counts))
    assert not failures, f"{len(failures)} stored resources cannot reconcile:\n" + "\n".join(failures[:20])
    assert counts["refused by the API server"] and counts["rendered"], counts

    for description, live in rng.sample(renderable, min(APPLIED_SAMPLE, len(renderable))):
        spec = parse_spec(live.get("spec"))
        objects = [o for c in REGISTRY for o in render_all(spec, instance, [c.name])[c.name]]
        refused = []
        for obj in objects:
            if obj["kind"] == "CustomResourceDefinition":
                continue
            try:
                admin.resource(obj["apiVersion"], obj["kind"]).server_side_apply(
                    body=obj, namespace=obj["metadata"].get("namespace"), field_manager="fuzz", dry_run="All")
            except DynamicApiError as error:
                if error.status == 404 and "namespaces" in error.summary():
                    continue
                refused.append(f"{obj['kind']}/{obj['metadata']['name']}: {error.summary()[:200]}")
            except Exception as error:
                if type(error).__name__ == "UnknownKind":
                    continue  # its CRD is not installed in this namespace's run; nothing to say about the spec
                raise
        assert not refused, f"{description}: the API server refuses what it renders: {refused[:5]}"
