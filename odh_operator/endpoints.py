"""Endpoints users reach from outside the cluster: Routes on OpenShift, Ingresses on Kubernetes, hosts in status.

Templates ask ``endpoints.expose(name, service)`` for each endpoint their component serves (JupyterHub's public
proxy, Grafana, Prometheus, each model server) and render a Route or an Ingress from the answer; the status
reads the hosts back from the live objects (``observed``): a Route's admitted host where a router wrote one,
else its ``spec.host``; an Ingress's host from its rule.
"""

import hashlib
from dataclasses import dataclass
from typing import Any

from odh_operator.api.spec import EndpointsSpec
from odh_operator.platform import OPENSHIFT, Platform

Object = dict[str, Any]
ENDPOINT_LABEL = "opendatahub.io/endpoint"  # on each Route and Ingress: the endpoint it exposes
ROUTE = ("route.openshift.io/v1", "Route")
INGRESS = ("networking.k8s.io/v1", "Ingress")
MAX_LABEL = 63  # a DNS label's length limit


def host_label(endpoint: str, name: str, namespace: str) -> str:
    """The first DNS label of a built host, ``<endpoint>-<name>-<namespace>``, hashed past 63 characters."""
    label = f"{endpoint}-{name}-{namespace}"
    if len(label) <= MAX_LABEL:
        return label
    digest = hashlib.sha256(label.encode()).hexdigest()[:8]
    return f"{label[:MAX_LABEL - 9].rstrip('-')}-{digest}"


@dataclass(frozen=True)
class Endpoint:
    """One exposed endpoint as the templates render it."""

    name: str  # jupyterhub, grafana, prometheus or a model's name: the Route's/Ingress's name
    service: str  # the Service it reaches
    port: str  # the Service's port name
    host: str | None  # None on OpenShift when the router assigns one
    labels: dict[str, str]


@dataclass(frozen=True)
class Endpoints:
    """What the spec and the platform say about exposing endpoints: the ``endpoints`` template variable."""

    spec: EndpointsSpec
    platform: Platform
    name: str  # the OpenDataHub's
    namespace: str

    @property
    def routes(self) -> bool:
        """Render Routes (OpenShift)."""
        return self.platform == OPENSHIFT

    @property
    def ingresses(self) -> bool:
        """Render Ingresses (Kubernetes, when the spec asks)."""
        return self.platform != OPENSHIFT and self.spec.ingress.enabled

    @property
    def ingress_class(self) -> str | None:
        """The IngressClass, or None for the cluster's default."""
        return self.spec.ingress.class_name

    @property
    def tls_secret(self) -> str | None:
        """The Secret Ingresses terminate TLS with, or None for plain HTTP."""
        return self.spec.ingress.tls_secret_name

    def host(self, endpoint: str) -> str | None:
        """The host of an endpoint: listed under hosts, else built in the domain, else None."""
        for listed in self.spec.hosts:
            if listed.name == endpoint:
                return listed.host
        if self.spec.domain is None:
            return None
        return f"{host_label(endpoint, self.name, self.namespace)}.{self.spec.domain}"

    def expose(self, endpoint: str, service: str, port: str = "http") -> Endpoint:
        """One endpoint of a component, reaching ``service`` on its port named ``port``."""
        return Endpoint(name=endpoint, service=service, port=port, host=self.host(endpoint),
                        labels={ENDPOINT_LABEL: endpoint})


def _route_url(route: Object) -> str | None:
    """https://host of a Route: the host a router admitted it with, else the one its spec asks for."""
    admitted = [
        i.get("host") for i in (route.get("status") or {}).get("ingress") or []
        if i.get("host") and any(c.get("type") == "Admitted" and c.get("status") == "True"
                                 for c in i.get("conditions") or [])
    ]
    host = admitted[0] if admitted else (route.get("spec") or {}).get("host")
    if not host:
        return None
    secure = bool((route.get("spec") or {}).get("tls"))
    return f"{'https' if secure else 'http'}://{host}"


def _ingress_url(ingress: Object) -> str | None:
    """http(s)://host of an Ingress's first rule; https when its TLS section covers that host."""
    spec = ingress.get("spec") or {}
    hosts = [r["host"] for r in spec.get("rules") or [] if r.get("host")]
    if not hosts:
        return None
    secure = any(hosts[0] in (t.get("hosts") or []) for t in spec.get("tls") or [])
    return f"{'https' if secure else 'http'}://{hosts[0]}"


def observed(live: list[Object]) -> list[dict[str, str]]:
    """status.endpoints from live objects: one entry per exposed endpoint, sorted by name; an endpoint whose
    host is not known yet (a Route the router has not admitted, with no host asked for) has no url."""
    found: dict[str, dict[str, str]] = {}
    for obj in live:
        kind = (obj.get("apiVersion"), obj.get("kind"))
        endpoint = ((obj.get("metadata") or {}).get("labels") or {}).get(ENDPOINT_LABEL)
        if endpoint is None or kind not in (ROUTE, INGRESS):
            continue
        url = _route_url(obj) if kind == ROUTE else _ingress_url(obj)
        found[endpoint] = {"name": endpoint, "kind": str(obj["kind"]), **({"url": url} if url else {})}
    return [found[name] for name in sorted(found)]
