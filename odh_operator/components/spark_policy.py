"""Admission policies that keep Spark jobs inside the platform's bounds (ValidatingAdmissionPolicy, CEL).

The Spark operator passes a SparkApplication's driver and executor ServiceAccount, volumes, security contexts,
pod templates and ``sparkConf`` through to the pods it creates, and its own webhook checks none of them; the
driver's user code runs as the job namespace's ``spark`` account, which may create pods. Two policies close
both doors:

- ``application_policy``: SparkApplications and ScheduledSparkApplications (their ``spec.template``) may name
  no ServiceAccount but ``spark``, no hostPath or other unsafe volume, no privileged or root container, no host
  namespace, no pod template that breaks the same rules, and no ``sparkConf`` key that would do any of this
  behind the fields' back (Spark 4.0's Kubernetes settings, kubeflow/spark-operator v2.5.2's submission).
- ``driver_pod_policy``: pods that the ``spark`` account creates (executors, or anything a driver's code asks
  for) run as ``spark`` and under the same host and privilege rules.

Admission policies see objects as plain maps (a field that is absent is absent, whatever the schema), so every
optional field is guarded with ``has()``. Each rule is one validation whose message names its field.
"""

import json
from typing import Any

Object = dict[str, Any]

# Volume sources that reach neither the node nor storage outside the namespace's own claims.
SAFE_VOLUME_SOURCES = ("configMap", "secret", "emptyDir", "persistentVolumeClaim", "projected", "downwardAPI",
                       "ephemeral")
# Volume types Spark mounts from spark.kubernetes.{driver,executor}.volumes.<type>.*: the others are hostPath, nfs.
SAFE_SPARK_CONF_VOLUMES = ("persistentVolumeClaim", "emptyDir")
# sparkConf keys refused outright (Python re and RE2 alike; matched case-insensitively). Each names a
# ServiceAccount, a credential or file of the submitting operator pod, a pod template, the namespace or code
# that rewrites the pod:
REFUSED_SPARK_CONF = (
    r"spark\.kubernetes\.authenticate\.",  # driver/executor serviceAccountName, tokens and cert files to mount
    r"spark\.kubernetes\.namespace$",  # the operator's --conf comes first: this one would win
    r"spark\.kubernetes\.(driver|executor)\.podtemplate",  # podTemplateFile, podTemplateContainerName
    r"spark\.kubernetes\.(driver|executor)\.pod\.featuresteps",  # classes that rewrite the pod after all checks
    r"spark\.kubernetes\.file\.upload\.path",  # uploads local files of the submitting (operator) pod
    r"spark\.kubernetes\.kerberos\.krb5\.path",  # a local file of the operator pod, put in a ConfigMap
    r"spark\.(kerberos|yarn)\.keytab",  # a local file of the operator pod, put in a Secret
)
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
# CEL paths that always exist where the rules use them: the application spec (spec and spec.template are required
# by the CRDs' schemas, checked before admission policies run), a pod's spec, a container in a list.
KNOWN_ROOTS = ("variables.app", "object.spec", "c")


def cel(value: Any) -> str:
    """A CEL literal (string or list of strings): JSON's quoting is valid CEL."""
    return json.dumps(value)


def _unset_or(path: str, predicate: str) -> str:
    """``predicate`` holds, or some field along the dotted ``path`` (below a root known to exist) is absent."""
    root = next(r for r in KNOWN_ROOTS if path.startswith(r + "."))
    fields = path[len(root) + 1:].split(".")
    guards = [f"!has({'.'.join([root, *fields[:i + 1]])})" for i in range(len(fields))]
    return " || ".join([*guards, predicate])


def _validation(expression: str, message: str, at: str | None) -> Object:
    """One rule; with ``at`` (a CEL string expression) the message is prefixed by it at admission time."""
    rule: Object = {"expression": expression, "message": message}
    if at is not None:
        rule["messageExpression"] = f"{at} + {cel(message.removeprefix('spec.'))}"
    return rule


