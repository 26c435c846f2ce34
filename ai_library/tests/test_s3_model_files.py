"""``spec.aiLibrary.modelFiles`` source S3: real MLServer 1.7.1 processes load the trained files from a bucket.

boto3 (the image's ``s3`` extra) cannot join the test environment: botocore needs python-dateutil<3, the
operator's kubernetes 37 client >=3. So the servers run as the pod runner runs the image: from the testbed's
AI Library environment (MLServer 1.7.1, the models' dependencies and boto3, the image's ``s3`` extra, pinned
as the image's) with this checkout's package on ``PYTHONPATH``. moto's S3 server, the testbed's stand-in for the data lake's gateway (from the
testbed's programs), holds the bucket, with IAM authentication on. The trained files are uploaded where the
rendered ``parameters.uri`` points (``s3://<bucket>/<prefix>/<model>/``); each server gets the rendered
``settings.json`` and ``model-settings.json`` and the environment the rendered Deployment gives its container,
the credentials resolved from the object store user's Secret as the kubelet would. Only the ports, the
endpoint (the gateway Service's name does not resolve here) and the cache folder are changed.
"""

import json
import os
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from odh_ai_library.local_server import LocalServer, free_port, model_folder
from odh_ai_library.serving import packaged_models_dir
from odh_operator.api.spec import ALL_MODELS, OpenDataHubSpec
from odh_operator.components.ai_library import CACHE_DIR, COMPONENT
from odh_operator.components.base import Instance
from odh_operator.components.rook_ceph import s3_endpoint, s3_secret_name
from odh_operator.render import render_component
from testbed.programs import ai_library_env, ai_library_package, ensure_installed, python_env

AI_LIBRARY = Path(__file__).resolve().parents[1]
NAMESPACE = "opendatahub"
BUCKET, PREFIX = "odh-models", "ai-library/v1"
SPEC = {"aiLibrary": {"enabled": True, "modelFiles": {"source": "S3", "bucket": BUCKET, "prefix": PREFIX}}}

Json = dict[str, Any]


# --- the servers' environment: the image's, as the testbed's pod runner uses it -------------------------------

def server_python() -> tuple[str, dict[str, str]]:
    """The interpreter of the AI Library image's environment and the variables that put this checkout's package
    on its path (installed on first use, or by ``python -m testbed build``)."""
    ensure_installed("ai-library")
    return str(ai_library_env() / "bin" / "python"), {"PYTHONPATH": str(ai_library_package())}


# --- the data lake: moto's S3 server with IAM authentication ------------------------------------------------

