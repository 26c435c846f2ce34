"""The platform's programs that run "as pods" in the suite, installed once from the package registries.

Python programs (JupyterHub, KubeSpawner, the idle culler, the single-user server, an S3 server) go into
one virtual environment made from the system interpreter, and configurable-http-proxy into an npm prefix. The
AI Library's model servers get an environment of their own (MLServer 1.7.1 and the models' dependencies) and a
copy of the checkout's ``odh_ai_library``; Prometheus is copied from the testbed build. All live outside root's home (mode 700), under :func:`programs_root`, because the pods' programs run
as the pods' non-root users. Each step prints one line with its elapsed time; a complete install is
marked by a stamp file, so an interrupted one is redone.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from testbed import build, versions

# Pinned releases (z2jh 4.4.0 runs JupyterHub 5.x, KubeSpawner 7.x and configurable-http-proxy 5.x).
PYTHON_PACKAGES = (
    "jupyterhub==5.5.4",
    "jupyterhub-kubespawner==7.1.0",
    "jupyterhub-idle-culler==2.0.0",
    "jupyter_server==2.21.1",
    "ipykernel==7.4.0",
    "jupyterlab==4.6.6",
    "boto3==1.44.8",
    "moto[server]==5.2.5",
)
NPM_PACKAGES = ("configurable-http-proxy@5.2.0",)
SPARK_OPERATOR_MODULE = "github.com/kubeflow/spark-operator/v2@v2.5.2"
# spark-submit's jars from Maven Central (4.0.2: the newest 4.0 release served here), Scala 2.13, on Java 17.
SPARK_VERSION = "4.0.2"
SPARK_ARTIFACTS = ("spark-core_2.13", "spark-kubernetes_2.13", "spark-sql_2.13")
# The AI Library image's environment (ai_library/pyproject.toml's dependencies and its s3 extra), pinned to the
# versions its models were trained and tested with; the odh_ai_library package itself comes from the checkout.
AI_LIBRARY_PACKAGES = (
    "mlserver==1.7.1",
    "vadersentiment==3.3.2",
    "scikit-learn==1.9.1",
    "numpy==2.4.6",
    "scipy==1.17.1",
    "boto3==1.44.8",
)
AI_LIBRARY_SOURCE = Path(__file__).resolve().parent.parent / "ai_library" / "odh_ai_library"
SYSTEM_PYTHON = "/usr/bin/python3"
STAMP = ".complete"


def programs_root() -> Path:
    """Where the programs are installed: readable by every user (``$ODH_TESTBED_PROGRAMS`` overrides)."""
    return Path(os.environ.get("ODH_TESTBED_PROGRAMS", "/var/cache/odh-testbed"))


def _key(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def python_env() -> Path:
    """The virtual environment holding the Python programs (its ``bin`` is the pods' PATH head)."""
    return programs_root() / f"python-{_key(SYSTEM_PYTHON, *PYTHON_PACKAGES)}"


def npm_prefix() -> Path:
    """The npm prefix holding configurable-http-proxy (``bin/configurable-http-proxy``)."""
    return programs_root() / f"npm-{_key(*NPM_PACKAGES)}"


def _run(argv: list[str]) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")


def _install_venv(target: Path, packages: tuple[str, ...]) -> None:
    _run([SYSTEM_PYTHON, "-m", "venv", str(target)])
    _run([str(target / "bin/pip"), "install", "-q", "--disable-pip-version-check", *packages])


def _install_python(target: Path) -> None:
    _install_venv(target, PYTHON_PACKAGES)


def _install_npm(target: Path) -> None:
    target.mkdir(parents=True)
    _run(["npm", "install", "--silent", "--no-audit", "--no-fund", "-g", "--prefix", str(target), *NPM_PACKAGES])


def spark_operator_dir() -> Path:
    """Holds ``spark-operator``, built from the module at the pinned release."""
    return programs_root() / f"spark-operator-{_key(SPARK_OPERATOR_MODULE)}"


def spark_home() -> Path:
    """A SPARK_HOME: ``jars/`` from Maven Central and ``bin/spark-submit`` running SparkSubmit on Java."""
    return programs_root() / f"spark-{_key(SPARK_VERSION, *SPARK_ARTIFACTS)}"


def ai_library_env() -> Path:
    """The virtual environment of the AI Library's image: MLServer 1.7.1 and the models' dependencies."""
    return programs_root() / f"ai-library-env-{_key(SYSTEM_PYTHON, *AI_LIBRARY_PACKAGES)}"


def _source_key(root: Path) -> str:
    """A digest of a source tree's files (names and contents, caches left out)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def ai_library_package() -> Path:
    """A folder holding this checkout's ``odh_ai_library`` (code and trained model files), for ``PYTHONPATH``:
    keyed by its contents, so a changed model is served as changed."""
    return programs_root() / f"odh-ai-library-{_source_key(AI_LIBRARY_SOURCE)}"


def _install_ai_library_env(target: Path) -> None:
    _install_venv(target, AI_LIBRARY_PACKAGES)


def _copy_ai_library(target: Path) -> None:
    target.mkdir(parents=True)
    shutil.copytree(AI_LIBRARY_SOURCE, target / AI_LIBRARY_SOURCE.name,
                    ignore=shutil.ignore_patterns("__pycache__"))


def prometheus_dir() -> Path:
    """Holds ``prometheus`` and ``promtool`` as testbed.build built them (the build cache is under root's home,
    which the image's user, nobody, cannot read)."""
    return programs_root() / f"prometheus-{_key(versions.PROMETHEUS_MODULE)}"


def _copy_prometheus(target: Path) -> None:
    built = build.ensure_built()
    target.mkdir(parents=True)
    for name in ("prometheus", "promtool"):
        shutil.copy2(built / name, target / name)


def _build_spark_operator(target: Path) -> None:
    """``go install`` refuses the module (replace directives), so build inside a writable copy of it."""
    env = dict(os.environ, GOFLAGS="-mod=mod", CGO_ENABLED="0", GOWORK="off")
    info = subprocess.run(["go", "mod", "download", "-json", SPARK_OPERATOR_MODULE], capture_output=True, text=True,
                          env=env, cwd="/")
    if info.returncode != 0:
        raise RuntimeError(f"go mod download {SPARK_OPERATOR_MODULE} failed:\n{info.stderr[-3000:]}")
    source = Path(json.loads(info.stdout)["Dir"])
    target.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="odh-spark-operator-") as tmp:
        work = Path(tmp) / "src"
        shutil.copytree(source, work)
        for path in [work, *work.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o200)
        built = subprocess.run(["go", "build", "-trimpath", "-ldflags", "-s -w", "-o", str(target / "spark-operator"),
                                "./cmd/operator"], cwd=work, env=env, capture_output=True, text=True)
        if built.returncode != 0:
            raise RuntimeError(f"go build spark-operator failed:\n{built.stderr[-4000:]}")


def _install_spark(target: Path) -> None:
    deps = "".join(f"<dependency><groupId>org.apache.spark</groupId><artifactId>{a}</artifactId>"
                   f"<version>{SPARK_VERSION}</version></dependency>" for a in SPARK_ARTIFACTS)
    target.mkdir(parents=True)
    (target / "pom.xml").write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>odh.testbed</groupId><artifactId>spark-home</artifactId><version>1</version>"
        f"<dependencies>{deps}</dependencies></project>\n")
    _run(["mvn", "-q", "-B", "-f", str(target / "pom.xml"), "dependency:copy-dependencies",
          f"-DoutputDirectory={target / 'jars'}", "-DincludeScope=runtime"])
    (target / "bin").mkdir()
    submit = target / "bin" / "spark-submit"
    submit.write_text('#!/bin/sh\nSPARK_HOME="${SPARK_HOME:-$(dirname "$0")/..}"\n'
                      'exec java -cp "$SPARK_HOME/conf:$SPARK_HOME/jars/*" org.apache.spark.deploy.SparkSubmit "$@"\n')
    submit.chmod(0o755)
    (target / "conf").mkdir()


