"""A generator of bug reports with known duplicates (no small, redistributable labelled set was at hand).

Every underlying bug is a distinct combination of a component, a symptom, a user action and an object, with
a platform and a detail of what the output shows (one of a few kinds: no per-bug error code, file or
version that would identify the bug by itself). A reporter describes it with a title template, a few
description sentences, synonyms of the words, some facts left out and some filler. ``Settings`` picks the
templates, the filler, the synonym probability and how much is left out. ``SEEN`` duplicates are written with
the known reports' templates and habits (another seed); ``HELD_OUT`` (unseen) ones with title, sentence and
filler templates the known reports never used.
"""

import random
from dataclasses import dataclass

Report = dict[str, str]  # id, bug, title, description

COMPONENTS = ["notebook server", "spark cluster", "model server", "object storage", "dashboard", "login page",
              "pipeline runner", "data catalog", "metrics exporter", "image builder", "scheduler", "api gateway",
              "search index", "billing service", "user settings", "file uploader", "chart widget", "cli tool",
              "webhook relay", "backup job", "gpu node", "message queue", "report export", "audit log", "sync agent"]
SYMPTOMS = ["crashes", "hangs", "shows wrong totals", "leaks memory", "returns error 500", "loses data",
            "times out", "renders blank", "duplicates entries", "ignores the setting", "is very slow", "rejects valid input"]
ACTIONS = ["saving", "deleting", "renaming", "uploading", "exporting", "importing", "restarting", "scaling",
           "sorting", "filtering", "sharing", "copying", "opening", "closing", "resizing", "refreshing",
           "logging out", "switching tabs", "pasting", "undoing", "retrying", "paginating", "zooming", "printing",
           "searching", "tagging", "archiving", "merging", "cloning", "scheduling"]
OBJECTS = ["a large file", "an empty project", "a shared folder", "a csv with unicode", "a long name",
           "two users at once", "a cached token", "a deleted branch", "a nested group", "a private repo",
           "a read-only volume", "an expired session", "a huge table", "a zero quantity", "a negative offset",
           "a renamed column", "a missing label", "a corrupted archive", "a slow network", "a custom theme",
           "a daylight saving date", "a proxy in between", "an ipv6 address", "a trailing slash",
           "a duplicate key", "a 4k screen", "a right-to-left language", "a leap year date", "a null field",
           "a very old browser", "many tabs", "a small window", "an emoji in the title", "a locked record",
           "a paused job", "an offline replica", "a mounted secret", "a stale cache", "a wrong timezone", "a full disk"]
DETAILS = ["a stack trace", "a 500 status", "an empty response", "a permission warning", "a null pointer",
           "a timeout message", "a retry loop", "a deprecation notice"]
PLATFORMS = ["Fedora 39", "RHEL 9", "Ubuntu 22.04", "macOS 14", "Windows 11", "OpenShift 4.14", "Firefox 121",
             "Chrome 120", "Safari 17", "Kubernetes 1.28"]
SYNONYMS = {
    "crashes": ["segfaults", "dies", "aborts"], "hangs": ["freezes", "gets stuck", "stops responding"],
    "leaks memory": ["memory keeps growing", "uses more and more RAM"], "times out": ["hits a timeout", "never finishes"],
    "is very slow": ["takes forever", "is sluggish"], "renders blank": ["shows an empty page", "displays nothing"],
    "saving": ["storing", "writing"], "deleting": ["removing", "erasing"], "uploading": ["sending", "pushing"],
    "large": ["big", "huge"], "error": ["failure", "fault"], "wrong": ["incorrect", "bad"], "opening": ["loading"],
    "restarting": ["rebooting"], "copying": ["duplicating"], "user": ["account"], "empty": ["blank"],
}
TITLES = [
    "{component} {symptom} when {action} {object}",
    "{component}: {symptom} after {action} {object}",
    "[{component}] {action} {object} -> {symptom}",
    "{symptom} in {component} ({action} {object})",
    "Cannot use {component}: it {symptom} on {action}",
    "{component} {symptom} on {platform}",
]
SENTENCES = [
    "When {action} {object} the {component} {symptom}.",
    "Steps: open the {component}, try {action} {object}.",
    "Expected it to work, but it {symptom}.",
    "Seen on {platform}.",
    "The log shows {detail}.",
    "Happens every time with {object}.",
    "After {action} {object}, the {component} {symptom} and I have to start over.",
    "Reproduced on {platform} with {detail} in the output.",
    "Our team hits this daily: {component} {symptom}.",
    "Workaround: avoid {action} {object} for now.",
    "Trying {action} {object} in the {component}: it {symptom}.",
    "Platform: {platform}; the console has {detail}.",
]
FILLER = ["Please fix soon.", "This worked in the previous release.", "Thanks for looking into it.",
          "Not sure if this is the right component.", "Priority is high for us.", "Let me know if you need logs.",
          "Screenshots attached.", "Maybe related to the last upgrade."]


