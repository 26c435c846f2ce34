"""Image references: pinned upstream defaults, per-field overrides and a global mirror registry."""


def _split_registry(image: str) -> tuple[str, str]:
    """Split ``registry/path:tag`` into (registry, rest); Docker Hub short names get ``docker.io``."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    return "docker.io", image if "/" in image else f"library/{image}"


def resolve(default: str, override: str | None, registry: str | None) -> str:
    """The image to run: an explicit override as given, else the default, moved to the mirror if one is set."""
    if override:
        return override
    if not registry:
        return default
    _, rest = _split_registry(default)
    return f"{registry.rstrip('/')}/{rest}"
