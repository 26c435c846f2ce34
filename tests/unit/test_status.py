"""Status conditions and phase aggregation."""

from odh_operator.readiness import Readiness
from odh_operator.status import ComponentResult, build, changed, invalid_spec, merge, pending

READY = Readiness("Ready", "AllReady", "ok")
WAITING = Readiness("NotReady", "WorkloadsNotReady", "Deployment/hub: 0/1 replicas ready")
BROKEN = Readiness("Error", "ApplyFailed", "Deployment/hub: 422 Invalid")


def by_type(status: dict) -> dict:
    return {c["type"]: c for c in status["conditions"]}


def test_all_ready() -> None:
    status = build([ComponentResult("JupyterHubReady", READY), ComponentResult("MonitoringReady", READY)], 3, None)
    assert status["phase"] == "Ready"
    assert status["readyComponents"] == "2/2"
    assert status["observedGeneration"] == 3
    conditions = by_type(status)
    assert set(conditions) == {"JupyterHubReady", "MonitoringReady", "Ready"}
    assert conditions["Ready"]["status"] == "True"
    assert all(c["observedGeneration"] == 3 and c["lastTransitionTime"] for c in conditions.values())


def test_an_error_anywhere_degrades_and_is_named() -> None:
    status = build([ComponentResult("JupyterHubReady", WAITING), ComponentResult("MonitoringReady", BROKEN)], 1, None)
    assert status["phase"] == "Degraded"
    ready = by_type(status)["Ready"]
    assert (ready["status"], ready["reason"]) == ("False", "ComponentsFailed")
    assert "MonitoringReady" in ready["message"]
    assert by_type(status)["MonitoringReady"]["message"] == "Deployment/hub: 422 Invalid"


def test_not_ready_is_progressing() -> None:
    status = build([ComponentResult("JupyterHubReady", WAITING)], 1, None)
    assert (status["phase"], status["readyComponents"]) == ("Progressing", "0/1")


def test_nothing_enabled_is_ready() -> None:
    status = build([], 1, None)
    assert (status["phase"], status["readyComponents"]) == ("Ready", "0/0")


def test_transition_time_kept_while_status_holds_and_reset_on_change() -> None:
    first = merge([], [{"type": "Ready", "status": "False"}], "2026-01-01T00:00:00Z")
    same = merge(first, [{"type": "Ready", "status": "False", "reason": "X"}], "2026-01-02T00:00:00Z")
    flipped = merge(same, [{"type": "Ready", "status": "True"}], "2026-01-03T00:00:00Z")
    assert same[0]["lastTransitionTime"] == "2026-01-01T00:00:00Z"
    assert flipped[0]["lastTransitionTime"] == "2026-01-03T00:00:00Z"


def test_rebuilding_an_unchanged_status_changes_nothing() -> None:
    results = [ComponentResult("JupyterHubReady", READY)]
    first = build(results, 2, None, timestamp="2026-01-01T00:00:00Z")
    again = build(results, 2, first, timestamp="2026-06-01T00:00:00Z")
    assert not changed(first, again)
    assert changed(first, build(results, 3, first))


def test_invalid_spec_names_the_field() -> None:
    status = invalid_spec(["spec.rookCeph.monCount: Input should be 1, 3 or 5"], 4, None)
    ready = by_type(status)["Ready"]
    assert (status["phase"], ready["reason"]) == ("Degraded", "InvalidSpec")
    assert "spec.rookCeph.monCount" in ready["message"]


def test_pending_is_the_first_state() -> None:
    assert pending(1)["phase"] == "Pending"
