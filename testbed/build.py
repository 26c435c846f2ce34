"""Build the control-plane binaries from source through the Go module proxy, once per version.

The binaries are cached under ``$XDG_CACHE_HOME/odh-operator/cluster/<key>/`` (default
``~/.cache``) and reused on later runs; a fresh machine pays the cold build once.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from testbed import versions

KUBE_VERSION_PKG = "k8s.io/component-base/version"
KUBECTL_VERSION_PKG = "k8s.io/client-go/pkg/version"
KWOK_STAGES = ("node/fast", "node/heartbeat-with-lease", "pod/fast")


@dataclass(frozen=True)
class GoBuild:
    """One scratch Go module that requires ``module@version`` and builds some of its packages."""

    name: str
    module: str
    version: str
    binaries: dict[str, str]  # binary name -> package path
    ldflags: dict[str, str] = field(default_factory=dict)  # binary name -> -ldflags
    staging_replaces: bool = False
    tags: str = ""  # go build -tags


def cache_root() -> Path:
    """The directory under which built binaries are cached."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "odh-operator" / "cluster"


def _version_flags(pkg: str, version: str) -> str:
    """Linker flags that stamp a Kubernetes version into ``pkg``, as release builds do."""
    major, minor = version.lstrip("v").split(".")[:2]
    return (
        f"-X {pkg}.gitVersion={version} -X {pkg}.gitMajor={major} "
        f"-X {pkg}.gitMinor={minor} -X {pkg}.gitTreeState=clean"
    )


def _one_binary(name: str, module: str, version: str, package: str, ldflags: str = "") -> GoBuild:
    """A build of one binary, named ``name``, from the package at ``package`` (relative) inside ``module``."""
    return GoBuild(
        name=name,
        module=module,
        version=version,
        binaries={name: f"{module}/{package}".rstrip("/")},
        ldflags={name: ldflags} if ldflags else {},
    )


def builds() -> list[GoBuild]:
    """The scratch modules: the control plane (Kubernetes, etcd, kwok) and the tools the suite runs."""
    kube = versions.KUBERNETES
    server_flags = f"-s -w {_version_flags(KUBE_VERSION_PKG, kube)}"
    return [
        GoBuild(
            name="kubernetes",
            module="k8s.io/kubernetes",
            version=kube,
            binaries={
                "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
                "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
                "kube-scheduler": "k8s.io/kubernetes/cmd/kube-scheduler",
                "kubectl": "k8s.io/kubernetes/cmd/kubectl",
            },
            ldflags={
                "kube-apiserver": server_flags,
                "kube-controller-manager": server_flags,
                "kube-scheduler": server_flags,
                "kubectl": f"{server_flags} {_version_flags(KUBECTL_VERSION_PKG, kube)}",
            },
            staging_replaces=True,
        ),
        _one_binary("etcd", "go.etcd.io/etcd/server/v3", versions.ETCD, "", ldflags="-s -w"),
        _one_binary("kwok", "sigs.k8s.io/kwok", versions.KWOK, "cmd/kwok", ldflags="-s -w"),
        GoBuild(
            name="prometheus",
            module="github.com/prometheus/prometheus",
            version=versions.PROMETHEUS_MODULE,
            binaries={
                "prometheus": "github.com/prometheus/prometheus/cmd/prometheus",
                "promtool": "github.com/prometheus/prometheus/cmd/promtool",
            },
            tags="netgo,remove_all_sd,enable_kubernetes_sd",
        ),
        _one_binary("operator-verify", "github.com/operator-framework/api", versions.OPERATOR_FRAMEWORK_API,
                    "cmd/operator-verify"),
        _one_binary("actionlint", "github.com/rhysd/actionlint", versions.ACTIONLINT, "cmd/actionlint"),
    ]


def bin_dir() -> Path:
    """Where the binaries for the pinned versions live."""
    key = f"k8s-{versions.KUBERNETES}_etcd-{versions.ETCD}_kwok-{versions.KWOK}"
    return cache_root() / key / "bin"


def stages_dir() -> Path:
    """Where kwok's stage configuration files are copied."""
    return bin_dir().parent / "kwok-stages"


