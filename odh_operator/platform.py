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


def effective(asked: str, served: Collection[str]) -> Platform:
    """The platform to render for: the spec's choice, or what the API server looks like when it says Auto."""
    if asked == OPENSHIFT:
        return OPENSHIFT
    if asked == KUBERNETES:
        return KUBERNETES
    return detect(served)
