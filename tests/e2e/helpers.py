"""Moved to testbed.platform (bench/ needs it too); import from there. Kept while older imports remain."""

from testbed.platform import *  # noqa: F403
