"""``python -m testbed build|up|down|env|status``: a persistent loopback test cluster.

``up`` starts the control plane in a fixed work dir (``$XDG_RUNTIME_DIR/odh-test-cluster`` or
``/tmp/odh-test-cluster``, override with ``--workdir``) and leaves it running; ``down`` stops it.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from testbed import build, programs
from testbed.control_plane import STATE_FILE, Cluster, ClusterError, default_state_dir


def _exports(cluster: Cluster) -> str:
    """Shell lines for ``eval "$(python -m testbed env)"``."""
    kubeconfig = shlex.quote(str(cluster.kubeconfig))
    path = shlex.quote(str(cluster.bin_dir))
    return f'export KUBECONFIG={kubeconfig}\nexport PATH={path}:"$PATH"'


def _attached(workdir: Path) -> Cluster | None:
    """The cluster recorded in ``workdir`` if any."""
    return Cluster.attach(workdir) if (workdir / STATE_FILE).is_file() else None


def cmd_build(_: Path) -> int:
    """Build the binaries and install the programs run as pods, if they are not cached yet."""
    print(build.ensure_built())
    programs.ensure_installed()
    return 0


def cmd_up(workdir: Path) -> int:
    """Start the cluster unless it already runs, then print the exports."""
    cluster = _attached(workdir)
    if cluster is not None and cluster.running():
        print(f"# already running in {workdir}", file=sys.stderr)
    else:
        if cluster is not None:
            cluster.stop(remove=False)  # half-dead leftovers
        build.ensure_built()
        cluster = Cluster(workdir=workdir, remove_workdir=False)
        try:
            cluster.start()
        except ClusterError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"# started in {cluster.startup_seconds:.1f}s, work dir {workdir}", file=sys.stderr)
    print(_exports(cluster))
    return 0


def cmd_down(workdir: Path) -> int:
    """Stop the cluster recorded in the work dir."""
    cluster = _attached(workdir)
    if cluster is None:
        print(f"# no cluster in {workdir}", file=sys.stderr)
        return 0
    cluster.stop(remove=True)
    print(f"# stopped, removed {workdir}", file=sys.stderr)
    return 0


def cmd_env(workdir: Path) -> int:
    """Print the exports for the running cluster."""
    cluster = _attached(workdir)
    if cluster is None or not cluster.running():
        print(
            f"error: no running cluster in {workdir}; run `python -m testbed up`",
            file=sys.stderr,
        )
        return 1
    print(_exports(cluster))
    return 0


def cmd_status(workdir: Path) -> int:
    """Print each process with its pid, liveness and memory."""
    cluster = _attached(workdir)
    if cluster is None:
        print(f"no cluster in {workdir}")
        return 1
    rss = cluster.rss_mib()
    for proc in cluster.processes:
        state = "running" if proc.alive() else "DEAD"
        print(f"{proc.name:25} pid {proc.pid:<8} {state:8} {rss[proc.name]:7.1f} MiB")
    print(f"server {cluster.server}  total {sum(rss.values()):.1f} MiB")
    return 0 if cluster.running() else 1


COMMANDS = {
    "build": cmd_build,
    "up": cmd_up,
    "down": cmd_down,
    "env": cmd_env,
    "status": cmd_status,
}


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="python -m testbed", description=__doc__)
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("--workdir", type=Path, default=default_state_dir())
    args = parser.parse_args(argv)
    return COMMANDS[args.command](args.workdir.resolve())


if __name__ == "__main__":
    sys.exit(main())
