"""Endpoints: Routes on OpenShift, Ingresses on Kubernetes when asked, and their hosts in status."""

import copy
import re
import subprocess
import sys
from typing import Any, get_args

import pytest
import yaml

from odh_operator import endpoints, status
from odh_operator.api.resource import InvalidResource, parse
from odh_operator.api.spec import ALL_MODELS, EndpointName
from odh_operator.cluster_facts import ClusterFacts
from odh_operator.live_state import ApiState
from odh_operator.platform import KUBERNETES, OPENSHIFT, OPENSHIFT_GROUP_VERSIONS, Platform
from odh_operator.readiness import Readiness
from odh_operator.reconcile import ClusterAccess, Outcome, reconcile
from odh_operator.render import render
from tests.unit.component_helpers import EXAMPLES
from tests.unit.fake_kube import FakeKube

Object = dict[str, Any]
EVERY_ENDPOINT = {"jupyterhub", "grafana", "prometheus", *ALL_MODELS}
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
EXPOSING = {"jupyterHub": {"enabled": True}, "monitoring": {"enabled": True}, "aiLibrary": {"enabled": True}}


def document(spec: Object, name: str = "odh", namespace: str = "team") -> Object:
    return {"apiVersion": "opendatahub.io/v1alpha1", "kind": "OpenDataHub",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def rendered(spec: Object, on: Platform, name: str = "odh", namespace: str = "team") -> list[Object]:
    return render(parse(document(spec, name, namespace)), platform=on)


def of_kind(objects: list[Object], kind: str) -> dict[str, Object]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def test_endpoint_names_are_the_exposed_services_and_every_model() -> None:
    assert set(get_args(EndpointName)) == EVERY_ENDPOINT


def test_openshift_gets_an_edge_route_per_endpoint_to_a_rendered_service_port() -> None:
    objects = rendered(EXPOSING, OPENSHIFT)
    routes = of_kind(objects, "Route")
    assert set(routes) == EVERY_ENDPOINT
    assert of_kind(objects, "Ingress") == {}
    services = of_kind(objects, "Service")
    for name, route in routes.items():
        assert route["apiVersion"] == "route.openshift.io/v1"
        spec = route["spec"]
        assert spec["tls"] == {"termination": "edge", "insecureEdgeTerminationPolicy": "Redirect"}
        assert "host" not in spec, "no domain: the router assigns the host"
        target = services[spec["to"]["name"]]
        assert spec["port"]["targetPort"] in [p["name"] for p in target["spec"]["ports"]]
        assert route["metadata"]["labels"][endpoints.ENDPOINT_LABEL] == name
        assert route["metadata"]["namespace"] == "team"
    assert routes["jupyterhub"]["spec"]["to"]["name"] == "jupyterhub-proxy-public"
    assert routes["sentiment-analysis"]["spec"]["to"]["name"] == "ai-library-sentiment-analysis"


def test_only_enabled_components_and_models_are_exposed() -> None:
    routes = of_kind(rendered({"monitoring": {"enabled": True},
                               "aiLibrary": {"enabled": True, "models": ["flake-analysis"]}}, OPENSHIFT), "Route")
    assert set(routes) == {"grafana", "prometheus", "flake-analysis"}


def test_plain_kubernetes_renders_neither_routes_nor_ingresses_by_default() -> None:
    objects = rendered(EXPOSING, KUBERNETES)
    assert not [o for o in objects if o["kind"] in ("Route", "Ingress")]


def test_ingress_with_class_built_hosts_overrides_and_tls() -> None:
    spec = {**EXPOSING, "endpoints": {
        "domain": "apps.example.com", "hosts": [{"name": "grafana", "host": "dashboards.example.org"}],
        "ingress": {"enabled": True, "className": "nginx", "tlsSecretName": "wildcard-tls"}}}
    objects = rendered(spec, KUBERNETES)
    assert of_kind(objects, "Route") == {}
    ingresses = of_kind(objects, "Ingress")
    assert set(ingresses) == EVERY_ENDPOINT
    services = of_kind(objects, "Service")
    for name, ingress in ingresses.items():
        (rule,) = ingress["spec"]["rules"]
        host = rule["host"]
        assert host == ("dashboards.example.org" if name == "grafana" else f"{name}-odh-team.apps.example.com")
        assert ingress["spec"]["ingressClassName"] == "nginx"
        assert ingress["spec"]["tls"] == [{"hosts": [host], "secretName": "wildcard-tls"}]
        (path,) = rule["http"]["paths"]
        assert path["path"] == "/" and path["pathType"] == "Prefix"
        backend = path["backend"]["service"]
        assert backend["port"]["name"] in [p["name"] for p in services[backend["name"]]["spec"]["ports"]]


def test_ingress_without_class_or_tls_leaves_them_out() -> None:
    spec = {"monitoring": {"enabled": True}, "endpoints": {"domain": "example.com", "ingress": {"enabled": True}}}
    grafana = of_kind(rendered(spec, KUBERNETES), "Ingress")["grafana"]
    assert "ingressClassName" not in grafana["spec"] and "tls" not in grafana["spec"]


def test_openshift_routes_ask_for_the_domain_host_and_ignore_the_ingress_settings() -> None:
    spec = {"monitoring": {"enabled": True},
            "endpoints": {"domain": "apps.ocp.example", "ingress": {"enabled": True, "className": "nginx"}}}
    objects = rendered(spec, OPENSHIFT)
    assert of_kind(objects, "Ingress") == {}
    assert of_kind(objects, "Route")["prometheus"]["spec"]["host"] == "prometheus-odh-team.apps.ocp.example"


def test_long_names_give_a_valid_hashed_host_label() -> None:
    namespace, name = "n" * 63, "platform-with-a-long-name"
    label = endpoints.host_label("duplicate-bug-detection", name, namespace)
    assert len(label) <= 63 and DNS_LABEL.match(label)
    assert label == endpoints.host_label("duplicate-bug-detection", name, namespace)
    assert label != endpoints.host_label("flake-analysis", name, namespace)
    assert endpoints.host_label("grafana", "odh", "team") == "grafana-odh-team"


@pytest.mark.parametrize(("settings", "field"), [
    ({"ingress": {"enabled": True}}, "ingress.enabled needs a domain"),
    ({"domain": "Apps.Example.com"}, "endpoints.domain"),
    ({"hosts": [{"name": "grafana", "host": "bad_host.example.com"}]}, "spec.endpoints.hosts[0].host"),
    ({"hosts": [{"name": "kibana", "host": "k.example.com"}]}, "spec.endpoints.hosts[0].name"),
    ({"hosts": [{"name": "grafana", "host": "a.example.com"}, {"name": "grafana", "host": "b.example.com"}]},
     "hosts lists an endpoint twice"),
    ({"ingress": {"enabled": True, "className": "Nginx!"}, "domain": "example.com"}, "endpoints.ingress.className"),
])
def test_bad_endpoint_settings_are_refused_naming_the_field(settings: Object, field: str) -> None:
    with pytest.raises(InvalidResource) as error:
        parse(document({"endpoints": settings}))
    assert any(field in problem for problem in error.value.problems), error.value.problems


def route(name: str, host: str | None = None, admitted: str | None = None, tls: bool = True) -> Object:
    obj: Object = {"apiVersion": "route.openshift.io/v1", "kind": "Route",
                   "metadata": {"name": name, "labels": {endpoints.ENDPOINT_LABEL: name}},
                   "spec": {"to": {"kind": "Service", "name": name}, **({"host": host} if host else {}),
                            **({"tls": {"termination": "edge"}} if tls else {})}}
    if admitted:
        obj["status"] = {"ingress": [{"host": admitted, "routerName": "default",
                                      "conditions": [{"type": "Admitted", "status": "True"}]}]}
    return obj


def test_status_hosts_come_from_the_router_then_the_spec() -> None:
    rejected = route("grafana", host="asked.example.com")
    rejected["status"] = {"ingress": [{"host": "asked.example.com", "conditions": [
        {"type": "Admitted", "status": "False", "reason": "HostAlreadyClaimed"}]}]}
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
               "metadata": {"name": "prometheus", "labels": {endpoints.ENDPOINT_LABEL: "prometheus"}},
               "spec": {"rules": [{"host": "p.example.com"}], "tls": [{"hosts": ["p.example.com"]}]}}
    plain = copy.deepcopy(ingress)
    plain["metadata"]["labels"][endpoints.ENDPOINT_LABEL] = "flake-analysis"
    del plain["spec"]["tls"]
    unlabelled = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x", "labels": {}}}
    found = endpoints.observed([route("jupyterhub", admitted="jupyterhub-team.apps.ocp"), rejected,
                                route("sentiment-analysis"), ingress, plain, unlabelled])
    assert found == [
        {"name": "flake-analysis", "kind": "Ingress", "url": "http://p.example.com"},
        {"name": "grafana", "kind": "Route", "url": "https://asked.example.com"},
        {"name": "jupyterhub", "kind": "Route", "url": "https://jupyterhub-team.apps.ocp"},
        {"name": "prometheus", "kind": "Ingress", "url": "https://p.example.com"},
        {"name": "sentiment-analysis", "kind": "Route"},
    ]


