"""Which platform an OpenDataHub renders for: plain Kubernetes or OpenShift."""

from collections.abc import Collection
from typing import Literal

Platform = Literal["Kubernetes", "OpenShift"]
KUBERNETES: Platform = "Kubernetes"
OPENSHIFT: Platform = "OpenShift"
# Served by every OpenShift API server (openshift-apiserver), by no plain Kubernetes one.
OPENSHIFT_GROUP_VERSIONS = ("security.openshift.io/v1", "route.openshift.io/v1")


def detect(served: Collection[str]) -> Platform:
    """OpenShift when the API server serves both OpenShift groups that rendering relies on (SCCs and Routes)."""
    return OPENSHIFT if all(gv in served for gv in OPENSHIFT_GROUP_VERSIONS) else KUBERNETES


def unserved(asked: str, served: Collection[str]) -> list[str]:
    """Why the spec's platform cannot be rendered for here: OpenShift asked of an API server without its groups.

    Empty when it can, or when nothing is known of the server (``served`` empty: offline, or no facts yet).
    """
    missing = [gv for gv in OPENSHIFT_GROUP_VERSIONS if gv not in served]
    if asked != OPENSHIFT or not served or not missing:
        return []
    return [f"spec.platform: OpenShift, but the API server does not serve {' or '.join(missing)} "
            "(use Auto or Kubernetes on this cluster)"]


def effective(asked: str, served: Collection[str]) -> Platform:
    """The platform to render for: the spec's choice, or what the API server looks like when it says Auto."""
    if asked == OPENSHIFT:
        return OPENSHIFT
    if asked == KUBERNETES:
        return KUBERNETES
    return detect(served)
