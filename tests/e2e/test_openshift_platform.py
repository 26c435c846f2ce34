"""spec.platform Auto on two real control planes: one with OpenShift's CRDs (Routes, hosts from the router in
status, pruned with their component) and the session's plain Kubernetes (no Route; Ingresses when asked)."""

import json
import time
import uuid
from typing import Any

import pytest
import yaml

from odh_operator.endpoints import ENDPOINT_LABEL
from odh_operator.kube import Kube, UnknownKind
from testbed.control_plane import Cluster
from testbed.harness import Operator, wait_for
from testbed.platform import apply_odh, find, status_of

Object = dict[str, Any]
ROUTE = "route.openshift.io/v1"
INGRESS = "networking.k8s.io/v1"


def platform(namespace: str, spec: Object, name: str = "odh") -> Object:
    return {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def ref(api_version: str, kind: str, namespace: str, name: str) -> Object:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": namespace}}


def exposed(admin: Kube, api_version: str, kind: str, namespace: str) -> dict[str, Object]:
    """The operator's Routes or Ingresses in the namespace, by endpoint."""
    return {o["metadata"]["labels"][ENDPOINT_LABEL]: o
            for o in admin.list(api_version, kind, ENDPOINT_LABEL, namespace=namespace)}


def endpoints_in_status(admin: Kube, document: Object) -> dict[str, Object]:
    return {e["name"]: e for e in status_of(admin, document).get("endpoints") or []}


def admit(cluster: Cluster, namespace: str, route: str, host: str) -> None:
    """Play OpenShift's router: admit the Route under ``host`` in its status."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    patch = json.dumps({"status": {"ingress": [{"host": host, "routerName": "default", "wildcardPolicy": "None",
                                                "conditions": [{"type": "Admitted", "status": "True",
                                                                "lastTransitionTime": now}]}]}})
    cluster.kubectl("-n", namespace, "patch", "route", route, "--subresource=status", "--type=merge", "-p", patch)


def test_openshift_auto_detected_routes_with_router_hosts_in_status_pruned_with_their_component(
    openshift_cluster: Cluster, openshift_admin: Kube, openshift_operator: Operator, openshift_namespace: str
) -> None:
    admin, namespace = openshift_admin, openshift_namespace
    document = platform(namespace, {
        "jupyterHub": {"enabled": True}, "monitoring": {"enabled": True},
        "aiLibrary": {"enabled": True, "models": ["sentiment-analysis", "flake-analysis"]},
        "endpoints": {"hosts": [{"name": "grafana", "host": "grafana.apps.example.com"}]},
    })
    started = time.monotonic()
    apply_odh(openshift_cluster, document)
    names = {"jupyterhub", "grafana", "prometheus", "sentiment-analysis", "flake-analysis"}
    try:
        routes = wait_for("a Route per endpoint",
                          lambda: (found := exposed(admin, ROUTE, "Route", namespace)) and set(found) == names and found,
                          timeout=120)
        assert status_of(admin, document)["platform"] == "OpenShift"
        for name, route in routes.items():
            assert route["spec"]["tls"] == {"termination": "edge", "insecureEdgeTerminationPolicy": "Redirect"}, name
            assert find(admin, ref("v1", "Service", namespace, route["spec"]["to"]["name"])), name
        assert routes["grafana"]["spec"]["host"] == "grafana.apps.example.com"
        assert "host" not in routes["jupyterhub"]["spec"], "no domain: the router picks the host"
        wait_for("the hosts asked for in status", lambda: endpoints_in_status(admin, document).get("grafana", {})
                 .get("url") == "https://grafana.apps.example.com", timeout=60)
        assert "url" not in endpoints_in_status(admin, document)["jupyterhub"], "not admitted yet"

        host = f"jupyterhub-{namespace}.apps.example.com"
        admit(openshift_cluster, namespace, "jupyterhub", host)
        admitted = wait_for("the router's host in status", lambda: endpoints_in_status(admin, document)
                            .get("jupyterhub", {}).get("url") == f"https://{host}", timeout=60)
        assert admitted
        converged = time.monotonic() - started

        document["spec"]["aiLibrary"]["enabled"] = False
        apply_odh(openshift_cluster, document)
        wait_for("the models' Routes pruned", lambda: set(exposed(admin, ROUTE, "Route", namespace))
                 == {"jupyterhub", "grafana", "prometheus"}, timeout=60)
        wait_for("the models' endpoints gone from status",
                 lambda: set(endpoints_in_status(admin, document)) == {"jupyterhub", "grafana", "prometheus"},
                 timeout=60)
        assert endpoints_in_status(admin, document)["jupyterhub"]["url"] == f"https://{host}"
        print(f"OpenShift-like platform: Routes and hosts in status after {converged:.1f}s")
    except AssertionError as error:
        raise AssertionError(f"{error}\n{openshift_operator.tail(80)}") from None


def test_kubernetes_auto_has_no_routes_and_ingresses_with_class_host_and_tls_when_asked(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str
) -> None:
    with pytest.raises(UnknownKind):
        admin.resource(ROUTE, "Route")
    name = f"odh-{uuid.uuid4().hex[:4]}"
    document = platform(namespace, {
        "monitoring": {"enabled": True},
        "endpoints": {"domain": "apps.example.com",
                      "hosts": [{"name": "prometheus", "host": "metrics.example.org"}],
                      "ingress": {"enabled": True, "className": "nginx", "tlsSecretName": "wildcard-tls"}},
    }, name=name)
    apply_odh(cluster, document)
    try:
        ingresses = wait_for("an Ingress per endpoint", lambda: (found := exposed(admin, INGRESS, "Ingress", namespace))
                             and set(found) == {"grafana", "prometheus"} and found, timeout=120)
        assert status_of(admin, document)["platform"] == "Kubernetes"
        hosts = {"grafana": f"grafana-{name}-{namespace}.apps.example.com", "prometheus": "metrics.example.org"}
        for endpoint, ingress in ingresses.items():
            spec = ingress["spec"]
            assert spec["ingressClassName"] == "nginx"
            assert spec["tls"] == [{"hosts": [hosts[endpoint]], "secretName": "wildcard-tls"}]
            (rule,) = spec["rules"]
            assert rule["host"] == hosts[endpoint]
            backend = rule["http"]["paths"][0]["backend"]["service"]
            assert backend == {"name": endpoint, "port": {"name": "http"}}
        wait_for("the Ingress hosts in status", lambda: endpoints_in_status(admin, document) == {
            e: {"name": e, "kind": "Ingress", "url": f"https://{h}"} for e, h in hosts.items()}, timeout=60)

        document["spec"]["endpoints"]["ingress"]["enabled"] = False
        apply_odh(cluster, document)
        wait_for("the Ingresses pruned", lambda: not exposed(admin, INGRESS, "Ingress", namespace), timeout=60)
        wait_for("no endpoints in status", lambda: "endpoints" not in status_of(admin, document), timeout=60)
    except AssertionError as error:
        raise AssertionError(f"{error}\n{operator.tail(80)}") from None


def test_ingress_without_a_domain_is_refused_by_the_crd(cluster: Cluster, namespace: str) -> None:
    document = platform(namespace, {"endpoints": {"ingress": {"enabled": True}}})
    refused = cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump(document), check=False)
    assert refused.returncode != 0 and "ingress.enabled needs a domain" in refused.stderr, refused.stderr
    bad_host = platform(namespace, {"endpoints": {"hosts": [{"name": "grafana", "host": "Bad_Host"}]}})
    refused = cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump(bad_host), check=False)
    assert refused.returncode != 0 and "spec.endpoints.hosts[0].host" in refused.stderr, refused.stderr


def test_openshift_asked_of_plain_kubernetes_is_refused_in_status_and_applies_nothing(
    cluster: Cluster, admin: Kube, operator: Operator, namespace: str
) -> None:
    document = platform(namespace, {"platform": "OpenShift", "monitoring": {"enabled": True}})
    apply_odh(cluster, document)

    def refused() -> Object | None:
        status = status_of(admin, document)
        ready = next((c for c in status.get("conditions") or [] if c["type"] == "Ready"), {})
        return ready if status.get("phase") == "Degraded" and ready.get("reason") == "InvalidSpec" else None

    ready = wait_for("the spec refused in status", refused, timeout=60)
    assert ready["message"].startswith("spec.platform: OpenShift, but the API server does not serve"), ready
    assert admin.list("apps/v1", "Deployment", "", namespace=namespace) == []
    assert admin.list("v1", "ConfigMap", "app.kubernetes.io/managed-by=odh-operator", namespace=namespace) == []
    document["spec"]["platform"] = "Auto"
    apply_odh(cluster, document)
    wait_for("Auto renders for Kubernetes", lambda: status_of(admin, document).get("platform") == "Kubernetes"
             and admin.list("apps/v1", "Deployment", "", namespace=namespace), timeout=60)
