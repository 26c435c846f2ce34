"""One reconcile pass of an OpenDataHub: render, apply, prune, observe readiness, compute status."""

from dataclasses import dataclass, field
from typing import Any, cast

from odh_operator import diff, endpoints, kinds, labels, ownership, status, tenancy
from odh_operator.api.resource import InvalidResource, parse_spec
from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.cluster_facts import ClusterFacts
from odh_operator.apply import Applied, apply_all, delete_all, stale
from odh_operator.components import REGISTRY
from odh_operator.components.base import Component, Instance
from odh_operator.kube import Kube
from odh_operator.live_state import LiveState
from odh_operator.metrics import APPLIED, PRUNED
from odh_operator.platform import KUBERNETES, Platform, effective, unserved
from odh_operator.readiness import Readiness
from odh_operator.render import RenderError, cluster_scoped_custom_kinds, render_component

Object = dict[str, Any]
Event = tuple[str, str, str]  # (type, reason, message)


@dataclass
class Outcome:
    """What a reconcile pass found and did."""

    status: dict[str, Any]
    events: list[Event] = field(default_factory=list)
    desired: dict[diff.Key, Object] = field(default_factory=dict)
    failed: bool = False
    ready: bool = False
    generation: int = 0  # of the spec this pass reconciled
    platform: Platform = KUBERNETES  # what this pass rendered for
    namespaces: frozenset[str] = frozenset()  # the namespaces besides its own that the spec sends objects to


def instance_of(odh: Object, on: Platform = KUBERNETES) -> Instance:
    """The Instance of a live OpenDataHub object, rendered for platform ``on``."""
    return Instance(name=odh["metadata"]["name"], namespace=odh["metadata"]["namespace"], platform=on)


def prepare(objects: list[Object], odh: Object, policy: str) -> list[Object]:
    """Rendered objects ready to apply: in stage order, owned where possible, stamped with their intent hash."""
    custom_cluster_kinds = cluster_scoped_custom_kinds(objects)
    ordered = sorted(objects, key=kinds.apply_stage)
    return [
        diff.with_intent_hash(ownership.owned(o, odh, kinds.is_cluster_scoped(o, custom_cluster_kinds), policy))
        for o in ordered
    ]


@dataclass(frozen=True)
class ClusterAccess:
    """How a pass reaches the cluster: writes through the API, reads from ``state``, facts about nodes."""

    kube: Kube
    state: LiveState
    facts: ClusterFacts


def _render(component: Component, spec: OpenDataHubSpec, instance: Instance) -> list[Object] | Readiness:
    """One enabled component's objects, or why they could not be rendered."""
    try:
        return render_component(component, spec, instance)
    except RenderError as error:
        return Readiness("Error", "RenderFailed", str(error))
    except Exception as error:  # a bug in one component's context must not stop the others
        return Readiness("Error", "RenderFailed", f"{component.name}: {type(error).__name__}: {error}")


def _admitted(
    component: Component, objects: list[Object], instance: Instance, odh: Object, spec: OpenDataHubSpec,
    facts: ClusterFacts,
) -> list[Object] | Readiness:
    """A component's objects ready to apply, or why the OpenDataHub may not apply them.

    A component that would write to a namespace the OpenDataHub may not write to is held back whole (nothing
    of it applied, nothing of it pruned), so that no half of it points at a namespace it does not have.
    """
    if refused := tenancy.refusals(objects, instance.namespace, instance.name, facts):
        return Readiness("Error", "NamespaceNotPermitted", f"{component.spec_field}: {'; '.join(refused)}")
    return prepare(objects, odh, spec.deletion_policy)


def _component_result(
    component: Component, objects: list[Object], applied: dict[diff.Key, Applied], cluster: ClusterAccess,
    outcome: Outcome,
) -> Readiness:
    """A component's readiness from what applying its objects did."""
    mine = [applied[diff.key_of(o)] for o in objects]
    changed = [diff.describe(diff.key_of(o)) for o, a in zip(objects, mine) if a.written]
    if changed:
        APPLIED.labels(component=component.name).inc(len(changed))
        outcome.events.append(("Normal", "Applied", f"{component.name}: {', '.join(changed)}"))
    if conflicts := [a.error for a in mine if a.conflict and a.error]:
        return Readiness("Error", "ConflictingInstallation", "; ".join(conflicts))
    errors = [a.error for a in mine if a.error]
    if errors:
        return Readiness("Error", "ApplyFailed", "; ".join(errors))
    return component.readiness([a.live for a in mine if a.live is not None], cluster.facts)


def _prune(cluster: ClusterAccess, odh: Object, outcome: Outcome, policy: str, skip: set[str]) -> list[str]:
    """Delete what this instance owns but no longer renders, except components whose render failed."""
    candidates = [o for o in cluster.state.owned(odh) if labels.component_of(o) not in skip]
    doomed = stale(candidates, set(outcome.desired), policy)
    deleted, errors = delete_all(cluster.kube, doomed)
    if deleted:
        gone = set(deleted)
        for obj in doomed:
            if diff.describe(diff.key_of(obj)) in gone:
                PRUNED.labels(component=labels.component_of(obj)).inc()
        outcome.events.append(("Normal", "Pruned", ", ".join(deleted)))
    return errors


