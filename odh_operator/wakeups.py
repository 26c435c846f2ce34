"""Wake-ups: which OpenDataHub's reconcile loop a watch event of an owned object should wake.

Every method runs on the operator's event loop (the handlers that call it are ``async``), so the
state needs no lock, and ``asyncio.Event.set`` wakes the sleeping loop at once.
"""

import asyncio
from typing import Any

from odh_operator import diff, kinds

Object = dict[str, Any]
Owner = tuple[str, str]  # (namespace, name) of an OpenDataHub
STATUS_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet"})


def needs_reconcile(event_type: str | None, live: Object, desired: Object) -> bool:
    """Deleted, drifted from what we applied, or a status that readiness reads may have changed."""
    return drifted(event_type, live, desired) or live["kind"] in STATUS_KINDS or not kinds.is_builtin(live)


def drifted(event_type: str | None, live: Object, desired: Object) -> bool:
    """Deleted, or no longer holding what we applied: only a full pass (render and apply) mends that."""
    return event_type == "DELETED" or not diff.contains(live, desired)


class Wakeups:
    """The desired objects of every OpenDataHub this process reconciles, and one wake-up event for each."""

    def __init__(self) -> None:
        self._desired: dict[diff.Key, tuple[Owner, Object]] = {}
        self._keys: dict[Owner, set[diff.Key]] = {}
        self._kicks: dict[Owner, asyncio.Event] = {}
        self._full: set[Owner] = set()  # owners woken for something only a full pass handles
        self._facts: dict[tuple[str, str], Object] = {}  # (kind, name) -> a Node, StorageClass or Namespace as read
        self._namespaces: dict[Owner, frozenset[str]] = {}  # other namespaces each spec sends objects to

    def record(self, owner: Owner, desired: dict[diff.Key, Object], namespaces: frozenset[str] = frozenset()) -> None:
        """Replace what ``owner`` wants with the objects of its latest reconcile, and the namespaces besides its
        own that its spec names (whose consent labels decide what a full pass may write there).

        CRDs are left out: they are shared and not watched for drift (only indexed), and keeping a copy of
        megabytes of upstream schemas per platform would cost more memory than everything else.
        """
        self._drop_desired(owner)
        self._namespaces[owner] = namespaces
        watched = {key: obj for key, obj in desired.items() if key[1] != "CustomResourceDefinition"}
        self._keys[owner] = set(watched)
        self._desired.update({key: (owner, obj) for key, obj in watched.items()})

    def forget(self, owner: Owner) -> None:
        """Stop tracking an OpenDataHub (it is gone or no longer ours)."""
        self._drop_desired(owner)
        self._namespaces.pop(owner, None)
        self._kicks.pop(owner, None)
        self._full.discard(owner)

    def _drop_desired(self, owner: Owner) -> None:
        for key in self._keys.pop(owner, set()):
            if self._desired.get(key, (None,))[0] == owner:
                del self._desired[key]

    def kick_event(self, owner: Owner) -> asyncio.Event:
        """The event that wakes the reconciler of ``owner``."""
        return self._kicks.setdefault(owner, asyncio.Event())

    def kick(self, owner: Owner, full: bool = True) -> None:
        """Wake the reconciler of ``owner`` now; ``full=False`` when only a status it reads changed."""
        if full:
            self._full.add(owner)
        self.kick_event(owner).set()

    def take_full(self, owner: Owner) -> bool:
        """Whether a full pass was asked for since the last call (and forget that it was)."""
        if owner in self._full:
            self._full.discard(owner)
            return True
        return False

    def observe(self, event_type: str | None, live: Object) -> tuple[Owner, bool] | None:
        """The OpenDataHub to wake for this watch event of an owned object, if any, and whether its
        reconciler needs a full pass (True) or only a fresh look at readiness (False)."""
        entry = self._desired.get(diff.key_of(live))
        if entry is None:
            return None
        owner, desired = entry
        if drifted(event_type, live, desired):
            return owner, True
        return (owner, False) if needs_reconcile(event_type, live, desired) else None

    def observe_fact(self, event_type: str | None, kind: str, name: str, fact: Object) -> list[tuple[Owner, bool]]:
        """The reconcilers to wake when a Node, StorageClass or Namespace changed as the cluster facts read it
        (``fact``), and whether each needs a full pass: all of them for a fresh look at readiness, or for a
        Namespace those in it, plus a full pass for those whose spec names it (its consent decides what
        they may write there).

        An object first seen in the initial listing wakes none (every loop reads the facts on its first
        pass); a new one, a deleted one or a changed one does.
        """
        key = (kind, name)
        if event_type == "DELETED":
            changed = self._facts.pop(key, None) is not None
        else:
            before = self._facts.get(key)
            self._facts[key] = fact
            changed = before != fact if before is not None else event_type == "ADDED"
        if not changed:
            return []
        if kind != "Namespace":
            return [(owner, False) for owner in self._kicks]
        return [(owner, name in self._namespaces.get(owner, frozenset())) for owner in self._kicks
                if owner[0] == name or name in self._namespaces.get(owner, frozenset())]
