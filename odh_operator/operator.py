"""Start the kopf operator with the handlers in odh_operator.handlers."""

import kopf

from odh_operator import handlers  # noqa: F401  (importing registers the handlers)

PEERING_NAME = "odh-operator"


def run(namespaces: list[str], all_namespaces: bool, health_port: int, standalone: bool) -> None:
    """Run until stopped: one namespace, a list, or (by default or with -A) every namespace."""
    kopf.run(
        clusterwide=all_namespaces or not namespaces,
        namespaces=namespaces,
        standalone=standalone,
        peering_name=PEERING_NAME,
        liveness_endpoint=f"http://0.0.0.0:{health_port}/healthz" if health_port else None,
    )
