"""Moved to testbed.harness (bench/ needs it too); import from there. Kept while older imports remain."""

from testbed.harness import *  # noqa: F403
