"""flake-analysis: a failed test's log -> probability that the failure is a flake, and the nearest known failure.

The served model: the log normalised (numbers, hex ids and addresses replaced by placeholders), TF-IDF over
word uni- and bigrams and over character 3- to 5-grams (which carry over to messages worded differently), a
logistic regression whose output is calibrated by Platt scaling fitted on cross-validated scores.
The nearest known failure is found by the log's failure lines (those naming an error, a failure, a timeout...),
compared by TF-IDF cosine; the answer's cluster is the DBSCAN cluster (over the known failures' failure lines)
of the nearest clustered one among the five nearest (-1 for none). The known failures are data:
``known_failures.jsonl.gz`` beside the weights (``id``, ``log``, ``flaky``, ``cluster``), so a data lake copy
can replace them.
"""

import gzip
import json
import re
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from odh_ai_library import vocabulary
from odh_ai_library.serving import Field, Fields, LibraryModel, Output

VECTORIZERS: dict[str, dict[str, Any]] = {  # name -> TfidfVectorizer options
    "words": {"ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True, "token_pattern": r"[a-z_<>][a-z0-9_<>.]+"},
    "characters": {"analyzer": "char_wb", "ngram_range": (3, 5), "min_df": 2, "sublinear_tf": True},
    "failures": {"ngram_range": (1, 2), "min_df": 1, "sublinear_tf": True, "token_pattern": r"[a-z_<>][a-z0-9_<>.]+"},
}
CLASSIFIER_FEATURES = ("words", "characters")  # "failures" only finds the nearest known failure
NEIGHBOURS = 5  # known failures looked at for the cluster
# Words that mark a failure line, each found in the training logs' messages (a test checks it): none was added
# for wording that only held-out logs use.
FAILURE_WORDS = ("error", "fail", "exception", "timeout", "timed out", "refused", "panic", "evict", "exceeded",
                 "conflict", "cannot", "invalid", "too many", "stale", "misbehaving", r"\b409\b", r"\b429\b")
FAILURE_LINE = re.compile("|".join(FAILURE_WORDS), re.IGNORECASE)
_RULES = [
    (re.compile(r"\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b"), " <ip> "),
    (re.compile(r"\b0x[0-9a-f]+\b|\b[0-9a-f]{5,}\b"), " <hex> "),
    (re.compile(r"\d+"), "<n>"),
]


def normalize(log: str) -> str:
    """Lower case, with the parts that differ between runs of the same failure replaced by placeholders."""
    text = log.lower()
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    return text


def failure_lines(log: str) -> str:
    """The lines of a log that say what failed (the last three lines when none does), normalised."""
    lines = log.splitlines()
    return normalize("\n".join([line for line in lines if FAILURE_LINE.search(line)] or lines[-3:]))


def read_known(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as source:
        return [json.loads(line) for line in source if line.strip()]


def write_known(path: Path, known: list[dict[str, Any]]) -> None:
    with gzip.GzipFile(path, "wb", mtime=0) as raw:
        raw.write("".join(json.dumps(k, sort_keys=True) + "\n" for k in known).encode())


class Flakes:
    """The trained classifier plus the known failures it searches."""

    def __init__(self, vectorizers: dict[str, TfidfVectorizer], coef: np.ndarray, intercept: float, platt: tuple[float, float],
                 known: list[dict[str, Any]]) -> None:
        self.vectorizers, self.coef, self.intercept, self.platt = vectorizers, coef, intercept, platt
        self.known = known
        self.known_failures = self.vectorizers["failures"].transform([failure_lines(k["log"]) for k in known]).T.tocsr()

    def features(self, logs: list[str]) -> sparse.csr_matrix:
        """Both TF-IDF blocks, each L2-normalised, side by side (so a row's norm is sqrt(2))."""
        texts = [normalize(log) for log in logs]
        return sparse.hstack([self.vectorizers[name].transform(texts) for name in CLASSIFIER_FEATURES]).tocsr()

    def decision(self, logs: list[str]) -> np.ndarray:
        return np.asarray(self.features(logs) @ self.coef + self.intercept)

    def probability(self, logs: list[str]) -> np.ndarray:
        a, b = self.platt
        return 1.0 / (1.0 + np.exp(-(a * self.decision(logs) + b)))

    def analyse(self, log: str) -> Fields:
        vector = self.features([log])
        probability = float(1.0 / (1.0 + np.exp(-(self.platt[0] * (vector @ self.coef + self.intercept)[0]
                                                   + self.platt[1]))))
        failures = self.vectorizers["failures"].transform([failure_lines(log)])
        similarity = (failures @ self.known_failures).toarray()[0]  # cosine: rows are L2-normalised
        if not self.known:
            return {"flake_probability": round(probability, 6), "cluster": -1, "nearest_failure": "", "similarity": 0.0}
        ranked = np.argsort(-similarity)[:NEIGHBOURS]
        nearest = self.known[int(ranked[0])]
        # The cluster of the nearest clustered failure among the closest few (-1 when none of them is clustered).
        cluster = next((int(self.known[int(i)]["cluster"]) for i in ranked if self.known[int(i)]["cluster"] >= 0), -1)
        return {"flake_probability": round(probability, 6), "cluster": cluster, "nearest_failure": str(nearest["id"]),
                "similarity": round(float(similarity[ranked[0]]), 6)}

    def save(self, folder: Path) -> None:
        for name, vectorizer in self.vectorizers.items():
            vocabulary.save(vectorizer, folder, name)
        np.savez_compressed(folder / "weights.npz", coef=self.coef.astype(np.float32), intercept=np.array([self.intercept]),
                            platt=np.array(self.platt))
        write_known(folder / "known_failures.jsonl.gz", self.known)

    @classmethod
    def load(cls, folder: Path) -> "Flakes":
        weights = np.load(folder / "weights.npz", allow_pickle=False)
        platt = weights["platt"]
        return cls({name: vocabulary.load(folder, name, **options) for name, options in VECTORIZERS.items()}, weights["coef"].astype(np.float64),
                   float(weights["intercept"][0]), (float(platt[0]), float(platt[1])),
                   read_known(folder / "known_failures.jsonl.gz"))


class FlakeAnalysis(LibraryModel):
    """MLServer runtime: ``log`` -> ``flake_probability``, ``cluster``, ``nearest_failure``, ``similarity``."""

    artifact = "flake-analysis"
    required_file = "known_failures.jsonl.gz"
    schema: ClassVar[dict[str, Field]] = {"log": Field(str, max_chars=500_000)}
    answer_fields: ClassVar[dict[str, Output]] = {"flake_probability": Output("FP64"), "cluster": Output("INT64"),
                                                  "nearest_failure": Output("BYTES"), "similarity": Output("FP64")}
    text_field = "log"

    def open(self, folder: Path) -> None:
        self.model = Flakes.load(folder)

    def answer(self, fields: Fields) -> Fields:
        return self.model.analyse(fields["log"])
