"""Flake analysis: the original method (NCD + DBSCAN + nearest-cluster vote) vs the served TF-IDF model.

Both learn from the same generated training logs (``ci_logs.TRAINING``) and are scored on the same two test
sets: ``seen`` (new logs from the training settings, another seed) and ``unseen`` (``ci_logs.HELD_OUT``: no
variant, job or noise template of the training logs, and failure kinds they never show): precision and recall
at probability 0.5, ROC AUC and Brier score, each with a bootstrap 95% interval, and the paired difference.

The reference, as the original AI Library's flake analysis worked: logs are tokenised and token counts over
the known logs drop the ubiquitous tokens (those in more than half of the logs: job boiler-plate); the rest
is compared by normalized compression distance (zlib), known logs are clustered by DBSCAN on that distance,
and a new log takes the flake rate of the cluster of its nearest clustered known log (the label of its
nearest log when that one is noise).
"""

import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.cluster import DBSCAN
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from scipy import sparse
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import cross_val_predict

from odh_ai_library.evaluation import ci_logs
from odh_ai_library.evaluation.intervals import Metric, compare, estimate, mean_of
from odh_ai_library.flake_analysis import CLASSIFIER_FEATURES, VECTORIZERS, Flakes, failure_lines, normalize

TRAINING_LOGS = 800
HELD_OUT_LOGS = 400
C_GRID = (1.0, 4.0, 16.0)
TOKEN = __import__("re").compile(r"[a-z_<>][a-z0-9_<>.]+")


