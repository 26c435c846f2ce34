"""Readiness rules: from live objects to Ready, NotReady or Error with a reason a person can act on."""

from dataclasses import dataclass, field
from typing import Any, Literal

Object = dict[str, Any]
State = Literal["Ready", "NotReady", "Error"]


@dataclass(frozen=True)
class Readiness:
    """A component's observed state."""

    state: State
    reason: str
    message: str
    details: dict[str, Any] = field(default_factory=dict, compare=False)  # top-level status fields it reports

    @property
    def ready(self) -> bool:
        """Whether the state is Ready."""
        return self.state == "Ready"


READY = Readiness("Ready", "AllReady", "all workloads are ready")


def _ref(obj: Object) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def _stale(obj: Object) -> bool:
    generation = obj["metadata"].get("generation", 0)
    return int(obj.get("status", {}).get("observedGeneration", 0)) < int(generation)


def workload_problem(obj: Object) -> str | None:
    """Why a Deployment, StatefulSet or DaemonSet is not ready yet, or None when it is (or is no workload)."""
    kind = obj["kind"]
    if kind not in ("Deployment", "StatefulSet", "DaemonSet"):
        return None
    status = obj.get("status") or {}
    if _stale(obj):
        return f"{_ref(obj)}: rollout not observed yet"
    if kind == "DaemonSet":
        desired = int(status.get("desiredNumberScheduled", 0))
        ready = int(status.get("numberReady", 0))
        updated = int(status.get("updatedNumberScheduled", 0))
        if ready < desired or updated < desired:
            return f"{_ref(obj)}: {ready}/{desired} pods ready, {updated} updated"
        return None
    wanted = int(obj.get("spec", {}).get("replicas", 1))
    ready_key = "availableReplicas" if kind == "Deployment" else "readyReplicas"
    ready = int(status.get(ready_key, 0))
    updated = int(status.get("updatedReplicas", 0))
    if ready < wanted or updated < wanted:
        return f"{_ref(obj)}: {ready}/{wanted} replicas ready, {updated} updated"
    return None


def workloads_readiness(observed: list[Object]) -> Readiness:
    """Ready when every workload among the observed objects has rolled out and is ready."""
    problems = [p for p in map(workload_problem, observed) if p]
    if problems:
        return Readiness("NotReady", "WorkloadsNotReady", "; ".join(problems))
    return READY


def first_not_ready(*results: Readiness) -> Readiness:
    """The first result that is not Ready (errors before the rest), else Ready."""
    for state in ("Error", "NotReady"):
        for result in results:
            if result.state == state:
                return result
    return READY
