"""Shared pytest fixtures: paths and example resources."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from testbed.platform import EXAMPLES, load_example  # noqa: F401  (shared with bench/)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def full_example() -> dict[str, Any]:
    """examples/opendatahub-full.yaml, namespaced for tests."""
    document = load_example("opendatahub-full.yaml")
    document["metadata"]["namespace"] = "odh-test"
    return document
