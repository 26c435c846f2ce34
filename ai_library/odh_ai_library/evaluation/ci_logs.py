"""A generator of failed CI test logs, labelled flaky or not (no small, redistributable labelled set exists).

A log is a job header, set-up noise, passing tests, then one failure. Flaky failures are infrastructure
and timing trouble (timeouts, refused connections, evictions, rate limits, conflicts, races); real ones are
product bugs (assertions, exceptions, compile and type errors). Each failure kind has several message
variants; ``Settings`` picks the kinds, the variants, the jobs, the noise lines and the seed.

Three settings: ``TRAINING`` (the known logs), ``SEEN`` (new logs from the training settings, another seed:
in-distribution) and ``HELD_OUT`` (unseen: it shares no message variant, job or noise template with
``TRAINING``, and a third of its failures are of kinds the training logs never show, in
``UNSEEN_FLAKY``/``UNSEEN_REAL``). The unseen kinds and the variants 2 were written after the served model's
failure-line pattern was fixed; the pattern was not changed for them.
"""

import random
from dataclasses import dataclass

Log = dict[str, object]  # id, log, flaky, kind

FLAKY: dict[str, list[str]] = {
    "timeout": [
        "Timed out after {n}s waiting for pod {pod} to become Ready",
        "TimeoutError: condition not met within {n} seconds: deployment/{svc} available",
        "context deadline exceeded while waiting for {svc} rollout (waited {n}s)",
    ],
    "connection": [
        "dial tcp 10.{a}.{b}.{c}:{port}: connect: connection refused",
        "requests.exceptions.ConnectionError: HTTPConnectionPool(host='{svc}', port={port}): Max retries exceeded",
        "read tcp 10.{a}.{b}.{c}:{port}: connection reset by peer",
    ],
    "dns": [
        "Temporary failure in name resolution: {svc}.svc.cluster.local",
        "lookup {svc} on 10.96.0.10:53: server misbehaving",
        "getaddrinfo EAI_AGAIN {svc}.{ns}.svc",
    ],
    "conflict": [
        "Operation cannot be fulfilled on configmaps \"{svc}\": the object has been modified; please apply your changes to the latest version and try again",
        "409 Conflict: resourceVersion {n} is too old for {svc}",
        "etcdserver: request timed out, possibly due to previous leader failure",
    ],
    "rate_limit": [
        "toomanyrequests: You have reached your pull rate limit for image {img}",
        "HTTP 429 Too Many Requests from registry while pulling {img}",
        "Error: ImagePullBackOff for {img}: back-off pulling image",
    ],
    "eviction": [
        "The node was low on resource: memory. Container {pod} was using {n}Mi, which exceeds its request",
        "pod {pod} evicted: node had condition DiskPressure",
        "OOMKilled: container {pod} exited with code 137",
    ],
    "race": [
        "stale element reference: element is not attached to the page document ({svc} page)",
        "assert eventually: expected {svc} to report 3 replicas, saw 2 (retrying gave up after {n} tries)",
        "address already in use: bind 127.0.0.1:{port}",
    ],
}
REAL: dict[str, list[str]] = {
    "assertion": [
        "AssertionError: assert {x} == {y} in test_{fn}",
        "FAIL: test_{fn}: expected status {x} but got {y}",
        "E       AssertionError: {fn}() returned {x}, expected {y}",
    ],
    "exception": [
        "AttributeError: 'NoneType' object has no attribute '{fn}'",
        "KeyError: '{fn}' in {mod}.{fn}_handler",
        "TypeError: {fn}() takes 2 positional arguments but {x} were given",
    ],
    "import": [
        "ModuleNotFoundError: No module named '{mod}.{fn}'",
        "ImportError: cannot import name '{fn}' from '{mod}'",
        "NameError: name '{fn}' is not defined",
    ],
    "compile": [
        "{mod}/{fn}.go:{x}:{y}: undefined: {fn}Handler",
        "{mod}/{fn}.go:{x}: cannot use {fn} (variable of type int) as string value in argument",
        "error[E0425]: cannot find value `{fn}` in this scope --> src/{mod}.rs:{x}:{y}",
    ],
    "typecheck": [
        "{mod}/{fn}.py:{x}: error: Incompatible return value type (got \"str\", expected \"int\")",
        "{mod}/{fn}.py:{x}: error: Argument 1 to \"{fn}\" has incompatible type",
        "{mod}.ts({x},{y}): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'",
    ],
    "null": [
        "java.lang.NullPointerException at org.{mod}.{fn}Service.handle({fn}Service.java:{x})",
        "panic: runtime error: invalid memory address or nil pointer dereference [{fn}]",
        "Segmentation fault (core dumped) in lib{mod}.so ({fn}+0x{x})",
    ],
}
# Failure kinds that only the held-out (unseen) settings use.
UNSEEN_FLAKY: dict[str, list[str]] = {
    "disk": [
        "write /var/lib/{svc}/data: no space left on device",
        "node {pod} has insufficient ephemeral-storage; {n}Mi requested",
        "mkdir /tmp/{svc}-{n}: disk quota reached on the runner",
    ],
    "clock": [
        "x509: certificate has expired or is not yet valid: current time is ahead of the runner's clock",
        "token used before issued (iat in the future by {n}s): clock skew on runner",
        "NTP sync lost on runner: timestamps went backwards by {n}ms",
    ],
    "cloud_api": [
        "RequestLimitExceeded: the {svc} API throttled the cloud account, retry later",
        "InsufficientInstanceCapacity: no spare capacity in the zone for {svc} workers",
        "ServiceUnavailable (503) from the cloud provider while creating volume for {pod}",
    ],
}
UNSEEN_REAL: dict[str, list[str]] = {
    "overflow": [
        "OverflowError: int too large to convert to float in {mod}.{fn}",
        "thread 'main' panicked at 'attempt to add with overflow', src/{mod}.rs:{x}:{y}",
        "ArithmeticException: integer overflow in {fn}Counter.add({fn}Counter.java:{x})",
    ],
    "encoding": [
        "UnicodeDecodeError: 'utf-8' codec can't decode byte 0x{x} in position {y}: invalid start byte",
        "json.decoder.JSONDecodeError: Expecting value: line {x} column {y} (char {n})",
        "yaml.scanner.ScannerError: mapping values are not allowed here in \"{mod}.yaml\", line {x}",
    ],
    "schema": [
        "pydantic_core.ValidationError: 1 validation error for {fn}Spec: field required",
        "jsonschema.ValidationError: '{fn}' is a required property of {mod}",
        "sqlalchemy.exc.ProgrammingError: column \"{fn}\" of relation \"{mod}\" does not exist",
    ],
}
JOBS = ["unit", "integration", "e2e-aws", "e2e-gcp", "lint", "upgrade", "e2e-kind", "perf", "e2e-metal", "docs"]
WORDS = ["notebook", "spark", "router", "gateway", "storage", "registry", "pipeline", "serving", "auth", "metrics",
         "ingest", "scheduler", "cache", "proxy", "webhook", "catalog", "quota", "volume", "tenant", "build"]
