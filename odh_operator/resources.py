"""Locate the templates and CRDs, in an installed wheel or in a source checkout."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    installed = _PACKAGE / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


def manifests_dir() -> Path:
    """The folder holding ``<component>/*.yaml.j2`` templates."""
    return _data_dir("manifests")


def crds_dir() -> Path:
    """The folder holding the generated OpenDataHub CRD."""
    return _data_dir("crds")
