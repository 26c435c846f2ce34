"""kopf handlers only: each is thin and calls plain functions that are tested on their own.

One daemon per OpenDataHub runs its reconcile loop: it reconciles when the resource appears (created, or
found on start-up), when its spec changes, when an owned object is edited or deleted (watched below),
and periodically as a safety net. One loop per resource means reconciles of it never overlap. Passes
read from the watches' indices (``live_state``); only writes reach the API server. Handlers that only
touch in-memory state are ``async``, so that state lives on the event loop alone.
"""

import asyncio
import datetime
import json
import logging
import time
from collections.abc import Callable
from typing import Any, cast

import kopf

from odh_operator import labels, metrics
from odh_operator.api.resource import GROUP, PLURAL, VERSION
from odh_operator.finalize import cleanup
from odh_operator.inventory import owned_kinds
from odh_operator.kube import Kube
from odh_operator.live_state import (
    INDEX_PREFIX,
    NAMESPACES_INDEX,
    NODES_INDEX,
    STORAGE_CLASSES_INDEX,
    WatchedState,
    index_entries,
    namespace_entry,
    node_entry,
    storage_class_entry,
)
from odh_operator.peering import peering_objects
from odh_operator.reconcile import ClusterAccess, Outcome, reconcile, review
from odh_operator.status import changed, pending
from odh_operator.wakeups import Wakeups

RESYNC_SECONDS = 60.0
NOT_READY_SECONDS = 10.0
DEBOUNCE_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 300.0
CLEANUP_BUDGET_SECONDS = 180.0
EVENT_MESSAGE_LIMIT = 1024
Object = dict[str, Any]
Owner = tuple[str, str]


def backoff(failures: int) -> float:
    """Seconds before retrying after ``failures`` failed passes in a row: 2, 4, 8, ... up to 5 minutes."""
    return min(2.0 ** max(failures, 1), MAX_BACKOFF_SECONDS)


def next_wait(outcome: Outcome, failures: int) -> float:
    """How long the loop sleeps unless woken: back off on failure, poll while not ready, else resync."""
    if outcome.failed:
        return backoff(failures)
    return RESYNC_SECONDS if outcome.ready else NOT_READY_SECONDS


class _QuietWatchers(logging.Filter):
    """Drop kopf's per-event success lines of the owned-object watchers and indices: only noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not (message.startswith("Handler 'watch-") or message.startswith(f"Handler '{INDEX_PREFIX}"))


@kopf.on.startup()
async def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, **kwargs: Any) -> None:
    """Operator-wide settings, and the state every handler shares: API client, indices, wake-ups."""
    settings.persistence.finalizer = f"{GROUP}/finalizer"
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=GROUP)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=GROUP, key="last-handled-configuration"
    )
    settings.posting.level = logging.WARNING
    settings.watching.server_timeout = 300
    logging.getLogger("kopf.objects").addFilter(_QuietWatchers())
    memo.kube = Kube()
    memo.state = WatchedState(asyncio.get_running_loop(), kwargs, memo.kube)  # the indices, empty until listed
    memo.wakeups = Wakeups()
    memo.phases = {}
    metrics.serve(memo.get("metrics_port") or 0, memo.get("metrics_host") or "0.0.0.0")
    if not settings.peering.standalone:  # create the peering object if the install did not
        for peering in peering_objects(settings.peering.name, memo.get("namespaces")):
            await asyncio.to_thread(memo.kube.apply, peering)


def _report(kube: Kube, odh: Object, outcome: Outcome) -> None:
    if changed(odh.get("status"), outcome.status):
        kube.patch_status(odh, outcome.status)
    for type_, reason, message in outcome.events:
        kopf.event(kopf.Body(cast(kopf.RawBody, odh)), type=type_, reason=reason, message=message[:EVENT_MESSAGE_LIMIT])


def _pass(access: ClusterAccess, odh: Object, last: Outcome | None) -> Outcome:
    """One pass and its report (runs in a worker thread: the API calls block): a readiness-only review of
    what ``last`` applied when that is enough, else a full reconcile."""
    if not odh.get("status"):
        odh["status"] = access.kube.patch_status(odh, pending(int(odh["metadata"].get("generation", 0))))["status"]
    outcome = (review(access, odh, last) if last is not None else None) or reconcile(access, odh)
    _report(access.kube, odh, outcome)
    return outcome


def _count(owner: Owner, outcome: Outcome | None, seconds: float, error: BaseException | None) -> None:
    """The pass in the operator's metrics."""
    namespace, name = owner
    failed = error is not None or (outcome is not None and outcome.failed)
    metrics.RECONCILES.labels(namespace=namespace, name=name, result="error" if failed else "ok").inc()
    metrics.RECONCILE_SECONDS.labels(namespace=namespace, name=name).observe(seconds)
    if error is not None:
        metrics.ERRORS.labels(reason=type(error).__name__).inc()
    elif outcome is not None:
        for condition in outcome.status.get("conditions", []):
            if condition.get("status") == "False" and condition.get("type") != "Ready" and outcome.failed:
                metrics.ERRORS.labels(reason=condition.get("reason", "Unknown")).inc()