NOISE = [
    "Collecting {mod}>=1.{x}", "Pulling image {img}", "Successfully installed {mod}-{x}.{y}",
    "Running step {x}/{y}: {fn}", "INFO {mod}: started {fn} in {n}ms", "WARNING: deprecated option --{fn}",
    "+ make {fn}", "Cloning into '{mod}'...", "Downloading {mod}-{x}.{y}.tar.gz ({n} kB)",
    "ok  \tgithub.com/org/{mod}/{fn}\t{x}.{y}s", "PASSED tests/test_{mod}.py::test_{fn}",
    "Restoring cache key {mod}-{n}", "[{x}/{y}] Compiling {mod} v0.{x}.{y}", "npm notice created a lockfile as {fn}.json",
    "Step {x}/{y} : RUN make {fn}", "  --> {fn} done ({n} ms)", "Uploading artifact {mod}.tar ({n} kB)",
]


@dataclass(frozen=True)
class Settings:
    """Generator settings: the seed, the failure kinds and message variants, the jobs and the noise."""

    seed: int
    variants: tuple[int, ...]  # indices into each kind's messages
    jobs: tuple[str, ...]
    noise: tuple[int, ...]  # indices into NOISE
    noise_lines: tuple[int, int]
    unseen_kinds: bool = False  # also draw failures of the UNSEEN_* kinds
    label_noise: float = 0.03  # share of logs whose label a human triager got wrong


