"""The pod runner on the real control plane: a kwok pod's program runs with the pod's env, files, token, user
and network address, is refused as a kubelet would refuse it, and stops when the pod goes."""

import json
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from testbed.control_plane import Cluster
from testbed.harness import wait_for
from testbed.pod_env import Image
from testbed.pod_network import PodNetwork
from testbed.pod_runner import PodRunner, RunningPod, wait_running

PROBE_IMAGE = "testbed.local/probe:1"
# The probe: answers GET / with what it sees as a pod (identity, env, mounted files, who the API says it is).
PROBE = textwrap.dedent('''
    import json, os, ssl, urllib.request
    from http.server import BaseHTTPRequestHandler, HTTPServer
    SA = "/var/run/secrets/kubernetes.io/serviceaccount"

    def whoami():
        ctx = ssl.create_default_context(cafile=SA + "/ca.crt")
        host, port = os.environ["KUBERNETES_SERVICE_HOST"], os.environ["KUBERNETES_SERVICE_PORT"]
        body = json.dumps({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}).encode()
        req = urllib.request.Request(f"https://{host}:{port}/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                     data=body, method="POST", headers={"Content-Type": "application/json",
                                     "Authorization": "Bearer " + open(SA + "/token").read()})
        return json.load(urllib.request.urlopen(req, context=ctx))["status"]["userInfo"]["username"]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            facts = {"uid": os.getuid(), "gid": os.getgid(), "groups": sorted(os.getgroups()), "env": dict(os.environ),
                     "cwd": os.getcwd(), "namespace": open(SA + "/namespace").read(), "whoami": whoami(),
                     "config": open("/etc/probe/greeting").read(), "data_link": os.readlink("/etc/probe/..data"),
                     "hosts": open("/etc/hosts").read()}
            body = json.dumps(facts).encode()
            self.send_response(200); self.end_headers(); self.wfile.write(body)

    HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
''')


@pytest.fixture
def network(cluster: Cluster) -> Iterator[PodNetwork]:
    host, port = cluster.server.removeprefix("https://").rsplit(":", 1)
    with PodNetwork() as net:
        net.forward_in(("10.96.0.1", 443), (host, int(port)))
        yield net


@pytest.fixture
def runner(cluster: Cluster, network: PodNetwork, namespace: str, tmp_path: Path) -> Iterator[PodRunner]:
    images = {PROBE_IMAGE: Image(entrypoint=["/usr/bin/python3"], env={"PATH": "/usr/bin:/bin"}, user=0)}
    pod_runner = PodRunner(cluster, network, images, tmp_path / "pods", [namespace]).start()
    yield pod_runner
    pod_runner.stop()