def _security_context_rules(path: str, label: str, at: str | None, pod_level: bool = False) -> list[Object]:
    """No root user, and for a container no privileged mode, escalation or added capabilities."""
    rules = [_validation(_unset_or(f"{path}.runAsUser", f"{path}.runAsUser != 0"),
                         f"{label}.runAsUser must not be 0 (root)", at)]
    if not pod_level:
        rules = [
            _validation(_unset_or(f"{path}.privileged", f"{path}.privileged != true"),
                        f"{label}.privileged must not be true", at),
            _validation(_unset_or(f"{path}.allowPrivilegeEscalation", f"{path}.allowPrivilegeEscalation != true"),
                        f"{label}.allowPrivilegeEscalation must not be true", at),
            _validation(_unset_or(f"{path}.capabilities.add", f"size({path}.capabilities.add) == 0"),
                        f"{label}.capabilities.add must be empty", at),
            *rules,
        ]
    return rules


def _container_list_rules(owner: str, field: str, label: str, at: str | None) -> list[Object]:
    """The security context rules for every container of the list ``owner.field``."""
    return [
        {**rule, "expression": _unset_or(f"{owner}.{field}", f"{owner}.{field}.all(c, {rule['expression']})")}
        for rule in _security_context_rules("c.securityContext", f"{label}[].securityContext", at)
    ]


def _volume_rules(path: str, label: str, at: str | None) -> list[Object]:
    """No hostPath volume (its own message), and only sources from the safe list."""
    allowed = cel(["name", *SAFE_VOLUME_SOURCES])
    return [
        _validation(_unset_or(path, f"{path}.all(v, !has(v.hostPath))"), f"{label} must not hold a hostPath volume",
                    at),
        _validation(_unset_or(path, f"{path}.all(v, v.all(k, k in {allowed}))"),
                    f"{label} may hold only {', '.join(SAFE_VOLUME_SOURCES)} volumes", at),
    ]


def pod_spec_rules(spec: str, label: str, service_account: str, at: str | None = None,
                   account_required: bool = False) -> list[Object]:
    """The rules for a pod spec at CEL path ``spec``, named ``label`` in messages.

    A pod template may leave the account unset (Spark then uses the application's); a pod must name it.
    """
    names = cel(["", service_account] if not account_required else [service_account])
    if account_required:
        account = f"has({spec}.serviceAccountName) && {spec}.serviceAccountName == {cel(service_account)}"
        wording = f'must be "{service_account}"'
    else:
        account = _unset_or(f"{spec}.serviceAccountName", f"{spec}.serviceAccountName in {names}")
        wording = f'must be absent or "{service_account}"'
    rules = [
        _validation(account, f"{label}.serviceAccountName {wording}", at),
        # The deprecated alias: Spark reads it from a template when serviceAccountName is unset.
        _validation(_unset_or(f"{spec}.serviceAccount", f"{spec}.serviceAccount in {cel(['', service_account])}"),
                    f"{label}.serviceAccount {wording}", at),
    ]
    for host in ("hostNetwork", "hostPID", "hostIPC"):
        rules.append(_validation(_unset_or(f"{spec}.{host}", f"{spec}.{host} != true"),
                                 f"{label}.{host} must not be true", at))
    rules += _volume_rules(f"{spec}.volumes", f"{label}.volumes", at)
    rules += _security_context_rules(f"{spec}.securityContext", f"{label}.securityContext", at, pod_level=True)
    for field in CONTAINER_LISTS:
        rules += _container_list_rules(spec, field, f"{label}.{field}", at)
    return rules


def refused_spark_conf(key: str) -> str:
    """A CEL condition on a sparkConf ``key`` (a CEL expression): true when the key is refused."""
    refused = cel("(?i)^(" + "|".join(REFUSED_SPARK_CONF) + ")")
    volumes = cel(r"(?i)^spark\.kubernetes\.(driver|executor)\.volumes\.")
    safe = cel(r"^spark\.kubernetes\.(driver|executor)\.volumes\.(" + "|".join(SAFE_SPARK_CONF_VOLUMES) + r")\.")
    # spark-submit splits "--conf key=value" at the first "=": a key holding one would set another key.
    split = cel(r"[=\s]")
    return (f"{key}.matches({refused}) || {key}.matches({split}) "
            f"|| ({key}.matches({volumes}) && !{key}.matches({safe}))")


