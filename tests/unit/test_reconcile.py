"""A reconcile of an invalid spec reports the field and touches nothing."""

from typing import Any

from odh_operator.cluster_facts import NO_FACTS
from odh_operator.reconcile import ClusterAccess, reconcile


class NoApi:
    """Stands in for the API client where no call may happen: any attribute access fails the test."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"an invalid spec must not reach the API (called {name})")


def test_invalid_spec_is_reported_with_its_field_and_changes_nothing() -> None:
    odh = {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
           "metadata": {"name": "odh", "namespace": "team", "uid": "u", "generation": 4},
           "spec": {"rookCeph": {"enabled": True, "monCount": 2}}}
    outcome = reconcile(ClusterAccess(kube=NoApi(), state=NoApi(), facts=NO_FACTS), odh)  # type: ignore[arg-type]
    assert outcome.failed and outcome.desired == {}
    assert outcome.status["phase"] == "Degraded"
    assert outcome.status["observedGeneration"] == 4
    (ready,) = [c for c in outcome.status["conditions"] if c["type"] == "Ready"]
    assert (ready["status"], ready["reason"]) == ("False", "InvalidSpec")
    assert "spec.rookCeph.monCount" in ready["message"]
    assert outcome.events[0][:2] == ("Warning", "InvalidSpec")
