"""Where the project's images are published and how they are tagged: the one place for their names.

`odh-operator install` and `odh-operator bundle` render these references, and the kind smoke script and
the release workflow tag what they build with them (through `odh-operator image NAME`).
"""

from odh_operator import __version__

REGISTRY = "quay.io/opendatahub"
REPOSITORIES = {
    "operator": f"{REGISTRY}/odh-operator",
    "ai-library": f"{REGISTRY}/odh-ai-library",
    "bundle": f"{REGISTRY}/odh-operator-bundle",
}
SOURCE_URL = "https://github.com/opendatahub-io/odh-operator"


def release_version() -> str:
    """The released version of this package (a checkout's local ``+suffix`` dropped)."""
    return __version__.split("+")[0]


def tag(version: str | None = None) -> str:
    """The image tag of a release: ``v`` and the version."""
    return f"v{version or release_version()}"


def image(name: str, version: str | None = None) -> str:
    """The full reference of one of the project's images (operator, ai-library, bundle)."""
    if name not in REPOSITORIES:
        raise KeyError(f"unknown image {name!r}; known: {', '.join(REPOSITORIES)}")
    return f"{REPOSITORIES[name]}:{tag(version)}"


def operator_image(version: str | None = None) -> str:
    """The operator image the install manifests and the bundle run."""
    return image("operator", version)
