"""Static manifests (``manifests/<component>/NNNN_name.yaml``, e.g. upstream CRDs): parsed once.

The upstream CRDs are megabytes of YAML; parsing them on every reconcile would cost more than the rest of
the render. The parsed documents are kept pickled (compact), and every caller gets its own deep copy.
"""

import pickle
from functools import cache
from typing import Any

import yaml

from odh_operator.resources import manifests_dir

Object = dict[str, Any]
SUFFIX = ".yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def _blob(name: str) -> bytes:
    text = (manifests_dir() / name).read_text()
    return pickle.dumps([d for d in yaml.load_all(text, Loader=_LOADER) if d], pickle.HIGHEST_PROTOCOL)


def documents(name: str) -> list[Object]:
    """A fresh deep copy of the documents of ``<component>/<file>.yaml``: callers may change it freely."""
    found: list[Object] = pickle.loads(_blob(name))
    return found


@cache
def shared(name: str) -> tuple[Object, ...]:
    """The documents of ``<component>/<file>.yaml`` parsed once and shared by every render: never change them
    (the renderer stamps labels on copies of the top-level maps only, so every platform and pass shares one
    copy of megabytes of upstream CRD schemas)."""
    return tuple(documents(name))