@dataclass(frozen=True)
class Install:
    """One cached install: a directory made by ``make`` and marked complete by a stamp."""

    name: str
    target: Callable[[], Path]
    make: Callable[[Path], None]

    def done(self) -> bool:
        """Whether the install is complete in the cache."""
        return (self.target() / STAMP).is_file()

    def ensure(self) -> None:
        """Install unless complete, printing one line with the elapsed time."""
        if self.done():
            return
        target = self.target()
        shutil.rmtree(target, ignore_errors=True)
        print(f"installing {self.name} into {target} ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        self.make(target)
        for path in [target, *target.rglob("*")]:  # the pods' users read and run it
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o444 | (0o111 if path.is_dir() or path.stat().st_mode & 0o100 else 0))
        (target / STAMP).write_text("")
        print(f"installed {self.name} in {time.monotonic() - started:.0f}s", file=sys.stderr, flush=True)


INSTALLS = (
    Install("python programs (" + ", ".join(PYTHON_PACKAGES) + ")", python_env, _install_python),
    Install("npm programs (" + ", ".join(NPM_PACKAGES) + ")", npm_prefix, _install_npm),
    Install(f"spark-operator ({SPARK_OPERATOR_MODULE}, go build)", spark_operator_dir, _build_spark_operator),
    Install(f"Spark {SPARK_VERSION} jars for spark-submit (Maven Central)", spark_home, _install_spark),
    Install("ai-library environment (" + ", ".join(AI_LIBRARY_PACKAGES) + ")", ai_library_env, _install_ai_library_env),
    Install("ai-library package (odh_ai_library of this checkout)", ai_library_package, _copy_ai_library),
    Install(f"prometheus ({versions.PROMETHEUS_MODULE}, from the testbed build)", prometheus_dir, _copy_prometheus),
)


def ensure_installed(*names: str) -> None:
    """Install whatever is missing (of the installs whose names start with ``names``, default all); one lock
    per install makes concurrent callers wait for it, not for the others."""
    root = programs_root()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    for install in INSTALLS:
        if install.done() or (names and not install.name.startswith(names)):
            continue
        with (root / f"{install.target().name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            install.ensure()
