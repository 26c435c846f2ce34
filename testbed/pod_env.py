"""What a kubelet computes for a container before it starts it, as pure functions: the environment
(``env``, ``envFrom``, ``valueFrom`` with Secret, ConfigMap, field and resource references, ``$(VAR)``
expansion, Service links), the command line, the user, and the files of the Secret, ConfigMap, downward
API and projected volumes with the kubelet's atomic ``..data`` symlink layout.

Whatever a kubelet would refuse (a missing Secret or key that is not optional, a root user under
``runAsNonRoot``) raises :class:`PodRefused` with the kubelet's wording.
"""

from __future__ import annotations

import base64
import math
import os
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

Object = dict[str, Any]
# (kind "Secret" | "ConfigMap", name) -> the object in the pod's namespace, or None if it does not exist.
Lookup = Callable[[str, str], Object | None]
Files = dict[str, tuple[bytes, int]]  # relative path -> (content, mode)

DEFAULT_MODE = 0o644
_ANNOTATION_OR_LABEL = re.compile(r"^metadata\.(labels|annotations)\['([^']+)'\]$")
_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|E)?$")
_SUFFIX: dict[str, int | Decimal] = {
    "": 1, "m": Decimal("0.001"), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
}


class PodRefused(Exception):
    """The pod cannot start as specified: a kubelet would report CreateContainerConfigError or FailedMount."""


@dataclass(frozen=True)
class Image:
    """What the runner knows of an image: entry point, default command, environment, working dir, user."""

    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    user: int = 0
    group: int = 0  # the primary group of ``user`` in the image's /etc/passwd
    user_name: str = ""  # the name the image's /etc/passwd gives ``user`` (home: the image's HOME)


def expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes ``$(VAR)`` expansion: a defined variable is replaced, an undefined one kept as written,
    ``$$`` is a literal ``$``."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "$" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt == "(":
                end = text.find(")", i + 2)
                if end != -1:
                    name = text[i + 2 : end]
                    out.append(env[name] if name in env else text[i : end + 1])
                    i = end + 1
                    continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _decoded(obj: Object, key: str) -> bytes | None:
    """A key of a Secret (base64 ``data``) or ConfigMap (``data`` or ``binaryData``) as bytes."""
    if obj.get("kind") == "Secret":
        if key in (obj.get("data") or {}):
            return base64.b64decode(obj["data"][key])
        if key in (obj.get("stringData") or {}):
            return str(obj["stringData"][key]).encode()
        return None
    if key in (obj.get("data") or {}):
        return str(obj["data"][key]).encode()
    if key in (obj.get("binaryData") or {}):
        return base64.b64decode(obj["binaryData"][key])
    return None


def _keys(obj: Object) -> list[str]:
    return sorted({*(obj.get("data") or {}), *(obj.get("binaryData") or {}), *(obj.get("stringData") or {})})


def _key_ref(kind: str, ref: Object, lookup: Lookup) -> str | None:
    """The value of a secretKeyRef / configMapKeyRef, None when optional and absent."""
    noun = "secret" if kind == "Secret" else "configmap"
    obj = lookup(kind, ref["name"])
    if obj is None:
        if ref.get("optional"):
            return None
        raise PodRefused(f'{noun} "{ref["name"]}" not found')
    value = _decoded(obj, ref["key"])
    if value is None:
        if ref.get("optional"):
            return None
        raise PodRefused(f'couldn\'t find key {ref["key"]} in {kind} {obj["metadata"].get("namespace", "")}/'
                         f'{ref["name"]}')
    return value.decode()


def field_value(pod: Object, path: str) -> str:
    """A downward API ``fieldRef`` value."""
    meta, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    simple = {
        "metadata.name": meta.get("name", ""),
        "metadata.namespace": meta.get("namespace", ""),
        "metadata.uid": meta.get("uid", ""),
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "status.hostIP": status.get("hostIP", ""),
        "status.podIP": status.get("podIP", ""),
        "status.podIPs": ",".join(p["ip"] for p in status.get("podIPs") or []),
    }
    if path in simple:
        return str(simple[path])
    match = _ANNOTATION_OR_LABEL.match(path)
    if match:
        return str((meta.get(match.group(1)) or {}).get(match.group(2), ""))
    if path in ("metadata.labels", "metadata.annotations"):
        items = sorted((meta.get(path.split(".")[1]) or {}).items())
        return "\n".join(f'{k}="{v}"' for k, v in items)
    raise PodRefused(f"unsupported fieldRef {path!r}")


def quantity(value: str) -> Decimal:
    """A Kubernetes quantity as a number."""
    match = _QUANTITY.match(str(value))
    if not match:
        raise PodRefused(f"invalid quantity {value!r}")
    return Decimal(match.group(1)) * Decimal(_SUFFIX[match.group(2) or ""])


def resource_value(container: Object, ref: Object) -> str:
    """A ``resourceFieldRef`` value: the limit or request divided by the divisor, rounded up (a kubelet
    with no limit set reports the node's allocatable; here the request, else 0 is not guessed: refused)."""
    kind, _, resource = ref["resource"].partition(".")
    resources = container.get("resources") or {}
    raw = (resources.get(kind) or {}).get(resource)
    if raw is None and kind == "requests":
        raw = (resources.get("limits") or {}).get(resource)
    if raw is None:
        raise PodRefused(f"resourceFieldRef {ref['resource']} has no value in the container (node allocatable "
                         "is not modelled)")
    divisor = quantity(str(ref.get("divisor") or "1"))
    return str(math.ceil(quantity(str(raw)) / divisor))


def service_links(services: list[Object]) -> dict[str, str]:
    """The Docker-links style variables a kubelet sets for each Service of the namespace."""
    env: dict[str, str] = {}
    for svc in services:
        spec = svc.get("spec") or {}
        ip = spec.get("clusterIP")
        if not ip or ip == "None" or not spec.get("ports"):
            continue
        name = svc["metadata"]["name"].upper().replace("-", "_")
        first = spec["ports"][0]
        env[f"{name}_SERVICE_HOST"] = ip
        env[f"{name}_SERVICE_PORT"] = str(first["port"])
        for port in spec["ports"]:
            if port.get("name"):
                env[f"{name}_SERVICE_PORT_{port['name'].upper().replace('-', '_')}"] = str(port["port"])
        proto = first.get("protocol", "TCP").lower()
        url = f"{proto}://{ip}:{first['port']}"
        env[f"{name}_PORT"] = url
        for port in spec["ports"]:
            p = port.get("protocol", "TCP")
            prefix = f"{name}_PORT_{port['port']}_{p}"
            env[prefix] = f"{p.lower()}://{ip}:{port['port']}"
            env[f"{prefix}_PROTO"] = p.lower()
            env[f"{prefix}_PORT"] = str(port["port"])
            env[f"{prefix}_ADDR"] = ip
    return env


def container_env(pod: Object, container: Object, lookup: Lookup, services: list[Object],
                  kubernetes_host: str, kubernetes_port: int = 443, image: Image | None = None) -> dict[str, str]:
    """The container's environment as a kubelet builds it (image env, Service links, envFrom, env)."""
    spec = pod.get("spec") or {}
    env: dict[str, str] = dict(image.env) if image else {}
    env["HOSTNAME"] = spec.get("hostname") or pod["metadata"]["name"]
    links = service_links(services) if spec.get("enableServiceLinks", True) else {}
    env.update(links)
    env["KUBERNETES_SERVICE_HOST"] = kubernetes_host
    env["KUBERNETES_SERVICE_PORT"] = str(kubernetes_port)
    env["KUBERNETES_SERVICE_PORT_HTTPS"] = str(kubernetes_port)
    own: dict[str, str] = {}  # what $(VAR) may refer to: the container's own variables only
    for source in container.get("envFrom") or []:
        kind, ref = ("Secret", source["secretRef"]) if "secretRef" in source else ("ConfigMap", source["configMapRef"])
        obj = lookup(kind, ref["name"])
        if obj is None:
            if ref.get("optional"):
                continue
            raise PodRefused(f'{"secret" if kind == "Secret" else "configmap"} "{ref["name"]}" not found')
        for key in _keys(obj):
            data = _decoded(obj, key)
            assert data is not None
            own[source.get("prefix", "") + key] = data.decode()
    for item in container.get("env") or []:
        name = item["name"]
        if "valueFrom" not in item:
            own[name] = expand(str(item.get("value", "")), own)
            continue
        source = item["valueFrom"]
        value: str | None
        if "secretKeyRef" in source:
            value = _key_ref("Secret", source["secretKeyRef"], lookup)
        elif "configMapKeyRef" in source:
            value = _key_ref("ConfigMap", source["configMapKeyRef"], lookup)
        elif "fieldRef" in source:
            value = field_value(pod, source["fieldRef"]["fieldPath"])
        elif "resourceFieldRef" in source:
            value = resource_value(container, source["resourceFieldRef"])
        else:
            raise PodRefused(f"unsupported valueFrom in env {name}: {sorted(source)}")
        if value is not None:
            own[name] = value
    env.update(own)
    return env


def command_line(container: Object, image: Image, env: Mapping[str, str]) -> list[str]:
    """The argv: ``command`` replaces the entry point (and drops the image's cmd), ``args`` the cmd;
    ``$(VAR)`` expanded in both."""
    if container.get("command"):
        argv = [*container["command"], *(container.get("args") or [])]
    else:
        argv = [*image.entrypoint, *(container["args"] if container.get("args") else image.cmd)]
    if not argv:
        raise PodRefused("no command specified")
    return [expand(str(a), env) for a in argv]


@dataclass(frozen=True)
class Identity:
    """Who the container runs as."""

    uid: int
    gid: int
    groups: tuple[int, ...]


def identity(pod: Object, container: Object, image: Image) -> Identity:
    """runAsUser / runAsGroup (container over pod over image), fsGroup and supplementalGroups; refused as a
    kubelet refuses a root user under runAsNonRoot."""
    pod_sc = (pod.get("spec") or {}).get("securityContext") or {}
    sc = container.get("securityContext") or {}

    def pick(key: str) -> Any:
        return sc[key] if sc.get(key) is not None else pod_sc.get(key)

    uid = pick("runAsUser")
    uid = image.user if uid is None else int(uid)
    if pick("runAsNonRoot") and uid == 0:
        raise PodRefused("container has runAsNonRoot and image will run as root")
    gid = pick("runAsGroup")
    gid = image.group if gid is None else int(gid)
    groups = [int(g) for g in pod_sc.get("supplementalGroups") or []]
    if pod_sc.get("fsGroup") is not None:
        groups.append(int(pod_sc["fsGroup"]))
    return Identity(uid, gid, tuple(dict.fromkeys([gid, *groups])))


def _items(obj: Object | None, source: Object, kind: str, name: str, default_mode: int) -> Files:
    if obj is None:
        if source.get("optional"):
            return {}
        raise PodRefused(f'{"secret" if kind == "Secret" else "configmap"} "{name}" not found')
    files: Files = {}
    if source.get("items"):
        for item in source["items"]:
            value = _decoded(obj, item["key"])
            if value is None:
                if source.get("optional"):
                    continue
                raise PodRefused(f'configmap references non-existent config key: {item["key"]}' if kind == "ConfigMap"
                                 else f'references non-existent secret key: {item["key"]}')
            files[item["path"]] = (value, int(item.get("mode", default_mode)))
    else:
        for key in _keys(obj):
            value = _decoded(obj, key)
            assert value is not None
            files[key] = (value, default_mode)
    return files


def volume_files(pod: Object, volume: Object, lookup: Lookup, token: Callable[[Object], str]) -> Files | None:
    """The files of a Secret, ConfigMap, downward API or projected volume; None for other kinds (emptyDir,
    persistentVolumeClaim), which the runner provides as directories. ``token`` answers a
    serviceAccountToken projection (the runner calls the TokenRequest API)."""
    if "secret" in volume:
        src = volume["secret"]
        return _items(lookup("Secret", src["secretName"]), src, "Secret", src["secretName"],
                      int(src.get("defaultMode", DEFAULT_MODE)))
    if "configMap" in volume:
        src = volume["configMap"]
        return _items(lookup("ConfigMap", src["name"]), src, "ConfigMap", src["name"],
                      int(src.get("defaultMode", DEFAULT_MODE)))
    if "downwardAPI" in volume:
        src = volume["downwardAPI"]
        return _downward(pod, src.get("items") or [], int(src.get("defaultMode", DEFAULT_MODE)))
    if "projected" in volume:
        src = volume["projected"]
        mode = int(src.get("defaultMode", DEFAULT_MODE))
        files: Files = {}
        for part in src.get("sources") or []:
            if "serviceAccountToken" in part:
                sat = part["serviceAccountToken"]
                files[sat["path"]] = (token(sat).encode(), mode)
            elif "configMap" in part:
                cm = part["configMap"]
                files.update(_items(lookup("ConfigMap", cm["name"]), cm, "ConfigMap", cm["name"], mode))
            elif "secret" in part:
                sec = part["secret"]
                files.update(_items(lookup("Secret", sec["name"]), sec, "Secret", sec["name"], mode))
            elif "downwardAPI" in part:
                files.update(_downward(pod, part["downwardAPI"].get("items") or [], mode))
            else:
                raise PodRefused(f"unsupported projected source {sorted(part)}")
        return files
    return None


def _downward(pod: Object, items: list[Object], mode: int) -> Files:
    files: Files = {}
    for item in items:
        if "fieldRef" not in item:
            raise PodRefused("downward API volume: only fieldRef items are supported")
        files[item["path"]] = (field_value(pod, item["fieldRef"]["fieldPath"]).encode(), int(item.get("mode", mode)))
    return files


def write_atomic(target: Path, files: Files, stamp: str, gid: int | None = None) -> None:
    """Write ``files`` the way the kubelet's AtomicWriter does: into ``..<stamp>/``, then the symlink
    ``..data`` -> ``..<stamp>`` swapped by rename, and one symlink per top-level entry -> ``..data/<entry>``.
    With ``gid`` (the pod's fsGroup) the files belong to that group."""
    target.mkdir(parents=True, exist_ok=True)
    payload = target / f"..{stamp}"
    payload.mkdir()
    for rel, (content, mode) in files.items():
        path = payload / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        path.chmod(mode)
        if gid is not None:
            os.chown(path, -1, gid)
    payload.chmod(0o755)
    tmp = target / "..data_tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(payload.name)
    old = os.readlink(target / "..data") if (target / "..data").is_symlink() else None
    tmp.rename(target / "..data")
    for top in sorted({rel.split("/", 1)[0] for rel in files}):
        link = target / top
        if not link.is_symlink():
            link.symlink_to(f"..data/{top}")
    if old and old != payload.name:
        shutil.rmtree(target / old, ignore_errors=True)


def passwd_with(host_passwd: str, image: Image, uid: int, gid: int) -> str | None:
    """The host's /etc/passwd plus the image's entry for ``uid`` when the host has none (Java and others read the
    home directory from there, not from $HOME); None when nothing is to add."""
    if any(line.split(":")[2:3] == [str(uid)] for line in host_passwd.splitlines() if line.count(":") >= 6):
        return None
    name = image.user_name if uid == image.user and image.user_name else f"uid{uid}"
    home = image.env.get("HOME", "/")
    return host_passwd.rstrip("\n") + f"\n{name}:x:{uid}:{gid}::{home}:/bin/sh\n"
