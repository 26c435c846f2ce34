"""flake-analysis: known logs -> expected answers; held-out figures recomputed on a slice; disjoint settings."""

import re

import numpy as np

from odh_ai_library.evaluation import ci_logs
from odh_ai_library.evaluation.flakes import NcdFlakes, scores
from odh_ai_library.flake_analysis import FAILURE_WORDS, Flakes, normalize

INFRA = "+ job e2e-aws #1234 on runner-3\nPulling image quay.io/org/x:v1.2\n--- FAIL: test_router (12.00s)\n" \
        "dial tcp 10.1.2.3:443: connect: connection refused\nERROR: job e2e-aws failed with exit code 1"
BUG = "+ job unit #4321 on runner-7\nCollecting spark>=1.2\n--- FAIL: test_cache (1.00s)\n" \
      "AttributeError: 'NoneType' object has no attribute 'cache_quota'\nERROR: job unit failed with exit code 1"


def test_normalize_hides_what_differs_between_runs() -> None:
    assert normalize("Pod web-3f9a2c failed at 10.0.0.12:8080 after 300s") == normalize(
        "Pod web-77ab01 failed at 10.9.8.7:443 after 12s")


def test_known_inputs(flakes: Flakes) -> None:
    infra, bug = flakes.analyse(INFRA), flakes.analyse(BUG)
    assert infra["flake_probability"] > 0.8 > 0.2 > bug["flake_probability"]
    assert infra["nearest_failure"].startswith("known-") and 0 < infra["similarity"] <= 1
    assert set(infra) == {"flake_probability", "cluster", "nearest_failure", "similarity"}
    known = flakes.known[0]
    assert flakes.analyse(known["log"])["nearest_failure"] == known["id"]  # a known log finds itself


def test_unseen_slice_meets_the_full_evaluation(flakes: Flakes) -> None:
    """The full evaluation (400 unseen logs) measured ROC AUC 0.86, precision 0.89, recall 0.50; a 150-log slice."""
    test = ci_logs.generate(ci_logs.HELD_OUT, 150, "unseen")
    flaky = np.array([t["flaky"] for t in test])
    figures = scores(flaky, flakes.probability([str(t["log"]) for t in test]))
    assert figures["roc_auc"] >= 0.8 and figures["precision"] >= 0.75 and figures["recall"] >= 0.4, figures


def message_lines(logs: list[dict[str, object]]) -> set[str]:
    """The failure message of each log (the line after ``--- FAIL:``), normalised."""
    found = set()
    for log in logs:
        lines = str(log["log"]).splitlines()
        found.add(normalize(lines[next(i for i, line in enumerate(lines) if line.startswith("--- FAIL:")) + 1]))
    return found


def test_held_out_settings_share_nothing_with_training() -> None:
    training, unseen = ci_logs.TRAINING, ci_logs.HELD_OUT
    assert not set(training.variants) & set(unseen.variants)
    assert not set(training.jobs) & set(unseen.jobs)
    assert not set(training.noise) & set(unseen.noise)
    assert not set(ci_logs.messages(training)) & set(ci_logs.messages(unseen))
    assert unseen.seed not in (training.seed, ci_logs.SEEN.seed)
    # New failure kinds, not only new wording: about a third of the unseen logs are of kinds training never shows.
    known = ci_logs.generate(training, 800, "known")
    test = ci_logs.generate(unseen, 400, "unseen")
    new_kinds = {str(t["kind"]) for t in test} - {str(k["kind"]) for k in known}
    assert new_kinds == set(ci_logs.UNSEEN_FLAKY) | set(ci_logs.UNSEEN_REAL)
    assert 0.25 < sum(t["kind"] in new_kinds for t in test) / len(test) < 0.4
    # No unseen failure message equals a training one, even after normalisation; no job or noise line is shared.
    assert not message_lines(known) & message_lines(test)
    jobs = {str(log["log"]).split()[2] for log in known}
    assert jobs == set(training.jobs) and not jobs & {str(log["log"]).split()[2] for log in test}


def test_seen_settings_are_the_training_settings_with_another_seed() -> None:
    assert ci_logs.SEEN == ci_logs.Settings(**{**vars(ci_logs.TRAINING), "seed": ci_logs.SEEN.seed})
    assert ci_logs.SEEN.seed != ci_logs.TRAINING.seed


def test_failure_words_come_from_training_messages_only() -> None:
    """Every word that marks a failure line is in some training message: none was written for held-out wording."""
    training = ci_logs.messages(ci_logs.TRAINING)
    for word in FAILURE_WORDS:
        assert any(re.search(word, m, re.IGNORECASE) for m in training), word


def test_reference_method_clusters_and_votes() -> None:
    known = ci_logs.generate(ci_logs.TRAINING, 120, "k")
    reference = NcdFlakes([str(k["log"]) for k in known], np.array([k["flaky"] for k in known]))
    assert set(reference.clusters) <= {-1, *reference.rates}  # DBSCAN's labels, noise as -1
    test = ci_logs.generate(ci_logs.SEEN, 40, "s")
    probability = np.array([reference.probability(str(t["log"])) for t in test])
    assert ((0 <= probability) & (probability <= 1)).all()
    assert scores(np.array([t["flaky"] for t in test]), probability)["roc_auc"] > 0.6
