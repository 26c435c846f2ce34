"""Shared pytest fixtures: paths and example resources."""

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def load_example(name: str) -> dict[str, Any]:
    """One of the examples/ files as a dict."""
    document: dict[str, Any] = yaml.safe_load((EXAMPLES / name).read_text())
    return document


@pytest.fixture
def full_example() -> dict[str, Any]:
    """examples/opendatahub-full.yaml, namespaced for tests."""
    document = load_example("opendatahub-full.yaml")
    document["metadata"]["namespace"] = "odh-test"
    return document