def transitions(old: dict[str, Any] | None, results: list[status.ComponentResult]) -> list[Event]:
    """Events for components that became ready or started failing; plain progress makes no noise."""
    before = {c["type"]: c for c in (old or {}).get("conditions", [])}
    events: list[Event] = []
    for result in results:
        previous = before.get(result.condition_type, {})
        readiness = result.readiness
        if readiness.ready and previous.get("status") != "True":
            events.append(("Normal", "ComponentReady", f"{result.condition_type}: {readiness.message}"))
        elif readiness.state == "Error" and previous.get("reason") != readiness.reason:
            events.append(("Warning", readiness.reason, f"{result.condition_type}: {readiness.message}"))
    return events


def _refused(problems: list[str], generation: int, old: dict[str, Any] | None) -> Outcome:
    """A spec that cannot be reconciled here: nothing is applied, the status names the fields."""
    new = status.invalid_spec(problems, generation, old)
    return Outcome(status=new, events=[("Warning", "InvalidSpec", "; ".join(problems))], failed=True)


def reconcile(cluster: ClusterAccess, odh: Object) -> Outcome:
    """Bring the cluster to what the OpenDataHub asks for, and report each component's state."""
    generation = int(odh["metadata"].get("generation", 0))
    old = odh.get("status")
    try:
        spec = parse_spec(odh.get("spec"))
    except InvalidResource as error:
        return _refused(error.problems, generation, old)
    if problems := unserved(spec.platform, cluster.facts.group_versions):
        return _refused(problems, generation, old)
    on = effective(spec.platform, cluster.facts.group_versions)
    instance = instance_of(odh, on)
    outcome = Outcome(status={}, generation=generation, platform=on)
    enabled = [c for c in REGISTRY if c.enabled(spec)]
    drafts = {c: _render(c, spec, instance) for c in enabled}
    outcome.namespaces = frozenset(ns for found in drafts.values() if isinstance(found, list)
                                   for ns in tenancy.foreign_namespaces(found, instance.namespace))
    rendered = {c.name: _admitted(c, found, instance, odh, spec, cluster.facts) if isinstance(found, list) else found
                for c, found in drafts.items()}
    objects = {name: found for name, found in rendered.items() if isinstance(found, list)}
    outcome.desired = {diff.key_of(o): o for found in objects.values() for o in found}
    # All components' objects go together, stage by stage: one component's CRDs do not wait for another's.
    applied = apply_all(cluster.kube, cluster.state, list(outcome.desired.values()))
    results = [
        status.ComponentResult(c.condition_type, _component_result(c, objects[c.name], applied, cluster, outcome)
                               if c.name in objects else cast(Readiness, rendered[c.name]))
        for c in enabled
    ]
    held_back = set(rendered) - set(objects)  # not rendered, or not admitted: their objects stay as they are
    prune_errors = _prune(cluster, odh, outcome, spec.deletion_policy, held_back)
    if prune_errors:
        outcome.events.append(("Warning", "PruneFailed", "; ".join(prune_errors)))
    live = [a.live for a in applied.values() if a.live is not None]
    outcome.status = status.build(results, generation, old, platform=on, endpoints=endpoints.observed(live))
    outcome.events += transitions(old, results)
    outcome.failed = bool(prune_errors) or any(r.readiness.state == "Error" for r in results)
    outcome.ready = not outcome.failed and all(r.readiness.ready for r in results)
    return outcome


def review(cluster: ClusterAccess, odh: Object, last: Outcome) -> Outcome | None:
    """A readiness-only pass: what the last full pass applied, read back, judged, reported.

    Most wake-ups while a platform converges are status changes of its workloads and custom resources;
    they need no render and no apply. None when only a full pass will do: the spec moved on, the last pass
    failed, or an object is gone or no longer holds what was applied.
    """
    generation = int(odh["metadata"].get("generation", 0))
    if last.failed or last.generation != generation:
        return None
    spec = parse_spec(odh.get("spec"))
    if effective(spec.platform, cluster.facts.group_versions) != last.platform:
        return None  # Auto met a different API server (OpenShift's groups appeared or went)
    by_component: dict[str, list[Object]] = {}
    for desired in last.desired.values():
        live = cluster.state.get(desired)
        if live is None or not diff.contains(live, desired):
            return None
        by_component.setdefault(labels.component_of(desired), []).append(live)
    exposed = endpoints.observed([o for found in by_component.values() for o in found])
    old = odh.get("status")
    results = [
        status.ComponentResult(c.condition_type, c.readiness(by_component.get(c.name, []), cluster.facts))
        for c in REGISTRY
        if c.enabled(spec)
    ]
    outcome = Outcome(status=status.build(results, generation, old, platform=last.platform, endpoints=exposed),
                      desired=last.desired, generation=generation, platform=last.platform)
    outcome.events = transitions(old, results)
    outcome.failed = any(r.readiness.state == "Error" for r in results)
    outcome.ready = not outcome.failed and all(r.readiness.ready for r in results)
    return outcome