@dataclass(frozen=True)
class Settings:
    seed: int
    titles: tuple[int, ...]  # indices into TITLES
    sentences: tuple[int, ...]  # indices into SENTENCES
    fillers: tuple[int, ...]  # indices into FILLER
    synonym_rate: float  # chance to use a synonym for a word that has some
    keep_fact: float  # chance each sentence is kept
    filler: int  # filler sentences at most


KNOWN = Settings(seed=11, titles=(0, 1, 2), sentences=(0, 1, 2, 3, 4, 5), fillers=(0, 1, 2, 3), synonym_rate=0.2,
                 keep_fact=0.8, filler=2)
SEEN = Settings(seed=13, titles=(0, 1, 2), sentences=(0, 1, 2, 3, 4, 5), fillers=(0, 1, 2, 3), synonym_rate=0.2,
                keep_fact=0.8, filler=2)
HELD_OUT = Settings(seed=12, titles=(3, 4, 5), sentences=(6, 7, 8, 9, 10, 11), fillers=(4, 5, 6, 7), synonym_rate=0.5,
                    keep_fact=0.6, filler=3)


def _bugs(rng: random.Random, count: int) -> list[dict[str, str]]:
    """``count`` distinct bugs: no two share component, symptom, action and object."""
    bugs: dict[tuple[str, str, str, str], dict[str, str]] = {}
    while len(bugs) < count:
        bug = {"component": rng.choice(COMPONENTS), "symptom": rng.choice(SYMPTOMS), "action": rng.choice(ACTIONS),
               "object": rng.choice(OBJECTS), "platform": rng.choice(PLATFORMS), "detail": rng.choice(DETAILS)}
        bugs.setdefault((bug["component"], bug["symptom"], bug["action"], bug["object"]), bug)
    return list(bugs.values())


def _reword(text: str, rng: random.Random, rate: float) -> str:
    for word, options in SYNONYMS.items():
        if word in text and rng.random() < rate:
            text = text.replace(word, rng.choice(options))
    return text


def write(bug: dict[str, str], settings: Settings, rng: random.Random) -> tuple[str, str]:
    """A title and description of one bug, as a reporter with these habits would write them."""
    title = _reword(rng.choice([TITLES[i] for i in settings.titles]).format(**bug), rng, settings.synonym_rate)
    chosen = [SENTENCES[i] for i in settings.sentences if rng.random() < settings.keep_fact] or [SENTENCES[settings.sentences[0]]]
    body = [_reword(s.format(**bug), rng, settings.synonym_rate) for s in chosen]
    body += rng.sample([FILLER[i] for i in settings.fillers], rng.randint(0, settings.filler))
    rng.shuffle(body)
    return title[0].upper() + title[1:], " ".join(body)


def corpus(known: int, duplicates: int, settings: Settings = HELD_OUT) -> tuple[list[Report], list[Report]]:
    """``known`` reports of distinct bugs, and ``duplicates`` new reports of some of those bugs, written with
    ``settings`` (``SEEN`` or ``HELD_OUT``)."""
    rng = random.Random(KNOWN.seed)
    bugs = _bugs(rng, known)
    reports = []
    for index, bug in enumerate(bugs):
        title, description = write(bug, KNOWN, rng)
        reports.append({"id": f"BUG-{index + 1:05d}", "title": title, "description": description})
    held = random.Random(settings.seed)
    queries = []
    for index, target in enumerate(held.sample(range(known), duplicates)):
        title, description = write(bugs[target], settings, held)
        queries.append({"id": f"NEW-{index + 1:04d}", "duplicate_of": reports[target]["id"], "title": title,
                        "description": description})
    return reports, queries