class NcdFlakes:
    """The original method: token-count filtering, normalized compression distance, DBSCAN, nearest-cluster vote."""

    def __init__(self, logs: list[str], flaky: np.ndarray, eps_grid: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)) -> None:
        token_lists = [TOKEN.findall(normalize(log)) for log in logs]
        counts = Counter(t for tokens in token_lists for t in set(tokens))
        self.common = {t for t, n in counts.items() if n > len(logs) / 2}
        self.texts = [self._text(tokens) for tokens in token_lists]
        self.sizes = np.array([len(zlib.compress(t)) for t in self.texts])
        n = len(logs)
        distance = np.zeros((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                distance[i, j] = distance[j, i] = self._ncd(self.texts[i], self.sizes[i], self.texts[j], self.sizes[j])
        self.flaky = flaky.astype(float)
        best = max(eps_grid, key=lambda eps: self._leave_one_out(distance, eps))
        self.eps = best
        self.clusters = DBSCAN(eps=best, min_samples=3, metric="precomputed").fit_predict(distance)
        self.rates = {c: float(self.flaky[self.clusters == c].mean()) for c in set(self.clusters) if c >= 0}

    def _text(self, tokens: list[str]) -> bytes:
        return " ".join(t for t in tokens if t not in self.common).encode()

    @staticmethod
    def _ncd(x: bytes, cx: int, y: bytes, cy: int) -> float:
        return (len(zlib.compress(x + b" " + y)) - min(cx, cy)) / max(cx, cy)

    def _vote(self, distances: np.ndarray, clusters: np.ndarray, rates: dict[int, float], flaky: np.ndarray) -> float:
        order = np.argsort(distances)
        for index in order[:10]:
            if clusters[index] >= 0:
                return rates[int(clusters[index])]
        return float(flaky[order[0]])

    def _leave_one_out(self, distance: np.ndarray, eps: float) -> float:
        clusters = DBSCAN(eps=eps, min_samples=3, metric="precomputed").fit_predict(distance)
        rates = {c: float(self.flaky[clusters == c].mean()) for c in set(clusters) if c >= 0}
        hits = 0
        for i in range(len(clusters)):
            row = distance[i].copy()
            row[i] = np.inf
            hits += int((self._vote(row, clusters, rates, self.flaky) >= 0.5) == bool(self.flaky[i]))
        return hits / len(clusters)

    def probability(self, log: str) -> float:
        text = self._text(TOKEN.findall(normalize(log)))
        size = len(zlib.compress(text))
        distances = np.array([self._ncd(text, size, t, s) for t, s in zip(self.texts, self.sizes)])
        return self._vote(distances, self.clusters, self.rates, self.flaky)


def train_served(logs: list[dict[str, Any]]) -> tuple[Flakes, dict[str, Any]]:
    """TF-IDF + logistic regression (C by 5-fold log loss), Platt-calibrated on out-of-fold scores; known logs
    clustered by DBSCAN on the cosine distance of their failure lines."""
    texts = [normalize(str(log["log"])) for log in logs]
    flaky = np.array([bool(log["flaky"]) for log in logs])
    vectorizers = {name: TfidfVectorizer(**VECTORIZERS[name]).fit(texts) for name in CLASSIFIER_FEATURES}
    failures = [failure_lines(str(log["log"])) for log in logs]
    vectorizers["failures"] = TfidfVectorizer(**VECTORIZERS["failures"]).fit(failures)
    features = sparse.hstack([vectorizers[name].transform(texts) for name in CLASSIFIER_FEATURES]).tocsr()
    out_of_fold, losses = {}, {}
    for c in C_GRID:
        out_of_fold[c] = cross_val_predict(LogisticRegression(C=c, max_iter=3000), features, flaky, cv=5,
                                           method="decision_function")
        losses[c] = float(log_loss(flaky, 1.0 / (1.0 + np.exp(-out_of_fold[c]))))
    best = min(C_GRID, key=losses.__getitem__)
    platt = LogisticRegression(C=1e6).fit(out_of_fold[best].reshape(-1, 1), flaky)
    regression = LogisticRegression(C=best, max_iter=3000).fit(features, flaky)
    clusters = DBSCAN(eps=0.4, min_samples=3, metric="cosine").fit_predict(vectorizers["failures"].transform(failures))
    known = [{"id": log["id"], "log": log["log"], "flaky": bool(log["flaky"]), "cluster": int(c)}
             for log, c in zip(logs, clusters)]
    model = Flakes(vectorizers, regression.coef_[0].astype(np.float64), float(regression.intercept_[0]),
                   (float(platt.coef_[0][0]), float(platt.intercept_[0])), known)
    return model, {"cross_validation_log_loss_by_C": losses, "chosen_C": best, "clusters": len(set(clusters) - {-1})}


def train(out: Path) -> dict[str, Any]:
    logs = ci_logs.generate(ci_logs.TRAINING, TRAINING_LOGS, "known")
    out.mkdir(parents=True, exist_ok=True)
    model, report = train_served(logs)
    model.save(out)
    return {"training_logs": len(logs), **report}


def metrics(flaky: np.ndarray, probability: np.ndarray) -> dict[str, tuple[Metric, bool]]:
    """name -> (metric over item indices, higher is better)."""
    predicted = probability >= 0.5

    def precision(i: np.ndarray) -> float:
        return float(flaky[i][predicted[i]].mean()) if predicted[i].any() else 0.0

    return {
        "precision": (precision, True),
        "recall": (lambda i: float(predicted[i][flaky[i]].mean()), True),
        "roc_auc": (lambda i: float(roc_auc_score(flaky[i], probability[i])), True),
        "brier": (lambda i: float(np.mean((probability[i] - flaky[i]) ** 2)), False),
    }


def scores(flaky: np.ndarray, probability: np.ndarray) -> dict[str, float]:
    """The figures on all items (no interval)."""
    everything = np.arange(len(flaky))
    return {name: round(metric(everything), 3) for name, (metric, _) in metrics(flaky, probability).items()}


def test_sets(count: int = HELD_OUT_LOGS) -> dict[str, list[dict[str, Any]]]:
    """The two test sets: seen (training settings, another seed) and unseen (the held-out settings)."""
    return {"seen": ci_logs.generate(ci_logs.SEEN, count, "seen"),
            "unseen": ci_logs.generate(ci_logs.HELD_OUT, count, "unseen")}


def evaluate(models: Path, held_out: int = HELD_OUT_LOGS) -> dict[str, Any]:
    """Reference vs served on the same seen and unseen logs, with intervals; the served model is the stored one."""
    served = Flakes.load(models / "flake-analysis")
    known_logs = [str(k["log"]) for k in served.known]
    reference = NcdFlakes(known_logs, np.array([bool(k["flaky"]) for k in served.known]))
    known_kinds = {str(k["id"]): k["kind"] for k in ci_logs.generate(ci_logs.TRAINING, TRAINING_LOGS, "known")}
    result: dict[str, Any] = {"known_logs": len(known_logs), "reference_eps": reference.eps}
    for name, test in test_sets(held_out).items():
        logs = [str(t["log"]) for t in test]
        flaky = np.array([bool(t["flaky"]) for t in test])
        ours = metrics(flaky, served.probability(logs))
        theirs = metrics(flaky, np.array([reference.probability(log) for log in logs]))
        # The generator knows each log's failure kind: is the nearest known failure of the same kind (for the logs
        # of kinds that the known logs have)?
        comparable = [t for t in test if t["kind"] in set(known_kinds.values())]
        same = np.array([known_kinds.get(served.analyse(str(t["log"]))["nearest_failure"]) == t["kind"] for t in comparable])
        result[name] = {
            "logs": len(test),
            "unseen_kind_share": round(1 - len(comparable) / len(test), 3),
            **{metric: compare(theirs[metric][0], ours[metric][0], len(test), ours[metric][1]) for metric in ours},
            "served_nearest_failure_same_kind": estimate(mean_of(same), len(same)),
        }
    return result
