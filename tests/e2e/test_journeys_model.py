"""[model] A client calls each served model through its Service, with the V2 and the Seldon protocol.

The real operator renders and applies an OpenDataHub with the AI Library (all three models); the pod runner starts
each model server's pod as the real MLServer 1.7.1 with the odh_ai_library package (the image's program, its
command, env and UID, the rendered ``settings.json`` and ``model-settings.json`` mounted from the ConfigMap). Three
servers listen on the same ports, so each pod has a network namespace of its own, reached from the pod network at
its pod IP and its Service's ClusterIP (``published``). A client in the pod network, as a notebook is, calls every
model by its Service DNS name and Service port: readiness, V2 inference, Seldon ``strData`` and ``jsonData``, a bad
input answered 4xx while the server keeps serving.

Readiness is the real one: the pod runner reports each model pod's Ready condition from the rendered readiness
probe sent to the real process (``probed``), so ``AiLibraryReady`` follows the servers: when one dies, the component
goes not Ready naming its Deployment; the pod that replaces it brings it back, and its Service answers again. (kwok
still marks a new pod Ready when it schedules it; the runner overrides that within a pass of starting the program,
so a new pod can look Ready for about a second before its first probe.)
"""

import gzip
import json
import os
import signal
import statistics
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from odh_operator.api.spec import ALL_MODELS
from odh_operator.kube import Kube
from testbed import programs
from testbed.control_plane import Cluster
from testbed.harness import Operator, wait_for
from testbed.images import ai_library_images
from testbed.platform import apply_odh, conditions, wait_phase
from testbed.pod_network import CLUSTER_DOMAIN, PodNetwork
from testbed.pod_runner import PodRunner, wait_running
from tests.e2e.notebook_user import odh, pod_named

Object = dict[str, Any]
SPEC = {"aiLibrary": {"enabled": True}}  # every model (the default list)
CLIENT_UID = 1000  # the client runs as a notebook's user would
# The client: each call as {"url", "body" | "raw"}; answers status, decoded body, milliseconds and the address
# the host name resolved to (the pod network's /etc/hosts: the Service's ClusterIP).
CLIENT = r"""
import json, socket, sys, time, urllib.error, urllib.parse, urllib.request
answers = []
for call in json.load(sys.stdin):
    data = call.get("raw")
    if data is None and "body" in call:
        data = json.dumps(call["body"])
    request = urllib.request.Request(call["url"], data=None if data is None else data.encode(),
                                     headers={"content-type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    except OSError as error:
        status, text = 0, repr(error)
    ms = (time.perf_counter() - started) * 1000
    try:
        body = json.loads(text)
    except ValueError:
        body = text
    answers.append({"status": status, "body": body, "ms": ms,
                    "address": socket.gethostbyname(urllib.parse.urlsplit(call["url"]).hostname)})
print(json.dumps(answers))
"""


