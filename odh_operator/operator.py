"""Start the kopf operator with the handlers in odh_operator.handlers."""

import logging
import random

from odh_operator.peering import PEERING_NAME

NOT_FOUND = 404
log = logging.getLogger(__name__)


def vanished_kind(error: BaseException) -> bool:
    """Whether kopf stopped because a kind it watched is no longer served: a CRD deleted under its watch (our
    own deletionPolicy Delete teardown, or an admin's) makes the watch's reconnect answer 404, which kopf 1.45
    treats as fatal before its CRD scan drops the kind."""
    return getattr(error, "status", None) == NOT_FOUND


def run(
    namespaces: list[str],
    all_namespaces: bool,
    health_port: int,
    standalone: bool,
    health_host: str = "0.0.0.0",
    priority: int | None = None,
    verbose: bool = False,
    metrics_port: int = 0,
) -> None:
    """Run until stopped: one namespace, a list, or (by default or with -A) every namespace.

    Replicas find each other through the kopf peering object: the one with the highest priority works,
    the others pause until it is gone. A random priority by default makes replicas of one Deployment
    elect a single active one (kopf pauses every peer when priorities tie).
    """
    import kopf

    from odh_operator import handlers  # noqa: F401  (importing registers the handlers)

    kopf.configure(verbose=verbose)
    clusterwide = all_namespaces or not namespaces
    priority = priority if priority is not None else random.randint(1, 1_000_000)
    while True:  # started again, with fresh watches, when a watched kind vanished: the rest is as a restart
        try:
            kopf.run(
                memo=kopf.Memo(namespaces=None if clusterwide else list(namespaces), metrics_port=metrics_port,
                               metrics_host=health_host),
                clusterwide=clusterwide,
                namespaces=namespaces,
                standalone=standalone,
                priority=priority,
                peering_name=PEERING_NAME,
                liveness_endpoint=f"http://{health_host}:{health_port}/healthz" if health_port else None,
            )
            return
        except Exception as error:
            if not vanished_kind(error):
                raise
            log.warning("a watched kind is no longer served (%s); starting the watches again", error)
