"""Start the kopf operator with the handlers in odh_operator.handlers."""

from odh_operator.peering import PEERING_NAME


def run(namespaces: list[str], all_namespaces: bool, health_port: int, standalone: bool, verbose: bool = False) -> None:
    """Run until stopped: one namespace, a list, or (by default or with -A) every namespace."""
    import kopf

    from odh_operator import handlers  # noqa: F401  (importing registers the handlers)

    kopf.configure(verbose=verbose)
    kopf.run(
        clusterwide=all_namespaces or not namespaces,
        namespaces=namespaces,
        standalone=standalone,
        peering_name=PEERING_NAME,
        liveness_endpoint=f"http://0.0.0.0:{health_port}/healthz" if health_port else None,
    )
