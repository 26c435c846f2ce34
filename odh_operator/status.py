"""Status conditions (Kubernetes API conventions) and their aggregation into a phase."""

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from odh_operator.readiness import Readiness

Condition = dict[str, Any]
READY = "Ready"
_BUILT_FIELDS = frozenset({"observedGeneration", "phase", "platform", "readyComponents", "conditions", "endpoints"})


def now() -> str:
    """The current time as an RFC 3339 timestamp, as conditions carry it."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ComponentResult:
    """One enabled component's outcome of a reconcile."""

    condition_type: str
    readiness: Readiness


def condition(type_: str, readiness: Readiness, generation: int) -> Condition:
    """A condition from a readiness result; lastTransitionTime is filled in by ``merge``."""
    status = "True" if readiness.ready else "False"
    return {
        "type": type_,
        "status": status,
        "reason": readiness.reason,
        "message": readiness.message,
        "observedGeneration": generation,
    }


def merge(old: list[Condition], new: list[Condition], timestamp: str) -> list[Condition]:
    """The new conditions, keeping each one's lastTransitionTime while its status stays the same."""
    previous = {c["type"]: c for c in old}
    merged = []
    for cond in new:
        before = previous.get(cond["type"]) or {}
        kept = before.get("status") == cond["status"] and before.get("lastTransitionTime")
        merged.append({**cond, "lastTransitionTime": before["lastTransitionTime"] if kept else timestamp})
    return merged


def phase(results: list[ComponentResult]) -> str:
    """Degraded on any error, Ready when all are ready, else Progressing (Pending is only the initial state)."""
    if any(r.readiness.state == "Error" for r in results):
        return "Degraded"
    if all(r.readiness.ready for r in results):
        return "Ready"
    return "Progressing"


def overall(results: list[ComponentResult]) -> Readiness:
    """The Ready condition: names the components that are not ready, errors first."""
    failed = [r.condition_type for r in results if r.readiness.state == "Error"]
    waiting = [r.condition_type for r in results if r.readiness.state == "NotReady"]
    if failed:
        return Readiness("Error", "ComponentsFailed", "failed: " + ", ".join(failed))
    if waiting:
        return Readiness("NotReady", "ComponentsNotReady", "waiting for: " + ", ".join(waiting))
    if not results:
        return Readiness("Ready", "NothingEnabled", "no component is enabled")
    return Readiness("Ready", "AllComponentsReady", f"{len(results)} components ready")


def _endpoints(endpoints: list[dict[str, str]] | None, old: dict[str, Any] | None) -> dict[str, Any]:
    """The endpoints part of a status: the list, or a null (merge patch: delete) once none is left."""
    if endpoints:
        return {"endpoints": endpoints}
    return {"endpoints": None} if endpoints is not None and (old or {}).get("endpoints") else {}


def build(
    results: list[ComponentResult], generation: int, old: dict[str, Any] | None, timestamp: str | None = None,
    platform: str | None = None, endpoints: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The full status for this reconcile, stable when nothing changed (so writing it can be skipped).

    ``platform`` is the one the components were rendered for (OpenShift or Kubernetes); ``endpoints`` the
    exposed endpoints with their hosts (None leaves the field alone, [] removes it)."""
    old_conditions = (old or {}).get("conditions", [])
    ready = sum(r.readiness.ready for r in results)
    conditions = [condition(r.condition_type, r.readiness, generation) for r in results]
    conditions.append(condition(READY, overall(results), generation))
    details = {key: value for r in results for key, value in r.readiness.details.items()}
    # When a component is disabled, the details no component reports any more (e.g. gpus) are removed:
    # the status is merge-patched, where null deletes a field.
    disabled = {c.get("type") for c in old_conditions} - {r.condition_type for r in results} - {READY}
    gone = {k: None for k in (old or {}) if disabled and k not in details and k not in _BUILT_FIELDS}
    return {
        **gone,
        **details,
        "observedGeneration": generation,
        "phase": phase(results),
        **({"platform": platform} if platform else {}),
        **_endpoints(endpoints, old),
        "readyComponents": f"{ready}/{len(results)}",
        "conditions": merge(old_conditions, conditions, timestamp or now()),
    }


def invalid_spec(problems: list[str], generation: int, old: dict[str, Any] | None) -> dict[str, Any]:
    """The status of a resource whose spec does not validate: nothing is changed, the fields are named."""
    readiness = Readiness("Error", "InvalidSpec", "; ".join(problems))
    conditions = merge((old or {}).get("conditions", []), [condition(READY, readiness, generation)], now())
    return {**(old or {}), "observedGeneration": generation, "phase": "Degraded", "conditions": conditions}


def changed(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """Whether writing ``new`` would change the stored status."""
    old = old or {}
    return any(old.get(k) != v for k, v in new.items())


def pending(generation: int) -> dict[str, Any]:
    """The status of a resource seen for the first time, before anything is applied."""
    waiting = Readiness("NotReady", "Reconciling", "the operator is applying the platform")
    return {
        "observedGeneration": generation,
        "phase": "Pending",
        "conditions": merge([], [condition(READY, waiting, generation)], now()),
    }