def test_status_endpoints_are_set_replaced_and_removed_once_none_is_left() -> None:
    results = [status.ComponentResult("MonitoringReady", Readiness("Ready", "Ready", ""))]
    listed = [{"name": "grafana", "kind": "Route", "url": "https://g"}]
    first = status.build(results, 1, None, endpoints=listed)
    assert first["endpoints"] == listed
    assert "endpoints" not in status.build(results, 1, None, endpoints=[]), "nothing to remove"
    assert status.build(results, 1, first, endpoints=[])["endpoints"] is None, "merge patch: null deletes"
    assert "endpoints" not in status.build(results, 1, first), "None leaves the field alone"


def openshift_pass(kube: FakeKube, spec: Object) -> Outcome:
    odh = document(spec)
    odh["metadata"].update(uid="uid-odh", generation=1)
    odh["status"] = (kube.get(odh) or {}).get("status")
    facts = ClusterFacts(group_versions=frozenset({"v1", *OPENSHIFT_GROUP_VERSIONS}))
    return reconcile(ClusterAccess(kube=kube, state=ApiState(kube), facts=facts), odh)  # type: ignore[arg-type]


def test_a_pass_on_openshift_reports_routes_and_prunes_a_disabled_components_endpoints() -> None:
    kube = FakeKube()
    spec = {"monitoring": {"enabled": True}, "aiLibrary": {"enabled": True, "models": ["flake-analysis"]}}
    first = openshift_pass(kube, spec)
    assert first.status["platform"] == OPENSHIFT
    assert [e["name"] for e in first.status["endpoints"]] == ["flake-analysis", "grafana", "prometheus"]
    assert all("url" not in e for e in first.status["endpoints"]), "no router yet, no host asked for"
    grafana = next(o for o in kube.objects.values() if o["kind"] == "Route" and o["metadata"]["name"] == "grafana")
    grafana["status"] = route("grafana", admitted="grafana-team.apps.ocp")["status"]  # the router admits it
    second = openshift_pass(kube, spec)
    assert {"name": "grafana", "kind": "Route", "url": "https://grafana-team.apps.ocp"} in second.status["endpoints"]
    kube.patch_status(document(spec), second.status)
    third = openshift_pass(kube, {**spec, "aiLibrary": {"enabled": False}})
    assert [e["name"] for e in third.status["endpoints"]] == ["grafana", "prometheus"]
    assert not [o for o in kube.objects.values() if o["kind"] == "Route" and o["metadata"]["name"] == "flake-analysis"]


def test_cli_renders_routes_for_openshift_and_none_for_kubernetes() -> None:
    example = str(EXAMPLES / "opendatahub-full.yaml")

    def kinds(*flags: str) -> list[str]:
        done = subprocess.run([sys.executable, "-m", "odh_operator", "render", "-f", example, *flags],
                              capture_output=True, text=True, check=True)
        return [d["kind"] for d in yaml.safe_load_all(done.stdout) if d]

    openshift = kinds("--platform", "openshift")
    assert openshift.count("Route") == 6 and "Ingress" not in openshift
    kubernetes = kinds("--platform", "kubernetes")
    assert "Route" not in kubernetes and "Ingress" not in kubernetes
