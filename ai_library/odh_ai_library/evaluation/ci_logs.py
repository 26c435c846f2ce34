"""A generator of failed CI test logs, labelled flaky or not (no small, redistributable labelled set exists).

A log is a job header, set-up noise, passing tests, then one failure. Flaky failures are infrastructure
and timing trouble (timeouts, refused connections, evictions, rate limits, conflicts, races); real ones are
product bugs (assertions, exceptions, compile and type errors). Each failure kind has several message
variants; ``Settings`` picks which variants, how much noise and which seed, so the held-out logs come from
settings the training logs never used (other variants, other jobs, more noise, another seed).
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
JOBS = ["unit", "integration", "e2e-aws", "e2e-gcp", "lint", "upgrade", "e2e-kind", "perf", "e2e-metal", "docs"]
WORDS = ["notebook", "spark", "router", "gateway", "storage", "registry", "pipeline", "serving", "auth", "metrics",
         "ingest", "scheduler", "cache", "proxy", "webhook", "catalog", "quota", "volume", "tenant", "build"]
NOISE = [
    "Collecting {mod}>=1.{x}", "Pulling image {img}", "Successfully installed {mod}-{x}.{y}",
    "Running step {x}/{y}: {fn}", "INFO {mod}: started {fn} in {n}ms", "WARNING: deprecated option --{fn}",
    "+ make {fn}", "Cloning into '{mod}'...", "Downloading {mod}-{x}.{y}.tar.gz ({n} kB)",
    "ok  \tgithub.com/org/{mod}/{fn}\t{x}.{y}s", "PASSED tests/test_{mod}.py::test_{fn}",
]


@dataclass(frozen=True)
class Settings:
    """Generator settings: the seed, which message variants, which jobs and how much noise."""

    seed: int
    variants: tuple[int, ...]
    jobs: tuple[str, ...]
    noise_lines: tuple[int, int]
    label_noise: float = 0.03  # share of logs whose label a human triager got wrong


TRAINING = Settings(seed=1, variants=(0, 1), jobs=tuple(JOBS[:6]), noise_lines=(10, 40))
HELD_OUT = Settings(seed=2, variants=(1, 2), jobs=tuple(JOBS[4:]), noise_lines=(20, 60))


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
        kinds = FLAKY if flaky else REAL
        kind = rng.choice(sorted(kinds))
        message = _fill(kinds[kind][rng.choice(settings.variants)], rng)
        job = rng.choice(settings.jobs)
        lines = [f"+ job {job} #{rng.randint(1000, 9999)} on runner-{rng.randint(1, 40)}"]
        lines += [_fill(rng.choice(NOISE), rng) for _ in range(rng.randint(*settings.noise_lines))]
        lines += [f"--- FAIL: test_{_fill('{fn}', rng)} ({rng.randint(1, 300)}.{rng.randint(0, 99):02d}s)", message]
        lines += [_fill(rng.choice(NOISE), rng) for _ in range(rng.randint(0, 5))]
        lines.append(f"ERROR: job {job} failed with exit code {rng.choice([1, 2, 124, 137])}")
        labelled = flaky if rng.random() >= settings.label_noise else not flaky
        logs.append({"id": f"{prefix}-{index:05d}", "log": "\n".join(lines), "flaky": labelled, "kind": kind})
    return logs
