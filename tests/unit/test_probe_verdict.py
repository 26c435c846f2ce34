"""The pod runner's readiness verdict follows a probe's thresholds, as a kubelet's does."""

from testbed.pod_runner import ProbeVerdict


def test_one_failed_run_does_not_take_a_ready_container_out_of_its_service() -> None:
    verdict = ProbeVerdict.of({"readinessProbe": {"httpGet": {"path": "/", "port": 8080}}})  # defaults: 1 and 3
    assert [verdict.record(r) for r in (False, True, False, False, True)] == [False, True, True, True, True]
    assert [verdict.record(r) for r in (False, False, False)] == [True, True, False]


def test_the_probe_sets_its_thresholds() -> None:
    verdict = ProbeVerdict.of({"readinessProbe": {"successThreshold": 2, "failureThreshold": 1}})
    assert [verdict.record(r) for r in (True, False, True, True, False)] == [False, False, False, True, False]
