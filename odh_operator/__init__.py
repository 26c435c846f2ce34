"""odh-operator: installs and runs the Open Data Hub AI platform from one custom resource."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("odh-operator")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+checkout"