def probe_pod(namespace: str, name: str, secret: str = "probe") -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {
            "serviceAccountName": "prober",
            "securityContext": {"runAsNonRoot": True, "runAsUser": 1234, "runAsGroup": 1234, "fsGroup": 4321},
            "containers": [{
                "name": "probe", "image": PROBE_IMAGE, "args": ["/probe/probe.py"], "workingDir": "/probe",
                "env": [{"name": "PORT", "value": "8080"},
                        {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": secret, "key": "password"}}},
                        {"name": "LISTEN", "value": "$(POD_IP):$(PORT)"},
                        {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
                "volumeMounts": [{"name": "code", "mountPath": "/probe", "readOnly": True},
                                 {"name": "config", "mountPath": "/etc/probe", "readOnly": True}],
            }],
            "volumes": [{"name": "code", "configMap": {"name": "probe-code"}},
                        {"name": "config", "configMap": {"name": "probe-config"}}],
        },
    }


def apply(cluster: Cluster, *objects: dict) -> None:
    cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(objects))


def test_a_pod_runs_as_a_kubelet_would_start_it(cluster: Cluster, runner: PodRunner, network: PodNetwork,
                                                namespace: str) -> None:
    apply(cluster,
          {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "prober", "namespace": namespace}},
          {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "probe", "namespace": namespace},
           "stringData": {"password": "hunter2"}},
          {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "probe-code", "namespace": namespace},
           "data": {"probe.py": PROBE}},
          {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "probe-config", "namespace": namespace},
           "data": {"greeting": "hello"}},
          {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "probe", "namespace": namespace},
           "spec": {"selector": {"app": "probe"}, "ports": [{"port": 80, "targetPort": 8080}]}},
          probe_pod(namespace, "probe"))
    running = wait_running(runner, namespace, "probe")
    pod = json.loads(cluster.kubectl("get", "pod", "probe", "-n", namespace, "-o", "json").stdout)
    service_ip = cluster.kubectl("get", "svc", "probe", "-n", namespace, "-o", "jsonpath={.spec.clusterIP}").stdout

    def facts_at(address: tuple[str, int]) -> dict | None:
        host, port = network.expose(address)
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/", timeout=5) as resp:
                return json.load(resp)  # type: ignore[no-any-return]
        except OSError:
            return None

    facts = wait_for("the probe at its pod IP", lambda: facts_at((pod["status"]["podIP"], 8080)), timeout=60)
    assert (facts["uid"], facts["gid"], facts["groups"]) == (1234, 1234, [1234, 4321])
    assert facts["env"]["PASSWORD"] == "hunter2"
    assert facts["env"]["LISTEN"] == "$(POD_IP):8080"  # POD_IP is defined after LISTEN: kept as written
    assert facts["env"]["KUBERNETES_SERVICE_HOST"] == "10.96.0.1"
    assert facts["env"]["PROBE_SERVICE_HOST"] == service_ip
    assert facts["cwd"] == "/probe"
    assert facts["namespace"] == namespace
    assert facts["whoami"] == f"system:serviceaccount:{namespace}:prober"
    assert facts["config"] == "hello"
    assert facts["data_link"].startswith("..")
    assert f"{service_ip}\tprobe.{namespace}.svc.cluster.local" in facts["hosts"]
    # Through the Service: port 80 relayed to the pod's target port 8080.
    assert wait_for("the probe through its Service", lambda: facts_at((service_ip, 80)), timeout=30)["uid"] == 1234

    cluster.kubectl("delete", "pod", "probe", "-n", namespace, "--wait=true", timeout=90)
    wait_for("the program to stop with its pod", lambda: running.process.poll() is not None, timeout=60)


def test_a_pod_a_kubelet_would_refuse_is_refused(cluster: Cluster, runner: PodRunner, namespace: str) -> None:
    apply(cluster,
          {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "prober", "namespace": namespace}},
          {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "probe-code", "namespace": namespace},
           "data": {"probe.py": PROBE}},
          {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "probe-config", "namespace": namespace},
           "data": {"greeting": "hello"}},
          probe_pod(namespace, "refused", secret="absent"))
    with pytest.raises(Exception, match='secret "absent" not found'):
        wait_running(runner, namespace, "refused")

    def event() -> str | None:
        out = cluster.kubectl("get", "events", "-n", namespace, "--field-selector", "involvedObject.name=refused",
                              "-o", "jsonpath={.items[*].message}").stdout
        return out if "absent" in out else None

    assert 'Error: secret "absent" not found' in wait_for("the Failed event", event, timeout=30)
    time.sleep(2)
    assert runner.started(namespace, "refused") is None