def application_rules(service_account: str) -> list[Object]:
    """The rules for one application spec (``variables.app``), messages prefixed by ``variables.at``."""
    app, at = "variables.app", "variables.at"
    rules: list[Object] = []
    for role in ("driver", "executor"):
        owner, label = f"{app}.{role}", f"spec.{role}"
        rules.append(_validation(
            _unset_or(f"{owner}.serviceAccount", f"{owner}.serviceAccount == {cel(service_account)}"),
            f'{label}.serviceAccount must be absent or "{service_account}"', at))
        rules.append(_validation(_unset_or(f"{owner}.hostNetwork", f"{owner}.hostNetwork != true"),
                                 f"{label}.hostNetwork must not be true", at))
        rules += _security_context_rules(f"{owner}.securityContext", f"{label}.securityContext", at)
        rules += _security_context_rules(f"{owner}.podSecurityContext", f"{label}.podSecurityContext", at,
                                         pod_level=True)
        for field in ("sidecars", "initContainers"):
            rules += _container_list_rules(owner, field, f"{label}.{field}", at)
        rules += pod_spec_rules(f"{owner}.template.spec", f"{label}.template.spec", service_account, at)
    rules += _volume_rules(f"{app}.volumes", "spec.volumes", at)
    rules.append({
        "expression": "size(variables.refusedConf) == 0",
        "message": "spec.sparkConf must not set a ServiceAccount, namespace, pod template, hostPath or nfs volume, "
                   "or a local file of the operator pod",
        "messageExpression": f"{at} + 'sparkConf must not set ' + variables.refusedConf.join(', ') + "
                             "' (a ServiceAccount, namespace, pod template, hostPath or nfs volume, or a local file "
                             "of the operator pod)'",
    })
    return rules


def application_policy(service_account: str) -> Object:
    """The spec of the policy on SparkApplications and ScheduledSparkApplications (their spec.template)."""
    scheduled = "object.kind == 'ScheduledSparkApplication'"
    return {
        "failurePolicy": "Fail",
        "matchConstraints": {"resourceRules": [{
            "apiGroups": ["sparkoperator.k8s.io"], "apiVersions": ["*"],
            "resources": ["sparkapplications", "scheduledsparkapplications"], "operations": ["CREATE", "UPDATE"],
        }]},
        "variables": [
            {"name": "app", "expression": f"{scheduled} ? object.spec.template : object.spec"},
            {"name": "at", "expression": f"{scheduled} ? 'spec.template.' : 'spec.'"},
            {"name": "refusedConf", "expression": "!has(variables.app.sparkConf) ? [] : "
                                                  f"variables.app.sparkConf.filter(k, {refused_spark_conf('k')})"},
        ],
        "validations": application_rules(service_account),
    }


def driver_pod_policy(service_account: str) -> Object:
    """The spec of the policy on pods created by the job namespace's ``service_account`` (Spark drivers)."""
    return {
        "failurePolicy": "Fail",
        "matchConstraints": {"resourceRules": [{
            "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"], "operations": ["CREATE"],
        }]},
        "matchConditions": [{
            "name": "created-by-spark-drivers",
            "expression": f"request.userInfo.username == 'system:serviceaccount:' + request.namespace + "
                          f"{cel(':' + service_account)}",
        }],
        "validations": pod_spec_rules("object.spec", "spec", service_account, account_required=True),
    }


def binding(policy: str, namespaces: list[str]) -> Object:
    """The spec of a binding that denies what ``policy`` refuses, in ``namespaces`` only."""
    return {
        "policyName": policy,
        "validationActions": ["Deny"],
        "matchResources": {"namespaceSelector": {"matchExpressions": [
            {"key": "kubernetes.io/metadata.name", "operator": "In", "values": namespaces},
        ]}},
    }
