"""Start the kopf operator with the handlers in odh_operator.handlers."""

import random

from odh_operator.peering import PEERING_NAME


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
    kopf.run(
        memo=kopf.Memo(
            namespaces=None if clusterwide else list(namespaces), metrics_port=metrics_port, metrics_host=health_host
        ),
        clusterwide=clusterwide,
        namespaces=namespaces,
        standalone=standalone,
        priority=priority if priority is not None else random.randint(1, 1_000_000),
        peering_name=PEERING_NAME,
        liveness_endpoint=f"http://{health_host}:{health_port}/healthz" if health_port else None,
    )
