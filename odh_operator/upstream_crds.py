"""Extract the upstream CRDs, with their real schemas, from the Go module proxy at the pinned releases.

``python -m odh_operator.upstream_crds`` downloads each pinned module (``go mod download -json``), takes the
CustomResourceDefinitions from the files upstream ships, and writes them as static YAML into the component's
manifest folder (``manifests/<component>/0050_crds.yaml``). ``--check`` reports stale files instead of writing.
Nothing is edited but one label: deleting a CRD deletes every resource of its kind, so each is marked as data.
The same run writes the CRDs the test control plane needs to look like OpenShift (``testbed/openshift_crds.yaml``,
unchanged, no label): the operator never installs those itself.
"""

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from odh_operator.labels import DATA
from odh_operator.resources import manifests_dir

Object = dict[str, Any]
OUTPUT_NAME = "0050_crds.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

ROOK_MODULE = ("github.com/rook/rook", "v1.20.6")
SPARK_MODULE = ("github.com/kubeflow/spark-operator/v2", "v2.5.2")
OPENSHIFT_API_MODULE = ("github.com/openshift/api", "v0.0.0-20260709102940-580f1c1ba691")
# The ceph-csi-operator kinds Rook 1.20 writes once the mons are up (pkg/operator/ceph/csi/ceph_connection.go,
# config.go): without their CRDs the CephCluster reconcile fails. Rook ships them in csi-operator.yaml,
# generated from the ceph-csi-operator release its go.mod pins; the CSI driver itself is not installed.
CSI_CRDS_ROOK_WRITES = frozenset({"cephconnections.csi.ceph.io", "clientprofiles.csi.ceph.io"})


def _group(crd: Object) -> str:
    group: str = crd["spec"]["group"]
    return group


@dataclass(frozen=True)
class Source:
    """CRDs from one file of one Go module: which ones to keep."""

    module: str
    version: str
    path: str  # inside the module; a folder means every *.yaml in it
    keep: Callable[[Object], bool]


# Component folder -> where its CRDs come from. Every ceph.rook.io kind: Rook lists them all at start-up
# (each controller's watch) and before deleting a CephCluster (pkg/operator/ceph/cluster/dependents.go).
# The objectbucket.io CRDs in crds.yaml are left out: they serve the ObjectBucketClaim provisioner, which
# the operator Deployment turns off (ROOK_DISABLE_OBJECT_BUCKET_CLAIM).
SOURCES: dict[str, tuple[Source, ...]] = {
    "rook-ceph": (
        Source(*ROOK_MODULE, "deploy/examples/crds.yaml", lambda crd: _group(crd) == "ceph.rook.io"),
        Source(*ROOK_MODULE, "deploy/examples/csi-operator.yaml",
               lambda crd: crd["metadata"]["name"] in CSI_CRDS_ROOK_WRITES),
    ),
    "spark-operator": (
        Source(*SPARK_MODULE, "charts/spark-operator-chart/crds", lambda crd: True),
    ),
}



def _every(crd: Object) -> bool:
    return True


# The test control plane's OpenShift kinds (testbed file name -> sources): SCCs and Routes, whose group
# versions make Auto pick OpenShift, and ClusterVersion. openshift/api generates one CRD per feature set
# where a kind has gated fields; the Default set is what a cluster runs unless an admin opts in.
_OPENSHIFT_CRDS = "{}/v1/zz_generated.crd-manifests/{}"
TESTBED_SOURCES: dict[str, tuple[Source, ...]] = {
    "openshift_crds.yaml": (
        Source(*OPENSHIFT_API_MODULE, _OPENSHIFT_CRDS.format(
            "security", "0000_03_config-operator_01_securitycontextconstraints.crd.yaml"), _every),
        Source(*OPENSHIFT_API_MODULE, _OPENSHIFT_CRDS.format("route", "routes.crd.yaml"), _every),
        Source(*OPENSHIFT_API_MODULE, _OPENSHIFT_CRDS.format(
            "config", "0000_00_cluster-version-operator_01_clusterversions-Default.crd.yaml"), _every),
    ),
}


@dataclass(frozen=True)
class Output:
    """One generated file: where it goes, where its CRDs come from, whether they carry the data label."""

    path: Path
    sources: tuple[Source, ...]
    data_label: bool