def _go(args: list[str], cwd: Path) -> str:
    env = dict(os.environ, GOFLAGS="-mod=mod", CGO_ENABLED="0", GOWORK="off")
    proc = subprocess.run(["go", *args], cwd=cwd, env=env, text=True, capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(f"go {' '.join(args)} failed in {cwd}:\n{proc.stderr[-4000:]}")
    return proc.stdout


def _staging_replaces(workdir: Path, module: str, version: str) -> list[str]:
    """Every ``=> ./staging/...`` replace of the Kubernetes go.mod, pointed at ``v0.x.y``."""
    gomod = _go(["mod", "download", "-json", f"{module}@{version}"], workdir)
    path = re.search(r'"GoMod":\s*"([^"]+)"', gomod)
    if not path:
        raise RuntimeError(f"no go.mod path for {module}@{version}")
    text = Path(path.group(1)).read_text()
    staging_version = "v0" + version[version.index(".") :]
    names = re.findall(r"^\s*(\S+)\s*=>\s*\./staging/", text, flags=re.M)
    return [f"replace {name} => {name} {staging_version}" for name in names]


def _build_one(spec: GoBuild, out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix=f"odh-build-{spec.name}-") as tmp:
        work = Path(tmp)
        (work / "go.mod").write_text(f"module odhbuild/{spec.name}\n\ngo 1.26.0\n")
        lines = [f"require {spec.module} {spec.version}"]
        if spec.staging_replaces:
            lines += _staging_replaces(work, spec.module, spec.version)
        with (work / "go.mod").open("a") as fh:
            fh.write("\n".join(lines) + "\n")
        imports = "\n".join(f'\t_ "{pkg}"' for pkg in spec.binaries.values())
        (work / "tools.go").write_text(
            f"//go:build tools\n\npackage tools\n\nimport (\n{imports}\n)\n"
        )
        _go(["mod", "tidy"], work)
        for binary, pkg in spec.binaries.items():
            started = time.monotonic()
            flags = spec.ldflags.get(binary, "-s -w")
            partial = out / f".{binary}.partial"  # renamed when complete: a half-written binary is never "built"
            tags = ["-tags", spec.tags] if spec.tags else []
            _go(["build", "-trimpath", *tags, "-ldflags", flags, "-o", str(partial), pkg], work)
            partial.rename(out / binary)
            print(f"built {binary} in {time.monotonic() - started:.0f}s", file=sys.stderr, flush=True)


def _copy_kwok_stages(workdir: Path) -> None:
    info = _go(["mod", "download", "-json", f"sigs.k8s.io/kwok@{versions.KWOK}"], workdir)
    src = re.search(r'"Dir":\s*"([^"]+)"', info)
    if not src:
        raise RuntimeError("kwok module directory not found")
    dest = stages_dir()
    dest.mkdir(parents=True, exist_ok=True)
    for stage in KWOK_STAGES:
        for yaml_file in sorted((Path(src.group(1)) / "kustomize/stage" / stage).glob("*.yaml")):
            if yaml_file.name != "kustomization.yaml":
                target = dest / f"{stage.replace('/', '-')}-{yaml_file.name}"
                shutil.copyfile(yaml_file, target)


def missing() -> list[str]:
    """Binaries (and the kwok stages) not yet in the cache."""
    names = [b for spec in builds() for b in spec.binaries]
    absent = [n for n in names if not (bin_dir() / n).is_file()]
    if not any(stages_dir().glob("*.yaml")):
        absent.append("kwok-stages")
    return absent


def ensure_built() -> Path:
    """Build whatever is missing from the cache and return the binary directory.

    A lock file beside the cache makes concurrent callers wait for one build instead of racing it.
    """
    out = bin_dir()
    if not missing():
        return out
    out.mkdir(parents=True, exist_ok=True)
    with (out.parent / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if missing():
            _build_missing(out)
    return out


def _build_missing(out: Path) -> None:
    started = time.monotonic()
    for spec in builds():
        if any(not (out / b).is_file() for b in spec.binaries):
            _build_one(spec, out)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "go.mod").write_text("module odhbuild/stages\n\ngo 1.26.0\n")
        _copy_kwok_stages(Path(tmp))
    print(f"control plane built in {time.monotonic() - started:.0f}s into {out}", file=sys.stderr)
