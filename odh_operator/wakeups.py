"""Tracking what each OpenDataHub wants, so that an edit or deletion of an owned object wakes its reconciler."""

import asyncio
from typing import Any

from odh_operator import diff, kinds

Object = dict[str, Any]
Owner = tuple[str, str]  # (namespace, name) of an OpenDataHub
STATUS_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet"})


def needs_reconcile(event_type: str | None, live: Object, desired: Object) -> bool:
    """Deleted, drifted from what we applied, or a status that readiness reads may have changed."""
    if event_type == "DELETED":
        return True
    if not diff.contains(live, desired):
        return True
    return live["kind"] in STATUS_KINDS or not kinds.is_builtin(live)


class Tracker:
    """The desired objects of every OpenDataHub this process reconciles, and one wake-up event for each."""

    def __init__(self) -> None:
        self._desired: dict[diff.Key, tuple[Owner, Object]] = {}
        self._kicks: dict[Owner, asyncio.Event] = {}

    def record(self, owner: Owner, desired: dict[diff.Key, Object]) -> None:
        """Replace what ``owner`` wants with the objects of its latest reconcile."""
        self.forget(owner, keep_kick=True)
        self._desired.update({key: (owner, obj) for key, obj in desired.items()})

    def forget(self, owner: Owner, keep_kick: bool = False) -> None:
        """Stop tracking an OpenDataHub (it is gone or no longer ours)."""
        for key in [k for k, (o, _) in self._desired.items() if o == owner]:
            del self._desired[key]
        if not keep_kick:
            self._kicks.pop(owner, None)

    def kick_event(self, owner: Owner) -> asyncio.Event:
        """The event that wakes the reconciler of ``owner``."""
        return self._kicks.setdefault(owner, asyncio.Event())

    def kick(self, owner: Owner) -> None:
        """Wake the reconciler of ``owner`` now."""
        self.kick_event(owner).set()

    def observe(self, event_type: str | None, live: Object) -> Owner | None:
        """The OpenDataHub to wake for this watch event of an owned object, if any."""
        entry = self._desired.get(diff.key_of(live))
        if entry is None:
            return None
        owner, desired = entry
        return owner if needs_reconcile(event_type, live, desired) else None