def client(network: PodNetwork, calls: list[Object]) -> list[Object]:
    """Run the calls from a process in the pod network, as UID 1000 with a clean environment."""
    argv = [*network.exec_prefix(), "setpriv", f"--reuid={CLIENT_UID}", f"--regid={CLIENT_UID}", "--clear-groups",
            "env", "-i", "PATH=/usr/bin:/bin", "/usr/bin/python3", "-c", CLIENT]
    done = subprocess.run(argv, input=json.dumps(calls), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    answers: list[Object] = json.loads(done.stdout)
    return answers


def text(name: str, *values: str) -> Object:
    return {"name": name, "datatype": "BYTES", "shape": [len(values)], "data": list(values)}


def outputs(answer: Object) -> dict[str, Object]:
    return {o["name"]: o for o in answer["body"]["outputs"]}


def packaged(model: str, name: str) -> list[Object]:
    """The known failures / known reports the image holds: the package data the servers load."""
    path = programs.ai_library_package() / "odh_ai_library" / "models" / model / name
    with gzip.open(path, "rt") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@contextmanager
def model_servers(cluster: Cluster, namespace: str, workdir: Path) -> Iterator[tuple[PodRunner, PodNetwork]]:
    """The pod network and a pod runner running the AI Library's pods, each in its own (published) namespace."""
    images = ai_library_images()
    host, port = cluster.server.removeprefix("https://").rsplit(":", 1)
    with PodNetwork(name=f"odh-{uuid.uuid4().hex[:6]}", api_server=(host, int(port))) as network:
        runner = PodRunner(cluster, network, images, workdir / "pods", [namespace],
                           published=frozenset(images), probed=frozenset(images)).start()
        try:
            yield runner, network
        finally:
            runner.stop()
            for log in sorted((workdir / "pods").glob("*/*.log")):
                print(f"--- {log}\n{log.read_text(errors='replace')[-3000:]}")


def service_url(cluster: Cluster, namespace: str, app: str) -> tuple[str, str]:
    """``http://<name>.<ns>.svc.cluster.local:<port named http>`` of the live Service, and its ClusterIP."""
    svc = json.loads(cluster.kubectl("get", "service", app, "-n", namespace, "-o", "json").stdout)
    port = next(p["port"] for p in svc["spec"]["ports"] if p["name"] == "http")
    return f"http://{app}.{namespace}.svc.{CLUSTER_DOMAIN}:{port}", svc["spec"]["clusterIP"]


def probe_calls(pod: Object) -> list[Object]:
    """The container's startup, liveness and readiness probes as a kubelet sends them: to the pod IP, at the
    container port the probe names."""
    (container,) = pod["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    calls = []
    for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
        get = container[kind]["httpGet"]
        port = ports[get["port"]] if isinstance(get["port"], str) else get["port"]
        calls.append({"url": f"http://{pod['status']['podIP']}:{port}{get['path']}"})
    return calls


def ai_library_condition(admin: Kube, document: Object) -> Object:
    return conditions(admin, document).get("AiLibraryReady") or {}


def live_pod(cluster: Cluster, namespace: str, name: str) -> Object:
    pod: Object = json.loads(cluster.kubectl("get", "pod", name, "-n", namespace, "-o", "json").stdout)
    return pod


SELDON = "/api/v0.1/predictions"
BUG_LOG = ("+ job unit #4321\n--- FAIL: test_quota (1.00s)\nNameError: name 'quota_cache' is not defined\n"
           "ERROR: job unit failed")


def start_and_wait_ready(cluster: Cluster, admin: Kube, runner: PodRunner, network: PodNetwork, namespace: str,
                         document: Object) -> dict[str, Object]:
    """Every model server started as its pod, its probes answering, and the OpenDataHub Ready; the live pods."""
    pods: dict[str, Object] = {}
    for model in ALL_MODELS:
        app = f"ai-library-{model}"
        name = wait_for(f"the {model} pod", lambda: pod_named(cluster, namespace, app), timeout=180)
        wait_running(runner, namespace, name, timeout=120)
        pods[model] = live_pod(cluster, namespace, name)
    probes = [call for pod in pods.values() for call in probe_calls(pod)]

    def probes_answer() -> bool:
        for pod in pods.values():  # a server that exited fails at once, with its log
            started = runner.started(namespace, pod["metadata"]["name"])
            assert started is not None and started.process.poll() is None, started and started.log.read_text()
        return all(a["status"] == 200 for a in client(network, probes))

    wait_for("every model server's probes to answer", probes_answer, timeout=300, interval=2)
    for pod in pods.values():  # the image's program, as the pod's user (runAsUser 1000), on the mounted folder
        started = runner.started(namespace, pod["metadata"]["name"])
        assert started is not None
        proc = Path(f"/proc/{started.process.pid}")
        assert proc.joinpath("cmdline").read_bytes().split(b"\0")[-3:] == [b"start", b"/mnt/models", b""]
        uids = next(line.split()[1:] for line in proc.joinpath("status").read_text().splitlines()
                    if line.startswith("Uid:"))
        assert set(uids) == {str(pod["spec"]["securityContext"].get("runAsUser", 1000))} == {"1000"}
        environ = dict(item.split("=", 1) for item in proc.joinpath("environ").read_text().split("\0") if item)
        assert environ["MLSERVER_MODELS_DIR"] == "/mnt/models"
        # No Service links (enableServiceLinks: false): MLServer would read MLSERVER_* ones as settings.
        assert [k for k in environ if k.endswith("_SERVICE_HOST")] == ["KUBERNETES_SERVICE_HOST"], sorted(environ)
    wait_phase(admin, document, "Ready", timeout=120)
    assert ai_library_condition(admin, document)["status"] == "True"
    return pods


def check_sentiment(v2: Object, positive: Object, negative: Object) -> None:
    assert v2["status"] == 200, v2
    found = outputs(v2)
    assert found["label"]["data"] == ["positive", "negative"]
    assert found["score"]["data"][0] > 0 > found["score"]["data"][1]
    assert positive["status"] == 200, positive
    assert positive["body"]["jsonData"]["label"] == "positive"
    assert 0 < positive["body"]["jsonData"]["score"] <= 1
    assert positive["body"]["meta"]["model"] == "sentiment-analysis"
    assert negative["status"] == 200 and negative["body"]["jsonData"]["label"] == "negative", negative
    assert -1 <= negative["body"]["jsonData"]["score"] < 0


def check_flakes(v2: Object, flaky: Object, bug: Object, known: Object) -> None:
    """A near copy of a known flaky failure is a likely flake in its cluster; a real bug's failure is not."""
    assert v2["status"] == 200, v2
    found = outputs(v2)
    probability = found["flake_probability"]["data"]
    assert all(0 <= p <= 1 for p in probability) and probability[0] > 0.5 > probability[1], probability
    assert found["cluster"]["data"][0] == known["cluster"], (found, known["id"])
    assert flaky["status"] == 200, flaky
    answer = flaky["body"]["jsonData"]
    assert answer["cluster"] == known["cluster"] and answer["flake_probability"] == probability[0]
    assert answer["nearest_failure"].startswith("known-") and 0.9 < answer["similarity"] <= 1.000001, answer
    assert bug["status"] == 200 and bug["body"]["jsonData"]["flake_probability"] == probability[1], bug


def check_duplicates(v2: Object, near_copy: Object, str_data: Object, report: Object) -> None:
    """k results with descending scores; a near copy of a known report finds it first."""
    assert v2["status"] == 200, v2
    found = outputs(v2)
    assert found["ids"]["shape"] == [1, 3] and all(i.startswith("BUG-") for i in found["ids"]["data"])
    assert found["scores"]["data"] == sorted(found["scores"]["data"], reverse=True)
    assert near_copy["status"] == 200, near_copy
    answer = near_copy["body"]["jsonData"]
    assert answer["ids"][0] == report["id"] and len(answer["ids"]) == len(answer["scores"]) == 4, (answer, report)
    assert answer["scores"] == sorted(answer["scores"], reverse=True) and answer["scores"][0] > answer["scores"][1]
    assert str_data["status"] == 200, str_data
    ids = str_data["body"]["jsonData"]["ids"]
    assert ids[0] == report["id"] and len(ids) == 5  # the default k


def check_bad_input(empty: Object, k_too_large: Object, malformed: Object, after: Object) -> None:
    """Each bad request is answered 400 naming its problem, and the server answers the next one."""
    assert empty["status"] == 400 and "field 'text' is empty" in empty["body"]["status"]["info"], empty
    assert k_too_large["status"] == 400, k_too_large
    assert "field 'k' must be between 1 and 50" in k_too_large["body"]["error"], k_too_large
    assert malformed["status"] == 400 and "not valid JSON" in malformed["body"]["status"]["info"], malformed
    assert after["status"] == 200 and after["body"]["jsonData"]["label"] == "positive", after


def latencies(network: PodNetwork, urls: dict[str, str], bodies: dict[str, Object], calls: int = 20) -> None:
    """Sequential Seldon calls through each Service (a new connection each); printed p50 and max."""
    timed = client(network, [{"url": urls[m] + SELDON, "body": bodies[m]} for m in ALL_MODELS for _ in range(calls)])
    assert all(a["status"] == 200 for a in timed)
    for index, model in enumerate(ALL_MODELS):
        ms = sorted(a["ms"] for a in timed[index * calls:(index + 1) * calls])
        print(f"{model}: Seldon call through the Service p50 {statistics.median(ms):.1f} ms, max {ms[-1]:.1f} ms")


def check_death_and_replacement(cluster: Cluster, admin: Kube, runner: PodRunner, network: PodNetwork,
                                namespace: str, document: Object, victim: str, url: str) -> None:
    """A killed server takes the component out of Ready, naming its Deployment; its replacement brings it back."""
    started = runner.started(namespace, victim)
    assert started is not None
    os.killpg(started.process.pid, signal.SIGKILL)
    down = wait_for("AiLibraryReady False", lambda: (c := ai_library_condition(admin, document)).get("status")
                    == "False" and c, timeout=60)
    assert "ai-library-sentiment-analysis: 0/1 replicas ready" in down["message"], down
    assert client(network, [{"url": f"{url}/v2/health/live"}])[0]["status"] == 0  # nothing answers
    # The pod deleted (as a kubelet's restart would replace the process): the new one loads the model.
    cluster.kubectl("delete", "pod", victim, "-n", namespace, "--wait=false")
    def new_pod() -> str:
        name = pod_named(cluster, namespace, "ai-library-sentiment-analysis")
        return name if name != victim else ""

    replacement = wait_for("the replacement pod", new_pod, timeout=60)
    wait_running(runner, namespace, replacement, timeout=60)
    wait_for("the replacement's probes to answer", lambda: all(a["status"] == 200 for a in client(
        network, probe_calls(live_pod(cluster, namespace, replacement)))), timeout=180, interval=1)
    wait_for("AiLibraryReady True again", lambda: ai_library_condition(admin, document).get("status") == "True",
             timeout=60, interval=1)
    again = client(network, [{"url": url + SELDON, "body": {"strData": "Back again, and glad of it."}}])[0]
    assert again["status"] == 200 and again["body"]["jsonData"]["label"] == "positive", (again, runner.errors)


def test_model_each_served_model_answers_v2_and_seldon_through_its_service(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str, tmp_path: Path
) -> None:
    programs.ensure_installed("ai-library")
    started_at = time.monotonic()
    document = odh(namespace, SPEC)
    apply_odh(cluster, document)
    with model_servers(cluster, namespace, tmp_path) as (runner, network):
        pods = start_and_wait_ready(cluster, admin, runner, network, namespace, document)
        ready_after = time.monotonic() - started_at

        urls: dict[str, str] = {}
        addresses: dict[str, str] = {}
        for model in ALL_MODELS:
            urls[model], addresses[model] = service_url(cluster, namespace, f"ai-library-{model}")
        failures = packaged("flake-analysis", "known_failures.jsonl.gz")
        known = next(f for f in failures if f["flaky"] and f["cluster"] >= 0)
        flaky_log = known["log"].replace("+ job ", "+ job rerun-of ", 1)  # a near copy of a known flaky failure
        report = packaged("duplicate-bug-detection", "known_reports.jsonl.gz")[41]
        near_copy = {"title": report["title"].lower(), "description": report["description"].rsplit(". ", 2)[0]}
        sentiment, flakes, duplicates = (urls[m] for m in ALL_MODELS)
        calls: list[Object] = [
            {"url": f"{url}/v2/models/{model}/ready"} for model, url in urls.items()
        ] + [
            {"url": f"{url}/v2/models/{model}"} for model, url in urls.items()
        ] + [
            {"url": f"{sentiment}/v2/models/sentiment-analysis/infer",
             "body": {"inputs": [text("text", "I love this, it is wonderful!", "This is awful. I hate it.")]}},
            {"url": sentiment + SELDON, "body": {"strData": "What a great, funny and moving film."}},
            {"url": sentiment + SELDON, "body": {"jsonData": {"text": "The service was terrible and slow."}}},
            {"url": f"{flakes}/v2/models/flake-analysis/infer", "body": {"inputs": [text("log", flaky_log, BUG_LOG)]}},
            {"url": flakes + SELDON, "body": {"strData": flaky_log}},
            {"url": flakes + SELDON, "body": {"jsonData": {"log": BUG_LOG}}},
            {"url": f"{duplicates}/v2/models/duplicate-bug-detection/infer",
             "body": {"inputs": [text("title", "Login page crashes when saving a large file"),
                                 text("description", "Seen on Fedora 39."),
                                 {"name": "k", "datatype": "INT32", "shape": [1], "data": [3]}]}},
            {"url": duplicates + SELDON, "body": {"jsonData": {**near_copy, "k": 4}}},
            {"url": duplicates + SELDON, "body": {"strData": f"{near_copy['title']}\n{near_copy['description']}"}},
            # Bad input, then the same server again.
            {"url": sentiment + SELDON, "body": {"strData": ""}},
            {"url": f"{duplicates}/v2/models/duplicate-bug-detection/infer",
             "body": {"inputs": [text("title", "x"), {"name": "k", "datatype": "INT32", "shape": [1], "data": [500]}]}},
            {"url": sentiment + SELDON, "raw": '{"strData": "unterminated'},
            {"url": sentiment + SELDON, "body": {"strData": "Still here, and happy about it."}},
        ]
        answers = client(network, calls)
        for call, answer in zip(calls, answers):  # every call went to a Service's ClusterIP, by its DNS name
            served = next(m for m, url in urls.items() if call["url"].startswith(url + "/"))
            assert answer["address"] == addresses[served], (call["url"], answer)
        ready, metadata = answers[:3], answers[3:6]
        assert [a["status"] for a in ready] == [200] * 3, ready
        assert [(a["status"], a["body"]["name"]) for a in metadata] == [(200, m) for m in ALL_MODELS], metadata
        assert len(answers) == len(calls) == 19
        check_sentiment(answers[6], answers[7], answers[8])
        check_flakes(answers[9], answers[10], answers[11], known)
        check_duplicates(answers[12], answers[13], answers[14], report)
        check_bad_input(answers[15], answers[16], answers[17], answers[18])

        latencies(network, urls, {"sentiment-analysis": {"strData": "A calm and pleasant evening."},
                                  "flake-analysis": {"strData": BUG_LOG},
                                  "duplicate-bug-detection": {"jsonData": near_copy}})
        check_death_and_replacement(cluster, admin, runner, network, namespace, document,
                                    pods["sentiment-analysis"]["metadata"]["name"], sentiment)
        print(f"model journey: Ready {ready_after:.1f} s after apply; total {time.monotonic() - started_at:.1f} s")
        assert not runner.refusals() and not runner.errors, (runner.refusals(), runner.errors)
