"""The reconcile loop's timing decisions."""

from odh_operator.handlers import MAX_BACKOFF_SECONDS, NOT_READY_SECONDS, RESYNC_SECONDS, backoff, next_wait
from odh_operator.reconcile import Outcome


def test_backoff_doubles_up_to_a_ceiling() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert backoff(50) == MAX_BACKOFF_SECONDS


def test_next_wait_by_outcome() -> None:
    assert next_wait(Outcome(status={}, failed=True), failures=3) == 8.0
    assert next_wait(Outcome(status={}, ready=False), failures=0) == NOT_READY_SECONDS
    assert next_wait(Outcome(status={}, ready=True), failures=0) == RESYNC_SECONDS
