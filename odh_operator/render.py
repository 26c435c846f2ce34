"""Render an OpenDataHub into plain Kubernetes objects, in a dependency-safe order."""

import json
import re
from functools import cache
from typing import Any

import jinja2
import yaml
from pydantic_core import to_jsonable_python

from odh_operator import __version__, kinds, labels, pod_security, static_manifests
from odh_operator.api.resource import OpenDataHub
from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.components import REGISTRY, by_name
from odh_operator.components.base import Component, Context, Instance, Object
from odh_operator.endpoints import Endpoints
from odh_operator.platform import KUBERNETES, OPENSHIFT, Platform
from odh_operator.resources import manifests_dir

VERSION_LABEL = __version__.replace("+", "-")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: rendering is on every reconcile


class RenderError(RuntimeError):
    """A component's templates could not be rendered; names the component and the template."""


def _plain(value: Any) -> Any:
    """Pydantic models (also inside lists and dicts) as camelCase plain data without nulls."""
    return to_jsonable_python(value, by_alias=True, exclude_none=True)


# Characters a YAML double-quoted scalar cannot carry as they are: YAML's non-printables, and the line
# breaks it would fold (NEL, LS, PS). Everything else, non-BMP characters included, stays literal.
_YAML_UNSAFE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def _to_json(value: Any) -> str:
    """Jinja filter: any value (pydantic models as camelCase dicts without nulls) as inline JSON, valid YAML.

    JSON's escapes are YAML's too, except surrogate pairs, so non-ASCII text stays literal and only what YAML
    cannot hold literally is escaped: every string comes back exactly as it went in.
    """
    if isinstance(value, jinja2.Undefined):
        str(value)  # StrictUndefined raises its UndefinedError here, which names the missing variable
    text = json.dumps(_plain(value), sort_keys=True, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _to_yaml(value: Any) -> str:
    """Jinja filter: a value as a block of YAML (for configuration files carried in ConfigMaps)."""
    text: str = yaml.dump(_plain(value), Dumper=_DUMPER, sort_keys=False, default_flow_style=False)
    return text.rstrip("\n")


@cache
def environment() -> jinja2.Environment:
    """The Jinja environment: undefined variables are errors, never empty strings."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(manifests_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["json"] = _to_json
    env.filters["yaml"] = _to_yaml
    return env


STATIC_SUFFIX = static_manifests.SUFFIX
TEMPLATE_SUFFIX = ".yaml.j2"


def template_names(component: Component) -> list[str]:
    """The component's templates and static files in apply order (their file names are numbered)."""
    folder = manifests_dir() / component.name
    return sorted(
        f"{component.name}/{path.name}" for path in folder.iterdir() if path.name.endswith((TEMPLATE_SUFFIX, STATIC_SUFFIX))
    )


def _documents(name: str, context: Context) -> list[Object]:
    if name.endswith(STATIC_SUFFIX):
        return list(static_manifests.shared(name))
    text = environment().get_template(name).render(context)
    return [d for d in yaml.load_all(text, Loader=_LOADER) if d]


def base_context(component: Component, spec: OpenDataHubSpec, instance: Instance) -> Context:
    """Variables every template can use."""
    def pod_labels(app: str) -> dict[str, str]:
        """Pod template labels: no version label, so an operator upgrade alone restarts nothing."""
        return labels.pod(component.name, app, instance.name)

    return {
        "instance": instance,
        "namespace": instance.namespace,
        "platform": instance.platform,
        "openshift": instance.platform == OPENSHIFT,
        # pod_security(uid, gid, fs_group, **extra): a pod securityContext, fixed IDs on Kubernetes only
        "pod_security": pod_security.for_platform(instance.platform),
        "component": component.name,
        "spec": component.section(spec),
        "odh": spec,
        "images": component.images(spec),
        "image_pull_secrets": [{"name": s} for s in spec.image_pull_secrets],
        "selector": lambda app: labels.selector(app, instance.name),
        "pod_labels": pod_labels,
        "cluster_name": instance.cluster_name,
        "endpoints": Endpoints(spec.endpoints, instance.platform, instance.name, instance.namespace),
    }


def _stamp(obj: Object, component: Component, instance: Instance) -> Object:
    """The object with the common labels (shared ones on CRDs) and a default name label.

    A new top-level map and metadata: ``obj`` itself is not changed, since static documents are shared.
    """
    metadata = obj.get("metadata") or {}
    if not metadata.get("name") or not obj.get("kind") or not obj.get("apiVersion"):
        raise RenderError(f"{component.name}: an object lacks apiVersion, kind or metadata.name: {obj}")
    if obj["kind"] == "CustomResourceDefinition":
        stamped = labels.shared(component.name, VERSION_LABEL)
    else:
        stamped = labels.common(component.name, instance.name, instance.owner, VERSION_LABEL)
    labelled = {labels.NAME: component.name, **metadata.get("labels", {}), **stamped}
    return {**obj, "metadata": {**metadata, "labels": labelled}}


def render_component(component: Component, spec: OpenDataHubSpec, instance: Instance) -> list[Object]:
    """One component's objects in template order, or [] when it is disabled."""
    if not component.enabled(spec):
        return []
    context = {**base_context(component, spec, instance), **component.context(spec, instance)}
    objects: list[Object] = []
    for name in template_names(component):
        try:
            documents = _documents(name, context)
        except (jinja2.TemplateError, yaml.YAMLError) as error:
            raise RenderError(f"{name}: {error}") from error
        objects.extend(_stamp(d, component, instance) for d in documents)
    return objects


def cluster_scoped_custom_kinds(objects: list[Object]) -> frozenset[tuple[str, str]]:
    """(group, kind) of every rendered CRD whose scope is Cluster."""
    return frozenset(
        (o["spec"]["group"], o["spec"]["names"]["kind"])
        for o in objects
        if o["kind"] == "CustomResourceDefinition" and o["spec"].get("scope") == "Cluster"
    )


def order(objects_by_component: dict[str, list[Object]]) -> list[Object]:
    """All objects in apply order: stage first, then component order, then template order."""
    keyed = [
        (kinds.apply_stage(obj), index, position, obj)
        for index, objects in enumerate(objects_by_component.values())
        for position, obj in enumerate(objects)
    ]
    return [obj for *_, obj in sorted(keyed, key=lambda item: item[:3])]


def instance_of(odh: OpenDataHub, platform: Platform = KUBERNETES) -> Instance:
    """The Instance an OpenDataHub resource renders as, on ``platform``."""
    return Instance(name=odh.metadata.name, namespace=odh.metadata.namespace, platform=platform)


def render_all(spec: OpenDataHubSpec, instance: Instance, only: list[str] | None = None) -> dict[str, list[Object]]:
    """Every (or the named) component's objects, keyed by component name in registry order."""
    chosen = [by_name(n) for n in only] if only else REGISTRY
    return {c.name: render_component(c, spec, instance) for c in chosen}


def render(odh: OpenDataHub, only: list[str] | None = None, platform: Platform = KUBERNETES) -> list[Object]:
    """The objects an OpenDataHub installs on ``platform``, in apply order."""
    return order(render_all(odh.spec, instance_of(odh, platform), only))