async def _sleep(kick: asyncio.Event, stopped: kopf.DaemonStopped, seconds: float) -> bool:
    """Sleep until kicked, stopped, or ``seconds`` pass; a short debounce folds bursts of kicks into one.
    True when kicked."""
    waiters = [asyncio.ensure_future(kick.wait()), asyncio.ensure_future(stopped.wait())]
    await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    for waiter in waiters:
        waiter.cancel()
    if not stopped:
        await asyncio.sleep(DEBOUNCE_SECONDS)
    return kick.is_set()


@kopf.daemon(GROUP, VERSION, PLURAL, cancellation_timeout=30.0)
async def reconciler(
    name: str, namespace: str | None, body: kopf.Body, memo: Any, stopped: kopf.DaemonStopped,
    logger: kopf.Logger, **_: Any,
) -> None:
    """The reconcile loop of one OpenDataHub; ``body`` is kopf's live view of it, kept current by its watch."""
    owner = (namespace or "", name)
    kick = memo.wakeups.kick_event(owner)
    failures = 0
    last: Outcome | None = None  # the last full pass, while only statuses changed since
    while not stopped:
        kick.clear()
        odh: Object = json.loads(json.dumps(dict(body)))  # a private copy: the live view changes under us
        if odh["metadata"].get("deletionTimestamp"):
            break
        access = ClusterAccess(kube=memo.kube, state=memo.state, facts=memo.state.facts())
        started = time.monotonic()
        outcome: Outcome | None = None
        try:
            outcome = await asyncio.to_thread(_pass, access, odh, last)
            last = outcome
            memo.wakeups.record(owner, outcome.desired, outcome.namespaces)
            memo.phases[owner] = outcome.status.get("phase", "Pending")
            metrics.set_phases(memo.phases)
            failures = failures + 1 if outcome.failed else 0
            wait = next_wait(outcome, failures)
            _count(owner, outcome, time.monotonic() - started, None)
        except Exception as error:  # an API outage or a bug: log it, back off, and keep the loop alive
            failures += 1
            wait = backoff(failures)
            _count(owner, None, time.monotonic() - started, error)
            logger.exception("reconcile failed; retrying in %.0fs", wait)
            last = None
        kicked = await _sleep(kick, stopped, wait)
        if not kicked or memo.wakeups.take_full(owner):  # a resync, a drift or a new spec: render and apply
            last = None
    memo.wakeups.forget(owner)
    memo.phases.pop(owner, None)
    metrics.set_phases(memo.phases)


@kopf.on.update(GROUP, VERSION, PLURAL, field="spec")
async def spec_changed(name: str, namespace: str | None, memo: Any, **_: Any) -> None:
    """A new spec: wake the reconcile loop now."""
    memo.wakeups.kick((namespace or "", name), full=True)


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


async def _owned_object_event(type: str | None, body: kopf.Body, memo: Any, **_: Any) -> None:
    """An owned object changed: wake its OpenDataHub's loop if it drifted, vanished or may have become ready."""
    found = memo.wakeups.observe(type, dict(body))
    if found is not None:
        owner, full = found
        memo.wakeups.kick(owner, full)


async def _index_owned(body: kopf.Body, **_: Any) -> dict[tuple[str, Any], Object]:
    return index_entries(body)


def _watch_fact(group: str, version: str, kind: str, index_id: str, entry: Callable[[Any], dict[str, Object]]) -> None:
    """Index a cluster fact (what readiness reads of a Node, StorageClass or Namespace), and wake the loops it
    concerns when that changes: a fixed namespace label or a node back should not wait for the resync."""
    async def index(body: kopf.Body, **_: Any) -> dict[str, Object]:
        return entry(body)

    async def changed(type: str | None, body: kopf.Body, memo: Any, **_: Any) -> None:
        for owner, full in memo.wakeups.observe_fact(type, kind, body["metadata"]["name"], entry(body)):
            memo.wakeups.kick(owner, full=full)

    kopf.index(group=group, version=version, kind=kind, id=index_id)(index)
    kopf.on.event(group=group, version=version, kind=kind, id=f"facts-{kind}")(changed)


MANAGED = {labels.MANAGED_BY_KEY: labels.MANAGED_BY}
for _api_version, _kind in (*owned_kinds(), ("apiextensions.k8s.io/v1", "CustomResourceDefinition")):
    _group, _, _version = _api_version.rpartition("/")
    _id = f"{INDEX_PREFIX}{_group.replace('.', '_')}_{_kind}"
    kopf.index(group=_group, version=_version, kind=_kind, id=_id, labels=MANAGED)(_index_owned)
    if _kind != "CustomResourceDefinition":
        kopf.on.event(group=_group, version=_version, kind=_kind, id=f"watch-{_kind}", labels=MANAGED)(
            _owned_object_event
        )
_watch_fact("", "v1", "Node", NODES_INDEX, node_entry)
_watch_fact("storage.k8s.io", "v1", "StorageClass", STORAGE_CLASSES_INDEX, storage_class_entry)
# Namespaces' pod security labels: Rook's and the device plugin's pods need "privileged" (status says so).
_watch_fact("", "v1", "Namespace", NAMESPACES_INDEX, namespace_entry)