TRAINING = Settings(seed=1, variants=(0, 1), jobs=tuple(JOBS[:5]), noise=tuple(range(11)), noise_lines=(10, 40))
SEEN = Settings(seed=3, variants=(0, 1), jobs=tuple(JOBS[:5]), noise=tuple(range(11)), noise_lines=(10, 40))
HELD_OUT = Settings(seed=2, variants=(2,), jobs=tuple(JOBS[5:]), noise=tuple(range(11, len(NOISE))),
                    noise_lines=(20, 60), unseen_kinds=True)


def kinds(settings: Settings, flaky: bool) -> dict[str, list[str]]:
    """The failure kinds (name -> messages) these settings draw from."""
    known = FLAKY if flaky else REAL
    return {**known, **(UNSEEN_FLAKY if flaky else UNSEEN_REAL)} if settings.unseen_kinds else known


def templates(settings: Settings, kind: str, flaky: bool) -> list[str]:
    """The message templates of one kind under these settings: all of an unseen kind's, else the chosen variants."""
    every = kinds(settings, flaky)[kind]
    return every if kind in UNSEEN_FLAKY or kind in UNSEEN_REAL else [every[i] for i in settings.variants]


def messages(settings: Settings) -> list[str]:
    """Every message template these settings can write."""
    return [m for flaky in (True, False) for kind in kinds(settings, flaky) for m in templates(settings, kind, flaky)]


def _fill(template: str, rng: random.Random) -> str:
    word = rng.choice(WORDS)
    return template.format(
        n=rng.randint(30, 900), pod=f"{word}-{rng.randrange(16**5):05x}", svc=word, ns=rng.choice(WORDS),
        a=rng.randint(0, 255), b=rng.randint(0, 255), c=rng.randint(1, 254), port=rng.choice([443, 8080, 5432, 6379]),
        img=f"quay.io/org/{word}:v{rng.randint(1, 9)}.{rng.randint(0, 20)}", x=rng.randint(1, 400),
        y=rng.randint(1, 400), fn=rng.choice(WORDS) + "_" + rng.choice(WORDS), mod=rng.choice(WORDS),
    )


def generate(settings: Settings, count: int, prefix: str) -> list[Log]:
    """``count`` failed logs, about half of them flaky."""
    rng = random.Random(settings.seed)
    logs: list[Log] = []
    for index in range(count):
        flaky = rng.random() < 0.5
        drawn = kinds(settings, flaky)
        kind = rng.choice(sorted(drawn))
        message = _fill(rng.choice(templates(settings, kind, flaky)), rng)
        job = rng.choice(settings.jobs)
        noise = [NOISE[i] for i in settings.noise]
        lines = [f"+ job {job} #{rng.randint(1000, 9999)} on runner-{rng.randint(1, 40)}"]
        lines += [_fill(rng.choice(noise), rng) for _ in range(rng.randint(*settings.noise_lines))]
        lines += [f"--- FAIL: test_{_fill('{fn}', rng)} ({rng.randint(1, 300)}.{rng.randint(0, 99):02d}s)", message]
        lines += [_fill(rng.choice(noise), rng) for _ in range(rng.randint(0, 5))]
        lines.append(f"ERROR: job {job} failed with exit code {rng.choice([1, 2, 124, 137])}")
        labelled = flaky if rng.random() >= settings.label_noise else not flaky
        logs.append({"id": f"{prefix}-{index:05d}", "log": "\n".join(lines), "flaky": labelled, "kind": kind})
    return logs