def test_a_stopped_pod_leaves_the_mounts_of_a_pod_on_the_same_path_in_place(
    cluster: Cluster, runner: PodRunner, namespace: str, tmp_path: Path
) -> None:
    """Pods of one image mount at the same paths (the model servers' /mnt/models, the hub's config folder). The
    folder a mount needs is made on the host; removing it when one pod stops would detach every other running
    pod's mount there (Linux lazily unmounts a removed mount point in all mount namespaces)."""
    shared = tmp_path / "shared" / "config"  # missing on the host: the runner makes it
    sleeper = {"name": "probe", "image": PROBE_IMAGE, "args": ["-c", "import time; time.sleep(3600)"],
               "volumeMounts": [{"name": "config", "mountPath": str(shared), "readOnly": True}]}
    pods = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
             "spec": {"automountServiceAccountToken": False, "containers": [sleeper],
                      "volumes": [{"name": "config", "configMap": {"name": "probe-config"}}]}}
            for name in ("first", "second")]
    apply(cluster, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "probe-config", "namespace": namespace},
                    "data": {"greeting": "hello"}}, *pods)
    first, second = (wait_running(runner, namespace, name) for name in ("first", "second"))

    def seen_by(pod: RunningPod) -> str | None:  # the file as the program sees it, through its own mount namespace
        path = Path(f"/proc/{pod.process.pid}/root") / shared.relative_to("/") / "greeting"
        try:
            return path.read_text()
        except OSError:
            return None

    assert wait_for("both programs to see the mounted file",
                    lambda: seen_by(first) == seen_by(second) == "hello", timeout=30)
    cluster.kubectl("delete", "pod", "first", "-n", namespace, "--wait=true", timeout=90)
    wait_for("the runner to stop the first pod", lambda: runner.started(namespace, "first") is None, timeout=60)
    assert first.process.poll() is not None
    assert seen_by(second) == "hello", "the second pod lost its mount when the first one stopped"


def test_an_isolated_pod_resolves_a_service_created_after_it_started(
    cluster: Cluster, runner: PodRunner, namespace: str
) -> None:
    """A pod in its own network namespace has its own hosts file; a kubelet's pod resolves every Service through
    cluster DNS, whenever the Service was made."""
    runner.isolated = frozenset({PROBE_IMAGE})
    sleeper = {"name": "probe", "image": PROBE_IMAGE, "args": ["-c", "import time; time.sleep(3600)"]}
    apply(cluster, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "alone", "namespace": namespace},
                    "spec": {"automountServiceAccountToken": False, "containers": [sleeper]}})
    own = wait_running(runner, namespace, "alone").network
    assert own is not None and own is not runner.network
    apply(cluster, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "late", "namespace": namespace},
                    "spec": {"selector": {"app": "none"}, "ports": [{"port": 80}]}})
    service_ip = cluster.kubectl("get", "svc", "late", "-n", namespace, "-o", "jsonpath={.spec.clusterIP}").stdout
    wait_for("the late Service in the pod's own hosts file",
             lambda: f"{service_ip}\tlate.{namespace}.svc.cluster.local" in own.hosts_file.read_text(), timeout=30)


def test_a_read_only_root_file_system_is_read_only_but_its_volumes_are_not(
    cluster: Cluster, runner: PodRunner, namespace: str, tmp_path: Path
) -> None:
    """``readOnlyRootFilesystem: true``: the program cannot write the image's files (a real runtime mounts them
    read-only), only its volumes: a rendered workload that writes elsewhere fails here as it would there."""
    outside = tmp_path / "outside-any-volume"
    outside.mkdir()
    outside.chmod(0o777)
    program = textwrap.dedent(f"""
        import time
        for path in ({str(outside / 'x')!r}, '/scratch/x'):
            try:
                open(path, 'w').write('x')
                print(path, 'written', flush=True)
            except OSError as error:
                print(path, error.strerror, flush=True)
        time.sleep(3600)
    """)
    pods = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
             "spec": {"automountServiceAccountToken": False,
                      "containers": [{"name": "probe", "image": PROBE_IMAGE, "args": ["-c", program],
                                      "securityContext": {"readOnlyRootFilesystem": read_only},
                                      "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}]}],
                      "volumes": [{"name": "scratch", "emptyDir": {}}]}}
            for name, read_only in (("locked", True), ("open", False))]
    apply(cluster, *pods)
    locked, unlocked = (wait_running(runner, namespace, name) for name in ("locked", "open"))

    def tried() -> tuple[str, str] | None:
        logs = locked.log.read_text(), unlocked.log.read_text()
        return logs if all(log.count("\n") >= 2 for log in logs) else None

    said = wait_for("both programs to try", tried, timeout=30)
    assert f"{outside / 'x'} Read-only file system" in said[0] and "/scratch/x written" in said[0], said[0]
    assert f"{outside / 'x'} written" in said[1] and "/scratch/x written" in said[1], said[1]
