"""A notebook user's day on the real platform software: the operator's rendered hub, proxy and notebook pods run
as real programs (JupyterHub 5.5 with KubeSpawner 7 and the idle culler, configurable-http-proxy 5,
jupyterhub-singleuser) through the pod runner. The user logs in through the proxy with the generated shared
password, spawns a server from a profile, runs code through the Jupyter kernel protocol, and the real culler
stops the idle server after the timeout the spec sets."""

from pathlib import Path

from testbed.control_plane import Cluster
from testbed.harness import Operator, wait_for
from testbed.pod_runner import wait_running
from tests.e2e.notebook_user import USER, login, open_server, run_in_kernel, running_platform, secret_value, spawn, user_pod

CULL_TIMEOUT = 300  # the smallest idle timeout the spec accepts


def test_notebook_user_logs_in_spawns_runs_code_and_culling_stops_the_idle_server(
    cluster: Cluster, operator: Operator, namespace: str, tmp_path: Path
) -> None:
    spec = {"jupyterHub": {"enabled": True, "culling": {"enabled": True, "timeoutSeconds": CULL_TIMEOUT}}}
    with running_platform(cluster, namespace, spec, tmp_path) as platform:
        session = login(platform.base, secret_value(cluster, namespace, "jupyterhub", "user-password"))
        spawn(session, platform.base, "minimal")

        pod = wait_for("the user's pod", lambda: user_pod(cluster, namespace), timeout=120)
        container = pod["spec"]["containers"][0]
        assert container["image"] == "quay.io/jupyter/minimal-notebook:2025-12-15"
        assert container["resources"]["limits"]["memory"] == str(2 * 2**30)  # the Small size
        claim = f"claim-{USER}"
        assert cluster.kubectl("get", "pvc", claim, "-n", namespace).returncode == 0
        started = wait_running(platform.runner, namespace, pod["metadata"]["name"], timeout=60)
        open_server(session, platform.base)

        out = run_in_kernel(session, platform.base, "import os, pathlib\n"
                            "pathlib.Path('notes.txt').write_text('kept')\n"
                            "print(os.getuid(), os.getgid(), os.getcwd(), os.environ['JUPYTERHUB_USER'])")
        assert out.split() == ["1000", "100", "/home/jovyan", USER]

        # Idle from now on: the culler (a hub service with the spec's timeout) stops the server and KubeSpawner
        # deletes the pod; the home directory's claim and its file stay.
        wait_for("the culler to stop the idle server", lambda: user_pod(cluster, namespace) is None or None,
                 timeout=CULL_TIMEOUT * 2 + 120, interval=5)
        wait_for("the program to stop with its pod", lambda: started.process.poll() is not None, timeout=60)
        volume = cluster.kubectl("get", "pvc", claim, "-n", namespace, "-o", "jsonpath={.spec.volumeName}").stdout
        home = Path(cluster.kubectl("get", "pv", volume, "-o", "jsonpath={.spec.hostPath.path}").stdout)
        assert (home / "notes.txt").read_text() == "kept"
        assert (home / "notes.txt").stat().st_uid == 1000
        hub_log = next(platform.runner.workdir.glob("*jupyterhub-hub*/hub.log")).read_text()
        assert f"Culling server {USER}" in hub_log