def testbed_dir() -> Path:
    """The checkout's ``testbed`` folder (the test harness; not part of the operator's wheel)."""
    return Path(__file__).resolve().parent.parent / "testbed"


def outputs(root: Path | None = None, testbed: Path | None = None) -> dict[str, Output]:
    """Every generated file by name: components' CRDs (under ``root``), then the testbed's (when it is there)."""
    found = {c: Output(output_path(c, root), sources, True) for c, sources in SOURCES.items()}
    folder = testbed or testbed_dir()
    if folder.is_dir():
        found |= {f"testbed/{name}": Output(folder / name, sources, False) for name, sources in TESTBED_SOURCES.items()}
    return found


@cache
def module_dir(module: str, version: str) -> Path:
    """The module's extracted source in the Go module cache, downloaded from the proxy when missing."""
    done = subprocess.run(
        ["go", "mod", "download", "-json", f"{module}@{version}"],
        capture_output=True, text=True, check=False,
    )
    info = json.loads(done.stdout or "{}")
    if done.returncode != 0 or "Dir" not in info:
        raise RuntimeError(f"go mod download {module}@{version} failed: {info.get('Error') or done.stderr.strip()}")
    return Path(info["Dir"])


def _files(root: Path, path: str) -> list[Path]:
    target = root / path
    return sorted(target.glob("*.yaml")) if target.is_dir() else [target]


def extract(source: Source, data_label: bool = True) -> list[Object]:
    """The CRDs the source selects, in upstream file order, with the data label added (unless told not to)."""
    crds: list[Object] = []
    for file in _files(module_dir(source.module, source.version), source.path):
        for document in yaml.load_all(file.read_text(), Loader=_LOADER):
            if not document or document.get("kind") != "CustomResourceDefinition" or not source.keep(document):
                continue
            document.pop("status", None)
            metadata = document["metadata"]
            metadata.pop("creationTimestamp", None)
            if data_label:
                metadata["labels"] = {**(metadata.get("labels") or {}), DATA: "true"}
            crds.append(document)
    return crds


def header(sources: tuple[Source, ...], data_label: bool = True) -> str:
    """The comment naming where the file comes from."""
    if data_label:
        lines = ["# Generated by `python -m odh_operator.upstream_crds`; do not edit. Upstream CRDs, unchanged but for",
                 f"# the {DATA} label, from the Go module proxy:"]
    else:
        lines = ["# Generated by `python -m odh_operator.upstream_crds`; do not edit. Upstream CRDs, unchanged,",
                 "# from the Go module proxy:"]
    lines += [f"#   {s.module}@{s.version} {s.path}" for s in sources]
    return "\n".join(lines) + "\n"


def render_file(sources: tuple[Source, ...], data_label: bool = True) -> str:
    """The static YAML file for one component (or the testbed)."""
    documents = [crd for source in sources for crd in extract(source, data_label)]
    body = "".join(
        "---\n" + yaml.dump(d, Dumper=_DUMPER, sort_keys=False, width=120, allow_unicode=True) for d in documents
    )
    return header(sources, data_label) + body


def output_path(component: str, root: Path | None = None) -> Path:
    """Where a component's upstream CRDs are committed."""
    return (root or manifests_dir()) / component / OUTPUT_NAME


def stale(root: Path | None = None, testbed: Path | None = None) -> list[str]:
    """Outputs (components, ``testbed/<file>``) whose committed CRDs differ from the pinned upstream releases'."""
    found = []
    for name, out in outputs(root, testbed).items():
        expected = list(yaml.load_all(render_file(out.sources, out.data_label), Loader=_LOADER))
        current = list(yaml.load_all(out.path.read_text(), Loader=_LOADER)) if out.path.exists() else None
        if current != expected:
            found.append(name)
    return found


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, verify) every component's upstream CRD file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed file is stale")
    parser.add_argument("--root", type=Path, default=None, help="the manifests folder (default: the package's)")
    parser.add_argument("--testbed", type=Path, default=None, help="the testbed folder (default: the checkout's)")
    args = parser.parse_args(argv)
    found = outputs(args.root, args.testbed)
    if args.check:
        outdated = stale(args.root, args.testbed)
        for name in outdated:
            print(f"stale: {found[name].path}", file=sys.stderr)
        return 1 if outdated else 0
    for out in found.values():
        out.path.write_text(render_file(out.sources, out.data_label))
        print(f"wrote {out.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
