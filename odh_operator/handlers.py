"""kopf handlers only: each is thin and calls plain functions that are tested on their own.

One daemon per OpenDataHub runs its reconcile loop: it reconciles when the resource appears (created, or
found on start-up), when its spec changes, when an owned object is edited or deleted (watched below),
and periodically as a safety net. One loop per resource means reconciles of it never overlap.
"""

import asyncio
import datetime
import logging
from typing import Any, cast

import kopf

from odh_operator import labels
from odh_operator.api.resource import API_VERSION, GROUP, KIND, PLURAL, VERSION
from odh_operator import cluster_facts
from odh_operator.drift import Tracker
from odh_operator.finalize import cleanup
from odh_operator.inventory import owned_kinds
from odh_operator.kube import Kube
from odh_operator.peering import peering_objects
from odh_operator.reconcile import Outcome, reconcile
from odh_operator.status import changed, pending

RESYNC_SECONDS = 60.0
NOT_READY_SECONDS = 10.0
DEBOUNCE_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 300.0
CLEANUP_BUDGET_SECONDS = 180.0
EVENT_MESSAGE_LIMIT = 1024
TRACKER = Tracker()


def backoff(failures: int) -> float:
    """Seconds before retrying after ``failures`` failed passes in a row: 2, 4, 8, ... up to 5 minutes."""
    return min(2.0 ** max(failures, 1), MAX_BACKOFF_SECONDS)


def next_wait(outcome: Outcome, failures: int) -> float:
    """How long the loop sleeps unless woken: back off on failure, poll while not ready, else resync."""
    if outcome.failed:
        return backoff(failures)
    return RESYNC_SECONDS if outcome.ready else NOT_READY_SECONDS


class _QuietWatchers(logging.Filter):
    """Drop kopf's per-event success lines of the owned-object watchers: one per event is only noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Handler 'watch-")


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    """Operator-wide settings, and one API client shared by all handlers."""
    settings.persistence.finalizer = f"{GROUP}/finalizer"
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=GROUP)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=GROUP, key="last-handled-configuration"
    )
    settings.posting.level = logging.WARNING
    settings.watching.server_timeout = 300
    logging.getLogger("kopf.objects").addFilter(_QuietWatchers())
    memo.kube = Kube()
    if not settings.peering.standalone:  # create the peering object if the install did not
        for peering in peering_objects(settings.peering.name, memo.get("namespaces")):
            memo.kube.apply(peering)


def _get_odh(kube: Kube, namespace: str, name: str) -> dict[str, Any] | None:
    return kube.get({"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": name, "namespace": namespace}})


def _report(kube: Kube, odh: dict[str, Any], outcome: Outcome) -> None:
    if changed(odh.get("status"), outcome.status):
        kube.patch_status(odh, outcome.status)
    for type_, reason, message in outcome.events:
        kopf.event(kopf.Body(cast(kopf.RawBody, odh)), type=type_, reason=reason, message=message[:EVENT_MESSAGE_LIMIT])


def _first_pass(kube: Kube, odh: dict[str, Any]) -> None:
    if not odh.get("status"):
        kube.patch_status(odh, pending(int(odh["metadata"].get("generation", 0))))


def _pass(kube: Kube, owner: tuple[str, str]) -> Outcome | None:
    """One reconcile and its report; None when the OpenDataHub is gone or being deleted."""
    namespace, name = owner
    odh = _get_odh(kube, namespace, name)
    if odh is None or odh["metadata"].get("deletionTimestamp"):
        return None
    _first_pass(kube, odh)
    outcome = reconcile(kube, odh, cluster_facts.observe(kube))
    TRACKER.record(owner, outcome.desired)
    _report(kube, odh, outcome)
    return outcome


async def _sleep(kick: asyncio.Event, stopped: kopf.DaemonStopped, seconds: float) -> None:
    """Sleep until kicked, stopped, or ``seconds`` pass; a short debounce folds bursts of kicks into one."""
    waiters = [asyncio.ensure_future(kick.wait()), asyncio.ensure_future(stopped.wait())]
    await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    for waiter in waiters:
        waiter.cancel()
    if not stopped:
        await asyncio.sleep(DEBOUNCE_SECONDS)


@kopf.daemon(GROUP, VERSION, PLURAL, cancellation_timeout=30.0)
async def reconciler(
    name: str, namespace: str | None, memo: Any, stopped: kopf.DaemonStopped, logger: kopf.Logger, **_: Any
) -> None:
    """The reconcile loop of one OpenDataHub."""
    owner = (namespace or "", name)
    kick = TRACKER.kick_event(owner)
    failures = 0
    while not stopped:
        kick.clear()
        try:
            outcome = await asyncio.to_thread(_pass, memo.kube, owner)
            if outcome is None:
                break
            failures = failures + 1 if outcome.failed else 0
            wait = next_wait(outcome, failures)
        except Exception:  # an API outage or a bug: log it, back off, and keep the loop alive
            failures += 1
            wait = backoff(failures)
            logger.exception("reconcile failed; retrying in %.0fs", wait)
        await _sleep(kick, stopped, wait)
    TRACKER.forget(owner)


@kopf.on.update(GROUP, VERSION, PLURAL, field="spec")
def spec_changed(name: str, namespace: str | None, **_: Any) -> None:
    """A new spec: wake the reconcile loop now."""
    TRACKER.kick((namespace or "", name))


@kopf.on.delete(GROUP, VERSION, PLURAL)
def delete(body: kopf.Body, memo: Any, runtime: datetime.timedelta, logger: kopf.Logger, **_: Any) -> None:
    """Remove what the OpenDataHub installed (except retained data); never hold the finalizer forever."""
    result = cleanup(memo.kube, dict(body))
    if result.kept:
        logger.info("kept data as deletionPolicy says: %s", ", ".join(result.kept))
    if not (result.remaining or result.errors):
        return
    if runtime.total_seconds() > CLEANUP_BUDGET_SECONDS:
        kopf.warn(body, reason="CleanupIncomplete", message="; ".join(result.errors + result.remaining)[:EVENT_MESSAGE_LIMIT])
        return
    raise kopf.TemporaryError(f"waiting for {len(result.remaining)} objects to go", delay=2)


def _owned_object_event(type: str | None, body: kopf.Body, **_: Any) -> None:
    """An owned object changed: wake its OpenDataHub's loop if it drifted, vanished or may have become ready."""
    owner = TRACKER.observe(type, dict(body))
    if owner is not None:
        TRACKER.kick(owner)


for _api_version, _kind in owned_kinds():
    _group, _, _version = _api_version.rpartition("/")
    kopf.on.event(
        group=_group, version=_version, kind=_kind, id=f"watch-{_kind}",
        labels={labels.MANAGED_BY_KEY: labels.MANAGED_BY},
    )(_owned_object_event)
