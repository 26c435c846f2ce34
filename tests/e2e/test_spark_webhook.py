"""The Spark operator's webhook on the real control plane: its configurations are accepted, its own token
may do exactly what spark-operator 2.5.2 does with its certificate (fill its Secret, write the caBundle of
its two configurations), and the operator's next pass keeps what the webhook wrote."""

import base64
import json
from pathlib import Path
from typing import Any

import yaml

from odh_operator.kube import Kube
from testbed.control_plane import Cluster
from testbed.platform import apply_odh, expected, wait_all_exist
from testbed.harness import Operator, wait_for
from tests.e2e.accounts import account_token, as_account, token_kubeconfig

Object = dict[str, Any]
WEBHOOK = "spark-operator-webhook"
SECRET = "spark-operator-webhook-certs"
CA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nnot a real CA\n-----END CERTIFICATE-----\n").decode()


def spark(namespace: str, timeout: int) -> Object:
    return {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
            "metadata": {"name": "odh", "namespace": namespace},
            "spec": {"sparkOperator": {"enabled": True,
                                       "webhook": {"failurePolicy": "Ignore", "timeoutSeconds": timeout}}}}


def test_webhook_account_manages_its_certificate_and_the_operator_keeps_the_ca_bundle(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str, tmp_path: Path
) -> None:
    document = spark(namespace, timeout=3)
    apply_odh(cluster, document)
    objects = expected(document, "spark-operator")
    wait_all_exist(admin, objects, timeout=90)
    name = next(o["metadata"]["name"] for o in objects if o["kind"] == "MutatingWebhookConfiguration")

    token = account_token(cluster, WEBHOOK, namespace)
    webhook = token_kubeconfig(cluster, token, tmp_path / "webhook-kubeconfig")

    def run(*args: str, input: str | None = None) -> Any:
        return as_account(cluster, webhook, *args, input=input)

    # What certificate.Provider.SyncSecret does: read the Secret, fill it, update it.
    secret = json.loads(run("get", "secret", SECRET, "-n", namespace, "-o", "json").stdout)
    secret["data"] = {"ca-key.pem": CA, "ca-cert.pem": CA, "server-key.pem": CA, "server-cert.pem": CA}
    assert run("replace", "-f", "-", input=json.dumps(secret)).returncode == 0

    # What the webhook configuration reconcilers do: list/watch, get and update their named objects.
    assert run("get", "mutatingwebhookconfigurations", "-o", "name").returncode == 0
    for kind in ("mutatingwebhookconfiguration", "validatingwebhookconfiguration"):
        live = json.loads(run("get", kind, name, "-o", "json").stdout)
        for entry in live["webhooks"]:
            entry["clientConfig"]["caBundle"] = CA
        result = run("replace", "-f", "-", input=json.dumps(live))
        assert result.returncode == 0, result.stderr

    # Nothing more: no other Secret, no other webhook configuration, no new Secrets.
    other = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
             "metadata": {"name": f"{namespace}-someone-elses"}, "webhooks": []}
    cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump(other))
    try:
        for command in (("delete", "validatingwebhookconfiguration", f"{namespace}-someone-elses"),
                        ("label", "validatingwebhookconfiguration", f"{namespace}-someone-elses", "x=y"),
                        ("create", "secret", "generic", "x", "-n", namespace),
                        ("get", "secret", "jupyterhub", "-n", namespace)):
            result = run(*command)
            assert result.returncode != 0 and "forbidden" in result.stderr.lower(), (command, result.stderr)
    finally:
        cluster.kubectl("delete", "validatingwebhookconfiguration", f"{namespace}-someone-elses", check=False)
    assert run("get", "sparkapplications", "-n", namespace).returncode == 0  # its pod defaulter reads them

    # A spec change re-applies the configurations: our fields change, the webhook's caBundle stays.
    apply_odh(cluster, spark(namespace, timeout=7))

    def applied() -> bool:
        for kind in ("mutatingwebhookconfiguration", "validatingwebhookconfiguration"):
            live = json.loads(cluster.kubectl("get", kind, name, "-o", "json").stdout)
            if any(e["timeoutSeconds"] != 7 for e in live["webhooks"]):
                return False
            assert all(e["clientConfig"].get("caBundle") == CA for e in live["webhooks"]), "caBundle lost"
        return True

    wait_for("the new timeout in both webhook configurations", applied, timeout=60)
    data = json.loads(cluster.kubectl("get", "secret", SECRET, "-n", namespace, "-o", "json").stdout)["data"]
    assert data["ca-cert.pem"] == CA, "the certificate Secret keeps what the webhook wrote"