@dataclass
class DataLake:
    url: str
    access_key: str
    secret_key: str
    python: str  # the testbed programs' interpreter (boto3) that talks to it

    def client_call(self, code: str) -> str:
        """Run boto3 ``code`` (an S3 client ``s3`` and ``iam`` exist) with the user's keys; its stdout."""
        script = ("import boto3, json, sys\n"
                  f"kw = dict(endpoint_url={self.url!r}, region_name='us-east-1', aws_access_key_id={self.access_key!r},"
                  f" aws_secret_access_key={self.secret_key!r})\n"
                  "s3 = boto3.client('s3', **kw)\n" + code)
        done = subprocess.run([self.python, "-c", script], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout


@pytest.fixture(scope="module")
def data_lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DataLake]:
    ensure_installed("python programs")
    python = str(python_env() / "bin" / "python")
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    # Authentication is enforced after the first 3 requests: those create the S3 user, its keys and its policy.
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3")
    server = subprocess.Popen([str(python_env() / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "moto_server did not start"
                time.sleep(0.2)
        setup = subprocess.run([python, "-c", (
            "import boto3, json\n"
            f"iam = boto3.client('iam', endpoint_url={url!r}, region_name='us-east-1', aws_access_key_id='setup',"
            " aws_secret_access_key='setup')\n"
            "iam.create_user(UserName='odh')\n"
            "key = iam.create_access_key(UserName='odh')['AccessKey']\n"
            "iam.put_user_policy(UserName='odh', PolicyName='data-lake', PolicyDocument=json.dumps({'Version': "
            "'2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 's3:*', 'Resource': '*'}]}))\n"
            "print(json.dumps([key['AccessKeyId'], key['SecretAccessKey']]))\n")], capture_output=True, text=True)
        assert setup.returncode == 0, setup.stderr[-3000:]
        access_key, secret_key = json.loads(setup.stdout)
        lake = DataLake(url, access_key, secret_key, python)
        upload_models(lake)
        yield lake
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def upload_models(lake: DataLake) -> None:
    """The packaged model files, under s3://BUCKET/PREFIX/<model>/ (the layout the operator's uri names)."""
    files = {f"{PREFIX}/{path.relative_to(packaged_models_dir()).as_posix()}": str(path)
             for path in sorted(packaged_models_dir().rglob("*"))
             if path.is_file() and path.parent != packaged_models_dir()}
    assert {key.split("/")[2] for key in files} == set(ALL_MODELS)
    lake.client_call(f"s3.create_bucket(Bucket={BUCKET!r})\n"
                     f"for key, path in json.loads({json.dumps(files)!r}).items():\n"
                     f"    s3.upload_file(path, {BUCKET!r}, key)\n")


# --- what the operator renders --------------------------------------------------------------------------------

def rendered(spec: Json) -> tuple[dict[str, Json], dict[str, Json]]:
    """Per model: the ConfigMap's data and the Deployment's container."""
    parsed = OpenDataHubSpec.model_validate(spec)
    objects = render_component(COMPONENT, parsed, Instance(name="odh", namespace=NAMESPACE))
    config = {json.loads(o["data"]["model-settings.json"])["name"]: o["data"] for o in objects if o["kind"] == "ConfigMap"}
    containers = {o["metadata"]["name"].removeprefix("ai-library-"): o["spec"]["template"]["spec"]["containers"][0]
                  for o in objects if o["kind"] == "Deployment"}
    return config, containers


def container_env(container: Json, secrets: dict[str, dict[str, str]]) -> dict[str, str]:
    """The container's environment as the kubelet resolves it (values and secretKeyRefs)."""
    env = {}
    for variable in container["env"]:
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        else:
            ref = variable["valueFrom"]["secretKeyRef"]
            env[variable["name"]] = secrets[ref["name"]][ref["key"]]
    return env


def start_server(root: Path, lake: DataLake, model: str, spec: Json = SPEC, secret_key: str | None = None) -> LocalServer:
    """The rendered server of ``model`` reading its files from the data lake, started (not yet waited for)."""
    config, containers = rendered(spec)
    parsed = OpenDataHubSpec.model_validate(spec)
    secret = {"AccessKey": lake.access_key, "SecretKey": secret_key or lake.secret_key, "Endpoint": lake.url}
    env = container_env(containers[model], {s3_secret_name(parsed): secret})
    # The rendered values, then the two a pod on this host cannot use as they are.
    assert env["AWS_ENDPOINT_URL"] == s3_endpoint(parsed, NAMESPACE) and env["ODH_AI_LIBRARY_CACHE"] == CACHE_DIR
    env |= {"AWS_ENDPOINT_URL": lake.url, "ODH_AI_LIBRARY_CACHE": str(root / "cache")}
    settings = json.loads(config[model]["settings.json"])
    assert settings["parallel_workers"] == 0  # inference in the server's own process, as these machines need
    folder, ports = model_folder(root, settings, json.loads(config[model]["model-settings.json"]))
    python, path = server_python()
    return LocalServer(folder, ports, env=env | path, python=python).start()


def seldon(server: LocalServer, body: Json) -> tuple[int, Json]:
    request = urllib.request.Request(f"{server.url}/api/v0.1/predictions", data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


def v2(server: LocalServer, name: str, value: str) -> Json:
    body = {"inputs": [{"name": name, "datatype": "BYTES", "shape": [1], "data": [value]}]}
    request = urllib.request.Request(f"{server.url}/v2/models/{server.model}/infer", data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return {o["name"]: o["data"] for o in json.loads(response.read())["outputs"]}


# --- the tests --------------------------------------------------------------------------------------------------

def test_rendered_s3_source_points_each_model_at_its_prefix() -> None:
    config, containers = rendered(SPEC)
    assert set(config) == set(ALL_MODELS)
    for model, data in config.items():
        assert json.loads(data["model-settings.json"])["parameters"]["uri"] == f"s3://{BUCKET}/{PREFIX}/{model}"
        refs = {v["name"]: v["valueFrom"]["secretKeyRef"] for v in containers[model]["env"] if "valueFrom" in v}
        secret = s3_secret_name(OpenDataHubSpec.model_validate(SPEC))  # Rook's S3 user Secret
        assert refs == {"AWS_ACCESS_KEY_ID": {"name": secret, "key": "AccessKey"},
                        "AWS_SECRET_ACCESS_KEY": {"name": secret, "key": "SecretKey"}}


def test_every_model_loads_from_s3_and_serves(tmp_path: Path, data_lake: DataLake) -> None:
    servers = {model: start_server(tmp_path, data_lake, model) for model in ALL_MODELS}
    started = time.monotonic()
    try:
        ready_after = {}
        for model, server in servers.items():
            server.wait_ready(timeout=180)
            ready_after[model] = round(time.monotonic() - started, 1)
        print(f"ready after (s, three servers started at once): {ready_after}")
        for model in ALL_MODELS:  # the files came from S3: the copies are in the cache folder, byte for byte
            for path in (packaged_models_dir() / model).iterdir():
                assert (tmp_path / "cache" / model / path.name).read_bytes() == path.read_bytes(), path.name
        sentiment = servers["sentiment-analysis"]
        assert v2(sentiment, "text", "I love this, it is wonderful!")["label"] == ["positive"]
        status, answer = seldon(sentiment, {"strData": "The service was terrible and slow."})
        assert status == 200 and answer["jsonData"]["label"] == "negative", answer
        flakes = servers["flake-analysis"]
        log = "--- FAIL: test_gateway (3.10s)\ndial tcp 10.0.3.7:443: connect: connection refused\nERROR: job e2e failed"
        found = v2(flakes, "log", log)
        assert found["flake_probability"][0] > 0.8 and found["nearest_failure"][0].startswith("known-"), found
        status, answer = seldon(flakes, {"strData": log})
        assert status == 200 and answer["jsonData"]["flake_probability"] > 0.8
        bugs = servers["duplicate-bug-detection"]
        assert all(i.startswith("BUG-") for i in v2(bugs, "title", "Login page crashes when saving a large file")["ids"])
        status, answer = seldon(bugs, {"strData": "Dashboard hangs\nwhen sorting a huge table"})
        assert status == 200 and len(answer["jsonData"]["ids"]) == 5 and answer["jsonData"]["ids"][0].startswith("BUG-")
    finally:
        for server in servers.values():
            server.stop()


def s3_spec(bucket: str = BUCKET, prefix: str = PREFIX) -> Json:
    return {"aiLibrary": {"enabled": True, "models": list(ALL_MODELS),
                          "modelFiles": {"source": "S3", "bucket": bucket, "prefix": prefix}}}


def load_error(root: Path, lake: DataLake, model: str, spec: Json, secret_key: str | None = None) -> str:
    """The log of a server whose model failed to load (MLServer 1.7.1 then exits)."""
    server = start_server(root, lake, model, spec, secret_key)
    try:
        with pytest.raises(RuntimeError, match="exited") as failed:
            server.wait_ready(timeout=120)
        return str(failed.value)
    finally:
        server.stop()


def test_a_missing_object_or_bucket_fails_the_load_naming_bucket_and_key(tmp_path: Path, data_lake: DataLake) -> None:
    vocabulary = "sentiment-analysis/vocabulary.json.gz"
    data_lake.client_call(f"s3.copy_object(Bucket={BUCKET!r}, Key='partial/{vocabulary}',"
                          f" CopySource={{'Bucket': {BUCKET!r}, 'Key': '{PREFIX}/{vocabulary}'}})\n")
    log = load_error(tmp_path / "partial", data_lake, "sentiment-analysis", s3_spec(prefix="partial"))
    assert re.search(rf"model file s3://{BUCKET}/partial/sentiment-analysis/weights\.npz not found at "
                     rf"{data_lake.url} \(it holds \['vocabulary\.json\.gz'\]\)", log), log
    log = load_error(tmp_path / "empty", data_lake, "sentiment-analysis", s3_spec(prefix="nothing-here"))
    assert f"model file s3://{BUCKET}/nothing-here/sentiment-analysis/weights.npz not found" in log, log
    assert "(no object is there)" in log
    log = load_error(tmp_path / "bucket", data_lake, "duplicate-bug-detection", s3_spec(bucket="no-such-bucket"))
    assert re.search(rf"cannot read the objects under s3://no-such-bucket/{PREFIX}/duplicate-bug-detection/ from "
                     rf"{data_lake.url}: .*NoSuchBucket", log), log


def test_wrong_credentials_fail_the_load_naming_the_bucket(tmp_path: Path, data_lake: DataLake) -> None:
    log = load_error(tmp_path, data_lake, "flake-analysis", s3_spec(), secret_key="not-the-secret")
    assert re.search(rf"cannot read the objects under s3://{BUCKET}/{PREFIX}/flake-analysis/ from {data_lake.url}: "
                     r".*SignatureDoesNotMatch", log), log
